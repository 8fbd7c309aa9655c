"""The book's encoder-decoder translation model against d2l 1.0.3's, side by side, in one run.

Usage: ``make bench`` (after the language models), or
``.venv/bin/python -m benchmarks seq2seq [--epochs 3] [--seeds 1] [--threads 2]``.

**Data.** d2l's ``fra-eng.zip`` (read with :func:`d2lrnn.data.read_fra_eng`,
SHA-1 checked), split by :func:`d2lrnn.translation.translation_data`
(``max_len=6, min_freq=10, num_val=2000, num_test=4000, seed=0`` by default,
chapter 7's split):
grouped by English sentence, so that no test sentence is seen in training.

**Speed, at the same sizes** (embedding 128, 256 hidden units, one GRU layer
each side, no dropout, Adam at 0.01, gradient clipping at 1, minibatches of
512 pairs, 3 epochs), both on the same training pairs of that split:

* *ours*: the chapter's ``seq2seq.EncoderDecoder(seq2seq.Encoder(Vs, E, H),
  seq2seq.Decoder(Vt, E, H))`` (the book's ``GRUScratch`` layers), trained by
  :func:`d2lrnn.train.train_seq2seq` on
  ``translation.TranslationBatches(train, 512, seed=seed, bucket=100)``
  (length bucketing: minibatches of pairs of similar lengths, cut to their
  longest sentences; ``--bucket 0`` for plain random minibatches);
* *d2l*: d2l 1.0.3's ``Seq2SeqEncoder`` and ``Seq2Seq`` with the MXNet
  ``Seq2SeqDecoder`` and the masked ``Seq2Seq.loss`` of d2l's chapter (the
  package has neither; reproduced below from d2l-en,
  ``chapter_recurrent-modern/seq2seq.md``, MXNet tab), trained by d2l's own
  ``d2l.Trainer(max_epochs, gradient_clip_val=1)`` from d2l's own data
  loader (``DataModule.get_tensorloader``, gluon's ``DataLoader``).

d2l's batches are ``(src, tgt_in, src_valid_len, tgt_out)``, as
``d2l.MTFraEng`` builds them, from the same pairs of the same split.
*Kept* from MTFraEng: ``<eos>`` appended to every source and target,
``<pad>`` padding to a fixed ``num_steps``, ``<bos>`` before the decoder's
input, the source's valid length counted as its non-``<pad>`` tokens
(``<eos>`` included), d2l's ``Vocab`` class built from the padded training
sentences, the float32 index arrays of ``d2l.tensor``, and d2l's loader
(shuffled every epoch). *Changed*: the sentence pairs, their normalisation
and tokenisation (ours: also ``;`` and ``:`` split off, Unicode NFC), and the
split are the shared split's, not MTFraEng's first 640 lines; ``num_steps``
is ``max_len + 1`` (7 by default; d2l's default is 9), so that nothing is
trimmed; the vocabularies keep words seen ``min_freq`` times in the training
split (MTFraEng: twice in its 640 lines), so both sides know the same words
(d2l's source vocabulary has one more token, ``<eos>``); d2l's loader gets
no validation split (``val_dataloader`` is ``None``), and ours none either,
so both are timed over training only.

**Tokens per second** count the same thing on both sides: the valid target
tokens of every training pair, ``<eos>`` included (``sum(tgt_len)``; on
d2l's side the non-``<pad>`` tokens of ``tgt_out``, which is the same number,
checked), times the epochs, over the wall time of the whole fit
(``train_seq2seq`` / ``Trainer.fit``). d2l's live plot is switched off (its
``ProgressBoard.draw`` does nothing), as in ``benchmarks.lm``: d2l is timed
without its plotting cost, which favours d2l. Each run is a fresh process,
and the sides alternate seed by seed.

**Threads.** MXNet 1.9.1 uses one OpenMP thread by default on a two-core
machine; ``MXNET_OMP_MAX_THREADS``, read once when MXNet is imported, allows
more. ``--threads N`` (default 2) sets it for every run of this benchmark,
both sides alike: each run is a fresh process started after the variable is
set. Before the runs, two short probes (fresh processes, 1 thread and
``N``) time a ``(128, 256) x (256, 14000)`` ``Dense`` layer and count the
process's threads, to show that the setting takes effect; both go into
``results.json``.

**d2l's decoder.** The d2l side uses d2l-en's MXNet decoder as fixed after
its issue #2134 (the state keeps the encoder's outputs, so the context stays
the encoder's at every decoded step). Each d2l run is also scored decoded as
the earlier decoder did (:func:`predict_before_fix`, ``scores_before_fix``:
from the second word on, the context was the decoder's own state), the same
trained model, since training computes the same with both.

**Quality.** Each model translates the test split's distinct English
sentences greedily (at most ``max_len + 1`` tokens, up to ``<eos>``),
scored with :func:`d2lrnn.scores.corpus_scores` against all their French
references: sacreBLEU's BLEU and chrF with 95% bootstrap confidence
intervals. A third model is **d2l's published recipe**, run as its readers
run it: ``d2l.MTFraEng(batch_size=128)`` (the first 512 lines for training,
``num_steps=9``), ``Seq2SeqEncoder(len(src_vocab), 256, 256, 2, 0.2)`` and
the decoder likewise, ``lr=0.005``, ``d2l.Trainer(max_epochs=30,
gradient_clip_val=1, num_gpus=1)``; it translates the same test sentences,
tokenised by MTFraEng's own ``build`` (from the raw English of the data
file), so that words outside its vocabulary become its ``<unk>``; the share
of such source tokens is reported. MTFraEng reads ``fra-eng.zip`` from its
``root`` folder (``../data`` by default): here a temporary folder holding a
link to the SHA-1-checked shared copy, so nothing is downloaded.

The results are printed as a table and merged into
``benchmarks/results.json`` under ``"seq2seq"`` (the language models'
entries are kept).
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
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import machine, merge_entry

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results.json"
THREADS_ENV = "MXNET_OMP_MAX_THREADS"

#: The defaults of every option (``python -m benchmarks seq2seq --help``).
DEFAULTS = {
    "max_len": 6,  # chapter 7's split, so that the chapter can quote these runs
    "min_freq": 10,
    "num_val": 2000,
    "num_test": 4000,
    "split_seed": 0,
    "embed_size": 128,
    "num_hiddens": 256,
    "lr": 0.01,
    "clip": 1.0,
    "batch_size": 512,
    "epochs": 3,
    "bucket": 100,
    "threads": 2,
    "num_train": None,  # all training pairs
}

#: d2l's published recipe (d2l-en, chapter_recurrent-modern/seq2seq.md, "Training").
RECIPE = {
    "batch_size": 128,
    "embed_size": 256,
    "num_hiddens": 256,
    "num_layers": 2,
    "dropout": 0.2,
    "lr": 0.005,
    "max_epochs": 30,
    "gradient_clip_val": 1,
}


# ---------------------------------------------------------------------------
# d2l's side: the chapter code the d2l package lacks, and d2l-layout batches.


def d2l_classes():
    """d2l-en's MXNet ``Seq2SeqDecoder`` and ``Seq2Seq`` with the masked loss.

    Both are in d2l's chapter "Sequence-to-Sequence Learning for Machine
    Translation" (d2l-en, ``chapter_recurrent-modern/seq2seq.md``, the
    ``%%tab mxnet`` cells), not in the d2l 1.0.3 package: its
    ``d2l.Seq2Seq`` has no ``loss`` of its own, so it would fall back to
    ``Classifier.loss``, the mean over every position, padding included.
    The code is d2l's, line for line; the chapter adds ``loss`` with
    ``@d2l.add_to_class(Seq2Seq)``, here it is a method of a subclass, so
    that d2l's class is left as it is.

    The decoder is the one d2l-en has had since it fixed its issue #2134: its
    state keeps the encoder's outputs, so that the context fed at every step
    stays the encoder's final state when ``predict_step`` decodes one step at
    a time. (Until the 2026-12-07 run, this benchmark reproduced the earlier
    decoder, whose state was the decoder's hidden state alone: from the
    second decoded word on, its context became the decoder's own state,
    which training never shows it. Training computes the same with both;
    :func:`predict_before_fix` decodes as the earlier one did, to measure
    what that cost.)
    """
    from d2l import mxnet as d2l
    from mxnet import init
    from mxnet import np as mnp
    from mxnet.gluon import nn

    class Seq2SeqDecoder(d2l.Decoder):
        """The RNN decoder for sequence to sequence learning."""

        def __init__(self, vocab_size, embed_size, num_hiddens, num_layers, dropout=0):
            super().__init__()
            self.embedding = nn.Embedding(vocab_size, embed_size)
            self.rnn = d2l.GRU(num_hiddens, num_layers, dropout)
            self.dense = nn.Dense(vocab_size, flatten=False)
            self.initialize(init.Xavier())

        def init_state(self, enc_all_outputs, *args):
            return enc_all_outputs

        def forward(self, X, state):
            # X shape: (batch_size, num_steps)
            # embs shape: (num_steps, batch_size, embed_size)
            embs = self.embedding(d2l.transpose(X))
            enc_output, hidden_state = state
            # context shape: (batch_size, num_hiddens)
            context = enc_output[-1]
            # Broadcast context to (num_steps, batch_size, num_hiddens)
            context = mnp.tile(context, (embs.shape[0], 1, 1))
            # Concat at the feature dimension
            embs_and_context = d2l.concat((embs, context), -1)
            outputs, hidden_state = self.rnn(embs_and_context, hidden_state)
            outputs = d2l.swapaxes(self.dense(outputs), 0, 1)
            # outputs shape: (batch_size, num_steps, vocab_size)
            # hidden_state shape: (num_layers, batch_size, num_hiddens)
            return outputs, [enc_output, hidden_state]

    class Seq2Seq(d2l.Seq2Seq):
        def loss(self, Y_hat, Y):
            l = super(Seq2Seq, self).loss(Y_hat, Y, averaged=False)  # noqa: E741, UP008 (as d2l)
            mask = d2l.astype(d2l.reshape(Y, -1) != self.tgt_pad, d2l.float32)
            return d2l.reduce_sum(l * mask) / d2l.reduce_sum(mask)

    return Seq2SeqDecoder, Seq2Seq


def d2l_model(
    src_vocab_size: int,
    tgt_vocab_size: int,
    tgt_pad: int,
    embed_size: int,
    num_hiddens: int,
    num_layers: int,
    dropout: float,
    lr: float,
):
    """d2l's ``Seq2Seq(Seq2SeqEncoder, Seq2SeqDecoder)``, built as d2l's chapter builds it."""
    from d2l import mxnet as d2l

    Seq2SeqDecoder, Seq2Seq = d2l_classes()
    encoder = d2l.Seq2SeqEncoder(src_vocab_size, embed_size, num_hiddens, num_layers, dropout)
    decoder = Seq2SeqDecoder(tgt_vocab_size, embed_size, num_hiddens, num_layers, dropout)
    return Seq2Seq(encoder, decoder, tgt_pad=tgt_pad, lr=lr)


def split_tokens(split, src_vocab, tgt_vocab) -> tuple[list[list[str]], list[list[str]]]:
    """Each pair of a :class:`~d2lrnn.translation.Split` as tokens: sources and targets
    (without ``<bos>``/``<eos>``; words outside the vocabularies are ``'<unk>'``)."""
    src = [src_vocab.to_tokens(r[:n].tolist()) for r, n in zip(split.src, split.src_len)]
    tgt = [tgt_vocab.to_tokens(r[: n - 1].tolist()) for r, n in zip(split.tgt_out, split.tgt_len)]
    return src, tgt


def d2l_vocabs(train_src: list[list[str]], train_tgt: list[list[str]], num_steps: int, min_freq):
    """d2l's ``Vocab`` of each side, built as MTFraEng builds it: from the padded training
    sentences (with ``<eos>``, and ``<bos>`` for targets), keeping words seen ``min_freq`` times.

    ``<pad>``, ``<bos>`` and ``<eos>`` are also reserved, so that they are
    there even for a tiny training set.
    """
    from d2l import mxnet as d2l

    src = [_pad_or_trim(s + ["<eos>"], num_steps) for s in train_src]
    tgt = [["<bos>"] + _pad_or_trim(t + ["<eos>"], num_steps) for t in train_tgt]
    return (
        d2l.Vocab(src, min_freq=min_freq, reserved_tokens=["<pad>", "<eos>"]),
        d2l.Vocab(tgt, min_freq=min_freq, reserved_tokens=["<pad>", "<bos>", "<eos>"]),
    )


def _pad_or_trim(seq: list[str], t: int) -> list[str]:
    """MTFraEng's ``pad_or_trim``."""
    return seq[:t] if len(seq) > t else seq + ["<pad>"] * (t - len(seq))


