"""Chapter 7's ablations of the encoder-decoder, trained to the end, seed by seed.

Usage: ``make bench`` (after ``seq2seq``), or ``.venv/bin/python -m benchmarks ablations
[--seeds 3] [--epochs 3] [--threads 2] [--variants forward,reversed,...]``.

Chapter 7 ("Teacher forcing and exposure bias", "What the encoder reads",
"The bottleneck, and attention") quotes these runs from
``benchmarks/results.json`` (key ``"seq2seq_ablations"``) instead of
training every variant itself, which its time budget does not allow.

**Data**, chapter 7's: :func:`d2lrnn.translation.translation_data` of
:func:`d2lrnn.data.read_fra_eng` with ``max_len=6, min_freq=10,
num_val=2000, num_test=4000, seed=0`` (``--num-train N``: only the first
``N`` training pairs, for quick runs; the test split is unchanged).

**Models and training.** Every variant is a :mod:`d2lrnn.seq2seq` model at
the chapter's sizes: embedding 128, 256 hidden units, the book's GRU, one
layer each side; :func:`d2lrnn.train.train_seq2seq` with Adam at 0.01,
gradient clipping at 1, on ``translation.TranslationBatches(train, 512,
seed=s, bucket=100)`` for ``--epochs`` epochs (3), ``d2lrnn.seed(s)`` right
before the model is built, for each seed ``s`` in ``range(--seeds)`` (3):

* ``forward``: ``EncoderDecoder(Encoder(Vs, E, H), Decoder(Vt, E, H))``,
  the chapter's model;
* ``reversed``: the same model on batches with ``reverse_source=True``
  (each source's words in reverse order, padding kept at the end); it is
  evaluated on the test split with its sources reversed the same way
  (:func:`d2lrnn.translation.reversed_sources`), everything else unchanged;
* ``reads padding``: ``Encoder(..., read_padding=True)``: the context is the
  encoder's state after the padding, as in d2l's encoder (the sources'
  padding is then not trimmed from the minibatches);
* ``attention``: ``AttentionDecoder(Vt, E, H)`` in place of ``Decoder``;
* ``bidirectional attention``: the same, with ``BidirectionalEncoder(Vs, E, H)`` (each
  direction ``H / 2`` wide, over each source's real tokens only) in place of ``Encoder``,
  as Bahdanau et al. (2015) read the source;
* the trace of the gap to d2l's classes (``benchmarks.seq2seq``): the forward
  model with one of d2l's differences alone, then all four (:data:`D2L_DIFFERENCES`):
  ``no bucketing`` (plain random minibatches, ``bucket=0``, so nearly every
  minibatch is padded to the longest sentences, as d2l's loader pads all to
  ``num_steps``), ``source eos`` (an ``<eos>`` token, a new source index, after
  every source, as d2l's MTFraEng appends; the encoder's context is then its
  state at ``<eos>``), ``reads padding`` (above), ``gluon GRU`` (gluon's fused
  ``rnn.GRU`` on both sides, whose weights the model's initializer draws, Xavier
  as in d2l, where the book's ``GRUScratch`` draws them from N(0, 0.01^2); given
  the same weights the two layers compute the same function, which
  ``tests/unit/test_weights.py`` checks), and ``as d2l``, all four; then all
  four but one (``d2l but bucketing``, ``d2l but no eos``, ``d2l but no
  padding``, ``d2l but book GRU``), to find which of them the gap needs;
* ``scheduled sampling``: the ``forward`` model's last epoch run again with
  ``sampling_probability=0.25`` (``--sampling-probability``; with
  probability p each decoder input is the model's own previous prediction,
  :func:`~d2lrnn.train.train_seq2seq`, coins seeded with ``s``). *Same
  start*: in the forward run's process, after epoch ``epochs - 1``, the
  ``on_epoch`` callback saves the model's parameters
  (``save_parameters``), Adam's state (``trainer.save_states``: moments
  and update counts) and the state of the minibatch generator's random
  number generator; a model of the same architecture, built after
  ``d2lrnn.seed(s)``, loads the parameters, ``train_seq2seq(...,
  trainer_states=...)`` loads Adam's state, and a ``TranslationBatches``
  of the same settings is set to the saved generator state, so that it
  serves exactly the forward run's last-epoch minibatches in the same
  order. The one difference from the forward model's last epoch is then
  ``p`` (with ``p = 0`` the continuation reproduces the forward model
  exactly, which the tests check). With ``--epochs 1`` the start is the
  freshly initialised model (same seed) and a fresh Adam. Its training
  seconds and tokens/s are of that one epoch. The forward model *is* the
  ``p = 0`` run, so ``scheduled sampling`` also runs (and reports)
  ``forward``.

Every training run is a fresh process (the scheduled-sampling epoch shares
its forward run's), started after ``MXNET_OMP_MAX_THREADS`` is set
(``--threads``, 2), so that MXNet reads it at import.

**Metrics**, of every model on the test split (``td.test``, with reversed
sources for ``reversed``):

* ``ppl_tf``: perplexity with teacher forcing,
  ``exp(seq2seq.decoder_loss(model, test, feed="reference"))``, per
  reference token of every test pair; ``ppl_own``: the same with the
  decoder fed its own most likely previous token (``feed="own"``): the
  gap between the two measures exposure bias;
* ``scores``: greedy translations (:func:`d2lrnn.seq2seq.greedy_decode`, at
  most ``max_len + 1`` tokens, 256 sources a batch, as
  :func:`~d2lrnn.seq2seq.translate`) of the test split's distinct sources
  (``td.test.distinct()``) against all their references, scored with
  :func:`d2lrnn.scores.corpus_scores`: sacreBLEU's BLEU and chrF with 95%
  bootstrap intervals (``--n-bootstrap`` resamples, 1000);
* ``groups``: by source length, ``"1-3"``, ``"4"``, ``"5"``, ``"6"``
  tokens: ``count`` distinct sources and their BLEU
  (:func:`d2lrnn.scores.grouped_scores`), ``pairs`` test pairs and their
  teacher-forced perplexity;
* ``seconds``, ``tokens_per_sec``: the training loop's time and target
  tokens per second (``history.seconds``, ``history.speed``).

**Output.** A table (variant by seed, then the mean over seeds of each
variant) and, unless ``--no-write``, the entry ``"seq2seq_ablations"``
merged into ``benchmarks/results.json`` (``--output``), the other entries
kept (with ``--max-len L`` other than chapter 7's 6, the entry
``"seq2seq_ablations_max_len_L"``: chapter 7's longer-sentence study is
``--max-len 10 --variants forward,bidirectional-attention``, whose length
groups run to 10 tokens): ``date``, ``machine``, ``settings``, ``runs`` (one per variant and
seed), ``summary`` (per variant, means over seeds) and ``comparisons``
(per variant, one boolean per seed: lower perplexity, lower own-feed
perplexity, higher BLEU than the forward model of the same seed, and
higher BLEU in each length group).
"""

