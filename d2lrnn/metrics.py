"""Perplexity: the exponential of the average negative log-likelihood per token."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np


def perplexity(log_probs: Iterable[float] | np.ndarray) -> float:
    """``exp(-mean(log p(x_t | x_<t)))`` over the natural-log probabilities of each token.

    A model that spreads its probability uniformly over ``V`` tokens has
    perplexity ``V``; a perfect model has perplexity 1.
    """
    lp = np.asarray(
        list(log_probs) if not isinstance(log_probs, np.ndarray) else log_probs, dtype=np.float64
    )
    if lp.size == 0:
        raise ValueError("log_probs must hold at least one log-probability, got none")
    if np.any(lp > 0):
        raise ValueError("log_probs must be <= 0 (logs of probabilities), got a positive value")
    return math.exp(-lp.mean())
