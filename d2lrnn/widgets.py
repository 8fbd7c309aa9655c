"""Interactive views. Each one renders data computed by a plain, tested d2lrnn function.

The views work in two settings:

* **live**, in JupyterLab with a kernel;
* **static**, in the published HTML book, where no kernel runs. Every view is
  therefore a set of precomputed frames (PNG images in ``ipywidgets.Stack``
  containers) switched by its controls through ``ipywidgets.jslink``, which
  runs in the browser. Moving a control only shows another frame: nothing is
  computed, so the response is immediate with or without a kernel.
"""

from __future__ import annotations

import io
import math

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np

from .clipping import ClippingData, clipping_data, diverged, theta_label


def figure_png(fig, dpi: int = 80) -> bytes:
    """Render a matplotlib figure to PNG bytes and close it."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def draw_clipping_frame(data: ClippingData, lr: float, theta: float | None):
    """The clipping explorer's figure for one learning rate and threshold; returns the figure.

    Left: gradient norm per step before and after clipping. Middle: loss per
    step with this clipping and with none. Right: descent on the cliff
    surface, clipped and unclipped.
    """
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


def _png_image(fig) -> W.Image:
    return W.Image(value=figure_png(fig), format="png", layout=W.Layout(max_width="100%"))


def clipping_explorer(data: ClippingData | None = None) -> W.VBox:
    """The gradient-clipping explorer: threshold θ and learning rate switch precomputed frames.

    ``data`` defaults to :func:`d2lrnn.clipping.clipping_data` (a few seconds
    of short training runs). Returns a widget to display.
    """
    data = data if data is not None else clipping_data()
    style = {"description_width": "initial"}
    theta_slider = W.SelectionSlider(
        options=[theta_label(t) for t in data.thetas],
        value=theta_label(data.thetas[0]),
        description="clipping threshold θ",
        style=style,
        continuous_update=True,
    )
    lr_slider = W.SelectionSlider(
        options=[f"{lr:g}" for lr in data.lrs],
        value=f"{data.lrs[0]:g}",
        description="learning rate",
        style=style,
        continuous_update=True,
    )
    # One Stack of frames per learning rate, indexed by θ, inside a Stack
    # indexed by the learning rate: two kinds of jslink, no computation on a move.
    per_lr, links = [], []
    for lr in data.lrs:
        stack = W.Stack(
            [_png_image(draw_clipping_frame(data, lr, t)) for t in data.thetas], selected_index=0
        )
        links.append(W.jslink((theta_slider, "index"), (stack, "selected_index")))
        per_lr.append(stack)
    frames = W.Stack(per_lr, selected_index=0)
    links.append(W.jslink((lr_slider, "index"), (frames, "selected_index")))
    box = W.VBox([W.HBox([theta_slider, lr_slider]), frames])
    box.links = links  # keeps the links alive as long as the view (and lets tests inspect them)
    return box
