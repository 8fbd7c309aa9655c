"""Recurrent layers written from scratch, with the call signature of ``gluon.rnn``.

Every layer here takes and returns MXNet's ``TNC`` layout and can replace the
matching ``mxnet.gluon.rnn`` layer wherever the book uses one::

    outputs = layer(inputs)                      # zero initial state
    outputs, states = layer(inputs, states)      # explicit state in, final state out
    states = layer.begin_state(batch_size, device=device)

* ``inputs``: ``(num_steps, batch_size, num_inputs)`` float, or
  ``(num_steps, batch_size)`` int token indices that stand for one-hot
  vectors of size ``num_inputs`` (the book's layers only; see below)
* ``outputs``: ``(num_steps, batch_size, num_hiddens)``, the hidden state at every step
* ``states``: a list of ``(1, batch_size, num_hiddens)`` arrays (the leading 1
  is gluon's ``num_layers * num_directions``): ``[H]`` for the RNN and the
  GRU, ``[H, C]`` for the LSTM.

Each layer keeps its gates' weights side by side in one matrix, in gluon's
gate order, so that one matrix product per step computes every gate:
``W_xh`` is ``(d, G h)``, ``W_hh`` is ``(h, G h)`` and ``b_h`` is ``(G h,)``,
with ``G`` blocks as listed in :data:`CELLS`: 1 (RNN), 4 (LSTM: input,
forget, candidate, output) or 3 (GRU: reset, update, candidate). Gluon stores
the transposes, ``l0_i2h_weight`` ``(G h, d)`` and ``l0_h2h_weight``
``(G h, h)``, and splits the bias in two (:mod:`d2lrnn.weights` copies
between the two layouts).
"""

from __future__ import annotations

from dataclasses import dataclass

import mxnet as mx
from mxnet import autograd, gluon, init, npx
from mxnet import np as mnp
from mxnet.gluon import rnn

from .checks import check_int
from .gluon_adapter import finish_deferred_init

#: The activations the RNN layer offers (the gated cells fix theirs).
RNN_ACTIVATIONS = ("tanh", "relu")


def _act(x, kind: str):
    # npx.activation is the same elementwise function as mnp.tanh etc., but
    # runs as a vectorised oneDNN kernel, several times faster on a CPU.
    return npx.activation(x, act_type=kind)


def _split(x, n: int, axis: int = -1, squeeze: bool = False) -> list:
    """Cut ``x`` into ``n`` equal parts along ``axis`` (and drop that axis if ``squeeze``).

    MXNet's legacy ``split`` does the same as ``np.split``, several times
    faster, and its backward pass is one concatenation.
    """
    parts = mx.nd.split(x.as_nd_ndarray(), n, axis=axis, squeeze_axis=squeeze)
    return [p.as_np_ndarray() for p in (parts if n > 1 else [parts])]


def _affine(XW_t, H, W):
    """``XW_t + H W``, ``(N, G h)``: ``XW_t`` ``(N, G h)``, ``H`` ``(N, h)``, ``W`` ``(h, G h)``.

    One BLAS ``gemm`` (MXNet's legacy ``linalg.gemm``) instead of a product
    and an addition: one operator fewer per time step, forward and backward.
    """
    nd = mx.nd.linalg.gemm(H.as_nd_ndarray(), W.as_nd_ndarray(), XW_t.as_nd_ndarray())
    return nd.as_np_ndarray()


