"""Chapter 1's coding exercises (sequence models): their checks.

* 1.1 the lag features of a series ``x`` ``(T,)``: windows ``(T - tau, tau)``, oldest
  first, and the value after each window, ``(T - tau,)``;
* 1.2 the log-probability of a sequence of states ``(T,)`` under a first-order Markov
  model, ``log P(x_1) + sum_t log P(x_t | x_{t-1})``;
* 1.3 the ``k``-step-ahead forecast ``(n, k)`` from windows ``(n, tau)``, feeding each
  prediction back into the window.

Each check runs the answer on inputs of its own (NumPy arrays, as in the chapter;
sizes chosen so that a transposed or shifted result shows), compares it with the
reference computed here, and names the likely mistake when the answer matches a
common wrong one.
"""

from __future__ import annotations

import numpy as np

from .core import Wrong, as_array, as_number, call, exercise, same

__all__: list[str] = []


# ------------------------------------------------------------------ 1.1 lag features


@exercise(
    "1.1",
    "lag features",
    hint="Row i of the features is the window x[i], ..., x[i + tau - 1], oldest first, and "
    "its label is the value after it, x[i + tau]; a series of length T gives T - tau rows. "
    "Column j of the features is the slice x[j : T - tau + j].",
)
def _lag_features(answer) -> str:
    """``answer(x, tau)`` with ``x: (T,)`` returns ``features: (T - tau, tau)`` and
    ``labels: (T - tau,)`` (a column ``(T - tau, 1)`` is wrong: nothing is reshaped)."""
    rng = np.random.default_rng(0)
    # x = 0, 1, 2, ... first, so that the messages can show positions; then random values.
    trials = [(np.arange(11.0), 3), (np.arange(9.0), 1), (rng.normal(size=12), 5)]
    for x, tau in trials:
        T = len(x)
        got = call(answer, x.copy(), tau)
        if not (isinstance(got, (tuple, list)) and len(got) == 2):
            raise Wrong(f"return two arrays, (features, labels); got {type(got).__name__}")
        F, L = as_array(got[0], "features"), as_array(got[1], "labels")
        windows = np.lib.stride_tricks.sliding_window_view(x, tau)  # (T - tau + 1, tau)
        want_F, want_L = windows[: T - tau], x[tau:]
        where = f"for x = {np.round(x, 2).tolist()} and tau = {tau}"
        if F.shape == (tau, T - tau) and same(F.T, want_F) and tau != T - tau:
            raise Wrong(
                f"your features are transposed: shape {F.shape}, expected (T - tau, tau) = "
                f"{want_F.shape}, one row per example."
            )
        if F.shape == (T - tau + 1, tau):
            raise Wrong(
                f"you return T - tau + 1 = {T - tau + 1} windows; the last one, x[T - tau:], "
                f"has no value after it to predict, so there are T - tau = {T - tau} examples."
            )
        if F.shape != want_F.shape:
            raise Wrong(
                f"the features must have shape (T - tau, tau) = {want_F.shape} {where}; "
                f"yours have shape {F.shape}"
            )
        if not same(F, want_F):
            if same(F, want_F[:, ::-1]):
                raise Wrong(
                    "your windows are newest first; keep them oldest first, as in the "
                    "chapter: row i is x[i], ..., x[i + tau - 1]."
                )
            if same(F, windows[1:]):
                raise Wrong(
                    "your window for row i is x[i + 1], ..., x[i + tau]: it holds its own "
                    "label x[i + tau], so the model could just copy it. Row i starts at x[i]."
                )
            raise Wrong(f"{where}, row 0 of the features should be {want_F[0]}, yours is {F[0]}")
        if L.shape == (T - tau, 1):
            raise Wrong(
                f"your labels are a column, shape {L.shape}; the labels are one value per row, "
                f"shape (T - tau,) = {want_L.shape}: x[tau:], without an axis added."
            )
        if L.shape != want_L.shape:
            raise Wrong(
                f"the labels must have shape (T - tau,) = {want_L.shape} {where}; yours have "
                f"shape {L.shape}"
            )
        if not same(L, want_L):
            if same(L, x[tau - 1 : -1]):
                raise Wrong(
                    "each label must be the value after its window, x[i + tau]; yours is the "
                    "window's last value x[i + tau - 1] (off by one)."
                )
            raise Wrong(f"{where}, the labels should be {want_L}, yours are {L}")
    return "your windows and labels match x[i : i + tau] -> x[i + tau] for every row."


# ------------------------------------------------------------------ 1.2 Markov chain

_P0 = np.array([0.5, 0.3, 0.2])
#: P[i, j] = P(x_t = j | x_{t-1} = i); not symmetric, so that a transposed lookup shows.
_P = np.array([[0.8, 0.15, 0.05], [0.1, 0.6, 0.3], [0.25, 0.25, 0.5]])


