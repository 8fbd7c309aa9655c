"""The benchmark suite's plumbing: a tiny real run per side, the summary, the table, the README."""

import math
import os

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
    flops = 3 * 2 * (4 * 32 * (28 + 32) + 32 * 28)  # LSTM, V = 28, h = 32
    assert s["ours"]["flops_per_token"] == flops
    assert s["ours"]["gflops"] == pytest.approx(flops * s["ours"]["tokens_per_sec"] / 1e9)
    assert s["ours"]["share_of_peak"] == pytest.approx(s["ours"]["gflops"] / 100)


def test_table_and_readme(tmp_path):
    summary = bench.summarize(fake_runs(), peak=100.0)
    rows = bench.table(summary)
    assert rows[0].startswith("| model | side | tokens/s")
    assert len(rows) == 2 + 3  # header, d2l, ours, ratio
    assert "**x2.36**" in rows[-1]  # mean of 1e6/4, 1e6/5 over mean of 1e6/10, 1e6/11
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
    assert "| LSTM, gluon layer | **ours/d2l** | **x2.36** |" in text
    bench.update_readme(results, readme)  # idempotent
    assert readme.read_text() == text


@pytest.mark.parametrize(
    "argv, match",
    [
        (["--models", "rnn,transformer"], "--models: unknown"),
        (["--sides", "ours,theirs"], "--sides: expected"),
        (["--seeds", "0"], "--seeds and --epochs must be >= 1"),
    ],
)
def test_bad_arguments(argv, match, capsys):
    with pytest.raises(SystemExit) as e:
        bench.main(argv)
    assert e.value.code == 2
    assert match in capsys.readouterr().err


@pytest.mark.skipif(not os.environ.get("D2LRNN_DATA_DIR"), reason="D2LRNN_DATA_DIR is not set")
def test_one_tiny_run_per_side_sees_the_same_data():
    runs = [bench._run("concise", side, 1, 0, 1024, False) for side in ("d2l", "ours")]
    assert runs[0]["first_window"] == runs[1]["first_window"]
    assert runs[0]["vocab_size"] == runs[1]["vocab_size"] == 28
    for r in runs:
        assert r["tokens_per_sec"] > 0 and r["peak_mb"] >= r["train_mb"] >= 0
        assert 1 < r["val_ppl"] < 28 * 1.5 and math.isfinite(r["val_ppl"])