class ScratchRecurrent(gluon.Block):
    """What the book's recurrent layers share: parameters, states and the loop over time.

    Each layer defines ``step(XW_t, states) -> states``, one time step, where
    ``XW_t`` ``(N, G h)`` is ``X_t W_xh + b_h``, the states are ``(N, h)``
    (gluon's leading axis of 1 is dropped inside the loop) and ``states[0]``
    is the hidden state ``H_t`` that the layer outputs.
    """

    cell = ""  # the layer's entry in CELLS

    def __init__(self, num_hiddens: int, num_inputs: int = 0, sigma: float = 0.01):
        super().__init__()
        self.num_hiddens = check_int(num_hiddens, "num_hiddens", 1)
        self.num_inputs = check_int(num_inputs, "num_inputs", 0)
        gh = self.num_gates * num_hiddens
        normal = init.Normal(sigma)
        with self.name_scope():
            self.W_xh = self.params.get(
                "W_xh", shape=(num_inputs, gh), init=normal, allow_deferred_init=True
            )
            self.W_hh = self.params.get("W_hh", shape=(num_hiddens, gh), init=normal)
            self.b_h = self.params.get("b_h", shape=(gh,), init=init.Zero())

    @property
    def num_gates(self) -> int:
        """``G``, the blocks of ``num_hiddens`` columns in ``W_xh``, ``W_hh`` and ``b_h``."""
        return CELLS[self.cell].num_gates

    @property
    def num_states(self) -> int:
        """1 (``[H]``) or 2 (``[H, C]``)."""
        return len(CELLS[self.cell].states)

    def begin_state(self, batch_size: int, device: mx.Context | None = None) -> list:
        """The zero state: ``num_states`` arrays of shape ``(1, batch_size, num_hiddens)``."""
        device = device or mx.current_context()
        shape = (1, batch_size, self.num_hiddens)
        return [mnp.zeros(shape, ctx=device, dtype=self.W_hh.dtype) for _ in range(self.num_states)]

    def set_num_inputs(self, num_inputs: int) -> None:
        """Fix ``d``, the features per step, before the first call (if not given at construction).

        Token-index inputs need it: ``d`` is then the vocabulary size. A
        layer whose ``d`` is already known must get the same value.
        """
        check_int(num_inputs, "num_inputs", 1)
        known = self.W_xh.shape[0]
        if known > 0 and known != num_inputs:
            raise ValueError(f"num_inputs must be the layer's input size {known}, got {num_inputs}")
        self.num_inputs = num_inputs
        finish_deferred_init(self.W_xh, (num_inputs, self.num_gates * self.num_hiddens))

    def _infer_num_inputs(self, inputs) -> None:
        """Check ``inputs``' shape; complete a deferred input size from it."""
        if inputs.ndim not in (2, 3):
            raise ValueError(
                "inputs must be (num_steps, batch_size, num_inputs) or token indices "
                f"(num_steps, batch_size), got shape {inputs.shape}"
            )
        if self.W_xh.shape[0] > 0:
            return
        if inputs.ndim == 2:
            raise ValueError(
                "inputs of token indices (num_steps, batch_size) need the layer's num_inputs "
                "(the vocabulary size): pass num_inputs= or call set_num_inputs(V) first"
            )
        self.set_num_inputs(inputs.shape[-1])  # deferred: -1 (or 0) until the first call

    def _project(self, inputs, device):
        """``X_t W_xh + b_h`` for every step at once: ``(T, N, G h)``.

        ``inputs`` ``(T, N, d)`` float: one fused matrix product with the bias.
        ``inputs`` ``(T, N)`` token indices of one-hot vectors: a row lookup in
        ``W_xh + b_h`` (``(d, G h)``), whose backward pass adds each step's
        gradient into the row it came from: the gradients of the product.
        """
        W_xh, b_h = self.W_xh.data(device), self.b_h.data(device)
        if inputs.ndim == 2:
            return npx.embedding(
                inputs, W_xh + b_h, input_dim=W_xh.shape[0], output_dim=W_xh.shape[1]
            )
        return npx.fully_connected(inputs, W_xh.T, b_h, num_hidden=W_xh.shape[1], flatten=False)

    def _initial(self, inputs, states) -> list:
        """The states to start from, each ``(N, h)`` (the zero state if ``states`` is None)."""
        state = self.begin_state(inputs.shape[1], inputs.ctx) if states is None else list(states)
        if len(state) != self.num_states:
            raise ValueError(f"states must hold {self.num_states} arrays, got {len(state)}")
        return [s[0] for s in state]  # (1, N, h) -> (N, h)

    def forward(self, inputs, states=None):
        """``inputs`` ``(T, N, d)`` or ``(T, N)`` indices -> ``outputs`` ``(T, N, h)`` [, states]"""
        self._infer_num_inputs(inputs)
        state = self._initial(inputs, states)
        # The input projection does not depend on the state: one operation
        # for all time steps, instead of one per step. It is then cut into T
        # slices in one operation: indexing XW[t] at each step would make
        # every slice's gradient a full (T, N, G h) array, an O(T^2) backward
        # pass. (MXNet's legacy `split` runs this cut several times faster
        # than `np.split`.)
        XW = _split(self._project(inputs, inputs.ctx), len(inputs), axis=0, squeeze=True)
        outputs = []
        for XW_t in XW:
            state = self.step(XW_t, state)
            outputs.append(state[0])
        outputs = mnp.stack(outputs)
        return outputs if states is None else (outputs, [mnp.expand_dims(s, 0) for s in state])

    def gates(self, XW_t, H) -> dict:
        """The gates at one step: name -> ``(N, h)`` array, given ``XW_t`` and ``H_{t-1}``."""
        raise TypeError(f"{type(self).__name__} has no gates")

    def trace(self, inputs, states=None) -> dict:
        """Run the layer and record its gates and states: name -> ``(T, N, h)`` array.

        The states are ``'H'`` (and the LSTM's memory cell ``'C'``) after each step.

        For looking inside a trained cell, for example a heat map of its gates
        over a sentence. No gradients are recorded.
        """
        with autograd.pause():
            self._infer_num_inputs(inputs)
            state = self._initial(inputs, states)
            XW = self._project(inputs, inputs.ctx)
            record: dict = {}
            for t in range(len(inputs)):
                for name, value in self.gates(XW[t], state[0]).items():
                    record.setdefault(name, []).append(value)
                state = self.step(XW[t], state)
                for name, value in zip(CELLS[self.cell].states, state):
                    record.setdefault(name, []).append(value)
        return {name: mnp.stack(values) for name, values in record.items()}


