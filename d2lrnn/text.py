"""Text to tokens to indices: preprocessing, tokenizers and the vocabulary.

Three tokenizers share one interface, ``encode(text) -> list[str]`` and
``decode(tokens) -> str``:

* :class:`CharTokenizer` -- one token per character;
* :class:`WordTokenizer` -- one token per whitespace-separated word;
* :class:`BPETokenizer` -- byte-pair encoding whose merges are learned from a
  corpus; ``decode(encode(text)) == text`` for any text.

:class:`Vocab` maps tokens to indices and back.
"""

from __future__ import annotations

import collections
import heapq
import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .checks import check_choice, check_int, check_str, check_tokens

UNK = "<unk>"

__all__ = [
    "TOKENIZERS",
    "UNK",
    "BPETokenizer",
    "CharTokenizer",
    "Vocab",
    "WordTokenizer",
    "get_tokenizer",
    "preprocess",
    "tokenize",
]


def preprocess(text: str) -> str:
    """Lower-case ``text`` and replace every run of non-letters by one space.

    This is d2l's normalisation of The Time Machine: 26 letters and the space.
    """
    check_str(text, "text")
    return re.sub("[^A-Za-z]+", " ", text).lower()


class CharTokenizer:
    """One token per character; ``decode`` joins them back."""

    name = "char"

    def encode(self, text: str) -> list[str]:
        check_str(text, "text")
        return list(text)

    def decode(self, tokens: Sequence[str]) -> str:
        return "".join(check_tokens(tokens))


class WordTokenizer:
    """One token per run of non-whitespace; ``decode`` joins with single spaces.

    Whitespace is not kept, so ``decode(encode(text))`` equals ``text`` only
    when words are separated by single spaces (as after :func:`preprocess`).
    """

    name = "word"

    def encode(self, text: str) -> list[str]:
        check_str(text, "text")
        return text.split()

    def decode(self, tokens: Sequence[str]) -> str:
        return " ".join(check_tokens(tokens))


# A word with the whitespace in front of it, or trailing whitespace. Every
# character of a text falls in exactly one piece, so joining the pieces gives
# the text back.
_PIECE = re.compile(r"\s*\S+|\s+")


