"""Chapter 5's coding exercises (LSTM and GRU): their checks.

* 5.1 one step of the LSTM with the gate blocks side by side, in gluon's order
  (input, forget, candidate, output): ``X_t`` ``(n, d)``, ``H`` and ``C``
  ``(n, h)``, ``W_x`` ``(d, 4h)``, ``W_h`` ``(h, 4h)``, ``b`` ``(4h,)`` ->
  ``(H_t, C_t)``, each ``(n, h)``;
* 5.2 the number of parameters of a one-layer gluon RNN, GRU or LSTM with
  ``num_inputs`` inputs and a dense readout to ``num_outputs``, an int;
* 5.3 one step of the GRU in the textbook form (the reset gate applied to
  ``H`` *before* the product), blocks in gluon's order (reset, update,
  candidate): ``X_t`` ``(n, d)``, ``H`` ``(n, h)``, ``W_x`` ``(d, 3h)``,
  ``W_h`` ``(h, 3h)``, ``b`` ``(3h,)`` -> ``H_t`` ``(n, h)``.

Each check runs the answer on inputs of its own (MXNet arrays, as in the
chapter; ``n``, ``d`` and ``h`` all different, so that a transposed weight or a
split along the wrong axis shows), compares it with a reference computed here
in NumPy float64 (for 5.2, counted from gluon's own layers), and names the
likely mistake when the answer matches a common wrong one: gate blocks read in
another order, the output gate left out, gluon's GRU candidate in place of the
textbook one, and so on.
"""

from __future__ import annotations

import itertools

import numpy as np
from mxnet import gluon
from mxnet import np as mnp

from .. import runtime  # noqa: F401  (MXNet's NumPy interface, switched on once)
from ..layers import get_cell
from .core import Wrong, as_array, as_number, call, exercise, same

__all__: list[str] = []


def _rng_arrays(seed: int, *shapes: tuple[int, ...]) -> tuple[list, list[np.ndarray]]:
    """Random float32 MXNet arrays of ``shapes`` and the same values as NumPy float64."""
    rng = np.random.default_rng(seed)
    arrays = [mnp.array(rng.normal(size=s), dtype="float32") for s in shapes]
    return arrays, [a.asnumpy().astype(np.float64) for a in arrays]


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


def _blocks(a: np.ndarray, G: int) -> list[np.ndarray]:
    return np.split(a, G, axis=-1)


def _assumed(order: tuple[int, ...], gates: tuple[str, ...]) -> str:
    """The block order an answer assumes when it reads block ``order[k]`` as gate ``k``."""
    return ", ".join(gates[order.index(p)] for p in range(len(order)))


# ---------------------------------------------------------------- 5.1 LSTM step

LSTM_GATES = ("input", "forget", "candidate", "output")  # gluon's order of the blocks


def _lstm(x, s, c, wx, wh, b, order=(0, 1, 2, 3), **change):
    """Reference LSTM step (H_t, C_t); ``order[k]`` is the block read as gate k, and
    ``change`` switches on one mistake (used to recognise wrong answers)."""
    A = _blocks(x @ wx + s @ wh + b, 4)
    a_i, a_f, a_c, a_o = (A[k] for k in order)
    I, F, O = _sigmoid(a_i), _sigmoid(a_f), _sigmoid(a_o)
    C_tilde = _sigmoid(a_c) if change.get("sigmoid_candidate") else np.tanh(a_c)
    keep = 1 - F if change.get("one_minus_f") else F
    C = keep * c + I * C_tilde
    if change.get("no_output_gate"):
        return np.tanh(C), C
    if change.get("no_tanh"):
        return O * C, C
    if change.get("old_memory"):
        return O * np.tanh(c), C
    return O * np.tanh(C), C


