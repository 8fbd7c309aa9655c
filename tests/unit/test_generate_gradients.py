"""Generation, the hand-written backward pass, the clipping experiments and their widget."""

import re

import ipywidgets as W
import numpy as np
import pytest
from mxnet.gluon import rnn

import d2lrnn
from d2lrnn import batches, clipping, gradients, lm, train, widgets
from d2lrnn.generate import generate, sampling_probs

# ---------------------------------------------------------------- generation


@pytest.fixture(scope="module")
def trained():
    """A small model that has learned to spell 'abcd' over and over."""
    d2lrnn.seed(0)
    vocab = d2lrnn.Vocab(list("abcd "))
    corpus = np.array(vocab[list("abcd " * 300)])
    model = lm.RNNLM(rnn.RNN(16), len(vocab))
    train.train_lm(model, batches.SeqBatches(corpus, 8, 10), None, 15, lr=2.0, progress="none")
    return model, vocab


def test_greedy_continues_the_pattern(trained):
    model, vocab = trained
    assert generate(model, vocab, "abc", 12, greedy=True) == "abcd abcd abcd "


def test_sampling_is_seeded(trained):
    model, vocab = trained
    a = generate(model, vocab, "a", 40, temperature=3.0, seed=1)
    assert a == generate(model, vocab, "a", 40, temperature=3.0, seed=1)
    assert a != generate(model, vocab, "a", 40, temperature=3.0, seed=2)
    assert len(a) == 41 and set(a) <= set("abcd ") | {"<unk>"} | set("<unk>")


def test_top_k_1_is_greedy(trained):
    model, vocab = trained
    assert generate(model, vocab, "ab", 10, top_k=1, seed=5) == generate(
        model, vocab, "ab", 10, greedy=True
    )


def test_sampling_probs():
    z = np.array([1.0, 2.0, 3.0])
    q = sampling_probs(z, 1.0)
    np.testing.assert_allclose(q, np.exp(z) / np.exp(z).sum())
    assert sampling_probs(z, 0.01)[2] == pytest.approx(1.0)
    np.testing.assert_allclose(sampling_probs(z, 1e6), 1 / 3, rtol=1e-4)
    q2 = sampling_probs(z, 1.0, top_k=2)
    assert q2[0] == 0 and q2.sum() == pytest.approx(1.0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"prefix": "abz"}, r"not in the vocabulary: \['z'\]"),
        ({"prefix": ""}, "prefix must be a non-empty str"),
        ({"temperature": 0}, "temperature must be a number > 0"),
        ({"temperature": -1.0}, "temperature must be a number > 0"),
        ({"top_k": 0}, r"top_k must be None or an int in \[1, 6\]"),
        ({"top_k": 99}, "top_k must be None or an int"),
        ({"num_tokens": -1}, "num_tokens must be an int >= 0"),
    ],
)
def test_generate_bad_input(trained, kwargs, match):
    model, vocab = trained
    args = {"prefix": "ab", "num_tokens": 3, **kwargs}
    with pytest.raises(ValueError, match=match):
        generate(model, vocab, **args)


# ---------------------------------------------------- hand-written gradients


@pytest.fixture
def problem():
    params = gradients.init_rnn_lm_params(vocab_size=6, num_hiddens=5, seed=3)
    rng = np.random.default_rng(3)
    return params, rng.integers(0, 6, (7, 4)), rng.integers(0, 6, (7, 4))


def test_hand_written_backward_equals_autograd(problem):
    params, X, Y = problem
    loss, grads = gradients.rnn_lm_backward(params, X, Y)
    loss_ag, grads_ag = gradients.autograd_gradients(params, X, Y)
    assert loss == pytest.approx(loss_ag, rel=1e-12)
    for name in gradients.PARAM_NAMES:
        assert gradients.relative_error(grads[name], grads_ag[name]) < 1e-10


def test_hand_written_backward_equals_finite_differences(problem):
    params, X, Y = problem
    _, grads = gradients.rnn_lm_backward(params, X, Y)
    for name in gradients.PARAM_NAMES:
        num = gradients.numerical_gradient(lambda p: gradients.rnn_lm_loss(p, X, Y), params, name)
        assert gradients.relative_error(grads[name], num) < 1e-6


def test_initial_state_gradient_path(problem):
    params, X, Y = problem
    H0 = np.random.default_rng(0).normal(size=(4, 5))
    loss0 = gradients.rnn_lm_loss(params, X, Y)
    assert gradients.rnn_lm_loss(params, X, Y, H0) != loss0


@pytest.mark.parametrize(
    "X, Y, match",
    [
        (np.zeros((3, 2), int), np.zeros((2, 3), int), "X and Y must be"),
        (np.full((3, 2), 6), np.zeros((3, 2), int), r"X must hold token indices in \[0, 6\)"),
        (np.zeros((3, 2), int), np.full((3, 2), -1), "Y must hold token indices"),
    ],
)
def test_backward_bad_input(problem, X, Y, match):
    with pytest.raises(ValueError, match=match):
        gradients.rnn_lm_backward(problem[0], X, Y)


def test_relative_error_and_numerical_gradient_errors():
    assert gradients.relative_error(np.zeros(3), np.zeros(3)) == 0
    assert gradients.relative_error(np.ones(2), 2 * np.ones(2)) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="name='W' is not a parameter"):
        gradients.numerical_gradient(lambda p: 0.0, {"b": np.zeros(1)}, "W")


