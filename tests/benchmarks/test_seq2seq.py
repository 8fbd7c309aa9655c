"""The translation benchmark's plumbing: d2l's batches and model, token counts, threads, the
summary, results.json, and one tiny real run per side."""

import json
import os

import numpy as np
import pytest

from benchmarks import seq2seq as bench
from d2lrnn import translation

NUM = 40


def synthetic_pairs():
    """``NUM`` English sentences with two French translations each; some words are rare."""
    pairs = []
    for i in range(NUM):
        pairs += [
            (f"I see cat{i % 4}.", f"Je vois chat{i % 4} numéro{i} !"),
            (f"I see cat{i % 4} {i}.", f"Je regarde chat{i % 4}."),
        ]
    return pairs


@pytest.fixture(scope="module")
def td():
    return translation.translation_data(
        synthetic_pairs(), max_len=5, min_freq=2, num_val=4, num_test=6, seed=0
    )


def d2l_side(td, split=None):
    split = split if split is not None else td.train
    num_steps = td.max_len + 1
    vocabs = bench.d2l_vocabs(*bench.split_tokens(td.train, td.src_vocab, td.tgt_vocab),
                              num_steps, 2)  # fmt: skip
    src, tgt = bench.split_tokens(split, td.src_vocab, td.tgt_vocab)
    return vocabs, bench.d2l_arrays(src, tgt, *vocabs, num_steps)


def test_d2l_batches_hold_the_same_sentences_in_d2ls_layout(td):
    (src_vocab, tgt_vocab), (src, tgt_in, src_valid_len, tgt_out) = d2l_side(td)
    tr = td.train
    n, num_steps = len(tr), td.max_len + 1
    assert src.shape == tgt_in.shape == tgt_out.shape == (n, num_steps)
    assert src.dtype == tgt_in.dtype == np.float32  # as d2l.tensor makes them
    for i in range(n):
        words = td.src_vocab.to_tokens(tr.src[i, : tr.src_len[i]].tolist())
        target = td.tgt_vocab.to_tokens(tr.tgt_out[i, : tr.tgt_len[i] - 1].tolist())
        pad = ["<pad>"] * (num_steps - len(words) - 1)
        assert src_vocab.to_tokens(src[i].astype(int).tolist()) == [*words, "<eos>", *pad]
        pad = ["<pad>"] * (num_steps - len(target) - 1)
        assert tgt_vocab.to_tokens(tgt_out[i].astype(int).tolist()) == [*target, "<eos>", *pad]
        assert tgt_vocab.to_tokens(tgt_in[i].astype(int).tolist()) == [
            "<bos>", *target, "<eos>", *pad
        ][:num_steps]  # fmt: skip
    np.testing.assert_array_equal(src_valid_len, tr.src_len + 1)  # <eos> counts, as in d2l
    # Both sides know the same words; d2l's source vocabulary also has <eos>.
    assert set(src_vocab.idx_to_token) == set(td.src_vocab.idx_to_token) | {"<eos>"}
    assert set(tgt_vocab.idx_to_token) == set(td.tgt_vocab.idx_to_token)
    assert "<unk>" in td.tgt_vocab.to_tokens(tr.tgt_out[:, 3].tolist())  # rare words exist


def test_both_sides_count_the_same_target_tokens(td):
    (_, tgt_vocab), arrays = d2l_side(td)
    tokens = bench.target_tokens(arrays[3], tgt_vocab["<pad>"])
    assert tokens == int(td.train.tgt_len.sum()) > len(td.train)
    assert bench.target_tokens(np.array([[5, 1, 1], [5, 6, 1]]), 1) == 3


def test_d2l_model_trains_with_the_masked_loss_and_translates(td):
    from d2l import mxnet as d2l
    from mxnet import autograd
    from mxnet import np as mnp

    import d2lrnn

    (src_vocab, tgt_vocab), arrays = d2l_side(td)
    pad = tgt_vocab["<pad>"]
    d2lrnn.seed(0)
    model = bench.d2l_model(len(src_vocab), len(tgt_vocab), pad, 8, 16, 1, 0.0, 0.01)
    batch = [mnp.array(a[:5]) for a in arrays]
    Y_hat = model(*batch[:-1])
    assert Y_hat.shape == (5, td.max_len + 1, len(tgt_vocab))
    per_token = d2l.Classifier.loss(model, Y_hat, batch[-1], averaged=False).asnumpy()
    mask = batch[-1].asnumpy().reshape(-1) != pad
    assert float(model.loss(Y_hat, batch[-1])) == pytest.approx(per_token[mask].mean(), rel=1e-5)
    # d2l's own optimizer (configure_optimizers: Adam) takes steps that lower the masked loss.
    trainer, losses = model.configure_optimizers(), []
    for _ in range(30):
        with autograd.record():
            loss = model.loss(model(*batch[:-1]), batch[-1])
        loss.backward()
        trainer.step(1)
        losses.append(float(loss))
    assert losses[-1] < 0.5 * losses[0], losses
    hyps = bench.d2l_translate(model, arrays, tgt_vocab, td.max_len + 1, batch_size=7)
    assert len(hyps) == len(arrays[0]) and all(isinstance(h, str) for h in hyps)
    assert all("<eos>" not in h and len(h.split()) <= td.max_len + 1 for h in hyps)
    before = bench.d2l_translate(model, arrays, tgt_vocab, td.max_len + 1, before_fix=True)
    assert len(before) == len(hyps)


