"""The recall task: data, minibatches, the model, equal parameter budgets, training, bad input."""

import mxnet as mx
import numpy as np
import pytest
from mxnet import np as mnp
from mxnet.gluon import rnn

import d2lrnn
from d2lrnn import classifiers, gluon_adapter, layers, longrange


def initialized(model):
    gluon_adapter.initialize(model, np.zeros((1, 1), dtype=np.int32))
    return model


def test_recall_batch_targets_the_first_symbol():
    X, y = longrange.recall_batch(np.random.default_rng(0), 50, 9, num_symbols=5)
    assert X.shape == (50, 9) and X.dtype == np.int32 and y.shape == (50,)
    np.testing.assert_array_equal(y, X[:, 0])
    assert X.min() >= 0 and X.max() <= 4 and len(np.unique(X)) == 5


def test_recall_batches_respect_max_steps_with_a_shorter_last_pass():
    data = longrange.RecallBatches(4, 6, 3, steps=3, max_steps=7, seed=0)
    assert data.num_passes == 3 and data.sampling == "random"
    passes = [list(data) for _ in range(4)]
    assert [len(p) for p in passes] == [3, 3, 1, 0]
    batches = [b for p in passes for b in p]
    for X, y in batches:
        assert X.shape == (4, 6) and X.max() < 3
        np.testing.assert_array_equal(y, X[:, 0])
    assert len({X.tobytes() for X, _ in batches}) == 7  # fresh sequences every step
    same = longrange.RecallBatches(4, 6, 3, 3, 7, seed=0)
    again = [b for _ in range(3) for b in same]
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(batches, again, strict=True))
    assert longrange.RecallBatches(4, 6, 3, steps=5, max_steps=5).num_passes == 1


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"steps": 0}, ValueError, "steps must be an int >= 1"),
        ({"max_steps": 0}, ValueError, "max_steps must be an int >= 1"),
        ({"batch_size": 0}, ValueError, "batch_size must be an int >= 1"),
        ({"T": 2.0}, TypeError, "T must be an int >= 1"),
        ({"num_symbols": 1}, ValueError, "num_symbols must be an int >= 2"),
    ],
)
def test_recall_batches_bad_input(kwargs, exc, match):
    args = {"batch_size": 2, "T": 3, "num_symbols": 4, "steps": 2, "max_steps": 4, **kwargs}
    with pytest.raises(exc, match=match):
        longrange.RecallBatches(**args)


@pytest.mark.parametrize("cell", sorted(layers.CELLS))
@pytest.mark.parametrize("num_hiddens", [1, 7, 31])
def test_num_params_counts_the_gluon_model(cell, num_hiddens):
    model = initialized(longrange.recall_model(cell, num_hiddens, 6))
    counted = sum(p.data().size for p in model.collect_params().values())
    assert counted == longrange.num_params(cell, num_hiddens, 6)


@pytest.mark.parametrize("cell", sorted(layers.CELLS))
def test_recall_model_is_a_classifier_over_one_gluon_layer(cell):
    model = longrange.recall_model(cell, 5, 4)
    assert isinstance(model, classifiers.SequenceClassifier)
    assert isinstance(model.rnn, layers.CELLS[cell].gluon)
    layout = gluon_adapter.gluon_layout(model.rnn)
    assert (layout.cell, layout.num_layers, layout.num_directions) == (cell, 1, 1)
    assert layout.num_hiddens == 5 and model.vocab_size == 4


@pytest.mark.parametrize("cell", sorted(layers.CELLS))
def test_num_hiddens_for_budget_is_the_largest_that_fits(cell):
    h = longrange.num_hiddens_for_budget(cell, 5400, 8)
    assert longrange.num_params(cell, h, 8) <= 5400 < longrange.num_params(cell, h + 1, 8)


def test_keep_bias_is_set_on_the_keep_gate():
    for cell, gates in (("lstm", 4), ("gru", 3)):
        model = initialized(longrange.recall_model(cell, 5, 4))
        longrange.set_keep_gate_bias(model.rnn, 3.0)
        bias = model.rnn.l0_i2h_bias.data().asnumpy()
        assert bias.shape == (gates * 5,)
        np.testing.assert_array_equal(bias[5:10], 3.0)
        assert np.all(np.delete(bias, np.s_[5:10]) == 0)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_set_keep_gate_bias_sets_exactly_the_keep_gates_block(cell):
    d2lrnn.seed(0)
    layer = layers.CELLS[cell].gluon(4, input_size=3)
    layer.initialize()
    params = gluon_adapter.gluon_block_params(layer)
    for p in params.values():
        p.set_data(mnp.random.normal(size=p.shape))
    before = {k: p.data().asnumpy().copy() for k, p in params.items()}
    longrange.set_keep_gate_bias(layer, -2.5)
    k = layers.CELLS[cell].block_index(layers.CELLS[cell].keep_gate)
    after = {k: p.data().asnumpy() for k, p in params.items()}
    expected = before["i2h_bias"].copy()
    expected[4 * k : 4 * (k + 1)] = -2.5
    np.testing.assert_array_equal(after["i2h_bias"], expected)
    for name in ("i2h_weight", "h2h_weight", "h2h_bias"):  # gluon's other bias is left alone
        np.testing.assert_array_equal(after[name], before[name])
    # gluon's computation sees it: a large keep bias keeps the state (GRU) or cell (LSTM).
    longrange.set_keep_gate_bias(layer, 40.0)
    if cell == "lstm":
        params["i2h_bias"].data()[0:4] = -40.0  # and the input gate shut
    states = [mnp.random.normal(size=(1, 2, 4)) for _ in layers.CELLS[cell].states]
    _, final = layer(mnp.random.normal(size=(5, 2, 3)), states)
    np.testing.assert_allclose(final[-1].asnumpy(), states[-1].asnumpy(), atol=1e-5)


