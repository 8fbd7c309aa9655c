"""Minibatch iterators over a corpus and over arrays, and the book's corpus: shapes, targets,
contiguity, offsets, shuffling, determinism, bad input."""

import numpy as np
import pytest

import d2lrnn
from d2lrnn import SeqBatches, batches, text
from d2lrnn.batches import ArrayBatches

CORPUS = np.arange(1000)


@pytest.mark.parametrize("sampling", ["random", "sequential"])
def test_shapes_and_targets(sampling):
    batches = SeqBatches(CORPUS, batch_size=4, num_steps=7, sampling=sampling, seed=0)
    pairs = list(batches)
    assert len(pairs) == len(batches) > 0
    for X, Y in pairs:
        assert X.shape == Y.shape == (4, 7)
        assert X.dtype == np.int64
        # The corpus is 0..999, so each token's value is its position:
        # windows are contiguous and Y is X shifted by one.
        np.testing.assert_array_equal(np.diff(X, axis=1), 1)
        np.testing.assert_array_equal(Y, X + 1)


def test_sequential_batches_continue_each_other():
    batches = SeqBatches(CORPUS, batch_size=3, num_steps=5, sampling="sequential", seed=0)
    pairs = list(batches)
    for (X0, _), (X1, _) in zip(pairs, pairs[1:]):
        np.testing.assert_array_equal(X1[:, 0], X0[:, -1] + 1)


def test_random_windows_are_disjoint_and_shuffled():
    batches = SeqBatches(CORPUS, batch_size=4, num_steps=10, sampling="random", seed=0)
    starts = np.concatenate([X[:, 0] for X, _ in batches])
    assert len(set(starts.tolist())) == len(starts)
    assert len(set((starts % 10).tolist())) == 1  # one offset per epoch
    assert not np.all(np.diff(starts) > 0)  # not in corpus order


@pytest.mark.parametrize("sampling", ["random", "sequential"])
def test_offset_changes_between_epochs_and_is_seeded(sampling):
    def first_starts(b):
        return [int(next(iter(b))[0][0, 0]) % 7 for _ in range(12)]

    a = first_starts(SeqBatches(CORPUS, 4, 7, sampling, seed=3))
    assert len(set(a)) > 1
    assert a == first_starts(SeqBatches(CORPUS, 4, 7, sampling, seed=3))
    assert a != first_starts(SeqBatches(CORPUS, 4, 7, sampling, seed=4))


@pytest.mark.parametrize("sampling", ["random", "sequential"])
def test_every_epoch_has_the_same_length(sampling):
    b = SeqBatches(np.arange(103), 3, 4, sampling, seed=0)
    assert {sum(1 for _ in b) for _ in range(20)} == {len(b)}


def test_smallest_corpus_that_fits():
    # sequential needs batch_size * num_steps + num_steps tokens at the worst offset
    assert len(SeqBatches(np.arange(2 * 3 + 3), 2, 3, "sequential")) == 1
    assert len(SeqBatches(np.arange(2 * 3 + 3), 2, 3, "random")) == 1


@pytest.mark.parametrize(
    "corpus, kwargs, exc, match",
    [
        ([], {}, ValueError, "corpus must not be empty"),
        (np.zeros((4, 5), int), {}, ValueError, r"corpus must be a 1-D array, got shape \(4, 5\)"),
        ([0.5, 1.5, 2.5], {}, TypeError, r"corpus must hold integers \(token indices\), got dtype"),
        (["a", "b"], {}, TypeError, "corpus must hold integer"),
        (
            np.arange(10),
            {"num_steps": 10},
            ValueError,
            "num_steps must be smaller than the corpus length 10",
        ),
        (np.arange(10), {"num_steps": 0}, ValueError, "num_steps must be an int >= 1, got 0"),
        (np.arange(10), {"batch_size": 0}, ValueError, "batch_size must be an int >= 1, got 0"),
        (np.arange(10), {"batch_size": -2}, ValueError, "batch_size must be an int >= 1"),
        (
            np.arange(10),
            {"batch_size": 2.0},
            TypeError,
            "batch_size must be an int >= 1, got float",
        ),
        (np.arange(10), {"sampling": "shuffled"}, ValueError, "sampling must be one of"),
        (np.arange(10), {"batch_size": 5, "num_steps": 3}, ValueError, "holds no full minibatch"),
    ],
)
def test_bad_input(corpus, kwargs, exc, match):
    args = {"batch_size": 1, "num_steps": 2, **kwargs}
    with pytest.raises(exc, match=match):
        SeqBatches(corpus, **args)


# ---------------------------------------------------------------- ArrayBatches


def windows(start, count, num_steps):
    """d2l's overlapping windows of the corpus 0, 1, 2, ...: X[i] starts at start + i."""
    X = start + np.arange(count)[:, None] + np.arange(num_steps)
    return X, X + 1


def test_array_batches_of_windows_cover_every_window_once():
    X, Y = windows(10, 20, 5)
    wb = ArrayBatches(X, Y, 8, shuffle=True, seed=0)
    got = list(wb)
    assert [len(x) for x, _ in got] == [8, 8, 4] and len(wb) == 3
    assert sorted(np.concatenate([x[:, 0] for x, _ in got]).tolist()) == list(range(10, 30))
    for x, y in got:
        np.testing.assert_array_equal(y, x + 1)  # rows stay paired
    with pytest.raises(ValueError, match=r"X and Y must hold the same number of examples \(rows\)"):
        ArrayBatches(X, Y[:2], 4)


