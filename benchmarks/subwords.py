"""Chapter 7's translation model on words and on subwords, each tuned on the validation split.

Usage: ``.venv/bin/python -m benchmarks subwords [--merges 1000,2000,4000]
[--lrs 0.005,0.01,0.02] [--tune-seeds 1] [--seeds 3] [--epochs 3] [--threads 2]``.

A word vocabulary built from the training split turns every rarer or unseen
word into ``<unk>``; byte-pair encoding (Sennrich et al., 2016) spells such
words in pieces instead. This benchmark measures what that changes, with
the best model of chapter 7: the masked bidirectional encoder with attention
(:func:`benchmarks.ablations.build`, ``"bidirectional attention"``), embedding
128, 256 hidden units, Adam with gradient clipping at 1, minibatches of 512
with length bucketing, 3 epochs: the chapter's training budget.

**Data**, chapter 7's split (:func:`d2lrnn.translation.translation_data` of
:func:`d2lrnn.data.read_fra_eng`, ``max_len=6`` words, ``num_val=2000,
num_test=4000, seed=0``): the same pairs on both sides.

* ``words``: the chapter's word vocabularies (``min_freq=10``);
* ``subwords``: ``num_merges`` BPE merges per language, each learnt from the
  training split's sentences of that language (one model per language: the
  decoder's softmax, which dominates training, then holds French pieces only,
  and each side's vocabulary size is set by its own merges), ``min_freq=1``
  (the merges bound the vocabulary; no training subword is ``<unk>``).

**Tuning, on the validation split only.** ``num_merges`` over ``--merges`` at
the first learning rate of ``--lrs`` that is the chapter's 0.01, then the
learning rate over ``--lrs`` at the best ``num_merges``; for words the
learning rate over ``--lrs``. Each configuration is trained with seeds
``0 .. --tune-seeds - 1`` and scored by greedy translation of the distinct
validation sources against all their references (sacreBLEU's BLEU); the
configuration of the highest mean validation BLEU is chosen on each side.

**The chosen model, decoded.** The side whose chosen configuration has the
higher mean validation BLEU is, on test, also decoded with beam sizes 1, 2,
4 and 8 and ``alpha`` 0, 0.5 and 1 (:func:`d2lrnn.seq2seq.translate`), each
scored with its interval and compared with greedy decoding on the same
sentences by sacreBLEU's paired bootstrap test
(:func:`d2lrnn.scores.paired_bleu`): ``decoding`` in its test runs.

**Test, read once.** Each side's chosen configuration is trained with seeds
``0 .. --seeds - 1`` and its greedy translations of the distinct test
sources (at most ``max_target_steps`` tokens, joined back into words before
scoring: BLEU is computed on words, as sacreBLEU expects) are scored with
:func:`d2lrnn.scores.corpus_scores` (BLEU and chrF, 95% bootstrap intervals)
and by source length in words (:func:`d2lrnn.scores.grouped_scores`). Also
recorded: the vocabulary sizes, the training pairs' lengths in tokens, the
share of translations holding ``<unk>``, the training seconds and target
tokens per second. Perplexities are left out: a perplexity per subword and
one per word are not the same measure.

**The chosen model, saved for chapter 7** (``--save-model``, after a full run). Training
it takes longer than chapter 7 can spare, so the chapter loads it: this trains the decoded
side's chosen configuration with seed 0 again, with the recorded settings (threads
included), checks that it is the recorded test run (the same test BLEU, the same example
translations), and only then writes its parameters to
``benchmarks/models/seq2seq_subwords.params`` and ``saved_model`` into the entry (the
file's SHA-256 and size, the settings to rebuild its data, its BLEU and examples).

Every run is a fresh process (``MXNET_OMP_MAX_THREADS`` = ``--threads``). The
entry ``"seq2seq_subwords"`` of ``benchmarks/results.json`` holds
``settings``, ``tuning`` (the validation runs), ``choice``, ``runs`` (the test
runs), ``summary`` (per side, means over seeds) and ``paired`` (per seed, the
subword model's BLEU and chrF minus the word model's).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import time
from pathlib import Path

from benchmarks import machine, merge_entry
from benchmarks.seq2seq import DEFAULTS as SEQ2SEQ_DEFAULTS
from benchmarks.seq2seq import RESULTS, run_isolated, set_threads

KEY = "seq2seq_subwords"
VARIANT = "bidirectional attention"
MERGES = (1000, 2000, 4000)
LRS = (0.005, 0.01, 0.02)
DEFAULTS = {**SEQ2SEQ_DEFAULTS, "subword_min_freq": 1}
#: Where ``--save-model`` writes the chosen model's parameters (chapter 7 loads them).
MODEL_PATH = Path(__file__).resolve().parent / "models" / "seq2seq_subwords.params"


def load(s: dict, num_merges: int | None):
    """Chapter 7's split in words (``num_merges=None``) or in subwords."""
    from d2lrnn import data, translation

    return translation.translation_data(
        data.read_fra_eng(),
        max_len=s["max_len"],
        min_freq=s["min_freq"] if num_merges is None else s["subword_min_freq"],
        num_val=s["num_val"],
        num_test=s["num_test"],
        seed=s["split_seed"],
        num_merges=num_merges,
    )