from __future__ import annotations

import argparse
import copy
import datetime
import json
import math
import os
import platform
import tempfile
import time
from pathlib import Path

from benchmarks import machine, merge_entry
from benchmarks.seq2seq import DEFAULTS as SEQ2SEQ_DEFAULTS
from benchmarks.seq2seq import RESULTS, THREADS_ENV, _score, load_split, run_isolated, set_threads

KEY = "seq2seq_ablations"


def key_for(max_len: int) -> str:
    """The entry of ``results.json`` that runs of split ``max_len`` write: ``"seq2seq_ablations"``
    for chapter 7's split (6 tokens), ``"seq2seq_ablations_max_len_10"`` for a limit of 10, so that
    the longer-sentence study never replaces the runs the chapter quotes."""
    return KEY if max_len == SEQ2SEQ_DEFAULTS["max_len"] else f"{KEY}_max_len_{max_len}"


#: The variants, in the order they run and are shown.
VARIANTS = (
    "forward",
    "scheduled sampling",
    "reversed",
    "reads padding",
    "attention",
    "bidirectional attention",
    *(TRACE := ("no bucketing", "source eos", "gluon GRU", "as d2l")),
    *(
        LEAVE_ONE_OUT := (
            "d2l but bucketing",
            "d2l but no eos",
            "d2l but no padding",
            "d2l but book GRU",
        )
    ),
)

#: The trace's variants: each of d2l's differences from the chapter's model alone, then all.
D2L_DIFFERENCES = {
    "no bucketing": {"bucket": 0},
    "source eos": {"eos": True},
    "reads padding": {"read_padding": True},
    "gluon GRU": {"gluon": True},
    "as d2l": {"bucket": 0, "eos": True, "read_padding": True, "gluon": True},
    # all four but one: which of them the gap needs
    "d2l but bucketing": {"eos": True, "read_padding": True, "gluon": True},
    "d2l but no eos": {"bucket": 0, "read_padding": True, "gluon": True},
    "d2l but no padding": {"bucket": 0, "eos": True, "gluon": True},
    "d2l but book GRU": {"bucket": 0, "eos": True, "read_padding": True},
}


