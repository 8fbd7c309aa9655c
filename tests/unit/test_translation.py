"""English-French pairs: normalisation, the split grouped by English sentence, layout, batches."""

import collections

import numpy as np
import pytest
from mxnet import autograd
from mxnet import np as mnp

import d2lrnn
from d2lrnn import data, gluon_adapter, seq2seq, text, translation
from d2lrnn.translation import BOS, EOS, PAD, Split, TranslationBatches

NUM = 30  # distinct short English sentences in the synthetic pairs


def synthetic_pairs():
    """``NUM`` English sentences, each with two short French translations and one too long
    for ``max_len=8``; one English sentence too long itself; raw (un-normalised) text."""
    pairs = []
    for i in range(NUM):
        pairs += [
            (f"I see cat{i}.", f"Je vois chat{i}\u202f!"),
            (f"I see cat{i}.", f"Je regarde chat{i}."),
            (f"I see cat{i}.", f"Je vois très bien le chat{i} là-bas ce matin."),  # 11 tokens
        ]
    pairs.append(("This English sentence is much too long to be kept.", "Trop long."))
    return pairs


def make(seed=0, **kwargs):
    args = {"max_len": 8, "min_freq": 1, "num_val": 5, "num_test": 5, "seed": seed, **kwargs}
    return translation.translation_data(synthetic_pairs(), **args)


@pytest.fixture(scope="module")
def td():
    return make()


# ------------------------------------------------------------------ normalisation


@pytest.mark.parametrize(
    "raw, normal",
    [
        ("Va !", "va !"),
        ("Va!", "va !"),
        ("Va\u00a0!", "va !"),  # a non-breaking space before '!', as in French typography
        ("Cours\u202f!", "cours !"),  # a narrow no-break space (U+202F)
        ("J'ai faim.", "j'ai faim ."),  # the apostrophe stays inside the word
        ("Qui ?  Moi,toi;", "qui ? moi ,toi ;"),
        ("Cafe\u0301 ÉTÉ", "caf\u00e9 été"),  # NFC: 'e' + combining acute is one 'é'
        ("  Oui:\tnon.  ", "oui : non ."),
    ],
)
def test_normalize(raw, normal):
    assert translation.normalize(raw) == normal
    assert translation.normalize(normal) == normal  # idempotent


def test_tokenize_and_detokenize():
    assert translation.tokenize("J'ai vu Tom!") == ["j'ai", "vu", "tom", "!"]
    assert translation.tokenize("   ") == []
    raw = "Il fait beau\u202f? Oui."
    assert translation.detokenize(translation.tokenize(raw)) == translation.normalize(raw)
    with pytest.raises(TypeError, match="tokens must be a list of str"):
        translation.detokenize("va !")
    with pytest.raises(TypeError, match="text must be a str"):
        translation.normalize(b"va")


# ------------------------------------------------------------------ the split


def test_the_split_is_grouped_by_english_sentence(td):
    per_split = {name: set(getattr(td, name).sources) for name in ("train", "val", "test")}
    assert len(per_split["test"]) == len(per_split["val"]) == 5
    assert len(per_split["train"]) == NUM - 10
    for a, b in (("train", "val"), ("train", "test"), ("val", "test")):
        assert not per_split[a] & per_split[b], (a, b)
    # Every short English sentence is somewhere; the one too long is nowhere.
    assert set().union(*per_split.values()) == {f"i see cat{i} ." for i in range(NUM)}
    assert td.stats["distinct_english"] == NUM + 1 and td.stats["pairs"] == 3 * NUM + 1


def test_every_reference_is_kept_even_the_long_ones(td):
    for split in (td.train, td.val, td.test):
        assert len(split) == 2 * len(set(split.sources))  # the 11-token target is not a row
        for s, refs in zip(split.sources, split.references):
            i = s.split()[2].removeprefix("cat")
            assert refs == [
                f"je vois chat{i} !",
                f"je regarde chat{i} .",
                f"je vois très bien le chat{i} là-bas ce matin .",
            ]


def test_the_split_depends_on_the_seed_only():
    a, b, c = make(0), make(0), make(1)
    assert a.test.sources == b.test.sources and a.val.sources == b.val.sources
    np.testing.assert_array_equal(a.train.src, b.train.src)
    assert a.src_vocab.idx_to_token == b.src_vocab.idx_to_token
    assert set(a.test.sources) != set(c.test.sources)


def test_the_split_does_not_depend_on_the_order_of_the_pairs():
    pairs = synthetic_pairs()
    shuffled = [pairs[i] for i in np.random.default_rng(0).permutation(len(pairs))]
    a = translation.translation_data(pairs, 8, 1, 5, 5, 0)
    b = translation.translation_data(shuffled, 8, 1, 5, 5, 0)
    assert set(a.test.sources) == set(b.test.sources)


