"""Chapter 6's coding exercises (deep and bidirectional RNNs): their checks.

* 6.1 the number of parameters of a GRU language model with ``L`` layers,
  one or two directions, ``V`` tokens and ``h`` hidden units (an int);
* 6.2 a deep tanh RNN: ``X`` ``(T, n, d)`` and ``L`` layers' weights ->
  the top layer's outputs ``(T, n, h)`` and the final states ``(L, n, h)``;
* 6.3 a bidirectional tanh RNN layer: ``X`` ``(T, n, d)`` -> ``(T, n, 2h)``,
  forward half first;
* 6.4 the state at each sequence's last real token: ``H`` ``(T, n, h)`` and
  the valid lengths ``(n,)`` -> ``(n, h)``;
* 6.5 a recursive network's root vector: a binary tree of words, word vectors
  ``(d,)``, ``W`` ``(2d, d)``, ``b`` ``(d,)`` -> ``(d,)``.

The chapter's recurrent layers take MXNet arrays, so the checks of 6.2 to 6.4
pass MXNet float32 arrays; its recursive network is NumPy, so 6.5 passes NumPy
arrays. Answers may return MXNet or NumPy arrays. Each check runs the answer on
inputs of its own (sizes all different, so that a transposed or swapped axis
shows), compares it with a NumPy reference computed here, and names the likely
mistake when the answer matches a common wrong one.
"""

from __future__ import annotations

import numpy as np
from mxnet import np as mnp

from .. import runtime  # noqa: F401  (MXNet's NumPy interface, switched on once)
from .core import Wrong, as_array, as_number, call, exercise, first_match, same

__all__: list[str] = []


def _weights(rng: np.random.Generator, d: int, h: int) -> tuple[np.ndarray, ...]:
    """One tanh layer's ``W_xh`` ``(d, h)``, ``W_hh`` ``(h, h)``, ``b_h`` ``(h,)``, float64."""
    return (
        rng.normal(scale=0.6, size=(d, h)),
        rng.normal(scale=0.6, size=(h, h)),
        rng.normal(scale=0.3, size=h),
    )


def _mx(*arrays: np.ndarray) -> tuple:
    return tuple(mnp.array(a, dtype="float32") for a in arrays)


def _rnn(X: np.ndarray, W_xh, W_hh, b_h, H: np.ndarray | None = None, act=np.tanh):
    """The tanh RNN of chapter 3 in NumPy: X (T, n, d) -> outputs (T, n, h), final (n, h)."""
    if H is None:
        H = np.zeros((X.shape[1], W_hh.shape[0]))
    outputs = []
    for X_t in X:
        H = act(X_t @ W_xh + H @ W_hh + b_h)
        outputs.append(H)
    return np.stack(outputs), H


# 6.1 ----------------------------------------------------------------------------------------


def _gru_lm_count(
    V: int,
    h: int,
    L: int,
    bidirectional: bool,
    gates: int = 3,
    biases: int = 2,
    output: bool = True,
    output_bias: bool = True,
    upper_inputs: str = "Dh",
    output_inputs: str = "Dh",
    directions: int | None = None,
) -> int:
    """Parameters of one-hot inputs -> GRU stack -> dense output; the keywords make mistakes."""
    D = (2 if bidirectional else 1) if directions is None else directions
    width = {"Dh": (2 if bidirectional else 1) * h, "h": h, "V": V}
    total, d = 0, V
    for _ in range(L):
        total += D * gates * h * (d + h + biases)
        d = width[upper_inputs]
    if output:
        total += width[output_inputs] * V + (V if output_bias else 0)
    return total


