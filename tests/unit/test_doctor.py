"""The environment doctor: every diagnosis from faked facts, the report, strictness, a real run.

:func:`diagnose` is pure, so each known setup is a :class:`Facts` made by hand;
the import failures use what MXNet 1.9.1 really prints with numpy 1.26 and 2.
The last part runs the real thing: :func:`gather` on this machine, the
subprocess that tries ``import mxnet``, and ``import d2lrnn`` importing no MXNet.
"""

import ast
import dataclasses
import importlib
import json
import os
import platform
import subprocess
import sys
import types

import numpy as np
import pytest

import d2lrnn

dm = importlib.import_module("d2lrnn.doctor")  # the module (d2lrnn.doctor is the function)


@pytest.fixture(autouse=True)
def empty_cache(tmp_path, monkeypatch):
    """Each test starts with nothing remembered (gather remembers a successful import)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("D2LRNN_CACHE_DIR", str(folder))
    monkeypatch.delenv(dm.CACHE_ENV, raising=False)
    return folder / "doctor"


GOOD = dm.Facts(
    python="3.11.7",
    numpy="1.23.5",
    system="Linux",
    machine="x86_64",
    colab=False,
    gpu_visible=False,
    mxnet=(("mxnet", "1.9.1"),),
    mxnet_import=dm.MXNetImport(True, "1.9.1", cuda=False, num_gpus=0),
    executable="/home/reader/d2lrnn/.venv/bin/python",
)
NOT_INSTALLED = dm.MXNetImport(
    False,
    error="ModuleNotFoundError: No module named 'mxnet'",
    stderr='Traceback (most recent call last):\n  File "<string>", line 3, in <module>\n'
    "ModuleNotFoundError: No module named 'mxnet'",
)
SITE = "/home/reader/.venv/lib/python3.11/site-packages"
# The end of what `import mxnet` (1.9.1) prints with numpy 1.26.4, then with numpy 2.2.6.
NUMPY_126 = f"""\
  File "{SITE}/mxnet/numpy/utils.py", line 37, in <module>
    bool = onp.bool
           ^^^^^^^^
  File "{SITE}/numpy/__init__.py", line 324, in __getattr__
    raise AttributeError(__former_attrs__[attr])
AttributeError: module 'numpy' has no attribute 'bool'.
`np.bool` was a deprecated alias for the builtin `bool`. To avoid this error in existing code, \
use `bool` by itself. Doing this will not modify any behavior and is safe. If you specifically \
wanted the numpy scalar type, use `np.bool_` here.
The aliases was originally deprecated in NumPy 1.20; for more details and guidance see the \
original release note at:
    https://numpy.org/devdocs/release/1.20.0-notes.html#deprecations. Did you mean: 'bool_'?"""
NUMPY_2 = f"""\
  File "{SITE}/mxnet/numpy/utils.py", line 42, in <module>
    PZERO = onp.PZERO
            ^^^^^^^^^
  File "{SITE}/numpy/__init__.py", line 400, in __getattr__
    raise AttributeError(
AttributeError: `np.PZERO` was removed in the NumPy 2.0 release. Use `0.0` instead."""


def facts(**changes) -> dm.Facts:
    """The good setup with some facts changed."""
    return dataclasses.replace(GOOD, **changes)


def no_mxnet(**changes) -> dm.Facts:
    """No MXNet installed, and other facts changed."""
    return facts(mxnet=(), mxnet_import=NOT_INSTALLED, **changes)


def failed(stderr: str, **changes) -> dm.Facts:
    """MXNet 1.9.1 installed, but its import failed printing ``stderr``."""
    error = dm._error_line(stderr, 1)
    return facts(mxnet_import=dm.MXNetImport(False, error=error, stderr=stderr), **changes)


def only(findings: list, level: str = "error") -> dm.Finding:
    """The one finding there is, at ``level``."""
    assert [f.level for f in findings] == [level], findings
    return findings[0]


