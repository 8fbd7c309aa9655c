"""The recall task: data, equal parameter budgets, training, bad input."""

import numpy as np
import pytest
from mxnet import np as mnp

import d2lrnn  # noqa: F401  (NumPy mode)
from d2lrnn import longrange


def test_recall_batch_targets_the_first_symbol():
    X, y = longrange.recall_batch(np.random.default_rng(0), 50, 9, num_symbols=5)
    assert X.shape == (50, 9) and X.dtype == np.int32 and y.shape == (50,)
    np.testing.assert_array_equal(y, X[:, 0])
    assert X.min() >= 0 and X.max() <= 4 and len(np.unique(X)) == 5


@pytest.mark.parametrize("cell", sorted(longrange.CELLS))
@pytest.mark.parametrize("hidden", [1, 7, 31])
def test_num_params_counts_the_gluon_model(cell, hidden):
    model = longrange.RecallModel(cell, hidden, 6)
    model.initialize_weights(None)
    counted = sum(p.data().size for p in model.collect_params().values())
    assert counted == longrange.num_params(cell, hidden, 6)


@pytest.mark.parametrize("cell", sorted(longrange.CELLS))
def test_hidden_for_budget_is_the_largest_that_fits(cell):
    h = longrange.hidden_for_budget(cell, 5400, 8)
    assert longrange.num_params(cell, h, 8) <= 5400 < longrange.num_params(cell, h + 1, 8)


def test_keep_bias_is_set_on_the_keep_gate():
    for cell, gates in (("lstm", 4), ("gru", 3)):
        model = longrange.RecallModel(cell, 5, 4, keep_bias=3.0)
        model.initialize_weights(None)
        bias = model.rnn.l0_i2h_bias.data().asnumpy()
        assert bias.shape == (gates * 5,)
        np.testing.assert_array_equal(bias[5:10], 3.0)
        assert np.all(np.delete(bias, np.s_[5:10]) == 0)


def test_a_short_sequence_is_learned():
    run = longrange.train_recall("rnn", 3, 16, num_symbols=4, max_steps=300, lr=0.02)
    assert run.accuracy >= 0.99 and run.steps < 300
    assert run.curve[-1] == (run.steps, run.accuracy)
    assert run.params == longrange.num_params("rnn", 16, 4)


def test_experiment_runs_every_cell_and_length():
    runs = longrange.recall_experiment(Ts=(2, 4), budget=600, num_symbols=3, max_steps=20)
    assert [(r.T, r.cell) for r in runs] == [(T, c) for T in (2, 4) for c in ("rnn", "gru", "lstm")]
    assert all(r.params <= 600 for r in runs)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: longrange.recall_batch(np.random.default_rng(0), 0, 5), "batch_size must be"),
        (lambda: longrange.recall_batch(np.random.default_rng(0), 4, 0), "T must be an int >= 1"),
        (lambda: longrange.recall_batch(np.random.default_rng(0), 4, 5, 1), "num_symbols must"),
        (lambda: longrange.num_params("tcn", 4, 4), "cell must be one of"),
        (lambda: longrange.hidden_for_budget("lstm", 0, 8), "budget must be an int >= 1"),
        (lambda: longrange.hidden_for_budget("lstm", 50, 8), "budget 50 is too small"),
        (lambda: longrange.train_recall("gru", 5, 4, max_steps=0), "max_steps must be"),
        (lambda: longrange.train_recall("gru", 5, 4, target=1.5), r"target must be in \(0, 1\]"),
        (lambda: longrange.train_recall("gru", 5, 4, eval_every=0), "eval_every must be"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_model_output_shape():
    model = longrange.RecallModel("gru", 5, 4)
    model.initialize_weights(None)
    assert model(mnp.zeros((3, 7), dtype="int32")).shape == (3, 4)
