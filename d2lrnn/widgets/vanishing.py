"""The vanishing-gradient explorer: gradient norms through time for the RNN, LSTM and GRU.

* :func:`vanishing_data` computes ``||ds_T/ds_t||`` for every setting of the
  explorer, with :mod:`d2lrnn.vanishing`;
* :class:`VanishingFigure` draws one frame per setting;
* :func:`vanishing_explorer` shows them, switched by the controls.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from PIL import Image

from ..checks import check_choice, check_int, check_number, check_sequence
from ..vanishing import ACTIVATIONS, GATED, GatedRecurrence, Recurrence, gamma
from .frames import FrameExplorer, encode_png

__all__ = ["VanishingData", "VanishingFigure", "vanishing_data", "vanishing_explorer"]


@dataclass
class VanishingData:
    """Gradient-norm curves for every setting of the vanishing-gradient explorer.

    ``curves[key(cell, activation, alpha, gate_bias, T, radius)] = (norms,
    reference)``, both of shape ``(T,)``: ``norms[t] = ||ds_T/ds_t||``;
    ``reference`` is the bound ``(alpha + (1 - alpha) gamma lambda_1)^(T - t)``
    for the RNN and the memory path (:meth:`GatedRecurrence.memory_path`) for
    the gated cells. ``gammas[activation]`` bounds the activation's derivative.
    """

    cells: tuple[str, ...]
    activations: tuple[str, ...]
    alphas: tuple[float, ...]
    gate_biases: tuple[float, ...]
    Ts: tuple[int, ...]
    radii: tuple[float, ...]
    curves: dict
    gammas: dict

    @staticmethod
    def key(cell: str, activation: str, alpha: float, gate_bias: float, T: int, radius: float):
        """The curve's key: the RNN ignores ``gate_bias``, the gated cells ``activation`` and
        ``alpha`` (their gates set the leak)."""
        check_choice(cell, "cell", ("rnn",) + GATED)
        if cell == "rnn":
            return (cell, activation, alpha, None, T, radius)
        return (cell, None, None, gate_bias, T, radius)


def vanishing_data(
    radii: tuple[float, ...] = (0.5, 0.8, 0.9, 1.0, 1.1, 1.2, 1.5, 2.0, 4.5),
    Ts: tuple[int, ...] = (20, 100),
    activations: tuple[str, ...] = ("tanh", "relu", "sigmoid", "linear"),
    alphas: tuple[float, ...] = (0.0, 0.5, 0.9),
    cells: tuple[str, ...] = ("rnn", "lstm", "gru"),
    gate_biases: tuple[float, ...] = (0.0, 2.0, 5.0),
    num_hiddens: int = 32,
    seed: int = 0,
) -> VanishingData:
    """``||ds_T/ds_t||`` for every combination: explicit Jacobian products for the RNN
    (a few ms each), autograd through the book's LSTM and GRU layers for the gated cells."""
    radii, Ts = check_sequence(radii, "radii"), check_sequence(Ts, "Ts")
    activations = check_sequence(activations, "activations")
    alphas = check_sequence(alphas, "alphas")
    cells = check_sequence(cells, "cells")
    gate_biases = check_sequence(gate_biases, "gate_biases")
    for i, T in enumerate(Ts):
        check_int(T, f"Ts[{i}]", 1)
    for i, radius in enumerate(radii):
        check_number(radius, f"radii[{i}]", 0)
    for i, activation in enumerate(activations):
        check_choice(activation, f"activations[{i}]", sorted(ACTIVATIONS))
    for i, alpha in enumerate(alphas):
        check_number(alpha, f"alphas[{i}]", 0, 1, below=True)
    for i, bias in enumerate(gate_biases):
        check_number(bias, f"gate_biases[{i}]")
    for i, cell in enumerate(cells):
        check_choice(cell, f"cells[{i}]", ("rnn",) + GATED)
    settings = {
        "radii": radii,
        "Ts": Ts,
        "activations": activations,
        "alphas": alphas,
        "cells": cells,
        "gate_biases": gate_biases,
    }
    for arg, values in settings.items():
        if len(set(values)) != len(values):
            raise ValueError(f"{arg} must not repeat a value (one frame each), got {values!r}")
    check_int(num_hiddens, "num_hiddens", 1)
    check_int(seed, "seed", 0)
    curves = {}
    gammas = {activation: gamma(activation) for activation in activations}
    for T in Ts:
        for radius in radii:
            if "rnn" in cells:
                for activation in activations:
                    for alpha in alphas:
                        rec = Recurrence(T, radius, activation, alpha, num_hiddens, seed=seed)
                        key = VanishingData.key("rnn", activation, alpha, None, T, radius)
                        curves[key] = (rec.jacobian_norms(), rec.bound())
            for cell in cells:
                if cell == "rnn":
                    continue
                for bias in gate_biases:
                    rec = GatedRecurrence(cell, T, radius, bias, num_hiddens, seed=seed)
                    key = VanishingData.key(cell, None, None, bias, T, radius)
                    curves[key] = rec.norms_and_memory_path()
    return VanishingData(
        tuple(cells),
        tuple(activations),
        tuple(alphas),
        tuple(gate_biases),
        tuple(Ts),
        tuple(radii),
        curves,
        gammas,
    )