def test_set_keep_gate_bias_refuses_layers_without_a_keep_gate():
    layer = rnn.RNN(3, input_size=2)
    layer.initialize()
    with pytest.raises(ValueError, match="a rnn layer has no keep gate"):
        longrange.set_keep_gate_bias(layer, 1.0)
    with pytest.raises(TypeError, match="layer must be a gluon LSTM or GRU, got LSTMScratch"):
        longrange.set_keep_gate_bias(layers.LSTMScratch(3, 2), 1.0)


def test_a_short_sequence_is_learned():
    run = longrange.train_recall("rnn", 3, 16, num_symbols=4, max_steps=300, lr=0.02)
    assert run.accuracy >= 0.99 and run.steps < 300
    assert run.curve[-1] == (run.steps, run.accuracy)
    assert run.params == longrange.num_params("rnn", 16, 4)
    assert (run.cell, run.T, run.num_hiddens) == ("rnn", 3, 16) and run.seconds > 0


def test_training_stops_at_max_steps_and_is_seeded():
    runs = [
        longrange.train_recall(
            "gru", 6, 4, 3, keep_bias=1.0, max_steps=7, eval_every=3, device=mx.cpu()
        )
        for _ in range(2)
    ]
    run = runs[0]
    assert [s for s, _ in run.curve] == [3, 6, 7] and run.steps == 7
    assert run.curve == runs[1].curve


def test_experiment_runs_every_cell_and_length():
    runs = longrange.recall_experiment(
        Ts=(2, 4), budget=600, num_symbols=3, max_steps=20, workers=1
    )
    assert [(r.T, r.cell) for r in runs] == [(T, c) for T in (2, 4) for c in ("rnn", "gru", "lstm")]
    assert all(r.params <= 600 for r in runs)


def test_the_experiment_in_two_processes_gives_the_runs_of_one(monkeypatch):
    """Side by side, longest first, the runs are those of one after another, in order."""
    monkeypatch.setenv("MXNET_OMP_MAX_THREADS", "1")  # what the workers use
    settings = dict(Ts=(3, 12), budget=600, num_symbols=3, max_steps=40, eval_every=20)
    alone = longrange.recall_experiment(**settings, workers=1)
    side_by_side = longrange.recall_experiment(**settings, workers=2)
    assert [(r.cell, r.T, r.steps, r.accuracy, r.curve) for r in side_by_side] == [
        (r.cell, r.T, r.steps, r.accuracy, r.curve) for r in alone
    ]


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (
            lambda: longrange.recall_batch(np.random.default_rng(0), 0, 5),
            ValueError,
            "batch_size must be",
        ),
        (
            lambda: longrange.recall_batch(np.random.default_rng(0), 4, 0),
            ValueError,
            "T must be an int >= 1",
        ),
        (
            lambda: longrange.recall_batch(np.random.default_rng(0), 4, 5, 1),
            ValueError,
            "num_symbols must",
        ),
        (lambda: longrange.num_params("tcn", 4, 4), ValueError, "cell must be one of"),
        (
            lambda: longrange.num_hiddens_for_budget("lstm", 0, 8),
            ValueError,
            "budget must be an int >= 1",
        ),
        (
            lambda: longrange.num_hiddens_for_budget("lstm", 50, 8),
            ValueError,
            "budget 50 is too small",
        ),
        (
            lambda: longrange.train_recall("gru", 5, 4, max_steps=0),
            ValueError,
            "max_steps must be",
        ),
        (
            lambda: longrange.train_recall("gru", 5, 4, target=1.5),
            ValueError,
            "target must be a finite number > 0 and <= 1, got 1.5",
        ),
        (
            lambda: longrange.train_recall("gru", 5, 4, eval_every=0),
            ValueError,
            "eval_every must be",
        ),
        (lambda: longrange.recall_model("tcn", 4, 4), ValueError, "cell must be one of"),
        (
            lambda: longrange.recall_batch(np.random.default_rng(0), 4.0, 5),
            TypeError,
            "batch_size must be an int",
        ),
    ],
)
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_model_output_shape():
    model = initialized(longrange.recall_model("gru", 5, 4))
    assert model(mnp.zeros((3, 7), dtype="int32")).shape == (3, 4)


def test_fit_recall_of_a_gluon_model_is_train_recall():
    from mxnet import init

    from d2lrnn import gluon_adapter
    from d2lrnn.runtime import seed

    a = longrange.train_recall("gru", 6, 4, max_steps=20, eval_every=10, seed=3)
    seed(3)
    model = longrange.recall_model("gru", 4, 8)
    gluon_adapter.initialize(model, np.zeros((1, 6), np.int32), None, init.Xavier())
    b = longrange.fit_recall(model, 6, "gru", max_steps=20, eval_every=10, seed=3)
    assert (a.accuracy, a.steps, a.curve, a.params) == (b.accuracy, b.steps, b.curve, b.params)
    assert b.params == longrange.num_params("gru", 4, 8) and b.num_hiddens == 4
