"""Chapter 7's ablations: the scheduled-sampling continuation starts where the forward run's
last epoch starts, the reversed model is evaluated on reversed sources, the metrics, the
summary and comparisons, results.json, the command line; one tiny run end to end."""

import json
import math
import os

import numpy as np
import pytest

from benchmarks import ablations as ab
from d2lrnn import seq2seq, translation

NUM = 40


def synthetic_pairs():
    """English sentences of 2, 4 and 5 tokens, each with one or two French translations."""
    pairs = []
    for i in range(NUM):
        pairs += [
            (f"Cat{i}!", f"Chat{i} !"),
            (f"I see cat{i}.", f"Je vois chat{i % 4} numéro{i} !"),
            (f"I see cat{i}.", f"Je regarde chat{i % 4}."),
            (f"I see cat{i % 4} {i}.", f"Je regarde chat{i % 4}."),
        ]
    return pairs


@pytest.fixture(scope="module")
def td():
    return translation.translation_data(
        synthetic_pairs(), max_len=5, min_freq=2, num_val=4, num_test=16, seed=0
    )


TINY = dict(
    ab.DEFAULTS,
    max_len=5,
    embed_size=8,
    num_hiddens=16,
    batch_size=16,
    bucket=2,
    epochs=2,
    n_bootstrap=10,
)


def params(model):
    return [p.data().asnumpy() for p in model.collect_params().values()]


@pytest.mark.parametrize("epochs", [1, 2])
def test_the_continuation_starts_where_the_forward_runs_last_epoch_starts(td, tmp_path, epochs):
    s = dict(TINY, epochs=epochs)
    forward, history, checkpoint = ab.train_variant(td, td.train, "forward", 0, s, str(tmp_path))
    assert checkpoint["epoch"] == epochs - 1
    assert (checkpoint["params"] is None) == (epochs == 1)
    # With p = 0 the continuation is the forward run's last epoch: same weights, Adam state
    # and minibatch order give the same model, bit for bit.
    again, h0 = ab.continue_last_epoch(td, td.train, "forward", 0, s, checkpoint, 0.0)
    for a, b in zip(params(forward), params(again), strict=True):
        np.testing.assert_array_equal(a, b)
    assert h0.train_loss == history.train_loss[-1:] and h0.tokens * epochs == history.tokens
    sampled, h25 = ab.continue_last_epoch(td, td.train, "forward", 0, s, checkpoint, 0.25)
    assert any(not np.array_equal(a, b) for a, b in zip(params(forward), params(sampled)))
    assert h25.tokens == h0.tokens  # the same minibatches


def test_the_continuation_needs_the_saved_minibatch_order(td, tmp_path):
    """Without the generator's saved state the last epoch reads another order: the test above
    would catch a continuation that forgot it."""
    forward, _, checkpoint = ab.train_variant(td, td.train, "forward", 0, TINY, str(tmp_path))
    fresh = dict(checkpoint, rng=translation.TranslationBatches(td.train, 1, seed=0).rng
                 .bit_generator.state)  # fmt: skip
    other, _ = ab.continue_last_epoch(td, td.train, "forward", 0, TINY, fresh, 0.0)
    assert any(not np.array_equal(a, b) for a, b in zip(params(forward), params(other)))


@pytest.fixture(scope="module")
def trained(td):
    model, _, _ = ab.train_variant(td, td.train, "forward", 0, dict(TINY, epochs=3))
    return model


def test_greedy_translations_are_translates(td, trained, monkeypatch):
    monkeypatch.setattr(ab, "DECODE_BATCH", 3)  # several batches
    distinct = td.test.distinct()
    hyps = ab.greedy_translations(trained, td, distinct)
    assert hyps == seq2seq.translate(trained, td, distinct.sources)
    assert len(set(hyps)) > 1  # the model has learnt something to say


