"""Chapter 3's coding exercises (recurrent neural networks from scratch): their checks.

* 3.1 one step of the RNN, ``H_t = tanh(X_t W_xh + H_{t-1} W_hh + b_h)``;
* 3.2 clipping a list of gradients by their global norm;
* 3.3 the perplexity of logits ``(num_steps, batch_size, V)`` against targets
  ``(batch_size, num_steps)``;
* 3.4 forecasting by feeding predictions back: from a forecaster's ``step(y,
  state) -> (prediction, state)``, the state after the observations and the
  one-step forecasts ``y`` ``(n,)``, the ``(n, k)`` forecasts ``1, ..., k``
  steps ahead;
* 3.5 the ancestors of a node of a directed graph given as ``(parent, child)``
  edges (:func:`d2lrnn.plot.rnn_graph`'s form): the set of nodes with a path to
  it, the node itself excluded.

Each check runs the answer on inputs of its own (MXNet arrays, as in the
chapter; shapes chosen so that a transposed or swapped axis shows), compares
it with the reference, and names the likely mistake when the answer matches
a common wrong one.
"""

from __future__ import annotations

import numpy as np
from mxnet import np as mnp

from .. import runtime  # noqa: F401  (MXNet's NumPy interface, switched on once)
from .core import Wrong, as_array, as_number, call, exercise, same

__all__: list[str] = []


def _rng_arrays(seed: int, *shapes: tuple[int, ...], scale: float = 1.0) -> list:
    rng = np.random.default_rng(seed)
    return [mnp.array(scale * rng.normal(size=s), dtype="float32") for s in shapes]


@exercise(
    "3.1",
    "one step of the RNN",
    hint="H_t = tanh(X_t W_xh + H_{t-1} W_hh + b_h): X_t is (n, d), H is (n, h), W_xh is "
    "(d, h), W_hh is (h, h); use the @ product and mnp.tanh.",
)
def _rnn_step(answer) -> str:
    n, d, h = 3, 5, 4  # all different, so that a transposed weight shows
    for seed in (0, 1):
        X, H, W_xh, W_hh, b = _rng_arrays(seed, (n, d), (n, h), (d, h), (h, h), (h,))
        got = as_array(call(answer, X, H, W_xh, W_hh, b), "H_t")
        x, s, wx, wh, bb = (a.asnumpy().astype(np.float64) for a in (X, H, W_xh, W_hh, b))
        want = np.tanh(x @ wx + s @ wh + bb)
        if same(got, want):
            continue
        if got.shape != want.shape:
            raise Wrong(f"H_t must have shape (n, h) = {want.shape}, got {got.shape}")
        mistakes = {
            "no tanh": x @ wx + s @ wh + bb,
            "W_hh transposed": np.tanh(x @ wx + s @ wh.T + bb),
            "no bias": np.tanh(x @ wx + s @ wh),
            "the bias subtracted": np.tanh(x @ wx + s @ wh - bb),
            "ReLU instead of tanh": np.maximum(x @ wx + s @ wh + bb, 0),
        }
        for name, wrong in mistakes.items():
            if same(got, wrong):
                raise Wrong(f"your H_t matches the recurrence with {name}.")
        raise Wrong(
            f"for random inputs (seed {seed}) your H_t differs from tanh(X_t W_xh + H W_hh + "
            f"b_h) by up to {np.abs(got - want).max():.3g}."
        )
    return "your step equals tanh(X_t W_xh + H_{t-1} W_hh + b_h) on random inputs."


