"""A long-range memory test: recall the first symbol of a sequence, T steps later.

Each example is a sequence of ``T`` symbols drawn uniformly from
``num_symbols``; the target is the *first* one. The model reads the whole
sequence and answers from its last hidden state, so the only way to do better
than chance (``1 / num_symbols``) is to carry one symbol through ``T - 1``
steps of distraction: the gradient that teaches it must flow back ``T - 1``
steps (Hochreiter & Schmidhuber, 1997, used tasks of this kind).

The model is a :class:`~d2lrnn.classifiers.SequenceClassifier` over one gluon
layer, trained by :func:`d2lrnn.train.fit`; :func:`recall_experiment` trains
a vanilla RNN, a GRU and an LSTM with the same number of parameters on each
length and reports their accuracy.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
from mxnet import gluon, init

from .checks import check_choice, check_device, check_int, check_number, check_sequence
from .classifiers import SequenceClassifier
from .deep import num_hiddens as deep_num_hiddens
from .gluon_adapter import (
    gluon_block_params,
    gluon_layout,
    initialize,
    is_gluon_rnn,
    is_initialized,
)
from .layers import CELLS, get_cell
from .runtime import default_device, in_processes
from .runtime import seed as seed_everything
from .train import fit

__all__ = [
    "RecallBatches",
    "RecallRun",
    "fit_recall",
    "num_hiddens_for_budget",
    "num_params",
    "recall_batch",
    "recall_experiment",
    "recall_model",
    "set_keep_gate_bias",
    "train_recall",
]


def recall_batch(rng: np.random.Generator, batch_size: int, T: int, num_symbols: int = 8):
    """``X`` ``(batch_size, T)`` int32 symbols and ``y`` ``(batch_size,)`` = ``X[:, 0]``."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    check_int(batch_size, "batch_size", 1)
    check_int(T, "T", 1)
    check_int(num_symbols, "num_symbols", 2)
    X = rng.integers(0, num_symbols, size=(batch_size, T)).astype(np.int32)
    return X, X[:, 0].copy()