def test_reversed_evaluation_reads_reversed_sources(td, trained, monkeypatch):
    seen = {"greedy": [], "loss": []}
    greedy, loss = seq2seq.greedy_decode, seq2seq.decoder_loss

    def spy_greedy(model, src, src_len, *args, **kwargs):
        seen["greedy"].append(np.array(src))
        return greedy(model, src, src_len, *args, **kwargs)

    def spy_loss(model, split, *args, **kwargs):
        seen["loss"].append(split)
        return loss(model, split, *args, **kwargs)

    monkeypatch.setattr(seq2seq, "greedy_decode", spy_greedy)
    monkeypatch.setattr(seq2seq, "decoder_loss", spy_loss)
    distinct = td.test.distinct()
    for reverse in (False, True):
        seen["greedy"].clear(), seen["loss"].clear()
        ab.evaluate(trained, td, reverse=reverse, n_bootstrap=10)
        expected = distinct.src
        if reverse:
            expected = translation.reversed_sources(distinct.src, distinct.src_len)
        np.testing.assert_array_equal(np.concatenate(seen["greedy"]), expected)
        whole = [x for x in seen["loss"] if len(x) == len(td.test)]
        assert len(whole) == 2  # teacher forcing and own outputs, on every test pair
        for split in whole:
            expected = td.test.src
            if reverse:
                expected = translation.reversed_sources(td.test.src, td.test.src_len)
            np.testing.assert_array_equal(split.src, expected)
            np.testing.assert_array_equal(split.tgt_out, td.test.tgt_out)
            assert split.references == td.test.references
    assert not np.array_equal(expected, td.test.src)  # reversing changed something


def test_metrics_of_a_model(td, trained):
    r = ab.evaluate(trained, td, n_bootstrap=10)
    distinct = td.test.distinct()
    assert r["test_pairs"] == len(td.test) and r["test_sentences"] == len(distinct)
    assert r["hypotheses"] == seq2seq.translate(trained, td, distinct.sources)
    assert 1 < r["ppl_tf"] < r["ppl_own"]
    assert r["ppl_tf"] == pytest.approx(math.exp(seq2seq.decoder_loss(trained, td.test)))
    for key in ("bleu", "chrf"):
        sc = r["scores"][key]
        assert 0 <= sc["low"] <= sc["high"] <= 100 and "signature" in sc
    groups = r["groups"]
    assert list(groups) == [g for g in ("1-3", "4", "5") if g in groups] and len(groups) >= 2
    assert sum(g["count"] for g in groups.values()) == len(distinct)
    assert sum(g["pairs"] for g in groups.values()) == len(td.test)
    # The groups' perplexities combine, weighted by their reference tokens, into the whole's.
    names = np.array([ab.length_group(n) for n in td.test.src_len])
    tokens = {g: td.test.tgt_len[names == g].sum() for g in groups}
    log_ppl = sum(math.log(groups[g]["ppl_tf"]) * tokens[g] for g in groups) / sum(tokens.values())
    assert log_ppl == pytest.approx(math.log(r["ppl_tf"]), rel=1e-5)
    assert [ab.length_group(n) for n in (1, 3, 4, 6)] == ["1-3", "1-3", "4", "6"]
    assert ab.group_names(6) == ["1-3", "4", "5", "6"]


def fake_run(variant, seed, ppl_tf, ppl_own, bleu, groups):
    return {
        "variant": variant, "seed": seed, "epochs": 3, "seconds": 10.0 + seed,
        "tokens_per_sec": 1000.0 * (seed + 1), "ppl_tf": ppl_tf, "ppl_own": ppl_own,
        "scores": {"bleu": {"score": bleu, "low": bleu - 1, "high": bleu + 1},
                   "chrf": {"score": 2 * bleu, "low": 2 * bleu - 1, "high": 2 * bleu + 1}},
        "groups": {g: {"count": 5, "pairs": 7, "bleu": {"score": b}, "ppl_tf": p}
                   for g, (b, p) in groups.items()},
    }  # fmt: skip