@exercise(
    "5.1",
    "one step of the LSTM with stacked gate blocks",
    hint="A = X_t @ W_x + H @ W_h + b is (n, 4h); split its last axis into 4 blocks, in "
    "gluon's order input, forget, candidate, output; sigmoid for the three gates, tanh for "
    "the candidate; C_t = F * C + I * C_tilde and H_t = O * tanh(C_t); return (H_t, C_t).",
)
def _lstm_step(answer) -> str:
    n, d, h = 3, 5, 4  # all different; 4h = 16 does not split evenly along d = 5
    for seed in (0, 1):
        arrays, (x, s, c, wx, wh, b) = _rng_arrays(
            seed, (n, d), (n, h), (n, h), (d, 4 * h), (h, 4 * h), (4 * h,)
        )
        out = call(answer, *arrays)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise Wrong(
                f"return the pair (H_t, C_t), two arrays of shape (n, h); got {type(out).__name__}"
            )
        got_H, got_C = as_array(out[0], "H_t"), as_array(out[1], "C_t")
        want_H, want_C = _lstm(x, s, c, wx, wh, b)
        if same(got_H, want_H) and same(got_C, want_C):
            continue
        for got, want, name in ((got_H, want_H, "H_t"), (got_C, want_C, "C_t")):
            if got.shape != want.shape:
                raise Wrong(f"{name} must have shape (n, h) = {want.shape}, got {got.shape}")
        if same(got_H, want_C) and same(got_C, want_H):
            raise Wrong("you return (C_t, H_t); the pair is (H_t, C_t), in this order.")
        mistakes = {
            "no_output_gate": "no output gate, H_t = tanh(C_t) (the slip of the lecture notes "
            "in the chapter); H_t = O_t * tanh(C_t)",
            "no_tanh": "no tanh on the memory, H_t = O_t * C_t",
            "old_memory": "H_t computed from the old memory C_{t-1} instead of the new C_t",
            "sigmoid_candidate": "a sigmoid on the candidate memory; it takes tanh",
            "one_minus_f": "the memory kept as (1 - F_t) * C_{t-1}; F_t is the share kept",
        }
        for change, name in mistakes.items():
            H_w, C_w = _lstm(x, s, c, wx, wh, b, **{change: True})
            if same(got_H, H_w) and same(got_C, C_w):
                raise Wrong(f"your cell matches the LSTM with {name}.")
        for order in itertools.permutations(range(4)):
            H_w, C_w = _lstm(x, s, c, wx, wh, b, order=order)
            if order != (0, 1, 2, 3) and same(got_H, H_w) and same(got_C, C_w):
                assumed = _assumed(order, LSTM_GATES)
                raise Wrong(
                    f"your cell reads the blocks as if their order were {assumed}"
                    "; gluon's order (the chapter's table's) is input, forget, candidate, output."
                )
        if same(got_C, want_C):
            raise Wrong(
                f"your C_t is right, but for random inputs (seed {seed}) your H_t differs from "
                f"O_t * tanh(C_t) by up to {np.abs(got_H - want_H).max():.3g}."
            )
        raise Wrong(
            f"for random inputs (seed {seed}) your C_t differs from F_t * C_{{t-1}} + I_t * "
            f"C_tilde_t by up to {np.abs(got_C - want_C).max():.3g}."
        )
    return "your step equals the LSTM's, gates in gluon's order, on random inputs."


# ---------------------------------------------------------------- 5.2 parameter count


def _gluon_count(cell: str, d: int, h: int, q: int) -> int:
    """Parameters of gluon's own one-layer ``cell`` with ``d`` inputs and a Dense readout."""
    layer = get_cell(cell).gluon(h, input_size=d)
    readout = gluon.nn.Dense(q, in_units=h)
    return sum(int(np.prod(p.shape)) for b in (layer, readout) for p in b.collect_params().values())


@exercise(
    "5.2",
    "the parameters of a recurrent layer and its readout",
    hint="A cell with G blocks (RNN 1, GRU 3, LSTM 4) has, per block, an input weight "
    "(h x d), a recurrent weight (h x h) and gluon's two biases (2h); the readout has "
    "h x q weights and q biases.",
)
def _count_params(answer) -> str:
    G = {"rnn": 1, "gru": 3, "lstm": 4}
    for d, h, q in ((7, 5, 3), (28, 128, 28)):
        for cell in ("rnn", "gru", "lstm"):
            got_int = as_number(
                call(answer, cell, d, h, q), "the number of parameters", integer=True
            )
            want = _gluon_count(cell, d, h, q)
            if got_int == want:
                continue
            g = G[cell]
            mistakes = {
                "one bias per block (gluon keeps two, i2h_bias and h2h_bias)": g
                * (h * d + h * h + h)
                + h * q
                + q,
                "no readout layer": g * (h * d + h * h + 2 * h),
                "a readout without its bias": g * (h * d + h * h + 2 * h) + h * q,
                "one block, whatever the cell (the GRU has 3, the LSTM 4)": h * d
                + h * h
                + 2 * h
                + h * q
                + q,
                "the GRU's and the LSTM's numbers of blocks swapped": (7 - g if g > 1 else 1)
                * (h * d + h * h + 2 * h)
                + h * q
                + q,
                "no recurrent weights (h x h per block)": g * (h * d + 2 * h) + h * q + q,
            }
            for name, wrong in mistakes.items():
                if got_int == wrong:
                    raise Wrong(
                        f"for the {cell.upper()} with d = {d}, h = {h}, q = {q} you count "
                        f"{got_int:,}, expected {want:,}: your count matches {name}."
                    )
            raise Wrong(
                f"for the {cell.upper()} with d = {d}, h = {h}, q = {q} you count {got_int:,}, "
                f"expected {want:,} (gluon's own layers have that many)."
            )
    return "your counts equal those of gluon's RNN, GRU and LSTM layers with a Dense readout."


