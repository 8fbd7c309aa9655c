"""What gradient clipping does: the data behind the clipping explorer.

Two experiments, each a plain function of its settings:

* :func:`short_runs` trains a small RNN language model for a few dozen steps
  at several learning rates and clipping thresholds, recording the loss and
  the gradient norm before and after clipping at every step;
* :func:`cliff_loss` is the two-parameter recurrent loss of Pascanu, Mikolov
  and Bengio (2013) whose surface has a cliff, and :func:`descend` runs
  gradient descent on it with and without clipping.

:func:`clipping_data` bundles both for :func:`d2lrnn.widgets.clipping_explorer`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .checks import check_int

#: The cliff experiment's defaults: x_t = w sigmoid(x_{t-1}) + b for T steps.
CLIFF_T, CLIFF_X0, CLIFF_TARGET = 50, 0.5, 0.7


def cliff_loss(w, b, T: int = CLIFF_T, x0: float = CLIFF_X0, target: float = CLIFF_TARGET):
    """Loss and gradient of a one-unit recurrent net run for ``T`` steps.

    ``x_t = w * sigmoid(x_{t-1}) + b`` from ``x_0``, and
    ``L(w, b) = (x_T - target)^2``. ``w`` and ``b`` may be arrays of one
    shape (a grid); returns ``(L, dL/dw, dL/db)`` of that shape, the
    derivatives by forward-mode differentiation through the ``T`` steps.

    Where the map ``x -> w sigmoid(x) + b`` changes from one stable fixed
    point to two, ``x_T`` jumps: the loss surface has a cliff, with
    gradients orders of magnitude larger than elsewhere.
    """
    w, b = np.broadcast_arrays(np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64))
    check_int(T, "T", 1)
    x = np.full(w.shape, float(x0))
    dx_dw = np.zeros(w.shape)
    dx_db = np.zeros(w.shape)
    for _ in range(T):
        s = 1.0 / (1.0 + np.exp(-x))
        ds = s * (1.0 - s)
        # x_t = w s(x_{t-1}) + b: chain rule through the previous step.
        dx_dw, dx_db = s + w * ds * dx_dw, 1.0 + w * ds * dx_db
        x = w * s + b
    r = x - target
    return r**2, 2 * r * dx_dw, 2 * r * dx_db


def clip(g: np.ndarray, theta: float | None) -> np.ndarray:
    """``min(1, theta / ||g||) g`` for one gradient vector; ``theta=None`` returns ``g``.

    A copy clipped by :func:`d2lrnn.train.clip_gradients`, the rule the trainer uses.
    """
    from .train import clip_gradients

    g = np.array(g, dtype=np.float64)
    clip_gradients([g], theta)
    return g


def descend(
    start: tuple[float, float], lr: float, theta: float | None, steps: int = 30
) -> np.ndarray:
    """Gradient descent on :func:`cliff_loss` from ``start = (w, b)``, clipped at ``theta``.

    Returns the path, shape ``(steps + 1, 2)``; it stops early (repeating the
    last point) if the parameters leave the region where the loss is finite.
    """
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr!r}")
    path = [np.array(start, dtype=np.float64)]
    for _ in range(steps):
        w, b = path[-1]
        _, gw, gb = cliff_loss(w, b)
        g = clip(np.array([float(gw), float(gb)]), theta)
        nxt = path[-1] - lr * g
        path.append(nxt if np.all(np.isfinite(nxt)) else path[-1])
    return np.array(path)


@dataclass
class Run:
    """One short training run: per-step loss and gradient norm before/after clipping."""

    lr: float
    theta: float | None
    losses: np.ndarray
    norms: np.ndarray

    @property
    def clipped_norms(self) -> np.ndarray:
        return self.norms if self.theta is None else np.minimum(self.norms, self.theta)


def short_runs(
    corpus: np.ndarray,
    vocab_size: int,
    lrs: tuple[float, ...],
    thetas: tuple[float | None, ...],
    steps: int = 60,
    num_hiddens: int = 64,
    batch_size: int = 32,
    num_steps: int = 32,
    seed: int = 0,
) -> dict[tuple[float, float | None], Run]:
    """Train a fresh tanh RNN LM (same initial weights) for ``steps`` SGD steps per ``(lr, theta)``.

    ``corpus`` is a 1-D array of token indices; the same ``steps`` sequential
    minibatches of ``(batch_size, num_steps)`` are used by every run.
    """
    from mxnet.gluon import rnn

    from .batches import SeqBatches
    from .lm import RNNLM
    from .runtime import seed as seed_all
    from .train import train_lm

    need = steps * batch_size * num_steps + num_steps + 1
    if len(corpus) < need:
        raise ValueError(
            f"corpus must hold at least {need} tokens for {steps} steps, got {len(corpus)}"
        )
    runs = {}
    for lr in lrs:
        for theta in thetas:
            seed_all(seed)
            batches = SeqBatches(corpus[:need], batch_size, num_steps, "sequential", seed=seed)
            model = RNNLM(rnn.RNN(num_hiddens, activation="tanh"), vocab_size)
            h = train_lm(model, batches, None, num_epochs=1, lr=lr, clip=theta, progress="none")
            runs[(lr, theta)] = Run(lr, theta, np.array(h.losses), np.array(h.grad_norms))
    return runs


@dataclass
class ClippingData:
    """Everything the clipping explorer shows, computed once."""

    lrs: tuple[float, ...]
    thetas: tuple[float | None, ...]
    runs: dict
    surface: tuple[np.ndarray, np.ndarray, np.ndarray]
    cliff_start: tuple[float, float]
    cliff_lr_scale: float
    paths: dict = field(default_factory=dict)
    vocab_size: int = 0


def clipping_data(
    lrs: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0),
    thetas: tuple[float | None, ...] = (None, 5.0, 2.0, 1.0, 0.5, 0.25),
    steps: int = 60,
    cliff_start: tuple[float, float] = (8.5, -2.0),
    cliff_lr_scale: float = 0.1,
    seed: int = 0,
) -> ClippingData:
    """Compute the runs, the cliff surface and the descent paths for every ``(lr, theta)``.

    The cliff's step size is ``cliff_lr_scale * lr``, so that one learning-rate
    control moves both experiments.
    """
    from .data import read_time_machine
    from .text import Vocab, preprocess

    for lr in lrs:
        if not lr > 0:
            raise ValueError(f"lrs must all be > 0, got {lr!r}")
    for theta in thetas:
        if theta is not None and not theta > 0:
            raise ValueError(f"thetas must be None (no clipping) or > 0, got {theta!r}")
    tokens = list(preprocess(read_time_machine()))
    vocab = Vocab(tokens)
    corpus = np.array(vocab[tokens])
    runs = short_runs(corpus, len(vocab), lrs, thetas, steps=steps, seed=seed)
    W, B = np.meshgrid(np.linspace(3, 12, 181), np.linspace(-8, -1, 141))
    L = cliff_loss(W, B)[0]
    paths = {
        (lr, theta): descend(cliff_start, cliff_lr_scale * lr, theta, steps=30)
        for lr in lrs
        for theta in thetas
    }
    return ClippingData(
        tuple(lrs), tuple(thetas), runs, (W, B, L), cliff_start, cliff_lr_scale, paths, len(vocab)
    )


def theta_label(theta: float | None) -> str:
    """How a threshold is shown on the controls: ``'off'`` for no clipping."""
    return "off" if theta is None else f"{theta:g}"


def diverged(losses: np.ndarray, vocab_size: int) -> bool:
    """True when a run's loss became non-finite or ended above the uniform model's ``log V``."""
    return bool(not np.all(np.isfinite(losses)) or losses[-1] > math.log(vocab_size))
