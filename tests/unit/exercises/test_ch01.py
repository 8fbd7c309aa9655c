"""Chapter 1's checks: its solutions pass; its starters and plausible wrong answers fail."""

import numpy as np
import pytest

from d2lrnn.exercises import judge
from tests.chapter_code import define
from tests.unit.exercises import (
    ARRAY_NEAR_MISSES,
    NUMBER_FORMS,
    NUMBER_NEAR_MISSES,
    assert_accepted,
    assert_near_miss_fails,
    assert_solution_passes_and_starter_fails,
    item,
    params,
)


def solution(name, replace=None):
    return define(1, [name], replace=replace)[name]


@pytest.mark.parametrize(
    ("key", "name"),
    [("1.1", "lag_features"), ("1.2", "markov_log_prob"), ("1.3", "k_step_forecast")],
)
def test_the_chapters_solution_passes_and_its_starter_does_not(key, name):
    assert_solution_passes_and_starter_fails(key, name, solution)


def test_the_library_passes_its_own_exercise():
    from d2lrnn import series

    assert judge("1.1", series.lag_features).passed


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({"labels = x[tau:]": "labels = x[tau - 1 : -1]"}, "off by one"),
        ({"axis=1)": "axis=0)"}, "transposed"),
        ({"for j in range(tau)]": "for j in reversed(range(tau))]"}, "newest first"),
        ({"x[j : T - tau + j]": "x[j + 1 : T - tau + j + 1]"}, "holds its own label"),
        ({"x[j : T - tau + j]": "x[j : T - tau + j + 1]"}, "T - tau + 1"),
    ],
)
def test_wrong_lag_features_fail_with_a_reason_and_the_hint(replace, message):
    verdict = judge("1.1", solution("lag_features", replace))
    assert not verdict.passed and message in verdict.message, verdict.text()
    assert "x[i + tau]" in verdict.hint


def test_lag_features_must_be_a_pair_and_labels_may_not_be_a_column():
    verdict = judge("1.1", lambda x, tau: np.zeros((len(x) - tau, tau)))
    assert not verdict.passed and "return two arrays" in verdict.message
    column = judge("1.1", lambda x, tau: (solution("lag_features")(x, tau)[0], x[tau:, None]))
    assert not column.passed and "your labels are a column, shape (8, 1)" in column.message


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({"P[seq[:-1], seq[1:]]": "P[seq[1:], seq[:-1]]"}, "transposed"),
        ({"np.log(p0[seq[0]]) + ": ""}, "no log P(x_1) term"),
        ({"P[seq[:-1], seq[1:]]": "P[seq[:-2], seq[1:-1]]"}, "one transition left out"),
        ({"np.log(": "np.log10("}, "log base 10"),
        ({"float(np.log(p0": "-float(np.log(p0"}, "the wrong sign"),
    ],
)
def test_wrong_markov_log_probs_fail_with_a_reason_and_the_hint(replace, message):
    verdict = judge("1.2", solution("markov_log_prob", replace))
    assert not verdict.passed and message in verdict.message, verdict.text()
    assert "log p0[seq[0]]" in verdict.hint


def test_the_probability_instead_of_its_log_underflows():
    def product(seq, p0, P):  # the chain rule without logarithms
        return p0[seq[0]] * np.prod(P[seq[:-1], seq[1:]])

    verdict = judge("1.2", product)
    assert not verdict.passed and "return the log-probability" in verdict.message
    independent = judge("1.2", lambda seq, p0, P: np.log(p0[seq]).sum())
    assert not independent.passed and "independent" in independent.message


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({"window[:, 1:], pred[:, None]": "pred[:, None], window[:, 1:]"}, "oldest end"),
        ({"window[:, 1:], pred[:, None]": "window[:, :-1], pred[:, None]"}, "newest value dropped"),
        ({"window = np.concatenate(": "_ = np.concatenate("}, "never moves"),
        ({"return np.stack(preds, axis=1)": "return np.stack(preds, axis=0)"}, "transposed"),
        ({"window[:, 1:], pred": "window, pred"}, "raised ValueError: predict takes windows"),
    ],
)
def test_wrong_k_step_forecasts_fail_with_a_reason_and_the_hint(replace, message):
    verdict = judge("1.3", solution("k_step_forecast", replace))
    assert not verdict.passed and message in verdict.message, verdict.text()
    assert "window[:, 1:]" in verdict.hint


def test_a_forecast_that_slides_the_callers_window_in_place_fails():
    def in_place(predict, window, k):
        preds = []
        for _ in range(k):
            pred = predict(window)
            preds.append(pred)
            window[:, :-1] = window[:, 1:]
            window[:, -1] = pred
        return np.stack(preds, axis=1)

    verdict = judge("1.3", in_place)
    assert not verdict.passed and "changed the window it was given" in verdict.message


# ---------------------------------------------------------------- near misses of the reference

LAG, MARKOV, FORECAST = (
    solution(n) for n in ("lag_features", "markov_log_prob", "k_step_forecast")
)
NEAR_MISSES = [
    *params("1.1", LAG, ARRAY_NEAR_MISSES, wrap=item(0), label="features: "),
    *params("1.1", LAG, ARRAY_NEAR_MISSES, wrap=item(1), label="labels: "),
    *params(
        "1.1",
        LAG,
        [("a list of str", lambda v: [str(x) for x in v], "labels must be an array of numbers")],
        wrap=item(1),
        label="labels: ",
    ),
    *params("1.2", MARKOV, NUMBER_NEAR_MISSES),
    *params("1.2", MARKOV, [("off by 1e-4 relative", lambda x: x * (1 + 1e-4), "expected")]),
    *params("1.3", FORECAST, ARRAY_NEAR_MISSES),
]


@pytest.mark.parametrize(("key", "answer", "message"), NEAR_MISSES)
def test_near_misses_of_the_reference_are_wrong(key, answer, message):
    assert_near_miss_fails(key, answer, message)


@pytest.mark.parametrize(
    ("key", "answer"),
    [
        *params("1.1", LAG, [("lists", lambda out: tuple(v.tolist() for v in out))]),
        *params("1.2", MARKOV, NUMBER_FORMS),
        *params("1.3", FORECAST, [("a list of lists", lambda v: v.tolist())]),
    ],
)
def test_the_reference_in_another_accepted_form_passes(key, answer):
    assert_accepted(key, answer)
