"""Deep and bidirectional recurrent networks built from any of the book's layers.

* :class:`Bidirectional` runs one layer forward in time and another over the
  reversed sequence, and concatenates their outputs step by step.
* :class:`Stacked` feeds each layer's outputs to the next, with dropout in
  between (not after the last layer), as gluon's ``num_layers`` does.
* :func:`deep_rnn` builds the stack that matches
  ``gluon.rnn.RNN/LSTM/GRU(hidden, num_layers, bidirectional=..., dropout=...)``,
  and :func:`copy_to_gluon` / :func:`copy_from_gluon` move weights between the two.

Both wrappers keep gluon's calling convention (``TNC`` layout) and its state
layout: every state is one array ``(L * D, N, h)``, with layer ``l`` and
direction ``d`` (0 forward, 1 backward) at row ``l * D + d``; the outputs are
``(T, N, D * h)``, the forward half first.
"""

from __future__ import annotations

import mxnet as mx
from mxnet import autograd, gluon, npx
from mxnet import np as mnp

from .checks import check_int
from .layers import GRUScratch, LSTMScratch, RNNScratch
from .layers import copy_from_gluon as _from
from .layers import copy_to_gluon as _to

CELLS = {"rnn": RNNScratch, "lstm": LSTMScratch, "gru": GRUScratch}


def _num_states(layer) -> int:
    """1 (``[H]``) or 2 (``[H, C]``), for the book's layers and gluon's."""
    return layer.num_states if hasattr(layer, "num_states") else len(layer.state_info())


def _num_rows(layer) -> int:
    """Rows the layer takes in each state array: ``num_layers * num_directions``."""
    if hasattr(layer, "_dir"):  # a gluon layer, possibly deep or bidirectional itself
        return layer._num_layers * layer._dir
    return getattr(layer, "num_directions", 1)


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

    num_directions = 2

    def __init__(self, forward_layer: gluon.Block, backward_layer: gluon.Block):
        super().__init__()
        if type(forward_layer) is not type(backward_layer):
            raise ValueError(
                "forward_layer and backward_layer must be the same kind of layer, got "
                f"{type(forward_layer).__name__} and {type(backward_layer).__name__}"
            )
        if forward_layer.hidden_size != backward_layer.hidden_size:
            raise ValueError(
                "forward_layer and backward_layer must have the same hidden_size, got "
                f"{forward_layer.hidden_size} and {backward_layer.hidden_size}"
            )
        self.hidden_size = forward_layer.hidden_size
        self.num_states = forward_layer.num_states
        with self.name_scope():
            self.forward_layer = forward_layer
            self.backward_layer = backward_layer

    def begin_state(self, batch_size: int, ctx: mx.Context | None = None, **kwargs) -> list:
        f = self.forward_layer.begin_state(batch_size, ctx=ctx)
        b = self.backward_layer.begin_state(batch_size, ctx=ctx)
        return [mnp.concatenate([x, y], axis=0) for x, y in zip(f, b)]

    def forward(self, inputs, states=None):
        given = states is not None
        if not given:
            states = self.begin_state(inputs.shape[1], inputs.ctx)
        f_states, b_states = _split_rows(list(states), [1, 1])
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
        if not layers:
            raise ValueError("layers must hold at least one recurrent layer")
        if not (isinstance(dropout, (int, float)) and 0 <= dropout < 1):
            raise ValueError(f"dropout must be a number in [0, 1), got {dropout!r}")
        kinds = {_num_states(layer) for layer in layers}
        if len(kinds) != 1:
            raise ValueError("layers must all have the same states (all LSTM, or none)")
        self.dropout = float(dropout)
        self.num_states = kinds.pop()
        last = layers[-1]
        self.hidden_size = getattr(last, "hidden_size", None) or last._hidden_size
        self.num_layers = len(layers)
        self._rows = [_num_rows(layer) for layer in layers]
        with self.name_scope():
            self.layers = gluon.nn.Sequential()
            for layer in layers:
                self.layers.add(layer)

    def begin_state(self, batch_size: int, ctx: mx.Context | None = None, **kwargs) -> list:
        per_layer = [layer.begin_state(batch_size, ctx=ctx) for layer in self.layers]
        return [mnp.concatenate(list(s), axis=0) for s in zip(*per_layer)]

    def forward(self, inputs, states=None):
        if inputs.ndim != 3:
            raise ValueError(
                f"inputs must be (num_steps, batch_size, input_size), got shape {inputs.shape}"
            )
        given = states is not None
        if not given:
            states = self.begin_state(inputs.shape[1], inputs.ctx)
        if len(states) != self.num_states or states[0].shape[0] != sum(self._rows):
            raise ValueError(
                f"states must be {self.num_states} array(s) of shape "
                f"({sum(self._rows)}, batch_size, {self.hidden_size})"
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
    hidden_size: int,
    num_layers: int = 1,
    bidirectional: bool = False,
    dropout: float = 0.0,
    input_size: int = 0,
    **kwargs,
) -> Stacked:
    """The book's counterpart of ``gluon.rnn.<cell>(hidden_size, num_layers, ...)``.

    ``cell`` is ``'rnn'``, ``'lstm'`` or ``'gru'``; ``kwargs`` go to every
    layer (for example ``activation='relu'`` for the RNN). Layer 0 reads
    ``input_size`` features (0: inferred), layer ``l > 0`` reads ``D * h``.
    """
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
    check_int(num_layers, "num_layers", 1)
    check_int(hidden_size, "hidden_size", 1)
    directions = 2 if bidirectional else 1
    layers = []
    for i in range(num_layers):
        d_in = input_size if i == 0 else directions * hidden_size
        one = [CELLS[cell](hidden_size, d_in, **kwargs) for _ in range(directions)]
        layers.append(Bidirectional(*one) if bidirectional else one[0])
    return Stacked(layers, dropout)


def _blocks(stack: Stacked, ref: gluon.Block):
    """Pairs (book layer, gluon block name) of a stack and a gluon layer of the same shape."""
    directions = ref._dir
    if ref._num_layers != stack.num_layers or directions != stack._rows[0]:
        raise ValueError(
            f"ref has {ref._num_layers} layer(s) x {directions} direction(s), the stack has "
            f"{stack.num_layers} x {stack._rows[0]}"
        )
    for i, layer in enumerate(stack.layers):
        if isinstance(layer, Bidirectional):
            yield layer.forward_layer, f"l{i}"
            yield layer.backward_layer, f"r{i}"
        else:
            yield layer, f"l{i}"


def copy_to_gluon(stack: Stacked, ref: gluon.Block) -> None:
    """Load a :func:`deep_rnn` stack's weights into the matching gluon layer."""
    for layer, block in _blocks(stack, ref):
        _to(layer, ref, block)


def copy_from_gluon(ref: gluon.Block, stack: Stacked) -> None:
    """Load a gluon layer's weights into the matching :func:`deep_rnn` stack."""
    for layer, block in _blocks(stack, ref):
        _from(ref, layer, block)
