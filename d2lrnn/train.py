"""Every training loop of the book, with one optimiser setup, one clipping rule and one evaluation.

* :func:`train_lm` trains a language model on token windows and reports
  perplexity (chapters 3 to 6);
* :func:`fit` trains any other model on ``(X, Y)`` minibatches, with
  cross-entropy (one class per sequence or one tag per step) or squared loss
  (regression), and evaluates it on held-out data after every epoch
  (chapter 1's autoregression, chapter 5's recall task, chapter 6's taggers
  and encoders).

Both make their optimiser with :func:`make_trainer`, clip with
:func:`d2lrnn.clipping.clip_gradients` and take one step with
:func:`train_step`; :func:`evaluate` and :func:`evaluate_lm` score held-out
data.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import mxnet as mx
import numpy as np
from mxnet import autograd, gluon, init, npx
from mxnet import np as mnp

from .batches import SAMPLINGS
from .checks import check_int
from .clipping import clip_gradients
from .gluon_adapter import initialize, is_initialized
from .progress import Progress
from .runtime import default_device

OPTIMIZERS = ("sgd", "adam")
LOSSES = ("cross_entropy", "squared")


def make_trainer(model: gluon.Block, optimizer: str = "adam", lr: float = 0.01) -> gluon.Trainer:
    """The optimiser of every loop: gluon's ``'sgd'`` or ``'adam'`` at learning rate ``lr``."""
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    if not (isinstance(lr, (int, float, np.integer, np.floating)) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    return gluon.Trainer(model.collect_params(), optimizer, {"learning_rate": float(lr)})


def trainable(model: gluon.Block) -> list:
    """The parameters that receive gradients (``grad_req`` other than ``'null'``)."""
    return [p for p in model.collect_params().values() if p.grad_req != "null"]


def train_step(
    loss, params: list, trainer: gluon.Trainer, clip: float | None, device: mx.Context
) -> float:
    """Backpropagate ``loss`` (a recorded scalar), clip the gradients, take one optimiser step.

    Returns the gradient's global norm before clipping.
    """
    loss.backward()
    norm = clip_gradients([p.grad(device) for p in params], clip)
    trainer.step(1)
    return norm


def cross_entropy(logits, Y, fast: bool = True):
    """Mean cross-entropy of the next token: ``-mean log softmax(logits)[Y]``, a scalar.

    ``logits``: ``(num_steps, batch_size, V)``; ``Y``: ``(batch_size, num_steps)``
    int (the layout of :class:`~d2lrnn.lm.RNNLM` and its minibatches).

    ``fast=True`` computes ``-log(softmax(logits)[Y])``: on a CPU, MXNet's
    softmax is a oneDNN kernel whose backward pass runs about 2.5x faster than
    ``log_softmax``'s, and the gradient is the same ``softmax - one_hot(Y)``.
    It is exact unless a target's probability underflows to 0 in float32
    (the model is wrong by more than about 87 nats), when it is not finite:
    :func:`train_lm` then recomputes that step with ``fast=False``, the
    log-softmax form of gluon's ``SoftmaxCrossEntropyLoss``.
    """
    Y = Y.T
    if fast:
        return -mnp.log(npx.pick(npx.softmax(logits, axis=-1), Y, axis=-1)).mean()
    return -npx.pick(npx.log_softmax(logits, axis=-1), Y, axis=-1).mean()


def _to_device(X, Y, device):
    return mnp.array(X, ctx=device, dtype="int32"), mnp.array(Y, ctx=device, dtype="int32")


@dataclass
class History:
    """What :func:`train_lm` measured: perplexities and speed per epoch; loss and gradient norm
    (before clipping) per step."""

    train_ppl: list[float] = field(default_factory=list)
    val_ppl: list[float] = field(default_factory=list)
    tokens_per_sec: list[float] = field(default_factory=list)
    grad_norms: list[float] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0
    tokens: int = 0

    @property
    def speed(self) -> float:
        """Training tokens per second over the whole run (validation excluded)."""
        return self.tokens / self.seconds if self.seconds else float("nan")


def evaluate_lm(model: gluon.Block, batches: Iterable, device=None) -> float:
    """Perplexity of ``model`` on every minibatch of ``batches`` (one epoch, no training).

    With sequential batches the state is carried from one minibatch to the
    next, as in training; with random ones every window starts from zero.
    """
    device = device or default_device()
    total, count, state = 0.0, 0, None
    for X, Y in batches:
        X, Y = _to_device(X, Y, device)
        if batches.sampling == "random":
            state = None
        logits, state = model(X, state)
        total += float(cross_entropy(logits, Y, fast=False)) * Y.size
        count += Y.size
    return math.exp(total / count)


def train_lm(
    model: gluon.Block,
    train_batches: Iterable,
    val_batches: Iterable | None = None,
    num_epochs: int = 10,
    lr: float = 1.0,
    optimizer: str = "sgd",
    clip: float | None = 1.0,
    device=None,
    progress: str = "auto",
    title: str = "",
) -> History:
    """Train a language model (:class:`~d2lrnn.lm.RNNLM`) and return its :class:`History`.

    * **Loss**: mean cross-entropy of the next token over every position.
    * **Optimiser**: ``'sgd'`` (minibatch SGD) or ``'adam'``, learning rate ``lr``.
    * **Clipping**: global-norm clipping at ``clip`` (``None``: off); the norm
      before clipping is recorded for every step.
    * **State**: with sequential batches the final state of one minibatch is
      the initial state of the next, *detached* so that backpropagation stops
      at the minibatch boundary; with random batches every minibatch starts
      from the zero state. Each epoch starts from the zero state.
    * **Reports** train perplexity (over the epoch's minibatches, as the
      weights change), validation perplexity (on ``val_batches`` after the
      epoch) and training tokens per second, live (see :class:`Progress`).

    ``train_batches`` and ``val_batches`` are :class:`~d2lrnn.batches.SeqBatches`
    or :class:`~d2lrnn.batches.ArrayBatches` (iterables of ``(X, Y)`` with a
    ``sampling`` attribute).
    """
    check_int(num_epochs, "num_epochs", 1)
    if clip is not None and not clip > 0:
        raise ValueError(f"clip must be None (no clipping) or > 0, got {clip!r}")
    if getattr(train_batches, "sampling", None) not in SAMPLINGS:
        raise TypeError(
            "train_batches must be a SeqBatches or ArrayBatches (an iterable of (X, Y) "
            f"with a .sampling attribute), got {type(train_batches).__name__}"
        )
    device = device or default_device()
    if not all(is_initialized(p) for p in model.collect_params().values()):
        model.initialize(ctx=device)
    trainer = make_trainer(model, optimizer, lr)
    params = trainable(model)
    view = Progress(num_epochs, progress, title, every=max(1, num_epochs // 10))
    history = History()
    carry = train_batches.sampling == "sequential"
    for epoch in range(1, num_epochs + 1):
        start, total, count, state = time.perf_counter(), 0.0, 0, None
        for X, Y in train_batches:
            X, Y = _to_device(X, Y, device)
            if state is not None and carry:
                state = [s.detach() for s in state]
            else:
                state = None
            with autograd.record():
                logits, new_state = model(X, state)
                loss = cross_entropy(logits, Y)
            if not math.isfinite(float(loss)):  # a probability underflowed: redo it exactly
                with autograd.record():
                    logits, new_state = model(X, state)
                    loss = cross_entropy(logits, Y, fast=False)
            state = new_state
            history.grad_norms.append(train_step(loss, params, trainer, clip, device))
            history.losses.append(float(loss))
            total += history.losses[-1] * Y.size
            count += Y.size
        seconds = time.perf_counter() - start
        history.seconds += seconds
        history.tokens += count
        history.tokens_per_sec.append(count / seconds)
        history.train_ppl.append(math.exp(total / count))
        val = evaluate_lm(model, val_batches, device) if val_batches is not None else None
        if val is not None:
            history.val_ppl.append(val)
        view.update(epoch, history.train_ppl[-1], val, history.tokens_per_sec[-1])
    view.close()
    return history


_SOFTMAX_CE = gluon.loss.SoftmaxCrossEntropyLoss()
_SQUARED = gluon.loss.L2Loss()


def _loss(kind: str, outputs, Y):
    """Per-example losses: cross-entropy over classes, or ``0.5 (y_hat - y)^2``.

    For a tagger, ``outputs`` are ``(T, N, C)`` logits and ``Y`` is ``(N, T)``.
    """
    if kind == "squared":
        return _SQUARED(outputs, Y)
    return _SOFTMAX_CE(outputs, Y.T if Y.ndim == 2 else Y)


def _as_input(X, device):
    """A NumPy batch as an MXNet array: integers as ``int32`` token indices, floats as float32."""
    dtype = "int32" if np.issubdtype(np.asarray(X).dtype, np.integer) else "float32"
    return mnp.array(X, dtype=dtype, ctx=device)


def evaluate(
    model: gluon.Block,
    X: np.ndarray,
    Y: np.ndarray,
    loss: str = "cross_entropy",
    batch_size: int = 1024,
    device=None,
) -> dict[str, float]:
    """Mean loss on ``X, Y`` and, for cross-entropy, the fraction of correct labels.

    ``Y`` is ``(n,)`` for one label per sequence, ``(n, T)`` for one per step
    (a tagger, whose logits are ``(T, N, classes)``: accuracy is then per
    step), or ``(n, 1)`` regression targets with ``loss='squared'``. Returns
    ``{'loss': ...}`` and, for cross-entropy, ``'accuracy'``.
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    check_int(batch_size, "batch_size", 1)
    if len(X) != len(Y) or len(X) == 0:
        raise ValueError(
            f"X and Y must hold the same number (>= 1) of examples, got {len(X)} and {len(Y)}"
        )
    device = device or default_device()
    total, correct = 0.0, 0
    for i in range(0, len(X), batch_size):
        outputs = model(_as_input(X[i : i + batch_size], device))
        y = mnp.array(Y[i : i + batch_size], ctx=device)
        losses = _loss(loss, outputs, y)  # a tagger's: (T,), each the mean over the N sequences
        total += float(losses.sum()) * (y.size / losses.size)
        if loss == "cross_entropy":
            pred = outputs.argmax(axis=-1).asnumpy().astype(np.int64)
            if Y.ndim == 2:  # a tagger's logits are (T, N, tags)
                pred = pred.T
            correct += int((pred == Y[i : i + batch_size]).sum())
    result = {"loss": total / Y.size}
    if loss == "cross_entropy":
        result["accuracy"] = correct / Y.size
    return result


def accuracy(model: gluon.Block, X: np.ndarray, Y: np.ndarray, device=None) -> float:
    """Fraction of correct labels (per sequence, or per step for a tagger's ``(N, T)`` ``Y``)."""
    return evaluate(model, X, Y, "cross_entropy", device=device)["accuracy"]


@dataclass
class FitHistory:
    """What :func:`fit` measured, one entry per epoch (``steps``: optimiser steps so far)."""

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    steps: list[int] = field(default_factory=list)
    seconds: float = 0.0


def fit(
    model: gluon.Block,
    train_batches: Iterable,
    num_epochs: int,
    loss: str = "cross_entropy",
    lr: float = 0.01,
    optimizer: str = "adam",
    clip: float | None = 1.0,
    val: tuple[np.ndarray, np.ndarray] | None = None,
    target: float | None = None,
    initializer=None,
    device=None,
) -> FitHistory:
    """Train ``model`` on the ``(X, Y)`` minibatches of ``train_batches``, evaluating each epoch.

    * **Data**: each pass over ``train_batches`` is one epoch, e.g. an
      :class:`~d2lrnn.batches.ArrayBatches`. Integer ``X`` are token indices.
    * **Loss**: ``'cross_entropy'`` (a model that returns ``(N, classes)``
      logits with ``Y`` ``(N,)``, or a tagger's ``(T, N, tags)`` with ``Y``
      ``(N, T)``) or ``'squared'`` (``0.5 (y_hat - y)^2``), averaged over the
      minibatch.
    * **Optimiser** (:func:`make_trainer`), **clipping** at ``clip``.
    * **Held-out data** ``val = (X_val, Y_val)``: mean loss (and accuracy for
      cross-entropy) after every epoch; with ``target``, training stops after
      the first epoch whose accuracy reaches it.
    * **Initialisation**: parameters not initialised yet get ``initializer``
      (default Xavier); deferred shapes are completed on ``X_val[:1]``, or
      at the first minibatch without held-out data.
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    check_int(num_epochs, "num_epochs", 1)
    if clip is not None and not clip > 0:
        raise ValueError(f"clip must be None (no clipping) or > 0, got {clip!r}")
    if target is not None and not 0 < target <= 1:
        raise ValueError(f"target must be None or an accuracy in (0, 1], got {target!r}")
    if target is not None and (val is None or loss != "cross_entropy"):
        raise ValueError("target needs held-out data (val=) and loss='cross_entropy'")
    device = device or default_device()
    example = None if val is None else _as_input(val[0][:1], device)
    initialize(model, example, device, initializer or init.Xavier())
    trainer = make_trainer(model, optimizer, lr)
    params = trainable(model)
    history, steps = FitHistory(), 0
    start = time.perf_counter()
    for _ in range(num_epochs):
        total, count = 0.0, 0
        for X, Y in train_batches:
            x, y = _as_input(X, device), mnp.array(Y, ctx=device)
            with autograd.record():
                batch_loss = _loss(loss, model(x), y).mean()
            train_step(batch_loss, params, trainer, clip, device)
            steps += 1
            total += float(batch_loss) * len(X)
            count += len(X)
        history.train_loss.append(total / count)
        history.steps.append(steps)
        if val is not None:
            scores = evaluate(model, *val, loss=loss, device=device)
            history.val_loss.append(scores["loss"])
            if "accuracy" in scores:
                history.val_accuracy.append(scores["accuracy"])
            if target is not None and scores["accuracy"] >= target:
                break
    history.seconds = time.perf_counter() - start
    return history