class BPETokenizer:
    """Byte-pair encoding (Sennrich et al., 2016) learned from a corpus.

    The text is cut into pieces, each a word with the whitespace before it.
    Every piece starts as a sequence of characters; learning repeatedly merges
    the most frequent adjacent pair of symbols (ties broken by the pair's
    lexicographic order, so learning is deterministic) into a new symbol.
    Encoding applies the learned merges in the order they were learned.

    Tokens are substrings of the text, so ``decode`` is plain concatenation
    and ``decode(encode(text)) == text`` holds for every text, even one with
    characters never seen in learning (those stay single-character tokens).
    """

    name = "bpe"

    def __init__(self, merges: Sequence[tuple[str, str]] = ()):
        if isinstance(merges, str) or not isinstance(merges, (list, tuple)):
            raise TypeError(
                "merges must be a list of (str, str) pairs, as BPETokenizer.learn makes them, "
                f"got {type(merges).__name__} {merges!r}"
            )
        for i, m in enumerate(merges):
            if not (
                isinstance(m, (list, tuple))
                and len(m) == 2
                and all(isinstance(x, str) and x for x in m)
            ):
                raise ValueError(f"merges[{i}] must be a pair of non-empty str symbols, got {m!r}")
        self.merges = [tuple(m) for m in merges]
        self._ranks = {m: i for i, m in enumerate(self.merges)}
        self._cache: dict[str, list[str]] = {}

    @classmethod
    def learn(cls, text: str, num_merges: int) -> BPETokenizer:
        """Learn up to ``num_merges`` merges from ``text`` (fewer if pairs run out)."""
        check_str(text, "text")
        check_int(num_merges, "num_merges", 0)
        if not text:
            raise ValueError("text must be a non-empty str to learn merges from, got ''")
        piece_freqs = collections.Counter(_PIECE.findall(text))
        words = [list(p) for p in piece_freqs]
        freqs = list(piece_freqs.values())
        pair_counts: collections.Counter = collections.Counter()
        where: dict[tuple[str, str], set[int]] = collections.defaultdict(set)
        for i, (w, f) in enumerate(zip(words, freqs)):
            for pair in zip(w, w[1:]):
                pair_counts[pair] += f
                where[pair].add(i)
        # The most frequent pair, ties to the smallest, is the heap's smallest (-count, pair)
        # that is still current: a count that changes is pushed anew and the old entry is
        # skipped when it surfaces. The same merges as taking the minimum over all pairs
        # at every step, without scanning them all (4,000 merges of chapter 7's French: a
        # minute -> a second).
        heap = [(-count, pair) for pair, count in pair_counts.items()]
        heapq.heapify(heap)
        merges = []
        while len(merges) < num_merges:
            best = None
            while heap:
                negative, pair = heapq.heappop(heap)
                if pair_counts.get(pair) == -negative:
                    best = pair
                    break
            if best is None:  # no pair left: every piece is one symbol
                break
            merges.append(best)
            a, b = best
            changed = set()
            for i in where.pop(best):
                w, f = words[i], freqs[i]
                for pair in zip(w, w[1:]):
                    pair_counts[pair] -= f
                    changed.add(pair)
                    if pair_counts[pair] <= 0:
                        del pair_counts[pair]
                merged, j = [], 0
                while j < len(w):
                    if j + 1 < len(w) and w[j] == a and w[j + 1] == b:
                        merged.append(a + b)
                        j += 2
                    else:
                        merged.append(w[j])
                        j += 1
                words[i] = merged
                for pair in zip(merged, merged[1:]):
                    pair_counts[pair] += f
                    where[pair].add(i)
                    changed.add(pair)
            for pair in changed:
                if pair in pair_counts:
                    heapq.heappush(heap, (-pair_counts[pair], pair))
        return cls(merges)

    def _encode_piece(self, piece: str) -> list[str]:
        if piece in self._cache:
            return self._cache[piece]
        symbols = list(piece)
        while len(symbols) > 1:
            ranked = [
                (self._ranks.get(pair, len(self._ranks)), k)
                for k, pair in enumerate(zip(symbols, symbols[1:]))
            ]
            rank, k = min(ranked)
            if rank == len(self._ranks):
                break
            symbols[k : k + 2] = [symbols[k] + symbols[k + 1]]
        self._cache[piece] = symbols
        return symbols

    def encode(self, text: str) -> list[str]:
        check_str(text, "text")
        return [t for piece in _PIECE.findall(text) for t in self._encode_piece(piece)]

    def decode(self, tokens: Sequence[str]) -> str:
        return "".join(check_tokens(tokens))


TOKENIZERS = {"char": CharTokenizer, "word": WordTokenizer, "bpe": BPETokenizer}


def get_tokenizer(
    name: str, *, text: str | None = None, num_merges: int = 500
) -> CharTokenizer | WordTokenizer | BPETokenizer:
    """Return the tokenizer called ``name`` (``'char'``, ``'word'`` or ``'bpe'``).

    ``'bpe'`` learns ``num_merges`` merges from ``text``, which it then requires.
    """
    check_choice(name, "name", sorted(TOKENIZERS))
    if name == "bpe":
        if text is None:
            raise ValueError(
                "text is required for the 'bpe' tokenizer, which learns from it: text must be "
                "a str, got None"
            )
        return BPETokenizer.learn(text, num_merges)
    return TOKENIZERS[name]()


def tokenize(text: str, name: str = "char", **kwargs: Any) -> list[str]:
    """Split ``text`` into tokens with the tokenizer ``name`` (see :func:`get_tokenizer`).

    For ``'bpe'`` the merges are learned from ``text`` itself.
    """
    check_str(text, "text")
    if name == "bpe":
        kwargs.setdefault("text", text)
    return get_tokenizer(name, **kwargs).encode(text)


