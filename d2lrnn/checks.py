"""Argument checks shared by every public function: one message format everywhere.

Each check names the argument, shows the value it received and says what was
expected, e.g. ``num_steps must be an int >= 1, got 0``. A value of the wrong
type raises :class:`TypeError`, a value of the right type out of range
:class:`ValueError`.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def check_int(value: object, arg: str, minimum: int) -> int:
    """Return ``value`` as an ``int`` if it is an integer ``>= minimum``.

    ``bool`` is refused although Python counts it as an int; NumPy integers
    are accepted. Raises ``TypeError`` for a non-integer and ``ValueError``
    for one below ``minimum``, both worded
    ``"{arg} must be an int >= {minimum}, got {value!r}"``.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{arg} must be an int >= {minimum}, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{arg} must be an int >= {minimum}, got {value!r}")
    return int(value)


def check_str(value: Any, arg: str) -> str:
    """Return ``value`` if it is a ``str``; otherwise raise ``TypeError`` naming ``arg``."""
    if not isinstance(value, str):
        raise TypeError(f"{arg} must be a str, got {type(value).__name__} {value!r}")
    return value


def check_tokens(tokens: Any, arg: str = "tokens") -> list[str]:
    """Return ``tokens`` as a list if it is a sequence of ``str`` tokens (not one ``str``)."""
    if isinstance(tokens, str):
        raise TypeError(f"{arg} must be a list of str tokens, got a str; split it with a tokenizer")
    tokens = list(tokens)
    for i, t in enumerate(tokens):
        if not isinstance(t, str):
            raise TypeError(f"{arg}[{i}] must be a str token, got {type(t).__name__} {t!r}")
    return tokens


def check_series(x: Any, arg: str = "x") -> np.ndarray:
    """Return ``x`` as a float32 NumPy array if it is a 1-D series; else ``ValueError``."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 1:
        raise ValueError(f"{arg} must be a 1-D series, got shape {x.shape}")
    return x
