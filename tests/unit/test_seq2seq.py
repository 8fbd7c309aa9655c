"""Encoder-decoder models: the masked loss, padding, attention, decoding checked exhaustively."""

import math

import mxnet as mx
import numpy as np
import pytest
from mxnet import autograd
from mxnet import np as mnp

import d2lrnn
from d2lrnn import gluon_adapter, seq2seq
from d2lrnn.seq2seq import (
    AttentionDecoder,
    BeamStep,
    Decoder,
    Encoder,
    EncoderDecoder,
    Hypothesis,
)
from d2lrnn.translation import Split

VS, VT, E, H = 6, 5, 8, 16  # source and target vocabularies, embedding and hidden sizes
PAD, BOS, EOS = 1, 2, 3  # the target's specials; the source pads with 1 too


def mi(a) -> mnp.ndarray:
    return mnp.array(a, dtype="int32")


def make_model(attention=False, read_padding=False, seed=0, scale=1.0) -> EncoderDecoder:
    """A small untrained model whose weights are N(0, scale^2): peaked, distinct predictions."""
    d2lrnn.seed(seed)
    encoder = Encoder(VS, E, H, read_padding=read_padding)
    decoder = AttentionDecoder(VT, E, H, attention_size=8) if attention else Decoder(VT, E, H)
    model = EncoderDecoder(encoder, decoder)
    gluon_adapter.initialize(model)
    model(mi([[2, 3]]), mi([2]), mi([[BOS]]))  # completes the deferred shapes
    rng = np.random.default_rng(seed)
    for p in model.collect_params().values():
        p.set_data(mnp.array(rng.normal(0, scale, p.shape), dtype=p.dtype))
    return model


# Two sources: one of 4 tokens, one of 2 padded to 5; and decoder inputs of 3 steps.
SRC = np.array([[2, 3, 4, 5, 1], [4, 2, 1, 1, 1]], dtype=np.int32)
SRC_LEN = np.array([4, 2], dtype=np.int32)
TGT_IN = np.array([[BOS, 4, 0], [BOS, 1, 4]], dtype=np.int32)


def logits_of(model, src=SRC, src_len=SRC_LEN, tgt_in=TGT_IN) -> np.ndarray:
    with autograd.predict_mode():
        return model(mi(src), mi(src_len), mi(tgt_in)).asnumpy()


# ------------------------------------------------------------------ the masked loss


def test_sequence_mask():
    mask = seq2seq.sequence_mask(mi([2, 0, 3]), 3).asnumpy()
    np.testing.assert_array_equal(mask, [[1, 0, 1], [1, 0, 1], [0, 0, 1]])
    assert seq2seq.sequence_mask(mi([1]), 0).shape == (0, 1)


def numpy_masked_cross_entropy(logits, Y, valid_len):
    z = logits - logits.max(-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(-1, keepdims=True))  # (T, N, V)
    total, count = 0.0, 0
    for n, length in enumerate(valid_len):
        for t in range(length):
            total -= logp[t, n, Y[n, t]]
            count += 1
    return total / count


def test_masked_cross_entropy_counts_the_valid_positions_only():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, (6, 3, VT)).astype(np.float32)
    Y = rng.integers(0, VT, (3, 6)).astype(np.int32)
    valid_len = np.array([6, 2, 4])
    loss = float(seq2seq.masked_cross_entropy(mnp.array(logits), mi(Y), mi(valid_len)))
    assert loss == pytest.approx(numpy_masked_cross_entropy(logits, Y, valid_len), rel=1e-5)
    # Whatever is in the padding, targets or logits, does not change the loss ...
    Y2, logits2 = Y.copy(), logits.copy()
    Y2[1, 2:], Y2[2, 4:] = 0, 4
    logits2[2:, 1], logits2[4:, 2] = 1e4, -1e4
    z = mnp.array(logits2)
    z.attach_grad()
    with autograd.record():
        loss2 = seq2seq.masked_cross_entropy(z, mi(Y2), mi(valid_len))
    loss2.backward()
    assert float(loss2) == pytest.approx(loss, rel=1e-6)
    # ... nor gets any gradient.
    grad = z.grad.asnumpy()
    assert not grad[2:, 1].any() and not grad[4:, 2].any() and grad[:2, 1].any()
    # The mean is over valid tokens, not sentences: an all-valid batch is the plain mean.
    full = float(seq2seq.masked_cross_entropy(mnp.array(logits), mi(Y), mi([6, 6, 6])))
    assert full == pytest.approx(numpy_masked_cross_entropy(logits, Y, [6, 6, 6]), rel=1e-5)


# ------------------------------------------------------------------ the encoder and padding


