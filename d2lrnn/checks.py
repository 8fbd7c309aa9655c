"""Argument checks shared by every public function: one message format everywhere.

Each check names the argument, shows the value it received and says what was
expected, e.g. ``num_steps must be an int >= 1, got 0``. A value of the wrong
type raises :class:`TypeError`, a value of the right type but out of range
:class:`ValueError`. Python numbers, NumPy scalars and 0-d NumPy or MXNet
arrays are all accepted where a number is expected, so that a value computed
with NumPy can be passed as it is; ``bool`` never counts as a number.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "check_array",
    "check_bool",
    "check_choice",
    "check_device",
    "check_indices",
    "check_int",
    "check_number",
    "check_sequence",
    "check_series",
    "check_str",
    "check_tokens",
]


def _scalar(value: Any) -> Any:
    """A 0-d NumPy or MXNet array as its Python value; anything else unchanged."""
    if getattr(value, "shape", None) == () and hasattr(value, "item"):
        return value.item()
    return value


def _shown(value: Any) -> str:
    """``repr(value)``, a NumPy scalar as its Python value: ``-3``, not numpy 2's
    ``np.int8(-3)``, so that a message reads the same with numpy 1 and 2."""
    return repr(value.item()) if isinstance(value, np.generic) else repr(value)


def _is_bool(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


def check_int(value: object, arg: str, minimum: int, maximum: int | None = None) -> int:
    """Return ``value`` as an ``int`` if it is an integer in ``[minimum, maximum]``.

    Python and NumPy integers (and 0-d integer arrays) are accepted; ``bool``
    and floats, even whole ones, are refused. Raises ``TypeError`` for a
    non-integer and ``ValueError`` out of range, both worded
    ``"{arg} must be an int >= {minimum}, got {value!r}"``.
    """
    scalar = _scalar(value)
    expected = f"an int >= {minimum}" + (f" and <= {maximum}" if maximum is not None else "")
    if _is_bool(scalar) or not isinstance(scalar, (int, np.integer)):
        raise TypeError(f"{arg} must be {expected}, got {type(value).__name__} {_shown(value)}")
    if scalar < minimum or (maximum is not None and scalar > maximum):
        raise ValueError(f"{arg} must be {expected}, got {_shown(value)}")
    return int(scalar)


def check_number(
    value: object,
    arg: str,
    minimum: float | None = None,
    maximum: float | None = None,
    *,
    above: bool = False,
    below: bool = False,
) -> float:
    """Return ``value`` as a finite ``float`` in the given range.

    ``minimum`` and ``maximum`` are inclusive, unless ``above`` (``value >
    minimum``) or ``below`` (``value < maximum``). NaN and infinities are
    always refused. Raises ``TypeError`` for a non-number (``bool``, ``str``,
    ``None``, an array of more than one value) and ``ValueError`` otherwise.
    """
    bounds = []
    if minimum is not None:
        bounds.append(f"> {minimum:g}" if above else f">= {minimum:g}")
    if maximum is not None:
        bounds.append(f"< {maximum:g}" if below else f"<= {maximum:g}")
    expected = "a finite number" + (" " + " and ".join(bounds) if bounds else "")
    scalar = _scalar(value)
    if _is_bool(scalar) or not isinstance(scalar, (int, float, np.integer, np.floating)):
        raise TypeError(f"{arg} must be {expected}, got {type(value).__name__} {_shown(value)}")
    x = float(scalar)
    bad = (
        not math.isfinite(x)
        or (minimum is not None and (x <= minimum if above else x < minimum))
        or (maximum is not None and (x >= maximum if below else x > maximum))
    )
    if bad:
        raise ValueError(f"{arg} must be {expected}, got {_shown(value)}")
    return x


def check_bool(value: object, arg: str) -> bool:
    """Return ``value`` if it is a ``bool`` (or NumPy bool); a string like ``'no'`` is refused."""
    scalar = _scalar(value)
    if not _is_bool(scalar):
        raise TypeError(f"{arg} must be True or False, got {type(value).__name__} {_shown(value)}")
    return bool(scalar)


def check_choice(value: object, arg: str, options: Sequence) -> Any:
    """Return ``value`` if it is one of ``options``; otherwise ``ValueError`` listing them."""
    try:
        ok = value in options
    except TypeError:  # e.g. an unhashable value against a dict
        ok = False
    if not ok:
        raise ValueError(f"{arg} must be one of {list(options)}, got {_shown(value)}")
    return value


def check_sequence(values: Any, arg: str) -> tuple:
    """Return ``values`` as a tuple if it is a non-empty sequence (a list, tuple or 1-D array).

    For settings that take several values, one per frame or run (``lrs=(0.5, 1.0)``):
    a single value or a ``str`` raises ``TypeError``, an empty sequence ``ValueError``.
    """
    if isinstance(values, (str, bytes, dict, set)) or not hasattr(values, "__len__"):
        raise TypeError(
            f"{arg} must be a non-empty sequence (a list or tuple), got {type(values).__name__} "
            f"{values!r}"
        )
    if getattr(values, "ndim", 1) != 1:
        raise ValueError(f"{arg} must be a 1-D sequence, got shape {values.shape}")
    if not len(values):
        raise ValueError(f"{arg} must be a non-empty sequence, got {values!r}")
    return tuple(values)


def check_device(device: Any, arg: str = "device") -> Any:
    """Return ``device`` if it is ``None`` (the default) or an MXNet device (``mx.cpu()``)."""
    if device is None:
        return None
    import mxnet as mx  # only when given a device

    if not isinstance(device, mx.Context):
        raise TypeError(
            f"{arg} must be None or an MXNet device such as mx.cpu() or mx.gpu(0), got "
            f"{type(device).__name__} {device!r}"
        )
    return device


def check_str(value: Any, arg: str) -> str:
    """Return ``value`` if it is a ``str``; otherwise raise ``TypeError`` naming ``arg``."""
    if not isinstance(value, str):
        raise TypeError(f"{arg} must be a str, got {type(value).__name__} {value!r}")
    return value


def check_tokens(tokens: Any, arg: str = "tokens") -> list[str]:
    """Return ``tokens`` as a list if it is a sequence of ``str`` tokens (not one ``str``)."""
    if isinstance(tokens, str):
        raise TypeError(f"{arg} must be a list of str tokens, got a str; split it with a tokenizer")
    try:
        tokens = list(tokens)
    except TypeError:
        raise TypeError(
            f"{arg} must be a list of str tokens, got {type(tokens).__name__} {tokens!r}"
        ) from None
    for i, t in enumerate(tokens):
        if not isinstance(t, str):
            raise TypeError(f"{arg}[{i}] must be a str token, got {type(t).__name__} {t!r}")
    return tokens


def check_series(x: Any, arg: str = "x") -> np.ndarray:
    """Return ``x`` as a float32 NumPy array if it is a non-empty 1-D series of finite numbers."""
    x = check_array(x, arg, ndim=1, kind="f")
    return x.astype(np.float32)


_RaggedWarning = getattr(getattr(np, "exceptions", np), "VisibleDeprecationWarning", Warning)


def _as_numpy(x: Any, arg: str) -> np.ndarray:
    if hasattr(x, "asnumpy"):  # an MXNet array
        return x.asnumpy()
    if x is None or isinstance(x, (str, bytes, dict, set)):
        raise TypeError(f"{arg} must be an array, got {type(x).__name__} {x!r}")
    with warnings.catch_warnings():  # NumPy < 1.24 warns of ragged lists, then makes objects
        warnings.simplefilter("error", _RaggedWarning)
        try:
            return np.asarray(x)
        except (ValueError, _RaggedWarning) as error:  # ragged nested lists
            raise ValueError(f"{arg} must be a rectangular array: {error}") from None


def check_array(
    x: Any,
    arg: str,
    ndim: int | tuple[int, ...] | None = None,
    kind: str = "f",
    shape: tuple[int | None, ...] | None = None,
    allow_empty: bool = False,
    finite: bool = True,
) -> np.ndarray:
    """Return ``x`` as a NumPy array after checking its rank, element kind, shape and values.

    ``kind`` is ``'f'`` (numbers; integers are accepted and must be finite)
    or ``'i'`` (integers only: a float array, even of whole numbers, is
    refused, as token indices must be). ``shape`` may hold ``None`` for any
    size. The array must not be empty unless ``allow_empty``, and its numbers
    must be finite unless ``finite=False``.
    """
    a = _as_numpy(x, arg)
    ndims = (ndim,) if isinstance(ndim, int) else ndim
    if ndims is not None and a.ndim not in ndims:
        names = " or ".join(f"{n}-D" for n in ndims)
        raise ValueError(f"{arg} must be a {names} array, got shape {a.shape}")
    if a.size == 0 and not allow_empty:
        raise ValueError(f"{arg} must not be empty, got shape {a.shape}")
    if a.size == 0 and a.dtype == np.float64:  # np.asarray([]): no dtype to check
        return a
    if kind == "i":
        if a.dtype == bool or not np.issubdtype(a.dtype, np.integer):
            raise TypeError(f"{arg} must hold integers (token indices), got dtype {a.dtype}")
    elif not (np.issubdtype(a.dtype, np.number) and a.dtype != bool):
        raise TypeError(f"{arg} must hold numbers, got dtype {a.dtype}")
    if shape is not None and (
        len(shape) != a.ndim or any(s is not None and s != n for s, n in zip(shape, a.shape))
    ):
        want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
        raise ValueError(f"{arg} must have shape {want}, got {a.shape}")
    if finite and kind == "f" and a.size and not np.all(np.isfinite(a)):
        raise ValueError(f"{arg} must hold finite numbers, got NaN or infinity")
    return a


def check_indices(X: Any, arg: str, size: int) -> None:
    """``X`` (a NumPy or MXNet array) must hold integer token indices in ``[0, size)``.

    Checked once per call on the whole array (one minimum and one maximum),
    so that an index the model cannot represent (a vocabulary larger than
    the model's, for example) is an error, not a silently clipped lookup.
    """
    if hasattr(X, "asnumpy"):  # MXNet: check on the device, then one small copy
        if X.size == 0:
            raise ValueError(f"{arg} must not be empty, got shape {X.shape}")
        if not np.issubdtype(np.dtype(X.dtype), np.integer):
            raise TypeError(f"{arg} must hold integer token indices, got dtype {X.dtype}")
        from mxnet import np as mnp  # only when given an MXNet array

        lo, hi = (int(v) for v in mnp.stack([X.min(), X.max()]).asnumpy())
    else:
        a = check_array(X, arg, kind="i")
        lo, hi = int(a.min()), int(a.max())
    if lo < 0 or hi >= size:
        raise ValueError(
            f"{arg} must hold token indices in [0, {size}) (the model's vocabulary or input "
            f"size), got values from {lo} to {hi}"
        )
