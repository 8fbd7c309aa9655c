"""``check_same_function`` on the chapters' own plain models, as written and as a reader might
break them: chapter 3's ``RNN``, chapter 5's ``LSTM`` and ``GRU``, chapter 6's ``Deep`` and
``Bidirectional`` around them and around the library's layers."""

import re

import numpy as np
import pytest
from mxnet import gluon, init
from mxnet import np as mnp

import d2lrnn
from d2lrnn import equivalence, layers
from d2lrnn.equivalence import NotEquivalentError, check_same_function
from tests.chapter_code import define

D_IN, H = 5, 4
#: (num_layers, bidirectional): a single layer, deep stacks, bidirectional layers
SHAPES = [(1, False), (2, False), (3, False), (1, True), (2, True)]
#: a relative difference as the messages print it
NUMBER = r"\d\.\de[+-]\d\d"


def plain_cells(replace3=None, replace5=None) -> dict:
    """The chapters' plain one-direction layers by cell: ``RNN`` (3), ``LSTM`` and ``GRU`` (5)."""
    ch3 = define(3, "RNN", replace=replace3)
    ch5 = define(5, ["LSTM", "GRU"], replace=replace5)
    return {"rnn": ch3["RNN"], "lstm": ch5["LSTM"], "gru": ch5["GRU"]}


def wrappers(replace=None) -> dict:
    """Chapter 6's ``Deep``, ``Bidirectional`` and ``stack`` (over the library's layers)."""
    return define(6, ["Deep", "Bidirectional", "stack"], replace=replace, namespace={"V": D_IN})


def plain_model(make, num_layers, bidirectional, ch6, d=D_IN, h=H):
    """A layer ``make(d, h)`` alone, or chapter 6's wrappers around such layers."""
    if num_layers == 1 and not bidirectional:
        return make(d, h)
    D = 2 if bidirectional else 1

    def one_layer(d_in):
        if bidirectional:
            return ch6["Bidirectional"](make(d_in, h), make(d_in, h))
        return make(d_in, h)

    return ch6["Deep"]([one_layer(d if l == 0 else D * h) for l in range(num_layers)])


@pytest.fixture(scope="module")
def cells():
    return plain_cells()


@pytest.fixture(scope="module")
def ch6():
    return wrappers()


def shape_id(shape):
    num_layers, bidirectional = shape
    return f"L{num_layers}" + ("-bidirectional" if bidirectional else "")


@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
@pytest.mark.parametrize("cell", sorted(layers.CELLS))
def test_the_chapters_plain_models_compute_the_same_function(cells, ch6, cell, shape):
    d2lrnn.seed(1)
    num_layers, bidirectional = shape
    model = plain_model(cells[cell], num_layers, bidirectional, ch6)
    comparison = check_same_function(model, cell, num_layers, bidirectional)
    assert isinstance(comparison, equivalence.Comparison)
    assert comparison.failures() == [] and comparison.worst() < 1e-5
    assert comparison.cell == cell and comparison.tolerance == equivalence.TOLERANCE
    D = 2 if bidirectional else 1
    states = ["final H", "final C"] if cell == "lstm" else ["final H"]
    per_layer = [f"{kind}{s}" for s in layers.CELLS[cell].suffixes for kind in ("W_x", "W_h", "b_")]
    per_layer += ["b_hn"] if cell == "gru" else []
    quantities = list(comparison.differences)
    assert quantities[: 2 + len(states)] == ["outputs", *states, "dL/dX"]
    assert len(quantities) == 2 + len(states) + num_layers * D * len(per_layer)
    for quantity in quantities[2 + len(states) :]:  # every per-gate gradient of every layer
        where = r"( \(layer \d, (for|back)ward\)| \(layer \d\))?"
        assert re.fullmatch(rf"dL/d({'|'.join(per_layer)}){where}", quantity), quantity
    for row in comparison.differences.values():
        assert sorted(row) == ["fast", "gluon"] and max(row.values()) < 1e-5
    text = str(comparison)
    assert text.startswith(f"{cell}: largest relative difference from the plain model")
    assert "d2lrnn fast" in text and "all within the tolerance" in text
    assert all(q in text for q in quantities)


