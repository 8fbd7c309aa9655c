"""Recurrent layers written from scratch, with the call signature of ``gluon.rnn``.

Every layer here takes and returns MXNet's ``TNC`` layout and can replace the
matching ``mxnet.gluon.rnn`` layer wherever the book uses one::

    outputs = layer(inputs)                      # zero initial state
    outputs, states = layer(inputs, states)      # explicit state in, final state out
    states = layer.begin_state(batch_size, device=device)

* ``inputs``: ``(num_steps, batch_size, num_inputs)`` float, or
  ``(num_steps, batch_size)`` int token indices that stand for one-hot
  vectors of size ``num_inputs`` (the book's layers only)
* ``outputs``: ``(num_steps, batch_size, num_hiddens)``, the hidden state at every step
* ``states``: a list of ``(1, batch_size, num_hiddens)`` arrays (the leading 1
  is gluon's ``num_layers * num_directions``): ``[H]`` for the RNN and the
  GRU, ``[H, C]`` for the LSTM.

**Two paths, one function.** Each layer computes its recurrence two ways,
side by side, the way nanoGPT keeps its manual attention beside the fast one:

* ``fast=False``, the *plain* path: :meth:`~ScratchRecurrent.step` is the
  cell's equations, one line each, run by a Python loop over the steps. It
  is the reference, and :meth:`~ScratchRecurrent.trace` uses it to record
  the gates.
* ``fast=True`` (the default), the *fast* path: the same function, computed
  with the speed-ups that the appendix chapter measures one at a time, each
  a helper below with its reason. The whole loop over the ``T`` steps is
  compiled into one graph (one per sequence length), in which the input
  projection of every gate is computed (or, for token indices, looked up)
  for all steps before the loop, the sequence is cut into steps once, and
  each gate's recurrent product is one oneDNN inner product.

Both paths are tested equal to each other and to gluon's fused layers.

Each layer keeps its gates' weights side by side in one matrix, in gluon's
gate order: ``W_xh`` is ``(d, G h)``, ``W_hh`` is ``(h, G h)`` and ``b_h``
is ``(G h,)``, with ``G`` blocks as listed in :data:`CELLS`: 1 (RNN), 4
(LSTM: input, forget, candidate, output) or 3 (GRU: reset, update,
candidate). Gluon stores the transposes, ``l0_i2h_weight`` ``(G h, d)`` and
``l0_h2h_weight`` ``(G h, h)``, and splits the bias in two
(:mod:`d2lrnn.weights` copies between the two layouts).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import mxnet as mx
import numpy as np
from mxnet import autograd, gluon, init, npx
from mxnet import np as mnp
from mxnet.gluon import rnn

from .checks import check_bool, check_choice, check_device, check_indices, check_int, check_number
from .gluon_adapter import finish_deferred_init

__all__ = [
    "CELLS",
    "RNN_ACTIVATIONS",
    "Cell",
    "GRUScratch",
    "LSTMScratch",
    "RNNScratch",
    "ScratchRecurrent",
    "activation",
    "cut",
    "get_cell",
    "project",
    "recurrent_product",
]

#: The activations the RNN layer offers (the gated cells fix theirs).
RNN_ACTIVATIONS = ("tanh", "relu")

# ---------------------------------------------------------------------------
# The fast path's helpers. Each works on arrays and on the symbols of the
# compiled loop (F is mx.nd or mx.sym), and says why it is faster.


def _why(error: Exception) -> str:
    """The first line of an MXNet error: what its operator refused."""
    return str(error).strip().splitlines()[0][:200]


def cut(F, x, n: int, axis: int, squeeze: bool | None = None) -> list:
    """Cut ``x`` into ``n`` equal parts along ``axis``: a list (``axis=0`` drops that axis).

    Why: one operator for all the parts. Indexing ``XW[t]`` at every step
    instead would make each slice's gradient a full-size array, an
    ``O(T^2)`` backward pass; MXNet's legacy ``split`` also runs several
    times faster than ``np.split``, and its backward is one concatenation.
    (Called at every step of the appendix's loops, it checks its arguments
    only when MXNet refuses them, and then says which is wrong.)
    """
    squeeze = axis == 0 if squeeze is None else squeeze
    try:
        parts = F.split(x.as_nd_ndarray(), num_outputs=n, axis=axis, squeeze_axis=squeeze)
    except mx.base.MXNetError as error:
        n = check_int(n, "n", 1)
        check_int(axis, "axis", -len(x.shape), len(x.shape) - 1)
        check_bool(squeeze, "squeeze")
        raise ValueError(
            f"n must divide x's size along axis {axis} ({x.shape[axis]}) into equal parts, got "
            f"{n} ({_why(error)})"
        ) from None
    parts = [parts] if n == 1 else list(parts)
    return [p.as_np_ndarray() for p in parts]


def recurrent_product(F, H, W_T, num_hiddens: int, b=None):
    """``H W`` (plus a bias ``b``) for ``W_T`` = ``W^T`` ``(h, h)``, as one oneDNN inner product.

    Why: MXNet's ``FullyConnected`` runs on oneDNN. For the thin products of a
    recurrent step (``(N, h) x (h, h)``) the appendix measures it, forward and
    backward, against the BLAS ``dot``: faster at large batches (about 1.3 to
    1.4 times at ``N = 1024``, ``h = 256`` on a 2-core CPU), as fast or slower
    at ``N = 256``; the layers use it at every size, for one code path.
    """
    try:
        return F.npx.fully_connected(H, W_T, b, num_hidden=num_hiddens, no_bias=b is None)
    except mx.base.MXNetError as error:  # checked only when MXNet refuses (a hot path)
        num_hiddens = check_int(num_hiddens, "num_hiddens", 1)
        raise ValueError(
            f"W_T must be W^T of shape (num_hiddens, H's last size) = ({num_hiddens}, "
            f"{H.shape[-1]}), got {W_T.shape} ({_why(error)})"
        ) from None


def activation(F, x, kind: str):
    """``sigmoid``, ``tanh`` or ``relu`` of ``x``, elementwise.

    Why: ``npx.activation`` is one vectorised oneDNN kernel on a CPU,
    several times faster than composing ``exp`` and divisions.
    """
    return F.npx.activation(x, act_type=check_choice(kind, "kind", ("relu", "sigmoid", "tanh")))


class _NumpyOps:
    """The two operators a ``fast_step`` calls (``F.npx.fully_connected``, ``F.npx.activation``),
    in NumPy, so that :meth:`ScratchRecurrent.trace` can run the same step on the host.

    Why: a trace reads one long sequence (thousands of steps, batch size 1), where
    MXNet's dispatch of each small operator (about 20 us) is nearly all the time; NumPy's is
    a few microseconds. The arithmetic is the same in the layer's dtype.
    """

    class npx:
        @staticmethod
        def fully_connected(x, weight, bias=None, num_hidden=None, no_bias=False, flatten=True):
            out = x @ weight.T
            return out if no_bias or bias is None else out + bias

        @staticmethod
        def activation(x, act_type):
            if act_type == "sigmoid":
                with np.errstate(over="ignore"):  # exp(-x) -> inf for x << 0 gives 0, as it should
                    return 1 / (1 + np.exp(-x))
            return np.tanh(x) if act_type == "tanh" else np.maximum(x, 0)


def project(F, X, W_x: list, b: list, num_inputs: int, num_hiddens: int, indices: bool) -> list:
    """``X W_x + b`` of every gate for all ``T`` steps at once: a list of ``(T, N, h)``.

    Why: the input projection does not depend on the state, so it leaves the
    loop and becomes one operator per gate for the whole sequence. For token
    indices it is a row lookup in ``W_x + b`` (``npx.embedding``) instead of
    a product with one-hot vectors: the same function and gradients, without
    the ``V``-wide one-hot matrix.
    """
    if not isinstance(W_x, (list, tuple)) or not isinstance(b, (list, tuple)):
        raise TypeError(
            f"W_x and b must be lists of each gate's weight and bias, got {type(W_x).__name__} "
            f"and {type(b).__name__}"
        )
    if not W_x or len(W_x) != len(b):
        raise ValueError(
            f"W_x and b must give each gate a weight and a bias, got {len(W_x)} and {len(b)}"
        )
    check_int(num_inputs, "num_inputs", 1)
    check_int(num_hiddens, "num_hiddens", 1)
    indices = check_bool(indices, "indices")
    out = []
    for W_g, b_g in zip(W_x, b):
        if indices:
            table = F.np.add(W_g, F.np.expand_dims(b_g, 0))
            out.append(F.npx.embedding(X, table, input_dim=num_inputs, output_dim=num_hiddens))
        else:
            out.append(F.npx.fully_connected(X, W_g.T, b_g, num_hidden=num_hiddens, flatten=False))
    return out


class _CompiledLoop(gluon.HybridBlock):
    """A layer's fast path over exactly ``T`` steps, compiled into one graph (``hybridize``).

    Why: the ``T`` unrolled steps then run without returning to Python
    between operators, the backward pass is one call too, and with gluon's
    static memory planning (``static_alloc``, ``static_shape``) every buffer
    is allocated once, not at each operator: about a quarter faster for the
    LSTM and the GRU. Its inputs are the token indices or features, the
    states ``(N, h)`` and the layer's parameters; it returns the outputs
    ``(T, N, h)`` and the final states. (With ``linalg.gemm`` in the loop, an
    earlier version of this graph, MXNet 1.9.1's static memory planning gave
    wrong gradients for ``W_hh``; the tests compare both paths' gradients
    over repeated calls with carried states, so that cannot go unnoticed.)
    """

    def __init__(self, layer: ScratchRecurrent, T: int, indices: bool, context: int = 0):
        super().__init__()
        cell = CELLS[layer.cell]
        self.T, self.indices, self.context = T, indices, context
        self.G, self.num_states = cell.num_gates, len(cell.states)
        self.num_inputs, self.num_hiddens = layer.num_inputs, layer.num_hiddens
        self.fast_step = layer.fast_step  # a method, so the layer is not registered as a child
        self.hybridize(static_alloc=True, static_shape=True)

    def hybrid_forward(self, F, X, *args):
        if self.context:  # a per-sequence input (N, c), after the step's own d features
            context, args = args[0], args[1:]
        states, (W_xh, W_hh, b_h, *extra) = list(args[: self.num_states]), args[self.num_states :]
        b = cut(F, b_h, self.G, -1)
        W_T = cut(F, F.np.transpose(W_hh), self.G, 0, squeeze=False)  # each gate's W_h^T (h, h)
        if not self.context:
            W_x = cut(F, W_xh, self.G, -1)
            XW = project(F, X, W_x, b, self.num_inputs, self.num_hiddens, self.indices)
        else:
            d = self.num_inputs - self.context
            W_in = F.slice_axis(W_xh.as_nd_ndarray(), axis=0, begin=0, end=d).as_np_ndarray()
            W_c = F.slice_axis(W_xh.as_nd_ndarray(), axis=0, begin=d, end=None).as_np_ndarray()
            XW = project(F, X, cut(F, W_in, self.G, -1), b, d, self.num_hiddens, False)
            # The context's share of every gate: one (N, c) x (c, h) product per sequence,
            # not one per step as when the context is concatenated to every step's input.
            for g, W_g in enumerate(cut(F, W_c, self.G, -1)):
                h = self.num_hiddens
                CW = F.npx.fully_connected(context, W_g.T, None, num_hidden=h, no_bias=True)
                XW[g] = F.np.add(XW[g], F.np.expand_dims(CW, 0))
        steps = [cut(F, XW_g, self.T, 0) for XW_g in XW]  # G lists of T arrays (N, h)
        outputs = []
        for t in range(self.T):
            states = self.fast_step(F, [s[t] for s in steps], states, W_T, extra)
            outputs.append(states[0])
        return (F.np.stack(outputs), *states)


class _LoopCache:
    """The compiled loops of one layer, by sequence length and input kind (built on demand).

    A plain object rather than a dict, so that gluon does not take the loops
    for child blocks: they hold no parameters of their own.
    """

    def __init__(self):
        self._loops: dict = {}

    def get(
        self, layer: ScratchRecurrent, T: int, indices: bool, dtype, context: int = 0
    ) -> _CompiledLoop:
        key = (T, indices, dtype) + ((context,) if context else ())
        if key not in self._loops:
            self._loops[key] = _CompiledLoop(layer, T, indices, context)
        return self._loops[key]


class ScratchRecurrent(gluon.Block):
    """What the book's recurrent layers share: parameters, states and the two loops over time.

    Each layer defines :meth:`step`, one step of its equations (the plain
    path), and ``fast_step``, the same step from precomputed input
    projections, for the compiled fast path.
    """

    cell = ""  # the layer's entry in CELLS

    def __init__(
        self, num_hiddens: int, num_inputs: int = 0, sigma: float = 0.01, fast: bool = True
    ):
        if self.cell not in CELLS:  # the base class itself, or a subclass without a cell
            raise TypeError(
                f"{type(self).__name__} has no cell: a layer must be an RNNScratch, LSTMScratch "
                "or GRUScratch (ScratchRecurrent is their base class), or a subclass that sets "
                "cell = 'rnn', 'lstm' or 'gru'"
            )
        super().__init__()
        self.num_hiddens = check_int(num_hiddens, "num_hiddens", 1)
        self.num_inputs = check_int(num_inputs, "num_inputs", 0)
        sigma = check_number(sigma, "sigma", 0)
        self.fast = check_bool(fast, "fast")
        self._loops = _LoopCache()  # (T, indices) -> _CompiledLoop
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
        batch_size = check_int(batch_size, "batch_size", 1)
        device = check_device(device) or mx.current_context()
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
        """Check ``inputs`` (an MXNet array, token indices in range); complete a deferred
        input size from its last axis."""
        if not isinstance(inputs, mnp.ndarray):
            raise TypeError(
                f"inputs must be an MXNet array (mxnet.np.ndarray), got {type(inputs).__name__}"
            )
        if inputs.ndim not in (2, 3):
            raise ValueError(
                "inputs must be (num_steps, batch_size, num_inputs) or token indices "
                f"(num_steps, batch_size), got shape {inputs.shape}"
            )
        if inputs.shape[0] == 0 or inputs.shape[1] == 0:
            raise ValueError(
                f"inputs must hold at least one step of one sequence, got shape {inputs.shape}"
            )
        if inputs.ndim == 2:
            if self.W_xh.shape[0] <= 0:
                raise ValueError(
                    "inputs of token indices (num_steps, batch_size) need the layer's "
                    "num_inputs (the vocabulary size): pass num_inputs= or call "
                    "set_num_inputs(V) first"
                )
            check_indices(inputs, "inputs", self.W_xh.shape[0])
            return
        if inputs.dtype != self.W_hh.dtype:
            raise TypeError(
                f"inputs must have the layer's dtype {np.dtype(self.W_hh.dtype).name}, got "
                f"{inputs.dtype}"
            )
        if self.W_xh.shape[0] <= 0:
            self.set_num_inputs(inputs.shape[-1])  # deferred: 0 until the first call
        elif inputs.shape[-1] != self.W_xh.shape[0]:
            raise ValueError(
                f"inputs must have num_inputs = {self.W_xh.shape[0]} features per step, got "
                f"shape {inputs.shape}"
            )

    def _check_context(self, inputs, context) -> int:
        """Check features ``(T, N, d)`` and a context ``(N, c)`` with ``d + c`` the layer's
        inputs (a deferred input size becomes ``d + c``); return ``c``."""
        for name, x in (("inputs", inputs), ("context", context)):
            if not isinstance(x, mnp.ndarray):  # a NumPy array would show a plausible shape
                raise TypeError(
                    f"{name} must be an MXNet array (mxnet.np.ndarray), got "
                    f"{type(x).__module__}.{type(x).__name__}"
                )
        if inputs.ndim != 3 or 0 in inputs.shape:
            raise ValueError(
                f"inputs must be features (num_steps, batch_size, d) with a context, got "
                f"{inputs.shape}"
            )
        if context.ndim != 2 or context.shape[0] != inputs.shape[1] or context.shape[1] == 0:
            raise ValueError(
                f"context must be an MXNet array ({inputs.shape[1]}, c) with c >= 1, got "
                f"{context.shape}"
            )
        if inputs.dtype != self.W_hh.dtype or context.dtype != self.W_hh.dtype:
            raise TypeError(
                f"inputs and context must have the layer's dtype "
                f"{np.dtype(self.W_hh.dtype).name}, got {inputs.dtype} and {context.dtype}"
            )
        width = inputs.shape[-1] + context.shape[1]
        if self.W_xh.shape[0] <= 0:
            self.set_num_inputs(width)
        elif width != self.W_xh.shape[0]:
            raise ValueError(
                f"inputs and context must have num_inputs = {self.W_xh.shape[0]} features "
                f"together, got {inputs.shape[-1]} + {context.shape[1]}"
            )
        return context.shape[1]

    def _initial(self, inputs, states) -> list:
        """The states to start from, each ``(N, h)`` (the zero state if ``states`` is None)."""
        N = inputs.shape[1]
        state = self.begin_state(N, inputs.ctx) if states is None else states
        return [s[0] for s in self._check_states(state, N, rows=1)]  # (1, N, h) -> (N, h)

    def _check_states(self, states, N: int, rows: int | None = None) -> list:
        """``states`` must be ``num_states`` arrays ``(rows, N, h)`` (``rows`` None: ``(N, h)``)."""
        if not isinstance(states, (list, tuple)):
            raise TypeError(
                f"states must be a list of {self.num_states} arrays, got {type(states).__name__}"
            )
        if len(states) != self.num_states:
            raise ValueError(f"states must hold {self.num_states} arrays, got {len(states)}")
        shape = (N, self.num_hiddens) if rows is None else (rows, N, self.num_hiddens)
        for name, s in zip(CELLS[self.cell].states, states):
            if not isinstance(s, mnp.ndarray):
                raise TypeError(
                    f"state {name} must be an MXNet array of shape {shape}, got {type(s).__name__}"
                )
            if s.shape != shape:
                raise ValueError(f"state {name} must have shape {shape}, got {s.shape}")
        return list(states)

    def _step_params(self, X_t, states, p, gates=None) -> SimpleNamespace:
        """Check one step's input ``(N, d)`` and states ``(N, h)``; the gate parameters to use."""
        if not isinstance(X_t, mnp.ndarray) or X_t.ndim != 2 or X_t.shape[1] != self.num_inputs:
            got = X_t.shape if hasattr(X_t, "shape") else type(X_t).__name__
            raise ValueError(
                f"X_t must be an MXNet array (batch_size, num_inputs = {self.num_inputs}), "
                f"got {got}"
            )
        self._check_states(states, X_t.shape[0])
        if gates is not None and not isinstance(gates, dict):
            raise TypeError(
                f"gates must be None or a dict to record the gates in, got {type(gates).__name__}"
            )
        if p is not None and not isinstance(p, SimpleNamespace):
            raise TypeError(
                f"p must be None or the gate parameters of gate_params(), got {type(p).__name__}"
            )
        return p if p is not None else self.gate_params(X_t.ctx)

    def _check_fast_step(self, XW_t, states, W_T, extra) -> None:
        """One step of the fast path takes one input projection and one ``W^T`` per gate."""
        G = self.num_gates
        for arg, values, n in (
            ("XW_t", XW_t, G),
            ("states", states, self.num_states),
            ("W_T", W_T, G),
            ("extra", extra, 1 if self.cell == "gru" else 0),
        ):
            if not isinstance(values, (list, tuple)) or len(values) != n:
                got = f"{len(values)}" if isinstance(values, (list, tuple)) else repr(values)
                raise ValueError(
                    f"{arg} must be a list of {n} array(s) for a {self.cell} step, got {got}"
                )

    def param_arrays(self, device) -> list:
        """The parameters' arrays on ``device``: ``W_xh, W_hh, b_h`` (and the GRU's ``b_hn``)."""
        device = check_device(device) or mx.current_context()
        return [p.data(device) for p in self.collect_params().values()]

    def forward(self, inputs, states=None, context=None):
        """``inputs`` ``(T, N, d)`` or ``(T, N)`` indices -> ``outputs`` ``(T, N, h)`` [, states]

        ``context`` ``(N, c)``, if given (``layer(inputs, states, context)``:
        gluon's blocks take no keyword arguments), is a further input that
        every step reads after its own ``d`` features (the layer has ``d + c``
        inputs): the same as concatenating it to every step's input, but the
        fast path multiplies it by its weights once per sequence, not once per
        step.
        """
        c = 0
        if context is not None:
            c = self._check_context(inputs, context)
            if not self.fast:  # the plain path reads the concatenation itself
                T, N = inputs.shape[:2]
                wide = mnp.broadcast_to(mnp.expand_dims(context, 0), (T, N, c))
                inputs, context, c = mnp.concatenate([inputs, wide], axis=-1), None, 0
        if not c:
            self._infer_num_inputs(inputs)
        state = self._initial(inputs, states)
        if self.fast:
            loop = self._loops.get(self, len(inputs), inputs.ndim == 2, self.W_hh.dtype, c)
            head = (inputs, context) if c else (inputs,)
            outputs, *state = loop(*head, *state, *self.param_arrays(inputs.ctx))
        else:
            outputs, state = self._plain_loop(inputs, state)
        return outputs if states is None else (outputs, [mnp.expand_dims(s, 0) for s in state])

    def _plain_loop(self, inputs, state: list, record: dict | None = None):
        """The plain path: :meth:`step` at every time step, in Python."""
        if inputs.ndim == 2:
            X = npx.one_hot(inputs, self.num_inputs, dtype=self.W_hh.dtype)
        else:
            X = inputs
        p = self.gate_params(inputs.ctx)
        outputs = []
        for X_t in X:
            gates = {} if record is not None else None
            state = self.step(X_t, state, p, gates)
            if record is not None:
                for name, value in [*gates.items(), *zip(CELLS[self.cell].states, state)]:
                    record.setdefault(name, []).append(value)
            outputs.append(state[0])
        return mnp.stack(outputs), state

    def gate_params(self, device=None) -> SimpleNamespace:
        """The weights and bias of every gate block, named as in the equations.

        For the LSTM: ``W_xi, W_hi, b_i`` (input gate), ``W_xf, W_hf, b_f``,
        ``W_xc, W_hc, b_c`` (candidate) and ``W_xo, W_ho, b_o``; for the GRU
        ``..._r``, ``..._z`` and ``W_xh, W_hh, b_h`` (candidate) and ``b_hn``;
        for the RNN ``W_xh, W_hh, b_h``. Cut from the fused matrices, so that
        gradients flow back into them.
        """
        device = check_device(device) or mx.current_context()
        W_xh, W_hh, b_h, *extra = self.param_arrays(device)
        G = self.num_gates
        W_x, W_h, b = (cut(mx.nd, a, G, -1) for a in (W_xh, W_hh, b_h))
        names = {}
        for g, suffix in enumerate(CELLS[self.cell].suffixes):
            names[f"W_x{suffix}"], names[f"W_h{suffix}"], names[f"b_{suffix}"] = (
                W_x[g],
                W_h[g],
                b[g],
            )
        if extra:
            names["b_hn"] = extra[0]
        return SimpleNamespace(**names)

    def trace(self, inputs, states=None) -> dict:
        """Run the layer and record its gates and states: name -> ``(T, N, h)`` array.

        The states are ``'H'`` (and the LSTM's memory cell ``'C'``) after each step.

        For looking inside a trained cell, for example a heat map of its gates
        over a sentence; no gradients are recorded. It runs the fast path's step
        (the input projections computed once, then :meth:`fast_step`) in NumPy on
        the host, in the layer's dtype: a trace reads long sequences one step at a
        time, where MXNet would spend nearly all its time dispatching small operators
        (5,000 steps of a 128-unit LSTM: about 2.4 s in MXNet, 0.1 s here). The tests
        check it against the plain path, :meth:`step`.
        """
        if not CELLS[self.cell].has_gates:
            raise TypeError(
                f"trace needs a layer with gates (an LSTMScratch or GRUScratch): "
                f"{type(self).__name__} has no gates"
            )
        with autograd.pause():
            self._infer_num_inputs(inputs)
            state = [s.asnumpy() for s in self._initial(inputs, states)]
            W_xh, W_hh, b_h, *extra = (a.asnumpy() for a in self.param_arrays(inputs.ctx))
        G, X = self.num_gates, inputs.asnumpy()
        W_T = [W.T for W in np.split(W_hh, G, axis=-1)]  # each gate's W_h^T (h, h)
        W_x, b = np.split(W_xh, G, axis=-1), np.split(b_h, G)
        if X.ndim == 2:  # token indices (T, N): X W_x + b is a row of W_x + b
            XW = [(W + b_g)[X] for W, b_g in zip(W_x, b)]
        else:  # features (T, N, d)
            XW = [X @ W + b_g for W, b_g in zip(W_x, b)]
        record: dict = {}
        for t in range(len(X)):
            gates: dict = {}
            state = self.fast_step(_NumpyOps, [xw[t] for xw in XW], state, W_T, extra, gates)
            for name, value in [*gates.items(), *zip(CELLS[self.cell].states, state)]:
                record.setdefault(name, []).append(value)
        return {
            name: mnp.array(np.stack(values), dtype=values[0].dtype, ctx=inputs.ctx)
            for name, values in record.items()
        }


