"""d2lrnn: the helper package of the d2lrnn book on recurrent neural networks.

Each module holds one concept; the chapters import them by name::

    from d2lrnn import batches, layers, lm, train

The most used names are also here: ``d2lrnn.seed``, ``d2lrnn.default_device``,
``d2lrnn.Vocab``, ``d2lrnn.read_time_machine`` ... The README's architecture
section lists every module.

``import d2lrnn`` imports no MXNet (nor numpy): every chapter first runs
``d2lrnn.doctor()``, which must speak on a setup where MXNet cannot be
imported. The names above, and the modules, are imported when first used
(:pep:`562`).

The first module of d2lrnn that uses MXNet to be imported does two things,
both process-wide and both needed by the book's code (every such module
imports :mod:`d2lrnn.runtime`, which does them once):

* ``mxnet.npx.set_np()``: MXNet's NumPy interface (``mxnet.np``, ``mxnet.npx``)
  is switched on, which gluon needs before any block is built with it;
* :func:`d2lrnn.runtime.keep_freed_memory`: glibc's ``malloc`` keeps freed
  memory for reuse (on Linux; nothing elsewhere), which makes training about
  15% faster on a CPU without raising the peak memory.
"""

import importlib

from . import compat
from .doctor import doctor

# MXNet 1.9.1 on numpy >= 1.24: its modules, when imported after this, see numpy
# with the names it lacks filled in (numpy itself is left as it is; see d2lrnn.compat).
compat.install()

__version__ = "0.1.0"

#: The convenience names, by the module that defines them (imported on first use).
_HOMES = {
    "BPETokenizer": "text",
    "CharTokenizer": "text",
    "Corpus": "batches",
    "DataFileError": "data",
    "SeqBatches": "batches",
    "Vocab": "text",
    "WordTokenizer": "text",
    "default_device": "runtime",
    "download": "data",
    "get_tokenizer": "text",
    "keep_freed_memory": "runtime",
    "perplexity": "metrics",
    "preprocess": "text",
    "read_time_machine": "data",
    "seed": "runtime",
    "time_machine_corpus": "batches",
    "tokenize": "text",
}

__all__ = [
    "BPETokenizer",
    "CharTokenizer",
    "Corpus",
    "DataFileError",
    "SeqBatches",
    "Vocab",
    "WordTokenizer",
    "default_device",
    "doctor",
    "download",
    "get_tokenizer",
    "perplexity",
    "preprocess",
    "read_time_machine",
    "seed",
    "time_machine_corpus",
    "tokenize",
]


def __getattr__(name: str):
    """``d2lrnn.seed``, ``d2lrnn.layers`` ...: import the name's module on first use."""
    if name in _HOMES:
        value = getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
        globals()[name] = value  # found directly from now on
        return value
    if not name.startswith("_"):
        try:
            return importlib.import_module(f".{name}", __name__)  # a module: d2lrnn.layers
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{name}":
                raise  # the module exists but needs something missing (MXNet)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | set(_HOMES))
