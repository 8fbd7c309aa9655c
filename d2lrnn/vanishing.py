"""How gradients vanish or explode through time: Jacobian products of a recurrent layer.

For the recurrence ``h_t = alpha h_{t-1} + (1 - alpha) phi(a_t)`` with
``a_t = x_t W_xh + h_{t-1} W_hh + b`` (``alpha = 0`` is the plain RNN, ``alpha > 0``
a *leaky* unit), one step back multiplies the gradient by the Jacobian

    J_t = dh_t / dh_{t-1} = alpha I + (1 - alpha) diag(phi'(a_t)) W_hh^T,

and ``dh_T/dh_t = J_T J_{T-1} ... J_{t+1}``. With ``|phi'| <= gamma`` and
``lambda_1`` the largest singular value of ``W_hh``, for ``alpha = 0``:

    ||dh_T/dh_t|| <= (gamma lambda_1)^(T - t),

so gradients **vanish** exponentially when ``lambda_1 < 1/gamma``; they can
only **explode** when ``lambda_1 > 1/gamma`` (Pascanu, Mikolov & Bengio, 2013).
``gamma`` is 1 for tanh, ReLU and the identity, 1/4 for the sigmoid.

Vectors are rows, as in the book's layers: ``h_t`` is ``(h,)``, ``W_hh`` is
``(h, h)``, and ``J_t[i, j] = dh_t[i] / dh_{t-1}[j]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from mxnet import autograd, npx
from mxnet import np as mnp

from .checks import check_choice, check_int, check_number
from .layers import CELLS, get_cell

__all__ = [
    "ACTIVATIONS",
    "GATED",
    "GatedRecurrence",
    "Recurrence",
    "autograd_jacobian_products",
    "check_settings",
    "gamma",
    "scaled_orthogonal",
]

#: Activation -> (phi, phi', gamma = sup |phi'|).
ACTIVATIONS = {
    "tanh": (np.tanh, lambda a: 1.0 - np.tanh(a) ** 2, 1.0),
    "relu": (lambda a: np.maximum(a, 0.0), lambda a: (a > 0).astype(float), 1.0),
    "sigmoid": (
        lambda a: 1.0 / (1.0 + np.exp(-a)),
        lambda a: np.exp(-a) / (1.0 + np.exp(-a)) ** 2,
        0.25,
    ),
    "linear": (lambda a: a, lambda a: np.ones_like(a), 1.0),
}


def check_settings(T: int, radius: float, activation: str, alpha: float) -> None:
    """Check a recurrence's length, largest singular value, activation and leak."""
    check_int(T, "T", 1)
    check_number(radius, "radius", 0)
    check_choice(activation, "activation", sorted(ACTIVATIONS))
    check_number(alpha, "alpha", 0, 1, below=True)


def gamma(activation: str) -> float:
    """The bound ``sup |phi'|`` of the activation's derivative."""
    check_choice(activation, "activation", sorted(ACTIVATIONS))
    return ACTIVATIONS[activation][2]


def scaled_orthogonal(num_hiddens: int, radius: float, seed: int = 0) -> np.ndarray:
    """``radius * Q`` with ``Q`` random orthogonal: every singular value equals ``radius``."""
    check_int(num_hiddens, "num_hiddens", 1)
    radius = check_number(radius, "radius", 0)
    seed = check_int(seed, "seed", 0)
    q, r = np.linalg.qr(np.random.default_rng(seed).normal(size=(num_hiddens, num_hiddens)))
    return radius * q * np.sign(np.diag(r))  # sign fix: Haar-distributed Q


