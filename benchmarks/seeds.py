"""Four chapter experiments on three seeds: ``python -m benchmarks seeds``.

Chapters 3, 4, 5 and 6 make comparisons that one seed cannot settle, in
a cell that would take too long to run three times live. Each chapter runs
seed 0 live, as before, and reads seeds 0, 1 and 2 from
``benchmarks/results.json`` (key ``"chapter_seeds"``), which this benchmark
writes; the chapter checks that its live seed 0 matches the recorded one,
so the record is of the chapter's own experiment.

**Experiments**, each exactly as its chapter runs it, with ``d2lrnn.seed(s)``
right before each model is built and ``seed=s`` for its minibatches:

* ``jordan`` (chapter 3, "Jordan networks"): the chapter's own ``Jordan``
  layer (its code, read from the chapter by ``tests.chapter_code``) with
  ``mu = 0.5`` and the book's ``layers.RNNScratch``, 128 units each, in an
  ``lm.RNNLM``, 5 epochs of Adam at 0.01 with clipping at 1 on
  ``batches.train_val_batches`` (64 x 32, sequential, minibatch seed 0 for
  every seed, as the chapter runs it: the seed changes the initial weights
  only). Records the validation perplexity.
* ``truncation`` (chapter 4, "Full, truncated and randomized truncated
  BPTT"): a 64-unit tanh ``rnn.RNN`` language model on *The Time Machine*,
  minibatches of 1,024 characters cut into ``1024 // T`` sequential streams
  of ``T`` characters for ``T`` in 4, 8, 16, 32, 64, two epochs of SGD at
  learning rate 1 with clipping at 1; validation on 32 x 32 sequential
  minibatches (seed 0). Records the validation perplexity and tokens/s.
* ``cells`` (chapter 5, "Concise implementations"): ``rnn.RNN`` (tanh),
  ``rnn.GRU`` and ``rnn.LSTM`` language models of 128 units, 10 epochs of
  Adam at 0.01, clipping at 1, on ``batches.train_val_batches`` (64 x 32,
  sequential). Records parameters and training and validation perplexity.
* ``tagger`` (chapter 6, "Bidirectional RNNs"): word-start tagging of the
  book's letters without spaces (``tasks.segmentation_data(text, 32)``,
  the first 90% of the windows for training), ``classifiers.Tagger`` over a
  unidirectional GRU of 64 units, one of the widest width with no more
  parameters than the bidirectional one (:func:`tagger_params`), and a
  bidirectional GRU of 64 units per direction; 6 epochs of
  :func:`d2lrnn.train.fit` on minibatches of 64. Records the held-out error
  rate per letter.
* ``positions`` (chapter 3, "The RNN as a graphical model"): the chapter's
  character model, ``layers.RNNScratch(128)`` in an ``lm.RNNLM``, 10 epochs of
  Adam at 0.01 with clipping at 1 on ``SeqBatches(train, 64, 32,
  sequential, seed=0)``, then :func:`d2lrnn.train.evaluate_lm_by_position`
  on ``SeqBatches(val, 64, 32, seed=0)``, random (a zero state in every
  window) and sequential (the state carried), after one warm-up minibatch.
  Records the validation perplexity and both lists of 32 losses.
* ``skip`` (chapter 4, "Remedies"): chapter 5's recall task
  (:func:`d2lrnn.longrange.fit_recall`, at most 400 steps of 128 fresh
  sequences, Adam at 0.01, clipping at 1, 500 held-out sequences) at ``T``
  = 20, 50 and 100, for the chapter's own ``SkipRNN`` (read from the chapter)
  with ``delay`` 0 (45 units) and 4 (32 units: about the same parameters),
  Xavier-initialised. Records the held-out accuracy, the steps and the
  parameters, per ``"d={delay}, T={T}"``.

Every seed of an experiment is a fresh process with MXNet's default
threads, as the chapters run. ``--experiments`` and ``--seeds`` choose.
The entry holds ``settings`` and ``runs`` (experiment, seed, then one
record per configuration); ``--keep`` keeps the recorded runs of the
experiments not run now.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import json
import multiprocessing
import time
from pathlib import Path

from benchmarks import machine, merge_entry

RESULTS = Path(__file__).resolve().parent / "results.json"
KEY = "chapter_seeds"
EXPERIMENTS = ("jordan", "positions", "truncation", "cells", "tagger", "skip")
TRUNCATION_STEPS = (4, 8, 16, 32, 64)
CELLS = ("RNN", "GRU", "LSTM")


def tagger_params(num_hiddens: int, directions: int) -> int:
    """Parameters of chapter 6's tagger: a GRU over 26 one-hot letters, a dense layer to 2."""
    gru = 3 * (num_hiddens * 26 + num_hiddens**2 + 2 * num_hiddens)
    return directions * gru + directions * num_hiddens * 2 + 2


