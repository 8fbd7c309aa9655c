"""``copy_weights`` between the book's layers, stacks and language models and gluon's, both ways."""

import mxnet as mx
import numpy as np
import pytest
from mxnet import np as mnp
from mxnet.gluon import rnn

import d2lrnn
from d2lrnn import deep, layers, lm
from d2lrnn.gluon_adapter import gluon_block_params
from d2lrnn.weights import copy_weights

H, D_IN = 4, 5
#: name -> (cell, the book's layer kwargs, gluon's layer kwargs)
CELLS = {
    "rnn-tanh": ("rnn", {"activation": "tanh"}, {"activation": "tanh"}),
    "rnn-relu": ("rnn", {"activation": "relu"}, {"activation": "relu"}),
    "lstm": ("lstm", {}, {}),
    "gru": ("gru", {}, {}),
}
#: the book's side: one layer, a Bidirectional, or a deep_rnn stack of L layers and D directions
SHAPES = [("layer", 1, 1), ("bidirectional", 1, 2)] + [
    ("stack", L, D) for L in (1, 2, 3) for D in (1, 2)
]


def book_layer(name, shape, num_inputs):
    cell, kwargs, _ = CELLS[name]
    kind, L, D = shape
    make = layers.get_cell(cell).scratch
    if kind == "layer":
        return make(H, num_inputs, **kwargs)
    if kind == "bidirectional":
        return deep.Bidirectional(make(H, num_inputs, **kwargs), make(H, num_inputs, **kwargs))
    return deep.deep_rnn(cell, H, L, D == 2, num_inputs=num_inputs, **kwargs)


def gluon_layer(name, shape, input_size=0):
    cell, _, kwargs = CELLS[name]
    _, L, D = shape
    return layers.get_cell(cell).gluon(
        H, num_layers=L, bidirectional=D == 2, input_size=input_size, **kwargs
    )


def randomize(block, scale=0.5):
    """Every parameter random, biases too, so that a mix-up between two of them shows."""
    for p in block.collect_params().values():
        p.set_data(mnp.random.normal(0, scale, size=p.shape))


def same_function(a, b, rows, num_states, T=6, N=3):
    """Both layers give the same outputs and final states from the same random states."""
    X = mnp.random.normal(size=(T, N, D_IN))
    states = [mnp.random.normal(size=(rows, N, H)) for _ in range(num_states)]
    out_a, st_a = a(X, [s.copy() for s in states])
    out_b, st_b = b(X, [s.copy() for s in states])
    np.testing.assert_allclose(out_a.asnumpy(), out_b.asnumpy(), atol=1e-5)
    assert len(st_a) == len(st_b) == num_states
    for x, y in zip(st_a, st_b):
        np.testing.assert_allclose(x.asnumpy(), y.asnumpy(), atol=1e-5)
    np.testing.assert_allclose(a(X).asnumpy(), b(X).asnumpy(), atol=1e-5)  # zero states


@pytest.mark.parametrize("name", sorted(CELLS))
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}-L{s[1]}-D{s[2]}")
def test_book_to_gluon_computes_the_same(name, shape):
    d2lrnn.seed(0)
    book = book_layer(name, shape, D_IN)
    book.initialize()
    randomize(book)
    ref = gluon_layer(name, shape)  # its input size is deferred: the copy completes it
    ref.initialize()
    copy_weights(book, ref)
    assert gluon_block_params(ref, "l0")["i2h_weight"].shape[1] == D_IN
    _, L, D = shape
    same_function(book, ref, L * D, deep.num_states(ref))


@pytest.mark.parametrize("name", sorted(CELLS))
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}-L{s[1]}-D{s[2]}")
def test_gluon_to_book_computes_the_same(name, shape):
    d2lrnn.seed(1)
    ref = gluon_layer(name, shape, D_IN)
    ref.initialize()
    randomize(ref)  # gluon's own weights, both biases nonzero
    book = book_layer(name, shape, 0)  # the first layer's input size comes from gluon's weights
    book.initialize()
    copy_weights(ref, book)
    _, L, D = shape
    same_function(book, ref, L * D, deep.num_states(ref))


