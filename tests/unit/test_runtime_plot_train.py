"""Seeding, device choice, the plotting helpers and the regression loop."""

import matplotlib.pyplot as plt
import mxnet as mx
import numpy as np
import pytest
from mxnet import gluon
from mxnet import np as mnp

import d2lrnn
from d2lrnn import plot, train


def test_seed_makes_mxnet_and_numpy_repeat():
    d2lrnn.seed(5)
    a = (mnp.random.normal(size=3).asnumpy(), np.random.rand(3))
    d2lrnn.seed(5)
    b = (mnp.random.normal(size=3).asnumpy(), np.random.rand(3))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


@pytest.mark.parametrize("value", [-1, 1.5, "0"])
def test_seed_bad_input(value):
    with pytest.raises(ValueError, match="value must be an int >= 0"):
        d2lrnn.seed(value)


def test_default_device_matches_gpu_count():
    dev = d2lrnn.default_device()
    assert dev.device_type == ("gpu" if d2lrnn.runtime.num_gpus() else "cpu")
    assert isinstance(dev, mx.Context)


def test_plot_series():
    ax = plot.plot(np.arange(5), [np.arange(5), np.arange(5) ** 2], legend=["a", "b"], yscale="log")
    assert len(ax.lines) == 2 and ax.get_yscale() == "log"
    ax = plot.plot([1, 2, 3])
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [0, 1, 2])
    with pytest.raises(ValueError, match="X and Y must hold as many series, got 2 and 3"):
        plot.plot([np.arange(2), np.arange(2)], [np.arange(2)] * 3)
    plt.close("all")


def test_plot_partitions_draws_every_window():
    fig = plot.plot_partitions(num_tokens=48, batch_size=2, num_steps=5)
    random_ax, seq_ax = fig.axes
    n_windows = 2 * len(d2lrnn.SeqBatches(np.arange(48), 2, 5))
    assert len(seq_ax.patches) == n_windows + 1  # +1: the outline of the corpus
    assert len(random_ax.patches) == 2 * len(d2lrnn.SeqBatches(np.arange(48), 2, 5, "random")) + 1
    plt.close(fig)


def test_fit_regression_learns_a_linear_map():
    d2lrnn.seed(0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(256, 3)).astype(np.float32)
    y = X @ np.array([1.0, -2.0, 0.5], dtype=np.float32)
    net = gluon.nn.Dense(1)
    net.initialize(ctx=d2lrnn.default_device())
    losses = train.fit_regression(net, X, y, num_epochs=20, lr=0.05, batch_size=32)
    assert losses[-1] < 0.01 * losses[0]


def test_fit_regression_bad_input():
    net = gluon.nn.Dense(1)
    net.initialize()
    with pytest.raises(ValueError, match="features must be"):
        train.fit_regression(net, np.zeros((4, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="batch_size and num_epochs"):
        train.fit_regression(net, np.zeros((4, 2)), np.zeros(4), batch_size=0)


def test_gate_heatmap_draws_one_panel_per_gate():
    rng = np.random.default_rng(0)
    gates = {"forget": rng.uniform(size=(5, 8)), "C": rng.uniform(-2, 2, size=(5, 8))}
    fig = plot.gate_heatmap(gates, "ab cd", ["forget", "C"], [0, 3, 7])
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert len(panels) == 2
    image = panels[0].images[0]
    assert image.get_array().shape == (3, 5)
    assert image.get_clim() == (0, 1) and panels[1].images[0].get_clim() == (-1, 1)
    assert [t.get_text() for t in panels[0].get_xticklabels()] == ["a", "b", "␣", "c", "d"]
    plt.close(fig)


@pytest.mark.parametrize(
    "names, text, match",
    [
        ([], "abcde", "names must list at least one gate"),
        (["output"], "abcde", "no gate 'output': gates has"),
        (["forget"], "abcd", "text has 4 characters but gate 'forget' has 5 steps"),
    ],
)
def test_gate_heatmap_bad_input(names, text, match):
    with pytest.raises(ValueError, match=match):
        plot.gate_heatmap({"forget": np.zeros((5, 2))}, text, names, [0])
