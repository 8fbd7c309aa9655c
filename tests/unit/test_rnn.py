"""The from-scratch RNN layer against gluon's, the language model, training and clipping."""

import math

import mxnet as mx
import numpy as np
import pytest
from mxnet import autograd, gluon
from mxnet import np as mnp
from mxnet.gluon import rnn

import d2lrnn
from d2lrnn import batches, layers, lm, train

KINDS = {
    "rnn-tanh": (
        lambda h, d: layers.RNNScratch(h, d, "tanh", sigma=0.5),
        lambda h, d: rnn.RNN(h, activation="tanh", input_size=d),
    ),
    "rnn-relu": (
        lambda h, d: layers.RNNScratch(h, d, "relu", sigma=0.5),
        lambda h, d: rnn.RNN(h, activation="relu", input_size=d),
    ),
    "lstm": (
        lambda h, d: layers.LSTMScratch(h, d, sigma=0.5),
        lambda h, d: rnn.LSTM(h, input_size=d),
    ),
    "gru": (lambda h, d: layers.GRUScratch(h, d, sigma=0.5), lambda h, d: rnn.GRU(h, input_size=d)),
}


def pair(kind, T=7, N=3, d=5, h=4, seed=0):
    d2lrnn.seed(seed)
    make_scratch, make_ref = KINDS[kind]
    scratch = make_scratch(h, d)
    scratch.initialize()
    scratch.b_h.set_data(mnp.random.normal(size=scratch.b_h.shape))
    if kind == "gru":
        scratch.b_hn.set_data(mnp.random.normal(size=(h,)))
    ref = make_ref(h, d)
    ref.initialize()
    layers.copy_to_gluon(scratch, ref)
    X = mnp.random.normal(size=(T, N, d))
    states = [mnp.random.normal(size=(1, N, h)) for _ in range(scratch.num_states)]
    return scratch, ref, X, states


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_scratch_equals_gluon_outputs_and_gradients(kind):
    """Same weights: outputs, final states and every gradient agree within 1e-5."""
    scratch, ref, X, states0 = pair(kind)
    R = mnp.random.normal(size=X.shape[:2] + (4,))  # a random linear loss: O(1) gradients
    results = []
    for layer in (scratch, ref):
        x, states = X.copy(), [s.copy() for s in states0]
        for a in (x, *states):
            a.attach_grad()
        with autograd.record():
            out, final = layer(x, states)
            loss = (out * R).sum() + sum((f * (i + 2)).sum() for i, f in enumerate(final))
        loss.backward()
        results.append([out, *final, x.grad, *[s.grad for s in states]])
    for a, b in zip(*results):
        assert float(mnp.abs(a - b).max()) < 1e-5
    g = ref.collect_params()
    pre = ref.prefix + "l0_"
    pairs = [
        (scratch.W_xh.grad(), g[pre + "i2h_weight"].grad().T),
        (scratch.W_hh.grad(), g[pre + "h2h_weight"].grad().T),
        (scratch.b_h.grad(), g[pre + "i2h_bias"].grad()),
    ]
    if kind == "gru":
        pairs.append((scratch.b_hn.grad(), g[pre + "h2h_bias"].grad()[8:]))
    for a, b in pairs:
        assert float(mnp.abs(a - b).max()) < 1e-5


def test_copy_to_gluon_rejects_mismatched_layers():
    with pytest.raises(ValueError, match="differ in kind or size"):
        layers.copy_to_gluon(pair("lstm")[0], rnn.GRU(4, input_size=5))
    with pytest.raises(ValueError, match="one-layer, one-direction"):
        layers.copy_to_gluon(pair("rnn-tanh")[0], rnn.RNN(4, num_layers=2, input_size=5))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_copy_from_gluon_is_the_inverse(kind):
    scratch, ref, X, states = pair(kind)
    for p in ref.collect_params().values():  # gluon's own weights, both biases nonzero
        p.set_data(mnp.random.normal(size=p.shape))
    back = KINDS[kind][0](4, 0)  # input size inferred from gluon's weights
    back.initialize()
    layers.copy_from_gluon(ref, back)
    out_ref, st_ref = ref(X, states)
    out_back, st_back = back(X, states)
    np.testing.assert_allclose(out_back.asnumpy(), out_ref.asnumpy(), atol=1e-5)
    for a, b in zip(st_back, st_ref):
        np.testing.assert_allclose(a.asnumpy(), b.asnumpy(), atol=1e-5)