class RNNScratch(ScratchRecurrent):
    """An Elman RNN layer: ``H_t = phi(X_t W_xh + H_{t-1} W_hh + b_h)``.

    Args:
        num_hiddens: number of hidden units ``h``.
        num_inputs: features per step ``d``; 0 infers it at the first call.
        activation: ``'tanh'`` (the default, as in the book) or ``'relu'``.
        sigma: standard deviation of the Gaussian initialisation of the weights.
        fast: compute with the fast path (the default) or the plain one.

    Parameters: ``W_xh`` ``(d, h)``, ``W_hh`` ``(h, h)``, ``b_h`` ``(h,)``.
    Gluon's ``rnn.RNN`` stores the transposes, ``l0_i2h_weight`` ``(h, d)``
    and ``l0_h2h_weight`` ``(h, h)``, and two biases whose sum is ``b_h``.
    """

    cell = "rnn"

    def __init__(
        self,
        num_hiddens: int,
        num_inputs: int = 0,
        activation: str = "tanh",
        sigma: float = 0.01,
        fast: bool = True,
    ):
        check_choice(activation, "activation", RNN_ACTIVATIONS)
        super().__init__(num_hiddens, num_inputs, sigma, fast)
        self.activation = activation

    def step(self, X_t, states: list, p=None, gates: dict | None = None) -> list:
        """One step of the plain path: ``X_t`` ``(N, d)``, ``states`` ``[H]`` of ``(N, h)``."""
        p = self._step_params(X_t, states, p, gates)
        phi = mnp.tanh if self.activation == "tanh" else npx.relu
        (H,) = states
        H = phi(mnp.dot(X_t, p.W_xh) + mnp.dot(H, p.W_hh) + p.b_h)
        return [H]

    def fast_step(self, F, XW_t, states, W_T, extra):
        """One step of the fast path (inside the compiled loop), from the input projections
        ``XW_t`` and each gate's ``W^T``."""
        self._check_fast_step(XW_t, states, W_T, extra)
        (H,) = states
        A = recurrent_product(F, H, W_T[0], self.num_hiddens) + XW_t[0]
        return [activation(F, A, self.activation)]


