"""The chapters' coding exercises and their self-checks: ``check_exercise("3.1", answer)``.

:mod:`d2lrnn.exercises.core` holds the registry and the judge; each
``chNN`` module holds the checks of one chapter (``ch03``: chapter 3;
``ch08``: the appendix, numbered 8 in the book) and registers them when this package is imported.
"""

import importlib
import pkgutil

from .core import Verdict, check_exercise, judge

for _module in pkgutil.iter_modules(__path__):
    if _module.name.startswith("ch"):
        importlib.import_module(f".{_module.name}", __name__)

__all__ = ["Verdict", "check_exercise", "judge"]
