"""Chapter 6's depth against width, over three seeds: ``python -m benchmarks depth``.

Chapter 6 ("A deep language model, and depth against width") compares three
GRU language models with about the same number of parameters: two layers of
128 units, the same with dropout 0.2 between its layers (``deep.Stacked``),
and one layer of 216 units. It trains the first one live and reads all three,
seeds 0, 1 and 2, from ``benchmarks/results.json`` (key ``"depth_width"``),
which this benchmark writes: three seeds for the comparison, in a third of
the chapter's time.

**Settings**, the chapter's: :func:`d2lrnn.time_machine_corpus`,
:func:`d2lrnn.batches.train_val_batches` (sequential minibatches of 64 x 32
characters), :func:`d2lrnn.train.train_lm` with Adam at 0.01 and clipping at
1 for 10 epochs (``--epochs``), ``d2lrnn.seed(s)`` right before each model is
built, for each seed ``s`` in ``range(--seeds)`` (3). Every run is a fresh
process with MXNet's default threads, as the chapter runs.

**Output.** A table (shape by seed: parameters, final training and
validation perplexity, best validation perplexity) and, unless
``--no-write``, the entry ``"depth_width"`` of ``benchmarks/results.json``:
every run's perplexities per epoch, seconds and tokens per second.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import multiprocessing
import time
from pathlib import Path

from benchmarks import machine, merge_entry

RESULTS = Path(__file__).resolve().parent / "results.json"
KEY = "depth_width"
#: Chapter 6's shapes, by name (tests/benchmarks/test_depth.py checks them against the chapter).
SHAPES = ("2 layers x 128", "2 layers x 128, dropout 0.2", "1 layer x 216")
DEFAULTS = {"epochs": 10, "lr": 0.01, "clip": 1.0, "batch_size": 64, "num_steps": 32}


def make_layer(shape: str):
    """The recurrent layer of one of :data:`SHAPES`, as chapter 6 builds it."""
    from mxnet.gluon import rnn

    from d2lrnn import deep

    if shape == SHAPES[0]:
        return rnn.GRU(128, num_layers=2)
    if shape == SHAPES[1]:
        return deep.Stacked([rnn.GRU(128), rnn.GRU(128)], dropout=0.2)
    if shape == SHAPES[2]:
        return rnn.GRU(216)
    raise ValueError(f"shape must be one of {list(SHAPES)}, got {shape!r}")


def run(shape: str, seed: int, settings: dict, corpus=None) -> dict:
    """Train one shape with one seed, as chapter 6 does; its record for results.json."""
    import d2lrnn
    from d2lrnn import batches, lm, train

    train_corpus, val_corpus, vocab = corpus or d2lrnn.time_machine_corpus()
    d2lrnn.seed(seed)
    model = lm.RNNLM(make_layer(shape), len(vocab))
    tb, vb = batches.train_val_batches(
        train_corpus, val_corpus, settings["batch_size"], settings["num_steps"]
    )
    h = train.train_lm(
        model,
        tb,
        vb,
        settings["epochs"],
        lr=settings["lr"],
        optimizer="adam",
        clip=settings["clip"],
        progress="none",
    )
    return {
        "shape": shape,
        "seed": seed,
        "params": sum(p.data().size for p in model.collect_params().values()),
        "train_ppl": h.train_ppl,
        "val_ppl": h.val_ppl,
        "seconds": h.seconds,
        "tokens_per_sec": h.speed,
    }


def run_isolated(shape: str, seed: int, settings: dict) -> dict:
    """:func:`run` in a new process (MXNet imported afresh, nothing shared)."""
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=ctx) as pool:
        return pool.submit(run, shape, seed, settings).result()


def summarize(runs: list[dict]) -> dict:
    """Per shape: the seeds, and the mean, lowest and highest final and best perplexities."""
    out = {}
    for shape in dict.fromkeys(r["shape"] for r in runs):
        mine = [r for r in runs if r["shape"] == shape]
        stats = {}
        for name, values in (
            ("val_ppl", [r["val_ppl"][-1] for r in mine]),
            ("best_val_ppl", [min(r["val_ppl"]) for r in mine]),
            ("train_ppl", [r["train_ppl"][-1] for r in mine]),
        ):
            stats[name] = {
                "mean": sum(values) / len(values),
                "low": min(values),
                "high": max(values),
            }
        stats["params"] = mine[0]["params"]
        stats["seeds"] = [r["seed"] for r in mine]
        out[shape] = stats
    return out


def merge_results(entry: dict, path: Path = RESULTS) -> dict:
    """Put ``entry`` under ``"depth_width"`` in the JSON file at ``path``, keeping the rest."""
    return merge_entry(KEY, entry, path)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks depth", description=__doc__)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0 .. N-1 (default 3)")
    parser.add_argument("--epochs", type=int, default=DEFAULTS["epochs"], help="default 10")
    parser.add_argument("--output", type=Path, default=RESULTS, help="JSON file (merged into)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    for name in ("seeds", "epochs"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be >= 1, got {getattr(args, name)}")
    settings = dict(DEFAULTS, epochs=args.epochs)
    wall = time.perf_counter()
    print(f"{'shape':28s} {'seed':>4s} {'params':>8s} {'train ppl':>9s} {'val ppl':>8s} "
          f"{'best val':>8s} {'seconds':>8s}", flush=True)  # fmt: skip
    runs = []
    for seed in range(args.seeds):
        for shape in SHAPES:
            r = run_isolated(shape, seed, settings)
            runs.append(r)
            print(
                f"{shape:28s} {seed:4d} {r['params']:8,d} {r['train_ppl'][-1]:9.2f} "
                f"{r['val_ppl'][-1]:8.2f} {min(r['val_ppl']):8.2f} {r['seconds']:8.1f}",
                flush=True,
            )
    summary = summarize(runs)
    for shape, s in summary.items():
        v = s["val_ppl"]
        print(
            f"{shape:28s} validation perplexity {v['mean']:.2f} ({v['low']:.2f} to {v['high']:.2f})"
        )
    entry = {
        "date": datetime.date.today().isoformat(),
        "machine": machine(),
        "settings": dict(settings, seeds=args.seeds, shapes=list(SHAPES)),
        "runs": runs,
        "summary": summary,
        "wall_seconds": time.perf_counter() - wall,
    }
    if not args.no_write:
        merge_results(entry, args.output)
        print(f"wrote {args.output} ({KEY})")
    return entry


if __name__ == "__main__":
    main()
