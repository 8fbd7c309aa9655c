"""The hand-written backward pass of the RNN language model, against autograd and finite
differences."""

import numpy as np
import pytest

from d2lrnn import gradients


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


def test_init_params_shapes_and_seed():
    params = gradients.init_rnn_lm_params(6, 5, seed=1)
    assert list(params) == list(gradients.PARAM_NAMES)
    assert [params[k].shape for k in gradients.PARAM_NAMES] == [(6, 5), (5, 5), (5,), (5, 6), (6,)]
    again = gradients.init_rnn_lm_params(6, 5, seed=1)
    assert all(np.array_equal(params[k], again[k]) for k in params)
    assert all(params[k].dtype == np.float64 and params[k].any() for k in params)


def test_uniform_model_loss_is_log_V(problem):
    params, X, Y = problem
    zero = {k: np.zeros_like(v) for k, v in params.items()}
    assert gradients.rnn_lm_loss(zero, X, Y) == pytest.approx(np.log(6))