@pytest.mark.parametrize("embed_size", [None, 5])
@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_copy_weights_between_language_models_both_ways(kind, embed_size):
    make_scratch, make_ref = KINDS[kind]
    X = mnp.array(np.random.default_rng(0).integers(0, 11, (3, 6)), dtype="int32")
    for direction in ("to gluon", "from gluon"):
        scratch = lm.RNNLM(make_scratch(8, 0), 11, embed_size)
        concise = lm.RNNLM(make_ref(8, embed_size or 11), 11, embed_size)
        scratch.initialize()
        concise.initialize(mx.init.Normal(0.5))
        source, target = (scratch, concise) if direction == "to gluon" else (concise, scratch)
        lm.copy_weights(source, target)
        np.testing.assert_allclose(
            target(X)[0].asnumpy(), source(X)[0].asnumpy(), atol=1e-5, err_msg=direction
        )


def test_copy_weights_bad_arguments():
    a = lm.RNNLM(layers.GRUScratch(4), 7)
    with pytest.raises(ValueError, match="differ in vocab_size or embed_size"):
        lm.copy_weights(a, lm.RNNLM(rnn.GRU(4), 8))
    b, c = lm.RNNLM(rnn.GRU(4), 7), lm.RNNLM(rnn.GRU(4), 7)
    for m in (b, c):
        m.initialize()
    with pytest.raises(ValueError, match="one of the models must have a recurrent layer"):
        lm.copy_weights(b, c)


def test_copy_from_gluon_rejects_mismatched_layers():
    ref = rnn.LSTM(4, input_size=5)
    ref.initialize()
    with pytest.raises(ValueError, match="the layers differ in kind or size"):
        layers.copy_from_gluon(ref, layers.GRUScratch(4, 5))
    wrong_input = layers.LSTMScratch(4, 6)
    wrong_input.initialize()
    with pytest.raises(ValueError, match="the layers differ in input size"):
        layers.copy_from_gluon(ref, wrong_input)
    deep = rnn.LSTM(4, num_layers=2, input_size=5)
    deep.initialize()
    with pytest.raises(ValueError, match="one-layer, one-direction"):
        layers.copy_from_gluon(deep, layers.LSTMScratch(4, 5))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_scratch_call_signature_matches_gluon(kind):
    scratch, ref, X, _ = pair(kind)
    for layer in (scratch, ref):
        out = layer(X)
        assert out.shape == (7, 3, 4)
        out, states = layer(X, layer.begin_state(batch_size=3))
        assert (
            isinstance(states, list)
            and [s.shape for s in states] == [(1, 3, 4)] * scratch.num_states
        )
    # No state means the zero state.
    np.testing.assert_allclose(
        scratch(X).asnumpy(), scratch(X, scratch.begin_state(3))[0].asnumpy(), atol=0
    )


def test_scratch_infers_input_size():
    layer = layers.RNNScratch(6)
    layer.initialize()
    assert layer(mnp.ones((2, 3, 11))).shape == (2, 3, 6)
    assert layer.W_xh.shape == (11, 6)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"hidden_size": 0}, "hidden_size must be an int >= 1, got 0"),
        ({"hidden_size": 4.0}, "hidden_size must be an int"),
        ({"hidden_size": 4, "input_size": -1}, "input_size must be an int >= 0"),
        ({"hidden_size": 4, "activation": "sigmoid"}, "activation must be one of"),
    ],
)
def test_scratch_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.RNNScratch(**kwargs)


