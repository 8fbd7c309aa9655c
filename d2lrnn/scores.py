"""Scoring translations: sacreBLEU's BLEU and chrF with bootstrap intervals, and d2l's BLEU.

Chapter 7 derives corpus BLEU itself and checks it against
:func:`corpus_scores`, which is the reference implementation
(sacreBLEU, Post, 2018: 13a tokenisation, 4-grams, exponential smoothing,
the closest reference length for the brevity penalty, and multiple
references), with confidence intervals from sacreBLEU's bootstrap
resampling of the test sentences. :func:`d2l_bleu` is d2l's per-sentence
formula, for contrast.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import warnings
from collections import Counter
from dataclasses import dataclass

from .checks import check_int, check_str

__all__ = ["Score", "corpus_scores", "d2l_bleu", "grouped_scores", "reference_streams"]


@dataclass(frozen=True)
class Score:
    """A corpus score (0-100) with the bootstrap mean and 95% confidence interval."""

    name: str
    score: float
    mean: float
    low: float
    high: float
    signature: str

    def __str__(self) -> str:
        return (
            f"{self.name} {self.score:.2f} (95% CI {self.low:.2f} to {self.high:.2f}, "
            f"bootstrap mean {self.mean:.2f})"
        )


def _check(hypotheses, references) -> None:
    if isinstance(hypotheses, str) or not isinstance(hypotheses, (list, tuple)):
        raise TypeError(f"hypotheses must be a list of str, got {type(hypotheses).__name__}")
    if not hypotheses:
        raise ValueError("hypotheses must hold at least one translation, got none")
    for i, h in enumerate(hypotheses):
        check_str(h, f"hypotheses[{i}]")
    if not isinstance(references, (list, tuple)) or len(references) != len(hypotheses):
        raise ValueError(
            "references must hold one list of reference translations per hypothesis, got "
            f"{len(references) if isinstance(references, (list, tuple)) else references!r} "
            f"for {len(hypotheses)} hypotheses"
        )
    _check_references(references)


def _check_references(references) -> None:
    if isinstance(references, str) or not isinstance(references, (list, tuple)):
        raise TypeError(f"references must be a list of lists of str, got {references!r}")
    if not references:
        raise ValueError("references must hold at least one list of references, got none")
    for i, refs in enumerate(references):
        if isinstance(refs, str) or not isinstance(refs, (list, tuple)) or not refs:
            raise ValueError(f"references[{i}] must be a non-empty list of str, got {refs!r}")
        for r in refs:
            check_str(r, f"references[{i}][...]")


@contextlib.contextmanager
def _quiet_sacrebleu(seed: int):
    """sacreBLEU seeds its bootstrap from ``$SACREBLEU_SEED``; set it, and mute its notes."""
    logger, before = logging.getLogger("sacrebleu"), os.environ.get("SACREBLEU_SEED")
    level = logger.level
    os.environ["SACREBLEU_SEED"] = str(seed)
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)
        if before is None:
            del os.environ["SACREBLEU_SEED"]
        else:
            os.environ["SACREBLEU_SEED"] = before


def reference_streams(references: list[list[str]]) -> list[list[str | None]]:
    """sacreBLEU's layout: one stream per reference slot, ``None`` where a sentence has fewer."""
    _check_references(references)
    most = max(len(r) for r in references)
    return [[r[k] if k < len(r) else None for r in references] for k in range(most)]


def corpus_scores(
    hypotheses: list[str], references: list[list[str]], n_bootstrap: int = 1000, seed: int = 0
) -> dict[str, Score]:
    """sacreBLEU's corpus BLEU and chrF, each with a 95% bootstrap confidence interval.

    ``references[i]`` lists every reference translation of sentence ``i``.
    The interval is sacreBLEU's: ``n_bootstrap`` resamplings of the
    sentences (with replacement, seeded with ``seed``), the mean of their
    scores, plus or minus half the distance between their 2.5th and 97.5th
    percentiles. Returns ``{'bleu': Score, 'chrf': Score}``.

    The hypotheses and references are expected in the book's normal form
    (:func:`~d2lrnn.translation.normalize`: a space before punctuation), so
    sacreBLEU's note that the text looks tokenised is silenced.
    """
    from sacrebleu.metrics import BLEU, CHRF  # imported only when translations are scored

    _check(hypotheses, references)
    check_int(n_bootstrap, "n_bootstrap", 2)
    streams = reference_streams(references)
    out = {}
    seed = check_int(seed, "seed", 0)
    for key, metric in (("bleu", BLEU()), ("chrf", CHRF())):
        with _quiet_sacrebleu(seed):
            plain = metric.corpus_score(hypotheses, streams)
            boot = type(metric)().corpus_score(hypotheses, streams, n_bootstrap=n_bootstrap)
        signature = str(metric.get_signature())
        summary = json.loads(boot.format(width=6, signature=signature, is_json=True))
        # sacreBLEU leaves the interval out when the bootstrap mean is 0 (every resample 0).
        mean, ci = summary.get("confidence_mean", 0.0), summary.get("confidence_var", 0.0)
        out[key] = Score(
            "BLEU" if key == "bleu" else "chrF",
            plain.score,
            mean,
            mean - ci,
            mean + ci,
            str(metric.get_signature()),
        )
    return out


def grouped_scores(
    hypotheses: list[str],
    references: list[list[str]],
    groups: list,
    n_bootstrap: int = 1000,
    seed: int = 0,
) -> dict:
    """:func:`corpus_scores` for each group of sentences (e.g. source-length buckets).

    ``groups[i]`` is sentence ``i``'s group (any hashable). Returns
    ``{group: (number of sentences, {'bleu': Score, 'chrf': Score})}`` in
    sorted group order.
    """
    _check(hypotheses, references)
    if isinstance(groups, str) or not hasattr(groups, "__len__") or len(groups) != len(hypotheses):
        raise ValueError(
            f"groups must give one group per hypothesis ({len(hypotheses)}), got {groups!r}"
        )
    rows: dict = {}
    for i, g in enumerate(groups):
        rows.setdefault(g, []).append(i)
    out = {}
    for g in sorted(rows):
        idx = rows[g]
        out[g] = (
            len(idx),
            corpus_scores(
                [hypotheses[i] for i in idx], [references[i] for i in idx], n_bootstrap, seed
            ),
        )
    return out


def d2l_bleu(prediction: str, label: str, k: int = 2) -> float:
    """d2l's per-sentence BLEU: ``exp(min(0, 1 - len_label / len_pred)) prod_n p_n^(1/2^n)``.

    ``p_n`` is the clipped ``n``-gram precision of the whitespace tokens,
    for ``n = 1 .. k``, against a single reference. Unlike corpus BLEU it
    scores one sentence at a time, weights the precisions by ``1/2^n``
    instead of a geometric mean, and takes one reference only.
    """
    check_str(prediction, "prediction")
    check_str(label, "label")
    check_int(k, "k", 1)
    pred, ref = prediction.split(), label.split()
    if not pred:
        return 0.0
    score = math.exp(min(0.0, 1 - len(ref) / len(pred)))
    for n in range(1, min(k, len(pred)) + 1):  # as d2l: no n-gram longer than the prediction
        grams = Counter(tuple(ref[i : i + n]) for i in range(len(ref) - n + 1))
        matches = 0
        for i in range(len(pred) - n + 1):
            gram = tuple(pred[i : i + n])
            if grams[gram] > 0:
                matches += 1
                grams[gram] -= 1
        score *= math.pow(matches / (len(pred) - n + 1), math.pow(0.5, n))
    return score