@exercise(
    "3.2",
    "clipping gradients by their global norm",
    hint="Compute one norm over all arrays together, ||g|| = sqrt(sum of every squared "
    "element of every array); if it exceeds theta, multiply every array by theta / ||g||.",
)
def _clip_by_norm(answer) -> str:
    shapes = [(3, 4), (4,), (2, 2)]
    for scale, theta in ((10.0, 1.0), (0.01, 1.0), (3.0, 2.5)):
        grads = _rng_arrays(7, *shapes, scale=scale)
        g = [a.asnumpy().astype(np.float64) for a in grads]
        norm = np.sqrt(sum((a * a).sum() for a in g))
        factor = min(1.0, theta / norm)
        got = call(answer, [a.copy() for a in grads], theta)
        if not isinstance(got, (list, tuple)) or len(got) != len(shapes):
            raise Wrong(
                f"return the list of {len(shapes)} clipped arrays, got {type(got).__name__}"
            )
        got = [as_array(a, "each clipped gradient") for a in got]
        if all(same(a, factor * b) for a, b in zip(got, g)):
            continue
        if any(a.shape != b.shape for a, b in zip(got, g)):
            raise Wrong("each clipped array must keep the shape of its gradient.")
        got_norm = np.sqrt(sum((a * a).sum() for a in got))
        if norm <= theta:
            raise Wrong(
                f"with a global norm of {norm:.3g} <= theta = {theta:g}, the gradients must "
                "be returned unchanged."
            )
        per_array = [b * min(1.0, theta / np.linalg.norm(b)) for b in g]
        if all(same(a, b) for a, b in zip(got, per_array)):
            raise Wrong(
                "you clip each array by its own norm; the rule clips all of them together "
                f"(their global norm is {norm:.3g}, yours after clipping {got_norm:.3g}).",
                "One norm over every array, then one common factor min(1, theta / ||g||).",
            )
        if all(same(a, np.clip(b, -theta, theta)) for a, b in zip(got, g)):
            raise Wrong(
                "you clip each value to [-theta, theta]; that changes the gradient's "
                "direction. Clip the norm instead.",
            )
        raise Wrong(
            f"for gradients of global norm {norm:.3g} and theta = {theta:g} the clipped "
            f"gradients should have norm {factor * norm:.4g} and the same direction; yours "
            f"have norm {got_norm:.4g}."
        )
    return "the norm is capped at theta, the direction kept, small gradients left alone."


