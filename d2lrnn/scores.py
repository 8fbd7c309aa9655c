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

import numpy as np

from .checks import check_choice, check_int, check_str

__all__ = [
    "LAYOUTS",
    "Score",
    "corpus_scores",
    "d2l_bleu",
    "grouped_scores",
    "paired_bleu",
    "reference_streams",
]


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


#: The two layouts of references: ``references[i]`` lists sentence ``i``'s references (the
#: book's), or ``references[k][i]`` is the ``k``-th reference of sentence ``i`` (sacreBLEU's
#: streams, ``None`` where a sentence has fewer).
LAYOUTS = ("by_sentence", "streams")


def _is_list(x) -> bool:
    return isinstance(x, (list, tuple))


def _check(
    hypotheses, references, layout: str | None = None, arg: str = "hypotheses"
) -> list[list[str]]:
    """Check the hypotheses and the references; return the references by sentence.

    ``layout=None`` is the book's layout, ``references[i]`` for sentence ``i``. References in
    sacreBLEU's layout (one stream per reference, each with a line per sentence) are refused
    unless ``layout='streams'`` says so, and so is the one shape that fits both layouts with
    different pairings (``n`` lists of ``n`` strings, ``n >= 2``) unless ``layout`` names one.
    """
    if isinstance(hypotheses, str) or not _is_list(hypotheses):
        raise TypeError(f"{arg} must be a list of str, got {type(hypotheses).__name__}")
    if not hypotheses:
        raise ValueError(f"{arg} must hold at least one translation, got none")
    for i, h in enumerate(hypotheses):
        check_str(h, f"{arg}[{i}]")
    if layout is not None:
        check_choice(layout, "layout", LAYOUTS)
    n = len(hypotheses)
    if isinstance(references, str) or not _is_list(references):
        raise TypeError(f"references must be a list of lists of str, got {references!r:.80}")
    streams_shape = (
        bool(references)
        and all(_is_list(r) and len(r) == n for r in references)
        and (n >= 2 or len(references) != n)
    )
    if layout == "streams":
        if not streams_shape:
            raise ValueError(
                f"references must be, with layout='streams', a non-empty list of streams of "
                f"{n} references each (one per hypothesis), got "
                f"{[len(r) if _is_list(r) else r for r in references]!r:.120}"
            )
        by_sentence = [[s[i] for s in references if s[i] is not None] for i in range(n)]
        for i, refs in enumerate(by_sentence):
            if not refs:
                raise ValueError(f"references must give hypothesis {i} a reference, got only None")
        _check_references(by_sentence)
        return by_sentence
    if streams_shape and layout is None:
        square = len(references) == n
        raise ValueError(
            "references must be one list of references per hypothesis (references[i] for "
            f"hypotheses[i]); got {len(references)} list{'s' * (len(references) > 1)} of {n} "
            "strings each, "
            + (
                "which could also be sacreBLEU's layout (references[k][i], the k-th "
                "reference of sentence i), pairing the sentences differently: say which with "
                "layout='by_sentence' or layout='streams'"
                if square
                else "sacreBLEU's layout (references[k][i]): pass layout='streams'"
            )
        )
    if len(references) != n:
        raise ValueError(
            "references must hold one list of reference translations per hypothesis, got "
            f"{len(references)} for {n} hypotheses"
        )
    _check_references(references)
    return [list(r) for r in references]


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
    hypotheses: list[str],
    references: list[list[str]],
    n_bootstrap: int = 1000,
    seed: int = 0,
    *,
    layout: str | None = None,
) -> dict[str, Score]:
    """sacreBLEU's corpus BLEU and chrF, each with a 95% bootstrap confidence interval.

    ``references[i]`` lists every reference translation of sentence ``i``
    (the book's layout, :data:`LAYOUTS`). sacreBLEU's own layout,
    ``references[k][i]`` for the ``k``-th reference of sentence ``i`` (see
    :func:`reference_streams`), pairs the sentences differently: it is
    refused unless ``layout='streams'`` names it, and the shape that fits
    both (``n`` lists of ``n`` references, ``n >= 2``) needs ``layout`` to say
    which it is. The interval is sacreBLEU's: ``n_bootstrap`` resamplings of the
    sentences (with replacement, seeded with ``seed``), the mean of their
    scores, plus or minus half the distance between their 2.5th and 97.5th
    percentiles. Returns ``{'bleu': Score, 'chrf': Score}``.

    The hypotheses and references are expected in the book's normal form
    (:func:`~d2lrnn.translation.normalize`: a space before punctuation), so
    sacreBLEU's note that the text looks tokenised is silenced.
    """
    from sacrebleu.metrics import BLEU, CHRF  # imported only when translations are scored

    references = _check(hypotheses, references, layout)
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


