"""FLOP counts of the language models, checked against the models' own weight matrices."""

import mxnet as mx
import pytest
from mxnet import np as mnp
from mxnet.gluon import rnn

from benchmarks import flops
from d2lrnn import lm

LAYERS = {"rnn": rnn.RNN, "gru": rnn.GRU, "lstm": rnn.LSTM}


def test_hand_counted_rnn():
    # V = 28, h = 32: input and recurrent products 2 * 32 * (28 + 32), output 2 * 32 * 28.
    f = flops.flops_per_token("rnn", 28, 32)
    assert f == {"forward": 3840 + 1792, "train": 3 * (3840 + 1792)}


@pytest.mark.parametrize("cell", sorted(LAYERS))
@pytest.mark.parametrize("num_layers", [1, 2, 3])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("embed_size", [None, 5])
def test_forward_flops_are_two_per_weight(cell, num_layers, bidirectional, embed_size):
    """Each weight of a product is used once per token: one multiply and one add."""
    V, h = 11, 6
    model = lm.RNNLM(
        LAYERS[cell](h, num_layers=num_layers, bidirectional=bidirectional), V, embed_size
    )
    model.initialize()
    model(mnp.zeros((2, 3), dtype="int32"))
    weights = sum(
        p.data().size
        for name, p in model.collect_params().items()
        if name.endswith("weight") and "embedding" not in name
    )
    f = flops.flops_per_token(cell, V, h, num_layers, bidirectional, embed_size)
    assert f["forward"] == 2 * weights
    assert f["train"] == 3 * f["forward"]


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"cell": "transformer"}, ValueError, "cell must be one of"),
        ({"vocab_size": 0}, ValueError, "vocab_size must be an int >= 1"),
        ({"num_hiddens": 2.5}, TypeError, "num_hiddens must be an int >= 1"),
        ({"num_layers": 0}, ValueError, "num_layers must be an int >= 1"),
        ({"embed_size": 0}, ValueError, "embed_size must be an int >= 1"),
    ],
)
def test_bad_arguments(kwargs, exc, match):
    args = {"cell": "gru", "vocab_size": 28, "num_hiddens": 32} | kwargs
    with pytest.raises(exc, match=match):
        flops.flops_per_token(**args)


def test_peak_is_measured():
    assert flops.peak_gflops(n=128, repeat=2) > 0.01
    assert flops.peak_gflops(n=64, repeat=1, device=mx.cpu()) > 0.01
    with pytest.raises(ValueError, match="n must be an int >= 1"):
        flops.peak_gflops(n=0)
    with pytest.raises(ValueError, match="repeat must be an int >= 1"):
        flops.peak_gflops(repeat=0)