@pytest.mark.parametrize("cls", [layers.LSTMScratch, layers.GRUScratch])
def test_gated_bad_arguments_and_states(cls):
    with pytest.raises(ValueError, match="hidden_size must be an int >= 1, got 0"):
        cls(0)
    layer = cls(4)
    layer.initialize()
    with pytest.raises(ValueError, match=f"states must hold {layer.num_states} arrays, got 3"):
        layer(mnp.ones((2, 3, 5)), [mnp.zeros((1, 3, 4))] * 3)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_trace_records_the_gates_that_produce_the_outputs(kind):
    scratch, _, X, states = pair(kind)
    outputs, _ = scratch(X, states)
    trace = scratch.trace(X, states)
    names = {
        "lstm": {"input", "forget", "candidate", "output"},
        "gru": {"reset", "update", "candidate"},
    }
    assert set(trace) == names[kind] | ({"H", "C"} if kind == "lstm" else {"H"})
    for value in trace.values():
        assert value.shape == (7, 3, 4)
    np.testing.assert_allclose(trace["H"].asnumpy(), outputs.asnumpy(), atol=1e-6)
    g = {k: v.asnumpy() for k, v in trace.items()}
    for name in names[kind] - {"candidate"}:  # sigmoid gates lie in (0, 1)
        assert np.all((g[name] > 0) & (g[name] < 1))
    H0 = states[0].asnumpy()[0]
    H_prev = np.concatenate([H0[None], g["H"][:-1]])
    if kind == "gru":  # H_t = (1 - Z) N + Z H_{t-1}
        np.testing.assert_allclose(
            g["H"], (1 - g["update"]) * g["candidate"] + g["update"] * H_prev, atol=1e-6
        )
    else:  # C_t = f C_{t-1} + i g; H_t = o tanh(C_t)
        C = states[1].asnumpy()[0]
        for t in range(7):
            C = g["forget"][t] * C + g["input"][t] * g["candidate"][t]
            np.testing.assert_allclose(g["C"][t], C, atol=1e-6)
            np.testing.assert_allclose(g["H"][t], g["output"][t] * np.tanh(C), atol=1e-6)


def test_trace_needs_gates():
    layer = layers.RNNScratch(4)
    layer.initialize()
    with pytest.raises(TypeError, match="RNNScratch has no gates"):
        layer.trace(mnp.ones((2, 3, 5)))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_token_indices_equal_one_hot_inputs(kind):
    """Indices ``(T, N)`` give the outputs, states, trace and every gradient of their one-hot."""
    scratch, _, _, states0 = pair(kind, d=6)
    idx = mnp.array(np.random.default_rng(1).integers(0, 6, (7, 3)), dtype="int32")
    R = mnp.random.normal(size=(7, 3, 4))
    results = []
    for x in (mx.npx.one_hot(idx, 6), idx):
        states = [s.copy() for s in states0]
        with autograd.record():
            out, final = scratch(x, states)
            loss = (out * R).sum() + sum((f * (i + 2)).sum() for i, f in enumerate(final))
        loss.backward()
        grads = [p.grad().copy() for p in scratch.collect_params().values()]
        results.append([out, *final, *grads])
        if kind in ("lstm", "gru"):
            results[-1].extend(scratch.trace(x, states0).values())
    assert len(results[0]) == len(results[1])
    for a, b in zip(*results):
        assert a.shape == b.shape
        assert float(mnp.abs(a - b).max()) < 1e-5


def test_token_indices_need_the_input_size():
    layer = layers.RNNScratch(4)
    layer.initialize()
    X = mnp.zeros((3, 2), dtype="int32")
    with pytest.raises(ValueError, match="token indices .* need the layer's input_size"):
        layer(X)
    layer.set_input_size(9)
    assert layer(X).shape == (3, 2, 4) and layer.W_xh.shape == (9, 4)
    layer.set_input_size(9)  # the same size again is fine
    with pytest.raises(ValueError, match="input_size must be the layer's input size 9, got 8"):
        layer.set_input_size(8)
    with pytest.raises(ValueError, match="input_size must be an int >= 1, got 0"):
        layer.set_input_size(0)


