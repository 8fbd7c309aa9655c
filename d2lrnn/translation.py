"""English-French sentence pairs for machine translation: normalised, split honestly, padded.

The data is d2l's ``fra-eng.zip`` (Tatoeba): about 167,000 pairs, in which
many English sentences have several French translations. Translation data
is easy to split dishonestly: put one translation of a sentence in the
training set and another in the test set, and the test measures memory, not
translation. :func:`translation_data` therefore

1. normalises and tokenises every sentence (:func:`normalize`, :func:`tokenize`);
2. groups the pairs by English sentence and splits the *groups* into
   training, validation and test sets with a fixed seed, so that no source
   sentence appears in two splits;
3. keeps pairs whose source and target fit in ``max_len`` tokens;
4. with ``num_merges``, cuts the words of each language into subwords by
   byte-pair encoding (:class:`d2lrnn.text.BPETokenizer`), one model per
   language learnt from the training split only;
5. builds both vocabularies from the training split only, with ``<pad>``,
   ``<bos>``, ``<eos>`` and ``<unk>``;
6. pads every sentence to a fixed length and records its valid length;
7. keeps, for every test (and validation) sentence, *all* of its French
   translations as references, for BLEU with multiple references.

Layout: a source is ``(n, num_steps)`` token indices, padded with ``<pad>``
after its valid length; a target is fed to the decoder as ``<bos> y_1 ...
y_m`` and predicted as ``y_1 ... y_m <eos>``, both ``(n, num_steps + 1)``.
With words, ``num_steps`` is ``max_len``; with subwords it is the longest
sentence kept, in subwords (``max_len`` still counts words).

Subword tokens are pieces of the normalised sentence with the space before
them kept (``" je"``, ``" suis"``, ``" conf"``, ``"use"``), so that
:func:`join_subwords` (concatenate, then split at the spaces) gives the
words back; scores are always computed on those words.
"""

from __future__ import annotations

import collections
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from .checks import check_array, check_bool, check_int, check_str, check_tokens
from .text import BPETokenizer, Vocab

__all__ = [
    "PAD",
    "BOS",
    "EOS",
    "SPECIAL",
    "Split",
    "TranslationBatches",
    "TranslationData",
    "detokenize",
    "group_key",
    "join_subwords",
    "normalize",
    "reversed_sources",
    "source_tokens",
    "subword_tokens",
    "tokenize",
    "translation_data",
    "trim_padding",
]

PAD, BOS, EOS = "<pad>", "<bos>", "<eos>"
#: Tokens that mark padding and sentence ends: never a word of a sentence.
SPECIAL = (PAD, BOS, EOS)
_PUNCT = re.compile(r"(?<=\S)([,.!?;:])")


def normalize(text: str) -> str:
    """Lower case, Unicode NFC, non-breaking spaces as spaces, a space before ``, . ! ? ; :``.

    ``"Va !"`` and ``"Va!"`` both become ``"va !"``, so that punctuation is a
    token of its own; apostrophes stay inside words (``"j'ai"``).
    """
    check_str(text, "text")
    text = unicodedata.normalize("NFC", text).replace("\u202f", " ").replace("\xa0", " ")
    return " ".join(_PUNCT.sub(r" \1", text.lower()).split())


def tokenize(text: str) -> list[str]:
    """The tokens of a normalised sentence: words and punctuation marks."""
    return normalize(text).split()


def detokenize(tokens: list[str]) -> str:
    """Tokens back to text in the normal form of :func:`normalize` (a space before punctuation).

    References are kept in that form too, so that a hypothesis and its
    references are tokenised alike by BLEU's own tokeniser.
    """
    return " ".join(check_tokens(tokens, "tokens"))


