"""Deep and bidirectional recurrent networks built from any of the book's layers.

* :class:`Bidirectional` runs one layer forward in time and another over the
  reversed sequence, and concatenates their outputs step by step.
* :class:`Stacked` feeds each layer's outputs to the next, with dropout in
  between (not after the last layer), as gluon's ``num_layers`` does.
* :func:`deep_rnn` builds the stack that matches
  ``gluon.rnn.RNN/LSTM/GRU(num_hiddens, num_layers, bidirectional=..., dropout=...)``;
  :func:`d2lrnn.weights.copy_weights` moves weights between the two.

Both wrappers keep gluon's calling convention (``TNC`` layout) and its state
layout: every state is one array ``(L * D, N, h)``, with layer ``l`` and
direction ``d`` (0 forward, 1 backward) at row ``l * D + d``; the outputs are
``(T, N, D * h)``, the forward half first.
"""

from __future__ import annotations

import mxnet as mx
from mxnet import autograd, gluon, npx
from mxnet import np as mnp

from .checks import check_bool, check_int, check_number
from .gluon_adapter import begin_state, gluon_layout, is_gluon_rnn
from .layers import get_cell

__all__ = [
    "Bidirectional",
    "Stacked",
    "check_layer",
    "check_states",
    "deep_rnn",
    "num_directions",
    "num_hiddens",
    "num_rows",
    "num_states",
]


def check_layer(layer: object, arg: str = "layer") -> gluon.Block:
    """``layer`` must be a recurrent layer: gluon's, or a Block with ``begin_state`` and
    ``num_hiddens`` (the book's layers and wrappers)."""
    if is_gluon_rnn(layer) or (
        isinstance(layer, gluon.Block)
        and callable(getattr(layer, "begin_state", None))
        and hasattr(layer, "num_hiddens")
    ):
        return layer
    raise TypeError(
        f"{arg} must be a recurrent layer (gluon.rnn.RNN/LSTM/GRU or one of d2lrnn's), "
        f"got {type(layer).__name__}"
    )


def num_states(layer) -> int:
    """1 (``[H]``) or 2 (``[H, C]``), for the book's layers, stacks and gluon's."""
    check_layer(layer)
    if is_gluon_rnn(layer):
        return len(get_cell(gluon_layout(layer).cell).states)
    return layer.num_states


def num_rows(layer) -> int:
    """Rows the layer takes in each state array: ``num_layers * num_directions``."""
    check_layer(layer)
    if is_gluon_rnn(layer):
        layout = gluon_layout(layer)
        return layout.num_layers * layout.num_directions
    return getattr(layer, "state_rows", 1)


def num_directions(layer) -> int:
    """1, or 2 for a bidirectional layer (for a stack: its last layer's)."""
    check_layer(layer)
    if is_gluon_rnn(layer):
        return gluon_layout(layer).num_directions
    return getattr(layer, "num_directions", 1)


def num_hiddens(layer) -> int:
    """Hidden units per direction of the book's layers, stacks and gluon's."""
    check_layer(layer)
    return gluon_layout(layer).num_hiddens if is_gluon_rnn(layer) else layer.num_hiddens


def check_states(states, num: int, rows: int, N: int, h: int, arg: str = "states") -> list:
    """``states`` must be a list of ``num`` MXNet arrays ``(rows, N, h)``: ``[H]`` or ``[H, C]``.

    ``rows`` is layers x directions, as gluon lays its states out.
    """
    names = ("H", "C")[:num] if num <= 2 else tuple(str(i) for i in range(num))
    if not isinstance(states, (list, tuple)):
        raise TypeError(
            f"{arg} must be a list of {num} array(s) {list(names)} of shape ({rows}, {N}, {h}), "
            f"got {type(states).__name__}"
        )
    if len(states) != num:
        raise ValueError(
            f"{arg} must be a list of {num} array(s) {list(names)} of shape ({rows}, {N}, {h}), "
            f"got {len(states)} array(s)"
        )
    for i, (name, s) in enumerate(zip(names, states)):
        expected = f"shape (layers x directions = {rows}, batch_size = {N}, num_hiddens = {h})"
        if not isinstance(s, mnp.ndarray):
            raise TypeError(
                f"{arg}[{i}] (state {name}) must be an MXNet array of {expected}, got "
                f"{type(s).__name__}"
            )
        if s.shape != (rows, N, h):
            raise ValueError(f"{arg}[{i}] (state {name}) must have {expected}, got {s.shape}")
    return list(states)