def d2l_arrays(src: list[list[str]], tgt: list[list[str]], src_vocab, tgt_vocab, num_steps: int):
    """``(src, tgt_in, src_valid_len, tgt_out)`` in MTFraEng's layout, as NumPy arrays.

    As MTFraEng's ``_build_arrays``: ``<eos>`` after every sentence, padded
    (or trimmed) to ``num_steps`` with ``<pad>``, ``<bos>`` before each
    target; ``tgt_in``/``tgt_out`` are the target without its last / first
    column; a source's valid length counts its non-``<pad>`` tokens.
    ``src`` and the targets are float32, as ``d2l.tensor`` makes them.
    """
    import numpy as np

    s = np.array([src_vocab[_pad_or_trim(x + ["<eos>"], num_steps)] for x in src], np.float32)
    t = [["<bos>"] + _pad_or_trim(x + ["<eos>"], num_steps) for x in tgt]
    t = np.array([tgt_vocab[x] for x in t], np.float32)
    valid_len = (s != src_vocab["<pad>"]).sum(axis=1).astype(np.int32)
    return s, t[:, :-1], valid_len, t[:, 1:]


def target_tokens(tgt_out, pad: int) -> int:
    """The valid target tokens of d2l-layout targets (``<eos>`` included): the non-``<pad>`` ones,
    which d2l's masked loss counts."""
    import numpy as np

    return int((np.asarray(tgt_out) != pad).sum())