@pytest.mark.parametrize("name", sorted(CELLS))
def test_copy_there_and_back_restores_the_book_layer(name):
    d2lrnn.seed(2)
    shape = ("stack", 2, 2)
    book = book_layer(name, shape, D_IN)
    book.initialize()
    randomize(book)
    ref = gluon_layer(name, shape, D_IN)
    ref.initialize()
    back = book_layer(name, shape, D_IN)
    back.initialize()
    copy_weights(book, ref)
    copy_weights(ref, back)
    for p, q in zip(book.collect_params().values(), back.collect_params().values()):
        np.testing.assert_allclose(p.data().asnumpy(), q.data().asnumpy(), atol=1e-6)


# ---------------------------------------------------------- ported layer tests

KINDS = {
    "rnn-tanh": (
        lambda h, d: layers.RNNScratch(h, d, "tanh", sigma=0.5),
        lambda h, d: rnn.RNN(h, activation="tanh", input_size=d),
    ),
    "rnn-relu": (
        lambda h, d: layers.RNNScratch(h, d, "relu", sigma=0.5),
        lambda h, d: rnn.RNN(h, activation="relu", input_size=d),
    ),
    "lstm": (
        lambda h, d: layers.LSTMScratch(h, d, sigma=0.5),
        lambda h, d: rnn.LSTM(h, input_size=d),
    ),
    "gru": (lambda h, d: layers.GRUScratch(h, d, sigma=0.5), lambda h, d: rnn.GRU(h, input_size=d)),
}


def pair(kind, T=7, N=3, d=5, h=4, seed=0):
    d2lrnn.seed(seed)
    make_scratch, make_ref = KINDS[kind]
    scratch = make_scratch(h, d)
    scratch.initialize()
    scratch.b_h.set_data(mnp.random.normal(size=scratch.b_h.shape))
    if kind == "gru":
        scratch.b_hn.set_data(mnp.random.normal(size=(h,)))
    ref = make_ref(h, d)
    ref.initialize()
    copy_weights(scratch, ref)
    X = mnp.random.normal(size=(T, N, d))
    states = [mnp.random.normal(size=(1, N, h)) for _ in range(scratch.num_states)]
    return scratch, ref, X, states


def test_copy_to_gluon_rejects_mismatched_layers():
    with pytest.raises(ValueError, match="differ in kind"):
        copy_weights(pair("lstm")[0], rnn.GRU(4, input_size=5))
    with pytest.raises(ValueError, match=r"the gluon layer has 2 layer\(s\), the book's has 1"):
        copy_weights(pair("rnn-tanh")[0], rnn.RNN(4, num_layers=2, input_size=5))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_copy_from_gluon_is_the_inverse(kind):
    scratch, ref, X, states = pair(kind)
    for p in ref.collect_params().values():  # gluon's own weights, both biases nonzero
        p.set_data(mnp.random.normal(size=p.shape))
    back = KINDS[kind][0](4, 0)  # input size inferred from gluon's weights
    back.initialize()
    copy_weights(ref, back)
    out_ref, st_ref = ref(X, states)
    out_back, st_back = back(X, states)
    np.testing.assert_allclose(out_back.asnumpy(), out_ref.asnumpy(), atol=1e-5)
    for a, b in zip(st_back, st_ref):
        np.testing.assert_allclose(a.asnumpy(), b.asnumpy(), atol=1e-5)


def test_copy_from_gluon_rejects_mismatched_layers():
    ref = rnn.LSTM(4, input_size=5)
    ref.initialize()
    with pytest.raises(ValueError, match="the layers differ in kind"):
        copy_weights(ref, layers.GRUScratch(4, 5))
    wrong_input = layers.LSTMScratch(4, 6)
    wrong_input.initialize()
    with pytest.raises(ValueError, match="the layers differ in input size"):
        copy_weights(ref, wrong_input)
    deep_ref = rnn.LSTM(4, num_layers=2, input_size=5)
    deep_ref.initialize()
    with pytest.raises(ValueError, match=r"the gluon layer has 2 layer\(s\), the book's has 1"):
        copy_weights(deep_ref, layers.LSTMScratch(4, 5))


