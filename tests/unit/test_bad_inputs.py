"""No silent wrong results: every public entry point of d2lrnn refuses bad input clearly.

One registry, :data:`CASES`, holds bad inputs for every public callable (every name in
the ``__all__`` of every module, classes through their constructor) and every public
method that takes input. Each case says which exception it expects and which argument
the message must name; the test also checks that the message says what was expected
and that the error is raised by d2lrnn itself, not deep inside MXNet or NumPy.

:func:`test_every_public_callable_has_a_case` walks the package and fails when a
public callable has no case (or a case names something that no longer exists): a new
function cannot be added without saying how it refuses bad input.

The last part tests the other promises of the issue: NumPy and MXNet scalars are
accepted where numbers are, token indices are checked against the vocabulary,
non-finite losses, gradients and probabilities stop with a clear error, sequences of
zero steps and states of the wrong shape are refused.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import math
import pkgutil
import re
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

import matplotlib.pyplot as plt
import mxnet as mx
import numpy as np
import pytest
from mxnet import gluon
from mxnet import np as mnp
from mxnet.gluon import rnn

import d2lrnn
import d2lrnn.widgets
from d2lrnn import (
    batches,
    checks,
    classifiers,
    clipping,
    data,
    deep,
    equivalence,
    generate,
    gluon_adapter,
    gradients,
    layers,
    lm,
    longrange,
    metrics,
    ngram,
    plot,
    progress,
    runtime,
    scores,
    seq2seq,
    series,
    tasks,
    text,
    train,
    translation,
    vanishing,
    weights,
)
from d2lrnn.widgets import beam as wbeam
from d2lrnn.widgets import clipping as wclip
from d2lrnn.widgets import frames
from d2lrnn.widgets import vanishing as wvan

PACKAGE = Path(d2lrnn.__file__).resolve().parent
NAN, INF = float("nan"), float("inf")


def mi(a) -> mnp.ndarray:
    """Token indices as an MXNet int32 array."""
    return mnp.array(a, dtype="int32")


def zeros(*shape) -> mnp.ndarray:
    return mnp.zeros(shape)


def initialized(block, example=None):
    gluon_adapter.initialize(block, example)
    return block


# --------------------------------------------------------------------- fixtures


class Fixtures:
    """The objects the cases call methods of, built on first use and shared (read only).

    A case that changes an object builds its own.
    """

    monkeypatch: pytest.MonkeyPatch
    tmp_path: Path

    V = 5  # the vocabulary size of every small language model here

    @cached_property
    def vocab(self) -> text.Vocab:
        return text.Vocab(list("abcd"))  # '<unk>' + 4 letters = 5 tokens

    @cached_property
    def corpus(self) -> np.ndarray:
        return np.arange(60) % self.V

    @cached_property
    def lm(self) -> lm.RNNLM:  # over the book's layer, which takes the indices themselves
        return initialized(lm.RNNLM(layers.RNNScratch(4), self.V), mi([[1, 2]]))

    @cached_property
    def lm_gluon(self) -> lm.RNNLM:
        return initialized(lm.RNNLM(rnn.GRU(4), self.V), mi([[1, 2]]))

    @cached_property
    def lm_lstm(self) -> lm.RNNLM:  # for trace
        return initialized(lm.RNNLM(layers.LSTMScratch(3), self.V), mi([[1, 2]]))

    @cached_property
    def lm_deep(self) -> lm.RNNLM:  # 2 layers x 2 directions, LSTM: state [H, C] of (4, N, 3)
        model = lm.RNNLM(deep.deep_rnn("lstm", 3, 2, bidirectional=True), self.V)
        return initialized(model, mi([[1, 2]]))

    def layer(self, cls, h=4, d=3):
        return initialized(cls(h, d))

    @cached_property
    def rnn(self) -> layers.RNNScratch:
        return self.layer(layers.RNNScratch)

    @cached_property
    def lstm(self) -> layers.LSTMScratch:
        return self.layer(layers.LSTMScratch)

    @cached_property
    def gru(self) -> layers.GRUScratch:
        return self.layer(layers.GRUScratch)

    @cached_property
    def bi(self) -> deep.Bidirectional:  # LSTM: states [H, C] of (2, N, 4)
        return initialized(deep.Bidirectional(layers.LSTMScratch(4, 3), layers.LSTMScratch(4, 3)))

    @cached_property
    def stacked(self) -> deep.Stacked:  # 2 GRU layers: state [H] of (2, N, 4)
        return initialized(deep.deep_rnn("gru", 4, 2, num_inputs=3))

    @cached_property
    def gluon_lstm(self) -> rnn.LSTM:
        return initialized(rnn.LSTM(3, input_size=2))

    @cached_property
    def tagger(self) -> classifiers.Tagger:
        return initialized(classifiers.Tagger(rnn.GRU(3), self.V, 2), mi([[1, 2]]))

    @cached_property
    def classifier(self) -> classifiers.SequenceClassifier:
        model = classifiers.SequenceClassifier(rnn.GRU(3, bidirectional=True), self.V, 3)
        return initialized(model, mi([[1, 2]]))

    @cached_property
    def dense(self) -> gluon.nn.Dense:
        return initialized(gluon.nn.Dense(1, in_units=2))

    @cached_property
    def trainer(self) -> gluon.Trainer:
        return train.make_trainer(self.dense, "sgd", 0.1)

    @cached_property
    def recorded_loss(self):
        with mx.autograd.record():
            return (self.dense(mnp.ones((1, 2))) ** 2).sum()

    @cached_property
    def ngram(self) -> ngram.NGramLM:
        return ngram.NGramLM(list("abcabcab"), 2)

    @cached_property
    def bpe(self) -> text.BPETokenizer:
        return text.BPETokenizer.learn("ab ab abc", 3)

    @cached_property
    def progress(self) -> progress.Progress:
        return progress.Progress(3, "none")

    @cached_property
    def params(self) -> dict:  # the tanh RNN LM of chapter 3, V = 5, h = 3
        return gradients.init_rnn_lm_params(self.V, 3)

    @cached_property
    def XY(self) -> tuple[np.ndarray, np.ndarray]:  # (num_steps, batch_size) = (3, 2)
        X = np.array([[0, 1], [2, 3], [4, 0]])
        return X, (X + 1) % self.V

    @staticmethod
    def backward(params, X, Y):
        return gradients.autograd_gradients(params, X, Y)

    @cached_property
    def gates(self) -> dict:
        return {"forget": np.zeros((5, 2))}

    @cached_property
    def figure(self):
        fig, ax = plt.subplots(figsize=(1, 1))
        ax.plot([0, 1])
        return fig

    @cached_property
    def png(self) -> bytes:
        return frames.figure_png(plt.subplots(figsize=(1, 1))[0])

    @cached_property
    def html(self):
        return frames.frame_widget(self.png, "a frame")

    @cached_property
    def clipping_data(self) -> wclip.ClippingData:
        """Two settings, made by hand (no training): frames can be drawn from it."""
        lrs, thetas = (1.0,), (None, 1.0)
        runs = {(1.0, t): wclip.Run(1.0, t, np.full(3, 1.5), np.full(3, 2.0)) for t in thetas}
        W, B = np.meshgrid(np.linspace(3, 12, 5), np.linspace(-8, -1, 4))
        paths = {(1.0, t): clipping.descend((8.5, -2.0), 0.1, t, 2) for t in thetas}
        surface = (W, B, clipping.cliff_loss(W, B)[0])
        return wclip.ClippingData(lrs, thetas, runs, surface, (8.5, -2.0), 0.1, paths, 5)

    @cached_property
    def vanishing_data(self) -> wvan.VanishingData:
        return wvan.vanishing_data(
            radii=(1.0,),
            Ts=(3,),
            activations=("tanh",),
            alphas=(0.0,),
            cells=("rnn",),
            gate_biases=(0.0,),
            num_hiddens=2,
        )

    @cached_property
    def vanishing_figure(self) -> wvan.VanishingFigure:
        return wvan.VanishingFigure(self.vanishing_data)

    @cached_property
    def recurrence(self) -> vanishing.Recurrence:
        return vanishing.Recurrence(3, 1.0, num_hiddens=2)

    def corrupt_data_dir(self, name: str) -> None:
        """``$D2LRNN_DATA_DIR`` holds a truncated copy of the data file ``name``."""
        (self.tmp_path / name).write_bytes(b"truncated")
        self.monkeypatch.setenv(data.DATA_DIR_ENV, str(self.tmp_path))
        self.monkeypatch.setenv(data.CACHE_DIR_ENV, str(self.tmp_path / "cache"))


@pytest.fixture(scope="module")
def fx():
    f = Fixtures()
    yield f
    plt.close("all")


# --------------------------------------------------------------------- the registry


class Case(NamedTuple):
    """``call(fx)`` must raise ``exc`` whose message names ``arg``.

    ``python``: the error is the interpreter's own signature check (for callables that
    take no arguments at all), so it is not raised inside d2lrnn and need not say "must".
    """

    key: str  # the callable: "module.name" or "module.Class.method", from d2lrnn
    what: str
    call: object
    exc: type
    arg: str
    python: bool = False


def add(key: str, what: str, exc: type, arg: str, call) -> None:
    """Register a case: ``call(fx)`` raises ``exc`` naming ``arg``."""
    CASES.append(Case(key, what, call, exc, arg))


def cases(key: str, rows: list) -> None:
    """Register several cases of one callable: rows of ``(what, exc, arg, call)``."""
    for what, exc, arg, call in rows:
        add(key, what, exc, arg, call)


VE, TE = ValueError, TypeError


def no_arguments(key: str, call) -> Case:
    """A callable that takes no argument refuses one (instead of ignoring it)."""
    return Case(key, "takes no arguments", call, TypeError, key.split(".")[-1], python=True)


CASES: list[Case] = []
SB, AB, Dense, SeqClf = (
    batches.SeqBatches,
    batches.ArrayBatches,
    gluon.nn.Dense,
    classifiers.SequenceClassifier,
)
RNNS, LSTMS, GRUS = layers.RNNScratch, layers.LSTMScratch, layers.GRUScratch

# ---------------------------------------------------------------- batches
for k in ("batches.as_corpus", "batches.SeqBatches"):
    extra = (2, 3) if k.endswith("SeqBatches") else ()
    fn = batches.as_corpus if k.endswith("as_corpus") else batches.SeqBatches
    add(k, "float indices", TE, "corpus", lambda f, fn=fn, e=extra: fn([0.0, 1.0, 2.5] * 5, *e))
    add(k, "negative indices", VE, "corpus", lambda f, fn=fn, e=extra: fn([0, -1] * 9, *e))
    add(k, "2-D corpus", VE, "corpus", lambda f, fn=fn, e=extra: fn(np.zeros((4, 5), int), *e))
    add(k, "empty corpus", VE, "corpus", lambda f, fn=fn, e=extra: fn([], *e))
    add(k, "None corpus", TE, "corpus", lambda f, fn=fn, e=extra: fn(None, *e))
    add(k, "str corpus", TE, "corpus", lambda f, fn=fn, e=extra: fn("abc", *e))
cases(
    "batches.SeqBatches",
    [
        (
            "language data as 3-tuples",
            VE,
            "corpus",
            lambda f: SB([(0, 1, 2)] * 9, 2, 2),
        ),
        ("batch_size -1", VE, "batch_size", lambda f: SB(f.corpus, -1, 3)),
        ("batch_size float", TE, "batch_size", lambda f: SB(f.corpus, 2.0, 3)),
        ("batch_size str", TE, "batch_size", lambda f: SB(f.corpus, "2", 3)),
        ("num_steps 0", VE, "num_steps", lambda f: SB(f.corpus, 2, 0)),
        ("num_steps >= corpus", VE, "num_steps", lambda f: SB(f.corpus, 1, 60)),
        ("no full minibatch", VE, "batch_size", lambda f: SB(f.corpus, 30, 5)),
        (
            "sampling unknown",
            VE,
            "sampling",
            lambda f: SB(f.corpus, 2, 3, "shuffled"),
        ),
        ("seed -1", VE, "seed", lambda f: SB(f.corpus, 2, 3, seed=-1)),
        ("seed float", TE, "seed", lambda f: SB(f.corpus, 2, 3, seed=0.5)),
    ],
)
cases(
    "batches.ArrayBatches",
    [
        (
            "rows differ",
            VE,
            "X and Y",
            lambda f: AB(np.zeros((4, 2)), np.zeros(3), 2),
        ),
        ("X None", TE, "X", lambda f: AB(None, np.zeros(3), 2)),
        ("X and Y empty", VE, "X", lambda f: AB(np.zeros((0, 2)), np.zeros(0), 2)),
        ("X NaN", VE, "X", lambda f: AB(np.full((3, 2), NAN), np.zeros(3), 2)),
        (
            "Y 4-D",
            VE,
            "Y",
            lambda f: AB(np.zeros((3, 2)), np.zeros((3, 1, 1, 1)), 2),
        ),
        (
            "batch_size 0",
            VE,
            "batch_size",
            lambda f: AB(np.zeros((3, 2)), np.zeros(3), 0),
        ),
        (
            "shuffle 'no'",
            TE,
            "shuffle",
            lambda f: AB(np.zeros((3, 2)), np.zeros(3), 2, "no"),
        ),
        (
            "seed -1",
            VE,
            "seed",
            lambda f: AB(np.zeros((3, 2)), np.zeros(3), 2, seed=-1),
        ),
    ],
)
for v, e in (
    (0, ValueError),
    (1.0, ValueError),
    (NAN, ValueError),
    ("0.1", TypeError),
    (None, TypeError),
):
    add(
        "batches.time_machine_corpus",
        f"val_fraction {v!r}",
        e,
        "val_fraction",
        lambda f, v=v: batches.time_machine_corpus(v),
    )
cases(
    "batches.train_val_batches",
    [
        (
            "val float",
            TE,
            "corpus",
            lambda f: batches.train_val_batches(f.corpus, f.corpus / 2, 2, 3),
        ),
        (
            "batch_size 0",
            VE,
            "batch_size",
            lambda f: batches.train_val_batches(f.corpus, f.corpus, 0, 3),
        ),
        (
            "num_steps -1",
            VE,
            "num_steps",
            lambda f: batches.train_val_batches(f.corpus, f.corpus, 2, -1),
        ),
        (
            "sampling",
            VE,
            "sampling",
            lambda f: batches.train_val_batches(f.corpus, f.corpus, 2, 3, "all"),
        ),
        (
            "seed str",
            TE,
            "seed",
            lambda f: batches.train_val_batches(f.corpus, f.corpus, 2, 3, seed="0"),
        ),
    ],
)

# ---------------------------------------------------------------- checks
for v, e in (
    ("3", TypeError),
    (1.5, TypeError),
    (2.0, TypeError),
    (True, TypeError),
    (None, TypeError),
    (0, ValueError),
    (11, ValueError),
    (np.int64(-1), ValueError),
):
    add(
        "checks.check_int",
        f"{v!r}",
        e,
        "my_count",
        lambda f, v=v: checks.check_int(v, "my_count", 1, 10),
    )
for v, e in (
    (NAN, ValueError),
    (INF, ValueError),
    (-1, ValueError),
    (2, ValueError),
    ("1", TypeError),
    (None, TypeError),
    (True, TypeError),
    (np.ones(2), TypeError),
):
    add(
        "checks.check_number",
        f"{v!r}",
        e,
        "my_rate",
        lambda f, v=v: checks.check_number(v, "my_rate", 0, 1, above=True),
    )
for v in ("no", 1, 0, None, 1.0):
    add(
        "checks.check_bool", f"{v!r}", TE, "my_flag", lambda f, v=v: checks.check_bool(v, "my_flag")
    )
cases(
    "checks.check_choice",
    [
        ("not an option", VE, "my_mode", lambda f: checks.check_choice("c", "my_mode", ("a", "b"))),
        ("unhashable", VE, "my_mode", lambda f: checks.check_choice([1], "my_mode", {"a": 1})),
    ],
)
cases(
    "checks.check_str",
    [
        ("bytes", TE, "my_text", lambda f: checks.check_str(b"a", "my_text")),
        ("None", TE, "my_text", lambda f: checks.check_str(None, "my_text")),
    ],
)
cases(
    "checks.check_tokens",
    [
        ("a str", TE, "my_tokens", lambda f: checks.check_tokens("abc", "my_tokens")),
        ("an int token", TE, "my_tokens[1]", lambda f: checks.check_tokens(["a", 2], "my_tokens")),
        ("None", TE, "my_tokens", lambda f: checks.check_tokens(None, "my_tokens")),
    ],
)
cases(
    "checks.check_series",
    [
        ("2-D", VE, "my_x", lambda f: checks.check_series(np.zeros((2, 2)), "my_x")),
        ("NaN", VE, "my_x", lambda f: checks.check_series([1.0, NAN], "my_x")),
        ("empty", VE, "my_x", lambda f: checks.check_series([], "my_x")),
        ("strings", TE, "my_x", lambda f: checks.check_series(["1", "2"], "my_x")),
    ],
)
cases(
    "checks.check_array",
    [
        ("ndim", VE, "my_a", lambda f: checks.check_array(np.zeros(3), "my_a", ndim=2)),
        (
            "float as indices",
            TE,
            "my_a",
            lambda f: checks.check_array([1.0, 2.0], "my_a", kind="i"),
        ),
        ("bool as indices", TE, "my_a", lambda f: checks.check_array([True], "my_a", kind="i")),
        ("shape", VE, "my_a", lambda f: checks.check_array(np.zeros((2, 3)), "my_a", shape=(2, 2))),
        ("infinite", VE, "my_a", lambda f: checks.check_array([1.0, INF], "my_a")),
        ("ragged", VE, "my_a", lambda f: checks.check_array([[1], [1, 2]], "my_a")),
        ("None", TE, "my_a", lambda f: checks.check_array(None, "my_a")),
        ("a dict", TE, "my_a", lambda f: checks.check_array({"a": 1}, "my_a")),
    ],
)
cases(
    "checks.check_indices",
    [
        ("index = size", VE, "my_X", lambda f: checks.check_indices(np.array([0, 5]), "my_X", 5)),
        ("negative", VE, "my_X", lambda f: checks.check_indices(mi([-1, 2]), "my_X", 5)),
        ("MXNet floats", TE, "my_X", lambda f: checks.check_indices(mnp.array([1.0]), "my_X", 5)),
        ("NumPy floats", TE, "my_X", lambda f: checks.check_indices(np.array([1.0]), "my_X", 5)),
        (
            "empty MXNet",
            VE,
            "my_X",
            lambda f: checks.check_indices(mi(np.zeros((0, 2))), "my_X", 5),
        ),
    ],
)
cases(
    "checks.check_sequence",
    [
        ("a str", TE, "my_values", lambda f: checks.check_sequence("abc", "my_values")),
        ("a number", TE, "my_values", lambda f: checks.check_sequence(0.5, "my_values")),
        ("empty", VE, "my_values", lambda f: checks.check_sequence((), "my_values")),
        (
            "2-D array",
            VE,
            "my_values",
            lambda f: checks.check_sequence(np.zeros((2, 2)), "my_values"),
        ),
    ],
)
cases(
    "checks.check_device",
    [
        ("a str", TE, "my_device", lambda f: checks.check_device("cpu", "my_device")),
        ("an int", TE, "my_device", lambda f: checks.check_device(0, "my_device")),
    ],
)

# ---------------------------------------------------------------- classifiers
for key, make, out in (
    ("classifiers.Tagger", classifiers.Tagger, "num_tags"),
    ("classifiers.SequenceClassifier", classifiers.SequenceClassifier, "num_classes"),
):
    add(key, "rnn a Dense", TE, "rnn", lambda f, m=make: m(Dense(3), 5, 2))
    add(key, "vocab_size 0", VE, "vocab_size", lambda f, m=make: m(rnn.GRU(3), 0, 2))
    add(key, "vocab_size float", TE, "vocab_size", lambda f, m=make: m(rnn.GRU(3), 5.0, 2))
    add(key, f"{out} 1", VE, out, lambda f, m=make: m(rnn.GRU(3), 5, 1))
    add(key, f"{out} str", TE, out, lambda f, m=make: m(rnn.GRU(3), 5, "2"))
for key, model in (
    ("classifiers.Tagger.forward", "tagger"),
    ("classifiers.SequenceClassifier.forward", "classifier"),
):
    add(key, "index = vocab_size", VE, "X", lambda f, m=model: getattr(f, m)(mi([[1, 5]])))
    add(key, "negative index", VE, "X", lambda f, m=model: getattr(f, m)(mi([[-1, 2]])))
    add(key, "float indices", TE, "X", lambda f, m=model: getattr(f, m)(mnp.array([[1.0, 2.0]])))
    add(key, "NumPy X", TE, "X", lambda f, m=model: getattr(f, m)(np.array([[1, 2]])))
    add(key, "1-D X", VE, "X", lambda f, m=model: getattr(f, m)(mi([1, 2])))
    add(key, "zero steps", VE, "X", lambda f, m=model: getattr(f, m)(mi(np.zeros((2, 0)))))

# ---------------------------------------------------------------- clipping
cases(
    "clipping.cliff_loss",
    [
        ("w NaN", VE, "w", lambda f: clipping.cliff_loss(NAN, 1.0)),
        ("w str", TE, "w", lambda f: clipping.cliff_loss("1", 1.0)),
        ("b array with inf", VE, "b", lambda f: clipping.cliff_loss(1.0, np.array([1.0, INF]))),
        ("shapes differ", VE, "w and b", lambda f: clipping.cliff_loss(np.ones(2), np.ones(3))),
        ("T 0", VE, "T", lambda f: clipping.cliff_loss(1.0, 1.0, T=0)),
        ("x0 inf", VE, "x0", lambda f: clipping.cliff_loss(1.0, 1.0, x0=INF)),
        ("target None", TE, "target", lambda f: clipping.cliff_loss(1.0, 1.0, target=None)),
    ],
)
cases(
    "clipping.clip",
    [
        ("g NaN", VE, "g", lambda f: clipping.clip(np.array([1.0, NAN]), 1.0)),
        ("g None", TE, "g", lambda f: clipping.clip(None, 1.0)),
    ],
)
for v, e in ((0, ValueError), (-1.0, ValueError), (NAN, ValueError), ("1", TypeError)):
    add("clipping.clip", f"theta {v!r}", e, "theta", lambda f, v=v: clipping.clip(np.ones(2), v))
    add(
        "clipping.clip_gradients",
        f"theta {v!r}",
        e,
        "theta",
        lambda f, v=v: clipping.clip_gradients([np.ones(2)], v),
    )
cases(
    "clipping.clip_gradients",
    [
        ("grads one array", TE, "grads", lambda f: clipping.clip_gradients(np.ones(2), 1.0)),
        ("grads of numbers", TE, "grads", lambda f: clipping.clip_gradients([1.0, 2.0], 1.0)),
    ],
)
cases(
    "clipping.grad_norm",
    [
        ("grads None", TE, "grads", lambda f: clipping.grad_norm(None)),
        ("grads of str", TE, "grads", lambda f: clipping.grad_norm(["ab"])),
    ],
)
cases(
    "clipping.descend",
    [
        ("start of 3", VE, "start", lambda f: clipping.descend((1.0, 2.0, 3.0), 0.1, None)),
        ("start NaN", VE, "start", lambda f: clipping.descend((NAN, 2.0), 0.1, None)),
    ],
)
for v, e in ((0, ValueError), (-0.1, ValueError), (NAN, ValueError), (None, TypeError)):
    add(
        "clipping.descend",
        f"lr {v!r}",
        e,
        "lr",
        lambda f, v=v: clipping.descend((8.0, -2.0), v, None),
    )
cases(
    "clipping.descend",
    [
        (
            "theta -1 (no steps)",
            VE,
            "theta",
            lambda f: clipping.descend((8.0, -2.0), 0.1, -1.0, steps=0),
        ),
        ("steps -1", VE, "steps", lambda f: clipping.descend((8.0, -2.0), 0.1, None, steps=-1)),
        ("steps float", TE, "steps", lambda f: clipping.descend((8.0, -2.0), 0.1, None, steps=2.5)),
    ],
)

# ---------------------------------------------------------------- data
cases(
    "data.download",
    [
        ("name not a data file", VE, "name", lambda f: data.download("nope.txt")),
        ("name an int", TE, "name", lambda f: data.download(5)),
    ],
)
for where in ("missing", "a file"):
    add(
        "data.download",
        f"{data.DATA_DIR_ENV} {where}",
        data.DataFileError,
        data.DATA_DIR_ENV,
        lambda f, w=where: (
            (f.tmp_path / "a file").write_text("") if w == "a file" else None,
            f.monkeypatch.setenv(data.DATA_DIR_ENV, str(f.tmp_path / w)),
            data.download("timemachine.txt"),
        ),
    )
for v, e in ((0, ValueError), (NAN, ValueError), ("30", TypeError)):
    add(
        "data.download",
        f"timeout {v!r}",
        e,
        "timeout",
        lambda f, v=v: data.download("timemachine.txt", timeout=v),
    )
cases(
    "data.sha1sum",
    [
        ("path an int", TE, "path", lambda f: data.sha1sum(5)),
        ("no such file", VE, "path", lambda f: data.sha1sum(f.tmp_path / "none")),
        ("a folder", VE, "path", lambda f: data.sha1sum(f.tmp_path)),
    ],
)
for name, fn in (("timemachine.txt", data.read_time_machine), ("fra-eng.zip", data.read_fra_eng)):
    key = f"data.{fn.__name__}"
    add(
        key,
        f"corrupt {name} in $D2LRNN_DATA_DIR",
        data.DataFileError,
        name,
        lambda f, n=name, fn=fn: (f.corrupt_data_dir(n), fn()),
    )
    CASES.append(no_arguments(key, lambda f, fn=fn: fn("timemachine.txt")))
CASES.append(no_arguments("data.cache_dir", lambda f: data.cache_dir("/tmp")))

# ---------------------------------------------------------------- deep
cases(
    "deep.Bidirectional",
    [
        (
            "a Dense",
            TE,
            "forward_layer",
            lambda f: deep.Bidirectional(Dense(2), RNNS(2)),
        ),
        (
            "backward None",
            TE,
            "backward_layer",
            lambda f: deep.Bidirectional(RNNS(2), None),
        ),
        (
            "kinds differ",
            VE,
            "forward_layer and backward_layer",
            lambda f: deep.Bidirectional(RNNS(2), GRUS(2)),
        ),
        (
            "num_hiddens differ",
            VE,
            "num_hiddens",
            lambda f: deep.Bidirectional(GRUS(2), GRUS(3)),
        ),
    ],
)
for key, obj in (("deep.Bidirectional", "bi"), ("deep.Stacked", "stacked")):
    add(
        f"{key}.begin_state",
        "batch_size 0",
        VE,
        "batch_size",
        lambda f, o=obj: getattr(f, o).begin_state(0),
    )
    add(
        f"{key}.begin_state",
        "batch_size str",
        TE,
        "batch_size",
        lambda f, o=obj: getattr(f, o).begin_state("2"),
    )
    add(
        f"{key}.begin_state",
        "device str",
        TE,
        "device",
        lambda f, o=obj: getattr(f, o).begin_state(2, "cpu"),
    )
    add(
        f"{key}.forward", "zero steps", VE, "inputs", lambda f, o=obj: getattr(f, o)(zeros(0, 2, 3))
    )
    add(
        f"{key}.forward",
        "zero sequences",
        VE,
        "inputs",
        lambda f, o=obj: getattr(f, o)(zeros(3, 0, 3)),
    )
    add(
        f"{key}.forward",
        "NumPy inputs",
        TE,
        "inputs",
        lambda f, o=obj: getattr(f, o)(np.zeros((2, 2, 3))),
    )
    add(f"{key}.forward", "2-D inputs", VE, "inputs", lambda f, o=obj: getattr(f, o)(zeros(2, 3)))
    add(
        f"{key}.forward",
        "features differ",
        VE,
        "inputs",
        lambda f, o=obj: getattr(f, o)(zeros(2, 2, 5)),
    )
    add(
        f"{key}.forward",
        "states not a list",
        TE,
        "states",
        lambda f, o=obj: getattr(f, o)(zeros(2, 2, 3), zeros(2, 2, 4)),
    )
    add(
        f"{key}.forward",
        "states of NumPy",
        TE,
        "states[0]",
        lambda f, o=obj: getattr(f, o)(
            zeros(2, 2, 3), [np.zeros((2, 2, 4))] * getattr(f, o).num_states
        ),
    )
    add(
        f"{key}.forward",
        "wrong rows",
        VE,
        "states[0]",
        lambda f, o=obj: getattr(f, o)(zeros(2, 2, 3), [zeros(1, 2, 4)] * getattr(f, o).num_states),
    )
    add(
        f"{key}.forward",
        "wrong batch",
        VE,
        "states[0]",
        lambda f, o=obj: getattr(f, o)(zeros(2, 2, 3), [zeros(2, 3, 4)] * getattr(f, o).num_states),
    )
    add(
        f"{key}.forward",
        "wrong hidden size",
        VE,
        "states[0]",
        lambda f, o=obj: getattr(f, o)(zeros(2, 2, 3), [zeros(2, 2, 5)] * getattr(f, o).num_states),
    )
    add(
        f"{key}.forward",
        "one state too many",
        VE,
        "states",
        lambda f, o=obj: getattr(f, o)(zeros(2, 2, 3), [zeros(2, 2, 4)] * 3),
    )
cases(
    "deep.Stacked",
    [
        ("layers empty", VE, "layers", lambda f: deep.Stacked([])),
        ("layers a str", TE, "layers", lambda f: deep.Stacked("rnn")),
        (
            "a Dense layer",
            TE,
            "layers[1]",
            lambda f: deep.Stacked([RNNS(2), Dense(2)]),
        ),
        (
            "states differ",
            VE,
            "layers",
            lambda f: deep.Stacked([LSTMS(2), GRUS(2)]),
        ),
        (
            "num_hiddens differ",
            VE,
            "num_hiddens",
            lambda f: deep.Stacked([GRUS(2), GRUS(3)]),
        ),
    ],
)
for v, e in ((1.0, ValueError), (-0.1, ValueError), (NAN, ValueError), ("0.1", TypeError)):
    add(
        "deep.Stacked",
        f"dropout {v!r}",
        e,
        "dropout",
        lambda f, v=v: deep.Stacked([GRUS(2)], v),
    )
    add(
        "deep.deep_rnn",
        f"dropout {v!r}",
        e,
        "dropout",
        lambda f, v=v: deep.deep_rnn("gru", 2, 2, dropout=v),
    )
cases(
    "deep.deep_rnn",
    [
        ("cell unknown", VE, "cell", lambda f: deep.deep_rnn("tcn", 2)),
        ("num_hiddens 0", VE, "num_hiddens", lambda f: deep.deep_rnn("rnn", 0)),
        ("num_layers 0", VE, "num_layers", lambda f: deep.deep_rnn("rnn", 2, 0)),
        ("num_layers float", TE, "num_layers", lambda f: deep.deep_rnn("rnn", 2, 2.0)),
        (
            "bidirectional 'yes'",
            TE,
            "bidirectional",
            lambda f: deep.deep_rnn("rnn", 2, bidirectional="yes"),
        ),
        ("num_inputs -1", VE, "num_inputs", lambda f: deep.deep_rnn("rnn", 2, num_inputs=-1)),
        (
            "activation unknown",
            VE,
            "activation",
            lambda f: deep.deep_rnn("rnn", 2, activation="gelu"),
        ),
    ],
)
for name in ("num_directions", "num_hiddens", "num_rows", "num_states"):
    fn = getattr(deep, name)
    add(f"deep.{name}", "a Dense", TE, "layer", lambda f, fn=fn: fn(Dense(2)))
    add(f"deep.{name}", "None", TE, "layer", lambda f, fn=fn: fn(None))

# ---------------------------------------------------------------- exercises
EXERCISES = importlib.import_module("d2lrnn.exercises.core")
cases(
    "exercises.core.judge",
    [
        ("key an int", TE, "key", lambda f: EXERCISES.judge(31, print)),
        ("key unknown", VE, "key", lambda f: EXERCISES.judge("3.99", print)),
        ("key a title", VE, "key", lambda f: EXERCISES.judge("clipping", print)),
    ],
)
cases(
    "exercises.core.check_exercise",
    [
        ("key None", TE, "key", lambda f: EXERCISES.check_exercise(None, print)),
        ("key unknown", VE, "key", lambda f: EXERCISES.check_exercise("0.0", print)),
    ],
)
cases(
    "exercises.core.exercise",
    [
        ("key an int", TE, "key", lambda f: EXERCISES.exercise(3, "t", "h")),
        ("key malformed", VE, "key", lambda f: EXERCISES.exercise("3-1", "t", "h")),
        ("title None", TE, "title", lambda f: EXERCISES.exercise("99.9", None, "h")),
        ("hint a list", TE, "hint", lambda f: EXERCISES.exercise("99.9", "t", ["h"])),
    ],
)
cases(
    "exercises.core.call",
    [("answer not callable", EXERCISES.Wrong, "answer", lambda f: EXERCISES.call(3, 1))],
)
CASES.append(no_arguments("exercises.core.exercises", lambda f: EXERCISES.exercises(1)))
W = EXERCISES.Wrong
cases(
    "exercises.core.as_array",
    [
        ("an object", W, "H_t", lambda f: EXERCISES.as_array(object(), "H_t")),
        ("strings in a list", W, "H_t", lambda f: EXERCISES.as_array(["1", "2"], "H_t")),
        ("floats as ints", W, "X", lambda f: EXERCISES.as_array([1.0, 2.0], "X", integer=True)),
        ("integer 'yes'", TE, "integer", lambda f: EXERCISES.as_array([1], "X", integer="yes")),
        ("what None", TE, "what", lambda f: EXERCISES.as_array([1], None)),
    ],
)
cases(
    "exercises.core.as_number",
    [
        (
            "three numbers",
            W,
            "the perplexity",
            lambda f: EXERCISES.as_number([1, 2, 3], "the perplexity"),
        ),
        ("a str", W, "the count", lambda f: EXERCISES.as_number("3", "the count")),
        ("NaN", W, "the loss", lambda f: EXERCISES.as_number(NAN, "the loss")),
        ("a bool", W, "the count", lambda f: EXERCISES.as_number(True, "the count")),
        (
            "3.5 as an int",
            W,
            "matches",
            lambda f: EXERCISES.as_number(3.5, "matches", integer=True),
        ),
        (
            "12.0 as an int",
            W,
            "the count",
            lambda f: EXERCISES.as_number(12.0, "the count", integer=True),
        ),
        ("integer 1", TE, "integer", lambda f: EXERCISES.as_number(3, "the count", integer=1)),
    ],
)
cases(
    "exercises.core.same",
    [
        ("rtol negative", VE, "rtol", lambda f: EXERCISES.same(1.0, 1.0, rtol=-1)),
        ("atol NaN", VE, "atol", lambda f: EXERCISES.same(1.0, 1.0, atol=NAN)),
    ],
)
cases(
    "exercises.core.first_match",
    [("mistakes a list", TE, "mistakes", lambda f: EXERCISES.first_match(1.0, [1.0]))],
)
cases(
    "exercises.core.log_softmax",
    [("logits a str", TE, "logits", lambda f: EXERCISES.log_softmax("abc"))],
)

# ---------------------------------------------------------------- notebook
NOTEBOOK = importlib.import_module("d2lrnn.notebook")
cases(
    "notebook.glue",
    [
        ("name an int", TE, "name", lambda f: NOTEBOOK.glue(3, 1.0)),
        ("name None", TE, "name", lambda f: NOTEBOOK.glue(None, 1.0)),
        ("display a str", TE, "display", lambda f: NOTEBOOK.glue("x", 1.0, display="no")),
        ("display an int", TE, "display", lambda f: NOTEBOOK.glue("x", 1.0, display=1)),
        ("seeds 0", VE, "seeds", lambda f: NOTEBOOK.glue("x", 1.0, seeds=0)),
        ("seeds a float", TE, "seeds", lambda f: NOTEBOOK.glue("x", 1.0, seeds=3.0)),
    ],
)

# ---------------------------------------------------------------- doctor
DOCTOR = importlib.import_module("d2lrnn.doctor")  # d2lrnn.doctor is the function
cases(
    "doctor.doctor",
    [
        ("strict a str", TE, "strict", lambda f: DOCTOR.doctor(strict="no")),
        ("strict an int", TE, "strict", lambda f: DOCTOR.doctor(strict=1)),
        ("strict None", TE, "strict", lambda f: DOCTOR.doctor(strict=None)),
    ],
)
cases(
    "doctor.diagnose",
    [
        ("facts a dict", TE, "facts", lambda f: DOCTOR.diagnose({"python": "3.11.7"})),
        ("facts None", TE, "facts", lambda f: DOCTOR.diagnose(None)),
    ],
)
CASES.append(no_arguments("doctor.gather", lambda f: DOCTOR.gather(10)))


def facts(**changes):
    """A good setup's facts (Python 3.11, numpy 1.23.5, MXNet 1.9.1 imports), changed."""
    good = DOCTOR.Facts(
        "3.11.7", "1.23.5", "Linux", "x86_64", False, False, (("mxnet", "1.9.1"),),
        DOCTOR.MXNetImport(True, "1.9.1", False, 0),
    )  # fmt: skip
    return dataclasses.replace(good, **changes)