def test_vocabularies_come_from_the_training_split_only(td):
    src_v, tgt_v = td.src_vocab, td.tgt_vocab
    assert src_v.idx_to_token[:2] == ["<unk>", PAD]
    assert tgt_v.idx_to_token[:4] == ["<unk>", PAD, BOS, EOS]
    test_word = td.test.sources[0].split()[2]  # 'cat<i>' of a test sentence
    assert test_word not in src_v and f"chat{test_word[3:]}" not in tgt_v
    assert (td.test.src[:, 2] == src_v.unk).all()  # every test sentence's cat is unknown
    assert (td.train.src[:, 2] != src_v.unk).all()
    # The words of the long references (never a training row) are not in the vocabulary.
    assert "matin" not in tgt_v and "vois" in tgt_v


def test_rows_are_padded_with_bos_and_eos_around_the_target(td):
    src_v, tgt_v = td.src_vocab, td.tgt_vocab
    split = td.train
    assert split.src.shape == (len(split), 8) and split.tgt_in.shape == (len(split), 9)
    for i in range(len(split)):
        s = split.sources[i].split()
        n, m = split.src_len[i], split.tgt_len[i]
        assert n == len(s) and src_v.to_tokens(split.src[i, :n].tolist()) == s
        assert (split.src[i, n:] == src_v[PAD]).all()
        target = tgt_v.to_tokens(split.tgt_out[i, : m - 1].tolist())
        assert " ".join(target) in split.references[i]
        assert split.tgt_in[i, 0] == tgt_v[BOS] and split.tgt_out[i, m - 1] == tgt_v[EOS]
        np.testing.assert_array_equal(split.tgt_in[i, 1:m], split.tgt_out[i, : m - 1])
        assert (split.tgt_in[i, m:] == tgt_v[PAD]).all()
        assert (split.tgt_out[i, m:] == tgt_v[PAD]).all()


def test_stats_count_unknown_words_and_lengths(td):
    for name in ("train", "val", "test"):
        split, st = getattr(td, name), td.stats[name]
        assert st["pairs"] == len(split) == st["src_lengths"].sum() == st["tgt_lengths"].sum()
        assert st["distinct_sources"] == len(set(split.sources))
        assert st["references_per_source"] == 3.0
        assert st["src_lengths"][4] == len(split)  # 'i see cat<i> .'
        assert st["tgt_lengths"][4] == len(split)  # 'je vois chat<i> !', 'je regarde ...'
    # Test sentences: 1 unknown source word in 4 ('cat<i>'), 1 unknown target word in 4.
    assert td.stats["test"]["src_unk_rate"] == td.stats["test"]["tgt_unk_rate"] == 0.25
    assert td.stats["train"]["src_unk_rate"] == td.stats["train"]["tgt_unk_rate"] == 0.0


@pytest.mark.parametrize("min_freq, unk_rate", [(2, 0.0), (3, 0.25)])
def test_min_freq_turns_rare_training_words_into_unk(min_freq, unk_rate):
    td = make(min_freq=min_freq)  # each cat<i> and chat<i> is in 2 training rows
    cat = td.train.sources[0].split()[2]
    assert "i" in td.src_vocab and "je" in td.tgt_vocab and "vois" in td.tgt_vocab
    assert (cat in td.src_vocab) == (f"chat{cat[3:]}" in td.tgt_vocab) == (min_freq == 2)
    assert td.stats["train"]["src_unk_rate"] == td.stats["train"]["tgt_unk_rate"] == unk_rate


def test_distinct_keeps_the_first_row_of_each_sentence(td):
    d = td.test.distinct()
    assert isinstance(d, Split) and len(d) == 5
    assert d.sources == list(dict.fromkeys(td.test.sources))
    first = [td.test.sources.index(s) for s in d.sources]
    np.testing.assert_array_equal(d.tgt_out, td.test.tgt_out[first])
    np.testing.assert_array_equal(d.src_len, td.test.src_len[first])
    assert d.references == [td.test.references[i] for i in first]
    assert d.distinct().sources == d.sources


def test_translation_data_refuses_too_few_sentences():
    with pytest.raises(ValueError, match="31 distinct English sentences, not enough"):
        make(num_val=16, num_test=15)
    with pytest.raises(ValueError, match=r"pairs\[1\] must be a pair"):
        translation.translation_data([("a", "b"), ("a",)])


# ------------------------------------------------------------------ new sentences


