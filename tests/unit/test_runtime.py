"""Seeds and devices, and glibc's malloc settings."""

import platform
import subprocess
import sys

import mxnet as mx
import numpy as np
import pytest
from mxnet import np as mnp

import d2lrnn
from d2lrnn import runtime


def test_seed_makes_mxnet_and_numpy_repeat():
    d2lrnn.seed(5)
    a = (mnp.random.normal(size=3).asnumpy(), np.random.rand(3))
    d2lrnn.seed(5)
    b = (mnp.random.normal(size=3).asnumpy(), np.random.rand(3))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


@pytest.mark.parametrize(
    "value, exc", [(-1, ValueError), (1.5, TypeError), ("0", TypeError), (True, TypeError)]
)
def test_seed_bad_input(value, exc):
    with pytest.raises(exc, match="value must be an int >= 0"):
        d2lrnn.seed(value)


def test_default_device_matches_gpu_count():
    dev = d2lrnn.default_device()
    assert dev.device_type == ("gpu" if runtime.num_gpus() else "cpu")
    assert isinstance(dev, mx.Context)


def test_default_device_is_the_first_gpu_when_there_is_one(monkeypatch):
    for count, expected in ((0, mx.cpu()), (1, mx.gpu(0)), (4, mx.gpu(0))):
        monkeypatch.setattr(runtime, "num_gpus", lambda n=count: n)
        assert runtime.default_device() == expected
    monkeypatch.undo()
    # On this machine: what MXNet itself counts.
    assert runtime.num_gpus() == mx.context.num_gpus()
    assert d2lrnn.default_device() == (mx.gpu(0) if mx.context.num_gpus() else mx.cpu())


def test_a_cpu_only_build_that_refuses_to_count_has_no_gpu(monkeypatch):
    def refuse():
        raise mx.base.MXNetError("CUDA: no device")

    monkeypatch.setattr(mx.context, "num_gpus", refuse)
    assert runtime.num_gpus() == 0 and runtime.default_device() == mx.cpu()


def test_malloc_keeps_freed_memory_on_glibc():
    kept = d2lrnn.keep_freed_memory()
    assert kept is (platform.system() == "Linux" and platform.libc_ver()[0] == "glibc")


def test_importing_a_module_that_uses_mxnet_switches_on_its_numpy_interface():
    """``import d2lrnn`` imports no MXNet; the first module that uses it imports runtime."""
    code = (
        "import d2lrnn, mxnet\n"
        "assert not mxnet.util.is_np_array()\n"
        "from d2lrnn import layers\n"
        "assert mxnet.util.is_np_array()\n"
        "net = layers.RNNScratch(4, 3)\n"
        "net.initialize()\n"
        "assert net(mxnet.np.zeros((2, 1, 3))).shape == (2, 1, 4)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


def test_in_processes_keeps_the_order_of_the_calls_whatever_the_start_order():
    calls = [(2, 3), (3, 2), (2, 5)]
    for workers in (1, 2):
        assert runtime.in_processes(pow, calls, workers, order=[2, 0, 1]) == [8, 9, 32]


def test_in_processes_workers_run_mxnet_on_one_thread_and_the_environment_is_restored(
    monkeypatch,
):
    import os

    monkeypatch.setenv("MXNET_OMP_MAX_THREADS", "2")
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    seen = runtime.in_processes(os.getenv, [("MXNET_OMP_MAX_THREADS",), ("OMP_NUM_THREADS",)], 2)
    assert seen == ["1", "1"]
    assert os.environ["MXNET_OMP_MAX_THREADS"] == "2" and "OMP_NUM_THREADS" not in os.environ


def test_in_processes_raises_a_calls_exception_here():
    with pytest.raises(ValueError, match="invalid literal for int"):
        runtime.in_processes(int, [("1",), ("one",)], 2)