# A hand-made Facts (a student's, a test's) with a field of the wrong type fails where it is
# made, naming the field, instead of inside diagnose.
for field_name, bad in (
    ("python", 3.11), ("numpy", 1.23), ("colab", "no"), ("gpu_visible", 0),
    ("mxnet", [("mxnet", "1.9.1")]), ("mxnet_import", {"ok": True}), ("executable", None),
):  # fmt: skip
    add(
        "doctor.diagnose",
        f"Facts.{field_name} {bad!r}",
        TE,
        f"Facts.{field_name}",
        lambda f, k={field_name: bad}: DOCTOR.diagnose(facts(**k)),
    )
add(
    "doctor.diagnose",
    "Facts.mxnet holding a version number",
    TE,
    "Facts.mxnet[0]",
    lambda f: DOCTOR.diagnose(facts(mxnet=(("mxnet", 1.9),))),
)
for field_name, bad in (("ok", "yes"), ("num_gpus", True), ("cuda", 1), ("error", None)):
    add(
        "doctor.diagnose",
        f"MXNetImport.{field_name} {bad!r}",
        TE,
        f"MXNetImport.{field_name}",
        lambda f, k={field_name: bad}: DOCTOR.diagnose(
            facts(mxnet_import=DOCTOR.MXNetImport(**({"ok": True} | k)))
        ),
    )

# ---------------------------------------------------------------- compat and colab
COMPAT, COLAB = importlib.import_module("d2lrnn.compat"), importlib.import_module("d2lrnn.colab")
cases(
    "compat.missing",
    [
        ("numpy a str", TE, "numpy", lambda f: COMPAT.missing("numpy")),
        ("numpy an array", TE, "numpy", lambda f: COMPAT.missing(np.zeros(2))),
    ],
)
cases(
    "compat.FillIn.value",
    [
        ("numpy a str", TE, "numpy", lambda f: COMPAT.FILL_INS["PZERO"].value("numpy", "PZERO")),
        ("name an int", TE, "name", lambda f: COMPAT.FILL_INS["PZERO"].value(np, 3)),
        ("name not a name", TE, "name", lambda f: COMPAT.FILL_INS["in1d"].value(np, "in 1d")),
    ],
)
CASES.append(no_arguments("compat.install", lambda f: COMPAT.install(True)))
CASES.append(no_arguments("compat.installed", lambda f: COMPAT.installed(True)))
CASES.append(no_arguments("compat.numpy_for_mxnet", lambda f: COMPAT.numpy_for_mxnet(np)))
cases(
    "colab.plan",
    [
        ("installed a list", TE, "installed", lambda f: COLAB.plan(["mxnet"])),
        ("installed None", TE, "installed", lambda f: COLAB.plan(None)),
    ],
)
cases(
    "colab.setup",
    [
        ("force a str", TE, "force", lambda f: COLAB.setup(force="yes")),
        ("force an int", TE, "force", lambda f: COLAB.setup(force=1)),
    ],
)
CASES.append(no_arguments("colab.in_colab", lambda f: COLAB.in_colab(True)))

# ---------------------------------------------------------------- equivalence
SAME_MODEL = equivalence.check_same_model


def _dense_pair():
    return Dense(3, in_units=2), Dense(3, in_units=2)


cases(
    "equivalence.check_same_model",
    [
        ("model an int", TE, "model", lambda f: SAME_MODEL(5, Dense(3), (mnp.ones((1, 2)),))),
        (
            "reference None",
            TE,
            "reference",
            lambda f: SAME_MODEL(Dense(3), None, (mnp.ones((1, 2)),)),
        ),
        ("inputs an array", TE, "inputs", lambda f: SAME_MODEL(*_dense_pair(), mnp.ones((1, 2)))),
        ("inputs empty", TE, "inputs", lambda f: SAME_MODEL(*_dense_pair(), ())),
        (
            "copy a str",
            TE,
            "copy",
            lambda f: SAME_MODEL(*_dense_pair(), (mnp.ones((1, 2)),), copy="x"),
        ),
        (
            "other parameters",
            VE,
            "same parameters",
            lambda f: SAME_MODEL(Dense(3, in_units=2), Dense(4, in_units=2), (mnp.ones((1, 2)),)),
        ),
        (
            "tolerance -1",
            VE,
            "tolerance",
            lambda f: SAME_MODEL(*_dense_pair(), (mnp.ones((1, 2)),), tolerance=-1),
        ),
        ("seed -1", VE, "seed", lambda f: SAME_MODEL(*_dense_pair(), (mnp.ones((1, 2)),), seed=-1)),
        (
            "name an int",
            TE,
            "name",
            lambda f: SAME_MODEL(*_dense_pair(), (mnp.ones((1, 2)),), name=1),
        ),
    ],
)
SAME = equivalence.check_same_function
cases(
    "equivalence.check_same_function",
    [
        ("plain an int", TE, "plain", lambda f: SAME(5, "rnn")),
        ("cell unknown", VE, "cell", lambda f: SAME(RNNS(2, 2), "tcn")),
        ("num_layers 0", VE, "num_layers", lambda f: SAME(RNNS(2, 2), "rnn", 0)),
        (
            "bidirectional 'no'",
            TE,
            "bidirectional",
            lambda f: SAME(RNNS(2, 2), "rnn", bidirectional="no"),
        ),
        (
            "activation",
            VE,
            "activation",
            lambda f: SAME(RNNS(2, 2), "rnn", activation="gelu"),
        ),
        (
            "zero steps",
            VE,
            "num_steps",
            lambda f: SAME(RNNS(2, 2), "rnn", num_steps=0),
        ),
        (
            "batch_size -1",
            VE,
            "batch_size",
            lambda f: SAME(RNNS(2, 2), "rnn", batch_size=-1),
        ),
    ],
)
for v, e in ((0, ValueError), (NAN, ValueError), ("1e-5", TypeError)):
    add(
        "equivalence.check_same_function",
        f"tolerance {v!r}",
        e,
        "tolerance",
        lambda f, v=v: SAME(RNNS(2, 2), "rnn", tolerance=v),
    )
cases(
    "equivalence.check_same_function",
    [
        ("seed -1", VE, "seed", lambda f: SAME(RNNS(2, 2), "rnn", seed=-1)),
        ("device str", TE, "device", lambda f: SAME(RNNS(2, 2), "rnn", device="cpu")),
        (
            "parameters of another cell",
            VE,
            "W_xh",
            lambda f: SAME(initialized(RNNS(2, 2)), "lstm"),
        ),
    ],
)

# ---------------------------------------------------------------- generate
SP = generate.sampling_probs
cases(
    "generate.sampling_probs",
    [
        ("NaN logits", VE, "logits", lambda f: SP(np.array([1.0, NAN]))),
        ("2-D logits", VE, "logits", lambda f: SP(np.zeros((2, 3)))),
        ("empty logits", VE, "logits", lambda f: SP(np.zeros(0))),
        ("str logits", TE, "logits", lambda f: SP("abc")),
    ],
)
for v, e in (
    (1e-320, ValueError),
    (0, ValueError),
    (-1.0, ValueError),
    (NAN, ValueError),
    (INF, ValueError),
    ("1", TypeError),
):
    add(
        "generate.sampling_probs",
        f"temperature {v!r}",
        e,
        "temperature",
        lambda f, v=v: SP(np.array([1.0, 800.0]), v),
    )
for v, e in ((0, ValueError), (4, ValueError), (1.5, TypeError), ("2", TypeError)):
    add(
        "generate.sampling_probs",
        f"top_k {v!r}",
        e,
        "top_k",
        lambda f, v=v: SP(np.zeros(3), 1.0, v),
    )


def gen(f, **kwargs):
    args = {"model": f.lm, "vocab": f.vocab, "prefix": "ab", "num_tokens": 2, **kwargs}
    return generate.generate(**args)


cases(
    "generate.generate",
    [
        ("model a function", TE, "model", lambda f: gen(f, model=print)),
        ("vocab a list", TE, "vocab", lambda f: gen(f, vocab=list("abcd"))),
        ("vocab of another size", VE, "vocab", lambda f: gen(f, vocab=text.Vocab(list("abc")))),
        ("prefix empty", VE, "prefix", lambda f: gen(f, prefix="")),
        ("prefix an int", TE, "prefix", lambda f: gen(f, prefix=5)),
        ("prefix token unknown", VE, "prefix", lambda f: gen(f, prefix="abz")),
        ("num_tokens -1", VE, "num_tokens", lambda f: gen(f, num_tokens=-1)),
        ("num_tokens float", TE, "num_tokens", lambda f: gen(f, num_tokens=2.0)),
        ("greedy 'no'", TE, "greedy", lambda f: gen(f, greedy="no")),
        ("temperature 0", VE, "temperature", lambda f: gen(f, temperature=0)),
        ("top_k 0", VE, "top_k", lambda f: gen(f, top_k=0)),
        ("seed -1", VE, "seed", lambda f: gen(f, seed=-1)),
        ("tokenizer a str", TE, "tokenizer", lambda f: gen(f, tokenizer="char")),
        ("device str", TE, "device", lambda f: gen(f, device="cpu")),
    ],
)

# ---------------------------------------------------------------- gluon_adapter
GA = gluon_adapter
cases(
    "gluon_adapter.begin_state",
    [
        ("a Dense", TE, "layer", lambda f: GA.begin_state(Dense(2), 2)),
        ("batch_size 0", VE, "batch_size", lambda f: GA.begin_state(rnn.GRU(2), 0)),
        ("device str", TE, "device", lambda f: GA.begin_state(rnn.GRU(2), 2, "gpu")),
    ],
)
cases(
    "gluon_adapter.finish_deferred_init",
    [
        ("param an array", TE, "param", lambda f: GA.finish_deferred_init(mnp.zeros(2), (2,))),
        (
            "shape 0",
            VE,
            "shape[0]",
            lambda f: GA.finish_deferred_init(gluon.Parameter("p", shape=(0, 2)), (0, 2)),
        ),
        (
            "shape float",
            TE,
            "shape[0]",
            lambda f: GA.finish_deferred_init(gluon.Parameter("p", shape=(0, 2)), (2.0, 2)),
        ),
        (
            "shape an int",
            TE,
            "shape",
            lambda f: GA.finish_deferred_init(gluon.Parameter("p", shape=(0,)), 3),
        ),
    ],
)
cases(
    "gluon_adapter.gluon_block_params",
    [
        ("the book's layer", TE, "layer", lambda f: GA.gluon_block_params(f.rnn)),
        (
            "block r0 of a one-way layer",
            VE,
            "block",
            lambda f: GA.gluon_block_params(f.gluon_lstm, "r0"),
        ),
        ("block an int", VE, "block", lambda f: GA.gluon_block_params(f.gluon_lstm, 0)),
    ],
)
cases(
    "gluon_adapter.gluon_layout",
    [
        ("a Dense", TE, "layer", lambda f: GA.gluon_layout(Dense(2))),
        ("the book's layer", TE, "layer", lambda f: GA.gluon_layout(f.gru)),
    ],
)
cases(
    "gluon_adapter.initialize",
    [
        ("model a str", TE, "model", lambda f: GA.initialize("model")),
        ("device str", TE, "device", lambda f: GA.initialize(Dense(2), None, "cpu")),
        (
            "initializer a number",
            TE,
            "initializer",
            lambda f: GA.initialize(Dense(2), None, None, 0.1),
        ),
        (
            "example out of the vocabulary",
            VE,
            "X",
            lambda f: GA.initialize(lm.RNNLM(rnn.RNN(3), 4), np.array([[4]])),
        ),
    ],
)
cases(
    "gluon_adapter.is_initialized",
    [
        ("an array", TE, "param", lambda f: GA.is_initialized(mnp.zeros(2))),
        ("None", TE, "param", lambda f: GA.is_initialized(None)),
    ],
)
# A predicate accepts any object: the only bad call is one without the object.
CASES.append(
    Case(
        "gluon_adapter.is_gluon_rnn",
        "no layer",
        lambda f: GA.is_gluon_rnn(),
        TypeError,
        "layer",
        python=True,
    )
)