@dataclass
class Recurrence:
    """A tanh/ReLU/sigmoid/linear recurrent layer with leak ``alpha``, run on random inputs.

    ``W_hh`` has every singular value equal to ``radius``. Inputs ``x_t`` are
    Gaussian with standard deviation ``input_scale``; the initial state is
    ``h_0 = 0``. Float64 throughout.

    With ``delay = d >= 2`` the layer also has a **skip connection through
    time**: ``a_t = x_t W_xh + h_{t-1} W_hh + h_{t-d} W_hd + b``, with
    ``W_hd`` of every singular value ``skip_radius`` (``h_{t-d}`` is
    ``h_0 = 0`` before step ``d``). A gradient can then cross ``d`` steps
    with one Jacobian.
    """

    T: int
    radius: float
    activation: str = "tanh"
    alpha: float = 0.0
    num_hiddens: int = 32
    input_scale: float = 0.5
    seed: int = 0
    delay: int = 0
    skip_radius: float = 0.0

    def __post_init__(self) -> None:
        check_settings(self.T, self.radius, self.activation, self.alpha)
        check_int(self.num_hiddens, "num_hiddens", 1)
        check_number(self.input_scale, "input_scale", 0)
        check_int(self.seed, "seed", 0)
        check_int(self.delay, "delay", 0)
        if self.delay == 1:
            raise ValueError("delay must be 0 (no skip connection) or >= 2, got 1 (h_{t-1} "
                             "already feeds h_t through W_hh)")  # fmt: skip
        check_number(self.skip_radius, "skip_radius", 0)
        rng = np.random.default_rng(self.seed)
        self.W_hh = scaled_orthogonal(self.num_hiddens, self.radius, self.seed)
        #: The skip connection's weights (None without one): every singular value skip_radius.
        self.W_hd = (
            scaled_orthogonal(self.num_hiddens, self.skip_radius, self.seed + 1)
            if self.delay
            else None
        )
        self.b = np.zeros(self.num_hiddens)
        #: x_t W_xh for t = 1..T, shape (T, h): random inputs already projected.
        self.XW = rng.normal(0.0, self.input_scale, size=(self.T, self.num_hiddens))

    def forward(self) -> tuple[np.ndarray, np.ndarray]:
        """States ``H`` ``(T + 1, h)`` (``H[0] = h_0``) and pre-activations ``A`` ``(T, h)``."""
        phi = ACTIVATIONS[self.activation][0]
        H = np.zeros((self.T + 1, self.num_hiddens))
        A = np.zeros((self.T, self.num_hiddens))
        for t in range(self.T):
            A[t] = self.XW[t] + H[t] @ self.W_hh + self.b
            if self.delay and t + 1 - self.delay >= 0:  # h_{t+1} reads h_{t+1-d}
                A[t] += H[t + 1 - self.delay] @ self.W_hd
            H[t + 1] = self.alpha * H[t] + (1 - self.alpha) * phi(A[t])
        return H, A

    def step_jacobians(self) -> np.ndarray:
        """``J[t] = dh_{t+1} / dh_t`` for ``t = 0..T-1``, shape ``(T, h, h)`` (through
        ``W_hh``; with a skip connection, ``h_{t+1}`` also depends on ``h_{t+1-d}``)."""
        _, A = self.forward()
        dphi = ACTIVATIONS[self.activation][1]
        eye = np.eye(self.num_hiddens)
        return self.alpha * eye + (1 - self.alpha) * dphi(A)[:, :, None] * self.W_hh.T[None]

    def jacobian_products(self) -> np.ndarray:
        """``P[t] = dh_T / dh_t`` for ``t = 0..T-1``, multiplying step Jacobians; ``(T, h, h)``.

        With a skip connection ``h_t`` has two children, ``h_{t+1}`` and
        ``h_{t+d}``, and the chain rule adds the two paths:
        ``dh_T/dh_t = (dh_T/dh_{t+1}) J_t + (dh_T/dh_{t+d}) K_t`` with
        ``K_t = dh_{t+d}/dh_t = (1 - alpha) diag(phi'(a_{t+d})) W_hd^T``.
        """
        J = self.step_jacobians()
        P = np.empty_like(J)
        if not self.delay:
            acc = np.eye(self.num_hiddens)
            for t in range(self.T - 1, -1, -1):  # dh_T/dh_t = (dh_T/dh_{t+1}) J_t
                acc = acc @ J[t]
                P[t] = acc
            return P
        _, A = self.forward()
        D = (1 - self.alpha) * ACTIVATIONS[self.activation][1](A)  # (T, h): phi'(a) (1 - alpha)
        G = {self.T: np.eye(self.num_hiddens)}  # G[s] = dh_T / dh_s
        for s in range(self.T - 1, -1, -1):
            G[s] = G[s + 1] @ J[s]
            if s + self.delay <= self.T:  # the skip: h_{s+d} reads h_s
                G[s] = G[s] + G[s + self.delay] @ (D[s + self.delay - 1][:, None] * self.W_hd.T)
            P[s] = G[s]
        return P

    def jacobian_norms(self) -> np.ndarray:
        """``||dh_T/dh_t||_2`` (largest singular value) for ``t = 0..T-1``, shape ``(T,)``."""
        return np.linalg.norm(self.jacobian_products(), ord=2, axis=(1, 2))

    def bound(self) -> np.ndarray:
        """The bound ``(alpha + (1 - alpha) gamma lambda_1)^(T - t)`` for ``t = 0..T-1``
        (of the layer without a skip connection; with one, ValueError)."""
        if self.delay:
            raise ValueError(
                "bound: a layer with a skip connection (delay > 0) has no bound of this form; "
                "its gradient is a sum over paths (see jacobian_products)"
            )
        rate = self.alpha + (1 - self.alpha) * gamma(self.activation) * self.radius
        return rate ** (self.T - np.arange(self.T, dtype=float))


