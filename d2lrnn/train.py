"""Training loops."""

from __future__ import annotations

import numpy as np
from mxnet import autograd, gluon
from mxnet import np as mnp

from .runtime import default_device


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
    """Fit ``net`` to ``features -> labels`` with squared loss and Adam.

    Args:
        features: ``(n, d)`` float inputs.
        labels: ``(n,)`` float targets.
    Returns the mean training loss ``0.5 * (y_hat - y)^2`` after each epoch.
    """
    features = np.asarray(features, dtype=np.float32)
    labels = np.asarray(labels, dtype=np.float32).reshape(-1, 1)
    if features.ndim != 2 or len(features) != len(labels):
        raise ValueError(
            f"features must be (n, d) and labels (n,), got {features.shape} and {labels.shape[:1]}"
        )
    if batch_size < 1 or num_epochs < 1 or not lr > 0:
        raise ValueError(
            "batch_size and num_epochs must be >= 1 and lr > 0, "
            f"got {batch_size}, {num_epochs}, {lr}"
        )
    device = device or default_device()
    rng = np.random.default_rng(seed)
    X, Y = mnp.array(features, ctx=device), mnp.array(labels, ctx=device)
    loss = gluon.loss.L2Loss()
    trainer = gluon.Trainer(net.collect_params(), "adam", {"learning_rate": lr})
    history = []
    for _ in range(num_epochs):
        order = rng.permutation(len(features))
        for i in range(0, len(order), batch_size):
            idx = mnp.array(order[i : i + batch_size], dtype="int64", ctx=device)
            with autograd.record():
                batch_loss = loss(net(X[idx]), Y[idx])
            batch_loss.backward()
            trainer.step(len(idx))
        history.append(float(loss(net(X), Y).mean()))
    return history
