"""Perplexity from per-token log-probabilities."""

import math

import numpy as np
import pytest

from d2lrnn import metrics, perplexity


def test_uniform_model_has_perplexity_V():
    assert perplexity(np.log(np.full(10, 1 / 7))) == pytest.approx(7)


def test_a_cross_entropy_beyond_floats_range_is_infinite_not_an_overflow():
    assert perplexity([-1000.0, -1000.0]) == math.inf
    assert perplexity([-708.0]) == pytest.approx(math.exp(708))


def test_perfect_model_has_perplexity_one_and_any_iterable_works():
    assert metrics.perplexity([0.0, 0.0]) == 1.0
    lp = [math.log(0.5), math.log(0.25)]
    assert metrics.perplexity(iter(lp)) == pytest.approx(math.exp(-(sum(lp) / 2)))
    assert metrics.perplexity(np.array(lp, dtype=np.float32)) == pytest.approx(2**1.5, rel=1e-6)


@pytest.mark.parametrize(
    "log_probs, match", [([], "at least one"), ([0.5], "must be <= 0"), (np.zeros(0), "none")]
)
def test_bad_input(log_probs, match):
    with pytest.raises(ValueError, match=match):
        perplexity(log_probs)
