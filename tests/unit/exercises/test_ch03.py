"""Chapter 3's checks: its solutions pass; its starters and plausible wrong answers fail."""

import numpy as np
import pytest
from mxnet import np as mnp

from d2lrnn.exercises import judge
from tests.chapter_code import define
from tests.unit.exercises import (
    ARRAY_NEAR_MISSES,
    NUMBER_FORMS,
    NUMBER_NEAR_MISSES,
    assert_accepted,
    assert_near_miss_fails,
    assert_solution_passes_and_starter_fails,
    params,
)


def solution(name, replace=None):
    return define(3, [name], replace=replace)[name]


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("3.1", "rnn_step"),
        ("3.2", "clip_by_norm"),
        ("3.3", "perplexity"),
        ("3.4", "feedback_forecast"),
        ("3.5", "ancestors"),
    ],
)
def test_the_chapters_solution_passes_and_its_starter_does_not(key, name):
    assert_solution_passes_and_starter_fails(key, name, solution)


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({"mnp.tanh(": "("}, "no tanh"),
        ({"H @ W_hh": "H @ W_hh.T"}, "W_hh transposed"),  # square: runs, but wrong
        ({"+ b_h)": "- b_h)"}, "the bias subtracted"),
        ({"X_t @ W_xh": "X_t @ W_xh.T"}, "raised"),  # (n, d) @ (h, d): shapes do not fit
    ],
)
def test_wrong_rnn_steps_fail_with_a_reason_and_the_hint(replace, message):
    verdict = judge("3.1", solution("rnn_step", replace))
    assert not verdict.passed and message in verdict.message and "tanh(X_t W_xh" in verdict.hint


def per_array(grads, theta):  # a plausible mistake: each array by its own norm
    out = []
    for g in grads:
        n = float((g * g).sum() ** 0.5)
        out.append(g * min(1.0, theta / n))
    return out


def by_value(grads, theta):  # min-char-rnn's rule, not this exercise's
    return [g.clip(-theta, theta) for g in grads]


def always(grads, theta):  # scales even when the norm is below theta
    n = float(sum((g * g).sum() for g in grads) ** 0.5)
    return [g * theta / n for g in grads]


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (per_array, "by its own norm"),
        (by_value, "clip each value"),
        (always, "returned unchanged"),
        (lambda grads, theta: grads, "should have norm"),
    ],
)
def test_wrong_clippings_fail_with_a_reason(answer, message):
    verdict = judge("3.2", answer)
    assert not verdict.passed and message in verdict.message and verdict.hint


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({"-picked.mean()": "-picked.sum()"}, "the sum instead of the mean"),
        ({"float(mnp.exp(-picked.mean()))": "float(-picked.mean())"}, "no exp"),
        ({"npx.log_softmax(logits, axis=-1)": "logits"}, "raw logits"),
        ({"Y.T": "Y"}, "raised"),  # (n, T) against (T, n): the shapes do not fit
    ],
)
def test_wrong_perplexities_fail_with_a_reason(replace, message):
    verdict = judge("3.3", solution("perplexity", replace))
    assert not verdict.passed and message in verdict.message and "log_softmax" in verdict.hint


def test_an_array_instead_of_one_number_is_wrong():
    replace = {"float(mnp.exp(-picked.mean()))": "mnp.exp(-picked.mean(axis=0))"}
    verdict = judge("3.3", solution("perplexity", replace))
    assert not verdict.passed and "return one number" in verdict.message


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({"y, state = step(y, state)": "_, state = step(y, state)"}, "are not kept"),
        (
            {
                "y, state = step(y, state)": "y1, state = step(columns[0], state)",
                "columns.append(y)": "columns.append(y1)",
            },
            "fed at every step",
        ),
        ({"y, state = step(y, state)": "y, _ = step(y, state)"}, "state not carried"),
        ({"columns = [y]": "columns = []", "range(k - 1)": "range(k)"}, "one step too far"),
        ({"axis=1)": "axis=0)"}, "(that is (k, n)"),
        ({"range(k - 1)": "range(k)"}, "one column too many"),
    ],
)
def test_wrong_feedback_loops_fail_with_a_reason(replace, message):
    verdict = judge("3.4", solution("feedback_forecast", replace))
    assert not verdict.passed and message in verdict.message and "step(y, state)" in verdict.hint


def test_a_loop_that_steps_once_too_often_is_told_so():
    def extra_step(step, y, state, k):  # right columns, then one more call of step
        columns = [y]
        for _ in range(k):
            y, state = step(y, state)
            columns.append(y)
        return np.stack(columns[:k], axis=1)

    verdict = judge("3.4", extra_step)
    assert not verdict.passed and "k - 1 = " in verdict.message


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({"todo.append(parent)": "pass"}, "the parents only"),
        ({"found, todo = set(), [node]": "found, todo = {node}, [node]"}, "node itself included"),
        ({"if c == child and parent not in found": "if parent == child and c not in found",
          "found.add(parent)": "found.add(c)", "todo.append(parent)": "todo.append(c)"},
         "the descendants"),
        ({"return found": "return sorted(found)[:1]"}, "you return"),
        ({"return found": "return len(found)"}, "return a set of node names"),
    ],
)  # fmt: skip
def test_wrong_ancestors_fail_with_a_reason_and_the_hint(replace, message):
    verdict = judge("3.5", solution("ancestors", replace))
    assert not verdict.passed and message in verdict.message, verdict.text()
    assert "parents" in verdict.hint


# ---------------------------------------------------------------- near misses of the reference

STEP, CLIP, PPL = (solution(n) for n in ("rnn_step", "clip_by_norm", "perplexity"))


def first(transform):
    """Apply a transform to the first clipped array only."""
    return lambda grads: [transform(grads[0]), *grads[1:]]


NEAR_MISSES = [
    *params("3.1", STEP, ARRAY_NEAR_MISSES),
    *params("3.2", CLIP, ARRAY_NEAR_MISSES, wrap=first, label="the first array: "),
    *params(
        "3.2",
        CLIP,
        [("every array off by 1e-2 relative", lambda grads: [g * 1.01 for g in grads], "norm")],
    ),
    *params("3.3", PPL, NUMBER_NEAR_MISSES),
    *params(
        "3.3",
        PPL,
        [("an MXNet array of shape (1,)", lambda x: mnp.array([x]), "return one number")],
    ),
]


@pytest.mark.parametrize(("key", "answer", "message"), NEAR_MISSES)
def test_near_misses_of_the_reference_are_wrong(key, answer, message):
    assert_near_miss_fails(key, answer, message)


@pytest.mark.parametrize(
    ("key", "answer"),
    [
        *params("3.1", STEP, [("NumPy", lambda H: H.asnumpy())]),
        *params(
            "3.2", CLIP, [("a tuple of NumPy arrays", lambda g: tuple(a.asnumpy() for a in g))]
        ),
        *params("3.3", PPL, NUMBER_FORMS),
        *params("3.3", PPL, [("a NumPy float32", np.float32), ("a 0-d MXNet array", mnp.array)]),
    ],
)
def test_the_reference_in_another_accepted_form_passes(key, answer):
    assert_accepted(key, answer)