def tagger_shapes() -> dict[str, tuple[int, bool]]:
    """Chapter 6's taggers by name: (units per direction, bidirectional)."""
    wide = max(h for h in range(64, 200) if tagger_params(h, 1) <= tagger_params(64, 2))
    return {"unidirectional": (64, False), f"unidirectional, {wide}": (wide, False),
            "bidirectional": (64, True)}  # fmt: skip


def jordan(seed: int) -> dict:
    import d2lrnn
    from d2lrnn import batches, layers, lm, train
    from tests.chapter_code import define

    Jordan = define("03_rnn_from_scratch", "Jordan")["Jordan"]
    train_corpus, val_corpus, vocab = d2lrnn.time_machine_corpus()
    V = len(vocab)
    out = {}
    for name, make in (("Jordan", lambda: Jordan(V, 128, mu=0.5)),
                       ("Elman", lambda: layers.RNNScratch(128))):  # fmt: skip
        d2lrnn.seed(seed)
        model = lm.RNNLM(make(), V)
        model.initialize()
        h = train.train_lm(model, *batches.train_val_batches(train_corpus, val_corpus), 5,
                           lr=0.01, optimizer="adam", clip=1.0, progress="none")  # fmt: skip
        out[name] = {"val_ppl": h.val_ppl[-1]}
    return out


def positions(seed: int) -> dict:
    import d2lrnn
    from d2lrnn import batches, layers, lm, train

    train_corpus, val_corpus, vocab = d2lrnn.time_machine_corpus()
    d2lrnn.seed(seed)
    model = lm.RNNLM(layers.RNNScratch(128), len(vocab))
    train_batches = batches.SeqBatches(train_corpus, 64, 32, sampling="sequential", seed=0)
    val_batches = batches.SeqBatches(val_corpus, 64, 32, sampling="sequential", seed=0)
    h = train.train_lm(model, train_batches, val_batches, 10, lr=0.01, optimizer="adam", clip=1.0,
                       progress="none")  # fmt: skip
    out = {"model": {"val_ppl": h.val_ppl[-1]}}
    for sampling in ("random", "sequential"):
        losses = train.evaluate_lm_by_position(
            model, batches.SeqBatches(val_corpus, 64, 32, sampling=sampling, seed=0),
            warmup_batches=1,
        )  # fmt: skip
        out[sampling] = {f"position {t + 1}": float(v) for t, v in enumerate(losses)}
    return out


def truncation(seed: int) -> dict:
    from mxnet.gluon import rnn

    import d2lrnn
    from d2lrnn import batches, lm, train

    train_corpus, val_corpus, vocab = d2lrnn.time_machine_corpus()
    val_data = batches.SeqBatches(val_corpus, 32, 32, sampling="sequential", seed=0)
    out = {}
    for T in TRUNCATION_STEPS:
        d2lrnn.seed(seed)
        model = lm.RNNLM(rnn.RNN(64, activation="tanh"), len(vocab))
        data = batches.SeqBatches(train_corpus, 1024 // T, T, sampling="sequential", seed=seed)
        h = train.train_lm(model, data, val_data, num_epochs=2, lr=1.0, optimizer="sgd",
                           clip=1.0, progress="none")  # fmt: skip
        out[str(T)] = {"val_ppl": h.val_ppl[-1], "tokens_per_sec": h.speed}
    return out


def cells(seed: int) -> dict:
    from mxnet.gluon import rnn

    import d2lrnn
    from d2lrnn import batches, lm, train

    train_corpus, val_corpus, vocab = d2lrnn.time_machine_corpus()
    layers = {"RNN": lambda: rnn.RNN(128, activation="tanh"), "GRU": lambda: rnn.GRU(128),
              "LSTM": lambda: rnn.LSTM(128)}  # fmt: skip
    out = {}
    for name in CELLS:
        d2lrnn.seed(seed)
        model = lm.RNNLM(layers[name](), len(vocab))
        tb, vb = batches.train_val_batches(train_corpus, val_corpus, seed=seed)
        h = train.train_lm(model, tb, vb, 10, lr=0.01, optimizer="adam", clip=1.0,
                           progress="none")  # fmt: skip
        out[name] = {
            "params": sum(p.data().size for p in model.collect_params().values()),
            "train_ppl": h.train_ppl[-1],
            "val_ppl": h.val_ppl[-1],
        }
    return out


def tagger(seed: int) -> dict:
    from mxnet.gluon import rnn

    import d2lrnn
    from d2lrnn import batches, classifiers, tasks, train

    X, Y = tasks.segmentation_data(d2lrnn.read_time_machine(), 32)
    n_train = int(0.9 * len(X))
    out = {}
    for name, (num_hiddens, bidirectional) in tagger_shapes().items():
        d2lrnn.seed(seed)
        model = classifiers.Tagger(rnn.GRU(num_hiddens, bidirectional=bidirectional), 26, 2)
        fit = train.fit(model, batches.ArrayBatches(X[:n_train], Y[:n_train], 64, seed=seed), 6,
                        val=(X[n_train:], Y[n_train:]))  # fmt: skip
        out[name] = {"params": tagger_params(num_hiddens, 1 + bidirectional),
                     "error": 1 - fit.val_accuracy[-1]}  # fmt: skip
    return out


#: Chapter 4's skip-connection experiment: recall lengths, and units per delay.
SKIP_TS = (20, 50, 100)
SKIP_WIDTHS = {0: 45, 4: 32}
SKIP_MAX_STEPS = 400


def skip(seed: int) -> dict:
    import numpy as np
    from mxnet import init

    import d2lrnn
    from d2lrnn import classifiers, gluon_adapter, longrange
    from tests.chapter_code import define

    SkipRNN = define("04_vanishing_exploding_gradients", "SkipRNN")["SkipRNN"]
    out = {}
    for T in SKIP_TS:
        for delay, width in SKIP_WIDTHS.items():
            d2lrnn.seed(seed)
            model = classifiers.SequenceClassifier(SkipRNN(8, width, delay), 8, 8)
            gluon_adapter.initialize(model, np.zeros((1, T), np.int32), None, init.Xavier())
            r = longrange.fit_recall(model, T, f"d = {delay}", max_steps=SKIP_MAX_STEPS, seed=seed)
            out[f"d={delay}, T={T}"] = {"accuracy": r.accuracy, "steps": r.steps,
                                        "params": r.params, "seconds": r.seconds}  # fmt: skip
    return out


RUNNERS = {"jordan": jordan, "positions": positions, "truncation": truncation, "cells": cells,
           "tagger": tagger, "skip": skip}  # fmt: skip


def run(experiment: str, seed: int) -> dict:
    """One experiment with one seed, in this process: its record for results.json."""
    if experiment not in RUNNERS:
        raise ValueError(f"experiment must be one of {list(EXPERIMENTS)}, got {experiment!r}")
    start = time.perf_counter()
    results = RUNNERS[experiment](seed)
    return {"experiment": experiment, "seed": seed, "results": results,
            "seconds": time.perf_counter() - start}  # fmt: skip


def run_isolated(experiment: str, seed: int) -> dict:
    """:func:`run` in a new process (MXNet imported afresh, nothing shared)."""
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=ctx) as pool:
        return pool.submit(run, experiment, seed).result()