# ---------------------------------------------------------------- gradients
G = gradients
cases(
    "gradients.init_rnn_lm_params",
    [
        ("vocab_size 0", VE, "vocab_size", lambda f: G.init_rnn_lm_params(0, 3)),
        ("num_hiddens float", TE, "num_hiddens", lambda f: G.init_rnn_lm_params(5, 3.0)),
    ],
)
for v, e in ((0, ValueError), (-1.0, ValueError), (NAN, ValueError), ("0.5", TypeError)):
    add(
        "gradients.init_rnn_lm_params",
        f"sigma {v!r}",
        e,
        "sigma",
        lambda f, v=v: G.init_rnn_lm_params(5, 3, v),
    )
add(
    "gradients.init_rnn_lm_params",
    "seed -1",
    VE,
    "seed",
    lambda f: G.init_rnn_lm_params(5, 3, seed=-1),
)
for key, call in (
    ("gradients.check_xy", lambda f, X, Y: G.check_xy(X, Y, f.V)),
    ("gradients.autograd_gradients", lambda f, X, Y: G.autograd_gradients(f.params, X, Y)),
    ("gradients.check_gradients", lambda f, X, Y: G.check_gradients(f.backward, f.params, X, Y)),
):
    add(key, "X floats", TE, "X", lambda f, c=call: c(f, f.XY[0] * 1.0, f.XY[1]))
    add(key, "X index = V", VE, "X", lambda f, c=call: c(f, f.XY[0] + 1, f.XY[1]))
    add(key, "Y negative", VE, "Y", lambda f, c=call: c(f, f.XY[0], f.XY[1] - 1))
    add(key, "shapes differ", VE, "X and Y", lambda f, c=call: c(f, f.XY[0], f.XY[1].T))
    add(key, "X 1-D", VE, "X", lambda f, c=call: c(f, f.XY[0][0], f.XY[1][0]))
    add(key, "zero steps", VE, "X", lambda f, c=call: c(f, f.XY[0][:0], f.XY[1][:0]))
cases(
    "gradients.check_xy",
    [
        ("vocab_size 0", VE, "vocab_size", lambda f: G.check_xy(*f.XY, 0)),
        ("vocab_size float", TE, "vocab_size", lambda f: G.check_xy(*f.XY, 5.0)),
    ],
)
for key, call in (
    ("gradients.autograd_gradients", lambda f, p: G.autograd_gradients(p, *f.XY)),
    ("gradients.check_gradients", lambda f, p: G.check_gradients(f.backward, p, *f.XY)),
):
    add(key, "params a list", TE, "params", lambda f, c=call: c(f, list(f.params.values())))
    add(
        key,
        "params missing b_q",
        VE,
        "params",
        lambda f, c=call: c(f, {k: v for k, v in f.params.items() if k != "b_q"}),
    )
    add(
        key,
        "params W_hh wrong shape",
        VE,
        "params['W_hh']",
        lambda f, c=call: c(f, {**f.params, "W_hh": np.zeros((3, 4))}),
    )
    add(
        key,
        "params NaN",
        VE,
        "params['b_h']",
        lambda f, c=call: c(f, {**f.params, "b_h": np.full(3, NAN)}),
    )
add(
    "gradients.check_gradients",
    "backward not callable",
    TE,
    "backward",
    lambda f: G.check_gradients(None, f.params, *f.XY),
)
for arg in ("eps", "tolerance"):
    for v, e in ((0, ValueError), (NAN, ValueError), ("1e-6", TypeError)):
        add(
            "gradients.check_gradients",
            f"{arg} {v!r}",
            e,
            arg,
            lambda f, a=arg, v=v: G.check_gradients(f.backward, f.params, *f.XY, **{a: v}),
        )


def loss_of(params):
    return float((params["w"] ** 2).sum())


cases(
    "gradients.numerical_gradient",
    [
        (
            "loss_fn not callable",
            TE,
            "loss_fn",
            lambda f: G.numerical_gradient(1.0, {"w": np.ones(2)}, "w"),
        ),
        ("params a list", TE, "params", lambda f: G.numerical_gradient(loss_of, [np.ones(2)], "w")),
        (
            "name missing",
            VE,
            "name",
            lambda f: G.numerical_gradient(loss_of, {"w": np.ones(2)}, "v"),
        ),
    ],
)
for v, e in ((NAN, ValueError), (0, ValueError), (-1e-6, ValueError), ("1e-6", TypeError)):
    add(
        "gradients.numerical_gradient",
        f"eps {v!r}",
        e,
        "eps",
        lambda f, v=v: G.numerical_gradient(loss_of, {"w": np.ones(2)}, "w", v),
    )
add(
    "gradients.numerical_gradient",
    "float32 parameter",
    TE,
    "params['w']",
    lambda f: G.numerical_gradient(loss_of, {"w": np.ones(2, np.float32)}, "w"),
)
cases(
    "gradients.relative_error",
    [
        ("shapes differ", VE, "a and b", lambda f: G.relative_error(np.ones(2), np.ones(3))),
        ("a None", TE, "a", lambda f: G.relative_error(None, np.ones(2))),
        ("b strings", TE, "b", lambda f: G.relative_error(np.ones(2), ["x", "y"])),
    ],
)

# ---------------------------------------------------------------- layers
cases(
    "layers.get_cell",
    [
        ("unknown", VE, "cell", lambda f: layers.get_cell("tcn")),
        ("a list", VE, "cell", lambda f: layers.get_cell(["rnn"])),
    ],
)
add(
    "layers.Cell.block_index",
    "gate of another cell",
    VE,
    "gate",
    lambda f: layers.CELLS["gru"].block_index("forget"),
)
add(
    "layers.ScratchRecurrent",
    "the base class",
    TE,
    "ScratchRecurrent",
    lambda f: layers.ScratchRecurrent(4),
)
for cls in (layers.RNNScratch, layers.LSTMScratch, layers.GRUScratch):
    key = f"layers.{cls.__name__}"
    add(key, "num_hiddens 0", VE, "num_hiddens", lambda f, c=cls: c(0))
    add(key, "num_hiddens str", TE, "num_hiddens", lambda f, c=cls: c("4"))
    add(key, "num_inputs -1", VE, "num_inputs", lambda f, c=cls: c(4, -1))
    add(key, "sigma NaN", VE, "sigma", lambda f, c=cls: c(4, sigma=NAN))
    add(key, "sigma negative", VE, "sigma", lambda f, c=cls: c(4, sigma=-0.1))
    add(key, "fast 'no'", TE, "fast", lambda f, c=cls: c(4, fast="no"))
    add(key, "fast 1", TE, "fast", lambda f, c=cls: c(4, fast=1))
add(
    "layers.RNNScratch",
    "activation unknown",
    VE,
    "activation",
    lambda f: RNNS(4, activation="gelu"),
)

SR = "layers.ScratchRecurrent"
add(f"{SR}.begin_state", "batch_size 0", VE, "batch_size", lambda f: f.rnn.begin_state(0))
add(f"{SR}.begin_state", "batch_size float", TE, "batch_size", lambda f: f.lstm.begin_state(2.0))
add(f"{SR}.begin_state", "device str", TE, "device", lambda f: f.gru.begin_state(2, "cpu"))
add(f"{SR}.set_num_inputs", "0", VE, "num_inputs", lambda f: RNNS(4).set_num_inputs(0))
add(
    f"{SR}.set_num_inputs",
    "float",
    TE,
    "num_inputs",
    lambda f: RNNS(4).set_num_inputs(3.0),
)
add(
    f"{SR}.set_num_inputs",
    "differs from the known size",
    VE,
    "num_inputs",
    lambda f: RNNS(4, 3).set_num_inputs(5),
)
add(f"{SR}.param_arrays", "device str", TE, "device", lambda f: f.rnn.param_arrays("cpu"))
add(f"{SR}.gate_params", "device int", TE, "device", lambda f: f.lstm.gate_params(0))
for name in ("rnn", "lstm", "gru"):
    add(
        f"{SR}.forward",
        f"{name}: zero steps",
        VE,
        "inputs",
        lambda f, n=name: getattr(f, n)(zeros(0, 2, 3)),
    )
    add(
        f"{SR}.forward",
        f"{name}: state of 2 rows",
        VE,
        "state H",
        lambda f, n=name: getattr(f, n)(
            zeros(2, 2, 3), [zeros(2, 2, 4)] * getattr(f, n).num_states
        ),
    )
add(f"{SR}.forward", "zero sequences", VE, "inputs", lambda f: f.rnn(zeros(2, 0, 3)))
add(f"{SR}.forward", "NumPy inputs", TE, "inputs", lambda f: f.rnn(np.zeros((2, 2, 3), np.float32)))
add(f"{SR}.forward", "4-D inputs", VE, "inputs", lambda f: f.rnn(zeros(2, 2, 3, 1)))
add(f"{SR}.forward", "features differ", VE, "inputs", lambda f: f.rnn(zeros(2, 2, 5)))
add(
    f"{SR}.forward",
    "float64 inputs",
    TE,
    "inputs",
    lambda f: f.rnn(mnp.zeros((2, 2, 3), dtype="float64")),
)
add(f"{SR}.forward", "index = num_inputs", VE, "inputs", lambda f: f.rnn(mi([[0, 3]])))
add(f"{SR}.forward", "negative index", VE, "inputs", lambda f: f.gru(mi([[0, -1]])))
add(
    f"{SR}.forward",
    "indices without num_inputs",
    VE,
    "num_inputs",
    lambda f: initialized(RNNS(4))(mi([[0, 1]])),
)
add(
    f"{SR}.forward",
    "states not a list",
    TE,
    "states",
    lambda f: f.rnn(zeros(2, 2, 3), zeros(1, 2, 4)),
)
add(
    f"{SR}.forward",
    "LSTM given [H] only",
    VE,
    "states",
    lambda f: f.lstm(zeros(2, 2, 3), [zeros(1, 2, 4)]),
)
add(
    f"{SR}.forward",
    "state of NumPy",
    TE,
    "state H",
    lambda f: f.rnn(zeros(2, 2, 3), [np.zeros((1, 2, 4))]),
)
add(
    f"{SR}.forward",
    "LSTM: C of another batch",
    VE,
    "state C",
    lambda f: f.lstm(zeros(2, 2, 3), [zeros(1, 2, 4), zeros(1, 3, 4)]),
)
# A context (N, c) read at every step after the step's d features: the fixture layers have
# num_inputs 3, so features (T, 2, 2) take a context (2, 1).
X2 = zeros(2, 2, 2)
cases(
    f"{SR}.forward",
    [
        (
            "context of NumPy",
            TE,
            "context",
            lambda f: f.gru(X2, None, np.zeros((2, 1), np.float32)),
        ),
        ("context a list", TE, "context", lambda f: f.rnn(X2, None, [[0.0], [0.0]])),
        ("context of another batch", VE, "context", lambda f: f.lstm(X2, None, zeros(3, 1))),
        ("context 1-D", VE, "context", lambda f: f.rnn(X2, None, zeros(2))),
        ("context 3-D", VE, "context", lambda f: f.gru(X2, None, zeros(2, 1, 1))),
        ("context of width 0", VE, "context", lambda f: f.rnn(zeros(2, 2, 3), None, zeros(2, 0))),
        (
            "context float64",
            TE,
            "context",
            lambda f: f.lstm(X2, None, mnp.zeros((2, 1), dtype="float64")),
        ),
        (
            "context of ints",
            TE,
            "context",
            lambda f: f.rnn(X2, None, mnp.zeros((2, 1), dtype="int32")),
        ),
        (
            "inputs float64 with a context",
            TE,
            "inputs",
            lambda f: f.gru(mnp.zeros((2, 2, 2), dtype="float64"), None, zeros(2, 1)),
        ),
        ("d + c above num_inputs", VE, "context", lambda f: f.rnn(X2, None, zeros(2, 2))),
        (
            "d + c below num_inputs",
            VE,
            "context",
            lambda f: f.gru(zeros(2, 2, 1), None, zeros(2, 1)),
        ),
        (
            "indices with a context",
            VE,
            "inputs",
            lambda f: f.lstm(mi([[0, 1], [2, 0]]), None, zeros(2, 1)),
        ),
        (
            "NumPy inputs with a context",
            TE,
            "inputs",
            lambda f: f.rnn(np.zeros((2, 2, 2), np.float32), None, zeros(2, 1)),
        ),
        (
            "zero steps with a context",
            VE,
            "inputs",
            lambda f: f.gru(zeros(0, 2, 2), None, zeros(2, 1)),
        ),
        (
            "states of another batch with a context",
            VE,
            "state H",
            lambda f: f.rnn(X2, [zeros(1, 3, 4)], zeros(2, 1)),
        ),
    ],
)
for fast in (True, False):  # the plain path checks the context before concatenating it
    add(
        f"{SR}.forward",
        f"context of another batch, fast={fast}",
        VE,
        "context",
        lambda f, fast=fast: initialized(GRUS(4, 3, fast=fast))(X2, None, zeros(3, 1)),
    )
    add(
        f"{SR}.forward",
        f"d + c differs from num_inputs, fast={fast}",
        VE,
        "context",
        lambda f, fast=fast: initialized(LSTMS(4, 3, fast=fast))(X2, None, zeros(2, 2)),
    )
add(f"{SR}.trace", "zero steps", VE, "inputs", lambda f: f.lstm.trace(zeros(0, 2, 3)))
add(
    f"{SR}.trace",
    "state of 5 units",
    VE,
    "state H",
    lambda f: f.gru.trace(zeros(2, 2, 3), [zeros(1, 2, 5)]),
)
add(f"{SR}.trace", "an RNN has no gates", TE, "gates", lambda f: f.rnn.trace(zeros(2, 2, 3)))
for name in ("rnn", "lstm", "gru"):
    key = f"layers.{ {'rnn': 'RNNScratch', 'lstm': 'LSTMScratch', 'gru': 'GRUScratch'}[name] }"
    add(
        f"{key}.step",
        "X_t of 5 features",
        VE,
        "X_t",
        lambda f, n=name: getattr(f, n).step(zeros(2, 5), [zeros(2, 4)] * getattr(f, n).num_states),
    )
    add(
        f"{key}.step",
        "X_t 3-D",
        VE,
        "X_t",
        lambda f, n=name: getattr(f, n).step(
            zeros(1, 2, 3), [zeros(2, 4)] * getattr(f, n).num_states
        ),
    )
    add(
        f"{key}.step",
        "states (1, N, h)",
        VE,
        "state H",
        lambda f, n=name: getattr(f, n).step(
            zeros(2, 3), [zeros(1, 2, 4)] * getattr(f, n).num_states
        ),
    )
    add(
        f"{key}.step",
        "one state too many",
        VE,
        "states",
        lambda f, n=name: getattr(f, n).step(zeros(2, 3), [zeros(2, 4)] * 3),
    )
    add(
        f"{key}.step",
        "gates a list",
        TE,
        "gates",
        lambda f, n=name: getattr(f, n).step(
            zeros(2, 3), [zeros(2, 4)] * getattr(f, n).num_states, None, []
        ),
    )
    add(
        f"{key}.step",
        "p a dict",
        TE,
        "p",
        lambda f, n=name: getattr(f, n).step(
            zeros(2, 3), [zeros(2, 4)] * getattr(f, n).num_states, {}
        ),
    )
    add(
        f"{key}.fast_step",
        "one state too many",
        VE,
        "XW_t",
        lambda f, n=name: getattr(f, n).fast_step(mx.nd, [], [zeros(2, 4)] * 3, [], []),
    )
    add(
        f"{key}.fast_step",
        "W_T not a list",
        VE,
        "W_T",
        lambda f, n=name: getattr(f, n).fast_step(
            mx.nd,
            [zeros(2, 4)] * getattr(f, n).num_gates,
            [zeros(2, 4)] * getattr(f, n).num_states,
            None,
            [],
        ),
    )

# ---------------------------------------------------------------- lm
cases(
    "lm.RNNLM",
    [
        ("rnn a Dense", TE, "rnn", lambda f: lm.RNNLM(Dense(3), 5)),
        ("vocab_size 0", VE, "vocab_size", lambda f: lm.RNNLM(rnn.RNN(3), 0)),
        ("vocab_size float", TE, "vocab_size", lambda f: lm.RNNLM(rnn.RNN(3), 5.0)),
        ("embed_size 0", VE, "embed_size", lambda f: lm.RNNLM(rnn.RNN(3), 5, 0)),
        ("hybridize 'no'", TE, "hybridize", lambda f: lm.RNNLM(rnn.RNN(3), 5, hybridize="no")),
        (
            "the layer's input size is not the vocabulary's",
            VE,
            "num_inputs",
            lambda f: lm.RNNLM(RNNS(3, 4), 5),
        ),
    ],
)
cases(
    "lm.RNNLM.begin_state",
    [
        ("batch_size 0", VE, "batch_size", lambda f: f.lm.begin_state(0)),
        ("device str", TE, "device", lambda f: f.lm_gluon.begin_state(2, "cpu")),
    ],
)
for meth in ("forward", "encode", "trace"):
    model = "lm_lstm" if meth == "trace" else "lm"
    call = (
        (lambda m, X: m(X)) if meth == "forward" else (lambda m, X, meth=meth: getattr(m, meth)(X))
    )
    add(
        f"lm.RNNLM.{meth}",
        "index = vocab_size",
        VE,
        "X",
        lambda f, m=model, c=call: c(getattr(f, m), mi([[1, 5]])),
    )
    add(
        f"lm.RNNLM.{meth}",
        "negative index",
        VE,
        "X",
        lambda f, m=model, c=call: c(getattr(f, m), mi([[-1, 2]])),
    )
    add(
        f"lm.RNNLM.{meth}",
        "float indices",
        TE,
        "X",
        lambda f, m=model, c=call: c(getattr(f, m), mnp.array([[1.0, 2.0]])),
    )
    add(
        f"lm.RNNLM.{meth}",
        "NumPy X",
        TE,
        "X",
        lambda f, m=model, c=call: c(getattr(f, m), np.array([[1, 2]])),
    )
    add(
        f"lm.RNNLM.{meth}",
        "3-D X",
        VE,
        "X",
        lambda f, m=model, c=call: c(getattr(f, m), mi([[[1, 2]]])),
    )
    add(
        f"lm.RNNLM.{meth}",
        "zero steps",
        VE,
        "X",
        lambda f, m=model, c=call: c(getattr(f, m), mi(np.zeros((2, 0)))),
    )
cases(
    "lm.RNNLM.forward",
    [
        (
            "gluon layer: state of 2 rows",
            VE,
            "state[0]",
            lambda f: f.lm_gluon(mi([[1, 2]]), [zeros(2, 1, 4)]),
        ),
        (
            "gluon layer: state of another batch",
            VE,
            "state[0]",
            lambda f: f.lm_gluon(mi([[1, 2]]), [zeros(1, 3, 4)]),
        ),
        (
            "gluon layer: state not a list",
            TE,
            "state",
            lambda f: f.lm_gluon(mi([[1, 2]]), zeros(1, 1, 4)),
        ),
        (
            "deep layer: one direction's rows",
            VE,
            "state[0]",
            lambda f: f.lm_deep(mi([[1, 2]]), [zeros(2, 1, 3)] * 2),
        ),
        (
            "deep LSTM given [H] only",
            VE,
            "state",
            lambda f: f.lm_deep(mi([[1, 2]]), [zeros(4, 1, 3)]),
        ),
        (
            "book's layer: state of 3 units",
            VE,
            "state H",
            lambda f: f.lm(mi([[1, 2]]), [zeros(1, 1, 3)]),
        ),
    ],
)
add(
    "lm.RNNLM.trace",
    "a gluon layer has no trace",
    TE,
    "trace",
    lambda f: f.lm_gluon.trace(mi([[1, 2]])),
)

# ---------------------------------------------------------------- longrange
LR = longrange
add("longrange.recall_batch", "rng a seed", TE, "rng", lambda f: LR.recall_batch(0, 2, 3))
for arg, pos, bad in (("batch_size", 1, 0), ("T", 2, 0), ("num_symbols", 3, 1)):
    args = [np.random.default_rng(0), 2, 3, 4]
    args[pos] = bad
    add(
        "longrange.recall_batch",
        f"{arg} {bad}",
        VE,
        arg,
        lambda f, a=tuple(args): LR.recall_batch(*a),
    )
add(
    "longrange.recall_batch",
    "T float",
    TE,
    "T",
    lambda f: LR.recall_batch(np.random.default_rng(0), 2, 3.0),
)
for arg, bad in (
    ("batch_size", 0),
    ("T", 0),
    ("num_symbols", 1),
    ("steps", 0),
    ("max_steps", 0),
    ("seed", -1),
):
    kwargs = {"batch_size": 2, "T": 3, "num_symbols": 4, "steps": 2, "max_steps": 4, arg: bad}
    add(
        "longrange.RecallBatches",
        f"{arg} {bad}",
        VE,
        arg,
        lambda f, k=kwargs: LR.RecallBatches(**k),
    )
add(
    "longrange.RecallBatches",
    "steps float",
    TE,
    "steps",
    lambda f: LR.RecallBatches(2, 3, 4, 2.0, 4),
)
cases(
    "longrange.num_params",
    [
        ("cell unknown", VE, "cell", lambda f: LR.num_params("tcn", 4, 4)),
        ("num_hiddens -1", VE, "num_hiddens", lambda f: LR.num_params("rnn", -1, 4)),
        ("num_symbols 1", VE, "num_symbols", lambda f: LR.num_params("rnn", 4, 1)),
        ("num_hiddens float", TE, "num_hiddens", lambda f: LR.num_params("rnn", 4.0, 4)),
    ],
)
cases(
    "longrange.num_hiddens_for_budget",
    [
        ("cell unknown", VE, "cell", lambda f: LR.num_hiddens_for_budget("tcn", 100, 4)),
        ("budget 0", VE, "budget", lambda f: LR.num_hiddens_for_budget("rnn", 0, 4)),
        ("budget too small", VE, "budget", lambda f: LR.num_hiddens_for_budget("lstm", 10, 4)),
        (
            "num_symbols str",
            TE,
            "num_symbols",
            lambda f: LR.num_hiddens_for_budget("rnn", 100, "4"),
        ),
    ],
)
cases(
    "longrange.recall_model",
    [
        ("cell unknown", VE, "cell", lambda f: LR.recall_model("tcn", 4, 4)),
        ("num_hiddens 0", VE, "num_hiddens", lambda f: LR.recall_model("gru", 0, 4)),
        ("num_symbols 1", VE, "num_symbols", lambda f: LR.recall_model("gru", 4, 1)),
    ],
)
cases(
    "longrange.set_keep_gate_bias",
    [
        ("the book's layer", TE, "layer", lambda f: LR.set_keep_gate_bias(f.lstm, 1.0)),
        (
            "an RNN has no keep gate",
            VE,
            "layer",
            lambda f: LR.set_keep_gate_bias(initialized(rnn.RNN(2, input_size=2)), 1.0),
        ),
        (
            "two layers",
            VE,
            "layer",
            lambda f: LR.set_keep_gate_bias(initialized(rnn.GRU(2, 2, input_size=2)), 1.0),
        ),
        ("not initialized", VE, "layer", lambda f: LR.set_keep_gate_bias(rnn.GRU(2), 1.0)),
        ("value NaN", VE, "value", lambda f: LR.set_keep_gate_bias(f.gluon_lstm, NAN)),
        ("value str", TE, "value", lambda f: LR.set_keep_gate_bias(f.gluon_lstm, "1")),
    ],
)


def recall(**kwargs):
    args = {"cell": "gru", "T": 3, "num_hiddens": 2, "max_steps": 1, **kwargs}
    return LR.train_recall(**args)


for arg, bad, e in (
    ("cell", "tcn", ValueError), ("T", 0, ValueError), ("num_hiddens", 0, ValueError),
    ("num_symbols", 1, ValueError), ("keep_bias", NAN, ValueError), ("max_steps", 0, ValueError),
    ("batch_size", 0, ValueError), ("lr", 0, ValueError), ("clip", -1.0, ValueError),
    ("eval_every", 0, ValueError), ("target", 1.5, ValueError), ("seed", -1, ValueError),
    ("device", "cpu", TypeError), ("T", 3.0, TypeError),
):  # fmt: skip
    add(
        "longrange.train_recall", f"{arg} {bad!r}", e, arg, lambda f, a=arg, b=bad: recall(**{a: b})
    )


