"""The adapter over gluon: layouts of its recurrent layers, parameters, states, initialisation."""

import mxnet as mx
import numpy as np
import pytest
from mxnet import gluon, init
from mxnet import np as mnp
from mxnet.gluon import rnn

import d2lrnn
from d2lrnn import deep, gluon_adapter, layers, lm
from d2lrnn.gluon_adapter import GluonLayout


@pytest.mark.parametrize(
    "make, layout",
    [
        (lambda: rnn.RNN(5), GluonLayout("rnn", "relu", 1, 1, 5)),  # gluon's default is relu
        (lambda: rnn.RNN(5, activation="relu"), GluonLayout("rnn", "relu", 1, 1, 5)),
        (lambda: rnn.RNN(5, activation="tanh"), GluonLayout("rnn", "tanh", 1, 1, 5)),
        (lambda: rnn.LSTM(3), GluonLayout("lstm", None, 1, 1, 3)),
        (lambda: rnn.GRU(3), GluonLayout("gru", None, 1, 1, 3)),
        (lambda: rnn.LSTM(4, num_layers=3), GluonLayout("lstm", None, 3, 1, 4)),
        (lambda: rnn.GRU(2, bidirectional=True), GluonLayout("gru", None, 1, 2, 2)),
        (
            lambda: rnn.RNN(6, num_layers=2, bidirectional=True, activation="tanh"),
            GluonLayout("rnn", "tanh", 2, 2, 6),
        ),
    ],
)
def test_gluon_layout(make, layout):
    layer = make()
    assert gluon_adapter.is_gluon_rnn(layer)
    assert gluon_adapter.gluon_layout(layer) == layout


def test_layout_blocks_are_gluons_names_in_state_row_order():
    assert GluonLayout("gru", None, 1, 1, 3).blocks == ["l0"]
    assert GluonLayout("gru", None, 2, 1, 3).blocks == ["l0", "l1"]
    assert GluonLayout("lstm", None, 2, 2, 3).blocks == ["l0", "r0", "l1", "r1"]


def test_is_gluon_rnn_and_layout_refuse_other_blocks():
    for other in (layers.GRUScratch(3), deep.deep_rnn("gru", 3), gluon.nn.Dense(2), rnn.GRUCell(3)):
        assert not gluon_adapter.is_gluon_rnn(other)
        with pytest.raises(TypeError, match="layer must be a gluon.rnn.RNN, LSTM or GRU, got"):
            gluon_adapter.gluon_layout(other)


@pytest.mark.parametrize(
    "make, gates",
    [
        (lambda **k: rnn.RNN(3, **k), 1),
        (lambda **k: rnn.LSTM(3, **k), 4),
        (lambda **k: rnn.GRU(3, **k), 3),
    ],
)
def test_block_params_are_one_layer_and_direction(make, gates):
    layer = make(num_layers=2, bidirectional=True, input_size=5)
    layer.initialize()
    all_params = layer.collect_params()
    seen = set()
    for block in ("l0", "r0", "l1", "r1"):
        params = gluon_adapter.gluon_block_params(layer, block)
        assert list(params) == ["i2h_weight", "h2h_weight", "i2h_bias", "h2h_bias"]
        d = 5 if block.endswith("0") else 6  # layer 1 reads both directions of layer 0
        assert params["i2h_weight"].shape == (gates * 3, d)
        assert params["h2h_weight"].shape == (gates * 3, 3)
        assert params["i2h_bias"].shape == params["h2h_bias"].shape == (gates * 3,)
        for name, p in params.items():
            assert all_params[p.name] is p and p.name.endswith(f"{block}_{name}")
            seen.add(p.name)
    assert seen == set(all_params)  # every parameter belongs to one block
    assert gluon_adapter.gluon_block_params(rnn.GRU(3))["i2h_weight"].name.endswith("l0_i2h_weight")


def test_block_params_bad_block():
    with pytest.raises(ValueError, match=r"block must be one of \['l0'\] for this layer, got 'r0'"):
        gluon_adapter.gluon_block_params(rnn.GRU(3), "r0")
    with pytest.raises(ValueError, match="got 'l2'"):
        gluon_adapter.gluon_block_params(rnn.GRU(3, num_layers=2), "l2")
    with pytest.raises(TypeError, match="layer must be a gluon"):
        gluon_adapter.gluon_block_params(layers.GRUScratch(3), "l0")


