"""Chapter 7's checks: its solutions pass; its starters and plausible wrong answers fail."""

from collections import Counter

import numpy as np
import pytest
from mxnet import np as mnp

from d2lrnn.exercises import judge
from tests.chapter_code import define
from tests.unit.exercises import (
    ARRAY_NEAR_MISSES,
    INT_FORMS,
    INT_NEAR_MISSES,
    NUMBER_FORMS,
    NUMBER_NEAR_MISSES,
    assert_accepted,
    assert_near_miss_fails,
    assert_solution_passes_and_starter_fails,
    item,
    params,
)

NAMES = [
    ("7.1", "masked_loss"),
    ("7.2", "clipped_matches"),
    ("7.3", "top_candidates"),
    ("7.4", "additive_attention"),
    ("7.5", "join_subwords"),
    ("7.6", "read_attention"),
    ("7.7", "length_gain"),
]


def solution(name, replace=None):
    return define(7, [name], replace=replace, namespace={"Counter": Counter})[name]


@pytest.mark.parametrize(("key", "name"), NAMES)
def test_the_chapters_solution_passes_and_its_starter_does_not(key, name):
    assert_solution_passes_and_starter_fails(key, name, solution)


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({"(nll * mask).sum() / mask.sum()": "nll.mean()"}, "no mask"),
        ({"(nll * mask).sum() / mask.sum()": "(nll * mask).mean()"}, "divided by all T * N"),
        ({"steps < valid_len": "steps <= valid_len"}, "one padding position too many"),
        ({"(nll * mask).sum() / mask.sum()": "(nll * mask).sum()"}, "the sum instead of the mean"),
        ({"npx.log_softmax(logits, axis=-1)": "logits"}, "raw logits"),
        ({"Y.T": "Y"}, "raised"),  # (N, T) against (T, N): the shapes do not fit
        (
            {
                "(nll * mask).sum() / mask.sum()": (
                    "((nll * mask).sum(axis=0) / mask.sum(axis=0)).mean()"
                )
            },
            "each sentence's mean",
        ),
    ],
)
def test_wrong_masked_losses_fail_with_a_reason_and_the_hint(replace, message):
    verdict = judge("7.1", solution("masked_loss", replace))
    assert not verdict.passed and message in verdict.message, verdict.text()
    assert "t < valid_len[n]" in verdict.hint


def test_a_loss_per_position_instead_of_one_number_fails():
    verdict = judge(
        "7.1", solution("masked_loss", {"float((nll * mask).sum() / mask.sum())": "nll"})
    )
    assert not verdict.passed and "must be one number" in verdict.message


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({"min(k, most[g])": "(k if most[g] else 0)"}, "no clipping"),
        ({"most |= ngrams(ref, n)": "most += ngrams(ref, n)"}, "added up"),
        ({"for ref in refs:": "for ref in refs[:1]:"}, "the first reference only"),
        ({"sum(counts.values())": "len(counts)"}, "distinct n-grams"),
        ({"sum(counts.values())": "max(0, len(hyp) - n)"}, "one n-gram too few"),
        ({"sum(counts.values())": "str(counts)"}, "the total must be an int, got str"),
        ({"sum(counts.values())": "float(sum(counts.values()))"}, "the total must be an int"),
    ],
)
def test_wrong_clipped_matches_fail_with_a_reason_and_the_hint(replace, message):
    verdict = judge("7.2", solution("clipped_matches", replace))
    assert not verdict.passed and message in verdict.message, verdict.text()
    assert "any ONE reference" in verdict.hint


