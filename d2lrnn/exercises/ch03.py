"""Chapter 3's coding exercises (recurrent neural networks from scratch): their checks.

* 3.1 one step of the RNN, ``H_t = tanh(X_t W_xh + H_{t-1} W_hh + b_h)``;
* 3.2 clipping a list of gradients by their global norm;
* 3.3 the perplexity of logits ``(num_steps, batch_size, V)`` against targets
  ``(batch_size, num_steps)``.

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
