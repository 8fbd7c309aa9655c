"""The package's layout rules, read from its source with ``ast``.

* every module of d2lrnn has its test file, ``tests/unit[/widgets]/test_<module>.py``;
* no module imports a private name (``_x``) from another module;
* only :mod:`d2lrnn.gluon_adapter` reads private attributes of other objects (gluon's);
* every public module-level function and class has a docstring;
* every module that imports MXNet imports :mod:`d2lrnn.runtime` (directly or
  not), which switches on MXNet's NumPy interface: ``import d2lrnn`` does not.
"""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "d2lrnn"
TESTS = ROOT / "tests" / "unit"
SOURCES = sorted(PACKAGE.rglob("*.py"))
MODULES = [p for p in SOURCES if p.name != "__init__.py"]


def rel(path: Path) -> str:
    """The path from the repository's root (for a file elsewhere, its name)."""
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name


def private(name: str) -> bool:
    """``_x`` but not ``__x__``."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_the_package_is_where_the_rules_look():
    names = {rel(p) for p in MODULES}
    assert {"d2lrnn/layers.py", "d2lrnn/gluon_adapter.py", "d2lrnn/widgets/frames.py"} <= names
    assert (PACKAGE / "widgets" / "__init__.py").is_file()


@pytest.mark.parametrize("module", MODULES, ids=rel)
def test_every_module_has_its_test_file(module):
    folder = TESTS.joinpath(*module.relative_to(PACKAGE).parent.parts)
    expected = folder / f"test_{module.stem}.py"
    assert expected.is_file(), f"{rel(module)} has no tests: expected {rel(expected)}"
    if folder != TESTS:
        assert (folder / "__init__.py").is_file(), f"{rel(folder)} needs an __init__.py"


def imported_private_names(path: Path) -> list[str]:
    found = []
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.ImportFrom) and (
            node.level > 0 or (node.module or "").split(".")[0] == "d2lrnn"
        ):
            for alias in node.names:
                if private(alias.name):
                    found.append(f"{rel(path)}:{node.lineno}: imports {alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "d2lrnn" and any(private(p) for p in parts):
                    found.append(f"{rel(path)}:{node.lineno}: imports {alias.name}")
    return found


@pytest.mark.parametrize("source", SOURCES, ids=rel)
def test_no_module_imports_a_private_name_from_another(source):
    assert imported_private_names(source) == []


def private_attribute_reads(path: Path) -> list[str]:
    found = []
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.Attribute) and private(node.attr):
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
                continue
            found.append(f"{rel(path)}:{node.lineno}: {ast.unparse(node)}")
    return found


@pytest.mark.parametrize(
    "source", [p for p in SOURCES if p != PACKAGE / "gluon_adapter.py"], ids=rel
)
def test_only_the_gluon_adapter_reads_private_attributes(source):
    assert private_attribute_reads(source) == []


def test_the_rules_catch_what_they_look_for(tmp_path):
    """The checks above would see a violation (they do not pass vacuously)."""
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from .layers import _split\nfrom d2lrnn.text import _PIECE\nimport d2lrnn._x\n"
        "def f(p, self):\n    p._finish_deferred_init()\n    return self._ok, p.__class__\n"
        "def g():\n    pass\nclass _Hidden:\n    pass\n"
    )
    assert imported_private_names(bad) == [
        "bad.py:1: imports _split",
        "bad.py:2: imports _PIECE",
        "bad.py:3: imports d2lrnn._x",
    ]
    assert private_attribute_reads(bad) == ["bad.py:5: p._finish_deferred_init"]
    assert missing_docstrings(bad) == ["bad.py:4: f", "bad.py:7: g"]
    assert private_attribute_reads(PACKAGE / "gluon_adapter.py")  # it does read gluon's


def missing_docstrings(path: Path) -> list[str]:
    found = []
    for node in parse(path).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if not node.name.startswith("_") and not ast.get_docstring(node):
                found.append(f"{rel(path)}:{node.lineno}: {node.name}")
    return found


@pytest.mark.parametrize("source", SOURCES, ids=rel)
def test_public_functions_and_classes_have_docstrings(source):
    assert missing_docstrings(source) == []


def module_name(path: Path) -> str:
    """``d2lrnn/widgets/beam.py`` -> ``d2lrnn.widgets.beam``."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def top_level_imports(path: Path) -> tuple[set[str], bool]:
    """The d2lrnn modules ``path`` imports when it is imported, and whether it imports MXNet."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path.parent)
    modules, mxnet = set(), False
    for node in parse(path).body:  # module level only: imports inside functions run later
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base += f".{node.module}" if node.module else ""
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        mxnet |= any(n.split(".")[0] == "mxnet" for n in names)
        modules |= {n for n in names if n.split(".")[0] == "d2lrnn"}
    return modules, mxnet


def modules_needing_runtime(sources: list[Path]) -> list[str]:
    """The modules that import MXNet but not, even through others, d2lrnn.runtime."""
    graph, uses_mxnet = {}, set()
    for path in sources:
        graph[module_name(path)], mxnet = top_level_imports(path)
        if mxnet:
            uses_mxnet.add(module_name(path))

    def reaches_runtime(start: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            name = todo.pop()
            if name == "d2lrnn.runtime":
                return True
            if name not in seen:
                seen.add(name)
                todo += graph.get(name, ())
        return False

    return sorted(m for m in uses_mxnet if not reaches_runtime(m))


def test_every_module_that_imports_mxnet_switches_on_its_numpy_interface():
    uses = [p for p in SOURCES if top_level_imports(p)[1]]
    assert PACKAGE / "layers.py" in uses and PACKAGE / "__init__.py" not in uses
    assert modules_needing_runtime(SOURCES) == []


def test_the_runtime_rule_catches_a_module_that_skips_it(tmp_path, monkeypatch):
    package = tmp_path / "d2lrnn"
    package.mkdir()
    (package / "runtime.py").write_text("from mxnet import npx\n")
    (package / "adapter.py").write_text("import mxnet as mx\nfrom . import runtime\n")
    (package / "good.py").write_text("from mxnet import gluon\nfrom .adapter import x\n")
    (package / "bad.py").write_text("from mxnet import gluon\nfrom .checks import y\n")
    (package / "checks.py").write_text("def f():\n    import mxnet\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert modules_needing_runtime(sorted(package.glob("*.py"))) == ["d2lrnn.bad"]
