"""The beam-search explorer: its traces agree with beam_search, its frames and their alt text."""

import random
import re

import ipywidgets as W
import matplotlib.pyplot as plt
import mxnet as mx
import numpy as np
import pytest
from mxnet import autograd, gluon
from mxnet import np as mnp

import d2lrnn.widgets
from d2lrnn import gluon_adapter, seq2seq, translation
from d2lrnn.runtime import seed
from d2lrnn.widgets import beam

SENTENCES = ["I am cold.", "he ."]  # normalised: "i am cold .", "he ."


def num(x: float) -> str:
    """A number as the frames print it: two decimals, a true minus sign."""
    return f"{x:.2f}".replace("-", "−")


def tiny_pairs(n: int = 80) -> list[tuple[str, str]]:
    """Word-for-word English-French pairs over 13 words, 1 to 4 words and a full stop."""
    rng = random.Random(0)
    en = "i you he she we they am are is cold tired happy here".split()
    fr = "je tu il elle nous ils suis es est froid fatigué heureux ici".split()
    pairs = []
    for _ in range(n):
        idx = [rng.randrange(len(en)) for _ in range(rng.randint(1, 4))]
        pairs.append((" ".join(en[i] for i in idx) + " .", " ".join(fr[i] for i in idx) + " ."))
    return pairs


@pytest.fixture(scope="module")
def trained():
    """A tiny translation set and a GRU encoder-decoder trained for 15 steps: enough for its
    searches to end at different steps and for alpha to change some translations."""
    data = translation.translation_data(tiny_pairs(), max_len=6, min_freq=1, num_val=3, num_test=3)
    seed(0)
    model = seq2seq.EncoderDecoder(
        seq2seq.Encoder(len(data.src_vocab), 8, 16), seq2seq.Decoder(len(data.tgt_vocab), 8, 16)
    )
    gluon_adapter.initialize(model, device=mx.cpu())
    trainer = gluon.Trainer(model.collect_params(), "adam", {"learning_rate": 0.05})
    s = data.train
    src, src_len, tgt_in, tgt_out, tgt_len = (
        mnp.array(a, dtype="int32", ctx=mx.cpu())
        for a in (s.src, s.src_len, s.tgt_in, s.tgt_out, s.tgt_len)
    )
    for _ in range(15):
        with autograd.record():
            loss = seq2seq.masked_cross_entropy(model(src, src_len, tgt_in), tgt_out, tgt_len)
        loss.backward()
        trainer.step(1)
    return data, model


@pytest.fixture(scope="module")
def bd(trained):
    data, model = trained
    return beam.beam_data(model, data, SENTENCES, (1, 2), (0.0, 1.0), device=mx.cpu())


def every_setting(d: beam.BeamData):
    for s in d.sentences:
        for k in d.beam_sizes:
            for a in d.alphas:
                yield s, k, a


def test_data_holds_every_setting_normalised(bd):
    assert bd.sentences == ("i am cold .", "he .")
    assert bd.beam_sizes == (1, 2) and bd.alphas == (0.0, 1.0)
    assert bd.max_len == 7 and bd.num_pruned == 4  # data.max_len + 1 by default
    assert set(bd.traces) == set(every_setting(bd))
    assert bd.num_steps == max(t.num_steps for t in bd.traces.values())
    # A sentence can be named as it was given, or normalised.
    assert bd.trace("I am cold.", 2, 1.0) is bd.traces[("i am cold .", 2, 1.0)]


def test_traces_are_beam_search_of_each_sentence_alone(trained, bd):
    data, model = trained
    vocab = data.tgt_vocab
    bos, eos = vocab[translation.BOS], vocab[translation.EOS]
    for s, k, a in every_setting(bd):
        src, n = data.encode_source(s)
        best, (steps,) = seq2seq.beam_search(
            model, src, [n], bos, eos, bd.max_len, k, a, trace=True, device=mx.cpu()
        )
        trace = bd.traces[(s, k, a)]
        assert trace.translation == vocab.to_tokens(best[0]), (s, k, a)
        assert (trace.sentence, trace.beam_size, trace.alpha) == (s, k, a)
        assert len(trace.steps) == len(steps)
        for shown, ref in zip(trace.steps, steps, strict=True):
            assert shown.step == ref.step
            for got, want in (
                (shown.alive, ref.alive),
                (shown.pruned, ref.pruned),
                (shown.finished, ref.finished),
            ):
                assert [h.tokens for h in got] == [vocab.to_tokens(h.tokens) for h in want]
                np.testing.assert_allclose(
                    [h.log_prob for h in got], [h.log_prob for h in want], rtol=1e-5
                )
                np.testing.assert_allclose(
                    [h.score for h in got], [h.score for h in want], rtol=1e-5
                )