@exercise(
    "6.1",
    "the number of parameters of a GRU language model",
    hint="Each GRU layer and direction has 3 gates, each with an input weight (d, h), a hidden "
    "weight (h, h) and two biases (h,) (gluon keeps an input and a hidden bias): "
    "3 h (d + h + 2). The first layer reads d = V one-hot inputs, the layers above read "
    "D h (both directions concatenated), and the output layer maps D h to V, with a bias.",
)
def _gru_lm_params(answer) -> str:
    cases = ((28, 128, 2, False), (28, 216, 1, False), (10, 7, 3, True), (6, 5, 1, True))
    for V, h, L, bidirectional in cases:
        got = as_number(
            call(answer, V, h, L, bidirectional), "the number of parameters", integer=True
        )
        want = _gru_lm_count(V, h, L, bidirectional)
        if got == want:
            continue
        mistakes = {
            "one bias per gate instead of two (gluon's GRU has an input and a hidden bias)": {
                "biases": 1
            },
            "no biases in the GRU layers": {"biases": 0},
            "no output layer": {"output": False},
            "an output layer without its bias": {"output_bias": False},
            "every layer reading the V one-hot inputs (the layers above read the layer below)": {
                "upper_inputs": "V"
            },
            "the layers above the first and the output layer reading h inputs; they read "
            "both directions, 2h": {"upper_inputs": "h", "output_inputs": "h"},
            "the layers above the first reading h inputs; they read both directions, 2h": {
                "upper_inputs": "h"
            },
            "the output layer reading h inputs; it reads both directions, 2h": {
                "output_inputs": "h"
            },
            "the count of the unidirectional model (bidirectional ignored)": {
                "directions": 1,
                "upper_inputs": "h",
                "output_inputs": "h",
            },
            "the backward direction not counted": {"directions": 1},
            "4 gates per layer (that is an LSTM; a GRU has 3)": {"gates": 4},
            "1 gate per layer (that is a plain RNN; a GRU has 3)": {"gates": 1},
        }
        shape = f"V = {V}, h = {h}, {L} layer(s), bidirectional = {bidirectional}"
        for name, mistake in mistakes.items():
            wrong = _gru_lm_count(V, h, L, bidirectional, **mistake)
            if wrong != want and got == wrong:
                raise Wrong(f"for {shape} you count {got:,}, expected {want:,}: that is {name}.")
        raise Wrong(f"for {shape} you count {got:,}, expected {want:,}.")
    return "your counts match gluon's GRU language models, deep and bidirectional."


# 6.2 ----------------------------------------------------------------------------------------


def _pair(got: object, what: str) -> tuple:
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise Wrong(f"return two things, {what}; got {type(got).__name__}")
    return tuple(got)


def _stack(X: np.ndarray, params: list, carry: bool = False) -> list:
    """Each layer's (outputs (T, n, h), final state (n, h)), bottom first; ``carry``: each
    layer starts from the final state of the layer below (a mistake)."""
    per_layer, H = [], None
    for p in params:
        X, H = _rnn(X, *p, H=H if carry else None)
        per_layer.append((X, H))
    return per_layer


@exercise(
    "6.2",
    "a deep tanh RNN",
    hint="Loop over the layers: each runs the recurrence over all T steps from a zero state, "
    "reading the OUTPUTS (T, n, h) of the layer below (the first reads X), and keeps its final "
    "state; return the top layer's outputs and the final states stacked bottom first, (L, n, h).",
)
def _deep_rnn(answer) -> str:
    # d == h first, so that a stack in which every layer reads X, or with a transposed
    # weight, runs and can be named; then d != h, so that a transposed W_xh raises.
    for seed, (T, n, d, h, L) in ((0, (6, 3, 4, 4, 3)), (1, (5, 2, 5, 3, 2))):
        rng = np.random.default_rng(seed)
        X = rng.normal(size=(T, n, d))
        params = [_weights(rng, d if l == 0 else h, h) for l in range(L)]
        got = call(answer, _mx(X)[0], [_mx(*p) for p in params])
        outputs, states = _pair(got, "the top layer's outputs (T, n, h) and the final states")
        outputs = as_array(outputs, "the outputs")
        states = as_array(states, "the final states")
        per_layer = _stack(X, params)
        want_out, want_states = per_layer[-1][0], np.stack([s for _, s in per_layer])
        if same(outputs, want_out) and same(states, want_states):
            continue
        if outputs.shape != want_out.shape:
            raise Wrong(
                f"the outputs must have shape (T, n, h) = {want_out.shape}, got {outputs.shape}"
            )
        if states.shape != want_states.shape:
            raise Wrong(
                f"the final states must have shape (L, n, h) = {want_states.shape}, "
                f"got {states.shape}"
            )
        if same(outputs, want_out):
            mistakes = {
                "the top layer's state first (stack them bottom first, as gluon does)": (
                    want_states[::-1]
                ),
                "each layer's state after the first step, not the last": np.stack(
                    [o[0] for o, _ in per_layer]
                ),
                "the top layer's final state repeated": np.stack([want_states[-1]] * L),
            }
            name = first_match(states, mistakes)
            detail = f"differ by up to {np.abs(states - want_states).max():.3g}."
            raise Wrong(
                f"the outputs are right, but the final states {f'are {name}.' if name else detail}"
            )
        mistakes = {
            "the bottom layer's outputs (return the top layer's)": per_layer[0][0],
            "each layer starting from the final state of the layer below (each starts from "
            "zeros)": _stack(X, params, carry=True)[-1][0],
        }
        if d == h:  # these run only when every weight is square
            mistakes["every layer reading X (a layer reads the outputs of the one below)"] = _rnn(
                X, *params[-1]
            )[0]
            mistakes["W_xh transposed"] = _stack(X, [(a.T, b, c) for a, b, c in params])[-1][0]
            mistakes["W_hh transposed"] = _stack(X, [(a, b.T, c) for a, b, c in params])[-1][0]
        name = first_match(outputs, mistakes)
        if name:
            raise Wrong(f"your outputs match {name}.")
        raise Wrong(
            f"for random inputs (seed {seed}, {L} layers) your outputs differ from the top "
            f"layer's by up to {np.abs(outputs - want_out).max():.3g}."
        )
    return "each layer reads the one below; outputs and final states match a deep tanh RNN."


