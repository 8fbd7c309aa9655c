"""Synthetic series, lag features and k-step forecasting."""

import numpy as np
import pytest

from d2lrnn import forecast, synthetic


def test_sine_series_is_seeded_and_noisy():
    x = synthetic.sine_series(500, noise=0.2, seed=1)
    assert x.shape == (500,) and x.dtype == np.float32
    np.testing.assert_array_equal(x, synthetic.sine_series(500, noise=0.2, seed=1))
    clean = synthetic.sine_series(500, noise=0.0)
    np.testing.assert_allclose(clean, np.sin(0.01 * np.arange(1, 501)), atol=1e-6)
    assert 0.15 < np.std(x - clean) < 0.25


def test_lag_features():
    features, labels = synthetic.lag_features(np.arange(6.0), 2)
    np.testing.assert_array_equal(features, [[0, 1], [1, 2], [2, 3], [3, 4]])
    np.testing.assert_array_equal(labels, [2, 3, 4, 5])


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: synthetic.sine_series(1), "T must be an int >= 2"),
        (lambda: synthetic.sine_series(10, noise=-1), "noise must be"),
        (lambda: synthetic.sine_series(10, period=0), "period must be > 0"),
        (lambda: synthetic.lag_features(np.arange(5), 0), "tau must be an int >= 1"),
        (
            lambda: synthetic.lag_features(np.arange(5), 5),
            "tau must be smaller than the series length 5",
        ),
        (lambda: synthetic.lag_features(np.zeros((2, 3)), 1), "x must be a 1-D series"),
        (
            lambda: forecast.k_step_predictions(np.sum, np.arange(5), 3, 3),
            "too short for tau=3 and max_k=3",
        ),
        (
            lambda: forecast.k_step_predictions(np.sum, np.arange(5), 0, 1),
            "tau must be an int >= 1",
        ),
        (
            lambda: forecast.k_step_predictions(np.sum, np.arange(5), 1, 0),
            "max_k must be an int >= 1",
        ),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_k_step_with_an_exact_model_is_exact():
    # x_t = x_{t-1} + 1 and a model that knows it: every horizon is exact.
    x = np.arange(20, dtype=np.float32)
    preds = forecast.k_step_predictions(lambda w: w[:, -1] + 1, x, tau=3, max_k=5)
    assert preds.shape == (20 - 3 - 5 + 1, 5)
    for k in range(1, 6):
        np.testing.assert_array_equal(preds[:, k - 1], x[3 + k - 1 : 3 + k - 1 + len(preds)])


def test_k_step_feeds_predictions_back():
    # A model that adds 1 to the mean of its window, checked by hand.
    x = np.array([0.0, 2.0, 4.0, 6.0, 8.0], dtype=np.float32)
    preds = forecast.k_step_predictions(lambda w: w.mean(axis=1) + 1, x, tau=2, max_k=2)
    p1 = (0 + 2) / 2 + 1  # from observations
    p2 = (2 + p1) / 2 + 1  # from one observation and one prediction
    np.testing.assert_allclose(preds[0], [p1, p2])
    np.testing.assert_allclose(preds[1, 0], (2 + 4) / 2 + 1)