def predict_before_fix(model, batch, num_steps: int):
    """Greedy decoding as d2l-en's MXNet decoder did before its issue #2134 was fixed:
    ``(preds (N, num_steps), None)``.

    That decoder's state was the decoder's hidden state alone, and its
    context was read from the state: the encoder's final state at the first
    step, then the decoder's own hidden state (top layer) at every step
    after. The modules are the model's; only the context differs from
    :meth:`predict_step`.
    """
    from d2l import mxnet as d2l
    from mxnet import np as mnp

    src, tgt, src_valid_len, _ = batch
    state = model.encoder(src, src_valid_len)[1]
    outputs, dec = [d2l.expand_dims(tgt[:, 0], 1)], model.decoder
    for _ in range(num_steps):
        embs = dec.embedding(d2l.transpose(outputs[-1]))  # (1, N, E)
        context = state[-1]  # (N, h): the top layer of whatever the state is now
        step = d2l.concat((embs, mnp.tile(context, (embs.shape[0], 1, 1))), -1)
        y, state = dec.rnn(step, state)
        outputs.append(d2l.argmax(d2l.swapaxes(dec.dense(y), 0, 1), 2))
    return d2l.concat(outputs[1:], 1), None


def d2l_translate(
    model, arrays, tgt_vocab, num_steps: int, batch_size: int = 512, before_fix: bool = False
) -> list[str]:
    """Greedy translations with d2l's own ``predict_step`` (or, with ``before_fix``,
    :func:`predict_before_fix`), cut at the first ``<eos>``."""
    from d2l import mxnet as d2l
    from mxnet import np as mnp

    out = []
    for i in range(0, len(arrays[0]), batch_size):
        batch = [mnp.array(a[i : i + batch_size]) for a in arrays]
        if before_fix:
            preds, _ = predict_before_fix(model, batch, num_steps)
        else:
            preds, _ = model.predict_step(batch, d2l.try_gpu(), num_steps)
        for row in preds.asnumpy().astype(int).tolist():
            tokens = []
            for token in tgt_vocab.to_tokens(row):
                if token == "<eos>":
                    break
                tokens.append(token)
            out.append(" ".join(tokens))
    return out


