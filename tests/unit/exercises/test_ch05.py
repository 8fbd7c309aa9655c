"""Chapter 5's checks: its solutions pass; its starters and plausible wrong answers fail."""

import numpy as np
import pytest
from mxnet import gluon
from mxnet import np as mnp

from d2lrnn import longrange
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

KEYS = [("5.1", "lstm_step"), ("5.2", "count_params"), ("5.3", "gru_step")]


def solution(name, replace=None):
    return define(5, [name], replace=replace)[name]


@pytest.mark.parametrize(("key", "name"), KEYS)
def test_the_chapters_solution_passes_and_its_starter_does_not(key, name):
    assert_solution_passes_and_starter_fails(key, name, solution)


def test_numpy_answers_are_accepted():
    def in_numpy(step):
        def answer(*args):
            out = step(*args)
            return tuple(a.asnumpy() for a in out) if isinstance(out, tuple) else out.asnumpy()

        return answer

    for key, name in [("5.1", "lstm_step"), ("5.3", "gru_step")]:
        verdict = judge(key, in_numpy(solution(name)))
        assert verdict.passed, verdict.text()


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({"H = npx.sigmoid(A_o) * mnp.tanh(C)": "H = mnp.tanh(C)"}, "no output gate"),
        ({"mnp.tanh(C)\n": "C\n"}, "no tanh on the memory"),
        ({"* mnp.tanh(A_c)": "* npx.sigmoid(A_c)"}, "a sigmoid on the candidate"),
        ({"npx.sigmoid(A_f) * C": "(1 - npx.sigmoid(A_f)) * C"}, "(1 - F_t)"),
        ({"A_i, A_f, A_c, A_o =": "A_i, A_c, A_f, A_o ="}, "input, candidate, forget, output"),
        ({"A_i, A_f, A_c, A_o =": "A_f, A_i, A_c, A_o ="}, "forget, input, candidate, output"),
        ({"return H, C": "return C, H"}, "you return (C_t, H_t)"),
        ({"return H, C": "return H"}, "return the pair"),
        ({"axis=-1)": "axis=0)"}, "raised"),  # (n, 4h) split along n = 3: does not divide
    ],
)
def test_wrong_lstm_steps_fail_with_a_reason_and_the_hint(replace, message):
    verdict = judge("5.1", solution("lstm_step", replace))
    assert not verdict.passed and message in verdict.message, verdict.text()
    assert "input, forget, candidate, output" in verdict.hint


def test_an_lstm_step_from_the_old_memory_is_named():
    def old_memory(X_t, H, C, W_x, W_h, b):
        from mxnet import np as mnp
        from mxnet import npx

        A_i, A_f, A_c, A_o = mnp.split(X_t @ W_x + H @ W_h + b, 4, axis=-1)
        C_t = npx.sigmoid(A_f) * C + npx.sigmoid(A_i) * mnp.tanh(A_c)
        return npx.sigmoid(A_o) * mnp.tanh(C), C_t

    verdict = judge("5.1", old_memory)
    assert not verdict.passed and "old memory C_{t-1}" in verdict.message