def report(f: dm.Facts) -> dm.Report:
    return dm.Report(f, tuple(dm.diagnose(f)))


# ------------------------------------------------------------------- good setups


def test_a_good_setup_has_no_finding_and_one_line():
    assert dm.diagnose(GOOD) == []
    text = report(GOOD).text
    assert text == (
        "d2lrnn doctor: Python 3.11.7, numpy 1.23.5, MXNet 1.9.1 (CPU), Linux x86_64: ready."
    )
    assert report(GOOD).ready


def test_a_good_setup_with_a_gpu_mxnet_uses_is_one_line_too():
    f = facts(gpu_visible=True, mxnet_import=dm.MXNetImport(True, "1.9.1", True, 2))
    assert dm.diagnose(f) == []
    assert report(f).text.endswith("MXNet 1.9.1 (2 GPU), Linux x86_64: ready.")


def test_an_x86_64_python_on_a_mac_is_fine():
    """Under Rosetta 2, macOS reports x86_64, and MXNet's wheel installs."""
    assert dm.diagnose(facts(system="Darwin", machine="x86_64")) == []


# ------------------------------------------------------------------- Python and numpy


@pytest.mark.parametrize(
    "python, numpy, colab",
    [
        ("3.11.7", "1.23.5", False),  # the oldest set
        ("3.12.1", "1.26.4", False),
        ("3.13.0", "2.5.5", False),  # the newest set
        ("3.13.15", "2.1.3", True),  # Google Colab's runtime, once the first cell has run
        ("3.11.9", "2.5.5", False),
    ],
)
def test_every_supported_combination_is_ready_in_one_line(python, numpy, colab):
    f = facts(python=python, numpy=numpy, colab=colab)
    assert dm.diagnose(f) == []
    where = "Linux x86_64, Google Colab" if colab else "Linux x86_64"
    assert report(f).text == (
        f"d2lrnn doctor: Python {python}, numpy {numpy}, MXNet 1.9.1 (CPU), {where}: ready."
    )


def test_python_3_14_is_untested():
    finding = only(dm.diagnose(facts(python="3.14.0")), "warning")
    assert finding.message == (
        "Python 3.14.0: the book is tested on Python 3.11, 3.12 and 3.13, not yet on this "
        "newer one."
    )
    assert "make lab PYTHON=python3.13" in finding.fix and "Binder" in finding.fix
    # Where MXNet does not import, it is an error, and the import's failure is shown too.
    python, failure = dm.diagnose(failed("SyntaxError: invalid syntax", python="3.14.0"))
    assert python.level == failure.level == "error" and python.message.startswith("Python 3.14.0")


def test_an_older_python_is_an_error_until_mxnet_imports():
    finding, missing = dm.diagnose(no_mxnet(python="3.10.12"))
    assert finding.level == "error" and finding.message.endswith("this one is older.")
    assert missing.message == "MXNet is not installed."
    assert only(dm.diagnose(facts(python="3.10.12")), "warning").message.startswith("Python 3.10")


def test_a_numpy_newer_than_tested_is_a_warning_while_mxnet_imports():
    finding = only(dm.diagnose(facts(python="3.13.0", numpy="2.6.0")), "warning")
    assert finding.message == (
        "numpy 2.6.0: the book is tested with numpy 1.23.5 to 2.5; this one is newer."
    )
    assert finding.fix == "If something fails, `pip install 'numpy<2.6'`."


def test_a_name_numpy_removed_that_compat_does_not_fill_in():
    """With d2lrnn.compat, numpy 1.26 and 2.x import MXNet; a newer numpy may remove more."""
    stderr = NUMPY_2.replace("PZERO", "SOMETHING_NEW")
    numpy, failure = dm.diagnose(failed(stderr, python="3.13.0", numpy="2.7.0"))
    assert numpy.level == failure.level == "error" and numpy.message.startswith("numpy 2.7.0")
    assert failure.message.startswith("`import mxnet` fails: AttributeError: `np.SOMETHING_NEW`")
    assert failure.fix.startswith("numpy 2.7.0 lacks a name that MXNet 1.9.1 reads")
    assert "`pip install 'numpy>=1.23.5,<2.6'`" in failure.fix and failure.details == stderr
    old = only(dm.diagnose(failed(NUMPY_126, python="3.12.1", numpy="1.26.4")))
    assert "d2lrnn.compat does not fill in" in old.fix