def test_encoder_state_is_the_output_at_the_last_valid_token():
    model = make_model()
    outputs, state = model.encoder(mi(SRC), mi(SRC_LEN))
    outputs, state = outputs.asnumpy(), state.asnumpy()
    assert outputs.shape == (5, 2, H) and state.shape == (2, H)
    np.testing.assert_array_equal(state[0], outputs[3, 0])
    np.testing.assert_array_equal(state[1], outputs[1, 1])
    # Row 1 alone, without its padding, gives the same outputs and state.
    alone_out, alone_state = model.encoder(mi(SRC[1:, :2]), mi([2]))
    np.testing.assert_allclose(alone_state.asnumpy()[0], state[1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(alone_out.asnumpy()[:, 0], outputs[:2, 1], rtol=1e-5, atol=1e-6)


def test_read_padding_gives_the_state_after_the_padding():
    plain, reading = make_model(), make_model(read_padding=True)  # the same weights
    outputs, state = reading.encoder(mi(SRC), mi(SRC_LEN))
    np.testing.assert_array_equal(state.asnumpy(), outputs.asnumpy()[-1])
    _, true_last = plain.encoder(mi(SRC), mi(SRC_LEN))
    gap = np.abs(state.asnumpy() - true_last.asnumpy()).max(axis=1)
    assert (gap > 1e-3).all()  # row 0 read 1 pad, row 1 read 3


@pytest.mark.parametrize("attention", [False, True])
def test_the_source_padding_does_not_change_the_outputs(attention):
    other = SRC.copy()
    other[0, 4], other[1, 2:] = 5, [0, 3, 5]  # other tokens in the padding
    model = make_model(attention)
    np.testing.assert_array_equal(logits_of(model), logits_of(model, other))
    # d2l's encoder reads the padding: then the padding changes the translation.
    reading = make_model(attention, read_padding=True)
    assert np.abs(logits_of(reading) - logits_of(reading, other)).max() > 1e-3


def test_encoder_refuses_lengths_beyond_the_source_and_unknown_tokens():
    encoder = make_model().encoder
    with pytest.raises(ValueError, match=r"valid_len must hold lengths in \[1, 5\]"):
        encoder(mi(SRC), mi([6, 2]))
    with pytest.raises(ValueError, match=r"valid_len must hold lengths in \[1, 5\]"):
        encoder(mi(SRC), mi([0, 2]))
    with pytest.raises(ValueError, match=r"X must hold token indices in \[0, 6\)"):
        encoder(mi([[1, 6]]), mi([2]))


# ------------------------------------------------------------------ the decoders


def test_decoder_reads_the_context_at_every_step():
    model = make_model()
    dec = model.decoder
    _, enc_state = model.encoder(mi(SRC), mi(SRC_LEN))
    state = dec.begin(None, enc_state, mi(SRC_LEN))
    assert state[0] is enc_state and state[1] is enc_state
    logits, (H_T, context) = dec(mi(TGT_IN), state)
    # One step at a time by hand: [embedding(y_t), context] in, the same context every step.
    Hs, expected = enc_state, []
    for t in range(3):
        x = mnp.concatenate([dec.embedding(mi(TGT_IN[:, t])), enc_state], axis=-1)
        out, (Hs,) = dec.rnn(mnp.expand_dims(x, 0), [mnp.expand_dims(Hs, 0)])
        Hs = Hs[0]
        expected.append(dec.output(out[0]).asnumpy())
    np.testing.assert_allclose(logits.asnumpy(), np.stack(expected), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(H_T.asnumpy(), Hs.asnumpy(), rtol=1e-5, atol=1e-6)
    assert context is enc_state
    # Another context, the same first hidden state: every step's logits change.
    other, _ = dec(mi(TGT_IN), [enc_state, mnp.zeros_like(enc_state)])
    assert (np.abs(other.asnumpy() - logits.asnumpy()).max(axis=(1, 2)) > 1e-3).all()


def test_step_is_one_step_of_the_decoder():
    model = make_model(attention=True)
    state = model.begin(mi(SRC), mi(SRC_LEN))
    logits = logits_of(model)
    for t in range(3):
        logp, state = model.step(mi(TGT_IN[:, t]), state)
        z = logits[t] - logits[t].max(-1, keepdims=True)
        expected = z - np.log(np.exp(z).sum(-1, keepdims=True))
        np.testing.assert_allclose(logp.asnumpy(), expected, rtol=1e-5, atol=1e-5)


def test_attention_weights_sum_to_one_and_skip_the_padding():
    model = make_model(attention=True)
    logits_of(model)
    w = model.decoder.last_weights.asnumpy()  # (T, N, T_src)
    assert w.shape == (3, 2, 5)
    np.testing.assert_allclose(w.sum(-1), 1, rtol=1e-5)
    assert not w[:, 0, 4:].any() and not w[:, 1, 2:].any()
    assert (w[:, 0, :4] > 0).all() and (w[:, 1, :2] > 0).all()
    assert np.abs(w[0] - w[1]).max() > 1e-4  # the weights move as the decoder goes
    # The context is the weighted sum of the encoder's outputs.
    enc_outputs, enc_state = model.encoder(mi(SRC), mi(SRC_LEN))
    H0, memory, keys, valid_len = model.decoder.begin(enc_outputs, enc_state, mi(SRC_LEN))
    context, weights = model.decoder.attend(H0, memory, keys, valid_len)
    np.testing.assert_allclose(weights.asnumpy(), w[0], rtol=1e-5, atol=1e-7)
    expected = np.einsum("ns,snh->nh", w[0], enc_outputs.asnumpy())
    np.testing.assert_allclose(context.asnumpy(), expected, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("attention", [False, True])
def test_expand_and_reorder_copy_each_sources_state(attention):
    model = make_model(attention)
    state = model.begin(mi(SRC), mi(SRC_LEN))
    wide = model.decoder.expand(state, 3)
    assert len(wide) == len(state) and wide[0].shape == (6, H)
    np.testing.assert_array_equal(wide[0].asnumpy()[[0, 1, 2]], state[0].asnumpy()[[0, 0, 0]])
    np.testing.assert_array_equal(wide[0].asnumpy()[5], state[0].asnumpy()[1])
    index = mi([2, 2, 0, 5, 3, 3])
    moved = model.decoder.reorder(wide, index)
    np.testing.assert_array_equal(moved[0].asnumpy(), wide[0].asnumpy()[[2, 2, 0, 5, 3, 3]])


def test_encoder_decoder_checks_its_parts():
    with pytest.raises(ValueError, match="the same num_hiddens, got 16 and 8"):
        EncoderDecoder(Encoder(VS, E, H), Decoder(VT, E, 8))
    with pytest.raises(TypeError, match="encoder must be a gluon Block with num_hiddens"):
        EncoderDecoder(mx.gluon.nn.Dense(H), Decoder(VT, E, H))
    with pytest.raises(TypeError, match=r"decoder must be .* \(it has no begin, expand, reorder\)"):
        EncoderDecoder(Encoder(VS, E, H), Encoder(VT, E, H))
    model = make_model()
    with pytest.raises(ValueError, match=r"tgt_in must be an MXNet array \(2, num_steps\)"):
        model(mi(SRC), mi(SRC_LEN), mi(TGT_IN[:1]))
    with pytest.raises(ValueError, match="src must be a non-empty MXNet array"):
        model(SRC, mi(SRC_LEN), mi(TGT_IN))


@pytest.mark.parametrize("attention", [False, True])
def test_gradients_reach_the_encoder_and_match_finite_differences(attention):
    model = make_model(attention, scale=0.5)
    tgt_out, tgt_len = np.array([[4, 0, EOS], [1, EOS, 1]]), np.array([3, 2])

    def loss():
        logits = model(mi(SRC), mi(SRC_LEN), mi(TGT_IN))
        return seq2seq.masked_cross_entropy(logits, mi(tgt_out), mi(tgt_len))

    with autograd.record():
        value = loss()
    value.backward()
    emb = model.encoder.embedding.weight
    grad = emb.grad().asnumpy()
    assert not grad[1].any()  # the padding token, only ever in the padding
    assert not grad[0].any()  # a token in no source
    assert np.abs(grad[4]).max() > 1e-3  # a token of both sources
    data, eps = emb.data().asnumpy(), 1e-2
    for j in range(E):
        shifted = []
        for sign in (1, -1):
            w = data.copy()
            w[4, j] += sign * eps
            emb.set_data(mnp.array(w))
            with autograd.predict_mode():
                shifted.append(float(loss()))
        emb.set_data(mnp.array(data))
        numeric = (shifted[0] - shifted[1]) / (2 * eps)
        assert numeric == pytest.approx(grad[4, j], rel=2e-2, abs=2e-4), j


# ------------------------------------------------------------------ decoder_loss


def split_of(tgt_tokens, width=5) -> Split:
    """The sources SRC with the targets ``tgt_tokens`` (lists of tokens, without eos)."""
    n = len(tgt_tokens)
    tgt_in, tgt_out = np.full((n, width), PAD), np.full((n, width), PAD)
    for i, t in enumerate(tgt_tokens):
        tgt_in[i, : len(t) + 1], tgt_out[i, : len(t) + 1] = [BOS, *t], [*t, EOS]
    tgt_len = np.array([len(t) + 1 for t in tgt_tokens])
    rows = np.arange(n) % 2
    return Split(SRC[rows], SRC_LEN[rows], tgt_in, tgt_out, tgt_len, [""] * n, [[""]] * n)


@pytest.mark.parametrize("attention", [False, True])
def test_decoder_loss_fed_the_reference_is_the_training_loss(attention):
    model = make_model(attention)
    split = split_of([[4, 0, 0], [1], [0, 4, 4, 1], [4]])
    with autograd.predict_mode():
        logits = model(*(mi(a) for a in (split.src, split.src_len, split.tgt_in)))
    expected = numpy_masked_cross_entropy(logits.asnumpy(), split.tgt_out, split.tgt_len)
    for batch_size in (4, 3, 1):  # a mean per token, not per minibatch
        loss = seq2seq.decoder_loss(model, split, "reference", batch_size)
        assert loss == pytest.approx(expected, rel=1e-5)
    own = seq2seq.decoder_loss(model, split, "own")
    assert abs(own - expected) > 1e-3


@pytest.mark.parametrize("attention", [False, True])
def test_decoder_loss_fed_its_own_outputs_equals_teacher_forcing_on_them(attention):
    """When the references are the model's own greedy translations, both feeds agree."""
    model = make_model(attention, seed=1)
    greedy = seq2seq.greedy_decode(model, SRC, SRC_LEN, BOS, EOS, 4)
    split = split_of(greedy)
    reference = seq2seq.decoder_loss(model, split, "reference")
    assert seq2seq.decoder_loss(model, split, "own") == pytest.approx(reference, rel=1e-5)


# ------------------------------------------------------------------ the decoders' features


def loss_and_gradients(model, valid_rows: bool, tgt_out, tgt_len) -> tuple[float, dict]:
    """The training loss on SRC / TGT_IN and every parameter's gradient: computed from the
    decoder's features at the valid positions (``valid_cross_entropy``), or from the logits."""
    src, src_len, tgt_in = mi(SRC), mi(SRC_LEN), mi(TGT_IN)
    with autograd.record():
        if valid_rows:
            hidden, _ = model.decoder.features(tgt_in, model.begin(src, src_len))
            loss = seq2seq.valid_cross_entropy(model.decoder.output, hidden, tgt_out, tgt_len)
        else:
            logits = model(src, src_len, tgt_in)
            loss = seq2seq.masked_cross_entropy(logits, mi(tgt_out), mi(tgt_len))
    loss.backward()
    grads = {name: p.grad().asnumpy().copy() for name, p in model.collect_params().items()}
    return float(loss), grads


@pytest.mark.parametrize("tgt_len", [[3, 2], [1, 3], [3, 3]], ids=["padded", "short", "full"])
@pytest.mark.parametrize("attention", [False, True])
def test_valid_cross_entropy_of_the_features_is_the_masked_loss_of_the_model(attention, tgt_len):
    """``valid_cross_entropy(decoder.output, decoder.features(...))``, the output layer at the
    valid target positions only, is the masked loss of the model's logits: the same value and
    the same gradient of every parameter, the encoder's included."""
    model = make_model(attention, scale=0.5)
    tgt_out, tgt_len = np.array([[4, 0, EOS], [1, EOS, 1]], np.int32), np.array(tgt_len, np.int32)
    loss, grads = loss_and_gradients(model, True, tgt_out, tgt_len)
    expected, expected_grads = loss_and_gradients(model, False, tgt_out, tgt_len)
    assert loss == pytest.approx(expected, rel=1e-6)
    assert list(grads) == list(expected_grads)
    for name, g in grads.items():
        np.testing.assert_allclose(g, expected_grads[name], rtol=1e-5, atol=1e-7, err_msg=name)
    assert np.abs(grads[model.encoder.embedding.weight.name]).max() > 1e-3
    # MXNet arrays for Y and valid_len give the same.
    loss_mx, _ = loss_and_gradients(model, True, mi(tgt_out), mi(tgt_len))
    assert loss_mx == loss


@pytest.mark.parametrize("attention", [False, True])
def test_features_are_what_the_output_layer_reads(attention):
    """``forward(Y, state)`` is ``output(features(Y, state))``, with the same new state."""
    model = make_model(attention)
    state = model.begin(mi(SRC), mi(SRC_LEN))
    logits, after = model.decoder(mi(TGT_IN), state)
    hidden, after_features = model.decoder.features(mi(TGT_IN), state)
    assert hidden.shape == (3, 2, H)
    np.testing.assert_array_equal(model.decoder.output(hidden).asnumpy(), logits.asnumpy())
    assert len(after) == len(after_features) == len(state)
    for a, b in zip(after, after_features):
        np.testing.assert_array_equal(a.asnumpy(), b.asnumpy())


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "plain"])
def test_decoder_features_with_a_context_equal_gluons_layer_on_the_concatenation(fast):
    """The book's layer reads the decoder's fixed context as ``layer(emb, state, context)``;
    gluon's GRU with the same weights reads ``[emb, context]`` at every step: the same
    features, state and gradients."""
    from mxnet.gluon import rnn

    from d2lrnn.layers import GRUScratch
    from d2lrnn.weights import copy_weights

    model = make_model(scale=0.5)
    book = model.decoder
    book.rnn.fast = fast
    d2lrnn.seed(1)
    ref = Decoder(VT, E, H, rnn=rnn.GRU(H, input_size=E + H))
    gluon_adapter.initialize(ref)
    ref.embedding.weight.set_data(book.embedding.weight.data())
    copy_weights(book.rnn, ref.rnn)
    assert isinstance(book.rnn, GRUScratch) and book.rnn.num_inputs == E + H
    enc_state = mnp.array(np.random.default_rng(5).normal(size=(2, H)), dtype="float32")
    R = mnp.array(np.random.default_rng(6).normal(size=(3, 2, H)), dtype="float32")
    results = []
    for decoder in (book, ref):
        context = enc_state.copy()
        context.attach_grad()
        with autograd.record():
            hidden, (H_T, _) = decoder.features(mi(TGT_IN), [enc_state, context])
            loss = (hidden * R).sum() + 2 * H_T.sum()
        loss.backward()
        results.append([hidden, H_T, context.grad, decoder.embedding.weight.grad()])
    for a, b in zip(*results):
        np.testing.assert_allclose(a.asnumpy(), b.asnumpy(), rtol=1e-5, atol=1e-6)
    assert np.abs(results[0][2].asnumpy()).max() > 1e-3  # the context gets a gradient


# ------------------------------------------------------------------ decoding


@pytest.mark.parametrize("attention", [False, True])
def test_greedy_decoding_is_beam_search_with_one_beam(attention):
    src = np.array([[2, 3, 4, 5], [4, 2, 1, 1], [5, 5, 5, 1], [0, 1, 1, 1]])
    src_len = np.array([4, 2, 3, 1])
    for seed in range(3):
        model = make_model(attention, seed=seed)
        greedy = seq2seq.greedy_decode(model, src, src_len, BOS, EOS, 6)
        assert greedy == seq2seq.beam_search(model, src, src_len, BOS, EOS, 6, beam_size=1)
        assert all(EOS not in g and len(g) <= 6 for g in greedy)


def test_greedy_decoding_takes_the_most_likely_token_until_eos():
    model = make_model(seed=2)
    out = seq2seq.greedy_decode(model, SRC, SRC_LEN, BOS, EOS, 5)
    state, y = model.begin(mi(SRC[:1]), mi(SRC_LEN[:1])), mi([BOS])
    expected = []
    for _ in range(5):
        logp, state = model.step(y, state)
        token = int(logp.asnumpy()[0].argmax())
        if token == EOS:
            break
        expected.append(token)
        y = mi([token])
    assert out[0] == expected


def best_finished(trace: list[BeamStep]) -> Hypothesis:
    return max(trace[-1].finished, key=lambda h: h.score)


SOURCE, LENGTH = np.array([[2, 3, 4, 1]]), np.array([3])


@pytest.mark.parametrize("alpha", [0.0, 0.75])
@pytest.mark.parametrize("attention", [False, True])
def test_a_full_beam_finds_the_exhaustive_best(attention, alpha):
    for seed in range(2):
        model = make_model(attention, seed=seed)
        tokens, score = seq2seq.exhaustive_search(model, SOURCE, LENGTH, BOS, EOS, 3, alpha)
        (found,), (trace,) = seq2seq.beam_search(
            model, SOURCE, LENGTH, BOS, EOS, 3, beam_size=VT**2, alpha=alpha, trace=True
        )
        assert found == tokens
        assert best_finished(trace).score == pytest.approx(score, rel=1e-5)  # float32 sums


def test_small_beams_score_no_better_than_exhaustive_search():
    strictly_worse = 0
    for seed in (3, 4):  # seeds where small beams miss the best (found by trying a few)
        for attention in (False, True):
            model = make_model(attention, seed=seed)
            for alpha in (0.0, 2.0):
                _, best = seq2seq.exhaustive_search(model, SOURCE, LENGTH, BOS, EOS, 3, alpha)
                for K in (1, 2, 3):
                    _, (trace,) = seq2seq.beam_search(
                        model, SOURCE, LENGTH, BOS, EOS, 3, K, alpha, trace=True
                    )
                    found = best_finished(trace).score
                    assert found <= best + 1e-6
                    strictly_worse += found < best - 1e-3
    assert strictly_worse > 0  # the check has teeth: small beams do miss the best here


def test_the_trace_of_beam_search():
    model = make_model(attention=True, seed=4)
    K, max_len, alpha = 3, 5, 0.5
    best, traces = seq2seq.beam_search(
        model, SRC, SRC_LEN, BOS, EOS, max_len, K, alpha, trace=True, num_pruned=2
    )
    assert len(best) == len(traces) == 2
    for tokens, trace in zip(best, traces):
        assert [s.step for s in trace] == list(range(1, len(trace) + 1))
        assert len(trace) <= max_len
        prefixes = {(): 0.0}
        for s in trace:
            assert len(s.alive) <= K and len(s.pruned) <= 2 and len(s.finished) <= K
            lps = [h.log_prob for h in s.alive]
            assert lps == sorted(lps, reverse=True)
            if s.alive and s.pruned:  # the pruned were worse than every kept one
                assert max(h.log_prob for h in s.pruned) <= min(lps)
            for h in s.alive + s.pruned + s.finished:
                assert len(h.tokens) <= s.step and h.log_prob < 0
                assert h.score == pytest.approx(h.log_prob / len(h.tokens) ** alpha)
            for h in s.alive:
                assert not h.finished and EOS not in h.tokens and len(h.tokens) == s.step
                # Each extends a hypothesis alive at the step before, with a lower log-prob.
                assert h.log_prob <= prefixes[tuple(h.tokens[:-1])]
            for h in s.finished:
                assert h.finished and (h.tokens[-1] == EOS or len(h.tokens) == max_len)
                assert EOS not in h.tokens[:-1]
            scores = [h.score for h in s.finished]
            assert scores == sorted(scores, reverse=True)
            prefixes = {tuple(h.tokens): h.log_prob for h in s.alive}
        top = best_finished(trace)
        assert tokens == [t for t in top.tokens if t != EOS]
    # Finished hypotheses stay finished: each step's finished list grows.
    for trace in traces:
        for a, b in zip(trace, trace[1:]):
            assert {tuple(h.tokens) for h in a.finished} <= {tuple(h.tokens) for h in b.finished}


@pytest.mark.parametrize("attention", [False, True])
def test_the_trace_holds_the_attention_behind_each_new_hypothesis(attention):
    """Each alive hypothesis, and each that finished at the step, has the weights with which
    the model chose its last token: those of teacher forcing on its tokens, at its last step."""
    model = make_model(attention=attention, seed=4)
    _, traces = seq2seq.beam_search(model, SRC, SRC_LEN, BOS, EOS, 4, 3, 0.5, trace=True)
    checked = 0
    for n, trace in enumerate(traces):
        seen = set()
        for s in trace:
            new = [h for h in s.finished if tuple(h.tokens) not in seen]
            seen |= {tuple(h.tokens) for h in s.finished}
            if not attention:
                assert s.attention == []
                continue
            assert len(s.attention) == len(s.alive) + len(new)
            for h, w in zip(s.alive + new, s.attention):
                assert w.shape == (SRC_LEN[n],)
                np.testing.assert_allclose(w.sum(), 1.0, rtol=1e-5)
                tgt_in = [BOS] + h.tokens[:-1]
                with autograd.predict_mode():
                    model(mi(SRC[n : n + 1]), mi(SRC_LEN[n : n + 1]), mi([tgt_in]))
                forced = model.decoder.last_weights.asnumpy()[-1, 0, : SRC_LEN[n]]
                np.testing.assert_allclose(w, forced, rtol=1e-4, atol=1e-6)
                checked += 1
    assert checked > 10 or not attention


def eos_loving_model(attention=False) -> EncoderDecoder:
    """A model that favours <eos> a little at every step: short translations are likelier."""
    model = make_model(attention, seed=0)
    bias = model.decoder.output.bias
    b = np.zeros(VT, dtype=np.float32)
    b[EOS] = 2.0
    bias.set_data(mnp.array(b))
    weight = model.decoder.output.weight
    weight.set_data(weight.data() * 0.2)
    return model


@pytest.mark.parametrize("attention", [False, True])
def test_alpha_favours_longer_translations(attention):
    model = eos_loving_model(attention)
    lengths = []
    for alpha in (0.0, 1.0, 2.0):
        tokens, score = seq2seq.exhaustive_search(model, SOURCE, LENGTH, BOS, EOS, 3, alpha)
        beam = seq2seq.beam_search(model, SOURCE, LENGTH, BOS, EOS, 3, VT**2, alpha)[0]
        assert beam == tokens
        lengths.append(len(tokens))
    assert lengths == sorted(lengths) and lengths[0] < lengths[-1]
    assert lengths[0] == 0  # alpha = 0: the raw probability prefers <eos> at once
    # The normalised score: log P / len^alpha, higher for a longer translation at equal log P.
    _, (trace,) = seq2seq.beam_search(model, SOURCE, LENGTH, BOS, EOS, 3, 4, alpha=1.0, trace=True)
    for h in trace[-1].finished:
        assert h.score == pytest.approx(h.log_prob / len(h.tokens))
        assert h.score >= h.log_prob


# ------------------------------------------------------------------ bad inputs


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"beam_size": 0}, ValueError, "beam_size must be an int >= 1, got 0"),
        ({"beam_size": 2.0}, TypeError, "beam_size must be an int >= 1"),
        ({"alpha": -0.5}, ValueError, "alpha must be a finite number >= 0, got -0.5"),
        ({"alpha": math.nan}, ValueError, "alpha must be a finite number >= 0, got nan"),
        ({"max_len": 0}, ValueError, "max_len must be an int >= 1, got 0"),
        ({"trace": "yes"}, TypeError, "trace must be True or False"),
        ({"num_pruned": -1}, ValueError, "num_pruned must be an int >= 0"),
        ({"src": np.zeros((0, 4), int), "src_len": np.zeros(0, int)}, ValueError, "src must not"),
        ({"src": [[0.5, 1.0]], "src_len": [2]}, TypeError, "src must hold integers"),
        ({"src": [[1, 6]], "src_len": [2]}, ValueError, r"src must hold token indices in \[0, 6\)"),
        ({"src_len": [4]}, ValueError, r"src_len must have shape \(2\)"),
        ({"src_len": [4, 6]}, ValueError, r"src_len must hold lengths in \[1, 5\]"),
        ({"bos": 5}, ValueError, r"bos must be an int >= 0 and <= 4, got 5"),
        ({"eos": None}, TypeError, "eos must be an int"),
        ({"model": "net"}, TypeError, "model must be an EncoderDecoder, got str"),
    ],
)
def test_beam_search_refuses_bad_input(kwargs, exc, match):
    args = {"model": make_model(), "src": SRC, "src_len": SRC_LEN, "bos": BOS, "eos": EOS}
    args = {**args, "max_len": 3, **kwargs}
    with pytest.raises(exc, match=match):
        seq2seq.beam_search(**args)


