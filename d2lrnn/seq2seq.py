"""Encoder-decoder models for sequences, their masked loss, and decoding (greedy, beam search).

* :class:`Encoder` reads a padded source ``(N, T)`` with its valid lengths
  and returns its outputs and its state at each sentence's **true last
  token**, not after the padding (``read_padding=True`` gives the state
  after the padding, as d2l's encoder does, to measure what that costs).
* :class:`Decoder` predicts the target one token at a time from the previous
  token, its own state and a fixed *context*, the encoder's final state, fed
  at every step; :class:`AttentionDecoder` replaces the fixed context by an
  additive attention (Bahdanau et al., 2015) over all encoder outputs.
* :class:`EncoderDecoder` joins them; :func:`masked_cross_entropy` is the
  loss over the valid target positions only.
* :func:`greedy_decode` and :func:`beam_search` translate; beam search keeps
  the ``beam_size`` best partial translations by cumulative log-probability
  and ranks finished ones by ``log P(y) / len(y)^alpha``. The log-probability
  is negative and grows more negative with every token, so ``alpha > 0``
  divides it by a larger number for a longer translation: it favours longer
  translations, offsetting the raw score's preference for short ones
  (``alpha = 0`` ranks by the raw log-probability). :func:`exhaustive_search`
  checks beam search on a toy vocabulary.

Layouts: sources and decoder inputs are ``(N, T)`` int token indices (the
book's minibatch layout); logits are ``(T, N, V)``; states are ``(N, h)``.
The recurrent layers have the book's interface (:mod:`d2lrnn.lm`): by
default the book's own :class:`~d2lrnn.layers.GRUScratch`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import mxnet as mx
import numpy as np
from mxnet import autograd, gluon, npx
from mxnet import np as mnp

from .checks import (
    check_array,
    check_bool,
    check_choice,
    check_device,
    check_indices,
    check_int,
    check_number,
)
from .deep import check_layer
from .gluon_adapter import begin_state
from .layers import GRUScratch, ScratchRecurrent
from .translation import BOS, EOS, TranslationData, detokenize, source_tokens

__all__ = [
    "AttentionDecoder",
    "AttentionMap",
    "BeamStep",
    "BidirectionalEncoder",
    "Decoder",
    "Encoder",
    "EncoderDecoder",
    "Hypothesis",
    "attention_maps",
    "beam_search",
    "check_model_for",
    "decoder_loss",
    "exhaustive_search",
    "greedy_decode",
    "masked_cross_entropy",
    "reverse_valid",
    "sequence_mask",
    "translate",
    "valid_cross_entropy",
]


def _check_source(X, valid_len, names: tuple[str, str] = ("X", "valid_len")) -> None:
    x, v = names
    if not isinstance(X, mnp.ndarray) or X.ndim != 2 or 0 in X.shape:
        got = X.shape if hasattr(X, "shape") else type(X).__name__
        raise ValueError(f"{x} must be a non-empty MXNet array (batch_size, num_steps), got {got}")
    if not np.issubdtype(np.dtype(X.dtype), np.integer):
        raise TypeError(f"{x} must hold integer token indices, got dtype {X.dtype}")
    if not isinstance(valid_len, mnp.ndarray) or valid_len.shape != (X.shape[0],):
        got = valid_len.shape if hasattr(valid_len, "shape") else type(valid_len).__name__
        raise ValueError(f"{v} must be an MXNet array ({X.shape[0]},), got {got}")
    _check_length_dtype(valid_len, v)


def _host_ranges(*arrays) -> list[tuple[int, int]]:
    """``(min, max)`` of each non-empty MXNet integer array, one copy to the host for all."""
    bounds = mnp.stack([v.astype("int64") for a in arrays for v in (a.min(), a.max())])
    bounds = bounds.asnumpy()
    return [(int(bounds[2 * i]), int(bounds[2 * i + 1])) for i in range(len(arrays))]


def _check_length_dtype(valid_len, arg: str) -> None:
    if not np.issubdtype(np.dtype(valid_len.dtype), np.integer):
        raise TypeError(
            f"{arg} must hold integer lengths (whole numbers of tokens), got dtype "
            f"{valid_len.dtype}"
        )


def _check_lengths(valid_len, arg: str, num_steps: int, lo_hi=None) -> None:
    """``valid_len`` must hold integer lengths in ``[1, num_steps]``; ``lo_hi`` is its
    ``(min, max)`` when already copied to the host, else it is copied here."""
    _check_length_dtype(valid_len, arg)
    lo, hi = lo_hi if lo_hi is not None else _host_ranges(valid_len)[0]
    if lo < 1 or hi > num_steps:
        raise ValueError(
            f"{arg} must hold lengths in [1, {num_steps}] (num_steps), got values from {lo} to {hi}"
        )


def _check_ids(lo_hi: tuple[int, int], arg: str, size: int) -> None:
    lo, hi = lo_hi
    if lo < 0 or hi >= size:
        raise ValueError(
            f"{arg} must hold token indices in [0, {size}) (the model's vocabulary), got values "
            f"from {lo} to {hi}"
        )


def _check_mx(x, arg: str, shape: tuple, what: str, integer: bool = False) -> None:
    """``x`` must be an MXNet array of ``shape`` (``None``: any size), ``what`` in words."""
    if not isinstance(x, mnp.ndarray):
        raise TypeError(f"{arg} must be an MXNet array {what}, got {type(x).__name__}")
    if integer and not np.issubdtype(np.dtype(x.dtype), np.integer):
        raise TypeError(f"{arg} must be an MXNet int array {what}, got dtype {x.dtype}")
    if x.ndim != len(shape) or any(s is not None and s != n for s, n in zip(shape, x.shape)):
        raise ValueError(f"{arg} must be an MXNet array {what}, got shape {x.shape}")


def _check_state(state, names: tuple[str, ...], num_hiddens: int) -> int:
    """A decoder state (see ``begin``): a list of ``len(names)`` arrays, ``H`` ``(N, h)`` first.

    Returns ``N``."""
    if not isinstance(state, (list, tuple)) or len(state) != len(names):
        raise TypeError(
            f"state must be the list [{', '.join(names)}] that begin returns, got "
            f"{type(state).__name__} of {len(state) if isinstance(state, (list, tuple)) else 1}"
        )
    _check_mx(state[0], "state H", (None, num_hiddens), f"(batch_size, {num_hiddens})")
    N = state[0].shape[0]
    for name, s in zip(names[1:], state[1:]):
        if not isinstance(s, mnp.ndarray) or not s.ndim or s.shape[0] != N:
            got = s.shape if isinstance(s, mnp.ndarray) else type(s).__name__
            raise ValueError(f"state {name} must be an MXNet array of {N} rows, got {got}")
    return N


def _check_decoder_input(Y, vocab_size: int) -> None:
    """The decoder's input tokens: at least one step, indices in ``[0, vocab_size)``."""
    if not Y.shape[1]:
        raise ValueError(f"Y must hold at least one step, got shape {Y.shape}")
    _check_ids(_host_ranges(Y)[0], "Y", vocab_size)


