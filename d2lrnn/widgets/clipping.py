"""The gradient-clipping explorer: what clipping does to training, and to descent on a cliff.

* :func:`short_runs` trains a small RNN language model for a few dozen steps
  at several learning rates and clipping thresholds, recording the loss and
  the gradient norm before and after clipping at every step;
* :func:`clipping_data` bundles those runs with descent paths on the cliff
  surface of :func:`d2lrnn.clipping.cliff_loss`, for every setting;
* :func:`clipping_explorer` shows them, one precomputed frame per setting.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import numpy as np
from mxnet.gluon import rnn

from ..batches import SeqBatches, as_corpus, time_machine_corpus
from ..checks import check_array, check_choice, check_int, check_number, check_sequence
from ..clipping import cliff_loss, descend
from ..lm import RNNLM
from ..runtime import seed as seed_all
from ..train import NonFiniteError, train_lm
from .frames import FrameExplorer

__all__ = [
    "ClippingData",
    "Run",
    "clipping_data",
    "clipping_explorer",
    "diverged",
    "draw_clipping_frame",
    "short_runs",
    "theta_label",
]


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

    ``corpus`` is a 1-D array of token indices below ``vocab_size``; the same
    ``steps`` sequential minibatches of ``(batch_size, num_steps)`` are used
    by every run. A run that diverges (its loss or gradient becomes NaN or
    infinite: :class:`~d2lrnn.train.NonFiniteError`) stops there; its
    remaining steps are recorded as NaN, which the explorer shows as the
    point where it diverged.
    """
    corpus = as_corpus(corpus)
    vocab_size = check_int(vocab_size, "vocab_size", 2)
    if corpus.max() >= vocab_size:
        raise ValueError(
            f"corpus must hold token indices < vocab_size = {vocab_size}, got {corpus.max()}"
        )
    lrs, thetas = _check_settings(lrs, thetas)
    for arg, value in (
        ("steps", steps),
        ("num_hiddens", num_hiddens),
        ("batch_size", batch_size),
        ("num_steps", num_steps),
    ):
        check_int(value, arg, 1)
    check_int(seed, "seed", 0)
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
            try:
                h = train_lm(model, batches, None, num_epochs=1, lr=lr, clip=theta, progress="none")
            except NonFiniteError as error:
                h = error.history
            pad = [math.nan] * (steps - len(h.losses))
            runs[(lr, theta)] = Run(
                lr, theta, np.array(h.losses + pad), np.array(h.grad_norms + pad)
            )
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
    lrs, thetas = _check_settings(lrs, thetas)
    if None not in thetas:
        raise ValueError(
            f"thetas must include None (no clipping), which every frame compares with, got {thetas}"
        )
    check_int(steps, "steps", 1)
    check_int(seed, "seed", 0)
    cliff_start = tuple(check_array(cliff_start, "cliff_start", shape=(2,)))
    cliff_lr_scale = check_number(cliff_lr_scale, "cliff_lr_scale", 0, above=True)
    train, _, vocab = time_machine_corpus()
    runs = short_runs(train, len(vocab), lrs, thetas, steps=steps, seed=seed)
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


def _check_settings(lrs, thetas) -> tuple[tuple, tuple]:
    """``lrs``: learning rates > 0; ``thetas``: thresholds > 0 or None (no clipping)."""
    lrs, thetas = check_sequence(lrs, "lrs"), check_sequence(thetas, "thetas")
    for i, lr in enumerate(lrs):
        check_number(lr, f"lrs[{i}]", 0, above=True)
    for i, theta in enumerate(thetas):
        if theta is not None:  # None: no clipping
            check_number(theta, f"thetas[{i}]", 0, above=True)
    return tuple(lrs), tuple(thetas)


def _check_data(data: object) -> ClippingData:
    if not isinstance(data, ClippingData):
        raise TypeError(
            f"data must be None or a ClippingData (see clipping_data), got {type(data).__name__}"
        )
    return data


def theta_label(theta: float | None) -> str:
    """How a threshold is shown on the controls: ``'off'`` for no clipping."""
    return "off" if theta is None else f"{check_number(theta, 'theta', 0, above=True):g}"


