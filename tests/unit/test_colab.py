"""Colab: what the chapters' first cell installs there, and that it replaces nothing of Colab's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from d2lrnn import colab

ROOT = Path(__file__).resolve().parents[2]


def pins(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, _, version = line.partition("==")
            out[name.lower().replace("_", "-")] = version
    return out


def test_the_pins_are_the_tested_ones_of_python_3_13():
    tested = pins(ROOT / "requirements" / "py3.13.txt")
    assert {name: tested[name] for name in colab.PINS} == colab.PINS


def test_nothing_colab_has_is_installed_again():
    """Every pin is missing from Colab's runtime (requirements/colab.txt lists what it has)."""
    has = pins(ROOT / "requirements" / "colab.txt")
    assert not set(colab.PINS) & set(has)
    assert {"numpy", "ipython", "ipywidgets", "matplotlib"} <= set(has)


def test_the_plan_installs_what_is_missing_or_other():
    assert colab.plan({}) == [f"{n}=={v}" for n, v in colab.PINS.items()]
    assert colab.plan(dict(colab.PINS)) == []
    assert colab.plan({**colab.PINS, "mxnet": "1.8.0", "sacrebleu": None}) == [
        "mxnet==1.9.1",
        "sacrebleu==2.6.0",
    ]


def test_setup_does_nothing_off_colab(monkeypatch, capsys):
    monkeypatch.delenv("COLAB_RELEASE_TAG", raising=False)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    assert not colab.in_colab()
    assert colab.setup() == []
    assert capsys.readouterr().out == ""


def test_on_colab_setup_installs_with_no_deps_and_says_what_it_kept(monkeypatch, capsys):
    monkeypatch.setenv("COLAB_RELEASE_TAG", "test")
    ran = []
    monkeypatch.setattr(colab, "_installed", lambda name: {"mxnet": "1.9.1"}.get(name))
    monkeypatch.setattr(
        colab.subprocess,
        "run",
        lambda args, **kwargs: ran.append(args) or subprocess.CompletedProcess(args, 0, "", ""),
    )
    assert colab.in_colab()
    todo = colab.setup()
    assert todo == ["sacrebleu==2.6.0", "portalocker==4.4.2", "colorama==0.4.6"]
    assert ran == [[sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", *todo]]
    line = capsys.readouterr().out
    assert line.startswith("d2lrnn on Colab: installed sacrebleu==2.6.0, portalocker==4.4.2")
    assert "kept Colab's numpy None, IPython None, ipywidgets None, matplotlib None." in line


def test_a_pip_failure_is_an_error_with_pips_words(monkeypatch):
    monkeypatch.setenv("COLAB_RELEASE_TAG", "test")
    monkeypatch.setattr(colab, "_installed", lambda name: None)
    failed = subprocess.CompletedProcess([], 1, "", "ERROR: No matching distribution for mxnet")
    monkeypatch.setattr(colab.subprocess, "run", lambda args, **kwargs: failed)
    with pytest.raises(RuntimeError, match=r"pip could not install mxnet==1.9.1.*\n.*No matching"):
        colab.setup()


def test_the_module_imports_the_standard_library_only():
    done = subprocess.run(
        [sys.executable, "-c", "import sys, d2lrnn.colab; print('numpy' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize("chapter", sorted((ROOT / "chapters").glob("*.md")), ids=lambda p: p.stem)
def test_every_chapter_starts_with_the_colab_cell(chapter):
    text = chapter.read_text()
    first = text.index("```{code-cell}")
    cell = text[first : text.index("\n```\n", first)]
    assert ":tags: [remove-cell]" in cell and 'if "COLAB_RELEASE_TAG" in os.environ:' in cell
    assert '"pip", "install", "-qq", "--no-deps", source]' in cell
    assert "d2lrnn.colab.setup()" in cell
    assert text.index("\nd2lrnn.doctor()") > text.index("d2lrnn.colab.setup()")
