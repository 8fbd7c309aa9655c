"""Moving weights between the book's recurrent layers and gluon's: one ``copy_weights``.

The book's layers (:mod:`d2lrnn.layers`) keep ``W_xh`` ``(d, G h)``,
``W_hh`` ``(h, G h)`` and one bias ``b_h`` ``(G h,)``; gluon keeps the
transposes, ``i2h_weight`` ``(G h, d)`` and ``h2h_weight`` ``(G h, h)``, and
two biases, ``i2h_bias`` and ``h2h_bias``, for every layer and direction
(``l0``, ``r0``, ``l1``, ...). Both store the gate blocks in the same order
(:data:`d2lrnn.layers.CELLS`). :func:`copy_weights` copies in either
direction, for

* one book layer and a one-layer, one-direction gluon layer;
* a :class:`~d2lrnn.deep.Bidirectional` layer or a
  :class:`~d2lrnn.deep.Stacked` stack (as :func:`~d2lrnn.deep.deep_rnn`
  builds it) and the gluon layer with the same layers and directions;
* two :class:`~d2lrnn.lm.RNNLM` language models, one over each kind of layer
  (the recurrent layer, the output layer and the embedding);
* a *plain* model, such as the ones the chapters write, whose every gate has
  its own parameters named as in the equations (``W_xi``, ``W_hi``, ``b_i``,
  ... as :meth:`~d2lrnn.layers.ScratchRecurrent.gate_params` names them),
  or another of the book's layers or stacks, into the book's layer or stack
  of the same shape.

Afterwards both sides compute the same function: a trained gluon model can be
looked inside with the book's ``trace``, and training both from there
compares the layers alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mxnet import gluon
from mxnet import np as mnp

from .checks import check_int
from .deep import Bidirectional, Stacked
from .gluon_adapter import (
    gluon_block_params,
    gluon_layout,
    initialize,
    is_gluon_rnn,
    is_initialized,
)
from .layers import CELLS, GRUScratch, RNNScratch, ScratchRecurrent, get_cell
from .lm import RNNLM

__all__ = [
    "copy_weights",
    "fused_names",
    "fused_params",
    "gate_names",
    "gate_param_groups",
    "gluon_gradients",
    "one_way_layers",
]

BOOK_LAYERS = (ScratchRecurrent, Bidirectional, Stacked)
#: How every refusal of two layers that do not match begins.
_MISMATCH = "the two models must have the same cell, sizes, layers and directions: "


def copy_weights(source: gluon.Block, target: gluon.Block) -> None:
    """Load ``source``'s weights into ``target``: the book's layer into gluon's, or back.

    One side must be the book's (a layer of :mod:`d2lrnn.layers`, a
    ``Bidirectional`` or ``Stacked`` of them, or an ``RNNLM`` over one) and
    the other the matching gluon recurrent layer (or ``RNNLM`` over one),
    with the same cell, activation, hidden size, input size, layers and
    directions; anything else raises ``ValueError`` naming the difference.
    Language models must be initialised; their deferred shapes are completed
    with one token.
    """
    for arg, model in (("source", source), ("target", target)):
        if not isinstance(model, gluon.Block):
            raise TypeError(
                f"{arg} must be a recurrent layer or an RNNLM (a gluon Block), got "
                f"{type(model).__name__}"
            )
    if isinstance(source, RNNLM) or isinstance(target, RNNLM):
        _copy_language_model(source, target)
        return
    if isinstance(target, BOOK_LAYERS) and not is_gluon_rnn(source):
        _from_plain(source, target)  # a plain model, or another of the book's layers
        return
    if isinstance(source, BOOK_LAYERS) and is_gluon_rnn(target):
        for layer, block in _pairs(source, target):
            _to_gluon(layer, gluon_block_params(target, block))
    elif is_gluon_rnn(source) and isinstance(target, BOOK_LAYERS):
        for layer, block in _pairs(target, source):
            _from_gluon(gluon_block_params(source, block), layer)
    else:
        raise ValueError(
            "copy_weights copies between one of the book's layers and a gluon layer, got "
            f"{type(source).__name__} and {type(target).__name__} (source and target must be "
            "one of each, or two RNNLMs)"
        )


def one_way_layers(book: gluon.Block) -> list[ScratchRecurrent]:
    """The book's one-direction layers of a layer, ``Bidirectional`` or ``Stacked``, in gluon's
    block order: layer 0 forward, layer 0 backward, layer 1 forward, ..."""
    if not isinstance(book, BOOK_LAYERS):
        raise TypeError(
            "book must be one of the book's layers (d2lrnn.layers), a Bidirectional or a "
            f"Stacked, got {type(book).__name__}"
        )
    stack = book.layers if isinstance(book, Stacked) else [book]
    out = []
    for i, layer in enumerate(stack):
        one_way = (
            [layer.forward_layer, layer.backward_layer]
            if isinstance(layer, Bidirectional)
            else [layer]
        )
        for layer_d in one_way:
            if not isinstance(layer_d, ScratchRecurrent):
                raise ValueError(
                    f"layer {i} of the book's stack must be one of its own layers, "
                    f"got {type(layer_d).__name__}"
                )
            out.append(layer_d)
    return out


_GATE_PARAM = re.compile(r"^(?P<owner>.*?)(?P<name>W_[xh][a-z]|b_hn|b_[a-z])$")


def gate_param_groups(plain: gluon.Block) -> list[dict]:
    """A plain model's parameters, grouped by the block that owns them, in creation order.

    Each group maps a name of the equations (``'W_xi'``, ``'b_hn'``, ...) to
    the parameter; the groups are the model's one-direction layers, in the
    order they were created.
    """
    if not isinstance(plain, gluon.Block):
        raise TypeError(f"plain must be a gluon Block, got {type(plain).__name__}")
    groups: dict[str, dict] = {}
    for full, param in plain.collect_params().items():
        match = _GATE_PARAM.match(full)
        if match is None:
            raise ValueError(
                f"the plain model's parameter {full!r} is not named like a gate's: its parameters "
                "must be named as in the equations (W_xi, W_hi, b_i, ...: see "
                "d2lrnn.layers.ScratchRecurrent.gate_params)"
            )
        groups.setdefault(match["owner"], {})[match["name"]] = param
    return list(groups.values())


def _from_plain(plain: gluon.Block, book: gluon.Block) -> None:
    """Fuse a plain model's per-gate parameters into the book's layers, gate blocks in order."""
    targets, groups = one_way_layers(book), gate_param_groups(plain)
    if len(groups) != len(targets):
        raise ValueError(
            f"{_MISMATCH}the plain model has {len(groups)} one-direction layer(s), the book's has "
            f"{len(targets)}"
        )
    for k, (group, layer) in enumerate(zip(groups, targets)):
        for name, value in fused_params(group, layer.cell, k).items():
            param = getattr(layer, name)
            if name == "W_xh" and param.shape[0] <= 0:
                layer.set_num_inputs(value.shape[0])
            if param.shape != value.shape:
                raise ValueError(
                    f"{_MISMATCH}layer {k}: the plain model's {name} would be {value.shape}, "
                    f"the book's is {param.shape}: the layers differ in size"
                )
            param.set_data(value)


def fused_names(cell: str) -> list[str]:
    """The book's layer's parameters: ``W_xh, W_hh, b_h`` (and ``b_hn`` for the GRU)."""
    get_cell(cell)
    return ["W_xh", "W_hh", "b_h"] + (["b_hn"] if cell == "gru" else [])


def gate_names(cell: str) -> list[str]:
    """A plain layer's parameters, one set per gate: ``W_xi, W_hi, b_i, W_xf, ...``."""
    get_cell(cell)
    names = [f"{kind}{s}" for s in CELLS[cell].suffixes for kind in ("W_x", "W_h", "b_")]
    return names + (["b_hn"] if cell == "gru" else [])


