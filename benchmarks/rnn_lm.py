"""Benchmark: the book's RNN language models against d2l 1.0.3's, side by side, in one run.

Usage: .venv/bin/python benchmarks/rnn_lm.py [--epochs 100] [--models scratch,concise]

Both sides get d2l's exact data and settings: ``d2l.TimeMachine(batch_size=1024,
num_steps=32)``, i.e. its first 10,000 overlapping training windows, 32 hidden
units, SGD with lr 1, gradient clipping at 1. Both are timed over the whole
fit, validation included, and both are scored on the same held-out text: d2l's
5,000 validation windows, each read from a zero state.

d2l's live plot is switched off (its ``ProgressBoard.draw`` does nothing), so
d2l is timed without its plotting cost: the comparison favours d2l.
"""

import argparse
import math
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from d2l import mxnet as d2l  # noqa: E402
from mxnet import gluon  # noqa: E402
from mxnet import np as mnp  # noqa: E402
from mxnet.gluon import rnn  # noqa: E402

import d2lrnn  # noqa: E402
from d2lrnn import batches, layers, lm, train  # noqa: E402

BATCH, STEPS, HIDDEN, LR, CLIP = 1024, 32, 32, 1.0, 1.0
NUM_TRAIN, NUM_VAL = 10000, 5000


class TimeMachine(d2l.TimeMachine):
    """d2l's data module, reading the verified local copy instead of downloading."""

    def _download(self):
        return d2lrnn.read_time_machine()


def d2l_val_ppl(model, X, Y):
    """Perplexity of a d2l model on windows X, Y (numpy), zero initial state per window."""
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    total = 0.0
    for i in range(0, len(X), BATCH):
        x, y = mnp.array(X[i : i + BATCH]), mnp.array(Y[i : i + BATCH])
        logits = model(x)  # (batch, steps, vocab)
        total += float(loss_fn(logits.reshape(-1, logits.shape[-1]), y.reshape(-1)).sum())
    return math.exp(total / Y.size)


def run_d2l(kind, data, epochs):
    d2lrnn.seed(0)
    V = len(data.vocab)
    if kind == "scratch":
        model = d2l.RNNLMScratch(
            d2l.RNNScratch(num_inputs=V, num_hiddens=HIDDEN), vocab_size=V, lr=LR
        )
    else:
        model = d2l.RNNLM(d2l.RNN(num_hiddens=HIDDEN), vocab_size=V, lr=LR)
    trainer = d2l.Trainer(max_epochs=epochs, gradient_clip_val=CLIP, num_gpus=0)
    start = time.perf_counter()
    trainer.fit(model, data)
    seconds = time.perf_counter() - start
    X = data.X[NUM_TRAIN : NUM_TRAIN + NUM_VAL].asnumpy()
    Y = data.Y[NUM_TRAIN : NUM_TRAIN + NUM_VAL].asnumpy()
    return seconds, d2l_val_ppl(model, X, Y)


def run_ours(kind, corpus, V, epochs):
    d2lrnn.seed(0)
    train_b = batches.WindowBatches(
        *batches.overlapping_windows(corpus, STEPS, 0, NUM_TRAIN), BATCH
    )
    Xv, Yv = batches.overlapping_windows(corpus, STEPS, NUM_TRAIN, NUM_VAL)
    val_b = batches.WindowBatches(Xv, Yv, BATCH, shuffle=False)
    layer = layers.RNNScratch(HIDDEN) if kind == "scratch" else rnn.RNN(HIDDEN, activation="tanh")
    model = lm.RNNLM(layer, V)
    start = time.perf_counter()
    train.train_lm(model, train_b, val_b, epochs, lr=LR, clip=CLIP, progress="none")
    seconds = time.perf_counter() - start
    return seconds, train.evaluate_lm(model, val_b)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--models", default="scratch,concise")
    args = parser.parse_args()
    d2l.ProgressBoard.draw = lambda self, *a, **k: None
    data = TimeMachine(batch_size=BATCH, num_steps=STEPS, num_train=NUM_TRAIN, num_val=NUM_VAL)
    tokens = list(d2lrnn.preprocess(d2lrnn.read_time_machine()))
    vocab = d2lrnn.Vocab(tokens)
    corpus = np.array(vocab[tokens])
    # Same windows on both sides (the vocabularies order tokens differently).
    assert "".join(data.vocab.to_tokens(data.X[0].asnumpy().astype(int).tolist())) == "".join(
        vocab.to_tokens(batches.overlapping_windows(corpus, STEPS, 0, 1)[0][0].tolist())
    )
    train_tokens = args.epochs * NUM_TRAIN * STEPS
    print(
        f"{platform.node()}: {os.cpu_count()} CPUs; {args.epochs} epochs x {NUM_TRAIN} windows x {STEPS} steps"
    )
    print(f"{'model':10s} {'side':5s} {'wall s':>8s} {'tokens/s':>10s} {'val ppl':>8s}")
    for kind in args.models.split(","):
        rows = {}
        for side, fn in (
            ("d2l", lambda k=kind: run_d2l(k, data, args.epochs)),
            ("ours", lambda k=kind: run_ours(k, corpus, len(vocab), args.epochs)),
        ):
            seconds, ppl = fn()
            rows[side] = (seconds, train_tokens / seconds, ppl)
            print(
                f"{kind:10s} {side:5s} {seconds:8.1f} {train_tokens / seconds:10,.0f} {ppl:8.2f}",
                flush=True,
            )
        print(
            f"{kind:10s} ratio ours/d2l: tokens/s x{rows['ours'][1] / rows['d2l'][1]:.2f}, "
            f"val ppl {rows['ours'][2]:.2f} vs {rows['d2l'][2]:.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