def fit_recall(**kwargs):
    model = classifiers.SequenceClassifier(rnn.GRU(2), 8, 8)
    model.initialize()
    args = {"model": model, "T": 3, "max_steps": 1, **kwargs}
    return LR.fit_recall(**args)


add("longrange.fit_recall", "model a layer", TypeError, "model",
    lambda f: LR.fit_recall(rnn.GRU(2), 3))  # fmt: skip
for arg, bad, e in (
    ("T", 0, ValueError), ("max_steps", 0, ValueError), ("batch_size", 0, ValueError),
    ("lr", 0, ValueError), ("clip", -1.0, ValueError), ("eval_every", 0, ValueError),
    ("target", 1.5, ValueError), ("seed", -1, ValueError), ("device", "cpu", TypeError),
    ("T", 3.0, TypeError),
):  # fmt: skip
    add("longrange.fit_recall", f"{arg} {bad!r}", e, arg,
        lambda f, a=arg, b=bad: fit_recall(**{a: b}))  # fmt: skip
RE = LR.recall_experiment
cases(
    "longrange.recall_experiment",
    [
        ("Ts a number", TE, "Ts", lambda f: RE(Ts=5)),
        ("Ts empty", VE, "Ts", lambda f: RE(Ts=())),
        ("Ts with 0", VE, "Ts[1]", lambda f: RE(Ts=(5, 0))),
        ("cells a str", TE, "cells", lambda f: RE(cells="rnn")),
        ("cells unknown", VE, "cells[1]", lambda f: RE(cells=("rnn", "tcn"))),
        ("budget 0", VE, "budget", lambda f: RE(budget=0)),
        ("keep_bias inf", VE, "keep_bias", lambda f: RE(keep_bias=INF)),
        ("num_symbols 1", VE, "num_symbols", lambda f: RE(num_symbols=1)),
        ("workers 0", VE, "workers", lambda f: RE(workers=0)),
        ("workers a str", TE, "workers", lambda f: RE(workers="2")),
        ("workers 1.5", TE, "workers", lambda f: RE(workers=1.5)),
    ],
)

# ---------------------------------------------------------------- metrics
PP = metrics.perplexity
for v, e, what in (
    ([NAN], ValueError, "NaN"), ([], ValueError, "empty"), (np.zeros((2, 2)), ValueError, "2-D"),
    ([0.5], ValueError, "a positive log-probability"), ("abc", TypeError, "a str"),
    (None, TypeError, "None"), (["a"], TypeError, "strings"), (3.0, TypeError, "one number"),
):  # fmt: skip
    add("metrics.perplexity", what, e, "log_probs", lambda f, v=v: PP(v))

# ---------------------------------------------------------------- ngram
NG = ngram.NGramLM
cases(
    "ngram.ngram_counts",
    [
        ("a str", TE, "tokens", lambda f: ngram.ngram_counts("abc", 2)),
        ("int tokens", TE, "tokens[0]", lambda f: ngram.ngram_counts([1, 2], 2)),
        ("n 0", VE, "n", lambda f: ngram.ngram_counts(list("abc"), 0)),
        ("n float", TE, "n", lambda f: ngram.ngram_counts(list("abc"), 2.0)),
    ],
)
cases(
    "ngram.NGramLM",
    [
        ("a str", TE, "tokens", lambda f: NG("abc", 2)),
        ("fewer tokens than n", VE, "tokens", lambda f: NG(list("ab"), 3)),
        ("n 0", VE, "n", lambda f: NG(list("abc"), 0)),
    ],
)
for v, e in ((INF, ValueError), (-1.0, ValueError), (NAN, ValueError), ("1", TypeError)):
    add("ngram.NGramLM", f"alpha {v!r}", e, "alpha", lambda f, v=v: NG(list("abc"), 2, alpha=v))
add("ngram.NGramLM", "vocab a list", TE, "vocab", lambda f: NG(list("abc"), 2, list("abc")))
cases(
    "ngram.NGramLM.prob",
    [
        ("context too long", VE, "context", lambda f: f.ngram.prob(["a", "b"], "c")),
        ("context a str", TE, "context", lambda f: f.ngram.prob("ab", "c")),
        ("token an int", TE, "token", lambda f: f.ngram.prob(["a"], 3)),
    ],
)
for meth in ("log_probs", "perplexity"):
    add(
        f"ngram.NGramLM.{meth}",
        "too few tokens",
        VE,
        "tokens",
        lambda f, m=meth: getattr(f.ngram, m)(["a"]),
    )
    add(
        f"ngram.NGramLM.{meth}", "a str", TE, "tokens", lambda f, m=meth: getattr(f.ngram, m)("abc")
    )
    add(f"ngram.NGramLM.{meth}", "None", TE, "tokens", lambda f, m=meth: getattr(f.ngram, m)(None))
cases(
    "ngram.NGramLM.generate",
    [
        ("prefix too short", VE, "prefix", lambda f: f.ngram.generate([], 3)),
        ("prefix a str", TE, "prefix", lambda f: f.ngram.generate("ab", 3)),
        ("num_tokens -1", VE, "num_tokens", lambda f: f.ngram.generate(["a"], -1)),
        ("num_tokens float", TE, "num_tokens", lambda f: f.ngram.generate(["a"], 2.0)),
        ("seed -1", VE, "seed", lambda f: f.ngram.generate(["a"], 2, -1)),
        (
            "unseen context, alpha 0",
            VE,
            "alpha",
            lambda f: NG(list("abab"), 2, text.Vocab(list("abc")), 0).generate(["c"], 1),
        ),
    ],
)

# ---------------------------------------------------------------- plot
cases(
    "plot.plot",
    [
        ("X None", VE, "X", lambda f: plot.plot(None)),
        ("X a str", TE, "X", lambda f: plot.plot("abc")),
        ("X and Y of other lengths", VE, "x and y", lambda f: plot.plot([1, 2, 3], [1, 2])),
        ("2 X for 3 Y", VE, "X and Y", lambda f: plot.plot([[1, 2]] * 2, [[1, 2]] * 3)),
        ("xscale unknown", VE, "xscale", lambda f: plot.plot([1, 2], xscale="cubic")),
        ("yscale None", VE, "yscale", lambda f: plot.plot([1, 2], yscale=None)),
    ],
)
PPART = plot.plot_partitions
cases(
    "plot.plot_partitions",
    [
        ("num_tokens -1", VE, "num_tokens", lambda f: PPART(-1)),
        ("num_tokens float", TE, "num_tokens", lambda f: PPART(48.0)),
        ("batch_size 0", VE, "batch_size", lambda f: PPART(48, 0)),
        ("num_steps 0", VE, "num_steps", lambda f: PPART(48, 2, 0)),
        ("seed -1", VE, "seed", lambda f: PPART(48, 2, 5, -1)),
    ],
)
SHAPES = plot.sequence_shapes
GM = plot.graphical_model
cases(
    "plot.graphical_model",
    [
        ("steps 1", VE, "steps", lambda f: GM(1)),
        ("steps 13", VE, "steps", lambda f: GM(13)),
        ("steps float", TE, "steps", lambda f: GM(4.0)),
        ("figsize a str", TE, "figsize", lambda f: GM(4, "9x3")),
        ("height 0", VE, "figsize[1]", lambda f: GM(4, (9, 0))),
    ],
)
cases(
    "plot.rnn_graph",
    [
        ("steps 1", VE, "steps", lambda f: plot.rnn_graph(1)),
        ("steps None", TE, "steps", lambda f: plot.rnn_graph(None)),
        ("free_running 1", TE, "free_running", lambda f: plot.rnn_graph(4, 1)),
    ],
)
cases(
    "plot.sequence_shapes",
    [
        ("figsize a number", TE, "figsize", lambda f: SHAPES(10)),
        ("figsize a str", TE, "figsize", lambda f: SHAPES("10x3")),
        ("figsize of three", TE, "figsize", lambda f: SHAPES((10, 3, 1))),
        ("width 0", VE, "figsize[0]", lambda f: SHAPES((0, 3))),
        ("height NaN", VE, "figsize[1]", lambda f: SHAPES((10, NAN))),
        ("height a str", TE, "figsize[1]", lambda f: SHAPES((10, "3"))),
    ],
)
GH = plot.gate_heatmap
cases(
    "plot.gate_heatmap",
    [
        ("gates a list", TE, "gates", lambda f: GH([np.zeros((5, 2))], "abcde", ["forget"], [0])),
        ("text an int", TE, "text", lambda f: GH(f.gates, 5, ["forget"], [0])),
        ("names a str", TE, "names", lambda f: GH(f.gates, "abcde", "forget", [0])),
        ("names empty", VE, "names", lambda f: GH(f.gates, "abcde", [], [0])),
        ("no such gate", VE, "names", lambda f: GH(f.gates, "abcde", ["output"], [0])),
        ("text of 4 for 5 steps", VE, "text", lambda f: GH(f.gates, "abcd", ["forget"], [0])),
        (
            "a 3-D gate",
            VE,
            "gates['forget']",
            lambda f: GH({"forget": np.zeros((5, 2, 1))}, "abcde", ["forget"], [0]),
        ),
        ("units empty", VE, "units", lambda f: GH(f.gates, "abcde", ["forget"], [])),
        ("units an int", TE, "units", lambda f: GH(f.gates, "abcde", ["forget"], 0)),
        ("unit -1", VE, "units[1]", lambda f: GH(f.gates, "abcde", ["forget"], [0, -1])),
        ("unit beyond the gate", VE, "units", lambda f: GH(f.gates, "abcde", ["forget"], [2])),
        ("unit float", TE, "units[0]", lambda f: GH(f.gates, "abcde", ["forget"], [1.0])),
    ],
)

# ---------------------------------------------------------------- progress
PR = progress.Progress
cases(
    "progress.Progress",
    [
        ("num_epochs 0", VE, "num_epochs", lambda f: PR(0)),
        ("num_epochs float", TE, "num_epochs", lambda f: PR(3.0)),
        ("mode unknown", VE, "mode", lambda f: PR(3, "loud")),
        ("title an int", TE, "title", lambda f: PR(3, "none", 5)),
        ("every 0", VE, "every", lambda f: PR(3, "none", every=0)),
    ],
)
PU = "progress.Progress.update"
add(PU, "epoch 0", VE, "epoch", lambda f: f.progress.update(0, 5.0, None, 100.0))
add(PU, "epoch float", TE, "epoch", lambda f: f.progress.update(1.0, 5.0, None, 100.0))
add(PU, "train NaN", VE, "train", lambda f: f.progress.update(1, NAN, None, 100.0))
add(PU, "train below 1", VE, "train", lambda f: f.progress.update(1, 0.5, None, 100.0))
add(PU, "train str", TE, "train", lambda f: f.progress.update(1, "5", None, 100.0))
add(PU, "val -inf", VE, "val", lambda f: f.progress.update(1, 5.0, -INF, 100.0))
add(PU, "tokens_per_sec -1", VE, "tokens_per_sec", lambda f: f.progress.update(1, 5.0, None, -1.0))
CASES.append(no_arguments("progress.in_notebook", lambda f: progress.in_notebook(True)))

# ---------------------------------------------------------------- runtime
for v, e in (
    (-1, ValueError),
    (2**32, ValueError),
    ("3", TypeError),
    (1.5, TypeError),
    (True, TypeError),
    (None, TypeError),
):
    add("runtime.seed", f"{v!r}", e, "value", lambda f, v=v: runtime.seed(v))
CASES.append(no_arguments("runtime.default_device", lambda f: runtime.default_device(0)))
CASES.append(no_arguments("runtime.num_gpus", lambda f: runtime.num_gpus(0)))
CASES.append(no_arguments("runtime.keep_freed_memory", lambda f: runtime.keep_freed_memory(True)))
IP = runtime.in_processes
cases(
    "runtime.in_processes",
    [
        ("workers 0", VE, "workers", lambda f: IP(abs, [(1,)], 0)),
        ("workers None", TE, "workers", lambda f: IP(abs, [(1,)], None)),
        ("order missing an index", VE, "order", lambda f: IP(abs, [(1,), (2,)], 2, order=[0])),
        ("order repeating one", VE, "order", lambda f: IP(abs, [(1,), (2,)], 2, order=[1, 1])),
        ("order out of range", VE, "order", lambda f: IP(abs, [(1,)], 2, order=[1])),
    ],
)

# ---------------------------------------------------------------- scores
SC = scores
HYP, REFS = ["a b c ."], [["a b c .", "a b ."]]
cases(
    "scores.corpus_scores",
    [
        ("hypotheses a str", TE, "hypotheses", lambda f: SC.corpus_scores("a b c .", REFS)),
        ("no hypotheses", VE, "hypotheses", lambda f: SC.corpus_scores([], [])),
        ("a hypothesis None", TE, "hypotheses[0]", lambda f: SC.corpus_scores([None], REFS)),
        ("one reference list too few", VE, "references", lambda f: SC.corpus_scores(HYP * 2, REFS)),
        ("an empty reference list", VE, "references[0]", lambda f: SC.corpus_scores(HYP, [[]])),
        ("a reference str", VE, "references[0]", lambda f: SC.corpus_scores(HYP, ["a b c ."])),
        ("a reference int", TE, "references[0][...]", lambda f: SC.corpus_scores(HYP, [[3]])),
        ("n_bootstrap 1", VE, "n_bootstrap", lambda f: SC.corpus_scores(HYP, REFS, 1)),
        ("n_bootstrap float", TE, "n_bootstrap", lambda f: SC.corpus_scores(HYP, REFS, 10.0)),
        ("seed -1", VE, "seed", lambda f: SC.corpus_scores(HYP, REFS, 2, -1)),
        # sacreBLEU's layout (references[k][i]) where it can be told apart, and the one shape
        # that fits both layouts with different pairings, unless layout names one.
        (
            "references in sacreBLEU's layout",
            VE,
            "layout='streams'",
            lambda f: SC.corpus_scores(["a .", "b ."], [["a .", "b ."]]),
        ),
        (
            "n lists of n references: ambiguous",
            VE,
            "layout='by_sentence'",
            lambda f: SC.corpus_scores(["a .", "b ."], [["a .", "b ."], ["a !", "b !"]]),
        ),
        ("layout unknown", VE, "layout", lambda f: SC.corpus_scores(HYP, REFS, layout="rows")),
        (
            "streams of the wrong length",
            VE,
            "references",
            lambda f: SC.corpus_scores(["a .", "b ."], [["a ."]], layout="streams"),
        ),
        (
            "streams giving a sentence no reference",
            VE,
            "references",
            lambda f: SC.corpus_scores(["a .", "b ."], [["a .", None]], layout="streams"),
        ),
    ],
)
cases(
    "scores.grouped_scores",
    [
        ("groups too few", VE, "groups", lambda f: SC.grouped_scores(HYP, REFS, [])),
        ("groups a str", VE, "groups", lambda f: SC.grouped_scores(HYP, REFS, "a")),
        ("hypotheses None", TE, "hypotheses", lambda f: SC.grouped_scores(None, REFS, [0])),
        ("n_bootstrap 0", VE, "n_bootstrap", lambda f: SC.grouped_scores(HYP, REFS, [0], 0)),
        ("a group unhashable", TE, "groups[0]", lambda f: SC.grouped_scores(HYP, REFS, [[1]])),
        ("a group NaN", VE, "groups[0]", lambda f: SC.grouped_scores(HYP, REFS, [NAN])),
        (
            "groups of mixed kinds",
            TE,
            "groups",
            lambda f: SC.grouped_scores(HYP * 2, [["a b ."]] * 2, [1, "short"]),
        ),
        (
            "layout unknown",
            VE,
            "layout",
            lambda f: SC.grouped_scores(HYP, REFS, [0], layout="rows"),
        ),
    ],
)
PB = SC.paired_bleu
cases(
    "scores.paired_bleu",
    [
        ("baseline a str", TE, "baseline", lambda f: PB("a b c .", {"s": HYP}, REFS)),
        ("baseline empty", VE, "baseline", lambda f: PB([], {"s": HYP}, [])),
        ("a baseline sentence None", TE, "baseline[0]", lambda f: PB([None], {"s": HYP}, REFS)),
        ("systems a list", TE, "systems", lambda f: PB(HYP, [HYP], REFS)),
        ("systems empty", TE, "systems", lambda f: PB(HYP, {}, REFS)),
        ("a system a str", TE, "systems['s']", lambda f: PB(HYP, {"s": "a b c ."}, REFS)),
        (
            "a system too short",
            VE,
            "systems['s']",
            lambda f: PB(HYP * 2, {"s": HYP}, [["x ."], ["y ."]]),
        ),
        ("a system's sentence 3", TE, "systems['s'][0]", lambda f: PB(HYP, {"s": [3]}, REFS)),
        ("a system named 3", TE, "systems' names", lambda f: PB(HYP, {3: HYP}, REFS)),
        ("references too few", VE, "references", lambda f: PB(HYP * 2, {"s": HYP * 2}, REFS)),
        ("n_bootstrap 1", VE, "n_bootstrap", lambda f: PB(HYP, {"s": HYP}, REFS, 1)),
        ("seed -1", VE, "seed", lambda f: PB(HYP, {"s": HYP}, REFS, 10, -1)),
        ("layout unknown", VE, "layout", lambda f: PB(HYP, {"s": HYP}, REFS, layout="rows")),
    ],
)
cases(
    "scores.reference_streams",
    [
        ("no references", VE, "references", lambda f: SC.reference_streams([])),
        ("a str", TE, "references", lambda f: SC.reference_streams("a b")),
        ("an empty list", VE, "references[1]", lambda f: SC.reference_streams([["a"], []])),
        ("a reference None", TE, "references[0][...]", lambda f: SC.reference_streams([[None]])),
    ],
)
cases(
    "scores.d2l_bleu",
    [
        ("prediction None", TE, "prediction", lambda f: SC.d2l_bleu(None, "a")),
        ("label a list", TE, "label", lambda f: SC.d2l_bleu("a", ["a"])),
        ("k 0", VE, "k", lambda f: SC.d2l_bleu("a", "a", 0)),
        ("k float", TE, "k", lambda f: SC.d2l_bleu("a", "a", 2.0)),
    ],
)

# ---------------------------------------------------------------- seq2seq
S2 = seq2seq
_S2S: dict = {}


def s2s_setup() -> dict:
    """A tiny translation set, and untrained models for it (fixed context and attention) with
    their decoder states for one source, built on first use."""
    if not _S2S:
        pairs = [(f"{a} {b} .", f"{b} {a} !") for a in "abcde" for b in "fghij"]
        data = translation.translation_data(pairs, max_len=3, min_freq=1, num_val=2, num_test=2)
        Vs, Vt = len(data.src_vocab), len(data.tgt_vocab)
        src, src_len = mi(data.train.src[:1]), mi(data.train.src_len[:1])
        decoders = {"plain": S2.Decoder(Vt, 2, 3), "attn": S2.AttentionDecoder(Vt, 2, 3, None, 2)}
        for key, decoder in decoders.items():
            model = S2.EncoderDecoder(S2.Encoder(Vs, 2, 3), decoder)
            initialized(model)
            model(src, src_len, mi(data.train.tgt_in[:1]))
            _S2S[key], _S2S[f"{key}_state"] = model, model.begin(src, src_len)
        _S2S.update(data=data, src=src, src_len=src_len)
    return _S2S


def s2s(name: str):
    return s2s_setup()[name]


def plain_state():
    return s2s("plain_state")


def attn_state():
    return s2s("attn_state")


SRC2 = np.array([[2, 3, 1]])  # one source of 2 tokens, padded to 3
cases(
    "seq2seq.Encoder",
    [
        ("vocab_size 0", VE, "vocab_size", lambda f: S2.Encoder(0, 2, 3)),
        ("embed_size 0", VE, "embed_size", lambda f: S2.Encoder(5, 0, 3)),
        ("num_hiddens float", TE, "num_hiddens", lambda f: S2.Encoder(5, 2, 3.0)),
        ("rnn a Dense", TE, "rnn", lambda f: S2.Encoder(5, 2, 3, Dense(3))),
        ("read_padding 'no'", TE, "read_padding", lambda f: S2.Encoder(5, 2, 3, None, "no")),
    ],
)
cases(
    "seq2seq.Encoder.forward",
    [
        ("X NumPy", VE, "X", lambda f: s2s("plain").encoder(SRC2, mi([2]))),
        ("X float", TE, "X", lambda f: s2s("plain").encoder(mnp.array([[2.0, 3.0]]), mi([2]))),
        ("X zero steps", VE, "X", lambda f: s2s("plain").encoder(mi(np.zeros((1, 0))), mi([1]))),
        ("X index = vocab_size", VE, "X", lambda f: s2s("plain").encoder(mi([[2, 99]]), mi([2]))),
        (
            "valid_len of 2 rows",
            VE,
            "valid_len",
            lambda f: s2s("plain").encoder(mi(SRC2), mi([2, 2])),
        ),
        (
            "valid_len > num_steps",
            VE,
            "valid_len",
            lambda f: s2s("plain").encoder(mi(SRC2), mi([4])),
        ),
        ("valid_len 0", VE, "valid_len", lambda f: s2s("plain").encoder(mi(SRC2), mi([0]))),
        (
            "valid_len fractional",
            TE,
            "valid_len",
            lambda f: s2s("plain").encoder(mi(SRC2), mnp.array([2.5])),
        ),
        (
            "valid_len NaN",
            TE,
            "valid_len",
            lambda f: s2s("plain").encoder(mi(SRC2), mnp.array([NAN])),
        ),
    ],
)
for cls in (S2.Decoder, S2.AttentionDecoder):
    key = f"seq2seq.{cls.__name__}"
    add(key, "vocab_size 0", VE, "vocab_size", lambda f, c=cls: c(0, 2, 3))
    add(key, "vocab_size str", TE, "vocab_size", lambda f, c=cls: c("5", 2, 3))
    add(key, "embed_size -1", VE, "embed_size", lambda f, c=cls: c(5, -1, 3))
    add(key, "num_hiddens 0", VE, "num_hiddens", lambda f, c=cls: c(5, 2, 0))
    add(key, "rnn a Dense", TE, "rnn", lambda f, c=cls: c(5, 2, 3, Dense(3)))
add(
    "seq2seq.AttentionDecoder",
    "attention_size 0",
    VE,
    "attention_size",
    lambda f: S2.AttentionDecoder(5, 2, 3, None, 0),
)
for name, state in (("plain", plain_state), ("attn", attn_state)):
    key = "seq2seq." + ("Decoder" if name == "plain" else "AttentionDecoder")

    def dec(n=name):
        return s2s(n).decoder

    add(
        f"{key}.begin",
        "enc_state of 2 units",
        VE,
        "enc_state",
        lambda f, d=dec: d().begin(zeros(3, 1, 3), zeros(1, 2), mi([1])),
    )
    add(
        f"{key}.begin",
        "enc_state NumPy",
        TE,
        "enc_state",
        lambda f, d=dec: d().begin(zeros(3, 1, 3), np.zeros((1, 3)), mi([1])),
    )
    add(f"{key}.expand", "K 0", VE, "K", lambda f, d=dec, s=state: d().expand(s(), 0))
    add(f"{key}.expand", "K float", TE, "K", lambda f, d=dec, s=state: d().expand(s(), 2.0))
    add(
        f"{key}.expand",
        "state an array",
        TE,
        "state",
        lambda f, d=dec, s=state: d().expand(s()[0], 2),
    )
    add(
        f"{key}.reorder",
        "index float",
        TE,
        "index",
        lambda f, d=dec, s=state: d().reorder(s(), mnp.array([0.0])),
    )
    add(
        f"{key}.reorder",
        "index a list",
        TE,
        "index",
        lambda f, d=dec, s=state: d().reorder(s(), [0]),
    )
    add(
        f"{key}.reorder",
        "index 2-D",
        VE,
        "index",
        lambda f, d=dec, s=state: d().reorder(s(), mi([[0]])),
    )
    add(
        f"{key}.reorder",
        "state H of 2 units",
        VE,
        "state H",
        lambda f, d=dec, s=state: d().reorder([zeros(1, 2), *s()[1:]], mi([0])),
    )
    add(f"{key}.forward", "Y NumPy", TE, "Y", lambda f, d=dec, s=state: d()(np.array([[2]]), s()))
    add(
        f"{key}.forward", "Y float", TE, "Y", lambda f, d=dec, s=state: d()(mnp.array([[2.0]]), s())
    )
    add(
        f"{key}.forward", "Y of 2 rows", VE, "Y", lambda f, d=dec, s=state: d()(mi([[2], [2]]), s())
    )
    add(f"{key}.forward", "Y 1-D", VE, "Y", lambda f, d=dec, s=state: d()(mi([2]), s()))
    # Target ids: the embedding would clip an id past the vocabulary to its last row.
    for what, Y in (
        ("Y id = vocab_size", lambda d: mi([[2, d.vocab_size]])),
        ("Y id negative", lambda d: mi([[-1]])),
        ("Y of zero steps", lambda d: mi(np.zeros((1, 0)))),
    ):
        for method in ("forward", "features"):
            add(
                f"{key}.{method}",
                what,
                VE,
                "Y",
                lambda f, d=dec, s=state, Y=Y, m=method: (
                    d()(Y(d()), s()) if m == "forward" else d().features(Y(d()), s())
                ),
            )
    add(
        f"{key}.forward",
        "state one part short",
        TE,
        "state",
        lambda f, d=dec, s=state: d()(mi([[2]]), s()[:-1]),
    )
    add(
        f"{key}.forward",
        "state a tuple of arrays of other rows",
        VE,
        "state",
        lambda f, d=dec, s=state: d()(
            mi([[2]]), [s()[0], *(zeros(2, *x.shape[1:]) for x in s()[1:])]
        ),
    )
    for what, e, Y, st in (
        ("Y NumPy", TE, lambda: np.array([[2]]), lambda s: s),
        ("Y of 2 rows", VE, lambda: mi([[2], [2]]), lambda s: s),
        ("state one part short", TE, lambda: mi([[2]]), lambda s: s[:-1]),
    ):
        add(
            f"{key}.features",
            what,
            e,
            what.split(" ")[0],
            lambda f, d=dec, s=state, Y=Y, st=st: d().features(Y(), st(s())),
        )
