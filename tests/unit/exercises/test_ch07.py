"""Chapter 7's checks: its solutions pass; its starters and plausible wrong answers fail."""

from collections import Counter

import numpy as np
import pytest

from d2lrnn.exercises import judge
from tests.chapter_code import define
from tests.unit.exercises import assert_solution_passes_and_starter_fails

NAMES = [
    ("7.1", "masked_loss"),
    ("7.2", "clipped_matches"),
    ("7.3", "top_candidates"),
    ("7.4", "additive_attention"),
]


def solution(name, replace=None):
    return define(7, [name], replace=replace, namespace={"Counter": Counter})[name]


@pytest.mark.parametrize(("key", "name"), NAMES)
def test_the_chapters_solution_passes_and_its_starter_does_not(key, name):
    assert_solution_passes_and_starter_fails(key, name, solution)


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({"(nll * mask).sum() / mask.sum()": "nll.mean()"}, "no mask"),
        ({"(nll * mask).sum() / mask.sum()": "(nll * mask).mean()"}, "divided by all T * N"),
        ({"steps < valid_len": "steps <= valid_len"}, "one padding position too many"),
        ({"(nll * mask).sum() / mask.sum()": "(nll * mask).sum()"}, "the sum instead of the mean"),
        ({"npx.log_softmax(logits, axis=-1)": "logits"}, "raw logits"),
        ({"Y.T": "Y"}, "raised"),  # (N, T) against (T, N): the shapes do not fit
        (
            {
                "(nll * mask).sum() / mask.sum()": (
                    "((nll * mask).sum(axis=0) / mask.sum(axis=0)).mean()"
                )
            },
            "each sentence's mean",
        ),
    ],
)
def test_wrong_masked_losses_fail_with_a_reason_and_the_hint(replace, message):
    verdict = judge("7.1", solution("masked_loss", replace))
    assert not verdict.passed and message in verdict.message, verdict.text()
    assert "t < valid_len[n]" in verdict.hint


def test_a_loss_per_position_instead_of_one_number_fails():
    verdict = judge(
        "7.1", solution("masked_loss", {"float((nll * mask).sum() / mask.sum())": "nll"})
    )
    assert not verdict.passed and "must be one number" in verdict.message


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({"min(k, most[g])": "(k if most[g] else 0)"}, "no clipping"),
        ({"most |= ngrams(ref, n)": "most += ngrams(ref, n)"}, "added up"),
        ({"for ref in refs:": "for ref in refs[:1]:"}, "the first reference only"),
        ({"sum(counts.values())": "len(counts)"}, "distinct n-grams"),
        ({"sum(counts.values())": "max(0, len(hyp) - n)"}, "one n-gram too few"),
        ({"sum(counts.values())": "str(counts)"}, "whole numbers"),
    ],
)
def test_wrong_clipped_matches_fail_with_a_reason_and_the_hint(replace, message):
    verdict = judge("7.2", solution("clipped_matches", replace))
    assert not verdict.passed and message in verdict.message, verdict.text()
    assert "any ONE reference" in verdict.hint


def best_word_of_each_hypothesis(log_p, log_probs, K):  # a plausible mistake
    rows = np.argsort(-(log_p + log_probs.max(axis=1)))[:K]
    return [
        (int(b), int(log_probs[b].argmax()), float(log_p[b] + log_probs[b].max())) for b in rows
    ]


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (best_word_of_each_hypothesis, "best word"),
        (solution("top_candidates", {"log_p[:, None] + log_probs": "log_probs"}), "regardless"),
        (solution("top_candidates", {"np.argsort(-total": "np.argsort(total"}), "K worst"),
        (
            solution(
                "top_candidates", {"log_p[:, None] + log_probs": "log_p[:, None] * log_probs"}
            ),
            "product",
        ),
        (solution("top_candidates", {"total.shape[1]": "total.shape[0]"}), "divmod(i, V)"),
        (solution("top_candidates", {"[:K]": "[:K - 1]"}), "return K = "),
        (
            solution("top_candidates", {"float(total.flat[i])": "float(log_probs.flat[i])"}),
            "log P should be",
        ),
        (lambda log_p, log_probs, K: log_probs.argmax(), "(row, word, log P) triples"),
    ],
)
def test_wrong_pruning_steps_fail_with_a_reason(answer, message):
    verdict = judge("7.3", answer)
    assert not verdict.passed and message in verdict.message, verdict.text()
    assert "divmod(i, V)" in verdict.hint


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({"mnp.where(real, e, -1e6 * mnp.ones_like(e))": "e"}, "no mask"),
        ({"axis=-1)  # (N, T)": "axis=0)  # (N, T)"}, "the batch axis"),
        ({" < valid_len": " <= valid_len"}, "one padding position too many"),
        ({"-1e6 * mnp.ones_like(e)": "mnp.zeros_like(e)"}, "set to 0 instead of -1e6"),
        ({"mnp.tanh(": "("}, "without the tanh"),
        ({".sum(axis=1), alpha": ".sum(axis=1) / 2, alpha"}, "c is not"),
        ({"s @ W_q": "s @ W_q.T"}, "raised"),  # (N, q) @ (a, q): the shapes do not fit
    ],
)
def test_wrong_attentions_fail_with_a_reason_and_the_hint(replace, message):
    verdict = judge("7.4", solution("additive_attention", replace))
    assert not verdict.passed and message in verdict.message, verdict.text()
    assert "softmax over the LAST axis" in verdict.hint


def test_attention_weights_of_the_wrong_shape_fail():
    verdict = judge("7.4", solution("additive_attention", {"), alpha ": "), alpha.T "}))
    assert not verdict.passed and "alpha must have shape (N, T)" in verdict.message