def recorded(entry: dict, experiment: str) -> dict[int, dict]:
    """The recorded results of ``experiment`` by seed (what the chapters read)."""
    return {r["seed"]: r["results"] for r in entry["runs"] if r["experiment"] == experiment}


def merge_results(entry: dict, path: Path = RESULTS, keep: bool = False) -> dict:
    """Put ``entry`` under ``"chapter_seeds"`` in ``path``; with ``keep``, the recorded runs
    of experiments ``entry`` did not run stay."""
    recorded = json.loads(path.read_text()).get(KEY) if keep and path.exists() else None
    if recorded:
        done = {r["experiment"] for r in entry["runs"]}
        old = [r for r in recorded["runs"] if r["experiment"] not in done]
        entry = dict(entry, runs=old + entry["runs"])
    return merge_entry(KEY, entry, path)


def parse_experiments(text: str) -> list[str]:
    """``"tagger,cells"`` -> ``["cells", "tagger"]`` (in :data:`EXPERIMENTS` order)."""
    names = [x.strip() for x in text.split(",")]
    unknown = [x for x in names if x not in EXPERIMENTS]
    if not text.strip() or unknown:
        raise ValueError(f"--experiments: expected a comma-separated subset of "
                         f"{', '.join(EXPERIMENTS)}, got {text!r}")  # fmt: skip
    return [x for x in EXPERIMENTS if x in names]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks seeds", description=__doc__)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0 .. N-1 (default 3)")
    parser.add_argument("--experiments", default=",".join(EXPERIMENTS))
    parser.add_argument("--keep", action="store_true", help="keep other experiments' runs")
    parser.add_argument("--output", type=Path, default=RESULTS, help="JSON results file")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error(f"--seeds must be >= 1, got {args.seeds}")
    try:
        experiments = parse_experiments(args.experiments)
    except ValueError as error:
        parser.error(str(error))
    wall = time.perf_counter()
    runs = []
    for experiment in experiments:
        for seed in range(args.seeds):
            r = run_isolated(experiment, seed)
            runs.append(r)
            print(f"{experiment:10s} seed {seed} ({r['seconds']:.0f} s): " + "; ".join(
                f"{k} " + ", ".join(f"{m}={v:.4g}" for m, v in rec.items())
                for k, rec in r["results"].items()), flush=True)  # fmt: skip
    entry = {
        "date": datetime.date.today().isoformat(),
        "machine": machine(),
        "settings": {"seeds": args.seeds, "experiments": experiments},
        "runs": runs,
        "wall_seconds": time.perf_counter() - wall,
    }
    if not args.no_write:
        merge_results(entry, args.output, keep=args.keep)
        print(f"wrote the '{KEY}' entry of {args.output} ({entry['wall_seconds']:.0f} s in all)")
    return entry


if __name__ == "__main__":
    main()