def fake_runs():
    return [
        fake_run("forward", 0, 10.0, 14.0, 20.0, {"1-3": (30.0, 8.0), "4": (20.0, 10.0)}),
        fake_run("forward", 1, 12.0, 16.0, 22.0, {"1-3": (32.0, 9.0), "4": (18.0, 12.0)}),
        fake_run("attention", 1, 11.0, 15.0, 25.0, {"1-3": (31.0, 8.5), "4": (21.0, 11.0)}),
        fake_run("attention", 0, 9.0, 15.0, 19.0, {"1-3": (29.0, 7.0), "4": (21.0, 9.0)}),
        fake_run("reversed", 0, 9.5, 13.0, 21.0, {"1-3": (30.0, 8.0), "4": (20.0, 10.0)}),
        fake_run("reversed", 5, 1.0, 1.0, 99.0, {"1-3": (99.0, 1.0), "4": (99.0, 1.0)}),
    ]


def test_summary_means_over_seeds():
    s = ab.summarize(fake_runs())
    assert list(s) == ["forward", "reversed", "attention"]  # VARIANTS order
    f, a = s["forward"], s["attention"]
    assert f["seeds"] == [0, 1] and a["seeds"] == [0, 1]
    assert (f["ppl_tf"], f["ppl_own"], f["bleu"], f["chrf"]) == (11.0, 15.0, 21.0, 42.0)
    assert (a["ppl_tf"], a["ppl_own"], a["bleu"], a["chrf"]) == (10.0, 15.0, 22.0, 44.0)
    assert f["seconds"] == 10.5 and f["tokens_per_sec"] == 1500.0
    assert f["groups"] == {"1-3": {"count": 5, "bleu": 31.0, "ppl_tf": 8.5},
                           "4": {"count": 5, "bleu": 19.0, "ppl_tf": 11.0}}  # fmt: skip
    assert a["groups"]["4"] == {"count": 5, "bleu": 21.0, "ppl_tf": 10.0}
    assert s["reversed"]["seeds"] == [0, 5] and s["reversed"]["ppl_tf"] == 5.25


def test_comparisons_with_the_forward_model_of_the_same_seed():
    c = ab.compare(fake_runs())
    assert c["seeds"] == {"reversed": [0], "attention": [0, 1]}  # seed 5 has no forward run
    assert c["lower_ppl_than_forward"] == {"reversed": [True], "attention": [True, True]}
    assert c["lower_ppl_own_than_forward"] == {"reversed": [True], "attention": [False, True]}
    assert c["higher_bleu_than_forward"] == {"reversed": [True], "attention": [False, True]}
    assert c["higher_bleu_than_forward_by_group"]["attention"] == {
        "1-3": [False, False],
        "4": [True, True],
    }
    assert c["higher_bleu_than_forward_by_group"]["reversed"] == {"1-3": [False], "4": [False]}
    assert ab.compare([r for r in fake_runs() if r["variant"] != "forward"]) == {k: {} for k in c}


def test_table_has_a_row_per_run_and_a_mean_per_variant():
    runs = fake_runs()
    rows = ab.table(runs, ab.summarize(runs))
    assert rows[0].startswith("| variant | seed | ppl (teacher forcing) | ppl (own outputs) |")
    assert "| BLEU 1-3 | BLEU 4 | train s | tokens/s |" in rows[0]
    assert len(rows) == 2 + len(runs) + 3
    assert rows[2] == (
        "| forward | 0 | 10.00 | 14.00 | 20.00 [19.00, 21.00] | 40.00 [39.00, 41.00] | "
        "30.0 | 20.0 | 10.0 | 1,000 |"
    )
    assert rows[-1].startswith("| **attention, mean** | 2 seed(s) | 10.00 | 15.00 | 22.00 |")


def test_results_are_merged_keeping_the_other_entries(tmp_path):
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"date": "2026-11-30", "seq2seq": {"x": 1}, "runs": [1]}))
    ab.merge_results({"a": 1}, path)
    ab.merge_results({"a": 2}, path)
    assert json.loads(path.read_text()) == {
        "date": "2026-11-30",
        "seq2seq": {"x": 1},
        "runs": [1],
        "seq2seq_ablations": {"a": 2},
    }
    path.write_text("[1, 2]")
    with pytest.raises(ValueError, match="must hold a JSON object"):
        ab.merge_results({"a": 3}, path)


