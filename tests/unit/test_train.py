"""The training loops: the language-model loop, ``fit`` for everything else, and their parts."""

import math
import time

import numpy as np
import pytest
from mxnet import autograd, gluon, init
from mxnet import np as mnp
from mxnet.gluon import rnn

import d2lrnn
from d2lrnn import batches, classifiers, gluon_adapter, layers, lm, seq2seq, train
from d2lrnn.batches import ArrayBatches
from d2lrnn.translation import Split, TranslationBatches


def small_corpus(n=3000, V=12):
    return np.random.default_rng(1).integers(0, V, n), V


# ------------------------------------------------------------ language models


def test_uniform_model_has_perplexity_vocab_size():
    model = lm.RNNLM(rnn.RNN(4), 7)
    model.initialize()
    corpus = np.random.default_rng(0).integers(0, 7, 200)
    b = batches.SeqBatches(corpus, 2, 5)
    model(mnp.zeros((2, 5), dtype="int32"))
    model.output.weight.set_data(mnp.zeros_like(model.output.weight.data()))
    model.output.bias.set_data(mnp.zeros_like(model.output.bias.data()))
    assert train.evaluate_lm(model, b) == pytest.approx(7, rel=1e-5)


def by_hand_by_position(model, b, skip=0):
    """Mean loss at each position, by hand: the state carried with sequential batches, from
    zero with random ones; the first ``skip`` minibatches read, not scored."""
    total, count, state = 0.0, 0, None
    for i, (X, Y) in enumerate(b):
        logits, state = model(
            mnp.array(X, dtype="int32"), None if b.sampling == "random" else state
        )
        if i < skip:
            continue
        logp = logits.asnumpy() - np.log(np.exp(logits.asnumpy()).sum(-1, keepdims=True))
        total = total + -np.take_along_axis(logp, Y.T[..., None], -1)[..., 0].sum(1)
        count += len(X)
    return total / count


def test_losses_by_position_average_to_the_perplexity_and_follow_the_sampling():
    d2lrnn.seed(0)
    model = lm.RNNLM(rnn.RNN(8), 7)
    model.initialize()
    corpus = np.random.default_rng(0).integers(0, 7, 400)
    for sampling in ("sequential", "random"):

        def b(sampling=sampling):  # the same windows each time (new offsets every epoch)
            return batches.SeqBatches(corpus, 3, 6, sampling=sampling, seed=1)

        by_position = train.evaluate_lm_by_position(model, b())
        assert by_position.shape == (6,)
        perplexity = train.evaluate_lm(model, b())
        np.testing.assert_allclose(np.exp(by_position.mean()), perplexity, rtol=1e-6)
        np.testing.assert_allclose(by_position, by_hand_by_position(model, b()), rtol=1e-4)
        # a warm-up minibatch is read, not scored (the sequential state after it carried on)
        warm = train.evaluate_lm_by_position(model, b(), warmup_batches=1)
        np.testing.assert_allclose(warm, by_hand_by_position(model, b(), skip=1), rtol=1e-4)
    with pytest.raises(ValueError, match="more minibatches than warmup_batches=99, got 21"):
        train.evaluate_lm_by_position(model, batches.SeqBatches(corpus, 3, 6), warmup_batches=99)


def test_a_loss_beyond_floats_range_is_an_infinite_perplexity_not_an_overflow():
    # A finite mean loss above 709 nats overflows exp(); a confidently wrong model reaches it.
    model = lm.RNNLM(rnn.RNN(4), 7)
    model.initialize()
    corpus = np.zeros(200, dtype=np.int64)  # every target is token 0
    b = batches.SeqBatches(corpus, 2, 5)
    model(mnp.zeros((2, 5), dtype="int32"))
    model.output.weight.set_data(mnp.zeros_like(model.output.weight.data()))
    model.output.bias.set_data(mnp.array([0.0, 1000, 0, 0, 0, 0, 0]))  # token 0: -1000 nats
    assert train.evaluate_lm(model, b) == math.inf
    history = train.train_lm(model, b, b, 1, lr=1e-9, clip=None, progress="none")
    assert history.train_ppl == [math.inf] and history.val_ppl == [math.inf]