def word_group(sentence: str) -> str:
    """A source's length group, counted in words: ``"1-3"``, ``"4"``, ... (as the ablations)."""
    from benchmarks.ablations import length_group

    return length_group(len(sentence.split()))


def describe(td) -> dict:
    """Vocabulary sizes and the training pairs' lengths in tokens."""
    tr = td.train
    return {
        "vocab": [len(td.src_vocab), len(td.tgt_vocab)],
        "src_len_mean": float(tr.src_len.mean()),
        "src_len_max": int(tr.src_len.max()),
        "tgt_len_mean": float((tr.tgt_len - 1).mean()),
        "tgt_len_max": int((tr.tgt_len - 1).max()),
        "num_steps": td.num_steps,
    }


BEAMS = (1, 2, 4, 8)
ALPHAS = (0.0, 0.5, 1.0)


def decoding(model, td, distinct, n_bootstrap: int) -> dict:
    """Test BLEU of every beam size and ``alpha`` (:data:`BEAMS`, :data:`ALPHAS`), each with
    its interval and a paired bootstrap test against greedy decoding on the same sentences."""
    from d2lrnn import scores, seq2seq

    refs, hyps, seconds = distinct.references, {}, {}
    for K in BEAMS:
        for alpha in ALPHAS if K > 1 else (0.0,):  # alpha ranks finished beams: none in greedy
            start = time.perf_counter()
            hyps[K, alpha] = seq2seq.translate(model, td, distinct.sources, K, alpha)
            seconds[K, alpha] = time.perf_counter() - start
    greedy = hyps[1, 0.0]
    paired = scores.paired_bleu(
        greedy, {f"{K},{a}": h for (K, a), h in hyps.items() if K > 1}, refs, n_bootstrap
    )
    out = {}
    for (K, alpha), h in hyps.items():
        sc = scores.corpus_scores(h, refs, n_bootstrap=n_bootstrap)
        key = f"{K},{alpha}"
        out[key] = {
            "beam_size": K, "alpha": alpha, "bleu": _interval(sc["bleu"]),
            "chrf": _interval(sc["chrf"]), "seconds": seconds[K, alpha],
            "mean_words": sum(len(x.split()) for x in h) / len(h),
            "vs_greedy": paired.get(key),
        }  # fmt: skip
    return out