def autograd_jacobian_products(rec: Recurrence) -> np.ndarray:
    """``dh_T/dh_t`` for every ``t`` by MXNet autograd, float64, one backward pass.

    Runs the recurrence in MXNet with a zero *probe* ``z_t`` added to every
    state: ``dh_T/dz_t = dh_T/dh_t``. The batch holds ``h`` copies of the same
    sequence and the backward pass starts from the identity, so row ``i`` of
    the batch receives the ``i``-th row of every Jacobian at once.
    """
    if not isinstance(rec, Recurrence):
        raise TypeError(f"rec must be a Recurrence, got {type(rec).__name__}")
    h = rec.num_hiddens
    W = mnp.array(rec.W_hh, dtype="float64")
    XW = mnp.array(rec.XW, dtype="float64")
    probes = [mnp.zeros((h, h), dtype="float64") for _ in range(rec.T)]
    for z in probes:
        z.attach_grad()
    act = {
        "tanh": mnp.tanh,
        "relu": npx.relu,
        "sigmoid": npx.sigmoid,
        "linear": lambda a: a,
    }[rec.activation]
    W_hd = mnp.array(rec.W_hd, dtype="float64") if rec.delay else None
    with autograd.record():
        H = mnp.zeros((h, h), dtype="float64")  # h copies of h_0 = 0
        states = []  # every h_t plus its probe, for the skip connection
        for t in range(rec.T):
            Hp = H + probes[t]  # h_t plus its probe
            states.append(Hp)
            a = XW[t] + mnp.dot(Hp, W)
            if rec.delay and t + 1 - rec.delay >= 0:
                a = a + mnp.dot(states[t + 1 - rec.delay], W_hd)
            H = rec.alpha * Hp + (1 - rec.alpha) * act(a)
    H.backward(mnp.eye(h, dtype="float64"))
    return np.stack([z.grad.asnumpy() for z in probes])


#: The cells with a keep gate, whose Jacobians :class:`GatedRecurrence` measures.
GATED = tuple(name for name, cell in CELLS.items() if cell.keep_gate is not None)


