"""The tagger (one label per step) and the sequence classifier (one label per sequence)."""

import numpy as np
import pytest
from mxnet import np as mnp
from mxnet.gluon import rnn

import d2lrnn
from d2lrnn import classifiers, deep, layers


def one_hot(X, V):
    return mnp.eye(V)[X.T]  # (T, N, V)


def test_models_shapes():
    tagger = classifiers.Tagger(rnn.GRU(5, bidirectional=True), 26, 2)
    tagger.initialize()
    assert tagger(mnp.zeros((3, 7), dtype="int32")).shape == (7, 3, 2)
    for bidirectional in (False, True):
        enc = classifiers.SequenceClassifier(rnn.LSTM(5, bidirectional=bidirectional), 27, 4)
        enc.initialize()
        assert enc(mnp.zeros((3, 7), dtype="int32")).shape == (3, 4)
        # The number of directions is read from the layer, not given.
        assert enc.num_directions == (2 if bidirectional else 1)


@pytest.mark.parametrize(
    "make, directions",
    [
        (lambda: layers.GRUScratch(5), 1),
        (lambda: rnn.GRU(5, num_layers=3), 1),
        (lambda: rnn.LSTM(5, num_layers=2, bidirectional=True), 2),
        (lambda: deep.deep_rnn("lstm", 5, 2, bidirectional=True), 2),
        (lambda: deep.Bidirectional(layers.RNNScratch(5), layers.RNNScratch(5)), 2),
    ],
)
def test_models_take_any_recurrent_layer(make, directions):
    tagger = classifiers.Tagger(make(), 6, 3)
    tagger.initialize()
    assert tagger(mnp.zeros((2, 4), dtype="int32")).shape == (4, 2, 3)
    clf = classifiers.SequenceClassifier(make(), 6, 3)
    clf.initialize()
    assert clf.num_directions == directions
    assert clf(mnp.zeros((2, 4), dtype="int32")).shape == (2, 3)
    assert clf.output.weight.shape == (3, directions * 5)


def test_tagger_is_the_output_layer_on_every_step():
    d2lrnn.seed(0)
    layer = rnn.GRU(4, bidirectional=True)
    tagger = classifiers.Tagger(layer, 6, 3)
    tagger.initialize()
    X = mnp.array([[1, 2, 3, 4, 5], [0, 0, 1, 1, 2]], dtype="int32")
    logits = tagger(X)
    outputs = layer(one_hot(X, 6))  # (T, N, 8)
    expected = mnp.dot(outputs, tagger.output.weight.data().T) + tagger.output.bias.data()
    np.testing.assert_allclose(logits.asnumpy(), expected.asnumpy(), atol=1e-6)


def test_encoder_reads_both_final_states():
    """The bidirectional encoder's summary is [forward H after step T, backward H after step 1]."""
    d2lrnn.seed(0)
    layer = rnn.GRU(4, bidirectional=True)
    enc = classifiers.SequenceClassifier(layer, 6, 2)
    enc.initialize()
    X = mnp.array([[1, 2, 3, 4, 5]], dtype="int32")
    logits = enc(X)
    outputs = layer(mnp.eye(6)[X.T])  # (T, 1, 8)
    summary = mnp.concatenate([outputs[-1, 0, :4], outputs[0, 0, 4:]])
    expected = mnp.dot(enc.output.weight.data(), summary) + enc.output.bias.data()
    np.testing.assert_allclose(logits[0].asnumpy(), expected.asnumpy(), atol=1e-6)


@pytest.mark.parametrize(
    "make",
    [
        lambda: rnn.LSTM(3, num_layers=3, bidirectional=True),
        lambda: deep.deep_rnn("gru", 3, 2, bidirectional=True),
        lambda: rnn.GRU(3, num_layers=2),
    ],
)
def test_classifier_reads_only_the_last_layers_final_states(make):
    """Of a deep layer's final ``H`` ``(L * D, N, h)``, only the last layer's ``D`` rows count."""
    d2lrnn.seed(1)
    layer = make()
    clf = classifiers.SequenceClassifier(layer, 5, 3)
    clf.initialize()
    X = mnp.array([[1, 2, 3, 4], [4, 3, 2, 0], [0, 1, 0, 1]], dtype="int32")
    logits = clf(X)
    D = clf.num_directions
    outputs = layer(one_hot(X, 5))  # (T, N, D h): the last layer's outputs
    h = outputs.shape[-1] // D
    last = [outputs[-1, :, :h]] + ([outputs[0, :, h:]] if D == 2 else [])
    summary = mnp.concatenate(last, axis=-1)  # (N, D h)
    expected = mnp.dot(summary, clf.output.weight.data().T) + clf.output.bias.data()
    np.testing.assert_allclose(logits.asnumpy(), expected.asnumpy(), atol=1e-5)


@pytest.mark.parametrize(
    "make, exc, match",
    [
        (lambda: classifiers.Tagger(rnn.GRU(2), 0, 2), ValueError, "vocab_size must be an int"),
        (lambda: classifiers.Tagger(rnn.GRU(2), 5, 1), ValueError, "num_tags must be an int >= 2"),
        (
            lambda: classifiers.SequenceClassifier(rnn.GRU(2), 5.0, 2),
            TypeError,
            "vocab_size must be an int >= 1",
        ),
        (
            lambda: classifiers.SequenceClassifier(rnn.GRU(2), 5, 1),
            ValueError,
            "num_classes must be an int >= 2, got 1",
        ),
    ],
)
def test_bad_arguments(make, exc, match):
    with pytest.raises(exc, match=match):
        make()