class Spy(gluon.Block):
    """Wraps a language model and records whether each call got a state."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        self.got_state = []

    def forward(self, X, state=None):
        self.got_state.append(state is not None and not state[0].asnumpy().any() == 0)
        return self.model(X, state)


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


def test_history_speed_without_time_is_nan():
    assert math.isnan(train.History().speed)
    assert train.History(seconds=2.0, tokens=10).speed == 5.0


def test_clipping_bounds_every_update_during_training():
    corpus, V = small_corpus()
    d2lrnn.seed(0)
    model = lm.RNNLM(rnn.RNN(16), V)
    b = batches.SeqBatches(corpus, 4, 10)
    model.initialize()
    model(mnp.zeros((4, 10), dtype="int32"))
    params = list(model.collect_params().values())
    moves, real_step = [], gluon.Trainer.step

    def step(trainer, *args, **kwargs):  # the size of every update, measured
        before = [p.data().copy() for p in params]
        real_step(trainer, *args, **kwargs)
        moves.append(
            math.sqrt(sum(float(((p.data() - w) ** 2).sum()) for p, w in zip(params, before)))
        )

    lr, theta = 0.5, 1e-3
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(gluon.Trainer, "step", step)
        h = train.train_lm(model, b, None, num_epochs=1, lr=lr, clip=theta, progress="none")
    # SGD moves the weights by lr times the clipped gradient: at most lr * theta at every
    # step, and exactly that where the gradient's norm was above theta.
    assert len(moves) == len(b) == len(h.grad_norms)
    assert max(moves) <= lr * theta * (1 + 1e-4)
    clipped = [m for m, g in zip(moves, h.grad_norms) if g > theta]
    assert clipped and all(m == pytest.approx(lr * theta, rel=1e-3) for m in clipped)


def test_train_lm_takes_array_batches():
    corpus, V = small_corpus(600)
    X = np.stack([corpus[i : i + 8] for i in range(0, 400, 4)])
    Y = np.stack([corpus[i + 1 : i + 9] for i in range(0, 400, 4)])
    model = lm.RNNLM(rnn.GRU(6), V)
    h = train.train_lm(model, ArrayBatches(X, Y, 32), ArrayBatches(X, Y, 64), 2, progress="none")
    assert len(h.losses) == 2 * 4 and len(h.val_ppl) == 2


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (
            {"optimizer": "rmsprop"},
            ValueError,
            r"optimizer must be one of \['sgd', 'adam'\], got 'rmsprop'",
        ),
        ({"lr": 0}, ValueError, "lr must be a finite number > 0, got 0"),
        ({"clip": -1}, ValueError, "clip must be a finite number > 0, got -1"),
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


# ------------------------------------------------------ optimiser and one step


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (
            {"optimizer": "rmsprop"},
            ValueError,
            r"optimizer must be one of \['sgd', 'adam'\], got 'rmsprop'",
        ),
        ({"lr": 0}, ValueError, "lr must be a finite number > 0, got 0"),
        ({"lr": -0.1}, ValueError, "lr must be a finite number > 0, got -0.1"),
        ({"lr": float("nan")}, ValueError, "lr must be a finite number > 0, got nan"),
        ({"lr": float("inf")}, ValueError, "lr must be a finite number > 0, got inf"),
        ({"lr": "0.1"}, TypeError, "lr must be a finite number > 0, got str '0.1'"),
        ({"lr": None}, TypeError, "lr must be a finite number > 0, got NoneType None"),
    ],
)
def test_make_trainer_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        train.make_trainer(gluon.nn.Dense(1), **kwargs)


def test_make_trainer_sets_optimizer_and_rate():
    net = gluon.nn.Dense(1, in_units=2)
    net.initialize()
    for optimizer in train.OPTIMIZERS:
        trainer = train.make_trainer(net, optimizer, np.float32(0.5))
        assert type(trainer.optimizer).__name__.lower() == optimizer
        assert trainer.learning_rate == 0.5


def test_trainable_skips_frozen_parameters():
    net = gluon.nn.Sequential()
    net.add(gluon.nn.Dense(3, in_units=2), gluon.nn.Dense(1, in_units=3))
    assert len(train.trainable(net)) == 4
    net[0].collect_params().setattr("grad_req", "null")
    assert [p.name for p in train.trainable(net)] == [p.name for p in net[1].params.values()]


def test_train_step_clips_then_steps():
    net = gluon.nn.Dense(1, in_units=2, use_bias=False)
    net.initialize(init.Zero())
    trainer = train.make_trainer(net, "sgd", 0.1)
    x = mnp.array([[3.0, 4.0]])
    with autograd.record():
        loss = net(x).sum()  # gradient [3, 4], norm 5
    norm = train.train_step(loss, train.trainable(net), trainer, 1.0, x.ctx)
    assert norm == pytest.approx(5.0)
    np.testing.assert_allclose(net.weight.data().asnumpy(), [[-0.06, -0.08]], rtol=1e-6)
    with autograd.record():
        loss = net(x).sum()
    assert train.train_step(loss, train.trainable(net), trainer, None, x.ctx) == pytest.approx(5)
    np.testing.assert_allclose(net.weight.data().asnumpy(), [[-0.36, -0.48]], rtol=1e-6)


# ------------------------------------------------------------ fit and evaluate


def tagging_data(n=600, T=10, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 5, size=(n, T)).astype(np.int32)
    Y = (np.roll(X, -1, axis=1) == 0).astype(np.int32)  # "the next symbol is 0": needs the future
    return X, Y


def test_fit_learns_a_tagging_task():
    X, Y = tagging_data()
    d2lrnn.seed(0)
    model = classifiers.Tagger(rnn.GRU(16, bidirectional=True), 5, 2)
    fit = train.fit(
        model, ArrayBatches(X[:500], Y[:500], 64, seed=0), 8, lr=0.02, val=(X[500:], Y[500:])
    )
    assert len(fit.val_accuracy) == len(fit.train_loss) == 8
    assert fit.train_loss[-1] < fit.train_loss[0]
    assert fit.val_accuracy[-1] > 0.95


def classification_data(n=300, T=4, seed=0):
    """The class of a sequence is its first symbol: a many-to-one task."""
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 3, size=(n, T)).astype(np.int32)
    return X, X[:, 0].copy()


def test_fit_cross_entropy_history_lengths_and_steps():
    X, y = classification_data()
    d2lrnn.seed(0)
    model = classifiers.SequenceClassifier(rnn.GRU(8), 3, 3)
    data = ArrayBatches(X[:200], y[:200], 50)
    h = train.fit(model, data, 3, lr=0.05, val=(X[200:], y[200:]))
    assert isinstance(h, train.FitHistory)
    assert len(h.train_loss) == len(h.val_loss) == len(h.val_accuracy) == 3
    assert h.steps == [4, 8, 12] and h.seconds > 0
    assert all(0 <= a <= 1 for a in h.val_accuracy)
    scores = train.evaluate(model, X[200:], y[200:])
    assert scores == {"loss": h.val_loss[-1], "accuracy": h.val_accuracy[-1]}


def test_fit_squared_loss_regression():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3)).astype(np.float32)
    Y = (X @ np.float32([1, -1, 2]))[:, None]
    d2lrnn.seed(0)
    net = gluon.nn.Dense(1)
    h = train.fit(net, ArrayBatches(X, Y, 20), 10, "squared", lr=0.05, clip=None, val=(X, Y))
    assert len(h.val_loss) == 10 and h.val_accuracy == []
    assert h.val_loss[-1] < 0.01 * h.val_loss[0]
    mean = 0.5 * np.mean((net(mnp.array(X)).asnumpy() - Y) ** 2)
    assert train.evaluate(net, X, Y, "squared")["loss"] == pytest.approx(mean, rel=1e-5)
    assert set(train.evaluate(net, X, Y, "squared")) == {"loss"}


def test_fit_target_stops_after_the_first_good_epoch():
    X, y = classification_data()
    d2lrnn.seed(0)
    model = classifiers.SequenceClassifier(rnn.GRU(8), 3, 3)
    h = train.fit(model, ArrayBatches(X, y, 30), 30, lr=0.05, val=(X, y), target=0.9)
    assert len(h.val_accuracy) < 30 and h.val_accuracy[-1] >= 0.9
    assert all(a < 0.9 for a in h.val_accuracy[:-1])
    assert len(h.steps) == len(h.train_loss) == len(h.val_accuracy)


def test_fit_is_deterministic_with_a_seed():
    X, Y = tagging_data(120, 6)
    runs = []
    for _ in range(2):
        d2lrnn.seed(3)
        model = classifiers.Tagger(rnn.LSTM(4, bidirectional=True), 5, 2)
        h = train.fit(model, ArrayBatches(X, Y, 16, seed=7), 2, val=(X[:20], Y[:20]))
        runs.append((h.train_loss, h.val_loss, h.val_accuracy))
    assert runs[0] == runs[1]


def test_fit_uses_the_given_initializer_for_new_parameters():
    X, y = classification_data(20)
    model = classifiers.SequenceClassifier(rnn.GRU(3), 3, 3)
    train.fit(
        model, ArrayBatches(X, y, 20), 1, lr=1e-6, val=(X, y), initializer=init.Constant(0.01)
    )
    w = gluon_adapter.gluon_block_params(model.rnn)["i2h_weight"].data().asnumpy()
    np.testing.assert_allclose(w, 0.01, atol=1e-4)


def test_fit_trains_an_initialised_model_without_held_out_data():
    X, y = classification_data(60)
    model = classifiers.SequenceClassifier(rnn.GRU(4), 3, 3)
    gluon_adapter.initialize(model, X[:1])
    h = train.fit(model, ArrayBatches(X, y, 20), 2)
    assert len(h.train_loss) == 2 and h.val_loss == h.val_accuracy == []


def test_fit_initialises_a_fresh_model_without_held_out_data():
    X, y = classification_data(60)
    model = classifiers.SequenceClassifier(rnn.GRU(4), 3, 3)
    h = train.fit(model, ArrayBatches(X, y, 20), 2)
    assert len(h.train_loss) == 2


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"num_epochs": 0}, ValueError, "num_epochs must be an int >= 1"),
        ({"num_epochs": 1.0}, TypeError, "num_epochs must be an int >= 1"),
        (
            {"loss": "hinge"},
            ValueError,
            r"loss must be one of \['cross_entropy', 'squared'\], got 'hinge'",
        ),
        ({"clip": 0}, ValueError, "clip must be a finite number > 0, got 0"),
        ({"target": 1.5}, ValueError, "target must be a finite number > 0 and <= 1, got 1.5"),
        ({"target": 0}, ValueError, "target must be a finite number > 0 and <= 1, got 0"),
        ({"target": 0.9, "val": None}, ValueError, "target needs held-out data"),
        ({"target": 0.9, "loss": "squared"}, ValueError, "target needs held-out data"),
        ({"optimizer": "rmsprop"}, ValueError, "optimizer must be one of"),
        ({"lr": 0}, ValueError, "lr must be a finite number > 0"),
    ],
)
def test_fit_bad_arguments(kwargs, exc, match):
    X = np.zeros((4, 4), dtype=np.int32)
    args = {
        "train_batches": ArrayBatches(X, X, 2),
        "num_epochs": 1,
        "val": (X[:2], X[:2]),
        **kwargs,
    }
    with pytest.raises(exc, match=match):
        train.fit(classifiers.Tagger(rnn.GRU(3), 4, 2), **args)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: ArrayBatches(np.zeros((4, 4)), np.zeros((4, 4)), 0), "batch_size must be an int"),
        (
            lambda: ArrayBatches(np.zeros((4, 4)), np.zeros((3, 4)), 2),
            r"X and Y must hold the same number of examples \(rows\)",
        ),
    ],
)
def test_fit_bad_input(make, match):
    """The minibatches refuse what ``tasks.fit`` used to: a batch size < 1, unpaired X and Y."""
    with pytest.raises(ValueError, match=match):
        make()
    X = np.zeros((4, 4), dtype=np.int32)
    model = classifiers.Tagger(rnn.GRU(3), 4, 2)
    with pytest.raises(  # unpaired held-out data, refused before training
        ValueError,
        match=r"val must be a pair \(X_val, Y_val\) of the same number of examples, got 2 and 1",
    ):
        train.fit(model, ArrayBatches(X, X, 2), 1, val=(X[:2], X[:1]))


def test_evaluate_and_accuracy_of_a_classifier():
    X, y = classification_data(50)
    d2lrnn.seed(0)
    model = classifiers.SequenceClassifier(rnn.GRU(4), 3, 3)
    gluon_adapter.initialize(model, X[:1])
    logits = model(mnp.array(X, dtype="int32")).asnumpy()
    z = logits - logits.max(-1, keepdims=True)
    ce = -(z[np.arange(50), y] - np.log(np.exp(z).sum(-1)))
    correct = np.mean(logits.argmax(-1) == y)
    for batch_size in (50, 7):
        scores = train.evaluate(model, X, y, batch_size=batch_size)
        assert scores["loss"] == pytest.approx(ce.mean(), rel=1e-5)
        assert scores["accuracy"] == pytest.approx(correct)
    assert train.accuracy(model, X, y) == pytest.approx(correct)


def test_accuracy_of_a_tagger_is_per_step():
    X, Y = tagging_data(30, 5)
    d2lrnn.seed(0)
    model = classifiers.Tagger(rnn.GRU(4), 5, 2)
    gluon_adapter.initialize(model, X[:1])
    pred = model(mnp.array(X, dtype="int32")).asnumpy().argmax(-1).T  # (N, T)
    assert train.accuracy(model, X, Y) == pytest.approx(np.mean(pred == Y))
    assert train.evaluate(model, X, Y, batch_size=4)["accuracy"] == pytest.approx(
        np.mean(pred == Y)
    )


def test_evaluate_loss_of_a_tagger_is_the_mean_cross_entropy():
    X, Y = tagging_data(40, 6)
    d2lrnn.seed(0)
    model = classifiers.Tagger(rnn.GRU(4), 5, 2)
    gluon_adapter.initialize(model, X[:1])
    logits = model(mnp.array(X, dtype="int32")).asnumpy()  # (T, N, 2)
    z = logits - logits.max(-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
    ce = -np.take_along_axis(logp, Y.T[..., None], -1)
    for batch_size in (40, 7):
        loss = train.evaluate(model, X, Y, batch_size=batch_size)["loss"]
        assert loss == pytest.approx(ce.mean(), rel=1e-5)


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"loss": "hinge"}, ValueError, "loss must be one of"),
        ({"batch_size": 0}, ValueError, "batch_size must be an int >= 1, got 0"),
        ({"Y": np.zeros(3, dtype=np.int32)}, ValueError, "must hold the same number"),
        (
            {"X": np.zeros((0, 4), dtype=np.int32), "Y": np.zeros(0, dtype=np.int32)},
            ValueError,
            r"X must not be empty, got shape \(0, 4\)",
        ),
    ],
)
def test_evaluate_bad_arguments(kwargs, exc, match):
    args = {"X": np.zeros((4, 4), dtype=np.int32), "Y": np.zeros(4, dtype=np.int32), **kwargs}
    model = classifiers.SequenceClassifier(rnn.GRU(3), 4, 2)
    with pytest.raises(exc, match=match):
        train.evaluate(model, **args)


# ------------------------------------------------------------ sequence to sequence

PAD, BOS, EOS, V = 1, 2, 3, 8  # the copy task's specials and vocabulary size


def copy_split(n=48, T=4, seed=0) -> Split:
    """A copy task: each target is its source (tokens 4 .. 7), 1 to T tokens long."""
    rng = np.random.default_rng(seed)
    src = np.full((n, T), PAD, np.int32)
    tgt_in, tgt_out = np.full((n, T + 1), PAD, np.int32), np.full((n, T + 1), PAD, np.int32)
    src_len = rng.integers(1, T + 1, n).astype(np.int32)
    for i, length in enumerate(src_len):
        tokens = rng.integers(4, V, length)
        src[i, :length], tgt_in[i, : length + 1], tgt_out[i, : length + 1] = (
            tokens,
            [BOS, *tokens],
            [*tokens, EOS],
        )
    return Split(src, src_len, tgt_in, tgt_out, src_len + 1, [""] * n, [[""]] * n)


def seq2seq_model(attention=False) -> seq2seq.EncoderDecoder:
    d2lrnn.seed(0)
    decoder = (
        seq2seq.AttentionDecoder(V, 8, 16, attention_size=8)
        if attention
        else seq2seq.Decoder(V, 8, 16)
    )
    return seq2seq.EncoderDecoder(seq2seq.Encoder(V, 8, 16), decoder)


def train_copy(model=None, num_epochs=3, **kwargs):
    args = {"lr": 0.02, "progress": "none", **kwargs}
    model = model or seq2seq_model()
    batches_ = TranslationBatches(copy_split(), 16, seed=0)
    return model, train.train_seq2seq(model, batches_, num_epochs, **args)


@pytest.mark.parametrize("attention", [False, True])
def test_train_seq2seq_learns_the_copy_task(attention):
    val = copy_split(16, seed=1)
    model, h = train_copy(seq2seq_model(attention), 4, val=val)
    assert isinstance(h, train.Seq2SeqHistory)
    assert len(h.train_loss) == len(h.val_loss) == len(h.tokens_per_sec) == 4
    assert h.train_loss[0] > 1.8  # about log 8 at first: nothing learnt
    assert all(a > b for a, b in zip(h.train_loss, h.train_loss[1:]))
    assert h.val_loss[-1] < h.val_loss[0] - 0.3
    assert h.val_loss[-1] == pytest.approx(seq2seq.decoder_loss(model, val), rel=1e-5)
    assert h.steps == 4 * 3 and h.tokens == 4 * int(copy_split().tgt_len.sum())
    assert h.seconds > 0 and h.speed == pytest.approx(h.tokens / h.seconds)


def test_train_seq2seq_is_deterministic_with_a_seed():
    runs = [train_copy(sampling_probability=0.5, seed=3)[1].train_loss for _ in range(2)]
    assert runs[0] == runs[1]
    assert train_copy(sampling_probability=0.5, seed=4)[1].train_loss != runs[0]


def test_scheduled_sampling_that_never_samples_is_teacher_forcing():
    """p = 1e-12: the one-step-at-a-time path, every input the reference, as p = 0."""
    _, forced = train_copy()
    _, stepwise = train_copy(sampling_probability=1e-12)
    np.testing.assert_allclose(stepwise.train_loss, forced.train_loss, rtol=1e-4)
    _, sampled = train_copy(sampling_probability=0.5)
    assert np.abs(np.subtract(sampled.train_loss, forced.train_loss)).max() > 1e-3


class DecoderSpy:
    """Records the inputs and logits of every call of a decoder."""

    def __init__(self, decoder):
        self.forward, self.calls = decoder.forward, []
        decoder.forward = self

    def __call__(self, Y, state):
        logits, state = self.forward(Y, state)
        self.calls.append((Y.asnumpy(), logits.asnumpy()))
        return logits, state


@pytest.mark.parametrize("p", [1e-12, 1.0])
def test_scheduled_sampling_feeds_the_reference_or_the_models_own_tokens(p):
    model = seq2seq_model()
    gluon_adapter.initialize(model)
    spy = DecoderSpy(model.decoder)
    split = copy_split(16)
    train.train_seq2seq(
        model, TranslationBatches(split, 16, shuffle=False), 1, sampling_probability=p,
        progress="none",
    )  # fmt: skip
    assert len(spy.calls) == 5  # one minibatch of 5 steps, one call per step
    inputs = np.concatenate([Y for Y, _ in spy.calls], axis=1)  # (N, T)
    np.testing.assert_array_equal(inputs[:, 0], BOS)
    own = np.stack([logits[0].argmax(-1) for _, logits in spy.calls[:-1]], axis=1)
    expected = split.tgt_in[:, 1:] if p < 1 else own
    np.testing.assert_array_equal(inputs[:, 1:], expected)
    assert (own != split.tgt_in[:, 1:]).any()  # the two feeds do differ


def test_train_seq2seq_calls_on_epoch_after_every_epoch():
    calls = []
    model, _ = train_copy(on_epoch=lambda *args: calls.append(args))
    assert [c[0] for c in calls] == [1, 2, 3]
    assert all(c[1] is model and isinstance(c[2], gluon.Trainer) for c in calls)
    assert calls[0][2] is calls[2][2]  # one trainer for the whole run


def test_train_seq2seq_resumes_the_optimiser_state(tmp_path):
    states, weights = str(tmp_path / "trainer.states"), str(tmp_path / "model.params")

    def save(epoch, model, trainer):
        trainer.save_states(states)
        model.save_parameters(weights)

    model, _ = train_copy(num_epochs=1, on_epoch=save)
    losses = []
    for resume in (states, None):  # the same weights go on, with Adam's state or a fresh one
        model.load_parameters(weights)
        losses.append(train_copy(model, num_epochs=1, trainer_states=resume)[1].train_loss)
    assert losses[0] != losses[1]
    model.load_parameters(weights)
    assert train_copy(model, num_epochs=1, trainer_states=states)[1].train_loss == losses[0]


def test_train_seq2seq_that_diverges_stops_with_the_history():
    """A huge learning rate: the epoch's mean loss is finite but its exponential is not."""
    with pytest.raises(train.NonFiniteError, match="epoch 1: the perplexity is inf") as e:
        train_copy(num_epochs=3, lr=1e12, optimizer="sgd", clip=None)
    assert isinstance(e.value.history, train.Seq2SeqHistory)
    assert len(e.value.history.train_loss) == 1 and e.value.history.train_loss[0] > 709
    assert "lr=1e+12, sgd" in str(e.value) and "clip=None" in str(e.value)


