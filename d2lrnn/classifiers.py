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

from .checks import check_int
from .deep import num_directions
from .gluon_adapter import begin_state


class Tagger(gluon.Block):
    """One tag per step: ``X`` ``(N, T)`` token indices -> logits ``(T, N, num_tags)``."""

    def __init__(self, rnn: gluon.Block, vocab_size: int, num_tags: int):
        super().__init__()
        self.vocab_size = check_int(vocab_size, "vocab_size", 1)
        with self.name_scope():
            self.rnn = rnn
            self.output = gluon.nn.Dense(check_int(num_tags, "num_tags", 2), flatten=False)

    def forward(self, X):
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
        self.num_directions = num_directions(rnn)
        with self.name_scope():
            self.rnn = rnn
            self.output = gluon.nn.Dense(check_int(num_classes, "num_classes", 2))

    def forward(self, X):
        state = begin_state(self.rnn, X.shape[0], X.ctx)
        _, state = self.rnn(npx.one_hot(X.T, self.vocab_size), state)
        H = state[0][-self.num_directions :]  # (D, N, h): the last layer's directions
        return self.output(mnp.concatenate(list(H), axis=-1))
