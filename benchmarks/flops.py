"""How much arithmetic a recurrent language model does per token, and how fast a machine can do it.

A language model's cost is dominated by its matrix products. For one token,
one layer and one direction, the gates ``X_t W_xh + H_{t-1} W_hh`` cost
``2 G h (d + h)`` floating-point operations (a multiply and an add per
weight), with ``G`` gates (1 RNN, 3 GRU, 4 LSTM), ``h`` hidden units and
``d`` inputs per step; the output layer costs ``2 (D h) V`` more. Training
runs the forward pass and a backward pass that takes about twice as much (one
product for the gradient with respect to the inputs, one for the weights), so
about ``3x`` the forward count.

The element-wise arithmetic (biases, activations, gate products, softmax)
is left out: it is a few operations per unit, under a tenth of the
products for the models in this book. With one-hot inputs the first layer's
input product is counted as the dense product that d2l and gluon compute
(``d = V``), also for the book's from-scratch layers, which look the rows of
``W_xh`` up instead (the same function): the count is the model's nominal
work, so that GFLOP/s compare implementations of the same model. With an
embedding, ``d`` is the embedding size and the lookup costs no products.

Dividing ``flops_per_token(...)['train']`` by the measured time per token
gives the model's achieved GFLOP/s, which :func:`peak_gflops` puts next to
the machine's best (a large matrix product).
"""

from __future__ import annotations

import time

import mxnet as mx
from mxnet import np as mnp

from d2lrnn.checks import check_int
from d2lrnn.layers import get_cell


def flops_per_token(
    cell: str,
    vocab_size: int,
    num_hiddens: int,
    num_layers: int = 1,
    bidirectional: bool = False,
    embed_size: int | None = None,
) -> dict[str, int]:
    """Matrix-product FLOPs per token of ``RNNLM`` over a ``cell`` layer.

    Args:
        cell: ``'rnn'``, ``'gru'`` or ``'lstm'``.
        vocab_size: ``V``.
        num_hiddens: ``h``, hidden units per layer and direction.
        num_layers: ``L`` stacked layers.
        bidirectional: two directions per layer (``D = 2``).
        embed_size: ``None`` for one-hot inputs (``d = V``), else the embedding size.

    Returns ``{'forward': ..., 'train': ...}``: the forward pass, and forward
    plus backward (``3 x`` forward).
    """
    V = check_int(vocab_size, "vocab_size", 1)
    h = check_int(num_hiddens, "num_hiddens", 1)
    L = check_int(num_layers, "num_layers", 1)
    if embed_size is not None:
        check_int(embed_size, "embed_size", 1)
    D = 2 if bidirectional else 1
    G = get_cell(cell).num_gates
    forward = 0
    for layer in range(L):
        d = (embed_size or V) if layer == 0 else D * h
        forward += D * 2 * G * h * (d + h)
    forward += 2 * D * h * V
    return {"forward": forward, "train": 3 * forward}


def peak_gflops(n: int = 2048, repeat: int = 5, device=None) -> float:
    """The machine's best float32 GFLOP/s on one ``(n, n) @ (n, n)`` product with MXNet.

    This is the practical ceiling for the dense kernels the models use: the
    same BLAS (or GPU) library, on a problem large enough to keep every core
    busy. Best of ``repeat`` runs, after one warm-up.
    """
    check_int(n, "n", 1)
    check_int(repeat, "repeat", 1)
    device = device or mx.cpu()
    a = mnp.random.uniform(size=(n, n), ctx=device)
    b = mnp.random.uniform(size=(n, n), ctx=device)
    mnp.dot(a, b).wait_to_read()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        mnp.dot(a, b).wait_to_read()
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best / 1e9
