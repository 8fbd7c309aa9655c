"""Forecasting a series with an autoregressive model: one step and k steps ahead."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .checks import check_int


def k_step_predictions(
    predict: Callable[[np.ndarray], np.ndarray], x: np.ndarray, tau: int, max_k: int
) -> np.ndarray:
    """Predict every ``x_t`` from ``1, ..., max_k`` steps back, feeding predictions back in.

    ``predict`` maps features of shape ``(n, tau)`` (the ``tau`` previous
    values, oldest first) to predictions of shape ``(n,)`` or ``(n, 1)``.
    For ``k > tau`` the model sees only its own earlier predictions, so errors
    compound.

    Returns ``preds`` of shape ``(len(x) - tau - max_k + 1, max_k)``:
    ``preds[i, k - 1]`` is the ``k``-step-ahead prediction of
    ``x[i + tau + k - 1]``, made from the observed ``x[i : i + tau]`` only.
    """
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 1:
        raise ValueError(f"x must be a 1-D series, got shape {x.shape}")
    for arg, v in (("tau", tau), ("max_k", max_k)):
        check_int(v, arg, 1)
    rows = len(x) - tau - max_k + 1
    if rows < 1:
        raise ValueError(
            f"x of length {len(x)} is too short for tau={tau} and max_k={max_k}; "
            f"it needs at least tau + max_k = {tau + max_k} values"
        )
    # Columns 0..tau-1 are observations; column tau+j is the (j+1)-step prediction.
    window = np.empty((rows, tau + max_k), dtype=np.float32)
    window[:, :tau] = np.lib.stride_tricks.sliding_window_view(x, tau)[:rows]
    for j in range(max_k):
        window[:, tau + j] = np.asarray(predict(window[:, j : j + tau])).reshape(rows)
    return window[:, tau:]
