"""Chapter 4's checks: its solutions pass; its starters and plausible wrong answers fail."""

import numpy as np
import pytest

from d2lrnn.exercises import judge
from tests.chapter_code import define
from tests.unit.exercises import (
    ARRAY_NEAR_MISSES,
    assert_accepted,
    assert_near_miss_fails,
    assert_solution_passes_and_starter_fails,
    params,
)


def solution(name, replace=None):
    return define(4, [name], replace=replace)[name]


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("4.1", "step_jacobian"),
        ("4.2", "jacobian_norms"),
        ("4.3", "scaled_orthogonal"),
        ("4.4", "fewest_jacobians"),
    ],
)
def test_the_chapters_solution_passes_and_its_starter_does_not(key, name):
    assert_solution_passes_and_starter_fails(key, name, solution)


def test_mxnet_float32_arrays_are_accepted_as_answers():
    from mxnet import np as mnp

    def as_mxnet(answer):
        return lambda *args: mnp.array(answer(*args), dtype="float32")

    for key, name in [
        ("4.1", "step_jacobian"),
        ("4.2", "jacobian_norms"),
        ("4.3", "scaled_orthogonal"),
    ]:
        verdict = judge(key, as_mxnet(solution(name)))
        assert verdict.passed, verdict.text()


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({"W_hh.T": "W_hh"}, "W_hh not transposed"),
        ({"dphi[:, None] * W_hh.T": "dphi * W_hh.T"}, "the transpose of J"),
        ({"1 - np.tanh(a) ** 2": "np.tanh(a)"}, "tanh(a) in place of its derivative"),
        ({"alpha * np.eye(len(a)) + ": ""}, "no leak term"),
        ({"(1 - alpha) * dphi": "dphi"}, "no factor (1 - alpha)"),
        ({"np.eye(len(a))": "np.eye(len(a) + 1)"}, "raised"),  # (h+1, h+1) + (h, h)
        ({"np.eye(len(a))": "np.ones((len(a), len(a)))"}, "differs from"),
    ],
)
def test_wrong_step_jacobians_fail_with_a_reason_and_the_hint(replace, message):
    verdict = judge("4.1", solution("step_jacobian", replace))
    assert not verdict.passed and message in verdict.message, verdict.text()
    assert "diag(tanh'(a)) W_hh^T" in verdict.hint


def test_a_step_jacobian_of_the_wrong_shape_fails():
    verdict = judge("4.1", lambda a, W_hh, alpha: np.tanh(a))
    assert not verdict.passed and "shape (h, h)" in verdict.message


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({"acc = acc @ J[t]": "acc = J[t] @ acc"}, "the wrong order"),
        ({"np.linalg.norm(acc, ord=2)": "np.linalg.norm(acc)"}, "the Frobenius norm"),
        ({"range(len(J) - 1, -1, -1)": "range(len(J))"}, "start at step 0"),
        ({"    return norms": "    return norms[::-1]"}, "in reverse order"),
        ({"np.linalg.norm(acc, ord=2)": "abs(np.linalg.eigvals(acc)).max()"}, "eigenvalue"),
        ({"np.empty(len(J))": "np.empty(len(J) + 1)"}, "shape (T,)"),
    ],
)
def test_wrong_jacobian_norms_fail_with_a_reason_and_the_hint(replace, message):
    verdict = judge("4.2", solution("jacobian_norms", replace))
    assert not verdict.passed and message in verdict.message, verdict.text()
    assert "acc = acc @ J[t]" in verdict.hint


def off_by_one(J):  # the norm of the product *after* J[t]: norms[T-1] is 1
    acc, norms = np.eye(J.shape[1]), np.empty(len(J))
    for t in range(len(J) - 1, -1, -1):
        norms[t] = np.linalg.norm(acc, ord=2)
        acc = acc @ J[t]
    return norms


def product_of_norms(J):  # the bound of eq-vanishing-bound, not the norm
    step = np.linalg.norm(J, ord=2, axis=(1, 2))
    return np.cumprod(step[::-1])[::-1]


