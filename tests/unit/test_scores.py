"""Scoring translations: sacreBLEU's BLEU and chrF with bootstrap intervals, and d2l's BLEU."""

import collections
import math
import os

import numpy as np
import pytest
import sacrebleu
from sacrebleu.metrics import BLEU, CHRF

from d2lrnn import scores

HYPOTHESES = [
    "le chat est assis sur le tapis .",
    "il fait beau aujourd'hui .",
    "je suis là .",
    "nous avons faim .",
    "elle lit un livre .",
    "tom est parti .",
]
REFERENCES = [  # one to three references per sentence
    ["le chat est assis sur le tapis ."],
    ["il fait beau .", "le temps est beau aujourd'hui ."],
    ["je suis ici .", "me voici .", "je suis là !"],
    ["on a faim .", "nous avons faim ."],
    ["elle lit un roman ."],
    ["tom s'en est allé .", "tom est parti ."],
]


def test_reference_streams_pad_with_none():
    assert scores.reference_streams([["a"], ["b", "c"], ["d", "e", "f"]]) == [
        ["a", "b", "d"],
        [None, "c", "e"],
        [None, None, "f"],
    ]
    assert scores.reference_streams([["a", "b"]]) == [["a"], ["b"]]


def test_corpus_scores_are_sacrebleus():
    result = scores.corpus_scores(HYPOTHESES, REFERENCES, n_bootstrap=20)
    assert set(result) == {"bleu", "chrf"}
    streams = scores.reference_streams(REFERENCES)
    assert result["bleu"].score == pytest.approx(sacrebleu.corpus_bleu(HYPOTHESES, streams).score)
    assert result["chrf"].score == pytest.approx(sacrebleu.corpus_chrf(HYPOTHESES, streams).score)
    assert result["bleu"].name == "BLEU" and result["chrf"].name == "chrF"
    assert "nrefs:var" in result["bleu"].signature and "tok:13a" in result["bleu"].signature
    # Every reference counts: the first ones alone give a lower BLEU.
    first = scores.corpus_scores(HYPOTHESES, [r[:1] for r in REFERENCES], n_bootstrap=2)
    assert first["bleu"].score < result["bleu"].score - 5


