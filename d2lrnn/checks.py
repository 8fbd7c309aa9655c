"""Argument checks shared by the public functions: one message format everywhere."""

from __future__ import annotations

import numpy as np


def check_int(value: object, arg: str, minimum: int) -> int:
    """Return ``value`` as an ``int`` if it is an integer ``>= minimum``.

    Otherwise raise ``ValueError("{arg} must be an int >= {minimum}, got {value!r}")``.
    ``bool`` is refused although Python counts it as an int; NumPy integers are accepted.
    """
    if (
        isinstance(value, (bool, np.bool_))
        or not isinstance(value, (int, np.integer))
        or value < minimum
    ):
        raise ValueError(f"{arg} must be an int >= {minimum}, got {value!r}")
    return int(value)
