"""Tests of d2lrnn.exercises: the registry and judge, and each chapter's checks.

Besides each chapter's plausible mistakes, every check is given near misses
of the right answer (:func:`assert_near_miss_fails`): the reference's value
off by a little, the right value in the wrong type or shape, and NaN. The
transforms below turn the reference's output into one of them; each is
applied to an answer's output with :func:`returning`.
"""

import numpy as np

from d2lrnn.exercises import judge
from d2lrnn.exercises.core import NOT_ATTEMPTED


def assert_solution_passes_and_starter_fails(key: str, name: str, solution) -> None:
    """The chapter's solution ``name`` passes check ``key``; its untouched starter ``my_name``
    fails as not attempted, with a hint. ``solution(name)`` loads a definition of the chapter."""
    verdict = judge(key, solution(name))
    assert verdict.passed, verdict.text()
    starter = judge(key, solution(f"my_{name}"))
    assert not starter.passed and "not attempted yet" in starter.message and starter.hint


def assert_near_miss_fails(key: str, answer, message: str | None = None) -> None:
    """Check ``key`` calls ``answer`` wrong, for what it returned: not "not attempted yet",
    not the answer's own error, and ``message`` (when given) in the reason. An error of the
    check itself propagates out of :func:`judge` and fails the test."""
    verdict = judge(key, answer)
    assert not verdict.passed, f"a near miss passed: {verdict.text()}"
    assert not verdict.message.startswith(NOT_ATTEMPTED), verdict.text()
    assert not verdict.message.startswith("your answer raised"), verdict.text()
    if message is not None:
        assert message in verdict.message, verdict.text()


def assert_accepted(key: str, answer) -> None:
    """Check ``key`` passes ``answer`` (the reference in another accepted form)."""
    verdict = judge(key, answer)
    assert verdict.passed, verdict.text()


def returning(f, transform):
    """An answer that returns ``transform(f(*args))``."""

    def answer(*args):
        return transform(f(*args))

    return answer


def numpy(a) -> np.ndarray:
    """An MXNet or NumPy array (or a number) as a NumPy array (of its own dtype)."""
    return a.asnumpy() if hasattr(a, "asnumpy") else np.asarray(a)


def scaled(a, rel: float = 1e-2):
    """Off by ``rel`` relative: ``a * (1 + rel)`` (a number stays a number)."""
    return numpy(a) * (1 + rel) if hasattr(a, "shape") else a * (1 + rel)


def with_nan(a) -> np.ndarray:
    """The array with its first value NaN (float64)."""
    b = numpy(a).astype(np.float64)
    b.flat[0] = np.nan
    return b


def column(a) -> np.ndarray:
    """The array with a trailing axis of 1: ``(N,)`` -> ``(N, 1)``, the same values."""
    return numpy(a)[..., None]


def text(a) -> np.ndarray:
    """The same values as an array of strings."""
    return numpy(a).astype(str)


def objects(a) -> np.ndarray:
    """The same values in an array of dtype object."""
    return numpy(a).astype(object)


#: Near misses of an answer that is one array of floats: (id, transform, part of the reason).
ARRAY_NEAR_MISSES = [
    ("off by 1e-2 relative", scaled, None),
    ("a trailing axis of 1", column, "shape"),
    ("strings", text, "must be an array of numbers"),
    ("dtype object", objects, "must be an array of numbers"),
    ("one NaN", with_nan, None),
]

#: Near misses of an answer that is one float: (id, transform, part of the reason).
NUMBER_NEAR_MISSES = [
    ("off by 1e-2 relative", lambda x: x * 1.01, "expected"),
    ("off by 0.5", lambda x: x + 0.5, "expected"),
    ("a str", str, "must be a number, got str"),
    ("a list of one", lambda x: [x], "must be a number, got list"),
    ("an array of shape (1,)", lambda x: np.array([x]), "one number"),
    ("NaN", lambda x: float("nan"), "NaN"),
]

#: The same float in forms a check accepts: (id, transform).
NUMBER_FORMS = [
    ("a NumPy float64", np.float64),
    ("a 0-d NumPy array", np.array),
]

#: Near misses of an answer that is one int (a count): (id, transform, part of the reason).
INT_NEAR_MISSES = [
    ("off by 0.5", lambda n: n + 0.5, "must be an int, got float"),
    ("off by one", lambda n: n + 1, "expected"),
    ("a whole float", float, "must be an int, got float"),
    ("a NumPy float64", np.float64, "must be an int, got float64"),
    ("a 0-d float array", lambda n: np.array(float(n)), "must be an int, got a 0-d ndarray"),
    ("a str", str, "must be an int, got str"),
    ("a list of one", lambda n: [n], "must be an int, got list"),
    ("an array of shape (1,)", lambda n: np.array([n]), "one number"),
    ("NaN", lambda n: float("nan"), "must be an int, got float nan"),
]

#: The same int in forms a check accepts: (id, transform).
INT_FORMS = [
    ("a NumPy int64", np.int64),
    ("a NumPy int32", np.int32),
    ("a 0-d NumPy array", np.array),
]


def item(index: int):
    """Apply a transform to element ``index`` of a pair only: ``(H, C)`` -> ``(H, t(C))``."""

    def wrap(transform):
        def apply(out):
            return tuple(transform(v) if i == index else v for i, v in enumerate(out))

        return apply

    return wrap


def params(key: str, f, table, wrap=None, label: str = "") -> list:
    """``pytest.param(key, answer, message)`` for each ``(id, transform[, message])`` of
    ``table``: the answer returns ``transform(f(*args))`` (``wrap(transform)`` with ``wrap``)."""
    import pytest

    out = []
    for name, transform, *message in table:
        answer = returning(f, wrap(transform) if wrap else transform)
        out.append(pytest.param(key, answer, *message, id=f"{key} {label}{name}"))
    return out