def test_array_batches_take_any_trailing_shapes():
    X = np.arange(7 * 3 * 2, dtype=np.float32).reshape(7, 3, 2)
    Y = np.arange(7)
    pairs = list(ArrayBatches(X, Y, 3, shuffle=False))
    assert [(x.shape, y.shape) for x, y in pairs] == [((3, 3, 2), (3,))] * 2 + [((1, 3, 2), (1,))]
    for x, y in pairs:
        np.testing.assert_array_equal(x, X[y])  # example i keeps its label i
    assert ArrayBatches.sampling == "random"


def test_array_batches_reshuffle_every_epoch_from_the_seed():
    X, Y = windows(0, 50, 3)

    def orders(b, epochs=3):
        return [np.concatenate([x[:, 0] for x, _ in b]).tolist() for _ in range(epochs)]

    a = orders(ArrayBatches(X, Y, 7, seed=3))
    assert a[0] != a[1] != a[2]  # a new order each epoch
    assert all(sorted(o) == list(range(50)) for o in a)
    assert a == orders(ArrayBatches(X, Y, 7, seed=3))  # the same orders again
    assert a != orders(ArrayBatches(X, Y, 7, seed=4))
    assert orders(ArrayBatches(X, Y, 7, shuffle=False), 2) == [list(range(50))] * 2


def test_array_batches_one_large_batch():
    X, Y = windows(0, 5, 2)
    b = ArrayBatches(X, Y, 100)
    assert len(b) == 1 and [len(x) for x, _ in b] == [5]


@pytest.mark.parametrize(
    "X, Y, kwargs, exc, match",
    [
        (
            np.zeros((0, 3)),
            np.zeros((0, 3)),
            {},
            ValueError,
            r"X must not be empty, got shape \(0, 3\)",
        ),
        (np.zeros((4, 3)), np.zeros((5,)), {}, ValueError, r"got shapes \(4, 3\) and \(5,\)"),
        (
            np.float32(1),
            np.zeros(1),
            {},
            ValueError,
            r"X must be a 1-D or 2-D or 3-D array, got shape \(\)",
        ),
        (np.zeros((4, 3)), np.zeros(4), {"batch_size": 0}, ValueError, "batch_size must be an int"),
        (np.zeros((4, 3)), np.zeros(4), {"batch_size": 1.0}, TypeError, "batch_size must be"),
    ],
)
def test_array_batches_bad_input(X, Y, kwargs, exc, match):
    args = {"batch_size": 2, **kwargs}
    with pytest.raises(exc, match=match):
        ArrayBatches(X, Y, **args)


# ------------------------------------------------------------------ the corpus


@pytest.fixture(scope="module")
def corpus():
    return batches.time_machine_corpus()


@pytest.mark.needs_data("timemachine.txt")
def test_time_machine_corpus_is_the_whole_book_split_90_10(corpus):
    train, val, vocab = corpus
    assert isinstance(corpus, batches.Corpus) and corpus.vocab is vocab
    assert len(vocab) == 28 and vocab.idx_to_token[0] == "<unk>"
    assert set(vocab.idx_to_token[1:]) == set("abcdefghijklmnopqrstuvwxyz ")
    assert vocab.idx_to_token[1] == " "  # most frequent first
    book = text.preprocess(d2lrnn.read_time_machine())
    assert len(train) + len(val) == len(book)
    assert len(train) == int(0.9 * len(book))
    assert "".join(vocab.to_tokens(np.concatenate([train, val]).tolist())) == book
    assert train.dtype == val.dtype == np.int64 and 0 not in set(train.tolist())


@pytest.mark.needs_data("timemachine.txt")
def test_time_machine_corpus_splits_at_another_fraction():
    train, val, _ = batches.time_machine_corpus(0.5)
    assert abs(len(train) - len(val)) <= 1


def test_time_machine_corpus_refuses_a_bad_fraction_before_reading_the_book(monkeypatch):
    def unread():
        raise AssertionError("the book was read before val_fraction was checked")

    monkeypatch.setattr(batches, "read_time_machine", unread)
    for bad in (0.0, 1.0, 1, float("nan")):
        with pytest.raises(
            ValueError, match="val_fraction must be a finite number > 0 and < 1, got"
        ):
            batches.time_machine_corpus(bad)
    with pytest.raises(
        TypeError, match="val_fraction must be a finite number > 0 and < 1, got str"
    ):
        batches.time_machine_corpus("0.1")


@pytest.mark.parametrize("sampling", ["random", "sequential"])
def test_train_val_batches_give_identical_minibatches(sampling):
    rng = np.random.default_rng(0)  # an index corpus of a 28-token vocabulary, as the book's
    train, val = rng.integers(1, 28, 5000), rng.integers(1, 28, 2000)

    def epochs(pair):
        return [[(x.copy(), y.copy()) for x, y in b] for b in pair for _ in range(2)]

    a = batches.train_val_batches(train, val, 8, 16, sampling, seed=2)
    b = batches.train_val_batches(train, val, 8, 16, sampling, seed=2)
    assert [type(x) for x in a] == [SeqBatches, SeqBatches]
    assert a[0].sampling == a[1].sampling == sampling
    ea, eb = epochs(a), epochs(b)
    assert len(ea) == len(eb) == 4 and all(len(e) for e in ea)
    for e1, e2 in zip(ea, eb):
        for (x1, y1), (x2, y2) in zip(e1, e2, strict=True):
            np.testing.assert_array_equal(x1, x2)
            np.testing.assert_array_equal(y1, y2)
    assert a[0].batch_size == a[1].batch_size == 8 and a[0].num_steps == a[1].num_steps == 16
