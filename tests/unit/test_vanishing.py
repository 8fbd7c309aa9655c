"""Jacobian products of recurrent layers: against autograd, against the bound, bad input."""

import re

import numpy as np
import pytest

from d2lrnn import vanishing, widgets


@pytest.mark.parametrize("activation", sorted(vanishing.ACTIVATIONS))
@pytest.mark.parametrize("alpha", [0.0, 0.7])
def test_jacobian_product_equals_autograd(activation, alpha):
    rec = vanishing.Recurrence(25, 1.2, activation, alpha, num_hiddens=6, seed=3)
    P = rec.jacobian_products()
    A = vanishing.autograd_jacobian_products(rec)
    assert P.shape == A.shape == (25, 6, 6)
    assert np.linalg.norm(P - A) / np.linalg.norm(A) < 1e-8


def test_step_jacobian_matches_finite_differences():
    rec = vanishing.Recurrence(3, 0.9, "tanh", 0.3, num_hiddens=4, seed=0)
    H, _ = rec.forward()
    phi = vanishing.ACTIVATIONS["tanh"][0]

    def step(h):  # h_1 from h_0, with the same input as step 1
        return rec.alpha * h + (1 - rec.alpha) * phi(rec.XW[0] + h @ rec.W_hh + rec.b)

    eps = 1e-6
    num = np.stack(
        [(step(H[0] + eps * e) - step(H[0] - eps * e)) / (2 * eps) for e in np.eye(4)], axis=1
    )
    np.testing.assert_allclose(rec.step_jacobians()[0], num, atol=1e-9)


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("activation", sorted(vanishing.ACTIVATIONS))
@pytest.mark.parametrize("radius", [0.3, 0.9, 1.0, 1.3, 4.5])
@pytest.mark.parametrize("alpha", [0.0, 0.5])
def test_bound_holds_on_random_matrices(seed, activation, radius, alpha):
    rec = vanishing.Recurrence(30, radius, activation, alpha, num_hiddens=8, seed=seed)
    assert np.all(rec.jacobian_norms() <= rec.bound() * (1 + 1e-10))


def test_linear_orthogonal_attains_the_bound():
    rec = vanishing.Recurrence(40, 1.1, "linear", num_hiddens=8, seed=2)
    np.testing.assert_allclose(rec.jacobian_norms(), rec.bound(), rtol=1e-9)


def test_scaled_orthogonal_has_equal_singular_values():
    W = vanishing.scaled_orthogonal(10, 0.7, seed=4)
    np.testing.assert_allclose(np.linalg.svd(W, compute_uv=False), 0.7, rtol=1e-12)


def test_gammas():
    assert vanishing.gamma("sigmoid") == 0.25 and vanishing.gamma("tanh") == 1.0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"T": 0}, "T must be an int >= 1, got 0"),
        ({"T": 2.5}, "T must be an int >= 1"),
        ({"radius": -0.1}, "radius must be a number >= 0, got -0.1"),
        ({"activation": "gelu"}, "activation must be one of"),
        ({"alpha": 1.0}, r"alpha must be a number in \[0, 1\)"),
        ({"alpha": -0.5}, "alpha must be"),
    ],
)
def test_bad_input(kwargs, match):
    args = {"T": 10, "radius": 1.0, **kwargs}
    with pytest.raises(ValueError, match=match):
        vanishing.Recurrence(**args)


def test_bad_input_elsewhere():
    with pytest.raises(ValueError, match="activation must be one of"):
        vanishing.gamma("swish")
    with pytest.raises(ValueError, match="radius must be a number >= 0"):
        vanishing.scaled_orthogonal(4, -1.0)
    with pytest.raises(ValueError, match="T must be an int >= 1"):
        vanishing.vanishing_data(Ts=(0,))


def _final_state(rec, t, s):
    """Run a gated recurrence from state ``s`` (``(S,)``) at step ``t`` to step ``T``."""
    from mxnet import autograd
    from mxnet import np as mnp

    h, n = rec.num_hiddens, rec.layer.num_states
    states = [mnp.array(s[k * h : (k + 1) * h].reshape(1, h), dtype="float64") for k in range(n)]
    XW = mnp.array(rec.XW, dtype="float64")
    with autograd.pause():
        for j in range(t, rec.T):
            states = rec.layer._step(XW[j].reshape(1, -1), states, XW.ctx)
    return np.concatenate([x.asnumpy().ravel() for x in states])