def _check_inputs(inputs) -> None:
    if not isinstance(inputs, mnp.ndarray):
        raise TypeError(
            "inputs must be an MXNet array (num_steps, batch_size, num_inputs), got "
            f"{type(inputs).__name__}"
        )
    if inputs.ndim != 3 or 0 in inputs.shape[:2]:
        raise ValueError(
            f"inputs must be an MXNet array (num_steps, batch_size, num_inputs) with at least one "
            f"step of one sequence, got shape {inputs.shape}"
        )


def _split_rows(states: list, sizes: list[int]) -> list[list]:
    """Cut every ``(sum(sizes), N, h)`` state into consecutive row blocks, one per layer."""
    out, start = [], 0
    for size in sizes:
        out.append([s[start : start + size] for s in states])
        start += size
    return out


class Bidirectional(gluon.Block):
    """A forward and a backward layer over the same sequence, outputs concatenated.

    ``inputs`` ``(T, N, d)`` -> ``outputs`` ``(T, N, 2h)``: ``outputs[t]`` is
    ``[forward H_t, backward H_t]``, where the backward layer has read steps
    ``T-1 .. t``. States: each ``(2, N, h)``, forward row first.
    """

    num_directions = state_rows = 2

    def __init__(self, forward_layer: gluon.Block, backward_layer: gluon.Block):
        super().__init__()
        check_layer(forward_layer, "forward_layer")
        check_layer(backward_layer, "backward_layer")
        if type(forward_layer) is not type(backward_layer):
            raise ValueError(
                "forward_layer and backward_layer must be the same kind of layer, got "
                f"{type(forward_layer).__name__} and {type(backward_layer).__name__}"
            )
        if num_hiddens(forward_layer) != num_hiddens(backward_layer):
            raise ValueError(
                "forward_layer and backward_layer must have the same num_hiddens, got "
                f"{num_hiddens(forward_layer)} and {num_hiddens(backward_layer)}"
            )
        self.num_hiddens = num_hiddens(forward_layer)
        self.num_states = num_states(forward_layer)
        with self.name_scope():
            self.forward_layer = forward_layer
            self.backward_layer = backward_layer

    def begin_state(self, batch_size: int, device: mx.Context | None = None) -> list:
        f = begin_state(self.forward_layer, batch_size, device)
        b = begin_state(self.backward_layer, batch_size, device)
        return [mnp.concatenate([x, y], axis=0) for x, y in zip(f, b)]

    def forward(self, inputs, states=None):
        _check_inputs(inputs)
        given = states is not None
        if not given:
            states = self.begin_state(inputs.shape[1], inputs.ctx)
        states = check_states(states, self.num_states, 2, inputs.shape[1], self.num_hiddens)
        f_states, b_states = _split_rows(states, [1, 1])
        out_f, f_states = self.forward_layer(inputs, f_states)
        out_b, b_states = self.backward_layer(mnp.flip(inputs, axis=0), b_states)
        outputs = mnp.concatenate([out_f, mnp.flip(out_b, axis=0)], axis=-1)
        states = [mnp.concatenate([x, y], axis=0) for x, y in zip(f_states, b_states)]
        return (outputs, states) if given else outputs


