"""Tests of d2lrnn.exercises: the registry and judge, and each chapter's checks."""

from d2lrnn.exercises import judge


def assert_solution_passes_and_starter_fails(key: str, name: str, solution) -> None:
    """The chapter's solution ``name`` passes check ``key``; its untouched starter ``my_name``
    fails as not attempted, with a hint. ``solution(name)`` loads a definition of the chapter."""
    verdict = judge(key, solution(name))
    assert verdict.passed, verdict.text()
    starter = judge(key, solution(f"my_{name}"))
    assert not starter.passed and "not attempted yet" in starter.message and starter.hint
