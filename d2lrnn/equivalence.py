"""Is a plain model the same function as the book's fast layer and gluon's fused one?

The chapters write their models plainly, one line per equation, so that a
reader can change them; the library keeps a fast version of each, and gluon
has its own. :func:`check_same_function` gives all three the same weights and
the same inputs and compares, quantity by quantity: the outputs, the final
states, the gradient with respect to the inputs and the gradient of every
parameter. It returns a :class:`Comparison` (which prints as a table) when
every difference is within the tolerance, and otherwise raises
:class:`NotEquivalentError`, naming each output or gradient that differs and
by how much.

A plain model here is a gluon ``Block`` with the interface of the book's
recurrent layers (``forward(inputs (T, N, d), states) -> (outputs, states)``,
``begin_state(batch_size, device)``; see :mod:`d2lrnn.lm`) whose parameters
are named as in the equations: ``W_xh, W_hh, b_h`` for the RNN; ``W_xi,
W_hi, b_i`` ... ``W_xo, W_ho, b_o`` for the LSTM; ``W_xr, W_hr, b_r, W_xz,
W_hz, b_z, W_xh, W_hh, b_h, b_hn`` for the GRU, and one such set per layer
and direction for deep and bidirectional models, created in gluon's order
(layer 0 forward, layer 0 backward, layer 1 ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import mxnet as mx
import numpy as np
from mxnet import autograd, gluon
from mxnet import np as mnp

from .checks import check_bool, check_choice, check_device, check_int, check_number, check_str
from .deep import deep_rnn
from .gluon_adapter import begin_state, initialize, is_initialized
from .layers import RNN_ACTIVATIONS, get_cell
from .weights import (
    copy_weights,
    fused_names,
    gate_param_groups,
    gluon_gradients,
    one_way_layers,
)

__all__ = ["Comparison", "NotEquivalentError", "check_same_function", "check_same_model"]

#: The largest relative difference :func:`check_same_function` accepts by default.
TOLERANCE = 1e-5
REFERENCES = {
    "fast": "d2lrnn's fast layer",
    "gluon": "gluon's fused layer",
    "reference": "the reference model",
}
HEADERS = {"fast": "d2lrnn fast", "gluon": "gluon", "reference": "reference"}


class NotEquivalentError(AssertionError):
    """A model does not compute the same outputs or gradients as its reference."""


@dataclass
class Comparison:
    """The largest relative difference of each quantity, per reference (``fast``, ``gluon``).

    ``differences[quantity][reference]`` is ``max |a - b| / max(|a|, |b|)``,
    ``b`` being the plain model's value.
    """

    cell: str
    tolerance: float
    differences: dict = field(default_factory=dict)

    def worst(self) -> float:
        return max(d for row in self.differences.values() for d in row.values())

    def failures(self) -> list[str]:
        """One line for each quantity that differs by more than the tolerance."""
        out = []
        for quantity, row in self.differences.items():
            bad = {r: d for r, d in row.items() if not d <= self.tolerance}
            if bad:
                out.append(
                    f"{quantity}: relative difference "
                    + ", ".join(f"{d:.1e} from {REFERENCES[r]}" for r, d in bad.items())
                )
        return out

    def __str__(self) -> str:
        refs = list(next(iter(self.differences.values())))
        width = max(len(q) for q in self.differences)
        lines = [
            f"{self.cell}: largest relative difference from the plain model "
            f"(tolerance {self.tolerance:.0e})",
            f"{'':{width}s}  " + "  ".join(f"{HEADERS[name]:>12s}" for name in refs),
        ]
        for quantity, row in self.differences.items():
            lines.append(f"{quantity:{width}s}  " + "  ".join(f"{row[r]:12.1e}" for r in refs))
        lines.append(f"largest: {self.worst():.1e}, all within the tolerance")
        return "\n".join(lines)

    __repr__ = __str__


def _relative(a, b) -> float:
    """``max |a - b|`` relative to the larger of the two (1.0 when one of them is zero)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return float("inf")
    if not a.size:
        return 0.0
    scale = max(float(np.abs(a).max()), float(np.abs(b).max()), 1e-30)
    return float(np.abs(a - b).max() / scale)


