"""Chapter 7's learning rate and number of epochs, chosen on the validation split only.

Usage: ``.venv/bin/python -m benchmarks tuning [--seeds 3] [--epochs 4]
[--lrs 0.003,0.01,0.03] [--threads 2]``.

Chapter 7 trains its encoder-decoder with Adam at one learning rate for a
few epochs. This benchmark is where those two settings come from, and it
reads **the validation split only** (``td.val``); the test split is read
once, by the chapter and by the other translation benchmarks, with the
settings chosen here.

**Data and model**, chapter 7's (:func:`benchmarks.seq2seq.load_split`,
``max_len=6, min_freq=10, num_val=2000, num_test=4000, seed=0``):
``seq2seq.EncoderDecoder(Encoder(Vs, 128, 256), Decoder(Vt, 128, 256))``,
trained by :func:`d2lrnn.train.train_seq2seq` with gradient clipping at 1
on ``TranslationBatches(train, 512, seed=s, bucket=100)``, ``d2lrnn.seed(s)``
right before the model is built: the chapter's training, but for the
learning rate (``--lrs``) and the number of epochs.

**After every epoch** (``on_epoch``), on the validation split:

* ``ppl``: the perplexity with teacher forcing, per reference token of
  every validation pair (``seq2seq.decoder_loss(model, val, "reference")``);
* ``bleu``, ``chrf``: greedy translations of the distinct validation sources
  (:func:`benchmarks.ablations.greedy_translations`) against all their
  references, with :func:`d2lrnn.scores.corpus_scores`.

**Choice.** For each learning rate, the mean validation BLEU over the seeds
after each epoch; ``choice`` is the learning rate and epoch of the highest
mean. ``paired`` gives, for every other learning rate, its BLEU minus the
chosen one's, seed by seed, at the chosen epoch: a difference whose sign is
not the same on every seed is a tie.

Every run is a fresh process (``MXNET_OMP_MAX_THREADS`` = ``--threads``).
The entry ``"seq2seq_tuning"`` of ``benchmarks/results.json`` holds
``settings``, ``runs`` (one per learning rate and seed, with its per-epoch
``val`` records and its training seconds), ``summary`` and ``choice``.
"""

from __future__ import annotations

import argparse
import datetime
import math
import time
from pathlib import Path

from benchmarks import machine, merge_entry
from benchmarks.seq2seq import DEFAULTS as SEQ2SEQ_DEFAULTS
from benchmarks.seq2seq import RESULTS, load_split, run_isolated, set_threads

KEY = "seq2seq_tuning"
LRS = (0.003, 0.01, 0.03)
DEFAULTS = {**SEQ2SEQ_DEFAULTS, "epochs": 4, "seeds": 3, "lrs": LRS}


def validation_record(model, td) -> dict:
    """Teacher-forced perplexity and greedy BLEU/chrF of ``model`` on ``td.val``."""
    from benchmarks.ablations import greedy_translations
    from d2lrnn import scores, seq2seq

    distinct = td.val.distinct()
    hyps = greedy_translations(model, td, distinct)
    sc = scores.corpus_scores(hyps, distinct.references, n_bootstrap=2)
    return {
        "ppl": math.exp(seq2seq.decoder_loss(model, td.val, feed="reference")),
        "bleu": sc["bleu"].score,
        "chrf": sc["chrf"].score,
    }


def run(td, train, lr: float, seed: int, s: dict) -> dict:
    """Train the chapter's model at ``lr`` for ``s["epochs"]`` epochs; validation after each."""
    import d2lrnn
    from d2lrnn import seq2seq, translation
    from d2lrnn import train as training

    d2lrnn.seed(seed)
    E, H = s["embed_size"], s["num_hiddens"]
    model = seq2seq.EncoderDecoder(
        seq2seq.Encoder(len(td.src_vocab), E, H), seq2seq.Decoder(len(td.tgt_vocab), E, H)
    )
    batches = translation.TranslationBatches(train, s["batch_size"], seed=seed, bucket=s["bucket"])
    val = []

    def record(epoch, model, trainer):
        val.append({"epoch": epoch, **validation_record(model, td)})  # epochs done

    history = training.train_seq2seq(
        model, batches, s["epochs"], lr=lr, clip=s["clip"], seed=seed, progress="none",
        on_epoch=record,
    )  # fmt: skip
    return {"lr": lr, "seed": seed, "seconds": history.seconds,
            "train_loss": list(history.train_loss), "val": val}  # fmt: skip


def _run(lr: float, seed: int, s: dict) -> dict:
    import matplotlib

    matplotlib.use("Agg")
    td, train = load_split(s)
    return run(td, train, lr, seed, s)


