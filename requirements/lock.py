"""Derive every pinned set from pyproject.toml's ranges: ``make lock``.

For each supported Python (3.11, 3.12, 3.13), in a fresh venv:

1. ``pip install -e '.[book,test,bench]'`` with that Python's constraints
   (:data:`RECIPES`), then ``pip install --no-deps`` the packages whose own
   metadata is stale (d2l 1.0.3 pins numpy 1.23.5, matplotlib 3.7.2 ...;
   MXNet 1.9.1 asks numpy < 2, which has no wheel for Python 3.13);
2. ``pip freeze`` -> ``requirements/py3.X.txt``: the whole set for the book's
   build, the tests and the benchmarks, every package at an exact version;
3. the student's subset -> ``requirements/student-py3.X.txt``: JupyterLab,
   jupytext, ipykernel, ipywidgets and d2lrnn's runtime dependencies, with
   everything they depend on (read from the installed packages' metadata).

Then ``binder/requirements.txt`` (the newest Python's student set, without
MXNet, which binder/postBuild installs with ``--no-deps``) and
``requirements/colab.txt``: what Google Colab has preinstalled, at Colab's
versions (``../shared/colab/pip-freeze.txt``), of the packages the chapters
touch, for ``make test``'s Colab-like environment.

Every set is installed with ``pip install --no-deps -r``: it is closed, so pip
resolves nothing, and the two stale metadata above do not stop it.

    make lock                                 # all of the above (a few minutes)
    python3 requirements/lock.py --only 3.13 --python 3.13=/path/to/python3.13
    python requirements/lock.py --check-student 3.13   # in that Python's env: exit 1 if stale
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "requirements"
COLAB_FREEZE = ROOT.parent / "shared" / "colab" / "pip-freeze.txt"
COLAB_SOURCE = "googlecolab/backend-info a72407924822 (2026-08-19, Python 3.13)"


@dataclass(frozen=True)
class Recipe:
    """How one Python's set is resolved: extra constraints, and what pip installs without deps."""

    constraints: tuple[str, ...]
    no_deps: tuple[str, ...]
    why: str


RECIPES = {
    "3.11": Recipe(
        ("numpy==1.23.5",),
        ("d2l==1.0.3",),
        "the oldest set: numpy 1.23.5, the version d2l 1.0.3 pins and the book was written on",
    ),
    "3.12": Recipe(
        (),
        ("d2l==1.0.3",),
        "numpy 1.26, the newest numpy 1 (MXNet 1.9.1's metadata asks numpy < 2)",
    ),
    "3.13": Recipe(
        (),
        ("mxnet==1.9.1", "d2l==1.0.3"),
        "the newest set: numpy 2, MXNet 1.9.1 installed without its numpy < 2",
    ),
}
NEWEST = max(RECIPES)
#: What a student uses besides d2lrnn's own dependencies; and MXNet, which is one of them,
#: but whose marker leaves it out on Python 3.13 (installed there with --no-deps).
STUDENT = ["jupyterlab", "jupytext", "ipykernel", "ipywidgets", "mxnet"]
#: What the chapters touch that Colab has preinstalled (its versions are kept).
COLAB_ROOTS = [
    "numpy",
    "matplotlib",
    "ipython",
    "ipykernel",
    "ipywidgets",
    "notebook",
    "pillow",
    "requests",
    "setuptools",
    # sacrebleu's dependencies that Colab has (d2lrnn.colab installs sacrebleu)
    "regex",
    "tabulate",
    "lxml",
]


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(path: Path) -> dict[str, tuple[str, str]]:
    """canonical name -> (name as spelled, version) for every ``name==version`` line."""
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and "==" in line and "@" not in line:
            name, _, version = line.partition("==")
            pins[canonical(name)] = (name.strip(), version.strip())
    return pins


def header(lines: list[str]) -> str:
    return "".join(f"# {line}\n".replace("# \n", "#\n") for line in lines)


def write(path: Path, head: list[str], pins: dict[str, tuple[str, str]]) -> None:
    body = "".join(f"{name}=={version}\n" for name, version in sorted(pins.values(), key=_key))
    path.write_text(header(head) + body)
    print(f"wrote {path.relative_to(ROOT)}: {len(pins)} pins")


def _key(pin: tuple[str, str]) -> str:
    return canonical(pin[0])


