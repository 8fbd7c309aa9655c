"""Measurements of the book against d2l 1.0.3: ``python -m benchmarks`` (``make bench``)."""

import importlib.metadata
import json
import os
import platform
from pathlib import Path

# d2lrnn first: its compatibility layer lets MXNet 1.9.1 import on numpy >= 1.24, and the
# benchmarks import MXNet (and d2l, which imports it) directly (see d2lrnn.compat).
import d2lrnn  # noqa: F401, I001


def machine() -> dict:
    """The machine a benchmark ran on, as every entry of ``results.json`` records it: the
    Python and numpy too (the book runs on Python 3.11 to 3.13, numpy 1.23.5 to 2.5)."""
    return {
        "node": platform.node(),
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "numpy": importlib.metadata.version("numpy"),
    }


def merge_entry(key: str, entry: dict, path: Path) -> dict:
    """Put ``entry`` under ``key`` in the JSON file at ``path``, keeping its other entries
    (each benchmark owns one key of ``results.json``). Returns the whole file's content."""
    results = json.loads(path.read_text()) if path.exists() else {}
    if not isinstance(results, dict):
        raise ValueError(f"{path} must hold a JSON object, got {type(results).__name__}")
    results[key] = entry
    path.write_text(json.dumps(results, indent=1) + "\n")
    return results
