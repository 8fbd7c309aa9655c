"""d2lrnn: the helper package of the d2lrnn book on recurrent neural networks.

Each module holds one concept; the chapters import them by name::

    from d2lrnn import data, text, batches
"""

from mxnet import npx

from .batches import SeqBatches
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

# The book uses MXNet's NumPy interface throughout (mxnet.np, mxnet.npx).
npx.set_np()
keep_freed_memory()

__version__ = "0.1.0"

__all__ = [
    "BPETokenizer",
    "CharTokenizer",
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
    "tokenize",
]
