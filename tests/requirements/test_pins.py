"""The pinned sets (requirements/): one per Python, derived by `make lock`, and honest.

* each Python's set pins everything at an exact version, MXNet 1.9.1 and d2l
  1.0.3 included, with the numpy its recipe promises (1.23.5 on 3.11, 1.26 on
  3.12, the newest 2.x on 3.13) and without the IPython < 9 cap;
* each student's set is the same versions, a subset, with no build or test tool;
  and, in the environment of its own Python, exactly the closure that
  requirements/lock.py derives today;
* the environment running these tests is exactly its Python's set (make installs it so);
* the Colab-like set has Colab's versions;
* pyproject.toml's ranges, the doctor's supported versions and the sets agree.
"""

from __future__ import annotations

import importlib.metadata as md
import platform
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

import d2lrnn
from requirements import lock

ROOT = Path(__file__).resolve().parents[2]
REQ = ROOT / "requirements"
DOCTOR = sys.modules[d2lrnn.doctor.__module__]  # the module (d2lrnn.doctor is the function)
PYTHONS = sorted(lock.RECIPES)
HERE = f"{sys.version_info[0]}.{sys.version_info[1]}"
BUILD_AND_TEST = {"jupyter-book", "pytest", "pytest-xdist", "playwright", "ruff", "d2l", "sphinx"}


def full(python: str) -> dict[str, tuple[str, str]]:
    return lock.read_pins(REQ / f"py{python}.txt")


def version(pins: dict, name: str) -> tuple[int, ...]:
    return tuple(int(x) for x in pins[name][1].split(".")[:3] if x.isdigit())


@pytest.mark.parametrize("python", PYTHONS)
def test_each_python_has_its_exact_set(python):
    text = (REQ / f"py{python}.txt").read_text()
    lines = [x for x in text.splitlines() if x.strip() and not x.startswith("#")]
    assert all("==" in x and "@" not in x for x in lines), "every line an exact pin"
    pins = full(python)
    assert len(pins) == len(lines) > 100
    assert pins["mxnet"][1] == "1.9.1" and pins["d2l"][1] == "1.0.3"
    assert version(pins, "ipython") >= (9,), "the IPython < 9 cap is lifted"
    assert version(pins, "matplotlib") >= (3, 8)
    assert {"jupyter-book", "pytest-xdist", "nbclient", "pandas", "requests"} <= set(pins)
    if python >= "3.12":
        assert "setuptools" in pins  # distutils, which MXNet imports


def test_each_python_has_the_numpy_its_recipe_says():
    assert full("3.11")["numpy"][1] == "1.23.5"
    assert version(full("3.12"), "numpy")[:2] == (1, 26)
    newest = version(full("3.13"), "numpy")
    assert newest[:2] == DOCTOR.NUMPY_NEWEST and newest[0] == 2


def test_pyproject_the_doctor_and_the_sets_agree():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11,<3.14"
    assert [f"{a}.{b}" for a, b in DOCTOR.PYTHONS] == PYTHONS
    numpy = next(Requirement(r) for r in project["dependencies"] if r.startswith("numpy"))
    lowest, newest = full("3.11")["numpy"][1], full("3.13")["numpy"][1]
    assert numpy.specifier.contains(lowest) and numpy.specifier.contains(newest)
    assert not numpy.specifier.contains("1.23.4") and not numpy.specifier.contains("2.6.0")
    assert DOCTOR.NUMPY_OLDEST == (1, 23)
    for python in PYTHONS:
        env = {"python_version": python, "python_full_version": f"{python}.0", "extra": ""}
        pins = full(python)
        for spec in project["dependencies"]:
            req = Requirement(spec)
            if req.marker is None or req.marker.evaluate(env):
                assert lock.canonical(req.name) in pins, (python, req.name)
                assert req.specifier.contains(pins[lock.canonical(req.name)][1]), (python, spec)


@pytest.mark.parametrize("python", PYTHONS)
def test_each_student_set_is_a_lean_subset(python):
    student = lock.read_pins(REQ / f"student-py{python}.txt")
    pins = full(python)
    assert all(pins[n] == pin for n, pin in student.items())
    assert not set(student) & BUILD_AND_TEST
    roots = {lock.canonical(n) for n in lock.student_roots(python)}
    assert roots <= set(student), sorted(roots - set(student))


def in_its_own_environment() -> bool:
    """True in a make-built environment of this Python (its set installed)."""
    return Path(sys.prefix).parent.name == ".venvs" and Path(sys.prefix).name == HERE


@pytest.mark.skipif(not in_its_own_environment(), reason="not in a make-built .venvs/ env")
def test_this_environment_is_exactly_its_set():
    site = sysconfig.get_paths()["purelib"]  # not setuptools' vendored copies, also on the path
    installed = {
        lock.canonical(d.metadata["Name"]): d.version
        for d in md.distributions(path=[site])
        if d.metadata["Name"] and lock.canonical(d.metadata["Name"]) not in ("pip", "d2lrnn")
    }
    expected = {n: v for n, (_, v) in full(HERE).items()}
    # `make mutation` adds mutmut's own pinned set (requirements/mutation-py3.11.txt), whole.
    mutation = REQ / f"mutation-py{HERE}.txt"
    added = lock.read_pins(mutation) if mutation.is_file() else {}
    if "mutmut" in installed and added:
        expected |= {n: v for n, (_, v) in added.items()}
    assert installed == expected


@pytest.mark.skipif(not in_its_own_environment(), reason="not in a make-built .venvs/ env")
def test_this_pythons_student_set_is_the_closure_of_today():
    """What requirements/lock.py derives now from the installed packages' metadata."""
    assert lock.read_pins(REQ / f"student-py{HERE}.txt") == lock.student_pins(HERE)


def test_the_colab_like_set_has_colabs_versions():
    colab = lock.read_pins(REQ / "colab.txt")
    issue = {
        "numpy": "2.1.3",
        "matplotlib": "3.10.0",
        "ipython": "7.34.0",
        "ipykernel": "6.17.1",
        "ipywidgets": "7.7.1",
        "notebook": "6.5.7",
        "setuptools": "75.2.0",
    }
    assert {n: colab[n][1] for n in issue} == issue
    assert "mxnet" not in colab and "d2lrnn" not in colab and "jedi" not in colab
    if lock.COLAB_FREEZE.exists():  # Colab's own list, where this checkout has it
        published = lock.read_pins(lock.COLAB_FREEZE)
        assert all(published[n] == pin for n, pin in colab.items())


def test_conda_gets_the_student_set_of_python_3_12():
    text = (ROOT / "environment.yml").read_text()
    assert "python=3.12" in text and "requirements/student-py3.12.txt" in text
    assert platform.python_implementation() == "CPython"
