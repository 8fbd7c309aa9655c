"""Chapter 6's checks: its solutions pass; its starters and plausible wrong answers fail."""

import numpy as np
import pytest

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

NAMES = [
    ("6.1", "gru_lm_params"),
    ("6.2", "deep_rnn"),
    ("6.3", "bidirectional_rnn"),
    ("6.4", "last_states"),
    ("6.5", "compose_tree"),
]


def solution(name, replace=None):
    return define(6, [name], replace=replace)[name]


@pytest.mark.parametrize(("key", "name"), NAMES)
def test_the_chapters_solution_passes_and_its_starter_does_not(key, name):
    assert_solution_passes_and_starter_fails(key, name, solution)


def test_numpy_answers_are_accepted_where_the_chapter_passes_mxnet_arrays():
    def as_numpy(answer):
        def run(*args):
            got = answer(*args)
            if isinstance(got, tuple):
                return tuple(g.asnumpy() for g in got)
            return got.asnumpy()

        return run

    for key, name in NAMES[1:4]:
        verdict = judge(key, as_numpy(solution(name)))
        assert verdict.passed, verdict.text()


@pytest.mark.parametrize(
    ("V", "h", "L", "bidirectional"), [(28, 128, 2, False), (28, 216, 1, False), (10, 7, 3, True)]
)
def test_the_parameter_count_is_gluons(V, h, L, bidirectional):
    from mxnet import np as mnp
    from mxnet.gluon import rnn

    from d2lrnn import lm

    model = lm.RNNLM(rnn.GRU(h, num_layers=L, bidirectional=bidirectional), V)
    model.initialize()
    model(mnp.zeros((2, 3), dtype="int32"))  # shapes are inferred at the first call
    counted = sum(p.data().size for p in model.collect_params().values())
    assert solution("gru_lm_params")(V, h, L, bidirectional) == counted


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({"+ 2)": "+ 1)"}, "one bias per gate instead of two"),
        ({"+ num_inputs * V + V": "+ num_inputs * V"}, "without its bias"),
        ({"    return total + num_inputs * V + V": "    return total"}, "no output layer"),
        ({"num_inputs = D * num_hiddens": "num_inputs = num_hiddens"}, "reading h inputs"),
        ({"(num_inputs + num_hiddens + 2)": "(V + num_hiddens + 2)"}, "reading the V one-hot"),
        ({"D * 3 * num_hiddens": "D * 4 * num_hiddens"}, "4 gates"),
        ({"(2 if bidirectional else 1)": "1"}, "bidirectional ignored"),
        ({"total += D * 3": "total += 3"}, "backward direction not counted"),
        ({"+ V  # the output layer": "+ V + 1  # the output layer"}, "expected"),
    ],
)
def test_wrong_parameter_counts_fail_with_a_reason_and_the_hint(replace, message):
    verdict = judge("6.1", solution("gru_lm_params", replace))
    assert not verdict.passed and message in verdict.message, verdict.text()
    assert "3 h (d + h + 2)" in verdict.hint


def test_a_count_that_is_not_a_number_fails():
    verdict = judge("6.1", lambda V, h, L, bidirectional: str(V * h))
    assert not verdict.passed and "an int" in verdict.message


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({"mnp.stack(states)": "mnp.stack(states[::-1])"}, "the top layer's state first"),
        (
            {"X = mnp.stack(outputs)": "top = mnp.stack(outputs)", "return X,": "return top,"},
            "every layer reading X",
        ),
        (
            {"H, outputs = mnp.zeros((X.shape[1], W_hh.shape[0]), ctx=X.ctx), []": "outputs = []"},
            "raised",  # the first layer's H is undefined
        ),
        ({"mnp.tanh(": "("}, "differ from the top layer's"),
        ({"X_t @ W_xh": "X_t @ W_xh.T"}, "W_xh transposed"),  # square in the first test
        ({"H @ W_hh": "H @ W_hh.T"}, "W_hh transposed"),
        ({"return X, mnp.stack(states)": "return X"}, "return two things"),
    ],
)
def test_wrong_deep_rnns_fail_with_a_reason_and_the_hint(replace, message):
    verdict = judge("6.2", solution("deep_rnn", replace))
    assert not verdict.passed and message in verdict.message, verdict.text()
    assert "OUTPUTS (T, n, h) of the layer below" in verdict.hint


def test_a_deep_rnn_that_starts_each_layer_from_the_state_below_is_named():
    from mxnet import np as mnp

    def carried(X, params):
        H, states = None, []
        for W_xh, W_hh, b_h in params:
            if H is None:
                H = mnp.zeros((X.shape[1], W_hh.shape[0]))
            outputs = []
            for X_t in X:
                H = mnp.tanh(X_t @ W_xh + H @ W_hh + b_h)
                outputs.append(H)
            X = mnp.stack(outputs)
            states.append(H)
        return X, mnp.stack(states)

    verdict = judge("6.2", carried)
    assert not verdict.passed and "final state of the layer below" in verdict.message


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        (
            {
                "H_b = mnp.flip(run(mnp.flip(X, axis=0), *backward_params), axis=0)": (
                    "H_b = run(mnp.flip(X, axis=0), *backward_params)"
                )
            },
            "left in reversed order",
        ),
        (
            {"run(mnp.flip(X, axis=0), *backward_params)": "run(X, *backward_params)"},
            "its outputs reversed",
        ),
        ({"[H_f, H_b]": "[H_b, H_f]"}, "halves swapped"),
        ({"*backward_params": "*forward_params"}, "forward weights used in both"),
        ({"[H_f, H_b], axis=-1": "[H_f, H_b], axis=0"}, "along the last (feature) axis"),
        ({"mnp.tanh(": "("}, "forward half False, backward half False"),
    ],
)
def test_wrong_bidirectional_layers_fail_with_a_reason_and_the_hint(replace, message):
    verdict = judge("6.3", solution("bidirectional_rnn", replace))
    assert not verdict.passed and message in verdict.message, verdict.text()
    assert "mnp.flip(X, axis=0)" in verdict.hint


