"""The exercises' registry and judge: verdicts for right, wrong, unattempted and failing answers."""

import numpy as np
import pytest
from mxnet import np as mnp

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


# ---------------------------------------------------------------- the checks' helpers


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3, 3),
        (np.int64(3), 3),
        (np.uint8(3), 3),
        (np.array(3), 3),
        (mnp.array(3, dtype="int32"), 3),
    ],
    ids=["int", "np.int64", "np.uint8", "0-d NumPy", "0-d MXNet"],
)
def test_as_number_integer_accepts_ints_as_ints(value, expected):
    got = core.as_number(value, "the count", integer=True)
    assert got == expected and type(got) is int


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (12.0, "the count must be an int, got float 12.0"),
        (3.5, "the count must be an int, got float 3.5"),
        (np.float64(12.0), "the count must be an int, got float64 12.0"),
        (np.array(12.0), "the count must be an int, got a 0-d ndarray of dtype float64, 12.0"),
        (True, "the count must be an int, got bool True"),
        (np.bool_(False), "the count must be an int, got bool False"),
        ("3", "the count must be an int, got str '3'"),
        (None, "the count must be an int, got None"),
        (float("nan"), "the count must be an int, got float nan"),
        (np.array([3]), "the count must be one number, got an array of shape (1,)"),
        ([3], "the count must be an int, got list [3]"),
    ],
    ids=repr,
)
def test_as_number_integer_refuses_what_is_not_an_int(value, message):
    with pytest.raises(core.Wrong) as info:
        core.as_number(value, "the count", integer=True)
    assert info.value.reason == message


@pytest.mark.parametrize(
    "value",
    [2.5, 2, np.float32(2.5), np.int64(2), np.array(2.5), mnp.array(2.5), float("inf")],
    ids=repr,
)
def test_as_number_accepts_numbers_and_infinity(value):
    got = core.as_number(value, "the loss")
    assert type(got) is float and got == float(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("3", "the loss must be a number, got str '3'"),
        (True, "the loss must be a number, got bool True"),
        (None, "the loss must be a number, got None"),
        (float("nan"), "the loss must be a number, got float nan (NaN: not a number)"),
        (np.array([2.5]), "the loss must be one number, got an array of shape (1,)"),
        (mnp.array([[2.5]]), "the loss must be one number, got an array of shape (1, 1)"),
        ([2.5], "the loss must be a number, got list [2.5]"),
        (1 + 2j, "the loss must be a number, got complex (1+2j)"),
    ],
    ids=repr,
)
def test_as_number_refuses_what_is_not_one_number(value, message):
    with pytest.raises(core.Wrong) as info:
        core.as_number(value, "the loss")
    assert info.value.reason == message


def test_as_array_keeps_the_shape_and_the_values():
    column = core.as_array(np.arange(3.0)[:, None], "H")
    assert column.shape == (3, 1) and column.dtype == np.float64  # not squeezed to (3,)
    assert core.as_array(mnp.array([1.5, 2.5]), "H").tolist() == [1.5, 2.5]
    assert core.as_array([[1, 2], [3, 4]], "H").shape == (2, 2)
    assert np.isnan(core.as_array([1.0, np.nan], "H")[1])  # kept, for same() to reject
    tokens = core.as_array(np.array([[1, 2]], dtype=np.int32), "X", integer=True)
    assert tokens.dtype == np.int64 and tokens.tolist() == [[1, 2]]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "H must be an array of numbers, got str 'abc'"),
        (None, "H must be an array of numbers, got None"),
        (True, "H must be an array of numbers, got bool True"),
        ([1.0, True], "H must be an array of numbers, got list [1.0, True], which holds bool True"),
        (["1", "2"], "H must be an array of numbers, got list ['1', '2'], which holds str '1'"),
        (np.array([True, False]), "H must be an array of numbers, got ndarray of dtype bool"),
        (np.array(["1.5"]), "H must be an array of numbers, got ndarray of dtype <U3"),
        (
            np.array([1.5], dtype=object),
            "H must be an array of numbers, got ndarray of dtype object",
        ),
        ([[1.0, 2.0], [3.0]], "H must be an array of numbers, got list [[1.0, 2.0], [3.0]]"),
        (object(), "H must be an array of numbers, got object"),
    ],
    ids=lambda v: type(v).__name__ if type(v) is object else repr(v),  # no address: xdist
)
def test_as_array_refuses_what_is_not_an_array_of_numbers(value, message):
    with pytest.raises(core.Wrong) as info:
        core.as_array(value, "H")
    assert info.value.reason.startswith(message)


@pytest.mark.parametrize(
    "value", [np.array([1.0, 2.0]), np.array([1.5]), [0.0, 1.0], mnp.array([1, 2], dtype="float32")]
)
def test_as_array_integer_refuses_floats_even_whole_ones(value):
    with pytest.raises(core.Wrong, match="X must be an array of ints, got "):
        core.as_array(value, "X", integer=True)


def test_same_compares_shapes_and_never_calls_nan_equal():
    assert core.same([1.0, 2.0], [1.0, 2.0])
    assert not core.same(np.array([[1.0], [2.0]]), np.array([1.0, 2.0]))
    assert not core.same([np.nan], [np.nan])


# ------------------------------------------------------------------ what the helpers promise


