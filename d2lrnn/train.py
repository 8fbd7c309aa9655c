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
from .checks import (
    check_array,
    check_bool,
    check_choice,
    check_device,
    check_indices,
    check_int,
    check_number,
    check_str,
)
from .clipping import clip_gradients
from .gluon_adapter import initialize, is_initialized
from .progress import MODES, Progress
from .runtime import default_device
from .seq2seq import (
    AttentionDecoder,
    Decoder,
    EncoderDecoder,
    decoder_loss,
    masked_cross_entropy,
    valid_cross_entropy,
)
from .translation import Split, trim_padding

OPTIMIZERS = ("sgd", "adam")
LOSSES = ("cross_entropy", "squared")

__all__ = [
    "LOSSES",
    "OPTIMIZERS",
    "FitHistory",
    "History",
    "NonFiniteError",
    "Seq2SeqHistory",
    "accuracy",
    "cross_entropy",
    "evaluate",
    "evaluate_lm",
    "evaluate_lm_by_position",
    "fit",
    "make_trainer",
    "train_lm",
    "train_seq2seq",
    "train_step",
    "trainable",
]


class NonFiniteError(FloatingPointError):
    """Training or evaluation met a loss or gradient that is NaN or infinite, and stopped.

    ``history`` holds what the training loop had measured until then (a
    :class:`History` or :class:`FitHistory`; ``None`` from evaluation), so
    that a caller that studies divergence can still plot it.
    """

    def __init__(self, message: str, history=None):
        super().__init__(message)
        self.history = history


def _check_model(model: object) -> gluon.Block:
    if not isinstance(model, gluon.Block):
        raise TypeError(f"model must be a gluon Block, got {type(model).__name__}")
    return model


def _check_clip(clip: object) -> float | None:
    return None if clip is None else check_number(clip, "clip", 0, above=True)


def make_trainer(model: gluon.Block, optimizer: str = "adam", lr: float = 0.01) -> gluon.Trainer:
    """The optimiser of every loop: gluon's ``'sgd'`` or ``'adam'`` at learning rate ``lr``.

    ``lr`` must be a finite number > 0 (a negative one would climb the loss).
    """
    _check_model(model)
    check_choice(optimizer, "optimizer", OPTIMIZERS)
    lr = check_number(lr, "lr", 0, above=True)
    if not all(is_initialized(p) for p in model.collect_params().values()):
        raise ValueError(
            "model must be initialized first (call model.initialize() or "
            "d2lrnn.gluon_adapter.initialize)"
        )
    # A list keeps the parameters in the model's order. (Given the dict, gluon sorts them by
    # name, and names carry per-process counters, so two copies of a model would order them
    # differently and could not exchange saved optimiser states.)
    params = list(model.collect_params().values())
    return gluon.Trainer(params, optimizer, {"learning_rate": lr})


def trainable(model: gluon.Block) -> list:
    """The parameters that receive gradients (``grad_req`` other than ``'null'``)."""
    return [p for p in _check_model(model).collect_params().values() if p.grad_req != "null"]


def _diverged(
    where: str, what: str, value: float, lr: float, optimizer: str, clip, history=None
) -> None:
    """Raise :class:`NonFiniteError` saying where, what, and the likely causes."""
    causes = f"the learning rate (lr={lr:g}, {optimizer}) is probably too high for this model"
    causes += "; gradient clipping is off (clip=None)" if clip is None else ""
    raise NonFiniteError(
        f"{where}: the {what} is {value}, so training stopped. Likely causes: {causes}; or "
        "the inputs or the initial weights hold NaN or infinite values.",
        history,
    )


