"""The vanishing-gradient explorer: its data for every setting, its figure and frames."""

import re

import matplotlib.pyplot as plt
import numpy as np
import pytest

import d2lrnn.widgets
from d2lrnn import vanishing
from d2lrnn.widgets import vanishing as wvan


def test_bad_input():
    with pytest.raises(ValueError, match=r"Ts\[0\] must be an int >= 1, got 0"):
        wvan.vanishing_data(Ts=(0,))
    with pytest.raises(
        ValueError, match=r"cells\[1\] must be one of \['rnn', 'lstm', 'gru'\], got 'transformer'"
    ):
        wvan.vanishing_data(cells=("rnn", "transformer"))


def test_explorer_is_importable_from_the_widgets_package():
    assert d2lrnn.widgets.vanishing_explorer is wvan.vanishing_explorer


def test_data_keys_ignore_what_a_cell_does_not_use():
    key = wvan.VanishingData.key
    assert key("rnn", "tanh", 0.5, 2.0, 20, 1.0) == key("rnn", "tanh", 0.5, 5.0, 20, 1.0)
    assert key("lstm", "tanh", 0.5, 2.0, 20, 1.0) == key("lstm", "relu", 0.0, 2.0, 20, 1.0)
    assert key("lstm", "tanh", 0.5, 2.0, 20, 1.0) != key("gru", "tanh", 0.5, 2.0, 20, 1.0)


def test_vanishing_explorer_has_a_frame_per_setting_and_links():
    data = wvan.vanishing_data(
        radii=(0.5, 1.5),
        Ts=(10,),
        activations=("tanh", "sigmoid"),
        alphas=(0.0, 0.9),
        gate_biases=(0.0, 4.0),
        num_hiddens=4,
    )
    assert len(data.curves) == 2 * 2 * 2 + 2 * 2 * 2  # RNN: act x alpha x radius; gated
    box = wvan.vanishing_explorer(data)
    assert box.num_frames == len(data.curves)
    labels = [c.description for c in box.controls]
    assert all(labels) and len(labels) == 6
    # One link per Stack, one Stack per choice of the controls above its level:
    # 1, 3 (cells), 3*2 (activations), 6*2 (alphas), 12*2 (biases), 24*1 (T).
    assert len(box.links) == 1 + 3 + 6 + 12 + 24 + 24
    pngs = {id(w): w.value for w in _leaves(box.frames)}
    assert len(set(pngs.values())) == box.num_frames
    # Alt text names the cell and the values that decide the frame.
    alts = [re.search(r'alt="([^"]+)"', v).group(1) for v in pngs.values()]
    assert len(set(alts)) == box.num_frames
    assert any("RNN with sigmoid, leak 0.9" in a and "λ₁ = 1.5" in a for a in alts), alts
    assert any("GRU with keep-gate bias 4" in a for a in alts), alts
    for norms, reference in data.curves.values():
        assert norms.shape == reference.shape == (10,)


def _leaves(w):
    if hasattr(w, "children") and w.children:
        for c in w.children:
            yield from _leaves(c)
    else:
        yield w


@pytest.fixture(scope="module")
def tiny():
    return wvan.vanishing_data(
        radii=(0.5, 2.0),
        Ts=(6,),
        activations=("tanh",),
        alphas=(0.0,),
        gate_biases=(3.0,),
        num_hiddens=3,
    )


def test_data_are_the_recurrences_norms_and_references(tiny):
    norms, bound = tiny.curves[wvan.VanishingData.key("rnn", "tanh", 0.0, None, 6, 2.0)]
    rec = vanishing.Recurrence(6, 2.0, "tanh", 0.0, 3, seed=0)
    np.testing.assert_allclose(norms, rec.jacobian_norms())
    np.testing.assert_allclose(bound, rec.bound())
    norms, path = tiny.curves[wvan.VanishingData.key("gru", None, None, 3.0, 6, 0.5)]
    gated = vanishing.GatedRecurrence("gru", 6, 0.5, 3.0, 3, seed=0)
    np.testing.assert_allclose(norms, gated.jacobian_norms())
    np.testing.assert_allclose(path, gated.memory_path())
    assert tiny.gammas == {"tanh": 1.0} and tiny.cells == ("rnn", "lstm", "gru")


def test_figure_frames_and_alt_text(tiny):
    figure = wvan.VanishingFigure(tiny)
    png = figure.png("lstm", "tanh", 0.0, 3.0, 6, 2.0)
    assert png.startswith(b"\x89PNG") and plt.fignum_exists(figure.fig.number)
    assert figure.title.get_text().startswith("LSTM, gate bias 3 (keeps ≈ 0.95 per step)")
    assert not figure.threshold.get_visible()  # the RNN's threshold means nothing here
    figure.png("rnn", "tanh", 0.0, 3.0, 6, 2.0)
    assert figure.title.get_text() == "RNN, tanh: T = 6, λ₁ = 2" and figure.threshold.get_visible()
    alt = figure.describe("rnn", "tanh", 0.0, 3.0, 6, 0.5)
    assert alt.startswith(
        "Gradient norm from step T back to step t, log scale, for a RNN with tanh"
    )
    assert "threshold 1/γ = 1" in alt
    assert "LSTM with keep-gate bias 3" in figure.describe("lstm", "tanh", 0.0, 3.0, 6, 0.5)
    figure.close()
    assert not plt.fignum_exists(figure.fig.number)
