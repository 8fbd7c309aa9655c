"""The book's RNN language models against d2l 1.0.3's, side by side, in one run.

Usage: ``make bench``, or ``.venv/bin/python -m benchmarks lm [--seeds 3,concise=8] [--models m]``.

Both sides get d2l's exact data and settings: ``d2l.TimeMachine(batch_size=1024,
num_steps=32)``, i.e. its first 10,000 overlapping training windows (320k
tokens an epoch), 32 hidden units, SGD, gradient clipping at 1, and the
learning rate and number of epochs of d2l's chapter for each model. Both are
timed over the whole fit, validation included, and both are scored on the
same held-out text: d2l's 5,000 validation windows, each read from a zero
state.

Models (d2l's side / ours), all language models over one-hot characters:

* ``scratch``: ``RNNLMScratch(RNNScratch)`` / ``RNNLM(layers.RNNScratch)``
* ``concise``: ``RNNLM(RNN)`` / ``RNNLM(gluon.rnn.RNN)``, both with ReLU, gluon's
  default activation, which d2l's concise ``RNN`` keeps (its scratch RNN, and
  ours, use tanh)
* ``gru``: ``RNNLM(GRU)`` / ``RNNLM(gluon.rnn.GRU)``
* ``lstm``: ``RNNLM`` over the ``LSTM`` class of d2l's MXNet LSTM section (the
  d2l package has no MXNet LSTM class) / ``RNNLM(gluon.rnn.LSTM)``
* ``deep``: ``RNNLM(GRU(num_layers=2))``, d2l's concise deep RNN /
  ``RNNLM(gluon.rnn.GRU(num_layers=2))``
* ``gru-scratch``, ``lstm-scratch``: d2l's gluon GRU and LSTM (as in ``gru``
  and ``lstm``) / the book's from-scratch ``layers.GRUScratch`` and
  ``layers.LSTMScratch`` (their fast path), given gluon's initialisation

Every run is a fresh process, so its peak memory (the high-water mark of its
resident set) is its own, and d2l and the book alternate run by run, so that
a slow spell of this shared machine hits both sides. d2l's live plot is
switched off (its ``ProgressBoard.draw`` does nothing), so d2l is timed
without its plotting cost: the comparison favours d2l.

Perplexity varies from run to run (each side draws its own initial weights
and minibatch order, and training amplifies float rounding: see
``python -m benchmarks parity``), so each side's is given as mean and
standard deviation over its seeds, and the difference of the means ours -
d2l with its standard error; the verdict is ``same`` within two standard
errors, else ``lower`` or ``higher``.

The FLOPs per token of each model come from :func:`benchmarks.flops.flops_per_token`
(matrix products only, forward plus backward); the achieved GFLOP/s is printed
next to the machine's peak, a large matrix product measured in the same run.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import json
import math
import multiprocessing
import os
import platform
import time
from pathlib import Path

from benchmarks import machine

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results.json"
README = ROOT / "README.md"
MARKERS = ("<!-- bench:start -->", "<!-- bench:end -->")

BATCH, STEPS, HIDDEN, CLIP = 1024, 32, 32, 1.0
NUM_TRAIN, NUM_VAL = 10000, 5000


#: model -> (cell, layers, learning rate, epochs, what it is): d2l's settings for each.
MODELS = {
    "scratch": ("rnn", 1, 1.0, 100, "RNN from scratch"),
    "concise": ("rnn", 1, 1.0, 100, "RNN (ReLU), gluon layer"),
    "gru": ("gru", 1, 4.0, 50, "GRU, gluon layer"),
    "lstm": ("lstm", 1, 4.0, 50, "LSTM, gluon layer"),
    "deep": ("gru", 2, 2.0, 100, "2-layer GRU, gluon layer"),
    "gru-scratch": ("gru", 1, 4.0, 50, "GRU from scratch (vs d2l's gluon GRU)"),
    "lstm-scratch": ("lstm", 1, 4.0, 50, "LSTM from scratch (vs d2l's gluon LSTM)"),
}
DEFAULT_MODELS = "scratch,concise,gru,lstm,deep,gru-scratch,lstm-scratch"


def memory_mb() -> tuple[float, float]:
    """This process's resident set now and its high-water mark, in MB (Linux ``/proc``)."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def d2l_data(text: str, num_train: int = NUM_TRAIN, batch_size: int = BATCH):
    """d2l's ``TimeMachine(batch_size, 32)`` data module over ``text``, the verified local copy."""
    from d2l import mxnet as d2l

    class TimeMachine(d2l.TimeMachine):
        def _download(self):
            return text

    return TimeMachine(batch_size, STEPS, num_train=num_train, num_val=NUM_VAL)