def test_python_3_12_without_setuptools_has_no_distutils():
    stderr = (
        f'  File "{SITE}/mxnet/numpy_op_fallback.py", line 20, in <module>\n'
        "    from distutils.version import StrictVersion\n"
        "ModuleNotFoundError: No module named 'distutils'"
    )
    finding = only(dm.diagnose(failed(stderr, python="3.12.1", numpy="1.26.4")))
    assert (
        finding.message == "`import mxnet` fails: ModuleNotFoundError: No module named 'distutils'"
    )
    assert finding.fix == (
        "Python 3.12.1 has no distutils (removed in 3.12), which MXNet imports; setuptools "
        "provides it: `pip install setuptools`."
    )


def test_a_missing_numpy_and_an_old_one():
    numpy, mxnet = dm.diagnose(no_mxnet(numpy=None))
    assert numpy.message == "numpy is not installed." and "pip install -e ." in numpy.fix
    assert mxnet.message == "MXNet is not installed."
    old = only(dm.diagnose(facts(numpy="1.21.6")), "warning")
    assert "tested with numpy 1.23.5 to 2.5; this one is older" in old.message


# ------------------------------------------------------------------- platforms and Colab


def test_windows_has_no_wheel():
    finding = only(dm.diagnose(no_mxnet(system="Windows", machine="AMD64")))
    assert finding.message.startswith("Windows: MXNet 1.9.1 has no Windows wheel")
    assert "WSL2" in finding.fix and "Binder" in finding.fix and "Colab" in finding.fix


def test_apple_silicon_has_no_wheel():
    finding = only(dm.diagnose(no_mxnet(system="Darwin", machine="arm64")))
    assert finding.message.startswith("macOS on Apple Silicon (arm64)")
    assert "Rosetta 2" in finding.fix and "Binder" in finding.fix


def test_colab_before_the_first_cell_says_to_run_it():
    f = no_mxnet(python="3.13.15", numpy="2.1.3", colab=True)
    finding = only(dm.diagnose(f))  # one finding, not one per missing piece
    assert finding.message == (
        "Google Colab (Python 3.13.15, numpy 2.1.3): MXNet 1.9.1 is not installed in this "
        "runtime yet."
    )
    assert finding.fix.startswith("Run the chapter's first cell: on Colab it installs MXNet")
    assert "Google Colab" in report(f).summary


def test_colab_with_a_gpu_says_the_gpu_cannot_be_used():
    f = facts(python="3.13.15", numpy="2.1.3", colab=True, gpu_visible=True)
    note = only(dm.diagnose(f), "ok")
    assert note.message.startswith("Colab's GPU cannot be used: MXNet 1.9.1's GPU build")
    assert "CUDA 12 and cuDNN 9" in note.message and "run on the CPU" in note.message
    assert report(f).ready and report(f).text.splitlines()[0].endswith(": ready.")


# ------------------------------------------------------------------- MXNet itself


def test_a_missing_mxnet_gives_the_install_line():
    finding = only(dm.diagnose(no_mxnet()))
    assert finding.message == "MXNet is not installed."
    assert finding.fix.startswith("`pip install mxnet==1.9.1`, or `make lab`")
    assert "no MXNet" in report(no_mxnet()).summary
    newest = only(dm.diagnose(no_mxnet(python="3.13.0", numpy="2.5.5")))
    assert newest.fix.startswith("`pip install --no-deps mxnet==1.9.1 requests` (its metadata")


