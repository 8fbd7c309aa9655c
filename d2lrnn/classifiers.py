"""Two models around any recurrent layer: one label per step, or one label per sequence.

* :class:`Tagger` reads the outputs at every step (many-to-many, aligned):
  for example, whether a word starts at each letter.
* :class:`SequenceClassifier` reads the final states (many-to-one): for
  example, which language a sentence is in, or which symbol a sequence began
  with.

Both take token indices ``X`` ``(batch_size, num_steps)``, feed them to the
layer as one-hot vectors, and accept any recurrent layer with gluon's calling
convention: gluon's own (any depth, either direction) or the book's.
"""

from __future__ import annotations

from mxnet import gluon, npx
from mxnet import np as mnp

from .checks import check_indices, check_int
from .deep import check_layer, num_directions
from .gluon_adapter import begin_state

__all__ = ["SequenceClassifier", "Tagger"]


def _check_X(X, vocab_size: int) -> None:
    """``X``: an MXNet array ``(batch_size, num_steps)`` of indices in ``[0, vocab_size)``."""
    if not isinstance(X, mnp.ndarray):
        raise TypeError(
            "X must be an MXNet array of token indices (batch_size, num_steps), got "
            f"{type(X).__name__}"
        )
    if X.ndim != 2 or 0 in X.shape:
        raise ValueError(
            "X must be a non-empty MXNet array of token indices (batch_size, num_steps), got "
            f"shape {X.shape}"
        )
    check_indices(X, "X", vocab_size)


class Tagger(gluon.Block):
    """One tag per step: ``X`` ``(N, T)`` token indices -> logits ``(T, N, num_tags)``."""

    def __init__(self, rnn: gluon.Block, vocab_size: int, num_tags: int):
        super().__init__()
        self.vocab_size = check_int(vocab_size, "vocab_size", 1)
        check_layer(rnn, "rnn")
        with self.name_scope():
            self.rnn = rnn
            self.output = gluon.nn.Dense(check_int(num_tags, "num_tags", 2), flatten=False)

    def forward(self, X):
        _check_X(X, self.vocab_size)
        return self.output(self.rnn(npx.one_hot(X.T, self.vocab_size)))


class SequenceClassifier(gluon.Block):
    """One label per sequence, read from the recurrent layer's final hidden states.

    ``X`` ``(N, T)`` token indices -> logits ``(N, num_classes)``. The final
    ``H`` of a gluon-style layer is ``(L * D, N, h)``; the classifier
    concatenates the last layer's ``D`` rows: for a bidirectional layer, the
    forward direction's state after step ``T`` and the backward direction's
    after step 1, so that both ends of the sequence are summarised. ``D`` is
    read from the layer itself.
    """

    def __init__(self, rnn: gluon.Block, vocab_size: int, num_classes: int):
        super().__init__()
        self.vocab_size = check_int(vocab_size, "vocab_size", 1)
        self.num_directions = num_directions(check_layer(rnn, "rnn"))
        with self.name_scope():
            self.rnn = rnn
            self.output = gluon.nn.Dense(check_int(num_classes, "num_classes", 2))

    def forward(self, X):
        _check_X(X, self.vocab_size)
        state = begin_state(self.rnn, X.shape[0], X.ctx)
        _, state = self.rnn(npx.one_hot(X.T, self.vocab_size), state)
        H = state[0][-self.num_directions :]  # (D, N, h): the last layer's directions
        return self.output(mnp.concatenate(list(H), axis=-1))
