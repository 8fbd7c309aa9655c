"""Binder's files (binder/, read by repo2docker) agree with the one locked set; no browser.

binder/requirements.txt must be the student's subset of the root
requirements.txt: the same version for every package, the whole dependency
closure (so pip resolves nothing on Binder), and none of the build and test
stack. tests/browser/test_binder_env.py builds on this: it opens every
chapter in a JupyterLab installed from these files alone.
"""

from __future__ import annotations

import importlib.util
import os
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"
# The book's build and the tests: never in a student's image.
BUILD_AND_TEST = re.compile(
    r"^(jupyter-book|jupyter-cache|myst-nb|myst-parser|sphinx.*|pydata-sphinx-theme"
    r"|playwright|pytest.*|ruff)$"
)


def lock_module():
    spec = importlib.util.spec_from_file_location("binder_lock", BINDER / "lock.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def lock():
    return lock_module()


def test_every_binder_pin_is_the_root_pin(lock):
    root = lock.root_pins(ROOT / "requirements.txt")
    binder = lock.root_pins(BINDER / "requirements.txt")
    assert len(binder) > 50, "binder/requirements.txt pins too little to be the whole closure"
    for line in (BINDER / "requirements.txt").read_text().splitlines():
        line = line.strip()
        assert not line or line.startswith("#") or "==" in line, f"not an exact pin: {line!r}"
    wrong = {
        name: (version, root.get(name, (None, "not pinned"))[1])
        for name, (_, version) in binder.items()
        if root.get(name, (None, None))[1] != version
    }
    assert not wrong, f"binder pin != root requirements.txt pin: {wrong}"


def test_binder_set_has_no_build_or_test_tools(lock):
    binder = lock.root_pins(BINDER / "requirements.txt")
    assert not [n for n in binder if BUILD_AND_TEST.match(n)]


def test_binder_set_has_what_a_student_needs(lock):
    binder = lock.root_pins(BINDER / "requirements.txt")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = [re.split(r"[<>=!~ ;\[]", r, maxsplit=1)[0] for r in project["dependencies"]]
    needed = {lock.canonical(n) for n in runtime + lock.STUDENT}
    assert {"jupyterlab", "jupytext", "ipywidgets", "ipykernel", "mxnet", "d2l"} <= needed
    assert needed <= set(binder), sorted(needed - set(binder))
    assert binder["mxnet"][1] == "1.9.1" and binder["numpy"][1] == "1.23.5"
    assert binder["d2l"][1] == "1.0.3"


def test_binder_requirements_are_the_whole_closure(lock):
    """What binder/lock.py derives today from the installed packages' metadata."""
    assert (BINDER / "requirements.txt").read_text() == lock.render(), (
        "binder/requirements.txt is out of date: run .venv/bin/python binder/lock.py"
    )


def test_binder_runtime_apt_and_postbuild():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = (BINDER / "runtime.txt").read_text().strip()
    assert runtime == "python-3.11" and ">=3.11,<3.12" in project["requires-python"]
    apt = {
        line.strip()
        for line in (BINDER / "apt.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {"libgomp1", "libquadmath0"} <= apt
    post = BINDER / "postBuild"
    assert os.access(post, os.X_OK), "binder/postBuild must be executable"
    assert "pip install --no-deps -e ." in post.read_text()
    # A binder/ folder makes repo2docker ignore the root's environment.yml; a conda
    # file inside binder/ would switch it to conda and leave requirements.txt unread.
    assert not [p.name for p in BINDER.iterdir() if p.name in {"environment.yml", "Pipfile"}]
