"""Synthetic sequences with known structure, for experiments with a ground truth."""

from __future__ import annotations

import numpy as np

from .checks import check_int


def sine_series(
    T: int = 1000, noise: float = 0.2, period: float = 200 * np.pi, seed: int = 0
) -> np.ndarray:
    """A noisy sine wave ``x_t = sin(2 pi t / period) + eps_t``, ``eps_t ~ N(0, noise^2)``.

    Returns a float32 array of shape ``(T,)`` for ``t = 1, ..., T``. The
    default period (about 628 steps) matches d2l's ``sin(0.01 t)``.
    """
    check_int(T, "T", 2)
    if not noise >= 0:
        raise ValueError(f"noise must be a float >= 0, got {noise!r}")
    if not period > 0:
        raise ValueError(f"period must be > 0, got {period!r}")
    rng = np.random.default_rng(seed)
    t = np.arange(1, T + 1, dtype=np.float64)
    return (np.sin(2 * np.pi * t / period) + rng.normal(0.0, noise, T)).astype(np.float32)


def lag_features(x: np.ndarray, tau: int) -> tuple[np.ndarray, np.ndarray]:
    """Features of the ``tau`` past values and the value that follows them.

    For a series ``x`` of shape ``(T,)`` returns ``features`` of shape
    ``(T - tau, tau)``, row ``i`` being ``x[i], ..., x[i + tau - 1]``, and
    ``labels`` of shape ``(T - tau,)``, ``labels[i] = x[i + tau]``.
    """
    x = np.asarray(x)
    if x.ndim != 1:
        raise ValueError(f"x must be a 1-D series, got shape {x.shape}")
    check_int(tau, "tau", 1)
    if tau >= len(x):
        raise ValueError(f"tau must be smaller than the series length {len(x)}, got tau={tau}")
    windows = np.lib.stride_tricks.sliding_window_view(x, tau)[:-1]
    return np.ascontiguousarray(windows), x[tau:].copy()