def d2l_model(kind: str, vocab_size: int, lr: float, num_hiddens: int = HIDDEN):
    """d2l 1.0.3's language model for one of :data:`MODELS` (the scratch kinds: its gluon one)."""
    from d2l import mxnet as d2l
    from mxnet.gluon import rnn

    class D2lLSTM(d2l.RNN):
        """d2l's concise MXNet LSTM (section "Long Short-Term Memory"); not in the package."""

        def __init__(self, num_hiddens):
            d2l.Module.__init__(self)
            self.save_hyperparameters()
            self.rnn = rnn.LSTM(num_hiddens)

        def forward(self, inputs, H_C=None):
            if H_C is None:
                H_C = self.rnn.begin_state(inputs.shape[1], ctx=inputs.ctx)
            return self.rnn(inputs, H_C)

    if kind == "scratch":
        return d2l.RNNLMScratch(d2l.RNNScratch(vocab_size, num_hiddens), vocab_size, lr=lr)
    cell, num_layers = MODELS[kind][:2]
    layer = {
        "rnn": lambda: d2l.RNN(num_hiddens=num_hiddens),
        "gru": lambda: d2l.GRU(num_hiddens=num_hiddens, num_layers=num_layers),
        "lstm": lambda: D2lLSTM(num_hiddens=num_hiddens),
    }[cell]()
    return d2l.RNNLM(layer, vocab_size=vocab_size, lr=lr)


def our_layer(kind: str, num_hiddens: int = HIDDEN):
    """The book's recurrent layer for one of :data:`MODELS`, for :class:`d2lrnn.lm.RNNLM`."""
    from mxnet.gluon import rnn

    from d2lrnn import layers

    return {
        "scratch": lambda: layers.RNNScratch(num_hiddens),
        "concise": lambda: rnn.RNN(num_hiddens),  # ReLU, as d2l's concise RNN
        "gru": lambda: rnn.GRU(num_hiddens),
        "lstm": lambda: rnn.LSTM(num_hiddens),
        "deep": lambda: rnn.GRU(num_hiddens, num_layers=2),
        "gru-scratch": lambda: layers.GRUScratch(num_hiddens),
        "lstm-scratch": lambda: layers.LSTMScratch(num_hiddens),
    }[kind]()


def overlapping_windows(corpus, num_steps: int, start: int, count: int):
    """d2l's windows: ``X[i] = corpus[start + i : start + i + num_steps]``, ``Y`` shifted by one.

    Returns ``X, Y`` of shape ``(count, num_steps)``.
    """
    import numpy as np

    if start < 0 or count < 1 or start + count + num_steps > len(corpus):
        raise ValueError(
            f"windows start={start}..{start + count - 1} of num_steps={num_steps} do not fit "
            f"in a corpus of {len(corpus)} tokens"
        )
    idx = start + np.arange(count)[:, None] + np.arange(num_steps)
    return corpus[idx], corpus[idx + 1]


def perplexity(predict, X, Y, vocab_size: int, device=None) -> float:
    """Perplexity of ``predict`` on windows ``X, Y`` ``(n, num_steps)``, each from a zero state.

    ``predict(x)`` gives ``(batch, num_steps, V)`` logits for a float batch
    ``x``, as d2l's models do.
    """
    from mxnet import gluon
    from mxnet import np as mnp

    loss_fn, total = gluon.loss.SoftmaxCrossEntropyLoss(), 0.0
    for i in range(0, len(X), BATCH):
        x, y = (mnp.array(a[i : i + BATCH], dtype="float32", ctx=device) for a in (X, Y))
        total += float(loss_fn(predict(x).reshape(-1, vocab_size), y.reshape(-1)).sum())
    return math.exp(total / Y.size)


