"""Words against subwords: one tiny run per side, the choice on validation only, the test read
once with the chosen settings, the per-seed differences, the command line."""

import json

import pytest

from benchmarks import subwords
from d2lrnn import translation
from tests.benchmarks.test_ablations import TINY, synthetic_pairs

S = dict(TINY, subword_min_freq=1, num_val=4, num_test=16)


@pytest.fixture
def tiny_data(monkeypatch):
    """subwords.load on the synthetic pairs: words, or subwords of ``num_merges`` merges."""

    def load(s, num_merges):
        min_freq = s["min_freq"] if num_merges is None else s["subword_min_freq"]
        return translation.translation_data(
            synthetic_pairs(), max_len=5, min_freq=min_freq, num_val=4, num_test=16,
            num_merges=num_merges,
        )  # fmt: skip

    monkeypatch.setattr(subwords, "load", load)
    return load


@pytest.mark.parametrize("num_merges", [None, 12])
def test_a_run_scores_words_on_the_split_it_is_given(tiny_data, num_merges):
    td = tiny_data(S, num_merges)
    r = subwords.run(num_merges, 0.01, 0, S, "test")
    assert r["side"] == ("words" if num_merges is None else "subwords")
    assert r["vocab"] == [len(td.src_vocab), len(td.tgt_vocab)]
    assert r["num_steps"] == td.num_steps and r["src_len_max"] <= td.num_steps
    assert 0 <= r["bleu"]["low"] <= r["bleu"]["score"] <= r["bleu"]["high"] <= 100
    assert {src for src, _ in r["examples"]} <= set(td.test.sources)
    # The groups count the source's words, whatever the tokens.
    counts = {g: v["count"] for g, v in r["groups"].items()}
    words = [len(x.split()) for x in td.test.distinct().sources]
    assert sum(counts.values()) == len(words)
    assert counts.get("4", 0) == words.count(4)
    for _, hyp in r["examples"]:  # translations are words: no subword keeps its space
        assert hyp == translation.detokenize(hyp.split())
    val = subwords.run(num_merges, 0.01, 0, S, "val")
    assert "groups" not in val and {src for src, _ in val["examples"]} <= set(td.val.sources)


def test_subwords_are_longer_with_fewer_merges(tiny_data):
    few, more = (subwords.describe(tiny_data(S, m)) for m in (2, 40))
    words = subwords.describe(tiny_data(S, None))
    assert few["tgt_len_mean"] > more["tgt_len_mean"] >= words["tgt_len_mean"]


def record(side, merges, lr, seed, bleu, split="val"):
    return {"side": side, "num_merges": merges, "lr": lr, "seed": seed, "split": split,
            "bleu": {"score": bleu, "low": bleu - 1, "high": bleu + 1},
            "chrf": {"score": bleu + 20, "low": bleu + 19, "high": bleu + 21}, "seconds": 10.0,
            "tokens_per_sec": 100.0, "unk_translations": 0.0, "vocab": [5, 6],
            "src_len_mean": 4.0, "tgt_len_mean": 4.5, "src_len_max": 6,
            "tgt_len_max": 7}  # fmt: skip


def test_the_best_configuration_has_the_highest_mean_over_its_seeds():
    runs = [
        record("subwords", 1000, 0.01, 0, 10.0), record("subwords", 1000, 0.01, 1, 14.0),
        record("subwords", 2000, 0.01, 0, 13.0), record("subwords", 2000, 0.01, 1, 12.0),
    ]  # fmt: skip
    assert subwords.best(runs) == (2000, 0.01)  # 12.5 beats 12.0, though one seed is 14


def test_paired_differences_are_per_seed_subwords_minus_words():
    runs = [record("words", None, 0.01, s, 10.0 + s, "test") for s in range(3)]
    runs += [record("subwords", 2000, 0.02, s, 12.0 - s, "test") for s in range(3)]
    p = subwords.paired(runs)
    assert p["seeds"] == [0, 1, 2] and p["bleu"] == [2.0, 0.0, -2.0] and p["chrf"] == p["bleu"]
    summary = subwords.summarize(runs)
    assert summary["words"]["bleu"] == 11.0 and summary["subwords"]["bleu"] == 11.0
    assert summary["subwords"]["num_merges"] == 2000 and summary["subwords"]["lr"] == 0.02