@pytest.mark.parametrize("shape", [(5,), (2, 3, 4, 5)])
def test_scratch_rejects_inputs_of_other_ranks(shape):
    layer = layers.RNNScratch(4)
    layer.initialize()
    with pytest.raises(ValueError, match="inputs must be \\(num_steps, batch_size, input_size\\)"):
        layer(mnp.ones(shape))
    with pytest.raises(ValueError, match="or token indices"):
        layer.trace(mnp.ones(shape))


def test_language_model_gives_scratch_layers_indices():
    """``RNNLM`` fixes a scratch layer's input size to V and passes it the token indices."""
    model = lm.RNNLM(layers.RNNScratch(4), 11)
    assert model.rnn.W_xh.shape == (11, 4)
    X = mnp.array([[1, 2, 3]], dtype="int32")
    assert model.encode(X).shape == (3, 1)
    assert lm.RNNLM(rnn.RNN(4), 11).encode(X).shape == (3, 1, 11)
    embedded = lm.RNNLM(layers.RNNScratch(4), 11, embed_size=5)
    embedded.initialize()
    assert embedded.encode(X).shape == (3, 1, 5)
    with pytest.raises(ValueError, match="input_size must be the layer's input size 6, got 11"):
        lm.RNNLM(layers.RNNScratch(4, input_size=6), 11)


@pytest.mark.parametrize(
    "make_layer",
    [
        lambda: layers.RNNScratch(8),
        lambda: rnn.RNN(8),
        lambda: layers.LSTMScratch(8),
        lambda: layers.GRUScratch(8),
    ],
)
@pytest.mark.parametrize("embed_size", [None, 6])
def test_language_model_shapes(make_layer, embed_size):
    model = lm.RNNLM(make_layer(), vocab_size=10, embed_size=embed_size)
    model.initialize()
    X = mnp.array(np.random.default_rng(0).integers(0, 10, (4, 5)), dtype="int32")
    logits, state = model(X)
    assert logits.shape == (5, 4, 10)
    assert state[0].shape == (1, 4, 8)
    logits2, _ = model(X, state)
    assert logits2.shape == (5, 4, 10)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"vocab_size": 0}, "vocab_size must be an int >= 1"),
        ({"vocab_size": 5, "embed_size": 0}, "embed_size must be None"),
    ],
)
def test_language_model_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        lm.RNNLM(layers.RNNScratch(4), **kwargs)


def test_language_model_rejects_3d_input():
    model = lm.RNNLM(rnn.RNN(4), 5)
    model.initialize()
    with pytest.raises(ValueError, match="X must be \\(batch_size, num_steps\\)"):
        model(mnp.zeros((2, 3, 4), dtype="int32"))


def test_uniform_model_has_perplexity_vocab_size():
    model = lm.RNNLM(rnn.RNN(4), 7)
    model.initialize()
    corpus = np.random.default_rng(0).integers(0, 7, 200)
    b = batches.SeqBatches(corpus, 2, 5)
    model(mnp.zeros((2, 5), dtype="int32"))
    model.output.weight.set_data(mnp.zeros_like(model.output.weight.data()))
    model.output.bias.set_data(mnp.zeros_like(model.output.bias.data()))
    assert train.evaluate_lm(model, b) == pytest.approx(7, rel=1e-5)


def grads_of(*arrays):
    return [mnp.array(a, dtype="float32") for a in arrays]


def test_clipping_caps_the_norm_and_keeps_the_direction():
    g = grads_of([3.0, 4.0], [[12.0]])  # ||g|| = 13
    before = train.clip_gradients(g, 1.0)
    assert before == pytest.approx(13.0)
    assert train.grad_norm(g) == pytest.approx(1.0, rel=1e-6)
    np.testing.assert_allclose(g[0].asnumpy(), np.array([3, 4]) / 13, rtol=1e-6)