def test_train_seq2seq_stops_at_a_nan_loss():
    model = seq2seq_model()
    gluon_adapter.initialize(model)
    one = mnp.ones((1, 1), dtype="int32")
    model(one, one[0], one)  # completes the deferred shapes
    model.decoder.output.bias.set_data(mnp.full((V,), float("nan")))
    with pytest.raises(train.NonFiniteError, match="epoch 1, step 1: the loss is nan") as e:
        train_copy(model)
    assert e.value.history.train_loss == [] and e.value.history.steps == 0


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"lr": float("nan")}, ValueError, "lr must be a finite number > 0, got nan"),
        ({"lr": 0}, ValueError, "lr must be a finite number > 0, got 0"),
        ({"num_epochs": 0}, ValueError, "num_epochs must be an int >= 1"),
        ({"sampling_probability": 1.5}, ValueError, "sampling_probability must be a finite"),
        ({"sampling_probability": -0.1}, ValueError, "sampling_probability must be a finite"),
        ({"sampling_probability": float("nan")}, ValueError, "sampling_probability must be"),
        ({"sampling_probability": "0.5"}, TypeError, "sampling_probability must be"),
        ({"clip": 0}, ValueError, "clip must be a finite number > 0, got 0"),
        ({"optimizer": "rmsprop"}, ValueError, "optimizer must be one of"),
        ({"seed": -1}, ValueError, "seed must be an int >= 0"),
        ({"device": "cpu"}, TypeError, "device must be None or an MXNet device"),
        ({"model": "net"}, TypeError, "model must be an EncoderDecoder, got str"),
        ({"train_batches": 5}, TypeError, "train_batches must be an iterable"),
        ({"train_batches": []}, ValueError, "train_batches must yield at least one minibatch"),
        ({"train_batches": [(1, 2)]}, TypeError, r"train_batches must yield \(src, src_len"),
        ({"on_epoch": 5}, TypeError, "on_epoch must be a function"),
        ({"val": (1, 2)}, TypeError, "val must be None or a non-empty translation Split"),
        ({"trainer_states": 5}, TypeError, "trainer_states must be a str"),
        ({"progress": "loud"}, ValueError, "progress must be one of"),
    ],
)
def test_train_seq2seq_bad_arguments(kwargs, exc, match):
    args = {
        "model": seq2seq_model(),
        "train_batches": TranslationBatches(copy_split(16), 8),
        "num_epochs": 1,
        "progress": "none",
        **kwargs,
    }
    with pytest.raises(exc, match=match):
        train.train_seq2seq(**args)


