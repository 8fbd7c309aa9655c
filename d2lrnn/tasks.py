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

__all__ = ["LETTERS", "language_data", "letters_only", "segmentation_data"]


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
    ``num_chars`` are dropped, and each distinct sentence is used once.
    Returns ``X`` ``(n, num_chars)`` indices in the 27-token alphabet (space
    first, then a–z), ``y`` ``(n,)``, shuffled with ``seed``, and the alphabet.
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
    rows, labels = [], []
    for label, sentences in enumerate(zip(*pairs)):
        for s in sorted(set(letters_only(s) for s in sentences)):
            if len(s) >= num_chars:
                rows.append([index[c] for c in s[:num_chars]])
                labels.append(label)
    if not rows:
        raise ValueError(
            f"num_chars must be at most the length of some sentence, got {num_chars}: "
            f"no sentence has {num_chars} or more letters"
        )
    order = np.random.default_rng(seed).permutation(len(rows))
    return np.array(rows, dtype=np.int32)[order], np.array(labels, dtype=np.int32)[order], alphabet
