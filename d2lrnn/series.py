"""Chapter 1's sequence models on a series of numbers: data, features, fit and forecast.

* :func:`sine_series`: a noisy sine wave, a series whose structure we know;
* :func:`lag_features`: the ``tau`` past values as features, the next value as label;
* :func:`fit_regression`: fit any gluon network to those features (squared loss);
* :func:`k_step_predictions`: forecast ``k`` steps ahead by feeding predictions back.

A series is a 1-D array ``x`` of shape ``(T,)``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from mxnet import gluon

from .batches import ArrayBatches
from .checks import check_array, check_int, check_number, check_series
from .train import FitHistory, fit

__all__ = ["fit_regression", "k_step_predictions", "lag_features", "sine_series"]


def sine_series(
    T: int = 1000, noise: float = 0.2, period: float = 200 * np.pi, seed: int = 0
) -> np.ndarray:
    """A noisy sine wave ``x_t = sin(2 pi t / period) + eps_t``, ``eps_t ~ N(0, noise^2)``.

    Returns a float32 array of shape ``(T,)`` for ``t = 1, ..., T``. The
    default period (about 628 steps) matches d2l's ``sin(0.01 t)``.
    """
    T = check_int(T, "T", 2)
    noise = check_number(noise, "noise", 0)
    period = check_number(period, "period", 0, above=True)
    rng = np.random.default_rng(check_int(seed, "seed", 0))
    t = np.arange(1, T + 1, dtype=np.float64)
    return (np.sin(2 * np.pi * t / period) + rng.normal(0.0, noise, T)).astype(np.float32)


def _windows(x: np.ndarray, tau: int, rows: int) -> np.ndarray:
    """The first ``rows`` windows ``x[i : i + tau]`` of ``x``, as a ``(rows, tau)`` view."""
    return np.lib.stride_tricks.sliding_window_view(x, tau)[:rows]


def lag_features(x: np.ndarray, tau: int) -> tuple[np.ndarray, np.ndarray]:
    """Features of the ``tau`` past values and the value that follows them.

    For a series ``x`` of shape ``(T,)`` returns ``features`` of shape
    ``(T - tau, tau)``, row ``i`` being ``x[i], ..., x[i + tau - 1]``, and
    ``labels`` of shape ``(T - tau,)``, ``labels[i] = x[i + tau]``.
    """
    x = check_series(x)
    check_int(tau, "tau", 1)
    if tau >= len(x):
        raise ValueError(f"tau must be smaller than the series length {len(x)}, got tau={tau}")
    return np.ascontiguousarray(_windows(x, tau, len(x) - tau)), x[tau:].copy()


def fit_regression(
    net: gluon.Block,
    features: np.ndarray,
    labels: np.ndarray,
    num_epochs: int = 5,
    lr: float = 0.01,
    batch_size: int = 16,
    seed: int = 0,
    device=None,
) -> list[float]:
    """Fit ``net`` to ``features -> labels`` with squared loss and Adam (:func:`d2lrnn.train.fit`).

    Args:
        features: ``(n, d)`` float inputs.
        labels: ``(n,)`` float targets.
    Returns the loss ``0.5 * (y_hat - y)^2``, averaged over every example,
    after each epoch.
    """
    if not isinstance(net, gluon.Block):
        raise TypeError(f"net must be a gluon Block, got {type(net).__name__}")
    features = check_array(features, "features", ndim=2).astype(np.float32)
    labels = check_array(labels, "labels", ndim=(1, 2)).astype(np.float32)
    if labels.ndim == 2 and labels.shape[1] != 1:
        raise ValueError(f"labels must be (n,) or (n, 1), got shape {labels.shape}")
    labels = labels.reshape(-1, 1)
    if len(features) != len(labels):
        raise ValueError(
            f"features and labels must hold as many examples, got {len(features)} and {len(labels)}"
        )
    batches = ArrayBatches(features, labels, batch_size, shuffle=True, seed=seed)
    history: FitHistory = fit(
        net,
        batches,
        num_epochs,
        loss="squared",
        lr=lr,
        clip=None,
        val=(features, labels),
        device=device,
    )
    return history.val_loss


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
    if not callable(predict):
        raise TypeError(f"predict must be a function of (n, tau) windows, got {predict!r}")
    x = check_series(x)
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
    window[:, :tau] = _windows(x, tau, rows)
    for j in range(max_k):
        pred = np.asarray(predict(window[:, j : j + tau]))
        if pred.size != rows:
            raise ValueError(
                f"predict must return one prediction per window, (n,) or (n, 1) with n={rows}, "
                f"got shape {pred.shape}"
            )
        window[:, tau + j] = pred.reshape(rows)
    return window[:, tau:]