def run(
    num_merges: int | None, lr: float, seed: int, s: dict, split: str, decode: bool = False
) -> dict:
    """Train the model on words or subwords; score its greedy translations of ``split`` (and,
    with ``decode``, every beam size and ``alpha`` of :func:`decoding`)."""
    import matplotlib

    matplotlib.use("Agg")
    from benchmarks.ablations import greedy_translations, train_variant
    from d2lrnn import scores

    td = load(s, num_merges)
    train = td.train if not s.get("num_train") else td.train.select(range(s["num_train"]))
    model, history, _ = train_variant(td, train, VARIANT, seed, dict(s, lr=lr))
    distinct = getattr(td, split).distinct()
    hyps = greedy_translations(model, td, distinct)
    refs = distinct.references
    n_boot = s["n_bootstrap"] if split == "test" else 2
    sc = scores.corpus_scores(hyps, refs, n_bootstrap=n_boot)
    out = {
        "side": "words" if num_merges is None else "subwords",
        "num_merges": num_merges,
        "lr": lr,
        "seed": seed,
        "split": split,
        **describe(td),
        "seconds": history.seconds,
        "tokens_per_sec": history.speed,
        "bleu": _interval(sc["bleu"]),
        "chrf": _interval(sc["chrf"]),
        "unk_translations": sum("<unk>" in h.split() for h in hyps) / len(hyps),
        "examples": [[src, hyp] for src, hyp in zip(distinct.sources[:8], hyps[:8])],
    }
    if split == "test":
        groups = scores.grouped_scores(
            hyps, refs, [word_group(x) for x in distinct.sources], n_bootstrap=n_boot
        )
        out["groups"] = {
            g: {"count": n, "bleu": _interval(r["bleu"])} for g, (n, r) in groups.items()
        }
    if decode:
        out["decoding"] = decoding(model, td, distinct, n_boot)
    return out


def train_and_save(num_merges: int | None, lr: float, seed: int, s: dict, path: str) -> dict:
    """Train one test run as :func:`run` does, save its parameters at ``path``; return what
    identifies it: test BLEU, example translations, vocabulary sizes, the file's digest."""
    import matplotlib

    matplotlib.use("Agg")
    from benchmarks.ablations import greedy_translations, train_variant
    from d2lrnn import scores

    td = load(s, num_merges)
    model, history, _ = train_variant(td, td.train, VARIANT, seed, dict(s, lr=lr))
    distinct = td.test.distinct()
    hyps = greedy_translations(model, td, distinct)
    bleu = scores.corpus_scores(hyps, distinct.references, n_bootstrap=2)["bleu"].score
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    model.save_parameters(path)
    data = Path(path).read_bytes()
    return {
        "variant": VARIANT, "num_merges": num_merges, "lr": lr, "seed": seed,
        "vocab": [len(td.src_vocab), len(td.tgt_vocab)],
        "embed_size": s["embed_size"], "num_hiddens": s["num_hiddens"],
        "test_bleu": bleu, "examples": [[x, h] for x, h in zip(distinct.sources[:8], hyps[:8])],
        "seconds": history.seconds, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
    }  # fmt: skip


def save_model(results: Path = RESULTS, path: Path = MODEL_PATH) -> dict:
    """``--save-model``: retrain the recorded choice's seed 0 and save it, if it is the recorded
    run (see the module docstring); returns ``saved_model``."""
    entry = json.loads(results.read_text()).get(KEY) if results.exists() else None
    if not entry:
        raise SystemExit(f"{results} has no {KEY!r} entry: run `python -m benchmarks subwords`")
    side = entry["decoded_side"]
    choice, s = entry["choice"][side], dict(entry["settings"])
    recorded = next(r for r in entry["runs"] if r["side"] == side and r["seed"] == 0)
    set_threads(s["threads"])
    saved = run_isolated(train_and_save, choice["num_merges"], choice["lr"], 0, s, str(path))
    same_bleu = abs(saved["test_bleu"] - recorded["bleu"]["score"]) < 1e-9
    if not same_bleu or saved["examples"] != recorded["examples"]:
        path.unlink()
        raise SystemExit(
            f"the retrained {side} model is not the recorded run (test BLEU "
            f"{saved['test_bleu']:.4f} against {recorded['bleu']['score']:.4f}, examples "
            f"{'equal' if saved['examples'] == recorded['examples'] else 'differ'}): not saved"
        )
    saved = {"side": side, "file": path.name, **saved, "min_freq": s["subword_min_freq"],
             "max_len": s["max_len"], "num_val": s["num_val"], "num_test": s["num_test"],
             "split_seed": s["split_seed"]}  # fmt: skip
    merge_entry(KEY, {**entry, "saved_model": saved}, results)
    print(
        f"saved {path} ({saved['bytes'] / 1e6:.1f} MB), the recorded {side} run of seed 0: "
        f"test BLEU {saved['test_bleu']:.2f}; wrote {results} ({KEY}.saved_model)"
    )
    return saved