def best_word_of_each_hypothesis(log_p, log_probs, K):  # a plausible mistake
    rows = np.argsort(-(log_p + log_probs.max(axis=1)))[:K]
    return [
        (int(b), int(log_probs[b].argmax()), float(log_p[b] + log_probs[b].max())) for b in rows
    ]


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (best_word_of_each_hypothesis, "best word"),
        (solution("top_candidates", {"log_p[:, None] + log_probs": "log_probs"}), "regardless"),
        (solution("top_candidates", {"np.argsort(-total": "np.argsort(total"}), "K worst"),
        (
            solution(
                "top_candidates", {"log_p[:, None] + log_probs": "log_p[:, None] * log_probs"}
            ),
            "product",
        ),
        (solution("top_candidates", {"total.shape[1]": "total.shape[0]"}), "divmod(i, V)"),
        (solution("top_candidates", {"[:K]": "[:K - 1]"}), "return K = "),
        (
            solution("top_candidates", {"float(total.flat[i])": "float(log_probs.flat[i])"}),
            "log P should be",
        ),
        (lambda log_p, log_probs, K: log_probs.argmax(), "(row, word, log P) triples"),
    ],
)
def test_wrong_pruning_steps_fail_with_a_reason(answer, message):
    verdict = judge("7.3", answer)
    assert not verdict.passed and message in verdict.message, verdict.text()
    assert "divmod(i, V)" in verdict.hint


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({"mnp.where(real, e, -1e6 * mnp.ones_like(e))": "e"}, "no mask"),
        ({"axis=-1)  # (N, T)": "axis=0)  # (N, T)"}, "the batch axis"),
        ({" < valid_len": " <= valid_len"}, "one padding position too many"),
        ({"-1e6 * mnp.ones_like(e)": "mnp.zeros_like(e)"}, "set to 0 instead of -1e6"),
        ({"mnp.tanh(": "("}, "without the tanh"),
        ({".sum(axis=1), alpha": ".sum(axis=1) / 2, alpha"}, "c is not"),
        ({"s @ W_q": "s @ W_q.T"}, "raised"),  # (N, q) @ (a, q): the shapes do not fit
    ],
)
def test_wrong_attentions_fail_with_a_reason_and_the_hint(replace, message):
    verdict = judge("7.4", solution("additive_attention", replace))
    assert not verdict.passed and message in verdict.message, verdict.text()
    assert "softmax over the LAST axis" in verdict.hint


def test_attention_weights_of_the_wrong_shape_fail():
    verdict = judge("7.4", solution("additive_attention", {"), alpha ": "), alpha.T "}))
    assert not verdict.passed and "alpha must have shape (N, T)" in verdict.message


# ---------------------------------------------------------------- near misses of the reference

LOSS, MATCHES, TOP, ATTENTION, JOIN, READ, GAIN = (solution(name) for _, name in NAMES)


def each_triple(index):
    """Apply a transform to the row (0), word (1) or log P (2) of every candidate."""

    def wrap(transform):
        return lambda triples: [
            tuple(transform(v) if i == index else v for i, v in enumerate(c)) for c in triples
        ]

    return wrap


def zero_one_as_bool(n):
    """0 and 1 as False and True (equal to them in Python), other ints unchanged."""
    return bool(n) if n in (0, 1) else n


#: log P near misses: a wrong value is named by the check's "their log P should be".
LOG_P_NEAR_MISSES = [
    (name, transform, "their log P should be" if message == "expected" else message)
    for name, transform, message in NUMBER_NEAR_MISSES
]

#: row and word near misses: a wrong index is named by "the K best extensions ... are".
INDEX_NEAR_MISSES = [
    (name, transform, "the K best extensions" if message == "expected" else message)
    for name, transform, message in INT_NEAR_MISSES
]

