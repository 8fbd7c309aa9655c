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


def execute(
    path: Path,
    timeout: int = 900,
    kernel_dirs: list[str] | None = None,
    save_to: Path = OUTPUT,
    kernel_log: Path | None = None,
) -> tuple[nbformat.NotebookNode, float]:
    """Execute the notebook at ``path`` top to bottom in a fresh kernel, in its own folder.

    The kernel is this Python's ``python3``, or the one in ``kernel_dirs``
    (kernelspec folders: another environment's Python). Stops at the first
    cell that raises (nbclient's ``CellExecutionError`` names the cell and
    shows the traceback). Returns the executed notebook and the wall time in
    seconds; the notebook is also saved in ``save_to``, failed or not, for
    inspection. What the kernel process itself prints (not the cells) goes to
    ``kernel_log`` when given.
    """
    nb = nbformat.read(path, as_version=4)
    km = None
    if kernel_dirs is not None:
        from jupyter_client import KernelManager
        from jupyter_client.kernelspec import KernelSpecManager

        specs = KernelSpecManager(kernel_dirs=kernel_dirs, ensure_native_kernel=False)
        km = KernelManager(kernel_name="python3", kernel_spec_manager=specs)
    client = NotebookClient(
        nb,
        km=km,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    try:
        if kernel_log is None:
            client.execute()
        else:
            with open(kernel_log, "w") as log:
                client.execute(stdout=log, stderr=log)
    finally:
        elapsed = time.perf_counter() - start
        save_to.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, save_to / path.name)
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
    """Blank the lines that report timings: their numbers change from run to run, and so
    may what they conclude from them (the appendix says whether two ranges of times overlap)."""
    return "\n".join("(timing)" if TIMING.search(line) else line for line in text.split("\n"))


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
