"""Seeds and devices: the one place that decides where and how reproducibly code runs.

Importing this module also switches on, once per process, what the book's
MXNet code needs: MXNet's NumPy interface (``npx.set_np()``, which gluon needs
before any block is built with it) and :func:`keep_freed_memory`. Every module
of d2lrnn that uses MXNet imports this one, directly or through
:mod:`d2lrnn.gluon_adapter`, so that ``from d2lrnn import layers`` is enough;
``import d2lrnn`` alone imports no MXNet (see :func:`d2lrnn.doctor`).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import ctypes
import ctypes.util
import multiprocessing
import os
import random
from collections.abc import Callable, Sequence

import mxnet as mx
import numpy as np
from mxnet import npx

from .checks import check_int

__all__ = ["default_device", "in_processes", "keep_freed_memory", "num_gpus", "seed"]


def seed(value: int = 0) -> None:
    """Seed Python's ``random``, NumPy's global generator and MXNet (every device)."""
    value = check_int(value, "value", 0, 2**32 - 1)  # NumPy's seeds are 32-bit
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


# glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def keep_freed_memory() -> bool:
    """Let glibc's ``malloc`` reuse freed memory instead of handing it back to the system.

    MXNet on a CPU allocates and frees arrays of several MB at every training
    step (activations, gradients). By default glibc serves blocks over a
    threshold with fresh ``mmap`` pages and trims the heap when its top is
    free, so each step pays again for page faults. Raising the ``mmap``
    threshold to its maximum (32 MB) and the trim threshold to 1 GB keeps
    those blocks for reuse: training the book's models is about 15% faster,
    and the peak memory is unchanged (what is kept had been in use).
    Called once when this module is imported; returns ``False`` where
    there is no glibc (macOS, Windows, musl), and changes nothing there.
    """
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, 32 << 20)) and bool(mallopt(_M_TRIM_THRESHOLD, 1 << 30))


@contextlib.contextmanager
def _environment(**values: str):
    """Set environment variables for the duration of a ``with`` block, then restore them."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def in_processes(fn: Callable, calls: Sequence[tuple], workers: int, order=None) -> list:
    """``[fn(*args) for args in calls]``, computed by ``workers`` new processes side by side.

    For independent runs that seed themselves (the same result in any order
    and in any process). Each worker is a fresh Python (``spawn``) whose MXNet
    uses one OpenMP thread, so that ``workers`` runs share the cores instead of
    fighting over them. ``order``, if given, is the order in which to start
    the calls (indices into ``calls``; put the longest first, so that no
    worker is left alone with a long one at the end); the results come back
    in the order of ``calls``. ``fn`` must be importable (a module's
    top-level function), and so must its arguments and results be picklable.
    An exception in a call is raised here, with its type and message.
    ``workers=1`` runs the calls here, one after another.
    """
    check_int(workers, "workers", 1)
    calls = [tuple(args) for args in calls]
    order = list(range(len(calls))) if order is None else list(order)
    if sorted(order) != list(range(len(calls))):
        raise ValueError(
            f"order must list each index of calls (0 to {len(calls) - 1}) once, got {order}"
        )
    if workers == 1 or len(calls) <= 1:
        return [fn(*args) for args in calls]
    results: list = [None] * len(calls)
    context = multiprocessing.get_context("spawn")
    with (
        _environment(MXNET_OMP_MAX_THREADS="1", OMP_NUM_THREADS="1"),
        concurrent.futures.ProcessPoolExecutor(min(workers, len(calls)), context) as pool,
    ):
        futures = {pool.submit(fn, *calls[i]): i for i in order}
        for future, i in futures.items():
            results[i] = future.result()
    return results


npx.set_np()
keep_freed_memory()
