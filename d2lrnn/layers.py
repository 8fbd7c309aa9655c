"""Recurrent layers written from scratch, with the call signature of ``gluon.rnn``.

Every layer here takes and returns MXNet's ``TNC`` layout and can replace the
matching ``mxnet.gluon.rnn`` layer wherever the book uses one::

    outputs = layer(inputs)                      # zero initial state
    outputs, states = layer(inputs, states)      # explicit state in, final state out
    states = layer.begin_state(batch_size, ctx=ctx)

* ``inputs``: ``(num_steps, batch_size, input_size)`` float, or
  ``(num_steps, batch_size)`` int token indices that stand for one-hot
  vectors of size ``input_size`` (the book's layers only; see below)
* ``outputs``: ``(num_steps, batch_size, hidden_size)``, the hidden state at every step
* ``states``: a list of ``(1, batch_size, hidden_size)`` arrays (the leading 1
  is gluon's ``num_layers * num_directions``): ``[H]`` for the RNN and the
  GRU, ``[H, C]`` for the LSTM.

Each layer keeps its gates' weights side by side in one matrix, in gluon's
gate order, so that one matrix product per step computes every gate:
``W_xh`` is ``(d, G h)``, ``W_hh`` is ``(h, G h)`` and ``b_h`` is ``(G h,)``,
with ``G`` = 1 (RNN), 4 (LSTM: input, forget, candidate, output) or 3 (GRU:
reset, update, candidate). Gluon stores the transposes, ``l0_i2h_weight``
``(G h, d)`` and ``l0_h2h_weight`` ``(G h, h)``, and splits the bias in two.
"""

from __future__ import annotations

import mxnet as mx
from mxnet import gluon, init, npx
from mxnet import np as mnp

from .checks import check_int

ACTIVATIONS = ("tanh", "relu")


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


