"""The chapters' plotting helpers: series, how minibatches cut a corpus, gate heat maps."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

import d2lrnn
from d2lrnn import plot


def test_plot_series():
    ax = plot.plot(np.arange(5), [np.arange(5), np.arange(5) ** 2], legend=["a", "b"], yscale="log")
    assert len(ax.lines) == 2 and ax.get_yscale() == "log"
    ax = plot.plot([1, 2, 3])
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [0, 1, 2])
    with pytest.raises(ValueError, match="X and Y must hold as many series, got 2 and 3"):
        plot.plot([np.arange(2), np.arange(2)], [np.arange(2)] * 3)
    plt.close("all")


def test_plot_labels_limits_title_and_given_axes():
    _, axes = plt.subplots()
    ax = plot.plot(
        np.arange(4),
        np.arange(4) * 2.0,
        xlabel="t",
        ylabel="x",
        xlim=(0, 3),
        ylim=(-1, 7),
        title="a line",
        axes=axes,
    )
    assert ax is axes and (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("t", "x", "a line")
    assert ax.get_xlim() == (0, 3) and ax.get_ylim() == (-1, 7)
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [0, 2, 4, 6])
    ax = plot.plot(np.stack([np.arange(3)] * 8))  # a 2-D array is a list of series
    assert len(ax.lines) == 8  # more series than formats: the formats repeat
    plt.close("all")


def test_plot_partitions_draws_every_window():
    fig = plot.plot_partitions(num_tokens=48, batch_size=2, num_steps=5)
    random_ax, seq_ax = fig.axes
    n_windows = 2 * len(d2lrnn.SeqBatches(np.arange(48), 2, 5))
    assert len(seq_ax.patches) == n_windows + 1  # +1: the outline of the corpus
    assert len(random_ax.patches) == 2 * len(d2lrnn.SeqBatches(np.arange(48), 2, 5, "random")) + 1
    plt.close(fig)


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


def test_rnn_graph_teacher_forcing_leaves_the_outputs_childless():
    nodes, edges = plot.rnn_graph(4)
    assert {n for n, (_, _, kind, _) in nodes.items() if kind == "observed"} == {
        "x1",
        "x2",
        "x3",
        "x4",
    }
    assert not [e for e in edges if e[0].startswith("y")]  # outputs are leaves
    for t in range(1, 5):
        parents = {a for a, b in edges if b == f"h{t}"}
        assert parents == ({f"x{t}", f"h{t - 1}"} if t > 1 else {"x1"})
        assert (f"h{t}", f"y{t}") in edges


def test_rnn_graph_free_running_feeds_each_output_to_the_next_state():
    nodes, edges = plot.rnn_graph(3, free_running=True)
    assert [n for n, v in nodes.items() if v[2] == "observed"] == ["x1"]
    assert {a for a, b in edges if b == "h3"} == {"y2", "h2"}
    assert ("y1", "h2") in edges and ("y3", "h4") not in edges
    assert all(a in nodes and b in nodes for a, b in edges)


def test_graphical_model_draws_both_graphs():
    fig = plot.graphical_model(3)
    left, right = fig.axes
    assert [ax.get_title() for ax in fig.axes] == ["teacher forcing", "free running"]
    labels = lambda ax: {t.get_text() for t in ax.texts} - {""}  # noqa: E731
    assert labels(left) == {"$x_{1}$", "$x_{2}$", "$x_{3}$", "$h_{1}$", "$h_{2}$", "$h_{3}$",
                            r"$\hat{x}_{2}$", r"$\hat{x}_{3}$", r"$\hat{x}_{4}$"}  # fmt: skip
    assert "$x_{2}$" not in labels(right)

    def arrows(ax):
        return [
            c for c in ax.get_children() if type(c).__name__ == "Annotation" and not c.get_text()
        ]  # noqa: E731

    assert len(arrows(left)) == len(plot.rnn_graph(3)[1]) and len(arrows(right)) == len(
        plot.rnn_graph(3, True)[1]
    )
    plt.close(fig)