def options(variant: str) -> dict:
    """What ``variant`` changes: ``bucket`` (0: plain random minibatches, else the default),
    ``eos`` (an ``<eos>`` after every source), ``read_padding``, ``gluon`` (gluon's fused GRU,
    initialised by Xavier as d2l's), ``reverse``, ``attention``, ``bidirectional``."""
    o = {"bucket": None, "eos": False, "read_padding": False, "gluon": False,
         "reverse": variant == "reversed",
         "attention": variant in ("attention", "bidirectional attention"),
         "bidirectional": variant == "bidirectional attention"}  # fmt: skip
    o.update(D2L_DIFFERENCES.get(variant, {}))
    return o


#: The defaults of every option (``python -m benchmarks ablations --help``).
DEFAULTS = {  # the translation benchmark's (chapter 7's split and sizes), and two more
    **SEQ2SEQ_DEFAULTS,
    "sampling_probability": 0.25,
    "n_bootstrap": 1000,
}

#: Sources translated per call of greedy_decode, as seq2seq.translate does.
DECODE_BATCH = 256


# ---------------------------------------------------------------------------
# Models, training, the scheduled-sampling continuation.


def build(variant: str, vocab_sizes: tuple[int, int], embed_size: int, num_hiddens: int):
    """The variant's untrained ``seq2seq.EncoderDecoder`` (seed it first)."""
    from mxnet import gluon

    from d2lrnn import seq2seq

    (Vs, Vt), E, H = vocab_sizes, embed_size, num_hiddens
    o = options(variant)
    # gluon's fused GRU leaves its weights to the model's initializer: Xavier, as in d2l,
    # where the book's GRUScratch draws them from N(0, 0.01^2).
    rnn = (lambda: gluon.rnn.GRU(H)) if o["gluon"] else (lambda: None)
    Vs += o["eos"]  # the source's <eos> is one more token, index Vs
    decoder = (seq2seq.AttentionDecoder(Vt, E, H) if o["attention"]
               else seq2seq.Decoder(Vt, E, H, rnn=rnn()))  # fmt: skip
    if o["bidirectional"]:
        encoder = seq2seq.BidirectionalEncoder(Vs, E, H)
    else:
        encoder = seq2seq.Encoder(Vs, E, H, rnn=rnn(), read_padding=o["read_padding"])
    return seq2seq.EncoderDecoder(encoder, decoder)


def with_source_eos(split, eos: int, pad: int):
    """``split`` with token ``eos`` after every source: ``src`` one column wider (padded with
    ``pad``), ``src_len`` one longer (as d2l's MTFraEng appends ``<eos>`` to every source)."""
    import numpy as np

    from d2lrnn import translation

    src = np.full((len(split), split.src.shape[1] + 1), pad, split.src.dtype)
    src[:, :-1] = split.src
    src[np.arange(len(split)), split.src_len] = eos
    return translation.Split(src, split.src_len + 1, split.tgt_in, split.tgt_out,
                             split.tgt_len, split.sources, split.references)  # fmt: skip


def _batches(train, variant: str, seed: int, s: dict):
    from d2lrnn import translation

    o = options(variant)
    return translation.TranslationBatches(
        train,
        s["batch_size"],
        seed=seed,
        reverse_source=o["reverse"],
        bucket=s["bucket"] if o["bucket"] is None else o["bucket"],
    )