# 6.3 ----------------------------------------------------------------------------------------


@exercise(
    "6.3",
    "a bidirectional tanh RNN layer",
    hint="Run the forward layer over X; run the backward layer over mnp.flip(X, axis=0) and "
    "flip its outputs back, so that both halves of step t belong to step t; then "
    "mnp.concatenate([forward, backward], axis=-1), (T, n, 2h).",
)
def _bidirectional(answer) -> str:
    for seed, (T, n, d, h) in ((0, (5, 3, 4, 2)), (1, (7, 2, 3, 5))):
        rng = np.random.default_rng(seed)
        X = rng.normal(size=(T, n, d))
        pf, pb = _weights(rng, d, h), _weights(rng, d, h)
        got = as_array(call(answer, _mx(X)[0], _mx(*pf), _mx(*pb)), "the outputs")
        forward = _rnn(X, *pf)[0]
        backward = _rnn(X[::-1], *pb)[0][::-1]
        want = np.concatenate([forward, backward], axis=-1)
        if same(got, want):
            continue
        if got.shape != want.shape:
            raise Wrong(
                f"the outputs must have shape (T, n, 2h) = {want.shape}, got {got.shape}: "
                "concatenate the two directions along the last (feature) axis.",
            )
        mistakes = {
            "the backward outputs left in reversed order (flip them back, so that step t "
            "holds step t's state)": np.concatenate([forward, backward[::-1]], -1),
            "the backward layer reading X in its original order (two forward passes)": (
                np.concatenate([forward, _rnn(X, *pb)[0]], -1)
            ),
            "the backward layer reading X in its original order, its outputs reversed": (
                np.concatenate([forward, _rnn(X, *pb)[0][::-1]], -1)
            ),
            "the two halves swapped (the forward half must come first)": np.concatenate(
                [backward, forward], -1
            ),
            "the forward weights used in both directions": np.concatenate(
                [forward, _rnn(X[::-1], *pf)[0][::-1]], -1
            ),
        }
        name = first_match(got, mistakes)
        if name:
            raise Wrong(f"your outputs match {name}.")
        raise Wrong(
            f"for random inputs (seed {seed}) your outputs differ by up to "
            f"{np.abs(got - want).max():.3g}: forward half {same(got[..., :h], forward)}, "
            f"backward half {same(got[..., h:], backward)}."
        )
    return "the forward half reads the past, the backward half the future, aligned by step."


# 6.4 ----------------------------------------------------------------------------------------