def _run(model: gluon.Block, X, states: list, coefficients: list) -> dict:
    """Outputs, final states and gradients of one model for a fixed weighted loss."""
    x = X.copy()
    x.attach_grad()
    with autograd.record():
        outputs, finals = model(x, [s.copy() for s in states])
        loss = (outputs * coefficients[0]).sum()
        for s, c in zip(finals, coefficients[1:]):
            loss = loss + (s * c).sum()
    loss.backward()
    return {"outputs": outputs, "states": finals, "dX": x.grad}


def check_same_function(
    plain: gluon.Block,
    cell: str,
    num_layers: int = 1,
    bidirectional: bool = False,
    activation: str = "tanh",
    num_steps: int = 6,
    batch_size: int = 4,
    tolerance: float = TOLERANCE,
    seed: int = 0,
    device=None,
) -> Comparison:
    """Compare ``plain`` with d2lrnn's fast layer and gluon's, given the same weights.

    ``plain`` gets new random weights, ``N(0, 0.3^2)`` (so that no gradient
    is trivially small), which are copied into ``d2lrnn``'s fast layer or
    stack of the described shape (``cell``, ``num_layers``,
    ``bidirectional``, ``activation`` for the RNN) and into the matching
    ``gluon.rnn`` layer. All three read the same random inputs
    ``(num_steps, batch_size, d)`` from the same random states, and one
    backward pass of the same weighted sum of outputs and final states gives
    every gradient. Returns the :class:`Comparison`; raises
    :class:`NotEquivalentError` naming every quantity whose relative
    difference exceeds ``tolerance``.
    """
    if not isinstance(plain, gluon.Block):
        raise TypeError(
            f"plain must be a gluon Block (the model to check), got {type(plain).__name__}"
        )
    spec = get_cell(cell)
    check_int(num_layers, "num_layers", 1)
    bidirectional = check_bool(bidirectional, "bidirectional")
    if cell == "rnn":
        check_choice(activation, "activation", RNN_ACTIVATIONS)
    check_int(num_steps, "num_steps", 1)
    check_int(batch_size, "batch_size", 1)
    tolerance = check_number(tolerance, "tolerance", 0, above=True)
    seed = check_int(seed, "seed", 0)
    device = check_device(device) or mx.current_context()
    groups = gate_param_groups(plain)
    num_inputs, num_hiddens = _sizes(groups, spec)
    rng = np.random.default_rng(seed)
    D = 2 if bidirectional else 1
    kwargs = {"activation": activation} if cell == "rnn" else {}
    fast = deep_rnn(cell, num_hiddens, num_layers, bidirectional, num_inputs=num_inputs, **kwargs)
    fast = fast if num_layers > 1 or bidirectional else fast.layers[0]
    ref = spec.gluon(
        num_hiddens, num_layers=num_layers, bidirectional=bidirectional,
        input_size=num_inputs, **kwargs,
    )  # fmt: skip
    dtype = next(iter(groups[0].values())).dtype
    X = mnp.array(rng.normal(size=(num_steps, batch_size, num_inputs)), dtype=dtype, ctx=device)
    for p in plain.collect_params().values():
        if not is_initialized(p):
            p.initialize(ctx=device)
    for model in (fast, ref):
        initialize(model, X, device)
    for p in plain.collect_params().values():
        p.set_data(mnp.array(rng.normal(0, 0.3, size=p.shape), dtype=p.dtype, ctx=device))
    copy_weights(plain, fast)
    copy_weights(fast, ref)
    shape = (num_layers * D, batch_size, num_hiddens)
    states = [
        mnp.array(rng.normal(0, 0.5, size=shape), dtype=dtype, ctx=device) for _ in spec.states
    ]
    if len(begin_state(plain, batch_size, device)) != len(spec.states):
        raise ValueError(
            f"plain.begin_state must give {len(spec.states)} state array(s) for a {cell}"
        )
    out_shape = (num_steps, batch_size, D * num_hiddens)
    coefficients = [mnp.array(rng.normal(size=out_shape), dtype=dtype, ctx=device)]
    coefficients += [
        mnp.array(rng.normal(size=shape), dtype=dtype, ctx=device) for _ in spec.states
    ]
    models = {"plain": plain, "fast": fast, "gluon": ref}
    runs = {name: _run(model, X, states, coefficients) for name, model in models.items()}
    if runs["plain"]["outputs"].shape != out_shape:
        raise NotEquivalentError(
            f"the plain model's outputs have shape {runs['plain']['outputs'].shape}, "
            f"expected {out_shape}"
        )
    comparison = Comparison(cell, tolerance)
    rows = comparison.differences
    base = runs["plain"]
    for name in ("fast", "gluon"):
        run = runs[name]
        rows.setdefault("outputs", {})[name] = _relative(run["outputs"], base["outputs"])
        for state, a, b in zip(spec.states, run["states"], base["states"]):
            rows.setdefault(f"final {state}", {})[name] = _relative(a, b)
        rows.setdefault("dL/dX", {})[name] = _relative(run["dX"], base["dX"])
    fast_grads = [
        {n: getattr(layer, n).grad() for n in ("W_xh", "W_hh", "b_h", "b_hn") if hasattr(layer, n)}
        for layer in one_way_layers(fast)
    ]
    for name, grads in (("fast", fast_grads), ("gluon", gluon_gradients(ref, fast))):
        for k, (group, fused) in enumerate(zip(groups, grads)):
            where = _where(k, num_layers, D)
            per_gate = sorted(group) != sorted(fused_names(cell))
            cut = _cut_gradients(fused, spec, num_hiddens) if per_gate else fused
            for pname, g in cut.items():
                rows.setdefault(f"dL/d{pname}{where}", {})[name] = _relative(g, group[pname].grad())
    failures = comparison.failures()
    if failures:
        raise NotEquivalentError(
            f"the plain {cell} does not compute the same function as its references "
            f"(tolerance {tolerance:.0e}):\n  " + "\n  ".join(failures)
        )
    return comparison


