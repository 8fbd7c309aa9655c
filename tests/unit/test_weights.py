"""``copy_weights`` between the book's layers, stacks and language models and gluon's, both ways,
and from the chapters' plain models into the book's."""

import mxnet as mx
import numpy as np
import pytest
from mxnet import np as mnp
from mxnet.gluon import rnn

import d2lrnn
from d2lrnn import deep, layers, lm
from d2lrnn.gluon_adapter import gluon_block_params
from d2lrnn.weights import (
    copy_weights,
    fused_names,
    fused_params,
    gate_names,
    gate_param_groups,
    gluon_gradients,
    one_way_layers,
)
from tests.chapter_code import define

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


def test_two_gluon_layers_or_a_non_recurrent_target_are_refused():
    match = "copy_weights copies between one of the book's layers and a gluon layer, got"
    with pytest.raises(ValueError, match=match + " GRU and GRU"):
        copy_weights(initialized(rnn.GRU(4, input_size=3)), initialized(rnn.GRU(4, input_size=3)))
    with pytest.raises(ValueError, match=match + " GRUScratch and Dense"):
        copy_weights(layers.GRUScratch(4, 3), mx.gluon.nn.Dense(4))


def test_one_book_layer_into_another_of_the_same_shape():
    source = initialized(layers.GRUScratch(4, 3, fast=False))
    randomize(source)
    target = deep.deep_rnn("gru", 4, num_inputs=3)
    target.initialize()
    copy_weights(source, target)
    X = mnp.random.normal(size=(5, 2, 3))
    np.testing.assert_allclose(source(X).asnumpy(), target(X).asnumpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="layer 0"):
        copy_weights(source, initialized(layers.LSTMScratch(4, 3)))


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


# ------------------------------------------------- plain models, as the chapters write them


@pytest.fixture(scope="module")
def chapters():
    """The chapters' plain layers by cell (3: RNN; 5: LSTM, GRU) and chapter 6's wrappers."""
    ch3, ch5 = define(3, "RNN"), define(5, ["LSTM", "GRU"])
    ch6 = define(6, ["Deep", "Bidirectional"])
    return {
        "rnn": ch3["RNN"],
        "lstm": ch5["LSTM"],
        "gru": ch5["GRU"],
        "Deep": ch6["Deep"],
        "Bidirectional": ch6["Bidirectional"],
    }


def plain_stack(chapters, cell, L, D, sizes=None):
    """Chapter 6's ``Deep`` of ``L`` layers (``Bidirectional`` ones if ``D == 2``) of the
    chapters' plain ``cell`` layers; ``sizes[l]`` is layer ``l``'s hidden size (default ``H``)."""
    make, sizes = chapters[cell], sizes or [H] * L
    stack, d = [], D_IN
    for h in sizes:
        stack.append(chapters["Bidirectional"](make(d, h), make(d, h)) if D == 2 else make(d, h))
        d = D * h
    return chapters["Deep"](stack)


def book_of_plain_shape(cell, shape, num_inputs=D_IN):
    kind, L, D = shape
    make = layers.get_cell(cell).scratch
    if kind == "layer":
        return make(H, num_inputs)
    return deep.deep_rnn(cell, H, L, D == 2, num_inputs=num_inputs)


PLAIN_SHAPES = [("layer", 1, 1), ("stack", 1, 1), ("stack", 1, 2)] + [
    ("stack", L, D) for L in (2, 3) for D in (1, 2)
]


