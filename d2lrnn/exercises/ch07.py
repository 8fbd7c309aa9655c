"""Chapter 7's coding exercises (encoder-decoder models and machine translation): their checks.

* 7.1 the masked cross-entropy of logits ``(T, N, V)`` against targets
  ``(N, T)`` with valid lengths ``(N,)``: the mean over the real target
  positions only, one number;
* 7.2 BLEU's clipped ``n``-gram matches of one hypothesis against its
  references (lists of tokens): ``(matches, total)``, two ints;
* 7.3 one pruning step of beam search: from the cumulative log-probabilities
  ``(B,)`` of the hypotheses in the beam and their next-word
  log-probabilities ``(B, V)``, the ``K`` best one-word extensions, best first,
  as ``(row, word, log P)`` triples (``row`` and ``word`` ints);
* 7.4 additive attention: from the decoder state ``(N, q)``, the encoder's
  outputs ``(N, T, h)``, the weights ``W_q`` ``(q, a)``, ``W_k`` ``(h, a)``,
  ``v`` ``(a,)`` and the valid lengths ``(N,)``, the context ``(N, h)`` and the
  weights ``alpha`` ``(N, T)``;
* 7.5 subwords back into words: from a list of subword tokens, each word's
  first token starting with a space (``[" je", " suis", " conf", "use", " ."]``),
  the list of words (``["je", "suis", "confuse", "."]``);
* 7.6 reading an attention map: from the weights ``(T_out, T_src)`` (row ``t``
  the attention over the source when output token ``t`` was chosen), the
  source position each output token looked at most (the first of equal
  weights), a list of ``T_out`` ints, and whether that position never moves
  back, a bool;
* 7.7 attention's gain by source length: from the BLEU ``(S, G)`` of a model
  without and one with attention (row: seed, the same seeds; column: length
  group) and the lengths ``(G,)``, the mean gain of each group ``(G,)`` and
  each seed's least-squares slope of its gain against the length ``(S,)``.

Each check runs the answer on inputs of its own (shapes all different, so that
a transposed or swapped axis shows; sentences of different lengths, so that a
wrong mask shows), compares it with the reference computed here with NumPy,
and names the likely mistake when the answer matches a common wrong one.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from mxnet import np as mnp

from .. import runtime  # noqa: F401  (MXNet's NumPy interface, switched on once)
from .core import Wrong, as_array, as_number, call, exercise, log_softmax, same

__all__: list[str] = []


@exercise(
    "7.1",
    "the masked cross-entropy",
    hint="nll = -npx.pick(npx.log_softmax(logits, axis=-1), Y.T, axis=-1) is (T, N); the mask "
    "is 1 where t < valid_len[n] (t = 0, 1, ...), so (nll * mask).sum() / mask.sum().",
)
def _masked_loss(answer) -> str:
    T, N, V = 5, 3, 7  # all different, so that a transposed target shows
    for seed, lengths in ((0, [5, 2, 3]), (1, [1, 4, 2])):
        rng = np.random.default_rng(seed)
        logits = rng.normal(scale=2.0, size=(T, N, V))
        Y = rng.integers(0, V, size=(N, T))
        valid_len = np.array(lengths)
        got = call(
            answer,
            mnp.array(logits, dtype="float32"),
            mnp.array(Y, dtype="int32"),
            mnp.array(valid_len, dtype="int32"),
        )
        got = as_number(got, "the mean cross-entropy over the real target positions")
        logp = log_softmax(logits)
        nll = -np.take_along_axis(logp, Y.T[..., None], axis=-1)[..., 0]  # (T, N)
        t = np.arange(T)[:, None]

        def mean_over(mask: np.ndarray, nll: np.ndarray = nll) -> float:
            return float((nll * mask).sum() / mask.sum())

        mask = t < valid_len[None, :]
        want = mean_over(mask)
        if np.isclose(got, want, rtol=1e-4):
            continue
        raw = -np.take_along_axis(logits, Y.T[..., None], axis=-1)[..., 0]
        mistakes = {
            "the mean over all T * N positions, padding included (no mask)": nll.mean(),
            "the padding masked out of the sum, but the sum divided by all T * N positions": (
                nll * mask
            ).sum()
            / (T * N),
            "the mean of each sentence's mean (short sentences then weigh as much as long "
            "ones; the loss averages over all real tokens together)": float(
                np.mean([nll[:m, n].mean() for n, m in enumerate(valid_len)])
            ),
            "one padding position too many per sentence (t <= valid_len)": mean_over(
                t <= valid_len[None, :]
            ),
            "one real position too few per sentence (t < valid_len - 1)": mean_over(
                t < valid_len[None, :] - 1
            ),
            "the sum instead of the mean": (nll * mask).sum(),
            "the raw logits instead of log-probabilities (no log_softmax)": float(
                (raw * mask).sum() / mask.sum()
            ),
        }
        for name, wrong in mistakes.items():
            if np.isclose(got, wrong, rtol=1e-4):
                raise Wrong(f"your loss matches {name}: {got:.4g}, expected {want:.4g}.")
        raise Wrong(
            f"for random logits (seed {seed}) and valid lengths {lengths} you return "
            f"{got:.4g}, expected {want:.4g}."
        )
    return "your loss averages the cross-entropy over the real target positions only."


def _ngrams(words: list[str], n: int) -> Counter:
    return Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))


def _clipped(hyp: list[str], refs: list[list[str]], n: int, combine) -> tuple[int, int]:
    """Matches of ``hyp``'s n-grams clipped by ``combine``'d reference counts, and the total."""
    most = combine([_ngrams(r, n) for r in refs])
    counts = _ngrams(hyp, n)
    return sum(min(k, most[g]) for g, k in counts.items()), sum(counts.values())


def _union(counters: list[Counter]) -> Counter:
    out = Counter()
    for c in counters:
        out |= c
    return out


def _wrong(where: str, got, want, mistakes: dict, expected: str):
    """Raise :class:`Wrong` for ``got`` (not ``want``), naming the first mistake it equals."""
    for name, wrong in mistakes.items():
        if got == wrong and wrong != want:
            raise Wrong(f"{where} you return {got}, expected {want}: that is {name}.")
    raise Wrong(f"{where} you return {got}, expected {expected}.")


def _added(counters: list[Counter]) -> Counter:
    return sum(counters, Counter())


@exercise(
    "7.2",
    "clipped n-gram matches",
    hint="For each n-gram of the hypothesis, count min(its count in the hypothesis, its largest "
    "count in any ONE reference) (Counter's | takes the maximum); the total is the number of "
    "n-grams of the hypothesis, len(hyp) - n + 1 (0 if it is shorter than n).",
)
def _clipped_matches(answer) -> str:
    cases = [  # (hypothesis, references, n): each catches a mistake the others may not
        ("le le le le .", ["le chat est là .", "le le chat ."], 1),
        ("le chat le chat .", ["le chat .", "un chat ."], 1),
        ("il fait très froid .", ["il fait froid .", "il fait très très froid ."], 2),
        ("je suis très très fatigué .", ["je suis très fatigué .", "très très fatigué ."], 2),
        ("je suis là .", ["je suis ici ."], 3),
        ("va !", ["va !", "vas-y !"], 3),  # shorter than n: no 3-gram at all
    ]
    for hyp, refs, n in cases:
        hyp_t, refs_t = hyp.split(), [r.split() for r in refs]
        got = call(answer, list(hyp_t), [list(r) for r in refs_t], n)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise Wrong(f"return the pair (matches, total), got {got!r}")
        # Counts: ints, compared as returned (2.5 is not 2, 2.0 and "2" are not ints).
        got = (
            as_number(got[0], "the number of matches", integer=True),
            as_number(got[1], "the total", integer=True),
        )
        want = _clipped(hyp_t, refs_t, n, _union)
        if got == want:
            continue
        unclipped = sum(
            k for g, k in _ngrams(hyp_t, n).items() if _union([_ngrams(r, n) for r in refs_t])[g]
        )
        mistakes = {
            "no clipping: every n-gram that occurs in a reference counts as often as the "
            "hypothesis repeats it": (unclipped, want[1]),
            "clipping by the counts of all references added up (take the largest count in "
            "any one reference, Counter's |, not +)": _clipped(hyp_t, refs_t, n, _added),
            "the first reference only (an n-gram matches if ANY reference has it)": _clipped(
                hyp_t, refs_t[:1], n, _union
            ),
            "a total of len(hyp) - n (one n-gram too few)": (want[0], max(0, len(hyp_t) - n)),
            "a total that counts distinct n-grams only": (want[0], len(_ngrams(hyp_t, n))),
        }
        where = f"for the hypothesis {hyp!r}, the references {refs} and n = {n}"
        _wrong(where, got, want, mistakes, f"(matches, total) = {want}")
    return "your counts are clipped by each n-gram's largest count in any one reference."


def _top(total: np.ndarray, K: int) -> list[tuple[int, int, float]]:
    best = np.argsort(-total, axis=None, kind="stable")[:K]
    return [(*divmod(int(i), total.shape[1]), float(total.reshape(-1)[i])) for i in best]


@exercise(
    "7.3",
    "one pruning step of beam search",
    hint="total = log_p[:, None] + log_probs is (B, V): the cumulative log P of every one-word "
    "extension. Sort ALL B * V of them together (np.argsort(-total, axis=None)), keep the first "
    "K, and turn each flat index i into (row, word) = divmod(i, V).",
)
def _top_candidates(answer) -> str:
    for seed, B, V, K in ((0, 3, 7, 3), (1, 1, 6, 4), (2, 4, 5, 2)):
        rng = np.random.default_rng(seed)
        log_p = -rng.uniform(0, 4, size=B)  # cumulative log-probabilities of the beam
        log_probs = log_softmax(rng.normal(scale=2.0, size=(B, V)))
        if seed == 0:  # the two best extensions come from the same hypothesis
            log_p[:] = [0.0, -2.0, -3.0]
            log_probs[0] = np.log([0.5, 0.4, 0.04, 0.03, 0.02, 0.006, 0.004])
        got = call(answer, log_p.copy(), log_probs.copy(), K)
        where = f"for a beam of {B} hypotheses, V = {V} and K = {K}"
        try:
            items = list(got)
        except TypeError:
            items = None
        if items is None or not all(isinstance(c, (tuple, list)) and len(c) == 3 for c in items):
            shown = " ".join(repr(got).split())
            raise Wrong(
                "return a list of (row, word, log P) triples, best first; got "
                f"{type(got).__name__} {shown if len(shown) <= 80 else shown[:77] + '...'}"
            )
        # row and word are indices, ints; log P a number: compared as returned, not truncated.
        got = [
            (
                as_number(r, "each candidate's row", integer=True),
                as_number(w, "each candidate's word", integer=True),
                as_number(s, "each candidate's log P"),
            )
            for r, w, s in items
        ]
        want = _top(log_p[:, None] + log_probs, K)
        same = len(got) == K and all(
            (r, w) == (wr, ww) and np.isclose(s, ws, rtol=1e-5)
            for (r, w, s), (wr, ww, ws) in zip(got, want)
        )
        if same:
            continue
        if len(got) != K:
            best_words = [(b, int(log_probs[b].argmax())) for b in range(B)]
            if len(got) == min(B, K) and {(r, w) for r, w, _ in got} <= set(best_words):
                raise Wrong(
                    f"{where} you return {len(got)} candidates, each hypothesis' best word; "
                    f"the K best of all B * V extensions may take several words of one "
                    f"hypothesis and none of another.",
                )
            raise Wrong(f"{where} return K = {K} candidates, got {len(got)}.")
        pairs = [(r, w) for r, w, _ in got]
        if any(not (0 <= r < B and 0 <= w < V) for r, w in pairs):
            raise Wrong(
                f"{where} you return (row, word) pairs {pairs}, outside the {B} x {V} "
                "candidates: divide the flat index by V (the number of words), divmod(i, V)."
            )
        per_row = sorted(
            ((b, int(log_probs[b].argmax()), log_p[b] + log_probs[b].max()) for b in range(B)),
            key=lambda c: -c[2],
        )[:K]
        mistakes = {
            "each hypothesis' best word (the K best of all B * V extensions may take several "
            "words of one hypothesis and none of another)": per_row,
            "the K best next words regardless of the hypotheses' log P so far (add the "
            "cumulative log_p of each row)": _top(log_probs, K),
            "the K worst candidates (sort in decreasing order: np.argsort(-total))": _top(
                -(log_p[:, None] + log_probs), K
            ),
            "the product of the log-probabilities (log P adds up: log_p + log_probs)": _top(
                log_p[:, None] * log_probs, K
            ),
        }
        want_pairs = [(r, w) for r, w, _ in want]
        flat = [r * V + w for r, w in want_pairs]
        mistakes[
            "the flat index cut by the number of hypotheses, divmod(i, B); the entry of "
            "row b and word w is at i = b * V + w, so (b, w) = divmod(i, V)"
        ] = [(*divmod(i, B), 0.0) for i in flat]
        for name, wrong in mistakes.items():
            wrong_pairs = [(r, w) for r, w, _ in wrong]
            if pairs == wrong_pairs != want_pairs:
                raise Wrong(f"{where} your candidates are {name}.")
        if pairs == want_pairs:
            raise Wrong(
                f"{where} you keep the right candidates, but their log P should be "
                f"{[round(s, 4) for *_, s in want]}, the cumulative log-probability of "
                f"each extension; yours are {[round(s, 4) for *_, s in got]}."
            )
        raise Wrong(
            f"{where} you keep {pairs}; the K best extensions, best first, are {want_pairs}."
        )
    return "your step keeps the K best of all B * V extensions by cumulative log P."


@exercise(
    "7.4",
    "additive attention",
    hint="e = tanh(s W_q (as (N, 1, a)) + h W_k (N, T, a)) @ v is (N, T); give the padding "
    "positions i >= valid_len[n] a score of -1e6 (mnp.where), softmax over the LAST axis, and "
    "c = sum over i of alpha[:, i, None] * h[:, i].",
)
def _additive_attention(answer) -> str:
    N, T, q, h, a = 2, 5, 4, 3, 6  # all different, so that a transposed weight shows
    for seed, lengths in ((0, [3, 5]), (1, [1, 4])):
        rng = np.random.default_rng(seed)
        s, H = rng.normal(size=(N, q)), rng.normal(size=(N, T, h))
        W_q, W_k, v = rng.normal(size=(q, a)), rng.normal(size=(h, a)), rng.normal(size=a)
        valid_len = np.array(lengths)
        args = [mnp.array(x, dtype="float32") for x in (s, H, W_q, W_k, v)]
        got = call(answer, *args, mnp.array(valid_len, dtype="int32"))
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise Wrong(f"return the pair (c, alpha), got {type(got).__name__}")
        c, alpha = as_array(got[0], "c"), as_array(got[1], "alpha")
        e = np.tanh((s @ W_q)[:, None, :] + H @ W_k) @ v  # (N, T)

        def softmax(scores: np.ndarray, real: np.ndarray, axis: int = -1) -> np.ndarray:
            x = np.where(real, scores, -1e6)
            x = np.exp(x - x.max(axis=axis, keepdims=True))
            return x / x.sum(axis=axis, keepdims=True)

        i = np.arange(T)[None, :]
        real = i < valid_len[:, None]
        want_alpha = softmax(e, real)
        want_c = (want_alpha[:, :, None] * H).sum(axis=1)
        where = f"for random inputs (seed {seed}) with valid lengths {lengths}"
        if alpha.shape != (N, T):
            raise Wrong(f"alpha must have shape (N, T) = {(N, T)}, got {alpha.shape}")
        if not same(alpha, want_alpha):
            everywhere = np.ones_like(real)
            mistakes = {
                "no mask: the padding positions get weight too": softmax(e, everywhere),
                "the softmax over the batch axis (axis 0) instead of the source positions": (
                    softmax(e, real, axis=0)
                ),
                "one padding position too many (i <= valid_len)": softmax(
                    e, i <= valid_len[:, None]
                ),
                "the padding's scores set to 0 instead of -1e6 (exp(0) = 1 is not a zero "
                "weight)": softmax(np.where(real, e, 0.0), everywhere),
                "W_q s and W_k h without the tanh": softmax(
                    ((s @ W_q)[:, None, :] + H @ W_k) @ v, real
                ),
            }
            for name, wrong in mistakes.items():
                if same(alpha, wrong):
                    raise Wrong(f"{where} your alpha matches {name}.")
            raise Wrong(
                f"{where} your alpha differs from the reference by up to "
                f"{np.abs(alpha - want_alpha).max():.3g} (each row sums to "
                f"{np.round(alpha.sum(axis=1), 3).tolist()})."
            )
        if c.shape != (N, h):
            raise Wrong(f"c must have shape (N, h) = {(N, h)}, got {c.shape}")
        if not same(c, want_c):
            raise Wrong(
                f"{where} your alpha is right but c is not sum_i alpha_i h_i: it differs by "
                f"up to {np.abs(c - want_c).max():.3g}."
            )
    return "your weights ignore the padding and sum to 1 over the source; c is their average."


@exercise(
    "7.5",
    "subwords back into words",
    hint="A token that starts with a space starts a new word; any other token continues the "
    "word before it. Concatenate the tokens, then split at the spaces: "
    "''.join(tokens).split().",
)
def _join_subwords(answer) -> str:
    cases = [  # each catches a mistake the others may not
        [" je", " suis", " conf", "use", " ."],
        [" l'", "hom", "me", " est", " là", " !"],
        [" tom"],
        [" a", "b", "c", " d"],
        [" re", "fus", "é", "e", " ?", " non", " !"],
        [],
    ]
    for tokens in cases:
        want = "".join(tokens).split()
        got = call(answer, list(tokens))
        if not isinstance(got, (list, tuple)) or not all(isinstance(w, str) for w in got):
            raise Wrong(f"return a list of words (str), got {got!r}")
        got = list(got)
        if got == want:
            continue
        mistakes = {
            "every token taken as a word (as joining the tokens with spaces does): only a "
            "token that starts with a space starts one": [t.strip() for t in tokens],
            "the words keep the space before them (strip it, or split at the spaces)": [
                " " + w for w in want
            ],
            "split at ' ' without dropping the empty string before the first word": (
                "".join(tokens).split(" ")
            ),
            "all the tokens glued into one word": ["".join(t.strip() for t in tokens)]
            if tokens
            else [],
        }
        _wrong(f"for the tokens {tokens}", got, want, mistakes, f"{want}")
    return "your words are the tokens joined, split where a token starts with a space."


@exercise(
    "7.6",
    "reading an attention map",
    hint="looked = weights.argmax(axis=1) takes the largest weight of each row (each output "
    "token), the first where several are equal; it never moves back when every step "
    "looked[t + 1] - looked[t] is >= 0: bool(np.all(np.diff(looked) >= 0)).",
)
def _attention_reading(answer) -> str:
    cases = [  # (T_out, T_src) of different sizes, so that the wrong axis shows
        [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.1, 0.3, 0.6]],  # stays at 2
        [[0.1, 0.9], [0.6, 0.4], [0.3, 0.7]],  # moves back
        [[0.5, 0.5, 0.0, 0.0], [0.25, 0.25, 0.25, 0.25]],  # ties: the first
        [[0.1, 0.2, 0.3, 0.4, 0.0], [0.0, 0.6, 0.1, 0.2, 0.1], [0.0, 0.0, 0.1, 0.0, 0.9]],
        [[1.0]],
    ]
    for rows in cases:
        weights = np.array(rows)
        want_looked = weights.argmax(axis=1).tolist()
        want_forward = bool(np.all(np.diff(want_looked) >= 0))
        got = call(answer, weights.copy())
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise Wrong(f"return two things, (looked, forward), got {type(got).__name__}")
        looked = as_array(got[0], "looked", integer=True)
        if looked.ndim != 1:
            raise Wrong(f"looked must be a list of {len(rows)} ints, one per output token, "
                        f"got shape {looked.shape}")  # fmt: skip
        looked = looked.tolist()
        where = f"for the weights {rows}"
        mistakes = {
            "the position of each source token's largest weight (argmax over axis 0): each "
            "output token is a row": weights.argmax(axis=0).tolist(),
            "the last of equal weights, not the first": [
                len(r) - 1 - int(np.argmax(np.array(r)[::-1])) for r in rows
            ],
        }
        if looked != want_looked:
            _wrong(where, looked, want_looked, mistakes, f"{want_looked}")
        forward = got[1]
        if not isinstance(forward, (bool, np.bool_)):
            raise Wrong(
                f"forward must be a bool (True or False), got {type(forward).__name__} {forward!r}"
            )
        if bool(forward) != want_forward:
            d = np.diff(want_looked)
            strict, ends = bool(np.all(d > 0)), want_looked[-1] >= want_looked[0]
            why = ""
            if bool(forward) == strict != want_forward:
                why = " (that is a strict increase at every step: staying put is not moving back)"
            elif bool(forward) == ends != want_forward:
                why = " (that compares the last position with the first only)"
            raise Wrong(
                f"{where}, looked = {want_looked}: you return forward = {bool(forward)}, "
                f"expected {want_forward}{why}."
            )
    return "each output token's most-weighted source position, and whether it ever moves back."


@exercise(
    "7.7",
    "attention's gain by source length",
    hint="gain = bleu_attention - bleu_forward is (S, G), seed by seed; its mean over the seeds "
    "is gain.mean(axis=0); each seed's slope is np.polyfit(lengths, gain[i], 1)[0] (polyfit "
    "returns the slope first, then the intercept).",
)
def _length_gain(answer) -> str:
    for seed, (S, G) in enumerate(((3, 5), (4, 7), (2, 3))):  # S != G, so that an axis shows
        rng = np.random.default_rng(seed)
        lengths = np.arange(4, 4 + G)
        forward = rng.uniform(10, 30, (S, G))
        attention = (
            forward
            + rng.normal(0.5, 1.0, (S, G))
            + rng.normal(0.3, 0.2, (S, 1)) * (lengths - lengths.mean())
        )
        gain = attention - forward
        want_mean = gain.mean(axis=0)
        want_slopes = np.array([np.polyfit(lengths, row, 1)[0] for row in gain])
        got = call(answer, forward.copy(), attention.copy(), lengths.copy())
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise Wrong(f"return two things, (mean_gain, slopes), got {type(got).__name__}")
        mean_gain, slopes = (as_array(g, what) for g, what in zip(got, ("mean_gain", "slopes")))
        where = f"for {S} seeds and {G} lengths"
        if mean_gain.shape != (G,):
            why = " (that is the mean over the lengths, axis=1: average over the seeds, axis=0)"
            raise Wrong(f"{where} mean_gain must have shape ({G},), one per length, got "
                        f"{mean_gain.shape}{why if mean_gain.shape == (S,) else ''}.")  # fmt: skip
        if not same(mean_gain, want_mean):
            if same(mean_gain, -want_mean):
                raise Wrong(f"{where} your mean gain has the wrong sign: attention minus forward.")
            raise Wrong(
                f"{where} mean_gain is {mean_gain.round(3)}, expected {want_mean.round(3)}."
            )
        if slopes.shape != (S,):
            raise Wrong(f"{where} slopes must have shape ({S},), one per seed, got {slopes.shape}.")
        if same(slopes, want_slopes):
            continue
        mistakes = {
            "the intercepts (np.polyfit returns [slope, intercept])": [
                np.polyfit(lengths, row, 1)[1] for row in gain
            ],
            "the slopes of the attention model's BLEU, not of its gain": [
                np.polyfit(lengths, row, 1)[0] for row in attention
            ],
            "the slope of the mean gain, the same for every seed": np.full(
                S, np.polyfit(lengths, want_mean, 1)[0]
            ),
            "the lengths fitted against the gain (np.polyfit(x, y, 1) takes x first)": [
                np.polyfit(row, lengths, 1)[0] for row in gain
            ],
            "the slopes of forward minus attention (the sign)": -want_slopes,
        }
        for name, wrong in mistakes.items():
            if same(slopes, np.asarray(wrong)):
                raise Wrong(f"{where} your slopes match {name}.")
        raise Wrong(f"{where} slopes are {slopes.round(3)}, expected {want_slopes.round(3)}.")
    return "the mean gain of each length over the seeds, and each seed's slope of its own gain."