# ---------------------------------------------------------------- 5.3 textbook GRU step

GRU_GATES = ("reset", "update", "candidate")


def _gru(x, s, wx, wh, b, order=(0, 1, 2), **change):
    """Reference GRU step in the textbook form; ``change`` switches on one mistake."""
    Wx, Wh, B = (_blocks(a, 3) for a in (wx, wh, b))
    r, z, k = order
    R = _sigmoid(x @ Wx[r] + s @ Wh[r] + B[r])
    Z = _sigmoid(x @ Wx[z] + s @ Wh[z] + B[z])
    if change.get("reset_after"):
        recurrent = R * (s @ Wh[k])
    elif change.get("no_reset"):
        recurrent = s @ Wh[k]
    else:
        recurrent = (R * s) @ Wh[k]
    H_tilde = np.tanh(x @ Wx[k] + recurrent + B[k])
    if change.get("z_new"):
        return (1 - Z) * s + Z * H_tilde
    if change.get("no_interpolation"):
        return H_tilde
    return Z * s + (1 - Z) * H_tilde


@exercise(
    "5.3",
    "one step of the GRU in the textbook form",
    hint="Split W_x, W_h and b into 3 blocks along their last axis (reset, update, "
    "candidate). R and Z are sigmoid(X_t W_x. + H W_h. + b.); the candidate is "
    "tanh(X_t W_xh + (R * H) W_hh + b_h), the reset applied to H before the product; "
    "H_t = Z * H + (1 - Z) * candidate.",
)
def _gru_step(answer) -> str:
    n, d, h = 3, 5, 4  # all different; 3h = 12 does not split evenly along d = 5
    for seed in (0, 1):
        arrays, (x, s, wx, wh, b) = _rng_arrays(
            seed, (n, d), (n, h), (d, 3 * h), (h, 3 * h), (3 * h,)
        )
        got = as_array(call(answer, *arrays), "H_t")
        want = _gru(x, s, wx, wh, b)
        if same(got, want):
            continue
        if got.shape != want.shape:
            raise Wrong(f"H_t must have shape (n, h) = {want.shape}, got {got.shape}")
        mistakes = {
            "reset_after": "the reset gate applied after the product, R * (H W_hh): that is "
            "gluon's convention (the chapter's GRU class); the textbook form resets H before "
            "it, (R * H) W_hh",
            "z_new": "Z_t as the share of the new state, (1 - Z) * H + Z * candidate (the "
            "convention of Chung et al.); in the chapter's form Z_t is the share kept",
            "no_reset": "no reset gate in the candidate (the slip of the lecture notes)",
            "no_interpolation": "H_t = candidate, without the update gate's interpolation",
        }
        for change, name in mistakes.items():
            if same(got, _gru(x, s, wx, wh, b, **{change: True})):
                raise Wrong(f"your H_t matches the GRU with {name}.")
        for order in itertools.permutations(range(3)):
            if order != (0, 1, 2) and same(got, _gru(x, s, wx, wh, b, order=order)):
                assumed = _assumed(order, GRU_GATES)
                raise Wrong(
                    f"your cell reads the blocks as if their order were {assumed}"
                    "; gluon's order (the chapter's table's) is reset, update, candidate."
                )
        raise Wrong(
            f"for random inputs (seed {seed}) your H_t differs from the textbook GRU's by up "
            f"to {np.abs(got - want).max():.3g}."
        )
    return "your step equals the textbook GRU's, (R * H) W_hh in the candidate, on random inputs."