def _token_ids(ids, arg: str, size: int) -> list[int]:
    """``ids`` as a list of ints, each a token index in ``[0, size)``; else a clear error."""
    if isinstance(ids, (str, bytes)) or not isinstance(ids, (list, tuple, np.ndarray)):
        raise TypeError(f"{arg} must be a list of token indices, got {type(ids).__name__}")
    array = np.asarray(ids)
    if array.ndim != 1 or (array.size and array.dtype.kind not in "iu"):
        raise TypeError(
            f"{arg} must be a 1-D list of integer token indices, got {array.dtype} {array.shape}"
        )
    if array.size and (array.min() < 0 or array.max() >= size):
        raise ValueError(
            f"{arg} must hold token indices in [0, {size}) (the target vocabulary), got values "
            f"from {array.min()} to {array.max()}"
        )
    return array.astype(np.int64).tolist()


def subword_tokens(bpe: BPETokenizer, words: list[str]) -> list[str]:
    """A sentence's words cut into ``bpe``'s subwords, each with the space before it.

    ``subword_tokens(bpe, ["je", "suis", "confuse", "."])`` may give
    ``[" je", " suis", " conf", "use", " ."]``: a token that starts with a
    space starts a word. :func:`join_subwords` undoes it.
    """
    if not isinstance(bpe, BPETokenizer):
        raise TypeError(f"bpe must be a BPETokenizer, got {type(bpe).__name__}")
    words = check_tokens(words, "words")
    spaced = [w for w in words if not w or any(c.isspace() for c in w)]
    if spaced:
        raise ValueError(f"words must be non-empty and hold no whitespace, got {spaced[0]!r}")
    return bpe.encode("".join(" " + w for w in words))


def join_subwords(tokens: list[str]) -> list[str]:
    """Subword tokens back to words: concatenate them and split at the spaces.

    ``join_subwords([" je", " suis", " conf", "use", " ."])`` is
    ``["je", "suis", "confuse", "."]``. Word tokens (no leading space) would
    be glued into one word, so this is for subwords only.
    """
    return "".join(check_tokens(tokens, "tokens")).split()


#: English contractions, expanded by :func:`group_key` (``'s`` and ``'d`` are ambiguous:
#: "is"/"has"/possessive, "would"/"had"; one expansion each is enough for a key).
_CONTRACTIONS = tuple(
    (re.compile(pattern), full)
    for pattern, full in (
        (r"\bcan't\b", "can not"),
        (r"\bcannot\b", "can not"),
        (r"\bwon't\b", "will not"),
        (r"\bshan't\b", "shall not"),
        (r"\bain't\b", "is not"),
        (r"n't\b", " not"),
        (r"'re\b", " are"),
        (r"'m\b", " am"),
        (r"'ve\b", " have"),
        (r"'ll\b", " will"),
        (r"'d\b", " would"),
        (r"'s\b", " is"),
    )  # fmt: skip
)
_PUNCT_TOKENS = frozenset(",.!?;:")


def group_key(text: str) -> str:
    """A key that English sentences differing only in contractions or punctuation share.

    The sentence is normalised (:func:`normalize`), curly apostrophes made
    straight, contractions expanded (``"i've"`` -> ``"i have"``,
    ``"don't"`` -> ``"do not"``) and punctuation tokens dropped, so that
    ``"I've been busy."`` and ``"I have been busy!"`` both give
    ``"i have been busy"``. It is a key, not a translation: ``"tom's"``
    becomes ``"tom is"`` whether it means "is" or is a possessive.
    """
    text = normalize(text).replace("\u2019", "'")
    for pattern, full in _CONTRACTIONS:
        text = pattern.sub(full, text)
    return " ".join(t for t in text.split() if t not in _PUNCT_TOKENS)


