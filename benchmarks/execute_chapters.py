"""Benchmark: execute every chapter in a fresh kernel and print its wall time.

Usage: .venv/bin/python -m benchmarks chapters [--repeat N] [--only 04,05]

Each chapter runs top to bottom in a new kernel, as the notebook tests and a
fresh book build do. The machine is shared and noisy: run it a few times.
"""

import argparse
import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.notebooks.runner import execute, toc_chapters  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks chapters", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--repeat", type=int, default=1, help="executions per chapter")
    parser.add_argument(
        "--only", default="", help="comma-separated prefixes of the chapters to run (default: all)"
    )
    args = parser.parse_args(argv)
    prefixes = [p for p in args.only.split(",") if p]
    print(f"{platform.node()}: {os.cpu_count()} CPUs, Python {platform.python_version()}")
    total = 0.0
    for path in toc_chapters():
        if prefixes and not any(path.stem.startswith(p) for p in prefixes):
            continue
        times = [execute(path)[1] for _ in range(args.repeat)]
        best = min(times)
        total += best
        runs = ", ".join(f"{t:.1f}" for t in times)
        print(f"{path.stem:40s} {best:7.1f} s   (runs: {runs})")
    print(f"{'all chapters (sum of best runs)':40s} {total:7.1f} s")


if __name__ == "__main__":
    main()