# ------------------------------------- seq2seq speed-ups that keep the loss (trim, valid rows)


def padded(split: Split, extra: int) -> Split:
    """``split`` with ``extra`` more columns of padding after every source and target."""

    def pad(a):
        return np.concatenate([a, np.full((len(a), extra), PAD, a.dtype)], axis=1)

    return Split(pad(split.src), split.src_len, pad(split.tgt_in), pad(split.tgt_out),
                 split.tgt_len, split.sources, split.references)  # fmt: skip


def test_trimming_and_the_valid_rows_give_the_same_training():
    """train_seq2seq cuts each minibatch to its longest sentences and computes the output layer
    at the valid target positions only: the same losses and weights as the full computation."""
    split = padded(copy_split(), 3)
    runs = []
    for fast in (True, False):
        model = seq2seq_model()
        if not fast:  # an instance's own forward: train_seq2seq then uses it, on all positions
            model.decoder.forward = model.decoder.forward
        h = train.train_seq2seq(
            model, TranslationBatches(split, 16, seed=0), 3, lr=0.02, progress="none", trim=fast
        )
        runs.append((h, [p.data().asnumpy() for p in model.collect_params().values()]))
    (fast_h, fast_w), (full_h, full_w) = runs
    np.testing.assert_allclose(fast_h.train_loss, full_h.train_loss, rtol=1e-5)
    for a, b in zip(fast_w, full_w):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    assert fast_h.tokens == full_h.tokens == 3 * int(split.tgt_len.sum())