def summarize(runs: list[dict]) -> dict:
    """Per learning rate, per epoch: the mean and the per-seed validation BLEU, chrF and ppl."""
    out = {}
    for lr in sorted({r["lr"] for r in runs}):
        rs = sorted((r for r in runs if r["lr"] == lr), key=lambda r: r["seed"])
        epochs = min(len(r["val"]) for r in rs)
        out[repr(lr)] = {
            "seeds": [r["seed"] for r in rs],
            "epochs": [
                {
                    "epoch": e + 1,
                    **{
                        k: sum(r["val"][e][k] for r in rs) / len(rs)
                        for k in ("bleu", "chrf", "ppl")
                    },
                    "bleu_seeds": [r["val"][e]["bleu"] for r in rs],
                }
                for e in range(epochs)
            ],
        }
    return out


def choose(summary: dict) -> dict:
    """The learning rate and epoch of the highest mean validation BLEU, and for every other
    learning rate its BLEU minus the chosen one's, seed by seed, at the chosen epoch."""
    best = max(
        ((lr, e) for lr, m in summary.items() for e in m["epochs"]), key=lambda x: x[1]["bleu"]
    )
    lr, epoch = best[0], best[1]["epoch"]
    chosen = best[1]["bleu_seeds"]
    paired = {}
    for other, m in summary.items():
        if other != lr and len(m["epochs"]) >= epoch:
            diffs = [o - c for o, c in zip(m["epochs"][epoch - 1]["bleu_seeds"], chosen)]
            paired[other] = {"diff_seeds": diffs, "all_below": all(d < 0 for d in diffs)}
    return {"lr": float(lr), "epoch": epoch, "bleu": best[1]["bleu"], "paired": paired}


def merge_results(entry: dict, path: Path = RESULTS) -> dict:
    """Put ``entry`` under ``"seq2seq_tuning"`` in the JSON file at ``path``, keeping the rest."""
    return merge_entry(KEY, entry, path)


def parse_lrs(text: str) -> tuple[float, ...]:
    """``"0.003,0.01"`` -> ``(0.003, 0.01)``; each finite and > 0. Raises ``ValueError``."""
    try:
        lrs = tuple(float(x) for x in text.split(","))
    except ValueError:
        lrs = ()
    if not lrs or not all(math.isfinite(x) and x > 0 for x in lrs) or len(set(lrs)) < len(lrs):
        raise ValueError(f"--lrs: expected distinct comma-separated numbers > 0, got {text!r}")
    return lrs


def main(argv: list[str] | None = None) -> dict:
    d = DEFAULTS
    parser = argparse.ArgumentParser(prog="python -m benchmarks tuning", description=__doc__)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    add = parser.add_argument
    add("--seeds", type=int, default=d["seeds"], help="seeds 0 .. N-1 per learning rate (3)")
    add("--epochs", type=int, default=d["epochs"], help="epochs of every run (default 4)")
    add("--lrs", default=",".join(map(str, LRS)), help="learning rates (0.003,0.01,0.03)")
    add("--threads", type=int, default=d["threads"], help="MXNET_OMP_MAX_THREADS (default 2)")
    add("--num-train", type=int, default=None, help="only the first N training pairs (quick runs)")
    add("--output", type=Path, default=RESULTS, help="JSON results file (merged into)")
    add("--no-write", action="store_true", help="print only; leave the results file alone")
    args = parser.parse_args(argv)
    for name in ("seeds", "epochs", "threads"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be >= 1, got {getattr(args, name)}")
    if args.num_train is not None and args.num_train < 1:
        parser.error(f"--num-train must be >= 1, got {args.num_train}")
    try:
        lrs = parse_lrs(args.lrs)
    except ValueError as error:
        parser.error(str(error))
    s = dict(SEQ2SEQ_DEFAULTS, epochs=args.epochs, num_train=args.num_train)
    wall = time.perf_counter()
    set_threads(args.threads)
    print(f"learning rates {lrs}, seeds 0..{args.seeds - 1}, {args.epochs} epochs; "
          "validation split only", flush=True)  # fmt: skip
    runs = []
    for seed in range(args.seeds):
        for lr in lrs:
            r = run_isolated(_run, lr, seed, s)
            runs.append(r)
            print(f"lr {lr:<6g} seed {seed}: " + ", ".join(
                f"epoch {v['epoch']} BLEU {v['bleu']:.2f} ppl {v['ppl']:.2f}" for v in r["val"]
            ) + f" ({r['seconds']:.0f} s)", flush=True)  # fmt: skip
    summary = summarize(runs)
    choice = choose(summary)
    for lr, m in summary.items():
        print(f"lr {lr}: mean validation BLEU by epoch " + ", ".join(
            f"{e['bleu']:.2f}" for e in m["epochs"]))  # fmt: skip
    print(f"chosen: lr {choice['lr']:g}, {choice['epoch']} epochs (mean BLEU {choice['bleu']:.2f})")
    entry = {
        "date": datetime.date.today().isoformat(),
        "machine": machine(),
        "settings": dict(s, seeds=args.seeds, lrs=list(lrs)),
        "runs": runs,
        "summary": summary,
        "choice": choice,
        "wall_seconds": time.perf_counter() - wall,
    }
    if not args.no_write:
        merge_results(entry, args.output)
        print(f"wrote the '{KEY}' entry of {args.output} ({entry['wall_seconds']:.0f} s in all)")
    return entry


if __name__ == "__main__":
    main()