NEAR_MISSES = [
    *params("7.1", LOSS, NUMBER_NEAR_MISSES),
    *params("7.2", MATCHES, INT_NEAR_MISSES, wrap=item(0), label="matches: "),
    *params("7.2", MATCHES, INT_NEAR_MISSES, wrap=item(1), label="total: "),
    *params(
        "7.2",
        MATCHES,
        [("0 and 1 as bools", lambda out: tuple(map(zero_one_as_bool, out)), "got bool False")],
    ),
    *params("7.3", TOP, INDEX_NEAR_MISSES, wrap=each_triple(0), label="rows: "),
    *params("7.3", TOP, INDEX_NEAR_MISSES, wrap=each_triple(1), label="words: "),
    *params("7.3", TOP, LOG_P_NEAR_MISSES, wrap=each_triple(2), label="log P: "),
    *params(
        "7.3",
        TOP,
        [
            ("rows 0 and 1 as bools", each_triple(0)(zero_one_as_bool), "row must be an int"),
            ("a NumPy array (K, 3)", np.array, "(row, word, log P) triples"),
            ("no log P", lambda out: [(r, w) for r, w, _ in out], "(row, word, log P) triples"),
        ],
    ),
    *params("7.4", ATTENTION, ARRAY_NEAR_MISSES, wrap=item(0), label="c: "),
    *params("7.4", ATTENTION, ARRAY_NEAR_MISSES, wrap=item(1), label="alpha: "),
    *params(
        "7.5",
        JOIN,
        [
            ("bytes", lambda out: [w.encode() for w in out], "return a list of words (str)"),
            ("capitalised", lambda out: [w.capitalize() for w in out], "expected"),
            ("one string", " ".join, "return a list of words"),
            ("reversed", lambda out: out[::-1], "expected"),
        ],
    ),
]


NEAR_MISSES += [
    *params(
        "7.6",
        READ,
        [
            ("looked as floats", lambda out: ([float(i) for i in out[0]], out[1]), "ints"),
            ("looked one too far", lambda out: ([i + 1 for i in out[0]], out[1]), "expected"),
            ("forward negated", lambda out: (out[0], not out[1]), "expected"),
            ("forward as 0/1", lambda out: (out[0], int(out[1])), "must be a bool"),
            ("forward as 'yes'", lambda out: (out[0], "yes"), "must be a bool"),
            ("looked only", lambda out: out[0], "return two things"),
            ("looked as (T_out, 1)", lambda out: ([[i] for i in out[0]], out[1]), "shape"),
        ],
    ),
]


@pytest.mark.parametrize(("key", "answer", "message"), NEAR_MISSES)
def test_near_misses_of_the_reference_are_wrong(key, answer, message):
    assert_near_miss_fails(key, answer, message)


def test_matches_off_by_half_are_refused_as_a_float_not_truncated():
    """The issue's case: int(3.5) == 3 made an answer off by 0.5 pass."""
    verdict = judge("7.2", lambda hyp, refs, n: (MATCHES(hyp, refs, n)[0] + 0.5, len(hyp) - n + 1))
    assert verdict.message == "the number of matches must be an int, got float 3.5", verdict.text()


@pytest.mark.parametrize(
    ("key", "answer"),
    [
        *params("7.1", LOSS, NUMBER_FORMS),
        *params("7.1", LOSS, [("a 0-d MXNet array", mnp.array)]),
        *params("7.2", MATCHES, INT_FORMS, wrap=lambda t: lambda out: tuple(map(t, out))),
        *params("7.2", MATCHES, [("a list", list)]),
        *params("7.3", TOP, INT_FORMS, wrap=each_triple(0), label="rows: "),
        *params("7.3", TOP, NUMBER_FORMS, wrap=each_triple(2), label="log P: "),
        *params("7.3", TOP, [("lists", lambda out: [list(c) for c in out])]),
        *params("7.4", ATTENTION, [("NumPy", lambda out: tuple(a.asnumpy() for a in out))]),
        *params("7.5", JOIN, [("a tuple", tuple)]),
        *params("7.6", READ, [("a list", list)]),
        *params("7.6", READ, [("an int64 array", np.array)], wrap=item(0), label="looked: "),
        *params("7.6", READ, [("a NumPy bool", np.bool_)], wrap=item(1), label="forward: "),
    ],
)
def test_the_reference_in_another_accepted_form_passes(key, answer):
    assert_accepted(key, answer)