def sequence_mask(valid_len, num_steps: int):
    """``(num_steps, N)`` float mask: 1 where ``t < valid_len[n]``, 0 on the padding."""
    _check_mx(valid_len, "valid_len", (None,), "(batch_size,) of integer lengths", integer=True)
    num_steps = check_int(num_steps, "num_steps", 0)
    steps = mnp.arange(num_steps, ctx=valid_len.ctx, dtype="float32")[:, None]
    return (steps < valid_len.astype("float32")[None, :]).astype("float32")


def masked_cross_entropy(logits, Y, valid_len):
    """Mean cross-entropy over the valid target positions only: a scalar.

    ``logits`` ``(T, N, V)``, ``Y`` ``(N, T)`` int targets in ``[0, V)``,
    ``valid_len`` ``(N,)`` integer lengths in ``[1, T]``: positions
    ``t >= valid_len[n]`` (the padding) do not count.
    """
    if not isinstance(logits, mnp.ndarray) or not isinstance(Y, mnp.ndarray):
        raise TypeError(
            f"logits and Y must be MXNet arrays, got {type(logits).__name__} and {type(Y).__name__}"
        )
    if logits.ndim != 3 or Y.shape != (logits.shape[1], logits.shape[0]):
        raise ValueError(
            f"logits must be (num_steps, batch_size, V) and Y (batch_size, num_steps), got "
            f"{logits.shape} and {Y.shape}"
        )
    _check_mx(Y, "Y", Y.shape, "of target indices", integer=True)
    _check_mx(valid_len, "valid_len", (Y.shape[0],), f"({Y.shape[0]},)")
    if not Y.size:
        raise ValueError(f"Y must hold at least one target, got shape {Y.shape}")
    # One copy to the host checks the targets against the logits' vocabulary and the
    # lengths as lengths: an id beyond it or a length of 0 would give a plausible loss or NaN.
    _check_length_dtype(valid_len, "valid_len")
    ids, lengths = _host_ranges(Y, valid_len)
    _check_ids(ids, "Y", logits.shape[2])
    _check_lengths(valid_len, "valid_len", logits.shape[0], lengths)
    nll = -npx.pick(npx.log_softmax(logits, axis=-1), Y.T, axis=-1)  # (T, N)
    mask = sequence_mask(valid_len, logits.shape[0])
    return (nll * mask).sum() / mask.sum()


def valid_cross_entropy(output: gluon.Block, hidden, Y, valid_len):
    """:func:`masked_cross_entropy` of ``output(hidden)``, with the output layer computed at
    the valid target positions only: the same loss and gradients, for less work.

    ``output`` is the decoder's output layer (``hidden`` ``(T, N, h)`` ->
    logits ``(T, N, V)``), ``Y`` ``(N, T)`` the targets (in ``[0, V)``) and
    ``valid_len`` ``(N,)`` their integer lengths in ``[1, T]`` (MXNet or
    NumPy arrays). Padding positions are
    masked out of the loss anyway, so their logits, a ``V``-wide product
    and softmax each, need not be computed: the valid rows of ``hidden``
    are gathered first. When no position is padding, nothing is gathered.
    """
    if not isinstance(output, gluon.Block):
        raise TypeError(f"output must be a gluon Block (the output layer), got {output!r}")
    if not isinstance(hidden, mnp.ndarray) or hidden.ndim != 3:
        got = hidden.shape if hasattr(hidden, "shape") else type(hidden).__name__
        raise ValueError(f"hidden must be an MXNet array (num_steps, batch_size, h), got {got}")
    T, N = hidden.shape[:2]
    Y = check_array(Y, "Y", shape=(N, T), kind="i")
    valid_len = check_array(valid_len, "valid_len", shape=(N,), kind="i")
    if valid_len.min() < 1 or valid_len.max() > T:
        raise ValueError(f"valid_len must hold lengths in [1, {T}], got {valid_len.tolist()}")
    mask = (np.arange(T)[:, None] < valid_len[None, :]).reshape(-1)  # (T N,), step-major
    flat = hidden.reshape(-1, hidden.shape[-1])
    targets = Y.T.reshape(-1)
    if not mask.all():
        rows = np.flatnonzero(mask)
        flat = mnp.take(flat, mnp.array(rows, dtype="int32", ctx=hidden.ctx), axis=0)
        targets = targets[rows]
    logits = output(flat)
    _check_ids((int(targets.min()), int(targets.max())), "Y", logits.shape[-1])
    y = mnp.array(targets, dtype="int32", ctx=hidden.ctx)
    return -npx.pick(npx.log_softmax(logits, axis=-1), y, axis=-1).mean()


class Encoder(gluon.Block):
    """Token embedding and a recurrent layer; ``forward(X, valid_len) -> (outputs, state)``.

    ``X`` ``(N, T)`` source indices padded after ``valid_len`` ``(N,)``;
    ``outputs`` ``(T, N, h)``; ``state`` ``(N, h)`` at each sentence's last
    valid token (``read_padding=True``: after the last step, padding read).
    """

    def __init__(
        self,
        vocab_size: int,
        embed_size: int,
        num_hiddens: int,
        rnn: gluon.Block | None = None,
        read_padding: bool = False,
    ):
        super().__init__()
        self.vocab_size = check_int(vocab_size, "vocab_size", 1)
        check_int(embed_size, "embed_size", 1)
        self.num_hiddens = check_int(num_hiddens, "num_hiddens", 1)
        self.read_padding = check_bool(read_padding, "read_padding")
        with self.name_scope():
            self.embedding = gluon.nn.Embedding(vocab_size, embed_size)
            self.rnn = (
                check_layer(rnn, "rnn")
                if rnn is not None
                else GRUScratch(num_hiddens, num_inputs=embed_size)
            )

    def forward(self, X, valid_len):
        _check_encoder_input(X, valid_len, self.vocab_size)
        outputs, _ = self.rnn(self.embedding(X.T), begin_state(self.rnn, X.shape[0], X.ctx))
        if self.read_padding:
            return outputs, outputs[-1]
        return outputs, _last_valid(outputs, valid_len)


