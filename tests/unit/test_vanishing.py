"""Jacobian products of recurrent layers: against autograd, against the bound, bad input."""

import numpy as np
import pytest

from d2lrnn import layers, vanishing


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


BAD_SETTINGS = [
    ({"T": 0}, ValueError, "T must be an int >= 1, got 0"),
    ({"T": 2.5}, TypeError, "T must be an int >= 1"),
    ({"radius": -0.1}, ValueError, "radius must be a finite number >= 0, got -0.1"),
    ({"radius": "1"}, TypeError, "radius must be a finite number >= 0, got str '1'"),
    ({"radius": float("nan")}, ValueError, "radius must be a finite number >= 0, got nan"),
    ({"activation": "gelu"}, ValueError, "activation must be one of"),
    ({"alpha": 1.0}, ValueError, "alpha must be a finite number >= 0 and < 1, got 1.0"),
    ({"alpha": -0.5}, ValueError, "alpha must be"),
]


@pytest.mark.parametrize("kwargs, exc, match", BAD_SETTINGS)
def test_bad_input(kwargs, exc, match):
    args = {"T": 10, "radius": 1.0, **kwargs}
    with pytest.raises(exc, match=match):
        vanishing.Recurrence(**args)


@pytest.mark.parametrize("kwargs, exc, match", BAD_SETTINGS)
def test_check_settings(kwargs, exc, match):
    args = {"T": 10, "radius": 1.0, "activation": "tanh", "alpha": 0.0, **kwargs}
    with pytest.raises(exc, match=match):
        vanishing.check_settings(**args)


def test_check_settings_accepts_good_settings():
    for activation in vanishing.ACTIVATIONS:
        assert vanishing.check_settings(5, np.float64(1.5), activation, 0.9) is None


def test_bad_input_elsewhere():
    with pytest.raises(ValueError, match="activation must be one of"):
        vanishing.gamma("swish")
    with pytest.raises(ValueError, match="radius must be a finite number >= 0, got -1.0"):
        vanishing.scaled_orthogonal(4, -1.0)
    with pytest.raises(ValueError, match="num_hiddens must be an int >= 1"):
        vanishing.scaled_orthogonal(0, 1.0)


def _final_state(rec, t, s):
    """Run a gated recurrence from state ``s`` (``(S,)``) at step ``t`` to step ``T``.

    Step by step with the layer's plain ``step``, whose input ``X_t`` is
    ``rec.XW[t]`` (the layer's ``W_xh`` is the identity).
    """
    from mxnet import autograd
    from mxnet import np as mnp

    h, n = rec.num_hiddens, rec.layer.num_states
    states = [mnp.array(s[k * h : (k + 1) * h].reshape(1, h), dtype="float64") for k in range(n)]
    XW = mnp.array(rec.XW, dtype="float64")
    with autograd.pause():
        for j in range(t, rec.T):
            states = rec.layer.step(XW[j].reshape(1, -1), states)
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


@pytest.mark.parametrize("cell", vanishing.GATED)
def test_norms_and_memory_path_from_one_run_equal_the_two_apart(cell):
    rec = vanishing.GatedRecurrence(cell, 9, 1.3, 1.0, num_hiddens=4, seed=5)
    norms, path = rec.norms_and_memory_path()
    np.testing.assert_allclose(norms, rec.jacobian_norms(), rtol=1e-12)
    np.testing.assert_allclose(path, rec.memory_path(), rtol=1e-12)


def test_gated_bad_input():
    with pytest.raises(ValueError, match="cell must be one of"):
        vanishing.GatedRecurrence("rnn", 5, 1.0)
    with pytest.raises(ValueError, match="T must be an int >= 1, got 0"):
        vanishing.GatedRecurrence("lstm", 0, 1.0)
    with pytest.raises(ValueError, match="radius must be a finite number >= 0, got -1.0"):
        vanishing.GatedRecurrence("gru", 5, -1.0)
    with pytest.raises(ValueError, match="gate_bias must be a finite number, got inf"):
        vanishing.GatedRecurrence("gru", 5, 1.0, float("inf"))


def test_gated_cells_are_those_with_a_keep_gate():
    assert set(vanishing.GATED) == {"lstm", "gru"}
    assert all(layers.CELLS[c].keep_gate for c in vanishing.GATED)