@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
@pytest.mark.parametrize("cell", sorted(layers.CELLS))
def test_chapter_6s_stacks_of_the_librarys_layers_compute_the_same_function(ch6, cell, shape):
    """As chapter 6 checks them: its wrappers around the library's fused layers (or one alone)."""
    d2lrnn.seed(2)
    num_layers, bidirectional = shape
    model = ch6["stack"](cell, num_layers, bidirectional, num_inputs=D_IN, num_hiddens=H)
    comparison = check_same_function(model, cell, num_layers, bidirectional)
    assert comparison.worst() < 1e-5
    assert "dL/dW_hh" in " ".join(comparison.differences)  # fused names: no per-gate cut


@pytest.mark.parametrize("cell", sorted(layers.CELLS))
def test_the_librarys_plain_path_can_be_checked_alone(cell):
    layer = layers.get_cell(cell).scratch(H, D_IN, fast=False)
    assert check_same_function(layer, cell).worst() < 1e-5


def test_relu_rnn_is_checked_against_relu_references(cells):
    relu = plain_cells(replace3={"mnp.tanh(": "npx.relu("})["rnn"]
    assert check_same_function(relu(D_IN, H), "rnn", activation="relu").worst() < 1e-5
    with pytest.raises(NotEquivalentError):
        check_same_function(cells["rnn"](D_IN, H), "rnn", activation="relu")


def assert_names(message: str, quantities: list[str]) -> None:
    """Each quantity has a line of its own that gives its relative difference from both."""
    for quantity in quantities:
        line = (
            rf"^  {re.escape(quantity)}: relative difference {NUMBER} from d2lrnn's fast layer, "
            rf"{NUMBER} from gluon's fused layer$"
        )
        assert re.search(line, message, re.M), (quantity, message)


def test_the_relu_slip_in_chapter_3(cells):
    relu = plain_cells(replace3={"mnp.tanh(": "npx.relu("})["rnn"]
    with pytest.raises(NotEquivalentError) as info:
        check_same_function(relu(D_IN, H), "rnn")
    message = str(info.value)
    assert message.startswith(
        "the plain rnn does not compute the same function as its references (tolerance 1e-05):"
    )
    assert_names(message, ["outputs", "final H", "dL/dX", "dL/dW_xh", "dL/dW_hh", "dL/db_h"])
    assert isinstance(info.value, AssertionError)


def test_the_lstm_without_its_output_gate():
    """The lecture notes' slip, ``H = tanh(C)``: the output gate's weights get no gradient."""
    slip = plain_cells(replace5={"H = O * mnp.tanh(C)": "H = mnp.tanh(C)"})["lstm"]
    with pytest.raises(NotEquivalentError) as info:
        check_same_function(slip(D_IN, H), "lstm")
    message = str(info.value)
    assert_names(message, ["outputs", "final H", "final C", "dL/dW_xo", "dL/dW_ho", "dL/db_o"])
    assert_names(message, ["dL/dW_xi", "dL/dW_hf", "dL/db_c"])


def test_the_gru_with_the_textbook_candidate():
    """``(R * H) @ W_hh`` is the textbook GRU, not gluon's ``R * (H @ W_hh + b_hn)``."""
    textbook = plain_cells(replace5={"R * (H @ W_hh + b_hn)": "(R * H) @ W_hh"})["gru"]
    with pytest.raises(NotEquivalentError) as info:
        check_same_function(textbook(D_IN, H), "gru")
    assert_names(str(info.value), ["outputs", "final H", "dL/dW_hh", "dL/db_hn", "dL/dW_xr"])


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("inner", ["plain", "library"])
def test_a_bidirectional_layer_that_does_not_flip_back(cells, inner, num_layers):
    """Chapter 6's Bidirectional with ``H_b`` left in reversed order."""
    broken = wrappers(replace={"mnp.flip(H_b, axis=0)": "H_b"})
    if inner == "plain":
        model = plain_model(cells["lstm"], num_layers, True, broken)
    else:
        model = broken["stack"]("lstm", num_layers, True, num_inputs=D_IN, num_hiddens=H)
    with pytest.raises(NotEquivalentError) as info:
        check_same_function(model, "lstm", num_layers, True)
    message = str(info.value)
    names = ["W_xi", "W_hi", "b_i"] if inner == "plain" else ["W_xh", "W_hh", "b_h"]
    assert_names(message, ["outputs", "dL/dX"])
    assert_names(message, [f"dL/d{n} (layer 0, backward)" for n in names])
    if num_layers == 1:  # the final states do not depend on the order of the outputs
        assert "final H" not in message and "final C" not in message