def _run(kind: str, side: str, epochs: int, seed: int, num_train: int, d2l_init: bool) -> dict:
    """Train one model on one side in this (fresh) process; return what was measured."""
    import matplotlib

    matplotlib.use("Agg")
    from d2l import mxnet as d2l
    from mxnet import init
    from mxnet import np as mnp

    import d2lrnn
    from d2lrnn import batches, lm, train

    lr = MODELS[kind][2]
    device = d2lrnn.default_device()
    d2lrnn.seed(seed)
    text = d2lrnn.read_time_machine()

    if side == "d2l":
        d2l.ProgressBoard.draw = lambda self, *a, **k: None
        data = d2l_data(text, num_train)
        V = len(data.vocab)
        model = d2l_model(kind, V, lr)
        trainer = d2l.Trainer(
            max_epochs=epochs, gradient_clip_val=CLIP, num_gpus=min(1, d2lrnn.runtime.num_gpus())
        )
        rss_before, _ = memory_mb()
        start = time.perf_counter()
        trainer.fit(model, data)
        seconds = time.perf_counter() - start
        _, peak = memory_mb()
        # Score on the same held-out windows as ours, each from a zero state.
        X = data.X[num_train : num_train + NUM_VAL].asnumpy()
        Y = data.Y[num_train : num_train + NUM_VAL].asnumpy()
        ppl = perplexity(model, X, Y, V, device)
        first = "".join(data.vocab.to_tokens(data.X[0].asnumpy().astype(int).tolist()))
    else:
        corpus, _, vocab = d2lrnn.time_machine_corpus()  # d2l's windows lie in the first 90%
        V = len(vocab)
        windows = overlapping_windows(corpus, STEPS, 0, num_train)
        train_b = batches.ArrayBatches(*windows, BATCH, seed=seed)
        Xv, Yv = overlapping_windows(corpus, STEPS, num_train, NUM_VAL)
        val_b = batches.ArrayBatches(Xv, Yv, BATCH, shuffle=False)
        model = lm.RNNLM(our_layer(kind), V)
        # d2l's RNNLMScratch draws every weight from N(0, 0.01^2), biases 0, as the
        # book's from-scratch layers do by default.
        model.initialize(
            init.Normal(0.01) if kind == "scratch" and d2l_init else init.Uniform(), ctx=device
        )
        if kind in ("gru-scratch", "lstm-scratch"):
            # Compared with d2l's gluon layer: the same initialisation as gluon's,
            # weights from U(-0.07, 0.07) and zero biases.
            for name in ("W_xh", "W_hh"):
                p = getattr(model.rnn, name)
                p.set_data(mnp.random.uniform(-0.07, 0.07, size=p.shape, ctx=device))
        rss_before, _ = memory_mb()
        start = time.perf_counter()
        train.train_lm(model, train_b, val_b, epochs, lr=lr, clip=CLIP, progress="none")
        seconds = time.perf_counter() - start
        _, peak = memory_mb()
        ppl = train.evaluate_lm(model, val_b)
        first = "".join(vocab.to_tokens(windows[0][0].tolist()))
    return {
        "model": kind,
        "side": side,
        "seed": seed,
        "lr": lr,
        "epochs": epochs,
        "seconds": seconds,
        "tokens_per_sec": epochs * num_train * STEPS / seconds,
        "peak_mb": peak,
        "train_mb": peak - rss_before,
        "val_ppl": ppl,
        "vocab_size": V,
        "first_window": first,
        "device": str(device),
    }


def run_isolated(*args) -> dict:
    """:func:`_run` in a new process (its own peak memory, nothing shared with other runs)."""
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=ctx) as pool:
        return pool.submit(_run, *args).result()


def summarize(runs: list[dict], peak: float) -> dict:
    """Per model and side: means over seeds; per model: the ratios ours/d2l."""
    from benchmarks import flops as flops_count

    out = {}
    for kind in dict.fromkeys(r["model"] for r in runs):
        sides = {}
        for side in ("d2l", "ours"):
            rs = [r for r in runs if r["model"] == kind and r["side"] == side]
            if not rs:
                continue
            mean = {k: sum(r[k] for r in rs) / len(rs) for k in RUN_KEYS}
            cell, num_layers = MODELS[kind][:2]
            flops = flops_count.flops_per_token(
                cell, rs[0]["vocab_size"], HIDDEN, num_layers=num_layers
            )["train"]
            mean["flops_per_token"] = flops
            mean["gflops"] = flops * mean["tokens_per_sec"] / 1e9
            mean["share_of_peak"] = mean["gflops"] / peak
            mean["val_ppl_seeds"] = [r["val_ppl"] for r in rs]
            mean["val_ppl_sd"] = _sd(mean["val_ppl_seeds"])
            sides[side] = mean
        if len(sides) == 2:
            ratio = {k: sides["ours"][k] / sides["d2l"][k] for k in RUN_KEYS}
            ratio.update(
                _ppl_difference(sides["d2l"]["val_ppl_seeds"], sides["ours"]["val_ppl_seeds"])
            )
            sides["ratio"] = ratio
        out[kind] = sides
    return out