def test_every_step_keeps_the_beam_sorted_and_scores_finished_hypotheses(bd):
    for (_, k, alpha), trace in bd.traces.items():
        assert [s.step for s in trace.steps] == list(range(1, trace.num_steps + 1))
        for shown in trace.steps:
            lps = [h.log_prob for h in shown.alive]
            assert len(lps) <= k and lps == sorted(lps, reverse=True)
            pruned = [h.log_prob for h in shown.pruned]
            assert len(pruned) <= bd.num_pruned and pruned == sorted(pruned, reverse=True)
            if lps and pruned:
                assert max(pruned) <= min(lps)  # pruned: worse than every kept hypothesis
            assert len(shown.finished) <= k
            scores = [h.score for h in shown.finished]
            assert scores == sorted(scores, reverse=True)
            for h in shown.finished:
                assert h.finished and h.score == pytest.approx(h.log_prob / len(h.tokens) ** alpha)
            for h in shown.alive + shown.pruned + shown.finished:
                assert all(isinstance(t, str) for t in h.tokens)
        chosen = trace.steps[-1].finished[trace.chosen]
        assert trace.chosen >= 0 and [t for t in chosen.tokens if t != "<eos>"] == trace.translation
        assert "<eos>" not in trace.translation


def test_alpha_ranks_finished_hypotheses_only(bd):
    differ = []
    for s in bd.sentences:
        for k in bd.beam_sizes:
            a0, a1 = (bd.traces[(s, k, a)] for a in bd.alphas)
            # The search itself (who lives, who is pruned, when it stops) ignores alpha.
            assert a0.num_steps == a1.num_steps
            for x, y in zip(a0.steps, a1.steps, strict=True):
                assert [h.tokens for h in x.alive] == [h.tokens for h in y.alive]
                assert [h.tokens for h in x.pruned] == [h.tokens for h in y.pruned]
                # Before anything finishes, every alpha shows the same frame.
                if not x.finished:
                    assert bd.key(s, k, 0.0, x.step) == bd.key(s, k, 1.0, x.step)
                else:
                    assert bd.key(s, k, 0.0, x.step) != bd.key(s, k, 1.0, x.step)
            if a0.translation != a1.translation:
                differ.append((s, k))
    # This model's alpha = 1 prefers a longer translation of "i am cold ." with 2 beams.
    assert ("i am cold .", 2) in differ, differ
    last = bd.traces[("i am cold .", 2, 1.0)].num_steps
    assert len(bd.traces[("i am cold .", 2, 1.0)].translation) > len(
        bd.traces[("i am cold .", 2, 0.0)].translation
    )
    assert bd.key("i am cold .", 2, 0.0, last) != bd.key("i am cold .", 2, 1.0, last)


def test_a_step_past_the_end_shows_the_last_step(bd):
    short = min(bd.traces.values(), key=lambda t: t.num_steps)
    assert short.num_steps < bd.num_steps, "some search must end before the longest"
    s, k, a = short.sentence, short.beam_size, short.alpha
    assert bd.key(s, k, a, bd.num_steps) == bd.key(s, k, a, short.num_steps)
    assert beam.describe_beam_frame(bd, s, k, a, bd.num_steps) == beam.describe_beam_frame(
        bd, s, k, a, short.num_steps
    )


def figure_texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(plt.Text)]