def train_variant(td, train, variant: str, seed: int, s: dict, checkpoint_dir: str | None = None):
    """Train ``variant`` (not ``scheduled sampling``) for ``s["epochs"]`` epochs.

    Returns ``(model, history, checkpoint)``. With ``checkpoint_dir``, the
    checkpoint is the start of the last epoch: ``{"epoch": epochs - 1,
    "params": path or None, "states": path or None, "rng": the minibatch
    generator's state}`` (paths ``None`` when ``epochs`` is 1: the start is
    the fresh model); else ``None``.
    """
    import d2lrnn
    from d2lrnn import train as training
    from d2lrnn.translation import PAD

    epochs = s["epochs"]
    d2lrnn.seed(seed)
    model = build(variant, (len(td.src_vocab), len(td.tgt_vocab)), s["embed_size"],
                  s["num_hiddens"])  # fmt: skip
    if options(variant)["eos"]:
        train = with_source_eos(train, len(td.src_vocab), td.src_vocab[PAD])
    batches = _batches(train, variant, seed, s)
    checkpoint = None
    if checkpoint_dir is not None:
        checkpoint = {"epoch": 0, "params": None, "states": None,
                      "rng": copy.deepcopy(batches.rng.bit_generator.state)}  # fmt: skip

    def keep(epoch, model, trainer):
        if checkpoint is not None and epoch == epochs - 1:
            params = os.path.join(checkpoint_dir, f"{variant}-{seed}.params")
            states = os.path.join(checkpoint_dir, f"{variant}-{seed}.states")
            model.save_parameters(params)
            trainer.save_states(states)
            checkpoint.update(epoch=epoch, params=params, states=states,
                              rng=copy.deepcopy(batches.rng.bit_generator.state))  # fmt: skip

    history = training.train_seq2seq(
        model, batches, epochs, lr=s["lr"], clip=s["clip"], seed=seed, progress="none",
        on_epoch=keep,
    )  # fmt: skip
    return model, history, checkpoint


def continue_last_epoch(td, train, variant: str, seed: int, s: dict, checkpoint: dict, p: float):
    """The last epoch of :func:`train_variant`'s run again, from its ``checkpoint`` (the same
    weights, Adam state and minibatch order), with ``sampling_probability=p``.

    Returns ``(model, history)``.
    """
    import d2lrnn
    from d2lrnn import train as training
    from d2lrnn.runtime import default_device

    d2lrnn.seed(seed)  # the same fresh model as the run's, when there is nothing to load
    model = build(variant, (len(td.src_vocab), len(td.tgt_vocab)), s["embed_size"],
                  s["num_hiddens"])  # fmt: skip
    if checkpoint["params"] is not None:
        model.load_parameters(checkpoint["params"], ctx=default_device())
    batches = _batches(train, variant, seed, s)
    batches.rng.bit_generator.state = copy.deepcopy(checkpoint["rng"])
    history = training.train_seq2seq(
        model, batches, 1, lr=s["lr"], clip=s["clip"], sampling_probability=p, seed=seed,
        progress="none", trainer_states=checkpoint["states"],
    )  # fmt: skip
    return model, history


# ---------------------------------------------------------------------------
# Evaluation.


def length_group(n: int) -> str:
    """A source length's group: ``"1-3"``, else the length itself (``"4"``, ``"5"``, ...)."""
    return "1-3" if n <= 3 else str(int(n))


def group_names(max_len: int) -> list[str]:
    """Every group of sources of at most ``max_len`` tokens, shortest first."""
    return ["1-3"] + [str(n) for n in range(4, max_len + 1)]


def eval_splits(td, reverse: bool = False, eos: bool = False):
    """``(pairs, distinct)``: the test split and its distinct sources, as the model reads them:
    with ``<eos>`` after each source when ``eos``, then each source's tokens reversed when
    ``reverse`` (all else unchanged)."""
    from d2lrnn import translation

    pairs, distinct = td.test, td.test.distinct()
    if eos:
        eos_id, pad = len(td.src_vocab), td.src_vocab[translation.PAD]
        pairs, distinct = (with_source_eos(x, eos_id, pad) for x in (pairs, distinct))
    if reverse:
        pairs, distinct = (
            translation.Split(translation.reversed_sources(x.src, x.src_len), x.src_len,
                              x.tgt_in, x.tgt_out, x.tgt_len, x.sources, x.references)
            for x in (pairs, distinct)
        )  # fmt: skip
    return pairs, distinct


def greedy_translations(model, td, split) -> list[str]:
    """Greedy translations of ``split``'s sources (its ``src`` arrays, as they are), at most
    ``td.max_target_steps`` tokens, detokenised: what :func:`d2lrnn.seq2seq.translate` gives for
    the same sources."""
    from d2lrnn import seq2seq, translation

    bos, eos = td.tgt_vocab[translation.BOS], td.tgt_vocab[translation.EOS]
    out = []
    for i in range(0, len(split), DECODE_BATCH):
        rows = slice(i, i + DECODE_BATCH)
        out += seq2seq.greedy_decode(
            model, split.src[rows], split.src_len[rows], bos, eos, td.max_target_steps
        )
    return [td.target_text(tokens) for tokens in out]