def test_d2ls_decoding_computes_what_training_does_and_the_earlier_decoder_did_not(td):
    """Fed its own predictions in one teacher-forced call (the encoder's context at every step,
    as in training), d2l's decoder predicts what predict_step decoded one step at a time; the
    earlier decoder's decoding (predict_before_fix), whose context becomes the decoder's
    state, agrees only at the first step."""
    from mxnet import np as mnp

    import d2lrnn

    (src_vocab, tgt_vocab), arrays = d2l_side(td)
    d2lrnn.seed(0)
    model = bench.d2l_model(len(src_vocab), len(tgt_vocab), tgt_vocab["<pad>"], 8, 16, 1, 0.0, 0.01)
    batch = [mnp.array(a[:20]) for a in arrays]
    T = td.max_len + 1
    preds, _ = model.predict_step(batch, d2lrnn.default_device(), T)
    src, tgt, valid_len, _ = batch
    state = model.decoder.init_state(model.encoder(src, valid_len), valid_len)
    fed = mnp.concatenate([tgt[:, :1], preds[:, :-1].astype(tgt.dtype)], axis=1)
    Y, _ = model.decoder(fed, state)
    np.testing.assert_array_equal(Y.argmax(axis=2).asnumpy(), preds.asnumpy())
    before, _ = bench.predict_before_fix(model, batch, T)
    np.testing.assert_array_equal(before.asnumpy()[:, 0], preds.asnumpy()[:, 0])
    assert (before.asnumpy()[:, 1:] != preds.asnumpy()[:, 1:]).any()


def fake_runs():
    scores = {
        "ours": {"bleu": {"score": 20.0, "low": 19.0, "high": 21.0, "signature": "nrefs:var"},
                 "chrf": {"score": 40.0, "low": 39.0, "high": 41.0, "signature": "chrF"}},
        "d2l": {"bleu": {"score": 18.0, "low": 17.0, "high": 19.5, "signature": "nrefs:var"},
                "chrf": {"score": 38.0, "low": 37.0, "high": 39.0, "signature": "chrF"}},
    }  # fmt: skip
    runs = []
    for seed, speeds in enumerate(((3000.0, 1500.0), (2800.0, 2000.0))):
        for side, speed in zip(("ours", "d2l"), speeds):
            runs.append({
                "side": side, "seed": seed, "epochs": 3, "tokens_per_sec": speed,
                "seconds": 100.0, "peak_mb": 900.0, "scores": scores[side],
            })  # fmt: skip
    recipe = {
        "scores": {"bleu": {"score": 0.2, "low": 0.1, "high": 0.3},
                   "chrf": {"score": 5.0, "low": 4.5, "high": 5.5}},
        "test_src_unk_share": 0.48, "seconds": 60.0, "peak_mb": 800.0, "num_train": 512,
        "settings": dict(bench.RECIPE),
    }  # fmt: skip
    return runs, recipe


def test_summary_ratios_per_seed_and_verdicts():
    runs, recipe = fake_runs()
    s = bench.summarize(runs, recipe)
    assert s["ours"]["tokens_per_sec"] == 2900 and s["d2l"]["tokens_per_sec"] == 1750
    assert s["ratio"]["tokens_per_sec"] == pytest.approx(2900 / 1750)
    assert s["ratio"]["tokens_per_sec_seeds"] == pytest.approx([2.0, 1.4])
    assert s["ours_bleu_above_d2l"] == [False, False]  # 19.0 is not above 19.5, on each seed
    assert s["ours_bleu_above_d2l_recipe"] is True
    assert s["d2l_recipe"]["test_src_unk_share"] == 0.48
    rows = bench.table(s, runs, recipe)
    assert rows[0].startswith("| model | seed | epochs | tokens/s")
    assert len(rows) == 2 + 4 + 1 + 1  # header, 4 runs, the ratio, the recipe
    assert "**x1.66** (x2.00, x1.40)" in rows[-2]
    assert "| ours (same sizes) | 0 | 3 | 3,000 |" in rows[2]
    assert "| 20.00 [19.00, 21.00] |" in rows[2]
    assert rows[-1].startswith("| d2l's recipe (512 pairs, 2 layers, 30 epochs) |")