def _sd(values: list[float]) -> float | None:
    """The sample standard deviation (``n - 1``); ``None`` for fewer than 2 values."""
    n = len(values)
    if n < 2:
        return None
    mean = sum(values) / n
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))


def _ppl_difference(d2l: list[float], ours: list[float]) -> dict:
    """Mean perplexity ours - d2l, its standard error and the verdict.

    Runs of one side differ by their random start and minibatch order (and
    float rounding, which training amplifies), so a difference counts only
    beyond two standard errors: ``'lower'`` or ``'higher'``, else ``'same'``
    (``None`` with one seed a side: no error estimate).
    """
    diff = sum(ours) / len(ours) - sum(d2l) / len(d2l)
    sds = _sd(d2l), _sd(ours)
    if None in sds:
        return {"val_ppl_diff": diff, "val_ppl_diff_se": None, "val_ppl_verdict": None}
    se = math.sqrt(sds[0] ** 2 / len(d2l) + sds[1] ** 2 / len(ours))
    verdict = "same" if abs(diff) <= 2 * se else ("lower" if diff < 0 else "higher")
    return {"val_ppl_diff": diff, "val_ppl_diff_se": se, "val_ppl_verdict": verdict}


RUN_KEYS = ("seconds", "tokens_per_sec", "peak_mb", "train_mb", "val_ppl")


