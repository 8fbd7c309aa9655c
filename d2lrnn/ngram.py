"""Counting n-grams, and n-gram language models with additive (Laplace) smoothing."""

from __future__ import annotations

import collections
import math
from collections.abc import Sequence

import numpy as np

from .checks import check_int, check_number, check_str, check_tokens
from .metrics import perplexity
from .text import Vocab

__all__ = ["NGramLM", "ngram_counts"]


def ngram_counts(tokens: Sequence[str], n: int) -> collections.Counter:
    """Count the ``n``-grams (tuples of ``n`` consecutive tokens) of ``tokens``."""
    tokens = check_tokens(tokens)
    check_int(n, "n", 1)
    return _grams(tokens, n)


def _grams(seq: Sequence, n: int) -> collections.Counter:
    return collections.Counter(zip(*(seq[i:] for i in range(n))))


class NGramLM:
    """An ``n``-gram language model with add-``alpha`` smoothing.

    ``P(w | c) = (count(c, w) + alpha) / (count(c) + alpha * V)`` where ``c``
    is the ``n - 1`` previous tokens and ``V = len(vocab)``. ``alpha = 1`` is
    Laplace smoothing; ``alpha = 0`` is the maximum-likelihood estimate, which
    gives probability zero (infinite perplexity) to any unseen n-gram. Tokens
    outside the vocabulary count as ``'<unk>'``.
    """

    def __init__(
        self, tokens: Sequence[str], n: int, vocab: Vocab | None = None, alpha: float = 1.0
    ):
        tokens = check_tokens(tokens)
        check_int(n, "n", 1)
        if len(tokens) < n:
            raise ValueError(f"tokens must hold at least n={n} tokens, got {len(tokens)}")
        alpha = check_number(alpha, "alpha", 0)
        if vocab is not None and not isinstance(vocab, Vocab):
            raise TypeError(f"vocab must be None or a Vocab, got {type(vocab).__name__}")
        self.n, self.alpha = n, alpha
        self.vocab = vocab if vocab is not None else Vocab(tokens)
        ids = self.vocab[tokens]
        #: counts of n-grams of token indices
        self.counts = _grams(ids, n)
        self.context_counts: collections.Counter = collections.Counter()
        for gram, c in self.counts.items():
            self.context_counts[gram[:-1]] += c

    def prob(self, context: Sequence[str], token: str) -> float:
        """``P(token | context)``; ``context`` holds the ``n - 1`` previous tokens."""
        context = check_tokens(context, "context")
        check_str(token, "token")
        if len(context) != self.n - 1:
            raise ValueError(f"context must hold n - 1 = {self.n - 1} tokens, got {len(context)}")
        return self._prob(tuple(self.vocab[context]), self.vocab[token])

    def _prob(self, ctx: tuple[int, ...], w: int) -> float:
        num = self.counts.get((*ctx, w), 0) + self.alpha
        den = self.context_counts.get(ctx, 0) + self.alpha * len(self.vocab)
        return num / den if den > 0 else 0.0

    def log_probs(self, tokens: Sequence[str]) -> np.ndarray:
        """``log P(x_t | x_{t-n+1}, ..., x_{t-1})`` for ``t = n - 1, ..., len(tokens) - 1``.

        Returns shape ``(len(tokens) - n + 1,)``; ``-inf`` where a probability is 0.
        """
        ids = self.vocab[check_tokens(tokens)]
        if len(ids) < self.n:
            raise ValueError(f"tokens must hold at least n={self.n} tokens, got {len(ids)}")
        out = np.empty(len(ids) - self.n + 1)
        for t in range(self.n - 1, len(ids)):
            p = self._prob(tuple(ids[t - self.n + 1 : t]), ids[t])
            out[t - self.n + 1] = math.log(p) if p > 0 else -math.inf
        return out

    def perplexity(self, tokens: Sequence[str]) -> float:
        """Perplexity of the model on ``tokens`` (``inf`` if it gives any token probability 0)."""
        lp = self.log_probs(tokens)
        return math.inf if np.isinf(lp).any() else perplexity(lp)

    def generate(self, prefix: Sequence[str], num_tokens: int, seed: int = 0) -> list[str]:
        """Sample ``num_tokens`` tokens after ``prefix`` (at least ``n - 1`` tokens)."""
        prefix = check_tokens(prefix, "prefix")
        check_int(num_tokens, "num_tokens", 0)
        check_int(seed, "seed", 0)
        if len(prefix) < self.n - 1:
            raise ValueError(
                f"prefix must hold at least n - 1 = {self.n - 1} tokens, got {len(prefix)}"
            )
        rng = np.random.default_rng(seed)
        ids = self.vocab[prefix]
        V = len(self.vocab)
        for _ in range(num_tokens):
            ctx = tuple(ids[len(ids) - self.n + 1 :]) if self.n > 1 else ()
            p = np.array([self._prob(ctx, w) for w in range(V)])
            if p.sum() == 0:
                raise ValueError(
                    f"alpha must be > 0 to generate after a context never seen: the context "
                    f"{self.vocab.to_tokens(list(ctx))} was never seen and alpha=0, so every "
                    "next token has probability 0"
                )
            ids.append(int(rng.choice(V, p=p / p.sum())))
        return self.vocab.to_tokens(ids)
