"""Chapter 1's sequence models on a series of numbers: data, features, fit and forecast.

* :func:`sine_series`: a noisy sine wave, a series whose structure we know;
* :func:`lag_features`: the ``tau`` past values as features, the next value as label;
* :func:`fit_regression`: fit any gluon network to those features (squared loss);
* :func:`k_step_predictions`: forecast ``k`` steps ahead by feeding predictions back;
* :func:`fit_forecaster` and :func:`recurrent_forecasts`: the same for a recurrent
  forecaster, which reads the whole past through its state instead of a window
  (chapter 3, "Back to chapter 1's series").

A series is a 1-D array ``x`` of shape ``(T,)``. A *recurrent forecaster* is a
gluon Block called as ``net(X, state)`` with ``X`` of shape ``(T, n)`` (``n``
series side by side, time first), that returns the predictions of the next
values ``(T, n)`` (row ``t`` predicts ``X[t + 1]``) and the new state, and has
``net.begin_state(n)``; its state is a list of arrays whose axis 1 is the
batch, the layout of gluon's recurrent layers (``(layers, n, h)``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from mxnet import autograd, gluon
from mxnet import np as mnp

from .batches import ArrayBatches
from .checks import check_array, check_device, check_int, check_number, check_series
from .runtime import default_device
from .train import FitHistory, fit, make_trainer, train_step, trainable

__all__ = [
    "fit_forecaster",
    "fit_regression",
    "k_step_predictions",
    "lag_features",
    "recurrent_forecasts",
    "sine_series",
]


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


def _check_forecaster(net: object) -> gluon.Block:
    if not isinstance(net, gluon.Block) or not callable(getattr(net, "begin_state", None)):
        raise TypeError(
            "net must be a recurrent forecaster: a gluon Block called as net(X, state) with "
            f"X (T, n), with a begin_state(n) method; got {type(net).__name__}"
        )
    return net


def _forecast(net: gluon.Block, X, state):
    """``net(X, state)``, checked: predictions ``(T, n)`` and a list of states."""
    out = net(X, state)
    if not isinstance(out, (tuple, list)) or len(out) != 2 or out[0].shape != X.shape:
        got = (
            [getattr(o, "shape", type(o).__name__) for o in out]
            if isinstance(out, (tuple, list))
            else type(out).__name__
        )
        raise ValueError(
            f"net(X, state) must return (predictions of shape {tuple(X.shape)}, state), got {got}"
        )
    return out


def fit_forecaster(
    net: gluon.Block,
    x: np.ndarray,
    num_steps: int,
    length: int = 64,
    warmup: int = 8,
    batch_size: int = 64,
    lr: float = 0.01,
    clip: float | None = 1.0,
    seed: int = 0,
    device=None,
) -> list[float]:
    """Train a recurrent forecaster (module docstring) to predict each next value of ``x``.

    Each of ``num_steps`` Adam steps draws ``batch_size`` windows of
    ``length + 1`` consecutive values at random from ``x`` (a generator seeded
    with ``seed``), feeds the first ``length`` values of each from a fresh
    state, and takes the squared error of the predictions of values
    ``warmup + 1 .. length`` (the first ``warmup`` predictions, made from
    almost no past, are not scored): ``0.5 * mean((x_hat - x)^2)``.
    Gradients are clipped to norm ``clip``. Returns the loss of every step.
    """
    _check_forecaster(net)
    x = check_series(x)
    num_steps = check_int(num_steps, "num_steps", 1)
    length = check_int(length, "length", 1)
    warmup = check_int(warmup, "warmup", 0, length - 1)
    batch_size = check_int(batch_size, "batch_size", 1)
    if len(x) < length + 1:
        raise ValueError(
            f"x of length {len(x)} is too short: it must hold at least length + 1 = "
            f"{length + 1} values, one window"
        )
    device = check_device(device) or default_device()
    trainer = make_trainer(net, "adam", lr)
    params = trainable(net)
    rng = np.random.default_rng(check_int(seed, "seed", 0))
    losses = []
    for step in range(num_steps):
        starts = rng.integers(0, len(x) - length, batch_size)
        windows = np.stack([x[s : s + length + 1] for s in starts], axis=1)  # (length + 1, n)
        X = mnp.array(windows[:-1], ctx=device)
        Y = mnp.array(windows[1:], ctx=device)
        with autograd.record():
            pred, _ = _forecast(net, X, net.begin_state(batch_size))
            loss = 0.5 * ((pred[warmup:] - Y[warmup:]) ** 2).mean()
        train_step(loss, params, trainer, clip, device, where=f"step {step + 1}")
        losses.append(float(loss))
    return losses


def recurrent_forecasts(
    net: gluon.Block, x: np.ndarray, max_k: int, start: int = 0, device=None
) -> np.ndarray:
    """Forecast values ``1, ..., max_k`` steps ahead with a recurrent forecaster.

    From every time ``t = start, ..., len(x) - max_k - 1`` the forecaster has
    read the observed ``x[0], ..., x[t]`` (its state then holds the whole past,
    not a window), predicts ``x[t + 1]``, and from there reads its own
    predictions only. Returns ``preds`` of shape ``(len(x) - max_k - start,
    max_k)``: ``preds[i, k - 1]`` is the ``k``-step-ahead prediction of
    ``x[start + i + k]``, made from ``x[: start + i + 1]`` only.
    """
    _check_forecaster(net)
    x = check_series(x)
    max_k = check_int(max_k, "max_k", 1)
    start = check_int(start, "start", 0)
    rows = len(x) - max_k - start
    if rows < 1:
        raise ValueError(
            f"x of length {len(x)} is too short for max_k={max_k} and start={start}; "
            f"it needs more than start + max_k = {start + max_k} values"
        )
    device = check_device(device) or default_device()

    def read(values, state):
        return _forecast(net, mnp.array(values[:, None], ctx=device), state)

    # The past before the first start in one call, then one value at a time, keeping the
    # state after each.
    state = net.begin_state(1)
    if start:
        _, state = read(x[:start], state)
    states, first = [], []
    for t in range(start, start + rows):
        pred, state = read(x[t : t + 1], state)
        states.append(state)
        first.append(pred[0, 0])
    # Then every start at once, as a batch of rows series, fed its own predictions.
    state = [mnp.concatenate([s[i] for s in states], axis=1) for i in range(len(states[0]))]
    y = mnp.stack(first)  # (rows,): the 1-step predictions
    preds = [y]
    for _ in range(max_k - 1):
        pred, state = _forecast(net, y[None, :], state)
        y = pred[0]
        preds.append(y)
    return np.stack([p.asnumpy() for p in preds], axis=1).astype(np.float32)