def test_a_passed_exercise_is_reported_under_its_own_title(registered, monkeypatch):
    core.exercise("99.2", "halving", hint="return x / 2")(lambda answer: None)
    assert judge("99.2", abs).message == "halving: every test passed."
    ex = core.exercises()[registered]
    assert (ex.key, ex.title, ex.hint) == ("99.1", "doubling", "return 2 * x")


def test_a_hint_is_shown_only_under_a_verdict_that_did_not_pass():
    assert core.Verdict("1.1", True, "fine.", "a hint").text() == "Exercise 1.1: correct. Fine."
    assert core.Verdict("1.1", False, "wrong.", "").text() == "Exercise 1.1: not yet. Wrong."
    assert core.Verdict("1.1", False, "wrong.", "h").text().endswith("Wrong.\n  Hint: h")


def test_a_failing_answer_keeps_its_own_exception():
    with pytest.raises(core.AnswerFailed) as e:
        core.call(lambda: 1 / 0)
    assert isinstance(e.value.error, ZeroDivisionError)
    assert str(e.value) == "ZeroDivisionError: division by zero"


def test_a_long_answer_is_shown_cut_at_60_characters():
    whole = "a" * 58  # its repr has 60 characters: shown whole
    with pytest.raises(core.Wrong) as e:
        core.as_number(whole, "loss")
    assert str(e.value) == f"loss must be a number, got str {whole!r}"
    cut = "b" * 59  # 61 characters: its first 57, then "..."
    with pytest.raises(core.Wrong) as e:
        core.as_number(cut, "loss")
    assert str(e.value) == f"loss must be a number, got str '{'b' * 56}..."


def test_an_answer_with_a_shape_but_no_dtype_is_shown_by_its_repr():
    class Shaped:
        shape = (2,)

        def __repr__(self):
            return "Shaped()"

    with pytest.raises(core.Wrong, match=r"^loss must be a number, got Shaped Shaped\(\)$"):
        core.as_number(Shaped(), "loss")


def test_as_number_names_its_own_argument():
    with pytest.raises(TypeError, match=r"^what must be a str, got int 5$"):
        core.as_number(1.0, 5)


def test_first_match_uses_the_tolerances_it_is_given():
    mistakes = {"off by 5%": np.array([1.05]), "off by 0.05": np.array([0.05])}
    assert core.first_match(np.array([1.0]), mistakes) is None
    assert core.first_match(np.array([1.0]), mistakes, rtol=0.1) == "off by 5%"
    assert core.first_match(np.array([0.0]), mistakes) is None
    assert core.first_match(np.array([0.0]), mistakes, atol=0.1) == "off by 0.05"


def test_log_softmax_is_exact_for_rows_of_very_different_scales():
    # Row by row, log softmax([a, a - 1000]) = [-log(1 + e^-1000), -1000 - ...] = [0, -1000].
    got = core.log_softmax(np.array([[1000.0, 0.0], [0.0, -1000.0]]))
    np.testing.assert_allclose(got, [[0.0, -1000.0], [0.0, -1000.0]], atol=1e-12)


def test_as_array_says_what_it_got_and_what_it_holds():
    with pytest.raises(core.Wrong) as e:
        core.as_array("abc", "X")
    assert str(e.value) == "X must be an array of numbers, got str 'abc'"
    with pytest.raises(core.Wrong) as e:
        core.as_array([1.0, "2"], "X")
    assert str(e.value) == "X must be an array of numbers, got list [1.0, '2'], which holds str '2'"


def test_an_answer_numpy_cannot_convert_is_wrong_not_a_crash():
    class Unconvertible:
        def __array__(self, dtype=None):
            raise ValueError("no array here")

        def __repr__(self):
            return "Unconvertible()"

    with pytest.raises(core.Wrong, match=r"^X must be an array of numbers, got Unconvertible"):
        core.as_array(Unconvertible(), "X")


def test_same_refuses_negative_tolerances():
    with pytest.raises(ValueError, match=r"^atol must be a finite number >= 0, got -1"):
        core.same(np.zeros(1), np.zeros(1), atol=-1)
    with pytest.raises(ValueError, match=r"^rtol must be a finite number >= 0, got -1"):
        core.same(np.zeros(1), np.zeros(1), rtol=-1)


def test_call_passes_keyword_arguments_and_names_what_is_not_a_function():
    assert core.call(lambda x, k=0: x + k, 1, k=2) == 3
    with pytest.raises(core.Wrong, match=r"^the answer must be a function, got int 5$"):
        core.call(5, 1)


def test_an_unknown_key_lists_the_known_ones(registered, monkeypatch):
    core.exercise("99.2", "halving", hint="return x / 2")(lambda answer: None)
    with pytest.raises(ValueError, match=r"got '99\.9'; known: .*99\.1, 99\.2$"):
        judge("99.9", abs)
    monkeypatch.setattr(core, "_REGISTRY", {})
    with pytest.raises(ValueError, match=r"got '99\.9'; known: none$"):
        judge("99.9", abs)


def test_the_untouched_starter_is_told_what_to_do(registered):
    def starter(x):
        raise NotImplementedError

    assert judge(registered, starter).message == (
        "not attempted yet: the starter still raises NotImplementedError; replace that line "
        "with your code and run the cell again."
    )


def test_an_answer_that_raises_is_reported_under_its_exercise(registered):
    verdict = judge(registered, lambda x: x / 0)
    assert verdict.key == "99.1"
    assert verdict.text() == (
        "Exercise 99.1: not yet. Your answer raised ZeroDivisionError: division by zero\n"
        "  Hint: return 2 * x"
    )