def test_greedy_and_exhaustive_search_refuse_bad_input():
    model = make_model()
    with pytest.raises(ValueError, match="max_len must be an int >= 1, got 0"):
        seq2seq.greedy_decode(model, SRC, SRC_LEN, BOS, EOS, 0)
    with pytest.raises(ValueError, match="src must not be empty"):
        seq2seq.greedy_decode(model, np.zeros((0, 3), int), np.zeros(0, int), BOS, EOS, 2)
    with pytest.raises(ValueError, match="src must hold one source sentence, got 2"):
        seq2seq.exhaustive_search(model, SRC, SRC_LEN, BOS, EOS, 2)
    with pytest.raises(ValueError, match="max_len must be an int >= 1 and <= 8, got 9"):
        seq2seq.exhaustive_search(model, SOURCE, LENGTH, BOS, EOS, 9)
    with pytest.raises(ValueError, match="alpha must be a finite number >= 0"):
        seq2seq.exhaustive_search(model, SOURCE, LENGTH, BOS, EOS, 2, alpha=math.inf)
    with pytest.raises(ValueError, match="feed must be one of"):
        seq2seq.decoder_loss(model, split_of([[1]]), "greedy")
    with pytest.raises(TypeError, match="split must be a non-empty translation Split"):
        seq2seq.decoder_loss(model, (SRC, SRC_LEN))


