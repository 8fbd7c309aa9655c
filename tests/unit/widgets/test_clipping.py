"""The gradient-clipping explorer: short training runs, the cliff paths, and the frames."""

import math
import re

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
import pytest

import d2lrnn.widgets
from d2lrnn import clipping
from d2lrnn.widgets import clipping as wclip


@pytest.fixture(scope="module")
def small_data():
    vocab_size = 8
    corpus = np.random.default_rng(0).integers(0, vocab_size, 4000)
    lrs, thetas = (0.5, 4.0), (None, 1.0, 0.1)
    runs = wclip.short_runs(
        corpus, vocab_size, lrs, thetas, steps=6, num_hiddens=8, batch_size=4, num_steps=8
    )
    W_, B_ = np.meshgrid(np.linspace(3, 12, 20), np.linspace(-8, -1, 15))
    paths = {(lr, t): clipping.descend((8.5, -2.0), 0.1 * lr, t, 5) for lr in lrs for t in thetas}
    surface = (W_, B_, clipping.cliff_loss(W_, B_)[0])
    return wclip.ClippingData(lrs, thetas, runs, surface, (8.5, -2.0), 0.1, paths, vocab_size)


def test_short_runs_train_with_each_threshold(small_data):
    for run in small_data.runs.values():
        assert run.losses.shape == run.norms.shape == (6,)
    # Same initial weights and data: the first loss and gradient are the same in every run.
    firsts = {
        (round(float(r.losses[0]), 5), round(float(r.norms[0]), 5))
        for r in small_data.runs.values()
    }
    assert len(firsts) == 1
    for lr in small_data.lrs:
        free = small_data.runs[(lr, None)]
        for theta in (1.0, 0.1):
            run = small_data.runs[(lr, theta)]
            if free.norms[0] > theta:  # the first update is clipped: the second step starts
                # from other weights, with another loss and gradient
                assert run.losses[1] != free.losses[1] and run.norms[1] != free.norms[1]
            else:  # not clipped: the same update, the same second step
                assert run.losses[1] == free.losses[1] and run.norms[1] == free.norms[1]
            # The recorded norms are the gradients' before clipping, which the plot caps.
            np.testing.assert_array_equal(run.clipped_norms, np.minimum(run.norms, theta))
    # Both cases occur here (the first gradient's norm is between the two thresholds).
    assert 0.1 < small_data.runs[(small_data.lrs[0], None)].norms[0] < 1.0


def test_short_runs_need_enough_corpus():
    with pytest.raises(ValueError, match="corpus must hold at least"):
        wclip.short_runs(np.zeros(10, int), 3, (1.0,), (None,), steps=5)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"lrs": (0.0,)}, r"lrs\[0\] must be a finite number > 0, got 0.0"),
        ({"thetas": (None, -1.0)}, r"thetas\[1\] must be a finite number > 0, got -1.0"),
    ],
)
def test_clipping_data_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        wclip.clipping_data(**kwargs)


def test_clipping_explorer_frames_and_links(small_data):
    box = wclip.clipping_explorer(small_data)
    lr_slider, theta_slider = box.controls
    frames = box.frames
    assert theta_slider.description and lr_slider.description
    assert list(theta_slider.options) == ["off", "1", "0.1"]
    assert len(frames.children) == 2 and all(len(s.children) == 3 for s in frames.children)
    assert box.num_frames == 6
    pngs = [img.value for s in frames.children for img in s.children]
    assert all(isinstance(img, W.HTML) for s in frames.children for img in s.children)
    assert all(v.startswith('<img src="data:image/png;base64,') for v in pngs)
    assert len(set(pngs)) == len(pngs), "every (lr, theta) frame is a different picture"
    # Each frame says what it shows, for readers who cannot see it.
    alts = [re.search(r'alt="([^"]+)"', v).group(1) for v in pngs]
    assert len(set(alts)) == len(alts)
    assert "learning rate 0.5 and clipping threshold off" in alts[0], alts[0]
    # Every inner stack follows θ, the outer stack follows the learning rate, in the browser.
    targets = {(link.source[0].model_id, link.target[0].model_id) for link in box.links}
    assert {(theta_slider.model_id, s.model_id) for s in frames.children} <= targets
    assert (lr_slider.model_id, frames.model_id) in targets
    assert all(isinstance(link, W.widgets.widget_link.Link) for link in box.links)


def test_explorer_is_importable_from_the_widgets_package():
    assert d2lrnn.widgets.clipping_explorer is wclip.clipping_explorer


def test_theta_label_and_diverged():
    assert wclip.theta_label(None) == "off" and wclip.theta_label(0.25) == "0.25"
    assert wclip.theta_label(5.0) == "5"
    log_v = math.log(10)
    assert not wclip.diverged(np.array([3.0, log_v - 0.1]), 10)
    assert wclip.diverged(np.array([3.0, log_v + 0.1]), 10)
    assert wclip.diverged(np.array([1.0, np.inf, 1.0]), 10)
    assert wclip.diverged(np.array([np.nan, 1.0]), 10)


def test_run_clipped_norms():
    run = wclip.Run(1.0, 2.0, np.zeros(3), np.array([1.0, 3.0, 2.5]))
    np.testing.assert_array_equal(run.clipped_norms, [1.0, 2.0, 2.0])
    free = wclip.Run(1.0, None, np.zeros(3), np.array([1.0, 3.0, 2.5]))
    np.testing.assert_array_equal(free.clipped_norms, [1.0, 3.0, 2.5])


def test_draw_clipping_frame_shows_norms_losses_and_the_cliff(small_data):
    fig = wclip.draw_clipping_frame(small_data, 4.0, 0.1)
    norms, losses, cliff = fig.axes[:3]
    assert norms.get_yscale() == "log"
    assert any(line.get_label() == "θ = 0.1" for line in norms.lines)
    np.testing.assert_allclose(
        norms.lines[1].get_ydata(), small_data.runs[(4.0, 0.1)].clipped_norms
    )
    assert "lr = 4" in losses.get_title() and "step size 0.4" in cliff.get_title()
    paths = [line for line in cliff.lines if line.get_label() in ("no clipping", "θ = 0.1")]
    np.testing.assert_allclose(paths[1].get_xdata(), small_data.paths[(4.0, 0.1)][:, 0])
    plt.close(fig)


@pytest.mark.needs_data("timemachine.txt")
def test_clipping_data_on_the_book():
    data = wclip.clipping_data(lrs=(1.0,), thetas=(None, 0.5), steps=2, seed=0)
    assert data.vocab_size == 28 and set(data.runs) == {(1.0, None), (1.0, 0.5)}
    assert all(len(run.losses) == 2 for run in data.runs.values())
    W_, B_, L = data.surface
    assert W_.shape == B_.shape == L.shape == (141, 181)
    assert data.paths[(1.0, 0.5)].shape == (31, 2)
    np.testing.assert_array_equal(data.paths[(1.0, None)], clipping.descend((8.5, -2.0), 0.1, None))