# ---------------------------------------------------------------- the student set


def student_roots(python: str) -> list[str]:
    """STUDENT and pyproject's dependencies whose markers hold for ``python`` (``"3.13"``)."""
    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = {"python_version": python, "python_full_version": f"{python}.0", "extra": ""}
    roots = list(STUDENT)
    for spec in project["dependencies"]:
        req = Requirement(spec)
        if req.marker is None or req.marker.evaluate(env):
            roots.append(req.name)
    return roots


def closure(names: list[str]) -> set[str]:
    """Canonical names of ``names`` and all they require, as installed here, extras followed."""
    from packaging.requirements import Requirement

    seen: set[tuple[str, str]] = set()
    todo = [(name, "") for name in names]
    while todo:
        name, extra = todo.pop()
        name = canonical(name)
        if (name, extra) in seen:
            continue
        seen.add((name, extra))
        for spec in md.requires(name) or []:
            req = Requirement(spec)
            if req.marker is None or req.marker.evaluate({"extra": extra}):
                todo += [(req.name, e) for e in ["", *req.extras]]
    return {name for name, _ in seen}


def student_pins(python: str) -> dict[str, tuple[str, str]]:
    """The student's subset of ``py<python>.txt`` (run in that Python's environment)."""
    full = read_pins(HERE / f"py{python}.txt")
    names = closure(student_roots(python))
    missing = sorted(n for n in names if n not in full)
    if missing:
        sys.exit(f"not pinned in py{python}.txt: {', '.join(missing)} (run 'make lock')")
    return {n: full[n] for n in names}


def student_header(python: str) -> list[str]:
    return [
        f"The student's set for Python {python}: JupyterLab, jupytext, ipykernel, ipywidgets and",
        "d2lrnn's runtime dependencies, with all that they depend on, at the versions of",
        f"py{python}.txt. Generated by requirements/lock.py (make lock); do not edit.",
        f"Install: pip install --no-deps -r requirements/student-py{python}.txt, then",
        "pip install --no-deps -e . (d2lrnn itself).",
    ]


def binder_pins() -> dict[str, tuple[str, str]]:
    """Binder's set: the newest student set without MXNet (binder/postBuild installs it)."""
    pins = read_pins(HERE / f"student-py{NEWEST}.txt")
    pins.pop("mxnet", None)
    return pins


BINDER_HEADER = [
    f"Binder (repo2docker, Python {NEWEST}) installs this with pip; binder/postBuild then",
    "installs MXNet 1.9.1 with --no-deps (its metadata asks numpy < 2, which has no wheel",
    f"for Python {NEWEST}; d2lrnn.compat makes it unnecessary) and d2lrnn itself.",
    f"Generated by requirements/lock.py from requirements/student-py{NEWEST}.txt; do not edit.",
]


# ---------------------------------------------------------------- building the sets


def run(*args: str | Path) -> None:
    subprocess.run([str(a) for a in args], check=True)


def interpreter(python: str, given: dict[str, str]) -> str:
    """The interpreter for ``python`` (``"3.13"``): given by the Makefile, else on the PATH."""
    exe = given.get(python) or shutil.which(f"python{python}")
    if not exe:
        sys.exit(f"python{python} is needed to lock its set: none found (make lock finds it)")
    return exe