def test_decoders_refuse_states_and_inputs_of_the_wrong_shape():
    model, attn = make_model(), make_model(attention=True)
    state = model.begin(mi(SRC), mi(SRC_LEN))
    with pytest.raises(TypeError, match=r"state must be the list \[H, context\]"):
        model.decoder(mi(TGT_IN), state[:1])
    with pytest.raises(ValueError, match=r"Y must be an MXNet array \(2, num_steps\)"):
        model.decoder(mi(TGT_IN[:1]), state)
    with pytest.raises(TypeError, match="Y must be an MXNet int array"):
        model.decoder(mnp.array(TGT_IN, dtype="float32"), state)
    with pytest.raises(ValueError, match=r"state H must be an MXNet array \(batch_size, 16\)"):
        attn.decoder.attend(mnp.zeros((2, 8)), *attn.begin(mi(SRC), mi(SRC_LEN))[1:])
    with pytest.raises(ValueError, match=r"enc_outputs must be .* \(num_steps, 2, 16\)"):
        attn.decoder.begin(mnp.zeros((5, 3, H)), mnp.zeros((2, H)), mi(SRC_LEN))
    with pytest.raises(ValueError, match="K must be an int >= 1, got 0"):
        model.decoder.expand(state, 0)
    with pytest.raises(TypeError, match=r"y must be an MXNet array \(batch_size,\)"):
        model.step(np.array([BOS, BOS]), state)