def paired_bleu(
    baseline: list[str],
    systems: dict[str, list[str]],
    references: list[list[str]],
    n_bootstrap: int = 1000,
    seed: int = 0,
    *,
    layout: str | None = None,
) -> dict[str, dict]:
    """Is each system's BLEU really different from the baseline's? A paired bootstrap test.

    ``baseline`` and every ``systems[name]`` translate the same sentences, whose references
    are ``references`` (:func:`corpus_scores`'s layouts). sacreBLEU's paired bootstrap
    resampling (Koehn, 2004; the Moses script's test): ``n_bootstrap`` resamples of the
    sentences, the same resamples for the baseline and the system, seeded with ``seed``.
    Returns, per system, ``{"bleu": its BLEU, "baseline": the baseline's, "delta": the
    difference, "p_value": the share of resamples in which the difference is at least
    as far from the resamples' mean difference as the observed one is from zero}``: a
    small ``p_value`` (below 0.05, say) says the difference is unlikely to be the luck
    of which sentences the test set holds. A system whose translations are the baseline's,
    one for one, gets ``delta`` 0 and ``p_value`` 1.
    """
    from sacrebleu.metrics import BLEU
    from sacrebleu.significance import PairedTest

    references = _check(baseline, references, layout, arg="baseline")
    if not isinstance(systems, dict) or not systems:
        raise TypeError(
            f"systems must be a non-empty dict of name -> hypotheses, got {systems!r:.80}"
        )
    for name, hypotheses in systems.items():
        check_str(name, "systems' names")
        arg = f"systems[{name!r}]"
        if isinstance(hypotheses, str) or not _is_list(hypotheses):
            raise TypeError(f"{arg} must be a list of str, got {type(hypotheses).__name__}")
        if len(hypotheses) != len(baseline):
            raise ValueError(
                f"{arg} must translate the baseline's {len(baseline)} sentences, got "
                f"{len(hypotheses)} translations"
            )
        for i, h in enumerate(hypotheses):
            check_str(h, f"{arg}[{i}]")
    check_int(n_bootstrap, "n_bootstrap", 2)
    seed = check_int(seed, "seed", 0)
    streams = reference_streams(references)
    named = [("baseline", list(baseline))] + [(n, list(h)) for n, h in systems.items()]
    with _quiet_sacrebleu(seed):
        test = PairedTest(named, {"BLEU": BLEU()}, streams, test_type="bs", n_samples=n_bootstrap)
        _, results = test()
    base = results["BLEU"][0].score
    return {
        name: {
            "bleu": r.score,
            "baseline": base,
            "delta": r.score - base,
            # The same translations differ in no resample: sacreBLEU's test, which counts
            # resampled differences strictly beyond the observed one, would say 1 / (n + 1).
            "p_value": 1.0 if list(systems[name]) == list(baseline) else float(r.p_value),
        }
        for name, r in zip(systems, results["BLEU"][1:])
    }


def grouped_scores(
    hypotheses: list[str],
    references: list[list[str]],
    groups: list,
    n_bootstrap: int = 1000,
    seed: int = 0,
    *,
    layout: str | None = None,
) -> dict:
    """:func:`corpus_scores` for each group of sentences (e.g. source-length buckets).

    ``groups[i]`` is sentence ``i``'s group: hashable, not NaN, and of one
    kind that sorts (all numbers or all strings). Returns ``{group: (number
    of sentences, {'bleu': Score, 'chrf': Score})}`` in sorted group order.
    ``layout`` is :func:`corpus_scores`'s.
    """
    references = _check(hypotheses, references, layout)
    if isinstance(groups, str) or not hasattr(groups, "__len__") or len(groups) != len(hypotheses):
        raise ValueError(
            f"groups must give one group per hypothesis ({len(hypotheses)}), got {groups!r:.80}"
        )
    rows: dict = {}
    for i, g in enumerate(groups):
        g = g.item() if isinstance(g, np.generic) else g
        try:
            hash(g)
        except TypeError:
            raise TypeError(
                f"groups[{i}] must be hashable (a number or a str), got {type(g).__name__} {g!r}"
            ) from None
        if isinstance(g, float) and math.isnan(g):
            raise ValueError(f"groups[{i}] must be a group, not NaN (each NaN is its own group)")
        rows.setdefault(g, []).append(i)
    try:
        order = sorted(rows)
    except TypeError:
        kinds = sorted({type(g).__name__ for g in rows})
        raise TypeError(
            "groups must be of one kind that sorts (all numbers or all str), got "
            + ", ".join(kinds)
        ) from None
    out = {}
    for g in order:
        idx = rows[g]
        out[g] = (
            len(idx),
            corpus_scores(
                [hypotheses[i] for i in idx],
                [references[i] for i in idx],
                n_bootstrap,
                seed,
                layout="by_sentence",  # checked above; a group may have any shape
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