class LSTMScratch(ScratchRecurrent):
    """A long short-term memory layer (Hochreiter & Schmidhuber, 1997), gluon's gate order.

    Each gate reads the input and the previous hidden state:

    * input gate ``I_t = sigmoid(X_t W_xi + H_{t-1} W_hi + b_i)``, forget gate
      ``F_t`` and output gate ``O_t`` likewise, candidate
      ``C~_t = tanh(X_t W_xc + H_{t-1} W_hc + b_c)``;
    * memory cell ``C_t = F_t * C_{t-1} + I_t * C~_t``;
    * hidden state ``H_t = O_t * tanh(C_t)``.

    States: ``[H, C]``. Parameters: ``W_xh`` ``(d, 4h)``, ``W_hh`` ``(h, 4h)``,
    ``b_h`` ``(4h,)``, the four blocks in gluon's order ``[I, F, C~, O]``.
    """

    cell = "lstm"

    def step(self, X_t, states: list, p=None, gates: dict | None = None) -> list:
        """One step of the plain path: ``X_t`` ``(N, d)``, ``states`` ``[H, C]`` of ``(N, h)``."""
        p = self._step_params(X_t, states, p, gates)
        H, C = states
        I = npx.sigmoid(mnp.dot(X_t, p.W_xi) + mnp.dot(H, p.W_hi) + p.b_i)
        F = npx.sigmoid(mnp.dot(X_t, p.W_xf) + mnp.dot(H, p.W_hf) + p.b_f)
        C_tilde = mnp.tanh(mnp.dot(X_t, p.W_xc) + mnp.dot(H, p.W_hc) + p.b_c)
        O = npx.sigmoid(mnp.dot(X_t, p.W_xo) + mnp.dot(H, p.W_ho) + p.b_o)
        C = F * C + I * C_tilde
        H = O * mnp.tanh(C)
        if gates is not None:
            gates.update(input=I, forget=F, candidate=C_tilde, output=O)
        return [H, C]

    def fast_step(self, F, XW_t, states, W_T, extra, gates: dict | None = None):
        """One step of the fast path: the four gates from their projections, then ``C``, ``H``
        (and the gates in ``gates``, if given, as :meth:`step` records them)."""
        self._check_fast_step(XW_t, states, W_T, extra)
        H, C = states
        i, f, g, o = (recurrent_product(F, H, W, self.num_hiddens) + XW for W, XW in zip(W_T, XW_t))
        I, Fg = activation(F, i, "sigmoid"), activation(F, f, "sigmoid")
        C_tilde, O = activation(F, g, "tanh"), activation(F, o, "sigmoid")
        C = Fg * C + I * C_tilde
        if gates is not None:
            gates.update(input=I, forget=Fg, candidate=C_tilde, output=O)
        return [O * activation(F, C, "tanh"), C]