# ------------------------------------------------------------------ translate


def test_translate_decodes_new_sentences_with_the_datas_vocabularies():
    from d2lrnn import translation

    pairs = [(f"{a} {b} .", f"{b} {a} !") for a in "abcde" for b in "fghij"]
    data = translation.translation_data(pairs, max_len=3, min_freq=1, num_val=2, num_test=2)
    d2lrnn.seed(0)
    model = EncoderDecoder(
        Encoder(len(data.src_vocab), 4, 8), AttentionDecoder(len(data.tgt_vocab), 4, 8)
    )
    gluon_adapter.initialize(model)
    sentences = ["A f.", "b  G !", "zebra j"]  # raw text; 'zebra' and '!' are unknown
    rows = [data.encode_source(s) for s in sentences]
    src, src_len = np.concatenate([r for r, _ in rows]), np.array([n for _, n in rows])
    bos, eos = data.tgt_vocab[translation.BOS], data.tgt_vocab[translation.EOS]
    for beam_size, decode in ((1, seq2seq.greedy_decode), (3, seq2seq.beam_search)):
        args = (model, src, src_len, bos, eos, 4) + ((3,) if beam_size > 1 else ())
        expected = [" ".join(data.tgt_vocab.to_tokens(t)) for t in decode(*args)]
        for batch_size in (256, 2):
            out = seq2seq.translate(model, data, sentences, beam_size, batch_size=batch_size)
            assert out == expected