def test_copy_to_gluon_rejects_a_stack_of_another_depth():
    stack = deep.deep_rnn("lstm", 4, 2, num_inputs=5)
    stack.initialize()
    ref = rnn.LSTM(4, num_layers=3, input_size=5)
    ref.initialize()
    with pytest.raises(ValueError, match=r"the gluon layer has 3 layer\(s\), the book's has 2"):
        copy_weights(stack, ref)


# ------------------------------------------------------------- clear errors


def initialized(block):
    block.initialize()
    return block


@pytest.mark.parametrize(
    "book, ref, match",
    [
        (
            lambda: layers.LSTMScratch(4, 5),
            lambda: rnn.GRU(4, input_size=5),
            "the layers differ in kind: the book's is lstm, gluon's is gru",
        ),
        (
            lambda: layers.RNNScratch(4, 5, "tanh"),
            lambda: rnn.RNN(4, activation="relu", input_size=5),
            r"differ in kind: the book's is rnn \(tanh\), gluon's is rnn \(relu\)",
        ),
        (
            lambda: layers.GRUScratch(4, 5),
            lambda: rnn.GRU(5, input_size=5),
            "the layers differ in num_hiddens: the book's has 4, gluon's 5",
        ),
        (
            lambda: layers.GRUScratch(4, 5),
            lambda: rnn.GRU(4, input_size=6),
            "the layers differ in input size",
        ),
        (
            lambda: deep.deep_rnn("gru", 4, 2, num_inputs=5),
            lambda: rnn.GRU(4, num_layers=3, input_size=5),
            r"the gluon layer has 3 layer\(s\), the book's has 2",
        ),
        (
            lambda: deep.deep_rnn("gru", 4, 2, bidirectional=True, num_inputs=5),
            lambda: rnn.GRU(4, num_layers=2, input_size=5),
            r"the gluon layer has 1 direction\(s\), the book's layer 0 has 2",
        ),
        (
            lambda: deep.deep_rnn("gru", 4, 1, num_inputs=5),
            lambda: rnn.GRU(4, bidirectional=True, input_size=5),
            r"the gluon layer has 2 direction\(s\), the book's layer 0 has 1",
        ),
        (
            lambda: deep.Bidirectional(layers.GRUScratch(4, 5), layers.GRUScratch(4, 5)),
            lambda: rnn.GRU(4, input_size=5),
            r"the gluon layer has 1 direction\(s\), the book's layer 0 has 2",
        ),
        (
            lambda: deep.Stacked([rnn.GRU(4, input_size=5)]),
            lambda: rnn.GRU(4, input_size=5),
            "layer 0 of the book's stack must be one of its own layers, got GRU",
        ),
    ],
    ids=[
        "cell",
        "activation",
        "num_hiddens",
        "input size",
        "layers",
        "bidirectional book",
        "bidirectional gluon",
        "Bidirectional",
        "gluon in a stack",
    ],
)
@pytest.mark.parametrize("direction", ["to gluon", "from gluon"])
def test_mismatched_layers_are_refused_both_ways(book, ref, match, direction):
    book, ref = initialized(book()), initialized(ref())
    source, target = (book, ref) if direction == "to gluon" else (ref, book)
    with pytest.raises(ValueError, match=match):
        copy_weights(source, target)


def test_two_layers_of_one_side_are_refused():
    match = "copy_weights copies between one of the book's layers and a gluon layer, got"
    with pytest.raises(ValueError, match=match + " GRU and GRU"):
        copy_weights(initialized(rnn.GRU(4, input_size=3)), initialized(rnn.GRU(4, input_size=3)))
    with pytest.raises(ValueError, match=match + " GRUScratch and Stacked"):
        copy_weights(initialized(layers.GRUScratch(4, 3)), deep.deep_rnn("gru", 4, num_inputs=3))
    with pytest.raises(ValueError, match=match + " GRUScratch and Dense"):
        copy_weights(layers.GRUScratch(4, 3), mx.gluon.nn.Dense(4))


def test_a_book_layer_without_an_input_size_cannot_be_copied_to_gluon():
    ref = initialized(rnn.GRU(4))
    with pytest.raises(ValueError, match="the book's layer has no input size yet"):
        copy_weights(initialized(layers.GRUScratch(4)), ref)


# ---------------------------------------------------------- language models


