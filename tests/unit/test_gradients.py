"""Checking hand-written gradients: chapter 3's BPTT against autograd and finite differences,
and ``check_gradients`` catching what a reader might get wrong."""

import re

import numpy as np
import pytest

from d2lrnn import gradients
from tests.chapter_code import define


def chapter_backward(replace=None):
    """Chapter 3's ``rnn_lm_backward(params, X, Y)``, as written or with ``replace`` applied."""
    return define(3, "rnn_lm_backward", replace=replace)["rnn_lm_backward"]


@pytest.fixture(scope="module")
def backward():
    return chapter_backward()


@pytest.fixture
def problem():
    params = gradients.init_rnn_lm_params(vocab_size=6, num_hiddens=5, seed=3)
    rng = np.random.default_rng(3)
    return params, rng.integers(0, 6, (7, 4)), rng.integers(0, 6, (7, 4))


def test_the_chapters_backward_equals_autograd(backward, problem):
    params, X, Y = problem
    loss, grads = backward(params, X, Y)
    loss_ag, grads_ag = gradients.autograd_gradients(params, X, Y)
    assert loss == pytest.approx(loss_ag, rel=1e-12)
    assert sorted(grads) == sorted(gradients.PARAM_NAMES)
    for name in gradients.PARAM_NAMES:
        assert grads[name].shape == params[name].shape
        assert gradients.relative_error(grads[name], grads_ag[name]) < 1e-10


def test_the_chapters_backward_equals_finite_differences(backward, problem):
    params, X, Y = problem
    _, grads = backward(params, X, Y)
    for name in gradients.PARAM_NAMES:
        num = gradients.numerical_gradient(lambda p: backward(p, X, Y)[0], params, name)
        assert gradients.relative_error(grads[name], num) < 1e-6


def test_check_gradients_passes_the_chapters_backward(backward, problem):
    params, X, Y = problem
    kept = {k: v.copy() for k, v in params.items()}
    check = gradients.check_gradients(backward, params, X, Y)
    assert isinstance(check, gradients.GradientCheck)
    assert list(check.autograd) == list(check.finite_differences) == list(gradients.PARAM_NAMES)
    assert max(check.autograd.values()) < 1e-10  # the same sums, up to float64 rounding
    assert check.worst() < 1e-6 and check.tolerance == 1e-6
    assert check.loss == pytest.approx(gradients.autograd_gradients(params, X, Y)[0], rel=1e-12)
    assert all(np.array_equal(params[k], kept[k]) for k in params)  # finite differences restore
    text = str(check)
    assert text.startswith(f"loss {check.loss:.6f}") and "vs finite differences" in text
    for name in gradients.PARAM_NAMES:
        assert re.search(rf"^\s*{name}\s+\d\.\de-\d\d\s+\d\.\de-\d\d$", text, re.M), name
    assert repr(check) == text


