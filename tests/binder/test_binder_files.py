"""Binder's files (binder/, read by repo2docker) agree with the student's set of its Python.

binder/requirements.txt must be requirements/student-py3.13.txt without MXNet
(binder/postBuild installs MXNet with --no-deps: its metadata asks numpy < 2):
the same version for every package, the whole dependency closure (so pip
resolves nothing on Binder), and none of the build and test stack.
tests/browser/test_binder_env.py builds on this: it opens every chapter in a
JupyterLab installed from these files alone.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

from requirements import lock

ROOT = Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"
# The book's build and the tests: never in a student's image.
BUILD_AND_TEST = re.compile(
    r"^(jupyter-book|jupyter-cache|myst-nb|myst-parser|sphinx.*|pydata-sphinx-theme"
    r"|playwright|pytest.*|ruff|d2l)$"
)


def binder_python() -> str:
    return (BINDER / "runtime.txt").read_text().strip().removeprefix("python-")


def test_binder_uses_the_newest_supported_python():
    assert binder_python() == lock.NEWEST == "3.13"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11,<3.14"


def test_every_binder_pin_is_the_student_pin():
    binder = lock.read_pins(BINDER / "requirements.txt")
    student = lock.read_pins(ROOT / "requirements" / f"student-py{binder_python()}.txt")
    assert len(binder) > 50, "binder/requirements.txt pins too little to be the whole closure"
    for line in (BINDER / "requirements.txt").read_text().splitlines():
        line = line.strip()
        assert not line or line.startswith("#") or "==" in line, f"not an exact pin: {line!r}"
    assert binder == {n: pin for n, pin in student.items() if n != "mxnet"}
    assert (BINDER / "requirements.txt").read_text() == (
        lock.header(lock.BINDER_HEADER) + "".join(f"{n}=={v}\n" for n, v in binder.values())
    )


def test_binder_set_has_no_build_or_test_tools():
    binder = lock.read_pins(BINDER / "requirements.txt")
    assert not [n for n in binder if BUILD_AND_TEST.match(n)]


def test_binder_set_has_what_a_student_needs():
    binder = lock.read_pins(BINDER / "requirements.txt")
    needed = {lock.canonical(n) for n in lock.student_roots(binder_python())}
    assert {"jupyterlab", "jupytext", "ipywidgets", "ipykernel", "setuptools", "mxnet"} <= needed
    assert needed - set(binder) == {"mxnet"}  # binder/postBuild installs it, with --no-deps
    assert binder["numpy"][1].startswith("2.") and "requests" in binder


def test_binder_runtime_apt_and_postbuild():
    apt = {
        line.strip()
        for line in (BINDER / "apt.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {"libgomp1", "libquadmath0"} <= apt
    post = BINDER / "postBuild"
    assert os.access(post, os.X_OK), "binder/postBuild must be executable"
    text = post.read_text()
    assert "pip install --no-deps mxnet==1.9.1" in text
    assert text.index("mxnet==1.9.1") < text.index("pip install --no-deps -e .")
    # A binder/ folder makes repo2docker ignore the root's environment.yml; a conda
    # file inside binder/ would switch it to conda and leave requirements.txt unread.
    assert not [p.name for p in BINDER.iterdir() if p.name in {"environment.yml", "Pipfile"}]