cases(
    "seq2seq.AttentionDecoder.begin",
    [
        (
            "enc_outputs of another batch",
            VE,
            "enc_outputs",
            lambda f: s2s("attn").decoder.begin(zeros(3, 2, 3), zeros(1, 3), mi([1])),
        ),
        (
            "valid_len of 2 rows",
            VE,
            "valid_len",
            lambda f: s2s("attn").decoder.begin(zeros(3, 1, 3), zeros(1, 3), mi([1, 1])),
        ),
        (
            "valid_len 0",
            VE,
            "valid_len",
            lambda f: s2s("attn").decoder.begin(zeros(3, 1, 3), zeros(1, 3), mi([0])),
        ),
        (
            "valid_len past the source",
            VE,
            "valid_len",
            lambda f: s2s("attn").decoder.begin(zeros(3, 1, 3), zeros(1, 3), mi([4])),
        ),
        (
            "valid_len fractional",
            TE,
            "valid_len",
            lambda f: s2s("attn").decoder.begin(zeros(3, 1, 3), zeros(1, 3), mnp.array([1.5])),
        ),
    ],
)
cases(
    "seq2seq.AttentionDecoder.attend",
    [
        (
            "H of 2 units",
            VE,
            "state H",
            lambda f: s2s("attn").decoder.attend(zeros(1, 2), *attn_state()[1:]),
        ),
        (
            "memory of 2 rows",
            VE,
            "state memory",
            lambda f: s2s("attn").decoder.attend(
                attn_state()[0], zeros(2, 3, 3), *attn_state()[2:]
            ),
        ),
        (
            "H NumPy",
            TE,
            "state H",
            lambda f: s2s("attn").decoder.attend(np.zeros((1, 3)), *attn_state()[1:]),
        ),
    ],
)
cases(
    "seq2seq.EncoderDecoder",
    [
        ("encoder a str", TE, "encoder", lambda f: S2.EncoderDecoder("enc", S2.Decoder(5, 2, 3))),
        (
            "decoder an Encoder",
            TE,
            "decoder",
            lambda f: S2.EncoderDecoder(S2.Encoder(5, 2, 3), S2.Encoder(5, 2, 3)),
        ),
        (
            "num_hiddens differ",
            VE,
            "num_hiddens",
            lambda f: S2.EncoderDecoder(S2.Encoder(5, 2, 3), S2.Decoder(5, 2, 4)),
        ),
    ],
)
cases(
    "seq2seq.EncoderDecoder.begin",
    [
        ("src NumPy", VE, "src", lambda f: s2s("plain").begin(SRC2, mi([2]))),
        ("src float", TE, "src", lambda f: s2s("plain").begin(mnp.array([[2.0]]), mi([1]))),
        ("src_len of 2 rows", VE, "src_len", lambda f: s2s("attn").begin(mi(SRC2), mi([2, 2]))),
    ],
)
cases(
    "seq2seq.EncoderDecoder.forward",
    [
        ("tgt_in NumPy", VE, "tgt_in", lambda f: s2s("plain")(mi(SRC2), mi([2]), np.array([[2]]))),
        (
            "tgt_in of 2 rows",
            VE,
            "tgt_in",
            lambda f: s2s("attn")(mi(SRC2), mi([2]), mi([[2], [2]])),
        ),
        ("src 1-D", VE, "src", lambda f: s2s("plain")(mi([2, 3]), mi([2]), mi([[2]]))),
        (
            "src_len fractional",
            TE,
            "src_len",
            lambda f: s2s("attn")(mi(SRC2), mnp.array([2.5]), mi([[2]])),
        ),
        (
            "tgt_in id past the vocabulary",
            VE,
            "Y",
            lambda f: s2s("plain")(mi(SRC2), mi([2]), mi([[10**4]])),
        ),
        (
            "src_len NumPy",
            VE,
            "src_len",
            lambda f: s2s("plain")(mi(SRC2), np.array([2]), mi([[2]])),
        ),
    ],
)
cases(
    "seq2seq.EncoderDecoder.step",
    [
        ("y NumPy", TE, "y", lambda f: s2s("plain").step(np.array([2]), plain_state())),
        ("y 2-D", VE, "y", lambda f: s2s("attn").step(mi([[2]]), attn_state())),
        ("y float", TE, "y", lambda f: s2s("plain").step(mnp.array([2.0]), plain_state())),
    ],
)
cases(
    "seq2seq.sequence_mask",
    [
        ("valid_len NumPy", TE, "valid_len", lambda f: S2.sequence_mask(np.array([1, 2]), 3)),
        ("valid_len 2-D", VE, "valid_len", lambda f: S2.sequence_mask(mi([[1, 2]]), 3)),
        ("num_steps -1", VE, "num_steps", lambda f: S2.sequence_mask(mi([1]), -1)),
        ("num_steps float", TE, "num_steps", lambda f: S2.sequence_mask(mi([1]), 3.0)),
        ("valid_len fractional", TE, "valid_len", lambda f: S2.sequence_mask(mnp.array([1.5]), 3)),
    ],
)
VCE = S2.valid_cross_entropy
cases(
    "seq2seq.valid_cross_entropy",
    [
        ("output a str", TE, "output", lambda f: VCE("dense", zeros(2, 1, 3), [[1, 2]], [2])),
        ("hidden NumPy", VE, "hidden", lambda f: VCE(Dense(5), np.zeros((2, 1, 3)), [[1, 2]], [2])),
        ("Y of 3 steps", VE, "Y", lambda f: VCE(Dense(5), zeros(2, 1, 3), [[1, 2, 3]], [2])),
        ("Y float", TE, "Y", lambda f: VCE(Dense(5), zeros(2, 1, 3), [[1.0, 2.0]], [2])),
        ("valid_len 0", VE, "valid_len", lambda f: VCE(Dense(5), zeros(2, 1, 3), [[1, 2]], [0])),
        (
            "valid_len fractional",
            TE,
            "valid_len",
            lambda f: VCE(Dense(5), zeros(2, 1, 3), [[1, 2]], [2.5]),
        ),
        (
            "valid_len NaN",
            TE,
            "valid_len",
            lambda f: VCE(Dense(5), zeros(2, 1, 3), [[1, 2]], [NAN]),
        ),
        (
            "a target id = V",
            VE,
            "Y",
            lambda f: VCE(initialized(Dense(5, flatten=False)), zeros(2, 1, 3), [[1, 5]], [2]),
        ),
        (
            "a target id negative",
            VE,
            "Y",
            lambda f: VCE(initialized(Dense(5, flatten=False)), zeros(2, 1, 3), [[-1, 2]], [2]),
        ),
    ],
)
MCE = S2.masked_cross_entropy
cases(
    "seq2seq.masked_cross_entropy",
    [
        ("NumPy logits", TE, "logits", lambda f: MCE(np.zeros((2, 1, 5)), mi([[1, 2]]), mi([2]))),
        ("shapes differ", VE, "logits", lambda f: MCE(zeros(2, 1, 5), mi([[1, 2, 3]]), mi([2]))),
        ("2-D logits", VE, "logits", lambda f: MCE(zeros(2, 5), mi([[1, 2]]), mi([2]))),
        ("float targets", TE, "Y", lambda f: MCE(zeros(2, 1, 5), mnp.array([[1.0, 2.0]]), mi([2]))),
        (
            "valid_len of 2 rows",
            VE,
            "valid_len",
            lambda f: MCE(zeros(2, 1, 5), mi([[1, 2]]), mi([2, 2])),
        ),
        ("a target id = V", VE, "Y", lambda f: MCE(zeros(2, 1, 5), mi([[1, 5]]), mi([2]))),
        ("a target id negative", VE, "Y", lambda f: MCE(zeros(2, 1, 5), mi([[-3, 2]]), mi([2]))),
        (
            "valid_len all 0",
            VE,
            "valid_len",
            lambda f: MCE(zeros(2, 2, 5), mi([[1, 2]] * 2), mi([0, 0])),
        ),
        ("valid_len past T", VE, "valid_len", lambda f: MCE(zeros(2, 1, 5), mi([[1, 2]]), mi([3]))),
        (
            "valid_len fractional",
            TE,
            "valid_len",
            lambda f: MCE(zeros(2, 1, 5), mi([[1, 2]]), mnp.array([1.5])),
        ),
        (
            "valid_len NaN",
            TE,
            "valid_len",
            lambda f: MCE(zeros(2, 1, 5), mi([[1, 2]]), mnp.array([NAN])),
        ),
        (
            "an empty batch",
            VE,
            "Y",
            lambda f: MCE(zeros(2, 0, 5), mi(np.zeros((0, 2))), mi(np.zeros(0))),
        ),
    ],
)
cases(
    "seq2seq.decoder_loss",
    [
        ("model a str", TE, "model", lambda f: S2.decoder_loss("m", s2s("data").train)),
        (
            "feed unknown",
            VE,
            "feed",
            lambda f: S2.decoder_loss(s2s("plain"), s2s("data").train, "mixed"),
        ),
        (
            "batch_size 0",
            VE,
            "batch_size",
            lambda f: S2.decoder_loss(s2s("plain"), s2s("data").train, batch_size=0),
        ),
        ("split a tuple", TE, "split", lambda f: S2.decoder_loss(s2s("plain"), (SRC2, [2]))),
    ],
)


def decode(fn, **kwargs):
    """``fn`` (greedy_decode, beam_search or exhaustive_search) on the tiny setup, with
    ``kwargs`` replacing its arguments."""
    data = s2s("data")
    args = {
        "model": s2s("attn"),
        "src": data.train.src[:1],
        "src_len": data.train.src_len[:1],
        "bos": data.tgt_vocab["<bos>"],
        "eos": data.tgt_vocab["<eos>"],
        "max_len": 3,
    }
    return fn(**(args | kwargs))


for fn in (S2.greedy_decode, S2.beam_search, S2.exhaustive_search):
    for arg, bad, e, name in (
        ("model", "m", TE, "model"), ("max_len", 0, VE, "max_len"), ("max_len", 2.0, TE, "max_len"),
        ("src", np.zeros((0, 3), int), VE, "src"), ("src", [[2.0, 3.0]], TE, "src"),
        ("src", [2, 3], VE, "src"), ("src", None, TE, "src"), ("src", [[2, 99]], VE, "src"),
        ("src_len", [2, 2], VE, "src_len"), ("src_len", [9], VE, "src_len"),
        ("src_len", [0], VE, "src_len"), ("src_len", [2.0], TE, "src_len"),
        ("bos", 99, VE, "bos"), ("bos", -1, VE, "bos"), ("eos", None, TE, "eos"),
        ("eos", 1.0, TE, "eos"), ("device", "cpu", TE, "device"),
    ):  # fmt: skip
        add(
            f"seq2seq.{fn.__name__}",
            f"{arg} {bad!r}",
            e,
            name,
            lambda f, g=fn, k={arg: bad}: decode(g, **k),
        )
for arg, bad, e in (
    ("beam_size", 0, VE), ("beam_size", 2.0, TE), ("alpha", -0.5, VE), ("alpha", NAN, VE),
    ("alpha", "1", TE), ("trace", "yes", TE), ("num_pruned", -1, VE),
):  # fmt: skip
    add(
        "seq2seq.beam_search",
        f"{arg} {bad!r}",
        e,
        arg,
        lambda f, k={arg: bad}: decode(S2.beam_search, **k),
    )
for arg, bad, e in (("alpha", INF, VE), ("alpha", -1, VE), ("max_len", 9, VE)):
    add(
        "seq2seq.exhaustive_search",
        f"{arg} {bad!r}",
        e,
        arg,
        lambda f, k={arg: bad}: decode(S2.exhaustive_search, **k),
    )
add(
    "seq2seq.exhaustive_search",
    "src of two sentences",
    VE,
    "src",
    lambda f: decode(S2.exhaustive_search, src=[[2, 3], [3, 2]], src_len=[2, 2]),
)


def s2s_translate(**kwargs):
    args = {"model": s2s("plain"), "data": s2s("data"), "sentences": ["a f ."], **kwargs}
    return S2.translate(**args)


for arg, bad, e, name in (
    ("model", None, TE, "model"), ("data", {}, TE, "data"), ("sentences", "a f .", TE, "sentences"),
    ("sentences", [], TE, "sentences"), ("sentences", ["a f .", 3], TE, "sentences[1]"),
    ("sentences", [" "], VE, "sentences[0]"), ("sentences", ["a b c d"], VE, "sentences[0]"),
    ("beam_size", 0, VE, "beam_size"), ("alpha", NAN, VE, "alpha"),
    ("batch_size", 0, VE, "batch_size"), ("device", "cpu", TE, "device"),
    ("sentences", ["a <eos> ."], VE, "sentences[0]"),
):  # fmt: skip
    add("seq2seq.translate", f"{arg} {bad!r}", e, name, lambda f, k={arg: bad}: s2s_translate(**k))

BE = S2.BidirectionalEncoder
cases(
    "seq2seq.BidirectionalEncoder",
    [
        ("num_hiddens odd", VE, "num_hiddens", lambda f: BE(5, 2, 3)),
        ("num_hiddens 1", VE, "num_hiddens", lambda f: BE(5, 2, 1)),
        ("num_hiddens float", TE, "num_hiddens", lambda f: BE(5, 2, 4.0)),
        ("vocab_size 0", VE, "vocab_size", lambda f: BE(0, 2, 4)),
        ("embed_size 0", VE, "embed_size", lambda f: BE(5, 0, 4)),
        ("read_padding 'no'", TE, "read_padding", lambda f: BE(5, 2, 4, "no")),
    ],
)
_BI: list = []


def bi_encoder():
    if not _BI:
        _BI.append(initialized(BE(5, 2, 4), None))
    return _BI[0]


cases(
    "seq2seq.BidirectionalEncoder.forward",
    [
        ("X NumPy", VE, "X", lambda f: bi_encoder()(SRC2, mi([2]))),
        ("X float", TE, "X", lambda f: bi_encoder()(mnp.array([[2.0, 3.0]]), mi([2]))),
        ("X index = vocab_size", VE, "X", lambda f: bi_encoder()(mi([[2, 5]]), mi([2]))),
        ("valid_len 0", VE, "valid_len", lambda f: bi_encoder()(mi(SRC2), mi([0]))),
        ("valid_len > num_steps", VE, "valid_len", lambda f: bi_encoder()(mi(SRC2), mi([4]))),
        (
            "valid_len fractional",
            TE,
            "valid_len",
            lambda f: bi_encoder()(mi(SRC2), mnp.array([1.5])),
        ),
    ],
)
RV = S2.reverse_valid
cases(
    "seq2seq.reverse_valid",
    [
        ("x NumPy", VE, "x", lambda f: RV(np.zeros((3, 1, 2)), mi([2]))),
        ("x 1-D", VE, "x", lambda f: RV(zeros(3), mi([2]))),
        ("x of zero steps", VE, "x", lambda f: RV(zeros(0, 1, 2), mi([1]))),
        ("valid_len of 2 rows", VE, "valid_len", lambda f: RV(zeros(3, 1, 2), mi([2, 2]))),
        ("valid_len 0", VE, "valid_len", lambda f: RV(zeros(3, 1, 2), mi([0]))),
        ("valid_len > T", VE, "valid_len", lambda f: RV(zeros(3, 1, 2), mi([4]))),
        ("valid_len fractional", TE, "valid_len", lambda f: RV(zeros(3, 1, 2), mnp.array([1.5]))),
    ],
)
AM = S2.attention_maps
cases(
    "seq2seq.attention_maps",
    [
        (
            "a model without attention",
            TE,
            "model",
            lambda f: AM(s2s("plain"), s2s("data"), ["a f ."]),
        ),
        ("model None", TE, "model", lambda f: AM(None, s2s("data"), ["a f ."])),
        ("data a dict", TE, "data", lambda f: AM(s2s("attn"), {}, ["a f ."])),
        ("sentences a str", TE, "sentences", lambda f: AM(s2s("attn"), s2s("data"), "a f .")),
        ("no sentences", TE, "sentences", lambda f: AM(s2s("attn"), s2s("data"), [])),
        (
            "a sentence too long",
            VE,
            "sentences[1]",
            lambda f: AM(s2s("attn"), s2s("data"), ["a f .", "a b c d"]),
        ),
        ("device a str", TE, "device", lambda f: AM(s2s("attn"), s2s("data"), ["a ."], "cpu")),
    ],
)
CMF = S2.check_model_for
cases(
    "seq2seq.check_model_for",
    [
        ("model None", TE, "model", lambda f: CMF(None, s2s("data"))),
        ("data a dict", TE, "data", lambda f: CMF(s2s("plain"), {})),
        (
            "a model for another source vocabulary",
            VE,
            "model",
            lambda f: CMF(S2.EncoderDecoder(S2.Encoder(3, 2, 3), S2.Decoder(3, 2, 3)), s2s("data")),
        ),
    ],
)
# A model built for other vocabularies would translate into other words' indices.
for side, make in (
    (
        "target",
        lambda d: S2.EncoderDecoder(S2.Encoder(len(d.src_vocab), 2, 3), S2.Decoder(10, 2, 3)),
    ),
    (
        "source",
        lambda d: S2.EncoderDecoder(S2.Encoder(99, 2, 3), S2.Decoder(len(d.tgt_vocab), 2, 3)),
    ),
):
    add(
        "seq2seq.translate",
        f"a model for another {side} vocabulary",
        VE,
        "model",
        lambda f, m=make: s2s_translate(model=initialized(m(s2s("data")))),
    )

cases(
    "plot.attention_heatmap",
    [
        ("amap None", TE, "amap", lambda f: plot.attention_heatmap(None)),
        ("amap a dict", TE, "amap", lambda f: plot.attention_heatmap({"weights": [[1.0]]})),
        (
            "ax a str",
            TE,
            "ax",
            lambda f: plot.attention_heatmap(
                S2.AttentionMap("a", ["a"], ["<eos>"], np.ones((1, 1))), "ax"
            ),
        ),
    ],
)

# The fast path's helpers (layers): public, and called by the appendix with the reader's values.
LA = layers
cases(
    "layers.cut",
    [
        ("3 parts of 4 rows", VE, "n", lambda f: LA.cut(mx.nd, mnp.ones((4, 2)), 3, axis=0)),
        ("n 0", VE, "n", lambda f: LA.cut(mx.nd, mnp.ones((4, 2)), 0, axis=0)),
        ("n float", TE, "n", lambda f: LA.cut(mx.nd, mnp.ones((4, 2)), 2.0, axis=0)),
        ("axis past the last", VE, "axis", lambda f: LA.cut(mx.nd, mnp.ones((4, 2)), 2, axis=2)),
        ("axis before the first", VE, "axis", lambda f: LA.cut(mx.nd, mnp.ones((4, 2)), 2, -3)),
        ("squeeze 'no'", TE, "squeeze", lambda f: LA.cut(mx.nd, mnp.ones((4, 2)), 2, 0, "no")),
    ],
)
cases(
    "layers.recurrent_product",
    [
        (
            "W_T of the wrong shape",
            VE,
            "W_T",
            lambda f: LA.recurrent_product(mx, mnp.ones((2, 3)), mnp.ones((3, 4)), 3),
        ),
        (
            "num_hiddens 0",
            VE,
            "num_hiddens",
            lambda f: LA.recurrent_product(mx, mnp.ones((2, 3)), mnp.ones((3, 3)), 0),
        ),
    ],
)
cases(
    "layers.activation",
    [
        ("kind 'gelu'", VE, "kind", lambda f: LA.activation(mx, mnp.ones(2), "gelu")),
        ("kind None", VE, "kind", lambda f: LA.activation(mx, mnp.ones(2), None)),
    ],
)
PROJ = (mnp.ones((2, 1, 3)), [mnp.ones((3, 4))], [mnp.ones(4)])
cases(
    "layers.project",
    [
        (
            "W_x a tuple of arrays and b one array",
            TE,
            "W_x",
            lambda f: LA.project(mx, PROJ[0], PROJ[1], PROJ[2][0], 3, 4, False),
        ),
        (
            "two weights, one bias",
            VE,
            "W_x",
            lambda f: LA.project(mx, PROJ[0], PROJ[1] * 2, PROJ[2], 3, 4, False),
        ),
        ("no gate", VE, "W_x", lambda f: LA.project(mx, PROJ[0], [], [], 3, 4, False)),
        ("indices 'yes'", TE, "indices", lambda f: LA.project(mx, *PROJ, 3, 4, "yes")),
        ("num_inputs 0", VE, "num_inputs", lambda f: LA.project(mx, *PROJ, 0, 4, False)),
    ],
)
cases(
    "deep.check_layer",
    [
        ("a Dense", TE, "layer", lambda f: deep.check_layer(Dense(3))),
        ("None, named", TE, "encoder.rnn", lambda f: deep.check_layer(None, "encoder.rnn")),
    ],
)
cases(
    "deep.check_states",
    [
        ("an array", TE, "states", lambda f: deep.check_states(zeros(1, 2, 3), 1, 1, 2, 3)),
        (
            "of the wrong shape",
            VE,
            "states[0] (state H)",
            lambda f: deep.check_states([zeros(2, 2, 3)], 1, 1, 2, 3),
        ),
        (
            "one array for an LSTM's two",
            VE,
            "states",
            lambda f: deep.check_states([zeros(1, 2, 3)], 2, 1, 2, 3),
        ),
    ],
)

# ---------------------------------------------------------------- series
cases(
    "series.sine_series",
    [
        ("T 1", VE, "T", lambda f: series.sine_series(1)),
        ("T float", TE, "T", lambda f: series.sine_series(10.0)),
        ("noise -1", VE, "noise", lambda f: series.sine_series(10, noise=-1)),
        ("noise NaN", VE, "noise", lambda f: series.sine_series(10, noise=NAN)),
        ("period 0", VE, "period", lambda f: series.sine_series(10, period=0)),
        ("period inf", VE, "period", lambda f: series.sine_series(10, period=INF)),
        ("seed -1", VE, "seed", lambda f: series.sine_series(10, seed=-1)),
    ],
)
cases(
    "series.lag_features",
    [
        ("x 2-D", VE, "x", lambda f: series.lag_features(np.zeros((2, 3)), 1)),
        ("x NaN", VE, "x", lambda f: series.lag_features([1.0, NAN, 2.0], 1)),
        ("x None", TE, "x", lambda f: series.lag_features(None, 1)),
        ("x empty", VE, "x", lambda f: series.lag_features([], 1)),
        ("tau 0", VE, "tau", lambda f: series.lag_features(np.arange(5), 0)),
        ("tau >= length", VE, "tau", lambda f: series.lag_features(np.arange(5), 5)),
        ("tau float", TE, "tau", lambda f: series.lag_features(np.arange(5), 1.0)),
    ],
)


def fit_reg(f, **kwargs):
    args = {"net": Dense(1), "features": np.zeros((4, 2)), "labels": np.zeros(4), **kwargs}
    return series.fit_regression(**args)


