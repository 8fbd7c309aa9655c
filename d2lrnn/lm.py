"""A language model around any recurrent layer: encode tokens, recur, predict the next token.

**The recurrent layer's interface.** :class:`RNNLM`, and through it
:func:`d2lrnn.train.train_lm`, :func:`d2lrnn.train.evaluate_lm` and
:func:`d2lrnn.generate.generate`, accept any layer that behaves like gluon's
recurrent layers, including one written in a notebook cell:

* it is a ``gluon.Block`` whose parameters ``collect_params()`` finds (so
  that they are initialised and trained);
* ``begin_state(batch_size, device=None)`` returns the zero state: a list of
  arrays of shape ``(L * D, batch_size, num_hiddens)`` (``[H]``, or
  ``[H, C]`` for an LSTM; ``L`` layers, ``D`` directions; gluon's own layers
  take ``ctx=`` instead, which :func:`d2lrnn.gluon_adapter.begin_state`
  handles);
* ``forward(inputs, states)`` takes ``inputs`` ``(num_steps, batch_size,
  num_inputs)`` float (one-hot vectors, or embeddings) and that list of
  states, and returns ``(outputs, states)``: ``outputs`` ``(num_steps,
  batch_size, D * num_hiddens)`` and the final states, in the same layout.

The book's layers (:mod:`d2lrnn.layers`) also take token indices
``(num_steps, batch_size)`` directly, which saves the one-hot matrix.
"""

from __future__ import annotations

import mxnet as mx
from mxnet import gluon, npx
from mxnet import np as mnp

from .checks import check_bool, check_indices, check_int
from .deep import Bidirectional, Stacked, check_states, num_hiddens, num_rows, num_states
from .gluon_adapter import begin_state, is_gluon_rnn
from .layers import ScratchRecurrent

__all__ = ["RNNLM"]


