"""Minibatches of fixed-length windows cut from one long token-index corpus.

A language model reads ``num_steps`` tokens ``X`` and predicts the same
window shifted by one, ``Y``. Two ways to cut the corpus into such windows:

* **random sampling** -- windows start at ``offset + k * num_steps`` and are
  visited in random order, so consecutive minibatches are unrelated and the
  hidden state must be reset for each one;
* **sequential partitioning** -- the corpus is split into ``batch_size``
  parallel streams, and minibatch ``i + 1`` continues exactly where
  minibatch ``i`` stopped, row by row, so the hidden state can be carried over.

Both start each epoch at a random offset in ``[0, num_steps)``, so the
windows' boundaries differ from epoch to epoch. Every epoch has the same
number of minibatches, whatever its offset. Batches are built with array
indexing, not Python loops over tokens.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

SAMPLINGS = ("random", "sequential")


def _check_int(value: object, arg: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{arg} must be an int, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{arg} must be >= {minimum}, got {value}")
    return int(value)


def as_corpus(corpus: Sequence[int] | np.ndarray) -> np.ndarray:
    """Check ``corpus`` is a non-empty 1-D sequence of token indices; return it as int64."""
    arr = np.asarray(corpus)
    if arr.ndim != 1:
        raise ValueError(f"corpus must be a 1-D sequence of token indices, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError("corpus must not be empty: got 0 tokens")
    if not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"corpus must hold integer token indices, got dtype {arr.dtype}")
    return arr.astype(np.int64, copy=False)


class SeqBatches:
    """An iterable of ``(X, Y)`` minibatches over a token-index corpus.

    Each ``iter()`` is one epoch: ``len(self)`` pairs of NumPy int64 arrays
    ``X, Y`` of shape ``(batch_size, num_steps)`` with ``Y[:, t]`` the token
    after ``X[:, t]``. The offsets and the order of random windows come from
    a generator seeded with ``seed``, so two runs give the same batches.

    Args:
        corpus: 1-D sequence of token indices.
        batch_size: windows per minibatch, >= 1.
        num_steps: tokens per window, >= 1 and < ``len(corpus)``.
        sampling: ``'random'`` or ``'sequential'``.
        seed: seed of the generator for offsets and shuffling.
    """

    def __init__(
        self,
        corpus: Sequence[int] | np.ndarray,
        batch_size: int,
        num_steps: int,
        sampling: str = "sequential",
        seed: int | None = 0,
    ):
        self.corpus = as_corpus(corpus)
        self.batch_size = _check_int(batch_size, "batch_size", 1)
        self.num_steps = _check_int(num_steps, "num_steps", 1)
        n = len(self.corpus)
        if self.num_steps >= n:
            raise ValueError(
                f"num_steps must be smaller than the corpus length {n}, got num_steps={num_steps}"
            )
        if sampling not in SAMPLINGS:
            raise ValueError(f"sampling must be one of {SAMPLINGS}, got {sampling!r}")
        self.sampling = sampling
        self.rng = np.random.default_rng(seed)
        # Counted at the worst offset (num_steps - 1), so every epoch has
        # the same number of minibatches.
        usable = n - self.num_steps  # tokens after the offset, less the last target
        if sampling == "random":
            self.num_batches = (usable // self.num_steps) // self.batch_size
        else:
            self.num_batches = (usable // self.batch_size) // self.num_steps
        if self.num_batches == 0:
            raise ValueError(
                f"a corpus of {n} tokens holds no full minibatch of batch_size={batch_size} "
                f"windows of num_steps={num_steps}; make batch_size or num_steps smaller"
            )

    def __len__(self) -> int:
        return self.num_batches

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        offset = int(self.rng.integers(self.num_steps))
        b, t, m = self.batch_size, self.num_steps, self.num_batches
        if self.sampling == "random":
            starts = offset + t * self.rng.permutation(m * b)
            idx = starts.reshape(m, b, 1) + np.arange(t)  # (m, b, t)
            X, Y = self.corpus[idx], self.corpus[idx + 1]
            for i in range(m):
                yield X[i], Y[i]
        else:
            cols = m * t
            streams = self.corpus[offset : offset + b * cols + 1]
            X = streams[:-1].reshape(b, cols)
            Y = streams[1:].reshape(b, cols)
            for i in range(m):
                yield X[:, i * t : (i + 1) * t], Y[:, i * t : (i + 1) * t]


class WindowBatches:
    """Minibatches drawn from a fixed array of windows, as d2l's ``TimeMachine`` serves them.

    d2l cuts *overlapping* windows, one starting at every position, keeps the
    first ``num_train`` for training and the next ``num_val`` for validation,
    and shuffles the training windows each epoch (the last minibatch may be
    smaller). The book's benchmarks use this class to train on exactly d2l's
    data. Windows are independent, so the state is reset for each minibatch
    (``sampling = 'random'``).

    Args:
        X, Y: ``(num_windows, num_steps)`` int arrays, ``Y`` = ``X`` shifted by one token.
        batch_size: windows per minibatch, >= 1.
        shuffle: visit the windows in a new random order each epoch.
    """

    sampling = "random"

    def __init__(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        batch_size: int,
        shuffle: bool = True,
        seed: int | None = 0,
    ):
        self.X, self.Y = np.asarray(X), np.asarray(Y)
        if self.X.ndim != 2 or self.X.shape != self.Y.shape or len(self.X) == 0:
            raise ValueError(
                f"X and Y must be non-empty (num_windows, num_steps) arrays of one shape, "
                f"got {self.X.shape} and {self.Y.shape}"
            )
        self.batch_size = _check_int(batch_size, "batch_size", 1)
        self.shuffle = shuffle
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return -(-len(self.X) // self.batch_size)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        order = self.rng.permutation(len(self.X)) if self.shuffle else np.arange(len(self.X))
        for i in range(0, len(order), self.batch_size):
            idx = order[i : i + self.batch_size]
            yield self.X[idx], self.Y[idx]


def overlapping_windows(
    corpus, num_steps: int, start: int, count: int
) -> tuple[np.ndarray, np.ndarray]:
    """d2l's windows: ``X[i] = corpus[start + i : start + i + num_steps]``, ``Y`` shifted by one.

    Returns ``X, Y`` of shape ``(count, num_steps)``.
    """
    corpus = as_corpus(corpus)
    num_steps = _check_int(num_steps, "num_steps", 1)
    if start < 0 or count < 1 or start + count + num_steps > len(corpus):
        raise ValueError(
            f"windows start={start}..{start + count - 1} of num_steps={num_steps} do not fit "
            f"in a corpus of {len(corpus)} tokens"
        )
    idx = start + np.arange(count)[:, None] + np.arange(num_steps)
    return corpus[idx], corpus[idx + 1]
