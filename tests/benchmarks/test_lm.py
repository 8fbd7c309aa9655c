"""The benchmark suite's plumbing: a tiny real run per side, the summary, the table, the README."""

import math

import numpy as np
import pytest

from benchmarks import lm as bench


def fake_runs():
    runs = []
    for side, seconds, ppl in (("d2l", 10.0, 7.0), ("ours", 4.0, 6.9)):
        for seed in range(2):
            runs.append(
                {
                    "model": "lstm",
                    "side": side,
                    "seed": seed,
                    "seconds": seconds + seed,
                    "tokens_per_sec": 1e6 / (seconds + seed),
                    "peak_mb": 400.0,
                    "train_mb": 50.0,
                    "val_ppl": ppl + seed / 10,
                    "vocab_size": 28,
                }
            )
    return runs


def test_summary_means_ratios_and_gflops():
    s = bench.summarize(fake_runs(), peak=100.0)["lstm"]
    assert s["d2l"]["seconds"] == 10.5 and s["ours"]["seconds"] == 4.5
    assert s["ratio"]["seconds"] == pytest.approx(4.5 / 10.5)
    assert s["ratio"]["tokens_per_sec"] == pytest.approx(
        s["ours"]["tokens_per_sec"] / s["d2l"]["tokens_per_sec"]
    )
    assert s["ours"]["val_ppl_seeds"] == [6.9, 7.0]
    # ppl 6.9, 7.0 against 7.0, 7.1: sd 0.0707 each, SE of the difference 0.0707
    assert s["ours"]["val_ppl_sd"] == pytest.approx(0.1 / 2**0.5)
    assert s["ratio"]["val_ppl_diff"] == pytest.approx(-0.1)
    assert s["ratio"]["val_ppl_diff_se"] == pytest.approx(0.1 / 2**0.5)
    assert s["ratio"]["val_ppl_verdict"] == "same"  # 0.1 is within 2 SE
    flops = 3 * 2 * (4 * 32 * (28 + 32) + 32 * 28)  # LSTM, V = 28, h = 32
    assert s["ours"]["flops_per_token"] == flops
    assert s["ours"]["gflops"] == pytest.approx(flops * s["ours"]["tokens_per_sec"] / 1e9)
    assert s["ours"]["share_of_peak"] == pytest.approx(s["ours"]["gflops"] / 100)


def test_table_and_readme(tmp_path):
    summary = bench.summarize(fake_runs(), peak=100.0)
    rows = bench.table(summary)
    assert rows[0].startswith("| model | side | seeds | tokens/s")
    assert len(rows) == 2 + 3  # header, d2l, ours, ratio
    assert "**x2.36**" in rows[-1]  # mean of 1e6/4, 1e6/5 over mean of 1e6/10, 1e6/11
    assert "| 6.95 ± 0.07 |" in rows[-2] and "| 2 |" in rows[-2]
    assert "-0.10 ± 0.07 (SE): same" in rows[-1]
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{bench.MARKERS[0]}\nold table\n{bench.MARKERS[1]}\nafter\n")
    results = {
        "date": "2026-11-24",
        "machine": {"cpus": 2, "processor": "x86_64"},
        "settings": {"seeds": 2},
        "peak_gflops": 100.0,
        "summary": summary,
    }
    bench.update_readme(results, readme)
    text = readme.read_text()
    assert "old table" not in text and text.startswith("intro\n") and text.endswith("after\n")
    assert "| LSTM, gluon layer | **ours/d2l** | | **x2.36** |" in text
    assert "2 seed(s) per model and side" in text
    bench.update_readme(results, readme)  # idempotent
    assert readme.read_text() == text


@pytest.mark.parametrize(
    "argv, match",
    [
        (["--models", "rnn,transformer"], "--models: unknown"),
        (["--sides", "ours,theirs"], "--sides: expected"),
        (["--seeds", "0"], "--seeds: every count must be >= 1"),
        (["--seeds", "three"], "--seeds: expected a count >= 1"),
        (["--models", "gru", "--seeds", "3,lstm=5"], "'lstm' is not one of the models run"),
        (["--seeds", "3,concise=x"], "--seeds: expected a count"),
        (["--epochs", "0"], "--epochs must be >= 1"),
    ],
)
def test_bad_arguments(argv, match, capsys):
    with pytest.raises(SystemExit) as e:
        bench.main(argv)
    assert e.value.code == 2
    assert match in capsys.readouterr().err


def test_seeds_per_model_and_the_verdict():
    assert bench.parse_seeds("3", ["gru", "lstm"]) == {"gru": 3, "lstm": 3}
    assert bench.parse_seeds("3,lstm=8", ["gru", "lstm"]) == {"gru": 3, "lstm": 8}
    assert bench._seeds_text({"gru": 3, "lstm": 8}) == "seeds per side: gru 3, lstm 8"
    assert bench._seeds_text({"gru": 3, "lstm": 3}) == "3 seed(s) per model and side"
    lower = bench._ppl_difference([7.0, 7.1, 7.2], [6.5, 6.6, 6.7])
    assert lower["val_ppl_verdict"] == "lower" and lower["val_ppl_diff"] == pytest.approx(-0.5)
    assert bench._ppl_difference([7.0, 7.1], [7.5, 7.6])["val_ppl_verdict"] == "higher"
    one = bench._ppl_difference([7.0], [7.5])
    assert one["val_ppl_diff_se"] is None and one["val_ppl_verdict"] is None


@pytest.mark.needs_data("timemachine.txt")
def test_one_tiny_run_per_side_sees_the_same_data():
    runs = [bench._run("concise", side, 1, 0, 1024, False) for side in ("d2l", "ours")]
    assert runs[0]["first_window"] == runs[1]["first_window"]
    assert runs[0]["vocab_size"] == runs[1]["vocab_size"] == 28
    for r in runs:
        assert r["tokens_per_sec"] > 0 and r["peak_mb"] >= r["train_mb"] >= 0
        assert 1 < r["val_ppl"] < 28 * 1.5 and math.isfinite(r["val_ppl"])


def test_overlapping_windows_are_d2ls():
    corpus = np.arange(100)
    X, Y = bench.overlapping_windows(corpus, 5, start=10, count=20)
    assert X.shape == (20, 5) and X[0].tolist() == [10, 11, 12, 13, 14]
    np.testing.assert_array_equal(Y, X + 1)
    with pytest.raises(ValueError, match="do not fit"):
        bench.overlapping_windows(corpus, 5, start=90, count=20)
    with pytest.raises(ValueError, match="do not fit"):
        bench.overlapping_windows(corpus, 5, start=-1, count=2)


def test_our_layer_for_every_model():
    from mxnet.gluon import rnn

    from d2lrnn import gluon_adapter, layers

    for kind, (cell, num_layers, *_) in bench.MODELS.items():
        layer = bench.our_layer(kind, 8)
        if kind.endswith("scratch"):
            assert isinstance(layer, layers.CELLS[cell].scratch) and layer.num_hiddens == 8
        else:
            layout = gluon_adapter.gluon_layout(layer)
            assert (layout.cell, layout.num_layers, layout.num_hiddens) == (cell, num_layers, 8)
    assert gluon_adapter.gluon_layout(bench.our_layer("concise")).activation == "relu"
    assert isinstance(bench.our_layer("concise"), rnn.RNN)