class _ScratchRecurrent(gluon.Block):
    """What the book's recurrent layers share: parameters, states and the loop over time.

    Each layer defines ``_step(XW_t, states, ctx) -> states``, one time step,
    where ``XW_t`` ``(N, G h)`` is ``X_t W_xh + b_h``, the states are
    ``(N, h)`` (gluon's leading axis of 1 is dropped inside the loop) and
    ``states[0]`` is the hidden state ``H_t`` that the layer outputs.
    """

    num_gates = 1  # G: blocks of h columns in W_xh, W_hh, b_h
    num_states = 1  # [H] or [H, C]
    state_names = ("H",)

    def __init__(self, hidden_size: int, input_size: int = 0, sigma: float = 0.01):
        super().__init__()
        self.hidden_size = check_int(hidden_size, "hidden_size", 1)
        self.input_size = check_int(input_size, "input_size", 0)
        gh = self.num_gates * hidden_size
        normal = init.Normal(sigma)
        with self.name_scope():
            self.W_xh = self.params.get(
                "W_xh", shape=(input_size, gh), init=normal, allow_deferred_init=True
            )
            self.W_hh = self.params.get("W_hh", shape=(hidden_size, gh), init=normal)
            self.b_h = self.params.get("b_h", shape=(gh,), init=init.Zero())

    def begin_state(self, batch_size: int, ctx: mx.Context | None = None, **kwargs) -> list:
        """The zero state: ``num_states`` arrays of shape ``(1, batch_size, hidden_size)``."""
        ctx = ctx or mx.current_context()
        shape = (1, batch_size, self.hidden_size)
        return [mnp.zeros(shape, ctx=ctx, dtype=self.W_hh.dtype) for _ in range(self.num_states)]

    def set_input_size(self, input_size: int) -> None:
        """Fix ``d``, the features per step, before the first call (if not given at construction).

        Token-index inputs need it: ``d`` is then the vocabulary size. A
        layer whose ``d`` is already known must get the same value.
        """
        check_int(input_size, "input_size", 1)
        known = self.W_xh.shape[0]
        if known > 0 and known != input_size:
            raise ValueError(f"input_size must be the layer's input size {known}, got {input_size}")
        self.W_xh.shape = (input_size, self.num_gates * self.hidden_size)
        self.W_xh._finish_deferred_init()  # a no-op unless initialize() was deferred

    def _infer_input_size(self, inputs) -> None:
        """Check ``inputs``' shape; complete a deferred input size from it."""
        if inputs.ndim not in (2, 3):
            raise ValueError(
                "inputs must be (num_steps, batch_size, input_size) or token indices "
                f"(num_steps, batch_size), got shape {inputs.shape}"
            )
        if self.W_xh.shape[0] > 0:
            return
        if inputs.ndim == 2:
            raise ValueError(
                "inputs of token indices (num_steps, batch_size) need the layer's input_size "
                "(the vocabulary size): pass input_size= or call set_input_size(V) first"
            )
        self.set_input_size(inputs.shape[-1])  # deferred: -1 (or 0) until the first call

    def _project(self, inputs, ctx):
        """``X_t W_xh + b_h`` for every step at once: ``(T, N, G h)``.

        ``inputs`` ``(T, N, d)`` float: one fused matrix product with the bias.
        ``inputs`` ``(T, N)`` token indices of one-hot vectors: a row lookup in
        ``W_xh + b_h`` (``(d, G h)``), whose backward pass adds each step's
        gradient into the row it came from: the gradients of the product.
        """
        W_xh, b_h = self.W_xh.data(ctx), self.b_h.data(ctx)
        if inputs.ndim == 2:
            return npx.embedding(
                inputs, W_xh + b_h, input_dim=W_xh.shape[0], output_dim=W_xh.shape[1]
            )
        return npx.fully_connected(inputs, W_xh.T, b_h, num_hidden=W_xh.shape[1], flatten=False)

    def forward(self, inputs, states=None):
        """``inputs`` ``(T, N, d)`` or ``(T, N)`` indices -> ``outputs`` ``(T, N, h)`` [, states]"""
        self._infer_input_size(inputs)
        ctx = inputs.ctx
        state = self.begin_state(inputs.shape[1], ctx) if states is None else list(states)
        if len(state) != self.num_states:
            raise ValueError(f"states must hold {self.num_states} arrays, got {len(state)}")
        # The input projection does not depend on the state: one operation
        # for all time steps, instead of one per step. It is then cut into T
        # slices in one operation: indexing XW[t] at each step would make
        # every slice's gradient a full (T, N, G h) array, an O(T^2) backward
        # pass. (MXNet's legacy `split` runs this cut several times faster
        # than `np.split`.)
        XW = _split(self._project(inputs, ctx), len(inputs), axis=0, squeeze=True)
        state = [s[0] for s in state]  # (1, N, h) -> (N, h)
        outputs = []
        for XW_t in XW:
            state = self._step(XW_t, state, ctx)
            outputs.append(state[0])
        outputs = mnp.stack(outputs)
        return outputs if states is None else (outputs, [mnp.expand_dims(s, 0) for s in state])

    def gates(self, XW_t, H, ctx) -> dict:
        """The gates at one step: name -> ``(N, h)`` array, given ``XW_t`` and ``H_{t-1}``."""
        raise TypeError(f"{type(self).__name__} has no gates")

    def trace(self, inputs, states=None) -> dict:
        """Run the layer and record its gates and states: name -> ``(T, N, h)`` array.

        The states are ``'H'`` (and the LSTM's memory cell ``'C'``) after each step.

        For looking inside a trained cell, for example a heat map of its gates
        over a sentence. No gradients are recorded.
        """
        from mxnet import autograd

        with autograd.pause():
            self._infer_input_size(inputs)
            ctx = inputs.ctx
            state = self.begin_state(inputs.shape[1], ctx) if states is None else list(states)
            XW = self._project(inputs, ctx)
            state = [s[0] for s in state]
            record: dict = {}
            for t in range(len(inputs)):
                for name, value in self.gates(XW[t], state[0], ctx).items():
                    record.setdefault(name, []).append(value)
                state = self._step(XW[t], state, ctx)
                for name, value in zip(self.state_names, state):
                    record.setdefault(name, []).append(value)
        return {name: mnp.stack(values) for name, values in record.items()}