def diverged(losses: np.ndarray, vocab_size: int) -> bool:
    """True when a run's loss became non-finite or ended above the uniform model's ``log V``."""
    losses = check_array(losses, "losses", ndim=1, allow_empty=False, finite=False)
    check_int(vocab_size, "vocab_size", 2)
    return bool(not np.all(np.isfinite(losses)) or losses[-1] > math.log(vocab_size))


def draw_clipping_frame(data: ClippingData, lr: float, theta: float | None):
    """The clipping explorer's figure for one learning rate and threshold; returns the figure.

    Left: gradient norm per step before and after clipping. Middle: loss per
    step with this clipping and with none. Right: descent on the cliff
    surface, clipped and unclipped.
    """
    _check_data(data)
    check_choice(lr, "lr", data.lrs)
    check_choice(theta, "theta", data.thetas)
    run, free = data.runs[(lr, theta)], data.runs[(lr, None)]
    log_v = math.log(data.vocab_size)
    fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(13, 3.4))
    steps = np.arange(1, len(run.norms) + 1)
    ax1.semilogy(steps, run.norms, color="0.6", label="before clipping")
    ax1.semilogy(steps, run.clipped_norms, color="C0", label="after clipping")
    if theta is not None:
        ax1.axhline(theta, color="C3", ls="--", lw=1, label=f"θ = {theta:g}")
    ax1.set_xlabel("step")
    ax1.set_ylabel("gradient norm ‖g‖")
    ax1.set_title("gradient norm")
    ax1.legend(fontsize=8, loc="upper left")
    for r, color, label in ((free, "0.6", "no clipping"), (run, "C0", f"θ = {theta_label(theta)}")):
        losses = np.where(np.isfinite(r.losses), r.losses, np.nan)
        ax2.plot(
            steps,
            losses,
            color=color,
            label=label + (" (diverged)" if diverged(r.losses, data.vocab_size) else ""),
        )
    ax2.axhline(log_v, color="k", ls=":", lw=1, label="uniform model, log V")
    ax2.set_ylim(0, 2.5 * log_v)
    ax2.set_xlabel("step")
    ax2.set_ylabel("cross-entropy loss")
    ax2.set_title(f"training loss, lr = {lr:g}")
    ax2.legend(fontsize=8, loc="upper right")
    Wg, Bg, L = data.surface
    ax3.contourf(Wg, Bg, np.log10(L), 30, cmap="viridis")
    step = data.cliff_lr_scale * lr
    for path, color, label in (
        (data.paths[(lr, None)], "C3", "no clipping"),
        (data.paths[(lr, theta)], "w", f"θ = {theta_label(theta)}"),
    ):
        ax3.plot(path[:, 0], path[:, 1], "o-", color=color, ms=2.5, lw=1, label=label)
    ax3.plot(*data.cliff_start, "k*", ms=10)
    ax3.set_xlim(Wg.min(), Wg.max())
    ax3.set_ylim(Bg.min(), Bg.max())
    ax3.set_xlabel("w")
    ax3.set_ylabel("b")
    ax3.set_title(f"cliff: log10 loss, step size {step:g}")
    ax3.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def clipping_explorer(data: ClippingData | None = None) -> FrameExplorer:
    """The gradient-clipping explorer: learning rate and threshold θ switch precomputed frames.

    ``data`` defaults to :func:`clipping_data` (a few seconds
    of short training runs). Returns a widget to display.
    """
    data = _check_data(data) if data is not None else clipping_data()
    return FrameExplorer(
        [
            ("learning rate", [f"{lr:g}" for lr in data.lrs], data.lrs, "slider"),
            ("clipping threshold θ", [theta_label(t) for t in data.thetas], data.thetas, "slider"),
        ],
        lambda lr, theta: draw_clipping_frame(data, lr, theta),
        describe=lambda lr, theta: (
            f"Training with learning rate {lr:g} and clipping threshold {theta_label(theta)}. "
            "Left: the gradient norm per step before and after clipping (log scale). "
            "Middle: the training loss per step with this threshold and without clipping. "
            "Right: gradient descent on a loss surface with a cliff, with and without "
            "clipping."
        ),
    )