# -------------------------------------------------------------- bad arguments


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"cell": "tcn"}, ValueError, r"cell must be one of \['gru', 'lstm', 'rnn'\], got 'tcn'"),
        ({"num_layers": 0}, ValueError, "num_layers must be an int >= 1, got 0"),
        ({"num_layers": 1.0}, TypeError, "num_layers must be an int"),
        ({"bidirectional": 1}, TypeError, "bidirectional must be True or False, got int 1"),
        ({"bidirectional": "yes"}, TypeError, "bidirectional must be True or False, got str"),
        ({"tolerance": 0}, ValueError, "tolerance must be a finite number > 0, got 0"),
        ({"tolerance": -1e-5}, ValueError, "tolerance must be a finite number > 0, got -1e-05"),
        ({"tolerance": float("nan")}, ValueError, "tolerance must be a finite number > 0, got nan"),
        ({"tolerance": "1e-5"}, TypeError, "tolerance must be a finite number > 0, got str"),
        ({"seed": -1}, ValueError, "seed must be an int >= 0, got -1"),
        ({"device": "cpu"}, TypeError, "device must be None or an MXNet device"),
        ({"num_steps": 0}, ValueError, "num_steps must be an int >= 1, got 0"),
        ({"batch_size": 0}, ValueError, "batch_size must be an int >= 1, got 0"),
        ({"cell": "rnn", "activation": "sigmoid"}, ValueError, "activation must be one of"),
    ],
)
def test_bad_arguments_are_named(cells, kwargs, exc, match):
    cell = kwargs.get("cell", "lstm")
    kwargs = {"cell": cell, **kwargs}
    with pytest.raises(exc, match=match):
        check_same_function(cells["rnn" if cell == "rnn" else "lstm"](D_IN, H), **kwargs)


class Misnamed(gluon.Block):
    """A plain RNN whose weights are not named as in the equations."""

    def __init__(self):
        super().__init__()
        self.weight = self.params.get("weight", shape=(D_IN, H), init=init.Normal(0.1))

    def begin_state(self, batch_size, device=None):
        return []


def test_a_plain_model_with_wrongly_named_parameters(cells):
    with pytest.raises(ValueError, match=r"the plain model's parameter '\w*weight' is not named"):
        check_same_function(Misnamed(), "rnn")
    with pytest.raises(
        ValueError, match=r"the plain model's parameters \[.*'W_xi'.*\] are not a gru's"
    ):
        check_same_function(cells["lstm"](D_IN, H), "gru")
    with pytest.raises(
        ValueError, match="layer 0 of the plain model has parameters .* a rnn layer needs"
    ):
        check_same_function(cells["gru"](D_IN, H), "rnn")  # the GRU has a W_xh too


def test_a_plain_model_of_another_shape(cells, ch6):
    with pytest.raises(
        ValueError, match=r"the plain model has 1 one-direction layer\(s\), the book's has 2"
    ):
        check_same_function(cells["lstm"](D_IN, H), "lstm", num_layers=2)
    bidirectional = plain_model(cells["gru"], 1, True, ch6)
    with pytest.raises(
        ValueError, match=r"the plain model has 2 one-direction layer\(s\), the book's has 1"
    ):
        check_same_function(bidirectional, "gru")


def test_a_plain_model_with_the_wrong_states():
    one_state = define(5, "LSTM", replace={'for _ in ("H", "C")': 'for _ in ("H",)'})["LSTM"]
    with pytest.raises(
        ValueError, match=r"plain.begin_state must give 2 state array\(s\) for a lstm"
    ):
        check_same_function(one_state(D_IN, H), "lstm")


