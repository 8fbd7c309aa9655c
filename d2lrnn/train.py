"""Training loops."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
from mxnet import autograd, gluon, npx
from mxnet import np as mnp

from .batches import SAMPLINGS, SeqBatches, WindowBatches
from .checks import check_int
from .progress import Progress
from .runtime import default_device


def fit_regression(
    net: gluon.Block,
    features: np.ndarray,
    labels: np.ndarray,
    num_epochs: int = 5,
    lr: float = 0.01,
    batch_size: int = 16,
    seed: int = 0,
    device=None,
) -> list[float]:
    """Fit ``net`` to ``features -> labels`` with squared loss and Adam.

    Args:
        features: ``(n, d)`` float inputs.
        labels: ``(n,)`` float targets.
    Returns the mean training loss ``0.5 * (y_hat - y)^2`` after each epoch.
    """
    features = np.asarray(features, dtype=np.float32)
    labels = np.asarray(labels, dtype=np.float32).reshape(-1, 1)
    if features.ndim != 2 or len(features) != len(labels):
        raise ValueError(
            f"features must be (n, d) and labels (n,), got {features.shape} and {labels.shape[:1]}"
        )
    if batch_size < 1 or num_epochs < 1 or not lr > 0:
        raise ValueError(
            "batch_size and num_epochs must be >= 1 and lr > 0, "
            f"got {batch_size}, {num_epochs}, {lr}"
        )
    device = device or default_device()
    rng = np.random.default_rng(seed)
    X, Y = mnp.array(features, ctx=device), mnp.array(labels, ctx=device)
    loss = gluon.loss.L2Loss()
    trainer = gluon.Trainer(net.collect_params(), "adam", {"learning_rate": lr})
    history = []
    for _ in range(num_epochs):
        order = rng.permutation(len(features))
        for i in range(0, len(order), batch_size):
            idx = mnp.array(order[i : i + batch_size], dtype="int64", ctx=device)
            with autograd.record():
                batch_loss = loss(net(X[idx]), Y[idx])
            batch_loss.backward()
            trainer.step(len(idx))
        history.append(float(loss(net(X), Y).mean()))
    return history


def grad_norm(grads: list) -> float:
    """The global L2 norm ``||g||`` of a list of gradient arrays, as one vector."""
    return math.sqrt(sum(float((g * g).sum()) for g in grads))


def clip_gradients(grads: list, theta: float | None) -> float:
    """Clip by global norm in place, ``g <- min(1, theta / ||g||) g``; return ``||g||`` before.

    ``theta=None`` leaves the gradients unchanged. The direction of ``g`` is
    kept; only its length is capped at ``theta``.
    """
    if theta is not None and not theta > 0:
        raise ValueError(f"theta must be None (no clipping) or > 0, got {theta!r}")
    norm = grad_norm(grads)
    if theta is not None and norm > theta:
        scale = theta / norm
        for g in grads:
            g *= scale
    return norm


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


def _needs_init(model: gluon.Block) -> bool:
    return any(p._data is None and not p._deferred_init for p in model.collect_params().values())


def evaluate_lm(model: gluon.Block, batches: SeqBatches | WindowBatches, device=None) -> float:
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
    train_batches: SeqBatches | WindowBatches,
    val_batches: SeqBatches | WindowBatches | None = None,
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
    """
    if optimizer not in ("sgd", "adam"):
        raise ValueError(f"optimizer must be 'sgd' or 'adam', got {optimizer!r}")
    check_int(num_epochs, "num_epochs", 1)
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr!r}")
    if clip is not None and not clip > 0:
        raise ValueError(f"clip must be None (no clipping) or > 0, got {clip!r}")
    if getattr(train_batches, "sampling", None) not in SAMPLINGS:
        raise TypeError(
            "train_batches must be a SeqBatches or WindowBatches (an iterable of (X, Y) "
            f"with a .sampling attribute), got {type(train_batches).__name__}"
        )
    device = device or default_device()
    if _needs_init(model):
        model.initialize(ctx=device)
    params = [p for p in model.collect_params().values() if p.grad_req != "null"]
    trainer = gluon.Trainer(model.collect_params(), optimizer, {"learning_rate": lr})
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
            loss.backward()
            history.grad_norms.append(clip_gradients([p.grad(device) for p in params], clip))
            trainer.step(1)
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
