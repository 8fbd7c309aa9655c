"""The chapters in the book's table of contents, and a runner that executes one.

Used by the notebook tests and by benchmarks/execute_chapters.py.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import nbformat
import yaml
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output" / "notebooks"


def toc_chapters() -> list[Path]:
    """Every notebook file the book's _toc.yml lists under chapters/, in book order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(toc)
    return [ROOT / f"{f}.ipynb" for f in files if f.startswith("chapters/")]


def execute(path: Path, timeout: int = 900) -> tuple[nbformat.NotebookNode, float]:
    """Execute the notebook at ``path`` top to bottom in a fresh kernel, in its own folder.

    Stops at the first cell that raises (nbclient's ``CellExecutionError``
    names the cell and shows the traceback). Returns the executed notebook
    and the wall time in seconds; the notebook is also saved under
    ``test-output/notebooks`` for inspection.
    """
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    OUTPUT.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, OUTPUT / path.name)
    return nb, elapsed


#: A printed line reports a timing, which changes from run to run, when it names one of these.
TIMING = re.compile(r"tokens/s|\bms\b|\bseconds?\b|\bspeed-?up\b|\btimed\b")
#: A glued value is a timing when its name says so (e.g. ``lstm_speedup``, ``plain_ms``).
TIMING_GLUE = re.compile(r"speed|_ms$|seconds|time")


def _mask(line: str) -> str:
    """A timing line's numbers as ``#``, and without its spaces (a column's width
    changes with the number of digits)."""
    return re.sub(r"\s+", "", re.sub(r"[0-9.,]+", "#", line))


def _mask_speed(text: str) -> str:
    """Blank the numbers on lines that report timings: they change from run to run."""
    return "\n".join(_mask(line) if TIMING.search(line) else line for line in text.split("\n"))


def text_outputs(nb: nbformat.NotebookNode) -> list[str]:
    """Everything each code cell printed or displayed as text, one string per cell.

    Streams are joined, because the kernel may split the same output into
    messages differently from run to run; timings are masked (lines that
    name a timing unit, and glued values whose name says they are timings).
    """
    out = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        parts = []
        for o in cell.outputs:
            if o.output_type == "stream":
                parts.append(o.text)
            elif "data" in o and "text/plain" in o.data and "image/png" not in o.data:
                text = o.data["text/plain"] + "\n"
                glued = o.get("metadata", {}).get("scrapbook", {}).get("name", "")
                if glued and TIMING_GLUE.search(glued):
                    text = _mask(text)
                parts.append(text)
        out.append(_mask_speed("".join(parts)))
    return out