def _sizes(groups: list[dict], spec) -> tuple[int, int]:
    """The plain model's input size (its first layer's) and hidden size."""
    first = groups[0]
    if sorted(first) == sorted(fused_names(spec.name)):  # one of the book's layers: (d, G h)
        d, gh = first["W_xh"].shape
        h = first["W_hh"].shape[0]
        if gh != spec.num_gates * h or first["W_hh"].shape != (h, gh):
            raise ValueError(
                f"the plain model's W_xh {first['W_xh'].shape} and W_hh {first['W_hh'].shape} "
                f"must be (d, {spec.num_gates} h) and (h, {spec.num_gates} h) for a {spec.name} "
                f"of {spec.num_gates} gate block(s): is the plain model a {spec.name}?"
            )
        return d, h
    key = f"W_x{spec.suffixes[0]}"
    if key not in first:
        raise ValueError(
            f"the plain model's parameters {sorted(first)} are not a {spec.name}'s: it needs "
            f"{[f'W_x{s}' for s in spec.suffixes]} ... or the fused {fused_names(spec.name)}"
        )
    return first[key].shape


def _where(k: int, num_layers: int, D: int) -> str:
    """`` (layer 1, backward)`` for the ``k``-th one-direction layer of a deep model."""
    if num_layers == 1 and D == 1:
        return ""
    layer, direction = divmod(k, D)
    return f" (layer {layer}" + (", backward)" if direction else ")" if D == 1 else ", forward)")


