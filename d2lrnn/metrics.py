"""Perplexity: the exponential of the average negative log-likelihood per token."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

__all__ = ["perplexity"]


def perplexity(log_probs: Iterable[float] | np.ndarray) -> float:
    """``exp(-mean(log p(x_t | x_<t)))`` over the natural-log probabilities of each token.

    A model that spreads its probability uniformly over ``V`` tokens has
    perplexity ``V``; a perfect model has perplexity 1.
    """
    if isinstance(log_probs, (str, bytes)) or log_probs is None:
        raise TypeError(f"log_probs must be numbers, got {type(log_probs).__name__} {log_probs!r}")
    try:
        lp = np.asarray(
            list(log_probs) if not isinstance(log_probs, np.ndarray) else log_probs,
            dtype=np.float64,
        )
    except (TypeError, ValueError):
        raise TypeError(f"log_probs must be numbers, got {log_probs!r}") from None
    if lp.ndim != 1:
        raise ValueError(f"log_probs must be 1-D, one log-probability per token, got {lp.shape}")
    if lp.size == 0:
        raise ValueError("log_probs must hold at least one log-probability, got none")
    if np.isnan(lp).any():
        raise ValueError("log_probs must not hold NaN: the model's loss is not a number")
    if np.any(lp > 0):
        raise ValueError("log_probs must be <= 0 (logs of probabilities), got a positive value")
    cross_entropy = -lp.mean()
    return math.exp(cross_entropy) if cross_entropy < 709 else math.inf  # beyond float's range