class GRUScratch(ScratchRecurrent):
    """A gated recurrent unit layer (Cho et al., 2014), in gluon's convention.

    * reset gate ``R_t = sigmoid(X_t W_xr + H_{t-1} W_hr + b_r)``, update
      gate ``Z_t = sigmoid(X_t W_xz + H_{t-1} W_hz + b_z)``;
    * candidate ``H~_t = tanh(X_t W_xh + R_t * (H_{t-1} W_hh + b_hn) + b_h)``;
    * ``H_t = Z_t * H_{t-1} + (1 - Z_t) * H~_t``.

    As in d2l, Cho et al. and gluon, ``Z_t`` is the share of the old state
    that is kept. One difference from the textbook candidate
    ``tanh(X_t W_xh + (R_t * H_{t-1}) W_hh + b_h)``: the reset gate scales
    ``H_{t-1} W_hh + b_hn`` after the product (as cuDNN does), so the extra
    bias ``b_hn`` ``(h,)`` cannot be merged into ``b_h``.
    """

    cell = "gru"

    def __init__(
        self, num_hiddens: int, num_inputs: int = 0, sigma: float = 0.01, fast: bool = True
    ):
        super().__init__(num_hiddens, num_inputs, sigma, fast)
        with self.name_scope():
            self.b_hn = self.params.get("b_hn", shape=(num_hiddens,), init=init.Zero())

    def step(self, X_t, states: list, p=None, gates: dict | None = None) -> list:
        """One step of the plain path: ``X_t`` ``(N, d)``, ``states`` ``[H]`` of ``(N, h)``."""
        p = self._step_params(X_t, states, p, gates)
        (H,) = states
        R = npx.sigmoid(mnp.dot(X_t, p.W_xr) + mnp.dot(H, p.W_hr) + p.b_r)
        Z = npx.sigmoid(mnp.dot(X_t, p.W_xz) + mnp.dot(H, p.W_hz) + p.b_z)
        H_tilde = mnp.tanh(mnp.dot(X_t, p.W_xh) + R * (mnp.dot(H, p.W_hh) + p.b_hn) + p.b_h)
        H = Z * H + (1 - Z) * H_tilde
        if gates is not None:
            gates.update(reset=R, update=Z, candidate=H_tilde)
        return [H]

    def fast_step(self, F, XW_t, states, W_T, extra, gates: dict | None = None):
        """One step of the fast path: reset and update gates, candidate, new ``H`` (and the
        gates in ``gates``, if given, as :meth:`step` records them)."""
        self._check_fast_step(XW_t, states, W_T, extra)
        (H,) = states
        (b_hn,) = extra
        h = self.num_hiddens
        R = activation(F, recurrent_product(F, H, W_T[0], h) + XW_t[0], "sigmoid")
        Z = activation(F, recurrent_product(F, H, W_T[1], h) + XW_t[1], "sigmoid")
        H_tilde = activation(F, XW_t[2] + R * recurrent_product(F, H, W_T[2], h, b_hn), "tanh")
        if gates is not None:
            gates.update(reset=R, update=Z, candidate=H_tilde)
        return [H_tilde + Z * (H - H_tilde)]


