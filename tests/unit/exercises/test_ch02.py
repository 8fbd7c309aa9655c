"""Chapter 2's checks: its solutions pass; its starters and plausible wrong answers fail."""

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
    column,
    objects,
    params,
    text,
    with_nan,
)


def solution(name, replace=None):
    return define(2, [name], replace=replace)[name]


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("2.1", "zipf_exponent"),
        ("2.2", "smoothed_bigram"),
        ("2.3", "perplexity"),
        ("2.4", "sequential_batches"),
    ],
)
def test_the_chapters_solution_passes_and_its_starter_does_not(key, name):
    assert_solution_passes_and_starter_fails(key, name, solution)


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({"return -slope": "return slope"}, "minus the slope"),
        ({"dtype=float))[::-1]": "dtype=float))"}, "increasing order"),
        ({"n[lo - 1 : hi]": "n[lo : hi + 1]"}, "ranks off by one"),
        ({"np.arange(lo, hi + 1)": "np.arange(lo - 1, hi)"}, "ranks counted from 0"),
        (
            {"np.log(ranks), np.log(n[lo - 1 : hi])": "np.log(n[lo - 1 : hi]), np.log(ranks)"},
            "axes swapped",
        ),
    ],
)
def test_wrong_zipf_exponents_fail_with_a_reason_and_the_hint(replace, message):
    verdict = judge("2.1", solution("zipf_exponent", replace))
    assert not verdict.passed and message in verdict.message, verdict.text()
    assert "minus its slope" in verdict.hint


def test_a_zipf_fit_to_the_unsorted_counts_fails():
    def unsorted(counts, lo, hi):
        n = np.asarray(list(counts), dtype=float)
        return -np.polyfit(np.log(np.arange(lo, hi + 1)), np.log(n[lo - 1 : hi]), 1)[0]

    verdict = judge("2.1", unsorted)
    assert not verdict.passed and "in the order given" in verdict.message


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({"axis=1": "axis=0"}, "columns normalised"),
        ({" + alpha * V)": ")"}, "no alpha * V"),
        ({" + alpha * V)": " + alpha)"}, "alpha, not alpha * V"),
        ({"C.sum(axis=1, keepdims=True)": "C.sum()"}, "the same number"),
        ({"C.sum(axis=1, keepdims=True) + alpha * V": "C.sum() + alpha * V * V"}, "joint"),
    ],
)
def test_wrong_smoothed_bigrams_fail_with_a_reason_and_the_hint(replace, message):
    verdict = judge("2.2", solution("smoothed_bigram", replace))
    assert not verdict.passed and message in verdict.message, verdict.text()
    assert "C.sum(axis=1, keepdims=True)" in verdict.hint


def test_a_transposed_or_unsmoothed_bigram_fails():
    right = solution("smoothed_bigram")
    transposed = judge("2.2", lambda C, alpha: right(C, alpha).T)
    assert not transposed.passed and "transposed" in transposed.message
    unsmoothed = judge("2.2", lambda C, alpha: C / C.sum(axis=1, keepdims=True))
    assert not unsmoothed.passed and "no smoothing" in unsmoothed.message


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({"np.mean(": "np.sum("}, "the sum instead of the mean"),
        ({"float(np.exp(-np.mean(log_probs)))": "float(-np.mean(log_probs))"}, "no exp"),
        ({"np.exp(-np.mean(": "np.exp(np.mean("}, "the wrong sign"),
        ({"np.exp(-np.mean(log_probs))": "2 ** -np.mean(log_probs)"}, "2 to the power"),
        ({"np.exp(-np.mean(log_probs))": "1 / np.mean(np.exp(log_probs))"}, "mean probability"),
    ],
)
def test_wrong_perplexities_fail_with_a_reason_and_the_hint(replace, message):
    verdict = judge("2.3", solution("perplexity", replace))
    assert not verdict.passed and message in verdict.message, verdict.text()
    assert "np.exp(-log_probs.mean())" in verdict.hint


