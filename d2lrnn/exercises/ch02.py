"""Chapter 2's coding exercises (text and language models): their checks.

* 2.1 Zipf's exponent ``alpha`` fitted by least squares to ``log n_i`` against
  ``log i`` over ranks ``lo..hi``, from word counts in any order;
* 2.2 the add-``alpha`` bigram estimate as a matrix: counts ``C`` ``(V, V)`` ->
  ``P`` ``(V, V)``, ``P[i, j] = P(j | i)``;
* 2.3 the perplexity of a model from the log-probabilities ``(n,)`` it gave the
  ``n`` tokens of a text;
* 2.4 sequential partitioning of a corpus ``(N,)`` of token indices into minibatches
  ``(X, Y)`` of ints, each ``(batch_size, num_steps)``, whose rows continue each other.

Each check runs the answer on inputs of its own (NumPy arrays; sizes chosen so that
a transposed or shifted result shows), compares it with the reference computed
here, and names the likely mistake when the answer matches a common wrong one.
"""

from __future__ import annotations

import numpy as np

from .core import Wrong, as_array, as_number, call, exercise, same

__all__: list[str] = []


# ------------------------------------------------------------------ 2.1 Zipf's exponent


def _slope(x: np.ndarray, y: np.ndarray) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.polyfit(x, y, 1)[0])


@exercise(
    "2.1",
    "Zipf's exponent by least squares",
    hint="Sort the counts in decreasing order, so that rank i (1 = the most frequent) sits at "
    "index i - 1; fit a line to log(counts[lo - 1 : hi]) against log(ranks), ranks = "
    "np.arange(lo, hi + 1), with np.polyfit(x, y, 1); alpha is minus its slope.",
)
def _zipf_exponent(answer) -> str:
    """``answer(counts, lo, hi)`` with ``counts`` a list of ints in any order returns ``alpha``."""
    rng = np.random.default_rng(0)
    ranks_all = np.arange(1, 2001)
    # A power law with noise (so that a fit over other ranks gives another exponent),
    # shuffled (so that the answer has to sort).
    counts = np.maximum(1, np.round(5e4 * ranks_all**-1.2 * rng.lognormal(0, 0.3, 2000)))
    counts = rng.permutation(counts).astype(int)
    for lo, hi in ((10, 1000), (3, 60)):
        got = as_number(call(answer, counts.tolist(), lo, hi), "alpha")
        desc = np.sort(counts)[::-1].astype(float)
        ranks = np.arange(lo, hi + 1)
        want = -_slope(np.log(ranks), np.log(desc[lo - 1 : hi]))
        if np.isclose(got, want, rtol=1e-6):
            continue
        mistakes = {
            "the slope itself; alpha is minus the slope (n_i falls as 1 / i^alpha)": -want,
            "a fit to the counts in the order given: sort them first, most frequent first": (
                -_slope(np.log(ranks), np.log(counts[lo - 1 : hi].astype(float)))
            ),
            "a fit to the counts sorted in increasing order: rank 1 is the most frequent": (
                -_slope(np.log(ranks), np.log(np.sort(counts)[lo - 1 : hi].astype(float)))
            ),
            "ranks off by one: rank i sits at index i - 1 of the sorted counts": (
                -_slope(np.log(ranks), np.log(desc[lo : hi + 1]))
            ),
            "ranks counted from 0 (rank 1 is the most frequent count)": (
                -_slope(np.log(ranks - 1), np.log(desc[lo - 1 : hi]))
            ),
            "a fit of log i against log n_i (the axes swapped)": (
                -_slope(np.log(desc[lo - 1 : hi]), np.log(ranks))
            ),
            f"a fit over every rank, not only ranks {lo} to {hi}": (
                -_slope(np.log(ranks_all), np.log(desc))
            ),
        }
        for name, wrong in mistakes.items():
            if np.isfinite(wrong) and np.isclose(got, wrong, rtol=1e-6):
                raise Wrong(f"your alpha, {got:.4g}, matches {name} (expected {want:.4g}).")
        raise Wrong(
            f"for ranks {lo} to {hi} of 2,000 counts of a noisy power law you return alpha = "
            f"{got:.4g}, expected {want:.4g}."
        )
    return "your alpha matches the least-squares fit of log n_i against log i over the ranks."


# ------------------------------------------------------------------ 2.2 Laplace smoothing