class RNNScratch(ScratchRecurrent):
    """An Elman RNN layer: ``H_t = phi(X_t W_xh + H_{t-1} W_hh + b_h)``.

    Args:
        num_hiddens: number of hidden units ``h``.
        num_inputs: features per step ``d``; 0 infers it at the first call.
        activation: ``'tanh'`` (the default, as in the book) or ``'relu'``.
        sigma: standard deviation of the Gaussian initialisation of the weights.

    Parameters: ``W_xh`` ``(d, h)``, ``W_hh`` ``(h, h)``, ``b_h`` ``(h,)``.
    Gluon's ``rnn.RNN`` stores the transposes, ``l0_i2h_weight`` ``(h, d)``
    and ``l0_h2h_weight`` ``(h, h)``, and two biases whose sum is ``b_h``.
    """

    cell = "rnn"

    def __init__(
        self, num_hiddens: int, num_inputs: int = 0, activation: str = "tanh", sigma: float = 0.01
    ):
        if activation not in RNN_ACTIVATIONS:
            raise ValueError(f"activation must be one of {RNN_ACTIVATIONS}, got {activation!r}")
        super().__init__(num_hiddens, num_inputs, sigma)
        self.activation = activation

    def step(self, XW_t, states):
        (H,) = states
        return [_act(_affine(XW_t, H, self.W_hh.data(XW_t.ctx)), self.activation)]


class LSTMScratch(ScratchRecurrent):
    """A long short-term memory layer (Hochreiter & Schmidhuber, 1997), gluon's gate order.

    With ``[I, F, G, O] = X_t W_xh + H_{t-1} W_hh + b_h`` cut into four blocks:

    * input gate ``I_t = sigmoid(.)``, forget gate ``F_t = sigmoid(.)``,
      output gate ``O_t = sigmoid(.)``, candidate ``C~_t = tanh(.)``;
    * memory cell ``C_t = F_t * C_{t-1} + I_t * C~_t``;
    * hidden state ``H_t = O_t * tanh(C_t)``.

    States: ``[H, C]``. Parameters: ``W_xh`` ``(d, 4h)``, ``W_hh`` ``(h, 4h)``,
    ``b_h`` ``(4h,)``.
    """

    cell = "lstm"

    def gates(self, XW_t, H) -> dict:
        i, f, g, o = _split(_affine(XW_t, H, self.W_hh.data(XW_t.ctx)), 4)
        return {
            "input": _act(i, "sigmoid"),
            "forget": _act(f, "sigmoid"),
            "candidate": _act(g, "tanh"),
            "output": _act(o, "sigmoid"),
        }

    def step(self, XW_t, states):
        H, C = states
        g = self.gates(XW_t, H)
        C = g["forget"] * C + g["input"] * g["candidate"]
        H = g["output"] * _act(C, "tanh")
        return [H, C]


