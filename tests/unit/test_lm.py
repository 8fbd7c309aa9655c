"""The language model around any recurrent layer: inputs, shapes, states, compiled or not."""

import mxnet as mx
import numpy as np
import pytest
from mxnet import autograd
from mxnet import np as mnp
from mxnet.gluon import rnn

import d2lrnn
from d2lrnn import batches, deep, layers, lm, train


def small_corpus(n=3000, V=12):
    return np.random.default_rng(1).integers(0, V, n), V


def test_language_model_gives_scratch_layers_indices():
    """``RNNLM`` fixes a scratch layer's input size to V and passes it the token indices."""
    model = lm.RNNLM(layers.RNNScratch(4), 11)
    assert model.rnn.W_xh.shape == (11, 4) and model.rnn.num_inputs == 11
    X = mnp.array([[1, 2, 3]], dtype="int32")
    assert model.encode(X).shape == (3, 1)
    assert lm.RNNLM(rnn.RNN(4), 11).encode(X).shape == (3, 1, 11)
    embedded = lm.RNNLM(layers.RNNScratch(4), 11, embed_size=5)
    embedded.initialize()
    assert embedded.encode(X).shape == (3, 1, 5)
    with pytest.raises(ValueError, match="num_inputs must be the layer's input size 6, got 11"):
        lm.RNNLM(layers.RNNScratch(4, num_inputs=6), 11)


def test_one_hot_encoding_for_other_layers():
    """gluon's layers and stacks get the one-hot vectors, in the output layer's dtype."""
    X = mnp.array([[1, 0], [2, 1]], dtype="int32")
    for layer in (rnn.GRU(3), deep.deep_rnn("gru", 3)):
        enc = lm.RNNLM(layer, 4).encode(X).asnumpy()
        assert enc.shape == (2, 2, 4) and enc.dtype == np.float32
        np.testing.assert_array_equal(enc.argmax(-1), X.T.asnumpy())
        np.testing.assert_array_equal(enc.sum(-1), 1)


@pytest.mark.parametrize(
    "make_layer",
    [
        lambda: layers.RNNScratch(8),
        lambda: rnn.RNN(8),
        lambda: layers.LSTMScratch(8),
        lambda: layers.GRUScratch(8),
    ],
)
@pytest.mark.parametrize("embed_size", [None, 6])
def test_language_model_shapes(make_layer, embed_size):
    model = lm.RNNLM(make_layer(), vocab_size=10, embed_size=embed_size)
    model.initialize()
    X = mnp.array(np.random.default_rng(0).integers(0, 10, (4, 5)), dtype="int32")
    logits, state = model(X)
    assert logits.shape == (5, 4, 10)
    assert state[0].shape == (1, 4, 8)
    logits2, _ = model(X, state)
    assert logits2.shape == (5, 4, 10)


@pytest.mark.parametrize(
    "make_layer, shapes",
    [
        (lambda: layers.LSTMScratch(3), [(1, 2, 3), (1, 2, 3)]),
        (lambda: rnn.GRU(3, num_layers=2, bidirectional=True), [(4, 2, 3)]),
        (lambda: deep.deep_rnn("lstm", 3, 2, bidirectional=True), [(4, 2, 3), (4, 2, 3)]),
    ],
)
def test_begin_state_is_the_layers_zero_state_on_a_device(make_layer, shapes):
    model = lm.RNNLM(make_layer(), 5)
    model.initialize()
    state = model.begin_state(2, mx.cpu())
    assert [s.shape for s in state] == shapes
    assert all(s.ctx == mx.cpu() and not s.asnumpy().any() for s in state)
    assert [s.shape for s in model.begin_state(2)] == shapes  # the current device
    X = mnp.array([[1, 2, 3], [4, 0, 1]], dtype="int32")
    np.testing.assert_allclose(model(X, state)[0].asnumpy(), model(X)[0].asnumpy(), atol=0)


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"vocab_size": 0}, ValueError, "vocab_size must be an int >= 1"),
        ({"vocab_size": 5.0}, TypeError, "vocab_size must be an int >= 1"),
        ({"vocab_size": 5, "embed_size": 0}, ValueError, "embed_size must be an int >= 1, got 0"),
        (
            {"vocab_size": 5, "embed_size": 2.0},
            TypeError,
            "embed_size must be an int >= 1, got float 2.0",
        ),
    ],
)
def test_language_model_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        lm.RNNLM(layers.RNNScratch(4), **kwargs)