@pytest.mark.parametrize("num_inputs", [D_IN, 0], ids=["known", "deferred"])
@pytest.mark.parametrize("shape", PLAIN_SHAPES, ids=lambda s: f"{s[0]}-L{s[1]}-D{s[2]}")
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_plain_models_to_book_compute_the_same(chapters, cell, shape, num_inputs):
    """The chapters' per-gate (chapter 5) or fused (chapter 3) layers, alone or in chapter 6's
    Deep and Bidirectional, copied into the book's layer or ``deep_rnn`` stack."""
    d2lrnn.seed(5)
    kind, L, D = shape
    plain = chapters[cell](D_IN, H) if kind == "layer" else plain_stack(chapters, cell, L, D)
    plain.initialize()
    randomize(plain)
    book = book_of_plain_shape(cell, shape, num_inputs)
    book.initialize()
    copy_weights(plain, book)
    assert one_way_layers(book)[0].W_xh.shape == (D_IN, layers.get_cell(cell).num_gates * H)
    num_states = len(layers.get_cell(cell).states)
    X = mnp.random.normal(size=(6, 3, D_IN))
    states = [mnp.random.normal(size=(L * D, 3, H)) for _ in range(num_states)]
    out_p, st_p = plain(X, [s.copy() for s in states])
    out_b, st_b = book(X, [s.copy() for s in states])
    np.testing.assert_allclose(out_b.asnumpy(), out_p.asnumpy(), atol=1e-5)
    for a, b in zip(st_b, st_p, strict=True):
        np.testing.assert_allclose(a.asnumpy(), b.asnumpy(), atol=1e-5)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_per_gate_parameters_go_to_their_gates_blocks(chapters, cell):
    """Each per-gate parameter lands in the block of the fused matrices that ``gate_params``
    reads back under the same name."""
    d2lrnn.seed(6)
    plain = chapters[cell](D_IN, H)
    plain.initialize()
    randomize(plain)
    book = layers.get_cell(cell).scratch(H, D_IN)
    book.initialize()
    copy_weights(plain, book)
    (group,) = gate_param_groups(plain)
    assert sorted(group) == sorted(gate_names(cell))
    p = book.gate_params()
    for name, param in group.items():
        np.testing.assert_array_equal(getattr(p, name).asnumpy(), param.data().asnumpy())
    fused = fused_params(group, cell)
    assert list(fused) == fused_names(cell)
    for name, value in fused.items():
        np.testing.assert_array_equal(getattr(book, name).data().asnumpy(), value.asnumpy())


def test_gate_param_groups_are_the_one_way_layers_in_gluons_order(chapters):
    plain = plain_stack(chapters, "gru", 2, 2)
    groups = gate_param_groups(plain)
    assert len(groups) == 4 and all(sorted(g) == sorted(gate_names("gru")) for g in groups)
    # layer 0 forward, layer 0 backward, layer 1 forward, layer 1 backward
    assert [g["W_xr"].shape[0] for g in groups] == [D_IN, D_IN, 2 * H, 2 * H]
    book = deep.deep_rnn("gru", H, 2, True, num_inputs=D_IN)
    layers_ = one_way_layers(book)
    assert len(layers_) == 4 and layers_[1] is book.layers[0].backward_layer


def test_names_of_the_plain_and_the_fused_layouts():
    assert fused_names("rnn") == ["W_xh", "W_hh", "b_h"]
    assert fused_names("gru") == ["W_xh", "W_hh", "b_h", "b_hn"]
    assert gate_names("rnn") == ["W_xh", "W_hh", "b_h"]
    assert gate_names("lstm")[:6] == ["W_xi", "W_hi", "b_i", "W_xf", "W_hf", "b_f"]
    assert gate_names("gru") == [
        *("W_xr", "W_hr", "b_r", "W_xz", "W_hz", "b_z", "W_xh", "W_hh", "b_h", "b_hn")
    ]


def test_gluon_gradients_are_in_the_books_layout():
    """After the same loss, gluon's gradients, transposed and cut, are the book's own."""
    from mxnet import autograd

    d2lrnn.seed(7)
    book = deep.deep_rnn("gru", H, 2, True, num_inputs=D_IN)
    book.initialize()
    randomize(book)
    ref = gluon_layer("gru", ("stack", 2, 2), D_IN)
    ref.initialize()
    copy_weights(book, ref)
    X = mnp.random.normal(size=(5, 2, D_IN))
    R = mnp.random.normal(size=(5, 2, 2 * H))
    for model in (book, ref):
        with autograd.record():
            loss = (model(X) * R).sum()
        loss.backward()
    grads = gluon_gradients(ref, book)
    assert len(grads) == 4
    for layer, g in zip(one_way_layers(book), grads, strict=True):
        assert sorted(g) == sorted(fused_names("gru"))
        for name, value in g.items():
            np.testing.assert_allclose(
                value.asnumpy(), getattr(layer, name).grad().asnumpy(), atol=1e-5, err_msg=name
            )


