"""Jacobian products of recurrent layers: against autograd, against the bound, bad input."""

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


def test_vanishing_explorer_has_a_frame_per_setting_and_links():
    data = vanishing.vanishing_data(
        radii=(0.5, 1.5),
        Ts=(10,),
        activations=("tanh", "sigmoid"),
        alphas=(0.0, 0.9),
        num_hiddens=4,
    )
    box = widgets.vanishing_explorer(data)
    assert box.num_frames == 2 * 2 * 1 * 2
    labels = [c.description for c in box.controls]
    assert all(labels) and len(labels) == 5
    # One link per Stack: 1 cell + 2 activations + 4 (activation, alpha) + 4 T stacks.
    assert len(box.links) == 1 + 1 + 2 + 4 + 4
    pngs = {id(w): w.value for w in _leaves(box.frames)}
    assert len(set(pngs.values())) == box.num_frames


def _leaves(w):
    if hasattr(w, "children") and w.children:
        for c in w.children:
            yield from _leaves(c)
    else:
        yield w
