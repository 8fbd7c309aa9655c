"""Benchmark: the book's RNN language models against d2l 1.0.3's, side by side, in one run.

Usage: .venv/bin/python benchmarks/rnn_lm.py [--models scratch,concise,gru,lstm] [--epochs N]

Both sides get d2l's exact data and settings: ``d2l.TimeMachine(batch_size=1024,
num_steps=32)``, i.e. its first 10,000 overlapping training windows, 32 hidden
units, SGD, gradient clipping at 1; lr 1 for 100 epochs (RNNs) or lr 4 for 50
epochs (GRU, LSTM), as in d2l's chapters. Both are timed over the whole fit,
validation included, and both are scored on the same held-out text: d2l's
5,000 validation windows, each read from a zero state.

Models (d2l's side / ours):

* ``scratch``: ``RNNLMScratch(RNNScratch)`` / ``RNNLM(layers.RNNScratch)``
* ``concise``: ``RNNLM(RNN)`` / ``RNNLM(gluon.rnn.RNN)``
* ``gru``: ``RNNLM(GRU)`` / ``RNNLM(gluon.rnn.GRU)``; ``gru-scratch``: ours is ``layers.GRUScratch``
* ``lstm``: ``RNNLM`` over the ``LSTM`` class of d2l's MXNet LSTM section (the
  d2l package has no MXNet LSTM class) / ``RNNLM(gluon.rnn.LSTM)``;
  ``lstm-scratch``: ours is ``layers.LSTMScratch``

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
from mxnet import gluon, init  # noqa: E402
from mxnet import np as mnp  # noqa: E402
from mxnet.gluon import rnn  # noqa: E402

import d2lrnn  # noqa: E402
from d2lrnn import batches, layers, lm, train  # noqa: E402

BATCH, STEPS, HIDDEN, CLIP = 1024, 32, 32, 1.0
#: model -> (learning rate, epochs), d2l's settings for each.
SETTINGS = {
    "scratch": (1.0, 100),
    "concise": (1.0, 100),
    "gru": (4.0, 50),
    "gru-scratch": (4.0, 50),
    "lstm": (4.0, 50),
    "lstm-scratch": (4.0, 50),
}


class D2lLSTM(d2l.RNN):
    """d2l's concise MXNet LSTM (section "Long Short-Term Memory"), which the package lacks."""

    def __init__(self, num_hiddens):
        d2l.Module.__init__(self)
        self.save_hyperparameters()
        self.rnn = rnn.LSTM(num_hiddens)

    def forward(self, inputs, H_C=None):
        if H_C is None:
            H_C = self.rnn.begin_state(inputs.shape[1], ctx=inputs.ctx)
        return self.rnn(inputs, H_C)


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


def run_d2l(kind, data, epochs, seed):
    d2lrnn.seed(seed)
    lr = SETTINGS[kind][0]
    V = len(data.vocab)
    if kind == "scratch":
        model = d2l.RNNLMScratch(
            d2l.RNNScratch(num_inputs=V, num_hiddens=HIDDEN), vocab_size=V, lr=lr
        )
    else:
        layer = {
            "concise": lambda: d2l.RNN(num_hiddens=HIDDEN),
            "gru": lambda: d2l.GRU(num_hiddens=HIDDEN, num_layers=1),
            "lstm": lambda: D2lLSTM(num_hiddens=HIDDEN),
        }[kind.removesuffix("-scratch")]()
        model = d2l.RNNLM(layer, vocab_size=V, lr=lr)
    trainer = d2l.Trainer(max_epochs=epochs, gradient_clip_val=CLIP, num_gpus=0)
    start = time.perf_counter()
    trainer.fit(model, data)
    seconds = time.perf_counter() - start
    X = data.X[NUM_TRAIN : NUM_TRAIN + NUM_VAL].asnumpy()
    Y = data.Y[NUM_TRAIN : NUM_TRAIN + NUM_VAL].asnumpy()
    return seconds, d2l_val_ppl(model, X, Y)


