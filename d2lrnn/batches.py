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
from typing import NamedTuple

import numpy as np

from .checks import check_array, check_bool, check_choice, check_int, check_number
from .data import read_time_machine
from .text import Vocab, preprocess

SAMPLINGS = ("random", "sequential")

__all__ = [
    "SAMPLINGS",
    "ArrayBatches",
    "Corpus",
    "SeqBatches",
    "as_corpus",
    "time_machine_corpus",
    "train_val_batches",
]


def as_corpus(corpus: Sequence[int] | np.ndarray) -> np.ndarray:
    """Check ``corpus`` is a non-empty 1-D sequence of token indices; return it as int64."""
    arr = check_array(corpus, "corpus", ndim=1, kind="i")
    if arr.min() < 0:
        raise ValueError(f"corpus must hold token indices >= 0, got {arr.min()}")
    return arr.astype(np.int64, copy=False)


def _check_seed(seed: object) -> int | None:
    return None if seed is None else check_int(seed, "seed", 0)


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
        self.batch_size = check_int(batch_size, "batch_size", 1)
        self.num_steps = check_int(num_steps, "num_steps", 1)
        n = len(self.corpus)
        if self.num_steps >= n:
            raise ValueError(
                f"num_steps must be smaller than the corpus length {n}, got num_steps={num_steps}"
            )
        self.sampling = check_choice(sampling, "sampling", SAMPLINGS)
        self.rng = np.random.default_rng(_check_seed(seed))
        # Counted at the worst offset (num_steps - 1), so every epoch has
        # the same number of minibatches.
        usable = n - self.num_steps  # tokens after the offset, less the last target
        if sampling == "random":
            self.num_batches = (usable // self.num_steps) // self.batch_size
        else:
            self.num_batches = (usable // self.batch_size) // self.num_steps
        if self.num_batches == 0:
            raise ValueError(
                f"batch_size and num_steps must fit in the corpus: a corpus of {n} tokens holds "
                f"no full minibatch of batch_size={batch_size} windows of num_steps={num_steps}; "
                "make batch_size or num_steps smaller"
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


class ArrayBatches:
    """Minibatches drawn from fixed arrays of examples, in a new random order each epoch.

    ``X[i]`` and ``Y[i]`` are one example and its label(s): windows of tokens
    and their targets (as d2l's ``TimeMachine`` serves them), features and a
    regression target, or sequences and their tags or class. Each ``iter()``
    is one epoch: ``len(self)`` pairs ``X[idx], Y[idx]`` of NumPy arrays; the
    last minibatch may be smaller. Examples are independent, so a language
    model starts every minibatch from the zero state (``sampling = 'random'``).

    Args:
        X, Y: arrays with the same number of rows ``n`` (any trailing shapes).
        batch_size: examples per minibatch, >= 1.
        shuffle: visit the examples in a new random order each epoch.
        seed: seed of the generator of that order.
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
        self.X = check_array(X, "X", ndim=(1, 2, 3))
        self.Y = check_array(Y, "Y", ndim=(1, 2, 3))
        if len(self.X) != len(self.Y):
            raise ValueError(
                "X and Y must hold the same number of examples (rows), "
                f"got shapes {self.X.shape} and {self.Y.shape}"
            )
        self.batch_size = check_int(batch_size, "batch_size", 1)
        self.shuffle = check_bool(shuffle, "shuffle")
        self.rng = np.random.default_rng(_check_seed(seed))

    def __len__(self) -> int:
        return -(-len(self.X) // self.batch_size)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        order = self.rng.permutation(len(self.X)) if self.shuffle else np.arange(len(self.X))
        for i in range(0, len(order), self.batch_size):
            idx = order[i : i + self.batch_size]
            yield self.X[idx], self.Y[idx]


class Corpus(NamedTuple):
    """A text as token indices, split into a training and a held-out part, with its vocabulary."""

    train: np.ndarray  # (n_train,) int64 token indices
    val: np.ndarray  # (n_val,) int64, the text that follows the training part
    vocab: Vocab


def time_machine_corpus(val_fraction: float = 0.1) -> Corpus:
    """The characters of *The Time Machine*: the first 90% for training, the last 10% held out.

    The text goes through :func:`d2lrnn.text.preprocess` (26 letters and the
    space); the vocabulary holds those 27 characters and ``<unk>``, most
    frequent first (counted over the whole book, so every chapter and the
    benchmarks index the characters the same way). Returns
    ``Corpus(train, val, vocab)``, which unpacks as
    ``train, val, vocab = time_machine_corpus()``.
    """
    val_fraction = check_number(val_fraction, "val_fraction", 0, 1, above=True, below=True)
    tokens = list(preprocess(read_time_machine()))
    vocab = Vocab(tokens)
    corpus = np.array(vocab[tokens])
    split = int((1 - val_fraction) * len(corpus))
    return Corpus(corpus[:split], corpus[split:], vocab)


def train_val_batches(
    train: np.ndarray,
    val: np.ndarray,
    batch_size: int = 64,
    num_steps: int = 32,
    sampling: str = "sequential",
    seed: int = 0,
) -> tuple[SeqBatches, SeqBatches]:
    """Fresh minibatches over a training and a held-out corpus, with the same settings.

    Two models trained on what two calls return see the same minibatches in
    the same order, epoch by epoch (the offsets come from ``seed``).
    """
    return (
        SeqBatches(train, batch_size, num_steps, sampling=sampling, seed=seed),
        SeqBatches(val, batch_size, num_steps, sampling=sampling, seed=seed),
    )
