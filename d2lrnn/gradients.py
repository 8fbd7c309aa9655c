"""Checking gradients written by hand: against autograd and against finite differences.

Chapter 3 writes backpropagation through time for the tanh RNN language
model by hand, in NumPy float64, in the spirit of Karpathy's minimal
character-level RNN. :func:`check_gradients` checks such a function two
ways: against :func:`autograd_gradients`, the same gradients computed by
MXNet autograd through the book's :class:`~d2lrnn.layers.RNNScratch`, and
against :func:`numerical_gradient`, central finite differences of its own
loss.

The model, for inputs ``X`` and targets ``Y`` of shape ``(T, N)`` (token
indices), a vocabulary of ``V`` tokens and ``h`` hidden units:

* ``A_t = onehot(X_t) W_xh + H_{t-1} W_hh + b_h``, ``H_t = tanh(A_t)``
* ``O_t = H_t W_hq + b_q``, the logits ``(N, V)``
* ``loss = -mean over t, n of log softmax(O_t)[n, Y_t[n]]``

Parameters: ``W_xh (V, h)``, ``W_hh (h, h)``, ``b_h (h,)``, ``W_hq (h, V)``, ``b_q (V,)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from mxnet import autograd, gluon
from mxnet import np as mnp

from .checks import check_array, check_int, check_number
from .gluon_adapter import initialize
from .layers import RNNScratch
from .lm import RNNLM

PARAM_NAMES = ("W_xh", "W_hh", "b_h", "W_hq", "b_q")

__all__ = [
    "PARAM_NAMES",
    "GradientCheck",
    "GradientError",
    "autograd_gradients",
    "check_gradients",
    "check_xy",
    "init_rnn_lm_params",
    "numerical_gradient",
    "relative_error",
]


def _check_params(params: object) -> dict:
    """The five float arrays of the model, of consistent shapes."""
    if not isinstance(params, dict):
        raise TypeError(
            f"params must be a dict of the five parameters, got {type(params).__name__}"
        )
    missing = sorted(set(PARAM_NAMES) - set(params))
    if missing:
        raise ValueError(f"params must hold {list(PARAM_NAMES)}, missing {missing}")
    for name in PARAM_NAMES:
        check_array(params[name], f"params[{name!r}]", ndim=(1, 2))
    V, h = np.shape(params["W_xh"])
    shapes = {"W_hh": (h, h), "b_h": (h,), "W_hq": (h, V), "b_q": (V,)}
    for name, shape in shapes.items():
        if np.shape(params[name]) != shape:
            raise ValueError(
                f"params[{name!r}] must have shape {shape} to go with W_xh {(V, h)}, got "
                f"{np.shape(params[name])}"
            )
    return params


def init_rnn_lm_params(
    vocab_size: int, num_hiddens: int, sigma: float = 0.5, seed: int = 0
) -> dict:
    """Random float64 parameters for the tanh RNN LM (random biases too, so they get tested)."""
    check_int(vocab_size, "vocab_size", 1)
    check_int(num_hiddens, "num_hiddens", 1)
    check_number(sigma, "sigma", 0, above=True)
    rng = np.random.default_rng(check_int(seed, "seed", 0))
    shapes = {
        "W_xh": (vocab_size, num_hiddens),
        "W_hh": (num_hiddens, num_hiddens),
        "b_h": (num_hiddens,),
        "W_hq": (num_hiddens, vocab_size),
        "b_q": (vocab_size,),
    }
    return {k: rng.normal(0.0, sigma, s) for k, s in shapes.items()}


def check_xy(X: np.ndarray, Y: np.ndarray, vocab_size: int) -> None:
    """``X`` and ``Y`` must be ``(num_steps, batch_size)`` token indices in ``[0, vocab_size)``."""
    check_int(vocab_size, "vocab_size", 1)
    X, Y = check_array(X, "X", ndim=2, kind="i"), check_array(Y, "Y", ndim=2, kind="i")
    if X.ndim != 2 or X.shape != Y.shape:
        raise ValueError(
            f"X and Y must be (num_steps, batch_size) of one shape, got {X.shape} and {Y.shape}"
        )
    for arg, a in (("X", X), ("Y", Y)):
        if a.min() < 0 or a.max() >= vocab_size:
            raise ValueError(
                f"{arg} must hold token indices in [0, {vocab_size}), got {a.min()}..{a.max()}"
            )


def autograd_gradients(params: dict, X: np.ndarray, Y: np.ndarray) -> tuple[float, dict]:
    """The same loss and gradients by MXNet autograd, in float64, through the book's layers.

    Builds an :class:`~d2lrnn.lm.RNNLM` with one-hot inputs around
    :class:`~d2lrnn.layers.RNNScratch`, loads ``params`` into it and
    differentiates the mean cross-entropy from a zero initial state.
    """
    V, h = np.shape(_check_params(params)["W_xh"])
    check_xy(np.asarray(X), np.asarray(Y), V)
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
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be a function of params, got {type(loss_fn).__name__}")
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict of arrays, got {type(params).__name__}")
    if name not in params:
        raise ValueError(f"name={name!r} is not a parameter; expected one of {sorted(params)}")
    eps = check_number(eps, "eps", 0, above=True)
    if not isinstance(params[name], np.ndarray) or params[name].dtype != np.float64:
        raise TypeError(f"params[{name!r}] must be a float64 NumPy array, changed in place")
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
    a = check_array(a, "a", allow_empty=True, finite=False).astype(np.float64)
    b = check_array(b, "b", allow_empty=True, finite=False).astype(np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have one shape, got {a.shape} and {b.shape}")
    denom = max(np.linalg.norm(a), np.linalg.norm(b))
    return float(np.linalg.norm(a - b) / denom) if denom > 0 else 0.0


@dataclass
class GradientCheck:
    """Relative errors of a hand-written gradient, per parameter, against autograd and
    finite differences; prints as a table."""

    loss: float
    autograd: dict
    finite_differences: dict
    tolerance: float

    def worst(self) -> float:
        return max(*self.autograd.values(), *self.finite_differences.values())

    def __str__(self) -> str:
        lines = [
            f"loss {self.loss:.6f}",
            f"{'parameter':>9} {'vs autograd':>12} {'vs finite differences':>22}",
        ]
        for name in self.autograd:
            lines.append(
                f"{name:>9} {self.autograd[name]:12.1e} {self.finite_differences[name]:22.1e}"
            )
        lines.append(f"largest relative error: {self.worst():.1e} (tolerance {self.tolerance:.0e})")
        return "\n".join(lines)

    __repr__ = __str__


class GradientError(AssertionError):
    """A hand-written gradient differs from autograd's or from finite differences."""


