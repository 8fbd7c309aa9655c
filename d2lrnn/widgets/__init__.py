"""The book's explorers, each a set of precomputed frames that responds without a kernel.

* :func:`clipping_explorer` (chapter 3): gradient clipping in training and on a cliff;
* :func:`vanishing_explorer` (chapters 4 and 5): gradient norms through time;
* :func:`beam_explorer` (chapter 7): beam search, step by step, over the traces that
  :func:`beam_data` computes with a trained translation model.

The frame machinery they share is :mod:`d2lrnn.widgets.frames`.
"""

from .beam import beam_data, beam_explorer
from .clipping import clipping_explorer
from .vanishing import vanishing_explorer

__all__ = ["beam_data", "beam_explorer", "clipping_explorer", "vanishing_explorer"]