class Stacked(gluon.Block):
    """``L`` recurrent layers, each reading the outputs of the one below.

    Dropout with probability ``dropout`` is applied to the outputs of every
    layer but the last, during training only. States: each ``(L * D, N, h)``.
    The layers may be the book's, :class:`Bidirectional` ones, or gluon's
    (whose fused multi-layer kernel ignores its own ``dropout`` on a CPU:
    stacking one-layer gluon layers here is how to get dropout between them).
    """

    def __init__(self, layers: list, dropout: float = 0.0):
        super().__init__()
        if not isinstance(layers, (list, tuple)):
            raise TypeError(
                f"layers must be a non-empty list of recurrent layers, got {type(layers).__name__}"
            )
        if not layers:
            raise ValueError(f"layers must be a non-empty list of recurrent layers, got {layers!r}")
        for i, layer in enumerate(layers):
            check_layer(layer, f"layers[{i}]")
        dropout = check_number(dropout, "dropout", 0, 1, below=True)
        kinds = {num_states(layer) for layer in layers}
        if len(kinds) != 1:
            raise ValueError("layers must all have the same states (all LSTM, or none)")
        sizes = [num_hiddens(layer) for layer in layers]
        if len(set(sizes)) != 1:
            raise ValueError(
                f"layers must all have the same num_hiddens (their states share one array), "
                f"got {sizes}"
            )
        self.dropout = float(dropout)
        self.num_states = kinds.pop()
        self.num_hiddens = num_hiddens(layers[-1])
        self.num_layers = len(layers)
        self.num_directions = num_directions(layers[-1])
        self._rows = [num_rows(layer) for layer in layers]
        self.state_rows = sum(self._rows)
        # A container only (each layer is called in forward). All gluon layers
        # go in a HybridSequential, so that hybridizing the model does not warn.
        hybrid = all(isinstance(layer, gluon.HybridBlock) for layer in layers)
        with self.name_scope():
            self.layers = gluon.nn.HybridSequential() if hybrid else gluon.nn.Sequential()
            for layer in layers:
                self.layers.add(layer)

    def begin_state(self, batch_size: int, device: mx.Context | None = None) -> list:
        per_layer = [begin_state(layer, batch_size, device) for layer in self.layers]
        return [mnp.concatenate(list(s), axis=0) for s in zip(*per_layer)]

    def forward(self, inputs, states=None):
        _check_inputs(inputs)
        given = states is not None
        if not given:
            states = self.begin_state(inputs.shape[1], inputs.ctx)
        states = check_states(
            states, self.num_states, self.state_rows, inputs.shape[1], self.num_hiddens
        )
        X, finals = inputs, []
        for i, (layer, layer_states) in enumerate(
            zip(self.layers, _split_rows(list(states), self._rows))
        ):
            X, layer_states = layer(X, layer_states)
            finals.append(layer_states)
            if self.dropout and i < len(self.layers) - 1 and autograd.is_training():
                X = npx.dropout(X, p=self.dropout)
        states = [mnp.concatenate(list(s), axis=0) for s in zip(*finals)]
        return (X, states) if given else X


def deep_rnn(
    cell: str,
    num_hiddens: int,
    num_layers: int = 1,
    bidirectional: bool = False,
    dropout: float = 0.0,
    num_inputs: int = 0,
    **kwargs,
) -> Stacked:
    """The book's counterpart of ``gluon.rnn.<cell>(num_hiddens, num_layers, ...)``.

    ``cell`` is ``'rnn'``, ``'lstm'`` or ``'gru'``; ``kwargs`` go to every
    layer (for example ``activation='relu'`` for the RNN). Layer 0 reads
    ``num_inputs`` features (0: inferred), layer ``l > 0`` reads ``D * h``.
    """
    layer_class = get_cell(cell).scratch
    check_int(num_layers, "num_layers", 1)
    check_int(num_hiddens, "num_hiddens", 1)
    directions = 2 if check_bool(bidirectional, "bidirectional") else 1
    layers = []
    for i in range(num_layers):
        d_in = num_inputs if i == 0 else directions * num_hiddens
        one = [layer_class(num_hiddens, d_in, **kwargs) for _ in range(directions)]
        layers.append(Bidirectional(*one) if bidirectional else one[0])
    return Stacked(layers, dropout)