def bootstrap(metric, hypotheses, references, n, seed):
    """sacreBLEU's bootstrap written out: ``n`` resamples of the sentences drawn at once."""
    idx = np.random.default_rng(seed).choice(len(hypotheses), size=(n, len(hypotheses)))
    values = []
    for rows in idx:
        refs = [[s[i] for i in rows] for s in scores.reference_streams(references)]
        values.append(metric.corpus_score([hypotheses[i] for i in rows], refs).score)
    values.sort()
    lower, upper = values[n // 40], values[n - n // 40 - 1]
    return float(np.mean(values)), 0.5 * (upper - lower)


@pytest.mark.parametrize("seed", [0, 7])
def test_the_interval_is_a_seeded_bootstrap_around_its_mean(seed):
    result = scores.corpus_scores(HYPOTHESES, REFERENCES, n_bootstrap=80, seed=seed)
    for key, metric in (("bleu", BLEU()), ("chrf", CHRF())):
        mean, half = bootstrap(metric, HYPOTHESES, REFERENCES, 80, seed)
        s = result[key]
        assert s.mean == pytest.approx(mean, abs=1e-4)
        assert s.low == pytest.approx(mean - half, abs=1e-4)
        assert s.high == pytest.approx(mean + half, abs=1e-4)
        assert s.low < s.mean < s.high and s.high - s.low > 1  # six sentences: a wide interval


def test_the_bootstrap_is_reproducible_and_leaves_the_environment_alone(monkeypatch):
    monkeypatch.delenv("SACREBLEU_SEED", raising=False)
    a = scores.corpus_scores(HYPOTHESES, REFERENCES, n_bootstrap=40, seed=3)
    b = scores.corpus_scores(HYPOTHESES, REFERENCES, n_bootstrap=40, seed=3)
    c = scores.corpus_scores(HYPOTHESES, REFERENCES, n_bootstrap=40, seed=4)
    assert a == b
    assert a["bleu"].score == c["bleu"].score and a["bleu"].mean != c["bleu"].mean
    assert "SACREBLEU_SEED" not in os.environ
    monkeypatch.setenv("SACREBLEU_SEED", "99")
    assert scores.corpus_scores(HYPOTHESES, REFERENCES, n_bootstrap=40, seed=3) == a
    assert os.environ["SACREBLEU_SEED"] == "99"


def test_a_corpus_without_a_match_scores_zero():
    result = scores.corpus_scores(["a b c d"], [["w x y z"]], n_bootstrap=10)
    for s in result.values():
        assert (s.score, s.mean, s.low, s.high) == (0, 0, 0, 0)


def test_a_perfect_corpus_scores_100():
    refs = [[h] for h in HYPOTHESES]
    result = scores.corpus_scores(HYPOTHESES, refs, n_bootstrap=10)
    assert result["bleu"].score == pytest.approx(100) and result["chrf"].score == pytest.approx(100)
    assert result["bleu"].low == pytest.approx(100) and result["bleu"].high == pytest.approx(100)


def test_score_str():
    s = scores.Score("BLEU", 31.234, 30.5, 28.0, 33.0, "sig")
    assert str(s) == "BLEU 31.23 (95% CI 28.00 to 33.00, bootstrap mean 30.50)"


def test_grouped_scores_score_each_group_alone():
    groups = ["short", "long", "short", "short", "long", "short"]
    out = scores.grouped_scores(HYPOTHESES, REFERENCES, groups, n_bootstrap=10)
    assert list(out) == ["long", "short"]
    n, long = out["long"]
    assert n == 2
    alone = scores.corpus_scores(
        [HYPOTHESES[1], HYPOTHESES[4]], [REFERENCES[1], REFERENCES[4]], n_bootstrap=10
    )
    assert long == alone


@pytest.mark.parametrize(
    "hypotheses, references, exc, match",
    [
        (HYPOTHESES, REFERENCES[:-1], ValueError, "one list of reference translations per"),
        (["a", "b"], [["a"], []], ValueError, r"references\[1\] must be a non-empty list"),
        (["a"], ["a"], ValueError, r"references\[0\] must be a non-empty list of str"),
        (["a", 5], [["a"], ["b"]], TypeError, r"hypotheses\[1\] must be a str"),
        (["a"], [["a", None]], TypeError, r"references\[0\]\[...\] must be a str"),
        ("a b", [["a b"]], TypeError, "hypotheses must be a list of str"),
        ([], [], ValueError, "hypotheses must hold at least one translation"),
    ],
)
def test_corpus_scores_refuse_bad_input(hypotheses, references, exc, match):
    with pytest.raises(exc, match=match):
        scores.corpus_scores(hypotheses, references, n_bootstrap=2)


def test_corpus_scores_refuse_bad_settings():
    with pytest.raises(ValueError, match="n_bootstrap must be an int >= 2, got 1"):
        scores.corpus_scores(["a"], [["a"]], n_bootstrap=1)
    with pytest.raises(ValueError, match="seed must be an int >= 0, got -1"):
        scores.corpus_scores(["a"], [["a"]], seed=-1)
    with pytest.raises(ValueError, match="references must hold at least one list"):
        scores.reference_streams([])
    with pytest.raises(TypeError, match="references must be a list of lists of str"):
        scores.reference_streams("a b")


# ------------------------------------------------------------------ d2l's BLEU


def d2l_bleu_1_0_3(pred_seq, label_seq, k):
    """d2l 1.0.3's ``bleu`` (d2l/mxnet.py), verbatim but for the names."""
    pred_tokens, label_tokens = pred_seq.split(" "), label_seq.split(" ")
    len_pred, len_label = len(pred_tokens), len(label_tokens)
    score = math.exp(min(0, 1 - len_label / len_pred))
    for n in range(1, min(k, len_pred) + 1):
        num_matches, label_subs = 0, collections.defaultdict(int)
        for i in range(len_label - n + 1):
            label_subs[" ".join(label_tokens[i : i + n])] += 1
        for i in range(len_pred - n + 1):
            if label_subs[" ".join(pred_tokens[i : i + n])] > 0:
                num_matches += 1
                label_subs[" ".join(pred_tokens[i : i + n])] -= 1
        score *= math.pow(num_matches / (len_pred - n + 1), math.pow(0.5, n))
    return score


@pytest.mark.parametrize(
    "pred, label, k, expected",
    [
        ("ils regardent .", "ils regardent .", 2, 1.0),
        ("a b", "a b c d", 2, math.exp(-1)),  # brevity penalty only: exp(1 - 4/2)
        ("a a a b", "a b", 2, 0.5**0.5 * (1 / 3) ** 0.25),  # clipped: 2 of 4, 1 of 3
        ("a b c d", "a b", 2, (2 / 4) ** 0.5 * (1 / 3) ** 0.25),  # no penalty when longer
        ("va", "va !", 2, math.exp(-1)),  # shorter than k: no bigram precision (as d2l)
        ("c b a", "a b c", 3, 1.0**0.5 * 0.0),
        ("x y", "a b", 1, 0.0),
        ("a b c", "a b c d", 3, math.exp(1 - 4 / 3)),
    ],
)
def test_d2l_bleu_worked_examples(pred, label, k, expected):
    assert scores.d2l_bleu(pred, label, k) == pytest.approx(expected)
    assert scores.d2l_bleu(pred, label, k) == pytest.approx(d2l_bleu_1_0_3(pred, label, k))


def test_d2l_bleu_equals_d2ls_on_random_sentences():
    rng = np.random.default_rng(0)
    words = list("abcd")
    for _ in range(200):
        pred = " ".join(rng.choice(words, rng.integers(1, 7)))
        label = " ".join(rng.choice(words, rng.integers(1, 7)))
        k = int(rng.integers(1, 5))
        assert scores.d2l_bleu(pred, label, k) == pytest.approx(d2l_bleu_1_0_3(pred, label, k))


def test_d2l_bleu_bad_input():
    assert scores.d2l_bleu("", "a b", 2) == 0.0
    with pytest.raises(TypeError, match="prediction must be a str"):
        scores.d2l_bleu(["a"], "a", 2)
    with pytest.raises(TypeError, match="label must be a str"):
        scores.d2l_bleu("a", None, 2)
    with pytest.raises(ValueError, match="k must be an int >= 1, got 0"):
        scores.d2l_bleu("a", "a", 0)


# ------------------------------------------------------------------ the references' layout

# Two sentences with two references each: read by sentence, each hypothesis has a reference
# equal to it; read as sacreBLEU's streams (references[k][i]), the pairing differs.
SQUARE_HYPS = ["le chat dort sur le tapis .", "il pleut très fort ce soir ."]
SQUARE_REFS = [
    ["le chat dort sur le tapis .", "il pleut beaucoup ce soir ."],
    ["il pleut très fort ce soir .", "le chien dort sur le tapis ."],
]


def test_the_layout_that_fits_both_pairings_must_be_named():
    with pytest.raises(ValueError, match="layout='by_sentence' or layout='streams'"):
        scores.corpus_scores(SQUARE_HYPS, SQUARE_REFS, n_bootstrap=2)
    by_sentence = scores.corpus_scores(SQUARE_HYPS, SQUARE_REFS, 2, layout="by_sentence")
    streams = scores.corpus_scores(SQUARE_HYPS, SQUARE_REFS, 2, layout="streams")
    assert by_sentence["bleu"].score == pytest.approx(100.0)
    assert streams["bleu"].score < 90  # the other pairing: a different, wrong-here score
    # Each named layout is sacreBLEU's own score of that pairing.
    transposed = [list(r) for r in zip(*SQUARE_REFS)]
    assert by_sentence["bleu"].score == sacrebleu.corpus_bleu(SQUARE_HYPS, transposed).score
    assert streams["bleu"].score == sacrebleu.corpus_bleu(SQUARE_HYPS, SQUARE_REFS).score


def test_sacrebleus_layout_is_refused_unless_named_and_then_scores_the_same():
    streams = scores.reference_streams(REFERENCES)  # 3 streams of 6, None where fewer
    with pytest.raises(ValueError, match="sacreBLEU's layout .*pass layout='streams'"):
        scores.corpus_scores(HYPOTHESES, streams, n_bootstrap=2)
    named = scores.corpus_scores(HYPOTHESES, streams, n_bootstrap=20, layout="streams")
    assert named == scores.corpus_scores(HYPOTHESES, REFERENCES, n_bootstrap=20)
    groups = [0, 1, 0, 1, 0, 1]
    assert scores.grouped_scores(
        HYPOTHESES, streams, groups, 10, layout="streams"
    ) == scores.grouped_scores(HYPOTHESES, REFERENCES, groups, 10)


def test_groups_may_be_numpy_numbers_and_a_group_may_have_any_shape():
    hyps, refs = SQUARE_HYPS * 2, SQUARE_REFS * 2  # each group: two sentences of two references
    out = scores.grouped_scores(hyps, refs, np.array([1, 1, 2, 2]), n_bootstrap=2)
    assert list(out) == [1, 2] and all(type(g) is int for g in out)
    assert out[1][1]["bleu"].score == pytest.approx(100.0)


# ------------------------------------------------------------------ paired test


def paired_corpus(n=120, changed=60, seed=0):
    """``n`` sentences; the system fixes ``changed`` of the baseline's wrong translations."""
    rng = np.random.default_rng(seed)
    words = ["chat", "chien", "maison", "froid", "livre", "tom", "pain", "mer"]
    refs, base, system = [], [], []
    for i in range(n):
        ref = " ".join(rng.choice(words, 5)) + " ."
        wrong = " ".join(rng.choice(words, 5)) + " ."
        refs.append([ref])
        base.append(wrong if i % 2 == 0 else ref)
        system.append(ref if i % 2 == 0 and i // 2 < changed else base[-1])
    return base, system, refs


def test_paired_bleu_scores_are_sacrebleus_and_a_clear_gain_is_significant():
    base, better, refs = paired_corpus()
    out = scores.paired_bleu(base, {"better": better}, refs, n_bootstrap=300)["better"]
    assert out["bleu"] == pytest.approx(scores.corpus_scores(better, refs, 2)["bleu"].score)
    assert out["baseline"] == pytest.approx(scores.corpus_scores(base, refs, 2)["bleu"].score)
    assert out["delta"] == pytest.approx(out["bleu"] - out["baseline"]) and out["delta"] > 10
    assert out["p_value"] < 0.01


def test_paired_bleu_finds_no_difference_where_there_is_little_or_none():
    base, _, refs = paired_corpus()
    tiny = list(base)
    tiny[0] = refs[0][0]  # one sentence of 120 fixed
    out = scores.paired_bleu(base, {"same": list(base), "tiny": tiny}, refs, n_bootstrap=300)
    assert out["same"]["delta"] == 0.0 and out["same"]["p_value"] == 1.0
    assert 0 < out["tiny"]["delta"] < 2 and out["tiny"]["p_value"] > 0.05


def test_paired_bleu_is_seeded_and_leaves_the_environment_alone(monkeypatch):
    monkeypatch.delenv("SACREBLEU_SEED", raising=False)
    base, better, refs = paired_corpus(60, 3)
    a = scores.paired_bleu(base, {"b": better}, refs, n_bootstrap=200, seed=1)
    b = scores.paired_bleu(base, {"b": better}, refs, n_bootstrap=200, seed=1)
    assert a == b and "SACREBLEU_SEED" not in os.environ


# ------------------------------------------------------------------ what the messages say


def test_references_that_are_not_a_list_are_refused_with_what_was_given():
    for bad in (None, {0: ["a"]}, np.array([["a"]])):
        with pytest.raises(TypeError, match=r"^references must be a list of lists of str, got "):
            scores.corpus_scores(["a"], bad, n_bootstrap=2)
    with pytest.raises(TypeError, match=r"hypotheses must be a list of str, got str$"):
        scores.corpus_scores("a b", [["a b"]], n_bootstrap=2)
    with pytest.raises(TypeError, match=r"hypotheses must be a list of str, got NoneType$"):
        scores.corpus_scores(None, [["a b"]], n_bootstrap=2)


def test_a_sentences_references_that_are_not_a_list_are_refused_by_index():
    for bad in (5, "a b", ()):
        with pytest.raises(ValueError, match=r"^references\[0\] must be a non-empty list of str"):
            scores.corpus_scores(["a b"], [bad], n_bootstrap=2)


@pytest.mark.parametrize(
    "references, says",
    [
        ([["a", "b"]], "got 1 list of 2 strings each, sacreBLEU's layout"),
        ([["a", "b", "c"], ["d", "e", "f"], ["g", "h", "i"], ["j", "k", "l"]], "got 4 lists of"),
        ([["a", "b", "c"], ["d", "e", "f"]], "got 2 lists of 3 strings each, sacreBLEU's"),
    ],
)
def test_the_streams_message_counts_the_lists_it_got(references, says):
    hyps = ["x"] * len(references[0])
    with pytest.raises(ValueError, match=r"^references must be one list of references per") as e:
        scores.corpus_scores(hyps, references, n_bootstrap=2)
    assert says in str(e.value)


def test_the_square_layout_message_explains_both_readings():
    with pytest.raises(ValueError) as e:
        scores.corpus_scores(SQUARE_HYPS, SQUARE_REFS, n_bootstrap=2)
    message = str(e.value)
    assert message.startswith("references must be one list of references per hypothesis")
    assert "got 2 lists of 2 strings each, which could also be sacreBLEU's layout" in message
    assert "the k-th reference of sentence i), pairing the sentences differently" in message
    assert message.endswith("say which with layout='by_sentence' or layout='streams'")


def test_streams_of_the_wrong_length_are_refused_naming_their_lengths():
    with pytest.raises(ValueError, match=r"of 2 references each .*got \[2, 1\]$"):
        scores.corpus_scores(["a", "b"], [["a", "b"], ["c"]], 2, layout="streams")
    with pytest.raises(ValueError, match=r"got \[2, 'c'\]$"):
        scores.corpus_scores(["a", "b"], [["a", "b"], "c"], 2, layout="streams")


def test_too_few_reference_lists_are_counted_against_the_hypotheses():
    with pytest.raises(ValueError) as e:
        scores.corpus_scores(HYPOTHESES, REFERENCES[:-1], n_bootstrap=2)
    assert str(e.value) == (
        "references must hold one list of reference translations per hypothesis, "
        "got 5 for 6 hypotheses"
    )


def test_groups_that_do_not_sort_or_hash_are_named_by_their_kinds():
    with pytest.raises(TypeError, match=r"groups\[1\] must be hashable .*got list \['b'\]"):
        scores.grouped_scores(["a", "b"], [["a"], ["b"]], ["x", ["b"]], n_bootstrap=2)
    with pytest.raises(TypeError, match=r"all numbers or all str\), got int, str$"):
        scores.grouped_scores(["a", "b"], [["a"], ["b"]], ["x", 1], n_bootstrap=2)


# ------------------------------------------------------------------ seeds and defaults


def test_grouped_scores_pass_the_seed_to_each_group():
    groups = ["short", "long", "short", "short", "long", "short"]
    out = scores.grouped_scores(HYPOTHESES, REFERENCES, groups, n_bootstrap=10, seed=5)
    idx = [i for i, g in enumerate(groups) if g == "short"]
    alone = scores.corpus_scores(
        [HYPOTHESES[i] for i in idx], [REFERENCES[i] for i in idx], n_bootstrap=10, seed=5
    )
    assert out["short"][1] == alone
    seed0 = scores.grouped_scores(HYPOTHESES, REFERENCES, groups, n_bootstrap=10, seed=0)
    assert seed0["short"][1]["bleu"].mean != alone["bleu"].mean


def test_d2l_bleu_weighs_unigrams_and_bigrams_by_default_as_chapter_7_does():
    # "a b c" against "a b d": p1 = 2/3, p2 = 1/2, p3 = 0; k = 2 gives a score above 0.
    expected = (2 / 3) ** 0.5 * (1 / 2) ** 0.25
    assert scores.d2l_bleu("a b c", "a b d") == pytest.approx(expected)
