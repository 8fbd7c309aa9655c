"""Chapter 4's coding exercises (vanishing and exploding gradients): their checks.

* 4.1 the step Jacobian of a leaky tanh unit,
  ``J = alpha I + (1 - alpha) diag(tanh'(a)) W_hh^T``, ``(h, h)``;
* 4.2 the norms ``||dh_T/dh_t||_2`` of the products of step Jacobians
  ``J`` ``(T, h, h)``, one per ``t``, ``(T,)``;
* 4.3 a random ``(h, h)`` matrix whose singular values all equal ``radius``;
* 4.4 the fewest step Jacobians on a gradient path across ``distance`` steps of
  a layer with a skip connection of delay ``d`` (each step of the path goes
  back 1 or ``d`` states), an int.

The chapter's recurrences are NumPy (``d2lrnn.vanishing``), so the checks pass
NumPy float64 arrays and accept NumPy or MXNet arrays back. Each check runs
the answer on inputs of its own (non-symmetric matrices, so that a transposed
one shows), compares it with the reference or tests the properties it must
have, and names the likely mistake when the answer matches a common wrong one.
"""

from __future__ import annotations

import functools

import numpy as np

from .core import Wrong, as_array, as_number, call, exercise, first_match, same

__all__: list[str] = []


# Tight tolerances: the answers are float64 Jacobians and norms as small as 1e-15.
_same = functools.partial(same, rtol=1e-5, atol=1e-8)
_first_match = functools.partial(first_match, rtol=1e-5, atol=1e-8)


@exercise(
    "4.1",
    "the step Jacobian of a leaky tanh unit",
    hint="J = alpha I + (1 - alpha) diag(tanh'(a)) W_hh^T with tanh'(a) = 1 - tanh(a)**2: "
    "scale the ROWS of W_hh.T, i.e. dphi[:, None] * W_hh.T (or np.diag(dphi) @ W_hh.T).",
)
def _step_jacobian(answer) -> str:
    h = 4
    for seed, alpha in ((0, 0.0), (1, 0.3), (2, 0.9)):
        rng = np.random.default_rng(seed)
        a, W = rng.normal(size=h), rng.normal(size=(h, h))  # W is not symmetric
        got = as_array(call(answer, a.copy(), W.copy(), alpha), "J")
        eye, d = np.eye(h), 1.0 - np.tanh(a) ** 2
        want = alpha * eye + (1 - alpha) * d[:, None] * W.T
        if _same(got, want):
            continue
        if got.shape != want.shape:
            raise Wrong(f"J must have shape (h, h) = {want.shape}, got {got.shape}")
        mistakes = {
            "W_hh not transposed (diag(tanh'(a)) W_hh)": alpha * eye + (1 - alpha) * d[:, None] * W,
            "the transpose of J: tanh'(a) scales the columns of W_hh^T instead of its rows "
            "(dphi * W_hh.T broadcasts along the last axis)": alpha * eye
            + (1 - alpha) * d[None, :] * W.T,
            "tanh(a) in place of its derivative 1 - tanh(a)**2": alpha * eye
            + (1 - alpha) * np.tanh(a)[:, None] * W.T,
            "no derivative at all (the Jacobian of a linear unit)": alpha * eye + (1 - alpha) * W.T,
            "alpha and 1 - alpha swapped": (1 - alpha) * eye + alpha * d[:, None] * W.T,
            "no factor (1 - alpha) on the tanh path": alpha * eye + d[:, None] * W.T,
        }
        if alpha > 0:  # at alpha = 0 the leak term is zero anyway
            mistakes["no leak term alpha I"] = (1 - alpha) * d[:, None] * W.T
        name = _first_match(got, mistakes)
        if name:
            raise Wrong(f"for alpha = {alpha} your J matches {name}.")
        raise Wrong(
            f"for a random a and W_hh (seed {seed}, alpha = {alpha}) your J differs from "
            f"alpha I + (1 - alpha) diag(tanh'(a)) W_hh^T by up to {np.abs(got - want).max():.3g}."
        )
    return "your J equals alpha I + (1 - alpha) diag(tanh'(a)) W_hh^T for three leaks."