def test_encode_source(td):
    cat = td.train.sources[0].split()[2]  # a word of the training split
    row, n = td.encode_source(f"I See {cat.upper()}.")
    assert n == 4 and row.shape == (1, 8) and row.dtype == np.int32
    assert td.src_vocab.to_tokens(row[0, :4].tolist()) == ["i", "see", cat, "."]
    assert (row[0, 4:] == td.src_vocab[PAD]).all()
    row, n = td.encode_source("I see a zebra")
    assert row[0, 2] == row[0, 3] == td.src_vocab.unk and n == 4
    with pytest.raises(ValueError, match="sentence must hold at least one word"):
        td.encode_source(" \u202f ")
    with pytest.raises(ValueError, match="at most max_len = 8 tokens .* got 9"):
        td.encode_source("one two three four five six seven eight nine")
    with pytest.raises(TypeError, match="sentence must be a str"):
        td.encode_source(["i", "see"])


# ------------------------------------------------------------------ minibatches


def numbered_split(n=11, T=5):
    """A split whose source row i starts with the token i, of length 1 + i % T."""
    rng = np.random.default_rng(0)
    src = np.full((n, T), 1, dtype=np.int32)
    src_len = (1 + np.arange(n) % T).astype(np.int32)
    for i in range(n):
        src[i, : src_len[i]] = [100 + i, *rng.integers(2, 9, src_len[i] - 1)]
    tgt = np.tile(np.arange(n, dtype=np.int32)[:, None], (1, T + 1))
    return Split(src, src_len, tgt, tgt + 1, src_len + 1, [str(i) for i in range(n)], [])


def test_batches_cover_every_row_once_per_epoch():
    split = numbered_split()
    b = TranslationBatches(split, 4, seed=3)
    assert len(b) == 3
    orders = []
    for _ in range(3):
        batches = list(b)
        assert [len(x[0]) for x in batches] == [4, 4, 3]
        rows = np.concatenate([x[2][:, 0] for x in batches])  # tgt_in[i] is all i
        assert sorted(rows.tolist()) == list(range(11))
        for src, src_len, tgt_in, tgt_out, tgt_len in batches:  # the columns stay together
            np.testing.assert_array_equal(src[:, 0], 100 + tgt_in[:, 0])
            np.testing.assert_array_equal(src_len, split.src_len[tgt_in[:, 0]])
            np.testing.assert_array_equal(tgt_out, tgt_in + 1)
            np.testing.assert_array_equal(tgt_len, src_len + 1)
        orders.append(rows.tolist())
    assert orders[0] != orders[1]  # a new order every epoch ...
    again = TranslationBatches(split, 4, seed=3)
    assert [np.concatenate([x[2][:, 0] for x in again]).tolist() for _ in range(3)] == orders
    other = TranslationBatches(split, 4, seed=4)
    assert np.concatenate([x[2][:, 0] for x in other]).tolist() != orders[0]
    plain = TranslationBatches(split, 4, shuffle=False)
    assert np.concatenate([x[2][:, 0] for x in plain]).tolist() == list(range(11))


def test_reverse_source_reverses_only_the_valid_tokens():
    split = numbered_split()
    ((src, src_len, *_),) = TranslationBatches(split, 11, shuffle=False, reverse_source=True)
    for i in range(11):
        n = split.src_len[i]
        np.testing.assert_array_equal(src[i, :n], split.src[i, :n][::-1])
        np.testing.assert_array_equal(src[i, n:], split.src[i, n:])
    assert src[4, 4] == 104 and src[0, 0] == 100  # the first token is now the last valid one
    np.testing.assert_array_equal(split.src[:, 0], 100 + np.arange(11))  # the split is intact


def test_reversed_sources():
    src = np.array([[1, 2, 3, 0], [4, 5, 0, 0], [6, 7, 8, 9]])
    out = translation.reversed_sources(src, np.array([3, 2, 4]))
    np.testing.assert_array_equal(out, [[3, 2, 1, 0], [5, 4, 0, 0], [9, 8, 7, 6]])
    np.testing.assert_array_equal(translation.reversed_sources(out, np.array([3, 2, 4])), src)
    with pytest.raises(ValueError, match=r"src_len must hold lengths in \[0, 4\]"):
        translation.reversed_sources(src, np.array([3, 5, 4]))


def test_batches_refuse_an_empty_split():
    empty = numbered_split(0)
    with pytest.raises(ValueError, match="split must hold at least one pair"):
        TranslationBatches(empty, 2)


# ------------------------------------------------------------------ the real data


@pytest.fixture(scope="module")
def fra_eng():
    return data.read_fra_eng()[:20000]


@pytest.mark.needs_data("fra-eng.zip")
def test_real_pairs_split_honestly(fra_eng):
    td = translation.translation_data(fra_eng, max_len=6, min_freq=3, num_val=50, num_test=50)
    sources = {n: set(getattr(td, n).sources) for n in ("train", "val", "test")}
    assert not (sources["train"] & sources["test"] or sources["train"] & sources["val"])
    assert not sources["val"] & sources["test"]
    every = collections.defaultdict(list)
    for en, fr in fra_eng:
        every[translation.normalize(en)].append(translation.normalize(fr))
    for s, refs in zip(td.test.sources, td.test.references):
        assert refs == every[s]
    assert max(len(r) for r in td.test.references) > 1  # several references do occur
    assert 0 < td.stats["test"]["src_unk_rate"] < 0.5