class RNNLM(gluon.Block):
    """Token indices -> input encoding -> recurrent layer -> logits over the vocabulary.

    Args:
        rnn: any recurrent layer with gluon's call signature (``gluon.rnn.RNN``,
            ``LSTM``, ``GRU``, deep or bidirectional ones, or the book's
            from-scratch layers in :mod:`d2lrnn.layers`).
        vocab_size: ``V``, the number of tokens.
        embed_size: ``None`` for one-hot inputs of size ``V``; otherwise the
            size of a learned embedding (an index lookup, no one-hot matrix).
            The book's from-scratch layers get one-hot inputs as the token
            indices themselves and look up rows of ``W_xh`` (the same
            function, without the ``V``-wide matrix); gluon's layers get the
            one-hot matrix.
        hybridize: compile the model's gluon blocks (gluon's recurrent layers,
            the embedding and the output layer) into cached graphs with static
            memory and shapes, which run without Python work per call. The
            book's from-scratch layers are plain ``Block``s that compile their
            own loop (their fast path), so their gates can still be traced
            step by step; a layer written in a notebook cell runs as written.

    ``model(X, state)`` takes ``X`` ``(batch_size, num_steps)`` int token
    indices and returns ``logits`` ``(num_steps, batch_size, V)`` and the
    final state (a list, as the layer returns it). ``state=None`` starts
    from the layer's zero state.
    """

    def __init__(
        self,
        rnn: gluon.Block,
        vocab_size: int,
        embed_size: int | None = None,
        hybridize: bool = True,
    ):
        super().__init__()
        if not isinstance(rnn, gluon.Block) or not callable(getattr(rnn, "begin_state", None)):
            raise TypeError(
                "rnn must be a recurrent layer: a gluon.Block with begin_state(batch_size, "
                "device) and forward(inputs, states) -> (outputs, states) (see d2lrnn.lm), "
                f"got {type(rnn).__name__}"
            )
        vocab_size = check_int(vocab_size, "vocab_size", 1)
        if embed_size is not None:
            embed_size = check_int(embed_size, "embed_size", 1)
        hybridize = check_bool(hybridize, "hybridize")
        self.vocab_size, self.embed_size = vocab_size, embed_size
        self.rnn = rnn
        self._indices = embed_size is None and isinstance(rnn, ScratchRecurrent)
        if self._indices:
            rnn.set_num_inputs(vocab_size)
        self.embedding = gluon.nn.Embedding(vocab_size, embed_size) if embed_size else None
        self.output = gluon.nn.Dense(vocab_size, flatten=False)
        if hybridize:
            # A Block hybridizes each of its HybridBlock children. Static shapes
            # matter most: they let the fused RNN operator keep its workspace
            # between calls (a new shape, e.g. the last, smaller minibatch,
            # only costs one re-allocation).
            self.hybridize(static_alloc=True, static_shape=True)

    def begin_state(self, batch_size: int, device: mx.Context | None = None) -> list:
        """The recurrent layer's zero state for ``batch_size`` sequences."""
        return begin_state(self.rnn, batch_size, device)

    def encode(self, X):
        """``X`` ``(batch_size, num_steps)`` int -> ``(num_steps, batch_size, V or embed_size)``.

        For a from-scratch layer with one-hot inputs: ``X.T``, the indices of the one-hot vectors.
        """
        self._check_X(X)
        return self._encode(X)

    def _encode(self, X):
        X = X.T
        if self.embedding is not None:
            return self.embedding(X)
        if self._indices:
            return X
        return npx.one_hot(X, self.vocab_size, dtype=self.output.weight.dtype)

    def _check_X(self, X) -> None:
        """``X`` must be an MXNet array ``(batch_size, num_steps)`` of indices in ``[0, V)``."""
        if not isinstance(X, mnp.ndarray):
            raise TypeError(
                f"X must be an MXNet array of token indices (batch_size, num_steps), "
                f"got {type(X).__name__}"
            )
        if X.ndim != 2:
            raise ValueError(
                f"X must be (batch_size, num_steps) token indices, got shape {X.shape}"
            )
        check_indices(X, "X", self.vocab_size)

    def _check_state(self, state, N: int) -> None:
        """A state given to the model must be the layer's: checked here for gluon's layers
        and the book's wrappers (the book's one-layer layers check their own; a layer written
        in a notebook is trusted with its own)."""
        if isinstance(self.rnn, ScratchRecurrent):
            return
        if is_gluon_rnn(self.rnn) or isinstance(self.rnn, (Bidirectional, Stacked)):
            check_states(
                state, num_states(self.rnn), num_rows(self.rnn), N, num_hiddens(self.rnn), "state"
            )
        elif not isinstance(state, (list, tuple)):
            raise TypeError(f"state must be None or a list of arrays, got {type(state).__name__}")

    def forward(self, X, state=None):
        """``X`` ``(batch_size, num_steps)`` token indices -> ``(logits, state)``."""
        self._check_X(X)
        if state is None:
            state = self.begin_state(X.shape[0], X.ctx)
        else:
            self._check_state(state, X.shape[0])
        result = self.rnn(self._encode(X), state)
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise TypeError(
                f"the recurrent layer {type(self.rnn).__name__} must return (outputs, states) "
                "when it is given states"
            )
        outputs, state = result
        if outputs.ndim != 3 or outputs.shape[:2] != (X.shape[1], X.shape[0]):
            raise ValueError(
                f"the recurrent layer {type(self.rnn).__name__} returned outputs of shape "
                f"{outputs.shape}; expected (num_steps, batch_size, num_hiddens) = "
                f"({X.shape[1]}, {X.shape[0]}, ...)"
            )
        return self.output(outputs), state

    def trace(self, X, state=None) -> dict:
        """Gates and states over ``X`` ``(batch_size, num_steps)``: name -> ``(T, N, h)``.

        Needs a layer with gates from :mod:`d2lrnn.layers` (see
        ``ScratchRecurrent.trace``); load a trained gluon model's weights into
        one with :func:`d2lrnn.weights.copy_weights`.
        """
        if not callable(getattr(self.rnn, "trace", None)):
            raise TypeError(
                f"trace needs a recurrent layer with gates from d2lrnn.layers, got rnn = "
                f"{type(self.rnn).__name__}; copy its weights into one with "
                "d2lrnn.weights.copy_weights"
            )
        self._check_X(X)
        return self.rnn.trace(self._encode(X), state)
