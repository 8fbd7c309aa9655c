"""Two supervised sequence tasks for bidirectional models, and a loop that trains on them.

* **Word segmentation as tagging** (:func:`segmentation_data`): the spaces are
  removed from a text and the model tags each character with 1 if a word
  starts there. Whether a word starts at ``t`` depends on the letters after
  ``t`` as much as on those before: a task for a bidirectional model.
* **Language identification** (:func:`language_data`): English or French,
  from the first characters of a sentence, accents removed. A many-to-one
  task, for an encoder that summarises the sequence in its final states.

:class:`Tagger` and :class:`Encoder` wrap any recurrent layer with gluon's
interface; :func:`fit` trains either with Adam and reports held-out accuracy.
"""

from __future__ import annotations

import time
import unicodedata
from dataclasses import dataclass, field

import mxnet as mx
import numpy as np
from mxnet import autograd, gluon, npx
from mxnet import np as mnp

from .checks import check_int
from .runtime import default_device
from .train import clip_gradients

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def letters_only(text: str) -> str:
    """Lower case, accents removed (é -> e), everything but a–z turned into single spaces."""
    text = unicodedata.normalize("NFD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join("".join(c if c in LETTERS else " " for c in text).split())


def segmentation_data(text: str, num_steps: int):
    """Windows of ``text`` without its spaces, tagged where words start.

    Returns ``X`` ``(n, num_steps)`` letter indices (0–25) and ``Y``
    ``(n, num_steps)`` with ``Y[i, t] = 1`` if a word starts at that letter,
    from consecutive, non-overlapping windows of the unspaced text.
    """
    check_int(num_steps, "num_steps", 1)
    words = letters_only(text).split()
    if not words:
        raise ValueError("text must contain letters")
    letters = "".join(words)
    starts = np.zeros(len(letters), dtype=np.int32)
    starts[np.cumsum([0] + [len(w) for w in words[:-1]])] = 1
    ids = np.frombuffer(letters.encode("ascii"), dtype=np.uint8).astype(np.int32) - ord("a")
    n = len(letters) // num_steps
    if n == 0:
        raise ValueError(f"text has {len(letters)} letters, fewer than num_steps={num_steps}")
    return ids[: n * num_steps].reshape(n, num_steps), starts[: n * num_steps].reshape(n, num_steps)


def language_data(pairs, num_chars: int, seed: int = 0):
    """English (0) and French (1) sentences, as their first ``num_chars`` characters.

    ``pairs`` are ``(english, french)`` (see :func:`d2lrnn.data.read_fra_eng`).
    Sentences go through :func:`letters_only`; those shorter than
    ``num_chars`` are dropped, and each distinct sentence is used once.
    Returns ``X`` ``(n, num_chars)`` indices in the 27-token alphabet (space
    first, then a–z), ``y`` ``(n,)``, shuffled with ``seed``, and the alphabet.
    """
    check_int(num_chars, "num_chars", 1)
    alphabet = " " + LETTERS
    index = {c: i for i, c in enumerate(alphabet)}
    rows, labels = [], []
    for label, sentences in enumerate(zip(*pairs)):
        for s in sorted(set(letters_only(s) for s in sentences)):
            if len(s) >= num_chars:
                rows.append([index[c] for c in s[:num_chars]])
                labels.append(label)
    if not rows:
        raise ValueError(f"no sentence has {num_chars} or more letters")
    order = np.random.default_rng(seed).permutation(len(rows))
    return np.array(rows, dtype=np.int32)[order], np.array(labels, dtype=np.int32)[order], alphabet


class Tagger(gluon.Block):
    """One tag per step: ``X`` ``(N, T)`` -> logits ``(T, N, num_tags)``."""

    def __init__(self, rnn: gluon.Block, vocab_size: int, num_tags: int):
        super().__init__()
        self.vocab_size = check_int(vocab_size, "vocab_size", 1)
        with self.name_scope():
            self.rnn = rnn
            self.output = gluon.nn.Dense(check_int(num_tags, "num_tags", 2), flatten=False)

    def forward(self, X):
        return self.output(self.rnn(npx.one_hot(X.T, self.vocab_size)))


class Encoder(gluon.Block):
    """One label per sequence, read from the recurrent layer's final hidden states.

    ``X`` ``(N, T)`` -> logits ``(N, num_classes)``. The final ``H`` of a
    gluon-style layer is ``(L * D, N, h)``; the encoder concatenates the last
    layer's ``D`` rows: for a bidirectional layer, the forward direction's
    state after step ``T`` and the backward direction's after step 1, so that
    both ends of the sequence are summarised.
    """

    def __init__(self, rnn: gluon.Block, vocab_size: int, num_classes: int, directions: int = 1):
        super().__init__()
        self.vocab_size = check_int(vocab_size, "vocab_size", 1)
        if directions not in (1, 2):
            raise ValueError(f"directions must be 1 or 2, got {directions!r}")
        self.directions = directions
        with self.name_scope():
            self.rnn = rnn
            self.output = gluon.nn.Dense(check_int(num_classes, "num_classes", 2))

    def forward(self, X):
        state = self.rnn.begin_state(batch_size=X.shape[0], ctx=X.ctx)
        _, state = self.rnn(npx.one_hot(X.T, self.vocab_size), state)
        H = state[0][-self.directions :]  # (D, N, h): the last layer's directions
        return self.output(mnp.concatenate(list(H), axis=-1))


@dataclass
class Fit:
    """What :func:`fit` measured: held-out accuracy after each epoch, and speed."""

    accuracy: list = field(default_factory=list)
    losses: list = field(default_factory=list)
    seconds: float = 0.0


def accuracy(model: gluon.Block, X: np.ndarray, Y: np.ndarray, batch_size: int = 1024, ctx=None):
    """Fraction of correct labels (per sequence, or per step for a tagger's ``(N, T)`` ``Y``)."""
    ctx = ctx or default_device()
    correct = 0
    for i in range(0, len(X), batch_size):
        logits = model(mnp.array(X[i : i + batch_size], dtype="int32", ctx=ctx))
        pred = logits.argmax(axis=-1).asnumpy().astype(np.int32)
        if Y.ndim == 2:  # a tagger's logits are (T, N, tags)
            pred = pred.T
        correct += int((pred == Y[i : i + batch_size]).sum())
    return correct / Y.size


def train_step(model: gluon.Block, trainer: gluon.Trainer, x, y, clip: float | None) -> float:
    """One clipped optimizer step on the mean cross-entropy; returns the loss.

    ``y`` is ``(N,)`` for one label per sequence, or ``(N, T)`` for one per
    step (the model's logits are then ``(T, N, classes)``).
    """
    with autograd.record():
        logits = model(x)
        loss = _CROSS_ENTROPY(logits, y.T if y.ndim == 2 else y).mean()
    loss.backward()
    params = [p for p in model.collect_params().values() if p.grad_req != "null"]
    clip_gradients([p.grad(x.ctx) for p in params], clip)
    trainer.step(1)
    return float(loss)


_CROSS_ENTROPY = gluon.loss.SoftmaxCrossEntropyLoss()


def fit(
    model: gluon.Block,
    X: np.ndarray,
    Y: np.ndarray,
    X_val: np.ndarray,
    Y_val: np.ndarray,
    num_epochs: int,
    batch_size: int = 64,
    lr: float = 0.01,
    clip: float = 1.0,
    seed: int = 0,
    ctx: mx.Context | None = None,
) -> Fit:
    """Train a :class:`Tagger` (``Y`` ``(n, T)``) or :class:`Encoder` (``Y`` ``(n,)``) with Adam.

    Each epoch visits the training examples in a new random order (from
    ``seed``); held-out accuracy is measured after every epoch.
    """
    check_int(num_epochs, "num_epochs", 1)
    check_int(batch_size, "batch_size", 1)
    if len(X) != len(Y) or len(X_val) != len(Y_val):
        raise ValueError("X and Y (and X_val and Y_val) must hold the same number of examples")
    ctx = ctx or default_device()
    rng = np.random.default_rng(seed)
    model.initialize(mx.init.Xavier(), ctx=ctx, force_reinit=False)
    model(mnp.array(X[:1], dtype="int32", ctx=ctx))  # complete deferred shapes
    trainer = gluon.Trainer(model.collect_params(), "adam", {"learning_rate": lr})
    result = Fit()
    start = time.perf_counter()
    for _ in range(num_epochs):
        order = rng.permutation(len(X))
        total = 0.0
        for i in range(0, len(X), batch_size):
            batch = order[i : i + batch_size]
            x = mnp.array(X[batch], dtype="int32", ctx=ctx)
            y = mnp.array(Y[batch], dtype="int32", ctx=ctx)
            total += train_step(model, trainer, x, y, clip) * len(batch)
        result.losses.append(total / len(X))
        result.accuracy.append(accuracy(model, X_val, Y_val, ctx=ctx))
    result.seconds = time.perf_counter() - start
    return result
