"""Mutation score of the modules where a silent bug would mislead a student most.

``make mutation`` runs this. For each module in pyproject.toml's
``[tool.mutmut.modules]`` it copies the tree to ``build/mutation/<module>``, sets
mutmut's keys there (mutate only that file; select only that module's own unit tests
and the bad-input registry), runs ``mutmut run`` with one worker, and prints the score:
killed / (total - equivalent). mutmut reads its configuration from the ``pyproject.toml``
of the folder it runs in and has one test selection per run, hence one copy per module.

    python mutation/run.py                 # every module
    python mutation/run.py clipping text   # some of them
    python mutation/run.py --again text    # after adding tests: rerun only text's survivors

``--again`` keeps the last run's results (a test added cannot let a killed mutant
survive), copies today's tests in, and runs only the mutants that were not killed.

A mutant that no test can tell from the original is listed under ``equivalent`` with
its reason; the score leaves it out, and a listed name that no longer names a surviving
mutant (the source moved, or a test now kills it) is reported so that the list is
corrected.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "build" / "mutation"
TARGET = 0.85


def _mutmut_section(spec: dict, common: dict) -> str:
    deselect = [arg for test in spec.get("deselect", []) for arg in ("--deselect", test)]
    keys = {
        **{k: v for k, v in common.items() if k != "modules"},
        "only_mutate": [spec["file"]],
        "pytest_add_cli_args": common.get("pytest_add_cli_args", []) + deselect,
        "pytest_add_cli_args_test_selection": spec["tests"],
    }
    lines = ["[tool.mutmut]"] + [f"{k} = {json.dumps(v)}" for k, v in keys.items()]
    return "\n".join(lines) + "\n"


def _pyproject_for(spec: dict, common: dict) -> str:
    """pyproject.toml with its [tool.mutmut...] tables replaced by this module's keys."""
    text = (ROOT / "pyproject.toml").read_text()
    kept, skipping = [], False
    for line in text.splitlines(keepends=True):
        if line.startswith("["):
            skipping = line.startswith("[tool.mutmut")
        if not skipping:
            kept.append(line)
    return "".join(kept).rstrip() + "\n\n" + _mutmut_section(spec, common)


def _patterns(spec: dict) -> list[str]:
    """mutmut's names for the mutants of the listed functions (all of the file if none)."""
    dotted = spec["file"].removesuffix(".py").replace("/", ".")
    return [f"{dotted}.x_{fn}__mutmut_*" for fn in spec.get("functions", [])]


KILLED = (1, 3, 24, -24, 36, 152, 255)  # a test failed, or the mutant ran out of time


def _results(work: Path, spec: dict) -> dict:
    meta = work / "mutants" / (spec["file"] + ".meta")
    if not meta.is_file():
        return {}
    codes = json.loads(meta.read_text())["exit_code_by_key"]
    wanted = [re.compile(p.replace(".", r"\.").replace("*", ".*")) for p in _patterns(spec)]
    if wanted:
        codes = {k: v for k, v in codes.items() if any(w.fullmatch(k) for w in wanted)}
    return codes


def run_module(name: str, spec: dict, common: dict, again: bool = False) -> dict:
    work = WORK / name
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    previous = _results(work, spec) if again else {}
    names = _patterns(spec)
    if previous:
        names = sorted(k for k, v in previous.items() if v not in KILLED)
        for tests in (work / "tests", work / "mutants" / "tests"):
            shutil.rmtree(tests, ignore_errors=True)
            shutil.copytree(ROOT / "tests", tests, ignore=ignore)
        for folder in common.get("also_copy", []):
            if not (work / folder).exists():
                shutil.copytree(ROOT / folder, work / folder, ignore=ignore)
    else:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        for folder in ("d2lrnn", "tests", *common.get("also_copy", [])):
            shutil.copytree(ROOT / folder, work / folder, ignore=ignore)
    (work / "pyproject.toml").write_text(_pyproject_for(spec, common))
    log = work / "mutmut.log"
    cmd = [sys.executable, "-m", "mutmut", "run", "--max-children", "1", *names]
    start = time.monotonic()
    if names or not previous:
        with log.open("w") as out:
            subprocess.run(cmd, cwd=work, stdout=out, stderr=subprocess.STDOUT, check=False)
    seconds = time.monotonic() - start
    codes = _results(work, spec)
    if not codes:
        sys.exit(f"{name}: mutmut wrote no results; see {log}")
    killed = sorted(k for k, v in codes.items() if v in KILLED)
    unchecked = sorted(k for k, v in codes.items() if v is None)
    if unchecked:
        sys.exit(f"{name}: {len(unchecked)} mutants were not checked; see {log}")
    equivalent = spec.get("equivalent", {})
    survivors = sorted(k for k in codes if k not in killed and k not in equivalent)
    stale = sorted(k for k in equivalent if k not in codes or k in killed)
    total = len(codes) - (len(equivalent) - len(stale))
    return {
        "module": name,
        "killed": len(killed),
        "total": total,
        "equivalent": len(equivalent) - len(stale),
        "survivors": {k: _status(codes[k]) for k in survivors},
        "stale_equivalent": stale,
        "seconds": round(seconds),
    }


def _status(code: int | None) -> str:
    return {0: "survived", 5: "no tests", 33: "no tests", 34: "skipped"}.get(code, f"exit {code}")


def main(argv: list[str]) -> int:
    common = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    modules = common["modules"]
    again = "--again" in argv
    names = [a for a in argv if a != "--again"] or list(modules)
    unknown = [n for n in names if n not in modules]
    if unknown:
        sys.exit(f"unknown module(s) {unknown}; choose from {list(modules)}")
    results = []
    for name in names:
        print(f"== {name}: mutating {modules[name]['file']}", flush=True)
        r = run_module(name, modules[name], common, again)
        results.append(r)
        for k, status in r["survivors"].items():
            print(f"   {status}: {k}")
        for k in r["stale_equivalent"]:
            print(f"   listed as equivalent but not a survivor any more: {k}")
        print(f"   {r['killed']}/{r['total']} killed ({r['seconds']} s)", flush=True)
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "scores.json").write_text(json.dumps(results, indent=1) + "\n")
    print("\nmutation score (killed / total, equivalent mutants left out)")
    below = []
    for r in results:
        score = r["killed"] / r["total"] if r["total"] else 1.0
        print(
            f"  {r['module']:<18} {r['killed']:>4}/{r['total']:<4} {score:6.1%}"
            f"  ({r['equivalent']} equivalent, {len(r['survivors'])} surviving)"
        )
        if score < TARGET:
            below.append(r["module"])
    if below:
        print(f"below the {TARGET:.0%} target: {', '.join(below)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