def check_gradients(
    backward: Callable[[dict, np.ndarray, np.ndarray], tuple[float, dict]],
    params: dict,
    X: np.ndarray,
    Y: np.ndarray,
    eps: float = 1e-6,
    tolerance: float = 1e-6,
) -> GradientCheck:
    """Check ``backward(params, X, Y) -> (loss, grads)`` for the tanh RNN language model.

    ``params`` holds the five parameters of :func:`init_rnn_lm_params`, float64;
    ``X, Y`` are ``(num_steps, batch_size)`` token indices. Every gradient is
    compared with :func:`autograd_gradients` and with :func:`numerical_gradient`
    of ``backward``'s own loss, and the loss with autograd's. Returns the
    :class:`GradientCheck`; raises :class:`GradientError` naming each
    parameter whose relative error exceeds ``tolerance``.
    """
    if not callable(backward):
        raise TypeError(f"backward must be a function, got {type(backward).__name__}")
    _check_params(params)
    check_xy(np.asarray(X), np.asarray(Y), np.shape(params["W_xh"])[0])
    eps = check_number(eps, "eps", 0, above=True)
    tolerance = check_number(tolerance, "tolerance", 0, above=True)
    loss, grads = backward(params, X, Y)
    ref_loss, by_autograd = autograd_gradients(params, X, Y)
    if not abs(loss - ref_loss) <= tolerance * max(1.0, abs(ref_loss)):
        raise GradientError(f"the loss {loss!r} differs from autograd's {ref_loss!r}")
    errors_ag, errors_fd = {}, {}
    for name in PARAM_NAMES:
        if name not in grads or np.shape(grads[name]) != np.shape(params[name]):
            raise GradientError(
                f"backward must return a gradient for {name} of shape {np.shape(params[name])}"
            )
        numeric = numerical_gradient(lambda p: backward(p, X, Y)[0], params, name, eps)
        errors_ag[name] = relative_error(grads[name], by_autograd[name])
        errors_fd[name] = relative_error(grads[name], numeric)
    result = GradientCheck(float(loss), errors_ag, errors_fd, tolerance)
    bad = [
        f"{name}: relative error {errors_ag[name]:.1e} against autograd, "
        f"{errors_fd[name]:.1e} against finite differences"
        for name in PARAM_NAMES
        if not max(errors_ag[name], errors_fd[name]) <= tolerance
    ]
    if bad:
        raise GradientError(
            f"the hand-written gradient is wrong (tolerance {tolerance:.0e}):\n  "
            + "\n  ".join(bad)
        )
    return result