def test_results_are_merged_keeping_the_other_entries(tmp_path):
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"date": "2026-11-30", "summary": {"gru": {}}, "runs": [1]}))
    bench.merge_results({"a": 1}, path)
    bench.merge_results({"a": 2}, path)
    results = json.loads(path.read_text())
    assert results == {
        "date": "2026-11-30",
        "summary": {"gru": {}},
        "runs": [1],
        "seq2seq": {"a": 2},
    }
    fresh = tmp_path / "new.json"
    bench.merge_results({"b": 1}, fresh)
    assert json.loads(fresh.read_text()) == {"seq2seq": {"b": 1}}


def test_threads_are_set_for_new_processes_and_take_effect(monkeypatch):
    monkeypatch.setenv(bench.THREADS_ENV, "7")
    bench.set_threads(2)
    assert os.environ[bench.THREADS_ENV] == "2"
    for bad in (0, 1.5, True, "2"):
        with pytest.raises(ValueError, match="threads must be an int >= 1"):
            bench.set_threads(bad)
    probe = bench.probe_threads(2)
    assert set(probe) == {"1", "2"} and all(p["ms"] > 0 for p in probe.values())
    # MXNet's OpenMP pool has one more thread: the variable was read at import.
    assert probe["2"]["os_threads"] == probe["1"]["os_threads"] + 1


@pytest.mark.parametrize(
    "argv, match",
    [
        (["--epochs", "0"], "--epochs must be >= 1"),
        (["--threads", "0"], "--threads must be >= 1"),
        (["--seeds", "0"], "--seeds must be >= 1"),
        (["--bucket", "-1"], "--bucket and --split-seed must be >= 0"),
        (["--lr", "0"], "--lr and --clip must be finite numbers > 0"),
        (["--clip", "nan"], "--lr and --clip must be finite numbers > 0"),
        (["--sides", "ours,theirs"], "--sides: expected"),
        (["--n-bootstrap", "1"], "--n-bootstrap must be >= 2"),
    ],
)
def test_bad_arguments(argv, match, capsys):
    with pytest.raises(SystemExit) as e:
        bench.main(argv)
    assert e.value.code == 2
    assert match in capsys.readouterr().err


def test_the_command_is_registered():
    from benchmarks.__main__ import COMMANDS

    assert COMMANDS["seq2seq"] is bench.main


TINY = dict(
    bench.DEFAULTS,
    num_train=300,
    epochs=1,
    embed_size=8,
    num_hiddens=16,
    batch_size=64,
    num_test_sentences=20,
    n_bootstrap=10,
    recipe_epochs=1,
)


@pytest.mark.needs_data("fra-eng.zip")
def test_one_tiny_run_per_side_sees_the_same_pairs():
    runs = [bench._run(side, 0, TINY) for side in ("ours", "d2l")]
    assert runs[0]["first_source"] == runs[1]["first_source"]
    assert runs[0]["tokens"] == runs[1]["tokens"] > 300
    for r in runs:
        assert r["tokens_per_sec"] > 0 and r["peak_mb"] > 0 and r["test_sentences"] == 20
        assert 0 <= r["scores"]["bleu"]["low"] <= r["scores"]["bleu"]["high"] <= 100
        assert "nrefs:var" in r["scores"]["bleu"]["signature"]
        assert 5 < r["train_loss"] < 10  # about log(V): one epoch of 300 pairs learns little


@pytest.mark.needs_data("fra-eng.zip")
def test_d2ls_recipe_reads_the_shared_file_and_scores_our_test_sentences():
    r = bench._recipe(TINY)
    assert r["num_train"] == 512 and r["num_steps"] == 9 and r["settings"]["max_epochs"] == 1
    assert 0.2 < r["test_src_unk_share"] < 0.8  # d2l's 640 lines know few of the words
    assert r["test_sentences"] == 20 and len(r["examples"]) == 3


@pytest.mark.needs_data("fra-eng.zip")
def test_link_fra_eng_gives_d2l_the_checked_file(tmp_path):
    from d2lrnn import data

    link = bench.link_fra_eng(tmp_path)
    assert link == tmp_path / "fra-eng.zip" and link.is_symlink()
    assert data.sha1sum(link) == data.DATA_FILES["fra-eng.zip"].sha1


def test_keep_takes_the_recorded_runs_not_redone_and_refuses_other_settings(tmp_path):
    settings = {k: bench.DEFAULTS.get(k) for k in bench.SAME}
    settings.update(recipe_epochs=30, n_bootstrap=1000, num_test_sentences=None)
    runs = [{"side": side, "seed": seed} for seed in (0, 1) for side in ("ours", "d2l")]
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"seq2seq": {"settings": settings, "runs": runs,
                                            "recipe": {"seconds": 1}}}))  # fmt: skip
    old, recipe = bench.kept(path, dict(settings), [{"side": "ours", "seed": 1}])
    assert old == [runs[0], runs[1], runs[3]] and recipe == {"seconds": 1}
    assert bench.kept(tmp_path / "none.json", settings, []) == ([], None)
    with pytest.raises(ValueError, match=r"--keep: .* other settings .*'lr': \(0.01, 0.03\)"):
        bench.kept(path, dict(settings, lr=0.03), [])