@pytest.mark.parametrize("bucket", [0, 2])
@pytest.mark.parametrize("attention", [False, True])
def test_trim_gives_the_same_losses_as_the_full_minibatches(attention, bucket):
    """``trim=True`` and ``trim=False`` from the same seed: the same losses and weights, step
    after step; with ``trim`` the model sees narrower minibatches."""
    split = padded(copy_split(n=32), 3)  # sources of 1 .. 4 tokens in 7 columns
    runs, widths = [], {}
    for trim in (True, False):
        model = seq2seq_model(attention)
        seen = widths[trim] = []
        encode = model.encoder.forward
        model.encoder.forward = lambda X, valid_len, seen=seen, encode=encode: (
            seen.append((X.shape[1], int(valid_len.max().item()))) or encode(X, valid_len)
        )
        batches_ = TranslationBatches(split, 8, seed=0, bucket=bucket)
        h = train.train_seq2seq(model, batches_, 2, lr=0.02, progress="none", trim=trim)
        runs.append((h, [p.data().asnumpy() for p in model.collect_params().values()]))
    (trim_h, trim_w), (full_h, full_w) = runs
    np.testing.assert_allclose(trim_h.train_loss, full_h.train_loss, rtol=1e-5)
    for a, b in zip(trim_w, full_w, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    assert trim_h.steps == full_h.steps == 2 * 4 and trim_h.tokens == full_h.tokens
    assert all(width == longest for width, longest in widths[True])  # cut to the longest
    assert {width for width, _ in widths[False]} == {7}


def test_train_seq2seq_keeps_the_source_padding_for_an_encoder_that_reads_it():
    seen = []

    class Spy(seq2seq.Encoder):
        def forward(self, X, valid_len):
            seen.append(X.shape[1])
            return super().forward(X, valid_len)

    split = padded(copy_split(), 3)  # sources of 1 .. 4 tokens in 7 columns
    for read_padding in (False, True):
        d2lrnn.seed(0)
        model = seq2seq.EncoderDecoder(
            Spy(V, 8, 16, read_padding=read_padding), seq2seq.Decoder(V, 8, 16)
        )
        train.train_seq2seq(model, TranslationBatches(split, 48), 1, progress="none")
    assert seen == [4, 7]


def test_train_seq2seq_with_bucketed_batches_learns_the_copy_task():
    model = seq2seq_model()
    batches_ = TranslationBatches(padded(copy_split(), 2), 8, seed=0, bucket=3)
    h = train.train_seq2seq(model, batches_, 4, lr=0.02, progress="none")
    assert h.train_loss[-1] < h.train_loss[0] - 0.3
    assert h.tokens == 4 * int(copy_split().tgt_len.sum())


def test_valid_cross_entropy_is_the_masked_loss_with_its_gradients():
    rng = np.random.default_rng(0)
    T, N, h = 5, 4, 6
    output = gluon.nn.Dense(V, flatten=False)
    output.initialize()
    Y = rng.integers(0, V, (N, T)).astype(np.int32)
    for lengths in ([5, 2, 1, 3], [5, 5, 5, 5]):  # padding, and none
        valid_len = np.array(lengths, np.int32)
        values = rng.normal(size=(T, N, h)).astype(np.float32)
        results = []
        for valid_rows in (True, False):
            hidden = mnp.array(values)
            hidden.attach_grad()
            with autograd.record():
                if valid_rows:
                    loss = seq2seq.valid_cross_entropy(output, hidden, Y, valid_len)
                else:
                    loss = seq2seq.masked_cross_entropy(
                        output(hidden), mnp.array(Y), mnp.array(valid_len)
                    )
            loss.backward()
            results.append((float(loss), hidden.grad.asnumpy(), output.weight.grad().asnumpy()))
        (l1, gh1, gw1), (l2, gh2, gw2) = results
        assert l1 == pytest.approx(l2, rel=1e-6)
        np.testing.assert_allclose(gh1, gh2, atol=1e-7)
        np.testing.assert_allclose(gw1, gw2, atol=1e-7)
        assert np.all(gh1[np.arange(T)[:, None] >= valid_len[None, :]] == 0)  # padding: none


@pytest.mark.parametrize(
    "args, exc, match",
    [
        ((5, "hidden", "Y", "len"), TypeError, "output must be a gluon Block"),
        (("out", mnp.ones((2, 3)), "Y", "len"), ValueError, "hidden must be an MXNet array"),
        (("out", "hid", np.ones((2, 3), np.int32), "len"), ValueError, r"Y must have shape"),
        (("out", "hid", "Y", np.array([1, 4, 1])), ValueError, r"lengths in \[1, 2\]"),
        (("out", "hid", "Y", np.array([1, 0, 1])), ValueError, r"lengths in \[1, 2\]"),
    ],
)
def test_valid_cross_entropy_bad_arguments(args, exc, match):
    output = gluon.nn.Dense(V, flatten=False)
    output.initialize()
    defaults = {
        "out": output,
        "hid": mnp.ones((2, 3, 4)),
        "Y": np.ones((3, 2), np.int32),
        "len": np.array([1, 2, 2], np.int32),
    }
    args = [defaults.get(a, a) if isinstance(a, str) else a for a in args]
    with pytest.raises(exc, match=match):
        seq2seq.valid_cross_entropy(*args)


# ---------------------------------------------------------------- optimiser states
def test_saved_optimiser_states_load_into_another_copy_of_the_model(tmp_path):
    """make_trainer keeps the model's parameter order, so Adam's moments saved from one copy
    of a model resume training in another copy (gluon would sort by name, and names carry
    per-process counters)."""
    from mxnet import autograd, gluon
    from mxnet import np as mnp

    def copy_of_model(prefixes):
        # Names that sort differently in the two copies, as "dense9" and "dense10" would.
        net = gluon.nn.Sequential()
        for prefix, units, n_in in zip(prefixes, (3, 5, 2), (4, 3, 5)):
            net.add(gluon.nn.Dense(units, in_units=n_in, prefix=prefix))
        net.initialize()
        return net

    X = mnp.ones((2, 4))
    first = copy_of_model(("a_", "b_", "c_"))
    trainer = train.make_trainer(first, "adam", 0.1)
    with autograd.record():
        loss = first(X).sum()
    loss.backward()
    trainer.step(1)
    path = str(tmp_path / "adam.states")
    trainer.save_states(path)
    second = copy_of_model(("z_", "y_", "x_"))
    for p, q in zip(first.collect_params().values(), second.collect_params().values()):
        q.set_data(p.data())
    resumed = train.make_trainer(second, "adam", 0.1)
    resumed.load_states(path)
    with autograd.record():
        loss = second(X).sum()
    loss.backward()
    resumed.step(1)  # raised "Incompatible attr" when the states were matched by sorted name
    with autograd.record():
        loss = first(X).sum()
    loss.backward()
    trainer.step(1)
    for p, q in zip(first.collect_params().values(), second.collect_params().values()):
        np.testing.assert_allclose(p.data().asnumpy(), q.data().asnumpy(), rtol=1e-6)


# ------------------------------------------------------------ what a failure says


def _overflowing_step(clip, where="epoch 2"):
    net = gluon.nn.Dense(1, in_units=2, use_bias=False)
    net.initialize(init.One())
    trainer = train.make_trainer(net, "sgd", 0.5)
    x = mnp.array([[3e38, 3e38]])
    with autograd.record():
        loss = net(x).sum()  # gradient x: its squared norm overflows float32
    args = (loss, train.trainable(net), trainer, clip, x.ctx) + ((where,) if where else ())
    with pytest.raises(train.NonFiniteError) as e:
        train.train_step(*args)
    np.testing.assert_array_equal(net.weight.data().asnumpy(), [[1.0, 1.0]])  # untouched
    return str(e.value)


def test_a_diverged_step_says_whether_clipping_was_off():
    off = _overflowing_step(None)
    assert off.startswith("epoch 2: the gradient norm is ")
    assert "the learning rate (lr=0.5, sgd) is probably too high for this model; gradient " in off
    assert "clipping is off (clip=None); or the inputs or the initial weights hold NaN" in off
    on = _overflowing_step(1.0)
    assert "clip" not in on.replace("clipping", "")
    assert on.endswith(
        "too high for this model; or the inputs or the initial weights hold NaN or infinite values."
    )


def test_evaluation_of_nan_weights_stops_naming_the_examples():
    X, y = classification_data(10)
    model = classifiers.SequenceClassifier(rnn.GRU(4), 3, 3)
    gluon_adapter.initialize(model, X[:1])
    model.collect_params()[next(iter(model.collect_params()))].set_data(
        mnp.full(next(iter(model.collect_params().values())).shape, float("nan"))
    )
    with pytest.raises(train.NonFiniteError) as e:
        train.evaluate(model, X, y, batch_size=4)
    assert str(e.value).startswith("evaluation, examples 0 to 3: the loss is nan; the model's")
    assert str(e.value).endswith("the model's weights or the inputs hold NaN or infinite values")


def test_cross_entropy_refuses_numpy_arrays_naming_both():
    with pytest.raises(TypeError, match=r"^logits and Y must be MXNet arrays$"):
        train.cross_entropy(np.zeros((2, 1, 3)), np.zeros((1, 2), dtype=np.int64))


class _RowSum(gluon.Block):
    """A regression 'model' without weights: each example's sum, as one prediction."""

    def forward(self, X):
        return X.reshape(X.shape[0], -1).sum(axis=1, keepdims=True)


@pytest.mark.parametrize("shape", [(6,), (6, 2), (6, 2, 3)])
def test_evaluate_takes_inputs_of_one_to_three_dimensions(shape):
    X = np.arange(np.prod(shape), dtype=np.float32).reshape(shape) / 10
    Y = np.ones((6, 1), dtype=np.float32)
    sums = X.reshape(6, -1).sum(axis=1)
    expected = np.mean(0.5 * (sums - 1) ** 2)  # gluon's L2Loss: half the squared error
    out = train.evaluate(_RowSum(), X, Y, loss="squared", batch_size=4)
    assert out == {"loss": pytest.approx(expected, rel=1e-5)}


def test_evaluate_refuses_inputs_and_targets_of_other_ranks_and_float_labels():
    with pytest.raises(ValueError, match=r"^X must be a 1-D or 2-D or 3-D array, got shape"):
        train.evaluate(_RowSum(), np.ones((6, 1, 1, 1)), np.ones((6, 1)), loss="squared")
    with pytest.raises(ValueError, match=r"^Y must be a 1-D or 2-D array, got shape \(6, 1, 1\)"):
        train.evaluate(_RowSum(), np.ones((6, 1)), np.ones((6, 1, 1)), loss="squared")
    X, y = classification_data(6)
    model = classifiers.SequenceClassifier(rnn.GRU(4), 3, 3)
    gluon_adapter.initialize(model, X[:1])
    with pytest.raises(TypeError, match=r"^Y must hold integers \(token indices\), got dtype f"):
        train.evaluate(model, X, y.astype(np.float32))


def optimiser_steps(monkeypatch) -> list:
    """Record (optimiser, learning rate, clip) of every train_step, which still runs."""
    seen, step = [], train.train_step

    def spy(loss, params, trainer, clip, device, where="this step"):
        seen.append((type(trainer.optimizer).__name__, trainer.learning_rate, clip))
        return step(loss, params, trainer, clip, device, where)

    monkeypatch.setattr(train, "train_step", spy)
    return seen


def test_fit_defaults_to_chapter_6s_adam_at_0_01_clipped_at_1(monkeypatch):
    """Chapter 6 trains its taggers with fit's defaults: Adam, lr 0.01, clipping at 1."""
    seen = optimiser_steps(monkeypatch)
    X, y = classification_data(8)
    model = classifiers.SequenceClassifier(rnn.GRU(3), 3, 3)
    train.fit(model, ArrayBatches(X, y, 4), 1)
    assert seen == [("Adam", 0.01, 1.0)] * 2


def test_fit_refuses_held_out_data_of_the_wrong_kind_before_training():
    X, y = classification_data(8)
    model = classifiers.SequenceClassifier(rnn.GRU(3), 3, 3)
    batches_ = ArrayBatches(X, y, 4)
    with pytest.raises(TypeError, match=r"^val must be None or a pair \(X_val, Y_val\), got str$"):
        train.fit(model, batches_, 1, val="XY")
    with pytest.raises(ValueError, match=r"^val\[0\] \(X_val\) must be a 1-D or 2-D or 3-D array"):
        train.fit(model, batches_, 1, val=(X.reshape(8, 2, 2, 1), y))
    with pytest.raises(TypeError, match=r"^val\[1\] \(Y_val\) must hold integers"):
        train.fit(model, batches_, 1, val=(X, y.astype(np.float32)))


def test_fit_train_loss_is_the_mean_over_examples_of_unequal_minibatches():
    """10 examples in minibatches of 4, 4 and 2: the epoch's loss weighs each by its size.

    The learning rate is so small that the weights do not move, so the loss is the initial
    model's, computed here in NumPy. The inputs are 1-D (one number per example)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=10).astype(np.float32)
    Y = rng.normal(size=(10, 1)).astype(np.float32)
    net = gluon.nn.Dense(1, in_units=1, use_bias=False)
    net.initialize(init.Constant(0.5))
    errors = 0.5 * (0.5 * X - Y[:, 0]) ** 2
    expected = errors.mean()
    assert not np.isclose(np.mean([errors[i : i + 4].mean() for i in (0, 4, 8)]), expected)
    start = time.perf_counter()
    data = ArrayBatches(X, Y, 4, shuffle=False)
    h = train.fit(net, data, 1, "squared", optimizer="sgd", lr=1e-9, val=(X, Y))
    took = time.perf_counter() - start
    assert h.train_loss == [pytest.approx(expected, rel=1e-5)]
    assert h.val_loss == [pytest.approx(expected, rel=1e-5)] and h.steps == [3]
    assert 0 < h.seconds <= took


def test_fit_that_meets_a_nan_loss_stops_naming_the_step_with_its_history():
    X, y = classification_data(8)
    model = classifiers.SequenceClassifier(rnn.GRU(3), 3, 3)
    gluon_adapter.initialize(model, X[:1])
    p = next(iter(model.collect_params().values()))
    p.set_data(mnp.full(p.shape, float("nan")))
    with pytest.raises(train.NonFiniteError) as e:
        train.fit(model, ArrayBatches(X, y, 4), 2, optimizer="sgd", lr=0.5, clip=None)
    assert str(e.value).startswith(
        "epoch 1, step 1: the loss is nan, so training stopped. Likely causes: the learning "
        "rate (lr=0.5, sgd) is probably too high for this model; gradient clipping is off"
    )
    assert isinstance(e.value.history, train.FitHistory) and e.value.history.train_loss == []


def test_fit_whose_gradient_overflows_stops_naming_the_step_with_its_history():
    # One weight of 1, input 1e18, target 0: the loss 5e35 is finite, the squared norm of the
    # gradient 1e36 overflows float32.
    net = gluon.nn.Dense(1, in_units=1, use_bias=False)
    net.initialize(init.One())
    X, Y = np.full((2, 1), 1e18, np.float32), np.zeros((2, 1), np.float32)
    with pytest.raises(train.NonFiniteError) as e:
        train.fit(net, ArrayBatches(X, Y, 1, shuffle=False), 1, "squared", clip=None)
    assert str(e.value).startswith("epoch 1, step 1: the gradient norm is inf")
    assert isinstance(e.value.history, train.FitHistory)


def test_fit_stops_at_the_first_epoch_whose_accuracy_reaches_the_target_exactly():
    X, y = classification_data(64)
    d2lrnn.seed(0)
    model = classifiers.SequenceClassifier(rnn.GRU(8), 3, 3)
    # One held-out example: its accuracy is 0 or 1, so reaching target=1.0 means equal to it.
    h = train.fit(model, ArrayBatches(X, y, 16), 8, lr=0.05, val=(X[:1], y[:1]), target=1.0)
    assert h.val_accuracy[-1] == 1.0 and all(a == 0.0 for a in h.val_accuracy[:-1])
    assert len(h.val_accuracy) < 8


def test_fit_refuses_what_is_not_minibatches_and_held_out_targets_of_three_dimensions():
    X, y = classification_data(8)
    model = classifiers.SequenceClassifier(rnn.GRU(3), 3, 3)
    with pytest.raises(TypeError, match=r"an iterable of \(X, Y\) minibatches, .*got int$"):
        train.fit(model, 5, 1)
    with pytest.raises(ValueError, match=r"^val\[1\] \(Y_val\) must be a 1-D or 2-D array"):
        train.fit(model, ArrayBatches(X, y, 4), 1, val=(X, y.reshape(8, 1, 1)))


class _Coins:
    """A stand-in generator: ``random`` gives 0 (heads: sample) on odd steps, 0.99 on even."""

    def random(self, shape):
        T, N = shape
        return np.where(np.arange(T)[:, None] % 2 == 1, 0.0, 0.99) * np.ones((T, N))


def test_scheduled_sampling_tosses_the_coin_of_the_step_it_feeds():
    model = seq2seq_model()
    gluon_adapter.initialize(model)
    spy = DecoderSpy(model.decoder)
    split = copy_split(8)
    src, src_len = mnp.array(split.src), mnp.array(split.src_len)
    tgt_in = mnp.array(split.tgt_in)
    logits = train._scheduled_sampling(model, src, src_len, tgt_in, 0.5, _Coins())
    assert logits.shape == (5, 8, V)
    inputs = np.concatenate([Y for Y, _ in spy.calls], axis=1)  # (N, T)
    own = np.stack([step[0].argmax(-1) for _, step in spy.calls], axis=1)
    for t in range(1, 5):  # step t is fed the model's token of step t - 1 when coin t is heads
        expected = own[:, t - 1] if t % 2 == 1 else split.tgt_in[:, t]
        np.testing.assert_array_equal(inputs[:, t], expected)
    assert (own[:, :4] != split.tgt_in[:, 1:]).any()  # the two feeds do differ


class _Logits(gluon.Block):
    """A 'model' that returns fixed logits, whatever its input."""

    def __init__(self, shape):
        super().__init__()
        self.shape = shape

    def forward(self, X):
        return mnp.zeros(self.shape)


def test_labels_that_do_not_fit_the_models_logits_are_refused_saying_the_layout():
    X = np.zeros((4, 3), np.int32)
    with pytest.raises(ValueError) as e:
        train.evaluate(_Logits((3, 2)), X, np.zeros(4, np.int32))
    assert str(e.value) == (
        "Y of shape (4,) must match the model's logits (N, classes), got logits of shape (3, 2)"
    )
    with pytest.raises(ValueError) as e:
        train.evaluate(_Logits((4, 2)), X, np.zeros((4, 3), np.int32))
    assert str(e.value) == (
        "Y of shape (4, 3) must match the model's logits (T, N, tags), got logits of shape (4, 2)"
    )


def test_a_taggers_labels_are_checked_against_its_number_of_tags():
    # Logits (T=3, N=4, 2 tags): a label 3 is out of range even though N = 4 > 3.
    Y = np.zeros((4, 3), np.int32)
    Y[1, 2] = 3
    with pytest.raises(ValueError, match=r"^Y must hold token indices in \[0, 2\) .*from 0 to 3$"):
        train.evaluate(_Logits((3, 4, 2)), np.zeros((4, 3), np.int32), Y)


@pytest.mark.parametrize("sampling, carried", [("sequential", True), ("random", False)])
def test_evaluation_carries_the_state_only_for_sequential_batches(sampling, carried):
    corpus, V = small_corpus(400)
    spy = Spy(lm.RNNLM(rnn.RNN(8), V))
    spy.initialize()
    b = batches.SeqBatches(corpus, 4, 10, sampling)
    train.evaluate_lm(spy, b)
    assert len(spy.got_state) == len(b) and spy.got_state[0] is False
    assert all(s is carried for s in spy.got_state[1:])


def test_evaluation_of_nan_weights_names_the_minibatch_and_asks_about_divergence():
    model = lm.RNNLM(rnn.RNN(4), 7)
    model.initialize()
    model(mnp.zeros((2, 5), dtype="int32"))
    model.output.bias.set_data(mnp.full((7,), float("nan")))
    b = batches.SeqBatches(np.random.default_rng(0).integers(0, 7, 200), 2, 5)
    with pytest.raises(train.NonFiniteError) as e:
        train.evaluate_lm(model, b)
    assert str(e.value) == (
        "evaluation, minibatch 1: the loss is nan; the model's weights hold NaN or infinite "
        "values (did its training diverge?)"
    )


def test_train_lm_defaults_are_d2ls_ten_epochs_of_sgd_at_1_clipped_at_1(monkeypatch, capsys):
    seen = optimiser_steps(monkeypatch)
    corpus, V = small_corpus(60)
    b = batches.SeqBatches(corpus, 4, 10)
    h = train.train_lm(lm.RNNLM(rnn.RNN(4), V), b)
    assert seen == [("SGD", 1.0, 1.0)] * (10 * len(b)) and len(h.train_ppl) == 10
    lines = capsys.readouterr().out.strip().splitlines()  # 'auto' outside a notebook: text
    assert len(lines) == 10 and lines[-1].startswith("epoch 10/10, train perplexity")


def test_text_progress_of_a_long_run_prints_every_tenth_of_it(capsys):
    corpus, V = small_corpus(60)
    train.train_lm(
        lm.RNNLM(rnn.RNN(4), V), batches.SeqBatches(corpus, 4, 10), None, 20, progress="text"
    )
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split(",")[0] for line in lines] == [f"epoch {e}/20" for e in range(2, 21, 2)]


def test_train_perplexity_of_a_uniform_model_is_the_vocabulary_size():
    model = lm.RNNLM(rnn.RNN(4), 7)
    model.initialize()
    corpus = np.random.default_rng(0).integers(0, 7, 200)
    model(mnp.zeros((2, 5), dtype="int32"))
    model.output.weight.set_data(mnp.zeros_like(model.output.weight.data()))
    model.output.bias.set_data(mnp.zeros_like(model.output.bias.data()))
    h = train.train_lm(model, batches.SeqBatches(corpus, 2, 5), None, 1, lr=1e-9, progress="none")
    assert h.train_ppl == [pytest.approx(7, rel=1e-5)]  # every token has probability 1/7


# ------------------------------------------------------------ train_seq2seq's choices


def _uniform_forward(decoder):
    """``decoder``'s forward with its logits times 0: a loss of log V a token, whatever it reads."""

    def forward(Y, state):
        outputs, state = decoder.features(Y, state)
        return decoder.output(outputs) * 0, state

    return forward


@pytest.mark.parametrize("how", ["subclass", "instance"])
def test_train_seq2seq_trains_through_a_decoders_own_forward(how):
    """A decoder whose forward is not ours (a subclass's, or set on the instance) is trained
    through that forward, not through the fast path of features and output layer."""

    class Uniform(seq2seq.Decoder):
        def forward(self, Y, state):
            return _uniform_forward(self)(Y, state)

    d2lrnn.seed(0)
    decoder = Uniform(V, 8, 16) if how == "subclass" else seq2seq.Decoder(V, 8, 16)
    if how == "instance":
        decoder.forward = _uniform_forward(decoder)
    model = seq2seq.EncoderDecoder(seq2seq.Encoder(V, 8, 16), decoder)
    h = train.train_seq2seq(model, TranslationBatches(copy_split(16), 16), 1, progress="none")
    assert h.train_loss == [pytest.approx(math.log(V), rel=1e-6)]


def test_train_seq2seq_keeps_the_source_padding_for_an_encoder_that_does_not_say():
    """A chapter's own encoder, without ``read_padding``, may read the padding: kept."""
    seen = []

    class PlainEncoder(gluon.Block):
        def __init__(self):
            super().__init__()
            self.inner, self.num_hiddens = seq2seq.Encoder(V, 8, 16), 16

        def forward(self, X, valid_len):
            seen.append(X.shape[1])
            return self.inner(X, valid_len)

    d2lrnn.seed(0)
    model = seq2seq.EncoderDecoder(PlainEncoder(), seq2seq.Decoder(V, 8, 16))
    train.train_seq2seq(model, TranslationBatches(padded(copy_split(), 3), 48), 1, progress="none")
    assert seen == [7]  # sources of 1 .. 4 tokens in 7 columns, not cut to 4


def test_train_seq2seq_initialises_with_xavier():
    """Xavier's bound for the 8 x 8 embedding is sqrt(6 / 16) = 0.61; gluon's default
    Uniform(0.07) would stay below 0.07."""
    model = seq2seq_model()
    train.train_seq2seq(model, TranslationBatches(copy_split(16), 16), 1, lr=1e-9, progress="none")
    w = np.abs(model.encoder.embedding.weight.data().asnumpy())
    assert 0.2 < w.max() <= math.sqrt(6 / 16) + 1e-6


def test_train_seq2seq_defaults_are_chapter_7s(monkeypatch, capsys):
    """Adam at 0.005, clipping at 1, text progress outside a notebook with no title; the
    scheduled sampling's coins from seed 0."""
    seen = optimiser_steps(monkeypatch)
    train.train_seq2seq(seq2seq_model(), TranslationBatches(copy_split(16), 16), 1)
    assert seen == [("Adam", 0.005, 1.0)]
    assert capsys.readouterr().out.startswith("epoch 1/1, train perplexity")
    runs = [
        train_copy(num_epochs=1, sampling_probability=0.5, **kw)[1].train_loss
        for kw in ({}, {"seed": 0}, {"seed": 1})
    ]
    assert runs[0] == runs[1] != runs[2]


def test_train_seq2seq_refuses_a_trim_that_is_not_a_bool_and_batches_that_are_not():
    model = seq2seq_model()
    with pytest.raises(TypeError, match=r"^trim must be True or False, got str 'yes'$"):
        train.train_seq2seq(model, TranslationBatches(copy_split(16), 16), 1, trim="yes")
    with pytest.raises(
        TypeError, match=r"^train_batches must be an iterable of minibatches, got int$"
    ):
        train.train_seq2seq(model, 5, 1)


@pytest.mark.parametrize(
    "X, Y, says",
    [
        (np.zeros((2, 5)), np.zeros((2, 5), np.int64), "got X of dtype float64"),
        (np.zeros((2, 5), np.int64), np.zeros((2, 5), np.float32), "got Y of dtype float32"),
        ([[0] * 5] * 2, np.zeros((2, 5), np.int64), "got X of dtype list"),
    ],
)
def test_a_language_models_minibatches_must_hold_integer_indices(X, Y, says):
    class Batches(list):
        sampling = "random"

    with pytest.raises(TypeError, match=r"^train_batches must yield integer token indices, "):
        train.train_lm(lm.RNNLM(rnn.RNN(4), 7), Batches([(X, Y)]), None, 1, progress="none")
    with pytest.raises(TypeError) as e:
        train.train_lm(lm.RNNLM(rnn.RNN(4), 7), Batches([(X, Y)]), None, 1, progress="none")
    assert str(e.value).endswith(says)


def test_evaluate_lm_refuses_what_is_not_minibatches_naming_its_type():
    with pytest.raises(TypeError, match=r"\.sampling attribute\), got list$"):
        train.evaluate_lm(lm.RNNLM(rnn.RNN(4), 7), [(np.zeros((2, 5)), np.zeros((2, 5)))])


@pytest.mark.parametrize("num_epochs, shown", [(3, [1, 2, 3]), (20, list(range(2, 21, 2)))])
def test_train_seq2seq_text_progress_is_titled_and_shows_every_tenth_of_a_long_run(
    num_epochs, shown, capsys
):
    train.train_seq2seq(
        seq2seq_model(), TranslationBatches(copy_split(8), 8), num_epochs, progress="text",
        title="copy",
    )  # fmt: skip
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split(",")[0] for line in lines] == [
        f"copy: epoch {e}/{num_epochs}" for e in shown
    ]