def _flatten(tokens: Any, arg: str) -> list[str]:
    """Flatten a token or a nested list/tuple of tokens, checking every leaf is a str."""
    if isinstance(tokens, str):
        return [tokens]
    if not isinstance(tokens, (list, tuple)):
        raise TypeError(
            f"{arg} must be a str token or a (nested) list of str tokens, "
            f"got {type(tokens).__name__}"
        )
    out: list[str] = []
    stack = [iter(tokens)]
    while stack:
        for t in stack[-1]:
            if isinstance(t, str):
                out.append(t)
            elif isinstance(t, (list, tuple)):
                stack.append(iter(t))
                break
            else:
                raise TypeError(f"{arg} must contain only str tokens, got {type(t).__name__} {t!r}")
        else:
            stack.pop()
    return out


class Vocab:
    """A vocabulary: tokens <-> indices, most frequent tokens first.

    Index 0 is ``'<unk>'``, then come ``reserved_tokens`` in the order given,
    then every token seen at least ``min_freq`` times, by decreasing frequency
    and, among equal frequencies, in sorted order (so the vocabulary does not
    depend on the order of the text). Tokens not in the vocabulary map to
    ``'<unk>'``.

    ``tokens`` may be a flat list of str tokens or nested lists of them
    (e.g. one list per line).
    """

    def __init__(
        self,
        tokens: Iterable[Any] = (),
        min_freq: int = 0,
        reserved_tokens: Sequence[str] = (),
    ):
        check_int(min_freq, "min_freq", 0)
        if isinstance(tokens, str):
            raise TypeError(
                "tokens must be a list of str tokens, got a str; split it with a tokenizer"
            )
        if not isinstance(tokens, (list, tuple)):
            try:
                tokens = list(tokens)
            except TypeError:
                raise TypeError(
                    f"tokens must be a list of str tokens, got {type(tokens).__name__} {tokens!r}"
                ) from None
        reserved = check_tokens(reserved_tokens, "reserved_tokens")
        if UNK in reserved or len(set(reserved)) != len(reserved):
            raise ValueError(
                f"reserved_tokens must be distinct and must not contain {UNK!r}, got {reserved!r}"
            )
        counter = collections.Counter(_flatten(tokens, "tokens"))
        #: ``(token, count)`` pairs by decreasing count, ties in sorted order.
        self.token_freqs: list[tuple[str, int]] = sorted(
            counter.items(), key=lambda kv: (-kv[1], kv[0])
        )
        specials = [UNK, *reserved]
        self.idx_to_token: list[str] = specials + [
            t for t, f in self.token_freqs if f >= min_freq and t not in specials
        ]
        self.token_to_idx: dict[str, int] = {t: i for i, t in enumerate(self.idx_to_token)}

    def __len__(self) -> int:
        return len(self.idx_to_token)

    def __contains__(self, token: object) -> bool:
        return token in self.token_to_idx

    @property
    def unk(self) -> int:
        """The index of ``'<unk>'`` (always 0)."""
        return 0

    def __getitem__(self, tokens: Any) -> Any:
        """Index of a token, or nested lists of indices for nested lists of tokens."""
        if isinstance(tokens, str):
            return self.token_to_idx.get(tokens, self.unk)
        if isinstance(tokens, (list, tuple)):
            return [self[t] for t in tokens]
        raise TypeError(
            "tokens must be a str or a (nested) list of str, "
            f"got {type(tokens).__name__} {tokens!r}"
        )

    def to_tokens(self, indices: Any) -> Any:
        """Token of an index, or nested lists of tokens for nested lists (or arrays) of indices."""
        if hasattr(indices, "asnumpy"):  # an MXNet array
            indices = indices.asnumpy()
        if isinstance(indices, np.ndarray):
            indices = indices.tolist()
        if isinstance(indices, (list, tuple)):
            return [self.to_tokens(i) for i in indices]
        if isinstance(indices, (bool, np.bool_)) or not isinstance(indices, (int, np.integer)):
            raise TypeError(
                f"indices must be an int or a (nested) list of ints, "
                f"got {type(indices).__name__} {indices!r}"
            )
        if not 0 <= indices < len(self):
            raise ValueError(
                f"indices must be in [0, {len(self)}): index {indices} is out of range for a "
                f"vocabulary of {len(self)} tokens"
            )
        return self.idx_to_token[indices]