def test_the_join_subwords_solution_is_the_librarys():
    from d2lrnn import translation

    join = solution("join_subwords")
    for tokens in ([" je", " conf", "use", " ."], [], [" a", "b"], [" x", " y"]):
        assert join(tokens) == translation.join_subwords(tokens)


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({'"".join(tokens).split()': "[t.strip() for t in tokens]"}, "every token taken as a word"),
        ({'"".join(tokens).split()': '" ".join(tokens).split()'}, "joining the tokens with spaces"),
        (
            {'"".join(tokens).split()': '[" " + w for w in "".join(tokens).split()]'},
            "keep the space before them",
        ),
        ({'"".join(tokens).split()': '"".join(tokens).split(" ")'}, "the empty string"),
        (
            {'"".join(tokens).split()': '["".join(t.strip() for t in tokens)]'},
            "glued into one word",
        ),
        ({'"".join(tokens).split()': '"".join(tokens).split()[:-1]'}, "expected"),
        ({'"".join(tokens).split()': '"".join(tokens)'}, "return a list of words"),
        ({'"".join(tokens).split()': "[len(t) for t in tokens]"}, "return a list of words"),
    ],
)
def test_wrong_joins_fail_with_a_reason_and_the_hint(replace, message):
    verdict = judge("7.5", solution("join_subwords", replace))
    assert not verdict.passed and message in verdict.message, verdict.text()
    assert "starts a new word" in verdict.hint


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({"weights.argmax(axis=1)": "weights.argmax(axis=0)"}, "argmax over axis 0"),
        (
            {"weights.argmax(axis=1)": "weights.shape[1] - 1 - weights[:, ::-1].argmax(axis=1)"},
            "the last of equal weights",
        ),
        ({"np.diff(looked) >= 0": "np.diff(looked) > 0"}, "a strict increase"),
        (
            {"bool(np.all(np.diff(looked) >= 0))": "bool(looked[-1] >= looked[0])"},
            "the last position with the first only",
        ),
        ({"looked.tolist(), ": "looked.astype(float), "}, "must be an array of ints"),
        ({"bool(np.all(np.diff(looked) >= 0))": "np.all(np.diff(looked) >= 0)"}, None),
    ],
)
def test_wrong_readings_fail_with_a_reason_and_the_hint(replace, message):
    verdict = judge("7.6", solution("read_attention", replace))
    if message is None:  # np.all's NumPy bool is a bool: that form is right
        assert verdict.passed, verdict.text()
        return
    assert not verdict.passed and message in verdict.message, verdict.text()
    assert "argmax(axis=1)" in verdict.hint


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({"gain.mean(axis=0)": "gain.mean(axis=1)"}, "the mean over the lengths"),
        ({"bleu_attention - bleu_forward": "bleu_forward - bleu_attention"}, "wrong sign"),
        ({"np.polyfit(lengths, row, 1)[0]": "np.polyfit(lengths, row, 1)[1]"}, "intercepts"),
        ({"np.polyfit(lengths, row, 1)[0]": "np.polyfit(row, lengths, 1)[0]"}, "takes x first"),
        (
            {"for row in gain]": "for row in bleu_attention]"},
            "the attention model's BLEU, not of its gain",
        ),
        (
            {"for row in gain]": "for row in [gain.mean(axis=0)] * len(gain)]"},
            "the same for every seed",
        ),  # fmt: skip
        ({"np.array(slopes)": "np.array(slopes[:1])"}, "one per seed"),
    ],
)
def test_wrong_length_gains_fail_with_a_reason_and_the_hint(replace, message):
    verdict = judge("7.7", solution("length_gain", replace))
    assert not verdict.passed and message in verdict.message, verdict.text()
    assert "np.polyfit(lengths, gain[i], 1)[0]" in verdict.hint