def test_draw_beam_frame_shows_alive_pruned_and_finished_hypotheses(bd):
    trace = bd.traces[("i am cold .", 2, 1.0)]
    fig = beam.draw_beam_frame(bd, "I am cold.", 2, 1.0, 1)
    texts = figure_texts(fig)
    assert 'Source: "i am cold ."    beam size 2' in texts
    assert f"Step 1 of {trace.num_steps}: the search goes on." in texts
    first = trace.steps[0]
    assert all(h.tokens[0] in texts for h in first.alive + first.pruned)  # one token each
    assert "finished: none yet (α ranks finished hypotheses only)" in texts
    # Pruned candidates are grey; the beam is not.
    grey = [t for t in fig.findobj(plt.Text) if t.get_text() == "cut"]
    assert len(grey) == len(first.pruned) and all(t.get_color() == beam.PRUNED for t in grey)
    size = tuple(fig.get_size_inches())
    plt.close(fig)

    fig = beam.draw_beam_frame(bd, "i am cold .", 2, 1.0, trace.num_steps)
    texts = figure_texts(fig)
    assert tuple(fig.get_size_inches()) == size, "the step slider keeps the frame's size"
    assert "chosen" in texts and "finished: ranked by log P / len^α, α = 1" in texts
    assert f'translation: "{" ".join(trace.translation)}"' in texts
    chosen = trace.steps[-1].finished[trace.chosen]
    assert " <eos>" in texts and num(chosen.score) in texts
    highlighted = [t for t in fig.findobj(plt.Text) if t.get_bbox_patch() is not None]
    # The chosen hypothesis is highlighted, the token added last in a text of its own.
    assert {t.get_text() for t in highlighted} == {
        " ".join(chosen.tokens[:-1]),
        " " + chosen.tokens[-1],
    }
    plt.close(fig)
    fig = beam.draw_beam_frame(bd, "i am cold .", 1, 1.0, 1)
    assert fig.get_size_inches()[1] < size[1]  # one beam: fewer rows
    plt.close(fig)


def test_long_hypotheses_are_shown_by_their_end():
    h = seq2seq.Hypothesis(["mot"] * 30 + ["fin"], -3.0, -3.0)
    step = seq2seq.BeamStep(1, [h], [], [])
    trace = beam.BeamTrace("x", 1, 0.0, [step, step], [], -1)
    d = beam.BeamData(("x",), (1,), (0.0,), 5, 0, {("x", 1, 0.0): trace})
    fig = beam.draw_beam_frame(d, "x", 1, 0.0, 1)
    shown = [t for t in figure_texts(fig) if t.startswith("…")]
    assert len(shown) == 1 and len(shown[0]) + len(" fin") <= beam.MAX_CHARS
    assert "not recorded (num_pruned = 0)" in figure_texts(fig)
    plt.close(fig)


def test_alt_text_describes_the_frame(bd):
    trace = bd.traces[("i am cold .", 2, 1.0)]
    alt = beam.describe_beam_frame(bd, "i am cold .", 2, 1.0, 1)
    assert alt.startswith(
        f'Beam search of "i am cold ." with beam size 2, step 1 of {trace.num_steps}: '
        "the search goes on. Alive, by log-probability: "
    )
    for h in trace.steps[0].alive + trace.steps[0].pruned:
        assert f'"{" ".join(h.tokens)}" (log P {num(h.log_prob)})' in alt
    assert "None has finished yet." in alt and "α" not in alt
    end = beam.describe_beam_frame(bd, "i am cold .", 2, 1.0, trace.num_steps)
    assert "Finished, ranked by log P / len^α with α = 1: " in end
    assert end.endswith(f'The chosen translation: "{" ".join(trace.translation)}".')
    for h in trace.steps[-1].finished:
        assert f"(score {num(h.score)}, log P {num(h.log_prob)})" in end


def leaves(w):
    if hasattr(w, "children") and w.children:
        for c in w.children:
            yield from leaves(c)
    else:
        yield w


def test_beam_explorer_frames_controls_and_links(bd):
    box = beam.beam_explorer(bd)
    sentence, beams, alphas, step = box.controls
    assert [c.description for c in box.controls] == [
        "sentence",
        "beam size",
        "length normalisation α",
        "decoding step",
    ]
    assert isinstance(step, W.SelectionSlider) and isinstance(sentence, W.ToggleButtons)
    assert list(sentence.options) == ["i am cold .", "he ."]
    assert sentence.style.button_width == "auto"
    assert list(beams.options) == ["1", "2"] and list(alphas.options) == ["0", "1"]
    assert list(step.options) == [str(t) for t in range(1, bd.num_steps + 1)]
    assert "beam-explorer" in box._dom_classes
    # One frame per distinct picture: fewer than the grid, where searches ended or nothing
    # has finished yet.
    grid = [(s, k, a, t) for s, k, a in every_setting(bd) for t in range(1, bd.num_steps + 1)]
    keys = {bd.key(*g) for g in grid}
    assert box.num_frames == len(keys) < len(grid)
    widgets = {id(w): w for w in leaves(box.frames)}
    assert len(widgets) == box.num_frames
    values = [w.value for w in widgets.values()]
    pngs = [re.search(r'src="([^"]+)"', v).group(1) for v in values]
    assert len(set(pngs)) == len(pngs), "every distinct search state is a different picture"
    alts = [re.search(r'alt="([^"]+)"', v).group(1) for v in values]
    assert all(a.startswith("Beam search of &quot;") for a in alts)
    assert len(set(alts)) == len(alts)
    # One link per Stack: 1 + 2 sentences + 2 x 2 beam sizes + 4 x 2 alphas.
    assert len(box.links) == 1 + 2 + 4 + 8
    targets = {(link.source[0].model_id, link.target[0].model_id) for link in box.links}
    assert (sentence.model_id, box.frames.model_id) in targets