def test_an_unrecognised_import_error_is_shown_verbatim():
    stderr = (
        "Traceback (most recent call last):\n"
        '  File "<string>", line 3, in <module>\n'
        f'  File "{SITE}/mxnet/base.py", line 218, in <module>\n'
        "mxnet.base.MXNetError: [12:00:01] src/engine/engine.cc:54: Unknown engine type Naive2"
    )
    finding = only(dm.diagnose(failed(stderr)))
    assert finding.message == (
        "`import mxnet` fails with an error the doctor does not recognise: mxnet.base.MXNetError: "
        "[12:00:01] src/engine/engine.cc:54: Unknown engine type Naive2"
    )
    assert finding.details == stderr
    text = report(failed(stderr)).text
    for line in stderr.splitlines():
        assert f"    | {line}" in text
    # numpy's signature: the fix names the tested numpy, and the output is shown verbatim
    assert only(dm.diagnose(failed(NUMPY_126))).details == NUMPY_126


def test_an_import_killed_without_output_is_still_reported():
    f = facts(mxnet_import=dm.MXNetImport(False, error=dm._error_line("", -11)))
    finding = only(dm.diagnose(f))
    assert finding.message.endswith("the process was killed by SIGSEGV")
    assert finding.details == "(it printed nothing)"


def test_a_gpu_build_without_cuda_gets_the_cpu_build():
    stderr = "OSError: libcudart.so.11.0: cannot open shared object file: No such file or directory"
    f = failed(stderr, mxnet=(("mxnet-cu117", "1.9.1"),))
    finding = only(dm.diagnose(f))
    assert "CUDA 11 and cuDNN 8" in finding.fix
    assert "`pip uninstall -y mxnet-cu117 && pip install mxnet==1.9.1`" in finding.fix


def test_a_missing_system_library_is_named():
    stderr = "OSError: libquadmath.so.0: cannot open shared object file: No such file or directory"
    finding = only(dm.diagnose(failed(stderr)))
    assert finding.fix == (
        "MXNet needs the system library libquadmath.so.0: `sudo apt-get install libquadmath0` on "
        "Debian or Ubuntu."
    )
    other = "OSError: libfoo.so.7: cannot open shared object file: No such file or directory"
    assert only(dm.diagnose(failed(other))).fix.endswith("libfoo.so.7: install it.")


def test_an_import_that_hangs():
    f = facts(mxnet_import=dm.MXNetImport(False, error="TimeoutExpired: did not finish in 120 s"))
    finding = only(dm.diagnose(f))
    assert finding.message == "`import mxnet` did not finish in 120 s."


def test_another_mxnet_version():
    two = facts(mxnet=(("mxnet", "2.0.0"),), mxnet_import=dm.MXNetImport(True, "2.0.0"))
    finding = only(dm.diagnose(two))
    assert finding.message.startswith("MXNet 2.0.0 is installed; the book pins MXNet 1.9.1")
    assert finding.fix == "`pip install mxnet==1.9.1`."
    older = facts(mxnet=(("mxnet-cu112", "1.8.0"),), mxnet_import=dm.MXNetImport(True, "1.8.0"))
    finding = only(dm.diagnose(older), "warning")
    assert finding.fix == "`pip install mxnet-cu112==1.9.1`."
    assert report(older).text.splitlines()[0].endswith(": ready, with 1 warning.")


def test_two_mxnet_distributions():
    f = facts(mxnet=(("mxnet", "1.9.1"), ("mxnet-cu117", "1.9.1")))
    finding = only(dm.diagnose(f), "warning")
    assert "(mxnet 1.9.1, mxnet-cu117 1.9.1)" in finding.message
    assert finding.fix.startswith("`pip uninstall -y mxnet mxnet-cu117`")