@dataclass
class Split:
    """One split: padded sources and targets, valid lengths, and every reference.

    ``src`` ``(n, num_steps)``, ``src_len`` ``(n,)``; ``tgt_in`` ``(n, num_steps + 1)``
    (``<bos>`` then the target), ``tgt_out`` ``(n, num_steps + 1)`` (the target
    then ``<eos>``), ``tgt_len`` ``(n,)`` (target length + 1), in tokens:
    words, or subwords (see :class:`TranslationData`). ``sources``
    are the normalised English sentences, one per row; ``references[i]``
    lists every French translation of ``sources[i]`` in the data (normalised),
    whatever its length.
    """

    src: np.ndarray
    src_len: np.ndarray
    tgt_in: np.ndarray
    tgt_out: np.ndarray
    tgt_len: np.ndarray
    sources: list[str] = field(default_factory=list)
    references: list[list[str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.src)

    def distinct(self) -> Split:
        """One row per distinct source sentence (its first pair): the rows to translate when
        scoring, each with all of its references."""
        first = {}
        for i, s in enumerate(self.sources):
            first.setdefault(s, i)
        return self.select(sorted(first.values()))

    def select(self, rows) -> Split:
        """The split of the given rows (a sequence of row indices, or a boolean mask of
        ``len(self)``), in that order."""
        rows = np.asarray(rows)
        if rows.dtype == bool:
            if rows.shape != (len(self),):
                raise ValueError(
                    f"rows must be a boolean mask of length {len(self)}, got shape {rows.shape}"
                )
            rows = np.flatnonzero(rows)
        if rows.ndim != 1 or (rows.size and rows.dtype.kind not in "iu"):
            raise TypeError(
                f"rows must be a 1-D sequence of row indices, got {rows.dtype} {rows.shape}"
            )
        if rows.size and (rows.min() < 0 or rows.max() >= len(self)):
            raise IndexError(f"rows must be in [0, {len(self)}), got {rows.min()} to {rows.max()}")
        rows = rows.astype(np.int64)
        return Split(
            self.src[rows],
            self.src_len[rows],
            self.tgt_in[rows],
            self.tgt_out[rows],
            self.tgt_len[rows],
            [self.sources[i] for i in rows],
            [self.references[i] for i in rows],
        )


@dataclass
class TranslationData:
    """The vocabularies and the three splits (see :func:`translation_data`).

    ``src_bpe`` and ``tgt_bpe`` are the two languages' subword models, or
    ``None`` for word tokens. ``max_len`` counts words; ``num_steps`` is the
    width of the source arrays, in tokens (``max_len`` for words).
    """

    src_vocab: Vocab
    tgt_vocab: Vocab
    train: Split
    val: Split
    test: Split
    max_len: int
    stats: dict = field(default_factory=dict)
    src_bpe: BPETokenizer | None = None
    tgt_bpe: BPETokenizer | None = None

    @property
    def num_steps(self) -> int:
        """Source tokens a sentence may have (the source arrays' width)."""
        return self.train.src.shape[1]

    @property
    def max_target_steps(self) -> int:
        """Target tokens a translation may have, ``<eos>`` included: the decoders' limit."""
        return self.train.tgt_out.shape[1]

    def source_units(self, sentence: str, arg: str = "sentence") -> list[str]:
        """The tokens the encoder reads for ``sentence``: its words, or their subwords.

        The checks of :func:`source_tokens` apply to the words (``arg`` names
        the sentence in their messages); in subwords the sentence must also fit
        in ``num_steps`` tokens.
        """
        words = source_tokens(sentence, self.max_len, check_str(arg, "arg"))
        if self.src_bpe is None:
            return words
        units = subword_tokens(self.src_bpe, words)
        if len(units) > self.num_steps:
            raise ValueError(
                f"{arg} must fit in num_steps = {self.num_steps} subword tokens (the longest "
                f"source the model was built for), got {len(units)}: {sentence!r}"
            )
        return units

    def encode_source(self, sentence: str) -> tuple[np.ndarray, int]:
        """A new English sentence as ``(1, num_steps)`` padded indices and its length in tokens.

        Tokens outside the vocabulary become ``<unk>``; an empty sentence, one
        longer than ``max_len`` words (or ``num_steps`` subwords), or one
        holding ``<pad>``, ``<bos>`` or ``<eos>`` is refused with a ``ValueError``.
        """
        tokens = self.source_units(sentence)
        row = np.full((1, self.num_steps), self.src_vocab[PAD], dtype=np.int32)
        row[0, : len(tokens)] = self.src_vocab[tokens]
        return row, len(tokens)

    def target_words(self, ids) -> list[str]:
        """Target token indices (no ``<bos>``, ``<eos>`` or padding) as French words."""
        tokens = self.tgt_vocab.to_tokens(_token_ids(ids, "ids", len(self.tgt_vocab)))
        return join_subwords(tokens) if self.tgt_bpe is not None else tokens

    def target_text(self, ids) -> str:
        """Target token indices as a sentence in the normal form of :func:`normalize`."""
        return detokenize(self.target_words(ids))


def source_tokens(sentence: str, max_len: int, arg: str = "sentence") -> list[str]:
    """The tokens of an English ``sentence`` to translate, checked (``arg`` names it).

    It must hold 1 to ``max_len`` tokens (a model is trained on sentences that
    short), none of them ``<pad>``, ``<bos>`` or ``<eos>`` (which the model
    reads as padding or sentence ends); otherwise ``ValueError``.
    """
    tokens = tokenize(check_str(sentence, arg))
    max_len = check_int(max_len, "max_len", 1)
    if not tokens:
        raise ValueError(f"{arg} must hold at least one word, got {sentence!r}")
    special = [t for t in tokens if t in SPECIAL]
    if special:
        raise ValueError(
            f"{arg} must not hold the special tokens {', '.join(SPECIAL)} (the model reads "
            f"them as padding or sentence ends), got {special[0]!r} in {sentence!r}"
        )
    if len(tokens) > max_len:
        raise ValueError(
            f"{arg} must have at most max_len = {max_len} tokens (the model was trained on "
            f"sentences that short), got {len(tokens)}: {sentence!r}"
        )
    return tokens


def _arrays(pairs, src_vocab: Vocab, tgt_vocab: Vocab, width: int) -> tuple[np.ndarray, ...]:
    n = len(pairs)
    src = np.full((n, width), src_vocab[PAD], dtype=np.int32)
    tgt_in = np.full((n, width + 1), tgt_vocab[PAD], dtype=np.int32)
    tgt_out = np.full((n, width + 1), tgt_vocab[PAD], dtype=np.int32)
    src_len, tgt_len = np.zeros(n, dtype=np.int32), np.zeros(n, dtype=np.int32)
    bos, eos = tgt_vocab[BOS], tgt_vocab[EOS]
    for i, (s, t) in enumerate(pairs):
        s_ids, t_ids = src_vocab[s], tgt_vocab[t]
        src[i, : len(s_ids)], src_len[i] = s_ids, len(s_ids)
        tgt_in[i, : len(t_ids) + 1] = [bos, *t_ids]
        tgt_out[i, : len(t_ids) + 1] = [*t_ids, eos]
        tgt_len[i] = len(t_ids) + 1
    return src, src_len, tgt_in, tgt_out, tgt_len


def translation_data(
    pairs: list[tuple[str, str]],
    max_len: int = 8,
    min_freq: int = 5,
    num_val: int = 1000,
    num_test: int = 1000,
    seed: int = 0,
    num_merges: int | None = None,
) -> TranslationData:
    """Split, filter, index and pad English-French pairs (see the module docstring).

    Args:
        pairs: ``(english, french)`` sentence pairs (a list, or any iterable:
            it is read once), e.g. :func:`d2lrnn.data.read_fra_eng`. A
            sentence that holds ``<pad>``, ``<bos>`` or ``<eos>`` is refused,
            naming its pair.
        max_len: the longest source and target kept, in tokens (the target
            gets one more position for ``<bos>`` / ``<eos>``).
        min_freq: the fewest training occurrences of a word in the
            vocabulary; rarer words become ``<unk>``. A smaller output
            vocabulary makes the decoder's softmax, which dominates training,
            cheaper.
        num_val, num_test: distinct English sentences in the validation and
            test splits (before the length filter).
        seed: seed of the shuffle of the distinct English sentences.
        num_merges: ``None`` for word tokens; else the merges of each
            language's byte-pair encoding, learnt from the training split's
            pairs (the pairs still selected by ``max_len`` words). ``0`` gives
            characters. ``min_freq`` then applies to the subwords.

    ``stats`` holds, per split, its sizes, ``<unk>`` rates and length
    histograms, and for the validation and test splits how they still
    overlap the training split although no English sentence is in both:
    ``near_duplicates``, the distinct sources whose :func:`group_key`
    (contractions expanded, punctuation dropped) is a training source's;
    ``target_in_train``, the share of pairs whose French target is, word for
    word, the target of a training pair; ``sources_with_seen_target``, the
    distinct sources with at least one such pair.
    """
    if isinstance(pairs, (str, bytes, dict)) or not hasattr(pairs, "__iter__"):
        raise TypeError(f"pairs must be a list of (english, french) pairs, got {pairs!r:.80}")
    max_len = check_int(max_len, "max_len", 1)
    min_freq = check_int(min_freq, "min_freq", 1)
    num_val, num_test = check_int(num_val, "num_val", 1), check_int(num_test, "num_test", 1)
    rng = np.random.default_rng(check_int(seed, "seed", 0))
    if num_merges is not None:
        num_merges = check_int(num_merges, "num_merges", 0)
    pairs = list(pairs)  # a generator or an iterator is read once, here
    groups: dict[str, list[str]] = collections.defaultdict(list)
    for i, pair in enumerate(pairs):
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise ValueError(f"pairs[{i}] must be a pair (english, french), got {pair!r:.80}")
        english, french = (
            normalize(check_str(x, f"pairs[{i}][{j}] ({side})"))
            for j, (x, side) in enumerate(zip(pair, ("english", "french")))
        )
        for side, sentence in (("english", english), ("french", french)):
            special = [t for t in sentence.split() if t in SPECIAL]
            if special:
                raise ValueError(
                    f"pairs[{i}] must not hold the special tokens {', '.join(SPECIAL)} (they "
                    f"mark padding and sentence ends), got {special[0]!r} in its {side} "
                    f"sentence {sentence!r}"
                )
        if english and french:
            groups[english].append(french)
    keys = sorted(groups)
    if len(keys) <= num_val + num_test:
        raise ValueError(
            f"num_val and num_test must leave English sentences for training: pairs hold "
            f"{len(keys)} distinct English sentences, not enough for num_val={num_val} and "
            f"num_test={num_test} plus training data"
        )
    rng.shuffle(keys)
    splits = {
        "test": keys[:num_test],
        "val": keys[num_test : num_test + num_val],
        "train": keys[num_test + num_val :],
    }

    def fitting(split_keys):
        rows = []
        for k in split_keys:
            s = k.split()
            if len(s) > max_len:
                continue
            for f in groups[k]:
                t = f.split()
                if len(t) <= max_len:
                    rows.append((k, s, t))
        return rows

    rows = {name: fitting(ks) for name, ks in splits.items()}
    if not rows["train"]:
        raise ValueError(
            f"max_len must leave training pairs: no training pair has both sentences within "
            f"max_len = {max_len} tokens"
        )
    src_bpe = tgt_bpe = None
    units = {name: [(s, t) for _, s, t in split_rows] for name, split_rows in rows.items()}
    if num_merges is not None:
        src_bpe, tgt_bpe = (
            BPETokenizer.learn("".join(" " + " ".join(r[k]) for r in rows["train"]), num_merges)
            for k in (1, 2)
        )
        units = {
            name: [(subword_tokens(src_bpe, s), subword_tokens(tgt_bpe, t)) for _, s, t in r]
            for name, r in rows.items()
        }
    width = max_len
    if num_merges is not None:
        width = max(max(len(s), len(t)) for split_units in units.values() for s, t in split_units)
    src_vocab = Vocab([s for s, _ in units["train"]], min_freq, [PAD])
    tgt_vocab = Vocab([t for _, t in units["train"]], min_freq, [PAD, BOS, EOS])
    for side, vocab, specials in (("source", src_vocab, 2), ("target", tgt_vocab, 4)):
        if len(vocab) <= specials:
            raise ValueError(
                f"min_freq must leave words in the {side} vocabulary: no word occurs "
                f"{min_freq} times in the training split, so every one would be <unk>"
            )
    out = {}
    for name, split_rows in rows.items():
        arrays = _arrays(units[name], src_vocab, tgt_vocab, width)
        sources = [k for k, _, _ in split_rows]
        out[name] = Split(*arrays, sources, [list(groups[k]) for k in sources])
    stats = _stats(rows, out, src_vocab, tgt_vocab, len(pairs), len(keys))
    train_keys = {group_key(k) for k, _, _ in rows["train"]}
    train_targets = {" ".join(t) for _, _, t in rows["train"]}
    for name in ("val", "test"):
        seen = [" ".join(t) in train_targets for _, _, t in rows[name]]
        stats[name]["near_duplicates"] = sorted(
            {k for k, _, _ in rows[name] if group_key(k) in train_keys}
        )
        stats[name]["target_in_train"] = float(np.mean(seen)) if seen else 0.0
        stats[name]["sources_with_seen_target"] = sorted(
            {k for (k, _, _), s in zip(rows[name], seen) if s}
        )
    return TranslationData(
        src_vocab, tgt_vocab, out["train"], out["val"], out["test"], max_len, stats,
        src_bpe, tgt_bpe,
    )  # fmt: skip


def _stats(rows, out, src_vocab, tgt_vocab, num_pairs, num_sentences) -> dict:
    """Sizes, the ``<unk>`` rate of each split's tokens, and length histograms."""
    stats = {"pairs": num_pairs, "distinct_english": num_sentences}
    for name, split in out.items():
        unk_s = float((split.src == src_vocab.unk).sum() / max(1, split.src_len.sum()))
        valid = np.arange(split.tgt_out.shape[1])[None, :] < (split.tgt_len[:, None] - 1)
        unk_t = float(((split.tgt_out == tgt_vocab.unk) & valid).sum() / max(1, valid.sum()))
        stats[name] = {
            "pairs": len(split),
            "distinct_sources": len(set(split.sources)),
            "references_per_source": float(
                np.mean([len(r) for r in split.distinct().references]) if len(split) else 0.0
            ),
            "src_unk_rate": unk_s,
            "tgt_unk_rate": unk_t,
            "src_lengths": np.bincount(split.src_len, minlength=out["train"].src.shape[1] + 1),
            "tgt_lengths": np.bincount(split.tgt_len - 1, minlength=out["train"].src.shape[1] + 1),
        }
    return stats


class TranslationBatches:
    """Minibatches of a :class:`Split`, in a new random order each epoch (seeded).

    Each ``iter()`` yields ``(src, src_len, tgt_in, tgt_out, tgt_len)``
    NumPy arrays of ``batch_size`` rows (the last batch may be smaller);
    ``reverse_source`` reverses each source's valid tokens, keeping the
    padding at the end (Sutskever et al., 2014).

    ``bucket=k > 0`` groups pairs of similar lengths (*length bucketing*):
    each epoch the shuffled pairs are cut into pools of ``k`` minibatches,
    each pool is sorted by target and then source length (a stable sort,
    so pairs of equal lengths stay in random order) and cut into
    minibatches, and the minibatches are served in random order. Each
    minibatch then has little padding, which :func:`trim_padding` (and
    :func:`~d2lrnn.train.train_seq2seq`) cuts off. Every pair is still seen
    once an epoch, and there are as many minibatches.
    """

    def __init__(
        self,
        split: Split,
        batch_size: int,
        shuffle: bool = True,
        seed: int = 0,
        reverse_source: bool = False,
        bucket: int = 0,
    ):
        if not isinstance(split, Split):
            raise TypeError(f"split must be a translation Split, got {type(split).__name__}")
        if not len(split):
            raise ValueError("split must hold at least one pair, got none")
        self.split = split
        self.batch_size = check_int(batch_size, "batch_size", 1)
        self.shuffle = check_bool(shuffle, "shuffle")
        self.reverse_source = check_bool(reverse_source, "reverse_source")
        self.rng = np.random.default_rng(check_int(seed, "seed", 0))
        self.bucket = check_int(bucket, "bucket", 0)
        self.src = reversed_sources(split.src, split.src_len) if reverse_source else split.src

    def __len__(self) -> int:
        return -(-len(self.split) // self.batch_size)

    def __iter__(self) -> Iterator[tuple[np.ndarray, ...]]:
        n = len(self.split)
        order = self.rng.permutation(n) if self.shuffle else np.arange(n)
        s, size = self.split, self.batch_size
        batches = [order[i : i + size] for i in range(0, n, size)]
        if self.bucket:
            batches, pool = [], self.bucket * size
            for i in range(0, n, pool):
                chunk = order[i : i + pool]
                chunk = chunk[np.lexsort((s.src_len[chunk], s.tgt_len[chunk]))]  # stable
                batches += [chunk[j : j + size] for j in range(0, len(chunk), size)]
            if self.shuffle:
                batches = [batches[k] for k in self.rng.permutation(len(batches))]
        for idx in batches:
            yield self.src[idx], s.src_len[idx], s.tgt_in[idx], s.tgt_out[idx], s.tgt_len[idx]


def trim_padding(batch: tuple, source: bool = True) -> tuple:
    """A minibatch ``(src, src_len, tgt_in, tgt_out, tgt_len)`` cut to its longest sentences.

    The columns after the longest target (and, with ``source=True``, after
    the longest source) hold only padding. A loss masked to the valid target
    positions, and an encoder that keeps its state at each source's last
    valid token, do not read them, so cutting them off gives the same loss
    and gradients for less work. (An encoder that reads the padding, like
    d2l's, needs ``source=False``.)
    """
    if not isinstance(batch, (tuple, list)) or len(batch) != 5:
        raise TypeError(
            "batch must be a minibatch (src, src_len, tgt_in, tgt_out, tgt_len), got "
            f"{type(batch).__name__}"
        )
    source = check_bool(source, "source")
    src, src_len, tgt_in, tgt_out, tgt_len = (np.asarray(a) for a in batch)
    names = ("src", "src_len", "tgt_in", "tgt_out", "tgt_len")
    for name, a in zip(names, (src, src_len, tgt_in, tgt_out, tgt_len)):
        check_array(a, name, ndim=1 if name.endswith("len") else 2, kind="i")
    if not (len(src) == len(src_len) == len(tgt_in) == len(tgt_out) == len(tgt_len) > 0):
        raise ValueError("batch's five arrays must have the same number of rows, at least one")
    if tgt_in.shape != tgt_out.shape:
        raise ValueError(
            f"tgt_in and tgt_out must have one shape, got {tgt_in.shape} and {tgt_out.shape}"
        )
    if src_len.min() < 1 or src_len.max() > src.shape[1]:
        raise ValueError(
            f"src_len must hold lengths in [1, {src.shape[1]}], got {src_len.tolist()}"
        )
    if tgt_len.min() < 1 or tgt_len.max() > tgt_in.shape[1]:
        raise ValueError(
            f"tgt_len must hold lengths in [1, {tgt_in.shape[1]}], got {tgt_len.tolist()}"
        )
    T = int(tgt_len.max())
    if source:
        src = src[:, : int(src_len.max())]
    return src, src_len, tgt_in[:, :T], tgt_out[:, :T], tgt_len


def reversed_sources(src: np.ndarray, src_len: np.ndarray) -> np.ndarray:
    """Each row's first ``src_len`` tokens in reverse order, the padding left in place."""
    src = check_array(src, "src", ndim=2, kind="i")
    src_len = check_array(src_len, "src_len", ndim=1, kind="i", shape=(src.shape[0],))
    if src_len.min() < 0 or src_len.max() > src.shape[1]:
        raise ValueError(
            f"src_len must hold lengths in [0, {src.shape[1]}] (src's num_steps), got "
            f"{src_len.tolist()}"
        )
    out = src.copy()
    for i, n in enumerate(src_len):
        out[i, :n] = src[i, :n][::-1]
    return out