@dataclass
class GatedRecurrence:
    """An LSTM or GRU layer of :mod:`d2lrnn.layers` with random weights, on random inputs.

    Each of the ``h x h`` gate blocks of ``W_hh`` has every singular value
    equal to ``radius``. The *keep gate* (the LSTM's forget gate, the GRU's
    update gate ``Z``, which in gluon's convention is the share of the old
    state kept) has bias ``gate_bias``: at zero input it keeps about
    ``sigmoid(gate_bias)`` of the memory at each step, like a leaky unit with
    ``alpha = sigmoid(gate_bias)``, except that the cell can change it. Float64.

    The state ``s_t`` is ``h_t`` for the GRU and ``[h_t, c_t]`` for the LSTM,
    so Jacobians are ``(S, S)`` with ``S`` = ``h`` or ``2h``.
    """

    cell: str
    T: int
    radius: float
    gate_bias: float = 0.0
    num_hiddens: int = 32
    input_scale: float = 0.5
    seed: int = 0

    def __post_init__(self) -> None:
        check_choice(self.cell, "cell", GATED)
        check_settings(self.T, self.radius, "tanh", 0.0)
        check_number(self.gate_bias, "gate_bias")
        check_int(self.num_hiddens, "num_hiddens", 1)
        check_number(self.input_scale, "input_scale", 0)
        check_int(self.seed, "seed", 0)
        h = self.num_hiddens
        cell = get_cell(self.cell)
        G = cell.num_gates
        # The input of step t is already projected: X_t W_xh with W_xh = I, so
        # that every gate gets its own random input (the plain path computes
        # X_t W_x? + H W_h? + b_? exactly as written).
        self.layer = cell.scratch(h, num_inputs=G * h, fast=False)
        self.layer.initialize()
        self.layer.cast("float64")
        rng = np.random.default_rng(self.seed)
        #: (h, G h): one scaled orthogonal block per gate.
        self.W_hh = np.concatenate(
            [scaled_orthogonal(h, self.radius, self.seed + k) for k in range(G)], axis=1
        )
        self.layer.W_hh.set_data(mnp.array(self.W_hh, dtype="float64"))
        self.layer.W_xh.set_data(mnp.eye(G * h, dtype="float64"))
        b = np.zeros(G * h)
        k = cell.block_index(cell.keep_gate)  # the forget gate's block, or the update gate's
        b[k * h : (k + 1) * h] = self.gate_bias
        self.layer.b_h.set_data(mnp.array(b, dtype="float64"))
        #: x_t W_xh for t = 1..T, shape (T, G h): random inputs, one per gate and unit.
        self.XW = rng.normal(0.0, self.input_scale, size=(self.T, G * h))

    def _zero_state(self, N: int) -> list:
        """The layer's zero state for ``N`` sequences as its steps take it: ``(N, h)`` arrays."""
        return [s[0] for s in self.layer.begin_state(N)]

    @property
    def state_size(self) -> int:
        return self.layer.num_states * self.num_hiddens

    def _run(self, states, probes=None):
        """Run the cell from ``states`` (``(N, h)`` each), adding ``probes[t]`` before step t."""
        XW = mnp.array(self.XW, dtype="float64")
        p = self.layer.gate_params(XW.ctx)
        gates = []
        for t in range(self.T):
            if probes is not None:
                states = [s + z for s, z in zip(states, probes[t])]
            gates.append({})
            X_t = mnp.broadcast_to(XW[t], (states[0].shape[0], XW.shape[1]))
            states = self.layer.step(X_t, states, p, gates[-1])
        return states, gates

    def keep_gates(self) -> np.ndarray:
        """The keep gate (LSTM ``f_t``, GRU ``z_t``) at every step, ``(T, h)``."""
        name = CELLS[self.cell].keep_gate
        with autograd.pause():
            _, gates = self._run(self._zero_state(1))
        return np.stack([g[name].asnumpy()[0] for g in gates])

    def memory_path(self) -> np.ndarray:
        """``max_i prod_{k > t} keep_k[i]`` for ``t = 0..T-1``, shape ``(T,)``.

        The norm of the gradient along the cell's direct path alone
        (``c_{t-1} -> c_t`` scaled by ``f_t`` in the LSTM, ``h_{t-1} -> h_t``
        by ``z_t`` in the GRU), ignoring every path through the weights.
        """
        return _memory_path(self.keep_gates())

    def jacobian_products(self) -> np.ndarray:
        """``P[t] = ds_T/ds_t`` for ``t = 0..T-1``, shape ``(T, S, S)``, by autograd.

        The probe method of :func:`autograd_jacobian_products`: ``S`` copies of
        the sequence, a zero probe added to the state before every step, and
        one backward pass seeded with the identity.
        """
        return self._jacobians_and_keep_gates()[0]

    def _jacobians_and_keep_gates(self) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`jacobian_products` and :meth:`keep_gates` from the one recorded run."""
        h, S = self.num_hiddens, self.state_size
        n = self.layer.num_states
        probes = [[mnp.zeros((S, h), dtype="float64") for _ in range(n)] for _ in range(self.T)]
        for step in probes:
            for z in step:
                z.attach_grad()
        seeds = [np.zeros((S, h)) for _ in range(n)]
        for k in range(n):
            seeds[k][k * h + np.arange(h), np.arange(h)] = 1.0
        with autograd.record():
            final, gates = self._run(self._zero_state(S), probes)
        autograd.backward(final, [mnp.array(g, dtype="float64") for g in seeds])
        P = np.stack([np.concatenate([z.grad.asnumpy() for z in step], axis=1) for step in probes])
        # The probes are zeros, so all S rows ran the same sequence: row 0's gates are the gates.
        name = CELLS[self.cell].keep_gate
        return P, np.stack([g[name][0].asnumpy() for g in gates])

    def jacobian_norms(self) -> np.ndarray:
        """``||ds_T/ds_t||_2`` for ``t = 0..T-1``, shape ``(T,)``."""
        return np.linalg.norm(self.jacobian_products(), ord=2, axis=(1, 2))

    def norms_and_memory_path(self) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`jacobian_norms` and :meth:`memory_path`, ``(T,)`` each, from one run."""
        P, keep = self._jacobians_and_keep_gates()
        return np.linalg.norm(P, ord=2, axis=(1, 2)), _memory_path(keep)


def _memory_path(keep: np.ndarray) -> np.ndarray:
    """``max_i prod_{k >= t} keep[k, i]`` for every ``t``: ``(T, h)`` in, ``(T,)`` out."""
    products = np.cumprod(keep[::-1], axis=0)[::-1]  # products[t] = prod_{k >= t}
    return products.max(axis=1)