def fused_params(group: dict, cell: str, k: int = 0) -> dict:
    """One plain layer's parameters in the book's fused layout (gate blocks side by side).

    ``group`` maps names to parameters, either per gate (:func:`gate_names`)
    or already fused (:func:`fused_names`, e.g. one of the book's own layers).
    """
    if not isinstance(group, dict):
        raise TypeError(f"group must be a dict name -> Parameter, got {type(group).__name__}")
    get_cell(cell)
    check_int(k, "k", 0)
    if sorted(group) == sorted(fused_names(cell)):
        return {name: group[name].data() for name in fused_names(cell)}
    if sorted(group) != sorted(gate_names(cell)):
        raise ValueError(
            f"layer {k} of the plain model has parameters {sorted(group)}; a {cell} layer "
            f"needs {gate_names(cell)} (or the fused {fused_names(cell)})"
        )
    suffixes = CELLS[cell].suffixes
    fused = {
        "W_xh": mnp.concatenate([group[f"W_x{s}"].data() for s in suffixes], axis=1),
        "W_hh": mnp.concatenate([group[f"W_h{s}"].data() for s in suffixes], axis=1),
        "b_h": mnp.concatenate([group[f"b_{s}"].data() for s in suffixes]),
    }
    if cell == "gru":
        fused["b_hn"] = group["b_hn"].data()
    return fused