def evaluate(model, td, reverse: bool = False, n_bootstrap: int = 1000, eos: bool = False) -> dict:
    """``ppl_tf``, ``ppl_own``, ``scores`` and ``groups`` of ``model`` on ``td.test`` (see the
    module docstring), its sources reversed when ``reverse``, with ``<eos>`` when ``eos``."""
    import numpy as np

    from d2lrnn import scores, seq2seq

    pairs, distinct = eval_splits(td, reverse, eos)
    hyps = greedy_translations(model, td, distinct)
    refs = distinct.references
    names = [length_group(n) for n in distinct.src_len]
    by_length = scores.grouped_scores(hyps, refs, names, n_bootstrap=n_bootstrap)
    pair_groups = np.array([length_group(n) for n in pairs.src_len])
    groups = {}
    for g in group_names(td.max_len):
        if g not in by_length:
            continue
        count, sc = by_length[g]
        rows = np.flatnonzero(pair_groups == g)
        bleu = sc["bleu"]
        groups[g] = {
            "count": count,
            "pairs": len(rows),
            "bleu": {"score": bleu.score, "mean": bleu.mean, "low": bleu.low, "high": bleu.high},
            "ppl_tf": math.exp(seq2seq.decoder_loss(model, pairs.select(rows), "reference")),
        }
    return {
        "ppl_tf": math.exp(seq2seq.decoder_loss(model, pairs, feed="reference")),
        "ppl_own": math.exp(seq2seq.decoder_loss(model, pairs, feed="own")),
        "scores": _score(hyps, refs, n_bootstrap),
        "groups": groups,
        "test_pairs": len(pairs),
        "test_sentences": len(distinct),
        "examples": list(zip(distinct.sources[:3], hyps[:3])),
        "hypotheses": hyps,
    }


# ---------------------------------------------------------------------------
# One run (a variant and a seed), in a fresh process.


def load_data(s: dict):
    """Chapter 7's split, and the training pairs of the runs (the first ``num_train``, or all)."""
    return load_split(s)


def run_variant(td, train, variant: str, seed: int, s: dict, sampling: bool = False) -> list:
    """Train and evaluate ``variant`` with ``seed``: one result, or two for ``forward`` with
    ``sampling`` (then also its last epoch again with ``s["sampling_probability"]``)."""
    if variant not in VARIANTS or variant == "scheduled sampling":
        raise ValueError(f"variant must be one of {[v for v in VARIANTS if 'sch' not in v]}")
    sampling = sampling and variant == "forward"
    epochs, n_boot = s["epochs"], s["n_bootstrap"]
    reverse, eos = options(variant)["reverse"], options(variant)["eos"]
    with tempfile.TemporaryDirectory(prefix="ablations-") as folder:
        model, history, checkpoint = train_variant(
            td, train, variant, seed, s, folder if sampling else None
        )
        common = {"seed": seed, "epochs": epochs, "threads_env": os.environ.get(THREADS_ENV)}
        out = [{
            "variant": variant, **common, "seconds": history.seconds,
            "tokens_per_sec": history.speed, "train_loss": history.train_loss[-1],
            **evaluate(model, td, reverse, n_boot, eos),
        }]  # fmt: skip
        if sampling:
            p = s["sampling_probability"]
            model, history = continue_last_epoch(td, train, variant, seed, s, checkpoint, p)
            out.append({
                "variant": "scheduled sampling", **common, "seconds": history.seconds,
                "tokens_per_sec": history.speed, "train_loss": history.train_loss[-1],
                "sampling_probability": p, "continued_from_epoch": checkpoint["epoch"],
                **evaluate(model, td, reverse, n_boot, eos),
            })  # fmt: skip
    for r in out:
        del r["hypotheses"]  # kept for the tests of evaluate, not for results.json
    return out


def _run(variant: str, seed: int, s: dict, sampling: bool) -> list:
    """:func:`run_variant` on chapter 7's data, in this (fresh) process."""
    import matplotlib

    matplotlib.use("Agg")
    td, train = load_data(s)
    return run_variant(td, train, variant, seed, s, sampling)


# ---------------------------------------------------------------------------
# Summary, comparisons, table, results.json.


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs)


