"""Minibatch iterators: shapes, targets, contiguity, offsets, determinism, bad input."""

import numpy as np
import pytest

from d2lrnn import SeqBatches

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
        (np.zeros((4, 5), int), {}, ValueError, "corpus must be a 1-D sequence"),
        ([0.5, 1.5, 2.5], {}, TypeError, "corpus must hold integer token indices"),
        (["a", "b"], {}, TypeError, "corpus must hold integer"),
        (
            np.arange(10),
            {"num_steps": 10},
            ValueError,
            "num_steps must be smaller than the corpus length 10",
        ),
        (np.arange(10), {"num_steps": 0}, ValueError, "num_steps must be >= 1, got 0"),
        (np.arange(10), {"batch_size": 0}, ValueError, "batch_size must be >= 1, got 0"),
        (np.arange(10), {"batch_size": -2}, ValueError, "batch_size must be >= 1"),
        (np.arange(10), {"batch_size": 2.0}, TypeError, "batch_size must be an int"),
        (np.arange(10), {"sampling": "shuffled"}, ValueError, "sampling must be one of"),
        (np.arange(10), {"batch_size": 5, "num_steps": 3}, ValueError, "holds no full minibatch"),
    ],
)
def test_bad_input(corpus, kwargs, exc, match):
    args = {"batch_size": 1, "num_steps": 2, **kwargs}
    with pytest.raises(exc, match=match):
        SeqBatches(corpus, **args)