def test_clipping_leaves_small_gradients_and_no_threshold_alone():
    g = grads_of([0.3, 0.4])
    assert train.clip_gradients(g, 1.0) == pytest.approx(0.5)
    np.testing.assert_array_equal(g[0].asnumpy(), np.float32([0.3, 0.4]))
    big = grads_of([30.0, 40.0])
    assert train.clip_gradients(big, None) == pytest.approx(50)
    np.testing.assert_array_equal(big[0].asnumpy(), np.float32([30, 40]))
    with pytest.raises(ValueError, match="theta must be None \\(no clipping\\) or > 0, got 0"):
        train.clip_gradients(big, 0)


class Spy(gluon.Block):
    """Wraps a language model and records whether each call got a state."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        self.got_state = []

    def forward(self, X, state=None):
        self.got_state.append(state is not None and not state[0].asnumpy().any() == 0)
        return self.model(X, state)


def small_corpus(n=3000, V=12):
    return np.random.default_rng(1).integers(0, V, n), V


@pytest.mark.parametrize("sampling, carried", [("sequential", True), ("random", False)])
def test_state_is_carried_only_for_sequential_batches(sampling, carried):
    corpus, V = small_corpus()
    spy = Spy(lm.RNNLM(rnn.RNN(8), V))
    b = batches.SeqBatches(corpus, 4, 10, sampling)
    train.train_lm(spy, b, None, num_epochs=1, lr=0.5, progress="none")
    train_calls = spy.got_state[: len(b)]
    assert train_calls[0] is False  # each epoch starts from the zero state
    assert all(s is carried for s in train_calls[1:])


def test_carried_state_is_detached():
    """The next minibatch gets the previous final state's values, but as a detached copy."""
    corpus, V = small_corpus()
    model = lm.RNNLM(layers.RNNScratch(8), V)
    returned, received = [], []
    original = model.rnn.forward

    def forward(inputs, states=None):
        if states is not None:
            received.append(states[0])
        out = original(inputs, states)
        if states is not None:
            returned.append(out[1][0])
        return out

    model.rnn.forward = forward
    train.train_lm(model, batches.SeqBatches(corpus, 4, 10), None, num_epochs=1, progress="none")
    # received[0] is the zero state of the first minibatch; received[i + 1] follows returned[i].
    pairs = list(zip(returned, received[1:]))
    assert pairs
    for out, nxt in pairs:
        assert nxt is not out
        np.testing.assert_array_equal(nxt.asnumpy(), out.asnumpy())


@pytest.mark.parametrize("optimizer, lr", [("sgd", 1.0), ("adam", 0.01)])
def test_training_lowers_the_loss(optimizer, lr):
    # A corpus with structure: a repeated pattern is easy to predict.
    V = 6
    corpus = np.tile(np.arange(V), 400)
    d2lrnn.seed(0)
    model = lm.RNNLM(layers.RNNScratch(16), V)
    train_b = batches.SeqBatches(corpus[:1800], 8, 12)
    val_b = batches.SeqBatches(corpus[1800:], 4, 12)
    model.initialize()
    untrained = train.evaluate_lm(model, val_b)
    h = train.train_lm(
        model, train_b, val_b, num_epochs=8, lr=lr, optimizer=optimizer, progress="none"
    )
    assert len(h.train_ppl) == len(h.val_ppl) == len(h.tokens_per_sec) == 8
    assert len(h.grad_norms) == len(h.losses) == 8 * len(train_b)
    assert untrained > V - 1 and h.val_ppl[-1] < 1.5
    assert h.speed > 0 and h.tokens == 8 * len(train_b) * 8 * 12