def lock_python(python: str, exe: str) -> None:
    recipe = RECIPES[python]
    with tempfile.TemporaryDirectory(prefix=f"d2lrnn-lock-{python}-") as tmp:
        venv, pip = Path(tmp) / "venv", [Path(tmp) / "venv" / "bin" / "python", "-m", "pip"]
        run(exe, "-m", "venv", venv)
        run(*pip, "install", "--quiet", "--upgrade", "pip")
        constraints = Path(tmp) / "constraints.txt"
        constraints.write_text("".join(c + "\n" for c in recipe.constraints))
        run(*pip, "install", "--quiet", "-c", constraints, "-e", f"{ROOT}[book,test,bench]")
        run(*pip, "install", "--quiet", "--no-deps", *recipe.no_deps)
        frozen = subprocess.run(
            [*map(str, pip), "freeze", "--exclude-editable", "--all"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        (Path(tmp) / "frozen.txt").write_text(frozen)
        pins = read_pins(Path(tmp) / "frozen.txt")
        pins.pop("pip", None)
        write(
            HERE / f"py{python}.txt",
            [
                f"Every package for Python {python}: the book's build, the tests and the",
                f"benchmarks, at exact versions ({recipe.why}).",
                "Generated by requirements/lock.py (make lock) from pyproject.toml; do not edit.",
                f"Install with: pip install --no-deps -r requirements/py{python}.txt (the set is",
                "closed; --no-deps lets "
                + " and ".join(r.split("==")[0] for r in recipe.no_deps)
                + " sit next to the versions they run with, against their own metadata).",
            ],
            pins,
        )
        run(venv / "bin" / "python", __file__, "--write-student", python)


def lock_colab(exe: str) -> None:
    """Colab's versions of what the chapters touch, resolved in a Python 3.13 venv."""
    if not COLAB_FREEZE.exists():
        sys.exit(f"{COLAB_FREEZE} is missing: Colab's package list is needed for colab.txt")
    colab = read_pins(COLAB_FREEZE)
    with tempfile.TemporaryDirectory(prefix="d2lrnn-lock-colab-") as tmp:
        venv, pip = Path(tmp) / "venv", [Path(tmp) / "venv" / "bin" / "python", "-m", "pip"]
        run(exe, "-m", "venv", venv)
        constraints = Path(tmp) / "colab.txt"
        constraints.write_text("".join(f"{n}=={v}\n" for n, v in colab.values()))
        run(*pip, "install", "--quiet", "-c", constraints, *COLAB_ROOTS)
        frozen = subprocess.run(
            [*map(str, pip), "freeze", "--all"], check=True, capture_output=True, text=True
        ).stdout
        (Path(tmp) / "frozen.txt").write_text(frozen)
        pins = read_pins(Path(tmp) / "frozen.txt")
        pins.pop("pip", None)
    # What pip resolves that Colab does not have (IPython 7.34 asks for jedi, which Colab's
    # runtime lacks) stays out, as on Colab; a version other than Colab's is an error.
    absent = sorted(pins[n][0] for n in pins if n not in colab)
    wrong = {n: v for n, (_, v) in pins.items() if n in colab and colab[n][1] != v}
    if wrong:
        sys.exit(f"not at Colab's version: {wrong}")
    pins = {n: pin for n, pin in pins.items() if n in colab}
    write(
        HERE / "colab.txt",
        [
            "Google Colab's preinstalled packages that the chapters touch, at Colab's versions",
            f"({COLAB_SOURCE}: ../shared/colab/pip-freeze.txt), with Python 3.13.",
            "make test builds a Colab-like venv from exactly this (pip install --no-deps -r);",
            "each chapter's first cell then installs what Colab lacks, as on Colab.",
            "Left out because Colab does not have them either: "
            + (", ".join(absent) or "none")
            + ".",
            "Generated by requirements/lock.py (make lock); do not edit.",
        ],
        pins,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=[*RECIPES, "colab"], help="lock this set only")
    parser.add_argument(
        "--python",
        action="append",
        default=[],
        metavar="X.Y=PATH",
        help="the interpreter for Python X.Y (default: pythonX.Y on the PATH)",
    )
    parser.add_argument("--write-student", metavar="PYTHON", help=argparse.SUPPRESS)
    parser.add_argument(
        "--check-student", metavar="PYTHON", help="exit 1 if that Python's student set is stale"
    )
    args = parser.parse_args(argv)
    if args.write_student:  # run by lock_python, inside the new venv
        python = args.write_student
        write(HERE / f"student-py{python}.txt", student_header(python), student_pins(python))
        if python == NEWEST:
            write(ROOT / "binder" / "requirements.txt", BINDER_HEADER, binder_pins())
        return
    if args.check_student:
        python = args.check_student
        path = HERE / f"student-py{python}.txt"
        if read_pins(path) != student_pins(python):
            sys.exit(f"{path.relative_to(ROOT)} is out of date: run make lock")
        return
    given = dict(item.split("=", 1) for item in args.python)
    for python in [args.only] if args.only in RECIPES else [] if args.only else list(RECIPES):
        lock_python(python, interpreter(python, given))
    if args.only in (None, "colab"):
        lock_colab(interpreter("3.13", given))


if __name__ == "__main__":
    main()
