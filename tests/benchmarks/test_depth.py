"""Chapter 6's depth against width: the benchmark trains the chapter's shapes, with its settings.

Chapter 6 trains one of the three shapes live and reads all three, over three seeds,
from ``benchmarks/results.json`` (``"depth_width"``): the benchmark's shapes must be the
chapter's, its settings the chapter's, and its record what the chapter reads.
"""

import json

import pytest

from benchmarks import depth
from tests.chapter_code import code_cells


def chapter_shapes() -> dict:
    """The ``shapes`` dictionary of chapter 6, built as the chapter builds it."""
    from mxnet.gluon import rnn

    from d2lrnn import deep

    cell = next(c for c in code_cells(6) if c.startswith("shapes = {"))
    ns = {"rnn": rnn, "deep": deep}
    exec(cell, ns)
    return ns["shapes"]


def describe(layer) -> str:
    """The layer's structure: its class, sizes and dropout, as gluon prints it."""
    return repr(layer)


def test_the_benchmarks_shapes_are_the_chapters():
    shapes = chapter_shapes()
    assert tuple(shapes) == depth.SHAPES
    for name, make in shapes.items():
        assert describe(make()) == describe(depth.make_layer(name))
    with pytest.raises(ValueError, match="shape must be one of"):
        depth.make_layer("3 layers x 96")


def test_the_settings_are_the_chapters():
    chapter = "\n".join(code_cells(6))
    batches = "*batches.train_val_batches(train_corpus, val_corpus), 10,"
    assert f"train.train_lm(deep_model, {batches}" in chapter and "lr=0.01," in chapter
    assert 'optimizer="adam", clip=1.0' in chapter
    assert depth.DEFAULTS == {
        "epochs": 10,
        "lr": 0.01,
        "clip": 1.0,
        "batch_size": 64,
        "num_steps": 32,
    }


def test_a_tiny_run_and_its_record(tmp_path):
    import numpy as np

    from d2lrnn import batches, text

    letters = list("abcdefghijklmnopqrstuvwxyz ")
    tokens = list(np.random.default_rng(0).choice(letters, 4000))
    vocab = text.Vocab(tokens)
    ids = np.array(vocab[tokens])
    corpus = batches.Corpus(ids[:3000], ids[3000:], vocab)  # 28 tokens, as the book's
    settings = dict(depth.DEFAULTS, epochs=2, batch_size=8)
    runs = [depth.run(shape, 0, settings, corpus) for shape in depth.SHAPES]
    for r in runs:
        assert len(r["val_ppl"]) == len(r["train_ppl"]) == 2 and r["params"] > 100_000
    again = depth.run(depth.SHAPES[0], 0, settings, corpus)
    assert again["val_ppl"] == runs[0]["val_ppl"]  # seeded: the same run twice
    summary = depth.summarize(runs)
    assert summary[depth.SHAPES[2]]["params"] == 165_484
    assert summary[depth.SHAPES[0]]["val_ppl"]["low"] == runs[0]["val_ppl"][-1]
    out = tmp_path / "results.json"
    out.write_text(json.dumps({"other": 1}))
    merged = depth.merge_results({"runs": runs}, out)
    assert merged["other"] == 1 and json.loads(out.read_text())[depth.KEY]["runs"][0]["seed"] == 0


def test_the_record_the_chapter_reads_is_complete():
    record = json.loads(depth.RESULTS.read_text())[depth.KEY]
    assert record["settings"]["seeds"] == 3 and record["settings"]["epochs"] == 10
    for shape in depth.SHAPES:
        runs = [r for r in record["runs"] if r["shape"] == shape]
        assert [r["seed"] for r in runs] == [0, 1, 2]
        assert all(len(r["val_ppl"]) == 10 for r in runs)
    assert record["machine"]["numpy"] and record["machine"]["python"]


def test_the_record_bears_out_the_chapters_prose():
    """What chapter 6 says of the three shapes, checked against the record it reads.

    Rerunning ``python -m benchmarks depth`` on another machine may change the
    record; this test then says which sentence of the chapter to rewrite.
    """
    record = json.loads(depth.RESULTS.read_text())[depth.KEY]
    deep, drop, wide = ([r for r in record["runs"] if r["shape"] == s] for s in depth.SHAPES)
    final = [[r["val_ppl"][-1] for r in runs] for runs in (deep, drop, wide)]
    gains = [w - d for d, w in zip(final[0], final[2])]
    assert all(g > 0 for g in gains), "'depth wins ... on every seed'"
    for runs in (deep, wide):
        spread = max(r["val_ppl"][-1] for r in runs) - min(r["val_ppl"][-1] for r in runs)
        assert spread < min(gains), "'the seeds of either shape lie within a few hundredths'"
    best_epoch = [[r["val_ppl"].index(min(r["val_ppl"])) + 1 for r in rs] for rs in (drop, wide)]
    assert all(e < 10 for e in best_epoch[1]), "'the wide single layer reaches its best before'"
    assert all(w["train_ppl"][-1] < d["train_ppl"][-1] for d, w in zip(deep, wide)), (
        "'with a lower training perplexity but a higher validation one'"
    )
    assert best_epoch[0] == [10, 10, 10], "'it is still improving at the last epoch'"
    dropout = sorted(r - d for d, r in zip(final[0], final[1]))
    assert abs(dropout[0]) < 0.02 < dropout[1], "'higher on two seeds and level on the third'"