#: A reader's slips in chapter 3's BPTT, and the parameters whose gradients they break.
MUTATIONS = {
    "no tanh derivative": (
        {"dA = dH * (1 - H[t] ** 2)": "dA = dH"},
        ["W_xh", "W_hh", "b_h"],
    ),
    "no gradient from the next step": (
        {"dH = dO @ W_hq.T + dH_next": "dH = dO @ W_hq.T"},
        ["W_xh", "W_hh", "b_h"],
    ),
    "b_q forgotten": ({'grads["b_q"] += dO.sum(axis=0)': "dO.sum(axis=0)"}, ["b_q"]),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_check_gradients_names_each_parameter_a_slip_breaks(problem, mutation):
    replace, broken = MUTATIONS[mutation]
    params, X, Y = problem
    with pytest.raises(gradients.GradientError) as info:
        gradients.check_gradients(chapter_backward(replace), params, X, Y)
    message = str(info.value)
    assert message.startswith("the hand-written gradient is wrong (tolerance 1e-06)")
    named = re.findall(
        r"^\s+(\w+): relative error \S+ against autograd, \S+ against finite", message, re.M
    )
    assert named == broken
    for name in broken:  # the error is large against both references
        errors = re.search(
            rf"{name}: relative error (\S+) against autograd, (\S+) against", message
        )
        assert min(float(errors[1]), float(errors[2])) > 1e-3


def test_check_gradients_catches_a_wrong_loss(problem):
    params, X, Y = problem
    per_step = chapter_backward({".sum() / (T * n)": ".sum() / T"})  # forgot to average over n
    with pytest.raises(gradients.GradientError, match=r"the loss .* differs from autograd's"):
        gradients.check_gradients(per_step, params, X, Y)

    def off_by_one(p, X, Y):
        loss, grads = chapter_backward()(p, X, Y)
        return loss + 1e-3, grads

    with pytest.raises(gradients.GradientError, match="differs from autograd's"):
        gradients.check_gradients(off_by_one, params, X, Y)


def test_check_gradients_needs_every_gradient_in_its_shape(backward, problem):
    params, X, Y = problem

    def without_b_q(p, X, Y):
        loss, grads = backward(p, X, Y)
        del grads["b_q"]
        return loss, grads

    def transposed(p, X, Y):
        loss, grads = backward(p, X, Y)
        return loss, {**grads, "W_hq": grads["W_hq"].T}

    with pytest.raises(gradients.GradientError, match=r"a gradient for b_q of shape \(6,\)"):
        gradients.check_gradients(without_b_q, params, X, Y)
    with pytest.raises(gradients.GradientError, match=r"a gradient for W_hq of shape \(5, 6\)"):
        gradients.check_gradients(transposed, params, X, Y)


def test_check_gradients_tolerance(backward, problem):
    """A tight tolerance fails on the finite differences' own error, not on autograd's."""
    params, X, Y = problem
    with pytest.raises(gradients.GradientError, match="tolerance 1e-14"):
        gradients.check_gradients(backward, params, X, Y, tolerance=1e-14)


def test_check_gradients_bad_params(backward, problem):
    params, X, Y = problem
    with pytest.raises(ValueError, match=r"params must hold .*, missing \['b_q'\]"):
        gradients.check_gradients(backward, {k: v for k, v in params.items() if k != "b_q"}, X, Y)
    with pytest.raises(ValueError, match=r"missing \['W_hh', 'W_xh'\]"):
        gradients.check_gradients(backward, {"b_h": params["b_h"]} | {"W_hq": 0, "b_q": 0}, X, Y)


@pytest.mark.parametrize(
    "X, Y, match",
    [
        (
            np.zeros((3, 2), int),
            np.zeros((2, 3), int),
            r"X and Y must be \(num_steps, batch_size\) of one shape, got \(3, 2\) and \(2, 3\)",
        ),
        (np.zeros(3, int), np.zeros(3, int), r"X must be a 2-D array, got shape \(3,\)"),
        (np.full((3, 2), 6), np.zeros((3, 2), int), r"X must hold token indices in \[0, 6\)"),
        (np.zeros((3, 2), int), np.full((3, 2), -1), "Y must hold token indices"),
    ],
)
def test_bad_inputs_are_refused(backward, problem, X, Y, match):
    with pytest.raises(ValueError, match=match):
        gradients.check_xy(X, Y, 6)
    with pytest.raises(ValueError, match=match):
        gradients.check_gradients(backward, problem[0], X, Y)
    with pytest.raises(ValueError, match=match):
        gradients.autograd_gradients(problem[0], X, Y)


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


def test_uniform_model_loss_is_log_V(backward, problem):
    params, X, Y = problem
    zero = {k: np.zeros_like(v) for k, v in params.items()}
    assert backward(zero, X, Y)[0] == pytest.approx(np.log(6))
    assert gradients.autograd_gradients(zero, X, Y)[0] == pytest.approx(np.log(6))
