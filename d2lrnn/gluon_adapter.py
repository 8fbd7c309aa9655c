"""The one adapter over gluon: what the book needs from MXNet gluon beyond its public API.

Everything in d2lrnn that touches a private attribute of gluon does it
through this module, so that the rest of the package uses public names only.
MXNet 1.9.1 is MXNet's last release (the project is in the Apache Attic), so
these attributes will not move; they are:

* a gluon recurrent layer's shape, ``_mode``, ``_num_layers``, ``_dir`` and
  ``_hidden_size`` (:func:`gluon_layout`);
* ``Parameter._finish_deferred_init``, to complete a parameter whose shape
  became known after ``initialize()`` (:func:`finish_deferred_init`).

It also holds the few helpers that bridge gluon's conventions and the book's:
gluon's layers take ``ctx=``, the book's ``device=`` (:func:`begin_state`);
gluon names its weights ``l0_i2h_weight`` ... (:func:`gluon_block_params`);
and :func:`initialize` is the one place that finishes a model's deferred
initialisation.
"""

from __future__ import annotations

from dataclasses import dataclass

import mxnet as mx
from mxnet import autograd, gluon, init
from mxnet import np as mnp
from mxnet.gluon import rnn

from . import runtime  # noqa: F401 (imported for its effect: MXNet's NumPy interface is on)
from .checks import check_device, check_int

__all__ = [
    "GLUON_LAYERS",
    "GluonLayout",
    "begin_state",
    "finish_deferred_init",
    "gluon_block_params",
    "gluon_layout",
    "initialize",
    "is_gluon_rnn",
    "is_initialized",
]

#: gluon's recurrent layers, whose weights the book's layers can exchange.
GLUON_LAYERS = (rnn.RNN, rnn.LSTM, rnn.GRU)
#: gluon's ``_mode`` of each layer -> (the book's cell name, activation).
_MODES = {
    "rnn_tanh": ("rnn", "tanh"),
    "rnn_relu": ("rnn", "relu"),
    "lstm": ("lstm", None),
    "gru": ("gru", None),
}


def is_gluon_rnn(layer: object) -> bool:
    """True for ``gluon.rnn.RNN``, ``LSTM`` and ``GRU`` layers (any depth, either direction)."""
    return isinstance(layer, GLUON_LAYERS)


@dataclass(frozen=True)
class GluonLayout:
    """What a gluon recurrent layer computes: its cell, activation and shape."""

    cell: str  # 'rnn', 'lstm' or 'gru'
    activation: str | None  # 'tanh' or 'relu' for the RNN, None for the gated cells
    num_layers: int
    num_directions: int
    num_hiddens: int

    @property
    def blocks(self) -> list[str]:
        """gluon's name of every layer and direction, in state-row order: l0, r0, l1, ..."""
        dirs = ("l", "r")[: self.num_directions]
        return [f"{d}{i}" for i in range(self.num_layers) for d in dirs]


def gluon_layout(layer: gluon.Block) -> GluonLayout:
    """The cell, activation, layers, directions and hidden size of a gluon recurrent layer."""
    if not is_gluon_rnn(layer):
        raise TypeError(f"layer must be a gluon.rnn.RNN, LSTM or GRU, got {type(layer).__name__}")
    cell, activation = _MODES[layer._mode]
    return GluonLayout(cell, activation, layer._num_layers, layer._dir, layer._hidden_size)


def gluon_block_params(layer: gluon.Block, block: str = "l0") -> dict[str, gluon.Parameter]:
    """The four parameters of one layer and direction of a gluon recurrent layer.

    ``block`` is gluon's name: ``'l0'`` (layer 0, forward), ``'r0'`` (layer 0,
    backward), ``'l1'``, ... Returns ``{'i2h_weight', 'h2h_weight',
    'i2h_bias', 'h2h_bias'}`` -> Parameter; gluon stores ``W^T``, shapes
    ``(G h, d)`` and ``(G h, h)``, and two biases of shape ``(G h,)``.
    """
    layout = gluon_layout(layer)
    if block not in layout.blocks:
        raise ValueError(f"block must be one of {layout.blocks} for this layer, got {block!r}")
    params = layer.collect_params()
    prefix = f"{layer.prefix}{block}_"
    return {name: params[prefix + name] for name in GLUON_PARAMS}


GLUON_PARAMS = ("i2h_weight", "h2h_weight", "i2h_bias", "h2h_bias")


def begin_state(layer: gluon.Block, batch_size: int, device: mx.Context | None = None) -> list:
    """The zero state of any recurrent layer, gluon's (which takes ``ctx=``) or the book's."""
    device = check_device(device) or mx.current_context()
    check_int(batch_size, "batch_size", 1)
    if not (is_gluon_rnn(layer) or callable(getattr(layer, "begin_state", None))):
        raise TypeError(
            f"layer must be a recurrent layer with begin_state, got {type(layer).__name__}"
        )
    if is_gluon_rnn(layer):
        return layer.begin_state(batch_size, ctx=device)
    return layer.begin_state(batch_size, device=device)


def is_initialized(param: gluon.Parameter) -> bool:
    """True once ``initialize()`` has been called for ``param`` (even if its shape is deferred)."""
    if not isinstance(param, gluon.Parameter):
        raise TypeError(f"param must be a gluon Parameter, got {type(param).__name__}")
    try:
        param.list_ctx()
    except RuntimeError:
        return False
    return True


def finish_deferred_init(param: gluon.Parameter, shape: tuple[int, ...]) -> None:
    """Give ``param`` its full ``shape`` and, if ``initialize()`` deferred it, create its data.

    A plain ``Block`` (unlike a ``HybridBlock``) cannot infer a deferred shape
    by itself; the book's from-scratch layers learn their input size at the
    first call and complete their input weights here.
    """
    if not isinstance(param, gluon.Parameter):
        raise TypeError(f"param must be a gluon Parameter, got {type(param).__name__}")
    if not isinstance(shape, (tuple, list)) or not shape:
        raise TypeError(f"shape must be a non-empty tuple of ints >= 1, got {shape!r}")
    shape = tuple(check_int(n, f"shape[{i}]", 1) for i, n in enumerate(shape))
    param.shape = shape
    param._finish_deferred_init()  # a no-op unless initialize() was deferred


def initialize(
    model: gluon.Block, example=None, device: mx.Context | None = None, initializer=None
) -> None:
    """Initialise ``model``'s parameters on ``device`` and finish every deferred shape.

    Parameters that are already initialised keep their values; the others get
    ``initializer`` (default: gluon's ``Uniform(0.07)``, or each parameter's
    own). Then one forward pass on ``example`` (an array of the model's input
    shape; its values do not matter) completes the shapes that gluon defers to
    the first call, without recording gradients. Without an example they are
    completed at the model's first call.
    """
    if not isinstance(model, gluon.Block):
        raise TypeError(f"model must be a gluon Block, got {type(model).__name__}")
    device = check_device(device) or mx.current_context()
    if initializer is not None and not isinstance(initializer, (init.Initializer, str)):
        raise TypeError(
            "initializer must be None, a gluon initializer (e.g. mxnet.init.Xavier()) or its "
            f"name, got {type(initializer).__name__} {initializer!r}"
        )
    default = initializer or init.Uniform()
    for p in model.collect_params().values():  # in gluon's order, as Block.initialize does
        if not is_initialized(p):
            p.initialize(None, device, default)
    if example is None:
        return
    if not isinstance(example, mnp.ndarray):
        example = mnp.array(example, ctx=device)
    with autograd.pause():
        model(example)
