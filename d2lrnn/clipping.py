"""Gradient clipping: the rule every training loop uses, and a loss surface with a cliff.

* :func:`clip_gradients` clips a list of gradients by their global norm, in
  place, ``g <- min(1, theta / ||g||) g`` (:func:`grad_norm` is that norm);
* :func:`cliff_loss` is the two-parameter recurrent loss of Pascanu, Mikolov
  and Bengio (2013) whose surface has a cliff, and :func:`descend` runs
  gradient descent on it with and without clipping.

The clipping explorer (:mod:`d2lrnn.widgets.clipping`) shows both.
"""

from __future__ import annotations

import math

import numpy as np

from .checks import check_array, check_int, check_number

__all__ = ["cliff_loss", "clip", "clip_gradients", "descend", "grad_norm"]

#: The cliff experiment's defaults: x_t = w sigmoid(x_{t-1}) + b for T steps.
CLIFF_T, CLIFF_X0, CLIFF_TARGET = 50, 0.5, 0.7


def _values(v, arg: str):
    """A finite number, or an array of finite numbers, as float64."""
    if np.ndim(v):
        return check_array(v, arg).astype(np.float64)
    return check_number(v, arg)


def cliff_loss(w, b, T: int = CLIFF_T, x0: float = CLIFF_X0, target: float = CLIFF_TARGET):
    """Loss and gradient of a one-unit recurrent net run for ``T`` steps.

    ``x_t = w * sigmoid(x_{t-1}) + b`` from ``x_0``, and
    ``L(w, b) = (x_T - target)^2``. ``w`` and ``b`` may be arrays of one
    shape (a grid); returns ``(L, dL/dw, dL/db)`` of that shape, the
    derivatives by forward-mode differentiation through the ``T`` steps.

    Where the map ``x -> w sigmoid(x) + b`` changes from one stable fixed
    point to two, ``x_T`` jumps: the loss surface has a cliff, with
    gradients orders of magnitude larger than elsewhere.
    """
    w, b = _values(w, "w"), _values(b, "b")
    try:
        w, b = np.broadcast_arrays(np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64))
    except ValueError:
        raise ValueError(
            f"w and b must have one shape (or broadcast), got {np.shape(w)} and {np.shape(b)}"
        ) from None
    check_int(T, "T", 1)
    x0, target = check_number(x0, "x0"), check_number(target, "target")
    x = np.full(w.shape, float(x0))
    dx_dw = np.zeros(w.shape)
    dx_db = np.zeros(w.shape)
    for _ in range(T):
        s = 1.0 / (1.0 + np.exp(-x))
        ds = s * (1.0 - s)
        # x_t = w s(x_{t-1}) + b: chain rule through the previous step.
        dx_dw, dx_db = s + w * ds * dx_dw, 1.0 + w * ds * dx_db
        x = w * s + b
    r = x - target
    return r**2, 2 * r * dx_dw, 2 * r * dx_db


def _check_grads(grads: object) -> list:
    if not isinstance(grads, (list, tuple)) or not all(hasattr(g, "shape") for g in grads):
        raise TypeError(f"grads must be a list of arrays (MXNet or NumPy), got {grads!r}")
    return list(grads)


def grad_norm(grads: list) -> float:
    """The global L2 norm ``||g||`` of a list of gradient arrays, as one vector.

    NaN when a gradient holds NaN, infinite when one overflows: the caller
    decides (the trainers stop with a clear error).
    """
    return math.sqrt(sum(float((g * g).sum()) for g in _check_grads(grads)))


def clip_gradients(grads: list, theta: float | None) -> float:
    """Clip by global norm in place, ``g <- min(1, theta / ||g||) g``; return ``||g||`` before.

    ``grads`` are MXNet or NumPy arrays; ``theta=None`` leaves them
    unchanged. The direction of ``g`` is kept; only its length is capped at
    ``theta``.
    """
    if theta is not None:
        theta = check_number(theta, "theta", 0, above=True)
    norm = grad_norm(grads)
    if theta is not None and math.isfinite(norm) and norm > theta:
        scale = theta / norm
        for g in grads:
            g *= scale
    return norm


def clip(g: np.ndarray, theta: float | None) -> np.ndarray:
    """``min(1, theta / ||g||) g`` for one gradient vector, as a copy; ``theta=None`` returns ``g``.

    The rule of :func:`clip_gradients`, for one NumPy vector.
    """
    g = check_array(g, "g").astype(np.float64)
    clip_gradients([g], theta)
    return g


def descend(
    start: tuple[float, float], lr: float, theta: float | None, steps: int = 30
) -> np.ndarray:
    """Gradient descent on :func:`cliff_loss` from ``start = (w, b)``, clipped at ``theta``.

    Returns the path, shape ``(steps + 1, 2)``; it stops early (repeating the
    last point) if the parameters leave the region where the loss is finite.
    """
    lr = check_number(lr, "lr", 0, above=True)
    start = check_array(start, "start", shape=(2,))
    if theta is not None:  # None: no clipping
        check_number(theta, "theta", 0, above=True)
    check_int(steps, "steps", 0)
    path = [np.array(start, dtype=np.float64)]
    for _ in range(steps):
        w, b = path[-1]
        _, gw, gb = cliff_loss(w, b)
        g = clip(np.array([float(gw), float(gb)]), theta)
        nxt = path[-1] - lr * g
        path.append(nxt if np.all(np.isfinite(nxt)) else path[-1])
    return np.array(path)
