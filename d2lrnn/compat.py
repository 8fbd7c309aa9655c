"""MXNet 1.9.1 on newer Python and numpy: the book's one compatibility layer.

MXNet's last release (2022) reads, at import and at call time, names that
numpy has since removed: ``np.bool`` (gone in 1.24, back in 2.0 as numpy's
own boolean), ``np.PZERO``, ``np.alltrue`` and others (2.0), ``np.in1d`` and
``np.trapz`` (2.4). Its shared library is loaded through ctypes and does not
use numpy's C API, so those names are all that stand between it and numpy 2.
It also imports ``distutils``, which Python 3.12 removed: setuptools provides
it (a dependency of d2lrnn from Python 3.12 on).

How it works. :func:`install` (``import d2lrnn`` calls it, and it imports
nothing) puts a finder first on ``sys.meta_path`` that acts on ``mxnet`` and
its submodules only, and only when numpy lacks a name that MXNet reads. Each
such module is executed with its own ``__import__``, which gives it, for
``import numpy``, the module that :func:`numpy_for_mxnet` returns: numpy plus
the names of :data:`FILL_INS` that this numpy lacks, each filled in with
numpy's documented replacement (or, for a function with none, one that raises
an error naming it). Functions keep their module's ``__import__`` and
globals, so what MXNet reads later, at call time (``np.bool`` in
``mxnet.np.full``, ``np.in1d`` in its fallback operators), is there too.

numpy itself is never changed, not even during MXNet's import: other libraries
that test for a name such as ``np.float_`` to tell numpy 1 from numpy 2 see the
numpy they expect. With numpy 1.23, which has every name, the finder steps
aside and MXNet imports as it always did.

Import ``d2lrnn`` before ``mxnet``: every chapter does (its first cell runs
the doctor), so do the benchmarks and the tests. This module imports the
standard library only.
"""

from __future__ import annotations

import builtins
import functools
import importlib.abc
import sys
import types
import warnings
from dataclasses import dataclass
from typing import Any

__all__ = ["FILL_INS", "PACKAGES", "FillIn", "install", "installed", "missing", "numpy_for_mxnet"]

#: The packages whose modules see :func:`numpy_for_mxnet` as ``numpy``.
PACKAGES = ("mxnet",)


@dataclass(frozen=True)
class FillIn:
    """A name MXNet 1.9.1 reads from numpy, which a newer numpy removed.

    ``removed_in`` is the numpy release that removed it, ``replacement`` what
    numpy's release notes (or its error message) say to use instead, and
    ``where`` where MXNet reads it. ``make(numpy)`` builds the value.
    """

    removed_in: str
    replacement: str
    where: str
    make: Any

    def value(self, numpy: types.ModuleType, name: str) -> Any:
        """The value filled in for ``numpy.<name>``, made from ``numpy`` (the module)."""
        _check_module(numpy)
        if not isinstance(name, str) or not name.isidentifier():
            raise TypeError(f"name must be the name filled in (a str), got {name!r}")
        return self.make(numpy, name)


def _check_module(numpy: object) -> None:
    if not isinstance(numpy, types.ModuleType):
        raise TypeError(f"numpy must be the numpy module, got {type(numpy).__name__} {numpy!r}")


def _constant(expression):
    return lambda numpy, name: expression(numpy)


def _renamed(target: str):
    """A function of its own that calls ``numpy.<target>``.

    Not ``numpy.<target>`` itself: MXNet registers its operators for numpy's
    ``__array_function__`` protocol by the numpy function they stand for, and
    ``alltrue`` registered as ``numpy.all`` would replace MXNet's ``all``
    there. Old numpy's ``alltrue`` was a function of its own too.
    """

    def make(numpy, name):
        function = getattr(numpy, target)

        @functools.wraps(function)
        def fill_in(*args, **kwargs):
            return function(*args, **kwargs)

        fill_in.__name__ = fill_in.__qualname__ = name
        return fill_in

    return make


