"""Self-checks for the chapters' coding exercises: a registry, a judge, and a verdict.

Each coding exercise of a chapter has a starter cell that the student fills in
and a check the student calls on their answer::

    check_exercise("3.1", my_clip_by_value)

The check runs the answer on inputs of its own and compares it with a
reference or tests the properties it must have; it never compares a hash of
the answer. It compares what the answer returned, with its type: nothing is
rounded, truncated, converted from a str or a bool, reshaped or squeezed
before the comparison (see :func:`as_number` and :func:`as_array`); a count
must be an int, and NaN is never a right number. It prints one verdict:
correct, or what is wrong and a hint. An untouched starter (which raises
``NotImplementedError``) is "not attempted yet". An error in the student's
code is reported as such, with its message, never hidden.

A chapter's checks live in ``d2lrnn/exercises/chNN.py`` and register
themselves with :func:`exercise`::

    @exercise("3.1", "clip a gradient by value", hint="np.clip(g, -c, c) ...")
    def _clip_by_value(answer):
        ...
        if not close:
            raise Wrong("for g = [...] and c = 1 you return [...], expected [...]")

:func:`judge` is the pure function (it returns a :class:`Verdict`); the
chapters call :func:`check_exercise`, which prints the verdict.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..checks import check_array, check_bool, check_number, check_str

__all__ = [
    "AnswerFailed",
    "as_array",
    "as_number",
    "first_match",
    "log_softmax",
    "same",
    "Exercise",
    "Verdict",
    "Wrong",
    "call",
    "check_exercise",
    "exercise",
    "exercises",
    "judge",
]

KEY = re.compile(r"^\d+\.\d+$")
NOT_ATTEMPTED = "not attempted yet"


class Wrong(Exception):
    """Raised by a check: the answer is wrong. ``reason`` says how; ``hint`` (optional)
    replaces the exercise's general hint for this particular mistake."""

    def __init__(self, reason: str, hint: str | None = None):
        super().__init__(reason)
        self.reason, self.hint = reason, hint


class AnswerFailed(Exception):
    """The student's answer raised an exception while a check ran it (see :func:`call`)."""

    def __init__(self, error: Exception):
        super().__init__(f"{type(error).__name__}: {error}")
        self.error = error


def call(answer: object, *args, **kwargs):
    """Run the student's ``answer(*args, **kwargs)`` for a check.

    ``NotImplementedError`` (the untouched starter) passes through; any other
    exception becomes :class:`AnswerFailed`, so that :func:`judge` reports it
    as the answer's error, while an error in the check itself is not mistaken
    for one. A non-callable answer is :class:`Wrong`.
    """
    if not callable(answer):
        raise Wrong(f"the answer must be a function, got {type(answer).__name__} {answer!r}")
    try:
        return answer(*args, **kwargs)
    except NotImplementedError:
        raise
    except Exception as error:
        raise AnswerFailed(error) from error


@dataclass(frozen=True)
class Exercise:
    """One registered exercise: its key (``"3.1"``), what it asks, its check and hint."""

    key: str
    title: str
    check: Callable[[object], str | None]
    hint: str


@dataclass(frozen=True)
class Verdict:
    """What :func:`judge` decided: ``passed``, and a message (with a hint when not passed)."""

    key: str
    passed: bool
    message: str
    hint: str = ""

    def __bool__(self) -> bool:
        return self.passed

    def text(self) -> str:
        """The verdict as the student reads it (one line, two when there is a hint)."""
        if self.message.startswith(NOT_ATTEMPTED):
            line = f"Exercise {self.key}: {self.message}"
        else:
            mark = "correct" if self.passed else "not yet"
            line = f"Exercise {self.key}: {mark}. {self.message[:1].upper()}{self.message[1:]}"
        return line + (f"\n  Hint: {self.hint}" if self.hint and not self.passed else "")


_REGISTRY: dict[str, Exercise] = {}