class GRUScratch(ScratchRecurrent):
    """A gated recurrent unit layer (Cho et al., 2014), in gluon's convention.

    With ``X_t W_xh + b_h`` cut into ``[x_r, x_z, x_n]`` and ``H_{t-1} W_hh`` into
    ``[h_r, h_z, h_n]``:

    * reset gate ``R_t = sigmoid(x_r + h_r)``, update gate ``Z_t = sigmoid(x_z + h_z)``;
    * candidate ``N_t = tanh(x_n + R_t * (h_n + b_hn))``;
    * ``H_t = (1 - Z_t) * N_t + Z_t * H_{t-1}``.

    Two differences from the textbook form ``tanh(x_n + (R_t * H_{t-1}) W_hn)``,
    ``H_t = (1 - Z_t) H_{t-1} + Z_t N_t``: the reset gate scales
    ``H_{t-1} W_hn + b_hn`` after the product (as cuDNN does), and ``Z_t`` is
    the share of the *old* state that is kept. The extra bias ``b_hn`` ``(h,)``
    cannot be merged into ``b_h`` because ``R_t`` multiplies it.
    """

    cell = "gru"

    def __init__(self, num_hiddens: int, num_inputs: int = 0, sigma: float = 0.01):
        super().__init__(num_hiddens, num_inputs, sigma)
        with self.name_scope():
            self.b_hn = self.params.get("b_hn", shape=(num_hiddens,), init=init.Zero())

    def gates(self, XW_t, H) -> dict:
        device = XW_t.ctx
        x_r, x_z, x_n = _split(XW_t, 3)
        h_r, h_z, h_n = _split(mnp.dot(H, self.W_hh.data(device)), 3)
        R = _act(x_r + h_r, "sigmoid")
        return {
            "reset": R,
            "update": _act(x_z + h_z, "sigmoid"),
            "candidate": _act(x_n + R * (h_n + self.b_hn.data(device)), "tanh"),
        }

    def step(self, XW_t, states):
        (H,) = states
        g = self.gates(XW_t, H)
        Z = g["update"]
        return [(1 - Z) * g["candidate"] + Z * H]


@dataclass(frozen=True)
class Cell:
    """One kind of recurrent cell: the book's layer, gluon's, and its gate blocks in order.

    ``blocks`` names the ``G`` blocks of columns of ``W_xh``, ``W_hh`` and
    ``b_h`` in gluon's order (the order of ``l0_i2h_weight``'s rows);
    ``keep_gate`` is the gate that decides how much of the old state to keep
    (the LSTM's forget gate, the GRU's update gate; none for the RNN).
    """

    name: str
    scratch: type
    gluon: type
    blocks: tuple[str, ...]
    states: tuple[str, ...]
    keep_gate: str | None = None

    @property
    def num_gates(self) -> int:
        return len(self.blocks)

    def block_index(self, gate: str) -> int:
        """The position of ``gate``'s block in ``blocks``."""
        if gate not in self.blocks:
            raise ValueError(f"gate must be one of {self.blocks} for the {self.name}, got {gate!r}")
        return self.blocks.index(gate)


#: The one registry of recurrent cells: everything that needs a cell's gate order reads it here.
CELLS: dict[str, Cell] = {
    "rnn": Cell("rnn", RNNScratch, rnn.RNN, ("hidden",), ("H",)),
    "lstm": Cell(
        "lstm",
        LSTMScratch,
        rnn.LSTM,
        ("input", "forget", "candidate", "output"),
        ("H", "C"),
        keep_gate="forget",
    ),
    "gru": Cell(
        "gru", GRUScratch, rnn.GRU, ("reset", "update", "candidate"), ("H",), keep_gate="update"
    ),
}


def get_cell(name: str) -> Cell:
    """The registry entry of ``name`` (``'rnn'``, ``'lstm'`` or ``'gru'``)."""
    if name not in CELLS:
        raise ValueError(f"cell must be one of {sorted(CELLS)}, got {name!r}")
    return CELLS[name]
