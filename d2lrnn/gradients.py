"""Gradients of recurrent networks, written out by hand and checked three ways.

:func:`rnn_lm_backward` is backpropagation through time for the tanh RNN
language model, in NumPy float64, in the spirit of Karpathy's minimal
character-level RNN. :func:`autograd_gradients` computes the same gradients
with MXNet autograd through the book's :class:`~d2lrnn.layers.RNNScratch`,
and :func:`numerical_gradient` by central finite differences.

The model, for inputs ``X`` and targets ``Y`` of shape ``(T, N)`` (token
indices), a vocabulary of ``V`` tokens and ``h`` hidden units:

* ``A_t = onehot(X_t) W_xh + H_{t-1} W_hh + b_h``, ``H_t = tanh(A_t)``
* ``O_t = H_t W_hq + b_q``, the logits ``(N, V)``
* ``loss = -mean over t, n of log softmax(O_t)[n, Y_t[n]]``

Parameters: ``W_xh (V, h)``, ``W_hh (h, h)``, ``b_h (h,)``, ``W_hq (h, V)``, ``b_q (V,)``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from mxnet import autograd, gluon
from mxnet import np as mnp

from .gluon_adapter import initialize
from .layers import RNNScratch
from .lm import RNNLM

PARAM_NAMES = ("W_xh", "W_hh", "b_h", "W_hq", "b_q")


def init_rnn_lm_params(
    vocab_size: int, num_hiddens: int, sigma: float = 0.5, seed: int = 0
) -> dict:
    """Random float64 parameters for the tanh RNN LM (random biases too, so they get tested)."""
    rng = np.random.default_rng(seed)
    shapes = {
        "W_xh": (vocab_size, num_hiddens),
        "W_hh": (num_hiddens, num_hiddens),
        "b_h": (num_hiddens,),
        "W_hq": (num_hiddens, vocab_size),
        "b_q": (vocab_size,),
    }
    return {k: rng.normal(0.0, sigma, s) for k, s in shapes.items()}


def _check_xy(X: np.ndarray, Y: np.ndarray, vocab_size: int) -> None:
    if X.ndim != 2 or X.shape != Y.shape:
        raise ValueError(
            f"X and Y must be (num_steps, batch_size) of one shape, got {X.shape} and {Y.shape}"
        )
    for arg, a in (("X", X), ("Y", Y)):
        if a.min() < 0 or a.max() >= vocab_size:
            raise ValueError(
                f"{arg} must hold token indices in [0, {vocab_size}), got {a.min()}..{a.max()}"
            )


def rnn_lm_loss(params: dict, X: np.ndarray, Y: np.ndarray, H0: np.ndarray | None = None) -> float:
    """The mean cross-entropy of the model above (float64)."""
    return rnn_lm_backward(params, X, Y, H0)[0]


def rnn_lm_backward(
    params: dict, X: np.ndarray, Y: np.ndarray, H0: np.ndarray | None = None
) -> tuple[float, dict]:
    """Forward pass, then backpropagation through time by hand.

    Args:
        params: the five parameters (see the module docstring), float64.
        X, Y: ``(T, N)`` int token indices; ``Y[t]`` is the target at step ``t``.
        H0: ``(N, h)`` initial state (zeros if ``None``).
    Returns ``(loss, grads)`` with ``grads[name]`` of the shape of ``params[name]``.
    """
    X, Y = np.asarray(X), np.asarray(Y)
    W_xh, W_hh, b_h, W_hq, b_q = (params[k] for k in PARAM_NAMES)
    V, h = W_xh.shape
    _check_xy(X, Y, V)
    T, N = X.shape
    Hs = {-1: np.zeros((N, h)) if H0 is None else np.asarray(H0, dtype=np.float64)}
    Ps, loss = {}, 0.0
    for t in range(T):  # forward, keeping every H_t and softmax for the backward pass: O(T) memory
        Hs[t] = np.tanh(W_xh[X[t]] + Hs[t - 1] @ W_hh + b_h)  # W_xh[X[t]] = onehot(X_t) W_xh
        O = Hs[t] @ W_hq + b_q
        O = O - O.max(axis=1, keepdims=True)
        P = np.exp(O)
        P /= P.sum(axis=1, keepdims=True)
        Ps[t] = P
        loss -= np.log(P[np.arange(N), Y[t]]).sum()
    loss /= T * N
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dH_next = np.zeros((N, h))  # dloss/dH_t arriving from step t + 1
    for t in reversed(range(T)):
        dO = Ps[t].copy()
        dO[np.arange(N), Y[t]] -= 1.0  # d(cross-entropy)/d(logits) = softmax - onehot
        dO /= T * N
        grads["W_hq"] += Hs[t].T @ dO
        grads["b_q"] += dO.sum(axis=0)
        dH = dO @ W_hq.T + dH_next
        dA = dH * (1.0 - Hs[t] ** 2)  # tanh' = 1 - tanh^2
        np.add.at(grads["W_xh"], X[t], dA)
        grads["W_hh"] += Hs[t - 1].T @ dA
        grads["b_h"] += dA.sum(axis=0)
        dH_next = dA @ W_hh.T
    return float(loss), grads


def autograd_gradients(params: dict, X: np.ndarray, Y: np.ndarray) -> tuple[float, dict]:
    """The same loss and gradients by MXNet autograd, in float64, through the book's layers.

    Builds an :class:`~d2lrnn.lm.RNNLM` with one-hot inputs around
    :class:`~d2lrnn.layers.RNNScratch`, loads ``params`` into it and
    differentiates the mean cross-entropy from a zero initial state.
    """
    V, h = params["W_xh"].shape
    _check_xy(np.asarray(X), np.asarray(Y), V)
    model = RNNLM(RNNScratch(h, num_inputs=V), V)
    initialize(model, mnp.zeros((1, 1), dtype="int32"))  # deferred shapes, in float32 ...
    model.cast("float64")  # ... then cast (MXNet cannot defer-initialise float64 parameters)
    model.rnn.W_xh.set_data(mnp.array(params["W_xh"], dtype="float64"))
    model.rnn.W_hh.set_data(mnp.array(params["W_hh"], dtype="float64"))
    model.rnn.b_h.set_data(mnp.array(params["b_h"], dtype="float64"))
    model.output.weight.set_data(
        mnp.array(params["W_hq"].T, dtype="float64")
    )  # Dense stores (V, h)
    model.output.bias.set_data(mnp.array(params["b_q"], dtype="float64"))
    Xb = mnp.array(np.asarray(X).T, dtype="int32")  # the model takes (batch_size, num_steps)
    Yt = mnp.array(np.asarray(Y), dtype="int32")
    with autograd.record():
        logits, _ = model(Xb)
        loss = gluon.loss.SoftmaxCrossEntropyLoss()(logits, Yt).mean()
    loss.backward()
    grads = {
        "W_xh": model.rnn.W_xh.grad().asnumpy(),
        "W_hh": model.rnn.W_hh.grad().asnumpy(),
        "b_h": model.rnn.b_h.grad().asnumpy(),
        "W_hq": model.output.weight.grad().asnumpy().T,
        "b_q": model.output.bias.grad().asnumpy(),
    }
    return float(loss), grads


def numerical_gradient(
    loss_fn: Callable[[dict], float], params: dict, name: str, eps: float = 1e-6
) -> np.ndarray:
    """Central differences of ``loss_fn`` for every entry ``i`` of ``params[name]``.

    ``(L(p + eps e_i) - L(p - eps e_i)) / (2 eps)``, with an error of order
    ``eps^2`` (plus rounding): use float64.
    """
    if name not in params:
        raise ValueError(f"name={name!r} is not a parameter; expected one of {sorted(params)}")
    p = params[name]
    grad = np.zeros_like(p)
    for i in np.ndindex(p.shape):
        old = p[i]
        p[i] = old + eps
        up = loss_fn(params)
        p[i] = old - eps
        down = loss_fn(params)
        p[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """``||a - b|| / max(||a||, ||b||)``, 0 when both are 0."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    denom = max(np.linalg.norm(a), np.linalg.norm(b))
    return float(np.linalg.norm(a - b) / denom) if denom > 0 else 0.0