def _check_encoder_input(X, valid_len, vocab_size: int) -> None:
    """An encoder's ``X`` ``(N, T)`` and ``valid_len`` ``(N,)``, checked with one copy to the host.

    A length beyond ``num_steps`` would read past the outputs, an index beyond the vocabulary
    would be clipped by the embedding: both are refused here.
    """
    _check_source(X, valid_len)
    _check_length_dtype(valid_len, "valid_len")
    ids, lengths = _host_ranges(X, valid_len)
    _check_ids(ids, "X", vocab_size)
    _check_lengths(valid_len, "valid_len", X.shape[1], lengths)


def _last_valid(outputs, valid_len):
    """``outputs[valid_len[n] - 1, n]`` for every ``n``: ``(T, N, h)`` in, ``(N, h)`` out."""
    return mx.nd.SequenceLast(
        outputs.as_nd_ndarray(), valid_len.astype("float32").as_nd_ndarray(),
        use_sequence_length=True,
    ).as_np_ndarray()  # fmt: skip


def _reverse_valid(x, valid_len):
    return mx.nd.SequenceReverse(
        x.as_nd_ndarray(), valid_len.astype("float32").as_nd_ndarray(), use_sequence_length=True
    ).as_np_ndarray()


def reverse_valid(x, valid_len):
    """Each sequence's first ``valid_len[n]`` steps in reverse order, the padding left in place.

    ``x`` ``(T, N, ...)`` (an MXNet array, step-major), ``valid_len`` ``(N,)`` integer lengths
    in ``[1, T]``. Applied twice it gives ``x`` back. It is how a backward direction reads a
    padded sentence as if alone: ``reverse_valid(x)`` starts with the sentence's last real
    token, so the padding comes after every real token instead of before them. (MXNet's
    ``SequenceReverse``, which autograd differentiates; the NumPy counterpart for token
    indices is :func:`~d2lrnn.translation.reversed_sources`.)
    """
    if not isinstance(x, mnp.ndarray) or x.ndim < 2 or 0 in x.shape[:2]:
        got = x.shape if hasattr(x, "shape") else type(x).__name__
        raise ValueError(f"x must be a non-empty MXNet array (T, N, ...), got {got}")
    _check_mx(valid_len, "valid_len", (x.shape[1],), f"({x.shape[1]},) of lengths", integer=True)
    _check_lengths(valid_len, "valid_len", x.shape[0])
    return _reverse_valid(x, valid_len)