@pytest.mark.parametrize(
    "a, b",
    [
        ("I've been busy.", "I have been busy!"),
        ("I'm late", "i am late ."),
        ("Don't go.", "Do not go"),
        ("I can't swim.", "I cannot swim!"),
        ("Tom won't come.", "Tom will not come."),
        ("What're you doing now?", "What are you doing now ?"),
        ("I\u2019ll wait.", "I will wait."),
        ("Yes, I know.", "Yes I know"),
    ],
)
def test_group_key_folds_contractions_and_punctuation(a, b):
    assert translation.group_key(a) == translation.group_key(b)


@pytest.mark.parametrize(
    "a, b",
    [("I see cat1.", "I see cat2."), ("I am late.", "I was late."), ("Go.", "Go on.")],
)
def test_group_key_keeps_other_words_apart(a, b):
    assert translation.group_key(a) != translation.group_key(b)


def test_stats_measure_the_overlap_with_training_beyond_exact_duplicates():
    """A held-out sentence that differs from a training one by a contraction, and a held-out
    target that is a training target, are counted; exact duplicates cannot occur."""
    pairs = [(f"I see cat{i}.", f"Je vois chat{i} !") for i in range(40)]
    pairs += [(f"I'm cat{i}.", f"Je suis chat{i} .") for i in range(40)]
    pairs += [(f"I am cat{i}!", f"Je suis chat{i} .") for i in range(40)]  # same key as above
    td = translation.translation_data(pairs, max_len=6, min_freq=1, num_val=10, num_test=30)
    for name in ("val", "test"):
        split, s = getattr(td, name), td.stats[name]
        train_keys = {translation.group_key(k) for k in td.train.sources}
        expected = sorted({k for k in split.sources if translation.group_key(k) in train_keys})
        assert s["near_duplicates"] == expected
        train_targets = {tuple(r[: n - 1]) for r, n in zip(td.train.tgt_out, td.train.tgt_len)}
        seen = [tuple(r[: n - 1]) in train_targets for r, n in zip(split.tgt_out, split.tgt_len)]
        assert s["target_in_train"] == pytest.approx(np.mean(seen))
        assert s["sources_with_seen_target"] == sorted(
            {k for k, x in zip(split.sources, seen) if x}
        )
    assert td.stats["test"]["near_duplicates"]  # this data has some, by construction
    assert set(td.stats["test"]["near_duplicates"]) <= set(
        td.stats["test"]["sources_with_seen_target"]
    )
    assert "near_duplicates" not in td.stats["train"]


# ------------------------------------------------ length bucketing and trimming (speed)


def test_bucketed_batches_cover_every_row_once_with_similar_lengths():
    split = numbered_split(n=40, T=5)
    split.tgt_len[:] = 1 + (np.arange(40) * 7) % 6  # target lengths 1 .. 6, mixed
    plain = TranslationBatches(split, 4, seed=3)
    b = TranslationBatches(split, 4, seed=3, bucket=5)
    assert len(b) == len(plain) == 10 and b.bucket == 5
    spreads = {"plain": [], "bucket": []}
    orders = []
    for batches, name in ((plain, "plain"), (b, "bucket"), (b, "bucket")):
        batches = list(batches)
        rows = np.concatenate([x[2][:, 0] for x in batches])
        assert sorted(rows.tolist()) == list(range(40))  # every row once an epoch
        for src, src_len, tgt_in, tgt_out, tgt_len in batches:  # the columns stay together
            np.testing.assert_array_equal(src[:, 0], 100 + tgt_in[:, 0])
            np.testing.assert_array_equal(src_len, split.src_len[tgt_in[:, 0]])
            np.testing.assert_array_equal(tgt_out, tgt_in + 1)
            np.testing.assert_array_equal(tgt_len, split.tgt_len[tgt_in[:, 0]])
            spreads[name].append(int(tgt_len.max() - tgt_len.min()))
        if name == "bucket":
            orders.append(rows.tolist())
    # A pool of 5 batches (20 rows) sorted by target length: each batch spans few lengths.
    assert max(spreads["bucket"]) <= 1 < max(spreads["plain"])
    assert orders[0] != orders[1]  # a new order every epoch
    again = TranslationBatches(split, 4, seed=3, bucket=5)
    assert [np.concatenate([x[2][:, 0] for x in again]).tolist() for _ in range(2)] == orders


def test_bucketed_batches_without_shuffle_sort_each_pool():
    split = numbered_split(n=10, T=5)
    split.tgt_len[:] = [3, 1, 2, 1, 3, 2, 2, 1, 3, 1]
    batches = list(TranslationBatches(split, 2, shuffle=False, bucket=3))
    rows = [x[2][:, 0].tolist() for x in batches]
    # pools of 3 batches (6 rows): rows 0-5 sorted by (tgt_len, src_len), then rows 6-9
    assert rows == [[1, 3], [5, 2], [0, 4], [7, 9], [6, 8]]