# ------------------------------------------------------------------- clipping


def test_cliff_gradient_matches_finite_differences():
    w, b = np.array([8.0, 6.0, 10.0]), np.array([-2.0, -3.0, -6.0])
    _, gw, gb = clipping.cliff_loss(w, b)
    eps = 1e-6
    nw = (clipping.cliff_loss(w + eps, b)[0] - clipping.cliff_loss(w - eps, b)[0]) / (2 * eps)
    nb = (clipping.cliff_loss(w, b + eps)[0] - clipping.cliff_loss(w, b - eps)[0]) / (2 * eps)
    np.testing.assert_allclose(gw, nw, rtol=1e-5)
    np.testing.assert_allclose(gb, nb, rtol=1e-5)


def test_the_surface_has_a_cliff():
    # Along b at w = 8 the loss jumps by a factor of 4 between neighbouring points ...
    b = np.linspace(-4.6, -4.3, 3001)
    L = clipping.cliff_loss(np.full_like(b, 8.0), b)[0]
    assert np.max(L[:-1] / L[1:]) > 3
    # ... and on the plotted region the gradient is 100 times its median somewhere.
    W_, B_ = np.meshgrid(np.linspace(3, 12, 451), np.linspace(-8, -1, 351))
    grad_norm = np.hypot(*clipping.cliff_loss(W_, B_)[1:])
    assert grad_norm.max() > 100 * np.median(grad_norm)


def test_clipped_descent_never_steps_further_than_lr_theta():
    lr, theta = 0.4, 1.0
    path = clipping.descend((8.5, -2.0), lr, theta, steps=30)
    steps = np.linalg.norm(np.diff(path, axis=0), axis=1)
    assert steps.max() <= lr * theta + 1e-12
    free = clipping.descend((8.5, -2.0), lr, None, steps=30)
    assert np.linalg.norm(np.diff(free, axis=0), axis=1).max() > 5 * lr * theta


def test_clip_vector():
    np.testing.assert_allclose(clipping.clip(np.array([3.0, 4.0]), 1.0), [0.6, 0.8])
    np.testing.assert_array_equal(clipping.clip(np.array([0.3, 0.4]), 1.0), [0.3, 0.4])
    np.testing.assert_array_equal(clipping.clip(np.array([3.0, 4.0]), None), [3, 4])
    with pytest.raises(ValueError, match="theta must be None"):
        clipping.clip(np.ones(2), -1.0)
    with pytest.raises(ValueError, match="lr must be > 0"):
        clipping.descend((8.0, -2.0), 0.0, None)
    with pytest.raises(ValueError, match="T must be an int >= 1"):
        clipping.cliff_loss(1.0, 1.0, T=0)


@pytest.fixture(scope="module")
def small_data():
    vocab_size = 8
    corpus = np.random.default_rng(0).integers(0, vocab_size, 4000)
    lrs, thetas = (0.5, 4.0), (None, 1.0, 0.1)
    runs = clipping.short_runs(
        corpus, vocab_size, lrs, thetas, steps=6, num_hiddens=8, batch_size=4, num_steps=8
    )
    W_, B_ = np.meshgrid(np.linspace(3, 12, 20), np.linspace(-8, -1, 15))
    paths = {(lr, t): clipping.descend((8.5, -2.0), 0.1 * lr, t, 5) for lr in lrs for t in thetas}
    surface = (W_, B_, clipping.cliff_loss(W_, B_)[0])
    return clipping.ClippingData(lrs, thetas, runs, surface, (8.5, -2.0), 0.1, paths, vocab_size)


def test_short_runs_record_clipped_norms(small_data):
    for (_, theta), run in small_data.runs.items():
        assert run.losses.shape == run.norms.shape == (6,)
        if theta is not None:
            assert np.all(run.clipped_norms <= theta)
    # Same initial weights and data: the first step's gradient is the same in every run.
    firsts = {round(float(r.norms[0]), 5) for r in small_data.runs.values()}
    assert len(firsts) == 1


def test_short_runs_need_enough_corpus():
    with pytest.raises(ValueError, match="corpus must hold at least"):
        clipping.short_runs(np.zeros(10, int), 3, (1.0,), (None,), steps=5)


@pytest.mark.parametrize(
    "kwargs, match",
    [({"lrs": (0.0,)}, "lrs must all be > 0"), ({"thetas": (-1.0,)}, "thetas must be")],
)
def test_clipping_data_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        clipping.clipping_data(**kwargs)


def test_clipping_explorer_frames_and_links(small_data):
    box = widgets.clipping_explorer(small_data)
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


def test_frame_explorer_shares_frames_with_the_same_key():
    calls = []

    def draw(a, b):
        import matplotlib.pyplot as plt

        calls.append((a, b))
        fig, ax = plt.subplots(figsize=(1, 1))
        ax.set_title(f"{a}")
        return fig

    box = widgets.FrameExplorer(
        [("a", ["1", "2"], [1, 2], "buttons"), ("b", ["x", "y", "z"], [1, 2, 3], "slider")],
        draw,
        key=lambda a, b: a,  # b does not change the picture
    )
    assert box.num_frames == 2 and len(calls) == 2
    inner = box.frames.children[0]
    assert inner.children[0] is inner.children[2]