class BidirectionalEncoder(gluon.Block):
    """An encoder that reads each source both ways, each direction over its real tokens only.

    ``forward(X, valid_len) -> (outputs, state)`` as :class:`Encoder`'s: ``outputs``
    ``(T, N, h)`` are ``[forward H_t, backward H_t]``, each direction ``h / 2`` wide, and
    ``state`` ``(N, h)`` is ``[forward H at the last real token, backward H at the first]``:
    the two states that have read the whole sentence. The backward direction reads
    :func:`reverse_valid` of the embeddings, so that a padded sentence's states at its real
    positions are those of the sentence alone, unpadded; ``read_padding=True`` instead
    reverses the whole padded array, as a plain bidirectional layer does (the backward
    direction then reads the padding first, and the forward state is taken after it), to
    measure what that costs. Bahdanau et al. (2015) read the source this way, with ``h/2 =
    1000`` units a direction.
    """

    def __init__(
        self, vocab_size: int, embed_size: int, num_hiddens: int, read_padding: bool = False
    ):
        super().__init__()
        self.vocab_size = check_int(vocab_size, "vocab_size", 1)
        check_int(embed_size, "embed_size", 1)
        self.num_hiddens = check_int(num_hiddens, "num_hiddens", 2)
        if num_hiddens % 2:
            raise ValueError(f"num_hiddens must be even (half a direction), got {num_hiddens}")
        self.read_padding = check_bool(read_padding, "read_padding")
        with self.name_scope():
            self.embedding = gluon.nn.Embedding(vocab_size, embed_size)
            self.forward_rnn = GRUScratch(num_hiddens // 2, num_inputs=embed_size)
            self.backward_rnn = GRUScratch(num_hiddens // 2, num_inputs=embed_size)

    def forward(self, X, valid_len):
        _check_encoder_input(X, valid_len, self.vocab_size)
        emb = self.embedding(X.T)  # (T, N, E)
        N = X.shape[0]
        out_f, _ = self.forward_rnn(emb, begin_state(self.forward_rnn, N, X.ctx))
        if self.read_padding:
            out_b, _ = self.backward_rnn(
                mnp.flip(emb, axis=0), begin_state(self.backward_rnn, N, X.ctx)
            )
            out_b = mnp.flip(out_b, axis=0)
            last_f = out_f[-1]
        else:
            out_b, _ = self.backward_rnn(
                _reverse_valid(emb, valid_len), begin_state(self.backward_rnn, N, X.ctx)
            )
            out_b = _reverse_valid(out_b, valid_len)  # back in the sentence's order
            last_f = _last_valid(out_f, valid_len)
        outputs = mnp.concatenate([out_f, out_b], axis=-1)
        return outputs, mnp.concatenate([last_f, out_b[0]], axis=-1)


class Decoder(gluon.Block):
    """The previous target token's embedding and a fixed context in, logits out, one step a token.

    ``begin(enc_outputs, enc_state, valid_len)`` gives the decoding state
    ``[H, context]``: both the encoder's final state. ``forward(Y, state)``
    reads ``Y`` ``(N, T)`` (teacher forcing: the reference shifted right)
    and returns logits ``(T, N, V)`` and the new state.
    """

    def __init__(
        self, vocab_size: int, embed_size: int, num_hiddens: int, rnn: gluon.Block | None = None
    ):
        super().__init__()
        self.vocab_size = check_int(vocab_size, "vocab_size", 1)
        check_int(embed_size, "embed_size", 1)
        self.num_hiddens = check_int(num_hiddens, "num_hiddens", 1)
        with self.name_scope():
            self.embedding = gluon.nn.Embedding(vocab_size, embed_size)
            self.rnn = (
                check_layer(rnn, "rnn")
                if rnn is not None
                else GRUScratch(num_hiddens, num_inputs=embed_size + num_hiddens)
            )
            self.output = gluon.nn.Dense(vocab_size, flatten=False)

    def begin(self, enc_outputs, enc_state, valid_len) -> list:
        h = self.num_hiddens
        _check_mx(enc_state, "enc_state", (None, h), f"(batch_size, {h})")
        return [enc_state, enc_state]

    def expand(self, state: list, K: int) -> list:
        """Each source's state ``K`` times (rows ``n K .. n K + K - 1``), for beam search."""
        _check_state(state, ("H", "context"), self.num_hiddens)
        K = check_int(K, "K", 1)
        return [mnp.repeat(s, K, axis=0) for s in state]

    def reorder(self, state: list, index) -> list:
        """The beams' states after a step: rows ``index`` (beams of the same sources)."""
        _check_state(state, ("H", "context"), self.num_hiddens)
        _check_mx(index, "index", (None,), "(num_rows,) of row indices", integer=True)
        return [s[index] for s in state]

    def features(self, Y, state):
        """The decoder's hidden states ``(T, N, h)`` before the output layer, and the new state."""
        N = _check_state(state, ("H", "context"), self.num_hiddens)
        _check_mx(Y, "Y", (N, None), f"({N}, num_steps) of token indices", integer=True)
        _check_decoder_input(Y, self.vocab_size)
        H, context = state
        emb = self.embedding(Y.T)  # (T, N, E)
        if isinstance(self.rnn, ScratchRecurrent):  # reads [emb, context], the context's
            # product with its weights computed once per sentence rather than once per step
            outputs, (H,) = self.rnn(emb, [mnp.expand_dims(H, 0)], context)
            return outputs, [H[0], context]
        ctx = mnp.broadcast_to(mnp.expand_dims(context, 0), (emb.shape[0],) + context.shape)
        outputs, (H,) = self.rnn(mnp.concatenate([emb, ctx], axis=-1), [mnp.expand_dims(H, 0)])
        return outputs, [H[0], context]

    def forward(self, Y, state):
        outputs, state = self.features(Y, state)
        return self.output(outputs), state


_ATTENTION_STATE = ("H", "memory", "keys", "valid_len")


class AttentionDecoder(gluon.Block):
    """A decoder whose context, at every step, is an attention-weighted sum of the encoder's
    outputs (additive attention, Bahdanau et al., 2015).

    At step ``t``, with the previous state ``s``: scores
    ``e_i = v^T tanh(W_q s + W_k h_i)`` over the source positions ``i``
    (the padding masked out), weights ``a = softmax(e)``, context
    ``c = sum_i a_i h_i``; the step then reads ``[embedding(y_{t-1}), c]``.
    ``attention_size`` is the size of ``W_q s`` and ``W_k h_i``: the scores are
    computed for every source position at every step, so a small one (64 by
    default) keeps attention cheap. ``begin`` gives the state
    ``[H, memory, keys, valid_len]`` (the encoder's
    outputs batch first, and their projections ``W_k h_i``); ``forward``
    also records the weights in ``self.last_weights`` ``(T, N, T_src)``.
    """

    def __init__(
        self,
        vocab_size: int,
        embed_size: int,
        num_hiddens: int,
        rnn: gluon.Block | None = None,
        attention_size: int = 64,
    ):
        super().__init__()
        self.vocab_size = check_int(vocab_size, "vocab_size", 1)
        check_int(embed_size, "embed_size", 1)
        self.num_hiddens = check_int(num_hiddens, "num_hiddens", 1)
        a = check_int(attention_size, "attention_size", 1)
        with self.name_scope():  # Decoder's parameters first, in its order, then attention's
            self.embedding = gluon.nn.Embedding(vocab_size, embed_size)
            self.rnn = (
                check_layer(rnn, "rnn")
                if rnn is not None
                else GRUScratch(num_hiddens, num_inputs=embed_size + num_hiddens)
            )
            self.output = gluon.nn.Dense(vocab_size, flatten=False)
            self.W_q = gluon.nn.Dense(a, use_bias=False, flatten=False)
            self.W_k = gluon.nn.Dense(a, use_bias=False, flatten=False)
            self.v = gluon.nn.Dense(1, use_bias=False, flatten=False)
        self.last_weights = None

    def begin(self, enc_outputs, enc_state, valid_len) -> list:
        h = self.num_hiddens
        _check_mx(enc_state, "enc_state", (None, h), f"(batch_size, {h})")
        N = enc_state.shape[0]
        _check_mx(enc_outputs, "enc_outputs", (None, N, h), f"(num_steps, {N}, {h})")
        _check_mx(valid_len, "valid_len", (N,), f"({N},)")
        _check_lengths(valid_len, "valid_len", enc_outputs.shape[0])
        memory = enc_outputs.transpose(1, 0, 2)  # (N, T_src, h): batch first, for batch_dot
        keys = self.W_k(memory)  # (N, T_src, a): computed once per sentence
        return [enc_state, memory, keys, valid_len]

    def expand(self, state: list, K: int) -> list:
        """Each source's state ``K`` times (rows ``n K .. n K + K - 1``), for beam search."""
        _check_state(state, _ATTENTION_STATE, self.num_hiddens)
        K = check_int(K, "K", 1)
        return [mnp.repeat(s, K, axis=0) for s in state]

    def reorder(self, state: list, index) -> list:
        """New rows of the decoder state; the memory is the same for every beam of a source."""
        _check_state(state, _ATTENTION_STATE, self.num_hiddens)
        _check_mx(index, "index", (None,), "(num_rows,) of row indices", integer=True)
        return [state[0][index], *state[1:]]

    def attend(self, H, memory, keys, valid_len):
        """Context ``(N, h)`` and weights ``(N, T_src)`` for the decoder state ``H`` ``(N, h)``."""
        _check_state([H, memory, keys, valid_len], _ATTENTION_STATE, self.num_hiddens)
        query = mnp.expand_dims(self.W_q(H), 1)  # (N, 1, a)
        # oneDNN's tanh: several times faster than mnp.tanh on these (N, T_src, a) arrays.
        scores = self.v(npx.activation(keys + query, act_type="tanh"))[:, :, 0]  # (N, T_src)
        mask = sequence_mask(valid_len, scores.shape[1]).T
        scores = mnp.where(mask > 0, scores, mnp.full(scores.shape, -1e6, ctx=scores.ctx))
        weights = npx.softmax(scores, axis=-1)
        context = npx.batch_dot(mnp.expand_dims(weights, 1), memory)[:, 0]  # (N, h)
        return context, weights

    def forward(self, Y, state):
        outputs, state = self.features(Y, state)
        return self.output(outputs), state

    def features(self, Y, state):
        """The decoder's hidden states ``(T, N, h)`` before the output layer, and the new state."""
        N = _check_state(state, _ATTENTION_STATE, self.num_hiddens)
        _check_mx(Y, "Y", (N, None), f"({N}, num_steps) of token indices", integer=True)
        _check_decoder_input(Y, self.vocab_size)
        H, memory, keys, valid_len = state
        emb = self.embedding(Y.T)  # (T, N, E)
        outputs, weights = [], []
        for t in range(emb.shape[0]):
            context, w = self.attend(H, memory, keys, valid_len)
            x = mnp.expand_dims(mnp.concatenate([emb[t], context], axis=-1), 0)
            out, (H,) = self.rnn(x, [mnp.expand_dims(H, 0)])
            H = H[0]
            outputs.append(out[0])
            weights.append(w)
        self.last_weights = mnp.stack(weights)
        return mnp.stack(outputs), [H, memory, keys, valid_len]


#: What :class:`EncoderDecoder` needs of a decoder besides ``num_hiddens``.
DECODER_METHODS = ("begin", "expand", "reorder", "forward")


class EncoderDecoder(gluon.Block):
    """An encoder and a decoder: ``forward(src, src_len, tgt_in) -> logits (T, N, V)``.

    Any encoder and decoder with the interface of :class:`Encoder` and
    :class:`Decoder` will do (chapter 7 writes its own, plainly): the encoder
    is called as ``encoder(src, src_len) -> (outputs (T, N, h), state (N, h))``;
    the decoder has ``begin(outputs, state, src_len) -> decoder state``,
    ``forward(Y (N, T), state) -> (logits (T, N, V), state)``, and, for beam
    search, ``expand(state, K)`` and ``reorder(state, rows)``.
    """

    def __init__(self, encoder: Encoder, decoder: Decoder | AttentionDecoder):
        super().__init__()
        if not isinstance(encoder, gluon.Block) or not hasattr(encoder, "num_hiddens"):
            raise TypeError(
                "encoder must be a gluon Block with num_hiddens and forward(X, valid_len) -> "
                f"(outputs, state), like Encoder; got {type(encoder).__name__}"
            )
        missing = [m for m in DECODER_METHODS if not callable(getattr(decoder, m, None))]
        if not isinstance(decoder, gluon.Block) or missing or not hasattr(decoder, "num_hiddens"):
            raise TypeError(
                "decoder must be a gluon Block with num_hiddens and the methods "
                f"{', '.join(DECODER_METHODS)}, like Decoder; got {type(decoder).__name__}"
                + (f" (it has no {', '.join(missing)})" if missing else "")
            )
        if encoder.num_hiddens != decoder.num_hiddens:
            raise ValueError(
                f"the encoder and the decoder must have the same num_hiddens, got "
                f"{encoder.num_hiddens} and {decoder.num_hiddens}"
            )
        with self.name_scope():
            self.encoder, self.decoder = encoder, decoder

    def begin(self, src, src_len) -> list:
        """The decoder's first state for a minibatch of sources."""
        _check_source(src, src_len, ("src", "src_len"))
        enc_outputs, enc_state = self.encoder(src, src_len)
        return self.decoder.begin(enc_outputs, enc_state, src_len)

    def forward(self, src, src_len, tgt_in):
        _check_source(src, src_len, ("src", "src_len"))
        if (
            not isinstance(tgt_in, mnp.ndarray)
            or tgt_in.ndim != 2
            or tgt_in.shape[0] != src.shape[0]
        ):
            got = tgt_in.shape if hasattr(tgt_in, "shape") else type(tgt_in).__name__
            raise ValueError(
                f"tgt_in must be an MXNet array ({src.shape[0]}, num_steps), got {got}"
            )
        logits, _ = self.decoder(tgt_in, self.begin(src, src_len))
        return logits

    def step(self, y, state):
        """One decoding step: ``y`` ``(N,)`` tokens -> log-probabilities ``(N, V)``, new state."""
        _check_mx(y, "y", (None,), "(batch_size,) of token indices", integer=True)
        logits, state = self.decoder(mnp.expand_dims(y, 1), state)
        return npx.log_softmax(logits[0], axis=-1), state


def decoder_loss(
    model: EncoderDecoder, split, feed: str = "reference", batch_size: int = 512, device=None
) -> float:
    """Mean cross-entropy per reference token of a split, with the decoder fed two ways.

    ``feed='reference'`` is teacher forcing: at every step the decoder reads
    the reference's previous token, as in training. ``feed='own'`` is free
    running: it reads its own most likely previous token, as when it
    translates, while the loss still scores the reference. The gap between
    the two measures *exposure bias*: how much worse the model does on the
    inputs it makes for itself, which it never saw in training.
    """
    if not isinstance(model, EncoderDecoder):
        raise TypeError(f"model must be an EncoderDecoder, got {type(model).__name__}")
    check_choice(feed, "feed", ("reference", "own"))
    check_int(batch_size, "batch_size", 1)
    if not hasattr(split, "tgt_out") or not len(split):
        raise TypeError(f"split must be a non-empty translation Split, got {type(split).__name__}")
    device = check_device(device) or mx.current_context()
    total, count = 0.0, 0
    with autograd.predict_mode():
        for i in range(0, len(split), batch_size):
            rows = slice(i, i + batch_size)
            src, src_len, tgt_in, tgt_out, tgt_len = (
                mnp.array(a[rows], dtype="int32", ctx=device)
                for a in (split.src, split.src_len, split.tgt_in, split.tgt_out, split.tgt_len)
            )
            if feed == "reference":
                logits = model(src, src_len, tgt_in)
            else:
                state, y, steps = model.begin(src, src_len), tgt_in[:, 0], []
                for _ in range(tgt_in.shape[1]):
                    step_logits, state = model.decoder(mnp.expand_dims(y, 1), state)
                    steps.append(step_logits[0])
                    y = step_logits[0].argmax(axis=-1).astype("int32")
                logits = mnp.stack(steps)
            tokens = int(tgt_len.sum())
            total += float(masked_cross_entropy(logits, tgt_out, tgt_len)) * tokens
            count += tokens
    return total / count


def _vocab_size(block: gluon.Block, layer: str) -> int | None:
    """How many tokens an encoder or decoder takes: its ``vocab_size``, or else the size of
    its ``layer`` (``"embedding"``'s input or ``"output"``'s units, as a chapter's own
    encoder and decoder have them); ``None`` when it says neither."""
    size = getattr(block, "vocab_size", None)
    part = getattr(block, layer, None)
    if size is None and isinstance(part, (gluon.nn.Embedding, gluon.nn.Dense)):
        rows = part.weight.shape[0]  # Embedding (input_dim, E); Dense (units, in_units)
        size = rows or None  # 0: a Dense whose shape is not known yet
    return size


def check_model_for(model: object, data: TranslationData) -> EncoderDecoder:
    """Return ``model`` if it is an :class:`EncoderDecoder` built for ``data``'s two
    vocabularies (by their ``vocab_size``, or their embedding's and output layer's sizes);
    otherwise ``TypeError`` or ``ValueError``: its translations would be other words."""
    if not isinstance(model, EncoderDecoder):
        raise TypeError(f"model must be an EncoderDecoder, got {type(model).__name__}")
    if not isinstance(data, TranslationData):
        raise TypeError(
            f"data must be a TranslationData (see translation_data), got {type(data).__name__}"
        )
    for side, vocab, block, layer in (
        ("source", data.src_vocab, model.encoder, "embedding"),
        ("target", data.tgt_vocab, model.decoder, "output"),
    ):
        size = _vocab_size(block, layer)
        if size is not None and size != len(vocab):
            raise ValueError(
                f"model must be built for data's {side} vocabulary of {len(vocab)} tokens, got "
                f"a model whose {side} side takes {size}"
            )
    return model


def _device_arrays(model, src, src_len, bos, eos, device):
    """Checks what the decoders take: sources, their lengths and the two special tokens.

    The vocabulary sizes are checked where the encoder and decoder say them
    (``vocab_size``, or their embedding and output layers).
    """
    V = _vocab_size(model.decoder, "output")
    check_int(bos, "bos", 0, None if V is None else V - 1)
    check_int(eos, "eos", 0, None if V is None else V - 1)
    src = check_array(src, "src", ndim=2, kind="i")
    src_len = check_array(src_len, "src_len", ndim=1, kind="i", shape=(src.shape[0],))
    V_src = _vocab_size(model.encoder, "embedding")
    if V_src is not None:
        check_indices(src, "src", V_src)
    if src_len.min() < 1 or src_len.max() > src.shape[1]:
        raise ValueError(
            f"src_len must hold lengths in [1, {src.shape[1]}] (src's num_steps), got "
            f"{src_len.tolist()}"
        )
    device = check_device(device) or mx.current_context()
    src = mnp.array(src, dtype="int32", ctx=device)
    return src, mnp.array(src_len, dtype="int32", ctx=device)


def greedy_decode(
    model: EncoderDecoder, src, src_len, bos: int, eos: int, max_len: int, device=None
) -> list[list[int]]:
    """The most likely next token at every step, for a minibatch of sources.

    Returns one list of target indices per source, without ``<bos>`` and
    stopped before ``<eos>`` (or after ``max_len`` tokens).
    """
    if not isinstance(model, EncoderDecoder):
        raise TypeError(f"model must be an EncoderDecoder, got {type(model).__name__}")
    max_len = check_int(max_len, "max_len", 1)
    device = device or mx.current_context()
    src, src_len = _device_arrays(model, src, src_len, bos, eos, device)
    with autograd.predict_mode():
        state = model.begin(src, src_len)
        y = mnp.full((src.shape[0],), bos, dtype="int32", ctx=device)
        steps = []
        for _ in range(max_len):
            logp, state = model.step(y, state)
            y = logp.argmax(axis=-1).astype("int32")
            steps.append(y.asnumpy())
    out = []
    for row in np.stack(steps, axis=1):
        tokens = []
        for i in row:
            if i == eos:
                break
            tokens.append(int(i))
        out.append(tokens)
    return out


@dataclass
class Hypothesis:
    """A (partial) translation: its tokens, cumulative log-probability and ranking score."""

    tokens: list[int]
    log_prob: float
    score: float
    finished: bool = False


@dataclass
class BeamStep:
    """One step of beam search for one sentence, as the explorer shows it.

    ``alive``: the hypotheses kept; ``pruned``: the best candidates that did
    not make the beam; ``finished``: every hypothesis that has ended so far.
    ``attention``: for a model with an :class:`AttentionDecoder`, one row per
    hypothesis of ``alive``, then one per hypothesis that finished at this
    step (in the order of ``finished``): the weights ``(source length,)`` over
    the source with which the model chose that hypothesis's last token; empty
    for a model without attention.
    """

    step: int
    alive: list[Hypothesis] = field(default_factory=list)
    pruned: list[Hypothesis] = field(default_factory=list)
    finished: list[Hypothesis] = field(default_factory=list)
    attention: list = field(default_factory=list)


def _normalized(log_prob: float, length: int, alpha: float) -> float:
    """``log_prob / length**alpha``. Where ``length**alpha`` would overflow a float (``8**1000``),
    the same quotient is computed in log space: the score itself is always between
    ``log_prob`` and 0, so a large ``alpha`` is valid input, not an ``OverflowError``."""
    if not alpha:
        return log_prob
    if alpha * math.log(length) < 700:  # e**700 ~ 1e304: the formula as written
        return log_prob / length**alpha
    if log_prob == 0:
        return 0.0
    return math.copysign(math.exp(math.log(abs(log_prob)) - alpha * math.log(length)), log_prob)


def beam_search(
    model: EncoderDecoder,
    src,
    src_len,
    bos: int,
    eos: int,
    max_len: int,
    beam_size: int = 4,
    alpha: float = 0.0,
    trace: bool = False,
    num_pruned: int = 4,
    device=None,
):
    """Beam search for each source: returns the best translation's tokens per source.

    At each step every alive hypothesis is extended by every token; the
    ``beam_size`` candidates with the highest cumulative log-probability
    stay alive, and a candidate that ends with ``<eos>`` becomes finished.
    Candidates are taken best first: one ending with ``<eos>`` finishes (while
    fewer than ``beam_size`` have), any other stays alive, until ``beam_size``
    are alive; the rest are pruned. The search stops when ``beam_size``
    hypotheses have finished or after ``max_len`` steps (at the last step
    every candidate taken finishes). Finished
    hypotheses are ranked by ``log P / len^alpha``, ``len`` counting
    ``<eos>``; ``alpha > 0`` favours longer translations (see the module
    docstring). ``beam_size=1`` is greedy decoding.

    With ``trace=True`` also returns, per source, the list of
    :class:`BeamStep` (with up to ``num_pruned`` pruned candidates each, and
    the attention weights behind each new hypothesis where the decoder attends).
    """
    if not isinstance(model, EncoderDecoder):
        raise TypeError(f"model must be an EncoderDecoder, got {type(model).__name__}")
    max_len = check_int(max_len, "max_len", 1)
    K = check_int(beam_size, "beam_size", 1)
    alpha = check_number(alpha, "alpha", 0)
    trace = check_bool(trace, "trace")
    check_int(num_pruned, "num_pruned", 0)
    device = device or mx.current_context()
    src, src_len = _device_arrays(model, src, src_len, bos, eos, device)
    N = src.shape[0]
    with autograd.predict_mode():
        # K copies of every source's state: rows n*K .. n*K+K-1 are source n's beams.
        state = model.decoder.expand(model.begin(src, src_len), K)
        beams = [[Hypothesis([], 0.0, 0.0)] for _ in range(N)]  # one live beam at first
        finished: list[list[Hypothesis]] = [[] for _ in range(N)]
        traces: list[list[BeamStep]] = [[] for _ in range(N)]
        y = mnp.full((N * K,), bos, dtype="int32", ctx=device)
        attends = trace and isinstance(model.decoder, AttentionDecoder)
        lengths = src_len.asnumpy().astype(int) if attends else None
        for step in range(1, max_len + 1):
            logp, state = model.step(y, state)
            logp = logp.asnumpy().reshape(N, K, -1)
            if attends:  # (N, K, T_src): row n*K+b is beam b of source n, as logp
                weights = model.decoder.last_weights[0].asnumpy().reshape(N, K, -1)
            rows, next_tokens = [], []
            for n in range(N):
                if len(finished[n]) >= K or not beams[n]:
                    rows += [n * K] * K
                    next_tokens += [eos] * K
                    continue
                live = beams[n]
                cand = np.array([h.log_prob for h in live])[:, None] + logp[n, : len(live)]
                # Enough of the best candidates to fill the beam even if every beam's best
                # candidate is <eos>; sorting only those is much cheaper than sorting all.
                m = min(cand.size, 2 * K + num_pruned)
                top = np.argpartition(-cand, m - 1, axis=None)[:m]
                flat = top[np.argsort(-cand.reshape(-1)[top], kind="stable")]
                kept, pruned, ended = [], [], []
                # Best first: an <eos> candidate (or any, at the last step) finishes, another
                # stays alive, until K are alive; every candidate below that cut is pruned.
                for f in flat:
                    b, tok = divmod(int(f), cand.shape[1])
                    lp = float(cand[b, tok])
                    tokens = live[b].tokens + [tok]
                    h = Hypothesis(tokens, lp, _normalized(lp, len(tokens), alpha), tok == eos)
                    if len(kept) == K:
                        if len(pruned) == num_pruned:
                            break
                        pruned.append(h)
                    elif h.finished or step == max_len:
                        h.finished = True
                        if len(finished[n]) < K:
                            finished[n].append(h)
                            ended.append((b, h))
                    else:
                        kept.append((b, h))
                beams[n] = [h for _, h in kept]
                rows += [n * K + b for b, _ in kept] + [n * K] * (K - len(kept))
                next_tokens += [h.tokens[-1] for _, h in kept] + [eos] * (K - len(kept))
                if trace:
                    done = sorted(finished[n], key=lambda h: -h.score)
                    attention = []
                    if attends:  # the weights of the parent beam b that chose each new token
                        parent = {id(h): b for b, h in kept + ended}
                        new = list(beams[n]) + [h for h in done if id(h) in parent]
                        attention = [weights[n, parent[id(h)], : lengths[n]] for h in new]
                    traces[n].append(BeamStep(step, list(beams[n]), pruned, done, attention))
            state = model.decoder.reorder(state, mnp.array(rows, dtype="int32", ctx=device))
            y = mnp.array(next_tokens, dtype="int32", ctx=device)
            if all(len(f) >= K or not b for f, b in zip(finished, beams)):
                break
    best = []
    for n in range(N):
        pool = finished[n] or [
            Hypothesis(h.tokens, h.log_prob, _normalized(h.log_prob, len(h.tokens), alpha))
            for h in beams[n]
        ]
        top = max(pool, key=lambda h: h.score)
        best.append([t for t in top.tokens if t != eos])
    return (best, traces) if trace else best


def exhaustive_search(
    model: EncoderDecoder, src, src_len, bos: int, eos: int, max_len: int, alpha: float = 0.0,
    device=None,
) -> tuple[list[int], float]:  # fmt: skip
    """The best translation of ONE source among all token sequences of at most ``max_len`` tokens.

    Every sequence is scored like :func:`beam_search` scores finished
    hypotheses (``<eos>``-terminated, or cut at ``max_len``). Exponential in
    ``max_len``: for a toy vocabulary only. Returns ``(tokens, score)``.
    """
    if not isinstance(model, EncoderDecoder):
        raise TypeError(f"model must be an EncoderDecoder, got {type(model).__name__}")
    max_len = check_int(max_len, "max_len", 1, 8)
    alpha = check_number(alpha, "alpha", 0)
    device = device or mx.current_context()
    src, src_len = _device_arrays(model, src, src_len, bos, eos, device)
    if src.shape[0] != 1:
        raise ValueError(f"src must hold one source sentence, got {src.shape[0]}")
    with autograd.predict_mode():
        state0 = model.begin(src, src_len)
        best_tokens, best_score = None, -math.inf
        frontier = [([], 0.0, state0, bos)]
        for step in range(1, max_len + 1):
            nxt = []
            for tokens, lp, state, y in frontier:
                logp, new_state = model.step(mnp.array([y], dtype="int32", ctx=device), state)
                logp = logp.asnumpy()[0]
                for tok in range(len(logp)):
                    seq, total = tokens + [tok], lp + float(logp[tok])
                    if tok == eos or step == max_len:
                        score = _normalized(total, len(seq), alpha)
                        if score > best_score:
                            best_tokens, best_score = seq, score
                    else:
                        nxt.append((seq, total, new_state, tok))
            frontier = nxt
    return [t for t in best_tokens if t != eos], best_score


@dataclass
class AttentionMap:
    """Where an attention model looked while it translated one sentence (greedily).

    ``source`` lists the sentence's tokens (``<unk>`` where the vocabulary has no word),
    ``output`` the translation's tokens, ``<eos>`` last if it ended; ``weights`` ``(len(output),
    len(source))``: row ``t`` is the attention over the source when the model chose
    ``output[t]``, and sums to 1.
    """

    sentence: str
    source: list[str]
    output: list[str]
    weights: np.ndarray


def attention_maps(
    model: EncoderDecoder, data: TranslationData, sentences: list[str], device=None
) -> list[AttentionMap]:
    """Translate each sentence greedily, recording the attention weights of every step.

    ``model`` must have an :class:`AttentionDecoder` (which records ``last_weights``) and be
    built for ``data``'s vocabularies; the translations are those of :func:`translate` with
    ``beam_size=1``. Pure data: :func:`d2lrnn.plot.attention_heatmap` draws one.
    """
    check_model_for(model, data)
    if not isinstance(model.decoder, AttentionDecoder):
        raise TypeError(
            "model must have an AttentionDecoder (one that records its attention weights), got "
            f"{type(model.decoder).__name__}"
        )
    if isinstance(sentences, str) or not isinstance(sentences, (list, tuple)) or not sentences:
        raise TypeError(f"sentences must be a non-empty list of str, got {sentences!r:.80}")
    tokens = [source_tokens(s, data.max_len, f"sentences[{i}]") for i, s in enumerate(sentences)]
    for i, sentence in enumerate(sentences):
        data.source_units(sentence, f"sentences[{i}]")  # in subwords too, it must fit
    rows = [data.encode_source(s) for s in sentences]
    src = np.concatenate([row for row, _ in rows])
    src_len = np.array([n for _, n in rows], dtype=np.int32)
    bos, eos = data.tgt_vocab[BOS], data.tgt_vocab[EOS]
    device = check_device(device) or mx.current_context()
    src_mx, len_mx = _device_arrays(model, src, src_len, bos, eos, device)
    steps, weights = [], []
    with autograd.predict_mode():
        state = model.begin(src_mx, len_mx)
        y = mnp.full((len(sentences),), bos, dtype="int32", ctx=device)
        for _ in range(data.max_target_steps):  # as translate
            logp, state = model.step(y, state)
            weights.append(model.decoder.last_weights[0].asnumpy())  # (N, T_src)
            y = logp.argmax(axis=-1).astype("int32")
            steps.append(y.asnumpy())
    steps, weights = np.stack(steps, axis=1), np.stack(weights, axis=1)  # (N, T), (N, T, T_src)
    maps = []
    for n in range(len(sentences)):
        ids = steps[n].tolist()
        stop = ids.index(eos) + 1 if eos in ids else len(ids)
        source = data.src_vocab.to_tokens(src[n, : src_len[n]].tolist())
        maps.append(
            AttentionMap(
                detokenize(tokens[n]),
                source,
                data.tgt_vocab.to_tokens(ids[:stop]),
                weights[n, :stop, : src_len[n]],
            )
        )
    return maps


def translate(
    model: EncoderDecoder,
    data: TranslationData,
    sentences: list[str],
    beam_size: int = 1,
    alpha: float = 0.0,
    batch_size: int = 256,
    device=None,
) -> list[str]:
    """Translate English sentences: greedy decoding (``beam_size=1``) or beam search.

    Each sentence is normalised and indexed with ``data``'s source
    vocabulary (:meth:`~d2lrnn.translation.TranslationData.encode_source`:
    unknown words become ``<unk>``; an empty sentence, or one longer than
    ``data.max_len`` words, is refused with a ``ValueError`` naming it).
    ``model`` must be built for ``data``'s vocabularies (``ValueError``
    otherwise: its translations would be other words' indices). The
    translations are at most ``data.max_target_steps`` tokens (words or
    subwords, ``<eos>`` included), given as words in the normal form of
    :func:`~d2lrnn.translation.normalize` (a space before punctuation).
    """
    check_model_for(model, data)
    if isinstance(sentences, str) or not isinstance(sentences, (list, tuple)) or not sentences:
        raise TypeError(f"sentences must be a non-empty list of str, got {sentences!r}")
    beam_size = check_int(beam_size, "beam_size", 1)
    alpha = check_number(alpha, "alpha", 0)
    batch_size = check_int(batch_size, "batch_size", 1)
    rows, lengths = [], []
    for i, sentence in enumerate(sentences):
        data.source_units(sentence, f"sentences[{i}]")
        row, n = data.encode_source(sentence)
        rows.append(row[0])
        lengths.append(n)
    src, src_len = np.stack(rows), np.array(lengths, dtype=np.int32)
    bos, eos, max_len = data.tgt_vocab[BOS], data.tgt_vocab[EOS], data.max_target_steps
    out = []
    for i in range(0, len(src), batch_size):
        s, n = src[i : i + batch_size], src_len[i : i + batch_size]
        if beam_size == 1:
            out += greedy_decode(model, s, n, bos, eos, max_len, device=device)
        else:
            out += beam_search(model, s, n, bos, eos, max_len, beam_size, alpha, device=device)
    return [data.target_text(tokens) for tokens in out]