def test_a_bidirectional_layer_that_reads_x_forwards_twice_is_named():
    run = solution("deep_rnn")  # one layer of it is one direction

    def twice_forwards(X, forward_params, backward_params):
        from mxnet import np as mnp

        return mnp.concatenate([run(X, [forward_params])[0], run(X, [backward_params])[0]], axis=-1)

    verdict = judge("6.3", twice_forwards)
    assert not verdict.passed and "two forward passes" in verdict.message


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({"H[valid_lens - 1, mnp.arange(H.shape[1], ctx=H.ctx)]": "H[-1]"}, "after the padding"),
        ({"valid_lens - 1": "valid_lens"}, "one step after the last real token"),
        ({"H[valid_lens - 1, mnp.arange(H.shape[1], ctx=H.ctx)]": "H[0]"}, "first step"),
        ({", mnp.arange(H.shape[1], ctx=H.ctx)]": "]"}, "Pick step and sequence together"),
        (
            {"H[valid_lens - 1, mnp.arange(H.shape[1], ctx=H.ctx)]": "H.mean(axis=0)"},
            "padding included",
        ),
    ],
)
def test_wrong_last_states_fail_with_a_reason_and_the_hint(replace, message):
    verdict = judge("6.4", solution("last_states", replace))
    assert not verdict.passed and message in verdict.message, verdict.text()
    assert "valid_lens[i] - 1" in verdict.hint


def test_the_mean_of_the_valid_steps_is_named():
    def mean_pooled(H, valid_lens):
        H, lens = H.asnumpy(), valid_lens.asnumpy()
        mask = np.arange(H.shape[0])[:, None] < lens[None, :]
        return (H * mask[..., None]).sum(0) / lens[:, None]

    verdict = judge("6.4", mean_pooled)
    assert not verdict.passed and "mean of the valid steps" in verdict.message


def chain(tree, vectors, W, b):  # a plausible mistake: an RNN over the leaves
    def leaves(t):
        return [t] if isinstance(t, str) else leaves(t[0]) + leaves(t[1])

    words = leaves(tree)
    h = vectors[words[0]]
    for w in words[1:]:
        h = np.tanh(np.concatenate([h, vectors[w]]) @ W + b)
    return h


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({"[left, right]": "[right, left]"}, "the children in the wrong order"),
        ({"np.tanh(": "("}, "no tanh"),
        ({" @ W + b)": " @ W)"}, "no bias"),
        ({"@ W + b": "@ W.T + b"}, "raised"),  # (2d,) @ (d, 2d): the shapes do not fit
        ({"return vectors[tree]": "return vectors[tree] * 0"}, "differs by up to"),
    ],
)
def test_wrong_recursive_networks_fail_with_a_reason_and_the_hint(replace, message):
    verdict = judge("6.5", solution("compose_tree", replace))
    assert not verdict.passed and message in verdict.message, verdict.text()
    assert "np.concatenate([left_vector, right_vector])" in verdict.hint


def test_a_chain_over_the_leaves_is_named():
    verdict = judge("6.5", chain)
    assert not verdict.passed and "as a chain" in verdict.message


# ---------------------------------------------------------------- near misses of the reference

COUNT, DEEP, BIDIRECTIONAL, LAST, TREE = (solution(name) for _, name in NAMES)
NEAR_MISSES = [
    *params("6.1", COUNT, INT_NEAR_MISSES),
    *params("6.2", DEEP, ARRAY_NEAR_MISSES, wrap=item(0), label="outputs: "),
    *params("6.2", DEEP, ARRAY_NEAR_MISSES, wrap=item(1), label="final states: "),
    *params("6.3", BIDIRECTIONAL, ARRAY_NEAR_MISSES),
    *params("6.4", LAST, ARRAY_NEAR_MISSES),
    *params("6.5", TREE, ARRAY_NEAR_MISSES),
]


@pytest.mark.parametrize(("key", "answer", "message"), NEAR_MISSES)
def test_near_misses_of_the_reference_are_wrong(key, answer, message):
    assert_near_miss_fails(key, answer, message)


@pytest.mark.parametrize(
    ("key", "answer"),
    [
        *params("6.1", COUNT, INT_FORMS),
        *params("6.2", DEEP, [("a list of NumPy arrays", lambda out: [a.asnumpy() for a in out])]),
        *params("6.5", TREE, [("a list", lambda v: v.tolist())]),
    ],
)
def test_the_reference_in_another_accepted_form_passes(key, answer):
    assert_accepted(key, answer)