class RNNScratch(_ScratchRecurrent):
    """An Elman RNN layer: ``H_t = phi(X_t W_xh + H_{t-1} W_hh + b_h)``.

    Args:
        hidden_size: number of hidden units ``h``.
        input_size: features per step ``d``; 0 infers it at the first call.
        activation: ``'tanh'`` (the default, as in the book) or ``'relu'``.
        sigma: standard deviation of the Gaussian initialisation of the weights.

    Parameters: ``W_xh`` ``(d, h)``, ``W_hh`` ``(h, h)``, ``b_h`` ``(h,)``.
    Gluon's ``rnn.RNN`` stores the transposes, ``l0_i2h_weight`` ``(h, d)``
    and ``l0_h2h_weight`` ``(h, h)``, and two biases whose sum is ``b_h``.
    """

    def __init__(
        self, hidden_size: int, input_size: int = 0, activation: str = "tanh", sigma: float = 0.01
    ):
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
        super().__init__(hidden_size, input_size, sigma)
        self.activation = activation

    def _step(self, XW_t, states, ctx):
        (H,) = states
        return [_act(_affine(XW_t, H, self.W_hh.data(ctx)), self.activation)]


class LSTMScratch(_ScratchRecurrent):
    """A long short-term memory layer (Hochreiter & Schmidhuber, 1997), gluon's gate order.

    With ``[I, F, G, O] = X_t W_xh + H_{t-1} W_hh + b_h`` cut into four blocks:

    * input gate ``I_t = sigmoid(.)``, forget gate ``F_t = sigmoid(.)``,
      output gate ``O_t = sigmoid(.)``, candidate ``C~_t = tanh(.)``;
    * memory cell ``C_t = F_t * C_{t-1} + I_t * C~_t``;
    * hidden state ``H_t = O_t * tanh(C_t)``.

    States: ``[H, C]``. Parameters: ``W_xh`` ``(d, 4h)``, ``W_hh`` ``(h, 4h)``,
    ``b_h`` ``(4h,)``.
    """

    num_gates, num_states = 4, 2
    state_names = ("H", "C")

    def gates(self, XW_t, H, ctx) -> dict:
        i, f, g, o = _split(_affine(XW_t, H, self.W_hh.data(ctx)), 4)
        return {
            "input": _act(i, "sigmoid"),
            "forget": _act(f, "sigmoid"),
            "candidate": _act(g, "tanh"),
            "output": _act(o, "sigmoid"),
        }

    def _step(self, XW_t, states, ctx):
        H, C = states
        g = self.gates(XW_t, H, ctx)
        C = g["forget"] * C + g["input"] * g["candidate"]
        H = g["output"] * _act(C, "tanh")
        return [H, C]


class GRUScratch(_ScratchRecurrent):
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

    num_gates, num_states = 3, 1

    def __init__(self, hidden_size: int, input_size: int = 0, sigma: float = 0.01):
        super().__init__(hidden_size, input_size, sigma)
        with self.name_scope():
            self.b_hn = self.params.get("b_hn", shape=(hidden_size,), init=init.Zero())

    def gates(self, XW_t, H, ctx) -> dict:
        x_r, x_z, x_n = _split(XW_t, 3)
        h_r, h_z, h_n = _split(mnp.dot(H, self.W_hh.data(ctx)), 3)
        R = _act(x_r + h_r, "sigmoid")
        return {
            "reset": R,
            "update": _act(x_z + h_z, "sigmoid"),
            "candidate": _act(x_n + R * (h_n + self.b_hn.data(ctx)), "tanh"),
        }

    def _step(self, XW_t, states, ctx):
        (H,) = states
        g = self.gates(XW_t, H, ctx)
        Z = g["update"]
        return [(1 - Z) * g["candidate"] + Z * H]


def _gluon_params(ref, block: str | None) -> tuple[dict, str]:
    """``ref``'s parameters and the name prefix of one of its layers.

    ``block`` is gluon's name for one layer and direction: ``'l0'`` (layer 0,
    forward), ``'r0'`` (layer 0, backward), ``'l1'``, ... ``None`` means the
    only layer of a one-layer, one-direction gluon layer.
    """
    params = ref.collect_params()
    if block is None:
        if ref.prefix + "l1_i2h_weight" in params or ref.prefix + "r0_i2h_weight" in params:
            raise ValueError("ref must be a one-layer, one-direction gluon recurrent layer")
        block = "l0"
    prefix = f"{ref.prefix}{block}_"
    if prefix + "i2h_weight" not in params:
        raise ValueError(f"ref has no recurrent block {block!r}")
    return params, prefix