def test_the_tolerance_decides(cells):
    """A float32 model passes at 1e-5 and fails at a tolerance below float32 rounding."""
    d2lrnn.seed(3)
    comparison = check_same_function(cells["gru"](D_IN, H), "gru")
    assert 0 < comparison.worst() < 1e-5
    with pytest.raises(NotEquivalentError, match="tolerance 1e-12"):
        check_same_function(cells["gru"](D_IN, H), "gru", tolerance=1e-12)
    assert np.isfinite(comparison.worst())


# ---------------------------------------------------------------- check_same_model
def test_check_same_model_passes_for_the_same_function_and_names_every_gradient():
    from mxnet.gluon.nn import Dense

    comparison = equivalence.check_same_model(
        Dense(3, in_units=2), Dense(3, in_units=2), (mnp.ones((4, 2)),), name="dense"
    )
    assert set(comparison.differences) == {"outputs", "d loss / d weight", "d loss / d bias"}
    assert comparison.worst() == 0.0


def test_check_same_model_catches_a_different_function_and_a_different_gradient():
    from mxnet.gluon.nn import Dense

    with pytest.raises(equivalence.NotEquivalentError, match="outputs"):
        equivalence.check_same_model(
            Dense(3, in_units=2), Dense(3, in_units=2, activation="relu"), (mnp.ones((4, 2)),)
        )

    class Rewritten(Dense):  # other code, the same function: passes
        def forward(self, x):
            return super().forward(x) + 0 * (self.weight.data() ** 2).sum()

    class Shifted(Dense):  # same parameters, the input scaled: outputs and gradients differ
        def forward(self, x):
            return super().forward(1.001 * x)

    equivalence.check_same_model(
        Dense(3, in_units=2), Rewritten(3, in_units=2), (mnp.ones((4, 2)),)
    )
    with pytest.raises(equivalence.NotEquivalentError, match="d loss / d weight"):
        equivalence.check_same_model(
            Dense(3, in_units=2), Shifted(3, in_units=2), (mnp.ones((4, 2)),), tolerance=1e-4
        )


def test_check_same_model_with_a_copy_function_compares_outputs_only():
    from mxnet.gluon.nn import Dense

    calls = []

    def copy(model, reference):
        calls.append(1)
        for p, q in zip(model.collect_params().values(), reference.collect_params().values()):
            q.set_data(p.data())

    comparison = equivalence.check_same_model(
        Dense(3, in_units=2), Dense(3, in_units=2), (mnp.ones((4, 2)),), copy=copy
    )
    assert calls == [1] and list(comparison.differences) == ["outputs"]


def test_check_same_model_tells_the_chapters_encoder_decoder_from_an_edited_one():
    """Chapter 7's own classes (loaded from the chapter) equal the library's; one edit of the
    chapter's decoder (s_0 = 0 instead of the context) is caught, naming the outputs."""
    from d2lrnn import seq2seq
    from tests.chapter_code import define

    src = mnp.array([[1, 2, 3, 0], [4, 5, 0, 0]], dtype="int32")
    inputs = (src, mnp.array([3, 2], dtype="int32"), mnp.array([[1, 2], [3, 4]], dtype="int32"))

    def chapters(replace=None):
        ns = define(7, ["Encoder", "Decoder"], replace=replace)
        return seq2seq.EncoderDecoder(ns["Encoder"](7, 4, 6), ns["Decoder"](5, 4, 6))

    def library():
        return seq2seq.EncoderDecoder(seq2seq.Encoder(7, 4, 6), seq2seq.Decoder(5, 4, 6))

    comparison = equivalence.check_same_model(chapters(), library(), inputs)
    assert len(comparison.differences) == 1 + 12  # outputs and every parameter
    edited = chapters({"return [context, context]": "return [mnp.zeros_like(context), context]"})
    with pytest.raises(equivalence.NotEquivalentError, match="outputs"):
        equivalence.check_same_model(edited, library(), inputs)