def _in1d(numpy, name):
    def in1d(ar1, ar2, *args, **kwargs):
        """``numpy.isin`` on ``ar1`` flattened, as ``in1d`` was defined."""
        return numpy.isin(numpy.ravel(ar1), ar2, *args, **kwargs)

    return in1d


def _msort(numpy, name):
    def msort(a):
        """``numpy.sort(a, axis=0)``, as ``msort`` was defined."""
        return numpy.sort(a, axis=0)

    return msort


def _no_replacement(numpy, name):
    def removed(*args, **kwargs):
        raise RuntimeError(
            f"numpy.{name} was removed from numpy in 1.20 (NEP 32) and has no replacement in "
            f"numpy; MXNet 1.9.1 lists it among its numpy fallbacks. Use numpy_financial.{name} "
            "(pip install numpy-financial)."
        )

    removed.__name__ = removed.__qualname__ = name
    return removed


_FINANCIAL = "mxnet/numpy/fallback.py (import)"
_CONSTANTS = "mxnet/numpy/utils.py (import)"
_DISPATCH = "mxnet/numpy_dispatch_protocol.py (import, by name)"

#: Every name MXNet 1.9.1 reads from numpy that a numpy from 1.23 to 2.5 lacks,
#: with numpy's documented replacement. ``tests/unit/test_compat.py`` scans
#: MXNet's source to prove that the table is complete for the installed numpy
#: and that MXNet reads each name.
FILL_INS: dict[str, FillIn] = {
    # numpy 1.24 removed the aliases of Python's types ("use bool by itself");
    # numpy 2.0 brought np.bool back as numpy's boolean, so there it is not filled in.
    "bool": FillIn(
        "1.24",
        "bool",
        "mxnet/numpy/utils.py (import), mxnet.np.full (call)",
        _constant(lambda n: bool),
    ),
    "int": FillIn("1.24", "int", "mxnet/test_utils.py (call)", _constant(lambda n: int)),
    "PZERO": FillIn("2.0", "0.0", _CONSTANTS, _constant(lambda n: 0.0)),
    "NZERO": FillIn("2.0", "-0.0", _CONSTANTS, _constant(lambda n: -0.0)),
    "PINF": FillIn("2.0", "np.inf", _CONSTANTS, _constant(lambda n: n.inf)),
    "NINF": FillIn("2.0", "-np.inf", _CONSTANTS, _constant(lambda n: -n.inf)),
    "NAN": FillIn("2.0", "np.nan", _CONSTANTS, _constant(lambda n: n.nan)),
    "NaN": FillIn("2.0", "np.nan", _CONSTANTS, _constant(lambda n: n.nan)),
    "Inf": FillIn(
        "2.0", "np.inf", "mxnet/gluon/contrib/estimator (call)", _constant(lambda n: n.inf)
    ),
    "alltrue": FillIn("2.0", "np.all", "mxnet/numpy/fallback.py (import)", _renamed("all")),
    "sometrue": FillIn("2.0", "np.any", _DISPATCH, _renamed("any")),
    "product": FillIn("2.0", "np.prod", _DISPATCH, _renamed("prod")),
    "round_": FillIn("2.0", "np.round", _DISPATCH, _renamed("round")),
    "msort": FillIn("2.0", "np.sort(a, axis=0)", "mxnet/numpy/fallback.py (import)", _msort),
    "compat": FillIn(
        "2.0",
        "Python's own str for compat.basestring (numpy.compat was for Python 2)",
        "mxnet.np.pad (call)",
        _constant(lambda n: types.SimpleNamespace(basestring=str)),
    ),
    "in1d": FillIn(
        "2.4",
        "np.isin(np.ravel(ar1), ar2)",
        "mxnet/numpy/fallback.py (import), mxnet.np.in1d (call)",
        _in1d,
    ),
    "trapz": FillIn(
        "2.4",
        "np.trapezoid",
        "mxnet/numpy/fallback.py (import), mxnet.np.trapz (call)",
        _renamed("trapezoid"),
    ),
    **{
        name: FillIn(
            "1.20", f"numpy_financial.{name} (no replacement in numpy)", _FINANCIAL, _no_replacement
        )
        for name in ("mirr", "npv", "pmt", "ppmt", "pv", "rate")
    },
}


