"""The student edit: chapter 3 invites the reader to change its ``RNN`` class and rerun.

Swap the ``tanh`` of the class's step for ``npx.relu``, as a student would,
and the book must keep working around the edited class: it trains through the
book's trainer and writes text; and ``equivalence.check_same_function``,
which compares it with the unchanged fast and gluon layers, must say that it
is no longer the same function, naming what differs and by how much.

Runs the chapter's own code (read from ``chapters/03_rnn_from_scratch.md`` by
``tests/chapter_code.py``), without a Jupyter kernel.
"""

import math
import re

import pytest

import d2lrnn
from d2lrnn import batches, equivalence, generate, lm, train
from tests.chapter_code import define, definition_source

EDIT = {"mnp.tanh(": "npx.relu("}


@pytest.fixture(scope="module")
def corpus():
    return d2lrnn.time_machine_corpus()


@pytest.fixture(scope="module")
def edited():
    return define(3, "RNN", replace=EDIT)["RNN"]


def test_the_edit_changes_the_step_and_nothing_else():
    source = definition_source(3, "RNN")
    assert source.count("mnp.tanh(") == 1
    assert "H = mnp.tanh(X_t @ W_xh + H @ W_hh + b_h)" in source
    ns = define(3, "RNN", replace=EDIT)
    assert ns["RNN"].__name__ == "RNN" and "RNN" not in define(3, "rnn_lm_backward")


@pytest.mark.needs_data("timemachine.txt")
def test_the_edited_model_trains_and_writes(corpus, edited):
    train_corpus, _, vocab = corpus
    V = len(vocab)
    d2lrnn.seed(0)
    model = lm.RNNLM(edited(V, 32), V)
    model.initialize()
    # 800 characters, 19 minibatches of 4 x 10 per epoch. Unbounded, the ReLU RNN can
    # overshoot early in the first epoch (clipping keeps it from diverging): the second
    # epoch is the one to judge.
    few = batches.SeqBatches(train_corpus[:800], 4, 10, sampling="sequential", seed=0)
    history = train.train_lm(
        model, few, None, 2, lr=0.01, optimizer="adam", clip=1.0, progress="none"
    )
    assert len(history.train_ppl) == 2 and len(history.losses) == 2 * len(few)
    assert all(math.isfinite(p) for p in history.train_ppl)
    assert history.train_ppl[-1] < V  # better than guessing uniformly
    assert all(math.isfinite(n) for n in history.grad_norms)
    text = generate.generate(model, vocab, "the time ", 20, seed=0)
    assert text.startswith("the time ") and len(text) == len("the time ") + 20


@pytest.mark.needs_data("timemachine.txt")
def test_the_edited_model_is_no_longer_the_same_function(corpus, edited):
    V = len(corpus.vocab)
    with pytest.raises(equivalence.NotEquivalentError) as info:
        equivalence.check_same_function(edited(V, 16), "rnn")
    message = str(info.value)
    number = r"\d\.\de[+-]\d\d"
    for quantity in ("outputs", "dL/dW_hh"):
        line = (
            rf"^  {re.escape(quantity)}: relative difference ({number}) from d2lrnn's fast "
            rf"layer, ({number}) from gluon's fused layer$"
        )
        found = re.search(line, message, re.M)
        assert found, (quantity, message)
        assert min(float(found[1]), float(found[2])) > 1e-2  # far beyond float32 rounding
    # It is the same function as the ReLU references, as the chapter suggests checking.
    assert equivalence.check_same_function(edited(V, 16), "rnn", activation="relu").worst() < 1e-5


@pytest.mark.needs_data("timemachine.txt")
def test_the_unedited_model_passes(corpus):
    V = len(corpus.vocab)
    RNN = define(3, "RNN")["RNN"]
    comparison = equivalence.check_same_function(RNN(V, 16), "rnn")
    assert comparison.worst() < 1e-5 and comparison.failures() == []