def _cut_gradients(fused: dict, spec, num_hiddens: int) -> dict:
    """A fused layer's gradients cut into the plain model's per-gate names."""
    out = {}
    h = num_hiddens
    for g, s in enumerate(spec.suffixes):
        out[f"W_x{s}"] = fused["W_xh"][:, g * h : (g + 1) * h]
        out[f"W_h{s}"] = fused["W_hh"][:, g * h : (g + 1) * h]
        out[f"b_{s}"] = fused["b_h"][g * h : (g + 1) * h]
    if "b_hn" in fused:
        out["b_hn"] = fused["b_hn"]
    return out


def _by_order(source: gluon.Block, target: gluon.Block) -> None:
    src, dst = list(source.collect_params().values()), list(target.collect_params().values())
    shapes = [p.shape for p in src], [p.shape for p in dst]
    if shapes[0] != shapes[1]:
        raise ValueError(
            "model and reference must have the same parameters in the same order (or pass "
            f"copy=), got shapes {shapes[0]} and {shapes[1]}"
        )
    for p, q in zip(src, dst):
        q.set_data(p.data())


def check_same_model(
    model: gluon.Block,
    reference: gluon.Block,
    inputs: tuple,
    name: str = "model",
    copy=None,
    tolerance: float = TOLERANCE,
    seed: int = 0,
) -> Comparison:
    """Is ``model`` (say, a chapter's plain encoder-decoder) the same function as ``reference``?

    ``model`` gets new random weights, ``N(0, 0.3^2)``, which ``copy(model,
    reference)`` loads into ``reference`` (by default parameter by parameter,
    in order: the two must have the same parameters, in the same order and
    shapes). Both are called as ``m(*inputs)`` (their first output if they
    return several), and a fixed random weighting of the output is
    back-propagated. Compared: the outputs and, when weights are copied in
    order, the gradient of every parameter. Raises
    :class:`NotEquivalentError` naming what differs; returns the
    :class:`Comparison` otherwise.
    """
    for arg, m in (("model", model), ("reference", reference)):
        if not isinstance(m, gluon.Block):
            raise TypeError(f"{arg} must be a gluon Block, got {type(m).__name__}")
    if not isinstance(inputs, tuple) or not inputs:
        raise TypeError(f"inputs must be a non-empty tuple of arguments, got {inputs!r}")
    if copy is not None and not callable(copy):
        raise TypeError(f"copy must be a function (model, reference), got {copy!r}")
    tolerance = check_number(tolerance, "tolerance", 0)
    rng = np.random.default_rng(check_int(seed, "seed", 0))
    for m in (model, reference):
        for p in m.collect_params().values():
            if not is_initialized(p):
                m.initialize()
                break
    with autograd.predict_mode():
        first = model(*inputs)
        reference(*inputs)
    first = first[0] if isinstance(first, (tuple, list)) else first
    params = list(model.collect_params().values())
    for p in params:
        p.set_data(mnp.array(rng.normal(0, 0.3, p.shape), dtype=p.dtype, ctx=p.data().ctx))
    (copy or _by_order)(model, reference)
    weights = mnp.array(rng.normal(size=first.shape), dtype=first.dtype, ctx=first.ctx)
    results = []
    for m in (model, reference):
        with autograd.record():
            out = m(*inputs)
            out = out[0] if isinstance(out, (tuple, list)) else out
            loss = (out * weights).sum()
        loss.backward()
        grads = [p.grad().asnumpy() for p in m.collect_params().values()]
        results.append((out.asnumpy(), grads))
    differences = {"outputs": {"reference": _relative(results[0][0], results[1][0])}}
    if copy is None:
        prefix = model.prefix
        for p, g, h in zip(params, results[0][1], results[1][1]):
            label = p.name[len(prefix) :] if p.name.startswith(prefix) else p.name
            differences[f"d loss / d {label}"] = {"reference": _relative(g, h)}
    comparison = Comparison(check_str(name, "name"), tolerance, differences)
    failures = comparison.failures()
    if failures:
        raise NotEquivalentError(f"{name} differs from the reference:\n" + "\n".join(failures))
    return comparison