@pytest.mark.parametrize("cell", vanishing.GATED)
def test_gated_recurrence_uses_the_books_layer_in_float64(cell):
    rec = vanishing.GatedRecurrence(cell, 4, 0.8, 1.5, num_hiddens=3, seed=0)
    assert isinstance(rec.layer, layers.CELLS[cell].scratch)
    assert rec.layer.W_hh.data().dtype == np.float64
    G = layers.CELLS[cell].num_gates
    assert rec.W_hh.shape == (3, G * 3) and rec.XW.shape == (4, G * 3)
    # The plain path, fed the inputs as they are (W_xh = I); the keep gate's bias is in b_h.
    assert rec.layer.fast is False
    np.testing.assert_array_equal(rec.layer.W_xh.data().asnumpy(), np.eye(G * 3))
    np.testing.assert_array_equal(rec.layer.W_hh.data().asnumpy(), rec.W_hh)
    k = layers.CELLS[cell].block_index(layers.CELLS[cell].keep_gate)
    b = np.zeros(G * 3)
    b[3 * k : 3 * (k + 1)] = 1.5
    np.testing.assert_array_equal(rec.layer.b_h.data().asnumpy(), b)
    for k in range(G):  # every gate block has all singular values equal to the radius
        np.testing.assert_allclose(
            np.linalg.svd(rec.W_hh[:, 3 * k : 3 * (k + 1)], compute_uv=False), 0.8, rtol=1e-12
        )
    norms = rec.jacobian_norms()
    assert norms.shape == (4,) and np.all(norms > 0)


@pytest.mark.parametrize("cell", vanishing.GATED)
def test_keep_gates_are_what_the_layer_traces(cell):
    """The gates recorded step by step are the layer's own, run on the inputs ``XW``."""
    from mxnet import np as mnp

    rec = vanishing.GatedRecurrence(cell, 6, 1.1, 2.0, num_hiddens=3, seed=4)
    trace = rec.layer.trace(mnp.array(rec.XW[:, None, :], dtype="float64"))
    keep = trace[layers.CELLS[cell].keep_gate].asnumpy()[:, 0]
    np.testing.assert_allclose(rec.keep_gates(), keep, rtol=1e-12)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("delay, alpha", [(2, 0.0), (4, 0.0), (3, 0.5)])
def test_skip_connection_jacobian_products_equal_autograd(activation, delay, alpha):
    rec = vanishing.Recurrence(15, 0.9, activation, alpha, num_hiddens=6, seed=2, delay=delay,
                               skip_radius=0.7)  # fmt: skip
    np.testing.assert_allclose(
        rec.jacobian_products(), vanishing.autograd_jacobian_products(rec), atol=1e-12
    )


def test_skip_connection_changes_the_states_and_carries_the_gradient_further():
    plain = vanishing.Recurrence(60, 0.9, "tanh", seed=0)
    skip = vanishing.Recurrence(60, 0.9, "tanh", seed=0, delay=4, skip_radius=0.0)
    H0, _ = plain.forward()
    H1, _ = skip.forward()
    np.testing.assert_allclose(H0, H1)  # a skip of zero weight changes nothing
    np.testing.assert_allclose(plain.jacobian_norms(), skip.jacobian_norms(), rtol=1e-12)
    split = vanishing.Recurrence(60, 0.45, "tanh", seed=0, delay=4, skip_radius=0.45)
    assert split.jacobian_norms()[0] > 1e3 * plain.jacobian_norms()[0]  # 60 steps back
    with pytest.raises(ValueError, match="no bound of this form"):
        split.bound()


def test_skip_connection_states_by_hand():
    rec = vanishing.Recurrence(6, 0.8, "tanh", num_hiddens=3, seed=1, delay=2, skip_radius=0.5)
    H, A = rec.forward()
    h = [np.zeros(3)]
    for t in range(1, 7):  # h_t = tanh(x_t W_xh + h_{t-1} W_hh + h_{t-2} W_hd), h_{-1} absent
        a = rec.XW[t - 1] + h[t - 1] @ rec.W_hh + (h[t - 2] @ rec.W_hd if t >= 2 else 0)
        h.append(np.tanh(a))
    np.testing.assert_allclose(H, np.array(h), atol=1e-14)