@exercise(
    "6.4",
    "the state at each sequence's last real token",
    hint="Sequence i's last real token is at step valid_lens[i] - 1 (steps count from 0); "
    "pick step and sequence together: H[valid_lens - 1, mnp.arange(n)], (n, h).",
)
def _last_states(answer) -> str:
    # All lengths below T first, so that one step too far can be named; then some equal to T.
    for seed, lengths in ((0, [3, 1, 5, 2]), (1, [6, 2, 4, 6])):
        T, n, h = 6, len(lengths), 3
        H = np.random.default_rng(seed).normal(size=(T, n, h))
        lens = np.array(lengths)
        got = call(answer, _mx(H)[0], mnp.array(lens, dtype="int32"))
        got = as_array(got, "the last states")
        rows = np.arange(n)
        want = H[lens - 1, rows]
        if same(got, want):
            continue
        if got.shape == (n, n, h):
            raise Wrong(
                f"your answer has shape {got.shape}, not (n, h) = {want.shape}: H[valid_lens - 1] "
                "takes, for each length, that step of every sequence. Pick step and sequence "
                "together: H[valid_lens - 1, mnp.arange(n)].",
            )
        if got.shape != want.shape:
            raise Wrong(f"the last states must have shape (n, h) = {want.shape}, got {got.shape}")
        mask = (np.arange(T)[:, None] < lens[None, :])[..., None]  # (T, n, 1)
        mistakes = {
            "the state after the padding, H[-1]": H[-1],
            "the first step's state, H[0]": H[0],
            "the state one step after the last real token, H[valid_lens] (steps count from 0)": H[
                np.minimum(lens, T - 1), rows
            ]
            if max(lengths) < T
            else None,
            "the mean of the valid steps' states": (H * mask).sum(0) / lens[:, None],
            "the mean over all steps, padding included": H.mean(0),
        }
        name = first_match(got, {k: v for k, v in mistakes.items() if v is not None})
        if name:
            raise Wrong(f"for valid lengths {lengths} your answer matches {name}.")
        raise Wrong(
            f"for valid lengths {lengths} your answer differs from H[valid_lens - 1, "
            f"arange(n)] by up to {np.abs(got - want).max():.3g}."
        )
    return "each sequence's summary is its state at its last real token, not after the padding."


# 6.5 ----------------------------------------------------------------------------------------


def _leaves(tree) -> list[str]:
    return [tree] if isinstance(tree, str) else _leaves(tree[0]) + _leaves(tree[1])


def _compose(tree, vectors: dict, W: np.ndarray, b: np.ndarray, swap=False, act=np.tanh):
    if isinstance(tree, str):
        return vectors[tree]
    left, right = (_compose(t, vectors, W, b, swap, act) for t in tree)
    pair = [right, left] if swap else [left, right]
    return act(np.concatenate(pair) @ W + b)


@exercise(
    "6.5",
    "the root vector of a recursive network",
    hint="Recursion: a word is its own vector; a pair (left, right) is "
    "np.tanh(np.concatenate([left_vector, right_vector]) @ W + b), with each child's vector "
    "computed by the same function, so that the tree's shape decides the order.",
)
def _compose_tree(answer) -> str:
    d = 3
    trees = (
        (("the", "time"), ("machine", "works")),  # balanced: a chain would differ
        ("the", ("time", ("machine", "works"))),  # right-branching
        ((("the", "time"), "machine"), "works"),  # left-branching: the RNN's chain
        "time",  # a single word: its own vector
    )
    for seed, tree in enumerate(trees):
        rng = np.random.default_rng(seed)
        vectors = dict(zip(["the", "time", "machine", "works"], rng.normal(size=(4, d))))
        W, b = rng.normal(scale=0.7, size=(2 * d, d)), rng.normal(scale=0.3, size=d)
        copies = {k: v.copy() for k, v in vectors.items()}
        got = as_array(call(answer, tree, copies, W.copy(), b.copy()), "the root vector")
        want = _compose(tree, vectors, W, b)
        if same(got, want):
            continue
        if got.shape != want.shape:
            raise Wrong(f"the root vector must have shape (d,) = {want.shape}, got {got.shape}")
        leaves = _leaves(tree)
        chain = vectors[leaves[0]]
        for word in leaves[1:]:
            chain = np.tanh(np.concatenate([chain, vectors[word]]) @ W + b)
        mistakes = {
            "the children in the wrong order, [right; left]": _compose(
                tree, vectors, W, b, swap=True
            ),
            "no tanh": _compose(tree, vectors, W, b, act=lambda a: a),
            "no bias": _compose(tree, vectors, W, np.zeros(d)),
            "the leaves composed left to right as a chain, whatever the tree's shape": chain,
        }
        name = first_match(got, mistakes)
        if name:
            raise Wrong(f"for the tree {tree!r} your root vector matches {name}.")
        raise Wrong(
            f"for the tree {tree!r} your root vector differs by up to "
            f"{np.abs(got - want).max():.3g}."
        )
    return "balanced, right- and left-branching trees and a single word all compose correctly."
