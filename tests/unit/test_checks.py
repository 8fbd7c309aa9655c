"""The shared argument checks: one message format, TypeError for a type, ValueError for a range."""

import numpy as np
import pytest

from d2lrnn import checks


@pytest.mark.parametrize("value", [0, 3, np.int64(3), np.int32(0)])
def test_check_int_returns_a_python_int(value):
    out = checks.check_int(value, "n", 0)
    assert out == value and type(out) is int


@pytest.mark.parametrize("value", [1.5, 2.0, "3", None, True, np.bool_(True), [1]])
def test_check_int_refuses_other_types_with_type_error(value):
    with pytest.raises(TypeError, match=r"^n must be an int >= 1, got \w+ "):
        checks.check_int(value, "n", 1)


def test_check_int_refuses_small_values_with_value_error():
    with pytest.raises(ValueError, match=r"^num_steps must be an int >= 1, got 0$"):
        checks.check_int(0, "num_steps", 1)
    with pytest.raises(ValueError, match=r"^alpha must be an int >= -2, got -3$"):
        checks.check_int(np.int8(-3), "alpha", -2)


def test_check_str():
    assert checks.check_str("abc", "text") == "abc"
    with pytest.raises(TypeError, match="text must be a str, got bytes b'abc'"):
        checks.check_str(b"abc", "text")


def test_check_tokens():
    assert checks.check_tokens(("a", "bc")) == ["a", "bc"]
    assert checks.check_tokens(iter(["x"])) == ["x"]
    assert checks.check_tokens([]) == []
    with pytest.raises(TypeError, match="tokens must be a list of str tokens, got a str"):
        checks.check_tokens("abc")
    with pytest.raises(TypeError, match=r"prefix\[1\] must be a str token, got int 2"):
        checks.check_tokens(["a", 2], "prefix")


def test_check_series():
    x = checks.check_series([1, 2, 3])
    assert x.dtype == np.float32 and x.shape == (3,)
    np.testing.assert_array_equal(x, [1, 2, 3])
    with pytest.raises(ValueError, match=r"series must be a 1-D array, got shape \(2, 2\)"):
        checks.check_series(np.zeros((2, 2)), "series")
    with pytest.raises(ValueError, match=r"x must be a 1-D array, got shape \(\)"):
        checks.check_series(3.0)


def test_check_sequence_returns_a_tuple():
    assert checks.check_sequence([0.5, 1.0], "lrs") == (0.5, 1.0)
    assert checks.check_sequence(np.array([3, 4]), "Ts") == (3, 4)
    with pytest.raises(TypeError, match="lrs must be a non-empty sequence .*, got float 0.5"):
        checks.check_sequence(0.5, "lrs")
    with pytest.raises(ValueError, match=r"lrs must be a non-empty sequence, got \(\)"):
        checks.check_sequence((), "lrs")


def test_check_device():
    import mxnet as mx

    assert checks.check_device(None) is None
    assert checks.check_device(mx.cpu()) == mx.cpu()
    with pytest.raises(TypeError, match="device must be None or an MXNet device .* got str 'cpu'"):
        checks.check_device("cpu")


def test_check_array_refuses_ragged_lists_as_values():
    with pytest.raises(ValueError, match="a must be a rectangular array"):
        checks.check_array([[1.0], [1.0, 2.0]], "a")


# ------------------------------------------------------------------ what each message says


def test_check_array_takes_mxnet_arrays_as_their_values():
    from mxnet import np as mnp

    a = checks.check_array(mnp.array([[1.0, 2.0]]), "X", ndim=2)
    assert isinstance(a, np.ndarray) and a.dtype == np.float32
    np.testing.assert_array_equal(a, [[1.0, 2.0]])
    i = checks.check_array(mnp.array([3, 4], dtype="int32"), "X", kind="i")
    assert i.dtype == np.int32 and i.tolist() == [3, 4]


def test_check_array_messages_name_the_type_the_ranks_and_the_shape():
    with pytest.raises(TypeError, match=r"^x must be an array, got str 'abc'$"):
        checks.check_array("abc", "x")
    with pytest.raises(ValueError, match=r"^x must be a 1-D or 2-D array, got shape \(1, 1, 1\)$"):
        checks.check_array(np.ones((1, 1, 1)), "x", ndim=(1, 2))
    with pytest.raises(ValueError, match=r"^x must have shape \(any, 4\), got \(2, 3\)$"):
        checks.check_array(np.ones((2, 3)), "x", shape=(None, 4))
    with pytest.raises(ValueError, match=r"^x must have shape \(2, any\), got \(3,\)$"):
        checks.check_array(np.ones(3), "x", shape=(2, None))


def test_an_empty_array_allowed_empty_keeps_its_kind_check():
    # np.asarray([]) is float64 with no values: accepted as integers too ...
    assert checks.check_array([], "X", kind="i", allow_empty=True).shape == (0,)
    assert checks.check_array(np.zeros(0, "int64"), "X", kind="i", allow_empty=True).size == 0
    # ... but an empty array of booleans or of floats typed as such is still the wrong kind.
    with pytest.raises(TypeError, match=r"^X must hold numbers, got dtype bool$"):
        checks.check_array(np.zeros(0, bool), "X", allow_empty=True)
    with pytest.raises(TypeError, match=r"^X must hold integers \(token indices\), got dtype f"):
        checks.check_array(np.zeros(0, "float32"), "X", kind="i", allow_empty=True)


def test_check_int_maximum_is_inclusive_and_said():
    assert checks.check_int(5, "k", 1, 5) == 5
    with pytest.raises(ValueError, match=r"^k must be an int >= 1 and <= 5, got 6$"):
        checks.check_int(6, "k", 1, 5)
    with pytest.raises(TypeError, match=r"^k must be an int >= 1 and <= 5, got float 2.5$"):
        checks.check_int(2.5, "k", 1, 5)


def test_check_number_bounds_are_inclusive_unless_strict_and_the_message_says_which():
    assert checks.check_number(1, "p", 0, 1) == 1.0
    assert checks.check_number(0, "p", 0, 1) == 0.0
    with pytest.raises(ValueError, match=r"^p must be a finite number >= 0 and <= 1, got 2$"):
        checks.check_number(2, "p", 0, 1)
    with pytest.raises(ValueError, match=r"^p must be a finite number > 0 and < 1, got 1$"):
        checks.check_number(1, "p", 0, 1, above=True, below=True)
    with pytest.raises(ValueError, match=r"^p must be a finite number <= 1, got 1.5$"):
        checks.check_number(1.5, "p", maximum=1)
    with pytest.raises(ValueError, match=r"^x must be a finite number, got nan$"):
        checks.check_number(float("nan"), "x")
    with pytest.raises(TypeError, match=r"^lr must be a finite number > 0, got str '1'$"):
        checks.check_number("1", "lr", 0, above=True)


def test_check_bool_choice_and_tokens_show_what_they_got():
    with pytest.raises(TypeError, match=r"^flag must be True or False, got str 'no'$"):
        checks.check_bool("no", "flag")
    with pytest.raises(ValueError, match=r"^kind must be one of \['a', 'b'\], got 'z'$"):
        checks.check_choice("z", "kind", ("a", "b"))
    with pytest.raises(ValueError, match=r"^kind must be one of \['a'\], got \[1\]$"):
        checks.check_choice([1], "kind", {"a": 1})  # unhashable against a dict
    with pytest.raises(TypeError, match=r"^tokens must be a list of str tokens, got int 5$"):
        checks.check_tokens(5)