def missing(numpy: types.ModuleType | None = None) -> list[str]:
    """The names of :data:`FILL_INS` that ``numpy`` (by default, the installed one) lacks."""
    if numpy is None:
        import numpy
    _check_module(numpy)
    with warnings.catch_warnings():  # numpy warns on a read of a deprecated alias
        warnings.simplefilter("ignore")
        return [name for name in FILL_INS if not hasattr(numpy, name)]


class _NumpyForMXNet(types.ModuleType):
    """numpy as MXNet's modules see it: every name of numpy, plus the fill-ins."""

    def __init__(self, numpy: types.ModuleType):
        super().__init__("numpy", numpy.__doc__)
        self.__numpy = numpy

    def __getattr__(self, name: str) -> Any:
        # numpy's notices for the deprecated names MXNet reads (numpy 1.26's financial
        # functions) are MXNet's business, not the reader's: without this module they come
        # from MXNet's own files, where Python's default filters hide them.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            value = getattr(self.__numpy, name)
        self.__dict__[name] = value  # the next read is a dictionary look-up, as on numpy
        return value

    def __dir__(self) -> list[str]:
        return sorted(set(dir(self.__numpy)) | set(self.__dict__))

    def __repr__(self) -> str:
        return f"<numpy for MXNet: numpy {self.__numpy.__version__} and {self.filled}>"


_VIEW: _NumpyForMXNet | None = None


def numpy_for_mxnet() -> types.ModuleType:
    """The numpy that MXNet's modules import: numpy, plus the fill-ins it needs.

    Built once, on first use (it imports numpy). Its ``filled`` attribute
    lists the names filled in (empty with numpy 1.23, which has them all).
    """
    global _VIEW
    if _VIEW is None:
        import numpy

        view = _NumpyForMXNet(numpy)
        names = missing(numpy)
        view.__dict__.update({name: FILL_INS[name].value(numpy, name) for name in names})
        view.filled = tuple(names)
        _VIEW = view
    return _VIEW


def _import(name, globals=None, locals=None, fromlist=(), level=0):
    """``__import__`` for MXNet's modules: ``numpy`` is :func:`numpy_for_mxnet`."""
    module = builtins.__import__(name, globals, locals, fromlist, level)
    if level == 0 and name.partition(".")[0] == "numpy" and (not fromlist or name == "numpy"):
        return numpy_for_mxnet()
    return module


_BUILTINS: dict | None = None


def _builtins() -> dict:
    global _BUILTINS
    if _BUILTINS is None:
        _BUILTINS = {**vars(builtins), "__import__": _import}
    return _BUILTINS


class _Loader(importlib.abc.Loader):
    """The module's own loader, executing it with :func:`_import` as its ``__import__``."""

    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        module.__builtins__ = _builtins()
        self.loader.exec_module(module)

    def __getattr__(self, name):  # get_data, get_filename, get_resource_reader ...
        return getattr(self.loader, name)


class _Finder(importlib.abc.MetaPathFinder):
    """First on ``sys.meta_path``: finds MXNet's modules as usual, loads them with a _Loader."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] not in PACKAGES or not numpy_for_mxnet().filled:
            return None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            if finder is self or find is None:
                continue
            spec = find(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _Loader(spec.loader)
                return spec
        return None


def installed() -> bool:
    """Whether :func:`install` has put the finder on ``sys.meta_path``."""
    return any(isinstance(finder, _Finder) for finder in sys.meta_path)


def install() -> None:
    """Put the finder first on ``sys.meta_path`` (once); imports nothing.

    MXNet modules imported before this call keep the numpy they saw: import
    ``d2lrnn`` before ``mxnet``.
    """
    if not installed():
        sys.meta_path.insert(0, _Finder())