def test_the_reference_count_is_gluons_and_the_librarys():
    count = solution("count_params")
    for cell in ("rnn", "gru", "lstm"):
        for d, h, q in ((7, 5, 3), (28, 31, 8)):
            layer = {"rnn": gluon.rnn.RNN, "gru": gluon.rnn.GRU, "lstm": gluon.rnn.LSTM}[cell]
            blocks = (layer(h, input_size=d), gluon.nn.Dense(q, in_units=h))
            n = sum(int(np.prod(p.shape)) for b in blocks for p in b.collect_params().values())
            assert count(cell, d, h, q) == n
        assert count(cell, 8, 31, 8) == longrange.num_params(cell, 31, 8)


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({"2 * h)": "h)"}, "one bias per block"),
        ({" + h * q + q": ""}, "no readout layer"),
        ({"h * q + q": "h * q"}, "a readout without its bias"),
        ({'"gru": 3, "lstm": 4': '"gru": 4, "lstm": 3'}, "numbers of blocks swapped"),
        ({'"gru": 3, "lstm": 4': '"gru": 1, "lstm": 1'}, "one block, whatever the cell"),
        ({"h * d + h * h": "h * d"}, "no recurrent weights"),
        ({"h * d + h * h": "h * d + h * d"}, "expected"),
        ({"return G": "return 0.5 + G"}, "the number of parameters must be an int, got float"),
    ],
)
def test_wrong_counts_fail_with_a_reason_and_the_hint(replace, message):
    verdict = judge("5.2", solution("count_params", replace))
    assert not verdict.passed and message in verdict.message, verdict.text()
    assert "two biases" in verdict.hint


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({"(R * H) @ W_hh": "R * (H @ W_hh)"}, "gluon's convention"),
        ({"(R * H) @ W_hh": "H @ W_hh"}, "no reset gate"),
        ({"Z * H + (1 - Z) * H_tilde": "(1 - Z) * H + Z * H_tilde"}, "Chung et al."),
        ({"Z * H + (1 - Z) * H_tilde": "H_tilde"}, "without the update gate"),
        ({"W_hr, W_hz, W_hh =": "W_hz, W_hr, W_hh ="}, "differs from the textbook GRU"),
        ({"b_r, b_z, b_h": "b_z, b_r, b_h"}, "differs from the textbook GRU"),
        ({"mnp.split(W_x, 3, axis=1)": "mnp.split(W_x, 3, axis=0)"}, "raised"),  # d = 5
        ({"return Z * H + (1 - Z) * H_tilde": "return H_tilde.T"}, "shape (n, h)"),
    ],
)
def test_wrong_gru_steps_fail_with_a_reason_and_the_hint(replace, message):
    verdict = judge("5.3", solution("gru_step", replace))
    assert not verdict.passed and message in verdict.message, verdict.text()
    assert "(R * H) W_hh" in verdict.hint


def test_gru_blocks_read_in_another_order_are_named():
    replace = {
        "W_xr, W_xz, W_xh =": "W_xz, W_xr, W_xh =",
        "W_hr, W_hz, W_hh =": "W_hz, W_hr, W_hh =",
        "b_r, b_z, b_h =": "b_z, b_r, b_h =",
    }
    verdict = judge("5.3", solution("gru_step", replace))
    assert not verdict.passed and "update, reset, candidate" in verdict.message, verdict.text()


# ---------------------------------------------------------------- near misses of the reference

LSTM, COUNT, GRU = (solution(n) for n in ("lstm_step", "count_params", "gru_step"))
NEAR_MISSES = [
    *params("5.1", LSTM, ARRAY_NEAR_MISSES, wrap=item(0), label="H_t: "),
    *params("5.1", LSTM, ARRAY_NEAR_MISSES, wrap=item(1), label="C_t: "),
    *params("5.2", COUNT, INT_NEAR_MISSES),
    *params("5.2", COUNT, [("a bool", bool, "must be an int, got bool True")]),
    *params("5.3", GRU, ARRAY_NEAR_MISSES),
]


@pytest.mark.parametrize(("key", "answer", "message"), NEAR_MISSES)
def test_near_misses_of_the_reference_are_wrong(key, answer, message):
    assert_near_miss_fails(key, answer, message)


def test_the_count_off_by_half_is_refused_as_a_float_not_truncated():
    verdict = judge("5.2", lambda cell, d, h, q: COUNT(cell, d, h, q) + 0.5)
    assert verdict.message == "the number of parameters must be an int, got float 88.5", (
        verdict.text()
    )


@pytest.mark.parametrize(
    ("key", "answer"),
    [
        *params("5.1", LSTM, [("a list [H_t, C_t]", list)]),
        *params("5.2", COUNT, INT_FORMS),
        *params("5.2", COUNT, [("a 0-d MXNet int32", lambda n: mnp.array(n, dtype="int32"))]),
        *params("5.3", GRU, [("a list of lists", lambda H: H.asnumpy().tolist())]),
    ],
)
def test_the_reference_in_another_accepted_form_passes(key, answer):
    assert_accepted(key, answer)
