"""Seeds and devices: the one place that decides where and how reproducibly code runs."""

from __future__ import annotations

import random

import mxnet as mx
import numpy as np

from .checks import check_int


def seed(value: int = 0) -> None:
    """Seed Python's ``random``, NumPy's global generator and MXNet (every device)."""
    check_int(value, "value", 0)
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