def test_train_seq2seq_at_a_nan_loss_names_the_optimiser_and_the_clipping():
    model = seq2seq_model()
    gluon_adapter.initialize(model)
    one = mnp.ones((1, 1), dtype="int32")
    model(one, one[0], one)  # completes the deferred shapes
    model.decoder.output.bias.set_data(mnp.full((V,), float("nan")))
    with pytest.raises(train.NonFiniteError) as e:
        train_copy(model, optimizer="sgd", lr=0.5, clip=None)
    assert "(lr=0.5, sgd) is probably too high for this model; gradient clipping is off" in str(
        e.value
    )


def test_train_seq2seq_refuses_minibatches_that_are_not_five_arrays():
    with pytest.raises(TypeError, match=r"\(src, src_len, tgt_in, tgt_out, tgt_len\) .*got int$"):
        train.train_seq2seq(seq2seq_model(), [5], 1, progress="none")


def test_train_seq2seq_whose_gradient_is_not_finite_stops_naming_the_step(monkeypatch):
    monkeypatch.setattr(train, "clip_gradients", lambda grads, clip: math.inf)
    with pytest.raises(train.NonFiniteError) as e:
        train_copy(num_epochs=1)
    assert str(e.value).startswith("epoch 1, step 1: the gradient norm is inf")
    assert isinstance(e.value.history, train.Seq2SeqHistory) and e.value.history.steps == 0