@pytest.mark.parametrize("embed_size", [None, 5])
@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_copy_weights_between_language_models_both_ways(kind, embed_size):
    make_scratch, make_ref = KINDS[kind]
    X = mnp.array(np.random.default_rng(0).integers(0, 11, (3, 6)), dtype="int32")
    for direction in ("to gluon", "from gluon"):
        scratch = lm.RNNLM(make_scratch(8, 0), 11, embed_size)
        concise = lm.RNNLM(make_ref(8, embed_size or 11), 11, embed_size)
        scratch.initialize()
        concise.initialize(mx.init.Normal(0.5))
        source, target = (scratch, concise) if direction == "to gluon" else (concise, scratch)
        copy_weights(source, target)
        np.testing.assert_allclose(
            target(X)[0].asnumpy(), source(X)[0].asnumpy(), atol=1e-5, err_msg=direction
        )


@pytest.mark.parametrize("embed_size", [None, 3])
@pytest.mark.parametrize("name", sorted(CELLS))
@pytest.mark.parametrize("direction", ["to gluon", "from gluon"])
def test_language_models_over_every_layer_kind(name, embed_size, direction):
    """One-hot or embedded tokens, deep and bidirectional layers, both ways: same logits."""
    d2lrnn.seed(3)
    shape = ("stack", 2, 2)
    ours = lm.RNNLM(book_layer(name, shape, 0), 7, embed_size)
    theirs = lm.RNNLM(gluon_layer(name, shape), 7, embed_size)
    for model in (ours, theirs):  # gluon's layer and the output layer are still deferred
        model.initialize(mx.init.Normal(0.5))
    source, target = (ours, theirs) if direction == "to gluon" else (theirs, ours)
    copy_weights(source, target)
    X = mnp.array(np.random.default_rng(0).integers(0, 7, (3, 5)), dtype="int32")
    (a, sa), (b, sb) = target(X), source(X)
    np.testing.assert_allclose(a.asnumpy(), b.asnumpy(), atol=1e-5)
    for x, y in zip(sa, sb, strict=True):
        np.testing.assert_allclose(x.asnumpy(), y.asnumpy(), atol=1e-5)


def test_single_scratch_language_model_with_indices_both_ways():
    """The book's one-hot model reads indices (rows of W_xh); gluon's reads one-hot vectors."""
    for direction in ("to gluon", "from gluon"):
        d2lrnn.seed(4)
        ours = lm.RNNLM(layers.RNNScratch(5, activation="relu", sigma=0.5), 9)
        theirs = lm.RNNLM(rnn.RNN(5, activation="relu"), 9, hybridize=False)
        for model in (ours, theirs):
            model.initialize(mx.init.Normal(0.5))
        source, target = (ours, theirs) if direction == "to gluon" else (theirs, ours)
        copy_weights(source, target)
        X = mnp.array(np.random.default_rng(1).integers(0, 9, (2, 8)), dtype="int32")
        np.testing.assert_allclose(
            target(X)[0].asnumpy(), source(X)[0].asnumpy(), atol=1e-5, err_msg=direction
        )


def test_copy_weights_bad_arguments():
    a = lm.RNNLM(layers.GRUScratch(4), 7)
    with pytest.raises(ValueError, match="differ in vocab_size or embed_size"):
        copy_weights(a, lm.RNNLM(rnn.GRU(4), 8))
    with pytest.raises(ValueError, match="differ in vocab_size or embed_size"):
        copy_weights(a, lm.RNNLM(rnn.GRU(4), 7, embed_size=3))
    b, c = lm.RNNLM(rnn.GRU(4), 7), lm.RNNLM(rnn.GRU(4), 7)
    for m in (b, c):
        m.initialize()
    with pytest.raises(ValueError, match="copies between one of the book's layers and a gluon"):
        copy_weights(b, c)
    with pytest.raises(ValueError, match="source must be initialized first"):
        copy_weights(a, b)
    with pytest.raises(ValueError, match="target must be initialized first"):
        copy_weights(b, a)
    with pytest.raises(ValueError, match="target must be an RNNLM like the other model, got GRU"):
        copy_weights(b, rnn.GRU(4))
    with pytest.raises(ValueError, match="source must be an RNNLM like the other model"):
        copy_weights(layers.GRUScratch(4), b)