cases(
    "series.fit_regression",
    [
        ("net a function", TE, "net", lambda f: fit_reg(f, net=print)),
        ("features 1-D", VE, "features", lambda f: fit_reg(f, features=np.zeros(4))),
        ("features NaN", VE, "features", lambda f: fit_reg(f, features=np.full((4, 2), NAN))),
        ("labels (n, 2)", VE, "labels", lambda f: fit_reg(f, labels=np.zeros((4, 2)))),
        ("labels inf", VE, "labels", lambda f: fit_reg(f, labels=np.full(4, INF))),
        ("rows differ", VE, "features and labels", lambda f: fit_reg(f, labels=np.zeros(3))),
        ("num_epochs 0", VE, "num_epochs", lambda f: fit_reg(f, num_epochs=0)),
        ("lr NaN", VE, "lr", lambda f: fit_reg(f, lr=NAN)),
        ("batch_size -1", VE, "batch_size", lambda f: fit_reg(f, batch_size=-1)),
        ("seed -1", VE, "seed", lambda f: fit_reg(f, seed=-1)),
        ("device str", TE, "device", lambda f: fit_reg(f, device="cpu")),
    ],
)


def rnn_forecaster():
    from tests.chapter_code import define

    net = define(3, "RNNForecaster")["RNNForecaster"](3)
    net.initialize()
    return net


def fit_fc(f, **kwargs):
    args = {"net": rnn_forecaster(), "x": np.arange(20.0), "num_steps": 1, "length": 5, "warmup": 2}
    args.update(kwargs)
    return series.fit_forecaster(**args)


cases(
    "series.fit_forecaster",
    [
        ("net a Dense", TE, "net", lambda f: fit_fc(f, net=Dense(1))),
        ("x 2-D", VE, "x", lambda f: fit_fc(f, x=np.zeros((4, 5)))),
        ("x NaN", VE, "x", lambda f: fit_fc(f, x=[NAN] * 20)),
        ("num_steps 0", VE, "num_steps", lambda f: fit_fc(f, num_steps=0)),
        ("length 0", VE, "length", lambda f: fit_fc(f, length=0)),
        ("warmup = length", VE, "warmup", lambda f: fit_fc(f, warmup=5)),
        ("warmup -1", VE, "warmup", lambda f: fit_fc(f, warmup=-1)),
        ("batch_size 0", VE, "batch_size", lambda f: fit_fc(f, batch_size=0)),
        ("x too short", VE, "x", lambda f: fit_fc(f, x=np.arange(5.0))),
        ("lr 0", VE, "lr", lambda f: fit_fc(f, lr=0)),
        ("clip -1", VE, "clip", lambda f: fit_fc(f, clip=-1)),
        ("seed float", TE, "seed", lambda f: fit_fc(f, seed=1.0)),
        ("device str", TE, "device", lambda f: fit_fc(f, device="cpu")),
    ],
)
RF = series.recurrent_forecasts
cases(
    "series.recurrent_forecasts",
    [
        ("net a function", TE, "net", lambda f: RF(print, np.arange(9.0), 2)),
        ("x strings", TE, "x", lambda f: RF(rnn_forecaster(), ["1", "2", "3"], 1)),
        ("max_k 0", VE, "max_k", lambda f: RF(rnn_forecaster(), np.arange(9.0), 0)),
        ("start -1", VE, "start", lambda f: RF(rnn_forecaster(), np.arange(9.0), 2, start=-1)),
        ("x too short", VE, "x", lambda f: RF(rnn_forecaster(), np.arange(9.0), 4, start=5)),
        (
            "device str",
            TE,
            "device",
            lambda f: RF(rnn_forecaster(), np.arange(9.0), 2, device="cpu"),
        ),
    ],
)
KS = series.k_step_predictions
cases(
    "series.k_step_predictions",
    [
        ("predict not callable", TE, "predict", lambda f: KS(None, np.arange(9.0), 2, 2)),
        ("x NaN", VE, "x", lambda f: KS(np.sum, [NAN] * 9, 2, 2)),
        ("tau 0", VE, "tau", lambda f: KS(np.sum, np.arange(9.0), 0, 2)),
        ("max_k 0", VE, "max_k", lambda f: KS(np.sum, np.arange(9.0), 2, 0)),
        ("max_k float", TE, "max_k", lambda f: KS(np.sum, np.arange(9.0), 2, 2.0)),
        ("x too short", VE, "x", lambda f: KS(np.sum, np.arange(3.0), 2, 2)),
        ("predict returns one number", VE, "predict", lambda f: KS(np.sum, np.arange(9.0), 2, 2)),
    ],
)

# ---------------------------------------------------------------- tasks
cases(
    "tasks.letters_only",
    [
        ("an int", TE, "text", lambda f: tasks.letters_only(5)),
        ("bytes", TE, "text", lambda f: tasks.letters_only(b"abc")),
    ],
)
cases(
    "tasks.segmentation_data",
    [
        ("num_steps 0", VE, "num_steps", lambda f: tasks.segmentation_data("ab cd", 0)),
        ("no letters", VE, "text", lambda f: tasks.segmentation_data("12 34", 2)),
        ("fewer letters than num_steps", VE, "text", lambda f: tasks.segmentation_data("ab", 3)),
        ("text None", TE, "text", lambda f: tasks.segmentation_data(None, 3)),
    ],
)
PAIRS = [("hello there", "bonjour la")]
cases(
    "tasks.language_data",
    [
        ("3-tuples", VE, "pairs[0]", lambda f: tasks.language_data([("a", "b", "c")], 1)),
        ("a str", TE, "pairs", lambda f: tasks.language_data("hello", 1)),
        ("no pairs", VE, "pairs", lambda f: tasks.language_data([], 1)),
        ("num_chars 0", VE, "num_chars", lambda f: tasks.language_data(PAIRS, 0)),
        (
            "num_chars longer than every sentence",
            VE,
            "num_chars",
            lambda f: tasks.language_data(PAIRS, 50),
        ),
        ("seed -1", VE, "seed", lambda f: tasks.language_data(PAIRS, 3, -1)),
    ],
)
NGC = tasks.NgramClassifier
NGC_X, NGC_Y = np.array([[0, 1, 2], [2, 1, 0]]), np.array([0, 1])
cases(
    "tasks.NgramClassifier",
    [
        ("n 0", VE, "n", lambda f: NGC(0, 3)),
        ("n float", TE, "n", lambda f: NGC(2.0, 3)),
        ("vocab_size 0", VE, "vocab_size", lambda f: NGC(2, 0)),
    ],
)
cases(
    "tasks.NgramClassifier.fit",
    [
        ("X 1-D", VE, "X", lambda f: NGC(2, 3).fit(np.array([0, 1]), NGC_Y)),
        ("X float", VE, "X", lambda f: NGC(2, 3).fit(NGC_X * 1.0, NGC_Y)),
        ("X index out of range", VE, "X", lambda f: NGC(2, 3).fit(NGC_X + 1, NGC_Y)),
        ("X narrower than n", VE, "X", lambda f: NGC(4, 3).fit(NGC_X, NGC_Y)),
        ("y of the wrong length", VE, "y", lambda f: NGC(2, 3).fit(NGC_X, NGC_Y[:1])),
        ("y negative", VE, "y", lambda f: NGC(2, 3).fit(NGC_X, -NGC_Y)),
    ],
)
cases(
    "tasks.NgramClassifier.predict",
    [
        ("X negative", VE, "X", lambda f: NGC(2, 3).fit(NGC_X, NGC_Y).predict(-NGC_X)),
        ("X empty", VE, "X", lambda f: NGC(2, 3).fit(NGC_X, NGC_Y).predict(NGC_X[:0])),
    ],
)

# ---------------------------------------------------------------- text
cases(
    "text.preprocess",
    [
        ("None", TE, "text", lambda f: text.preprocess(None)),
        ("a list", TE, "text", lambda f: text.preprocess(["a b"])),
    ],
)
for cls in (text.CharTokenizer, text.WordTokenizer):
    key = f"text.{cls.__name__}"
    CASES.append(no_arguments(key, lambda f, c=cls: c("text")))
    add(f"{key}.encode", "an int", TE, "text", lambda f, c=cls: c().encode(5))
    add(f"{key}.encode", "a list", TE, "text", lambda f, c=cls: c().encode(["a"]))
    add(f"{key}.decode", "a str", TE, "tokens", lambda f, c=cls: c().decode("abc"))
    add(f"{key}.decode", "int tokens", TE, "tokens[0]", lambda f, c=cls: c().decode([1, 2]))
BPE = text.BPETokenizer
cases(
    "text.BPETokenizer",
    [
        ("merges a str", TE, "merges", lambda f: BPE("ab")),
        ("merges an array", TE, "merges", lambda f: BPE(np.array([["a", "b"]]))),
        ("a merge of one symbol", VE, "merges[0]", lambda f: BPE([("a",)])),
        ("a merge of three", VE, "merges[1]", lambda f: BPE([("a", "b"), ("a", "b", "c")])),
        ("a merge with an int", VE, "merges[0]", lambda f: BPE([("a", 1)])),
        ("an empty symbol", VE, "merges[0]", lambda f: BPE([("a", "")])),
    ],
)
cases(
    "text.BPETokenizer.learn",
    [
        ("num_merges -1", VE, "num_merges", lambda f: BPE.learn("ab ab", -1)),
        ("num_merges float", TE, "num_merges", lambda f: BPE.learn("ab ab", 1.5)),
        ("text empty", VE, "text", lambda f: BPE.learn("", 3)),
        ("text a list", TE, "text", lambda f: BPE.learn(["ab"], 3)),
    ],
)
add("text.BPETokenizer.encode", "an int", TE, "text", lambda f: f.bpe.encode(5))
cases(
    "text.BPETokenizer.decode",
    [
        ("a str", TE, "tokens", lambda f: f.bpe.decode("ab")),
        ("None", TE, "tokens", lambda f: f.bpe.decode(None)),
    ],
)
cases(
    "text.get_tokenizer",
    [
        ("name unknown", VE, "name", lambda f: text.get_tokenizer("sentencepiece")),
        ("bpe without text", VE, "text", lambda f: text.get_tokenizer("bpe")),
        (
            "num_merges -1",
            VE,
            "num_merges",
            lambda f: text.get_tokenizer("bpe", text="ab", num_merges=-1),
        ),
    ],
)
cases(
    "text.tokenize",
    [
        ("text None", TE, "text", lambda f: text.tokenize(None)),
        ("name unknown", VE, "name", lambda f: text.tokenize("ab", "bytes")),
        (
            "num_merges float",
            TE,
            "num_merges",
            lambda f: text.tokenize("ab", "bpe", num_merges=2.0),
        ),
    ],
)
cases(
    "text.Vocab",
    [
        ("a str", TE, "tokens", lambda f: text.Vocab("abc")),
        ("int tokens", TE, "tokens", lambda f: text.Vocab([1, 2])),
        ("nested int token", TE, "tokens", lambda f: text.Vocab([["a"], ["b", 3]])),
        ("tokens a number", TE, "tokens", lambda f: text.Vocab(5)),
        ("min_freq -1", VE, "min_freq", lambda f: text.Vocab(list("ab"), -1)),
        ("min_freq float", TE, "min_freq", lambda f: text.Vocab(list("ab"), 1.5)),
        (
            "reserved '<unk>'",
            VE,
            "reserved_tokens",
            lambda f: text.Vocab(list("ab"), reserved_tokens=["<unk>"]),
        ),
        (
            "reserved repeated",
            VE,
            "reserved_tokens",
            lambda f: text.Vocab(list("ab"), reserved_tokens=["<p>", "<p>"]),
        ),
        (
            "reserved a str",
            TE,
            "reserved_tokens",
            lambda f: text.Vocab(list("ab"), reserved_tokens="<p>"),
        ),
    ],
)
cases(
    "text.Vocab.to_tokens",
    [
        ("index = len", VE, "indices", lambda f: f.vocab.to_tokens(5)),
        ("negative index", VE, "indices", lambda f: f.vocab.to_tokens([1, -1])),
        ("a float", TE, "indices", lambda f: f.vocab.to_tokens(1.0)),
        ("a float array", TE, "indices", lambda f: f.vocab.to_tokens(np.array([1.0, 2.0]))),
        ("an MXNet float array", TE, "indices", lambda f: f.vocab.to_tokens(mnp.array([1.0]))),
        ("a bool", TE, "indices", lambda f: f.vocab.to_tokens(True)),
        ("a str", TE, "indices", lambda f: f.vocab.to_tokens("a")),
    ],
)
cases(
    "text.Vocab.__getitem__",
    [
        ("an int", TE, "tokens", lambda f: f.vocab[3]),
        ("None in a list", TE, "tokens", lambda f: f.vocab[["a", None]]),
    ],
)

# ---------------------------------------------------------------- train
cases(
    "train.make_trainer",
    [
        ("model a str", TE, "model", lambda f: train.make_trainer("net")),
        ("model not initialized", VE, "model", lambda f: train.make_trainer(Dense(1))),
        ("optimizer unknown", VE, "optimizer", lambda f: train.make_trainer(f.dense, "rmsprop")),
    ],
)
for v, e in (
    (0, ValueError),
    (-0.1, ValueError),
    (NAN, ValueError),
    (INF, ValueError),
    ("0.1", TypeError),
    (None, TypeError),
):
    add(
        "train.make_trainer",
        f"lr {v!r}",
        e,
        "lr",
        lambda f, v=v: train.make_trainer(f.dense, "sgd", v),
    )
add("train.trainable", "model a list", TE, "model", lambda f: train.trainable([f.dense]))
TS = train.train_step
cases(
    "train.train_step",
    [
        ("loss a float", TE, "loss", lambda f: TS(1.0, [], f.trainer, None, mx.cpu())),
        ("loss not a scalar", TE, "loss", lambda f: TS(mnp.ones(2), [], f.trainer, None, mx.cpu())),
        (
            "params a dict",
            TE,
            "params",
            lambda f: TS(f.recorded_loss, f.dense.collect_params(), f.trainer, None, mx.cpu()),
        ),
        (
            "trainer None",
            TE,
            "trainer",
            lambda f: TS(f.recorded_loss, train.trainable(f.dense), None, None, mx.cpu()),
        ),
        (
            "clip 0",
            VE,
            "clip",
            lambda f: TS(f.recorded_loss, train.trainable(f.dense), f.trainer, 0, mx.cpu()),
        ),
        (
            "clip NaN",
            VE,
            "clip",
            lambda f: TS(f.recorded_loss, train.trainable(f.dense), f.trainer, NAN, mx.cpu()),
        ),
        (
            "device str",
            TE,
            "device",
            lambda f: TS(f.recorded_loss, train.trainable(f.dense), f.trainer, None, "cpu"),
        ),
        (
            "device None",
            TE,
            "device",
            lambda f: TS(f.recorded_loss, train.trainable(f.dense), f.trainer, None, None),
        ),
        (
            "where an int",
            TE,
            "where",
            lambda f: TS(f.recorded_loss, train.trainable(f.dense), f.trainer, None, mx.cpu(), 3),
        ),
    ],
)
CE = train.cross_entropy
cases(
    "train.cross_entropy",
    [
        ("NumPy logits", TE, "logits", lambda f: CE(np.zeros((2, 1, 5)), mi([[1, 2]]))),
        ("shapes differ", VE, "logits", lambda f: CE(zeros(2, 1, 5), mi([[1, 2, 3]]))),
        ("2-D logits", VE, "logits", lambda f: CE(zeros(2, 5), mi([[1, 2]]))),
        ("target = V", VE, "Y", lambda f: CE(zeros(2, 1, 5), mi([[1, 5]]))),
        ("negative target", VE, "Y", lambda f: CE(zeros(2, 1, 5), mi([[-1, 2]]))),
        ("float targets", TE, "Y", lambda f: CE(zeros(2, 1, 5), mnp.array([[1.5, 2.0]]))),
        ("fast 'no'", TE, "fast", lambda f: CE(zeros(2, 1, 5), mi([[1, 2]]), "no")),
    ],
)


def lm_train(f, **kwargs):
    args = {
        "model": lm.RNNLM(rnn.RNN(3), f.V),
        "train_batches": SB(f.corpus, 2, 3),
        "num_epochs": 1,
        "progress": "none",
        **kwargs,
    }
    return train.train_lm(**args)


for arg, bad, e in (
    ("model", "lm", TypeError), ("num_epochs", 0, ValueError), ("num_epochs", 1.0, TypeError),
    ("lr", 0, ValueError), ("lr", NAN, ValueError), ("lr", "1", TypeError),
    ("optimizer", "rmsprop", ValueError), ("clip", 0, ValueError), ("clip", NAN, ValueError),
    ("clip", -1.0, ValueError), ("progress", "loud", ValueError), ("title", 5, TypeError),
    ("device", "cpu", TypeError), ("val_batches", [(1, 2)], TypeError),
):  # fmt: skip
    add("train.train_lm", f"{arg} {bad!r}", e, arg, lambda f, a=arg, b=bad: lm_train(f, **{a: b}))
cases(
    "train.train_lm",
    [
        (
            "train_batches a Corpus 3-tuple",
            TE,
            "train_batches",
            lambda f: lm_train(f, train_batches=batches.Corpus(f.corpus, f.corpus, f.vocab)),
        ),
        (
            "float minibatches",
            TE,
            "train_batches",
            lambda f: lm_train(f, train_batches=AB(np.ones((4, 3)), np.ones((4, 3)), 2)),
        ),
        (
            "vocabulary larger than the model's",
            VE,
            "X",
            lambda f: lm_train(f, model=lm.RNNLM(rnn.RNN(3), 3)),
        ),
        (
            "targets beyond the model's vocabulary",
            VE,
            "train_batches' Y",
            lambda f: lm_train(f, train_batches=AB(np.ones((4, 3), int), np.full((4, 3), 9), 2)),
        ),
    ],
)
cases(
    "train.evaluate_lm",
    [
        (
            "model a str",
            TE,
            "model",
            lambda f: train.evaluate_lm("lm", SB(f.corpus, 2, 3)),
        ),
        (
            "batches a list",
            TE,
            "batches",
            lambda f: train.evaluate_lm(f.lm, [(np.ones((2, 3), int),) * 2]),
        ),
        (
            "device str",
            TE,
            "device",
            lambda f: train.evaluate_lm(f.lm, SB(f.corpus, 2, 3), "cpu"),
        ),
        (
            "index beyond the vocabulary",
            VE,
            "X",
            lambda f: train.evaluate_lm(f.lm, SB(f.corpus + 1, 2, 3)),
        ),
        (
            "target beyond the vocabulary",
            VE,
            "batches' Y",
            lambda f: train.evaluate_lm(f.lm, AB(np.ones((4, 3), int), np.full((4, 3), 5), 2)),
        ),
        (
            "float minibatches",
            TE,
            "batches",
            lambda f: train.evaluate_lm(f.lm, AB(np.ones((4, 3)), np.ones((4, 3)), 2)),
        ),
    ],
)


EBP = train.evaluate_lm_by_position
cases(
    "train.evaluate_lm_by_position",
    [
        ("model a str", TE, "model", lambda f: EBP("lm", SB(f.corpus, 2, 3))),
        ("batches a list", TE, "batches", lambda f: EBP(f.lm, [(np.ones((2, 3), int),) * 2])),
        ("device str", TE, "device", lambda f: EBP(f.lm, SB(f.corpus, 2, 3), "cpu")),
        ("index beyond the vocabulary", VE, "X", lambda f: EBP(f.lm, SB(f.corpus + 1, 2, 3))),
        (
            "target beyond the vocabulary",
            VE,
            "batches' Y",
            lambda f: EBP(f.lm, AB(np.ones((4, 3), int), np.full((4, 3), 5), 2)),
        ),
        (
            "float minibatches",
            TE,
            "batches",
            lambda f: EBP(f.lm, AB(np.ones((4, 3)), np.ones((4, 3)), 2)),
        ),
        (
            "warmup_batches -1",
            VE,
            "warmup_batches",
            lambda f: EBP(f.lm, SB(f.corpus, 2, 3), None, -1),
        ),
        (
            "warmup_batches 1.0",
            TE,
            "warmup_batches",
            lambda f: EBP(f.lm, SB(f.corpus, 2, 3), None, 1.0),
        ),
        (
            "warmup_batches all",
            VE,
            "warmup_batches",
            lambda f: EBP(f.lm, SB(f.corpus, 2, 3), None, 10**6),
        ),
    ],
)


def ev(f, **kwargs):
    args = {"model": f.classifier, "X": np.ones((4, 3), int), "Y": np.zeros(4, int), **kwargs}
    return train.evaluate(**args)


for what, arg, bad, e in (
    ("model None", "model", None, TypeError),
    ("loss unknown", "loss", "hinge", ValueError),
    ("batch_size -1", "batch_size", -1, ValueError),
    ("batch_size 0", "batch_size", 0, ValueError),
    ("batch_size float", "batch_size", 2.0, TypeError),
    ("device str", "device", "cpu", TypeError),
    ("X None", "X", None, TypeError),
    ("X NaN", "X", np.full((4, 3), NAN), ValueError),
    ("X empty", "X", np.zeros((0, 3), int), ValueError),
    ("Y float labels", "Y", np.zeros(4), TypeError),
    ("Y 3-D", "Y", np.zeros((4, 1, 1), int), ValueError),
    ("Y label = num_classes", "Y", np.full(4, 3), ValueError),
    ("Y negative label", "Y", np.full(4, -1), ValueError),
    ("Y rows differ from X", "Y", np.zeros(3, int), ValueError),
    ("Y tags for a classifier", "Y", np.zeros((4, 2), int), ValueError),
):
    add("train.evaluate", what, e, arg, lambda f, a=arg, b=bad: ev(f, **{a: b}))
add(
    "train.evaluate",
    "squared loss: one target per output",
    VE,
    "Y",
    lambda f: train.evaluate(f.dense, np.ones((4, 2)), np.ones((4, 3)), "squared"),
)
cases(
    "train.accuracy",
    [
        (
            "model None",
            TE,
            "model",
            lambda f: train.accuracy(None, np.ones((4, 3), int), np.zeros(4, int)),
        ),
        (
            "label = num_classes",
            VE,
            "Y",
            lambda f: train.accuracy(f.classifier, np.ones((4, 3), int), np.full(4, 3)),
        ),
        (
            "float labels",
            TE,
            "Y",
            lambda f: train.accuracy(f.classifier, np.ones((4, 3), int), np.zeros(4)),
        ),
        (
            "device str",
            TE,
            "device",
            lambda f: train.accuracy(f.classifier, np.ones((4, 3), int), np.zeros(4, int), "gpu"),
        ),
    ],
)


def fit(f, **kwargs):
    X = np.ones((4, 3), dtype=np.int32)
    args = {
        "model": SeqClf(rnn.GRU(3), f.V, 3),
        "train_batches": AB(X, np.zeros(4, int), 2),
        "num_epochs": 1,
        **kwargs,
    }
    return train.fit(**args)


for arg, bad, e in (
    ("model", "clf", TypeError), ("num_epochs", 0, ValueError), ("loss", "hinge", ValueError),
    ("lr", 0, ValueError), ("lr", INF, ValueError), ("optimizer", "rmsprop", ValueError),
    ("clip", 0, ValueError), ("clip", "1", TypeError), ("target", 1.5, ValueError),
    ("target", 0, ValueError), ("val", (np.ones((2, 3), int),) * 3, TypeError),
    ("train_batches", 5, TypeError), ("device", "cpu", TypeError), ("initializer", 0.5, TypeError),
):  # fmt: skip
    add(
        "train.fit",
        f"{arg} {bad if not isinstance(bad, tuple) else 'a 3-tuple'!r}",
        e,
        arg,
        lambda f, a=arg, b=bad: fit(f, **{a: b}),
    )
cases(
    "train.fit",
    [
        ("target without val", VE, "target", lambda f: fit(f, target=0.9)),
        (
            "val of unpaired X and Y",
            VE,
            "val",
            lambda f: fit(f, val=(np.ones((2, 3), int), np.zeros(3, int))),
        ),
        ("val X NaN", VE, "val[0]", lambda f: fit(f, val=(np.full((2, 3), NAN), np.zeros(2, int)))),
        ("val Y float", TE, "val[1]", lambda f: fit(f, val=(np.ones((2, 3), int), np.zeros(2)))),
        (
            "labels beyond num_classes",
            VE,
            "train_batches' Y",
            lambda f: fit(f, train_batches=AB(np.ones((4, 3), int), np.full(4, 7), 2)),
        ),
        (
            "float labels",
            TE,
            "train_batches' Y",
            lambda f: fit(f, train_batches=AB(np.ones((4, 3), int), np.full(4, 1.5), 2)),
        ),
        ("no minibatch", VE, "train_batches", lambda f: fit(f, train_batches=[])),
    ],
)