@pytest.mark.parametrize(
    ("answer", "message"),
    [(off_by_one, "an off-by-one"), (product_of_norms, "the product of the step norms")],
)
def test_an_off_by_one_and_the_bound_fail_with_their_reason(answer, message):
    verdict = judge("4.2", answer)
    assert not verdict.passed and message in verdict.message and verdict.hint


def by_largest_singular_value(num_hiddens, radius, seed):
    W = np.random.default_rng(seed).normal(size=(num_hiddens, num_hiddens))
    return radius * W / np.linalg.norm(W, ord=2)


def by_spectral_radius(num_hiddens, radius, seed):
    W = np.random.default_rng(seed).normal(size=(num_hiddens, num_hiddens))
    return radius * W / np.abs(np.linalg.eigvals(W)).max()


def unseeded(num_hiddens, radius, seed):
    q, _ = np.linalg.qr(np.random.default_rng().normal(size=(num_hiddens, num_hiddens)))
    return radius * q


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (by_largest_singular_value, "only the largest singular value"),
        (by_spectral_radius, "spectral radius"),
        (lambda h, radius, seed: radius * np.eye(h), "seeds 0 and 1 give the same matrix"),
        (unseeded, "two calls with seed"),
        (lambda h, radius, seed: np.eye(h + 1), "must have shape (5, 5)"),
        (lambda h, radius, seed: "W", "must be an array"),
    ],
)
def test_wrong_scaled_orthogonals_fail_with_a_reason(answer, message):
    verdict = judge("4.3", answer)
    assert not verdict.passed and message in verdict.message, verdict.text()
    assert verdict.hint


def test_forgetting_the_radius_fails_with_its_reason():
    verdict = judge("4.3", solution("scaled_orthogonal", {"return radius * q": "return q"}))
    assert not verdict.passed and "every singular value is 1" in verdict.message


# ---------------------------------------------------------------- near misses of the reference

JACOBIAN, NORMS, ORTHOGONAL = (
    solution(n) for n in ("step_jacobian", "jacobian_norms", "scaled_orthogonal")
)
NEAR_MISSES = [
    *params("4.1", JACOBIAN, ARRAY_NEAR_MISSES),
    *params("4.2", NORMS, ARRAY_NEAR_MISSES),
    *params("4.2", NORMS, [("off by 1e-4 relative", lambda v: v * (1 + 1e-4), "differ")]),
    *params("4.3", ORTHOGONAL, ARRAY_NEAR_MISSES),
    *params(
        "4.3",
        ORTHOGONAL,
        [
            (
                "infinite values",
                lambda W: W + np.where(np.eye(len(W)) > 0, 0, np.inf),
                "20 infinite",
            ),
            ("NaN everywhere", lambda W: W * np.nan, "25 NaN"),
        ],
    ),
]


@pytest.mark.parametrize(("key", "answer", "message"), NEAR_MISSES)
def test_near_misses_of_the_reference_are_wrong(key, answer, message):
    assert_near_miss_fails(key, answer, message)


@pytest.mark.parametrize(
    ("key", "answer"),
    [
        *params("4.1", JACOBIAN, [("a list of lists", lambda J: J.tolist())]),
        *params("4.2", NORMS, [("a list", lambda v: v.tolist())]),
        *params("4.3", ORTHOGONAL, [("a list of lists", lambda W: W.tolist())]),
    ],
)
def test_the_reference_in_another_accepted_form_passes(key, answer):
    assert_accepted(key, answer)


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({"return jumps + rest": "return jumps"}, "the jumps only"),
        ({"return jumps + rest": "return -(-distance // d)"}, "ceil(distance / d)"),
        ({"return jumps + rest": "return distance"}, "the skip unused"),
        ({"return jumps + rest": "return distance / d"}, "must be an int"),
        ({"return jumps + rest": "return jumps + rest + 1"}, "expected"),
    ],
)
def test_wrong_path_counts_fail_with_a_reason_and_the_hint(replace, message):
    verdict = judge("4.4", solution("fewest_jacobians", replace))
    assert not verdict.passed and message in verdict.message, verdict.text()
    assert "distance // d" in verdict.hint