def _d2l_data_module(arrays, batch_size: int):
    """A d2l ``DataModule`` serving ``arrays`` through d2l's own loader; no validation split."""
    from d2l import mxnet as d2l
    from mxnet import np as mnp

    class SplitData(d2l.DataModule):
        def __init__(self):
            super().__init__()
            self.batch_size = batch_size
            self.arrays = tuple(mnp.array(a) for a in arrays)

        def get_dataloader(self, train):
            return self.get_tensorloader(self.arrays, train) if train else None

    return SplitData()


# ---------------------------------------------------------------------------
# One run, in a fresh process.


def memory_mb() -> float:
    """This process's peak resident set so far, in MB (Linux ``/proc``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def load_split(s: dict):
    """The shared split, and the training pairs the runs use (the first ``num_train``, or all)."""
    from d2lrnn import data, translation

    td = translation.translation_data(
        data.read_fra_eng(),
        max_len=s["max_len"],
        min_freq=s["min_freq"],
        num_val=s["num_val"],
        num_test=s["num_test"],
        seed=s["split_seed"],
    )
    train = td.train
    if s.get("num_train"):
        rows = slice(0, s["num_train"])
        train = translation.Split(
            train.src[rows],
            train.src_len[rows],
            train.tgt_in[rows],
            train.tgt_out[rows],
            train.tgt_len[rows],
            train.sources[rows],
            train.references[rows],
        )
    return td, train


def _score(hyps: list[str], refs: list[list[str]], n_bootstrap: int) -> dict:
    from d2lrnn import scores

    out = {}
    for key, sc in scores.corpus_scores(hyps, refs, n_bootstrap=n_bootstrap).items():
        out[key] = {
            "score": sc.score,
            "mean": sc.mean,
            "low": sc.low,
            "high": sc.high,
            "signature": sc.signature,
        }
    return out


def _run(side: str, seed: int, s: dict) -> dict:
    """Train one side at the benchmark's sizes in this (fresh) process, then score it."""
    import matplotlib

    matplotlib.use("Agg")
    from d2l import mxnet as d2l

    import d2lrnn
    from d2lrnn import seq2seq, train, translation

    td, tr = load_split(s)
    test = td.test.distinct()
    if s.get("num_test_sentences"):
        n = s["num_test_sentences"]
        test = test.select(range(min(n, len(test))))
    E, H, epochs = s["embed_size"], s["num_hiddens"], s["epochs"]
    tokens_per_epoch = int(tr.tgt_len.sum())
    d2lrnn.seed(seed)
    if side == "ours":
        Vs, Vt = len(td.src_vocab), len(td.tgt_vocab)
        model = seq2seq.EncoderDecoder(seq2seq.Encoder(Vs, E, H), seq2seq.Decoder(Vt, E, H))
        batches = translation.TranslationBatches(tr, s["batch_size"], seed=seed, bucket=s["bucket"])
        start = time.perf_counter()
        history = train.train_seq2seq(
            model, batches, epochs, lr=s["lr"], clip=s["clip"], seed=seed, progress="none"
        )
        seconds = time.perf_counter() - start
        if history.tokens != epochs * tokens_per_epoch:
            raise RuntimeError(f"ours trained on {history.tokens} tokens, not {tokens_per_epoch}")
        train_loss = history.train_loss[-1]
        hyps = seq2seq.translate(model, td, test.sources)
        extra = {}
        first = " ".join(td.src_vocab.to_tokens(tr.src[0, : tr.src_len[0]].tolist()))
    else:
        d2l.ProgressBoard.draw = lambda self, *a, **k: None  # no live plot (favours d2l)
        num_steps = s["max_len"] + 1
        # d2l's vocabularies from the whole training split, as ours (the same words).
        src_vocab, tgt_vocab = d2l_vocabs(
            *split_tokens(td.train, td.src_vocab, td.tgt_vocab), num_steps, s["min_freq"]
        )
        src, tgt = split_tokens(tr, td.src_vocab, td.tgt_vocab)
        arrays = d2l_arrays(src, tgt, src_vocab, tgt_vocab, num_steps)
        pad = tgt_vocab["<pad>"]
        if target_tokens(arrays[3], pad) != tokens_per_epoch:
            raise RuntimeError("d2l's batches hold other target tokens than ours")
        data = _d2l_data_module(arrays, s["batch_size"])
        model = d2l_model(len(src_vocab), len(tgt_vocab), pad, E, H, 1, 0.0, s["lr"])
        trainer = d2l.Trainer(
            max_epochs=epochs, gradient_clip_val=s["clip"], num_gpus=min(1, d2l.num_gpus())
        )
        losses = []
        step = model.training_step

        def training_step(batch):  # keeps the loss, which d2l's plot has already read
            loss = step(batch)
            losses.append(float(loss))
            return loss

        model.training_step = training_step
        start = time.perf_counter()
        trainer.fit(model, data)
        seconds = time.perf_counter() - start
        per_epoch = -(-len(tr) // s["batch_size"])
        train_loss = sum(losses[-per_epoch:]) / per_epoch
        test_src, test_tgt = split_tokens(test, td.src_vocab, td.tgt_vocab)
        test_arrays = d2l_arrays(test_src, test_tgt, src_vocab, tgt_vocab, num_steps)
        hyps = d2l_translate(model, test_arrays, tgt_vocab, num_steps)
        drift = d2l_translate(model, test_arrays, tgt_vocab, num_steps, before_fix=True)
        extra = {"scores_before_fix": _score(drift, test.references, s["n_bootstrap"])}
        words = src_vocab.to_tokens(arrays[0][0].astype(int).tolist())
        first = " ".join(t for t in words if t not in ("<eos>", "<pad>"))
    peak = memory_mb()
    return {
        "side": side,
        "seed": seed,
        "epochs": epochs,
        "seconds": seconds,
        "tokens": epochs * tokens_per_epoch,
        "tokens_per_sec": epochs * tokens_per_epoch / seconds,
        "train_loss": train_loss,
        "peak_mb": peak,
        "threads_env": os.environ.get(THREADS_ENV),
        "first_source": first,
        "scores": _score(hyps, test.references, s["n_bootstrap"]),
        **extra,
        "examples": list(zip(test.sources[:3], hyps[:3])),
        "test_sentences": len(test),
    }


def _recipe(s: dict) -> dict:
    """d2l's published recipe, as its readers run it; scored on the shared test split."""
    import matplotlib

    matplotlib.use("Agg")
    from d2l import mxnet as d2l

    import d2lrnn
    from d2lrnn import data, translation

    td, _ = load_split(s)
    test = td.test.distinct()
    if s.get("num_test_sentences"):
        n = s["num_test_sentences"]
        test = test.select(range(min(n, len(test))))
    # The raw English of each test sentence, as MTFraEng reads the data file.
    raw = {}
    for english, _french in data.read_fra_eng():
        raw.setdefault(translation.normalize(english), english)
    engs = [raw[x] for x in test.sources]
    fras = [refs[0] for refs in test.references]  # only <bos> of the targets is read
    d2l.ProgressBoard.draw = lambda self, *a, **k: None
    d2lrnn.seed(s.get("recipe_seed", 0))
    r = dict(RECIPE, max_epochs=s["recipe_epochs"])
    with tempfile.TemporaryDirectory(prefix="d2l-data-") as root:
        link_fra_eng(root)

        class MTFraEng(d2l.MTFraEng):
            """d2l's data module, reading fra-eng.zip from ``root`` instead of ``../data``."""

            def _download(self):
                self.root = root
                return super()._download()

        start = time.perf_counter()
        dm = MTFraEng(batch_size=r["batch_size"])
        model = d2l_model(
            len(dm.src_vocab),
            len(dm.tgt_vocab),
            dm.tgt_vocab["<pad>"],
            r["embed_size"],
            r["num_hiddens"],
            r["num_layers"],
            r["dropout"],
            r["lr"],
        )
        trainer = d2l.Trainer(
            max_epochs=r["max_epochs"], gradient_clip_val=r["gradient_clip_val"], num_gpus=1
        )
        trainer.fit(model, dm)
        seconds = time.perf_counter() - start
        # MTFraEng.build reads at most num_train + num_val lines of what it is given
        # (its _tokenize's max_examples), so the test sentences go in by chunks.
        chunk, rows, words = 500, [], []
        for i in range(0, len(engs), chunk):
            e, f = engs[i : i + chunk], fras[i : i + chunk]
            arrays = dm.build(e, f)
            src_tokens = dm._tokenize(dm._preprocess("\n".join(f"{x}\t{y}" for x, y in zip(e, f))))
            if len(arrays[0]) != len(e) or len(src_tokens[0]) != len(e):
                raise RuntimeError(f"MTFraEng.build returned {len(arrays[0])} rows for {len(e)}")
            preds, _ = model.predict_step(arrays, d2l.try_gpu(), dm.num_steps)
            rows += preds.asnumpy().astype(int).tolist()
            words += [t for sentence in src_tokens[0] for t in sentence if t != "<eos>"]
    unk = sum(dm.src_vocab[t] == dm.src_vocab.unk for t in words) / len(words)
    hyps = []
    for row in rows:
        tokens = []
        for token in dm.tgt_vocab.to_tokens(row):
            if token == "<eos>":
                break
            tokens.append(token)
        hyps.append(" ".join(tokens))
    return {
        "side": "d2l recipe",
        "settings": r,
        "seconds": seconds,
        "num_train": dm.num_train,
        "num_steps": dm.num_steps,
        "vocab_sizes": [len(dm.src_vocab), len(dm.tgt_vocab)],
        "test_src_unk_share": unk,
        "peak_mb": memory_mb(),
        "threads_env": os.environ.get(THREADS_ENV),
        "scores": _score(hyps, test.references, s["n_bootstrap"]),
        "examples": list(zip(test.sources[:3], hyps[:3])),
        "test_sentences": len(test),
    }


def link_fra_eng(folder: str | os.PathLike) -> Path:
    """Put the SHA-1-checked shared ``fra-eng.zip`` in ``folder`` (a link), where d2l's
    ``MTFraEng`` looks for it (its ``root``), so that d2l downloads nothing."""
    from d2lrnn import data

    path = data.download("fra-eng.zip")  # the shared copy (D2LRNN_DATA_DIR) or the cache
    expected = data.DATA_FILES["fra-eng.zip"].sha1
    if data.sha1sum(path) != expected:
        raise data.DataFileError(f"{path} does not have SHA-1 {expected}")
    target = Path(folder) / "fra-eng.zip"
    target.symlink_to(Path(path).resolve())
    return target


def run_isolated(fn, *args):
    """``fn(*args)`` in a new process: nothing shared with other runs, its own peak memory,
    and MXNet imported afresh, after ``MXNET_OMP_MAX_THREADS`` was set."""
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=ctx) as pool:
        return pool.submit(fn, *args).result()


