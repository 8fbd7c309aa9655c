"""The chapter-seeds benchmark: each experiment on a small corpus, the record, the command."""

import json

import numpy as np
import pytest

import d2lrnn
from benchmarks import seeds


@pytest.fixture
def small(monkeypatch):
    """The book cut short, so that every experiment runs in seconds."""
    text = d2lrnn.read_time_machine()[:4000]
    train_corpus, val_corpus, vocab = d2lrnn.time_machine_corpus()
    monkeypatch.setattr(d2lrnn, "read_time_machine", lambda: text)
    monkeypatch.setattr(d2lrnn, "time_machine_corpus",
                        lambda: (train_corpus[:8000], val_corpus[:4400], vocab))  # fmt: skip
    monkeypatch.setattr(seeds, "SKIP_TS", (30,))  # chapter 4's recall runs, cut short
    monkeypatch.setattr(seeds, "SKIP_MAX_STEPS", 50)


def test_the_control_tagger_is_the_widest_within_the_bidirectional_budget():
    shapes = seeds.tagger_shapes()
    ((_, (wide, _)),) = [(k, v) for k, v in shapes.items() if k.startswith("unidirectional, ")]
    assert seeds.tagger_params(wide, 1) <= seeds.tagger_params(64, 2)
    assert seeds.tagger_params(wide + 1, 1) > seeds.tagger_params(64, 2)
    assert shapes["bidirectional"] == (64, True) and shapes["unidirectional"] == (64, False)


def test_tagger_params_counts_the_models_parameters():
    from mxnet import np as mnp
    from mxnet.gluon import rnn

    from d2lrnn import classifiers

    for h, bi in ((64, False), (95, False), (64, True)):
        m = classifiers.Tagger(rnn.GRU(h, bidirectional=bi), 26, 2)
        m.initialize()
        m(mnp.zeros((2, 5), dtype="int32"))
        n = sum(p.data().size for p in m.collect_params().values())
        assert n == seeds.tagger_params(h, 1 + bi)


@pytest.mark.needs_data("timemachine.txt")
@pytest.mark.parametrize("experiment", seeds.EXPERIMENTS)
def test_each_experiment_records_every_configuration(experiment, small):
    r = seeds.run(experiment, 1)
    assert r["experiment"] == experiment and r["seed"] == 1 and r["seconds"] > 0
    names = {"jordan": ["Jordan", "Elman"],
             "truncation": [str(t) for t in seeds.TRUNCATION_STEPS], "cells": list(seeds.CELLS),
             "tagger": list(seeds.tagger_shapes()),
             "skip": [f"d={d}, T=30" for d in seeds.SKIP_WIDTHS],
             "positions": ["model", "random", "sequential"]}[experiment]  # fmt: skip
    assert list(r["results"]) == names
    for rec in r["results"].values():
        assert all(np.isfinite(v) for v in rec.values())

    def numbers(results):  # all but the speeds and times, which vary from run to run
        return {k: {m: v for m, v in rec.items() if m not in ("tokens_per_sec", "seconds")}
                for k, rec in results.items()}  # fmt: skip

    assert numbers(seeds.run(experiment, 1)["results"]) == numbers(r["results"])  # seeded
    assert numbers(seeds.run(experiment, 2)["results"]) != numbers(r["results"])


def test_merge_keeps_other_experiments_only_with_keep(tmp_path):
    path = tmp_path / "results.json"
    old = {"runs": [{"experiment": "cells", "seed": 0}, {"experiment": "tagger", "seed": 0}]}
    path.write_text(json.dumps({"seq2seq": 1, seeds.KEY: old}))
    new = {"runs": [{"experiment": "tagger", "seed": 5}]}
    stored = seeds.merge_results(new, path, keep=True)
    assert stored["seq2seq"] == 1
    assert stored[seeds.KEY]["runs"] == [{"experiment": "cells", "seed": 0},
                                         {"experiment": "tagger", "seed": 5}]  # fmt: skip
    assert seeds.merge_results(new, path)[seeds.KEY]["runs"] == new["runs"]
    assert seeds.recorded({"runs": [{"experiment": "cells", "seed": 3, "results": 7}]},
                          "cells") == {3: 7}  # fmt: skip


@pytest.mark.parametrize(
    "argv, match",
    [
        (["--seeds", "0"], "--seeds must be >= 1, got 0"),
        (["--experiments", "cells,gates"], "--experiments: expected a comma-separated subset"),
        (["--experiments", ""], "--experiments: expected a comma-separated subset"),
    ],
)
def test_bad_arguments(argv, match, capsys):
    with pytest.raises(SystemExit) as e:
        seeds.main(argv)
    assert e.value.code == 2 and match in capsys.readouterr().err
    with pytest.raises(ValueError, match="experiment must be one of"):
        seeds.run("gates", 0)


def test_the_command_is_registered():
    from benchmarks.__main__ import COMMANDS

    assert COMMANDS["seeds"] is seeds.main