def summarize(runs: list[dict]) -> dict:
    """Per variant, the means over its seeds: ``ppl_tf``, ``ppl_own``, ``bleu``, ``chrf``
    (scores), ``seconds``, ``tokens_per_sec``, and per length group ``bleu`` and ``ppl_tf``."""
    out = {}
    for variant in VARIANTS:
        rs = sorted((r for r in runs if r["variant"] == variant), key=lambda r: r["seed"])
        if not rs:
            continue
        groups = {}
        for g in rs[0]["groups"]:
            if all(g in r["groups"] for r in rs):
                groups[g] = {
                    "count": rs[0]["groups"][g]["count"],
                    "bleu": _mean([r["groups"][g]["bleu"]["score"] for r in rs]),
                    "ppl_tf": _mean([r["groups"][g]["ppl_tf"] for r in rs]),
                }
        out[variant] = {
            "seeds": [r["seed"] for r in rs],
            "ppl_tf": _mean([r["ppl_tf"] for r in rs]),
            "ppl_own": _mean([r["ppl_own"] for r in rs]),
            "bleu": _mean([r["scores"]["bleu"]["score"] for r in rs]),
            "chrf": _mean([r["scores"]["chrf"]["score"] for r in rs]),
            "seconds": _mean([r["seconds"] for r in rs]),
            "tokens_per_sec": _mean([r["tokens_per_sec"] for r in rs]),
            "groups": groups,
        }
    return out


def compare(runs: list[dict]) -> dict:
    """Each variant against the forward model of the same seed, one boolean per seed (the
    seeds both ran, in order): ``lower_ppl_than_forward``, ``lower_ppl_own_than_forward``,
    ``higher_bleu_than_forward`` and ``higher_bleu_than_forward_by_group``, and ``seeds``."""
    forward = {r["seed"]: r for r in runs if r["variant"] == "forward"}
    out = {
        "seeds": {},
        "lower_ppl_than_forward": {},
        "lower_ppl_own_than_forward": {},
        "higher_bleu_than_forward": {},
        "higher_bleu_than_forward_by_group": {},
    }
    for variant in VARIANTS[1:]:
        pairs = sorted(
            ((r, forward[r["seed"]]) for r in runs
             if r["variant"] == variant and r["seed"] in forward),
            key=lambda rf: rf[0]["seed"],
        )  # fmt: skip
        if not pairs:
            continue
        out["seeds"][variant] = [r["seed"] for r, _ in pairs]
        out["lower_ppl_than_forward"][variant] = [r["ppl_tf"] < f["ppl_tf"] for r, f in pairs]
        out["lower_ppl_own_than_forward"][variant] = [r["ppl_own"] < f["ppl_own"] for r, f in pairs]
        out["higher_bleu_than_forward"][variant] = [
            r["scores"]["bleu"]["score"] > f["scores"]["bleu"]["score"] for r, f in pairs
        ]
        out["higher_bleu_than_forward_by_group"][variant] = {
            g: [r["groups"][g]["bleu"]["score"] > f["groups"][g]["bleu"]["score"]
                for r, f in pairs]
            for g in pairs[0][0]["groups"]
            if all(g in r["groups"] and g in f["groups"] for r, f in pairs)
        }  # fmt: skip
    return out


def _ci(score: dict) -> str:
    return f"{score['score']:.2f} [{score['low']:.2f}, {score['high']:.2f}]"


def table(runs: list[dict], summary: dict) -> list[str]:
    """A Markdown table: one row per run (variant by seed), then each variant's means."""
    groups = list(dict.fromkeys(g for r in runs for g in r["groups"]))
    rows = [
        "| variant | seed | ppl (teacher forcing) | ppl (own outputs) | BLEU [95% CI] | "
        "chrF [95% CI] | " + " | ".join(f"BLEU {g}" for g in groups) + " | train s | tokens/s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | " + "---: | " * len(groups) + "---: | ---: |",
    ]
    order = {v: i for i, v in enumerate(VARIANTS)}
    for r in sorted(runs, key=lambda r: (order[r["variant"]], r["seed"])):
        by_group = " | ".join(
            f"{r['groups'][g]['bleu']['score']:.1f}" if g in r["groups"] else "" for g in groups
        )
        rows.append(
            f"| {r['variant']} | {r['seed']} | {r['ppl_tf']:.2f} | {r['ppl_own']:.2f} | "
            f"{_ci(r['scores']['bleu'])} | {_ci(r['scores']['chrf'])} | {by_group} | "
            f"{r['seconds']:.1f} | {r['tokens_per_sec']:,.0f} |"
        )
    for variant, m in summary.items():
        by_group = " | ".join(
            f"{m['groups'][g]['bleu']:.1f}" if g in m["groups"] else "" for g in groups
        )
        rows.append(
            f"| **{variant}, mean** | {len(m['seeds'])} seed(s) | {m['ppl_tf']:.2f} | "
            f"{m['ppl_own']:.2f} | {m['bleu']:.2f} | {m['chrf']:.2f} | {by_group} | "
            f"{m['seconds']:.1f} | {m['tokens_per_sec']:,.0f} |"
        )
    return rows