def test_a_gpu_mxnet_cannot_use_is_a_note():
    cpu_build = facts(gpu_visible=True)
    note = only(dm.diagnose(cpu_build), "ok")
    assert "MXNet here is a CPU build: the chapters run on the CPU" in note.message
    assert "mxnet-cu117==1.9.1" in note.fix
    first, second, _ = report(cpu_build).text.splitlines()
    assert first.endswith("MXNet 1.9.1 (CPU), Linux x86_64: ready.")
    assert second.startswith("note: An NVIDIA GPU is visible")
    no_gpu = facts(gpu_visible=True, mxnet_import=dm.MXNetImport(True, "1.9.1", True, 0))
    assert "MXNet counts no GPU" in only(dm.diagnose(no_gpu), "ok").message


# ------------------------------------------------------------------- the report


def test_a_bad_report_says_once_that_mxnet_is_retired():
    text = report(no_mxnet(python="3.13.1", numpy="2.1.3", colab=True)).text
    lines = text.splitlines()
    assert lines[0] == (
        "d2lrnn doctor: Python 3.13.1, numpy 2.1.3, no MXNet, Linux x86_64, Google Colab: "
        "this setup cannot run the book (1 problem)."
    )
    assert "Python 3.11 to 3.13 with numpy 1.23.5 to 2.5 through d2lrnn.compat" in lines[1]
    assert text.count("retired") == 1 and "Apache Attic" in lines[1] and "1.9.1" in lines[1]
    assert lines[2] == f"Python executable: {GOOD.executable}"
    assert lines[3].startswith("error: Google Colab") and lines[4].startswith("  fix: ")
    assert "retired" not in report(GOOD).text


def test_a_report_shown_as_its_cells_value_is_not_printed_twice(monkeypatch, capsys):
    shell = types.SimpleNamespace(execution_count=5)
    fake = types.SimpleNamespace(get_ipython=lambda: shell)
    monkeypatch.setitem(sys.modules, "IPython", fake)
    r = dataclasses.replace(report(GOOD), printed_in_cell=dm._cell_number())
    r._ipython_display_()  # the value of the cell that printed it
    assert capsys.readouterr().out == ""
    shell.execution_count = 6  # shown again in a later cell
    r._ipython_display_()
    assert capsys.readouterr().out == report(GOOD).text + "\n"
    assert repr(r) == "Report(ready=True, errors=0, warnings=0, notes=0)"


def test_diagnose_refuses_what_is_not_facts():
    with pytest.raises(TypeError, match="facts must be a Facts"):
        dm.diagnose({"python": "3.11.7"})


# ------------------------------------------------------------------- doctor()


def test_doctor_raises_after_printing_when_strict(monkeypatch, capsys):
    monkeypatch.setattr(dm, "gather", lambda: no_mxnet(python="3.12.3", numpy="1.26.4"))
    with pytest.raises(
        dm.EnvironmentProblem, match="cannot run the book: MXNet is not inst"
    ) as info:
        d2lrnn.doctor()
    assert isinstance(info.value, RuntimeError) and not info.value.report.ready
    out = capsys.readouterr().out
    assert out == info.value.report.text + "\n" and "fix: `pip install mxnet==1.9.1`" in out


def test_doctor_only_reports_when_not_strict(monkeypatch, capsys):
    monkeypatch.setattr(dm, "gather", lambda: no_mxnet(system="Windows", machine="AMD64"))
    r = d2lrnn.doctor(strict=False)
    assert not r.ready and capsys.readouterr().out.startswith("d2lrnn doctor: ")
    monkeypatch.setattr(dm, "gather", lambda: failed(NUMPY_126, python="3.14.0"))
    with pytest.raises(dm.EnvironmentProblem, match=r"\(and 1 more\)"):
        d2lrnn.doctor(strict=np.bool_(True))


def test_doctor_on_a_good_setup_prints_one_line(monkeypatch, capsys):
    monkeypatch.setattr(dm, "gather", lambda: GOOD)
    r = d2lrnn.doctor()
    assert r.ready and capsys.readouterr().out.count("\n") == 1


@pytest.mark.parametrize("strict", ["yes", 1, None])
def test_doctor_refuses_a_strict_that_is_not_a_bool(strict):
    with pytest.raises(TypeError, match="strict must be True or False"):
        d2lrnn.doctor(strict=strict)


