"""Deep and bidirectional stacks of the book's layers, against gluon's num_layers/bidirectional."""

import mxnet as mx
import numpy as np
import pytest
from mxnet import autograd
from mxnet import np as mnp
from mxnet.gluon import rnn

import d2lrnn
from d2lrnn import deep, layers, lm
from d2lrnn.weights import copy_weights

GLUON = {"rnn": rnn.RNN, "lstm": rnn.LSTM, "gru": rnn.GRU}
SHAPES = [(1, True), (2, False), (3, True)]


def pair(cell, num_layers, bidirectional, d=5, h=4, seed=0):
    d2lrnn.seed(seed)
    kwargs = {"activation": "tanh"} if cell == "rnn" else {}
    ref = GLUON[cell](h, num_layers=num_layers, bidirectional=bidirectional, input_size=d, **kwargs)
    ref.initialize(mx.init.Normal(0.5))
    for p in ref.collect_params().values():  # both biases nonzero
        p.set_data(mnp.random.normal(0, 0.5, size=p.shape))
    stack = deep.deep_rnn(cell, h, num_layers, bidirectional, num_inputs=d)
    stack.initialize()
    copy_weights(ref, stack)
    return stack, ref


@pytest.mark.parametrize("cell", sorted(GLUON))
@pytest.mark.parametrize("num_layers, bidirectional", SHAPES)
def test_stack_equals_gluon_outputs_states_and_gradients(cell, num_layers, bidirectional):
    stack, ref = pair(cell, num_layers, bidirectional)
    X = mnp.random.normal(size=(6, 3, 5))
    states = [mnp.random.normal(size=s.shape) for s in ref.begin_state(3)]
    results = []
    for net in (stack, ref):
        x = X.copy()
        x.attach_grad()
        s = [a.copy() for a in states]
        for a in s:
            a.attach_grad()
        with autograd.record():
            out, final = net(x, s)
            loss = (out * mnp.arange(out.size).reshape(out.shape) / out.size).sum()
            loss = loss + sum((f**2).sum() for f in final)
        loss.backward()
        results.append((out, final, x.grad, [a.grad for a in s]))
    (o1, f1, gx1, gs1), (o2, f2, gx2, gs2) = results
    D = 2 if bidirectional else 1
    assert o1.shape == o2.shape == (6, 3, D * 4)
    for a, b in [(o1, o2), (gx1, gx2), *zip(f1, f2), *zip(gs1, gs2)]:
        assert a.shape == b.shape
        np.testing.assert_allclose(a.asnumpy(), b.asnumpy(), atol=1e-5)


@pytest.mark.parametrize("cell", sorted(GLUON))
def test_weight_gradients_equal_gluon(cell):
    stack, ref = pair(cell, 2, True)
    X = mnp.random.normal(size=(5, 2, 5))
    for net in (stack, ref):
        with autograd.record():
            loss = (net(X) ** 2).sum()
        loss.backward()
    # Copy the gradients back through the same mapping and compare.
    grads = deep.deep_rnn(cell, 4, 2, True, num_inputs=5)
    grads.initialize()
    saved = {n: p.data().copy() for n, p in ref.collect_params().items()}
    for p in ref.collect_params().values():
        p.set_data(p.grad())
    copy_weights(ref, grads)
    for n, p in ref.collect_params().items():
        p.set_data(saved[n])
    pairs = zip(stack.collect_params().items(), grads.collect_params().values())
    for (n1, p), q in pairs:
        if n1.endswith("b_h"):
            # gluon's two biases get the same gradient, and copy_weights sums them ...
            expected = q.data() / 2
            if cell == "gru":  # ... except in the GRU's candidate block: i2h bias only
                expected[8:] = q.data()[8:]
        else:
            expected = q.data()
        np.testing.assert_allclose(p.grad().asnumpy(), expected.asnumpy(), atol=1e-4, err_msg=n1)


def test_dropout_only_between_layers_and_only_in_training():
    d2lrnn.seed(0)
    stack = deep.deep_rnn("gru", 8, 3, dropout=0.5, num_inputs=4)
    stack.initialize()
    X = mnp.random.normal(size=(5, 2, 4))
    assert np.allclose(stack(X).asnumpy(), stack(X).asnumpy())  # inference: deterministic
    with autograd.record():
        a, b = stack(X), stack(X)
    assert not np.allclose(a.asnumpy(), b.asnumpy())  # training: dropout on
    one = deep.deep_rnn("gru", 8, 1, dropout=0.5, num_inputs=4)
    one.initialize()
    with autograd.record():  # a single layer has nothing to drop between
        assert np.allclose(one(X).asnumpy(), one(X).asnumpy())