def run_ours(kind, corpus, V, epochs, seed, d2l_init=True):
    d2lrnn.seed(seed)
    windows = batches.overlapping_windows(corpus, STEPS, 0, NUM_TRAIN)
    train_b = batches.WindowBatches(*windows, BATCH, seed=seed)
    Xv, Yv = batches.overlapping_windows(corpus, STEPS, NUM_TRAIN, NUM_VAL)
    val_b = batches.WindowBatches(Xv, Yv, BATCH, shuffle=False)
    layer = {
        "scratch": lambda: layers.RNNScratch(HIDDEN),
        "concise": lambda: rnn.RNN(HIDDEN, activation="tanh"),
        "gru": lambda: rnn.GRU(HIDDEN),
        "gru-scratch": lambda: layers.GRUScratch(HIDDEN),
        "lstm": lambda: rnn.LSTM(HIDDEN),
        "lstm-scratch": lambda: layers.LSTMScratch(HIDDEN),
    }[kind]()
    model = lm.RNNLM(layer, V)
    if kind == "scratch" and d2l_init:
        # d2l's RNNLMScratch draws every weight from N(0, 0.01^2), biases 0.
        model.initialize(init.Normal(0.01))
    start = time.perf_counter()
    train.train_lm(model, train_b, val_b, epochs, lr=SETTINGS[kind][0], clip=CLIP, progress="none")
    seconds = time.perf_counter() - start
    return seconds, train.evaluate_lm(model, val_b)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=None, help="default: d2l's, per model")
    parser.add_argument("--models", default="scratch,concise,gru,lstm")
    parser.add_argument("--seeds", type=int, default=1, help="runs per model and side")
    parser.add_argument("--sides", default="d2l,ours", help="which sides to run")
    parser.add_argument(
        "--init",
        choices=("d2l", "default"),
        default="default",
        help="our scratch model's output layer: d2l's N(0, 0.01^2) or gluon's default",
    )
    args = parser.parse_args()
    d2l.ProgressBoard.draw = lambda self, *a, **k: None
    data = TimeMachine(batch_size=BATCH, num_steps=STEPS, num_train=NUM_TRAIN, num_val=NUM_VAL)
    tokens = list(d2lrnn.preprocess(d2lrnn.read_time_machine()))
    vocab = d2lrnn.Vocab(tokens)
    corpus = np.array(vocab[tokens])
    # Same windows on both sides (the vocabularies order tokens differently).
    d2l_first = data.vocab.to_tokens(data.X[0].asnumpy().astype(int).tolist())
    ours_first = vocab.to_tokens(batches.overlapping_windows(corpus, STEPS, 0, 1)[0][0].tolist())
    assert "".join(d2l_first) == "".join(ours_first)
    unknown = set(args.models.split(",")) - set(SETTINGS)
    if unknown:
        parser.error(f"--models: unknown {sorted(unknown)}; expected some of {sorted(SETTINGS)}")
    print(
        f"{platform.node()}: {os.cpu_count()} CPUs; {NUM_TRAIN} windows x {STEPS} steps, "
        f"batch {BATCH}, {HIDDEN} hidden units, clip {CLIP}, {args.seeds} seed(s)"
    )
    print(
        f"{'model':12s} {'side':5s} {'seed':>4s} {'lr':>4s} {'epochs':>6s} {'wall s':>8s} "
        f"{'tokens/s':>10s} {'val ppl':>8s}"
    )
    for kind in args.models.split(","):
        lr, epochs = SETTINGS[kind][0], args.epochs or SETTINGS[kind][1]
        train_tokens = epochs * NUM_TRAIN * STEPS
        sides = args.sides.split(",")
        rows = {side: [] for side in sides}
        for seed in range(args.seeds):
            for side in sides:
                if side == "d2l":
                    seconds, ppl = run_d2l(kind, data, epochs, seed)
                else:
                    seconds, ppl = run_ours(
                        kind, corpus, len(vocab), epochs, seed, args.init == "d2l"
                    )
                rows[side].append((seconds, train_tokens / seconds, ppl))
                print(
                    f"{kind:12s} {side:5s} {seed:4d} {lr:4g} {epochs:6d} {seconds:8.1f} "
                    f"{train_tokens / seconds:10,.0f} {ppl:8.2f}",
                    flush=True,
                )
        mean = {side: np.mean(np.array(r), axis=0) for side, r in rows.items()}
        if len(mean) < 2:
            continue
        print(
            f"{kind:12s} mean: tokens/s ours {mean['ours'][1]:,.0f} vs d2l {mean['d2l'][1]:,.0f} "
            f"(x{mean['ours'][1] / mean['d2l'][1]:.2f}); val ppl ours {mean['ours'][2]:.2f} "
            f"vs d2l {mean['d2l'][2]:.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
