"""The exercises' registry and judge: verdicts for right, wrong, unattempted and failing answers."""

import pytest

from d2lrnn.exercises import check_exercise, core, judge


@pytest.fixture
def registered(monkeypatch):
    """A throwaway exercise 99.1: the answer must double its input."""
    monkeypatch.setattr(core, "_REGISTRY", dict(core._REGISTRY))

    @core.exercise("99.1", "doubling", hint="return 2 * x")
    def _check(answer):
        for x in (1, 5):
            got = core.call(answer, x)
            if got != 2 * x:
                raise core.Wrong(f"for x = {x} you return {got!r}, expected {2 * x}")
        return "doubles every input tried."

    return "99.1"


def test_a_right_answer_passes(registered):
    verdict = judge(registered, lambda x: x + x)
    assert verdict and verdict.passed
    assert verdict.text() == "Exercise 99.1: correct. Doubles every input tried."


def test_a_wrong_answer_fails_with_the_reason_and_the_hint(registered):
    verdict = judge(registered, lambda x: x + 1)
    assert not verdict
    assert verdict.text() == (
        "Exercise 99.1: not yet. For x = 5 you return 6, expected 10\n  Hint: return 2 * x"
    )


def test_the_untouched_starter_is_not_attempted(registered):
    def starter(x):
        raise NotImplementedError

    verdict = judge(registered, starter)
    assert not verdict and "not attempted yet" in verdict.message and verdict.hint
    assert verdict.text().startswith("Exercise 99.1: not attempted yet: the starter still raises")


def test_an_error_in_the_answer_is_reported_not_raised(registered):
    verdict = judge(registered, lambda x: x / 0)
    assert (
        not verdict and verdict.message == "your answer raised ZeroDivisionError: division by zero"
    )


def test_a_value_instead_of_a_function_is_wrong(registered):
    verdict = judge(registered, 42)
    assert not verdict and "must be a function" in verdict.message


def test_an_error_in_the_check_itself_is_not_blamed_on_the_answer(monkeypatch):
    monkeypatch.setattr(core, "_REGISTRY", dict(core._REGISTRY))

    @core.exercise("99.2", "a broken check", hint="-")
    def _check(answer):
        return 1 / 0

    with pytest.raises(ZeroDivisionError):
        judge("99.2", lambda x: x)


def test_check_exercise_prints_the_verdict(registered, capsys):
    assert check_exercise(registered, lambda x: 2 * x) is None
    assert capsys.readouterr().out == "Exercise 99.1: correct. Doubles every input tried.\n"


def test_unknown_keys_and_bad_registrations_are_refused(registered):
    with pytest.raises(ValueError, match=r"key must name an exercise .* '3.99'; known: .*3\.1"):
        judge("3.99", lambda x: x)
    with pytest.raises(ValueError, match="registered twice"):
        core.exercise("99.1", "again", hint="-")(lambda a: None)
    with pytest.raises(ValueError, match="key must look like"):
        core.exercise("chapter 3", "t", hint="-")


def test_the_registry_is_in_the_books_order(monkeypatch):
    monkeypatch.setattr(core, "_REGISTRY", {})
    for key in ("10.1", "3.10", "3.2", "8.1"):
        core.exercise(key, "t", hint="-")(lambda a: None)
    assert list(core.exercises()) == ["3.2", "3.10", "8.1", "10.1"]