def s2s_train(**kwargs):
    data = s2s("data")
    encoder, decoder = S2.Encoder(len(data.src_vocab), 2, 3), S2.Decoder(len(data.tgt_vocab), 2, 3)
    args = {
        "model": S2.EncoderDecoder(encoder, decoder),
        "train_batches": translation.TranslationBatches(data.train, 8),
        "num_epochs": 1,
        "progress": "none",
        **kwargs,
    }
    return train.train_seq2seq(**args)


for arg, bad, e in (
    ("model", "m", TypeError), ("num_epochs", 0, ValueError), ("num_epochs", 1.0, TypeError),
    ("lr", 0, ValueError), ("lr", NAN, ValueError), ("lr", "1", TypeError),
    ("optimizer", "rmsprop", ValueError), ("clip", 0, ValueError), ("clip", NAN, ValueError),
    ("sampling_probability", 1.5, ValueError), ("sampling_probability", -0.1, ValueError),
    ("sampling_probability", NAN, ValueError), ("sampling_probability", "0.5", TypeError),
    ("seed", -1, ValueError), ("device", "cpu", TypeError), ("progress", "loud", ValueError),
    ("title", 5, TypeError), ("on_epoch", 5, TypeError), ("trainer_states", 5, TypeError),
    ("val", (1, 2), TypeError), ("train_batches", 5, TypeError), ("train_batches", [], ValueError),
    ("train_batches", [(1, 2)], TypeError),
):  # fmt: skip
    add(
        "train.train_seq2seq",
        f"{arg} {bad!r}",
        e,
        arg,
        lambda f, k={arg: bad}: s2s_train(**k),
    )

# ---------------------------------------------------------------- translation
TR = translation
for fn in (TR.normalize, TR.tokenize, TR.group_key):
    add(f"translation.{fn.__name__}", "None", TE, "text", lambda f, g=fn: g(None))
    add(f"translation.{fn.__name__}", "bytes", TE, "text", lambda f, g=fn: g(b"va !"))
cases(
    "translation.detokenize",
    [
        ("a str", TE, "tokens", lambda f: TR.detokenize("va !")),
        ("int tokens", TE, "tokens[0]", lambda f: TR.detokenize([1, 2])),
        ("None", TE, "tokens", lambda f: TR.detokenize(None)),
    ],
)
ST = TR.source_tokens
cases(
    "translation.source_tokens",
    [
        ("None", TE, "sentence", lambda f: ST(None, 3)),
        ("no word", VE, "sentence", lambda f: ST("   ", 3)),
        ("longer than max_len", VE, "sentence", lambda f: ST("a b c d", 3)),
        ("<eos> inside", VE, "sentence", lambda f: ST("a <eos> b", 3)),
        ("<bos> inside, named", VE, "sentences[2]", lambda f: ST("<bos> a", 3, "sentences[2]")),
        ("max_len 0", VE, "max_len", lambda f: ST("a", 0)),
    ],
)
TR_PAIRS = [(f"{a} {b} .", f"{b} {a} !") for a in "abc" for b in "fgh"]  # 9 English sentences
for arg, bad, e, name in (
    ("pairs", "va", TE, "pairs"), ("pairs", None, TE, "pairs"),
    ("pairs", [("a", "b", "c")], VE, "pairs[0]"), ("pairs", [("a", 3)], TE, "pairs[0][1]"),
    ("pairs", [(None, "b")], TE, "pairs[0][0]"), ("pairs", {"a": "b"}, TE, "pairs"),
    ("pairs", [("a <eos> b", "c")] + TR_PAIRS, VE, "pairs[0]"),
    ("pairs", TR_PAIRS + [("x y", "<pad>")], VE, "pairs[9]"),
    ("min_freq", 100, VE, "min_freq"), ("max_len", 1, VE, "max_len"),
    ("max_len", 0, VE, "max_len"), ("min_freq", 0, VE, "min_freq"),
    ("num_val", 0, VE, "num_val"), ("num_test", 1.0, TE, "num_test"), ("seed", -1, VE, "seed"),
    ("num_val", 8, VE, "num_val"), ("num_merges", -1, VE, "num_merges"),
    ("num_merges", 1.5, TE, "num_merges"), ("num_merges", "10", TE, "num_merges"),
):  # fmt: skip
    add(
        "translation.translation_data",
        f"{arg} {bad!r}",
        e,
        name,
        lambda f, k={arg: bad}: TR.translation_data(
            **({"pairs": TR_PAIRS, "num_val": 1, "num_test": 1} | k)
        ),
    )
TB = TR.TranslationBatches
cases(
    "translation.TranslationBatches",
    [
        ("split a tuple", TE, "split", lambda f: TB((SRC2, [2]), 2)),
        (
            "an empty split",
            VE,
            "split",
            lambda f: TB(TR.Split(*(np.zeros((0, 3), int),) * 5), 2),
        ),
        ("batch_size 0", VE, "batch_size", lambda f: TB(s2s("data").train, 0)),
        ("shuffle 'no'", TE, "shuffle", lambda f: TB(s2s("data").train, 2, "no")),
        ("seed -1", VE, "seed", lambda f: TB(s2s("data").train, 2, seed=-1)),
        (
            "reverse_source 1",
            TE,
            "reverse_source",
            lambda f: TB(s2s("data").train, 2, reverse_source=1),
        ),
    ],
)
cases(
    "translation.TranslationData.encode_source",
    [
        ("an empty sentence", VE, "sentence", lambda f: s2s("data").encode_source(" ")),
        (
            "a sentence longer than max_len",
            VE,
            "sentence",
            lambda f: s2s("data").encode_source("a b c d"),
        ),
        ("a list", TE, "sentence", lambda f: s2s("data").encode_source(["a", "f"])),
        ("<pad> inside", VE, "sentence", lambda f: s2s("data").encode_source("a <pad>")),
    ],
)
TR_BPE = TR.translation_data(TR_PAIRS, max_len=3, min_freq=1, num_val=1, num_test=1, num_merges=2)
for units, fn in (
    ("words", lambda x: s2s("data").source_units(x)),
    ("subwords", lambda x: TR_BPE.source_units(x)),
):
    SU = "translation.TranslationData.source_units"
    add(SU, f"an empty sentence ({units})", VE, "sentence", lambda f, g=fn: g(" "))
    add(SU, f"a list ({units})", TE, "sentence", lambda f, g=fn: g(["a", "f"]))
    add(SU, f"<bos> inside ({units})", VE, "sentence", lambda f, g=fn: g("<bos> a"))
cases(
    "translation.TranslationData.source_units",
    [
        ("too many words", VE, "sentence", lambda f: TR_BPE.source_units("a b c d")),
        (
            "too many subwords, named",
            VE,
            "sentences[1]",
            lambda f: TR_BPE.source_units("abcdefgh xyzuvw qrstuv", "sentences[1]"),
        ),
        ("arg None", TE, "arg", lambda f: TR_BPE.source_units("a", None)),
    ],
)
for name in ("target_words", "target_text"):
    cases(
        f"translation.TranslationData.{name}",
        [
            ("a str", TE, "ids", lambda f, n=name: getattr(s2s("data"), n)("3 4")),
            ("float ids", TE, "ids", lambda f, n=name: getattr(TR_BPE, n)([1.0, 2.0])),
            ("2-D ids", TE, "ids", lambda f, n=name: getattr(TR_BPE, n)([[4]])),
            (
                "an id past V",
                VE,
                "ids",
                lambda f, n=name: getattr(TR_BPE, n)([len(TR_BPE.tgt_vocab)]),
            ),
            ("a negative id", VE, "ids", lambda f, n=name: getattr(s2s("data"), n)([-1])),
            ("None", TE, "ids", lambda f, n=name: getattr(TR_BPE, n)(None)),
        ],
    )
cases(
    "translation.subword_tokens",
    [
        ("bpe None", TE, "bpe", lambda f: TR.subword_tokens(None, ["a"])),
        ("words a str", TE, "words", lambda f: TR.subword_tokens(TR_BPE.src_bpe, "a b")),
        ("a word with a space", VE, "words", lambda f: TR.subword_tokens(TR_BPE.src_bpe, ["a b"])),
        ("an empty word", VE, "words", lambda f: TR.subword_tokens(TR_BPE.src_bpe, [""])),
        ("int words", TE, "words[0]", lambda f: TR.subword_tokens(TR_BPE.src_bpe, [3])),
    ],
)
cases(
    "translation.join_subwords",
    [
        ("None", TE, "tokens", lambda f: TR.join_subwords(None)),
        ("a str", TE, "tokens", lambda f: TR.join_subwords(" va !")),
        ("int tokens", TE, "tokens[0]", lambda f: TR.join_subwords([1, 2])),
    ],
)
cases(
    "translation.Split.select",
    [
        ("a mask of the wrong length", VE, "rows", lambda f: s2s("data").train.select([True])),
        ("float rows", TE, "rows", lambda f: s2s("data").train.select([0.5])),
        ("2-D rows", TE, "rows", lambda f: s2s("data").train.select([[0]])),
        ("a row past the end", IndexError, "rows", lambda f: s2s("data").train.select([10**6])),
        ("a negative row", IndexError, "rows", lambda f: s2s("data").train.select([-1])),
    ],
)
TP = TR.trim_padding
TP_BATCH = (SRC2, np.array([2]), np.array([[2, 3]]), np.array([[3, 4]]), np.array([2]))
cases(
    "translation.trim_padding",
    [
        ("batch a str", TE, "batch", lambda f: TP("batch")),
        ("batch of 4 arrays", TE, "batch", lambda f: TP(TP_BATCH[:4])),
        ("source 'yes'", TE, "source", lambda f: TP(TP_BATCH, "yes")),
        ("src_len > num_steps", VE, "src_len", lambda f: TP((SRC2, np.array([4]), *TP_BATCH[2:]))),
        ("src float", TE, "src", lambda f: TP((SRC2 * 1.0, *TP_BATCH[1:]))),
    ],
)
RS = TR.reversed_sources
cases(
    "translation.reversed_sources",
    [
        ("src 1-D", VE, "src", lambda f: RS(np.array([1, 2]), np.array([2]))),
        ("src float", TE, "src", lambda f: RS(np.ones((1, 2)), np.array([2]))),
        ("src None", TE, "src", lambda f: RS(None, np.array([2]))),
        ("src_len of 2 rows", VE, "src_len", lambda f: RS(SRC2, np.array([2, 2]))),
        ("src_len > num_steps", VE, "src_len", lambda f: RS(SRC2, np.array([4]))),
        ("src_len negative", VE, "src_len", lambda f: RS(SRC2, np.array([-1]))),
    ],
)

# ---------------------------------------------------------------- vanishing
VA = vanishing
for key, call in (
    (
        "vanishing.check_settings",
        lambda kw: VA.check_settings(
            **{"T": 3, "radius": 1.0, "activation": "tanh", "alpha": 0.0, **kw}
        ),
    ),
    (
        "vanishing.Recurrence",
        lambda kw: VA.Recurrence(**{"T": 3, "radius": 1.0, "num_hiddens": 2, **kw}),
    ),
):
    for arg, bad, e in (
        ("T", 0, ValueError), ("T", 2.5, TypeError), ("radius", -0.1, ValueError),
        ("radius", NAN, ValueError), ("radius", "1", TypeError), ("activation", "gelu", ValueError),
        ("alpha", 1.0, ValueError), ("alpha", -0.5, ValueError), ("alpha", NAN, ValueError),
    ):  # fmt: skip
        add(key, f"{arg} {bad!r}", e, arg, lambda f, c=call, a=arg, b=bad: c({a: b}))
for arg, bad, e in (
    ("num_hiddens", 0, ValueError),
    ("input_scale", -1.0, ValueError),
    ("input_scale", INF, ValueError),
    ("seed", -1, ValueError),
    ("delay", 1, ValueError),
    ("delay", -2, ValueError),
    ("delay", 2.0, TypeError),
    ("skip_radius", -0.5, ValueError),
    ("skip_radius", NAN, ValueError),
):
    add(
        "vanishing.Recurrence",
        f"{arg} {bad!r}",
        e,
        arg,
        lambda f, a=arg, b=bad: VA.Recurrence(3, 1.0, **{a: b}),
    )
for arg, bad, e in (
    ("cell", "rnn", ValueError), ("T", 0, ValueError), ("radius", -1.0, ValueError),
    ("gate_bias", INF, ValueError), ("gate_bias", "5", TypeError), ("num_hiddens", 0, ValueError),
    ("input_scale", NAN, ValueError), ("seed", 1.5, TypeError),
):  # fmt: skip
    kw = {"cell": "lstm", "T": 3, "radius": 1.0, "num_hiddens": 2, arg: bad}
    add(
        "vanishing.GatedRecurrence",
        f"{arg} {bad!r}",
        e,
        arg,
        lambda f, k=kw: VA.GatedRecurrence(**k),
    )
cases(
    "vanishing.gamma",
    [
        ("activation unknown", VE, "activation", lambda f: VA.gamma("swish")),
        ("activation None", VE, "activation", lambda f: VA.gamma(None)),
    ],
)
cases(
    "vanishing.scaled_orthogonal",
    [
        ("num_hiddens 0", VE, "num_hiddens", lambda f: VA.scaled_orthogonal(0, 1.0)),
        ("radius -1", VE, "radius", lambda f: VA.scaled_orthogonal(2, -1.0)),
        ("radius inf", VE, "radius", lambda f: VA.scaled_orthogonal(2, INF)),
        ("seed -1", VE, "seed", lambda f: VA.scaled_orthogonal(2, 1.0, -1)),
    ],
)
add(
    "vanishing.autograd_jacobian_products",
    "a GatedRecurrence",
    TE,
    "rec",
    lambda f: VA.autograd_jacobian_products("rec"),
)

# ---------------------------------------------------------------- weights
W = weights
cases(
    "weights.copy_weights",
    [
        (
            "two gluon layers",
            VE,
            "source and target",
            lambda f: W.copy_weights(rnn.GRU(2), rnn.GRU(2)),
        ),
        ("source an int", TE, "source", lambda f: W.copy_weights(5, f.gru)),
        ("target None", TE, "target", lambda f: W.copy_weights(f.gru, None)),
        (
            "cells differ",
            VE,
            "kind",
            lambda f: W.copy_weights(f.gru, initialized(rnn.LSTM(4, input_size=3))),
        ),
        (
            "num_hiddens differ",
            VE,
            "num_hiddens",
            lambda f: W.copy_weights(f.gru, initialized(rnn.GRU(5, input_size=3))),
        ),
        (
            "input sizes differ",
            VE,
            "input size",
            lambda f: W.copy_weights(f.gru, initialized(rnn.GRU(4, input_size=2))),
        ),
        (
            "layers differ",
            VE,
            "layer(s)",
            lambda f: W.copy_weights(f.gru, initialized(rnn.GRU(4, 2, input_size=3))),
        ),
        (
            "directions differ",
            VE,
            "direction(s)",
            lambda f: W.copy_weights(
                f.stacked, initialized(rnn.GRU(4, 2, bidirectional=True, input_size=3))
            ),
        ),
        ("an RNNLM into a layer", VE, "target", lambda f: W.copy_weights(f.lm, f.rnn)),
        (
            "vocabularies differ",
            VE,
            "vocab_size",
            lambda f: W.copy_weights(f.lm, initialized(lm.RNNLM(rnn.RNN(4), 6))),
        ),
        (
            "a book's layer of another size",
            VE,
            "W_xh",
            lambda f: W.copy_weights(f.gru, initialized(GRUS(4, 5))),
        ),
    ],
)
cases(
    "weights.one_way_layers",
    [
        ("a Dense", TE, "book", lambda f: W.one_way_layers(Dense(2))),
        ("a gluon layer", TE, "book", lambda f: W.one_way_layers(rnn.GRU(2))),
        ("gluon in a stack", VE, "layer 0", lambda f: W.one_way_layers(deep.Stacked([rnn.GRU(2)]))),
    ],
)
cases(
    "weights.gate_param_groups",
    [
        ("an int", TE, "plain", lambda f: W.gate_param_groups(5)),
        ("parameters not named as gates", VE, "parameter", lambda f: W.gate_param_groups(f.dense)),
    ],
)
for name in ("fused_names", "gate_names"):
    add(f"weights.{name}", "cell unknown", VE, "cell", lambda f, n=name: getattr(W, n)("tcn"))
    add(f"weights.{name}", "cell None", VE, "cell", lambda f, n=name: getattr(W, n)(None))
cases(
    "weights.fused_params",
    [
        ("group a list", TE, "group", lambda f: W.fused_params([], "rnn")),
        ("cell unknown", VE, "cell", lambda f: W.fused_params({}, "tcn")),
        ("k -1", VE, "k", lambda f: W.fused_params({}, "rnn", -1)),
        (
            "names of another cell",
            VE,
            "parameters",
            lambda f: W.fused_params(dict(f.rnn.collect_params()), "lstm"),
        ),
    ],
)
cases(
    "weights.gluon_gradients",
    [
        ("ref the book's layer", TE, "ref", lambda f: W.gluon_gradients(f.gru, f.gru)),
        ("book a gluon layer", TE, "book", lambda f: W.gluon_gradients(f.gluon_lstm, f.gluon_lstm)),
        (
            "cells differ",
            VE,
            "kind",
            lambda f: W.gluon_gradients(f.gluon_lstm, initialized(GRUS(3, 2))),
        ),
    ],
)

# ---------------------------------------------------------------- widgets.beam
WB = wbeam
_BEAM: dict = {}


def beam_setup():
    """A tiny translation set, an untrained model for it, and its BeamData (one setting),
    built on first use: ``(data, model, beam_data)``."""
    if not _BEAM:
        translation, seq2seq = d2lrnn.translation, d2lrnn.seq2seq  # imported by widgets.beam
        pairs = [(f"{a} {b} .", f"{b} {a} !") for a in "abcde" for b in "fghij"]
        data = translation.translation_data(pairs, max_len=3, min_freq=1, num_val=2, num_test=2)
        model = seq2seq.EncoderDecoder(
            seq2seq.Encoder(len(data.src_vocab), 2, 3), seq2seq.Decoder(len(data.tgt_vocab), 2, 3)
        )
        gluon_adapter.initialize(model, device=mx.cpu())
        _BEAM["setup"] = (data, model, WB.beam_data(model, data, ["a f ."], (1,), (0.0,)))
    return _BEAM["setup"]


def beam_call(**kwargs):
    """``beam_data`` on the tiny setup, with ``kwargs`` replacing its arguments."""
    data, model, _ = beam_setup()
    args = {"model": model, "data": data, "sentences": ["a f ."], "beam_sizes": (1,)}
    return WB.beam_data(**(args | kwargs))


for arg, bad, e, name in (
    ("model", None, TE, "model"), ("data", {}, TE, "data"),
    ("sentences", [], VE, "sentences"), ("sentences", "a f .", TE, "sentences"),
    ("sentences", ["a f .", " "], VE, "sentences[1]"), ("sentences", [3], TE, "sentences[0]"),
    ("sentences", ["a b c d"], VE, "sentences[0]"), ("sentences", ["a <eos>"], VE, "sentences[0]"),
    ("sentences", ["A f.", "a f ."], VE, "sentences"),
    ("beam_sizes", (1, 0), VE, "beam_sizes[1]"), ("beam_sizes", (17,), VE, "beam_sizes[0]"),
    ("beam_sizes", (2.0,), TE, "beam_sizes[0]"), ("beam_sizes", 4, TE, "beam_sizes"),
    ("beam_sizes", (2, 2), VE, "beam_sizes"), ("alphas", (0.0, -0.5), VE, "alphas[1]"),
    ("alphas", (NAN,), VE, "alphas[0]"), ("alphas", ("1",), TE, "alphas[0]"),
    ("alphas", (), VE, "alphas"), ("alphas", (0, 0.0), VE, "alphas"),
    ("max_len", 0, VE, "max_len"), ("max_len", 2.0, TE, "max_len"),
    ("num_pruned", -1, VE, "num_pruned"), ("num_pruned", 9, VE, "num_pruned"),
    ("device", "cpu", TE, "device"),
):  # fmt: skip
    add("widgets.beam.beam_data", f"{arg} {bad!r}", e, name, lambda f, k={arg: bad}: beam_call(**k))
add(
    "widgets.beam.beam_data",
    "a model for other vocabularies",
    VE,
    "model",
    lambda f: beam_call(
        model=d2lrnn.seq2seq.EncoderDecoder(
            d2lrnn.seq2seq.Encoder(3, 2, 3), d2lrnn.seq2seq.Decoder(3, 2, 3)
        )
    ),
)
add("widgets.beam.beam_explorer", "data a dict", TE, "data", lambda f: WB.beam_explorer({}))
BEAM_SETTINGS = (  # (what, exc, arg, (sentence, beam_size, alpha, step)) on the tiny setup
    ("sentence not in the data", VE, "sentence", ("b g .", 1, 0.0, 1)),
    ("sentence None", VE, "sentence", (None, 1, 0.0, 1)),
    ("beam_size not in the data", VE, "beam_size", ("a f .", 2, 0.0, 1)),
    ("alpha not in the data", VE, "alpha", ("a f .", 1, 0.5, 1)),
    ("step 0", VE, "step", ("a f .", 1, 0.0, 0)),
    ("step past the slider", VE, "step", ("a f .", 1, 0.0, 99)),
    ("step a float", TE, "step", ("a f .", 1, 0.0, 1.0)),
)
for frame_fn in (WB.draw_beam_frame, WB.describe_beam_frame):
    key = f"widgets.beam.{frame_fn.__name__}"
    add(key, "data None", TE, "data", lambda f, g=frame_fn: g(None, "a f .", 1, 0.0, 1))
    for what, e, name, args in BEAM_SETTINGS:
        add(key, what, e, name, lambda f, g=frame_fn, a=args: g(beam_setup()[2], *a))
for what, e, name, args in BEAM_SETTINGS:
    add("widgets.beam.BeamData.key", what, e, name, lambda f, a=args: beam_setup()[2].key(*a))
    if name != "step":
        add(
            "widgets.beam.BeamData.trace",
            what,
            e,
            name,
            lambda f, a=args: beam_setup()[2].trace(*a[:3]),
        )

# ---------------------------------------------------------------- widgets.clipping
WC = wclip
SR_ = WC.short_runs
for arg, bad, e in (
    ("vocab_size", 1, ValueError), ("vocab_size", 5.0, TypeError), ("lrs", 0.5, TypeError),
    ("lrs", (), ValueError), ("lrs", (0.5, -1.0), ValueError), ("thetas", "off", TypeError),
    ("thetas", (None, 0.0), ValueError), ("steps", 0, ValueError), ("num_hiddens", 0, ValueError),
    ("batch_size", 0, ValueError), ("num_steps", 0, ValueError), ("seed", -1, ValueError),
):  # fmt: skip
    kw = {
        "corpus": np.arange(40) % 5,
        "vocab_size": 5,
        "lrs": (0.5,),
        "thetas": (None,),
        "steps": 1,
        "batch_size": 2,
        "num_steps": 3,
        arg: bad,
    }
    name = (
        {"lrs": "lrs[1]", "thetas": "thetas[1]"}.get(arg, arg)
        if isinstance(bad, tuple) and bad
        else arg
    )
    add("widgets.clipping.short_runs", f"{arg} {bad!r}", e, name, lambda f, k=kw: SR_(**k))
cases(
    "widgets.clipping.short_runs",
    [
        (
            "corpus beyond vocab_size",
            VE,
            "corpus",
            lambda f: SR_(np.arange(40), 5, (0.5,), (None,), steps=1, batch_size=2, num_steps=3),
        ),
        (
            "corpus too short",
            VE,
            "corpus",
            lambda f: SR_(np.arange(10) % 5, 5, (0.5,), (None,), steps=5),
        ),
        ("corpus of floats", TE, "corpus", lambda f: SR_(np.ones(40), 5, (0.5,), (None,))),
    ],
)
CD = WC.clipping_data
for arg, bad, e, name in (
    ("lrs", (0.0,), ValueError, "lrs[0]"), ("lrs", None, TypeError, "lrs"),
    ("thetas", (None, -1.0), ValueError, "thetas[1]"), ("thetas", (1.0,), ValueError, "thetas"),
    ("steps", 0, ValueError, "steps"), ("cliff_start", (1.0,), ValueError, "cliff_start"),
    ("cliff_start", (NAN, 1.0), ValueError, "cliff_start"),
    ("cliff_lr_scale", 0, ValueError, "cliff_lr_scale"),
    ("seed", "0", TypeError, "seed"),
):  # fmt: skip
    add(
        "widgets.clipping.clipping_data",
        f"{arg} {bad!r}",
        e,
        name,
        lambda f, a=arg, b=bad: CD(**{a: b}),
    )