def test_a_longer_split_writes_its_own_entry(tmp_path):
    assert ab.key_for(6) == ab.KEY  # chapter 7's split: the runs the chapter quotes
    assert ab.key_for(10) == "seq2seq_ablations_max_len_10"
    path = tmp_path / "results.json"
    ab.merge_results({"a": 1}, path)
    ab.merge_results({"b": 2}, path, ab.key_for(10))
    assert json.loads(path.read_text()) == {
        "seq2seq_ablations": {"a": 1},
        "seq2seq_ablations_max_len_10": {"b": 2},
    }


def test_variants_are_parsed_in_a_fixed_order():
    assert ab.parse_variants("attention,forward") == ["forward", "attention"]
    assert ab.parse_variants("reads-padding, scheduled_sampling") == [
        "scheduled sampling",
        "reads padding",
    ]
    for bad in ("", "forward,backward"):
        with pytest.raises(ValueError, match="--variants: expected a comma-separated subset"):
            ab.parse_variants(bad)


@pytest.mark.parametrize(
    "argv, match",
    [
        (["--epochs", "0"], "--epochs must be >= 1, got 0"),
        (["--seeds", "0"], "--seeds must be >= 1, got 0"),
        (["--threads", "-1"], "--threads must be >= 1, got -1"),
        (["--num-train", "0"], "--num-train must be >= 1, got 0"),
        (["--n-bootstrap", "1"], "--n-bootstrap must be >= 2, got 1"),
        (["--sampling-probability", "0"], "--sampling-probability must be in (0, 1], got 0.0"),
        (["--sampling-probability", "nan"], "--sampling-probability must be in (0, 1]"),
        (["--variants", "forward,backward"], "(unknown: 'backward')"),
        (["--epochs", "two"], "argument --epochs: invalid int value: 'two'"),
        (["--seeds", "2", "--seed-start", "2"], "--seed-start must be in [0, --seeds), got 2"),
        (["--seed-start", "-1"], "--seed-start must be in [0, --seeds), got -1"),
    ],
)
def test_bad_arguments(argv, match, capsys):
    with pytest.raises(SystemExit) as e:
        ab.main(argv)
    assert e.value.code == 2
    assert match in capsys.readouterr().err


def test_the_command_is_registered():
    from benchmarks.__main__ import COMMANDS

    assert COMMANDS["ablations"] is ab.main


