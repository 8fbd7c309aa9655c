"""Text generation from a language model: greedy, sampled, seeded, bad input."""

import numpy as np
import pytest
from mxnet.gluon import rnn

import d2lrnn
from d2lrnn import batches, lm, text, train
from d2lrnn.generate import generate, sampling_probs


@pytest.fixture(scope="module")
def trained():
    """A small model that has learned to spell 'abcd' over and over."""
    d2lrnn.seed(0)
    vocab = d2lrnn.Vocab(list("abcd "))
    corpus = np.array(vocab[list("abcd " * 300)])
    model = lm.RNNLM(rnn.RNN(16), len(vocab))
    train.train_lm(model, batches.SeqBatches(corpus, 8, 10), None, 15, lr=2.0, progress="none")
    return model, vocab


def test_greedy_continues_the_pattern(trained):
    model, vocab = trained
    assert generate(model, vocab, "abc", 12, greedy=True) == "abcd abcd abcd "
    assert generate(model, vocab, "abc", 0, greedy=True) == "abc"


def test_sampling_is_seeded(trained):
    model, vocab = trained
    a = generate(model, vocab, "a", 40, temperature=3.0, seed=1)
    assert a == generate(model, vocab, "a", 40, temperature=3.0, seed=1)
    assert a != generate(model, vocab, "a", 40, temperature=3.0, seed=2)
    assert len(a) == 41 and set(a) <= set("abcd ") | {"<unk>"} | set("<unk>")


def test_top_k_1_is_greedy(trained):
    model, vocab = trained
    assert generate(model, vocab, "ab", 10, top_k=1, seed=5) == generate(
        model, vocab, "ab", 10, greedy=True
    )


def test_word_tokenizer_joins_with_spaces():
    d2lrnn.seed(0)
    vocab = d2lrnn.Vocab("the time machine".split())
    model = lm.RNNLM(rnn.GRU(4), len(vocab))
    model.initialize()
    out = generate(model, vocab, "the time", 3, tokenizer=text.WordTokenizer(), seed=0)
    words = out.split(" ")
    assert words[:2] == ["the", "time"] and len(words) == 5
    assert set(words) <= set(vocab.idx_to_token)


def test_sampling_probs():
    z = np.array([1.0, 2.0, 3.0])
    q = sampling_probs(z, 1.0)
    np.testing.assert_allclose(q, np.exp(z) / np.exp(z).sum())
    assert sampling_probs(z, 0.01)[2] == pytest.approx(1.0)
    np.testing.assert_allclose(sampling_probs(z, 1e6), 1 / 3, rtol=1e-4)
    q2 = sampling_probs(z, 1.0, top_k=2)
    assert q2[0] == 0 and q2.sum() == pytest.approx(1.0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"prefix": "abz"}, r"not in the vocabulary: \['z'\]"),
        ({"prefix": ""}, "prefix must be a non-empty str"),
        ({"temperature": 0}, "temperature must be a finite number > 0, got 0"),
        ({"temperature": -1.0}, "temperature must be a finite number > 0, got -1.0"),
        ({"top_k": 0}, "top_k must be an int >= 1 and <= 6, got 0"),
        ({"top_k": 99}, "top_k must be an int >= 1 and <= 6, got 99"),
        ({"num_tokens": -1}, "num_tokens must be an int >= 0"),
    ],
)
def test_generate_bad_input(trained, kwargs, match):
    model, vocab = trained
    args = {"prefix": "ab", "num_tokens": 3, **kwargs}
    with pytest.raises(ValueError, match=match):
        generate(model, vocab, **args)


def test_generate_non_integer_length(trained):
    model, vocab = trained
    with pytest.raises(TypeError, match="num_tokens must be an int >= 0"):
        generate(model, vocab, "ab", 2.0)