@exercise(
    "2.2",
    "the add-alpha bigram estimate as a matrix",
    hint="P[i, j] = (C[i, j] + alpha) / (C[i].sum() + alpha * V): row i is the context, so "
    "divide by the row sums, C.sum(axis=1, keepdims=True), and every row sums to 1.",
)
def _smoothed_bigram(answer) -> str:
    """``answer(C, alpha)`` with counts ``C: (V, V)`` returns ``P: (V, V)``."""
    V = 5
    C = np.random.default_rng(3).integers(0, 7, size=(V, V)).astype(float)
    C[3] = 0  # token 3 never seen as a context: its row must come out uniform
    for alpha in (1.0, 0.1):
        with np.errstate(divide="ignore", invalid="ignore"):
            got = as_array(call(answer, C.copy(), alpha), "P")
            rows = C.sum(axis=1, keepdims=True)
            want = (C + alpha) / (rows + alpha * V)
            if same(got, want):
                continue
            if got.shape != want.shape:
                raise Wrong(f"P must have the shape of C, (V, V) = {want.shape}; got {got.shape}")
            seen = rows[:, 0] > 0
            mistakes = {
                "the columns normalised instead of the rows: row i (the context) must sum to 1": (
                    C + alpha
                )
                / (C.sum(axis=0, keepdims=True) + alpha * V),
                "the estimate transposed: P[i, j] is P(j | i), with i the context (the row)": (
                    want.T
                ),
                "no alpha * V in the denominator, so the rows sum to more than 1": (C + alpha)
                / rows,
                "alpha, not alpha * V, added to the denominator: alpha is added to each of the "
                "V counts of the row": (C + alpha) / (rows + alpha),
                "the joint probability P(i, j) (divided by every count): condition on the "
                "context, dividing by its row's count": (C + alpha) / (C.sum() + alpha * V * V),
                "no smoothing (alpha not added)": C / rows,
            }
            for name, wrong in mistakes.items():
                if same(got[seen], wrong[seen]):
                    raise Wrong(f"your P matches {name}.")
            ratio = got / (C + alpha)
            if np.allclose(ratio, ratio.flat[0], rtol=1e-6):
                raise Wrong(
                    "you divide every entry by the same number; P(j | i) divides by the count of "
                    "its context i, the sum of row i, plus alpha * V."
                )
            bad = int(np.argmax(~np.isclose(got, want, rtol=1e-6).all(axis=1)))
            raise Wrong(
                f"for alpha = {alpha:g}, row {bad} of P should be {np.round(want[bad], 4)} "
                f"(the counts {C[bad].astype(int)}), yours is {np.round(got[bad], 4)}"
                + (": a context never seen gets a uniform row." if not seen[bad] else ".")
            )
    return "every row is the add-alpha estimate, and a context never seen gets 1 / V everywhere."


# ------------------------------------------------------------------ 2.3 perplexity


@exercise(
    "2.3",
    "perplexity from log-probabilities",
    hint="PPL = exp(-(1/n) sum_t log P(x_t | ...)) = np.exp(-log_probs.mean()), with natural "
    "logarithms; a -inf among them gives exp(inf) = inf.",
)
def _perplexity(answer) -> str:
    """``answer(log_probs)`` with natural-log probabilities ``log_probs: (n,)`` returns one
    number."""
    rng = np.random.default_rng(0)
    trials = {
        "random log-probabilities": np.log(rng.uniform(0.02, 1.0, size=50)),
        "a uniform model over V = 28 tokens": np.full(40, -np.log(28.0)),
    }
    for what, log_probs in trials.items():
        got = as_number(call(answer, log_probs.copy()), "the perplexity")
        want = float(np.exp(-log_probs.mean()))
        if np.isclose(got, want, rtol=1e-6):
            continue
        mean = log_probs.mean()
        mistakes = {
            "the sum instead of the mean": np.exp(-log_probs.sum()),
            "no exp (that is the cross-entropy)": -mean,
            "the wrong sign, exp(+mean) = 1 / PPL": np.exp(mean),
            "2 to the power of the cross-entropy (with natural logs, use exp)": 2.0**-mean,
            "1 / (the mean probability), not the inverse geometric mean": 1
            / np.exp(log_probs).mean(),
        }
        for name, wrong in mistakes.items():
            if np.isclose(got, wrong, rtol=1e-6):
                raise Wrong(
                    f"for {what}, your number matches {name}: {got:.4g}, expected {want:.4g}."
                )
        raise Wrong(f"for {what} you return {got:.4g}, expected {want:.4g}.")
    zero = np.array([np.log(0.5), np.log(0.25), -np.inf, np.log(0.5)])  # one of probability 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        got = as_number(call(answer, zero), "the perplexity")
    if not got == np.inf:
        raise Wrong(
            f"a token of probability 0 (log-probability -inf) makes the perplexity infinite; you "
            f"return {got}."
        )
    return "your perplexity is exp(mean negative log-probability): V for a uniform model."


# ------------------------------------------------------------------ 2.4 sequential partitioning