class Named(mx.gluon.Block):
    """A plain layer with the given parameters: name -> shape."""

    def __init__(self, shapes: dict):
        super().__init__()
        for name, shape in shapes.items():
            self.params.get(name, shape=shape)

    def begin_state(self, batch_size, device=None):
        return [mnp.zeros((1, batch_size, H))]


def initialized_plain(block):
    block.initialize()
    return block


@pytest.mark.parametrize(
    "plain, book, match",
    [
        (
            lambda ch: ch["lstm"](D_IN, H),
            lambda: layers.GRUScratch(H, D_IN),
            r"layer 0 of the plain model has parameters \['W_hc', .*\]; a gru layer needs "
            r"\['W_xr', 'W_hr', 'b_r', .*\] \(or the fused \['W_xh', 'W_hh', 'b_h', 'b_hn'\]\)",
        ),
        (
            lambda ch: Named({"W_xr": (D_IN, H), "W_hr": (H, H), "b_r": (H,)}),
            lambda: layers.GRUScratch(H, D_IN),
            r"layer 0 of the plain model has parameters \['W_hr', 'W_xr', 'b_r'\]; a gru layer",
        ),
        (
            lambda ch: Named({"weight": (D_IN, H)}),
            lambda: layers.RNNScratch(H, D_IN),
            r"the plain model's parameter '\w*weight' is not named like a gate's",
        ),
        (
            lambda ch: plain_stack(ch, "lstm", 2, 1),
            lambda: deep.deep_rnn("lstm", H, 2, True, num_inputs=D_IN),
            r"the plain model has 2 one-direction layer\(s\), the book's has 4",
        ),
        (
            lambda ch: ch["gru"](D_IN, H),
            lambda: layers.GRUScratch(H + 1, D_IN),
            r"layer 0: the plain model's W_xh would be \(5, 12\), the book's is \(5, 15\): "
            "the layers differ in size",
        ),
        (
            lambda ch: ch["gru"](D_IN + 1, H),
            lambda: layers.GRUScratch(H, D_IN),
            r"layer 0: the plain model's W_xh would be \(6, 12\), the book's is \(5, 12\)",
        ),
        (
            lambda ch: plain_stack(ch, "rnn", 2, 2, sizes=[H, H + 1]),
            lambda: deep.deep_rnn("rnn", H, 2, True, num_inputs=D_IN),
            r"layer 2: the plain model's W_xh would be \(8, 5\), the book's is \(8, 4\)",
        ),
        (
            lambda ch: ch["lstm"](D_IN, H),
            lambda: deep.Stacked([rnn.LSTM(H, input_size=D_IN)]),
            "layer 0 of the book's stack must be one of its own layers, got LSTM",
        ),
    ],
    ids=[
        "another cell",
        "missing gates",
        "not a gate's name",
        "layers",
        "num_hiddens",
        "input size",
        "a deeper layer's size",
        "gluon in the stack",
    ],
)
def test_mismatched_plain_models_are_refused(chapters, plain, book, match):
    with pytest.raises(ValueError, match=match):
        copy_weights(initialized_plain(plain(chapters)), initialized(book()))


def test_a_plain_model_is_not_copied_into_gluon(chapters):
    plain = initialized_plain(chapters["gru"](D_IN, H))
    with pytest.raises(ValueError, match="copies between one of the book's layers and a gluon"):
        copy_weights(plain, initialized(rnn.GRU(H, input_size=D_IN)))