@exercise(
    "3.3",
    "perplexity from logits",
    hint="Take log_softmax over the last axis of the logits (T, n, V), pick the target's "
    "entry with Y transposed to (T, n), average the negative log-probabilities over all "
    "T * n positions, and take exp of that mean.",
)
def _perplexity(answer) -> str:
    T, n, V = 5, 3, 7
    for seed in (0, 1):
        rng = np.random.default_rng(seed)
        logits = rng.normal(scale=2.0, size=(T, n, V))
        Y = rng.integers(0, V, size=(n, T))
        got = call(answer, mnp.array(logits, dtype="float32"), mnp.array(Y, dtype="int32"))
        shape = getattr(got, "shape", None)
        if shape is not None and tuple(shape) != ():  # (1,) too: nothing is squeezed
            raise Wrong(
                "return one number, the perplexity of all T * n predictions together; got an "
                f"array of shape {tuple(shape)}."
            )
        got = as_number(got, "the perplexity")
        shifted = logits - logits.max(axis=-1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        picked = np.take_along_axis(logp, Y.T[..., None], axis=-1)[..., 0]  # (T, n)
        want = float(np.exp(-picked.mean()))
        if np.isclose(got, want, rtol=1e-4):
            continue
        mistakes = {
            "the sum instead of the mean": np.exp(-picked.sum()),
            "no exp (that is the cross-entropy)": -picked.mean(),
            "2 to the power of the cross-entropy (with the natural log, use exp)": 2.0
            ** (-picked.mean()),
            "Y not transposed (targets read along the wrong axis)": np.exp(
                -np.take_along_axis(
                    logp.reshape(T * n, V), Y.reshape(-1)[:, None] % V, axis=-1
                ).mean()
            ),
            "the raw logits instead of log-probabilities": np.exp(
                -np.take_along_axis(logits, Y.T[..., None], axis=-1).mean()
            ),
        }
        for name, wrong in mistakes.items():
            if np.isclose(got, wrong, rtol=1e-4):
                raise Wrong(f"your number matches {name}: {got:.4g}, expected {want:.4g}.")
        raise Wrong(f"for random logits (seed {seed}) you return {got:.4g}, expected {want:.4g}.")
    return "your perplexity equals exp(mean cross-entropy) on random logits and targets."


def _toy_forecaster(seed: int, n: int, d: int):
    """A small recurrent forecaster in NumPy: ``step(y (n,), h (n, d)) -> (prediction (n,),
    h)``, with ``h = tanh(h A + y b)`` and ``prediction = h c``; and a state ``(n, d)``."""
    rng = np.random.default_rng(seed)
    A, b, c = rng.normal(0, 0.6, (d, d)), rng.normal(0, 1.0, d), rng.normal(0, 1.0, d)
    h0 = rng.normal(0, 0.5, (n, d))
    calls = []

    def step(y, h):
        y, h = np.asarray(y, dtype=np.float64), np.asarray(h, dtype=np.float64)
        if y.shape != (n,) or h.shape != (n, d):
            raise ValueError(
                f"step(y, state) takes y of shape ({n},) and the state of shape ({n}, {d}), "
                f"got {y.shape} and {h.shape}"
            )
        calls.append(1)
        h = np.tanh(h @ A + y[:, None] * b)
        return h @ c, h

    return step, h0, calls


def _feedback(step, y, h, k: int, feed_first: bool = False, carry: bool = True) -> np.ndarray:
    """The forecasts, and two wrong versions: the first forecast fed at every step, or the
    state not carried from step to step."""
    out, first, h0 = [y], y, h
    for _ in range(k - 1):
        y, h_new = step(first if feed_first else y, h if carry else h0)
        h = h_new
        out.append(y)
    return np.stack(out, axis=1)


@exercise(
    "3.4",
    "forecasting by feeding predictions back",
    hint="Column 0 is y itself (the 1-step forecasts); then k - 1 times: y, state = step(y, "
    "state), and keep y. Each step reads the newest prediction and the newest state; "
    "np.stack(columns, axis=1) gives (n, k).",
)
def _feedback_forecast(answer) -> str:
    for seed, (n, d, k) in enumerate(((3, 4, 5), (2, 5, 1), (4, 3, 7))):  # shapes all different
        step, h0, calls = _toy_forecaster(seed, n, d)
        y1 = np.random.default_rng(10 + seed).normal(0, 1, n)
        want = _feedback(step, y1, h0, k)
        calls.clear()
        got = as_array(call(answer, step, y1.copy(), h0.copy(), k), "the forecasts")
        where = f"for n={n} series and k={k}"
        if got.shape != (n, k):
            hint = " (that is (k, n): put the series on axis 0)" if got.shape == (k, n) else ""
            if got.shape == (n, k + 1):
                hint = " (one column too many: column 0 is already the 1-step forecast y)"
            raise Wrong(f"{where} the forecasts must have shape ({n}, {k}), got {got.shape}{hint}.")
        if same(got, want):
            if len(calls) > k - 1:
                raise Wrong(
                    f"{where} the forecasts are right, but you called step {len(calls)} times: "
                    f"k - 1 = {k - 1} calls are enough (column 0 is y)."
                )
            continue
        mistakes = {
            "the 1-step forecast y fed at every step instead of the newest prediction": (
                _feedback(step, y1, h0, k, feed_first=True)
            ),
            "the state not carried: every step starts again from the given state": _feedback(
                step, y1, h0, k, carry=False
            ),
            "y in every column: the predictions that step returns are not kept": np.repeat(
                y1[:, None], k, axis=1
            ),
            "one step too far: column 0 must be y itself, the 1-step forecast": np.stack(
                [_feedback(step, y1, h0, k + 1)[:, j + 1] for j in range(k)], axis=1
            ),
        }
        for name, wrong in mistakes.items():
            if same(got, wrong):
                raise Wrong(f"{where} your forecasts match {name}.")
        raise Wrong(f"{where} your forecasts differ from the expected ones: got {got.round(4)}, "
                    f"expected {want.round(4)}.")  # fmt: skip
    return "your forecasts feed each prediction and state back, k - 1 steps, for every series."


def _ancestors(edges: list, node: str) -> set:
    parents: dict = {}
    for a, b in edges:
        parents.setdefault(b, set()).add(a)
    found, todo = set(), [node]
    while todo:
        for p in parents.get(todo.pop(), ()):
            if p not in found:
                found.add(p)
                todo.append(p)
    return found


@exercise(
    "3.5",
    "the ancestors of a node",
    hint="Start from the node's parents (the a of every edge (a, node)) and keep adding the "
    "parents of every node you add, until nothing new comes; the node itself is not its own "
    "ancestor. Edges point from parent to child.",
)
def _ancestors_check(answer) -> str:
    from ..plot import rnn_graph

    graphs = [
        (rnn_graph(4, free)[1], f"rnn_graph(4, free_running={free})") for free in (False, True)
    ]
    graphs.append(([("a", "b"), ("b", "c"), ("a", "c"), ("d", "c"), ("c", "e")], "a small graph"))
    for edges, name in graphs:
        nodes = sorted({n for e in edges for n in e})
        for node in nodes:
            want = _ancestors(edges, node)
            got = call(answer, list(edges), node)
            if isinstance(got, (str, bytes)) or not hasattr(got, "__iter__"):
                raise Wrong(f"return a set of node names, got {type(got).__name__}")
            got = set(got)
            if got == want:
                continue
            where = f"in {name}, the ancestors of {node!r}"
            mistakes = {
                "the parents only: follow the edges further back": {
                    a for a, b in edges if b == node
                },
                "the node itself included: a node is not its own ancestor": want | {node},
                "the descendants (the edges point from parent to child)": _ancestors(
                    [(b, a) for a, b in edges], node
                ),
            }
            for why, wrong in mistakes.items():
                if got == wrong:
                    raise Wrong(f"{where}: your set matches {why}.")
            raise Wrong(f"{where} are {sorted(want)}, you return {sorted(got)}.")
    return "your ancestors are every node with a path to the node, in three graphs."