def train_step(
    loss,
    params: list,
    trainer: gluon.Trainer,
    clip: float | None,
    device: mx.Context,
    where: str = "this step",
) -> float:
    """Backpropagate ``loss`` (a recorded scalar), clip the gradients, take one optimiser step.

    Returns the gradient's global norm before clipping. A gradient whose norm
    is NaN or infinite raises :class:`NonFiniteError` (naming ``where``)
    before the weights are touched.
    """
    if not isinstance(loss, mnp.ndarray) or loss.size != 1:
        got = f"shape {loss.shape}" if isinstance(loss, mnp.ndarray) else type(loss).__name__
        raise TypeError(
            f"loss must be a scalar MXNet array recorded under autograd.record(), got {got}"
        )
    if not isinstance(params, (list, tuple)) or not all(
        isinstance(p, gluon.Parameter) for p in params
    ):
        raise TypeError(
            f"params must be a list of gluon Parameters (see trainable), got {params!r}"
        )
    if not isinstance(trainer, gluon.Trainer):
        raise TypeError(
            f"trainer must be a gluon.Trainer (see make_trainer), got {type(trainer).__name__}"
        )
    clip = _check_clip(clip)
    if check_device(device) is None:
        raise TypeError("device must be the MXNet device of the parameters, got None")
    check_str(where, "where")
    loss.backward()
    norm = clip_gradients([p.grad(device) for p in params], clip)
    if not math.isfinite(norm):
        optimizer = type(trainer.optimizer).__name__.lower()
        _diverged(where, "gradient norm", norm, trainer.learning_rate, optimizer, clip)
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
    if not (isinstance(logits, mnp.ndarray) and isinstance(Y, mnp.ndarray)):
        raise TypeError("logits and Y must be MXNet arrays")
    if logits.ndim != 3 or Y.shape != (logits.shape[1], logits.shape[0]):
        raise ValueError(
            f"logits must be (num_steps, batch_size, V) and Y (batch_size, num_steps), got "
            f"{logits.shape} and {Y.shape}"
        )
    fast = check_bool(fast, "fast")
    check_indices(Y, "Y", logits.shape[-1])  # a float or out-of-range target is not clipped
    return _cross_entropy(logits, Y, fast)


def _cross_entropy(logits, Y, fast: bool = True):
    """:func:`cross_entropy` without its checks, for the training loops (which check ``Y``
    once per minibatch, on the host)."""
    Y = Y.T
    if fast:
        return -mnp.log(npx.pick(npx.softmax(logits, axis=-1), Y, axis=-1)).mean()
    return -npx.pick(npx.log_softmax(logits, axis=-1), Y, axis=-1).mean()


def _to_device(X, Y, device, arg: str):
    """A minibatch of token indices, as int32 MXNet arrays; float indices are refused."""
    for name, a in (("X", X), ("Y", Y)):
        if not np.issubdtype(np.dtype(getattr(a, "dtype", np.float64)), np.integer):
            raise TypeError(
                f"{arg} must yield integer token indices, got {name} of dtype "
                f"{getattr(a, 'dtype', type(a).__name__)}"
            )
    return mnp.array(X, ctx=device, dtype="int32"), mnp.array(Y, ctx=device, dtype="int32")


def _check_batches(batches: object, arg: str) -> None:
    if getattr(batches, "sampling", None) not in SAMPLINGS:
        raise TypeError(
            f"{arg} must be a SeqBatches or ArrayBatches (an iterable of (X, Y) with a "
            f".sampling attribute), got {type(batches).__name__}"
        )


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
    _check_model(model)
    _check_batches(batches, "batches")
    device = check_device(device) or default_device()
    total, count, state = 0.0, 0, None
    for step, (X_np, Y_np) in enumerate(batches, 1):
        X, Y = _to_device(X_np, Y_np, device, "batches")
        if batches.sampling == "random":
            state = None
        logits, state = model(X, state)  # checks X
        check_indices(np.asarray(Y_np), "batches' Y", logits.shape[-1])  # on the host: cheap
        loss = float(_cross_entropy(logits, Y, fast=False))
        if not math.isfinite(loss):
            raise NonFiniteError(
                f"evaluation, minibatch {step}: the loss is {loss}; the model's weights hold "
                "NaN or infinite values (did its training diverge?)"
            )
        total += loss * Y.size
        count += Y.size
    if count == 0:
        raise ValueError("batches must yield at least one minibatch, got none")
    return _perplexity(total / count)


