"""Chapter 6's supervised sequence tasks: the data for a tagger and for a sequence classifier.

* **Word segmentation as tagging** (:func:`segmentation_data`): the spaces are
  removed from a text and the model tags each character with 1 if a word
  starts there. Whether a word starts at ``t`` depends on the letters after
  ``t`` as much as on those before: a task for a bidirectional model.
* **Language identification** (:func:`language_data`): English or French,
  from the first characters of a sentence, accents removed. A many-to-one
  task, for an encoder that summarises the sequence in its final states.

:class:`~d2lrnn.classifiers.Tagger` and
:class:`~d2lrnn.classifiers.SequenceClassifier` learn them, trained by
:func:`d2lrnn.train.fit`.
"""

from __future__ import annotations

import unicodedata

import numpy as np

from .checks import check_int, check_str

LETTERS = "abcdefghijklmnopqrstuvwxyz"

__all__ = ["LETTERS", "NgramClassifier", "language_data", "letters_only", "segmentation_data"]


def letters_only(text: str) -> str:
    """Lower case, accents removed (é -> e), everything but a–z turned into single spaces."""
    check_str(text, "text")
    text = unicodedata.normalize("NFD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join("".join(c if c in LETTERS else " " for c in text).split())


def segmentation_data(text: str, num_steps: int):
    """Windows of ``text`` without its spaces, tagged where words start.

    Returns ``X`` ``(n, num_steps)`` letter indices (0–25) and ``Y``
    ``(n, num_steps)`` with ``Y[i, t] = 1`` if a word starts at that letter,
    from consecutive, non-overlapping windows of the unspaced text.
    """
    check_int(num_steps, "num_steps", 1)
    words = letters_only(text).split()
    if not words:
        raise ValueError("text must contain letters")
    letters = "".join(words)
    starts = np.zeros(len(letters), dtype=np.int32)
    starts[np.cumsum([0] + [len(w) for w in words[:-1]])] = 1
    ids = np.frombuffer(letters.encode("ascii"), dtype=np.uint8).astype(np.int32) - ord("a")
    n = len(letters) // num_steps
    if n == 0:
        raise ValueError(
            f"text must hold at least num_steps={num_steps} letters: text has {len(letters)} "
            f"letters, fewer than num_steps={num_steps}"
        )
    return ids[: n * num_steps].reshape(n, num_steps), starts[: n * num_steps].reshape(n, num_steps)


def language_data(pairs, num_chars: int, seed: int = 0):
    """English (0) and French (1) sentences, as their first ``num_chars`` characters.

    ``pairs`` are ``(english, french)`` (see :func:`d2lrnn.data.read_fra_eng`).
    Sentences go through :func:`letters_only`; those shorter than
    ``num_chars`` are dropped. Many sentences share their first characters
    (*tom is a*, *je ne sa*), so the inputs, not the sentences, are
    deduplicated: each distinct input appears **once**, and an input that
    begins sentences of both languages (it cannot be classified) is dropped.
    Any split of the rows is then a split by input: no test input is seen in
    training. Returns ``X`` ``(n, num_chars)`` indices in the 27-token
    alphabet (space first, then a–z), ``y`` ``(n,)``, shuffled with
    ``seed``, and the alphabet.
    """
    check_int(num_chars, "num_chars", 1)
    check_int(seed, "seed", 0)
    if isinstance(pairs, (str, bytes)) or not hasattr(pairs, "__iter__"):
        raise TypeError(f"pairs must be a list of (english, french) pairs, got {pairs!r}")
    pairs = list(pairs)
    for i, pair in enumerate(pairs):
        if not (
            isinstance(pair, (tuple, list))
            and len(pair) == 2
            and all(isinstance(x, str) for x in pair)
        ):
            raise ValueError(f"pairs[{i}] must be a pair (english, french) of str, got {pair!r}")
    if not pairs:
        raise ValueError("pairs must hold at least one (english, french) pair, got none")
    alphabet = " " + LETTERS
    index = {c: i for i, c in enumerate(alphabet)}
    labels_of: dict[str, set[int]] = {}
    for label, sentences in enumerate(zip(*pairs)):
        for s in set(letters_only(s) for s in sentences):
            if len(s) >= num_chars:
                labels_of.setdefault(s[:num_chars], set()).add(label)
    if not labels_of:
        raise ValueError(
            f"num_chars must be at most the length of some sentence, got {num_chars}: "
            f"no sentence has {num_chars} or more letters"
        )
    inputs = sorted(x for x, labels in labels_of.items() if len(labels) == 1)
    if not inputs:
        raise ValueError(
            f"num_chars={num_chars} leaves no input that begins sentences of one language only"
        )
    rows = [[index[c] for c in x] for x in inputs]
    labels = [next(iter(labels_of[x])) for x in inputs]
    order = np.random.default_rng(seed).permutation(len(rows))
    return np.array(rows, dtype=np.int32)[order], np.array(labels, dtype=np.int32)[order], alphabet


class NgramClassifier:
    """A character n-gram baseline for sequence classification: naive Bayes.

    ``fit(X, y)`` counts, for each class, the n-grams of every row (``X``
    ``(n, T)`` token indices, ``y`` ``(n,)`` class indices); ``predict(X)``
    picks the class with the highest ``log P(class) + sum log P(g | class)``
    over the row's n-grams, with add-one (Laplace) smoothing over all
    ``vocab_size ** n`` possible n-grams, so that an unseen n-gram costs a
    little instead of ruling a class out.
    """

    def __init__(self, n: int, vocab_size: int):
        self.n = check_int(n, "n", 1)
        self.vocab_size = check_int(vocab_size, "vocab_size", 1)
        self.log_prior = self.log_prob = None

    def _codes(self, X) -> np.ndarray:
        """Each row's n-grams as integer codes: ``(n, T - n + 1)``."""
        X = np.asarray(X)
        if X.ndim != 2 or X.dtype.kind not in "iu" or X.shape[0] == 0:
            raise ValueError(
                f"X must be a non-empty 2-D array of token indices, got {X.dtype} {X.shape}"
            )
        if X.shape[1] < self.n:
            raise ValueError(f"X must have at least n = {self.n} columns, got {X.shape[1]}")
        if X.min() < 0 or X.max() >= self.vocab_size:
            raise ValueError(
                f"X must hold token indices in [0, {self.vocab_size}), got {X.min()} to {X.max()}"
            )
        codes = np.zeros((X.shape[0], X.shape[1] - self.n + 1), dtype=np.int64)
        for k in range(self.n):
            codes = codes * self.vocab_size + X[:, k : X.shape[1] - self.n + 1 + k]
        return codes

    def fit(self, X, y) -> NgramClassifier:
        codes, y = self._codes(X), np.asarray(y)
        if y.shape != (len(codes),) or y.dtype.kind not in "iu" or y.min() < 0:
            raise ValueError(
                f"y must be ({len(codes)},) class indices >= 0, got {y.dtype} {y.shape}"
            )
        num_classes, num_grams = int(y.max()) + 1, self.vocab_size**self.n
        counts = np.ones((num_classes, num_grams))  # add-one smoothing
        for c in range(num_classes):
            np.add.at(counts[c], codes[y == c].ravel(), 1)
        self.log_prob = np.log(counts / counts.sum(axis=1, keepdims=True))
        self.log_prior = np.log(np.bincount(y, minlength=num_classes) / len(y))
        return self

    def predict(self, X) -> np.ndarray:
        """The most likely class of each row: ``(n,)``."""
        if self.log_prob is None:
            raise RuntimeError("NgramClassifier.predict: call fit(X, y) first")
        scores = self.log_prior[None, :] + self.log_prob[:, self._codes(X)].sum(axis=-1).T
        return scores.argmax(axis=1)
