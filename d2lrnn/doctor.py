"""The environment doctor: can this Python run the book, and if not, what is the fix.

Every chapter starts with::

    import d2lrnn
    d2lrnn.doctor()

before it imports MXNet. On a good setup the doctor prints one line; otherwise
it prints a short report, one finding per problem, each with its fix, and
raises :class:`EnvironmentProblem`, so that "Run all" stops at the first cell
instead of failing obscurely later.

MXNet is retired (the project is in the Apache Attic); the book pins its last
release, 1.9.1. Through :mod:`d2lrnn.compat` it runs on Python 3.11 to 3.13
with numpy 1.23.5 to 2.5, Colab's runtime included, and the doctor accepts
all of these in one line. What it still reports: a platform without an MXNet
1.9.1 wheel (Windows, Apple Silicon), a Python or numpy the book is not tested
with (3.14, numpy 2.6), MXNet missing (on Colab: run the chapter's first cell),
a GPU that MXNet 1.9.1 cannot use (Colab's), and an ``import mxnet`` that
fails, with its cause when it is a known one (distutils on Python 3.12 without
setuptools, a missing system library, a GPU build without CUDA 11).

The work is split in three, so that the logic is tested without faking a machine:

* :func:`gather` collects the :class:`Facts`: versions, platform, Colab, GPU,
  the MXNet distributions installed, and the result of ``import mxnet`` tried
  **in a subprocess**, so that a failing import cannot leave this process
  half-loaded (a successful import is remembered, see :func:`gather`);
* :func:`diagnose` is a pure function from the facts to :class:`Finding` s;
* :func:`doctor` prints the :class:`Report` and raises on an error.

This module imports the standard library only (no numpy, no MXNet), so that
it speaks on any broken setup. ``d2lrnn.doctor`` is the function; the module
itself is ``sys.modules["d2lrnn.doctor"]``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass

__all__ = [
    "CACHE_ENV",
    "IMPORT_TIMEOUT_S",
    "LEVELS",
    "MXNET_VERSION",
    "NUMPY_NEWEST",
    "NUMPY_OLDEST",
    "PYTHONS",
    "EnvironmentProblem",
    "Facts",
    "Finding",
    "MXNetImport",
    "Report",
    "diagnose",
    "doctor",
    "gather",
]

#: The MXNet release the book pins: MXNet's last.
MXNET_VERSION = "1.9.1"
#: How long :func:`gather` waits for ``import mxnet`` in its subprocess, in seconds.
IMPORT_TIMEOUT_S = 120
#: A finding's levels: a note, something to know, something that stops the book.
LEVELS = ("ok", "warning", "error")

#: The Pythons ``make test`` runs the book on (3.11 and 3.13 every chapter, 3.12 the unit tests).
PYTHONS = ((3, 11), (3, 12), (3, 13))
#: The oldest and the newest numpy release the book is tested with (major, minor).
NUMPY_OLDEST, NUMPY_NEWEST = (1, 23), (2, 5)

_NUMPY_OLDEST_TEXT = "1.23.5"  # d2l 1.0.3's pin, and the oldest the book is tested with
_NUMPY_TESTED = f"{_NUMPY_OLDEST_TEXT} to {NUMPY_NEWEST[0]}.{NUMPY_NEWEST[1]}"
_STDERR_LINES = 40  # how much of a failed import's output the report shows
_RETIRED = (
    "MXNet is retired (the project is in the Apache Attic); the book pins its last release, "
    f"{MXNET_VERSION}, which runs on Python 3.11 to 3.13 with numpy {_NUMPY_TESTED} "
    "through d2lrnn.compat."
)
_BINDER = "Binder (the rocket button at the top of the chapter's page)"
_INSTALL = "pip install -e . (in the book's folder)"
_MARK = "d2lrnn-doctor:"  # prefixes the probe's answer on its stdout
# The folder that holds the d2lrnn package: the probe imports d2lrnn from there.
_PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Run by sys.executable: import d2lrnn first (its compatibility layer, d2lrnn.compat, lets
# MXNet 1.9.1 import on numpy >= 1.24), then MXNet; report its version and GPUs.
_PROBE = f"""
import json
import sys
sys.path.insert(0, {_PACKAGE_PARENT!r})
import d2lrnn
import mxnet
try:
    from mxnet.runtime import Features
    cuda = Features().is_enabled("CUDA")
