"""Measurements of the book against d2l 1.0.3: ``python -m benchmarks`` (``make bench``)."""

import os
import platform


def machine() -> dict:
    """The machine a benchmark ran on, as every entry of ``results.json`` records it."""
    return {
        "node": platform.node(),
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
    }