def test_a_tiny_run_end_to_end(td, tmp_path, monkeypatch, capsys):
    """main() with every run in this process, on the synthetic pairs; the entry it merges."""
    monkeypatch.setattr(ab, "run_isolated", lambda fn, *args: fn(*args))
    monkeypatch.setattr(ab, "load_data", lambda s: (td, td.train))
    monkeypatch.setenv(ab.THREADS_ENV, "1")
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"seq2seq": {"kept": True}}))
    sizes = ["--embed-size", "8", "--num-hiddens", "16", "--batch-size", "16", "--max-len", "5"]
    argv = ["--seeds", "2", "--epochs", "2", "--n-bootstrap", "10", *sizes]
    entry = ab.main([*argv, "--output", str(path)])
    assert os.environ[ab.THREADS_ENV] == "2"  # set for the runs' processes
    results = json.loads(path.read_text())
    assert results["seq2seq"] == {"kept": True}
    stored = results[ab.key_for(5)]  # "seq2seq_ablations_max_len_5": not chapter 7's split
    assert set(stored) == {"date", "machine", "settings", "runs", "summary", "comparisons",
                           "wall_seconds"}  # fmt: skip
    assert stored["settings"]["variants"] == list(ab.VARIANTS)
    assert stored["settings"]["epochs"] == 2 and stored["settings"]["seeds"] == 2
    runs = stored["runs"]
    assert [(r["variant"], r["seed"]) for r in runs] == [
        (v, seed) for seed in (0, 1) for v in ab.VARIANTS
    ]
    for r in runs:
        assert set(r) >= {"variant", "seed", "epochs", "seconds", "tokens_per_sec", "ppl_tf",
                          "ppl_own", "scores", "groups"}  # fmt: skip
        assert r["epochs"] == 2 and r["tokens_per_sec"] > 0 and "hypotheses" not in r
        assert set(r["scores"]) == {"bleu", "chrf"}
        assert set(r["scores"]["bleu"]) >= {"score", "low", "high"}
        for g in r["groups"].values():
            assert set(g) == {"count", "pairs", "bleu", "ppl_tf"}
    sampled = [r for r in runs if r["variant"] == "scheduled sampling"]
    assert all(r["sampling_probability"] == 0.25 and r["continued_from_epoch"] == 1
               for r in sampled)  # fmt: skip
    assert stored["summary"] == json.loads(json.dumps(ab.summarize(entry["runs"])))
    assert stored["comparisons"]["lower_ppl_than_forward"] == {
        v: [r["ppl_tf"] < f["ppl_tf"] for r, f in zip(
            [r for r in runs if r["variant"] == v], [r for r in runs if r["variant"] == "forward"]
        )]
        for v in ab.VARIANTS[1:]
    }  # fmt: skip
    out = capsys.readouterr().out
    assert "| **scheduled sampling, mean** | 2 seed(s) |" in out
    assert "wrote the 'seq2seq_ablations_max_len_5' entry" in out

    # scheduled sampling alone also runs forward; --no-write leaves the file alone.
    before = path.read_text()
    quick = ["--seeds", "1", "--epochs", "1", "--n-bootstrap", "10", *sizes, "--no-write"]
    entry = ab.main([*quick, "--variants", "scheduled-sampling", "--output", str(path)])
    assert [r["variant"] for r in entry["runs"]] == ["forward", "scheduled sampling"]
    assert entry["runs"][1]["continued_from_epoch"] == 0
    assert path.read_text() == before


def test_each_trace_variant_changes_one_thing_and_as_d2l_all_four():
    base = ab.options("forward")
    assert base == {"bucket": None, "eos": False, "read_padding": False, "gluon": False,
                    "reverse": False, "attention": False, "bidirectional": False}  # fmt: skip
    # Bahdanau's reading: attention and the bidirectional encoder, nothing else.
    bidi = {k: x for k, x in ab.options("bidirectional attention").items() if x != base[k]}
    assert bidi == {"attention": True, "bidirectional": True}
    changed = {}
    for v in ("no bucketing", "source eos", "reads padding", "gluon GRU"):
        diff = {k: x for k, x in ab.options(v).items() if x != base[k]}
        assert len(diff) == 1, (v, diff)
        changed.update(diff)
    assert {k: x for k, x in ab.options("as d2l").items() if x != base[k]} == changed
    assert changed == {"bucket": 0, "eos": True, "read_padding": True, "gluon": True}
    for v in ab.LEAVE_ONE_OUT:  # all four but one
        diff = {k: x for k, x in ab.options(v).items() if x != base[k]}
        assert len(diff) == 3 and diff.items() <= changed.items(), (v, diff)
    assert len({frozenset(ab.options(v).items()) for v in ab.LEAVE_ONE_OUT}) == 4


def test_source_eos_appends_one_token_after_each_source(td):
    split = td.test
    eos = len(td.src_vocab)
    pad = td.src_vocab[translation.PAD]
    out = ab.with_source_eos(split, eos, pad)
    assert out.src.shape == (len(split), split.src.shape[1] + 1)
    np.testing.assert_array_equal(out.src_len, split.src_len + 1)
    for row, old, n in zip(out.src, split.src, split.src_len):
        np.testing.assert_array_equal(row[:n], old[:n])
        assert row[n] == eos and (row[n + 1 :] == pad).all()  # then padding
    np.testing.assert_array_equal(out.tgt_out, split.tgt_out)


