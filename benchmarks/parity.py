"""d2l's training and the book's from the same start on the same minibatches.

Usage: ``.venv/bin/python -m benchmarks parity [--models concise] [--seeds 4] [--epochs 100]``

``make bench`` compares perplexities over independent runs: each side draws
its own initial weights and minibatch order. This measurement removes both
differences. d2l 1.0.3's model is built and initialised as d2l does it, the
book's model gets a copy of its weights, and both are trained on d2l's data
(the first 10,000 windows of ``TimeMachine(1024, 32)``) in the same minibatch
order, d2l's with its own ``Trainer.fit`` (loss, clipping, SGD) and the
book's with :func:`d2lrnn.train.train_lm`. It prints how far the two runs'
training losses drift apart, epoch by epoch, and both validation
perplexities on the same 5,000 held-out windows.

If the two implementations take the same steps, the losses agree at first
(``tests/benchmarks/test_parity.py`` checks that for 12 steps); float rounding
differs between them, and training can amplify it, so the runs may drift
apart later. How far they end apart shows how much of the benchmark's
perplexity spread is noise.
"""

from __future__ import annotations

import argparse

import numpy as np

from .lm import BATCH, CLIP, HIDDEN, NUM_TRAIN, NUM_VAL, d2l_data, d2l_model, our_layer, perplexity
from .lm import MODELS as BENCH_MODELS

#: The models compared here: those of ``benchmarks.lm`` that the d2l package has.
MODELS = ("scratch", "concise", "gru")


def our_model(kind: str, vocab_size: int, num_hiddens: int = HIDDEN, device=None):
    """The book's model for ``kind``, initialised (:func:`copy_start` overwrites its weights)."""
    from mxnet import np as mnp

    from d2lrnn import gluon_adapter, lm

    model = lm.RNNLM(our_layer(kind, num_hiddens), vocab_size)
    gluon_adapter.initialize(model, mnp.zeros((1, 1), dtype="int32", ctx=device), device)
    return model


def copy_start(kind: str, theirs, ours, rng: np.random.Generator | None = None) -> None:
    """Give the book's model d2l's model's weights.

    ``rng``: first redraw all of d2l's weights and biases from N(0, 0.3^2), so
    that every parameter is non-zero and a mix-up between two of them shows.
    """
    from mxnet import np as mnp

    if kind == "scratch":
        weights = [theirs.rnn.W_xh, theirs.rnn.W_hh, theirs.rnn.b_h, theirs.W_hq, theirs.b_q]
        if rng is not None:
            for w in weights:
                w[:] = mnp.array(rng.normal(0, 0.3, w.shape), dtype=w.dtype, ctx=w.ctx)
        mine = ours.rnn
        for p, w in zip((mine.W_xh, mine.W_hh, mine.b_h), weights):
            p.set_data(w.copy())
        ours.output.weight.set_data(theirs.W_hq.T.copy())
        ours.output.bias.set_data(theirs.b_q.copy())
        return
    theirs(mnp.zeros((1, 1)))  # complete d2l's deferred shapes
    src, dst = list(theirs.collect_params().values()), list(ours.collect_params().values())
    if [p.shape for p in src] != [p.shape for p in dst]:
        raise ValueError(
            f"the models' parameters differ: {[p.shape for p in src]} and {[p.shape for p in dst]}"
        )
    for p, q in zip(src, dst):
        if rng is not None:
            p.set_data(mnp.array(rng.normal(0, 0.3, p.shape), dtype=p.dtype))
        q.set_data(p.data().copy())


def fit_both(theirs, ours, epochs: list, lr: float, clip: float, device=None):
    """Train both models on the same minibatches; return ``(d2l_losses, our_history)``.

    ``epochs``: a list of epochs, each a list of ``(X, Y)`` int minibatches
    ``(batch_size, num_steps)``. d2l's ``Trainer.fit`` runs over all of them
    as its one epoch (its data module serves them in this order, as floats,
    the way d2l's ``TimeMachine`` holds tokens); the book's ``train_lm`` runs
    one epoch at a time. ``d2l_losses``: the loss of every step.
    """
    from d2l import mxnet as d2l
    from mxnet import np as mnp

    from d2lrnn import train

    steps = [pair for epoch in epochs for pair in epoch]

    class Loader:
        def __len__(self):
            return len(steps)

        def __iter__(self):
            for X, Y in steps:
                yield tuple(mnp.array(a, dtype="float32", ctx=device) for a in (X, Y))

    class Served(d2l.DataModule):
        def train_dataloader(self):
            return Loader()

        def val_dataloader(self):
            return []

    d2l.ProgressBoard.draw = lambda self, *args, **kwargs: None
    d2l_losses = []
    training_step = type(theirs).training_step

    def recording_step(self, batch):
        loss = training_step(self, batch)
        d2l_losses.append(float(loss))
        return loss

    theirs.training_step = recording_step.__get__(theirs)
    d2l.Trainer(max_epochs=1, gradient_clip_val=clip, num_gpus=0 if device is None else 1).fit(
        theirs, Served()
    )

    class Replay:
        """One epoch's minibatches, in the given order, each from the zero state."""

        sampling = "random"

        def __init__(self, epoch):
            self.epoch = epoch

        def __iter__(self):
            return iter(self.epoch)

        def __len__(self):
            return len(self.epoch)

    history = train.History()
    for epoch in epochs:
        h = train.train_lm(
            ours, Replay(epoch), None, 1, lr=lr, clip=clip, device=device, progress="none"
        )
        history.losses += h.losses
        history.grad_norms += h.grad_norms
    return d2l_losses, history