@exercise(
    "1.2",
    "the log-probability of a sequence under a first-order Markov model",
    hint="log P(x_1) + sum over t = 2..T of log P(x_t | x_{t-1}) = log p0[seq[0]] + the sum "
    "of log P[seq[t - 1], seq[t]]: row = the previous state, column = the next one. Add "
    "logarithms (natural, np.log) instead of multiplying probabilities.",
)
def _markov_log_prob(answer) -> str:
    """``answer(seq, p0, P)`` with ``seq: (T,)`` int states, ``p0: (S,)``, ``P: (S, S)``
    returns one number, the natural-log probability of ``seq``."""
    # A short sequence, then a long one whose probability underflows (every P > 0, so any
    # sequence of states will do).
    long = np.random.default_rng(1).integers(0, 3, size=2000)
    for seq in (np.array([0, 0, 1, 2, 2, 0, 1]), long):
        got = as_number(call(answer, seq.copy(), _P0.copy(), _P.copy()), "the log-probability")
        prev, nxt = seq[:-1], seq[1:]
        first = np.log(_P0[seq[0]])
        steps = np.log(_P[prev, nxt])
        want = first + steps.sum()
        if np.isclose(got, want, rtol=1e-6):
            continue
        T = len(seq)
        if got == 0.0 or np.isclose(got, np.exp(want), rtol=1e-6, atol=0):
            underflow = (
                f" (for a sequence of T = {T} states it underflows to 0)" if got == 0 else ""
            )
            raise Wrong(
                "return the log-probability, a sum of logarithms; you return the probability "
                f"itself{underflow}."
            )
        mistakes = {
            "P read as P[next, previous] (transposed)": first + np.log(_P[nxt, prev]).sum(),
            "no log P(x_1) term": steps.sum(),
            "the values treated as independent (log p0 at every step)": np.log(_P0[seq]).sum(),
            "one transition left out": first + steps[:-1].sum(),
            "the wrong sign (that is the negative log-likelihood)": -want,
            "log base 10 instead of the natural log": want / np.log(10),
            "log base 2 instead of the natural log": want / np.log(2),
        }
        for name, wrong in mistakes.items():
            if np.isclose(got, wrong, rtol=1e-6):
                raise Wrong(f"your number matches {name}: {got:.6g}, expected {want:.6g}.")
        raise Wrong(
            f"for the sequence {seq.tolist() if T < 10 else f'of T = {T} states'} you return "
            f"{got:.6g}, expected {want:.6g}."
        )
    return "your log-probability is right, also for a sequence whose probability underflows."


# ------------------------------------------------------------------ 1.3 k-step forecast


@exercise(
    "1.3",
    "the k-step-ahead forecast",
    hint="Loop k times: pred = predict(window), shape (n,); keep it as the next column of the "
    "result; then drop the window's oldest (first) column and append pred as its newest "
    "(last), np.concatenate([window[:, 1:], pred[:, None]], axis=1). Work on a copy.",
)
def _k_step_forecast(answer) -> str:
    """``answer(predict, window, k)`` with ``window: (n, tau)`` returns ``(n, k)``."""
    n, tau, k = 5, 3, 7  # all different, so that a transposed or padded result shows
    w, b = np.array([0.3, -0.5, 0.9]), 0.1  # oldest first; not symmetric

    def predict(window):
        """The check's model: windows (n, tau) -> predictions (n,)."""
        window = as_array(window, "the window passed to predict")
        if window.shape != (n, tau):
            raise ValueError(
                f"predict takes windows of shape (n, tau) = ({n}, {tau}), got shape {window.shape}"
            )
        return np.tanh(window @ w + b)

    def forecast(window, insert_newest_last=True, drop="oldest", move=True):
        out = []
        for _ in range(k):
            pred = predict(window)
            out.append(pred)
            if not move:
                continue
            kept = window[:, 1:] if drop == "oldest" else window[:, :-1]
            parts = [kept, pred[:, None]] if insert_newest_last else [pred[:, None], kept]
            window = np.concatenate(parts, axis=1)
        return np.stack(out, axis=1)

    for seed in (0, 1):
        window = np.random.default_rng(seed).normal(size=(n, tau))
        given = window.copy()
        got = as_array(call(answer, predict, given, k), "the forecast")
        want = forecast(window)
        if not np.array_equal(given, window):
            raise Wrong(
                "your function changed the window it was given (the caller's observations); "
                "slide a copy of it instead, e.g. window = np.array(window)."
            )
        if same(got, want):
            continue
        if got.shape == (k, n) and same(got.T, want):
            raise Wrong(
                f"your forecast is transposed: shape {got.shape}, expected (n, k) = {(n, k)}"
            )
        if got.shape == (n, tau + k):
            raise Wrong(
                f"return the k predictions only, shape (n, k) = {(n, k)}, without the "
                f"{tau} observed values."
            )
        if got.shape != want.shape:
            raise Wrong(
                f"the forecast must have shape (n, k) = {(n, k)} for {n} windows and k = {k}, "
                f"one column per step ahead; yours has shape {got.shape}"
            )
        mistakes = {
            "the window never moves: every column is the 1-step prediction": forecast(
                window, move=False
            ),
            "each prediction put at the oldest end of the window (the front) instead of the "
            "newest (the back)": forecast(window, insert_newest_last=False),
            "the newest value dropped instead of the oldest": forecast(window, drop="newest"),
        }
        for name, wrong in mistakes.items():
            if same(got, wrong):
                raise Wrong(f"your forecast matches {name}.")
        col = int(np.argmax(~np.isclose(got, want, rtol=1e-5, atol=1e-6).all(axis=0)))
        raise Wrong(
            f"column {col} (the {col + 1}-step-ahead predictions) should be "
            f"{np.round(want[:, col], 4)}, yours is {np.round(got[:, col], 4)}"
            + ("; the 1-step predictions before it are right." if col > 0 else ".")
        )
    return "every step feeds the previous predictions back, and the given window is untouched."