class RecallBatches:
    """Fresh recall minibatches, ``max_steps`` in all, ``steps`` per pass (an "epoch" of
    :func:`~d2lrnn.train.fit`; the last pass may be shorter).

    All passes draw from one generator seeded with ``seed``, so no sequence
    repeats and two runs see the same ones.
    """

    sampling = "random"

    def __init__(
        self, batch_size: int, T: int, num_symbols: int, steps: int, max_steps: int, seed: int = 0
    ):
        recall_batch(np.random.default_rng(0), batch_size, T, num_symbols)  # checks the sizes
        self.batch_size, self.T, self.num_symbols = batch_size, T, num_symbols
        self.steps = check_int(steps, "steps", 1)
        self.max_steps = check_int(max_steps, "max_steps", 1)
        self.done = 0
        self.rng = np.random.default_rng(check_int(seed, "seed", 0))

    @property
    def num_passes(self) -> int:
        """Passes until ``max_steps`` minibatches have been drawn."""
        return -(-self.max_steps // self.steps)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for _ in range(min(self.steps, self.max_steps - self.done)):
            self.done += 1
            yield recall_batch(self.rng, self.batch_size, self.T, self.num_symbols)


def num_params(cell: str, num_hiddens: int, num_symbols: int) -> int:
    """Parameters of a one-layer gluon ``cell`` with one-hot inputs plus its ``Dense`` readout.

    Per gate: ``W_xh`` ``(h, d)``, ``W_hh`` ``(h, h)`` and gluon's two biases;
    readout ``(h, d) + d``, with ``d = num_symbols``.
    """
    gates = get_cell(cell).num_gates
    d = check_int(num_symbols, "num_symbols", 2)
    h = check_int(num_hiddens, "num_hiddens", 1)
    return gates * (h * d + h * h + 2 * h) + h * d + d


def num_hiddens_for_budget(cell: str, budget: int, num_symbols: int) -> int:
    """The largest hidden size whose :func:`num_params` does not exceed ``budget``."""
    check_int(budget, "budget", 1)
    check_int(num_symbols, "num_symbols", 2)
    gates = get_cell(cell).num_gates
    d = num_symbols
    # gates h^2 + (gates (d + 2) + d) h + d - budget = 0
    a, b, c = gates, gates * (d + 2) + d, d - budget
    h = int((-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)) if c < 0 else 0
    if h < 1:
        raise ValueError(
            f"budget must be at least {num_params(cell, 1, num_symbols)} parameters (one {cell} "
            f"unit), got {budget}: budget {budget} is too small for one {cell} unit"
        )
    while num_params(cell, h + 1, num_symbols) <= budget:
        h += 1
    while num_params(cell, h, num_symbols) > budget:
        h -= 1
    return h


def set_keep_gate_bias(layer: gluon.Block, value: float) -> None:
    """Set the bias of the gate that keeps the memory (LSTM: forget, GRU: update) to ``value``.

    ``layer`` is a one-layer gluon LSTM or GRU, initialised. At zero input the
    cell then keeps about ``sigmoid(value)`` of its state per step; gluon's
    other bias of that gate (``h2h_bias``) is left at its value (zero after
    initialisation). The gate's block is found in :data:`d2lrnn.layers.CELLS`.
    """
    if not is_gluon_rnn(layer):
        raise TypeError(f"layer must be a gluon LSTM or GRU, got {type(layer).__name__}")
    value = check_number(value, "value")
    layout = gluon_layout(layer)
    cell = get_cell(layout.cell)
    if cell.keep_gate is None:
        raise ValueError(
            f"layer must be a gluon LSTM or GRU, got a gluon {layout.cell.upper()}: "
            f"a {layout.cell} layer has no keep gate"
        )
    if layout.num_layers != 1 or layout.num_directions != 1:
        raise ValueError(
            "layer must have one layer and one direction (the bias of layer 0 forward is set), "
            f"got {layout.num_layers} layer(s) and {layout.num_directions} direction(s)"
        )
    if not all(is_initialized(p) for p in layer.collect_params().values()):
        raise ValueError("layer must be initialized first (call its initialize())")
    k, h = cell.block_index(cell.keep_gate), layout.num_hiddens
    bias = gluon_block_params(layer, "l0")["i2h_bias"].data()
    bias[k * h : (k + 1) * h] = value


def recall_model(cell: str, num_hiddens: int, num_symbols: int) -> SequenceClassifier:
    """One gluon ``cell`` layer over one-hot symbols, read out from its final state."""
    check_int(num_hiddens, "num_hiddens", 1)
    check_int(num_symbols, "num_symbols", 2)
    return SequenceClassifier(get_cell(cell).gluon(num_hiddens), num_symbols, num_symbols)


@dataclass
class RecallRun:
    """One training run: ``accuracy`` on held-out sequences when it stopped."""

    cell: str
    T: int
    num_hiddens: int
    params: int
    accuracy: float
    steps: int
    seconds: float
    curve: list = field(default_factory=list)  # (step, held-out accuracy)


def train_recall(
    cell: str,
    T: int,
    num_hiddens: int,
    num_symbols: int = 8,
    keep_bias: float = 0.0,
    max_steps: int = 1000,
    batch_size: int = 128,
    lr: float = 0.01,
    clip: float = 1.0,
    eval_every: int = 50,
    target: float = 0.99,
    seed: int = 0,
    device=None,
) -> RecallRun:
    """Train one model with Adam until held-out accuracy reaches ``target`` or ``max_steps``.

    Every ``eval_every`` steps the model is scored on the same 500 held-out
    sequences (a different random stream from the training batches).
    Weights start Xavier-initialised with zero biases, and with ``keep_bias``
    on the keep gate of the LSTM and the GRU (:func:`set_keep_gate_bias`).
    """
    check_int(T, "T", 1)
    check_int(seed, "seed", 0)
    keep_bias = check_number(keep_bias, "keep_bias")
    device = check_device(device) or default_device()
    seed_everything(seed)
    model = recall_model(cell, num_hiddens, num_symbols)
    initialize(model, np.zeros((1, T), np.int32), device, init.Xavier())
    if get_cell(cell).keep_gate is not None:
        set_keep_gate_bias(model.rnn, keep_bias)
    return fit_recall(model, T, cell, num_symbols, max_steps, batch_size, lr, clip, eval_every,
                      target, seed, device)  # fmt: skip


def fit_recall(
    model: SequenceClassifier,
    T: int,
    name: str = "model",
    num_symbols: int = 8,
    max_steps: int = 1000,
    batch_size: int = 128,
    lr: float = 0.01,
    clip: float = 1.0,
    eval_every: int = 50,
    target: float = 0.99,
    seed: int = 0,
    device=None,
) -> RecallRun:
    """Train an initialised recall ``model`` (a :class:`~d2lrnn.classifiers.SequenceClassifier`
    over ``num_symbols`` symbols, around any recurrent layer) as :func:`train_recall` does:
    Adam until the accuracy on the same 500 held-out sequences reaches ``target`` or
    ``max_steps``, minibatches of ``batch_size`` fresh sequences drawn with ``seed``.
    ``name`` labels the run (its ``cell``)."""
    if not isinstance(model, SequenceClassifier):
        raise TypeError(f"model must be a SequenceClassifier, got {type(model).__name__}")
    check_int(max_steps, "max_steps", 1)
    check_int(eval_every, "eval_every", 1)
    check_int(T, "T", 1)
    check_int(seed, "seed", 0)
    check_int(batch_size, "batch_size", 1)
    device = check_device(device) or default_device()
    X_val, y_val = recall_batch(np.random.default_rng(seed + 10_000), 500, T, num_symbols)
    data = RecallBatches(batch_size, T, num_symbols, eval_every, max_steps, seed)
    history = fit(
        model,
        data,
        num_epochs=data.num_passes,
        lr=lr,
        clip=clip,
        val=(X_val, y_val),
        target=target,
        device=device,
    )
    return RecallRun(
        name,
        T,
        deep_num_hiddens(model.rnn),
        sum(p.data().size for p in model.collect_params().values()),
        history.val_accuracy[-1],
        history.steps[-1],
        history.seconds,
        list(zip(history.steps, history.val_accuracy)),
    )


def recall_experiment(
    Ts=(5, 10, 20, 50, 100),
    cells=("rnn", "gru", "lstm"),
    budget: int = 5400,
    num_symbols: int = 8,
    keep_bias: float = 5.0,
    workers: int | None = None,
    **kwargs,
) -> list[RecallRun]:
    """Train every cell at every length with at most ``budget`` parameters each.

    Each cell gets the largest hidden size within the budget. Returns the
    runs in the order ``Ts`` x ``cells``; ``kwargs`` go to :func:`train_recall`.

    The runs are independent and each seeds itself, so they run side by side
    in ``workers`` processes (:func:`d2lrnn.runtime.in_processes`, each with
    MXNet on one thread), the longest sequences first. The default is one
    worker per CPU core, or ``1`` (every run in this process, one after
    another) when training on a GPU. The results are those of the same runs
    one after another in one process with MXNet on one thread.
    """
    Ts, cells = check_sequence(Ts, "Ts"), check_sequence(cells, "cells")
    for i, T in enumerate(Ts):
        check_int(T, f"Ts[{i}]", 1)
    for i, cell in enumerate(cells):
        check_choice(cell, f"cells[{i}]", list(CELLS))
    check_number(keep_bias, "keep_bias")
    if workers is None:
        device = check_device(kwargs.get("device")) or default_device()
        workers = (os.cpu_count() or 1) if device.device_type == "cpu" else 1
    check_int(workers, "workers", 1)
    sizes = {cell: num_hiddens_for_budget(cell, budget, num_symbols) for cell in cells}
    calls = [(cell, T, sizes[cell], num_symbols, keep_bias) for T in Ts for cell in cells]
    longest_first = sorted(range(len(calls)), key=lambda i: -calls[i][1])
    return in_processes(
        functools.partial(train_recall, **kwargs), calls, workers, order=longest_first
    )
