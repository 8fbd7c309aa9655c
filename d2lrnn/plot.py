"""The few plotting helpers the chapters share (matplotlib)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from .batches import SeqBatches
from .checks import check_choice, check_int, check_number, check_str

FIGSIZE = (5.0, 3.0)

__all__ = [
    "FIGSIZE",
    "SEQUENCE_SHAPES",
    "attention_heatmap",
    "gate_heatmap",
    "graphical_model",
    "plot",
    "plot_partitions",
    "rnn_graph",
    "sequence_shapes",
]


def _as_list(v) -> list:
    """A single 1-D series becomes ``[series]``; a list of series stays a list."""
    if v is None:
        return []
    if isinstance(v, np.ndarray):
        return [v] if v.ndim == 1 else list(v)
    if isinstance(v, (list, tuple)) and len(v) and np.ndim(v[0]) == 0:
        return [v]
    return list(v)


def plot(
    X,
    Y=None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    legend: Sequence[str] = (),
    xlim=None,
    ylim=None,
    xscale: str = "linear",
    yscale: str = "linear",
    fmts: Sequence[str] = ("-", "m--", "g-.", "r:", "c-", "y--"),
    figsize=FIGSIZE,
    axes=None,
    title: str | None = None,
):
    """Plot one or several series on one set of axes and return the axes.

    ``X`` and ``Y`` are a 1-D series or a list of them; with ``Y`` omitted,
    ``X`` is plotted against its index. One ``X`` may serve several ``Y``.
    """
    for arg, v in (("X", X), ("Y", Y)):
        if isinstance(v, (str, bytes, dict)):
            raise TypeError(f"{arg} must be a 1-D series or a list of them, got {type(v).__name__}")
    Xs, Ys = _as_list(X), _as_list(Y)
    if not Xs:
        raise ValueError("X must hold at least one series, got none")
    if not Ys:
        Xs, Ys = [np.arange(len(x)) for x in Xs], Xs
    if len(Xs) == 1 and len(Ys) > 1:
        Xs = Xs * len(Ys)
    if len(Xs) != len(Ys):
        raise ValueError(f"X and Y must hold as many series, got {len(Xs)} and {len(Ys)}")
    for i, (x, y) in enumerate(zip(Xs, Ys)):
        if np.shape(x) != np.shape(y) or np.ndim(x) != 1:
            raise ValueError(
                f"series {i}: x and y must be 1-D of one length, got shapes {np.shape(x)} and "
                f"{np.shape(y)}"
            )
    check_choice(xscale, "xscale", ("linear", "log", "symlog", "logit"))
    check_choice(yscale, "yscale", ("linear", "log", "symlog", "logit"))
    if axes is None:
        _, axes = plt.subplots(figsize=figsize)
    for x, y, fmt in zip(Xs, Ys, fmts * (len(Ys) // len(fmts) + 1)):
        axes.plot(np.asarray(x), np.asarray(y), fmt)
    axes.set_xlabel(xlabel or "")
    axes.set_ylabel(ylabel or "")
    axes.set_xscale(xscale)
    axes.set_yscale(yscale)
    if xlim is not None:
        axes.set_xlim(xlim)
    if ylim is not None:
        axes.set_ylim(ylim)
    if legend:
        axes.legend(legend)
    if title:
        axes.set_title(title)
    axes.grid(True, alpha=0.3)
    return axes


def plot_partitions(num_tokens: int = 48, batch_size: int = 2, num_steps: int = 5, seed: int = 1):
    """Draw how :class:`~d2lrnn.batches.SeqBatches` cuts a corpus, for both samplings.

    (``SeqBatches`` checks ``num_tokens``, ``batch_size``, ``num_steps`` and ``seed``.)

    The picture is drawn from what the iterator really yields: it runs one
    epoch over the corpus ``0, 1, ..., num_tokens - 1``, whose tokens are
    their own positions. Each row is one sampling; each coloured box is one
    window ``X``, coloured by minibatch and labelled ``minibatch/row``.
    Returns the figure.
    """
    num_tokens = check_int(num_tokens, "num_tokens", 2)
    corpus = np.arange(num_tokens)
    fig, axes = plt.subplots(2, 1, figsize=(9, 3.2), sharex=True)
    colors = plt.get_cmap("tab10").colors
    for ax, sampling in zip(axes, ("random", "sequential")):
        batches = SeqBatches(corpus, batch_size, num_steps, sampling=sampling, seed=seed)
        ax.add_patch(plt.Rectangle((0, 0.1), num_tokens, 0.8, fill=False, ec="0.6", ls=":"))
        for i, (X, _) in enumerate(batches):
            for r, window in enumerate(X):
                start = int(window[0])
                ax.add_patch(
                    plt.Rectangle(
                        (start, 0.1), num_steps, 0.8, fc=colors[i % 10], ec="k", alpha=0.75
                    )
                )
                ax.text(
                    start + num_steps / 2, 0.5, f"{i}/{r}", ha="center", va="center", fontsize=8
                )
        ax.set_ylim(0, 1)
        ax.set_yticks([])
        ax.set_ylabel(sampling, rotation=0, ha="right", va="center")
    axes[-1].set_xlim(0, num_tokens)
    axes[-1].set_xlabel("token position in the corpus")
    fig.suptitle(
        f"one epoch, batch_size={batch_size}, num_steps={num_steps}: box label = minibatch/row",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def gate_heatmap(gates: dict, text: str, names: Sequence[str], units: Sequence[int]):
    """Heat maps of gate activations over a text, one panel per gate; returns the figure.

    ``gates[name]`` is ``(T, h)`` (one sequence, as from ``RNNLM.trace`` with
    the batch axis dropped) and ``text`` has ``T`` characters, which label the
    columns; ``units`` picks the rows. Sigmoid gates use a 0–1 colour scale,
    anything else (the candidate, ``H``) −1–1.
    """
    if not isinstance(gates, dict):
        raise TypeError(f"gates must be a dict name -> (T, h) array, got {type(gates).__name__}")
    check_str(text, "text")
    if isinstance(names, str) or not isinstance(names, (list, tuple)):
        raise TypeError(f"names must be a list of gate names, got {type(names).__name__} {names!r}")
    if not names:
        raise ValueError(f"names must list at least one gate, got {names!r}")
    if isinstance(units, (str, bytes)) or not hasattr(units, "__iter__"):
        raise TypeError(f"units must be a list of unit indices, got {type(units).__name__}")
    units = list(units)
    if not units:
        raise ValueError("units must list at least one unit, got none")
    for i, u in enumerate(units):
        check_int(u, f"units[{i}]", 0)
    for name in names:
        if name not in gates:
            raise ValueError(
                f"names must name gates of gates, got {name!r}: no gate {name!r}: gates has "
                f"{sorted(gates)}"
            )
        shape = np.shape(gates[name])
        if len(shape) != 2:
            raise ValueError(f"gates[{name!r}] must be (T, h), got shape {shape}")
        if shape[0] != len(text):
            raise ValueError(
                f"text must have one character per step: text has {len(text)} characters but "
                f"gate {name!r} has {shape[0]} steps"
            )
        if max(units) >= shape[1]:
            raise ValueError(f"units must be < {shape[1]} (the gate's units), got {max(units)}")
    fig, axes = plt.subplots(
        len(names),
        1,
        figsize=(min(16, 0.22 * len(text) + 2), 0.28 * len(units) * len(names) + 1),
        squeeze=False,
    )
    for ax, name in zip(axes[:, 0], names):
        values = np.asarray(gates[name])[:, units].T  # (units, T)
        signed = values.min() < 0
        image = ax.imshow(
            values,
            aspect="auto",
            cmap="RdBu_r" if signed else "viridis",
            vmin=-1 if signed else 0,
            vmax=1,
            interpolation="nearest",
        )
        ax.set_yticks(range(len(units)), [str(u) for u in units], fontsize=6)
        ax.set_ylabel(f"{name}\nunit", fontsize=8)
        ax.set_xticks(range(len(text)), [c if c != " " else "␣" for c in text], fontsize=8)
        fig.colorbar(image, ax=ax, fraction=0.02, pad=0.01)
    fig.tight_layout()
    return fig


def attention_heatmap(amap, ax=None):
    """Draw an :class:`~d2lrnn.seq2seq.AttentionMap`: the source's tokens across, the
    output's down, each cell the weight the model gave that source token when it chose that
    output token (0 to 1). Returns the axes; the figure's alt text is the caller's (say
    which sentence, and where the weight goes)."""
    from .seq2seq import AttentionMap  # only to check the type

    if not isinstance(amap, AttentionMap):
        raise TypeError(
            f"amap must be an AttentionMap (see seq2seq.attention_maps), got {type(amap).__name__}"
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(0.45 * len(amap.source) + 1.6, 0.35 * len(amap.output) + 1.0))
    elif not isinstance(ax, plt.Axes):
        raise TypeError(f"ax must be None or matplotlib Axes, got {type(ax).__name__}")
    image = ax.imshow(amap.weights, cmap="Greys", vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks(range(len(amap.source)), amap.source, rotation=45, ha="right")
    ax.set_yticks(range(len(amap.output)), amap.output)
    ax.set_xlabel("source")
    ax.set_ylabel("output")
    ax.figure.colorbar(image, ax=ax, fraction=0.04, pad=0.02, label="attention weight")
    return ax


#: The five shapes of :func:`sequence_shapes`: (title, example, input steps, output steps,
#: whether the outputs start only after the whole input is read).
SEQUENCE_SHAPES = (
    ("one to one", "image classification", [0], [0], False),
    ("one to many", "image captioning,\nsampling text", [0], [0, 1, 2], False),
    ("many to one", "sentiment analysis,\nlanguage identification", [0, 1, 2], [2], False),
    ("many to many,\naligned", "tagging", [0, 1, 2], [0, 1, 2], False),
    ("many to many,\nown length", "translation", [0, 1, 2], [3, 4], True),
)


def sequence_shapes(figsize=(10.0, 2.8)):
    """Draw the five input/output shapes of sequence tasks (returns the figure).

    Each panel is a recurrent network unrolled in time: inputs (blue) at the
    bottom, hidden states (grey) in the middle, outputs (green) on top; an
    arrow joins each hidden state to the next.
    """
    if isinstance(figsize, str) or not hasattr(figsize, "__len__") or len(figsize) != 2:
        raise TypeError(f"figsize must be (width, height) in inches, got {figsize!r}")
    figsize = tuple(check_number(v, f"figsize[{i}]", 0.5, 50) for i, v in enumerate(figsize))
    widths = [max(max(i + o) + 1, 2) for _, _, i, o, _ in SEQUENCE_SHAPES]
    fig, axes = plt.subplots(
        1, len(SEQUENCE_SHAPES), figsize=figsize, gridspec_kw={"width_ratios": widths}
    )
    for ax, (title, example, inputs, outputs, delayed) in zip(axes, SEQUENCE_SHAPES):
        steps = max(inputs + outputs) + 1
        box = {"boxstyle": "round,pad=0.25", "lw": 0.8}
        for t in range(steps):
            ax.text(t, 1, "h", ha="center", va="center", bbox={**box, "fc": "#dddddd"})
            if t + 1 < steps:
                ax.annotate("", (t + 0.75, 1), (t + 0.25, 1), arrowprops={"arrowstyle": "->"})
        for t in inputs:
            ax.text(t, 0, "x", ha="center", va="center", bbox={**box, "fc": "#9ecae1"})
            ax.annotate("", (t, 0.78), (t, 0.22), arrowprops={"arrowstyle": "->"})
        for t in outputs:
            ax.text(t, 2, "y", ha="center", va="center", bbox={**box, "fc": "#a1d99b"})
            ax.annotate("", (t, 1.78), (t, 1.22), arrowprops={"arrowstyle": "->"})
        if delayed:  # the decoder's inputs: its own previous outputs
            for t in outputs[1:]:
                ax.annotate(
                    "", (t - 0.15, 0.75), (t - 0.85, 1.75),
                    arrowprops={"arrowstyle": "->", "color": "#31a354", "lw": 0.8},
                )  # fmt: skip
        ax.set_xlim(-0.6, max(steps, 2) - 0.4)
        ax.set_ylim(-0.5, 2.5)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel(example, fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
    fig.tight_layout()
    return fig


#: How :func:`graphical_model` draws each kind of node of :func:`rnn_graph`.
NODE_STYLE = {
    "observed": {"boxstyle": "circle,pad=0.3", "fc": "#9ecae1"},  # data: shaded circles
    "state": {"boxstyle": "square,pad=0.3", "fc": "#dddddd"},  # deterministic: squares
    "output": {"boxstyle": "circle,pad=0.2", "fc": "white"},  # sampled outputs: open circles
}


def rnn_graph(steps: int = 4, free_running: bool = False) -> tuple[dict, list]:
    """The unrolled RNN language model as a directed graphical model: ``(nodes, edges)``.

    ``nodes`` maps a name to ``(t, row, kind, label)``: ``"x{t}"`` the input
    read at step ``t`` from the data (row 0, kind ``"observed"``), ``"h{t}"``
    the state (row 1, ``"state"``: a deterministic function of its parents),
    ``"y{t}"`` the model's output at step ``t``, a token drawn from
    ``P(x_{t+1} | h_t)`` (row 2, ``"output"``); ``t = 1, ..., steps``.
    ``edges`` lists ``(parent, child)`` pairs. Teacher forcing reads every
    input from the data, so the outputs have no children. Free running reads
    ``x1`` only, and from step 2 on its own previous output: the edge
    ``y{t-1} -> h{t}`` replaces ``x{t} -> h{t}`` (and there is no ``x{t}``).
    """
    steps = check_int(steps, "steps", 2, 12)
    if not isinstance(free_running, bool):
        raise TypeError(f"free_running must be True or False, got {free_running!r}")
    nodes, edges = {}, []
    for t in range(1, steps + 1):
        nodes[f"h{t}"] = (t, 1, "state", f"$h_{{{t}}}$")
        nodes[f"y{t}"] = (t, 2, "output", rf"$\hat{{x}}_{{{t + 1}}}$")
        if t == 1 or not free_running:
            nodes[f"x{t}"] = (t, 0, "observed", f"$x_{{{t}}}$")
            edges.append((f"x{t}", f"h{t}"))
        else:
            edges.append((f"y{t - 1}", f"h{t}"))
        if t > 1:
            edges.append((f"h{t - 1}", f"h{t}"))
        edges.append((f"h{t}", f"y{t}"))
    return nodes, edges


def graphical_model(steps: int = 4, figsize=(9.0, 3.0)):
    """Draw :func:`rnn_graph` under teacher forcing and under free running, side by side
    (returns the figure): data as shaded circles, states as squares, sampled outputs as
    open circles; an arrow from each node to each child."""
    if isinstance(figsize, str) or not hasattr(figsize, "__len__") or len(figsize) != 2:
        raise TypeError(f"figsize must be (width, height) in inches, got {figsize!r}")
    figsize = tuple(check_number(v, f"figsize[{i}]", 0.5, 50) for i, v in enumerate(figsize))
    graphs = [rnn_graph(steps, free) for free in (False, True)]  # checks steps
    fig, axes = plt.subplots(1, 2, figsize=figsize)
    for ax, (nodes, edges), title in zip(axes, graphs, ("teacher forcing", "free running")):
        for t, row, kind, label in nodes.values():
            ax.text(t, row, label, ha="center", va="center", fontsize=9,
                    bbox={**NODE_STYLE[kind], "lw": 0.8})  # fmt: skip
        for parent, child in edges:
            (t0, r0, *_), (t1, r1, *_) = nodes[parent], nodes[child]
            ax.annotate("", (t1, r1), (t0, r0), arrowprops={
                "arrowstyle": "->", "lw": 0.9, "shrinkA": 11, "shrinkB": 11,
                "color": "#31a354" if nodes[parent][2] == "output" else "black",
            })  # fmt: skip
        ax.set_xlim(0.4, steps + 0.6)
        ax.set_ylim(-0.5, 2.5)
        ax.set_title(title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
    fig.tight_layout()
    return fig
