"""Chapter 7's validation tuning: the records it keeps after every epoch, the choice and its
paired differences, the command line; one tiny run that never reads the test split."""

import json

import pytest

from benchmarks import tuning
from d2lrnn import translation
from tests.benchmarks.test_ablations import TINY, synthetic_pairs


@pytest.fixture(scope="module")
def td():
    return translation.translation_data(
        synthetic_pairs(), max_len=5, min_freq=2, num_val=4, num_test=16, seed=0
    )


def test_a_run_records_the_validation_split_after_every_epoch(td, monkeypatch):
    read = []
    real = tuning.validation_record

    def spy(model, data):
        read.append(data)
        return real(model, data)

    monkeypatch.setattr(tuning, "validation_record", spy)
    r = tuning.run(td, td.train, 0.01, 0, dict(TINY, epochs=2))
    assert [v["epoch"] for v in r["val"]] == [1, 2] and len(read) == 2
    assert r["lr"] == 0.01 and r["seed"] == 0 and len(r["train_loss"]) == 2
    for v in r["val"]:
        assert set(v) == {"epoch", "ppl", "bleu", "chrf"} and v["ppl"] > 1


def test_the_record_reads_validation_not_test(td, monkeypatch):
    from benchmarks import ablations

    seen = []

    def spy(model, td, split):
        seen.append(split.sources)
        return ["x"] * len(split)

    monkeypatch.setattr(ablations, "greedy_translations", spy)
    r = tuning.run(td, td.train, 0.01, 0, dict(TINY, epochs=1))
    assert seen == [td.val.distinct().sources]
    assert not set(seen[0]) & set(td.test.sources)
    assert r["val"][0]["bleu"] == 0.0


def runs_of(bleu: dict) -> list[dict]:
    """Runs with the given validation BLEU per (lr, seed): a list per epoch."""
    return [
        {"lr": lr, "seed": seed, "val": [{"epoch": e + 1, "bleu": b, "chrf": 2 * b, "ppl": 9 - b}
                                         for e, b in enumerate(bs)]}
        for (lr, seed), bs in bleu.items()
    ]  # fmt: skip


def test_the_choice_is_the_best_mean_and_the_paired_differences_are_seed_by_seed():
    runs = runs_of({
        (0.01, 0): [1, 5], (0.01, 1): [1, 7], (0.01, 2): [1, 6],
        (0.03, 0): [2, 6], (0.03, 1): [2, 4], (0.03, 2): [2, 5],
        (0.003, 0): [0, 1], (0.003, 1): [0, 2], (0.003, 2): [0, 3],
    })  # fmt: skip
    summary = tuning.summarize(runs)
    assert list(summary) == ["0.003", "0.01", "0.03"]
    assert summary["0.01"]["epochs"][1]["bleu"] == 6 and summary["0.01"]["seeds"] == [0, 1, 2]
    choice = tuning.choose(summary)
    assert (choice["lr"], choice["epoch"], choice["bleu"]) == (0.01, 2, 6)
    assert choice["paired"]["0.03"] == {"diff_seeds": [1, -3, -1], "all_below": False}
    assert choice["paired"]["0.003"] == {"diff_seeds": [-4, -5, -3], "all_below": True}


def test_learning_rates_are_parsed_and_checked():
    assert tuning.parse_lrs("0.003,0.01") == (0.003, 0.01)
    for bad in ("", "0.01,x", "0,0.01", "nan", "0.01,0.01", "-1"):
        with pytest.raises(ValueError, match="--lrs: expected distinct comma-separated numbers"):
            tuning.parse_lrs(bad)


@pytest.mark.parametrize(
    "argv, match",
    [
        (["--seeds", "0"], "--seeds must be >= 1, got 0"),
        (["--epochs", "0"], "--epochs must be >= 1, got 0"),
        (["--num-train", "0"], "--num-train must be >= 1, got 0"),
        (["--lrs", "0.01,fast"], "--lrs: expected distinct comma-separated numbers > 0"),
    ],
)
def test_bad_arguments(argv, match, capsys):
    with pytest.raises(SystemExit) as e:
        tuning.main(argv)
    assert e.value.code == 2
    assert match in capsys.readouterr().err


def test_a_tiny_run_end_to_end(td, tmp_path, monkeypatch):
    monkeypatch.setattr(tuning, "run_isolated", lambda fn, *args: fn(*args))
    monkeypatch.setattr(tuning, "load_split", lambda s: (td, td.train))
    monkeypatch.setattr(tuning, "SEQ2SEQ_DEFAULTS", dict(TINY))
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"seq2seq": {"kept": True}}))
    entry = tuning.main(["--seeds", "2", "--epochs", "2", "--lrs", "0.01,0.03",
                         "--output", str(path)])  # fmt: skip
    stored = json.loads(path.read_text())
    assert stored["seq2seq"] == {"kept": True}
    assert stored[tuning.KEY]["choice"] == entry["choice"]
    assert [(r["lr"], r["seed"]) for r in entry["runs"]] == [
        (0.01, 0), (0.03, 0), (0.01, 1), (0.03, 1)]  # fmt: skip
    assert entry["settings"]["lrs"] == [0.01, 0.03] and entry["settings"]["epochs"] == 2


def test_the_command_is_registered():
    from benchmarks.__main__ import COMMANDS

    assert COMMANDS["tuning"] is tuning.main