@pytest.mark.parametrize("cell", vanishing.GATED)
@pytest.mark.parametrize("gate_bias", [0.0, 3.0])
def test_gated_jacobians_match_finite_differences(cell, gate_bias):
    rec = vanishing.GatedRecurrence(cell, 7, 1.3, gate_bias, num_hiddens=4, seed=1)
    P = rec.jacobian_products()
    S = rec.state_size
    assert S == (8 if cell == "lstm" else 4) and P.shape == (7, S, S)
    for t in (0, 3, 6):
        s_t = np.zeros(S) if t == 0 else _run_to(rec, t)
        eps = 1e-6
        num = np.stack(
            [
                (_final_state(rec, t, s_t + eps * e) - _final_state(rec, t, s_t - eps * e))
                / (2 * eps)
                for e in np.eye(S)
            ],
            axis=1,
        )
        np.testing.assert_allclose(P[t], num, atol=1e-8)


def _run_to(rec, t):
    """The state after ``t`` steps from zero: run the first ``t`` inputs only."""
    from d2lrnn.vanishing import GatedRecurrence

    head = GatedRecurrence(rec.cell, t, rec.radius, rec.gate_bias, rec.num_hiddens, seed=rec.seed)
    head.XW = rec.XW[:t]
    return _final_state(head, 0, np.zeros(rec.state_size))


@pytest.mark.parametrize("cell", vanishing.GATED)
def test_memory_path_is_the_product_of_keep_gates(cell):
    rec = vanishing.GatedRecurrence(cell, 12, 1.0, 2.0, num_hiddens=5, seed=2)
    keep = rec.keep_gates()
    assert keep.shape == (12, 5) and np.all((keep > 0) & (keep < 1))
    path = rec.memory_path()
    assert path.shape == (12,)
    np.testing.assert_allclose(path[0], np.prod(keep, axis=0).max())
    np.testing.assert_allclose(path[-1], keep[-1].max())
    # A larger keep-gate bias keeps more: the path decays more slowly.
    stronger = vanishing.GatedRecurrence(cell, 12, 1.0, 5.0, num_hiddens=5, seed=2)
    assert stronger.memory_path()[0] > 2 * path[0]


def test_gated_bad_input():
    with pytest.raises(ValueError, match="cell must be one of"):
        vanishing.GatedRecurrence("rnn", 5, 1.0)
    with pytest.raises(ValueError, match="T must be an int >= 1, got 0"):
        vanishing.GatedRecurrence("lstm", 0, 1.0)
    with pytest.raises(ValueError, match="radius must be a number >= 0"):
        vanishing.GatedRecurrence("gru", 5, -1.0)
    with pytest.raises(ValueError, match="gate_bias must be a finite number, got inf"):
        vanishing.GatedRecurrence("gru", 5, 1.0, float("inf"))
    with pytest.raises(ValueError, match="cells must be among"):
        vanishing.vanishing_data(cells=("rnn", "transformer"))


def test_data_keys_ignore_what_a_cell_does_not_use():
    key = vanishing.VanishingData.key
    assert key("rnn", "tanh", 0.5, 2.0, 20, 1.0) == key("rnn", "tanh", 0.5, 5.0, 20, 1.0)
    assert key("lstm", "tanh", 0.5, 2.0, 20, 1.0) == key("lstm", "relu", 0.0, 2.0, 20, 1.0)
    assert key("lstm", "tanh", 0.5, 2.0, 20, 1.0) != key("gru", "tanh", 0.5, 2.0, 20, 1.0)


def test_vanishing_explorer_has_a_frame_per_setting_and_links():
    data = vanishing.vanishing_data(
        radii=(0.5, 1.5),
        Ts=(10,),
        activations=("tanh", "sigmoid"),
        alphas=(0.0, 0.9),
        gate_biases=(0.0, 4.0),
        num_hiddens=4,
    )
    assert len(data.curves) == 2 * 2 * 2 + 2 * 2 * 2  # RNN: act x alpha x radius; gated
    box = widgets.vanishing_explorer(data)
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