def gluon_gradients(ref: gluon.Block, book: gluon.Block) -> list[dict]:
    """A gluon layer's parameter gradients in the book's layout, per one-direction layer.

    The inverse of the copy: ``W_xh`` <- ``i2h_weight^T``, ``W_hh`` <-
    ``h2h_weight^T``, ``b_h`` <- ``i2h_bias`` (both biases get the same
    gradient), ``b_hn`` <- the candidate block of ``h2h_bias``. Returns one
    dict per layer of :func:`one_way_layers` of ``book`` (the matching book
    layer or stack).
    """
    if not is_gluon_rnn(ref):
        raise TypeError(f"ref must be a gluon RNN, LSTM or GRU layer, got {type(ref).__name__}")
    one_way_layers(book)  # checks book
    out = []
    for layer, block in _pairs(book, ref):
        g = {name: p.grad() for name, p in gluon_block_params(ref, block).items()}
        grads = {"W_xh": g["i2h_weight"].T, "W_hh": g["h2h_weight"].T, "b_h": g["i2h_bias"]}
        if isinstance(layer, GRUScratch):
            grads["b_hn"] = g["h2h_bias"][2 * layer.num_hiddens :]
        out.append(grads)
    return out


def _pairs(book: gluon.Block, ref: gluon.Block) -> Iterator[tuple[ScratchRecurrent, str]]:
    """The book's one-direction layers with gluon's name of the matching block."""
    layout = gluon_layout(ref)
    stack = book.layers if isinstance(book, Stacked) else [book]
    if len(stack) != layout.num_layers:
        raise ValueError(
            f"{_MISMATCH}the gluon layer has {layout.num_layers} layer(s), the book's has "
            f"{len(stack)}"
        )
    for i, layer in enumerate(stack):
        directions = 2 if isinstance(layer, Bidirectional) else 1
        if directions != layout.num_directions:
            raise ValueError(
                f"{_MISMATCH}the gluon layer has {layout.num_directions} direction(s), the "
                f"book's layer {i} has {directions}"
            )
    for layer, block in zip(one_way_layers(book), layout.blocks):
        _check_same_cell(layer, layout)
        yield layer, block


def _check_same_cell(layer: ScratchRecurrent, layout) -> None:
    activation = layer.activation if isinstance(layer, RNNScratch) else None
    if (layer.cell, activation) != (layout.cell, layout.activation):
        raise ValueError(
            f"{_MISMATCH}the layers differ in kind: the book's is {layer.cell}"
            f"{f' ({activation})' if activation else ''}, gluon's is {layout.cell}"
            f"{f' ({layout.activation})' if layout.activation else ''}"
        )
    if layer.num_hiddens != layout.num_hiddens:
        raise ValueError(
            f"{_MISMATCH}the layers differ in num_hiddens: the book's has {layer.num_hiddens}, "
            f"gluon's {layout.num_hiddens}"
        )