def test_translate_and_attention_maps_with_subwords_give_words():
    from d2lrnn import translation

    pairs = [(f"{a}{a} {b}x .", f"{b}y {a}{a}z !") for a in "abcde" for b in "fghij"]
    data = translation.translation_data(
        pairs, max_len=3, min_freq=1, num_val=2, num_test=2, num_merges=6
    )
    assert data.num_steps > data.max_len  # some words take several subwords
    d2lrnn.seed(0)
    model = EncoderDecoder(
        Encoder(len(data.src_vocab), 4, 8), AttentionDecoder(len(data.tgt_vocab), 4, 8)
    )
    gluon_adapter.initialize(model)
    sentences = ["aa fx .", "bb gx !", "qq j"]  # 'qq' was never seen: its letters are <unk>
    rows = [data.encode_source(s) for s in sentences]
    src, src_len = np.concatenate([r for r, _ in rows]), np.array([n for _, n in rows])
    for r, n, sentence in zip(src, src_len, sentences):
        assert n == len(data.source_units(sentence))
        assert translation.join_subwords(data.src_vocab.to_tokens(r[:n].tolist()))[-1] != ""
    bos, eos = data.tgt_vocab[translation.BOS], data.tgt_vocab[translation.EOS]
    ids = seq2seq.greedy_decode(model, src, src_len, bos, eos, data.max_target_steps)
    words = ["".join(data.tgt_vocab.to_tokens(t)).split() for t in ids]  # joined by hand
    assert seq2seq.translate(model, data, sentences) == [" ".join(w) for w in words]
    maps = seq2seq.attention_maps(model, data, sentences)
    for m, r, n in zip(maps, src, src_len):
        assert m.source == data.src_vocab.to_tokens(r[:n].tolist())  # the subwords read
        assert m.weights.shape == (len(m.output), n)


# ------------------------------------------------------------------ bad and boundary input


@pytest.mark.parametrize("alpha", [0.0, 0.5, 1.0, 2.0, 50.0])
def test_the_length_penalty_is_the_formula_where_the_formula_computes(alpha):
    for log_prob in (-0.0, -1e-9, -2.5, -40.0):
        for length in (1, 2, 7, 30):
            assert seq2seq._normalized(log_prob, length, alpha) == pytest.approx(
                log_prob / length**alpha, rel=1e-12, abs=1e-300
            )


def test_a_large_length_penalty_ranks_without_overflow():
    with pytest.raises(OverflowError):
        -2.5 / 8**1000.0  # the plain formula, which beam search used before
    assert -1e-300 < seq2seq._normalized(-2.5, 8, 1000.0) <= 0.0
    # Just past the switch to log space, where the formula still computes, the two agree.
    assert 1015 * math.log(2) > 700
    assert seq2seq._normalized(-2.5, 2, 1015.0) == pytest.approx(-2.5 / 2**1015.0, rel=1e-12)
    assert seq2seq._normalized(-2.5, 1, 1000.0) == -2.5  # 1 ** alpha = 1
    model = make_model(attention=True, seed=1)
    (best,), (trace,) = seq2seq.beam_search(
        model, SOURCE, LENGTH, BOS, EOS, 4, beam_size=3, alpha=1000.0, trace=True
    )
    finished = trace[-1].finished
    assert finished and all(math.isfinite(h.score) and h.score <= 0 for h in finished)
    assert best == [t for t in max(finished, key=lambda h: h.score).tokens if t != EOS]


def test_a_beam_wider_than_the_vocabulary_is_exhaustive():
    model = make_model(seed=2)
    tokens, _ = seq2seq.exhaustive_search(model, SOURCE, LENGTH, BOS, EOS, 2)
    for K in (VT, VT + 1, 4 * VT):  # fewer candidates than beams at the first step
        assert seq2seq.beam_search(model, SOURCE, LENGTH, BOS, EOS, 2, beam_size=K) == [tokens]


def test_a_batch_of_one_decodes_as_in_a_batch():
    model = make_model(attention=True, seed=0)
    both = seq2seq.greedy_decode(model, SRC, SRC_LEN, BOS, EOS, 4)
    one = [seq2seq.greedy_decode(model, SRC[i : i + 1], SRC_LEN[i : i + 1], BOS, EOS, 4)[0]
           for i in range(2)]  # fmt: skip
    assert one == both


def test_a_chapters_own_decoder_is_checked_against_the_data_by_its_layers():
    """An encoder and decoder without ``vocab_size`` (as chapter 7 writes them) are checked by
    their embedding's input and their output layer's units."""
    from d2lrnn import translation

    pairs = [(f"{a} {b} .", f"{b} {a} !") for a in "abcde" for b in "fghij"]
    data = translation.translation_data(pairs, max_len=3, min_freq=1, num_val=2, num_test=2)
    model = EncoderDecoder(Encoder(len(data.src_vocab), 4, 8), Decoder(10, 4, 8))
    gluon_adapter.initialize(model)
    del model.decoder.vocab_size  # now only its output layer says how many words it knows
    assert seq2seq._vocab_size(model.decoder, "output") == 10
    match = (
        f"target vocabulary of {len(data.tgt_vocab)} tokens, got a model whose target side takes 10"
    )
    with pytest.raises(ValueError, match=match):
        seq2seq.translate(model, data, ["a f ."])


# ---------------------------------------------------------- the masked bidirectional encoder

# Three sources of 5, 2 and 4 tokens, padded to 6 with 1.
BI_SRC = np.array([[2, 3, 4, 5, 2, 1], [4, 2, 1, 1, 1, 1], [5, 5, 3, 2, 1, 1]], dtype=np.int32)
BI_LEN = np.array([5, 2, 4], dtype=np.int32)


def bi_encoder(read_padding=False, seed=0) -> seq2seq.BidirectionalEncoder:
    d2lrnn.seed(seed)
    encoder = seq2seq.BidirectionalEncoder(VS, E, H, read_padding=read_padding)
    gluon_adapter.initialize(encoder)
    encoder(mi(BI_SRC[:1]), mi(BI_LEN[:1]))
    rng = np.random.default_rng(seed)
    for p in encoder.collect_params().values():
        p.set_data(mnp.array(rng.normal(0, 0.5, p.shape), dtype=p.dtype))
    return encoder


def test_reverse_valid_reverses_the_real_steps_only():
    x = mnp.array(np.arange(6 * 3 * 2).reshape(6, 3, 2), dtype="float32")
    out = seq2seq.reverse_valid(x, mi(BI_LEN)).asnumpy()
    ref = x.asnumpy().copy()
    for n, m in enumerate(BI_LEN):
        ref[:m, n] = x.asnumpy()[:m, n][::-1]
    np.testing.assert_array_equal(out, ref)  # the padding stays where it was
    np.testing.assert_array_equal(seq2seq.reverse_valid(mnp.array(out), mi(BI_LEN)), x)
    from d2lrnn.translation import reversed_sources  # the NumPy counterpart, on indices

    tokens = seq2seq.reverse_valid(mnp.array(BI_SRC.T[:, :, None], dtype="float32"), mi(BI_LEN))
    np.testing.assert_array_equal(tokens.asnumpy()[:, :, 0].T, reversed_sources(BI_SRC, BI_LEN))