def _products(J: np.ndarray, inclusive: bool = True, reverse: bool = False) -> np.ndarray:
    """``P[t] = J[T-1] ... J[t]`` (or ``J[t] ... J[T-1]`` with ``reverse``); ``(T, h, h)``.

    Without ``inclusive`` the product stops before ``J[t]`` (an off-by-one).
    """
    T, h, _ = J.shape
    P, acc = np.empty_like(J), np.eye(h)
    for t in range(T - 1, -1, -1):
        if not inclusive:
            P[t] = acc
        acc = J[t] @ acc if reverse else acc @ J[t]
        if inclusive:
            P[t] = acc
    return P


def _forward_products(J: np.ndarray, reverse: bool = False) -> np.ndarray:
    """``F[t] = J[t] ... J[0]`` (``J[0] ... J[t]`` with ``reverse``), a mistake: ``(T, h, h)``."""
    F, acc = np.empty_like(J), np.eye(J.shape[1])
    for t in range(len(J)):
        acc = acc @ J[t] if reverse else J[t] @ acc
        F[t] = acc
    return F


def _spectral(P: np.ndarray) -> np.ndarray:
    """The largest singular value of each matrix of ``P`` ``(T, h, h)``: ``(T,)``."""
    return np.linalg.norm(P, ord=2, axis=(1, 2))


@exercise(
    "4.2",
    "the norms of products of step Jacobians",
    hint="Start from the identity and go backwards, t = T-1, ..., 0: acc = acc @ J[t] (the "
    "later Jacobian on the left), and norms[t] = np.linalg.norm(acc, ord=2), the largest "
    "singular value.",
)
def _jacobian_norms(answer) -> str:
    T, h = 6, 3
    for seed in (0, 1):
        J = np.random.default_rng(seed).normal(size=(T, h, h))  # products do not commute
        got = as_array(call(answer, J.copy()), "the norms")
        want = _spectral(_products(J))
        if _same(got, want):
            continue
        if got.shape != want.shape:
            raise Wrong(
                f"return one norm per step t = 0, ..., T-1, shape (T,) = {want.shape}; "
                f"got shape {got.shape}"
            )
        step_norms = _spectral(J)
        mistakes = {
            "the Jacobians multiplied in the wrong order (J[t] ... J[T-1] instead of "
            "J[T-1] ... J[t])": _spectral(_products(J, reverse=True)),
            "the products without J[t] itself (an off-by-one: norms[T-1] must be ||J[T-1]||, "
            "not 1)": _spectral(_products(J, inclusive=False)),
            "the right norms in reverse order (norms[t] belongs to dh_T/dh_t, so norms[0] is "
            "the one from furthest back)": want[::-1],
            "the Frobenius norm instead of the spectral norm (use ord=2)": np.linalg.norm(
                _products(J), axis=(1, 2)
            ),
            "the product of the step norms, the bound of eq-vanishing-bound, not the norm of "
            "the product": np.cumprod(step_norms[::-1])[::-1],
            "the largest |eigenvalue| instead of the largest singular value": np.abs(
                np.linalg.eigvals(_products(J))
            ).max(axis=1),
        }
        forward = "the products that start at step 0 (dh_{t+1}/dh_0) instead of ending at T"
        for reverse in (False, True):  # either order: both are the wrong products
            if _same(got, _spectral(_forward_products(J, reverse))):
                raise Wrong(f"your norms match {forward}.")
        name = _first_match(got, mistakes)
        if name:
            raise Wrong(f"your norms match {name}.")
        raise Wrong(
            f"for random Jacobians (seed {seed}) your norms differ from ||J[T-1] ... J[t]||_2 "
            f"by up to {np.abs(got - want).max():.3g}."
        )
    return "your norms equal ||J[T-1] ... J[t]||_2 for every t, on random Jacobians."


