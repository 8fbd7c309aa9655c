"""Google Colab: install what its runtime lacks, and leave what it has alone.

Colab's runtime (Python 3.13, numpy 2.1.3, IPython 7.34, ipywidgets 7.7.1)
has no MXNet and no sacrebleu. Every chapter's first cell, on Colab only,
installs d2lrnn itself (``pip install --no-deps``) and then calls
:func:`setup`, which installs the rest with ``pip install --no-deps`` at the
versions the book is tested with (:data:`PINS`, those of
``requirements/py3.13.txt``), so that pip never resolves anything and never
replaces Colab's numpy, IPython, ipywidgets or matplotlib. No restart is
needed: nothing installed here has been imported yet. MXNet 1.9.1 then runs
on Colab's numpy 2 through :mod:`d2lrnn.compat`.

:func:`plan` is the pure part (what to install, given what is installed);
:func:`setup` runs pip. This module imports the standard library only.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import subprocess
import sys

__all__ = ["PINS", "in_colab", "plan", "setup"]

#: What Colab lacks, at the versions the book is tested with on Python 3.13
#: (tests/unit/test_colab.py checks them against requirements/py3.13.txt).
PINS = {
    "mxnet": "1.9.1",  # its numpy < 2 is stale: d2lrnn.compat fills in what numpy 2 removed
    "sacrebleu": "2.6.0",  # chapter 7's reference BLEU and chrF
    "portalocker": "4.4.2",  # sacrebleu's, missing on Colab (its regex, tabulate, lxml are there)
    "colorama": "0.4.6",
}


def in_colab() -> bool:
    """True in a Google Colab runtime (Colab sets ``COLAB_RELEASE_TAG`` in its kernels)."""
    return "google.colab" in sys.modules or "COLAB_RELEASE_TAG" in os.environ


def plan(installed: dict[str, str | None]) -> list[str]:
    """The ``name==version`` requirements to install, given ``installed`` (name -> version or None).

    A package is installed when it is missing or at another version; what is
    already at its pinned version is left alone.
    """
    if not isinstance(installed, dict):
        kind = type(installed).__name__
        raise TypeError(f"installed must be a dict of name -> version, got {kind}")
    return [f"{name}=={pin}" for name, pin in PINS.items() if installed.get(name) != pin]


def _installed(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def setup(*, force: bool = False) -> list[str]:
    """On Colab (or with ``force``), install what :func:`plan` says; return what was installed.

    Prints one line saying what it installed and which of Colab's packages it
    left as they are; raises ``RuntimeError`` with pip's last lines if pip
    fails. Elsewhere, without ``force``, it does nothing.
    """
    if not isinstance(force, bool):
        raise TypeError(f"force must be True or False, got {type(force).__name__} {force!r}")
    if not (force or in_colab()):
        return []
    todo = plan({name: _installed(name) for name in PINS})
    if todo:
        done = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", *todo],
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise RuntimeError(
                f"pip could not install {', '.join(todo)} (status {done.returncode}):\n"
                + "\n".join((done.stdout + done.stderr).strip().splitlines()[-20:])
            )
        importlib.invalidate_caches()
    kept = ", ".join(
        f"{name} {_installed(name)}" for name in ("numpy", "IPython", "ipywidgets", "matplotlib")
    )
    done = ", ".join(todo) if todo else "nothing (already there)"
    print(f"d2lrnn on Colab: installed {done}; kept Colab's {kept}.", flush=True)
    return todo
