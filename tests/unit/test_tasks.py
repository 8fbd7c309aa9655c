"""The tagging and classification tasks for bidirectional models, and their training loop."""

import numpy as np
import pytest
from mxnet import np as mnp
from mxnet.gluon import rnn

import d2lrnn
from d2lrnn import tasks


def test_letters_only_strips_accents_and_punctuation():
    assert tasks.letters_only("Ça, c'est l'été !  Où?") == "ca c est l ete ou"
    assert tasks.letters_only("It's 10 o'clock.") == "it s o clock"


def test_segmentation_tags_mark_every_word_start():
    text = "The time traveller (for so it will be convenient to speak of him)"
    X, Y = tasks.segmentation_data(text, 8)
    words = tasks.letters_only(text).split()
    letters = "".join(tasks.LETTERS[i] for i in X.ravel())
    assert X.shape == Y.shape == (len("".join(words)) // 8, 8)
    rebuilt = "".join(
        (" " if t and i else "") + c for i, (c, t) in enumerate(zip(letters, Y.ravel()))
    )
    assert " ".join(words).startswith(rebuilt)


@pytest.mark.parametrize(
    "text, steps, match",
    [
        ("abc def", 0, "num_steps must be an int >= 1"),
        ("123 !!", 4, "text must contain letters"),
        ("ab cd", 10, "text has 4 letters, fewer than num_steps=10"),
    ],
)
def test_segmentation_bad_input(text, steps, match):
    with pytest.raises(ValueError, match=match):
        tasks.segmentation_data(text, steps)


def test_language_data_labels_and_lengths():
    pairs = [
        ("Good morning!", "Bonjour à tous !"),
        ("Hi.", "Salut."),
        ("Good morning!", "Bon matin"),
    ]
    X, y, alphabet = tasks.language_data(pairs, 6, seed=0)
    rows = sorted(("".join(alphabet[i] for i in row), int(label)) for row, label in zip(X, y))
    assert rows == [("bon ma", 1), ("bonjou", 1), ("good m", 0)]  # duplicates and short ones out
    with pytest.raises(ValueError, match="no sentence has 50 or more letters"):
        tasks.language_data(pairs, 50)
    with pytest.raises(ValueError, match="num_chars must be an int >= 1"):
        tasks.language_data(pairs, 0)


def test_models_shapes():
    tagger = tasks.Tagger(rnn.GRU(5, bidirectional=True), 26, 2)
    tagger.initialize()
    assert tagger(mnp.zeros((3, 7), dtype="int32")).shape == (7, 3, 2)
    for bidirectional in (False, True):
        enc = tasks.Encoder(
            rnn.LSTM(5, bidirectional=bidirectional), 27, 4, 2 if bidirectional else 1
        )
        enc.initialize()
        assert enc(mnp.zeros((3, 7), dtype="int32")).shape == (3, 4)
    with pytest.raises(ValueError, match="directions must be 1 or 2, got 3"):
        tasks.Encoder(rnn.GRU(5), 27, 2, directions=3)


def test_encoder_reads_both_final_states():
    """The bidirectional encoder's summary is [forward H after step T, backward H after step 1]."""
    d2lrnn.seed(0)
    layer = rnn.GRU(4, bidirectional=True)
    enc = tasks.Encoder(layer, 6, 2, directions=2)
    enc.initialize()
    X = mnp.array([[1, 2, 3, 4, 5]], dtype="int32")
    logits = enc(X)
    outputs = layer(mnp.eye(6)[X.T])  # (T, 1, 8)
    summary = mnp.concatenate([outputs[-1, 0, :4], outputs[0, 0, 4:]])
    expected = mnp.dot(enc.output.weight.data(), summary) + enc.output.bias.data()
    np.testing.assert_allclose(logits[0].asnumpy(), expected.asnumpy(), atol=1e-6)


def test_fit_learns_a_tagging_task():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 5, size=(600, 10)).astype(np.int32)
    Y = (np.roll(X, -1, axis=1) == 0).astype(np.int32)  # "the next symbol is 0": needs the future
    d2lrnn.seed(0)
    model = tasks.Tagger(rnn.GRU(16, bidirectional=True), 5, 2)
    fit = tasks.fit(model, X[:500], Y[:500], X[500:], Y[500:], num_epochs=8, lr=0.02)
    assert len(fit.accuracy) == len(fit.losses) == 8
    assert fit.losses[-1] < fit.losses[0]
    assert fit.accuracy[-1] > 0.95


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"num_epochs": 0}, "num_epochs must be an int >= 1"),
        ({"batch_size": 0}, "batch_size must be an int >= 1"),
        ({"Y": np.zeros((3, 4), dtype=np.int32)}, "must hold the same number of examples"),
    ],
)
def test_fit_bad_input(kwargs, match):
    args = {
        "X": np.zeros((4, 4), dtype=np.int32),
        "Y": np.zeros((4, 4), dtype=np.int32),
        "X_val": np.zeros((2, 4), dtype=np.int32),
        "Y_val": np.zeros((2, 4), dtype=np.int32),
        "num_epochs": 1,
        **kwargs,
    }
    model = tasks.Tagger(rnn.GRU(3), 4, 2)
    with pytest.raises(ValueError, match=match):
        tasks.fit(model, **args)