def test_language_model_rejects_3d_input():
    model = lm.RNNLM(rnn.RNN(4), 5)
    model.initialize()
    with pytest.raises(ValueError, match="X must be \\(batch_size, num_steps\\)"):
        model(mnp.zeros((2, 3, 4), dtype="int32"))


@pytest.mark.parametrize(
    "make_layer, out_state",
    [
        (lambda: rnn.LSTM(8), [(1, 4, 8), (1, 4, 8)]),
        (lambda: rnn.GRU(8, num_layers=2), [(2, 4, 8)]),
        (lambda: rnn.RNN(8, bidirectional=True), [(2, 4, 8)]),
    ],
)
def test_language_model_takes_any_gluon_recurrent_layer(make_layer, out_state):
    """LSTM (two state arrays), deep and bidirectional layers plug into the same wrapper."""
    model = lm.RNNLM(make_layer(), vocab_size=10)
    model.initialize()
    X = mnp.zeros((4, 5), dtype="int32")
    logits, state = model(X)
    assert logits.shape == (5, 4, 10)
    assert [s.shape for s in state] == out_state
    corpus, V = small_corpus(V=10)
    h = train.train_lm(model, batches.SeqBatches(corpus, 4, 10), None, 1, progress="none")
    assert np.isfinite(h.train_ppl[0])


@pytest.mark.parametrize(
    "make_layer",
    [lambda: rnn.LSTM(6), lambda: rnn.GRU(6, num_layers=2), lambda: layers.RNNScratch(6)],
)
@pytest.mark.parametrize("embed_size", [None, 4])
def test_hybridized_language_model_equals_the_imperative_one(make_layer, embed_size):
    """The fast path compiles gluon's blocks; logits, states and gradients stay the same."""
    d2lrnn.seed(0)
    fast = lm.RNNLM(make_layer(), vocab_size=9, embed_size=embed_size)
    slow = lm.RNNLM(make_layer(), vocab_size=9, embed_size=embed_size, hybridize=False)
    for model in (fast, slow):
        model.initialize(mx.init.Normal(0.3))
    X = mnp.array(np.random.default_rng(1).integers(0, 9, (5, 7)), dtype="int32")
    for model in (fast, slow):
        model(X[:1, :1])  # complete deferred shapes
    for p, q in zip(fast.collect_params().values(), slow.collect_params().values()):
        q.set_data(p.data())
    assert fast.output._active and not slow.output._active
    assert isinstance(fast.rnn, layers.RNNScratch) or fast.rnn._active
    results = []
    for model in (fast, slow):
        with autograd.record():
            logits, state = model(X)
            loss = (logits * logits).sum() + sum((s * s).sum() for s in state)
        loss.backward()
        grads = [p.grad().asnumpy() for p in model.collect_params().values()]
        results.append((logits.asnumpy(), [s.asnumpy() for s in state], grads))
    (l1, s1, g1), (l2, s2, g2) = results
    np.testing.assert_allclose(l1, l2, rtol=1e-5, atol=1e-6)
    for a, b in zip(s1 + g1, s2 + g2):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    # A new batch size (the smaller last minibatch of an epoch) reuses the compiled graph.
    assert fast(X[:2])[0].shape == (7, 2, 9)


@pytest.mark.parametrize("embed_size", [None, 3])
def test_trace_runs_the_layers_trace_on_the_encoded_tokens(embed_size):
    d2lrnn.seed(0)
    model = lm.RNNLM(layers.LSTMScratch(4), 6, embed_size)
    model.initialize(mx.init.Normal(0.5))
    X = mnp.array([[1, 2, 3, 4], [5, 0, 1, 2]], dtype="int32")
    trace = model.trace(X)
    assert set(trace) == {"input", "forget", "candidate", "output", "H", "C"}
    assert all(v.shape == (4, 2, 4) for v in trace.values())
    np.testing.assert_allclose(
        trace["H"].asnumpy(), model.rnn(model.encode(X)).asnumpy(), atol=1e-6
    )