def _to_gluon(scratch: ScratchRecurrent, params: dict) -> None:
    """``W^T`` into gluon's weights; ``b_h`` into ``i2h_bias``; ``h2h_bias`` is zero except the
    GRU's candidate block, which holds ``b_hn``."""
    if scratch.W_xh.shape[0] <= 0:
        raise ValueError(
            "the book's layer has no input size yet: it must be called once or given num_inputs"
        )
    expected = params["i2h_weight"].shape
    if expected[1] > 0 and expected[1] != scratch.W_xh.shape[0]:
        raise ValueError(
            f"{_MISMATCH}the layers differ in input size: gluon's i2h_weight is {expected}, "
            f"the book's W_xh is {scratch.W_xh.shape}"
        )
    b = scratch.b_h.data()
    h2h_bias = mnp.zeros_like(b)
    if isinstance(scratch, GRUScratch):
        h2h_bias[2 * scratch.num_hiddens :] = scratch.b_hn.data()
    for name, value in (
        ("i2h_weight", scratch.W_xh.data().T),
        ("h2h_weight", scratch.W_hh.data().T),
        ("i2h_bias", b),
        ("h2h_bias", h2h_bias),
    ):
        params[name].set_data(value)  # completes a deferred input size with the book's


def _from_gluon(params: dict, scratch: ScratchRecurrent) -> None:
    """The inverse of :func:`_to_gluon`: ``b_h`` is the sum of gluon's two biases, except in
    the GRU's candidate block, where ``h2h_bias`` goes to ``b_hn`` (the reset gate multiplies
    it)."""
    W_xh, W_hh = params["i2h_weight"].data(), params["h2h_weight"].data()
    i2h_bias, h2h_bias = params["i2h_bias"].data(), params["h2h_bias"].data()
    if scratch.W_xh.shape[0] <= 0:  # input size not known yet: take gluon's
        scratch.set_num_inputs(W_xh.shape[1])
    elif scratch.W_xh.shape != W_xh.T.shape:
        raise ValueError(
            f"{_MISMATCH}the layers differ in input size: gluon's i2h_weight is {W_xh.shape}, "
            f"the book's W_xh is {scratch.W_xh.shape}"
        )
    scratch.W_xh.set_data(W_xh.T)
    scratch.W_hh.set_data(W_hh.T)
    b = i2h_bias + h2h_bias
    if isinstance(scratch, GRUScratch):
        h = scratch.num_hiddens
        b[2 * h :] = i2h_bias[2 * h :]
        scratch.b_hn.set_data(h2h_bias[2 * h :])
    scratch.b_h.set_data(b)


def _copy_language_model(source: RNNLM, target: RNNLM) -> None:
    for arg, model in (("source", source), ("target", target)):
        if not isinstance(model, RNNLM):
            raise ValueError(
                f"{arg} must be an RNNLM like the other model, got {type(model).__name__}"
            )
    if (source.vocab_size, source.embed_size) != (target.vocab_size, target.embed_size):
        raise ValueError(
            f"{_MISMATCH}the models differ in vocab_size or embed_size: "
            f"{(source.vocab_size, source.embed_size)} and {(target.vocab_size, target.embed_size)}"
        )
    for arg, model in (("source", source), ("target", target)):
        params = list(model.collect_params().values())
        if not all(is_initialized(p) for p in params):
            raise ValueError(f"{arg} must be initialized first (call its initialize())")
        device = params[0].list_ctx()[0]
        initialize(model, mnp.zeros((1, 1), dtype="int32", ctx=device), device)
    copy_weights(source.rnn, target.rnn)
    blocks = [(source.output, target.output)]
    if source.embedding is not None:
        blocks.append((source.embedding, target.embedding))
    for a, b in blocks:
        for p, q in zip(a.collect_params().values(), b.collect_params().values()):
            q.set_data(p.data())