def run(
    kind: str, seed: int, epochs: int, batch_size: int = BATCH, num_hiddens: int = HIDDEN
) -> dict:
    """One pair of runs on d2l's data; returns per-epoch loss drift and both perplexities."""
    import matplotlib

    matplotlib.use("Agg")
    import d2lrnn
    from d2lrnn import batches

    lr = BENCH_MODELS[kind][2]
    d2lrnn.seed(seed)
    data = d2l_data(d2lrnn.read_time_machine(), NUM_TRAIN, batch_size)
    V = len(data.vocab)
    X, Y = (a.asnumpy().astype(np.int32) for a in (data.X, data.Y))
    order = batches.ArrayBatches(X[:NUM_TRAIN], Y[:NUM_TRAIN], batch_size, seed=seed)
    schedule = [list(order) for _ in range(epochs)]
    theirs, ours = d2l_model(kind, V, lr, num_hiddens), our_model(kind, V, num_hiddens)
    copy_start(kind, theirs, ours)
    d2l_losses, history = fit_both(theirs, ours, schedule, lr, CLIP)
    per_epoch = len(schedule[0])
    drift = [
        max(abs(a - b) for a, b in zip(d2l_losses[i : i + per_epoch], history.losses[i:]))
        for i in range(0, len(d2l_losses), per_epoch)
    ]
    Xv, Yv = X[NUM_TRAIN : NUM_TRAIN + NUM_VAL], Y[NUM_TRAIN : NUM_TRAIN + NUM_VAL]
    return {
        "model": kind,
        "seed": seed,
        "epochs": epochs,
        "max_loss_drift_per_epoch": drift,
        "d2l_val_ppl": perplexity(theirs, Xv, Yv, V),
        "ours_val_ppl": perplexity(lambda x: ours(x.astype("int32"))[0].swapaxes(0, 1), Xv, Yv, V),
    }


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks parity", description=__doc__)
    parser.add_argument("--models", default="concise", help=f"of {', '.join(MODELS)}")
    parser.add_argument("--seeds", type=int, default=4, help="pairs of runs per model")
    parser.add_argument("--epochs", type=int, default=None, help="default: d2l's, per model")
    args = parser.parse_args(argv)
    models = args.models.split(",")
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        parser.error(f"--models: unknown {unknown}; expected some of {list(MODELS)}")
    if args.seeds < 1 or (args.epochs is not None and args.epochs < 1):
        parser.error("--seeds and --epochs must be >= 1")
    results = []
    for kind in models:
        epochs = args.epochs or BENCH_MODELS[kind][3]
        print(f"{kind}: same start, same minibatches, {epochs} epochs", flush=True)
        for seed in range(args.seeds):
            r = run(kind, seed, epochs)
            results.append(r)
            d = r["max_loss_drift_per_epoch"]
            marks = sorted({0, 1, len(d) // 10, len(d) // 2, len(d) - 1})
            shown = ", ".join(f"epoch {i + 1}: {d[i]:.1e}" for i in marks)
            print(
                f"  seed {seed}: largest |loss difference| {shown}; val ppl "
                f"d2l {r['d2l_val_ppl']:.3f}, ours {r['ours_val_ppl']:.3f}",
                flush=True,
            )
        rs = [r for r in results if r["model"] == kind]
        diffs = [r["ours_val_ppl"] - r["d2l_val_ppl"] for r in rs]
        print(
            f"  mean val ppl d2l {np.mean([r['d2l_val_ppl'] for r in rs]):.3f}, ours "
            f"{np.mean([r['ours_val_ppl'] for r in rs]):.3f}; ours - d2l per seed: "
            + ", ".join(f"{x:+.3f}" for x in diffs),
            flush=True,
        )
    return results