# ------------------------------------------------------------------- the real machine


def test_gather_on_this_machine_finds_it_ready():
    f = dm.gather()
    assert f.python == platform.python_version() and f.numpy == np.__version__
    assert f.system == platform.system() and f.executable == sys.executable
    assert ("mxnet", "1.9.1") in f.mxnet
    assert f.mxnet_import.ok and f.mxnet_import.version == "1.9.1", f.mxnet_import
    r = report(f)
    assert r.ready and all(finding.level == "ok" for finding in r.findings), r.text
    assert r.text.splitlines()[0].endswith(": ready.")


def test_a_failing_import_is_caught_in_the_subprocess(tmp_path, monkeypatch, capsys):
    """A broken ``mxnet`` ahead on the path: its own traceback reaches the report."""
    (tmp_path / "mxnet").mkdir()
    (tmp_path / "mxnet" / "__init__.py").write_text("raise ImportError('libmxnet.so is broken')\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    r = d2lrnn.doctor(strict=False)
    assert r.facts.mxnet_import.error == "ImportError: libmxnet.so is broken"
    assert "    | ImportError: libmxnet.so is broken" in capsys.readouterr().out


def test_an_import_that_cannot_start_or_hangs(monkeypatch):
    executable = sys.executable
    monkeypatch.setattr(sys, "executable", "/nonexistent/python3.11")
    assert dm.gather().mxnet_import.error.startswith("cannot start /nonexistent/python3.11: ")
    monkeypatch.setattr(sys, "executable", executable)  # (undo() would drop the empty cache too)

    def hang(args, **kwargs):
        raise subprocess.TimeoutExpired(args, kwargs["timeout"], stderr=b"loading...\n")

    monkeypatch.setattr(dm.subprocess, "run", hang)
    imp = dm.gather().mxnet_import
    assert imp.error == "TimeoutExpired: did not finish in 120 s" and imp.stderr == "loading..."


def probes(monkeypatch) -> list:
    """Count the subprocesses gather starts; each answers as a good import does, at once
    (a real probe takes a second or two; test_gather_on_this_machine_finds_it_ready runs one)."""
    started = []
    answer = dm._MARK + json.dumps({"version": "1.9.1", "cuda": False, "num_gpus": 0})

    def run(args, **kwargs):
        started.append(args)
        if not os.path.exists(args[0]):
            raise FileNotFoundError(2, "No such file or directory", args[0])
        return subprocess.CompletedProcess(args, 0, answer + "\n", "")

    monkeypatch.setattr(dm.subprocess, "run", run)
    return started


def test_a_successful_import_is_remembered_and_tried_again_when_anything_changes(
    monkeypatch, empty_cache
):
    started = probes(monkeypatch)
    first = dm.gather()
    assert first.mxnet_import.ok and len(started) == 1
    assert len(list(empty_cache.glob("import-*.json"))) == 1
    assert dm.gather().mxnet_import == first.mxnet_import and len(started) == 1  # remembered
    # Another numpy, another MXNet distribution, another interpreter: tried again.
    assert dm._import_mxnet(first.mxnet, "2.1.3").ok and len(started) == 2
    assert dm._import_mxnet((("mxnet-mkl", "1.9.1"),), first.numpy).ok and len(started) == 3
    monkeypatch.setattr(sys, "executable", "/nonexistent/python3.11")
    assert not dm.gather().mxnet_import.ok and len(started) == 4


def test_a_change_on_the_path_is_seen_through_the_remembered_import(tmp_path, monkeypatch, capsys):
    with monkeypatch.context() as m:
        probes(m)
        assert dm.gather().mxnet_import.ok  # remembered under today's PYTHONPATH
    (tmp_path / "mxnet").mkdir()
    (tmp_path / "mxnet" / "__init__.py").write_text("raise ImportError('libmxnet.so is broken')\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    r = d2lrnn.doctor(strict=False)
    assert r.facts.mxnet_import.error == "ImportError: libmxnet.so is broken"


def test_a_failed_import_is_not_remembered(monkeypatch, empty_cache):
    def hang(args, **kwargs):
        raise subprocess.TimeoutExpired(args, kwargs["timeout"], stderr=b"")

    monkeypatch.setattr(dm.subprocess, "run", hang)
    assert not dm.gather().mxnet_import.ok
    assert not empty_cache.exists() or not list(empty_cache.iterdir())
    started = probes(monkeypatch)
    assert dm.gather().mxnet_import.ok and len(started) == 1


def test_the_memory_can_be_turned_off_and_survives_a_damaged_file(monkeypatch, empty_cache):
    started = probes(monkeypatch)
    monkeypatch.setenv(dm.CACHE_ENV, "0")
    assert dm.gather().mxnet_import.ok and dm.gather().mxnet_import.ok and len(started) == 2
    assert not empty_cache.exists()
    monkeypatch.delenv(dm.CACHE_ENV)
    dm.gather()
    (remembered,) = empty_cache.glob("import-*.json")
    remembered.write_text('{"ok": "yes"')  # cut short: tried again, and rewritten
    assert dm.gather().mxnet_import.ok and len(started) == 4
    remembered.write_text('{"ok": "yes"}')  # not a valid record: the same
    assert dm.gather().mxnet_import.ok and len(started) == 5
    assert dm.gather().mxnet_import.ok and len(started) == 5


@pytest.mark.parametrize(
    "stderr, returncode, line",
    [
        (NUMPY_126, 1, "AttributeError: module 'numpy' has no attribute 'bool'."),
        ("warning: x\nSegmentation fault\n", -11, "the process was killed by SIGSEGV"),
        ("something went wrong\n", 3, "something went wrong"),
        ("", 3, "the process exited with status 3 without an error message"),
    ],
)
def test_the_error_line_is_the_exception(stderr, returncode, line):
    assert dm._error_line(stderr, returncode) == line


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )


def test_import_d2lrnn_imports_no_mxnet():
    run_python(
        "import sys, d2lrnn\n"
        "assert 'mxnet' not in sys.modules and 'numpy' not in sys.modules\n"
        "assert callable(d2lrnn.doctor) and 'doctor' in d2lrnn.__all__ and 'seed' in dir(d2lrnn)\n"
        "from d2lrnn import Vocab, read_time_machine\n"  # text and data need no MXNet
        "assert 'mxnet' not in sys.modules\n"
        "d2lrnn.doctor()\n"  # MXNet is tried in a subprocess only
        "assert 'mxnet' not in sys.modules\n"
    )


def test_the_convenience_names_and_modules_still_work():
    run_python(
        "import d2lrnn, mxnet\n"
        "assert not mxnet.util.is_np_array()\n"
        "d2lrnn.seed(0)\n"
        "assert mxnet.util.is_np_array()\n"  # importing runtime switched it on
        "from d2lrnn import batches, layers, Vocab, SeqBatches, default_device\n"
        "assert d2lrnn.Vocab is d2lrnn.text.Vocab and d2lrnn.layers is layers\n"
        "assert d2lrnn.keep_freed_memory is d2lrnn.runtime.keep_freed_memory\n"
        "from d2lrnn import *\n"
        "assert seed is d2lrnn.runtime.seed and doctor is d2lrnn.doctor\n"
        "try:\n    d2lrnn.no_such_name\nexcept AttributeError as e:\n"
        "    assert 'no_such_name' in str(e)\nelse:\n    raise AssertionError\n"
    )


def test_the_doctor_module_imports_the_standard_library_only():
    tree = ast.parse(open(dm.__file__, encoding="utf-8").read())
    imported = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"imports from d2lrnn: {ast.unparse(node)}"
            imported.add(node.module.split(".")[0])
    assert imported and imported <= sys.stdlib_module_names | {"__future__"}, imported