def test_clipping_bounds_every_update_during_training():
    corpus, V = small_corpus()
    d2lrnn.seed(0)
    model = lm.RNNLM(rnn.RNN(16), V)
    b = batches.SeqBatches(corpus, 4, 10)
    model.initialize()
    model(mnp.zeros((4, 10), dtype="int32"))
    before = {k: p.data().copy() for k, p in model.collect_params().items()}
    lr, theta = 0.5, 1e-3
    h = train.train_lm(model, b, None, num_epochs=1, lr=lr, clip=theta, progress="none")
    # After one epoch of len(b) steps, no parameter moved more than lr * theta per step.
    moved = math.sqrt(
        sum(float(((p.data() - before[k]) ** 2).sum()) for k, p in model.collect_params().items())
    )
    assert moved <= lr * theta * len(b) * (1 + 1e-4)
    assert max(h.grad_norms) > theta  # the threshold was really hit


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"optimizer": "rmsprop"}, ValueError, "optimizer must be 'sgd' or 'adam'"),
        ({"lr": 0}, ValueError, "lr must be > 0, got 0"),
        ({"clip": -1}, ValueError, "clip must be None \\(no clipping\\) or > 0"),
        ({"num_epochs": 0}, ValueError, "num_epochs must be an int >= 1"),
        ({"progress": "loud"}, ValueError, "progress must be one of"),
        ({"train_batches": [(1, 2)]}, TypeError, "train_batches must be a SeqBatches"),
    ],
)
def test_train_bad_arguments(kwargs, exc, match):
    corpus, V = small_corpus()
    args = {
        "model": lm.RNNLM(rnn.RNN(4), V),
        "train_batches": batches.SeqBatches(corpus, 4, 10),
        "progress": "none",
        **kwargs,
    }
    with pytest.raises(exc, match=match):
        train.train_lm(**args)


def test_text_progress_prints_one_line_per_epoch(capsys):
    corpus, V = small_corpus()
    train.train_lm(
        lm.RNNLM(rnn.RNN(4), V), batches.SeqBatches(corpus, 4, 10), None, 3, progress="text"
    )
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and lines[-1].startswith("epoch 3/3, train perplexity")


def test_window_batches_match_d2l_windows():
    corpus = np.arange(100)
    X, Y = batches.overlapping_windows(corpus, 5, start=10, count=20)
    assert X.shape == (20, 5) and X[0].tolist() == [10, 11, 12, 13, 14]
    np.testing.assert_array_equal(Y, X + 1)
    wb = batches.WindowBatches(X, Y, 8, shuffle=True, seed=0)
    got = list(wb)
    assert [len(x) for x, _ in got] == [8, 8, 4] and len(wb) == 3
    assert sorted(np.concatenate([x[:, 0] for x, _ in got]).tolist()) == list(range(10, 30))
    with pytest.raises(ValueError, match="do not fit"):
        batches.overlapping_windows(corpus, 5, start=90, count=20)
    with pytest.raises(ValueError, match="X and Y must be non-empty"):
        batches.WindowBatches(X, Y[:, :2], 4)


def test_default_device_is_used():
    assert d2lrnn.default_device() in (mx.cpu(), mx.gpu(0))


@pytest.mark.parametrize(
    "make_layer, out_state",
    [
        (lambda: rnn.LSTM(8), [(1, 4, 8), (1, 4, 8)]),
        (lambda: rnn.GRU(8, num_layers=2), [(2, 4, 8)]),
        (lambda: rnn.RNN(8, bidirectional=True), [(2, 4, 8)]),
    ],
)
def test_language_model_takes_any_gluon_recurrent_layer(make_layer, out_state):
    """LSTM (two state arrays), deep and bidirectional layers plug into the same wrapper."""
    model = lm.RNNLM(make_layer(), vocab_size=10)
    model.initialize()
    X = mnp.zeros((4, 5), dtype="int32")
    logits, state = model(X)
    assert logits.shape == (5, 4, 10)
    assert [s.shape for s in state] == out_state
    corpus, V = small_corpus(V=10)
    h = train.train_lm(model, batches.SeqBatches(corpus, 4, 10), None, 1, progress="none")
    assert np.isfinite(h.train_ppl[0])