def merge_results(entry: dict, path: Path = RESULTS, key: str = KEY) -> dict:
    """Put ``entry`` under ``key`` (``"seq2seq_ablations"``) in the JSON file at ``path``,
    keeping its other entries."""
    return merge_entry(key, entry, path)


#: The settings that runs kept with ``--keep`` must share with the new ones.
SAME = ("max_len", "min_freq", "num_val", "num_test", "split_seed", "embed_size",
        "num_hiddens", "lr", "clip", "batch_size", "bucket", "epochs", "sampling_probability",
        "num_train")  # fmt: skip


def kept_runs(path: Path, s: dict, new: list[dict]) -> list[dict]:
    """The runs of ``path``'s entry that ``new`` does not redo (same variant and seed).

    Raises ``ValueError`` when the entry's settings differ from ``s`` in any of
    :data:`SAME`: runs of other settings are not comparable.
    """
    old = json.loads(path.read_text()).get(key_for(s["max_len"])) if path.exists() else None
    if not old:
        return []
    differ = {k: (old["settings"].get(k), s.get(k)) for k in SAME
              if old["settings"].get(k) != s.get(k)}  # fmt: skip
    if differ:
        raise ValueError(f"--keep: {path}'s runs have other settings (old, new): {differ}")
    done = {(r["variant"], r["seed"]) for r in new}
    return [r for r in old["runs"] if (r["variant"], r["seed"]) not in done]


def parse_variants(text: str) -> list[str]:
    """``"forward,reversed"`` -> ``["forward", "reversed"]``, in :data:`VARIANTS` order;
    ``-`` or ``_`` may stand for the spaces (``reads-padding``). Raises ``ValueError``."""
    names = [" ".join(x.replace("-", " ").replace("_", " ").split()) for x in text.split(",")]
    unknown = [x for x in names if x not in VARIANTS]
    if not text.strip() or unknown:
        raise ValueError(
            f"--variants: expected a comma-separated subset of {', '.join(VARIANTS)}; "
            f"got {text!r}" + (f" (unknown: {', '.join(map(repr, unknown))})" if unknown else "")
        )
    return [v for v in VARIANTS if v in names]