def _layouts(corpus: np.ndarray, b: int, t: int) -> dict[str, list[np.ndarray]]:
    """The right X minibatches and common wrong ones, each a list of m arrays (b, t)."""
    m = (len(corpus) - 1) // (b * t)
    cols = m * t
    streams = corpus[: b * cols].reshape(b, cols)
    interleaved = corpus[: b * cols].reshape(cols, b).T
    windows = corpus[: m * b * t].reshape(m, b, t)  # window i * b + r as row r of minibatch i
    return {
        "right": [streams[:, i * t : (i + 1) * t] for i in range(m)],
        "consecutive windows side by side: row r of minibatch i is window i * batch_size + r, "
        "so row r of the next minibatch does not continue it. In sequential partitioning each "
        "row is one contiguous stream": list(windows),
        "streams that interleave the corpus (stream r holds tokens r, r + batch_size, ...): "
        "each stream must be one contiguous stretch": [
            interleaved[:, i * t : (i + 1) * t] for i in range(m)
        ],
    }


@exercise(
    "2.4",
    "sequential partitioning",
    hint="m = (len(corpus) - 1) // (batch_size * num_steps); the streams are "
    "corpus[: batch_size * m * num_steps].reshape(batch_size, m * num_steps) (row r is stream "
    "r), Y the same from corpus[1:]; minibatch i is columns i * num_steps to (i + 1) * "
    "num_steps of both.",
)
def _sequential_batches(answer) -> str:
    """``answer(corpus, batch_size, num_steps)`` with ``corpus: (N,)`` int tokens returns a
    list of ``m`` pairs ``(X, Y)`` of ints, each ``(batch_size, num_steps)``."""
    # Tokens are their own positions, so that the messages can say where a row starts.
    # (50, 2, 5): m = 4; (41, 3, 4): m = 3; (24, 2, 3): len(corpus) // (b t) would be one too many.
    for N, b, t in ((50, 2, 5), (41, 3, 4), (24, 2, 3)):
        corpus = np.arange(N, dtype=np.int64)
        m = (N - 1) // (b * t)
        got = call(answer, corpus.copy(), b, t)
        try:
            got = list(got)
        except TypeError:
            raise Wrong(f"return a list of (X, Y) pairs, got {type(got).__name__}") from None
        where = f"for a corpus of {N} tokens, batch_size = {b} and num_steps = {t}"
        if len(got) != m:
            raise Wrong(
                f"{where} there are m = (len(corpus) - 1) // (batch_size * num_steps) = {m} "
                f"minibatches (the last target needs one token after the last input); you "
                f"return {len(got)}."
            )
        pairs = []
        for i, pair in enumerate(got):
            if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
                raise Wrong(f"minibatch {i} must be a pair (X, Y), got {type(pair).__name__}")
            # Token indices: ints, as the corpus's; a float array is refused, not rounded.
            X = as_array(pair[0], f"X of minibatch {i}", integer=True)
            Y = as_array(pair[1], f"Y of minibatch {i}", integer=True)
            for name, arr in (("X", X), ("Y", Y)):
                if arr.shape == (t, b):
                    raise Wrong(
                        f"{name} of minibatch {i} is transposed: shape {arr.shape}, expected "
                        f"(batch_size, num_steps) = {(b, t)}, one row per stream."
                    )
                if arr.shape != (b, t):
                    raise Wrong(
                        f"{name} of minibatch {i} must have shape (batch_size, num_steps) = "
                        f"{(b, t)}; yours has shape {arr.shape}"
                    )
            pairs.append((X, Y))
        layouts = _layouts(corpus, b, t)
        want = layouts.pop("right")
        Xs = [X for X, _ in pairs]
        if not all(np.array_equal(X, w) for X, w in zip(Xs, want)):
            for name, wrong in layouts.items():
                if all(np.array_equal(X, w) for X, w in zip(Xs, wrong)):
                    raise Wrong(f"your minibatches are {name}.")
            i = next(i for i, (X, w) in enumerate(zip(Xs, want)) if not np.array_equal(X, w))
            raise Wrong(
                f"{where} (the tokens are their positions 0, 1, ...), X of minibatch {i} should "
                f"be {want[i].astype(int).tolist()}, yours is {Xs[i].astype(int).tolist()}"
            )
        for i, (X, Y) in enumerate(pairs):
            if np.array_equal(Y, X + 1):
                continue
            if np.array_equal(Y, X):
                raise Wrong("Y must be X shifted by one token, the next token; yours equals X.")
            if np.array_equal(Y, X - 1):
                raise Wrong(
                    "Y must hold the token after each token of X; yours holds the one before."
                )
            raise Wrong(
                f"{where}, Y of minibatch {i} should be {(X + 1).astype(int).tolist()} (the "
                f"next tokens), yours is {Y.astype(int).tolist()}"
            )
    return "each row is a contiguous stream, continued by the same row of the next minibatch."