except Exception:
    cuda = None
try:
    gpus = mxnet.context.num_gpus()
except Exception:  # a CPU-only build may refuse to count
    gpus = 0
print({_MARK!r} + json.dumps({{"version": mxnet.__version__, "cuda": cuda, "num_gpus": gpus}}))
"""


# ----------------------------------------------------------------------------- facts


def _check_fields(record, **types: tuple) -> None:
    """Each field of ``record`` must be of one of its ``types`` (``bool`` is not an ``int``),
    so that a hand-made record fails here, naming the field, not inside :func:`diagnose`."""
    for name, allowed in types.items():
        value = getattr(record, name)
        ok = isinstance(value, allowed) and not (isinstance(value, bool) and bool not in allowed)
        if not ok:
            names = " or ".join("None" if t is type(None) else t.__name__ for t in allowed)
            raise TypeError(
                f"{type(record).__name__}.{name} must be {names}, got "
                f"{type(value).__name__} {value!r:.80}"
            )


@dataclass(frozen=True)
class MXNetImport:
    """What ``import mxnet`` did in a fresh Python process.

    ``error`` is the line that names the exception (``"AttributeError: module
    'numpy' has no attribute 'bool'."``), ``stderr`` the last lines the process
    printed, verbatim; both are empty when the import worked. ``cuda`` says
    whether this MXNet was built with CUDA (``None`` when unknown) and
    ``num_gpus`` how many GPUs it can use.
    """

    ok: bool
    version: str | None = None
    cuda: bool | None = None
    num_gpus: int = 0
    error: str = ""
    stderr: str = ""

    def __post_init__(self):
        _check_fields(
            self,
            ok=(bool,),
            version=(str, type(None)),
            cuda=(bool, type(None)),
            num_gpus=(int,),
            error=(str,),
            stderr=(str,),
        )

    @property
    def missing(self) -> bool:
        """True when the import failed because no ``mxnet`` package is installed."""
        return not self.ok and self.error.startswith("ModuleNotFoundError: No module named 'mxnet'")


@dataclass(frozen=True)
class Facts:
    """What :func:`gather` found about this Python, this machine and its MXNet.

    ``python`` and ``numpy`` are version strings (``numpy`` is ``None`` when it
    is not installed); ``system`` and ``machine`` are :func:`platform.system`
    and :func:`platform.machine` (``"Linux"``, ``"x86_64"``); ``mxnet`` holds
    the installed MXNet distributions as ``(name, version)`` pairs
    (``("mxnet-cu117", "1.9.1")``), empty when there is none.
    """

    python: str
    numpy: str | None
    system: str
    machine: str
    colab: bool
    gpu_visible: bool
    mxnet: tuple[tuple[str, str], ...]
    mxnet_import: MXNetImport
    executable: str = ""

    def __post_init__(self):
        _check_fields(
            self,
            python=(str,),
            numpy=(str, type(None)),
            system=(str,),
            machine=(str,),
            colab=(bool,),
            gpu_visible=(bool,),
            mxnet=(tuple,),
            mxnet_import=(MXNetImport,),
            executable=(str,),
        )
        for i, pair in enumerate(self.mxnet):
            if not (
                isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(x, str) for x in pair)
            ):
                raise TypeError(
                    f"Facts.mxnet[{i}] must be a (name, version) pair of str, got {pair!r}"
                )


def gather() -> Facts:
    """Collect the :class:`Facts` of this process and machine (``import mxnet`` runs apart).

    Nothing here imports numpy or MXNet into this process: versions come from
    the installed packages' metadata, and the import is tried in a subprocess
    (``sys.executable -c``) that is given :data:`IMPORT_TIMEOUT_S` seconds.

    The subprocess costs a second or two (it loads MXNet), once per chapter. A
    successful import is therefore remembered in ``$D2LRNN_CACHE_DIR/doctor``
    (``~/.cache/d2lrnn/doctor`` by default), under a key made of everything
    that decides it: this interpreter, the MXNet and numpy installed (their
    versions, and the files' sizes and times), the ``PYTHONPATH``, and
    d2lrnn's own modules. Change any of them and the import is tried again. A
    failed import is never remembered; ``D2LRNN_DOCTOR_CACHE=0`` turns the
    memory off.
    """
    numpy = _installed_version("numpy")
    mxnet = _mxnet_distributions()
    return Facts(
        python=platform.python_version(),
        numpy=numpy,
        system=platform.system(),
        machine=platform.machine(),
        colab=_in_colab(),
        gpu_visible=_gpu_visible(),
        mxnet=mxnet,
        mxnet_import=_import_mxnet(mxnet, numpy),
        executable=sys.executable or "",
    )


def _installed_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def _in_colab() -> bool:
    return "google.colab" in sys.modules or any(
        key in os.environ for key in ("COLAB_RELEASE_TAG", "COLAB_GPU")
    )


def _gpu_visible() -> bool:
    """An NVIDIA driver is loaded or its tool is on the PATH (whether MXNet can use it or not)."""
    return shutil.which("nvidia-smi") is not None or os.path.isdir("/proc/driver/nvidia")


# mxnet, mxnet-mkl, mxnet-native, mxnet-cu117, mxnet-cu112mkl ... (not mxnet-model-server)
_MXNET_DIST = re.compile(r"mxnet(-(cu\d+[a-z]*|mkl|native))?")


def _mxnet_distributions() -> tuple[tuple[str, str], ...]:
    found = set()
    for dist in importlib.metadata.distributions():
        name = re.sub(r"[-_.]+", "-", (dist.metadata["Name"] or "").lower())
        if _MXNET_DIST.fullmatch(name):
            found.add((name, dist.version))
    return tuple(sorted(found))


#: Set to 0 to make :func:`gather` try ``import mxnet`` every time.
CACHE_ENV = "D2LRNN_DOCTOR_CACHE"


def _cache_file(mxnet: tuple, numpy: str | None) -> str | None:
    """Where a successful import under these conditions is remembered (None: not at all)."""
    if os.environ.get(CACHE_ENV, "1") == "0" or not sys.executable:
        return None
    folder = os.environ.get("D2LRNN_CACHE_DIR") or os.path.join(
        os.path.expanduser("~"), ".cache", "d2lrnn"
    )
    parts = [
        sys.executable,  # not its real path: two venvs of one Python share that
        sys.prefix,
        sys.version,
        repr(mxnet),
        f"numpy {numpy}",
        *(f"{name}={os.environ.get(name, '')}" for name in _IMPORT_ENV),
    ]
    for module in ("mxnet", "numpy"):
        try:
            spec = importlib.util.find_spec(module)
        except (ImportError, ValueError):
            spec = None
        origin = spec.origin if spec is not None and spec.origin else ""
        parts.append(f"{module} at {origin}")
        if origin:
            package = os.path.dirname(origin)
            parts += _files(package)
    parts += _files(_PACKAGE_DIR)
    key = hashlib.sha256("\n".join(parts).encode("utf-8", "replace")).hexdigest()[:32]
    return os.path.join(folder, "doctor", f"import-{key}.json")


# What the probe's environment can change about the import.
_IMPORT_ENV = ("PYTHONPATH", "PYTHONHOME", "PYTHONNOUSERSITE", "LD_LIBRARY_PATH", "LD_PRELOAD")
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _files(folder: str) -> list[str]:
    """Each file of ``folder`` (not its subfolders, whose times change with their bytecode)."""
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_file():
                st = entry.stat()
                found.append(f"{entry.path} {st.st_size} {st.st_mtime_ns}")
    return sorted(found)


def _import_mxnet(mxnet: tuple, numpy: str | None) -> MXNetImport:
    """:func:`_try_import_mxnet`, or its remembered success under the same conditions."""
    try:
        path = _cache_file(mxnet, numpy)
    except OSError:
        path = None
    if path is not None:
        try:
            with open(path, encoding="utf-8") as f:
                return MXNetImport(**json.load(f))
        except (OSError, ValueError, TypeError):
            pass  # not there yet, or unreadable: try the import
    result = _try_import_mxnet()
    if path is not None and result.ok:
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            temporary = f"{path}.{os.getpid()}"
            with open(temporary, "w", encoding="utf-8") as f:
                json.dump(dataclasses.asdict(result), f)
            os.replace(temporary, path)
        except OSError:
            pass  # a read-only home: the import is simply tried every time
    return result


def _try_import_mxnet(timeout: float = IMPORT_TIMEOUT_S) -> MXNetImport:
    if not sys.executable:
        return MXNetImport(False, error="cannot start Python: sys.executable is empty")
    try:
        done = subprocess.run(
            [sys.executable, "-c", _PROBE],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as expired:
        stderr = expired.stderr or ""
        stderr = stderr.decode(errors="replace") if isinstance(stderr, bytes) else stderr
        error = f"TimeoutExpired: did not finish in {timeout:g} s"
        return MXNetImport(False, error=error, stderr=_tail(stderr))
    except OSError as error:
        return MXNetImport(False, error=f"cannot start {sys.executable}: {error}")
    for line in reversed(done.stdout.splitlines()):
        if done.returncode == 0 and line.startswith(_MARK):
            answer = json.loads(line[len(_MARK) :])
            return MXNetImport(True, answer["version"], answer["cuda"], int(answer["num_gpus"]))
    stderr = _tail(done.stderr)
    return MXNetImport(False, error=_error_line(stderr, done.returncode), stderr=stderr)


def _tail(text: str) -> str:
    return "\n".join(text.rstrip().splitlines()[-_STDERR_LINES:])


# "AttributeError: ...", "mxnet.base.MXNetError: ...", "OSError: ...": unindented, a class name.
_EXCEPTION_LINE = re.compile(r"([A-Za-z_]\w*\.)*[A-Za-z_]\w*(Error|Exception|Exit|Interrupt)\b.*")


def _error_line(stderr: str, returncode: int) -> str:
    """The line naming the exception; else how the process ended."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    for line in reversed(lines):
        if _EXCEPTION_LINE.fullmatch(line):
            return line
    if returncode < 0:
        try:
            return f"the process was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"the process was killed by signal {-returncode}"
    if lines:
        return lines[-1]
    return f"the process exited with status {returncode} without an error message"


# ------------------------------------------------------------------------- diagnosis


@dataclass(frozen=True)
class Finding:
    """One thing the doctor found: its level (one of :data:`LEVELS`), what it is, the fix.

    ``details`` is output shown verbatim under the finding (the end of what a
    failed ``import mxnet`` printed, when the doctor does not recognise it).
    """

    level: str
    message: str
    fix: str = ""
    details: str = ""


def _version(text: str | None) -> tuple[int, ...]:
    """``"1.23.5"`` -> ``(1, 23, 5)``; ``"2.0.0rc1"`` -> ``(2, 0, 0)``; ``None`` -> ``()``."""
    match = re.match(r"\d+(\.\d+)*", text or "")
    return tuple(int(part) for part in match.group().split(".")) if match else ()


def diagnose(facts: Facts) -> list[Finding]:
    """The findings about ``facts``, most fundamental first; empty on a good setup.

    Pure: the same facts always give the same findings. A finding that another
    explains is left out (Windows, for instance, speaks for the missing MXNet),
    and an ``import mxnet`` failure that the doctor does not recognise is
    reported verbatim.
    """
    if not isinstance(facts, Facts):
        raise TypeError(
            f"facts must be a Facts (what gather() returns), got {type(facts).__name__} {facts!r}"
        )
    works = facts.mxnet_import.ok
    # A mismatch is an error while MXNet does not import; once it does, it is only untested.
    level = "warning" if works else "error"
    python, numpy = _version(facts.python), _version(facts.numpy)
    findings: list[Finding] = []
    explained = False  # is a missing MXNet already explained (and its fix given)?

    platform_finding = _platform(facts, level) if not works else None
    if platform_finding:
        findings.append(platform_finding)
        explained = True
    if python[:2] not in PYTHONS:
        findings.append(_python(facts, level))
    findings += _numpy(facts, level, numpy)
    if facts.colab and not works and facts.mxnet_import.missing and not facts.mxnet:
        findings.append(_colab_missing(facts))
        explained = True
    findings += _mxnet(facts, explained, python)
    if works and facts.gpu_visible:
        findings += _colab_gpu(facts) if facts.colab else _gpu(facts)
    return findings


def _colab_missing(facts: Facts) -> Finding:
    return Finding(
        "error",
        f"Google Colab (Python {facts.python}, numpy {facts.numpy or 'none'}): MXNet "
        f"{MXNET_VERSION} is not installed in this runtime yet.",
        "Run the chapter's first cell: on Colab it installs MXNet and d2lrnn (Colab's numpy, "
        "IPython and ipywidgets stay as they are), then run this cell again.",
    )


def _colab_gpu(facts: Facts) -> list[Finding]:
    return [
        Finding(
            "ok",
            "Colab's GPU cannot be used: MXNet 1.9.1's GPU build, mxnet-cu117, needs CUDA 11 and "
            "cuDNN 8, and Colab has CUDA 12 and cuDNN 9. The chapters run on the CPU (they are "
            "sized for it).",
            "Nothing to do; a CPU runtime (Runtime > Change runtime type) leaves the GPU to "
            "someone who can use it.",
        )
    ]


def _platform(facts: Facts, level: str) -> Finding | None:
    if facts.system == "Windows":
        return Finding(
            level,
            f"Windows: MXNet {MXNET_VERSION} has no Windows wheel, so it cannot be installed here.",
            "Use WSL2 (Ubuntu, with Python 3.11 to 3.13: `make lab` in the book's folder), "
            f"Google Colab, or {_BINDER}.",
        )
    if facts.system == "Darwin" and facts.machine == "arm64":
        return Finding(
            level,
            f"macOS on Apple Silicon (arm64): MXNet {MXNET_VERSION} has no arm64 wheel for macOS.",
            "Use an x86_64 Python under Rosetta 2 (for instance "
            f"`CONDA_SUBDIR=osx-64 conda create -n d2lrnn python=3.13`, then `make lab` in the "
            f"book's folder), Google Colab, or {_BINDER}.",
        )
    return None


def _python(facts: Facts, level: str) -> Finding:
    tested = "the book is tested on Python 3.11, 3.12 and 3.13"
    if _version(facts.python)[:2] > PYTHONS[-1]:
        message = f"Python {facts.python}: {tested}, not yet on this newer one."
    else:
        message = f"Python {facts.python}: {tested}; this one is older."
    fix = (
        f"Use Python 3.13 (or 3.11, 3.12): `make lab PYTHON=python3.13` in the book's folder, "
        f"Google Colab, or {_BINDER}."
    )
    return Finding(level, message, fix)


def _numpy(facts: Facts, level: str, numpy: tuple[int, ...]) -> list[Finding]:
    if facts.numpy is None:
        return [Finding("error", "numpy is not installed.", f"`{_INSTALL}`, or `make lab`.")]
    tested = f"the book is tested with numpy {_NUMPY_TESTED}"
    if numpy[:2] > NUMPY_NEWEST:
        message = f"numpy {facts.numpy}: {tested}; this one is newer."
        fix = f"If something fails, `pip install 'numpy<{_next_minor(NUMPY_NEWEST)}'`."
        return [Finding(level, message, fix)]
    if numpy[:2] < NUMPY_OLDEST:
        message = f"numpy {facts.numpy}: {tested}; this one is older."
        return [Finding("warning", message, f"`pip install 'numpy>={_NUMPY_OLDEST_TEXT}'`.")]
    return []


def _next_minor(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1] + 1}"


# What a failed import printed -> why: numpy too new, CUDA missing, a system library missing.
_NUMPY_SIGNS = (
    "module 'numpy' has no attribute",  # numpy >= 1.24: np.bool, np.in1d ...
    "was removed in the NumPy 2.0 release",  # numpy 2: np.PZERO ...
    "compiled using NumPy 1.x cannot be run in",
    "numpy.core.multiarray failed to import",
)
_NO_DISTUTILS = "No module named 'distutils'"
_MISSING_LIBRARY = re.compile(r"(lib[\w.+-]*?\.so(\.\d+)*): cannot open shared object file")
_CUDA_LIBRARY = re.compile(
    r"lib(cuda|cudart|cublas\w*|cudnn\w*|cufft|curand|cusolver|cusparse|nccl|nvrtc)\b"
)
_DEBIAN_PACKAGES = {"libquadmath.so.0": "libquadmath0", "libgomp.so.1": "libgomp1"}


def _mxnet(facts: Facts, explained: bool, python: tuple[int, ...]) -> list[Finding]:
    found = []
    imp = facts.mxnet_import
    names = [name for name, _ in facts.mxnet]
    name = names[0] if len(names) == 1 else "mxnet"
    if len(names) > 1:
        listed = ", ".join(f"{n} {v}" for n, v in facts.mxnet)
        found.append(
            Finding(
                "warning",
                f"{len(names)} MXNet distributions are installed ({listed}): they share one "
                "`mxnet` folder, and the one installed last overwrote the others.",
                f"`pip uninstall -y {' '.join(names)}`, then `pip install mxnet=={MXNET_VERSION}`.",
            )
        )
    version = imp.version or (facts.mxnet[0][1] if len(facts.mxnet) == 1 else None)
    if version and version != MXNET_VERSION:
        major = _version(version)[:1] >= (2,)
        why = "MXNet 2's interface differs" if major else "it is tested with that one only"
        found.append(
            Finding(
                "error" if major else "warning",
                f"MXNet {version} is installed; the book pins MXNet {MXNET_VERSION}, MXNet's "
                f"last release ({why}).",
                f"`pip install {name}=={MXNET_VERSION}`.",
            )
        )
    if imp.ok:
        return found
    if imp.missing and not names:
        if not explained:
            found.append(
                Finding(
                    "error",
                    "MXNet is not installed.",
                    f"{_install_mxnet(python)}, or `make lab` in the book's folder (it makes "
                    f".venv with the tested versions); or use {_BINDER}.",
                )
            )
        return found
    return [*found, _import_failure(facts, name)]


def _install_mxnet(python: tuple[int, ...]) -> str:
    if python[:2] >= (3, 13):
        return (
            f"`pip install --no-deps mxnet=={MXNET_VERSION} requests` (its metadata asks for "
            "numpy < 2, which has no wheel for this Python and which d2lrnn.compat makes "
            "unnecessary)"
        )
    return f"`pip install mxnet=={MXNET_VERSION}`"


def _import_failure(facts: Facts, name: str) -> Finding:
    imp = facts.mxnet_import
    failed = f"`import mxnet` fails: {imp.error}"
    if imp.error.startswith("TimeoutExpired"):
        fix = (
            "Run `python -c 'import mxnet'` in a terminal to see where it stops (a first import "
            "on a busy machine can be slow), then run this cell again."
        )
        return Finding("error", f"`import mxnet` {imp.error.partition(': ')[2]}.", fix, imp.stderr)
    if _NO_DISTUTILS in imp.stderr:
        fix = (
            f"Python {facts.python} has no distutils (removed in 3.12), which MXNet imports; "
            "setuptools provides it: `pip install setuptools`."
        )
        return Finding("error", failed, fix)
    if any(sign in imp.stderr for sign in _NUMPY_SIGNS):
        fix = (
            f"numpy {facts.numpy} lacks a name that MXNet {MXNET_VERSION} reads and that "
            f"d2lrnn.compat does not fill in. Install a numpy the book is tested with: "
            f"`pip install 'numpy>={_NUMPY_OLDEST_TEXT},<{_next_minor(NUMPY_NEWEST)}'`, and "
            "import d2lrnn before mxnet."
        )
        return Finding("error", failed, fix, imp.stderr)
    library = _MISSING_LIBRARY.search(imp.stderr)
    if library and _CUDA_LIBRARY.match(library.group(1)):
        fix = (
            f"{name} is a GPU build, which needs CUDA 11 and cuDNN 8 on this machine; install "
            f"the CPU build (the chapters run on a CPU): `pip uninstall -y {name} && "
            f"pip install mxnet=={MXNET_VERSION}`."
        )
        return Finding("error", failed, fix)
    if library:
        lib, package = library.group(1), _DEBIAN_PACKAGES.get(library.group(1))
        how = f"`sudo apt-get install {package}` on Debian or Ubuntu" if package else "install it"
        return Finding("error", failed, f"MXNet needs the system library {lib}: {how}.")
    # Not recognised: say so, and show what the import printed, verbatim.
    fix = (
        "What the import printed is below, verbatim. Reinstalling often helps: "
        f"`pip install --force-reinstall --no-deps mxnet=={MXNET_VERSION}`."
    )
    message = f"`import mxnet` fails with an error the doctor does not recognise: {imp.error}"
    return Finding("error", message, fix, imp.stderr or "(it printed nothing)")


def _gpu(facts: Facts) -> list[Finding]:
    imp = facts.mxnet_import
    if imp.cuda and imp.num_gpus > 0:
        return []
    if imp.cuda:
        return [
            Finding(
                "ok",
                "An NVIDIA GPU is visible and MXNet is a GPU build, but MXNet counts no GPU: "
                "the chapters run on the CPU.",
                "Check the driver with `nvidia-smi`; MXNet 1.9.1's GPU builds need CUDA 11 and "
                "cuDNN 8.",
            )
        ]
    return [
        Finding(
            "ok",
            "An NVIDIA GPU is visible, but MXNet here is a CPU build: the chapters run on the "
            "CPU (they are sized for it).",
            f"Nothing to do. For the GPU: `pip uninstall -y mxnet && pip install "
            f"mxnet-cu117=={MXNET_VERSION}` (it needs CUDA 11.7 and cuDNN 8).",
        )
    ]


# ---------------------------------------------------------------------------- report


@dataclass(frozen=True)
class Report:
    """The doctor's report: the facts, the findings, and the text :func:`doctor` prints.

    ``printed_in_cell`` is the IPython cell in which :func:`doctor` printed it
    (``None`` outside IPython): shown as that cell's value, the report is not
    printed a second time.
    """

    facts: Facts
    findings: tuple[Finding, ...]
    printed_in_cell: int | None = None

    @property
    def ready(self) -> bool:
        """True when no finding is an error: the book can run here."""
        return not self.errors

    @property
    def errors(self) -> tuple[Finding, ...]:
        """The error-level findings."""
        return tuple(f for f in self.findings if f.level == "error")

    @property
    def summary(self) -> str:
        """One line of facts: ``"Python 3.11.7, numpy 1.23.5, MXNet 1.9.1 (CPU), Linux x86_64"``."""
        facts, imp = self.facts, self.facts.mxnet_import
        if imp.ok:
            device = f"{imp.num_gpus} GPU" if imp.cuda and imp.num_gpus else "CPU"
            mxnet = f"MXNet {imp.version} ({device})"
        elif imp.missing and not facts.mxnet:
            mxnet = "no MXNet"
        else:
            versions = "/".join(v for _, v in facts.mxnet) or "?"
            mxnet = f"MXNet {versions} (import fails)"
        where = f"{facts.system} {facts.machine}".strip() + (
            ", Google Colab" if facts.colab else ""
        )
        return f"Python {facts.python}, numpy {facts.numpy or 'missing'}, {mxnet}, {where}"

    @property
    def text(self) -> str:
        """The report as :func:`doctor` prints it: one line when the setup is good."""
        n = len(self.errors)
        warnings = sum(f.level == "warning" for f in self.findings)
        if n:
            verdict = f"this setup cannot run the book ({n} problem{'s' * (n > 1)})."
        elif warnings:
            verdict = f"ready, with {warnings} warning{'s' * (warnings > 1)}."
        else:
            verdict = "ready."
        lines = [f"d2lrnn doctor: {self.summary}: {verdict}"]
        if n:
            lines.append(_RETIRED)
            if self.facts.executable:
                lines.append(f"Python executable: {self.facts.executable}")
        for finding in self.findings:
            lines.append(f"{'note' if finding.level == 'ok' else finding.level}: {finding.message}")
            if finding.fix:
                lines.append(f"  fix: {finding.fix}")
            lines += [f"    | {line}" for line in finding.details.splitlines()]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        levels = [f.level for f in self.findings]
        return (
            f"Report(ready={self.ready}, errors={levels.count('error')}, "
            f"warnings={levels.count('warning')}, notes={levels.count('ok')})"
        )

    def _ipython_display_(self) -> None:
        if self.printed_in_cell is None or self.printed_in_cell != _cell_number():
            print(self.text)


def _cell_number() -> int | None:
    """The number of the IPython cell running now; ``None`` outside IPython (never imported)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return getattr(shell, "execution_count", None)


class EnvironmentProblem(RuntimeError):
    """What :func:`doctor` raises when this setup cannot run the book; ``report`` says why."""

    def __init__(self, report: Report):
        self.report = report
        count = len(report.errors)
        more = f" (and {count - 1} more)" if count > 1 else ""
        super().__init__(
            f"this environment cannot run the book: {report.errors[0].message.rstrip('.')}"
            f"{more}. The doctor's report above gives the fix; d2lrnn.doctor(strict=False) "
            "only reports."
        )


def _check_bool(value: object, arg: str) -> bool:
    """:func:`d2lrnn.checks.check_bool`, without numpy (the doctor must work without it)."""
    numpy_bool = type(value).__module__ == "numpy" and type(value).__name__ in ("bool_", "bool")
    if not (isinstance(value, bool) or numpy_bool):
        raise TypeError(f"{arg} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def doctor(*, strict: bool = True) -> Report:
    """Check that this Python can run the book; print the report and return it.

    On a good setup the report is one line. Otherwise it lists each problem
    with its fix and, when ``strict`` (the default) and a problem is an error,
    raises :class:`EnvironmentProblem` after printing, so that a notebook's
    "Run all" stops at its first cell. ``strict=False`` only reports.
    """
    strict = _check_bool(strict, "strict")
    facts = gather()
    report = Report(facts, tuple(diagnose(facts)), _cell_number())
    print(report.text, flush=True)
    if strict and not report.ready:
        raise EnvironmentProblem(report)
    return report
