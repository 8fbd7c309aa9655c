"""The appendix's checks (numbered 8): its solutions pass; its starters and plausible wrong
answers fail."""

import numpy as np
import pytest
from mxnet import np as mnp

from d2lrnn.exercises import judge
from tests.chapter_code import define
from tests.unit.exercises import (
    ARRAY_NEAR_MISSES,
    INT_FORMS,
    INT_NEAR_MISSES,
    assert_accepted,
    assert_near_miss_fails,
    assert_solution_passes_and_starter_fails,
    item,
    params,
)

APPENDIX = "appendix_fast_layers"


def solution(name, replace=None):
    return define(APPENDIX, [name], replace=replace)[name]


@pytest.mark.parametrize(
    ("key", "name"), [("8.1", "lookup_grad"), ("8.2", "backward_bytes"), ("8.3", "gru_step4")]
)
def test_the_appendixs_solution_passes_and_its_starter_does_not(key, name):
    assert_solution_passes_and_starter_fails(key, name, solution)


def assigned(tokens, G, V):  # the classic mistake: fancy-index assignment keeps one gradient
    grad = np.zeros((V, G.shape[-1]))
    grad[tokens.asnumpy().reshape(-1)] = G.asnumpy().reshape(-1, G.shape[-1])
    return grad


def numpy_add_at(tokens, G, V):  # right, in NumPy: accepted
    grad = np.zeros((V, G.shape[-1]))
    np.add.at(grad, tokens.asnumpy().reshape(-1), G.asnumpy().reshape(-1, G.shape[-1]))
    return grad


def test_a_numpy_answer_to_the_lookup_gradient_is_accepted():
    verdict = judge("8.1", numpy_add_at)
    assert verdict.passed, verdict.text()


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (assigned, "overwrites instead of adding"),
        (solution("lookup_grad", {"G.shape[-1])": "G.shape[-1]) / len(one_hot)"}), "T * N"),
        (
            lambda tokens, G, V: (
                numpy_add_at(tokens, G, V)
                / np.maximum(np.bincount(tokens.asnumpy().reshape(-1).astype(int), minlength=V), 1)[
                    :, None
                ]
            ),
            "the mean over each token's occurrences",
        ),
        (solution("lookup_grad", {"one_hot.T @ G": "one_hot @ G"}), "raised"),
        (lambda tokens, G, V: numpy_add_at(tokens, G, V).T, "shape (V, h)"),
        (
            solution("lookup_grad", {"tokens.reshape(-1), V": "tokens.reshape(-1), V + 1"}),
            "shape (V, h)",
        ),
    ],
)
def test_wrong_lookup_gradients_fail_with_a_reason_and_the_hint(answer, message):
    verdict = judge("8.1", answer)
    assert not verdict.passed and message in verdict.message, verdict.text()
    assert "SUM of G[t, n]" in verdict.hint


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({"T * N * h * 4": "T * N * h"}, "numbers, not bytes"),
        ({"T * N * h * 4": "T * N * h * 8"}, "8 bytes a number"),
        ({"num_gates * T * full, num_gates * full": "T * full, full"}, "factor for the gates"),
        ({"num_gates * T * full": "num_gates * full"}, "as small as the slice"),
        (
            {"num_gates * T * full, num_gates * full": "num_gates * full, num_gates * T * full"},
            "wrong order",
        ),
        ({"num_gates * T * full": "num_gates * (T - 1) * full"}, "expected (index_bytes"),
        ({"return num_gates * T * full, num_gates * full": "return num_gates * T * full"}, "pair"),
    ],
)
def test_wrong_byte_counts_fail_with_a_reason_and_the_hint(replace, message):
    verdict = judge("8.2", solution("backward_bytes", replace))
    assert not verdict.passed and message in verdict.message, verdict.text()
    assert "FULL size" in verdict.hint


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({"H = Z * H + (1 - Z) * H_tilde": "H = (1 - Z) * H + Z * H_tilde"}, "Z and 1 - Z swapped"),
        (
            {
                "R * layers.recurrent_product(mx.nd, H, W_hT[2], h, b_hn)": (
                    "R * layers.recurrent_product(mx.nd, H, W_hT[2], h) + b_hn"
                )
            },
            "b_hn added outside the reset gate",
        ),
        (
            {
                "R * layers.recurrent_product(mx.nd, H, W_hT[2], h, b_hn)": (
                    "layers.recurrent_product(mx.nd, R * H, W_hT[2], h, b_hn)"
                )
            },
            "the textbook candidate",
        ),
        (
            {
                "R * layers.recurrent_product(mx.nd, H, W_hT[2], h, b_hn)": (
                    "layers.recurrent_product(mx.nd, H, W_hT[2], h, b_hn)"
                )
            },
            "without the reset gate",
        ),
        ({"W_hT = [W_hg.T for W_hg in W_h]": "W_hT = list(W_h)"}, "H W_h^T instead of H W_h"),
        (
            {
                "zip(W_x, b)": "zip([W_x[1], W_x[0], W_x[2]], [b[1], b[0], b[2]])",
                "for W_hg in W_h]": "for W_hg in (W_h[1], W_h[0], W_h[2])]",
            },
            "gates' weights swapped",
        ),
        ({"W_xg + b_g": "W_xg"}, "differ from the GRU's"),
        (
            {"W_xg + b_g, W_xg.shape[0], h)": "W_xg + b_g, h, h)"},
            "raised",
        ),
        (
            {"return mnp.stack(outputs)": "return mnp.stack(outputs).transpose(1, 0, 2)"},
            "shape (T, N, h)",
        ),
    ],
)
def test_wrong_grus_fail_with_a_reason_and_the_hint(replace, message):
    verdict = judge("8.3", solution("gru_step4", replace))
    assert not verdict.passed and message in verdict.message, verdict.text()
    assert "R * (H W_hh + b_hn)" in verdict.hint