@pytest.mark.parametrize(
    "make_layer",
    [lambda: rnn.LSTM(6), lambda: rnn.GRU(6, num_layers=2), lambda: layers.RNNScratch(6)],
)
@pytest.mark.parametrize("embed_size", [None, 4])
def test_hybridized_language_model_equals_the_imperative_one(make_layer, embed_size):
    """The fast path compiles gluon's blocks; logits, states and gradients stay the same."""
    d2lrnn.seed(0)
    fast = lm.RNNLM(make_layer(), vocab_size=9, embed_size=embed_size)
    slow = lm.RNNLM(make_layer(), vocab_size=9, embed_size=embed_size, hybridize=False)
    for model in (fast, slow):
        model.initialize(mx.init.Normal(0.3))
    X = mnp.array(np.random.default_rng(1).integers(0, 9, (5, 7)), dtype="int32")
    for model in (fast, slow):
        model(X[:1, :1])  # complete deferred shapes
    for p, q in zip(fast.collect_params().values(), slow.collect_params().values()):
        q.set_data(p.data())
    assert fast.output._active and not slow.output._active
    assert isinstance(fast.rnn, layers.RNNScratch) or fast.rnn._active
    results = []
    for model in (fast, slow):
        with autograd.record():
            logits, state = model(X)
            loss = (logits * logits).sum() + sum((s * s).sum() for s in state)
        loss.backward()
        grads = [p.grad().asnumpy() for p in model.collect_params().values()]
        results.append((logits.asnumpy(), [s.asnumpy() for s in state], grads))
    (l1, s1, g1), (l2, s2, g2) = results
    np.testing.assert_allclose(l1, l2, rtol=1e-5, atol=1e-6)
    for a, b in zip(s1 + g1, s2 + g2):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    # A new batch size (the smaller last minibatch of an epoch) reuses the compiled graph.
    assert fast(X[:2])[0].shape == (7, 2, 9)


def test_cross_entropy_fast_and_exact_forms_equal_gluons_loss():
    d2lrnn.seed(0)
    logits = mnp.random.normal(scale=3, size=(6, 4, 9))
    Y = mnp.array(np.random.default_rng(0).integers(0, 9, (4, 6)), dtype="int32")
    ref_loss = gluon.loss.SoftmaxCrossEntropyLoss()
    results = []
    for f in (
        lambda z: train.cross_entropy(z, Y),
        lambda z: train.cross_entropy(z, Y, fast=False),
        lambda z: ref_loss(z, Y.T).mean(),
    ):
        z = logits.copy()
        z.attach_grad()
        with autograd.record():
            loss = f(z)
        loss.backward()
        results.append((float(loss), z.grad.asnumpy()))
    for value, grad in results[:2]:
        assert value == pytest.approx(results[2][0], rel=1e-6)
        np.testing.assert_allclose(grad, results[2][1], rtol=1e-4, atol=1e-8)


def test_training_redoes_an_underflowing_step_exactly():
    """A target probability below float32's range: the fast form says inf, training does not."""
    V = 5
    model = lm.RNNLM(rnn.RNN(4), V)
    model.initialize()
    model(mnp.zeros((1, 1), dtype="int32"))
    model.output.weight.set_data(mnp.zeros_like(model.output.weight.data()))
    model.output.bias.set_data(mnp.array([200.0, 0, 0, 0, 0]))  # token 0 at 200 nats
    X = mnp.ones((2, 3), dtype="int32")
    logits, _ = model(X)
    assert not math.isfinite(float(train.cross_entropy(logits, X)))
    assert float(train.cross_entropy(logits, X, fast=False)) == pytest.approx(200, rel=1e-4)
    corpus = np.ones(200, dtype=np.int64)  # every target is token 1
    b = batches.SeqBatches(corpus, 2, 3)
    h = train.train_lm(model, b, None, 1, lr=0.1, clip=1.0, progress="none")
    assert h.losses[0] == pytest.approx(200, rel=1e-4)
    assert all(math.isfinite(x) for x in h.losses + h.grad_norms)
    assert h.losses[-1] < h.losses[0]


def test_malloc_keeps_freed_memory_on_glibc():
    import platform

    kept = d2lrnn.keep_freed_memory()
    assert kept is (platform.system() == "Linux" and platform.libc_ver()[0] == "glibc")