class VanishingFigure:
    """The vanishing-gradient explorer's figure, drawn once and updated for every frame.

    Left: ``||ds_T/ds_t||`` against ``t`` on a log scale, with the RNN's bound
    ``(alpha + (1 - alpha) gamma lambda_1)^(T - t)`` or the gated cell's
    memory path. Right: where ``lambda_1`` sits against the RNN's threshold
    ``1/gamma``. Updating the artists of one figure is several times faster
    than drawing a new figure per frame; and since the axes change only with
    ``T`` and the activation, each frame draws only what changes (the curves,
    title, legend and markers) over a saved copy of its axes (matplotlib's
    blitting): 16 ms a frame instead of 39 ms, the PNG encoding included.
    """

    DPI = 72

    REFERENCE = {
        "rnn": "bound (α + (1−α)γλ₁)^(T−t)",
        "lstm": "memory path: max ∏ f (forget gate)",
        "gru": "memory path: max ∏ z (update gate)",
    }

    def __init__(self, data: VanishingData):
        self.data = _check_data(data)
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
        self.fig.set_dpi(self.DPI)
        #: What changes from frame to frame, drawn in this order over the saved axes.
        self.changing = (
            self.span,
            self.span_label,
            self.threshold,
            self.threshold_label,
            self.dot,
            self.curve,
            self.reference,
            self.legend,
            self.title,
        )
        for artist in self.changing:
            artist.set_animated(True)  # left out of a full draw: the saved axes are without it
        self._axes = {}  # (both axes' limits) -> the canvas's pixels of the axes alone

    def png(
        self, cell: str, activation: str, alpha: float, gate_bias: float, T: int, radius: float
    ) -> bytes:
        """The frame for one setting, as PNG bytes."""
        key = self._key(cell, activation, alpha, gate_bias, T, radius)
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
        return encode_png(self._draw())

    def _draw(self) -> Image.Image:
        """The figure as it is now: the saved axes for these limits, and what changes over them."""
        canvas = self.fig.canvas
        limits = (self.ax.get_xlim(), self.ax2.get_xlim())
        if limits in self._axes:
            canvas.restore_region(self._axes[limits])
        else:
            canvas.draw()  # everything but the changing artists
            self._axes[limits] = canvas.copy_from_bbox(self.fig.bbox)
        for artist in self.changing:
            if artist.get_visible():
                artist.axes.draw_artist(artist)
        width, height = canvas.get_width_height()
        return Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)

    def describe(
        self, cell: str, activation: str, alpha: float, gate_bias: float, T: int, radius: float
    ) -> str:
        """The frame's alt text: what it shows and the values that decide it."""
        key = self._key(cell, activation, alpha, gate_bias, T, radius)
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

    def _key(self, cell, activation, alpha, gate_bias, T, radius) -> tuple:
        """The curve's key, once every setting is checked to be one the data holds."""
        d = self.data
        check_choice(cell, "cell", d.cells)
        check_choice(T, "T", d.Ts)
        check_choice(radius, "radius", d.radii)
        if cell == "rnn":
            check_choice(activation, "activation", d.activations)
            check_choice(alpha, "alpha", d.alphas)
        else:
            check_choice(gate_bias, "gate_bias", d.gate_biases)
        return d.key(cell, activation, alpha, gate_bias, T, radius)

    def close(self) -> None:
        """Close the figure (its frames are already rendered)."""
        plt.close(self.fig)


def _check_data(data: object) -> VanishingData:
    if not isinstance(data, VanishingData):
        raise TypeError(
            f"data must be a VanishingData (see vanishing_data), got {type(data).__name__}"
        )
    return data


def vanishing_explorer(data: VanishingData | None = None) -> FrameExplorer:
    """The vanishing-gradient explorer over cell, activation, leak, gate bias, length and radius.

    ``data`` defaults to :func:`vanishing_data`. Settings that
    a cell ignores (the gate bias for the RNN; activation and leak for the
    LSTM and GRU) share one frame.
    """
    data = _check_data(data) if data is not None else vanishing_data()
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