def _interval(score) -> dict:
    return {"score": score.score, "low": score.low, "high": score.high}


def _mean(xs) -> float:
    xs = list(xs)
    return sum(xs) / len(xs)


def best(runs: list[dict]) -> tuple:
    """The ``(num_merges, lr)`` of the highest mean validation BLEU over its seeds."""
    configs = sorted({(r["num_merges"], r["lr"]) for r in runs}, key=repr)
    return max(
        configs,
        key=lambda c: _mean(r["bleu"]["score"] for r in runs if (r["num_merges"], r["lr"]) == c),
    )


def summarize(runs: list[dict]) -> dict:
    out = {}
    for side in ("words", "subwords"):
        rs = [r for r in runs if r["side"] == side]
        if rs:
            out[side] = {
                "seeds": [r["seed"] for r in rs],
                "bleu": _mean(r["bleu"]["score"] for r in rs),
                "chrf": _mean(r["chrf"]["score"] for r in rs),
                "seconds": _mean(r["seconds"] for r in rs),
                "tokens_per_sec": _mean(r["tokens_per_sec"] for r in rs),
                "unk_translations": _mean(r["unk_translations"] for r in rs),
                **{k: rs[0][k] for k in ("num_merges", "lr", "vocab", "src_len_mean",
                                         "tgt_len_mean", "src_len_max", "tgt_len_max")},
            }  # fmt: skip
    return out


def paired(runs: list[dict]) -> dict:
    """Per seed: the subword model's BLEU and chrF minus the word model's."""
    by = {(r["side"], r["seed"]): r for r in runs}
    seeds = sorted(s for side, s in by if side == "words" and ("subwords", s) in by)
    return {
        "seeds": seeds,
        **{
            key: [by["subwords", s][key]["score"] - by["words", s][key]["score"] for s in seeds]
            for key in ("bleu", "chrf")
        },
    }


def _line(r: dict) -> str:
    b, c = r["bleu"], r["chrf"]
    return (
        f"{r['side']:8s} merges {r['num_merges']!s:>5s} lr {r['lr']:<6g} seed {r['seed']}: "
        f"{r['split']} BLEU {b['score']:5.2f} ({b['low']:.1f} to {b['high']:.1f}), chrF "
        f"{c['score']:5.2f}; V {r['vocab'][0]}/{r['vocab'][1]}, tokens/pair "
        f"{r['src_len_mean']:.2f}/{r['tgt_len_mean']:.2f}; <unk> in "
        f"{r['unk_translations']:.0%} of translations; {r['seconds']:.0f} s"
    )


def _ints(text: str, name: str) -> tuple[int, ...]:
    try:
        values = tuple(int(x) for x in text.split(","))
    except ValueError:
        values = ()
    if not values or min(values) < 0 or len(set(values)) < len(values):
        raise ValueError(f"--{name}: expected distinct comma-separated integers >= 0, got {text!r}")
    return values