def main(argv: list[str] | None = None) -> dict:
    d = DEFAULTS
    parser = argparse.ArgumentParser(prog="python -m benchmarks ablations", description=__doc__)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    add = parser.add_argument
    add("--seeds", type=int, default=3, help="seeds 0 .. N-1 of every variant (default 3)")
    add("--epochs", type=int, default=d["epochs"], help="epochs of every variant (default 3)")
    add("--threads", type=int, default=d["threads"], help="MXNET_OMP_MAX_THREADS (default 2)")
    add("--variants", default=",".join(VARIANTS),
        help="a comma-separated subset of: " + ", ".join(VARIANTS)
        + " (default all; 'scheduled sampling' also runs 'forward')")  # fmt: skip
    add("--num-train", type=int, default=None, help="only the first N training pairs (quick runs)")
    add("--sampling-probability", type=float, default=d["sampling_probability"],
        help="scheduled sampling's p (default 0.25)")  # fmt: skip
    add("--n-bootstrap", type=int, default=d["n_bootstrap"], help="bootstrap resamples (1000)")
    add("--batch-size", type=int, default=d["batch_size"])
    add("--embed-size", type=int, default=d["embed_size"])
    add("--num-hiddens", type=int, default=d["num_hiddens"])
    add("--max-len", type=int, default=d["max_len"])
    add("--output", type=Path, default=RESULTS, help="JSON results file (merged into)")
    add("--no-write", action="store_true", help="print only; leave the results file alone")
    add("--seed-start", type=int, default=0, help="run seeds K .. N-1 only (default 0)")
    add(
        "--keep",
        action="store_true",
        help="keep the results file's runs of other variants and seeds (same settings)",
    )
    args = parser.parse_args(argv)
    for name in "seeds epochs threads batch_size embed_size num_hiddens max_len".split():
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    if not 0 <= args.seed_start < args.seeds:
        parser.error(f"--seed-start must be in [0, --seeds), got {args.seed_start}")
    if args.num_train is not None and args.num_train < 1:
        parser.error(f"--num-train must be >= 1, got {args.num_train}")
    if args.n_bootstrap < 2:
        parser.error(f"--n-bootstrap must be >= 2, got {args.n_bootstrap}")
    if not (0 < args.sampling_probability <= 1):
        parser.error(f"--sampling-probability must be in (0, 1], got {args.sampling_probability}")
    try:
        variants = parse_variants(args.variants)
    except ValueError as error:
        parser.error(str(error))
    if "scheduled sampling" in variants and "forward" not in variants:
        variants.insert(0, "forward")  # its first epochs, and the p = 0 run
    s = dict(DEFAULTS)
    s.update({k: getattr(args, k) for k in DEFAULTS if hasattr(args, k)})

    wall = time.perf_counter()
    set_threads(args.threads)
    print(
        f"{platform.node()}: {os.cpu_count()} CPUs ({platform.processor() or platform.machine()})"
        f"; {THREADS_ENV}={args.threads} for every run\n"
        f"variants: {', '.join(variants)}; {args.seeds} seed(s), {args.epochs} epoch(s); "
        f"embedding {s['embed_size']}, {s['num_hiddens']} hidden units, Adam lr {s['lr']:g}, "
        f"clip {s['clip']:g}, batch {s['batch_size']}, bucket {s['bucket']}; split max_len "
        f"{s['max_len']}, min_freq {s['min_freq']}"
        + (f"; first {args.num_train} training pairs only" if args.num_train else ""),
        flush=True,
    )
    print(
        f"{'variant':18s} {'seed':>4s} {'train s':>8s} {'tokens/s':>9s} {'ppl tf':>7s} "
        f"{'ppl own':>7s} {'BLEU':>6s} {'chrF':>6s}",
        flush=True,
    )
    runs = []
    for seed in range(args.seed_start, args.seeds):
        for variant in variants:
            if variant == "scheduled sampling":
                continue  # run with forward, in its process
            sampling = variant == "forward" and "scheduled sampling" in variants
            for r in run_isolated(_run, variant, seed, s, sampling):
                runs.append(r)
                print(
                    f"{r['variant']:18s} {seed:4d} {r['seconds']:8.1f} "
                    f"{r['tokens_per_sec']:9,.0f} {r['ppl_tf']:7.2f} {r['ppl_own']:7.2f} "
                    f"{r['scores']['bleu']['score']:6.2f} {r['scores']['chrf']['score']:6.2f}",
                    flush=True,
                )
    if args.keep:
        runs = kept_runs(args.output, s, runs) + runs
        order = {v: i for i, v in enumerate(VARIANTS)}
        runs.sort(key=lambda r: (r["seed"], order[r["variant"]]))
        variants = [v for v in VARIANTS if any(r["variant"] == v for r in runs)]
    summary = summarize(runs)
    comparisons = compare(runs)
    print("\n" + "\n".join(table(runs, summary)))
    for key in ("lower_ppl_than_forward", "lower_ppl_own_than_forward", "higher_bleu_than_forward"):
        for variant, flags in comparisons[key].items():
            print(f"{variant}: {key.replace('_', ' ')}, per seed: {flags}")
    print("\nsacreBLEU signatures: " + "; ".join(
        runs[0]["scores"][k]["signature"] for k in ("bleu", "chrf")))  # fmt: skip
    for r in runs:
        if r["seed"] == 0:
            src, hyp = r["examples"][0]
            print(f"  {r['variant']:18s} {src!r} -> {hyp!r}")
    entry = {
        "date": datetime.date.today().isoformat(),
        "machine": machine(),
        "settings": dict(s, seeds=len({r["seed"] for r in runs}), variants=variants),
        "runs": runs,
        "summary": summary,
        "comparisons": comparisons,
        "wall_seconds": time.perf_counter() - wall,
    }
    if args.no_write:
        print(f"\n--no-write: {args.output} left as it is ({entry['wall_seconds']:.0f} s in all)")
    else:
        key = key_for(s["max_len"])
        merge_results(entry, args.output, key)
        print(f"\nwrote the '{key}' entry of {args.output} ({entry['wall_seconds']:.0f} s in all)")
    return entry


if __name__ == "__main__":
    main()