def copy_to_gluon(
    scratch: _ScratchRecurrent,
    ref: gluon.rnn.RNN | gluon.rnn.LSTM | gluon.rnn.GRU,
    block: str | None = None,
) -> None:
    """Load a from-scratch layer's weights into the matching gluon layer.

    Gluon keeps ``W^T`` and two biases, ``i2h`` and ``h2h``: ``b_h`` goes into
    ``i2h_bias``; ``h2h_bias`` is zero, except the GRU's candidate block, which
    holds ``b_hn``. Both layers then compute the same function. ``block``
    picks one layer and direction of a deep or bidirectional gluon layer
    (``'l0'``, ``'r0'``, ``'l1'``, ...); by default ``ref`` must have one.
    """
    params, prefix = _gluon_params(ref, block)
    expected = params[prefix + "h2h_weight"].shape
    if expected != (scratch.W_hh.shape[1], scratch.W_hh.shape[0]):
        raise ValueError(
            f"ref has h2h_weight of shape {expected}, but the scratch layer's W_hh is "
            f"{scratch.W_hh.shape}: the layers differ in kind or size"
        )
    b = scratch.b_h.data()
    h2h_bias = mnp.zeros_like(b)
    if isinstance(scratch, GRUScratch):
        h2h_bias[2 * scratch.hidden_size :] = scratch.b_hn.data()
    params[prefix + "i2h_weight"].set_data(scratch.W_xh.data().T)
    params[prefix + "h2h_weight"].set_data(scratch.W_hh.data().T)
    params[prefix + "i2h_bias"].set_data(b)
    params[prefix + "h2h_bias"].set_data(h2h_bias)


def copy_from_gluon(
    ref: gluon.rnn.RNN | gluon.rnn.LSTM | gluon.rnn.GRU,
    scratch: _ScratchRecurrent,
    block: str | None = None,
) -> None:
    """The inverse of :func:`copy_to_gluon`: load a trained one-layer gluon layer's weights.

    ``b_h`` is the sum of gluon's two biases, except in the GRU's candidate
    block, where ``h2h_bias`` goes to ``b_hn`` (the reset gate multiplies it).
    Use it to look inside a model trained with gluon's fast layer, for
    example with :meth:`_ScratchRecurrent.trace`. ``block`` as in :func:`copy_to_gluon`.
    """
    params, prefix = _gluon_params(ref, block)
    W_xh, W_hh = params[prefix + "i2h_weight"].data(), params[prefix + "h2h_weight"].data()
    if W_hh.shape != (scratch.W_hh.shape[1], scratch.W_hh.shape[0]):
        raise ValueError(
            f"ref has h2h_weight of shape {W_hh.shape}, but the scratch layer's W_hh is "
            f"{scratch.W_hh.shape}: the layers differ in kind or size"
        )
    i2h_bias, h2h_bias = params[prefix + "i2h_bias"].data(), params[prefix + "h2h_bias"].data()
    if scratch.W_xh.shape[0] <= 0:  # input size not known yet: take gluon's
        scratch.W_xh.shape = W_xh.T.shape
        scratch.W_xh._finish_deferred_init()
    elif scratch.W_xh.shape != W_xh.T.shape:
        raise ValueError(
            f"ref has i2h_weight of shape {W_xh.shape}, but the scratch layer's W_xh is "
            f"{scratch.W_xh.shape}: the layers differ in input size"
        )
    scratch.W_xh.set_data(W_xh.T)
    scratch.W_hh.set_data(W_hh.T)
    b = i2h_bias + h2h_bias
    if isinstance(scratch, GRUScratch):
        h = scratch.hidden_size
        b[2 * h :] = i2h_bias[2 * h :]
        scratch.b_hn.set_data(h2h_bias[2 * h :])
    scratch.b_h.set_data(b)
