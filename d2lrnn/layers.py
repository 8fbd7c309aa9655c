"""Recurrent layers written from scratch, with the call signature of ``gluon.rnn``.

Every layer here takes and returns MXNet's ``TNC`` layout and can replace the
matching ``mxnet.gluon.rnn`` layer wherever the book uses one::

    outputs = layer(inputs)                      # zero initial state
    outputs, states = layer(inputs, states)      # explicit state in, final state out
    states = layer.begin_state(batch_size, ctx=ctx)

* ``inputs``: ``(num_steps, batch_size, input_size)`` float
* ``outputs``: ``(num_steps, batch_size, hidden_size)``, the hidden state at every step
* ``states``: a list holding one ``(1, batch_size, hidden_size)`` array (the
  leading 1 is gluon's ``num_layers * num_directions``).
"""

from __future__ import annotations

import mxnet as mx
from mxnet import gluon, init, npx
from mxnet import np as mnp

ACTIVATIONS = ("tanh", "relu")


def _check_size(value: object, arg: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{arg} must be an int >= {minimum}, got {value!r}")
    return value


class RNNScratch(gluon.Block):
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
        super().__init__()
        self.hidden_size = _check_size(hidden_size, "hidden_size", 1)
        self.input_size = _check_size(input_size, "input_size", 0)
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
        self.activation = activation
        normal = init.Normal(sigma)
        with self.name_scope():
            self.W_xh = self.params.get(
                "W_xh", shape=(input_size, hidden_size), init=normal, allow_deferred_init=True
            )
            self.W_hh = self.params.get("W_hh", shape=(hidden_size, hidden_size), init=normal)
            self.b_h = self.params.get("b_h", shape=(hidden_size,), init=init.Zero())

    def begin_state(self, batch_size: int, ctx: mx.Context | None = None, **kwargs) -> list:
        """The zero state: ``[(1, batch_size, hidden_size)]``."""
        ctx = ctx or mx.current_context()
        return [mnp.zeros((1, batch_size, self.hidden_size), ctx=ctx, dtype=self.W_hh.dtype)]

    def _infer_input_size(self, inputs) -> None:
        if self.W_xh.shape[0] <= 0:  # deferred: -1 (or 0) until the first call
            self.W_xh.shape = (inputs.shape[-1], self.hidden_size)
            self.W_xh._finish_deferred_init()

    def forward(self, inputs, states=None):
        """``inputs`` ``(T, N, d)`` -> ``outputs`` ``(T, N, h)`` [, ``[H_T]`` ``(1, N, h)``]."""
        if inputs.ndim != 3:
            raise ValueError(
                f"inputs must be (num_steps, batch_size, input_size), got shape {inputs.shape}"
            )
        self._infer_input_size(inputs)
        ctx = inputs.ctx
        W_xh, W_hh, b_h = self.W_xh.data(ctx), self.W_hh.data(ctx), self.b_h.data(ctx)
        H = (self.begin_state(inputs.shape[1], ctx) if states is None else states)[0]  # (1, N, h)
        # The input projection does not depend on the state: one fused
        # matrix product (with the bias) for all time steps, instead of one
        # per step. It is then cut into T slices in one operation: indexing
        # XW[t] at each step would make every slice's gradient a full
        # (T, N, h) array, an O(T^2) backward pass. (MXNet's legacy `split`
        # runs this cut several times faster than `np.split`.)
        XW = npx.fully_connected(inputs, W_xh.T, b_h, num_hidden=self.hidden_size, flatten=False)
        if len(inputs) > 1:
            XW = [x.as_np_ndarray() for x in mx.nd.split(XW.as_nd_ndarray(), len(inputs), axis=0)]
        else:
            XW = [XW]
        outputs = []
        for XW_t in XW:  # (1, N, h) each
            # npx.activation is the same elementwise tanh (or relu) as
            # mnp.tanh, but runs as a vectorised oneDNN kernel, ~10x faster.
            H = npx.activation(XW_t + mnp.dot(H, W_hh), act_type=self.activation)
            outputs.append(H)
        outputs = mnp.concatenate(outputs, axis=0)
        return outputs if states is None else (outputs, [H])