def test_bucket_must_be_a_count():
    with pytest.raises(ValueError, match="bucket must be an int >= 0"):
        TranslationBatches(numbered_split(), 4, bucket=-1)


def test_trim_padding_cuts_the_columns_of_padding_only():
    split = numbered_split(n=6, T=5)  # source lengths 1 .. 5, 1; target lengths 2 .. 6, 2
    batch = (split.src[:3], split.src_len[:3], split.tgt_in[:3], split.tgt_out[:3],
             split.tgt_len[:3])  # fmt: skip
    src, src_len, tgt_in, tgt_out, tgt_len = translation.trim_padding(batch)
    assert src.shape == (3, 3) and tgt_in.shape == tgt_out.shape == (3, 4)
    np.testing.assert_array_equal(src, split.src[:3, :3])
    np.testing.assert_array_equal(tgt_out, split.tgt_out[:3, :4])
    np.testing.assert_array_equal(src_len, split.src_len[:3])
    kept = translation.trim_padding(batch, source=False)  # an encoder that reads the padding
    assert kept[0].shape == (3, 5) and kept[2].shape == (3, 4)
    rows = [3, 4, 5]  # source lengths 4, 5, 1: the longest fills every column
    full = translation.trim_padding(tuple(a[rows] for a in list(vars(split).values())[:5]))
    assert full[0].shape == (3, 5) and full[2].shape == (3, 6)  # nothing to cut


@pytest.mark.parametrize(
    "change, exc, match",
    [
        (lambda b: b[:4], TypeError, "batch must be a minibatch"),
        (lambda b: (b[0].astype(float), *b[1:]), TypeError, "src must hold integers"),
        (lambda b: (b[0], b[1][:2], *b[2:]), ValueError, "the same number of rows"),
        (lambda b: (*b[:3], b[3][:, :4], b[4]), ValueError, "tgt_in and tgt_out must have"),
        (lambda b: (b[0], b[1] * 0, *b[2:]), ValueError, r"src_len must hold lengths in \[1, 5\]"),
        (lambda b: (*b[:4], b[4] + 9), ValueError, r"tgt_len must hold lengths in \[1, 6\]"),
    ],
)
def test_trim_padding_bad_input(change, exc, match):
    split = numbered_split(n=3, T=5)
    batch = (split.src, split.src_len, split.tgt_in, split.tgt_out, split.tgt_len)
    with pytest.raises(exc, match=match):
        translation.trim_padding(change(batch))


def random_split(n=40, T=7, seed=0, longest=None) -> Split:
    """Random sources and targets of 1 .. ``longest`` tokens (2 .. 8, never the padding 1),
    padded to ``T`` (sources) and ``T + 1`` columns (targets, which end in ``<eos>`` 3)."""
    rng = np.random.default_rng(seed)
    longest = longest or T
    src, tgt_in = np.full((n, T), 1, np.int32), np.full((n, T + 1), 1, np.int32)
    tgt_out = tgt_in.copy()
    src_len = rng.integers(1, longest + 1, n).astype(np.int32)
    tgt_len = rng.integers(1, longest + 1, n).astype(np.int32) + 1
    for i in range(n):
        src[i, : src_len[i]] = rng.integers(2, 9, src_len[i])
        words = rng.integers(4, 9, tgt_len[i] - 1)
        tgt_in[i, : tgt_len[i]], tgt_out[i, : tgt_len[i]] = [2, *words], [*words, 3]
    return Split(src, src_len, tgt_in, tgt_out, tgt_len, [str(i) for i in range(n)], [])


@pytest.mark.parametrize("source", [True, False])
def test_trim_padding_keeps_every_valid_token_of_random_minibatches(source):
    """Over random minibatches: the width becomes the longest valid length (targets always,
    sources with ``source=True`` only), each row keeps its valid tokens, and what is cut is
    padding only; trimming twice changes nothing more."""
    split = random_split(longest=5)
    rng = np.random.default_rng(1)
    for size in (1, 2, 3, 5, 8, 40):
        rows = rng.choice(len(split), size, replace=False)
        batch = tuple(a[rows] for a in (split.src, split.src_len, split.tgt_in, split.tgt_out,
                                        split.tgt_len))  # fmt: skip
        src, src_len, tgt_in, tgt_out, tgt_len = translation.trim_padding(batch, source=source)
        np.testing.assert_array_equal(src_len, batch[1])
        np.testing.assert_array_equal(tgt_len, batch[4])
        T = int(batch[4].max())
        assert tgt_in.shape == tgt_out.shape == (size, T)
        if source:
            assert src.shape == (size, int(batch[1].max()))
        else:  # the source is left as it is: an encoder that reads the padding sees all of it
            np.testing.assert_array_equal(src, batch[0])
        for i in range(size):
            np.testing.assert_array_equal(src[i, : src_len[i]], batch[0][i, : src_len[i]])
            np.testing.assert_array_equal(tgt_in[i, : tgt_len[i]], batch[2][i, : tgt_len[i]])
            np.testing.assert_array_equal(tgt_out[i, : tgt_len[i]], batch[3][i, : tgt_len[i]])
        assert (batch[0][:, src.shape[1] :] == 1).all()  # only padding was cut
        assert (batch[2][:, T:] == 1).all() and (batch[3][:, T:] == 1).all()
        again = translation.trim_padding((src, src_len, tgt_in, tgt_out, tgt_len), source=source)
        for a, b in zip(again, (src, src_len, tgt_in, tgt_out, tgt_len)):
            np.testing.assert_array_equal(a, b)


