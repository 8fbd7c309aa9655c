"""d2lrnn: the helper package of the d2lrnn book on recurrent neural networks.

Each module holds one concept; the chapters import them by name::

    from d2lrnn import batches, layers, lm, train

The most used names are also here: ``d2lrnn.seed``, ``d2lrnn.default_device``,
``d2lrnn.Vocab``, ``d2lrnn.read_time_machine`` ... The README's architecture
section lists every module.

Importing d2lrnn does two things besides defining names, both process-wide
and both needed by the book's code:

* ``mxnet.npx.set_np()``: MXNet's NumPy interface (``mxnet.np``, ``mxnet.npx``)
  is switched on, which gluon needs before any block is built with it;
* :func:`d2lrnn.runtime.keep_freed_memory`: glibc's ``malloc`` keeps freed
  memory for reuse (on Linux; nothing elsewhere), which makes training about
  15% faster on a CPU without raising the peak memory.
"""

from mxnet import npx

from .batches import Corpus, SeqBatches, time_machine_corpus
from .data import DataFileError, download, read_time_machine
from .metrics import perplexity
from .runtime import default_device, keep_freed_memory, seed
from .text import (
    BPETokenizer,
    CharTokenizer,
    Vocab,
    WordTokenizer,
    get_tokenizer,
    preprocess,
    tokenize,
)

npx.set_np()
keep_freed_memory()

__version__ = "0.1.0"

__all__ = [
    "BPETokenizer",
    "CharTokenizer",
    "Corpus",
    "DataFileError",
    "SeqBatches",
    "Vocab",
    "WordTokenizer",
    "default_device",
    "download",
    "get_tokenizer",
    "perplexity",
    "preprocess",
    "read_time_machine",
    "seed",
    "time_machine_corpus",
    "tokenize",
]
