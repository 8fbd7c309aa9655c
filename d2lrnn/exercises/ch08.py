"""The appendix's coding exercises (making recurrent layers fast, numbered 8): their checks.

* 8.1 the gradient of a row lookup: the table's gradient ``(V, h)`` from the
  token indices ``(T, N)`` and the gradient ``(T, N, h)`` of the rows looked up;
* 8.2 the bytes that the backward pass writes for the input projection's
  gradient, indexing ``XW[t]`` at every step (step 2) against cutting the
  sequence once (step 3): ``(index_bytes, cut_bytes)``, two ints;
* 8.3 step 4 for the GRU, in gluon's convention: token indices ``(T, N)``,
  the initial state ``(N, h)`` and the three gates' weights -> the outputs
  ``(T, N, h)``, with the same outputs and gradients as the plain GRU.

Each check runs the answer on inputs of its own (shapes all different, tokens
that repeat and a token that never occurs, so that a transposed weight or an
overwritten gradient shows), compares it with the reference computed here,
and names the likely mistake when the answer matches a common wrong one.
"""

from __future__ import annotations

import numpy as np
from mxnet import autograd
from mxnet import np as mnp
from mxnet.base import MXNetError

from .. import runtime  # noqa: F401  (MXNet's NumPy interface, switched on once)
from .core import Wrong, as_array, as_number, call, exercise, same

__all__: list[str] = []


@exercise(
    "8.1",
    "the gradient of a row lookup",
    hint="Row v of the table's gradient is the SUM of G[t, n] over every position where "
    "tokens[t, n] == v (zero if v never occurs): npx.one_hot(tokens, V) reshaped to (T N, V), "
    "transposed, times G reshaped to (T N, h); or np.add.at, not grad[tokens] = G, which "
    "keeps only one of a repeated token's gradients.",
)
def _lookup_grad(answer) -> str:
    T, N, h, V = 4, 2, 3, 7  # 8 tokens drawn from 6 values: some repeat, and token 6 never occurs
    for seed in (0, 1):
        rng = np.random.default_rng(seed)
        tokens = rng.integers(0, V - 1, size=(T, N))
        G = rng.normal(size=(T, N, h))
        got = call(answer, mnp.array(tokens, dtype="int32"), mnp.array(G, dtype="float32"), V)
        got = as_array(got, "the table's gradient")
        flat, rows = tokens.reshape(-1), G.reshape(-1, h)
        want = np.zeros((V, h))
        np.add.at(want, flat, rows)
        if same(got, want):
            continue
        if got.shape != want.shape:
            raise Wrong(
                f"the gradient must have the table's shape (V, h) = {(V, h)}, got {got.shape}"
            )
        counts = np.bincount(flat, minlength=V)
        one_each = all(
            any(
                np.allclose(got[v], rows[i], rtol=1e-4, atol=1e-5)
                for i in np.flatnonzero(flat == v)
            )
            if counts[v]
            else np.allclose(got[v], 0)
            for v in range(V)
        )
        if one_each:
            raise Wrong(
                "each row of your gradient holds the gradient of ONE occurrence of its token; a "
                f"token that occurs several times (here {np.flatnonzero(counts > 1).tolist()}) "
                "gets the sum of all of them. grad[tokens] = G overwrites instead of adding."
            )
        mistakes = {
            "the mean over each token's occurrences instead of their sum": want
            / np.maximum(counts, 1)[:, None],
            "the sum divided by the number of tokens T * N": want / (T * N),
        }
        for name, wrong in mistakes.items():
            if same(got, wrong):
                raise Wrong(f"your gradient is {name}.")
        raise Wrong(
            f"for random tokens and gradients (seed {seed}) your gradient differs from the sum of "
            f"each token's gradients by up to {np.abs(got - want).max():.3g}."
        )
    return "each row adds up the gradients of all its token's occurrences; absent tokens get 0."