def test_a_gru_computed_in_numpy_has_the_right_outputs_but_no_gradients():
    gru = solution("gru_step4")

    def through_numpy(X, H, W_x, W_h, b, b_hn):
        return gru(X, H, W_x, W_h, b, b_hn).asnumpy()

    def detached(X, H, W_x, W_h, b, b_hn):  # an MXNet array, but off the recorded graph
        return mnp.array(gru(X, H, W_x, W_h, b, b_hn).asnumpy())

    for answer in (through_numpy, detached):
        verdict = judge("8.3", answer)
        assert not verdict.passed and "no gradient reaches them" in verdict.message, verdict.text()


def test_a_gru_whose_gradient_is_cut_fails():
    stopped = solution(
        "gru_step4",
        {
            "W_hT = [W_hg.T for W_hg in W_h]": (
                "W_hT = [mnp.array(W_hg.T.asnumpy()) for W_hg in W_h]"
            )
        },
    )
    verdict = judge("8.3", stopped)
    assert not verdict.passed and "the gradient of dL/dW_h" in verdict.message, verdict.text()


# ---------------------------------------------------------------- near misses of the reference

LOOKUP, BYTES, GRU = (solution(n) for n in ("lookup_grad", "backward_bytes", "gru_step4"))
NEAR_MISSES = [
    *params("8.1", LOOKUP, ARRAY_NEAR_MISSES),
    *params("8.2", BYTES, INT_NEAR_MISSES, wrap=item(0), label="index_bytes: "),
    *params("8.2", BYTES, INT_NEAR_MISSES, wrap=item(1), label="cut_bytes: "),
    *params("8.3", GRU, ARRAY_NEAR_MISSES),
    *params("8.3", GRU, [("off by 1e-2 relative, on the graph", lambda out: out * 1.01, None)]),
]


@pytest.mark.parametrize(("key", "answer", "message"), NEAR_MISSES)
def test_near_misses_of_the_reference_are_wrong(key, answer, message):
    assert_near_miss_fails(key, answer, message)


def test_byte_counts_off_by_half_are_refused_as_floats_not_truncated():
    verdict = judge("8.2", lambda T, N, h, g: tuple(n + 0.5 for n in BYTES(T, N, h, g)))
    assert verdict.message == "index_bytes must be an int, got float 100663296.5", verdict.text()


@pytest.mark.parametrize(
    ("key", "answer"),
    [
        *params("8.1", LOOKUP, [("a list of lists", lambda G: G.asnumpy().tolist())]),
        *params("8.2", BYTES, INT_FORMS, wrap=lambda t: lambda out: tuple(map(t, out))),
        *params("8.2", BYTES, [("a list", list)]),
    ],
)
def test_the_reference_in_another_accepted_form_passes(key, answer):
    assert_accepted(key, answer)