def tiny_model(attention: bool, read_padding: bool = False):
    """An untrained encoder-decoder for the vocabulary of :func:`random_split` (9 tokens)."""
    d2lrnn.seed(0)
    decoder = (
        seq2seq.AttentionDecoder(9, 4, 8, attention_size=4)
        if attention
        else seq2seq.Decoder(9, 4, 8)
    )
    model = seq2seq.EncoderDecoder(seq2seq.Encoder(9, 4, 8, read_padding=read_padding), decoder)
    gluon_adapter.initialize(model, None)
    rng = np.random.default_rng(0)
    one = mnp.array([[2]], dtype="int32")
    model(one, mnp.array([1], dtype="int32"), one)  # completes the deferred shapes
    for p in model.collect_params().values():
        p.set_data(mnp.array(rng.normal(0, 0.5, p.shape), dtype=p.dtype))
    return model


def loss_and_gradients(model, batch) -> tuple[float, list]:
    """The masked loss of ``model`` on a minibatch and every parameter's gradient."""
    src, src_len, tgt_in, tgt_out, tgt_len = (mnp.array(a, dtype="int32") for a in batch)
    with autograd.record():
        loss = seq2seq.masked_cross_entropy(model(src, src_len, tgt_in), tgt_out, tgt_len)
    loss.backward()
    return float(loss), [p.grad().asnumpy().copy() for p in model.collect_params().values()]