@exercise(
    "8.2",
    "the bytes written by the backward pass",
    hint="Step 2 slices XW[t] once per step and per gate, and each slice's gradient is written "
    "into a zero array of the FULL size T * N * h; step 3 writes each gate's T * N * h "
    "gradient once. A float32 number takes 4 bytes.",
)
def _backward_bytes(answer) -> str:
    for T, N, h, gates in ((32, 256, 32, 3), (5, 3, 7, 4), (128, 2, 1, 1)):
        got = call(answer, T, N, h, gates)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise Wrong(f"return the pair (index_bytes, cut_bytes), got {got!r}")
        # Byte counts: ints, compared as returned (a float is refused, not truncated).
        got = (
            as_number(got[0], "index_bytes", integer=True),
            as_number(got[1], "cut_bytes", integer=True),
        )
        full = T * N * h * 4
        want = (gates * T * full, gates * full)
        if got == want:
            continue
        where = f"for T = {T}, N = {N}, h = {h} and {gates} gate(s)"
        mistakes = {
            "numbers, not bytes (a float32 number takes 4 bytes)": (want[0] // 4, want[1] // 4),
            "8 bytes a number (the arrays are float32: 4 bytes)": (2 * want[0], 2 * want[1]),
            "without the factor for the gates (one XW per gate)": (want[0] // gates, full),
            "each slice's gradient as small as the slice, (N, h); MXNet writes it into a zero "
            "array of the full size (T, N, h)": (gates * full, gates * full),
            "(cut_bytes, index_bytes): the pair in the wrong order": (want[1], want[0]),
        }
        for name, wrong in mistakes.items():
            if got == wrong and wrong != want:
                raise Wrong(f"{where} you return {got}, expected {want}: that is {name}.")
        raise Wrong(f"{where} you return {got}, expected (index_bytes, cut_bytes) = {want}.")
    return "your counts grow as T^2 for the indexing and as T for the cut."


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _gru(tokens, H, W_x, W_h, b, b_hn, variant: str = "") -> np.ndarray:
    """The GRU's outputs ``(T, N, h)`` in gluon's convention, or in a ``variant`` (a mistake)."""
    W_xr, W_xz, W_xh = W_x
    W_hr, W_hz, W_hh = (W.T for W in W_h) if variant == "transposed" else W_h
    b_r, b_z, b_h = b
    if variant == "gates swapped":
        W_xr, W_xz, W_hr, W_hz, b_r, b_z = W_xz, W_xr, W_hz, W_hr, b_z, b_r
    outputs = []
    for x in tokens:
        R = _sigmoid(W_xr[x] + H @ W_hr + b_r)
        Z = _sigmoid(W_xz[x] + H @ W_hz + b_z)
        if variant == "textbook":
            H_tilde = np.tanh(W_xh[x] + (R * H) @ W_hh + b_hn + b_h)
        elif variant == "b_hn outside":
            H_tilde = np.tanh(W_xh[x] + R * (H @ W_hh) + b_hn + b_h)
        elif variant == "no reset":
            H_tilde = np.tanh(W_xh[x] + H @ W_hh + b_hn + b_h)
        else:
            H_tilde = np.tanh(W_xh[x] + R * (H @ W_hh + b_hn) + b_h)
        if variant == "Z swapped":
            H = (1 - Z) * H + Z * H_tilde
        else:
            H = Z * H + (1 - Z) * H_tilde
        outputs.append(H)
    return np.stack(outputs)


def _gru_plain(tokens, H, W_x, W_h, b, b_hn):
    """The same GRU with MXNet operators, one-hot inputs and a Python loop (for gradients)."""
    one_hot = np.eye(W_x[0].shape[0])[tokens.asnumpy()]  # (T, N, V)
    outputs = []
    for t in range(one_hot.shape[0]):
        x = mnp.array(one_hot[t], dtype="float32")
        R = 1 / (1 + mnp.exp(-(x @ W_x[0] + H @ W_h[0] + b[0])))
        Z = 1 / (1 + mnp.exp(-(x @ W_x[1] + H @ W_h[1] + b[1])))
        H_tilde = mnp.tanh(x @ W_x[2] + R * (H @ W_h[2] + b_hn) + b[2])
        H = Z * H + (1 - Z) * H_tilde
        outputs.append(H)
    return mnp.stack(outputs)


def _gradients(f, tokens, H, W_x, W_h, b, b_hn, coefficients):
    """Gradients of sum(f(...) * coefficients) with respect to every weight, as NumPy arrays
    by name; an answer whose output is not an MXNet array on the recorded graph gets None."""
    weights = {"W_x": W_x, "W_h": W_h, "b": b}
    arrays = {f"{k}{'rzh'[g]}": w.copy() for k, ws in weights.items() for g, w in enumerate(ws)}
    arrays["b_hn"] = b_hn.copy()
    for a in arrays.values():
        a.attach_grad()
    parts = [[arrays[f"{k}{g}"] for g in "rzh"] for k in ("W_x", "W_h", "b")]
    with autograd.record():
        out = call(f, tokens, H.copy(), *parts, arrays["b_hn"])
        if not isinstance(out, mnp.ndarray):
            return None
        loss = (out * coefficients).sum()
    try:
        loss.backward()
    except MXNetError:  # the output was not computed from the recorded weights
        return None
    return {name: a.grad.asnumpy().astype(np.float64) for name, a in arrays.items()}


@exercise(
    "8.3",
    "step 4 for the GRU",
    hint="R = sigmoid(XW_r + H W_hr), Z = sigmoid(XW_z + H W_hz), H~ = tanh(XW_h + R * (H W_hh "
    "+ b_hn)), H = Z * H + (1 - Z) * H~, where XW_g = W_xg[tokens] + b_g is looked up for all "
    "steps before the loop (npx.embedding) and cut into steps once (layers.cut); keep every "
    "operation in MXNet so that the gradients flow.",
)
def _gru_step4(answer) -> str:
    T, N, h, V = 3, 2, 4, 5  # all different, so that a transposed weight shows
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, V, size=(T, N))
    H0 = rng.normal(scale=0.5, size=(N, h))
    W_x = [rng.normal(scale=0.5, size=(V, h)) for _ in "rzh"]
    W_h = [rng.normal(scale=0.5, size=(h, h)) for _ in "rzh"]  # not symmetric
    b = [rng.normal(scale=0.5, size=h) for _ in "rzh"]
    b_hn = rng.normal(scale=0.5, size=h)

    def mx(x):
        return mnp.array(x, dtype="float32")

    args = (
        mnp.array(tokens, dtype="int32"),
        mx(H0),
        [mx(w) for w in W_x],
        [mx(w) for w in W_h],
        [mx(w) for w in b],
        mx(b_hn),
    )
    got = as_array(
        call(answer, *(a if not isinstance(a, list) else list(a) for a in args)), "the outputs"
    )
    want = _gru(tokens, H0, W_x, W_h, b, b_hn)
    if not same(got, want):
        if got.shape != want.shape:
            raise Wrong(f"the outputs must have shape (T, N, h) = {want.shape}, got {got.shape}")
        mistakes = {
            "textbook": "the textbook candidate of eq-gru, tanh(X W_xh + (R * H) W_hh + b_h), "
            "not gluon's, in which R multiplies H W_hh + b_hn after the product",
            "b_hn outside": "b_hn added outside the reset gate: R * (H W_hh) + b_hn instead of "
            "R * (H W_hh + b_hn)",
            "no reset": "a candidate without the reset gate",
            "Z swapped": "Z and 1 - Z swapped: Z is the share of the OLD state that is kept",
            "gates swapped": "the reset and update gates' weights swapped (the order is r, z, h)",
            "transposed": "H W_h^T instead of H W_h (recurrent_product takes W_h^T: "
            "transpose once, before the loop)",
        }
        for variant, name in mistakes.items():
            if same(got, _gru(tokens, H0, W_x, W_h, b, b_hn, variant)):
                raise Wrong(f"your outputs match {name}.")
        raise Wrong(
            f"for random weights your outputs differ from the GRU's by up to "
            f"{np.abs(got - want).max():.3g}."
        )
    coefficients = mx(rng.normal(size=(T, N, h)))
    grads = _gradients(answer, *args, coefficients)
    if grads is None:
        raise Wrong(
            "your outputs are right, but they are not an MXNet array computed from the weights, "
            "so no gradient reaches them: keep every operation in MXNet (no .asnumpy())."
        )
    ref = _gradients(_gru_plain, *args, coefficients)
    for name, g in ref.items():
        if not same(grads[name], g):
            raise Wrong(
                f"your outputs are right, but the gradient of dL/d{name} differs from the plain "
                f"GRU's by up to {np.abs(grads[name] - g).max():.3g}: something in your loop "
                "stops or changes the gradient."
            )
    return "your GRU computes the plain GRU's outputs and gradients."