def test_explorer_is_importable_from_the_widgets_package():
    assert d2lrnn.widgets.beam_explorer is beam.beam_explorer
    assert d2lrnn.widgets.beam_data is beam.beam_data


# ----------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"model": None}, TypeError, r"model must be an EncoderDecoder, got NoneType"),
        ({"data": {}}, TypeError, r"data must be a TranslationData"),
        ({"sentences": []}, ValueError, r"sentences must be a non-empty sequence"),
        ({"sentences": "he ."}, TypeError, r"sentences must be a non-empty sequence"),
        ({"sentences": ["he .", " "]}, ValueError, r"sentences\[1\] must hold at least one word"),
        ({"sentences": [3]}, TypeError, r"sentences\[0\] must be a str"),
        (
            {"sentences": ["i am cold and tired here ."]},
            ValueError,
            r"sentences\[0\] must have at most max_len = 6 tokens .*got 7",
        ),
        ({"sentences": ["He.", "he ."]}, ValueError, r"sentences must not repeat a value"),
        ({"beam_sizes": (1, 0)}, ValueError, r"beam_sizes\[1\] must be an int >= 1 and <= 16"),
        ({"beam_sizes": (17,)}, ValueError, r"beam_sizes\[0\] must be an int >= 1 and <= 16"),
        ({"beam_sizes": (2.0,)}, TypeError, r"beam_sizes\[0\] must be an int"),
        ({"beam_sizes": 4}, TypeError, r"beam_sizes must be a non-empty sequence"),
        ({"beam_sizes": (2, 2)}, ValueError, r"beam_sizes must not repeat a value"),
        ({"alphas": (0.0, -0.5)}, ValueError, r"alphas\[1\] must be a finite number >= 0"),
        ({"alphas": (float("nan"),)}, ValueError, r"alphas\[0\] must be a finite number >= 0"),
        ({"alphas": ("1",)}, TypeError, r"alphas\[0\] must be a finite number"),
        ({"alphas": ()}, ValueError, r"alphas must be a non-empty sequence"),
        ({"alphas": (0, 0.0)}, ValueError, r"alphas must not repeat a value"),
        ({"max_len": 0}, ValueError, r"max_len must be an int >= 1"),
        ({"num_pruned": -1}, ValueError, r"num_pruned must be an int >= 0 and <= 8"),
        ({"num_pruned": 9}, ValueError, r"num_pruned must be an int >= 0 and <= 8"),
        ({"device": "cpu"}, TypeError, r"device must be None or an MXNet device"),
    ],
)
def test_beam_data_bad_input(trained, kwargs, exc, match):
    data, model = trained
    args = {"model": model, "data": data, "sentences": ["he ."], **kwargs}
    with pytest.raises(exc, match=match):
        beam.beam_data(**args)


def test_beam_data_refuses_a_model_for_other_vocabularies(trained):
    data, _ = trained
    other = seq2seq.EncoderDecoder(
        seq2seq.Encoder(len(data.src_vocab), 4, 4), seq2seq.Decoder(len(data.tgt_vocab) + 1, 4, 4)
    )
    with pytest.raises(ValueError, match=r"model must be built for data's target vocabulary"):
        beam.beam_data(other, data, ["he ."])


@pytest.mark.parametrize(
    "args, exc, match",
    [
        (("she .", 1, 0.0, 1), ValueError, r"sentence must be one of \['i am cold \.', 'he \.'\]"),
        (("he .", 4, 0.0, 1), ValueError, r"beam_size must be one of \[1, 2\]"),
        (("he .", 1, 0.5, 1), ValueError, r"alpha must be one of \[0.0, 1.0\]"),
        (("he .", 1, 0.0, 0), ValueError, r"step must be an int >= 1 and <= "),
        (("he .", 1, 0.0, 99), ValueError, r"step must be an int >= 1 and <= "),
        (("he .", 1, 0.0, 1.0), TypeError, r"step must be an int"),
    ],
)
def test_frames_refuse_settings_the_data_does_not_hold(bd, args, exc, match):
    for f in (beam.draw_beam_frame, beam.describe_beam_frame):
        with pytest.raises(exc, match=match):
            f(bd, *args)
    with pytest.raises(exc, match=match):
        bd.key(*args)