@pytest.mark.parametrize("attention", [False, True])
def test_a_trimmed_minibatch_gives_the_same_loss_and_gradients(attention):
    """The masked loss and every gradient of a model whose encoder stops at each source's last
    valid token are the same on a minibatch and on its trimmed copy; an encoder that reads the
    padding needs ``source=False`` for that."""
    split = random_split(n=6, T=7, longest=4)  # 3 or more columns of padding everywhere
    batch = (split.src, split.src_len, split.tgt_in, split.tgt_out, split.tgt_len)
    trimmed = translation.trim_padding(batch)
    assert trimmed[0].shape[1] < 7 and trimmed[2].shape[1] < 8
    model = tiny_model(attention)
    full_loss, full_grads = loss_and_gradients(model, batch)
    loss, grads = loss_and_gradients(model, trimmed)
    assert loss == pytest.approx(full_loss, rel=1e-5)
    for a, b in zip(grads, full_grads, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    assert max(np.abs(g).max() for g in grads) > 1e-3
    reading = tiny_model(attention, read_padding=True)
    full_loss, full_grads = loss_and_gradients(reading, batch)
    kept_loss, kept_grads = loss_and_gradients(reading, translation.trim_padding(batch, False))
    assert kept_loss == pytest.approx(full_loss, rel=1e-5)
    for a, b in zip(kept_grads, full_grads, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    assert abs(loss_and_gradients(reading, trimmed)[0] - full_loss) > 1e-4  # it read less


def epochs(batches, k: int) -> list[list[tuple]]:
    return [list(batches) for _ in range(k)]


@pytest.mark.parametrize("n, size, bucket", [(40, 4, 3), (37, 4, 3), (23, 5, 100), (9, 2, 1)])
def test_bucketed_batches_yield_every_pair_once_in_as_many_minibatches(n, size, bucket):
    """Pools of ``bucket`` minibatches, the last one partial: every pair exactly once an epoch,
    in minibatches of the plain sizes, the rows' five arrays kept together; the same batches
    for the same seed, other ones for another seed."""
    split = numbered_split(n=n, T=5)
    split.tgt_len[:] = 1 + (np.arange(n) * 7) % 6
    b = TranslationBatches(split, size, seed=5, bucket=bucket)
    plain = TranslationBatches(split, size, seed=5)
    runs = epochs(b, 3)
    for epoch in runs:
        rows = np.concatenate([x[2][:, 0] for x in epoch])
        assert sorted(rows.tolist()) == list(range(n))  # each pair exactly once
        assert len(epoch) == len(b) == len(plain)
        assert sorted(len(x[0]) for x in epoch) == sorted(len(x[0]) for x in plain)
        for src, src_len, tgt_in, tgt_out, tgt_len in epoch:
            i = tgt_in[:, 0]
            np.testing.assert_array_equal(src, split.src[i])
            np.testing.assert_array_equal(src_len, split.src_len[i])
            np.testing.assert_array_equal(tgt_out, split.tgt_out[i])
            np.testing.assert_array_equal(tgt_len, split.tgt_len[i])
    again = epochs(TranslationBatches(split, size, seed=5, bucket=bucket), 3)
    for x, y in zip(runs, again, strict=True):
        for a, c in zip(x, y, strict=True):
            for u, v in zip(a, c, strict=True):
                np.testing.assert_array_equal(u, v)
    other = epochs(TranslationBatches(split, size, seed=6, bucket=bucket), 1)[0]
    assert [x[2][:, 0].tolist() for x in other] != [x[2][:, 0].tolist() for x in runs[0]]


def test_one_pool_sorts_the_whole_epoch_by_length():
    """With a pool as large as the split, the minibatches are cut from one sorted order: their
    target lengths do not interleave, and each spans at most a couple of lengths."""
    split = random_split(n=60, T=7, seed=3)
    b = TranslationBatches(split, 6, seed=1, bucket=10)
    padding = {"plain": 0, "bucket": 0}
    for name, batches in (("bucket", b), ("plain", TranslationBatches(split, 6, seed=1))):
        spans = []
        for *_, tgt_len in batches:
            spans.append((int(tgt_len.min()), int(tgt_len.max())))
            padding[name] += int((tgt_len.max() - tgt_len).sum())
        if name == "bucket":
            spans.sort()
            assert all(hi <= lo for (_, hi), (lo, _) in zip(spans, spans[1:]))
            assert max(hi - lo for lo, hi in spans) <= 1
    assert padding["bucket"] < padding["plain"] / 3


def test_select_keeps_the_chosen_rows_in_order_and_distinct_uses_it():
    """``Split.select`` by indices or by a boolean mask: every field, rows in the given order."""
    split = translation.Split(
        np.arange(12).reshape(4, 3),
        np.array([3, 2, 1, 3]),
        np.arange(16).reshape(4, 4),
        np.arange(16, 32).reshape(4, 4),
        np.array([4, 3, 2, 4]),
        ["a", "b", "a", "c"],
        [["x"], ["y"], ["x"], ["z"]],
    )
    picked = split.select([2, 0])
    np.testing.assert_array_equal(picked.src, split.src[[2, 0]])
    np.testing.assert_array_equal(picked.src_len, [1, 3])
    np.testing.assert_array_equal(picked.tgt_in, split.tgt_in[[2, 0]])
    np.testing.assert_array_equal(picked.tgt_out, split.tgt_out[[2, 0]])
    np.testing.assert_array_equal(picked.tgt_len, [2, 4])
    assert picked.sources == ["a", "a"] and picked.references == [["x"], ["x"]]
    masked = split.select(split.src_len == 3)
    assert masked.sources == ["a", "c"] and len(split.select([])) == 0
    assert split.distinct().sources == ["a", "b", "c"]


# ------------------------------------------------------------------ bad and boundary input


def test_an_iterator_of_pairs_gives_what_the_list_gives():
    pairs = synthetic_pairs()
    a = translation.translation_data(pairs, num_val=5, num_test=5, min_freq=1)
    b = translation.translation_data(iter(pairs), num_val=5, num_test=5, min_freq=1)
    assert a.train.sources == b.train.sources and a.test.references == b.test.references
    assert (a.train.src == b.train.src).all() and a.stats["pairs"] == b.stats["pairs"]


@pytest.mark.needs_data("fra-eng.zip")
def test_no_real_sentence_holds_a_special_token(fra_eng):
    """The check that refuses <pad>, <bos> and <eos> inside a sentence never fires on the
    real data (it would stop chapter 7)."""
    td = translation.translation_data(fra_eng, max_len=6, min_freq=3, num_val=50, num_test=50)
    assert len(td.train) > 1000
    with pytest.raises(ValueError, match=r"pairs\[20000\] must not hold the special tokens"):
        translation.translation_data([*fra_eng, ("Go <eos> now.", "Va !")], max_len=6)


@pytest.mark.parametrize("token", ["<pad>", "<bos>", "<eos>"])
def test_a_sentence_that_holds_a_special_token_is_refused_by_its_index(token):
    pairs = [(f"go {i} .", f"va {i} !") for i in range(30)]
    with pytest.raises(ValueError, match=r"pairs\[30\] must not hold the special tokens"):
        translation.translation_data([*pairs, (f"Go {token} now.", "Va !")], max_len=6)
    with pytest.raises(ValueError, match=r"pairs\[30\] must not hold the special tokens"):
        translation.translation_data([*pairs, ("Go now.", f"Va {token} !")], max_len=6)


def test_a_sentence_of_exactly_max_len_tokens_is_kept_and_encoded():
    td = translation.translation_data(synthetic_pairs(), max_len=4, num_val=5, num_test=5)
    assert {len(s.split()) for s in td.train.sources} == {4}  # every source at the limit
    assert set(td.train.tgt_len) == {5}  # targets of 4 tokens ("je vois chat3 !"), and <eos>
    row, n = td.encode_source(td.train.sources[0])
    assert n == 4 and (row[0] != td.src_vocab[PAD]).all()
    with pytest.raises(ValueError, match="at most max_len"):
        td.encode_source(td.train.sources[0] + " encore")


# ------------------------------------------------------------------ subwords


def test_subwords_keep_the_same_pairs_and_decode_to_the_words(fra_eng):
    args = dict(max_len=6, min_freq=1, num_val=50, num_test=50)
    words = translation.translation_data(fra_eng, **args)
    sub = translation.translation_data(fra_eng, **args, num_merges=300)
    assert words.src_bpe is None and sub.src_bpe is not None and sub.tgt_bpe is not None
    assert len(sub.tgt_bpe.merges) == len(sub.src_bpe.merges) == 300
    for name in ("train", "val", "test"):  # the same pairs, in the same order
        w, s = getattr(words, name), getattr(sub, name)
        assert s.sources == w.sources and s.references == w.references
        # subwords are never fewer than words, and the arrays hold every one of them
        assert np.all(s.src_len >= w.src_len) and np.all(s.tgt_len >= w.tgt_len)
    assert sub.num_steps == max(sub.train.src_len.max(), sub.train.tgt_len.max() - 1,
                                sub.test.src_len.max(), sub.test.tgt_len.max() - 1,
                                sub.val.src_len.max(), sub.val.tgt_len.max() - 1)  # fmt: skip
    assert sub.max_target_steps == sub.num_steps + 1 and words.num_steps == 6
    # A training target decodes to its French sentence, word for word: no <unk> at all.
    unk = sub.tgt_vocab.unk
    w, s = words.train, sub.train
    for row, n, w_row, m in zip(s.tgt_out[:3000], s.tgt_len, w.tgt_out, w.tgt_len):
        assert unk not in row[: n - 1]
        assert sub.target_words(row[: n - 1]) == words.tgt_vocab.to_tokens(w_row[: m - 1].tolist())
    assert sub.stats["train"]["tgt_unk_rate"] == 0.0
    # Held-out words unseen in training are spelt in subwords, not <unk>.
    assert sub.stats["test"]["tgt_unk_rate"] < 0.1 * words.stats["test"]["tgt_unk_rate"]
    # The vocabularies hold subwords of their own language, learnt from the training split.
    assert len(sub.tgt_vocab) < len(words.tgt_vocab)
    # A source is encoded in subwords, within num_steps.
    row, n = sub.encode_source("Tom is unbelievably stubborn.")
    units = sub.source_units("Tom is unbelievably stubborn.")
    assert row.shape == (1, sub.num_steps) and n == len(units) > 4
    assert translation.join_subwords(units) == ["tom", "is", "unbelievably", "stubborn", "."]
    assert sub.src_vocab.to_tokens(row[0, :n].tolist()) == [
        u if u in sub.src_vocab.token_to_idx else "<unk>" for u in units
    ]


def test_subword_tokens_and_join_subwords_are_inverse():
    bpe = text.BPETokenizer.learn(" le chat mange . les chats mangent . le chien", 12)
    for words in (["le", "chat"], ["chiens", "mangeaient", "!"], ["x"], ["l'homme", "?"]):
        units = translation.subword_tokens(bpe, words)
        assert translation.join_subwords(units) == words
        assert units[0].startswith(" ") and sum(u.startswith(" ") for u in units) == len(words)
    assert translation.subword_tokens(bpe, ["le", "chat"])[:2] == [" le", " chat"]  # merged
    assert translation.join_subwords([" conf", "use", " ."]) == ["confuse", "."]


def test_zero_merges_give_characters_and_target_text_is_normalised():
    pairs = [(f"{a} {b} .", f"{b}{b} {a} !") for a in ("go", "run", "sit") for b in ("now", "up")]
    td = translation.translation_data(pairs, max_len=3, min_freq=1, num_val=1, num_test=1,
                                      num_merges=0)  # fmt: skip
    assert all(len(t) == 1 for t in td.src_vocab.idx_to_token[2:])  # single characters
    n = td.train.tgt_len[0] - 1
    assert td.target_text(td.train.tgt_out[0, :n]) in {
        r for refs in td.train.references for r in refs
    }
