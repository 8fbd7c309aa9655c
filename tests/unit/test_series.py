"""Chapter 1's series: the noisy sine, lag features, the regression fit and k-step forecasts."""

import numpy as np
import pytest
from mxnet import gluon
from mxnet import np as mnp

import d2lrnn
from d2lrnn import series, train


def test_sine_series_is_seeded_and_noisy():
    x = series.sine_series(500, noise=0.2, seed=1)
    assert x.shape == (500,) and x.dtype == np.float32
    np.testing.assert_array_equal(x, series.sine_series(500, noise=0.2, seed=1))
    clean = series.sine_series(500, noise=0.0)
    np.testing.assert_allclose(clean, np.sin(0.01 * np.arange(1, 501)), atol=1e-6)
    assert 0.15 < np.std(x - clean) < 0.25


def test_lag_features():
    features, labels = series.lag_features(np.arange(6.0), 2)
    np.testing.assert_array_equal(features, [[0, 1], [1, 2], [2, 3], [3, 4]])
    np.testing.assert_array_equal(labels, [2, 3, 4, 5])


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: series.sine_series(1), "T must be an int >= 2"),
        (lambda: series.sine_series(10, noise=-1), "noise must be"),
        (lambda: series.sine_series(10, period=0), "period must be a finite number > 0, got 0"),
        (lambda: series.lag_features(np.arange(5), 0), "tau must be an int >= 1"),
        (
            lambda: series.lag_features(np.arange(5), 5),
            "tau must be smaller than the series length 5",
        ),
        (
            lambda: series.lag_features(np.zeros((2, 3)), 1),
            r"x must be a 1-D array, got shape \(2, 3\)",
        ),
        (
            lambda: series.k_step_predictions(np.sum, np.arange(5), 3, 3),
            "too short for tau=3 and max_k=3",
        ),
        (
            lambda: series.k_step_predictions(np.sum, np.arange(5), 0, 1),
            "tau must be an int >= 1",
        ),
        (
            lambda: series.k_step_predictions(np.sum, np.arange(5), 1, 0),
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
    preds = series.k_step_predictions(lambda w: w[:, -1] + 1, x, tau=3, max_k=5)
    assert preds.shape == (20 - 3 - 5 + 1, 5)
    for k in range(1, 6):
        np.testing.assert_array_equal(preds[:, k - 1], x[3 + k - 1 : 3 + k - 1 + len(preds)])


def test_k_step_feeds_predictions_back():
    # A model that adds 1 to the mean of its window, checked by hand.
    x = np.array([0.0, 2.0, 4.0, 6.0, 8.0], dtype=np.float32)
    preds = series.k_step_predictions(lambda w: w.mean(axis=1) + 1, x, tau=2, max_k=2)
    p1 = (0 + 2) / 2 + 1  # from observations
    p2 = (2 + p1) / 2 + 1  # from one observation and one prediction
    np.testing.assert_allclose(preds[0], [p1, p2])
    np.testing.assert_allclose(preds[1, 0], (2 + 4) / 2 + 1)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: series.sine_series(10.0), "T must be an int >= 2, got float"),
        (lambda: series.lag_features(np.arange(5), 1.0), "tau must be an int >= 1"),
        (lambda: series.k_step_predictions(np.sum, np.arange(9), 2, 1.5), "max_k must be an int"),
    ],
)
def test_non_integer_sizes_are_type_errors(call, match):
    with pytest.raises(TypeError, match=match):
        call()


def test_fit_regression_learns_a_linear_map():
    d2lrnn.seed(0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(256, 3)).astype(np.float32)
    y = X @ np.array([1.0, -2.0, 0.5], dtype=np.float32)
    net = gluon.nn.Dense(1)
    net.initialize(ctx=d2lrnn.default_device())
    losses = series.fit_regression(net, X, y, num_epochs=20, lr=0.05, batch_size=32)
    assert len(losses) == 20
    assert losses[-1] < 0.01 * losses[0]


def test_fit_regression_loss_falls_on_a_sine():
    """An MLP on lag features of the noisy sine: the loss falls towards the noise floor."""
    d2lrnn.seed(0)
    x = series.sine_series(600, noise=0.2, seed=0)
    features, labels = series.lag_features(x, 4)
    net = gluon.nn.Sequential()
    net.add(gluon.nn.Dense(10, activation="relu"), gluon.nn.Dense(1))
    net.initialize()
    untrained = train.evaluate(net, features, labels.reshape(-1, 1), "squared")["loss"]
    losses = series.fit_regression(net, features, labels, num_epochs=5, lr=0.01, seed=0)
    assert len(losses) == 5 and losses[-1] < losses[0] < 0.5 * untrained
    # 0.5 * noise^2 = 0.02 is the best possible; far below the series' own 0.5 * var ~ 0.27.
    assert losses[-1] < 0.05
    # A one-step forecast from the fitted model is close to the clean sine.
    preds = series.k_step_predictions(lambda w: net(mnp.array(w)).asnumpy(), x, 4, 1)
    clean = series.sine_series(600, noise=0.0)
    assert preds.shape == (600 - 4, 1)
    assert np.sqrt(np.mean((preds[:, 0] - clean[4:]) ** 2)) < 0.2


def test_fit_regression_is_seeded():
    X = np.random.default_rng(1).normal(size=(64, 2)).astype(np.float32)
    y = X.sum(axis=1)
    runs = []
    for _ in range(2):
        d2lrnn.seed(0)
        net = gluon.nn.Dense(1)
        net.initialize()
        runs.append(series.fit_regression(net, X, y, num_epochs=2, seed=4))
    assert runs[0] == runs[1]


def test_fit_regression_bad_input():
    net = gluon.nn.Dense(1)
    net.initialize()
    with pytest.raises(
        ValueError, match="features and labels must hold as many examples, got 4 and 3"
    ):
        series.fit_regression(net, np.zeros((4, 2)), np.zeros(3))
    with pytest.raises(ValueError, match=r"features must be a 2-D array, got shape \(4,\)"):
        series.fit_regression(net, np.zeros(4), np.zeros(4))
    with pytest.raises(ValueError, match="batch_size must be an int >= 1, got 0"):
        series.fit_regression(net, np.zeros((4, 2)), np.zeros(4), batch_size=0)
    with pytest.raises(ValueError, match="num_epochs must be an int >= 1, got 0"):
        series.fit_regression(net, np.zeros((4, 2)), np.zeros(4), num_epochs=0)