# ---------------------------------------------------------------------------
# Threads: set before MXNet is imported, and checked.


def set_threads(threads: int) -> None:
    """Set ``MXNET_OMP_MAX_THREADS`` for the processes this benchmark starts from now on."""
    if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
        raise ValueError(f"threads must be an int >= 1, got {threads!r}")
    os.environ[THREADS_ENV] = str(threads)


_PROBE = """
import json, os, time
import d2lrnn  # first: its compatibility layer lets MXNet import on numpy >= 1.24
import mxnet as mx
from mxnet import gluon, npx
from mxnet import np as mnp
npx.set_np()
layer = gluon.nn.Dense(14000, flatten=False)
layer.initialize()
x = mnp.random.normal(size=(128, 256))
layer(x).wait_to_read()
best = float("inf")
for _ in range(5):
    start = time.perf_counter()
    for _ in range(10):
        y = layer(x)
    y.wait_to_read()
    best = min(best, (time.perf_counter() - start) / 10)
print(json.dumps({"ms": 1e3 * best, "os_threads": len(os.listdir("/proc/self/task"))}))
"""


def probe_threads(threads: int) -> dict:
    """A ``(128, 256) x (256, 14000)`` Dense layer timed in a fresh process with
    ``MXNET_OMP_MAX_THREADS`` 1 and ``threads``: ms per product and the process's OS threads
    (MXNet's OpenMP pool adds one thread per extra OpenMP thread)."""
    out = {}
    for n in dict.fromkeys((1, threads)):
        env = dict(os.environ, **{THREADS_ENV: str(n)})
        proc = subprocess.run(
            [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True
        )
        out[str(n)] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


# ---------------------------------------------------------------------------
# Summary, table, results.json.


def summarize(runs: list[dict], recipe: dict | None) -> dict:
    """Per side: tokens/s per seed and mean; the ratios ours/d2l per seed; scores; the verdicts."""
    out = {}
    for side in ("ours", "d2l"):
        rs = [r for r in runs if r["side"] == side]
        if rs:
            out[side] = {
                "tokens_per_sec": sum(r["tokens_per_sec"] for r in rs) / len(rs),
                "tokens_per_sec_seeds": [r["tokens_per_sec"] for r in rs],
                "seconds": sum(r["seconds"] for r in rs) / len(rs),
                "peak_mb": max(r["peak_mb"] for r in rs),
                "scores": rs[0]["scores"],
                "scores_seeds": [r["scores"] for r in rs],
            }
            if all("scores_before_fix" in r for r in rs):
                out[side]["scores_before_fix_seeds"] = [r["scores_before_fix"] for r in rs]
    if "ours" in out and "d2l" in out:
        by_seed = {}
        for r in runs:
            by_seed.setdefault(r["seed"], {})[r["side"]] = r["tokens_per_sec"]
        ratios = [v["ours"] / v["d2l"] for v in by_seed.values() if len(v) == 2]
        out["ratio"] = {
            "tokens_per_sec": out["ours"]["tokens_per_sec"] / out["d2l"]["tokens_per_sec"],
            "tokens_per_sec_seeds": ratios,
        }
        out["ours_bleu_above_d2l"] = [  # per seed: one seed's interval is no verdict
            above(o, d) for o, d in zip(out["ours"]["scores_seeds"], out["d2l"]["scores_seeds"])
        ]
    if recipe is not None:
        out["d2l_recipe"] = {
            k: recipe[k] for k in ("scores", "test_src_unk_share", "seconds", "settings")
        }
        if "ours" in out:
            out["ours_bleu_above_d2l_recipe"] = above(out["ours"]["scores"], recipe["scores"])
    return out


def above(ours: dict, theirs: dict) -> bool:
    """Whether our BLEU's 95% interval lies entirely above theirs."""
    return ours["bleu"]["low"] > theirs["bleu"]["high"]


def _ci(score: dict) -> str:
    return f"{score['score']:.2f} [{score['low']:.2f}, {score['high']:.2f}]"


def table(summary: dict, runs: list[dict], recipe: dict | None) -> list[str]:
    """A Markdown table: one row per run, the ratio of each seed, d2l's recipe."""
    rows = [
        "| model | seed | epochs | tokens/s | wall s | peak MB | BLEU [95% CI] | chrF [95% CI] |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    names = {"ours": "ours (same sizes)", "d2l": "d2l (same sizes)"}
    for r in sorted(runs, key=lambda r: (r["seed"], r["side"] != "ours")):
        sc = r["scores"]
        rows.append(
            f"| {names[r['side']]} | {r['seed']} | {r['epochs']} | {r['tokens_per_sec']:,.0f} | "
            f"{r['seconds']:.1f} | {r['peak_mb']:,.0f} | {_ci(sc['bleu'])} | {_ci(sc['chrf'])} |"
        )
    if "ratio" in summary:
        per_seed = ", ".join(f"x{x:.2f}" for x in summary["ratio"]["tokens_per_sec_seeds"])
        rows.append(
            f"| **ours/d2l** | | | **x{summary['ratio']['tokens_per_sec']:.2f}** ({per_seed}) "
            "| | | | |"
        )
    if recipe is not None:
        sc = recipe["scores"]
        rows.append(
            f"| d2l's recipe ({recipe['num_train']} pairs, 2 layers, "
            f"{recipe['settings']['max_epochs']} epochs) | 0 | {recipe['settings']['max_epochs']} "
            f"| | {recipe['seconds']:.1f} | {recipe['peak_mb']:,.0f} | {_ci(sc['bleu'])} | "
            f"{_ci(sc['chrf'])} |"
        )
    return rows


#: The settings that runs kept with ``--keep`` must share with the new ones.
SAME = ("max_len", "min_freq", "num_val", "num_test", "split_seed", "embed_size", "num_hiddens",
        "lr", "clip", "batch_size", "epochs", "bucket", "num_train", "recipe_epochs",
        "num_test_sentences", "n_bootstrap")  # fmt: skip


def kept(path: Path, s: dict, new: list[dict]) -> tuple[list[dict], dict | None]:
    """The runs of ``path``'s ``"seq2seq"`` entry that ``new`` does not redo (same side and
    seed), and its recipe run. Raises ``ValueError`` when its settings differ from ``s`` in
    any of :data:`SAME`."""
    old = json.loads(path.read_text()).get("seq2seq") if path.exists() else None
    if not old:
        return [], None
    differ = {k: (old["settings"].get(k), s.get(k)) for k in SAME
              if old["settings"].get(k) != s.get(k)}  # fmt: skip
    if differ:
        raise ValueError(f"--keep: {path}'s runs have other settings (old, new): {differ}")
    done = {(r["side"], r["seed"]) for r in new}
    return [r for r in old["runs"] if (r["side"], r["seed"]) not in done], old.get("recipe")


def merge_results(entry: dict, path: Path = RESULTS) -> dict:
    """Put ``entry`` under ``"seq2seq"`` in the JSON file at ``path``, keeping its other entries."""
    return merge_entry("seq2seq", entry, path)


def main(argv: list[str] | None = None) -> dict:
    d = DEFAULTS
    parser = argparse.ArgumentParser(prog="python -m benchmarks seq2seq", description=__doc__)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    add = parser.add_argument
    add("--epochs", type=int, default=d["epochs"], help="epochs of each side (default 3)")
    add("--seeds", type=int, default=1, help="runs per side (default 1); the sides alternate")
    add("--threads", type=int, default=d["threads"], help="MXNET_OMP_MAX_THREADS (default 2)")
    add("--batch-size", type=int, default=d["batch_size"])
    add("--embed-size", type=int, default=d["embed_size"])
    add("--num-hiddens", type=int, default=d["num_hiddens"])
    add("--lr", type=float, default=d["lr"])
    add("--clip", type=float, default=d["clip"])
    add("--bucket", type=int, default=d["bucket"], help="ours: minibatches per length pool")
    add("--max-len", type=int, default=d["max_len"])
    add("--min-freq", type=int, default=d["min_freq"])
    add("--num-val", type=int, default=d["num_val"])
    add("--num-test", type=int, default=d["num_test"])
    add("--split-seed", type=int, default=d["split_seed"])
    add("--recipe-epochs", type=int, default=RECIPE["max_epochs"], help="d2l's recipe (30)")
    add("--no-recipe", action="store_true", help="skip d2l's published recipe")
    add("--sides", default="ours,d2l", help="which sides to run at the same sizes")
    add("--n-bootstrap", type=int, default=1000, help="bootstrap resamples of the test set")
    add("--num-train", type=int, default=None, help=argparse.SUPPRESS)
    add("--num-test-sentences", type=int, default=None, help=argparse.SUPPRESS)
    add("--output", type=Path, default=RESULTS, help="JSON results file (merged into)")
    add("--seed-start", type=int, default=0, help="run seeds K .. N-1 only (default 0)")
    add("--keep", action="store_true",
        help="keep the results file's runs of other seeds and sides, and its recipe unless it "
        "runs again (same settings)")  # fmt: skip
    args = parser.parse_args(argv)
    positive = "epochs seeds threads batch_size embed_size num_hiddens max_len min_freq"
    for name in (*positive.split(), "num_val", "num_test", "recipe_epochs"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1")
    if not 0 <= args.seed_start < args.seeds:
        parser.error(f"--seed-start must be in [0, --seeds), got {args.seed_start}")
    if args.n_bootstrap < 2:
        parser.error("--n-bootstrap must be >= 2")
    if args.bucket < 0 or args.split_seed < 0:
        parser.error("--bucket and --split-seed must be >= 0")
    if not (args.lr > 0 and args.clip > 0 and math.isfinite(args.lr * args.clip)):
        parser.error("--lr and --clip must be finite numbers > 0")
    sides = args.sides.split(",")
    if not sides or set(sides) - {"ours", "d2l"}:
        parser.error(f"--sides: expected ours, d2l or both, got {args.sides!r}")
    s = {k: getattr(args, k) for k in DEFAULTS}
    s.update(
        recipe_epochs=args.recipe_epochs,
        n_bootstrap=args.n_bootstrap,
        num_test_sentences=args.num_test_sentences,
    )

    wall = time.perf_counter()
    set_threads(args.threads)
    probe = probe_threads(args.threads)
    print(
        f"{platform.node()}: {os.cpu_count()} CPUs ({platform.processor() or platform.machine()})"
        f"; {THREADS_ENV}={args.threads} for every run\n"
        "threads check, (128, 256) x (256, 14000) Dense in a fresh process: "
        + ", ".join(
            f"{n} thread(s) {p['ms']:.1f} ms ({p['os_threads']} OS threads)"
            for n, p in probe.items()
        )
        + f"\nsizes: embedding {args.embed_size}, {args.num_hiddens} hidden units, 1 GRU layer, "
        f"Adam lr {args.lr:g}, clip {args.clip:g}, batch {args.batch_size}, {args.epochs} "
        f"epoch(s), {args.seeds} seed(s); split max_len {args.max_len}, min_freq "
        f"{args.min_freq}, {args.num_test} test sentences (before the length filter)",
        flush=True,
    )
    print(
        f"{'side':5s} {'seed':>4s} {'wall s':>8s} {'tokens/s':>10s} {'peak MB':>8s} "
        f"{'loss':>6s} {'BLEU':>6s} {'chrF':>6s}",
        flush=True,
    )
    runs = []
    for seed in range(args.seed_start, args.seeds):
        for side in sides if seed % 2 == 0 else sides[::-1]:
            r = run_isolated(_run, side, seed, s)
            runs.append(r)
            print(
                f"{side:5s} {seed:4d} {r['seconds']:8.1f} {r['tokens_per_sec']:10,.0f} "
                f"{r['peak_mb']:8,.0f} {r['train_loss']:6.3f} "
                f"{r['scores']['bleu']['score']:6.2f} {r['scores']['chrf']['score']:6.2f}",
                flush=True,
            )
    firsts = {r["first_source"] for r in runs}
    if len(firsts) > 1:
        raise RuntimeError(f"the two sides trained on different pairs: {firsts}")
    recipe = None
    if not args.no_recipe:
        recipe = run_isolated(_recipe, s)
        print(
            f"d2l's recipe: {recipe['seconds']:.1f} s (data and {recipe['settings']['max_epochs']}"
            f" epochs on {recipe['num_train']} pairs), BLEU {recipe['scores']['bleu']['score']:.2f}"
            f", chrF {recipe['scores']['chrf']['score']:.2f}; {recipe['test_src_unk_share']:.0%} "
            "of the test sentences' source tokens are <unk> in its vocabulary",
            flush=True,
        )
    if args.keep:
        old_runs, old_recipe = kept(args.output, s, runs)
        runs = sorted(old_runs + runs, key=lambda r: (r["seed"], r["side"] != "ours"))
        recipe = recipe or old_recipe
        sides = [x for x in ("ours", "d2l") if any(r["side"] == x for r in runs)]
    summary = summarize(runs, recipe)
    print("\n" + "\n".join(table(summary, runs, recipe)))
    some = (runs or [recipe])[0]
    signatures = (some["scores"][k]["signature"] for k in ("bleu", "chrf"))
    print("\nsacreBLEU signatures: " + "; ".join(signatures))
    for r in [*runs[:2], *([recipe] if recipe else [])]:
        for src, hyp in r["examples"]:
            print(f"  {r['side']:10s} {src!r} -> {hyp!r}")
    if "ours_bleu_above_d2l" in summary:
        print(
            "our BLEU interval entirely above d2l's (same sizes), per seed: "
            f"{summary['ours_bleu_above_d2l']}"
        )
    if "ours_bleu_above_d2l_recipe" in summary:
        print(
            "our BLEU interval entirely above d2l's recipe's: "
            f"{summary['ours_bleu_above_d2l_recipe']}"
        )
    entry = {
        "date": datetime.date.today().isoformat(),
        "machine": machine(),
        "threads": {"MXNET_OMP_MAX_THREADS": args.threads, "probe": probe},
        "settings": dict(
            s, seeds=len({r["seed"] for r in runs}), sides=sides, recipe=recipe is not None
        ),  # fmt: skip
        "summary": summary,
        "runs": runs,
        "recipe": recipe,
        "wall_seconds": time.perf_counter() - wall,
    }
    merge_results(entry, args.output)
    print(f"\nwrote the 'seq2seq' entry of {args.output} ({entry['wall_seconds']:.0f} s in all)")
    return entry


if __name__ == "__main__":
    main()
