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


# ---------------------------------------------------------------- recurrent forecasters


def forecaster(seed=0, num_hiddens=5):
    """Chapter 3's RNNForecaster (its cell, as the reader has it), initialised."""
    from tests.chapter_code import define

    d2lrnn.seed(seed)
    net = define(3, "RNNForecaster")["RNNForecaster"](num_hiddens)
    net.initialize()
    return net


def test_recurrent_forecasts_read_the_past_then_their_own_predictions():
    net = forecaster()
    x = series.sine_series(40, noise=0.1, seed=2)
    preds = series.recurrent_forecasts(net, x, 4, start=3)
    assert preds.shape == (40 - 4 - 3, 4) and preds.dtype == np.float32
    for t in (3, 10, 35):  # by hand: the whole past x[: t + 1] in one call, then feed back
        pred, state = net(mnp.array(x[: t + 1, None]), net.begin_state(1))
        y, want = pred[-1:, :], [float(pred[-1, 0])]
        for _ in range(3):
            y, state = net(y, state)
            want.append(float(y[0, 0]))
        np.testing.assert_allclose(preds[t - 3], want, rtol=1e-5, atol=1e-6)
    # start only skips rows: the forecasts from each t do not depend on it
    np.testing.assert_allclose(series.recurrent_forecasts(net, x, 4)[3:], preds, rtol=1e-5,
                               atol=1e-6)  # fmt: skip


def test_fit_forecaster_scores_the_windows_after_the_warmup():
    net = forecaster(1)
    x = series.sine_series(30, noise=0.1, seed=3)
    net(mnp.zeros((2, 1)), net.begin_state(1))  # gluon's deferred initialisation, done
    before = [p.data().copy() for p in net.collect_params().values()]
    loss = series.fit_forecaster(net, x, 1, length=6, warmup=2, batch_size=3, seed=5)
    assert len(loss) == 1
    # the first step's loss, by hand, from the weights before the step and the same windows
    for p, w in zip(net.collect_params().values(), before):
        p.set_data(w)
    starts = np.random.default_rng(5).integers(0, 30 - 6, 3)
    windows = np.stack([x[s : s + 7] for s in starts], axis=1)
    pred, _ = net(mnp.array(windows[:-1]), net.begin_state(3))
    want = 0.5 * ((pred.asnumpy()[2:] - windows[1:][2:]) ** 2).mean()
    np.testing.assert_allclose(loss[0], want, rtol=1e-5)


def test_fit_forecaster_learns_the_sine_and_is_seeded():
    x = series.sine_series(300, noise=0.05, seed=0)
    runs = []
    for _ in range(2):
        net = forecaster(0, 8)
        runs.append(series.fit_forecaster(net, x, 150, seed=4))
    assert runs[0] == runs[1]
    assert np.mean(runs[0][-20:]) < 0.2 * np.mean(runs[0][:5])
    preds = series.recurrent_forecasts(net, x, 1, start=100)[:, 0]
    assert np.mean((preds - x[101:]) ** 2) < 0.02  # near the noise's 0.0025, far below x's 0.5


def test_a_forecaster_that_breaks_the_interface_is_refused_clearly():
    x = series.sine_series(30)
    with pytest.raises(TypeError, match="net must be a recurrent forecaster.*begin_state"):
        series.recurrent_forecasts(gluon.nn.Dense(1), x, 2)

    class OnlyPredictions(gluon.Block):  # forgets to return the state
        def begin_state(self, n):
            return [mnp.zeros((1, n, 2))]

        def forward(self, X, state):
            return X

    with pytest.raises(ValueError, match=r"net\(X, state\) must return \(predictions of shape"):
        series.recurrent_forecasts(OnlyPredictions(), x, 2)