def main(argv: list[str] | None = None) -> dict:
    from benchmarks.tuning import parse_lrs

    parser = argparse.ArgumentParser(prog="python -m benchmarks subwords", description=__doc__)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    add = parser.add_argument
    add("--merges", default=",".join(map(str, MERGES)), help="BPE merges to try (1000,2000,4000)")
    add("--lrs", default=",".join(map(str, LRS)), help="learning rates to try (0.005,0.01,0.02)")
    add("--tune-seeds", type=int, default=1, help="seeds per configuration in tuning (1)")
    add("--seeds", type=int, default=3, help="seeds of each chosen configuration on test (3)")
    add("--epochs", type=int, default=DEFAULTS["epochs"], help="epochs of every run (3)")
    add("--threads", type=int, default=DEFAULTS["threads"], help="MXNET_OMP_MAX_THREADS (2)")
    add("--n-bootstrap", type=int, default=1000, help="bootstrap resamples on test (1000)")
    add("--output", type=Path, default=RESULTS, help="JSON results file (merged into)")
    add("--no-write", action="store_true", help="print only; leave the results file alone")
    add("--save-model", action="store_true",
        help="retrain the recorded choice's seed 0, check it is the recorded run, save it "
             "for chapter 7 (benchmarks/models/); nothing else runs")  # fmt: skip
    args = parser.parse_args(argv)
    if args.save_model:
        return save_model(args.output)
    for name in ("tune_seeds", "seeds", "epochs", "threads", "n_bootstrap"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    try:
        merges, lrs = _ints(args.merges, "merges"), parse_lrs(args.lrs)
    except ValueError as error:
        parser.error(str(error))
    s = dict(DEFAULTS, epochs=args.epochs, n_bootstrap=args.n_bootstrap)
    first_lr = s["lr"] if s["lr"] in lrs else lrs[0]
    wall = time.perf_counter()
    set_threads(args.threads)

    def tune(num_merges, lr):
        out = []
        for seed in range(args.tune_seeds):
            out.append(run_isolated(run, num_merges, lr, seed, s, "val"))
            print(_line(out[-1]), flush=True)
        return out

    tuning = []
    for lr in lrs:
        tuning += tune(None, lr)
    for m in merges:
        tuning += tune(m, first_lr)
    subword_runs = [r for r in tuning if r["side"] == "subwords"]
    chosen_merges = best(subword_runs)[0]
    for lr in lrs:
        if lr != first_lr:
            tuning += tune(chosen_merges, lr)
    choice = {
        side: dict(zip(("num_merges", "lr"), best([r for r in tuning if r["side"] == side])))
        for side in ("words", "subwords")
    }
    val_bleu = {
        side: _mean(
            r["bleu"]["score"]
            for r in tuning
            if r["side"] == side and (r["num_merges"], r["lr"]) == tuple(choice[side].values())
        )
        for side in choice
    }
    chosen_side = max(val_bleu, key=val_bleu.get)
    print(f"chosen on the validation split: {choice}; the {chosen_side} model (validation BLEU "
          f"{val_bleu}) is decoded with every beam size and alpha", flush=True)  # fmt: skip
    runs = []
    for seed in range(args.seeds):
        for side in ("words", "subwords"):
            c = choice[side]
            runs.append(run_isolated(
                run, c["num_merges"], c["lr"], seed, s, "test", side == chosen_side
            ))  # fmt: skip
            print(_line(runs[-1]), flush=True)
            for key, d in runs[-1].get("decoding", {}).items():
                b, v = d["bleu"], d["vs_greedy"]
                print(f"    beam {key:8s} BLEU {b['score']:5.2f} ({b['low']:.1f} to "
                      f"{b['high']:.1f})" + (f", {v['delta']:+.2f} vs greedy, p = "
                      f"{v['p_value']:.3f}" if v else ""), flush=True)  # fmt: skip
    entry = {
        "date": datetime.date.today().isoformat(),
        "machine": machine(),
        "settings": {
            **s,
            "variant": VARIANT,
            "merges": merges,
            "lrs": lrs,
            "tune_seeds": args.tune_seeds,
            "seeds": args.seeds,
            "threads": args.threads,
        },  # fmt: skip
        "tuning": tuning,
        "choice": choice,
        "validation_bleu": val_bleu,
        "decoded_side": chosen_side,
        "runs": runs,
        "summary": summarize(runs),
        "paired": paired(runs),
        "wall_seconds": time.perf_counter() - wall,
    }
    for side, m in entry["summary"].items():
        print(f"{side}: mean test BLEU {m['bleu']:.2f}, chrF {m['chrf']:.2f} over seeds "
              f"{m['seeds']}; {m['seconds']:.0f} s a run", flush=True)  # fmt: skip
    p = entry["paired"]
    print("subwords minus words, per seed: BLEU " + ", ".join(f"{d:+.2f}" for d in p["bleu"])
          + "; chrF " + ", ".join(f"{d:+.2f}" for d in p["chrf"]))  # fmt: skip
    if not args.no_write:
        merge_entry(KEY, entry, args.output)
        print(f"wrote {args.output} ({KEY})")
    return entry