def table(summary: dict) -> list[str]:
    """The summary as a Markdown table, one row per model."""
    rows = [
        "| model | side | seeds | tokens/s | wall s | peak MB | val ppl (± sd) | GFLOP/s "
        "| % of peak |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kind, sides in summary.items():
        name = MODELS[kind][4]
        for side in ("d2l", "ours"):
            if side not in sides:
                continue
            s = sides[side]
            sd = "" if s.get("val_ppl_sd") is None else f" ± {s['val_ppl_sd']:.2f}"
            rows.append(
                f"| {name} | {side} | {len(s['val_ppl_seeds'])} | {s['tokens_per_sec']:,.0f} | "
                f"{s['seconds']:.1f} | {s['peak_mb']:,.0f} | {s['val_ppl']:.2f}{sd} | "
                f"{s['gflops']:.2f} | {100 * s['share_of_peak']:.1f} |"
            )
        if "ratio" in sides:
            r = sides["ratio"]
            ppl = f"{r['val_ppl_diff']:+.2f}"
            if r.get("val_ppl_diff_se") is not None:
                ppl += f" ± {r['val_ppl_diff_se']:.2f} (SE): {r['val_ppl_verdict']}"
            rows.append(
                f"| {name} | **ours/d2l** | | **x{r['tokens_per_sec']:.2f}** | "
                f"x{r['seconds']:.2f} | x{r['peak_mb']:.2f} | {ppl} | | |"
            )
    return rows


def update_readme(results: dict, readme: Path = README) -> None:
    """Replace the table between the README's benchmark markers with ``results``'."""
    text = readme.read_text()
    start, end = (text.index(m) for m in MARKERS)
    m = results["machine"]
    block = "\n".join(
        [
            MARKERS[0],
            f"Measured {results['date']} on {m['cpus']} CPU cores ({m['processor']}), "
            f"{_seeds_text(results['settings']['seeds'])}, "
            f"matrix-product peak {results['peak_gflops']:.1f} GFLOP/s "
            "(`benchmarks/results.json`):",
            "",
            *table(results["summary"]),
            "",
        ]
    )
    readme.write_text(text[:start] + block + text[end:])


def _seeds_text(seeds) -> str:
    """How many runs each side had: ``'3 seed(s) per model and side'`` or, if they differ,
    ``'seeds per side: scratch 3, concise 8'``."""
    if isinstance(seeds, int):
        seeds = {"all": seeds}
    counts = sorted(set(seeds.values()))
    if len(counts) == 1:
        return f"{counts[0]} seed(s) per model and side"
    return "seeds per side: " + ", ".join(f"{k} {v}" for k, v in seeds.items())


def parse_seeds(text: str, models: list[str]) -> dict[str, int]:
    """``'3'`` or ``'3,concise=8'``: runs per side for each model (a default, then overrides)."""
    default, *overrides = text.split(",")
    counts = {}
    try:
        n = int(default)
        for item in overrides:
            name, _, value = item.partition("=")
            if name not in models:
                raise ValueError(f"{name!r} is not one of the models run, {models}")
            counts[name] = int(value)
    except ValueError as error:
        raise ValueError(
            f"--seeds: expected a count >= 1, optionally followed by model=count overrides "
            f"(e.g. 3,concise=8), got {text!r} ({error})"
        ) from None
    counts = {m: counts.get(m, n) for m in models}
    if min(counts.values()) < 1:
        raise ValueError(f"--seeds: every count must be >= 1, got {text!r}")
    return counts


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks lm", description=__doc__)
    parser.add_argument("--models", default=DEFAULT_MODELS, help=f"of {', '.join(MODELS)}")
    parser.add_argument(
        "--seeds",
        default="3",
        help="runs per model and side: a count, optionally with overrides (3,concise=8); "
        "perplexities are compared only with 2 or more",
    )
    parser.add_argument("--epochs", type=int, default=None, help="default: d2l's, per model")
    parser.add_argument("--num-train", type=int, default=NUM_TRAIN, help=argparse.SUPPRESS)
    parser.add_argument("--sides", default="d2l,ours", help="which sides to run")
    parser.add_argument(
        "--init",
        choices=("d2l", "default"),
        default="default",
        help="our scratch model's weights: d2l's N(0, 0.01^2) or gluon's defaults",
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="JSON results file")
    parser.add_argument(
        "--no-readme", action="store_true", help="do not rewrite the README's table"
    )
    args = parser.parse_args(argv)
    models = args.models.split(",")
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        parser.error(f"--models: unknown {unknown}; expected some of {list(MODELS)}")
    sides = args.sides.split(",")
    if not sides or set(sides) - {"d2l", "ours"}:
        parser.error(f"--sides: expected d2l, ours or both, got {args.sides!r}")
    try:
        seeds = parse_seeds(args.seeds, models)
    except ValueError as error:
        parser.error(str(error))
    if args.epochs is not None and args.epochs < 1:
        parser.error("--epochs must be >= 1")

    from benchmarks import flops

    peak = flops.peak_gflops()
    print(
        f"{platform.node()}: {os.cpu_count()} CPUs ({platform.processor() or platform.machine()}); "
        f"matrix-product peak {peak:.1f} GFLOP/s\n"
        f"{args.num_train} windows x {STEPS} steps, batch {BATCH}, {HIDDEN} hidden units, "
        f"clip {CLIP}, {_seeds_text(seeds)}",
        flush=True,
    )
    header = (
        f"{'model':12s} {'side':5s} {'seed':>4s} {'lr':>4s} {'epochs':>6s} {'wall s':>8s} "
        f"{'tokens/s':>10s} {'peak MB':>8s} {'val ppl':>8s}"
    )
    print(header, flush=True)
    runs = []
    for kind in models:
        epochs = args.epochs or MODELS[kind][3]
        for seed in range(seeds[kind]):
            # Alternate which side goes first, so neither always runs on a warmer machine.
            order = sides if seed % 2 == 0 else sides[::-1]
            for side in order:
                r = run_isolated(kind, side, epochs, seed, args.num_train, args.init == "d2l")
                runs.append(r)
                print(
                    f"{kind:12s} {side:5s} {seed:4d} {r['lr']:4g} {epochs:6d} "
                    f"{r['seconds']:8.1f} {r['tokens_per_sec']:10,.0f} {r['peak_mb']:8,.0f} "
                    f"{r['val_ppl']:8.2f}",
                    flush=True,
                )
        firsts = {r["first_window"] for r in runs if r["model"] == kind}
        if len(firsts) != 1:
            raise RuntimeError(f"the two sides trained on different windows: {firsts}")
    summary = summarize(runs, peak)
    print("\n" + "\n".join(table(summary)))
    results = {
        "date": datetime.date.today().isoformat(),
        "machine": dict(machine(), device=runs[0]["device"]),
        "settings": {
            "batch_size": BATCH,
            "num_steps": STEPS,
            "num_hiddens": HIDDEN,
            "clip": CLIP,
            "num_train": args.num_train,
            "num_val": NUM_VAL,
            "seeds": seeds,
            "init": args.init,
            "models": {
                k: dict(zip(("cell", "num_layers", "lr", "epochs"), MODELS[k])) for k in models
            },
        },
        "peak_gflops": peak,
        "summary": summary,
        "runs": runs,
    }
    args.output.write_text(json.dumps(results, indent=1) + "\n")
    print(f"\nwrote {args.output}")
    if not args.no_readme and args.output == RESULTS:
        update_readme(results)
        print(f"updated the table in {README}")
    return results


if __name__ == "__main__":
    main()
