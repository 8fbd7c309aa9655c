"""Benchmark: each chapter executed alone in a fresh kernel, next to its time in a parallel build.

Usage: .venvs/3.11/bin/python -m benchmarks chapters [--repeat N] [--only 04,05]
       [--build _build/executed/3.11]   (make chapter-times)

Each chapter runs top to bottom in a new kernel, one at a time, as a student's
"Run all" does (chapters 5 to 7 with MXNet on two threads, as they ask); the
machine should be quiet. ``--build`` points at an environment's executions by
``tests/notebooks/execute.py``, which ran the chapters two at a time with one
MXNet thread each (``make book``, ``make test``): the table shows their times
beside, and whether each chapter printed the same text alone as in the build
(timings masked). The README's table of chapter times comes from it. The
budgets: at most 120 s per chapter alone (chapter 7: 200 s).
"""

import argparse
import datetime
import json
import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import nbformat  # noqa: E402

from benchmarks import machine  # noqa: E402
from tests.notebooks.runner import execute, text_outputs, toc_chapters  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results.json"

#: The most a chapter may take alone on a quiet 2-core machine, in seconds.
BUDGET, BUDGET_CHAPTER_7 = 120, 200


def budget(stem: str) -> int:
    return BUDGET_CHAPTER_7 if stem.startswith("07") else BUDGET


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks chapters", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--repeat", type=int, default=1, help="executions per chapter")
    parser.add_argument(
        "--only", default="", help="comma-separated prefixes of the chapters to run (default: all)"
    )
    parser.add_argument(
        "--build", type=Path, help="a parallel build's executions (_build/executed/<env>)"
    )
    args = parser.parse_args(argv)
    prefixes = [p for p in args.only.split(",") if p]
    parallel = {}
    if args.build and (args.build / "times.json").exists():
        parallel = json.loads((args.build / "times.json").read_text())
    print(
        f"{platform.node()}: {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        "seconds, each chapter alone (best of the runs) and in the last parallel build"
    )
    print(f"{'chapter':40s} {'alone':>7s} {'parallel':>9s} {'budget':>7s}  {'output':9s} runs")
    total = total_parallel = 0.0
    over, differ = [], []
    record = {"alone": {}, "parallel": {}, "same_output": {}}
    for path in toc_chapters():
        if prefixes and not any(path.stem.startswith(p) for p in prefixes):
            continue
        runs = [execute(path) for _ in range(args.repeat)]
        times = [seconds for _, seconds in runs]
        best = min(times)
        same = "-"
        built = args.build / path.name if args.build else None
        if built and built.exists():
            theirs = text_outputs(nbformat.read(built, as_version=4))
            same = "same" if text_outputs(runs[0][0]) == theirs else "DIFFERS"
            if same != "same":
                differ.append(path.stem)
        total += best
        both = parallel.get(path.stem)
        total_parallel += both or 0.0
        shown = f"{both:9.1f}" if both is not None else f"{'-':>9s}"
        listed = ", ".join(f"{t:.1f}" for t in times)
        print(
            f"{path.stem:40s} {best:7.1f} {shown} {budget(path.stem):7d}  {same:9s} {listed}",
            flush=True,
        )
        if best > budget(path.stem):
            over.append(path.stem)
        record["alone"][path.stem] = round(best, 1)
        if both is not None:
            record["parallel"][path.stem] = both
        if same != "-":
            record["same_output"][path.stem] = same == "same"
    print(f"{'all chapters':40s} {total:7.1f} {total_parallel:9.1f}")
    if over:
        print(f"over budget alone: {', '.join(over)}")
    if differ:
        print(f"printed other text alone than in the build: {', '.join(differ)}")
    if not prefixes:  # the whole book: the README's table, and the order of later builds
        results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        results["chapter_times"] = {
            "date": datetime.date.today().isoformat(),
            "machine": machine(),
            "budget_s": {"chapter": BUDGET, "chapter_7": BUDGET_CHAPTER_7},
            **record,
        }
        RESULTS.write_text(json.dumps(results, indent=1) + "\n")
        print(f"recorded in {RESULTS.relative_to(RESULTS.parents[1])} (chapter_times)")


if __name__ == "__main__":
    main()