def test_gluon_layers_stack_with_dropout_between_them():
    # gluon's fused two-layer GRU ignores its dropout on a CPU ...
    fused = rnn.GRU(8, num_layers=2, dropout=0.5, input_size=4)
    fused.initialize()
    X = mnp.random.normal(size=(5, 2, 4))
    with autograd.record():
        assert np.allclose(fused(X).asnumpy(), fused(X).asnumpy())
    # ... Stacked applies it between one-layer gluon layers, and equals the fused one without it.
    with pytest.raises(ValueError, match="same states"):
        deep.Stacked([rnn.GRU(8, input_size=4), rnn.LSTM(8, input_size=8)])
    stack = deep.Stacked([rnn.GRU(8, input_size=4), rnn.GRU(8, input_size=8)], dropout=0.5)
    stack.initialize()
    with autograd.record():
        assert not np.allclose(stack(X).asnumpy(), stack(X).asnumpy())
    states = stack.begin_state(2)
    assert [s.shape for s in states] == [(2, 2, 8)]
    for i, layer in enumerate(stack.layers):
        for name in ("i2h_weight", "h2h_weight", "i2h_bias", "h2h_bias"):
            getattr(fused, f"l{i}_{name}").set_data(getattr(layer, f"l0_{name}").data())
    np.testing.assert_allclose(stack(X).asnumpy(), fused(X).asnumpy(), atol=1e-6)


def test_stack_plugs_into_the_language_model():
    model = lm.RNNLM(deep.deep_rnn("lstm", 6, 2, bidirectional=True), 9)
    model.initialize()
    logits, state = model(mnp.zeros((3, 7), dtype="int32"))
    assert logits.shape == (7, 3, 9)
    assert [s.shape for s in state] == [(4, 3, 6), (4, 3, 6)]


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: deep.deep_rnn("gru", 4, 0), ValueError, "num_layers must be an int >= 1, got 0"),
        (lambda: deep.deep_rnn("gru", 4, 2.0), TypeError, "num_layers must be an int >= 1"),
        (
            lambda: deep.deep_rnn("gru", 4, 2, dropout=1.0),
            ValueError,
            r"dropout must be a finite number >= 0 and < 1, got 1.0",
        ),
        (
            lambda: deep.deep_rnn("gru", 4, 2, dropout=-0.1),
            ValueError,
            r"dropout must be a finite number >= 0 and < 1, got -0.1",
        ),
        (lambda: deep.deep_rnn("tcn", 4), ValueError, "cell must be one of"),
        (lambda: deep.deep_rnn("lstm", 0), ValueError, "num_hiddens must be an int >= 1"),
        (
            lambda: deep.Stacked([]),
            ValueError,
            r"layers must be a non-empty list of recurrent layers",
        ),
        (
            lambda: deep.Stacked([layers.LSTMScratch(3), layers.GRUScratch(3)]),
            ValueError,
            "same states",
        ),
        (
            lambda: deep.Bidirectional(layers.LSTMScratch(3), layers.GRUScratch(3)),
            ValueError,
            "same kind of layer",
        ),
        (
            lambda: deep.Bidirectional(layers.GRUScratch(3), layers.GRUScratch(4)),
            ValueError,
            "same num_hiddens",
        ),
    ],
)
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_mismatched_states_and_inputs_are_rejected():
    stack = deep.deep_rnn("lstm", 4, 2, num_inputs=5)
    stack.initialize()
    with pytest.raises(
        ValueError,
        match=r"states\[0\] \(state H\) must have shape \(layers x directions = 2, "
        r"batch_size = 2, num_hiddens = 4\), got \(1, 2, 4\)",
    ):
        stack(mnp.ones((3, 2, 5)), [mnp.zeros((1, 2, 4))] * 2)
    with pytest.raises(ValueError, match="inputs must be"):
        stack(mnp.ones((3, 5)))


# ------------------------------------------------- shapes of any recurrent layer