def exercise(key: str, title: str, hint: str) -> Callable:
    """Register the decorated function as the check of exercise ``key``.

    The check takes the student's answer, raises :class:`Wrong` when it is
    wrong, and returns ``None`` or a short description of what it verified.
    """
    check_str(key, "key")
    if not KEY.match(key):
        raise ValueError(f"key must look like '3.1' (chapter.exercise), got {key!r}")
    check_str(title, "title")
    check_str(hint, "hint")

    def register(check: Callable) -> Callable:
        if key in _REGISTRY:
            raise ValueError(f"exercise {key} is registered twice")
        _REGISTRY[key] = Exercise(key, title, check, hint)
        return check

    return register


def exercises() -> dict[str, Exercise]:
    """Every registered exercise, by key, in the book's order."""

    def order(key: str) -> tuple[int, int]:
        chapter, number = key.split(".")
        return int(chapter), int(number)

    return {key: _REGISTRY[key] for key in sorted(_REGISTRY, key=order)}


def judge(key: str, answer: object) -> Verdict:
    """Check ``answer`` for exercise ``key`` and return the :class:`Verdict` (prints nothing).

    A wrong answer, an untouched starter and an error raised by the answer
    are verdicts, not exceptions; a ``key`` that names no exercise raises
    ``ValueError``, and an error in a check itself propagates (a bug of the
    book, not of the answer).
    """
    check_str(key, "key")
    if key not in _REGISTRY:
        known = ", ".join(exercises()) or "none"
        raise ValueError(f"key must name an exercise with a check, got {key!r}; known: {known}")
    ex = _REGISTRY[key]
    try:
        done = ex.check(answer)
    except Wrong as wrong:
        return Verdict(key, False, wrong.reason, wrong.hint or ex.hint)
    except NotImplementedError:
        return Verdict(
            key,
            False,
            f"{NOT_ATTEMPTED}: the starter still raises NotImplementedError; replace that "
            "line with your code and run the cell again.",
            ex.hint,
        )
    except AnswerFailed as failed:  # the student's code failed: say so, with its message
        return Verdict(key, False, f"your answer raised {failed}", ex.hint)
    return Verdict(key, True, done or f"{ex.title}: every test passed.")


def check_exercise(key: str, answer: object) -> None:
    """Check ``answer`` for exercise ``key`` and print the verdict (see :func:`judge`)."""
    print(judge(key, answer).text())


# ---------------------------------------------------------------- helpers for the checks


def _shown(x: object) -> str:
    """An answer as a message shows it: its type and value (``float 12.0``, ``str '3'``,
    ``bool True``), an array by its type, dtype and shape."""
    if x is None:
        return "None"
    if isinstance(x, np.generic):  # a NumPy bool reads "bool" with numpy 1 and 2
        name = "bool" if isinstance(x, np.bool_) else type(x).__name__
        return f"{name} {x.item()!r}"
    shape, dtype = getattr(x, "shape", None), getattr(x, "dtype", None)
    if shape is not None and dtype is not None:
        if tuple(shape) == ():
            return f"a 0-d {type(x).__name__} of dtype {dtype}, {x.item()!r}"
        return f"{type(x).__name__} of dtype {dtype} and shape {tuple(shape)}"
    text = repr(x)
    return f"{type(x).__name__} {text if len(text) <= 60 else text[:57] + '...'}"


def _plain(x: object, what: str, answer: object) -> object:
    """``x`` with every MXNet array turned into NumPy (lists followed), or :class:`Wrong` for
    a bool, str, bytes or None anywhere in it, or a NumPy array that does not hold numbers."""
    if hasattr(x, "asnumpy"):
        x = x.asnumpy()
    if isinstance(x, (list, tuple)):
        return [_plain(item, what, answer) for item in x]
    bad = isinstance(x, (bool, np.bool_, str, bytes)) or x is None
    if bad or (isinstance(x, np.ndarray) and x.dtype.kind not in "iuf"):
        inside = "" if x is answer else f", which holds {_shown(x)}"
        raise Wrong(f"{what} must be an array of numbers, got {_shown(answer)}{inside}")
    return x


