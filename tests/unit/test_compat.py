"""The compatibility layer: MXNet 1.9.1 works on this numpy, and numpy is left as it was.

Run on every environment of ``make test`` (numpy 1.23.5, 1.26 and 2.x), so that
each point is proven where it matters:

* the table of fill-ins is complete for the installed numpy (MXNet's own
  source is scanned for what it reads from numpy) and holds nothing MXNet
  does not read;
* each fill-in is numpy's documented replacement;
* in a fresh process, ``import d2lrnn`` then MXNet: what MXNet reads at call
  time works, gluon's GRU and LSTM train, hybridized too, and afterwards
  numpy's namespace holds the same objects under the same names (numpy's own
  submodules, loaded on first use, are the only names added).
"""

from __future__ import annotations

import ast
import importlib.util
import json
import math
import subprocess
import sys
import types
import warnings
from pathlib import Path

import numpy as np
import pytest

import d2lrnn
from d2lrnn import compat

MXNET = Path(importlib.util.find_spec("mxnet").submodule_search_locations[0])


def mxnet_reads() -> set[str]:
    """Every name MXNet's source reads from numpy: ``np.x`` (any alias), and the names it
    looks up by string (its ``__array_function__`` lists, its numpy fallbacks)."""
    names: set[str] = set()
    for path in MXNET.rglob("*.py"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes in MXNet's docstrings
            tree = ast.parse(path.read_text(errors="replace"))
        aliases = {
            alias.asname or "numpy"
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
            if alias.name == "numpy"
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                if node.value.id in aliases:
                    names.add(node.attr)
    for rel, lists in (
        ("numpy_dispatch_protocol.py", ("_NUMPY_ARRAY_FUNCTION_LIST", "_NUMPY_ARRAY_UFUNC_LIST")),
        ("numpy/fallback.py", ("__all__",)),
    ):
        tree = ast.parse((MXNET / rel).read_text())
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id in lists for t in node.targets
            ):
                names |= {e.value.split(".")[0] for e in node.value.elts}
    return names


@pytest.fixture(scope="module")
def reads() -> set[str]:
    return mxnet_reads()


def test_the_scan_finds_what_mxnet_reads(reads):
    assert {"float32", "ndarray", "PZERO", "alltrue", "sometrue", "in1d", "compat"} <= reads


def test_the_table_fills_in_every_name_mxnet_reads_that_this_numpy_lacks(reads):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lacking = {name for name in reads if not hasattr(np, name)}
    assert lacking <= set(compat.FILL_INS), sorted(lacking - set(compat.FILL_INS))
    assert set(compat.missing()) == lacking & set(compat.FILL_INS)


def test_the_table_holds_only_names_mxnet_reads(reads):
    assert set(compat.FILL_INS) <= reads, sorted(set(compat.FILL_INS) - reads)
    for name, fill in compat.FILL_INS.items():
        assert fill.removed_in in ("1.20", "1.24", "2.0", "2.4"), name
        assert fill.replacement and fill.where.startswith("mxnet"), name


def made(name: str):
    return compat.FILL_INS[name].value(np, name)


def test_constants_are_numpys_documented_replacements():
    assert made("PZERO") == 0.0 and math.copysign(1, made("PZERO")) == 1
    assert made("NZERO") == 0.0 and math.copysign(1, made("NZERO")) == -1
    assert made("PINF") == made("Inf") == np.inf and made("NINF") == -np.inf
    assert math.isnan(made("NAN")) and math.isnan(made("NaN"))
    assert made("bool") is bool and made("int") is int
    assert made("compat").basestring is str


def test_renamed_functions_call_their_replacement_but_are_functions_of_their_own():
    a = np.array([[0, 2], [1, 1]])
    assert made("alltrue")(a) == np.all(a) and made("sometrue")(a) == np.any(a)
    assert made("product")(a + 1) == np.prod(a + 1)
    assert made("round_")(np.array([0.26]), 1)[0] == np.round(np.array([0.26]), 1)[0]
    # Distinct objects: MXNet registers its operators by the numpy function they stand for.
    assert made("alltrue") is not np.all and made("alltrue").__name__ == "alltrue"
    np.testing.assert_array_equal(made("msort")(np.array([[3, 1], [2, 4]])), [[2, 1], [3, 4]])
    np.testing.assert_array_equal(made("in1d")(a, [1, 2]), [False, True, True, True])
    if hasattr(np, "trapezoid"):  # numpy >= 2.0, where trapz is filled in from 2.4
        assert made("trapz")([1.0, 2.0, 3.0]) == 4.0


@pytest.mark.parametrize("name", ["pmt", "npv", "mirr", "ppmt", "pv", "rate"])
def test_a_function_with_no_replacement_raises_naming_itself(name):
    with pytest.raises(RuntimeError, match=rf"numpy\.{name} was removed .* numpy_financial"):
        made(name)(0.1, 10, 100)


def lacks(name: str) -> bool:
    """numpy has no ``name`` (numpy 1.26 warns on a read of ``np.bool`` before refusing it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return not hasattr(np, name)


def test_numpy_for_mxnet_is_numpy_plus_what_it_lacks():
    view = compat.numpy_for_mxnet()
    assert view.float32 is np.float32 and view.linalg is np.linalg and view.ndarray is np.ndarray
    assert view.filled == tuple(compat.missing())
    for name in view.filled:
        assert name in view.__dict__ and lacks(name)
    assert set(dir(np)) <= set(dir(view))


def test_install_once_imports_nothing_and_the_finder_is_first():
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, d2lrnn\n"
            "from d2lrnn import compat\n"
            "compat.install(); compat.install()\n"
            "print(sum(type(f).__name__ == '_Finder' for f in sys.meta_path),"
            " type(sys.meta_path[0]).__name__, 'numpy' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split()
    assert out == ["1", "_Finder", "False"]
    assert compat.installed()


# What a student does: import d2lrnn, then MXNet; use what MXNet reads at call time; train.
PROBE = """
import json, sys, types, warnings
import numpy
warnings.simplefilter("ignore")
before = dict(vars(numpy))
import d2lrnn
import mxnet as mx
from mxnet import autograd, np as mnp, npx
from mxnet.gluon import rnn
npx.set_np()
out = {"filled": list(d2lrnn.compat.numpy_for_mxnet().filled)}
out["full"] = mnp.full((2,), True).dtype.name                          # np.bool at call time
out["pad"] = list(mnp.pad(mnp.ones((2, 2)), ((1, 1), (0, 0)), mode="constant").shape)  # np.compat
out["in1d"] = mnp.in1d(mnp.array([1, 2, 3]), mnp.array([2])).tolist()  # a numpy fallback
import mxnet.gluon.contrib.estimator.event_handler as handler             # imported later
out["late"] = handler.np.Inf == float("inf")                            # np.Inf at call time
mx.random.seed(0)
losses = []
for cls in (rnn.GRU, rnn.LSTM):
    net = cls(8)
    net.initialize()
    net.hybridize()
    x = mnp.random.normal(size=(5, 3, 4))
    with autograd.record():
        loss = (net(x) ** 2).sum()
    loss.backward()
    losses.append(float(loss))
out["losses"] = losses
after = dict(vars(numpy))
added = {k for k in set(after) - set(before)
         if not (isinstance(after[k], types.ModuleType) and after[k].__name__ == "numpy." + k)}
out["added"] = sorted(added)
out["removed"] = sorted(set(before) - set(after))
out["replaced"] = sorted(k for k in before if k in after and after[k] is not before[k])
print("RESULT" + json.dumps(out))
"""


@pytest.fixture(scope="module")
def probe() -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=300, check=True
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT"))
    return json.loads(line[len("RESULT") :])


def test_mxnet_works_at_call_time(probe):
    assert probe["filled"] == compat.missing()
    assert probe["full"] == "bool" and probe["pad"] == [4, 2]
    assert probe["in1d"] == [False, True, False] and probe["late"] is True


def test_gluon_gru_and_lstm_train_with_the_same_loss_everywhere(probe):
    # The same on numpy 1.23.5, 1.26 and 2.x: MXNet computes it, not numpy.
    assert probe["losses"] == pytest.approx(
        [0.4381651282310486, 0.047336090356111526], rel=0, abs=0
    )


def test_numpy_is_left_as_it_was(probe):
    assert probe["added"] == [] and probe["removed"] == [] and probe["replaced"] == []


def test_the_view_serves_mxnet_only():
    """numpy itself has none of the fill-ins; MXNet's modules see the view when one is needed."""
    import mxnet.numpy.utils as utils

    for name in compat.missing():
        assert lacks(name)
    if compat.missing():
        assert utils.onp is compat.numpy_for_mxnet()
        assert isinstance(utils.onp, types.ModuleType) and utils.onp is not np
    else:  # numpy 1.23: nothing to fill in, MXNet imports as it always did
        assert utils.onp is np
    assert d2lrnn.compat is compat


# Every way into MXNet goes through d2lrnn first (with numpy >= 1.24 there is no other).
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("chapter", sorted((ROOT / "chapters").glob("*.md")), ids=lambda p: p.stem)
def test_every_chapter_imports_d2lrnn_before_mxnet(chapter):
    code = "\n".join(
        block.split("\n", 1)[1]
        for block in chapter.read_text().split("```{code-cell} ipython3")[1:]
    )
    found = [i for i in (code.find("import mxnet"), code.find("from mxnet")) if i >= 0]
    assert code.index("import d2lrnn") < min(found, default=len(code))


@pytest.mark.parametrize("entry", ["benchmarks/__init__.py", "tests/conftest.py"])
def test_the_benchmarks_and_the_tests_import_d2lrnn_first(entry):
    tree = ast.parse((ROOT / entry).read_text())
    modules = [
        (n.module if isinstance(n, ast.ImportFrom) else n.names[0].name).split(".")[0]
        for n in tree.body
        if isinstance(n, ast.Import | ast.ImportFrom)
    ]
    first = next(m for m in modules if m not in sys.stdlib_module_names | {"__future__"})
    assert first == "d2lrnn", f"{entry} imports {first} before d2lrnn"
