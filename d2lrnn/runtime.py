"""Seeds and devices: the one place that decides where and how reproducibly code runs."""

from __future__ import annotations

import random

import mxnet as mx
import numpy as np


def seed(value: int = 0) -> None:
    """Seed Python's ``random``, NumPy's global generator and MXNet (every device)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"value must be an int >= 0, got {value!r}")
    random.seed(value)
    np.random.seed(value)
    mx.random.seed(value)


def num_gpus() -> int:
    """How many GPUs MXNet can use (0 on a CPU-only build or machine)."""
    try:
        return mx.context.num_gpus()
    except mx.base.MXNetError:  # a CPU-only build may refuse to count
        return 0


def default_device() -> mx.Context:
    """The first GPU when MXNet sees one, otherwise the CPU."""
    return mx.gpu(0) if num_gpus() > 0 else mx.cpu()
