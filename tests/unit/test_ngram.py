"""n-gram counts and Laplace-smoothed n-gram language models."""

import math

import pytest

from d2lrnn import Vocab
from d2lrnn.ngram import NGramLM, ngram_counts

TOKENS = list("abababcab")


def test_counts():
    c = ngram_counts(TOKENS, 2)
    assert c[("a", "b")] == 4 and c[("b", "a")] == 2 and c[("b", "c")] == 1
    assert sum(c.values()) == len(TOKENS) - 1


def test_laplace_formula_and_normalisation():
    vocab = Vocab(TOKENS)  # <unk>, a, b, c
    lm = NGramLM(TOKENS, 2, vocab, alpha=1.0)
    V = len(vocab)
    assert lm.prob(["a"], "b") == pytest.approx((4 + 1) / (4 + V))
    assert lm.prob(["c"], "c") == pytest.approx(1 / (1 + V))
    for ctx in vocab.idx_to_token:
        assert sum(lm.prob([ctx], w) for w in vocab.idx_to_token) == pytest.approx(1.0)


def test_tokens_outside_the_vocabulary_count_as_unk():
    vocab = Vocab(list("ab"))
    lm = NGramLM(list("abcab"), 2, vocab, alpha=1.0)
    assert lm.prob(["c"], "a") == lm.prob(["<unk>"], "a") == pytest.approx((1 + 1) / (1 + 3))
    assert lm.log_probs(list("abc")).shape == (2,)


def test_unsmoothed_model_gives_unseen_text_infinite_perplexity():
    lm = NGramLM(TOKENS, 2, alpha=0.0)
    assert lm.perplexity(list("abab")) < 2
    assert lm.perplexity(list("acca")) == math.inf


def test_uniform_model_has_perplexity_V():
    vocab = Vocab(list("abcd"))
    lm = NGramLM(list("abcd"), 1, vocab, alpha=1e12)  # smoothing swamps the counts
    assert lm.perplexity(list("dcbaabcd")) == pytest.approx(len(vocab), rel=1e-6)


def test_generate_is_seeded_and_uses_seen_grams():
    lm = NGramLM(TOKENS, 2, alpha=0.0)
    out = lm.generate(["a"], 20, seed=0)
    assert out == lm.generate(["a"], 20, seed=0)
    assert len(out) == 21
    seen = set(ngram_counts(TOKENS, 2))
    assert all(g in seen for g in zip(out, out[1:]))


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: NGramLM(TOKENS, 0), ValueError, "n must be an int >= 1"),
        (lambda: NGramLM(list("ab"), 3), ValueError, "at least n=3 tokens"),
        (lambda: NGramLM(TOKENS, 2, alpha=-1), ValueError, "alpha must be"),
        (lambda: NGramLM([1, 2, 3], 1), TypeError, "must be a str token"),
        (
            lambda: NGramLM(TOKENS, 2).prob(["a", "b"], "a"),
            ValueError,
            "context must hold n - 1 = 1",
        ),
        (lambda: NGramLM(TOKENS, 3).generate(["a"], 3), ValueError, "prefix must hold at least"),
        (
            lambda: NGramLM(TOKENS, 2, alpha=0).generate(["zz"], 3),
            ValueError,
            "never seen and alpha=0",
        ),
        (lambda: ngram_counts(TOKENS, 0), ValueError, "n must be an int >= 1"),
        (lambda: ngram_counts(TOKENS, 1.0), TypeError, "n must be an int >= 1"),
        (lambda: ngram_counts("abab", 2), TypeError, "got a str; split it"),
    ],
)
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
