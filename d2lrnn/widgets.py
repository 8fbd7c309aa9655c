"""Interactive views. Each one renders data computed by a plain, tested d2lrnn function.

The views work in two settings:

* **live**, in JupyterLab with a kernel;
* **static**, in the published HTML book, where no kernel runs. Every view is
  therefore a set of precomputed frames (PNG images with alt text, in
  ``ipywidgets.Stack`` containers) switched by its controls through
  ``ipywidgets.jslink``, which runs in the browser. Moving a control only
  shows another frame: nothing is computed, so the response is immediate
  with or without a kernel.
"""

from __future__ import annotations

import base64
import html
import io
import math

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
from PIL import Image

from .clipping import ClippingData, clipping_data, diverged, theta_label
from .vanishing import VanishingData, vanishing_data


def figure_png(fig, dpi: int = 80, close: bool = True, tight: bool = True) -> bytes:
    """Render a matplotlib figure to compact PNG bytes (and close it, unless ``close=False``).

    The explorers embed hundreds of frames in a page, so each frame is
    reduced to a 64-colour palette: about four times smaller, and line plots
    look the same.
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight" if tight else None)
    if close:
        plt.close(fig)
    image = Image.open(buf).convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT)
    out = io.BytesIO()
    image.save(out, format="png", optimize=True)
    return out.getvalue()


def frame_widget(png: bytes, alt: str) -> W.HTML:
    """One frame: the PNG as an ``<img>`` with alt text (``W.Image`` has no ``alt``)."""
    src = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return W.HTML(f'<img src="{src}" alt="{html.escape(alt, quote=True)}" style="max-width: 100%">')


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


class FrameExplorer(W.VBox):
    """Controls over a grid of precomputed figures, switched in the browser.

    ``controls`` is a list of ``(description, labels, values, kind)`` with
    ``kind`` either ``'slider'`` (a ``SelectionSlider``) or ``'buttons'``
    (``ToggleButtons``). ``draw(*values)`` returns the matplotlib figure (or
    PNG bytes) for one value of every control; it is called once per combination, up front,
    except that combinations with the same ``key(*values)`` (when given)
    share one frame, for controls that do not affect every setting.
    ``describe(*values)`` gives each frame's alt text, for readers who
    cannot see it; by default, the controls' descriptions and labels.

    The frames sit in nested ``Stack`` widgets, one level per control, and
    each control's ``index`` is ``jslink``-ed to the ``selected_index`` of
    every ``Stack`` at its level. Moving a control therefore only switches
    which frame is visible, in the browser, with or without a kernel.
    """

    def __init__(self, controls: list, draw, key=None, describe=None):
        style = {"description_width": "initial"}
        self.controls = []
        for description, labels, _, kind in controls:
            if kind == "buttons":
                widget = W.ToggleButtons(options=list(labels), description=description, style=style)
            else:
                widget = W.SelectionSlider(
                    options=list(labels),
                    description=description,
                    style=style,
                    continuous_update=True,
                    # Wide enough for a long label and a track to drag (the
                    # default width left "largest singular value ..." no track).
                    layout=W.Layout(width="100%", max_width="640px"),
                )
            self.controls.append(widget)
        self.links: list = []  # kept so that the links live as long as the view
        self.num_frames = 0
        values = [c[2] for c in controls]
        cache: dict = {}

        def describe_frame(chosen: tuple) -> str:
            if describe is not None:
                return describe(*chosen)
            return "; ".join(
                f"{c[0]}: {c[1][c[2].index(v)]}" for c, v in zip(controls, chosen, strict=True)
            )

        def build(level: int, chosen: tuple):
            if level == len(values):
                k = key(*chosen) if key else chosen
                if k not in cache:
                    self.num_frames += 1
                    frame = draw(*chosen)
                    if not isinstance(frame, bytes):
                        frame = figure_png(frame)
                    cache[k] = frame_widget(frame, describe_frame(chosen))
                return cache[k]
            stack = W.Stack(
                [build(level + 1, chosen + (v,)) for v in values[level]], selected_index=0
            )
            self.links.append(W.jslink((self.controls[level], "index"), (stack, "selected_index")))
            return stack

        self.frames = build(0, ())
        super().__init__([W.VBox(self.controls), self.frames])


def clipping_explorer(data: ClippingData | None = None) -> FrameExplorer:
    """The gradient-clipping explorer: learning rate and threshold θ switch precomputed frames.

    ``data`` defaults to :func:`d2lrnn.clipping.clipping_data` (a few seconds
    of short training runs). Returns a widget to display.
    """
    data = data if data is not None else clipping_data()
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


class VanishingFigure:
    """The vanishing-gradient explorer's figure, drawn once and updated for every frame.

    Left: ``||ds_T/ds_t||`` against ``t`` on a log scale, with the RNN's bound
    ``(alpha + (1 - alpha) gamma lambda_1)^(T - t)`` or the gated cell's
    memory path. Right: where ``lambda_1`` sits against the RNN's threshold
    ``1/gamma``. Updating the artists of one figure is several times faster
    than drawing a new figure per frame.
    """

    REFERENCE = {
        "rnn": "bound (α + (1−α)γλ₁)^(T−t)",
        "lstm": "memory path: max ∏ f (forget gate)",
        "gru": "memory path: max ∏ z (update gate)",
    }

    def __init__(self, data: VanishingData):
        self.data = data
        self.fig, (self.ax, self.ax2) = plt.subplots(
            1, 2, figsize=(9, 3.2), gridspec_kw={"width_ratios": [3, 1]}
        )
        ax, ax2 = self.ax, self.ax2
        (self.curve,) = ax.semilogy([1], [1], "C0-", lw=2, label=r"$\|\partial s_T/\partial s_t\|$")
        (self.reference,) = ax.semilogy([1], [1], "C3--", lw=1, label="bound")
        ax.set_ylim(1e-12, 1e12)
        ax.axhline(1.0, color="k", lw=0.5)
        ax.set_xlabel("t (the gradient flows from step T back to step t)")
        ax.set_ylabel("gradient norm")
        self.legend = ax.legend(fontsize=8, loc="lower right")
        self.title = ax.set_title("", fontsize=10)
        self.threshold = ax2.axvline(1.0, color="C3", ls="--", lw=1)
        self.threshold_label = ax2.text(1.0, 0.85, " 1/γ", color="C3")
        self.span = ax2.add_patch(
            plt.Rectangle(
                (0, 0), 1.0, 1.0, transform=ax2.get_xaxis_transform(), color="C0", alpha=0.12
            )
        )
        self.span_label = ax2.text(
            0.03, 0.12, "vanishing\nguaranteed", fontsize=8, transform=ax2.transAxes, color="C0"
        )
        (self.dot,) = ax2.plot([1.0], [0.5], "ko", ms=8)
        ax2.set_ylim(0, 1)
        ax2.set_yticks([])
        ax2.set_xlabel("largest singular value λ₁")
        self.fig.tight_layout()

    def png(
        self, cell: str, activation: str, alpha: float, gate_bias: float, T: int, radius: float
    ) -> bytes:
        """The frame for one setting, as PNG bytes."""
        key = self.data.key(cell, activation, alpha, gate_bias, T, radius)
        norms, reference = self.data.curves[key]
        t = np.arange(len(norms))
        self.curve.set_data(t, np.maximum(norms, 1e-300))
        self.reference.set_data(t, np.maximum(reference, 1e-300))
        self.reference.set_label(self.REFERENCE[cell])
        self.legend.get_texts()[1].set_text(self.REFERENCE[cell])
        self.ax.set_xlim(0, T)
        gated = cell != "rnn"
        if gated:
            keep = 1 / (1 + math.exp(-gate_bias))
            name = f"{cell.upper()}, gate bias {gate_bias:g} (keeps ≈ {keep:.2f} per step)"
        else:
            leak = f", leak α = {alpha:g}" if alpha else ""
            name = f"RNN, {activation}{leak}"
        self.title.set_text(f"{name}: T = {T}, λ₁ = {radius:g}")
        threshold = 1 / self.data.gammas.get(activation, 1.0)
        for artist in (self.threshold, self.threshold_label, self.span, self.span_label):
            artist.set_visible(not gated)
        self.threshold.set_xdata([threshold, threshold])
        self.threshold_label.set_x(threshold)
        self.span.set_width(threshold)
        self.dot.set_xdata([radius])
        self.ax2.set_xlim(0, 1.1 * max(max(self.data.radii), threshold))
        return figure_png(self.fig, dpi=72, close=False, tight=False)

    def describe(
        self, cell: str, activation: str, alpha: float, gate_bias: float, T: int, radius: float
    ) -> str:
        """The frame's alt text: what it shows and the values that decide it."""
        key = self.data.key(cell, activation, alpha, gate_bias, T, radius)
        norms = self.data.curves[key][0]
        if cell == "rnn":
            leak = f", leak {alpha:g}" if alpha else ""
            name = f"RNN with {activation}{leak}"
            where = (
                f" The right panel places λ₁ against the threshold 1/γ = "
                f"{1 / self.data.gammas.get(activation, 1.0):g}."
            )
        else:
            name, where = f"{cell.upper()} with keep-gate bias {gate_bias:g}", ""
        return (
            f"Gradient norm from step T back to step t, log scale, for a {name}, "
            f"T = {T}, largest singular value λ₁ = {radius:g}: {norms[-1]:.1e} one step back, "
            f"{norms[0]:.1e} at t = 0. The dashed line is the {self.REFERENCE[cell]}.{where}"
        )

    def close(self) -> None:
        plt.close(self.fig)


def vanishing_explorer(data: VanishingData | None = None) -> FrameExplorer:
    """The vanishing-gradient explorer over cell, activation, leak, gate bias, length and radius.

    ``data`` defaults to :func:`d2lrnn.vanishing.vanishing_data`. Settings that
    a cell ignores (the gate bias for the RNN; activation and leak for the
    LSTM and GRU) share one frame.
    """
    data = data if data is not None else vanishing_data()
    figure = VanishingFigure(data)
    explorer = FrameExplorer(
        [
            ("cell", [c.upper() for c in data.cells], data.cells, "buttons"),
            ("RNN activation", list(data.activations), data.activations, "buttons"),
            ("RNN leak α", [f"{a:g}" for a in data.alphas], data.alphas, "buttons"),
            (
                "LSTM/GRU keep-gate bias",
                [f"{b:g}" for b in data.gate_biases],
                data.gate_biases,
                "buttons",
            ),
            ("sequence length T", [str(T) for T in data.Ts], data.Ts, "buttons"),
            (
                "largest singular value λ₁ of W_hh",
                [f"{r:g}" for r in data.radii],
                data.radii,
                "slider",
            ),
        ],
        figure.png,
        key=data.key,
        describe=figure.describe,
    )
    figure.close()
    return explorer