@dataclass(frozen=True)
class Cell:
    """One kind of recurrent cell: the book's layer, gluon's, and its gate blocks in order.

    ``blocks`` names the ``G`` blocks of columns of ``W_xh``, ``W_hh`` and
    ``b_h`` in gluon's order (the order of ``l0_i2h_weight``'s rows), and
    ``suffixes`` the letter of each in the equations (``W_xi``, ``b_f`` ...);
    ``keep_gate`` is the gate that decides how much of the old state to keep
    (the LSTM's forget gate, the GRU's update gate; none for the RNN).
    """

    name: str
    scratch: type
    gluon: type
    blocks: tuple[str, ...]
    suffixes: tuple[str, ...]
    states: tuple[str, ...]
    keep_gate: str | None = None

    @property
    def num_gates(self) -> int:
        return len(self.blocks)

    @property
    def has_gates(self) -> bool:
        return self.keep_gate is not None

    def block_index(self, gate: str) -> int:
        """The position of ``gate``'s block in ``blocks``."""
        if gate not in self.blocks:
            raise ValueError(f"gate must be one of {self.blocks} for the {self.name}, got {gate!r}")
        return self.blocks.index(gate)


#: The one registry of recurrent cells: everything that needs a cell's gate order reads it here.
CELLS: dict[str, Cell] = {
    "rnn": Cell("rnn", RNNScratch, rnn.RNN, ("hidden",), ("h",), ("H",)),
    "lstm": Cell(
        "lstm",
        LSTMScratch,
        rnn.LSTM,
        ("input", "forget", "candidate", "output"),
        ("i", "f", "c", "o"),
        ("H", "C"),
        keep_gate="forget",
    ),
    "gru": Cell(
        "gru",
        GRUScratch,
        rnn.GRU,
        ("reset", "update", "candidate"),
        ("r", "z", "h"),
        ("H",),
        keep_gate="update",
    ),
}


def get_cell(name: str) -> Cell:
    """The registry entry of ``name`` (``'rnn'``, ``'lstm'`` or ``'gru'``)."""
    return CELLS[check_choice(name, "cell", sorted(CELLS))]
