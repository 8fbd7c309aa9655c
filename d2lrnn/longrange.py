"""A long-range memory test: recall the first symbol of a sequence, T steps later.

Each example is a sequence of ``T`` symbols drawn uniformly from
``num_symbols``; the target is the *first* one. The model reads the whole
sequence and answers from its last hidden state, so the only way to do better
than chance (``1 / num_symbols``) is to carry one symbol through ``T - 1``
steps of distraction: the gradient that teaches it must flow back ``T - 1``
steps (Hochreiter & Schmidhuber, 1997, used tasks of this kind).

:func:`recall_experiment` trains a vanilla RNN, a GRU and an LSTM with the
same number of parameters on each length and reports their accuracy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import mxnet as mx
import numpy as np
from mxnet import gluon, init, npx
from mxnet import np as mnp

from .checks import check_int
from .runtime import default_device
from .runtime import seed as seed_everything
from .tasks import accuracy, train_step

CELLS = {"rnn": (gluon.rnn.RNN, 1), "gru": (gluon.rnn.GRU, 3), "lstm": (gluon.rnn.LSTM, 4)}


def recall_batch(rng: np.random.Generator, batch_size: int, T: int, num_symbols: int = 8):
    """``X`` ``(batch_size, T)`` int32 symbols and ``y`` ``(batch_size,)`` = ``X[:, 0]``."""
    check_int(batch_size, "batch_size", 1)
    check_int(T, "T", 1)
    check_int(num_symbols, "num_symbols", 2)
    X = rng.integers(0, num_symbols, size=(batch_size, T)).astype(np.int32)
    return X, X[:, 0].copy()


def num_params(cell: str, hidden: int, num_symbols: int) -> int:
    """Parameters of a one-layer gluon ``cell`` with one-hot inputs plus its ``Dense`` readout.

    Per gate: ``W_xh`` ``(h, d)``, ``W_hh`` ``(h, h)`` and gluon's two biases;
    readout ``(h, d) + d``, with ``d = num_symbols``.
    """
    gates = _cell(cell)[1]
    d = num_symbols
    return gates * (hidden * d + hidden * hidden + 2 * hidden) + hidden * d + d


def hidden_for_budget(cell: str, budget: int, num_symbols: int) -> int:
    """The largest hidden size whose :func:`num_params` does not exceed ``budget``."""
    check_int(budget, "budget", 1)
    gates = _cell(cell)[1]
    d = num_symbols
    # gates h^2 + (gates (d + 2) + d) h + d - budget = 0
    a, b, c = gates, gates * (d + 2) + d, d - budget
    h = int((-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)) if c < 0 else 0
    if h < 1:
        raise ValueError(f"budget {budget} is too small for one {cell} unit")
    while num_params(cell, h + 1, num_symbols) <= budget:
        h += 1
    while num_params(cell, h, num_symbols) > budget:
        h -= 1
    return h


def _cell(cell: str):
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
    return CELLS[cell]


class RecallModel(gluon.Block):
    """One recurrent layer over one-hot symbols, and a readout from its last output.

    ``X`` ``(N, T)`` int -> logits ``(N, num_symbols)``. ``keep_bias`` is the
    initial bias of the gate that keeps the memory (the LSTM's forget gate,
    the GRU's update gate); it has no meaning for the RNN.
    """

    def __init__(self, cell: str, hidden: int, num_symbols: int, keep_bias: float = 0.0):
        super().__init__()
        layer, self.gates = _cell(cell)
        self.cell, self.hidden, self.num_symbols = cell, hidden, num_symbols
        self.keep_bias = keep_bias
        with self.name_scope():
            self.rnn = layer(hidden)
            self.out = gluon.nn.Dense(num_symbols)

    def forward(self, X):
        outputs = self.rnn(npx.one_hot(X.T, self.num_symbols))  # (T, N, h)
        return self.out(outputs[-1])

    def initialize_weights(self, ctx) -> None:
        """Xavier weights, zero biases, and ``keep_bias`` on the keep gate."""
        self.initialize(init.Xavier(), ctx=ctx)
        self(mnp.zeros((1, 1), dtype="int32", ctx=ctx))  # complete deferred shapes
        if self.cell != "rnn":
            bias = self.rnn.l0_i2h_bias.data(ctx)
            h = self.hidden
            bias[h : 2 * h] = self.keep_bias  # f in [i, f, g, o]; z in [r, z, n]


@dataclass
class RecallRun:
    """One training run: ``accuracy`` on held-out sequences when it stopped."""

    cell: str
    T: int
    hidden: int
    params: int
    accuracy: float
    steps: int
    seconds: float
    curve: list = field(default_factory=list)  # (step, held-out accuracy)


def train_recall(
    cell: str,
    T: int,
    hidden: int,
    num_symbols: int = 8,
    keep_bias: float = 0.0,
    max_steps: int = 1000,
    batch_size: int = 128,
    lr: float = 0.01,
    clip: float = 1.0,
    eval_every: int = 50,
    target: float = 0.99,
    seed: int = 0,
    ctx: mx.Context | None = None,
) -> RecallRun:
    """Train one model with Adam until held-out accuracy reaches ``target`` or ``max_steps``.

    Every ``eval_every`` steps the model is scored on the same 500 held-out
    sequences (a different random stream from the training batches).
    """
    import time

    check_int(max_steps, "max_steps", 1)
    check_int(eval_every, "eval_every", 1)
    if not 0 < target <= 1:
        raise ValueError(f"target must be in (0, 1], got {target!r}")
    ctx = ctx or default_device()
    seed_everything(seed)
    rng = np.random.default_rng(seed)
    X_val, y_val = recall_batch(np.random.default_rng(seed + 10_000), 500, T, num_symbols)
    model = RecallModel(cell, hidden, num_symbols, keep_bias)
    model.initialize_weights(ctx)
    trainer = gluon.Trainer(model.collect_params(), "adam", {"learning_rate": lr})
    start, curve, score, step = time.perf_counter(), [], 0.0, 0
    while step < max_steps:
        X, y = recall_batch(rng, batch_size, T, num_symbols)
        train_step(model, trainer, mnp.array(X, ctx=ctx), mnp.array(y, ctx=ctx), clip)
        step += 1
        if step % eval_every == 0 or step == max_steps:
            score = accuracy(model, X_val, y_val, ctx=ctx)
            curve.append((step, score))
            if score >= target:
                break
    return RecallRun(
        cell,
        T,
        hidden,
        num_params(cell, hidden, num_symbols),
        score,
        step,
        time.perf_counter() - start,
        curve,
    )


def recall_experiment(
    Ts=(5, 10, 20, 50, 100),
    cells=("rnn", "gru", "lstm"),
    budget: int = 5400,
    num_symbols: int = 8,
    keep_bias: float = 5.0,
    **kwargs,
) -> list[RecallRun]:
    """Train every cell at every length with at most ``budget`` parameters each.

    Each cell gets the largest hidden size within the budget. Returns the
    runs in the order ``Ts`` x ``cells``; ``kwargs`` go to :func:`train_recall`.
    """
    hidden = {cell: hidden_for_budget(cell, budget, num_symbols) for cell in cells}
    return [
        train_recall(cell, T, hidden[cell], num_symbols, keep_bias, **kwargs)
        for T in Ts
        for cell in cells
    ]
