"""The package's layout rules, read from its source with ``ast``.

* every module of d2lrnn has its test file, ``tests/unit[/widgets]/test_<module>.py``;
* no module imports a private name (``_x``) from another module;
* only :mod:`d2lrnn.gluon_adapter` reads private attributes of other objects (gluon's);
* every public module-level function and class has a docstring.
"""

import ast
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