add(
    "widgets.clipping.clipping_explorer",
    "data a dict",
    TE,
    "data",
    lambda f: WC.clipping_explorer({}),
)
cases(
    "widgets.clipping.draw_clipping_frame",
    [
        ("data None", TE, "data", lambda f: WC.draw_clipping_frame(None, 1.0, None)),
        ("lr not in data", VE, "lr", lambda f: WC.draw_clipping_frame(f.clipping_data, 2.0, None)),
        (
            "theta not in data",
            VE,
            "theta",
            lambda f: WC.draw_clipping_frame(f.clipping_data, 1.0, 0.5),
        ),
    ],
)
cases(
    "widgets.clipping.diverged",
    [
        ("losses 2-D", VE, "losses", lambda f: WC.diverged(np.zeros((2, 2)), 5)),
        ("losses empty", VE, "losses", lambda f: WC.diverged([], 5)),
        ("losses None", TE, "losses", lambda f: WC.diverged(None, 5)),
        ("vocab_size 1", VE, "vocab_size", lambda f: WC.diverged([1.0], 1)),
    ],
)
cases(
    "widgets.clipping.theta_label",
    [
        ("theta 0", VE, "theta", lambda f: WC.theta_label(0)),
        ("theta str", TE, "theta", lambda f: WC.theta_label("off")),
        ("theta NaN", VE, "theta", lambda f: WC.theta_label(NAN)),
    ],
)

# ---------------------------------------------------------------- widgets.frames
FE = frames.FrameExplorer
CTRL = ("x", ["a"], [1], "slider")
cases(
    "widgets.frames.FrameExplorer",
    [
        ("controls empty", VE, "controls", lambda f: FE([], lambda x: f.png)),
        ("a control of 3", VE, "controls[0]", lambda f: FE([("x", ["a"], [1])], lambda x: f.png)),
        (
            "kind unknown",
            VE,
            "controls[0] kind",
            lambda f: FE([("x", ["a"], [1], "dial")], lambda x: f.png),
        ),
        (
            "description an int",
            TE,
            "controls[0] description",
            lambda f: FE([(1, ["a"], [1], "slider")], lambda x: f.png),
        ),
        (
            "labels and values differ",
            VE,
            "controls[0]",
            lambda f: FE([("x", ["a", "b"], [1], "slider")], lambda x: f.png),
        ),
        ("draw None", TE, "draw", lambda f: FE([CTRL], None)),
        ("key not a function", TE, "key", lambda f: FE([CTRL], lambda x: f.png, key=5)),
        (
            "describe not a function",
            TE,
            "describe",
            lambda f: FE([CTRL], lambda x: f.png, describe="x"),
        ),
    ],
)
cases(
    "widgets.frames.figure_png",
    [
        ("fig None", TE, "fig", lambda f: frames.figure_png(None)),
        ("dpi 5", VE, "dpi", lambda f: frames.figure_png(f.figure, 5)),
        ("dpi float", TE, "dpi", lambda f: frames.figure_png(f.figure, 80.0)),
        ("close 'no'", TE, "close", lambda f: frames.figure_png(f.figure, close="no")),
        ("tight 1", TE, "tight", lambda f: frames.figure_png(f.figure, tight=1)),
    ],
)
cases(
    "widgets.frames.encode_png",
    [
        ("image None", TE, "image", lambda f: frames.encode_png(None)),
        ("image array", TE, "image", lambda f: frames.encode_png(np.zeros((4, 4, 3)))),
        ("image PNG bytes", TE, "image", lambda f: frames.encode_png(f.png)),
    ],
)
cases(
    "widgets.frames.switcher",
    [
        ("children a widget", TE, "children", lambda f: frames.switcher(f.html, ["a"])),
        ("children of strs", TE, "children", lambda f: frames.switcher(["a", "b"], ["a", "b"])),
        ("a label short", VE, "labels", lambda f: frames.switcher([f.html, f.html], ["a"])),
        ("labels a str", VE, "labels", lambda f: frames.switcher([f.html], "a")),
    ],
)
cases(
    "widgets.frames.frame_widget",
    [
        ("png not a PNG", TE, "png", lambda f: frames.frame_widget(b"GIF89a", "alt")),
        ("png a str", TE, "png", lambda f: frames.frame_widget("x.png", "alt")),
        ("alt empty", VE, "alt", lambda f: frames.frame_widget(f.png, " ")),
        ("alt None", TE, "alt", lambda f: frames.frame_widget(f.png, None)),
    ],
)

# ---------------------------------------------------------------- widgets.vanishing
VD = wvan.vanishing_data
for arg, bad, e, name in (
    ("radii", 1.0, TypeError, "radii"), ("radii", (), ValueError, "radii"),
    ("radii", (1.0, -1.0), ValueError, "radii[1]"), ("radii", (1.0, 1.0), ValueError, "radii"),
    ("Ts", (3, 0), ValueError, "Ts[1]"), ("Ts", "20", TypeError, "Ts"),
    ("activations", ("gelu",), ValueError, "activations[0]"),
    ("alphas", (0.0, 1.0), ValueError, "alphas[1]"),
    ("gate_biases", (INF,), ValueError, "gate_biases[0]"),
    ("cells", ("rnn", "tcn"), ValueError, "cells[1]"), ("cells", "rnn", TypeError, "cells"),
    ("num_hiddens", 0, ValueError, "num_hiddens"), ("seed", -1, ValueError, "seed"),
):  # fmt: skip
    add(
        "widgets.vanishing.vanishing_data",
        f"{arg} {bad!r}",
        e,
        name,
        lambda f, a=arg, b=bad: VD(**{a: b}),
    )
add(
    "widgets.vanishing.VanishingData.key",
    "cell unknown",
    VE,
    "cell",
    lambda f: wvan.VanishingData.key("tcn", "tanh", 0.0, 0.0, 3, 1.0),
)
add(
    "widgets.vanishing.VanishingFigure",
    "data None",
    TE,
    "data",
    lambda f: wvan.VanishingFigure(None),
)
add(
    "widgets.vanishing.vanishing_explorer",
    "data a dict",
    TE,
    "data",
    lambda f: wvan.vanishing_explorer({}),
)
for meth in ("png", "describe"):
    key = f"widgets.vanishing.VanishingFigure.{meth}"
    for arg, args in (
        ("cell", ("lstm", "tanh", 0.0, 0.0, 3, 1.0)),
        ("T", ("rnn", "tanh", 0.0, 0.0, 4, 1.0)),
        ("radius", ("rnn", "tanh", 0.0, 0.0, 3, 2.0)),
        ("activation", ("rnn", "relu", 0.0, 0.0, 3, 1.0)),
        ("alpha", ("rnn", "tanh", 0.5, 0.0, 3, 1.0)),
    ):
        add(
            key,
            f"{arg} not in the data",
            VE,
            arg,
            lambda f, m=meth, a=args: getattr(f.vanishing_figure, m)(*a),
        )

# ------------------------------------------------------------ classes that take no input
#: Exception classes and pure data classes: they hold results, made by d2lrnn, and take no
#: user input to check. Only their constructors are exempt; their methods that take input
#: (``Cell.block_index``, ``VanishingData.key``) have cases above.
ALLOWED = {
    "batches.Corpus": "a NamedTuple (train, val, vocab) that time_machine_corpus returns",
    "compat.FillIn": "a frozen record of one numpy name MXNet reads (its value() has cases)",
    "data.DataFile": "a frozen record (name, sha1, description) of the data files d2lrnn knows",
    "data.DataFileError": "an exception class: what d2lrnn raises",
    "exercises.core.AnswerFailed": "an exception class: the student's answer raised (call)",
    "exercises.core.Exercise": "a frozen record of one registered exercise (key, title, check)",
    "exercises.core.Verdict": "the result of judge (passed, message, hint)",
    "exercises.core.Wrong": "an exception class: what a check raises for a wrong answer",
    "doctor.EnvironmentProblem": "an exception class: what doctor raises on a setup that fails",
    "doctor.Facts": "the result of gather (versions, platform, how import mxnet went)",
    "doctor.Finding": "one finding of diagnose (level, message, fix)",
    "doctor.MXNetImport": "what import mxnet did in gather's subprocess",
    "doctor.Report": "the result of doctor (the facts, the findings and their text)",
    "equivalence.Comparison": "the result of check_same_function (a table of differences)",
    "equivalence.NotEquivalentError": "an exception class: what check_same_function raises",
    "gluon_adapter.GluonLayout": "a frozen record that gluon_layout reads from a gluon layer",
    "gradients.GradientCheck": "the result of check_gradients (a table of relative errors)",
    "gradients.GradientError": "an exception class: what check_gradients raises",
    "layers.Cell": "a frozen record of the CELLS registry (a cell's layers and gate order)",
    "longrange.RecallRun": "the result of train_recall (one run's accuracy and curve)",
    "scores.Score": "one corpus score that corpus_scores returns (with its interval)",
    "seq2seq.AttentionMap": "the result of attention_maps (tokens and weights of one sentence)",
    "seq2seq.BeamStep": "one step of a traced beam search (its hypotheses)",
    "seq2seq.Hypothesis": "one hypothesis of beam search (tokens and scores)",
    "train.FitHistory": "the result of fit (what it measured per epoch)",
    "train.History": "the result of train_lm (what it measured per epoch and step)",
    "train.NonFiniteError": "an exception class: what the training loops raise on NaN",
    "train.Seq2SeqHistory": "the result of train_seq2seq (what it measured per epoch)",
    "translation.Split": "one split that translation_data makes (padded arrays, references)",
    "translation.TranslationData": "the result of translation_data (vocabularies and splits)",
    "widgets.beam.BeamData": "the result of beam_data (the explorer's traced searches)",
    "widgets.beam.BeamTrace": "one traced search inside BeamData (its steps and translation)",
    "widgets.clipping.ClippingData": "the result of clipping_data (the explorer's runs and paths)",
    "widgets.clipping.Run": "one short run inside ClippingData (losses and norms per step)",
    "widgets.vanishing.VanishingData": "the result of vanishing_data (the explorer's curves)",
}


# ----------------------------------------------------------------------- the tests


def case_id(case: Case) -> str:
    return f"{case.key}: {case.what}"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_bad_input_is_refused(case, fx, monkeypatch, tmp_path):
    """The case raises its exception, naming the argument and saying what was expected."""
    fx.monkeypatch, fx.tmp_path = monkeypatch, tmp_path
    with pytest.raises(case.exc) as info:
        case.call(fx)
    assert type(info.value) is case.exc, f"{type(info.value).__name__}: {info.value}"
    message = str(info.value)
    named = re.search(rf"(?<![\w.\[]){re.escape(case.arg)}(?![\w\[])", message)
    assert named, f"the message does not name {case.arg!r} (as a whole word): {message}"
    if case.python:
        return
    assert re.search(r"\b(must|expected|needs?)\b", message), f"nothing expected: {message}"
    origin = Path(info.traceback[-1].path).resolve()
    assert PACKAGE in origin.parents, f"raised in {origin}, not by d2lrnn: {message}"


def modules() -> list:
    """Every module of d2lrnn, its subpackages' (widgets, exercises) included."""
    names = ["d2lrnn"] + [m.name for m in pkgutil.walk_packages(d2lrnn.__path__, "d2lrnn.")]
    return [importlib.import_module(name) for name in names]


def takes_input(function) -> bool:
    """True if a method takes a parameter besides the object (or its class) itself."""
    params = list(inspect.signature(function).parameters.values())
    if params and params[0].name in ("self", "cls"):
        params = params[1:]
    return bool(params)


def defined_names(module) -> set[str]:
    """Every function and class ``module`` defines (not imports) whose name has no leading
    underscore: the public set, whether or not ``__all__`` lists it."""
    return {
        name
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(obj) or inspect.isclass(obj))
        and getattr(obj, "__module__", None) == module.__name__
    }


def public_callables() -> set[str]:
    """``module.name`` for every function and class a module defines without a leading
    underscore (``__all__`` or not: :func:`defined_names`), and ``module.Class.method`` for
    every public method, defined in the class, that takes input."""
    found = set()
    for module in modules():
        short = module.__name__.removeprefix("d2lrnn").lstrip(".")
        for name in sorted(defined_names(module)):
            obj = getattr(module, name)
            found.add(f"{short}.{name}")
            if inspect.isclass(obj):
                for attr, value in vars(obj).items():
                    if attr.startswith("_") or isinstance(value, property):
                        continue
                    function = getattr(value, "__func__", value)  # static and class methods
                    if inspect.isfunction(function) and takes_input(function):
                        found.add(f"{short}.{name}.{attr}")
    return found


def resolve(key: str):
    """The object a registry key names, or None when it no longer exists."""
    parts = key.split(".")
    for split in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module("d2lrnn." + ".".join(parts[:split]))
        except ModuleNotFoundError:
            continue
        for attr in parts[split:]:
            obj = getattr(obj, attr, None)
        return obj
    return None


def test_every_public_callable_has_a_case():
    public = public_callables()
    covered = {case.key for case in CASES}
    missing = sorted(public - covered - set(ALLOWED))
    assert not missing, f"public callables without a bad-input case: {missing}"
    stale = sorted(key for key in covered | set(ALLOWED) if resolve(key) is None)
    assert not stale, f"the registry names what no longer exists: {stale}"
    # The walk finds what it should (it does not pass by finding nothing).
    assert {"text.Vocab.to_tokens", "layers.RNNScratch.step", "widgets.frames.figure_png"} <= public
    assert "text.Vocab.unk" not in public and "vanishing.Recurrence.forward" not in public


def test_all_lists_every_public_function_and_class_a_module_defines():
    """``__all__`` (what the docs and ``from m import *`` show) is the public set itself."""
    for module in modules():
        if module.__name__ == "d2lrnn":
            continue  # the package's lazy attributes (d2lrnn.seed ...) are re-exports
        listed = {
            n
            for n in module.__all__
            if inspect.isfunction(getattr(module, n)) or inspect.isclass(getattr(module, n))
        }
        listed = {n for n in listed if getattr(module, n).__module__ == module.__name__}
        assert listed == defined_names(module), (
            f"{module.__name__}: defined but not in __all__: "
            f"{sorted(defined_names(module) - listed)}; in __all__ but not defined: "
            f"{sorted(listed - defined_names(module))}"
        )


def test_only_exceptions_and_data_classes_are_exempt():
    for key, reason in ALLOWED.items():
        obj = resolve(key)
        assert inspect.isclass(obj), key
        is_data = dataclasses.is_dataclass(obj) or issubclass(obj, tuple)  # NamedTuple
        assert issubclass(obj, Exception) or is_data, f"{key} is not a data class: {reason}"
        assert reason, key


def test_every_case_key_and_id_is_unique_and_readable():
    ids = [case_id(case) for case in CASES]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    assert all(re.fullmatch(r"[\w.]+: .+", i) for i in ids)


# ------------------------------------------------------- NumPy and MXNet scalars are numbers


def test_numpy_and_mxnet_scalars_are_accepted_where_numbers_are(fx):
    runtime.seed(np.int64(3))
    runtime.seed(mnp.array(3, dtype="int64"))
    q = generate.sampling_probs(np.array([1.0, 2.0, 3.0]), np.float32(0.7), np.int64(2))
    expected = generate.sampling_probs(np.array([1.0, 2.0, 3.0]), 0.7, 2)
    np.testing.assert_allclose(q, expected, rtol=1e-6)
    assert q[0] == 0
    trainer = train.make_trainer(initialized(gluon.nn.Dense(1)), "sgd", np.float64(0.1))
    assert trainer.learning_rate == pytest.approx(0.1)
    assert checks.check_number(mnp.array(0.5), "lr", 0, above=True) == 0.5
    assert checks.check_number(np.array(0.5), "lr") == 0.5  # a 0-d NumPy array
    assert checks.check_int(mnp.array(4, dtype="int32"), "n", 1) == 4
    assert clipping.clip(np.array([3.0, 4.0]), mnp.array(1.0)).tolist() == pytest.approx([0.6, 0.8])
    b = batches.SeqBatches(fx.corpus, np.int32(2), np.int64(3), seed=np.uint8(1))
    assert (b.batch_size, b.num_steps) == (2, 3)
    text_out = generate.generate(
        fx.lm, fx.vocab, "ab", np.int64(3), temperature=np.float32(0.5), top_k=np.int64(2)
    )
    assert isinstance(text_out, str) and text_out.startswith("ab")


def test_numpy_bools_are_flags_and_strings_are_not():
    assert layers.RNNScratch(2, fast=np.bool_(False)).fast is False
    b = batches.ArrayBatches(np.zeros((3, 2)), np.zeros(3), 2, shuffle=np.bool_(False))
    assert b.shuffle is False
    assert checks.check_bool(np.array(True), "flag") is True  # a 0-d array of a bool
    for bad in ("no", "False", 0, 1.0, None):
        with pytest.raises(TypeError, match=r"^shuffle must be True or False, got "):
            batches.ArrayBatches(np.zeros((3, 2)), np.zeros(3), 2, shuffle=bad)


# -------------------------------------------------------------------- token indices


def test_index_checks_of_a_language_model(fx):
    with pytest.raises(
        ValueError, match=r"X must hold token indices in \[0, 5\).*got values from 1 to 5"
    ):
        fx.lm(mi([[1, 5]]))
    with pytest.raises(ValueError, match=r"X must hold token indices in \[0, 5\).*from -2 to 1"):
        fx.lm_gluon(mi([[-2, 1]]))
    with pytest.raises(TypeError, match="X must hold integer token indices, got dtype float32"):
        fx.lm(mnp.array([[1.0, 2.0]]))  # refused, not truncated to [[1, 2]]
    logits, _ = fx.lm(mi([[0, 4]]))  # the largest index is fine
    assert logits.shape == (2, 1, 5)


def test_train_lm_with_a_vocabulary_larger_than_the_model_names_X_and_the_vocabulary():
    corpus = np.arange(200) % 7  # 7 tokens ...
    model = lm.RNNLM(layers.RNNScratch(4), 5)  # ... for a model of 5
    with pytest.raises(
        ValueError, match=r"X must hold token indices in \[0, 5\) \(the model's vocabulary"
    ):
        train.train_lm(model, batches.SeqBatches(corpus, 2, 5), num_epochs=1, progress="none")


# ----------------------------------------------------------------------- non-finite


def test_train_lm_that_diverges_stops_naming_the_step_and_the_learning_rate():
    runtime.seed(0)
    corpus = np.random.default_rng(0).integers(0, 6, 600)
    model = lm.RNNLM(rnn.RNN(8), 6)
    data_ = batches.SeqBatches(corpus, 4, 8)
    with pytest.raises(train.NonFiniteError) as info:
        train.train_lm(model, data_, num_epochs=3, lr=1e6, clip=None, progress="none")
    message = str(info.value)
    assert re.search(r"^epoch 1, step \d+: the (loss|gradient norm) is (nan|inf)", message)
    assert "learning rate (lr=1e+06, sgd) is probably too high" in message
    assert "clipping is off (clip=None)" in message
    history = info.value.history
    step = int(re.search(r"step (\d+)", message)[1])
    assert isinstance(history, train.History)
    assert len(history.losses) == len(history.grad_norms) == step - 1  # the steps before
    assert all(math.isfinite(x) for x in history.losses)


def nan_weights(model):
    for p in model.collect_params().values():
        p.set_data(mnp.full(p.shape, NAN, dtype=p.dtype))
    return model


def test_evaluation_and_generation_of_a_model_with_nan_weights_stop():
    model = nan_weights(initialized(lm.RNNLM(layers.GRUScratch(3), 5), mi([[1]])))
    with pytest.raises(train.NonFiniteError, match=r"evaluation, minibatch 1: the loss is nan"):
        train.evaluate_lm(model, batches.SeqBatches(np.arange(40) % 5, 2, 3))
    with pytest.raises(FloatingPointError, match=r"^token 1: the model's logits hold NaN"):
        generate.generate(model, text.Vocab(list("abcd")), "ab", 3)
    clf = nan_weights(initialized(classifiers.SequenceClassifier(rnn.GRU(3), 5, 2), mi([[1]])))
    with pytest.raises(train.NonFiniteError, match="evaluation, examples 0 to 3: the loss is nan"):
        train.evaluate(clf, np.ones((4, 3), int), np.zeros(4, int))


def test_non_finite_numbers_are_refused():
    with pytest.raises(ValueError, match="log_probs must not hold NaN"):
        metrics.perplexity([NAN])
    assert metrics.perplexity([-INF]) == INF  # a probability of 0: infinite, not an error
    with pytest.raises(ValueError, match="temperature=1e-320 is too small"):
        generate.sampling_probs(np.array([1.0, 2.0]), 1e-320)
    with pytest.raises(ValueError, match="eps must be a finite number > 0, got nan"):
        gradients.numerical_gradient(loss_of, {"w": np.ones(2)}, "w", NAN)
    with pytest.raises(ValueError, match="alpha must be a finite number >= 0, got inf"):
        ngram.NGramLM(list("abc"), 2, alpha=INF)


# --------------------------------------------------------------- zero-length sequences


@pytest.mark.parametrize(
    "make, inputs",
    [
        (lambda: layers.RNNScratch(2, 3), zeros(0, 2, 3)),
        (lambda: layers.LSTMScratch(2, 3, fast=False), zeros(0, 2, 3)),
        (lambda: layers.GRUScratch(2, 3), mi(np.zeros((0, 2)))),
        (lambda: deep.deep_rnn("lstm", 2, 2, num_inputs=3), zeros(0, 2, 3)),
        (lambda: deep.deep_rnn("gru", 2, bidirectional=True, num_inputs=3), zeros(0, 2, 3)),
    ],
    ids=["RNNScratch", "LSTMScratch plain", "GRUScratch indices", "Stacked", "Bidirectional"],
)
def test_zero_steps_are_refused_by_layers_and_stacks(make, inputs):
    layer = initialized(make())
    with pytest.raises(ValueError, match=r"inputs must .*at least one step of one sequence"):
        layer(inputs)


def test_zero_steps_are_refused_by_the_language_model(fx):
    for model in (fx.lm, fx.lm_gluon):
        with pytest.raises(ValueError, match=r"X must not be empty, got shape \(2, 0\)"):
            model(mi(np.zeros((2, 0))))


# ---------------------------------------------------------------- states of the wrong shape


@pytest.mark.parametrize("cls", [layers.RNNScratch, layers.LSTMScratch, layers.GRUScratch])
@pytest.mark.parametrize(
    "shape, why", [((2, 3, 4), "rows"), ((1, 2, 4), "batch"), ((1, 3, 5), "hidden size")]
)
def test_scratch_layers_refuse_states_of_the_wrong_shape(cls, shape, why):
    layer = initialized(cls(4, 2))
    states = [zeros(*shape)] * layer.num_states
    pattern = rf"^state H must have shape \(1, 3, 4\), got {re.escape(str(shape))}"
    with pytest.raises(ValueError, match=pattern):
        layer(zeros(5, 3, 2), states)


@pytest.mark.parametrize(
    "make, rows, names",
    [
        (lambda: deep.Bidirectional(layers.LSTMScratch(4, 2), layers.LSTMScratch(4, 2)), 2, "HC"),
        (lambda: deep.deep_rnn("gru", 4, 3, num_inputs=2), 3, "H"),
        (lambda: deep.deep_rnn("rnn", 4, 2, bidirectional=True, num_inputs=2), 4, "H"),
    ],
    ids=["Bidirectional", "Stacked", "Stacked bidirectional"],
)
def test_stacks_refuse_states_of_the_wrong_shape(make, rows, names):
    layer = initialized(make())
    expected = rf"\(layers x directions = {rows}, batch_size = 3, num_hiddens = 4\)"
    good = [zeros(rows, 3, 4) for _ in names]
    for i, name in enumerate(names):
        for bad in ((rows - 1, 3, 4), (rows, 2, 4), (rows, 3, 5), (rows + 2, 3, 4)):
            states = list(good)
            states[i] = zeros(*bad)
            pattern = rf"^states\[{i}\] \(state {name}\) must have shape {expected}, got"
            with pytest.raises(ValueError, match=pattern):
                layer(zeros(5, 3, 2), states)
    with pytest.raises(ValueError, match=rf"^states must be a list of {len(names)} array"):
        layer(zeros(5, 3, 2), good + good)
    outputs, states = layer(zeros(5, 3, 2), good)  # the right shape works
    assert [s.shape for s in states] == [(rows, 3, 4)] * len(names)