@exercise(
    "4.3",
    "a random matrix with every singular value equal to radius",
    hint="Take the Q of the QR decomposition of a Gaussian matrix drawn with "
    "np.random.default_rng(seed): Q is orthogonal, so every singular value of radius * Q "
    "equals radius.",
)
def _scaled_orthogonal(answer) -> str:
    matrices = {}
    for h, radius, seed in ((5, 0.9, 0), (5, 0.9, 1), (8, 2.0, 3)):
        W = as_array(call(answer, h, radius, seed), "the matrix")
        if W.shape != (h, h):
            raise Wrong(
                f"for num_hiddens = {h} the matrix must have shape ({h}, {h}), got {W.shape}"
            )
        if not np.isfinite(W).all():  # NaN or inf: no singular values to compare
            raise Wrong(
                f"for num_hiddens = {h}, radius = {radius} and seed = {seed} your matrix holds "
                f"{int(np.isnan(W).sum())} NaN and {int(np.isinf(W).sum())} infinite values."
            )
        s = np.linalg.svd(W, compute_uv=False)
        if not np.allclose(s, radius, rtol=1e-5):
            shown = np.array2string(s, precision=3)
            if np.allclose(s, 1.0, rtol=1e-5):
                raise Wrong(f"every singular value is 1, not radius = {radius}: scale by radius.")
            if np.isclose(s[0], radius, rtol=1e-5):
                raise Wrong(
                    f"only the largest singular value equals radius = {radius}; all of them "
                    f"must (yours: {shown}). Dividing a random matrix by its norm is not enough.",
                )
            rho = np.abs(np.linalg.eigvals(W)).max()
            if np.isclose(rho, radius, rtol=1e-5):
                raise Wrong(
                    f"the largest |eigenvalue| (the spectral radius) is {radius}, but the "
                    f"singular values are {shown}: the bound of eq-vanishing-bound needs the "
                    "singular values.",
                )
            raise Wrong(
                f"for radius = {radius} the singular values must all equal it; yours are {shown}."
            )
        again = as_array(call(answer, h, radius, seed), "the matrix")
        if not _same(W, again):
            raise Wrong(
                f"two calls with seed = {seed} return different matrices: draw from "
                "np.random.default_rng(seed)."
            )
        matrices[(h, seed)] = W
    if _same(matrices[(5, 0)], matrices[(5, 1)]):
        raise Wrong(
            "seeds 0 and 1 give the same matrix: it must be random (radius * I has the "
            "right singular values, but it is not a random orthogonal matrix)."
        )
    return "every singular value equals radius, for two sizes and three seeds; seeds differ."


@exercise(
    "4.4",
    "the shortest gradient path with a skip connection",
    hint="Go back d steps at a time as often as fits, distance // d jumps, then single steps "
    "for what is left, distance % d: (distance // d) + (distance % d).",
)
def _fewest_jacobians(answer) -> str:
    cases = [(10, 4), (12, 4), (3, 4), (100, 4), (7, 2), (1, 3), (0, 5), (50, 7), (9, 3)]
    for distance, d in cases:
        want = distance // d + distance % d
        got = as_number(call(answer, distance, d), "the number of Jacobians", integer=True)
        if got == want:
            continue
        mistakes = {
            "the jumps only, distance // d: the remainder still takes single steps": distance // d,
            "ceil(distance / d): jumps cannot overshoot h_t, the rest are single steps": -(
                -distance // d
            ),
            "distance: every step one at a time, the skip unused": distance,
        }
        for why, wrong in mistakes.items():
            if got == wrong and wrong != want:
                raise Wrong(f"for distance={distance} and d={d} you return {got}: {why}.")
        raise Wrong(f"for distance={distance} and d={d} you return {got}, expected {want}.")
    return "your counts are the fewest Jacobians, jumps of d first and single steps for the rest."
