"""Gradient clipping by global norm, and the loss surface with a cliff."""

import numpy as np
import pytest
from mxnet import np as mnp

from d2lrnn import clipping


def grads_of(*arrays):
    return [mnp.array(a, dtype="float32") for a in arrays]


def test_clipping_caps_the_norm_and_keeps_the_direction():
    g = grads_of([3.0, 4.0], [[12.0]])  # ||g|| = 13
    before = clipping.clip_gradients(g, 1.0)
    assert before == pytest.approx(13.0)
    assert clipping.grad_norm(g) == pytest.approx(1.0, rel=1e-6)
    np.testing.assert_allclose(g[0].asnumpy(), np.array([3, 4]) / 13, rtol=1e-6)
    np.testing.assert_allclose(g[1].asnumpy(), [[12 / 13]], rtol=1e-6)


def test_clipping_leaves_small_gradients_and_no_threshold_alone():
    g = grads_of([0.3, 0.4])
    assert clipping.clip_gradients(g, 1.0) == pytest.approx(0.5)
    np.testing.assert_array_equal(g[0].asnumpy(), np.float32([0.3, 0.4]))
    big = grads_of([30.0, 40.0])
    assert clipping.clip_gradients(big, None) == pytest.approx(50)
    np.testing.assert_array_equal(big[0].asnumpy(), np.float32([30, 40]))
    with pytest.raises(ValueError, match="theta must be a finite number > 0, got 0"):
        clipping.clip_gradients(big, 0)


def test_clipping_numpy_gradients_in_place():
    g = [np.array([6.0, 8.0]), np.array([[0.0]])]
    assert clipping.grad_norm(g) == pytest.approx(10.0)
    assert clipping.clip_gradients(g, 5.0) == pytest.approx(10.0)
    np.testing.assert_allclose(g[0], [3.0, 4.0])
    assert clipping.grad_norm([]) == 0.0


def test_cliff_gradient_matches_finite_differences():
    w, b = np.array([8.0, 6.0, 10.0]), np.array([-2.0, -3.0, -6.0])
    _, gw, gb = clipping.cliff_loss(w, b)
    eps = 1e-6
    nw = (clipping.cliff_loss(w + eps, b)[0] - clipping.cliff_loss(w - eps, b)[0]) / (2 * eps)
    nb = (clipping.cliff_loss(w, b + eps)[0] - clipping.cliff_loss(w, b - eps)[0]) / (2 * eps)
    np.testing.assert_allclose(gw, nw, rtol=1e-5)
    np.testing.assert_allclose(gb, nb, rtol=1e-5)


def test_cliff_loss_is_the_recurrence_run_by_hand():
    x = clipping.CLIFF_X0
    for _ in range(clipping.CLIFF_T):
        x = 8.0 / (1 + np.exp(-x)) - 3.0
    L, _, _ = clipping.cliff_loss(8.0, -3.0)
    assert L.shape == () and float(L) == pytest.approx((x - clipping.CLIFF_TARGET) ** 2)
    assert clipping.cliff_loss(np.ones((2, 3)), 0.0)[0].shape == (2, 3)  # broadcast


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
    assert path.shape == (31, 2) and tuple(path[0]) == (8.5, -2.0)
    steps = np.linalg.norm(np.diff(path, axis=0), axis=1)
    assert steps.max() <= lr * theta + 1e-12
    free = clipping.descend((8.5, -2.0), lr, None, steps=30)
    assert np.linalg.norm(np.diff(free, axis=0), axis=1).max() > 5 * lr * theta


def test_clip_vector():
    np.testing.assert_allclose(clipping.clip(np.array([3.0, 4.0]), 1.0), [0.6, 0.8])
    np.testing.assert_array_equal(clipping.clip(np.array([0.3, 0.4]), 1.0), [0.3, 0.4])
    np.testing.assert_array_equal(clipping.clip(np.array([3.0, 4.0]), None), [3, 4])
    g = np.array([3.0, 4.0])
    clipping.clip(g, 1.0)
    np.testing.assert_array_equal(g, [3.0, 4.0])  # a copy: the argument is left alone
    with pytest.raises(ValueError, match="theta must be a finite number > 0, got -1.0"):
        clipping.clip(np.ones(2), -1.0)
    with pytest.raises(ValueError, match="lr must be a finite number > 0, got 0.0"):
        clipping.descend((8.0, -2.0), 0.0, None)
    with pytest.raises(ValueError, match="T must be an int >= 1"):
        clipping.cliff_loss(1.0, 1.0, T=0)


def test_descent_takes_each_step_against_the_clipped_gradient():
    """Each step is ``p - lr * clip(grad L(p), theta)``, the gradient taken from cliff_loss."""
    lr, theta = 0.1, 0.5
    path = clipping.descend((7.0, -2.5), lr, theta, steps=4)
    for p, nxt in zip(path[:-1], path[1:]):
        _, gw, gb = clipping.cliff_loss(p[0], p[1])
        g = np.array([float(gw), float(gb)])
        scale = min(1.0, theta / np.linalg.norm(g))
        np.testing.assert_allclose(nxt, p - lr * scale * g, rtol=1e-12)
    losses = [float(clipping.cliff_loss(w, b)[0]) for w, b in path]
    assert all(b < a for a, b in zip(losses, losses[1:]))  # descent: the loss falls


def test_descent_of_thirty_steps_by_default_and_of_none_when_asked():
    assert clipping.descend((8.5, -2.0), 0.4, 1.0).shape == (31, 2)
    still = clipping.descend((8, -2), 0.4, 1.0, steps=0)
    assert still.shape == (1, 2) and still.dtype == np.float64
    np.testing.assert_array_equal(still, [[8.0, -2.0]])
    with pytest.raises(ValueError, match="theta must be a finite number > 0, got 0"):
        clipping.descend((8.0, -2.0), 0.4, 0, steps=0)  # refused before any step


def test_descent_that_would_overflow_stays_at_its_last_finite_point():
    # lr * gradient overflows to inf at the first step: the path repeats the start.
    with np.errstate(over="ignore"):
        path = clipping.descend((7.0, -2.5), 1e308, None, steps=3)
    assert np.isfinite(path).all()
    np.testing.assert_array_equal(path, np.tile([7.0, -2.5], (4, 1)))


def test_cliff_loss_names_both_shapes_that_do_not_broadcast():
    with pytest.raises(ValueError, match=r"got \(2,\) and \(3,\)"):
        clipping.cliff_loss(np.ones(2), np.ones(3))