@pytest.mark.parametrize(
    "make, shapes",
    [
        (lambda: rnn.LSTM(3, num_layers=2), [(2, 4, 3), (2, 4, 3)]),
        (lambda: rnn.GRU(3, bidirectional=True), [(2, 4, 3)]),
        (lambda: layers.LSTMScratch(3), [(1, 4, 3), (1, 4, 3)]),
        (lambda: layers.RNNScratch(3), [(1, 4, 3)]),
        (lambda: deep.deep_rnn("gru", 3, 2, bidirectional=True), [(4, 4, 3)]),
    ],
)
def test_begin_state_of_both_kinds(make, shapes):
    layer = make()
    layer.initialize()
    for device in (mx.cpu(), None):
        state = gluon_adapter.begin_state(layer, 4, device)
        assert [s.shape for s in state] == shapes
        assert all(s.ctx == mx.cpu() and not s.asnumpy().any() for s in state)
    with mx.Context(mx.cpu(1)):  # no device: the current one
        assert gluon_adapter.begin_state(layer, 4)[0].ctx == mx.cpu(1)


def test_is_initialized_before_and_after_initialize_and_with_deferred_shapes():
    layer = rnn.GRU(3)  # its input size is deferred
    params = list(layer.collect_params().values())
    assert not any(gluon_adapter.is_initialized(p) for p in params)
    layer.initialize()
    assert all(gluon_adapter.is_initialized(p) for p in params)  # though i2h_weight has no data
    i2h = gluon_adapter.gluon_block_params(layer)["i2h_weight"]
    with pytest.raises(gluon.parameter.DeferredInitializationError):
        i2h.data()
    layer(mnp.zeros((2, 1, 5)))
    assert gluon_adapter.is_initialized(i2h) and i2h.data().shape == (9, 5)
    scratch = layers.RNNScratch(3)
    assert not gluon_adapter.is_initialized(scratch.W_xh)
    scratch.initialize()
    assert gluon_adapter.is_initialized(scratch.W_xh) and scratch.W_xh.shape[0] <= 0  # unknown


def test_finish_deferred_init_gives_a_shape_and_data():
    p = gluon.Parameter("w", shape=(0, 4), init=init.Constant(2.0), allow_deferred_init=True)
    p.initialize()
    gluon_adapter.finish_deferred_init(p, (3, 4))
    assert p.shape == (3, 4) and float(p.data().sum()) == 24
    q = gluon.Parameter("v", shape=(0, 2), allow_deferred_init=True)
    gluon_adapter.finish_deferred_init(q, [5, 2])  # before initialize(): only the shape
    assert q.shape == (5, 2) and not gluon_adapter.is_initialized(q)
    q.initialize()
    assert q.data().shape == (5, 2)


def test_initialize_finishes_deferred_shapes_without_recording():
    model = lm.RNNLM(rnn.GRU(4), 6, embed_size=3)
    gluon_adapter.initialize(model, np.zeros((1, 1), dtype=np.int32), mx.cpu())
    shapes = {n.split("_", 1)[1]: p.data().shape for n, p in model.collect_params().items()}
    assert (12, 3) in shapes.values() and (6, 4) in shapes.values()
    assert all(p.grad_req == "write" for p in model.collect_params().values())
    assert all(p.list_ctx() == [mx.cpu()] for p in model.collect_params().values())


def test_initialize_keeps_already_initialised_values():
    d2lrnn.seed(0)
    model = gluon.nn.Sequential()
    first, second = gluon.nn.Dense(3, in_units=2), gluon.nn.Dense(2)
    model.add(first, second)
    first.initialize()
    kept = {n: mnp.random.normal(size=p.shape) for n, p in first.collect_params().items()}
    for n, p in first.collect_params().items():
        p.set_data(kept[n])
    gluon_adapter.initialize(model, mnp.ones((1, 2)), initializer=init.Constant(-1.0))
    for n, p in first.collect_params().items():
        np.testing.assert_array_equal(p.data().asnumpy(), kept[n].asnumpy())
    assert second.weight.data().shape == (2, 3) and np.all(second.weight.data().asnumpy() == -1)
    assert np.all(second.bias.data().asnumpy() == 0)  # a parameter's own initialiser wins
    gluon_adapter.initialize(model, mnp.ones((1, 2)), initializer=init.Constant(5.0))
    assert np.all(second.weight.data().asnumpy() == -1)  # a second call changes nothing


def test_initialize_default_is_uniform_and_completes_scratch_layers():
    d2lrnn.seed(0)
    model = lm.RNNLM(deep.deep_rnn("lstm", 4, 2), 5)  # one-hot into a stack: deferred inputs
    gluon_adapter.initialize(model, mnp.zeros((1, 1), dtype="int32"))
    first = model.rnn.layers[0]
    assert first.W_xh.data().shape == (5, 16) and first.num_inputs == 5
    w = model.output.weight.data().asnumpy()
    assert w.shape == (5, 4) and 0 < np.abs(w).max() <= 0.07  # gluon's Uniform(0.07)
