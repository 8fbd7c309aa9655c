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
