"""Live training progress: one line per epoch outside a notebook, a figure inside, or nothing."""

import matplotlib.pyplot as plt
import pytest

from d2lrnn import progress


def test_outside_a_notebook_auto_means_text():
    assert progress.in_notebook() is False
    assert progress.Progress(3).mode == "text"
    assert progress.Progress(3, "plot").mode == "plot"


def test_text_prints_every_epoch_or_every_few(capsys):
    view = progress.Progress(3, "text", title="GRU")
    for epoch in (1, 2, 3):
        view.update(epoch, 10.0 / epoch, 12.0 / epoch, 25_000.0)
    view.close()
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines == [
        "GRU: epoch 1/3, train perplexity 10.00, val perplexity 12.00, 25k tokens/s",
        "GRU: epoch 2/3, train perplexity 5.00, val perplexity 6.00, 25k tokens/s",
        "GRU: epoch 3/3, train perplexity 3.33, val perplexity 4.00, 25k tokens/s",
    ]
    view = progress.Progress(10, "text", every=4)
    for epoch in range(1, 11):
        view.update(epoch, 2.0, None, 1000.0)
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split(",")[0] for line in lines] == ["epoch 4/10", "epoch 8/10", "epoch 10/10"]
    assert lines[0] == "epoch 4/10, train perplexity 2.00, 1k tokens/s"
    assert view.epochs == list(range(1, 11)) and view.train == [2.0] * 10 and view.val == []


def test_none_is_silent(capsys):
    view = progress.Progress(2, "none")
    view.update(1, 3.0, 4.0, 100.0)
    view.close()
    assert capsys.readouterr().out == ""
    assert view.train == [3.0] and view.val == [4.0]


def test_plot_draws_one_figure_updated_in_place(monkeypatch):
    shown = []

    class Handle:
        def update(self, fig):
            shown.append(("update", fig))

    def display(fig, display_id=False):
        shown.append(("display", fig))
        return Handle()

    monkeypatch.setattr("IPython.display.display", display)
    view = progress.Progress(4, "plot", title="LSTM")
    view.update(1, 8.0, 9.0, 1e4)
    view.update(2, 6.0, 7.0, 1e4)
    fig = shown[0][1]
    assert [kind for kind, _ in shown] == ["display", "update", "update"]
    assert all(f is fig for _, f in shown)  # one figure for the whole run
    (ax,) = fig.axes
    assert [line.get_label() for line in ax.lines] == ["train", "validation"]
    assert list(ax.lines[0].get_ydata()) == [8.0, 6.0] and ax.get_yscale() == "log"
    assert "LSTM: epoch 2/4" in ax.get_title() and "train perplexity 6.00" in ax.get_title()
    view.close()
    assert not plt.fignum_exists(fig.number)


def test_bad_mode():
    with pytest.raises(
        ValueError, match=r"mode must be one of \['auto', 'plot', 'text', 'none'\], got 'loud'"
    ):
        progress.Progress(3, "loud")
