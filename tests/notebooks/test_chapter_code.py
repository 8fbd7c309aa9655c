"""``tests/chapter_code.py``, the tests' access to the chapters' own definitions."""

import jupytext
import numpy as np
import pytest
from mxnet import np as mnp

from tests import chapter_code
from tests.chapter_code import (
    cell_source,
    chapter_path,
    code_cells,
    default_namespace,
    define,
    definition_source,
)

CH3 = chapter_code.CHAPTERS / "03_rnn_from_scratch.md"


@pytest.mark.parametrize("chapter", [3, "03", "03_rnn", "03_rnn_from_scratch.md", CH3])
def test_chapter_path(chapter):
    assert chapter_path(chapter) == CH3


@pytest.mark.parametrize("chapter", [99, "0", "nonexistent"])
def test_chapter_path_needs_exactly_one_chapter(chapter):
    with pytest.raises(ValueError, match=f"chapter {chapter!r} must name exactly one"):
        chapter_path(chapter)
    with pytest.raises(ValueError, match="no file"):
        chapter_path(CH3.with_name("missing.md"))


def test_code_cells_are_jupytexts():
    cells = code_cells(3)
    assert cells == [c.source for c in jupytext.read(CH3).cells if c.cell_type == "code"]
    assert "import d2lrnn" in cells[0]


def test_cell_and_definition_source():
    cell = cell_source(3, "RNN")
    assert cell in code_cells(3) and cell.startswith("class RNN(gluon.Block):")
    assert definition_source(3, "RNN").strip() == cell.strip()  # the cell is the class alone
    # Chapter 6's cell defines stack and check_stacks and runs the check: the definition is
    # the def statement alone.
    cell, definition = cell_source(6, "stack"), definition_source(6, "stack")
    assert "def check_stacks" in cell and "check_stacks([" in cell
    assert definition.startswith("def stack(") and "check_stacks" not in definition
    assert cell_source(6, "check_stacks") == cell


def test_unknown_names_are_refused():
    with pytest.raises(LookupError, match=r"03_rnn_from_scratch.md defines no .* 'LSTM'; .*'RNN'"):
        cell_source(3, "LSTM")
    with pytest.raises(LookupError, match="'V'"):  # a variable, not a class or function
        define(3, "V")
    with pytest.raises(ValueError, match="names must name at least one"):
        define(3, [])


def test_define_runs_the_definitions_in_the_chapters_namespace():
    ns = define(5, ["LSTM", "GRU"])
    assert {"LSTM", "GRU"} <= set(ns) and "RNN" not in ns
    for name in ("np", "mnp", "gluon", "init", "npx", "autograd", "layers", "equivalence"):
        assert ns[name] is default_namespace()[name], name
    layer = ns["GRU"](3, 4)
    layer.initialize()
    out, (H,) = layer(mnp.ones((2, 1, 3)), layer.begin_state(1))
    assert out.shape == (2, 1, 4) and H.shape == (1, 1, 4)
    assert ns["LSTM"].forward.__code__.co_filename == "<05_lstm_gru.md: LSTM>"


def test_define_brings_the_definitions_a_name_uses():
    ns = define(6, "stack", namespace={"V": 5})
    assert {"stack", "Deep", "Bidirectional"} <= set(ns)
    assert "check_stacks" not in ns  # the rest of the cell did not run
    model = ns["stack"]("gru", 2, True)
    assert type(model).__name__ == "Deep" and type(model.layers[0]).__name__ == "Bidirectional"
    with pytest.raises(NameError, match="'V'"):  # stack's default argument needs the chapter's V
        define(6, "stack")


def test_replace_edits_the_definitions():
    ns = define(3, "RNN", replace={"mnp.tanh(": "npx.relu("})
    layer = ns["RNN"](3, 4)
    layer.initialize()
    for p in layer.collect_params().values():
        p.set_data(mnp.array(np.random.default_rng(0).normal(size=p.shape), dtype="float32"))
    X = mnp.array(np.random.default_rng(1).normal(size=(5, 2, 3)), dtype="float32")
    out, _ = layer(X, layer.begin_state(2))
    assert (out.asnumpy() >= 0).all() and out.asnumpy().max() > 1  # ReLU, not tanh
    # In any of the executed definitions: here Bidirectional, which stack uses.
    good = define(6, "stack", namespace={"V": 3})
    bad = define(6, "stack", replace={"mnp.flip(H_b, axis=0)": "H_b"}, namespace={"V": 3})
    a, b = (ns["stack"]("gru", 1, True, num_hiddens=2) for ns in (good, bad))
    for model in (a, b):
        model.initialize()
    for p, q in zip(a.collect_params().values(), b.collect_params().values(), strict=True):
        q.set_data(p.data())
    X = mnp.array(np.random.default_rng(2).normal(size=(4, 1, 3)), dtype="float32")
    out_a, out_b = (m(X, m.begin_state(1))[0].asnumpy() for m in (a, b))
    np.testing.assert_array_equal(out_b[:, :, :2], out_a[:, :, :2])  # the forward half
    np.testing.assert_array_equal(out_b[:, :, 2:], out_a[::-1, :, 2:])  # the backward, unflipped


def test_replace_must_find_its_string():
    with pytest.raises(ValueError, match=r"replace: 'mnp.sigmoid\(' occurs in none of .*'RNN'"):
        define(3, "RNN", replace={"mnp.tanh(": "npx.relu(", "mnp.sigmoid(": "npx.relu("})