LAYOUTS = [
    # layer, num_states, num_rows, num_directions, num_hiddens
    (lambda: rnn.RNN(5), 1, 1, 1, 5),
    (lambda: rnn.LSTM(5, num_layers=3), 2, 3, 1, 5),
    (lambda: rnn.GRU(6, num_layers=2, bidirectional=True), 1, 4, 2, 6),
    (lambda: layers.LSTMScratch(4), 2, 1, 1, 4),
    (lambda: layers.GRUScratch(3), 1, 1, 1, 3),
    (lambda: deep.Bidirectional(layers.RNNScratch(4), layers.RNNScratch(4)), 1, 2, 2, 4),
    (lambda: deep.Bidirectional(rnn.LSTM(2), rnn.LSTM(2)), 2, 2, 2, 2),
    (lambda: deep.deep_rnn("lstm", 7, 3), 2, 3, 1, 7),
    (lambda: deep.deep_rnn("gru", 7, 2, bidirectional=True), 1, 4, 2, 7),
    (lambda: deep.Stacked([rnn.GRU(3, num_layers=2), layers.GRUScratch(3)]), 1, 3, 1, 3),
    (lambda: deep.Stacked([layers.GRUScratch(3), rnn.GRU(3, bidirectional=True)]), 1, 3, 2, 3),
]


@pytest.mark.parametrize("make, states, rows, directions, hiddens", LAYOUTS)
def test_shape_functions_read_gluon_and_book_layers(make, states, rows, directions, hiddens):
    layer = make()
    assert deep.num_states(layer) == states
    assert deep.num_rows(layer) == rows
    assert deep.num_directions(layer) == directions
    assert deep.num_hiddens(layer) == hiddens


@pytest.mark.parametrize("make, states, rows, directions, hiddens", LAYOUTS)
def test_every_layer_runs_with_the_state_it_describes(make, states, rows, directions, hiddens):
    layer = make()
    layer.initialize()
    X = mnp.random.normal(size=(4, 2, 3))
    begin = (
        layer.begin_state(2, ctx=mx.cpu())
        if isinstance(layer, rnn.RNN | rnn.LSTM | rnn.GRU)
        else layer.begin_state(2, device=mx.cpu())
    )
    assert [s.shape for s in begin] == [(rows, 2, hiddens)] * states
    out, final = layer(X, begin)
    assert out.shape == (4, 2, directions * hiddens)
    assert [s.shape for s in final] == [(rows, 2, hiddens)] * states


def test_stacked_attributes():
    stack = deep.deep_rnn("lstm", 6, 3, bidirectional=True, dropout=0.25, num_inputs=2)
    assert (stack.num_layers, stack.num_directions, stack.num_hiddens) == (3, 2, 6)
    assert (stack.state_rows, stack.num_states, stack.dropout) == (6, 2, 0.25)
    assert all(isinstance(layer, deep.Bidirectional) for layer in stack.layers)
    first = stack.layers[0].forward_layer
    assert isinstance(first, layers.LSTMScratch) and first.num_inputs == 2
    assert stack.layers[1].backward_layer.num_inputs == 12  # D * h
    one = deep.deep_rnn("rnn", 3)
    assert (one.num_layers, one.num_directions, one.state_rows) == (1, 1, 1)
    assert isinstance(one.layers[0], layers.RNNScratch) and one.layers[0].num_inputs == 0


def test_deep_rnn_passes_kwargs_to_every_layer():
    stack = deep.deep_rnn("rnn", 4, 2, bidirectional=True, activation="relu", sigma=0.1)
    one_way = [d for layer in stack.layers for d in (layer.forward_layer, layer.backward_layer)]
    assert [layer.activation for layer in one_way] == ["relu"] * 4
    with pytest.raises(ValueError, match="activation must be one of"):
        deep.deep_rnn("rnn", 4, activation="gelu")


def test_bidirectional_reads_the_sequence_both_ways():
    """outputs[t] = [forward H_t, backward H_t], the backward layer run on the reversed sequence."""
    d2lrnn.seed(0)
    f, b = layers.GRUScratch(3, 2, sigma=0.5), layers.GRUScratch(3, 2, sigma=0.5)
    bi = deep.Bidirectional(f, b)
    bi.initialize()
    X = mnp.random.normal(size=(5, 2, 2))
    out, states = bi(X, bi.begin_state(2))
    out_f, (H_f,) = f(X, f.begin_state(2))
    out_b, (H_b,) = b(X[::-1], b.begin_state(2))
    np.testing.assert_allclose(
        out.asnumpy(), np.concatenate([out_f.asnumpy(), out_b.asnumpy()[::-1]], axis=-1), atol=1e-6
    )
    np.testing.assert_allclose(
        states[0].asnumpy(), np.concatenate([H_f.asnumpy(), H_b.asnumpy()]), atol=1e-6
    )
    np.testing.assert_allclose(bi(X).asnumpy(), out.asnumpy(), atol=0)


def test_stacked_rejects_layers_of_different_sizes():
    with pytest.raises(ValueError, match="num_hiddens"):
        deep.Stacked([layers.GRUScratch(5), layers.GRUScratch(3)])