def test_a_perplexity_that_ignores_zero_probabilities_fails():
    def finite_only(log_probs):  # drops the -inf instead of reporting an infinite perplexity
        lp = np.asarray(log_probs)
        return float(np.exp(-lp[np.isfinite(lp)].mean()))

    verdict = judge("2.3", finite_only)
    assert not verdict.passed and "infinite" in verdict.message


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({".reshape(batch_size, cols)": ".reshape(cols, batch_size).T"}, "interleave"),
        ({"Y = corpus[1 : batch_size * cols + 1]": "Y = corpus[: batch_size * cols]"}, "equals X"),
        ({"m = (len(corpus) - 1) //": "m = len(corpus) //"}, "raised ValueError"),
        ({"num_steps], Y[": "num_steps].T, Y["}, "transposed"),  # X only
    ],
)
def test_wrong_sequential_batches_fail_with_a_reason_and_the_hint(replace, message):
    verdict = judge("2.4", solution("sequential_batches", replace))
    assert not verdict.passed and message in verdict.message, verdict.text()
    assert "reshape(batch_size, m * num_steps)" in verdict.hint


def test_windows_side_by_side_are_random_sampling_not_sequential_partitioning():
    def side_by_side(corpus, batch_size, num_steps):
        m = (len(corpus) - 1) // (batch_size * num_steps)
        n = m * batch_size * num_steps
        X = corpus[:n].reshape(m, batch_size, num_steps)
        Y = corpus[1 : n + 1].reshape(m, batch_size, num_steps)
        return list(zip(X, Y))

    verdict = judge("2.4", side_by_side)
    assert not verdict.passed and "consecutive windows side by side" in verdict.message
    too_few = judge("2.4", lambda corpus, b, t: side_by_side(corpus, b, t)[:-1])
    assert not too_few.passed and "minibatches" in too_few.message


# ---------------------------------------------------------------- near misses of the reference

ZIPF, BIGRAM, PPL, BATCHES = (
    solution(n) for n in ("zipf_exponent", "smoothed_bigram", "perplexity", "sequential_batches")
)


def each_pair(index):
    """Apply a transform to X (0) or Y (1) of every minibatch (X, Y)."""

    def wrap(transform):
        return lambda batches: [
            tuple(transform(v) if i == index else v for i, v in enumerate(pair)) for pair in batches
        ]

    return wrap


#: Token indices: ints. A float array is refused even when its values are whole.
TOKEN_NEAR_MISSES = [
    ("off by 0.5", lambda a: a + 0.5, "must be an array of ints, got ndarray of dtype float64"),
    ("whole floats", lambda a: a.astype(float), "must be an array of ints"),
    ("off by one token", lambda a: a + 1, "should be"),
    ("a trailing axis of 1", column, "must have shape (batch_size, num_steps)"),
    ("strings", text, "must be an array of numbers"),
    ("dtype object", objects, "must be an array of numbers"),
    ("one NaN", with_nan, "must be an array of ints"),
    ("a list of floats", lambda a: a.astype(float).tolist(), "must be an array of ints"),
]

NEAR_MISSES = [
    *params("2.1", ZIPF, NUMBER_NEAR_MISSES),
    *params("2.2", BIGRAM, ARRAY_NEAR_MISSES),
    *params("2.3", PPL, NUMBER_NEAR_MISSES),
    *params("2.4", BATCHES, TOKEN_NEAR_MISSES, wrap=each_pair(0), label="X: "),
    *params("2.4", BATCHES, TOKEN_NEAR_MISSES, wrap=each_pair(1), label="Y: "),
]


@pytest.mark.parametrize(("key", "answer", "message"), NEAR_MISSES)
def test_near_misses_of_the_reference_are_wrong(key, answer, message):
    assert_near_miss_fails(key, answer, message)


def test_an_infinite_perplexity_is_a_number_but_nan_is_not():
    nan_for_zero = judge("2.3", lambda lp: PPL(lp) if np.isfinite(lp).all() else float("nan"))
    assert not nan_for_zero.passed and "NaN" in nan_for_zero.message, nan_for_zero.text()


@pytest.mark.parametrize(
    ("key", "answer"),
    [
        *params("2.1", ZIPF, NUMBER_FORMS),
        *params("2.2", BIGRAM, [("a list of lists", lambda v: v.tolist())]),
        *params("2.3", PPL, NUMBER_FORMS),
        *params(
            "2.4",
            BATCHES,
            [
                ("lists of ints", lambda b: [(X.tolist(), Y.tolist()) for X, Y in b]),
                ("int32", lambda b: [(X.astype(np.int32), Y.astype(np.int32)) for X, Y in b]),
            ],
        ),
    ],
)
def test_the_reference_in_another_accepted_form_passes(key, answer):
    assert_accepted(key, answer)