def test_train_seq2seq_whose_perplexity_overflows_stops_saying_clipping_was_on():
    """A loss near 1000 nats a token is finite; its exponential, the perplexity, is not."""
    model = seq2seq_model()
    gluon_adapter.initialize(model)
    one = mnp.ones((1, 1), dtype="int32")
    model(one, one[0], one)  # completes the deferred shapes
    bias = np.zeros(V, np.float32)
    bias[PAD] = 1000.0  # every target token is 1000 nats below <pad>, never a target
    model.decoder.output.bias.set_data(mnp.array(bias))
    with pytest.raises(train.NonFiniteError) as e:
        train_copy(model, num_epochs=1, lr=1e-9, clip=1.0)
    message = str(e.value)
    assert message.startswith("epoch 1: the perplexity is inf") and "clipping is off" not in message


def test_train_seq2seq_times_its_epochs_and_shows_the_held_out_perplexity(capsys):
    start = time.perf_counter()
    _, h = train_copy(num_epochs=2, val=copy_split(16, seed=1), progress="text")
    took = time.perf_counter() - start
    assert 0 < h.seconds <= took
    per_epoch = h.tokens / 2  # the same minibatches every epoch
    assert h.seconds == pytest.approx(sum(per_epoch / s for s in h.tokens_per_sec), rel=1e-9)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and all(", val perplexity " in line for line in lines)