def test_frames_and_explorer_refuse_what_is_not_beam_data():
    for call in (
        lambda: beam.beam_explorer({}),
        lambda: beam.draw_beam_frame(None, "he .", 1, 0.0, 1),
        lambda: beam.describe_beam_frame([], "he .", 1, 0.0, 1),
    ):
        with pytest.raises(TypeError, match=r"data must be a BeamData \(see beam_data\)"):
            call()


@pytest.fixture(scope="module")
def attending():
    """The tiny data with an untrained attention model, and its explorer data."""
    data = translation.translation_data(tiny_pairs(), max_len=6, min_freq=1, num_val=3, num_test=3)
    seed(1)
    model = seq2seq.EncoderDecoder(
        seq2seq.Encoder(len(data.src_vocab), 8, 16),
        seq2seq.AttentionDecoder(len(data.tgt_vocab), 8, 16),
    )
    gluon_adapter.initialize(model, device=mx.cpu())
    bd = beam.beam_data(model, data, SENTENCES, (1, 3), (0.0,), device=mx.cpu())
    return data, model, bd


def test_an_attending_model_shows_the_weights_behind_each_new_hypothesis(attending, bd):
    data, model, abd = attending
    assert abd.source_tokens == {"i am cold .": ["i", "am", "cold", "."], "he .": ["he", "."]}
    trace = abd.trace("i am cold .", 3, 0.0)
    for t, s in enumerate(trace.steps, 1):
        new = beam._new(s, trace.steps[t - 2] if t > 1 else None)
        assert len(s.attention) == len(s.alive) + len(new)
        for w in s.attention:
            assert w.shape == (4,) and abs(w.sum() - 1) < 1e-5
        fig = beam.draw_beam_frame(abd, "i am cold .", 3, 0.0, t)
        strips = fig.axes
        assert len(strips) == len(s.attention)  # one strip per new hypothesis
        for ax, w in zip(strips, s.attention):
            np.testing.assert_array_equal(ax.get_images()[0].get_array()[0], w)
        texts = {x.get_text() for x in fig.texts}
        assert {"i", "am", "cold", "attention on the source"} <= texts
        assert fig.get_figwidth() == pytest.approx(beam.WIDTH + 4 * beam.CELL + 0.3)
        plt.close(fig)
        alt = beam.describe_beam_frame(abd, "i am cold .", 3, 0.0, t)
        first = s.alive[0] if s.alive else s.finished[min(new)]
        looked = ["i", "am", "cold", "."][int(np.argmax(s.attention[0]))]
        assert f'"{first.tokens[-1]}" looked most at "{looked}"' in alt
    # A model without attention: no strips, the table's width, no attention in the alt text.
    fig = beam.draw_beam_frame(bd, "i am cold .", 2, 0.0, 1)
    assert fig.axes == [] and fig.get_figwidth() == beam.WIDTH
    plt.close(fig)
    assert "Attention" not in beam.describe_beam_frame(bd, "i am cold .", 2, 0.0, 1)


def test_subwords_mark_the_start_of_each_word():
    """With subword data, a token that starts a word shows "▁" for its space, in the source,
    the hypotheses and the translation; joined, they give the words back."""
    pairs = [(f"{a}{a} {b}x .", f"{b}y {a}{a}z !") for a in "abcde" for b in "fghij"]
    data = translation.translation_data(
        pairs, max_len=3, min_freq=1, num_val=2, num_test=2, num_merges=6
    )
    seed(0)
    model = seq2seq.EncoderDecoder(
        seq2seq.Encoder(len(data.src_vocab), 4, 8),
        seq2seq.AttentionDecoder(len(data.tgt_vocab), 4, 8),
    )
    gluon_adapter.initialize(model, device=mx.cpu())
    bd = beam.beam_data(model, data, ["aa fx ."], (2,), (0.0,), device=mx.cpu())
    source = bd.source_tokens["aa fx ."]
    assert "".join(source).replace("▁", " ").split() == ["aa", "fx", "."]
    assert source[0].startswith("▁") and not any(t.startswith(" ") for t in source)
    trace = bd.trace("aa fx .", 2, 0.0)
    for s in trace.steps:
        for h in s.alive + s.pruned + s.finished:
            assert not any(t.startswith(" ") for t in h.tokens), h.tokens
    words = "".join(t for t in trace.translation).replace("▁", " ").split()
    assert " ".join(words) == seq2seq.translate(model, data, ["aa fx ."])[0]