def test_each_padded_source_is_encoded_as_if_alone():
    encoder = bi_encoder()
    outputs, state = (a.asnumpy() for a in encoder(mi(BI_SRC), mi(BI_LEN)))
    assert outputs.shape == (6, 3, H) and state.shape == (3, H)
    h = H // 2
    for n, m in enumerate(BI_LEN):
        alone_out, alone_state = (a.asnumpy() for a in encoder(mi(BI_SRC[n : n + 1, :m]), mi([m])))
        np.testing.assert_allclose(outputs[:m, n], alone_out[:, 0], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(state[n], alone_state[0], rtol=1e-5, atol=1e-6)
        # The state is [forward at the last real token, backward at the first].
        np.testing.assert_array_equal(state[n, :h], outputs[m - 1, n, :h])
        np.testing.assert_array_equal(state[n, h:], outputs[0, n, h:])
    other = BI_SRC.copy()
    other[1, 2:], other[2, 4:] = [3, 0, 5, 2], [4, 0]  # other tokens in the padding
    again, again_state = encoder(mi(other), mi(BI_LEN))
    for n, m in enumerate(BI_LEN):
        np.testing.assert_array_equal(again.asnumpy()[:m, n], outputs[:m, n])
    np.testing.assert_array_equal(again_state.asnumpy(), state)


def test_the_bidirectional_encoder_equals_gluons_bidirectional_gru_on_each_sentence():
    from mxnet.gluon import rnn

    from d2lrnn import deep, weights

    encoder = bi_encoder(seed=1)
    gluon_gru = rnn.GRU(H // 2, bidirectional=True, input_size=E)
    gluon_gru.initialize()
    weights.copy_weights(deep.Bidirectional(encoder.forward_rnn, encoder.backward_rnn), gluon_gru)
    outputs = encoder(mi(BI_SRC), mi(BI_LEN))[0].asnumpy()
    for n, m in enumerate(BI_LEN):
        emb = encoder.embedding(mi(BI_SRC[n : n + 1, :m]).T)  # (m, 1, E), the sentence alone
        np.testing.assert_allclose(
            outputs[:m, n], gluon_gru(emb).asnumpy()[:, 0], rtol=1e-5, atol=1e-6
        )


def test_reading_the_padding_changes_the_padded_sources_only():
    masked, reading = bi_encoder(), bi_encoder(read_padding=True)  # the same weights
    out_m, state_m = (a.asnumpy() for a in masked(mi(BI_SRC), mi(BI_LEN)))
    out_r, state_r = (a.asnumpy() for a in reading(mi(BI_SRC), mi(BI_LEN)))
    h = H // 2
    for n, m in enumerate(BI_LEN):
        np.testing.assert_array_equal(out_r[:m, n, :h], out_m[:m, n, :h])  # forward: the same
        # backward: it read the padding first, so every one of its states differs
        assert np.abs(out_r[:m, n, h:] - out_m[:m, n, h:]).min(axis=-1).max() > 0
        assert np.abs(out_r[0, n, h:] - out_m[0, n, h:]).max() > 1e-3
        np.testing.assert_array_equal(state_r[n, :h], out_r[-1, n, :h])  # after the padding


@pytest.mark.parametrize("attention", [False, True])
def test_a_model_with_the_bidirectional_encoder_trains_and_decodes(attention):
    d2lrnn.seed(0)
    decoder = AttentionDecoder(VT, E, H, attention_size=8) if attention else Decoder(VT, E, H)
    model = EncoderDecoder(seq2seq.BidirectionalEncoder(VS, E, H), decoder)
    gluon_adapter.initialize(model)
    tgt_in = mi([[BOS, 4, 0], [BOS, 1, 4], [BOS, 4, 4]])
    tgt_out, tgt_len = mi([[4, 0, EOS], [1, 4, EOS], [4, EOS, PAD]]), mi([3, 3, 2])
    trainer = mx.gluon.Trainer(model.collect_params(), "adam", {"learning_rate": 0.05})
    losses = []
    for _ in range(30):
        with autograd.record():
            loss = seq2seq.masked_cross_entropy(
                model(mi(BI_SRC), mi(BI_LEN), tgt_in), tgt_out, tgt_len
            )
        loss.backward()
        trainer.step(1)
        losses.append(float(loss))
    assert losses[-1] < 0.2 * losses[0]  # it fits three pairs: gradients reach both directions
    out = seq2seq.greedy_decode(model, BI_SRC, BI_LEN, BOS, EOS, 4)
    assert out == [[4, 0], [1, 4], [4]]


# ------------------------------------------------------------------ attention you can see


def attention_setup():
    from d2lrnn import translation

    pairs = [(f"{a} {b} .", f"{b} {a} !") for a in "abcde" for b in "fghij"]
    data = translation.translation_data(pairs, max_len=3, min_freq=1, num_val=2, num_test=2)
    d2lrnn.seed(0)
    model = EncoderDecoder(
        seq2seq.BidirectionalEncoder(len(data.src_vocab), 4, 8),
        AttentionDecoder(len(data.tgt_vocab), 4, 8, attention_size=4),
    )
    gluon_adapter.initialize(model)
    model(mi(data.train.src[:1]), mi(data.train.src_len[:1]), mi(data.train.tgt_in[:1]))
    rng = np.random.default_rng(0)
    for p in model.collect_params().values():  # peaked attention, varied translations
        p.set_data(mnp.array(rng.normal(0, 1.5, p.shape), dtype=p.dtype))
    return model, data


def test_attention_maps_are_the_weights_behind_each_greedy_choice():
    model, data = attention_setup()
    sentences = ["A f.", "b  g", "zebra j !"]  # raw text; 'zebra' and '!' are unknown
    maps = seq2seq.attention_maps(model, data, sentences)
    assert [m.sentence for m in maps] == ["a f .", "b g", "zebra j !"]
    assert maps[2].source == ["<unk>", "j", "<unk>"] and maps[1].source == ["b", "g"]
    for m, translation_ in zip(maps, seq2seq.translate(model, data, sentences)):
        assert " ".join(t for t in m.output if t != "<eos>") == translation_
        assert m.weights.shape == (len(m.output), len(m.source))
        np.testing.assert_allclose(m.weights.sum(axis=1), 1.0, rtol=1e-5)
        # The same weights with teacher forcing on the output, all steps at once.
        rows = [data.encode_source(m.sentence)]
        tgt_in = [data.tgt_vocab["<bos>"]] + data.tgt_vocab[m.output[:-1]]
        with autograd.predict_mode():
            model(mi(rows[0][0]), mi([rows[0][1]]), mi([tgt_in]))
        forced = model.decoder.last_weights.asnumpy()[:, 0, : len(m.source)]
        np.testing.assert_allclose(m.weights, forced, rtol=1e-5, atol=1e-6)
    assert max(np.abs(a.weights[0] - a.weights[-1]).max() for a in maps) > 0.05  # it moves


def test_the_heat_map_shows_the_map():
    import matplotlib.pyplot as plt

    from d2lrnn import plot

    model, data = attention_setup()
    (m,) = seq2seq.attention_maps(model, data, ["a f ."])
    ax = plot.attention_heatmap(m)
    image = ax.get_images()[0]
    np.testing.assert_array_equal(image.get_array(), m.weights)
    assert [t.get_text() for t in ax.get_xticklabels()] == m.source
    assert [t.get_text() for t in ax.get_yticklabels()] == m.output
    plt.close(ax.figure)


def _tiny_translation_setup():
    from d2lrnn import translation

    pairs = [(f"{a} {b} .", f"{b} {a} !") for a in "abcde" for b in "fghij"]
    data = translation.translation_data(pairs, max_len=3, min_freq=1, num_val=2, num_test=2)
    d2lrnn.seed(0)
    model = EncoderDecoder(Encoder(len(data.src_vocab), 4, 8), Decoder(len(data.tgt_vocab), 4, 8))
    gluon_adapter.initialize(model)
    return model, data


@pytest.fixture
def decoders(monkeypatch):
    """Record how translate calls the two decoders (each returns no tokens)."""
    calls = []

    def greedy(model, src, src_len, bos, eos, max_len, device=None):
        calls.append(("greedy", len(src), max_len))
        return [[] for _ in src]

    def beam(model, src, src_len, bos, eos, max_len, beam_size=4, alpha=0.0, device=None):
        calls.append(("beam", len(src), max_len, beam_size, alpha))
        return [[] for _ in src]

    monkeypatch.setattr(seq2seq, "greedy_decode", greedy)
    monkeypatch.setattr(seq2seq, "beam_search", beam)
    return calls


def test_translate_is_greedy_by_default_in_batches_of_256(decoders):
    model, data = _tiny_translation_setup()
    assert seq2seq.translate(model, data, ["a f ."] * 300) == [""] * 300
    assert decoders == [("greedy", 256, 4), ("greedy", 44, 4)]  # max_len + 1 tokens at most


def test_translate_hands_the_beam_and_the_length_penalty_to_beam_search(decoders):
    model, data = _tiny_translation_setup()
    seq2seq.translate(model, data, ["a f .", "b g ."], beam_size=3, batch_size=1)
    seq2seq.translate(model, data, ["a f ."], beam_size=2, alpha=0.7)
    assert decoders == [("beam", 1, 4, 3, 0.0), ("beam", 1, 4, 3, 0.0), ("beam", 1, 4, 2, 0.7)]


def test_translate_refuses_what_is_not_a_list_of_sentences_and_a_negative_alpha():
    model, data = _tiny_translation_setup()
    with pytest.raises(TypeError, match=r"^sentences must be a non-empty list of str"):
        seq2seq.translate(model, data, (s for s in ["a f ."]))
    with pytest.raises(ValueError, match=r"^alpha must be a finite number >= 0, got -1"):
        seq2seq.translate(model, data, ["a f ."], alpha=-1)


def test_the_decoders_name_what_is_not_a_model():
    for decode in (seq2seq.greedy_decode, seq2seq.exhaustive_search):
        with pytest.raises(TypeError, match=r"^model must be an EncoderDecoder, got str$"):
            decode("model", SOURCE, LENGTH, BOS, EOS, 3)


def test_exhaustive_search_ranks_by_the_plain_log_probability_by_default():
    model = make_model(seed=0)
    tokens, score = seq2seq.exhaustive_search(model, SOURCE, LENGTH, BOS, EOS, 3)
    assert (tokens, score) == seq2seq.exhaustive_search(model, SOURCE, LENGTH, BOS, EOS, 3, 0.0)
    # The score is the sum of the chosen tokens' log-probabilities, <eos> included if it ended.
    state, y, total = model.begin(mi(SOURCE), mi(LENGTH)), mi([BOS]), 0.0
    for t in tokens + ([EOS] if len(tokens) < 3 else []):
        logp, state = model.step(y, state)
        total += float(logp.asnumpy()[0, t])
        y = mi([t])
    assert score == pytest.approx(total, rel=1e-5) and len(tokens) >= 1


def test_the_length_penalty_in_log_space_keeps_the_value_and_its_sign():
    # alpha log(length) = 1015 log 2 > 700: computed in log space; -2.5 / 2**1015 is ~-7e-306,
    # below pytest.approx's default absolute tolerance, so compared relatively here.
    got = seq2seq._normalized(-2.5, 2, 1015.0)
    assert got < 0 and math.isclose(got, -2.5 / 2**1015.0, rel_tol=1e-12, abs_tol=0.0)
    assert seq2seq._normalized(0.0, 8, 1000.0) == 0.0  # log 0 is not taken


def test_beam_search_defaults_keep_4_beams_and_4_pruned_ranked_by_log_probability():
    model, data = _tiny_translation_setup()
    V = len(data.tgt_vocab)
    assert V > 4 + 4 + 1  # enough candidates to fill the beam and the pruned list
    row, n = data.encode_source("a f .")
    bos, eos = data.tgt_vocab["<bos>"], data.tgt_vocab["<eos>"]
    (best,), (trace,) = seq2seq.beam_search(model, row, np.array([n]), bos, eos, 4, trace=True)
    first = trace[0]
    assert len(first.alive) + len(first.finished) == 4 and len(first.pruned) == 4
    everything = [h for step in trace for h in step.alive + step.pruned + step.finished]
    assert all(h.score == h.log_prob for h in everything)  # alpha = 0: no length penalty


def test_the_decoders_check_the_special_tokens_and_sources_against_the_vocabularies():
    model = make_model()
    # eos and bos must be target tokens, 0 .. VT - 1: both ends are accepted, VT is not.
    for eos in (0, VT - 1):
        seq2seq.greedy_decode(model, SRC, SRC_LEN, BOS, eos, 2)
    for arg, bos, eos in (("bos", VT, EOS), ("eos", BOS, VT)):
        with pytest.raises(ValueError, match=rf"^{arg} must be an int >= 0 and <= {VT - 1}, got"):
            seq2seq.greedy_decode(model, SRC, SRC_LEN, bos, eos, 2)
    # A source index beyond the source vocabulary would be clipped by the embedding.
    src = SRC.copy()
    src[1, 0] = VS
    with pytest.raises(ValueError, match=rf"^src must hold token indices in \[0, {VS}\)"):
        seq2seq.beam_search(model, src, SRC_LEN, BOS, EOS, 2)
    with pytest.raises(TypeError, match=r"^src must hold integers"):
        seq2seq.greedy_decode(model, SRC.astype(np.float32), SRC_LEN, BOS, EOS, 2)
    with pytest.raises(ValueError, match=r"^src_len must be a 1-D array"):
        seq2seq.greedy_decode(model, SRC, SRC_LEN[:, None], BOS, EOS, 2)


def test_a_sentence_whose_beam_has_finished_is_no_longer_extended():
    """Two sentences decoded together: once K hypotheses of one have finished, its trace
    stops, while the other's goes on."""
    uneven = 0
    for seed in range(6):
        model = make_model(seed=seed)
        _, traces = seq2seq.beam_search(model, SRC, SRC_LEN, BOS, EOS, 6, beam_size=2, trace=True)
        for trace in traces:
            done = [i for i, step in enumerate(trace) if len(step.finished) >= 2]
            assert not done or done[0] == len(trace) - 1
        uneven += len(traces[0]) != len(traces[1])
    assert uneven  # some seed ends one sentence before the other