def test_the_command_tunes_on_validation_then_reads_test_with_the_choice(tmp_path, monkeypatch):
    calls = []
    val_bleu = {(None, 0.005): 9.0, (None, 0.01): 11.0, (None, 0.02): 10.0,
                (1000, 0.01): 12.0, (2000, 0.01): 13.0, (2000, 0.005): 12.5,
                (2000, 0.02): 13.5}  # fmt: skip

    def fake(fn, num_merges, lr, seed, s, split, decode=False):
        calls.append((num_merges, lr, seed, split))
        assert decode == (split == "test" and num_merges is not None)  # subwords won on val
        side = "words" if num_merges is None else "subwords"
        bleu = val_bleu[num_merges, lr] if split == "val" else 20.0 + seed
        return record(side, num_merges, lr, seed, bleu, split)

    monkeypatch.setattr(subwords, "run_isolated", fake)
    out = tmp_path / "results.json"
    entry = subwords.main(["--merges", "1000,2000", "--seeds", "2", "--output", str(out)])
    val = [c for c in calls if c[3] == "val"]
    test = [c for c in calls if c[3] == "test"]
    # merges at the chapter's 0.01, then the learning rates at the best merges only
    assert [c[:2] for c in val] == [(None, 0.005), (None, 0.01), (None, 0.02), (1000, 0.01),
                                    (2000, 0.01), (2000, 0.005), (2000, 0.02)]  # fmt: skip
    assert entry["choice"] == {"words": {"num_merges": None, "lr": 0.01},
                               "subwords": {"num_merges": 2000, "lr": 0.02}}  # fmt: skip
    assert test == [(None, 0.01, 0, "test"), (2000, 0.02, 0, "test"),
                    (None, 0.01, 1, "test"), (2000, 0.02, 1, "test")]  # fmt: skip
    assert calls.index(test[0]) > calls.index(val[-1])  # the test split comes after the choice
    assert json.loads(out.read_text())[subwords.KEY]["paired"]["seeds"] == [0, 1]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--merges", "1000,x"], "--merges: expected distinct"),
        (["--merges", "1000,1000"], "--merges: expected distinct"),
        (["--lrs", "0"], "--lrs: expected distinct"),
        (["--seeds", "0"], "--seeds must be >= 1"),
        (["--tune-seeds", "0"], "--tune-seeds must be >= 1"),
    ],
)
def test_bad_command_lines_are_refused(args, message, capsys):
    with pytest.raises(SystemExit):
        subwords.main(args + ["--no-write"])
    assert message in capsys.readouterr().err


def test_the_decoded_run_measures_every_beam_and_alpha_against_greedy(tiny_data):
    r = subwords.run(12, 0.01, 0, S, "test", decode=True)
    d = r["decoding"]
    assert list(d) == ["1,0.0"] + [f"{K},{a}" for K in (2, 4, 8) for a in (0.0, 0.5, 1.0)]
    greedy = d["1,0.0"]
    assert greedy["vs_greedy"] is None and greedy["bleu"]["score"] == r["bleu"]["score"]
    for key, v in d.items():
        assert v["seconds"] > 0 and v["mean_words"] >= 0
        if key != "1,0.0":
            p = v["vs_greedy"]
            assert p["baseline"] == pytest.approx(greedy["bleu"]["score"])
            assert p["bleu"] == pytest.approx(v["bleu"]["score"]) and 0 < p["p_value"] <= 1


def test_the_saved_model_is_the_recorded_run_and_loads_back(tiny_data, tmp_path, monkeypatch):
    """--save-model retrains the decoded side's seed 0 with the recorded settings and saves it
    only if it is the recorded run; the file loads into the same model, which translates alike.
    A record it cannot reproduce leaves no file and says so."""
    import hashlib

    from benchmarks.ablations import build, greedy_translations

    s = dict(S, threads=1)
    recorded = subwords.run(12, 0.01, 0, s, "test")
    entry = {"settings": s, "decoded_side": "subwords",
             "choice": {"words": {"num_merges": None, "lr": 0.01},
                        "subwords": {"num_merges": 12, "lr": 0.01}},
             "runs": [recorded]}  # fmt: skip
    results = tmp_path / "results.json"
    results.write_text(json.dumps({subwords.KEY: entry, "other": 1}))
    monkeypatch.setattr(subwords, "run_isolated", lambda fn, *args: fn(*args))
    path = tmp_path / "models" / "m.params"
    saved = subwords.save_model(results, path)
    data = path.read_bytes()
    assert saved["sha256"] == hashlib.sha256(data).hexdigest() and saved["bytes"] == len(data)
    assert saved["examples"] == recorded["examples"] and saved["num_merges"] == 12
    written = json.loads(results.read_text())
    assert written["other"] == 1 and written[subwords.KEY]["saved_model"] == saved
    td = tiny_data(s, 12)
    model = build(subwords.VARIANT, tuple(saved["vocab"]), s["embed_size"], s["num_hiddens"])
    model.load_parameters(str(path))
    distinct = td.test.distinct()
    hyps = greedy_translations(model, td, distinct)
    assert [[x, h] for x, h in zip(distinct.sources[:8], hyps[:8])] == recorded["examples"]

    entry["runs"][0] = dict(recorded, bleu={"score": recorded["bleu"]["score"] + 1})
    results.write_text(json.dumps({subwords.KEY: entry}))
    path.unlink()
    with pytest.raises(SystemExit, match="not the recorded run .* not saved"):
        subwords.save_model(results, path)
    assert not path.exists()
    with pytest.raises(SystemExit, match="has no 'seq2seq_subwords' entry"):
        subwords.save_model(tmp_path / "absent.json", path)