def as_array(x: object, what: str, *, integer: bool = False) -> np.ndarray:
    """An answer's array of numbers as NumPy float64 (int64 with ``integer``), or
    :class:`Wrong` naming ``what``.

    Accepted: a NumPy or MXNet array of ints or floats, a Python or NumPy number,
    and (nested) lists or tuples of these. Refused, never converted: a str, a
    bool, ``None``, an array of bools, strings or objects, a ragged list, and
    with ``integer`` an array of floats, even whole ones. Nothing is rounded,
    reshaped or squeezed: the shape is the answer's, for the check to compare.
    NaN and infinities are kept (a NaN never compares equal in :func:`same`).
    """
    check_str(what, "what")
    integer = check_bool(integer, "integer")
    plain = _plain(x, what, x)
    with warnings.catch_warnings():  # numpy < 1.24 warns before making a ragged list an object
        warnings.simplefilter("ignore", getattr(np, "VisibleDeprecationWarning", Warning))
        try:
            arr = np.asarray(plain)
        except (TypeError, ValueError):
            arr = None
    if arr is None or arr.dtype.kind not in "iuf":
        raise Wrong(f"{what} must be an array of numbers, got {_shown(x)}")
    if integer:
        if arr.dtype.kind not in "iu":
            raise Wrong(f"{what} must be an array of ints, got {_shown(x)}")
        return arr.astype(np.int64)
    return arr.astype(np.float64)


def as_number(x: object, what: str, *, integer: bool = False) -> float | int:
    """An answer that must be one number, as a ``float`` (an ``int`` with ``integer``), or
    :class:`Wrong` naming ``what``.

    Accepted: a Python or NumPy number and a 0-d NumPy or MXNet array; with
    ``integer``, only integers (Python or NumPy ints, 0-d arrays of ints).
    Refused, never converted: a bool, a str (``"3"``), ``None``, a list, an array
    of any other shape (``(1,)`` included), NaN, and with ``integer`` a float,
    even a whole one (``12.0``). Infinities are numbers (a perplexity can be
    infinite).
    """
    check_str(what, "what")
    integer = check_bool(integer, "integer")
    value = x.asnumpy() if hasattr(x, "asnumpy") else x
    if isinstance(value, np.ndarray):
        if value.shape != ():
            raise Wrong(f"{what} must be one number, got an array of shape {value.shape}")
        value = value[()]  # the NumPy scalar, of the array's dtype
    kinds = (int, np.integer) if integer else (int, float, np.integer, np.floating)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, kinds):
        raise Wrong(f"{what} must be {'an int' if integer else 'a number'}, got {_shown(x)}")
    if integer:
        return int(value)
    number = float(value)
    if math.isnan(number):
        raise Wrong(f"{what} must be a number, got {_shown(x)} (NaN: not a number)")
    return number


def same(a: np.ndarray, b: np.ndarray, rtol: float = 1e-4, atol: float = 1e-5) -> bool:
    """Equal shapes and values within float32 rounding (answers may be float32); a NaN
    never equals anything, and no shape is broadcast."""
    check_number(rtol, "rtol", 0)
    check_number(atol, "atol", 0)
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and np.allclose(a, b, rtol=rtol, atol=atol)


def first_match(got: np.ndarray, mistakes: dict, rtol: float = 1e-4, atol: float = 1e-5):
    """The name of the first of ``mistakes`` (name -> wrong answer) that ``got`` equals, or None."""
    if not isinstance(mistakes, dict):
        raise TypeError(f"mistakes must be a dict (name -> wrong answer), got {mistakes!r}")
    return next((name for name, wrong in mistakes.items() if same(got, wrong, rtol, atol)), None)


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """``log softmax`` over the last axis, in NumPy, without overflow."""
    logits = check_array(logits, "logits")
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