def test_the_trace_variants_models(td):
    from mxnet import gluon

    sizes = (len(td.src_vocab), len(td.tgt_vocab))
    m = ab.build("gluon GRU", sizes, 8, 16)
    assert isinstance(m.encoder.rnn, gluon.rnn.GRU) and isinstance(m.decoder.rnn, gluon.rnn.GRU)
    assert m.encoder.vocab_size == sizes[0] and not m.encoder.read_padding
    m = ab.build("as d2l", sizes, 8, 16)
    assert isinstance(m.encoder.rnn, gluon.rnn.GRU) and m.encoder.read_padding
    assert m.encoder.vocab_size == sizes[0] + 1  # <eos>
    m = ab.build("source eos", sizes, 8, 16)
    assert m.encoder.vocab_size == sizes[0] + 1 and not isinstance(m.encoder.rnn, gluon.rnn.GRU)
    assert ab._batches(td.train, "no bucketing", 0, TINY).bucket == 0
    assert ab._batches(td.train, "forward", 0, TINY).bucket == TINY["bucket"]


def test_eos_evaluation_reads_sources_with_eos(td, monkeypatch):
    s = dict(TINY, epochs=1)
    model, _, _ = ab.train_variant(td, td.train, "source eos", 0, s)
    seen = []
    greedy = seq2seq.greedy_decode

    def spy(model, src, src_len, *args, **kwargs):
        seen.append((np.array(src), np.array(src_len)))
        return greedy(model, src, src_len, *args, **kwargs)

    monkeypatch.setattr(seq2seq, "greedy_decode", spy)
    ab.evaluate(model, td, n_bootstrap=10, eos=True)
    pad = td.src_vocab[translation.PAD]
    distinct = ab.with_source_eos(td.test.distinct(), len(td.src_vocab), pad)
    np.testing.assert_array_equal(np.concatenate([x for x, _ in seen]), distinct.src)
    np.testing.assert_array_equal(np.concatenate([n for _, n in seen]), distinct.src_len)


def test_keep_merges_new_variants_with_the_recorded_runs(td, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(ab, "run_isolated", lambda fn, *args: fn(*args))
    monkeypatch.setattr(ab, "load_data", lambda s: (td, td.train))
    path = tmp_path / "results.json"
    sizes = ["--embed-size", "8", "--num-hiddens", "16", "--batch-size", "16", "--max-len", "5",
             "--epochs", "1", "--n-bootstrap", "10", "--output", str(path)]  # fmt: skip
    ab.main(["--seeds", "1", "--variants", "forward", *sizes])
    first = json.loads(path.read_text())[ab.key_for(5)]["runs"]
    entry = ab.main(["--seeds", "2", "--seed-start", "1", "--variants", "forward,as-d2l",
                     "--keep", *sizes])  # fmt: skip
    stored = json.loads(path.read_text())[ab.key_for(5)]
    assert [(r["variant"], r["seed"]) for r in stored["runs"]] == [
        ("forward", 0),
        ("forward", 1),
        ("as d2l", 1),
    ]
    assert stored["runs"][0] == first[0]  # kept as recorded
    assert stored["settings"]["seeds"] == 2 and stored["settings"]["variants"] == [
        "forward",
        "as d2l",
    ]
    assert stored["comparisons"]["seeds"] == {"as d2l": [1]}
    assert entry["summary"]["forward"]["seeds"] == [0, 1]
    with pytest.raises(ValueError, match="--keep: .* other settings .*'epochs': \\(1, 2\\)"):
        ab.main(["--seeds", "1", "--variants", "forward", "--keep",
                 *sizes[:-4], "--epochs", "2", "--output", str(path)])  # fmt: skip


def test_the_bidirectional_attention_variant_builds_bahdanaus_reading():
    from d2lrnn import seq2seq

    model = ab.build("bidirectional attention", (11, 13), 4, 8)
    assert isinstance(model.encoder, seq2seq.BidirectionalEncoder)
    assert isinstance(model.decoder, seq2seq.AttentionDecoder)
    assert not model.encoder.read_padding  # each direction over the real tokens only
    assert isinstance(ab.build("attention", (11, 13), 4, 8).encoder, seq2seq.Encoder)