def evaluate_lm_by_position(
    model: gluon.Block, batches: Iterable, device=None, warmup_batches: int = 0
) -> np.ndarray:
    """The mean cross-entropy (nats) at each position of the windows of ``batches``:
    ``(num_steps,)``, entry ``t`` over every window's prediction of its ``t + 1``-th target.

    The state follows :func:`evaluate_lm`: carried from one minibatch to the
    next with sequential batches, from zero in every window with random ones,
    so that the two show how much a prediction owes to what the state read
    before its window. The first ``warmup_batches`` minibatches are read but
    not scored: with sequential batches the first minibatch starts from a
    zero state too, and a warm-up of one keeps those windows out. Without a
    warm-up, ``exp`` of the mean over positions (all windows of equal length)
    is :func:`evaluate_lm`'s perplexity.
    """
    _check_model(model)
    _check_batches(batches, "batches")
    device = check_device(device) or default_device()
    warmup_batches = check_int(warmup_batches, "warmup_batches", 0)
    total, count, state, seen = None, 0, None, 0
    for step, (X_np, Y_np) in enumerate(batches, 1):
        seen = step
        X, Y = _to_device(X_np, Y_np, device, "batches")
        if batches.sampling == "random":
            state = None
        logits, state = model(X, state)  # checks X
        check_indices(np.asarray(Y_np), "batches' Y", logits.shape[-1])
        if step <= warmup_batches:
            continue
        nll = -npx.pick(npx.log_softmax(logits, axis=-1), Y.T, axis=-1)  # (num_steps, batch)
        sums = nll.sum(axis=1).asnumpy().astype(np.float64)
        if not np.all(np.isfinite(sums)):
            raise NonFiniteError(
                f"evaluation, minibatch {step}: the loss is not finite; the model's weights hold "
                "NaN or infinite values (did its training diverge?)"
            )
        total = sums if total is None else total + sums
        count += Y.shape[0]
    if count == 0:
        raise ValueError(
            f"batches must yield more minibatches than warmup_batches={warmup_batches}, got {seen}"
        )
    return total / count


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
    _check_model(model)
    check_int(num_epochs, "num_epochs", 1)
    clip = _check_clip(clip)
    check_choice(progress, "progress", MODES)
    _check_batches(train_batches, "train_batches")
    if val_batches is not None:
        _check_batches(val_batches, "val_batches")
    device = check_device(device) or default_device()
    if not all(is_initialized(p) for p in model.collect_params().values()):
        model.initialize(ctx=device)
    trainer = make_trainer(model, optimizer, lr)
    params = trainable(model)
    view = Progress(num_epochs, progress, title, every=max(1, num_epochs // 10))
    history = History()
    carry = train_batches.sampling == "sequential"
    for epoch in range(1, num_epochs + 1):
        start, total, count, state = time.perf_counter(), 0.0, 0, None
        for step, (X_np, Y_np) in enumerate(train_batches, 1):
            X, Y = _to_device(X_np, Y_np, device, "train_batches")
            if state is not None and carry:
                state = [s.detach() for s in state]
            else:
                state = None
            with autograd.record():
                logits, new_state = model(X, state)  # checks X
                check_indices(np.asarray(Y_np), "train_batches' Y", logits.shape[-1])
                loss = _cross_entropy(logits, Y)
            if not math.isfinite(float(loss)):  # a probability underflowed: redo it exactly
                with autograd.record():
                    logits, new_state = model(X, state)
                    loss = _cross_entropy(logits, Y, fast=False)
            where = f"epoch {epoch}, step {step}"
            if not math.isfinite(float(loss)):
                _diverged(where, "loss", float(loss), lr, optimizer, clip, history)
            state = new_state
            try:
                norm = train_step(loss, params, trainer, clip, device, where)
            except NonFiniteError as error:
                error.history = history
                raise
            history.grad_norms.append(norm)
            history.losses.append(float(loss))
            total += history.losses[-1] * Y.size
            count += Y.size
        seconds = time.perf_counter() - start
        history.seconds += seconds
        history.tokens += count
        history.tokens_per_sec.append(count / seconds)
        history.train_ppl.append(_perplexity(total / count))
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


def _check_outputs(kind: str, outputs, Y: np.ndarray, arg: str) -> None:
    """The model's outputs must fit the labels ``Y`` (a NumPy array): one score per class and
    label (``(N, C)`` for ``Y`` ``(N,)``, a tagger's ``(T, N, C)`` for ``(N, T)``, with ``Y``
    in ``[0, C)``), or one prediction per target for the squared loss."""
    if kind == "squared":
        if outputs.size != Y.size:
            raise ValueError(
                f"{arg} must hold one target per output of the model: the model returned "
                f"shape {outputs.shape}, {arg} has shape {Y.shape}"
            )
        return
    expected = (len(Y), None) if Y.ndim == 1 else (Y.shape[1], len(Y), None)
    if outputs.ndim != len(expected) or outputs.shape[:-1] != expected[:-1]:
        want = "(N, classes)" if Y.ndim == 1 else "(T, N, tags)"
        raise ValueError(
            f"{arg} of shape {Y.shape} must match the model's logits {want}, got logits of "
            f"shape {outputs.shape}"
        )
    check_indices(Y, arg, outputs.shape[-1])


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
    _check_model(model)
    check_choice(loss, "loss", LOSSES)
    check_int(batch_size, "batch_size", 1)
    X = check_array(X, "X", ndim=(1, 2, 3))
    Y = check_array(Y, "Y", ndim=(1, 2), kind="i" if loss == "cross_entropy" else "f")
    if len(X) != len(Y):
        raise ValueError(
            f"X and Y must hold the same number of examples, got {len(X)} and {len(Y)}"
        )
    device = check_device(device) or default_device()
    total, correct = 0.0, 0
    for i in range(0, len(X), batch_size):
        outputs = model(_as_input(X[i : i + batch_size], device))
        _check_outputs(loss, outputs, Y[i : i + batch_size], "Y")
        y = mnp.array(Y[i : i + batch_size], ctx=device)
        losses = _loss(loss, outputs, y)  # a tagger's: (T,), each the mean over the N sequences
        batch_total = float(losses.sum()) * (y.size / losses.size)
        if not math.isfinite(batch_total):
            raise NonFiniteError(
                f"evaluation, examples {i} to {i + len(y) - 1}: the loss is {batch_total}; the "
                "model's weights or the inputs hold NaN or infinite values"
            )
        total += batch_total
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
    _check_model(model)
    check_choice(loss, "loss", LOSSES)
    check_int(num_epochs, "num_epochs", 1)
    clip = _check_clip(clip)
    if target is not None:
        target = check_number(target, "target", 0, 1, above=True)
    if target is not None and (val is None or loss != "cross_entropy"):
        raise ValueError("target needs held-out data (val=) and loss='cross_entropy'")
    if val is not None and not (isinstance(val, (tuple, list)) and len(val) == 2):
        raise TypeError(f"val must be None or a pair (X_val, Y_val), got {type(val).__name__}")
    if val is not None:
        kind = "i" if loss == "cross_entropy" else "f"
        val = (
            check_array(val[0], "val[0] (X_val)", ndim=(1, 2, 3)),
            check_array(val[1], "val[1] (Y_val)", ndim=(1, 2), kind=kind),
        )
        if len(val[0]) != len(val[1]):
            raise ValueError(
                "val must be a pair (X_val, Y_val) of the same number of examples, got "
                f"{len(val[0])} and {len(val[1])}"
            )
    if not hasattr(train_batches, "__iter__"):
        raise TypeError(
            f"train_batches must be an iterable of (X, Y) minibatches, e.g. an ArrayBatches, "
            f"got {type(train_batches).__name__}"
        )
    device = check_device(device) or default_device()
    example = None if val is None else _as_input(val[0][:1], device)
    initialize(model, example, device, initializer or init.Xavier())
    trainer = make_trainer(model, optimizer, lr)
    params = trainable(model)
    history, steps = FitHistory(), 0
    start = time.perf_counter()
    for epoch in range(1, num_epochs + 1):
        total, count = 0.0, 0
        for step, (X, Y) in enumerate(train_batches, 1):
            x, y = _as_input(X, device), mnp.array(Y, ctx=device)
            with autograd.record():
                outputs = model(x)
                _check_outputs(loss, outputs, np.asarray(Y), "train_batches' Y")
                batch_loss = _loss(loss, outputs, y).mean()
            where = f"epoch {epoch}, step {step}"
            if not math.isfinite(float(batch_loss)):
                _diverged(where, "loss", float(batch_loss), lr, optimizer, clip, history)
            try:
                train_step(batch_loss, params, trainer, clip, device, where)
            except NonFiniteError as error:
                error.history = history
                raise
            steps += 1
            total += float(batch_loss) * len(X)
            count += len(X)
        if count == 0:
            raise ValueError("train_batches must yield at least one minibatch, got none")
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


@dataclass
class Seq2SeqHistory:
    """What :func:`train_seq2seq` measured, one entry per epoch: the mean training loss per
    target token, the held-out loss (teacher forcing), and target tokens per second."""

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    tokens_per_sec: list[float] = field(default_factory=list)
    seconds: float = 0.0
    tokens: int = 0
    steps: int = 0

    @property
    def speed(self) -> float:
        """Target tokens per second over the whole run (validation excluded)."""
        return self.tokens / self.seconds if self.seconds else float("nan")


def train_seq2seq(
    model: gluon.Block,
    train_batches: Iterable,
    num_epochs: int,
    lr: float = 0.005,
    optimizer: str = "adam",
    clip: float | None = 1.0,
    val=None,
    sampling_probability: float = 0.0,
    seed: int = 0,
    device=None,
    progress: str = "auto",
    title: str = "",
    on_epoch=None,
    trainer_states: str | None = None,
    trim: bool = True,
) -> Seq2SeqHistory:
    """Train an :class:`~d2lrnn.seq2seq.EncoderDecoder` on translation minibatches.

    * **Data**: ``train_batches`` yields ``(src, src_len, tgt_in, tgt_out,
      tgt_len)`` (a :class:`~d2lrnn.translation.TranslationBatches`); ``val``
      is a :class:`~d2lrnn.translation.Split` scored after every epoch.
    * **Loss**: :func:`~d2lrnn.seq2seq.masked_cross_entropy`, the mean over
      the valid target tokens; the padding does not count.
    * **Teacher forcing**: the decoder reads the reference's previous token.
      With ``sampling_probability = p > 0`` (*scheduled sampling*, Bengio et
      al., 2015) each decoder input is instead, with probability ``p``,
      decided anew for every token of every sentence, the model's own most
      likely previous token; the decoder then runs one step at a time.
    * **Optimiser** (:func:`make_trainer`), **clipping** at ``clip``; a
      non-finite loss or gradient stops with :class:`NonFiniteError`.
    * **Reports** the training and validation loss per target token, live
      (:class:`~d2lrnn.progress.Progress` shows their exponentials,
      perplexities).
    * **Checkpoints**: ``on_epoch(epoch, model, trainer)`` is called after
      every epoch (to score or save the model as it trains; gluon's
      ``trainer.save_states(path)`` saves the optimiser's state), and
      ``trainer_states`` names such a file to resume from.
    * **Speed**, without changing the loss or its gradients: with ``trim``
      each minibatch is cut to its longest target, and to its longest source
      unless the encoder reads the padding
      (:func:`~d2lrnn.translation.trim_padding`; ``TranslationBatches(...,
      bucket=k)`` makes minibatches of similar lengths, with little padding
      left); and the output layer and softmax are computed at the valid
      target positions only (:func:`~d2lrnn.seq2seq.valid_cross_entropy`).
    """
    if not isinstance(model, EncoderDecoder):
        raise TypeError(f"model must be an EncoderDecoder, got {type(model).__name__}")
    check_int(num_epochs, "num_epochs", 1)
    clip = _check_clip(clip)
    p = check_number(sampling_probability, "sampling_probability", 0, 1)
    rng = np.random.default_rng(check_int(seed, "seed", 0))
    device = check_device(device) or default_device()
    if not hasattr(train_batches, "__iter__"):
        raise TypeError(
            f"train_batches must be an iterable of minibatches, got {type(train_batches).__name__}"
        )
    if on_epoch is not None and not callable(on_epoch):
        raise TypeError(f"on_epoch must be a function (epoch, model, trainer), got {on_epoch!r}")
    if trainer_states is not None:
        check_str(trainer_states, "trainer_states")
    check_choice(progress, "progress", MODES)
    check_str(title, "title")
    if val is not None and not (isinstance(val, Split) and len(val)):
        raise TypeError(f"val must be None or a non-empty translation Split, got {val!r:.80}")
    trim = check_bool(trim, "trim")
    # The source's padding may go unless the encoder reads it; the output layer may be computed
    # at the valid positions only when the decoder's forward is output(features), as ours are.
    trim_source = not getattr(model.encoder, "read_padding", True)
    valid_only = "forward" not in vars(model.decoder) and type(model.decoder).forward in (
        Decoder.forward,
        AttentionDecoder.forward,
    )
    initialize(model, None, device, init.Xavier())
    trainer = make_trainer(model, optimizer, lr)
    if trainer_states is not None:
        trainer.load_states(trainer_states)
    params = trainable(model)
    view = Progress(num_epochs, progress, title, every=max(1, num_epochs // 10))
    history = Seq2SeqHistory()
    for epoch in range(1, num_epochs + 1):
        start, total, count = time.perf_counter(), 0.0, 0
        for step, batch in enumerate(train_batches, 1):
            if not isinstance(batch, (tuple, list)) or len(batch) != 5:
                raise TypeError(
                    "train_batches must yield (src, src_len, tgt_in, tgt_out, tgt_len) "
                    f"minibatches (see TranslationBatches), got {type(batch).__name__}"
                )
            if trim:
                batch = trim_padding(batch, source=trim_source)
            src, src_len, tgt_in, tgt_out, tgt_len = (
                mnp.array(a, dtype="int32", ctx=device) for a in batch
            )
            with autograd.record():
                if p > 0:
                    logits = _scheduled_sampling(model, src, src_len, tgt_in, p, rng)
                    loss = masked_cross_entropy(logits, tgt_out, tgt_len)
                elif valid_only:
                    hidden, _ = model.decoder.features(tgt_in, model.begin(src, src_len))
                    loss = valid_cross_entropy(model.decoder.output, hidden, batch[3], batch[4])
                else:
                    loss = masked_cross_entropy(model(src, src_len, tgt_in), tgt_out, tgt_len)
            where = f"epoch {epoch}, step {step}"
            value = float(loss)
            if not math.isfinite(value):
                _diverged(where, "loss", value, lr, optimizer, clip, history)
            try:
                train_step(loss, params, trainer, clip, device, where)
            except NonFiniteError as error:
                error.history = history
                raise
            tokens = int(batch[4].sum())
            total += value * tokens
            count += tokens
            history.steps += 1
        if not count:
            raise ValueError("train_batches must yield at least one minibatch, got none")
        seconds = time.perf_counter() - start
        history.seconds += seconds
        history.tokens += count
        history.tokens_per_sec.append(count / seconds)
        history.train_loss.append(total / count)
        val_loss = decoder_loss(model, val, device=device) if val is not None else None
        if val_loss is not None:
            history.val_loss.append(val_loss)
        ppl = [_perplexity(x) for x in (history.train_loss[-1], val_loss) if x is not None]
        if not all(map(math.isfinite, ppl)):  # a finite loss whose exponential overflows
            _diverged(f"epoch {epoch}", "perplexity", math.inf, lr, optimizer, clip, history)
        view.update(epoch, ppl[0], ppl[1] if len(ppl) > 1 else None, history.tokens_per_sec[-1])
        if on_epoch is not None:
            on_epoch(epoch, model, trainer)
    view.close()
    return history


def _perplexity(loss: float) -> float:
    """``exp(loss)``, infinite beyond float's range (a finite loss above 709 overflows)."""
    return math.exp(loss) if loss < 709 else math.inf


def _scheduled_sampling(model, src, src_len, tgt_in, p: float, rng: np.random.Generator):
    """The decoder run one step at a time, each input the reference's token or, with
    probability ``p``, the model's own most likely previous token (no gradient through it)."""
    state = model.begin(src, src_len)
    N, T = tgt_in.shape
    coins = mnp.array(rng.random((T, N)) < p, ctx=src.ctx)
    logits, y = [], tgt_in[:, 0]
    for t in range(T):
        step_logits, state = model.decoder(mnp.expand_dims(y, 1), state)
        logits.append(step_logits[0])
        if t + 1 < T:
            with autograd.pause():
                own = step_logits[0].argmax(axis=-1).astype("int32")
            y = mnp.where(coins[t + 1], own, tgt_in[:, t + 1])
    return mnp.stack(logits)