def test_train_step_names_its_place_and_what_a_bad_loss_is():
    assert _overflowing_step(None, where=None).startswith("this step: the gradient norm is ")
    net = gluon.nn.Dense(1, in_units=2)
    net.initialize()
    trainer = train.make_trainer(net, "sgd", 0.1)
    params, ctx = train.trainable(net), mnp.zeros(1).ctx
    with pytest.raises(TypeError, match=r"recorded under autograd.record\(\), got float$"):
        train.train_step(1.0, params, trainer, None, ctx)
    with pytest.raises(TypeError, match=r"recorded under autograd.record\(\), got shape \(2,\)$"):
        train.train_step(mnp.zeros(2), params, trainer, None, ctx)


def test_a_loss_above_floats_exponential_range_is_an_infinite_perplexity():
    assert train._perplexity(709.9) == math.inf  # exp(709.9) would overflow
    assert train._perplexity(708.0) == pytest.approx(math.exp(708.0))
    assert train._perplexity(math.log(7)) == pytest.approx(7)


def test_train_step_refuses_parameters_trainers_and_devices_of_the_wrong_kind():
    net = gluon.nn.Dense(1, in_units=2)
    net.initialize()
    trainer = train.make_trainer(net, "sgd", 0.1)
    params, ctx, loss = train.trainable(net), mnp.zeros(1).ctx, mnp.zeros(())
    with pytest.raises(TypeError, match=r"^params must be a list of gluon Parameters"):
        train.train_step(loss, [*params, 5], trainer, None, ctx)
    with pytest.raises(TypeError, match=r"^trainer must be a gluon.Trainer .*got str$"):
        train.train_step(loss, params, "sgd", None, ctx)
    with pytest.raises(
        TypeError, match=r"^device must be the MXNet device of the parameters, got None$"
    ):
        train.train_step(loss, params, trainer, None, None)


def test_make_trainer_defaults_to_adam_at_0_01():
    net = gluon.nn.Dense(1, in_units=2)
    net.initialize()
    trainer = train.make_trainer(net)
    assert type(trainer.optimizer).__name__ == "Adam" and trainer.learning_rate == 0.01


def test_make_trainer_says_what_is_not_a_model_and_how_to_initialise_one():
    with pytest.raises(TypeError, match=r"^model must be a gluon Block, got str$"):
        train.make_trainer("net")
    with pytest.raises(ValueError) as e:
        train.make_trainer(gluon.nn.Dense(1, in_units=2))
    assert str(e.value) == (
        "model must be initialized first (call model.initialize() or "
        "d2lrnn.gluon_adapter.initialize)"
    )


def test_train_lm_at_a_nan_loss_stops_naming_the_step_the_optimiser_and_the_clipping():
    model = lm.RNNLM(rnn.RNN(4), 7)
    model.initialize()
    model(mnp.zeros((2, 5), dtype="int32"))
    model.output.bias.set_data(mnp.full((7,), float("nan")))
    b = batches.SeqBatches(np.random.default_rng(0).integers(0, 7, 200), 2, 5)
    with pytest.raises(train.NonFiniteError) as e:
        train.train_lm(model, b, None, 1, lr=0.5, clip=None, progress="none")
    assert str(e.value).startswith(
        "epoch 1, step 1: the loss is nan, so training stopped. Likely causes: the learning "
        "rate (lr=0.5, sgd) is probably too high for this model; gradient clipping is off"
    )
    assert isinstance(e.value.history, train.History) and e.value.history.losses == []


def test_train_lm_times_its_epochs():
    corpus, V = small_corpus(400)
    start = time.perf_counter()
    h = train.train_lm(lm.RNNLM(rnn.RNN(4), V), batches.SeqBatches(corpus, 4, 10), None, 2,
                       progress="none")  # fmt: skip
    took = time.perf_counter() - start
    assert 0 < h.seconds <= took
    per_epoch = h.tokens / 2  # the same minibatches every epoch
    assert h.seconds == pytest.approx(sum(per_epoch / s for s in h.tokens_per_sec), rel=1e-9)


def test_evaluate_lm_of_no_minibatches_says_so():
    class NoBatches(list):
        sampling = "sequential"

    model = lm.RNNLM(rnn.RNN(4), 7)
    model.initialize()
    with pytest.raises(ValueError) as e:
        train.evaluate_lm(model, NoBatches())
    assert str(e.value) == "batches must yield at least one minibatch, got none"
