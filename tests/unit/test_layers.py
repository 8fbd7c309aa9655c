"""The book's from-scratch layers against gluon's, their gates, inputs and states, and CELLS."""

import mxnet as mx
import numpy as np
import pytest
from mxnet import autograd, gluon
from mxnet import np as mnp
from mxnet.gluon import rnn

import d2lrnn
from d2lrnn import layers
from d2lrnn.gluon_adapter import gluon_block_params
from d2lrnn.weights import copy_weights, fused_names, gate_names

KINDS = {
    "rnn-tanh": (
        lambda h, d, **kw: layers.RNNScratch(h, d, "tanh", sigma=0.5, **kw),
        lambda h, d: rnn.RNN(h, activation="tanh", input_size=d),
    ),
    "rnn-relu": (
        lambda h, d, **kw: layers.RNNScratch(h, d, "relu", sigma=0.5, **kw),
        lambda h, d: rnn.RNN(h, activation="relu", input_size=d),
    ),
    "lstm": (
        lambda h, d, **kw: layers.LSTMScratch(h, d, sigma=0.5, **kw),
        lambda h, d: rnn.LSTM(h, input_size=d),
    ),
    "gru": (
        lambda h, d, **kw: layers.GRUScratch(h, d, sigma=0.5, **kw),
        lambda h, d: rnn.GRU(h, input_size=d),
    ),
}
GATED = [kind for kind in sorted(KINDS) if layers.CELLS[kind.split("-")[0]].has_gates]


def pair(kind, T=7, N=3, d=5, h=4, seed=0, fast=True):
    """A book layer with random weights (biases too), gluon's with a copy, inputs and states."""
    d2lrnn.seed(seed)
    make_scratch, make_ref = KINDS[kind]
    scratch = make_scratch(h, d, fast=fast)
    scratch.initialize()
    scratch.b_h.set_data(mnp.random.normal(size=scratch.b_h.shape))
    if kind == "gru":
        scratch.b_hn.set_data(mnp.random.normal(size=(h,)))
    ref = make_ref(h, d)
    ref.initialize()
    copy_weights(scratch, ref)
    X = mnp.random.normal(size=(T, N, d))
    states = [mnp.random.normal(size=(1, N, h)) for _ in range(scratch.num_states)]
    return scratch, ref, X, states


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "plain"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_scratch_equals_gluon_outputs_and_gradients(kind, fast):
    """Same weights: outputs, final states and every gradient agree within 1e-5, on both paths."""
    scratch, ref, X, states0 = pair(kind, fast=fast)
    R = mnp.random.normal(size=X.shape[:2] + (4,))  # a random linear loss: O(1) gradients
    results = []
    for layer in (scratch, ref):
        x, states = X.copy(), [s.copy() for s in states0]
        for a in (x, *states):
            a.attach_grad()
        with autograd.record():
            out, final = layer(x, states)
            loss = (out * R).sum() + sum((f * (i + 2)).sum() for i, f in enumerate(final))
        loss.backward()
        results.append([out, *final, x.grad, *[s.grad for s in states]])
    for a, b in zip(*results):
        assert float(mnp.abs(a - b).max()) < 1e-5
    g = gluon_block_params(ref, "l0")
    pairs = [
        (scratch.W_xh.grad(), g["i2h_weight"].grad().T),
        (scratch.W_hh.grad(), g["h2h_weight"].grad().T),
        (scratch.b_h.grad(), g["i2h_bias"].grad()),
    ]
    if kind == "gru":
        pairs.append((scratch.b_hn.grad(), g["h2h_bias"].grad()[8:]))
    for a, b in pairs:
        assert float(mnp.abs(a - b).max()) < 1e-5


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_scratch_call_signature_matches_gluon(kind):
    scratch, ref, X, _ = pair(kind)
    for layer in (scratch, ref):
        out = layer(X)
        assert out.shape == (7, 3, 4)
        out, states = layer(X, layer.begin_state(batch_size=3))
        assert (
            isinstance(states, list)
            and [s.shape for s in states] == [(1, 3, 4)] * scratch.num_states
        )
    # No state means the zero state.
    np.testing.assert_allclose(
        scratch(X).asnumpy(), scratch(X, scratch.begin_state(3))[0].asnumpy(), atol=0
    )


@pytest.mark.parametrize("cls", [layers.RNNScratch, layers.LSTMScratch, layers.GRUScratch])
def test_begin_state_takes_a_device_and_the_layers_dtype(cls):
    layer = cls(4, 3)
    layer.initialize()
    states = layer.begin_state(2, device=mx.cpu())
    assert len(states) == layer.num_states == len(layers.CELLS[layer.cell].states)
    for s in states:
        assert s.shape == (1, 2, 4) and s.ctx == mx.cpu() and not s.asnumpy().any()
    layer.cast("float64")
    assert all(s.dtype == np.float64 for s in layer.begin_state(2))


def test_scratch_infers_input_size():
    layer = layers.RNNScratch(6)
    layer.initialize()
    assert layer.num_inputs == 0
    assert layer(mnp.ones((2, 3, 11))).shape == (2, 3, 6)
    assert layer.W_xh.shape == (11, 6) and layer.num_inputs == 11


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"num_hiddens": 0}, ValueError, "num_hiddens must be an int >= 1, got 0"),
        ({"num_hiddens": 4.0}, TypeError, "num_hiddens must be an int"),
        ({"num_hiddens": 4, "num_inputs": -1}, ValueError, "num_inputs must be an int >= 0"),
        ({"num_hiddens": 4, "activation": "sigmoid"}, ValueError, "activation must be one of"),
    ],
)
def test_scratch_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        layers.RNNScratch(**kwargs)


def test_rnn_activations():
    assert layers.RNN_ACTIVATIONS == ("tanh", "relu")
    for activation in layers.RNN_ACTIVATIONS:
        assert layers.RNNScratch(2, activation=activation).activation == activation


@pytest.mark.parametrize("cls", [layers.LSTMScratch, layers.GRUScratch])
def test_gated_bad_arguments_and_states(cls):
    with pytest.raises(ValueError, match="num_hiddens must be an int >= 1, got 0"):
        cls(0)
    layer = cls(4)
    layer.initialize()
    with pytest.raises(ValueError, match=f"states must hold {layer.num_states} arrays, got 3"):
        layer(mnp.ones((2, 3, 5)), [mnp.zeros((1, 3, 4))] * 3)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_trace_records_the_gates_that_produce_the_outputs(kind):
    scratch, _, X, states = pair(kind)
    outputs, _ = scratch(X, states)
    trace = scratch.trace(X, states)
    names = {
        "lstm": {"input", "forget", "candidate", "output"},
        "gru": {"reset", "update", "candidate"},
    }
    assert set(trace) == names[kind] | ({"H", "C"} if kind == "lstm" else {"H"})
    for value in trace.values():
        assert value.shape == (7, 3, 4)
    np.testing.assert_allclose(trace["H"].asnumpy(), outputs.asnumpy(), atol=1e-6)
    g = {k: v.asnumpy() for k, v in trace.items()}
    for name in names[kind] - {"candidate"}:  # sigmoid gates lie in (0, 1)
        assert np.all((g[name] > 0) & (g[name] < 1))
    H0 = states[0].asnumpy()[0]
    H_prev = np.concatenate([H0[None], g["H"][:-1]])
    if kind == "gru":  # H_t = (1 - Z) N + Z H_{t-1}
        np.testing.assert_allclose(
            g["H"], (1 - g["update"]) * g["candidate"] + g["update"] * H_prev, atol=1e-6
        )
    else:  # C_t = f C_{t-1} + i g; H_t = o tanh(C_t)
        C = states[1].asnumpy()[0]
        for t in range(7):
            C = g["forget"][t] * C + g["input"][t] * g["candidate"][t]
            np.testing.assert_allclose(g["C"][t], C, atol=1e-6)
            np.testing.assert_allclose(g["H"][t], g["output"][t] * np.tanh(C), atol=1e-6)


def test_trace_needs_gates():
    layer = layers.RNNScratch(4)
    layer.initialize()
    with pytest.raises(TypeError, match="RNNScratch has no gates"):
        layer.trace(mnp.ones((2, 3, 5)))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_step_is_one_step_of_the_layer(kind):
    """``step(X_t, states, p, gates)`` on ``(N, h)`` states, fed the raw input, is the loop."""
    scratch, _, X, states = pair(kind)
    out, final = scratch(X, states)
    state = [s[0] for s in states]
    p = scratch.gate_params()
    for t in range(len(X)):
        gates = {}
        alone = scratch.step(X[t], state)  # without p and gates it cuts the weights itself
        state = scratch.step(X[t], state, p, gates)
        if layers.CELLS[scratch.cell].has_gates:
            assert set(gates) == set(layers.CELLS[scratch.cell].blocks)
        assert [s.shape for s in state] == [(3, 4)] * scratch.num_states
        np.testing.assert_allclose(state[0].asnumpy(), out[t].asnumpy(), atol=1e-5)
        for a, b in zip(alone, state, strict=True):
            np.testing.assert_array_equal(a.asnumpy(), b.asnumpy())
    for a, b in zip(state, final):
        np.testing.assert_allclose(a.asnumpy(), b[0].asnumpy(), atol=1e-5)


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "plain"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_token_indices_equal_one_hot_inputs(kind, fast):
    """Indices ``(T, N)`` give the outputs, states, trace and every gradient of their one-hot."""
    scratch, _, _, states0 = pair(kind, d=6, fast=fast)
    idx = mnp.array(np.random.default_rng(1).integers(0, 6, (7, 3)), dtype="int32")
    R = mnp.random.normal(size=(7, 3, 4))
    results = []
    for x in (mx.npx.one_hot(idx, 6), idx):
        states = [s.copy() for s in states0]
        with autograd.record():
            out, final = scratch(x, states)
            loss = (out * R).sum() + sum((f * (i + 2)).sum() for i, f in enumerate(final))
        loss.backward()
        grads = [p.grad().copy() for p in scratch.collect_params().values()]
        results.append([out, *final, *grads])
        if kind in ("lstm", "gru"):
            results[-1].extend(scratch.trace(x, states0).values())
    assert len(results[0]) == len(results[1])
    for a, b in zip(*results):
        assert a.shape == b.shape
        assert float(mnp.abs(a - b).max()) < 1e-5


def test_token_indices_need_the_input_size():
    layer = layers.RNNScratch(4)
    layer.initialize()
    X = mnp.zeros((3, 2), dtype="int32")
    with pytest.raises(ValueError, match="token indices .* need the layer's num_inputs"):
        layer(X)
    layer.set_num_inputs(9)
    assert layer(X).shape == (3, 2, 4) and layer.W_xh.shape == (9, 4)
    assert layer.num_inputs == 9
    layer.set_num_inputs(9)  # the same size again is fine
    with pytest.raises(ValueError, match="num_inputs must be the layer's input size 9, got 8"):
        layer.set_num_inputs(8)
    with pytest.raises(ValueError, match="num_inputs must be an int >= 1, got 0"):
        layer.set_num_inputs(0)
    with pytest.raises(TypeError, match="num_inputs must be an int >= 1"):
        layer.set_num_inputs(9.0)


def test_set_num_inputs_before_initialize():
    """Fixed before ``initialize()``, the input size is not deferred at all."""
    layer = layers.GRUScratch(3)
    layer.set_num_inputs(5)
    layer.initialize()
    assert layer.W_xh.data().shape == (5, 9)


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("shape", [(5,), (2, 3, 4, 5)])
def test_scratch_rejects_inputs_of_other_ranks(shape, fast):
    layer = layers.RNNScratch(4, fast=fast)
    layer.initialize()
    with pytest.raises(ValueError, match="inputs must be \\(num_steps, batch_size, num_inputs\\)"):
        layer(mnp.ones(shape))
    gated = layers.LSTMScratch(4)  # the RNN has no gates to trace
    gated.initialize()
    with pytest.raises(ValueError, match="or token indices"):
        gated.trace(mnp.ones(shape))


# ------------------------------------------------------------- the two paths


def twins(kind, d=5, h=4, seed=0):
    """The same layer twice, ``fast=True`` and ``fast=False``, with the same random weights."""
    d2lrnn.seed(seed)
    make = KINDS[kind][0]
    fast, plain = make(h, d, fast=True), make(h, d, fast=False)
    for layer in (fast, plain):
        layer.initialize()
    for p, q in zip(fast.collect_params().values(), plain.collect_params().values(), strict=True):
        value = mnp.random.normal(0, 0.5, size=p.shape)
        p.set_data(value)
        q.set_data(value)
    assert (fast.fast, plain.fast) == (True, False)
    return fast, plain


def params(layer) -> dict:
    """The layer's parameters by their name in the equations: ``W_xh, W_hh, b_h[, b_hn]``."""
    return {name: getattr(layer, name) for name in fused_names(layer.cell)}


def relative(a, b) -> float:
    """``max |a - b| / max |b|``: the difference relative to the size of the quantity."""
    a, b = np.asarray(a.asnumpy(), np.float64), np.asarray(b.asnumpy(), np.float64)
    assert a.shape == b.shape
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-30))


def run(layer, X, states, R):
    """Outputs, final states and every parameter gradient of a fixed linear loss."""
    with autograd.record():
        out, final = layer(X, states)
        loss = (out * R).sum() + sum(((k + 2) * f).sum() for k, f in enumerate(final))
    loss.backward()
    grads = {name: p.grad().copy() for name, p in params(layer).items()}
    return {"outputs": out, **{f"final {k}": f for k, f in enumerate(final)}, **grads}


def random_inputs(rng, inputs, T=6, N=3, d=5, dtype="float32"):
    if inputs == "indices":
        return mnp.array(rng.integers(0, d, (T, N)), dtype="int32")
    return mnp.array(rng.normal(size=(T, N, d)), dtype=dtype)


@pytest.mark.parametrize("inputs", ["features", "indices"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_fast_and_plain_paths_agree_over_repeated_training_steps(kind, inputs):
    """Outputs, final states and every gradient agree, call after call.

    Three forward/backward calls, each from the (detached) final states of
    the one before, with an Adam step on each layer in between, as in
    training. Compiled with ``static_alloc``, the fast path once returned
    wrong ``W_hh`` gradients from the second call on.
    """
    fast, plain = twins(kind)
    adam = {"learning_rate": 0.05}
    trainers = [gluon.Trainer(layer.collect_params(), "adam", adam) for layer in (fast, plain)]
    rng = np.random.default_rng(1)
    cell = layers.CELLS[fast.cell]
    start = [mnp.array(rng.normal(size=(1, 3, 4)), dtype="float32") for _ in cell.states]
    carried = [start, [s.copy() for s in start]]
    before = {name: p.data().copy() for name, p in params(fast).items()}
    for call in range(3):
        X = random_inputs(rng, inputs)
        R = mnp.array(rng.normal(size=(6, 3, 4)), dtype="float32")
        results = []
        for i, (layer, trainer) in enumerate(zip((fast, plain), trainers)):
            results.append(run(layer, X, [s.detach() for s in carried[i]], R))
            carried[i] = [results[-1][k] for k in results[-1] if k.startswith("final")]
            trainer.step(1)
        assert list(results[0]) == ["outputs"] + [f"final {k}" for k in range(fast.num_states)] + [
            *fused_names(fast.cell)
        ]
        for quantity in results[0]:
            assert relative(results[0][quantity], results[1][quantity]) < 1e-5, (call, quantity)
    for name, p in params(fast).items():  # the weights moved, the same way on both paths
        assert relative(p.data(), before[name]) > 1e-3, name
        assert relative(p.data(), params(plain)[name].data()) < 1e-5, name


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "plain"])
def test_the_compiled_loop_is_built_once_per_length_input_kind_and_dtype(fast):
    layer = layers.GRUScratch(4, 5, fast=fast)
    layer.initialize()
    loops = layer._loops._loops  # (T, indices, dtype) -> the loop compiled for them
    out = layer(mnp.ones((6, 2, 5)))
    if not fast:
        assert loops == {}  # the plain path compiles nothing
        return
    assert len(loops) == 1
    (loop,) = loops.values()
    again = layer(mnp.ones((6, 3, 5)))  # the same length, another batch size: the same loop
    assert len(loops) == 1 and next(iter(loops.values())) is loop
    np.testing.assert_allclose(again.asnumpy()[:, :2], out.asnumpy(), rtol=1e-6)
    layer(mnp.ones((7, 2, 5)))  # another length: a new loop
    layer(mnp.zeros((7, 2), dtype="int32"))  # token indices: another
    assert len(loops) == 3 and sorted(key[:2] for key in loops) == [
        (6, False),
        (7, False),
        (7, True),
    ]
    layer.cast("float64")
    layer(mnp.ones((6, 2, 5), dtype="float64"))  # another dtype: another
    assert len(loops) == 4 and next(iter(loops.values())) is loop
    # The loops are neither child blocks nor owners of parameters.
    assert not layer._children
    names = [name.split("_", 1)[1] for name in layer.collect_params().keys()]
    assert names == fused_names("gru")


@pytest.mark.parametrize(
    "inputs",
    ["features", "indices"],
)
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_fast_and_plain_paths_agree_in_float64(kind, inputs):
    fast, plain = twins(kind)
    rng = np.random.default_rng(2)
    X32, R = random_inputs(rng, inputs), mnp.array(rng.normal(size=(6, 3, 4)))
    states = [mnp.array(rng.normal(size=(1, 3, 4))) for _ in layers.CELLS[fast.cell].states]
    single = run(fast, X32, [s.astype("float32") for s in states], R.astype("float32"))
    for layer in (fast, plain):
        layer.cast("float64")
    X = X32 if inputs == "indices" else X32.astype("float64")
    results = [run(layer, X, [s.copy() for s in states], R) for layer in (fast, plain)]
    for quantity, value in results[0].items():
        assert value.dtype == np.float64, quantity
        assert relative(value, results[1][quantity]) < 1e-12, quantity
        assert relative(single[quantity], value) < 1e-5, quantity  # float32 rounding only
    assert all(s.dtype == np.float64 for s in fast.begin_state(3))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_fast_path_reads_token_indices_in_float64(kind):
    """Indices give the float64 outputs and gradients of their float64 one-hot vectors."""
    fast, _ = twins(kind)
    fast.cast("float64")
    rng = np.random.default_rng(3)
    idx, R = random_inputs(rng, "indices"), mnp.array(rng.normal(size=(6, 3, 4)))
    states = [mnp.array(rng.normal(size=(1, 3, 4))) for _ in layers.CELLS[fast.cell].states]
    by_index = run(fast, idx, [s.copy() for s in states], R)
    one_hot = run(fast, mx.npx.one_hot(idx, 5, dtype="float64"), [s.copy() for s in states], R)
    for quantity, value in by_index.items():
        assert value.dtype == np.float64, quantity
        assert relative(value, one_hot[quantity]) < 1e-12, quantity


def test_trace_reads_token_indices_in_float64():
    layer = layers.LSTMScratch(4, 5)
    layer.initialize()
    layer.cast("float64")
    assert layer.trace(mnp.zeros((3, 2), dtype="int32"))["H"].dtype == np.float64


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "plain"])
@pytest.mark.parametrize("kind", GATED)
def test_trace_records_what_the_plain_step_computes(kind, fast):
    scratch, _, X, states = pair(kind, fast=fast)
    trace = scratch.trace(X, states)
    outputs, final = scratch(X, states)
    cell = layers.CELLS[scratch.cell]
    assert set(trace) == set(cell.blocks) | set(cell.states)
    np.testing.assert_allclose(trace["H"].asnumpy(), outputs.asnumpy(), rtol=1e-5, atol=1e-6)
    for name, f in zip(cell.states, final, strict=True):
        np.testing.assert_allclose(trace[name][-1].asnumpy(), f[0].asnumpy(), atol=1e-6)
    state, p = [s[0] for s in states], scratch.gate_params()
    for t in range(len(X)):
        gates = {}
        state = scratch.step(X[t], state, p, gates)
        for name, value in [*gates.items(), *zip(cell.states, state)]:
            # the trace runs the fast step in NumPy: the same arithmetic, float32 rounding apart
            np.testing.assert_allclose(
                trace[name][t].asnumpy(), value.asnumpy(), rtol=1e-6, atol=1e-7, err_msg=name
            )


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_gate_params_are_the_fused_blocks_named_as_in_the_equations(kind):
    scratch, _, X, _ = pair(kind)
    cell, h, d = layers.CELLS[scratch.cell], 4, 5
    p = scratch.gate_params()
    assert set(vars(p)) == set(gate_names(scratch.cell))
    expected = {f"{k}{s}" for s in cell.suffixes for k in ("W_x", "W_h", "b_")}
    assert set(vars(p)) - {"b_hn"} == expected
    W_xh, W_hh, b_h = (getattr(scratch, n).data().asnumpy() for n in ("W_xh", "W_hh", "b_h"))
    for g, s in enumerate(cell.suffixes):
        block = slice(g * h, (g + 1) * h)
        assert getattr(p, f"W_x{s}").shape == (d, h) and getattr(p, f"W_h{s}").shape == (h, h)
        np.testing.assert_array_equal(getattr(p, f"W_x{s}").asnumpy(), W_xh[:, block])
        np.testing.assert_array_equal(getattr(p, f"W_h{s}").asnumpy(), W_hh[:, block])
        np.testing.assert_array_equal(getattr(p, f"b_{s}").asnumpy(), b_h[block])
    if kind == "gru":
        np.testing.assert_array_equal(p.b_hn.asnumpy(), scratch.b_hn.data().asnumpy())
    # Cut from the fused matrices inside autograd, the blocks pass gradients back into them.
    last = cell.suffixes[-1]
    with autograd.record():
        p = scratch.gate_params()
        loss = getattr(p, f"W_h{last}").sum() + 2 * getattr(p, f"b_{cell.suffixes[0]}").sum()
    loss.backward()
    G = cell.num_gates
    W_grad = np.zeros((h, G * h))
    W_grad[:, (G - 1) * h :] = 1
    b_grad = np.zeros(G * h)
    b_grad[:h] = 2
    np.testing.assert_array_equal(scratch.W_hh.grad().asnumpy(), W_grad)
    np.testing.assert_array_equal(scratch.b_h.grad().asnumpy(), b_grad)


@pytest.mark.parametrize("cls", [layers.RNNScratch, layers.LSTMScratch, layers.GRUScratch])
@pytest.mark.parametrize("fast", [1, 0, "yes", "no", None, 1.0])
def test_fast_must_be_a_bool(cls, fast):
    with pytest.raises(TypeError, match=r"fast must be True or False, got \w+ "):
        cls(4, fast=fast)


@pytest.mark.parametrize("cls", [layers.RNNScratch, layers.LSTMScratch, layers.GRUScratch])
def test_the_fast_path_is_the_default(cls):
    assert cls(4).fast is True and cls(4, fast=False).fast is False
    # A NumPy bool is a bool (it comes out of comparisons of arrays); it is stored as one.
    assert cls(4, fast=np.bool_(False)).fast is False
    assert cls(4, fast=np.bool_(True)).fast is True


# ----------------------------------------------------------------------- CELLS


def test_cells_registry():
    assert sorted(layers.CELLS) == ["gru", "lstm", "rnn"]
    for name, cell in layers.CELLS.items():
        assert cell.name == name and layers.get_cell(name) is cell
        assert cell.scratch.cell == name and issubclass(cell.scratch, layers.ScratchRecurrent)
        assert cell.num_gates == len(cell.blocks)
        assert cell.scratch(2).num_gates == cell.num_gates
        assert cell.scratch(2).num_states == len(cell.states)
        assert [cell.block_index(b) for b in cell.blocks] == list(range(cell.num_gates))
        assert cell.keep_gate is None or cell.keep_gate in cell.blocks
        assert len(cell.suffixes) == cell.num_gates == len(set(cell.suffixes))
        assert cell.has_gates == (cell.keep_gate is not None)
    assert (layers.CELLS["rnn"].gluon, layers.CELLS["lstm"].gluon, layers.CELLS["gru"].gluon) == (
        rnn.RNN,
        rnn.LSTM,
        rnn.GRU,
    )
    assert layers.CELLS["lstm"].keep_gate == "forget" and layers.CELLS["gru"].keep_gate == "update"
    assert layers.CELLS["rnn"].keep_gate is None and layers.CELLS["lstm"].states == ("H", "C")
    assert [layers.CELLS[c].suffixes for c in ("rnn", "lstm", "gru")] == [
        ("h",),
        ("i", "f", "c", "o"),
        ("r", "z", "h"),
    ]
    assert [c for c, cell in layers.CELLS.items() if cell.has_gates] == ["lstm", "gru"]


def test_get_cell_and_block_index_bad_input():
    with pytest.raises(
        ValueError, match=r"cell must be one of \['gru', 'lstm', 'rnn'\], got 'tcn'"
    ):
        layers.get_cell("tcn")
    with pytest.raises(ValueError, match="gate must be one of .* for the lstm, got 'update'"):
        layers.get_cell("lstm").block_index("update")


@pytest.mark.parametrize("name", sorted(layers.CELLS))
def test_num_gates_equals_gluons_i2h_rows_per_unit(name):
    cell = layers.get_cell(name)
    ref = cell.gluon(6, input_size=3)
    ref.initialize()
    assert gluon_block_params(ref, "l0")["i2h_weight"].shape == (cell.num_gates * 6, 3)
    assert cell.scratch(6, 3).W_xh.shape == (3, cell.num_gates * 6)


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_cell_blocks_are_gluons_gate_order(kind):
    """Each named block of gluon's weights (after copying) computes the gate of that name.

    The gates are recomputed from gluon's ``l0_*`` parameters, block by block
    in the order of ``CELLS[cell].blocks``, and compared with the book's trace.
    """
    scratch, ref, X, states = pair(kind)
    cell = layers.CELLS[scratch.cell]
    p = {k: v.data().asnumpy() for k, v in gluon_block_params(ref, "l0").items()}
    h = 4

    def block(name, gate):
        k = cell.block_index(gate)
        return p[name][k * h : (k + 1) * h]

    x, H = X.asnumpy(), states[0].asnumpy()[0]
    if kind.startswith("rnn"):
        phi = np.tanh if scratch.activation == "tanh" else (lambda a: np.maximum(a, 0))
        out = scratch(X, states)[0].asnumpy()
        for t in range(len(x)):
            H = phi(
                x[t] @ block("i2h_weight", "hidden").T
                + block("i2h_bias", "hidden")
                + H @ block("h2h_weight", "hidden").T
                + block("h2h_bias", "hidden")
            )
            np.testing.assert_allclose(H, out[t], atol=1e-5)
        return
    trace = {k: v.asnumpy() for k, v in scratch.trace(X, states).items()}
    for t in range(len(x)):
        H = states[0].asnumpy()[0] if t == 0 else trace["H"][t - 1]
        xa = {g: x[t] @ block("i2h_weight", g).T + block("i2h_bias", g) for g in cell.blocks}
        ha = {g: H @ block("h2h_weight", g).T + block("h2h_bias", g) for g in cell.blocks}
        for gate in cell.blocks:
            if kind == "gru" and gate == "candidate":
                expected = np.tanh(xa[gate] + trace["reset"][t] * ha[gate])
            elif gate == "candidate":
                expected = np.tanh(xa[gate] + ha[gate])
            else:
                expected = _sigmoid(xa[gate] + ha[gate])
            np.testing.assert_allclose(trace[gate][t], expected, atol=1e-5, err_msg=gate)


@pytest.mark.parametrize("name", ["lstm", "gru"])
def test_keep_gate_block_keeps_gluons_memory(name):
    """A saturated keep gate in gluon's block ``CELLS[name].keep_gate`` keeps the state as it is.

    gluon's own computation, not the book's: the LSTM with its forget gate at
    1 and its input gate at 0 keeps ``C``; the GRU with its update gate at 1 keeps ``H``.
    """
    cell = layers.get_cell(name)
    d2lrnn.seed(1)
    ref = cell.gluon(4, input_size=3)
    ref.initialize(mx.init.Normal(0.5))
    bias = gluon_block_params(ref, "l0")["i2h_bias"].data()
    k = cell.block_index(cell.keep_gate)
    bias[k * 4 : (k + 1) * 4] = 40.0
    if name == "lstm":
        i = cell.block_index("input")
        bias[i * 4 : (i + 1) * 4] = -40.0
    states = [mnp.random.normal(size=(1, 2, 4)) for _ in cell.states]
    _, final = ref(mnp.random.normal(size=(6, 2, 3)), states)
    kept = final[-1] if name == "lstm" else final[0]
    np.testing.assert_allclose(kept.asnumpy(), states[-1].asnumpy(), atol=1e-6)


# ------------------------------------------------------------- a per-sequence context


def broadcast_context(X, C):
    """``[X_t, C]`` at every step: the context ``C`` ``(N, c)`` after each step's features."""
    T, N = X.shape[:2]
    return mnp.concatenate([X, mnp.broadcast_to(mnp.expand_dims(C, 0), (T, N, C.shape[1]))], -1)


def randomize(layer, seed=0):
    """Every parameter of ``layer`` N(0, 0.5^2), biases too (the input size must be known)."""
    rng = np.random.default_rng(seed)
    for p in layer.collect_params().values():
        p.set_data(mnp.array(rng.normal(0, 0.5, p.shape), dtype=p.dtype))


def run_context(layer, X, C, states, R, wide: bool) -> dict:
    """Outputs, final states and the gradients of every parameter and of X, C and the states
    for a random linear loss: called ``layer(X, states, C)``, or (``wide``) on ``[X_t, C]``."""
    x, c, s = X.copy(), C.copy(), [a.copy() for a in states]
    for a in (x, c, *s):
        a.attach_grad()
    with autograd.record():
        out, final = layer(broadcast_context(x, c), s) if wide else layer(x, s, c)
        loss = (out * R).sum() + sum(((k + 2) * f).sum() for k, f in enumerate(final))
    loss.backward()
    grads = {name: p.grad().copy() for name, p in params(layer).items()}
    inputs = {"X grad": x.grad, "C grad": c.grad}
    inputs.update({f"state {k} grad": a.grad for k, a in enumerate(s)})
    return {"outputs": out, **{f"final {k}": f for k, f in enumerate(final)}, **grads, **inputs}


def context_inputs(rng, layer, T=6, N=3, d=3, c=2):
    """Features ``(T, N, d)``, a context ``(N, c)``, states and the loss's weights ``R``."""
    X = mnp.array(rng.normal(size=(T, N, d)), dtype="float32")
    C = mnp.array(rng.normal(size=(N, c)), dtype="float32")
    states = [mnp.array(rng.normal(size=(1, N, 4)), dtype="float32") for _ in layer.begin_state(N)]
    R = mnp.array(rng.normal(size=(T, N, 4)), dtype="float32")
    return X, C, states, R


def assert_same(a: dict, b: dict, tol=1e-5, label=None) -> None:
    assert list(a) == list(b)
    for quantity in a:
        assert relative(a[quantity], b[quantity]) < tol, (label, quantity)


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "plain"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_context_equals_concatenating_it_to_every_step(kind, fast):
    """``layer(X, states, C)`` is ``layer([X_t, C] at every t, states)``: the outputs, the
    final states and the gradients of every parameter, of ``X``, ``C`` and the states."""
    layer = KINDS[kind][0](4, 5, fast=fast)  # d + c = 3 + 2 inputs
    layer.initialize()
    randomize(layer)
    X, C, states, R = context_inputs(np.random.default_rng(1), layer)
    by_context = run_context(layer, X, C, states, R, wide=False)
    wide = run_context(layer, X, C, states, R, wide=True)
    assert by_context["C grad"].shape == (3, 2) and by_context["X grad"].shape == (6, 3, 3)
    assert float(mnp.abs(by_context["C grad"]).max()) > 1e-3  # the context is read
    assert_same(by_context, wide)
    # Without states it returns the outputs alone, the same ones.
    alone = layer(X, None, C)
    zero = layer(broadcast_context(X, C), layer.begin_state(3))[0]
    assert isinstance(alone, mnp.ndarray) and relative(alone, zero) < 1e-5


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "plain"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_context_completes_a_deferred_input_size(kind, fast):
    """A layer without ``num_inputs`` learns ``d + c`` at its first call with a context."""
    layer = KINDS[kind][0](4, 0, fast=fast)
    layer.initialize()
    X, C, states, R = context_inputs(np.random.default_rng(2), layer, d=4, c=3)
    assert layer(X, None, C).shape == (6, 3, 4)
    assert layer.num_inputs == 7 and layer.W_xh.shape == (7, layer.num_gates * 4)
    randomize(layer, seed=2)
    assert_same(
        run_context(layer, X, C, states, R, wide=False),
        run_context(layer, X, C, states, R, wide=True),
    )
    with pytest.raises(ValueError, match=r"num_inputs = 7 features together, got 4 \+ 2"):
        layer(X, None, C[:, :2])


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_context_over_consecutive_calls_with_carried_states(kind):
    """Call after call, each from the (detached) final states of the one before and with an
    Adam step in between, the fast path given a context equals the plain path given the
    concatenation: its compiled loop (static memory) neither keeps stale inputs nor weights."""
    fast, plain = twins(kind)  # 5 inputs: 3 features and a context of 2
    adam = {"learning_rate": 0.05}
    trainers = [gluon.Trainer(m.collect_params(), "adam", adam) for m in (fast, plain)]
    rng = np.random.default_rng(3)
    X, C, start, R = context_inputs(rng, fast)
    carried = [start, [s.copy() for s in start]]
    previous = None
    for call in range(3):
        X, C, _, R = context_inputs(rng, fast)  # new inputs every call, the same shapes
        results = []
        for i, (layer, wide) in enumerate(((fast, False), (plain, True))):
            results.append(run_context(layer, X, C, [s.detach() for s in carried[i]], R, wide))
            carried[i] = [results[-1][k] for k in results[-1] if k.startswith("final")]
            trainers[i].step(1)
        assert_same(*results, label=call)
        if previous is not None:  # and the call did not just repeat the one before
            assert relative(results[0]["outputs"], previous) > 1e-2, call
        previous = results[0]["outputs"]
    assert len(fast._loops._loops) == 1  # one compiled loop served the three calls


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "plain"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_layer_takes_inputs_with_and_without_a_context(kind, fast):
    """Full-width inputs and ``(features, context)`` of any split ``d + c``, in any order, on
    one layer: each call gives what the concatenation gives."""
    layer = KINDS[kind][0](4, 5, fast=fast)
    layer.initialize()
    randomize(layer, seed=4)
    rng = np.random.default_rng(4)
    _, _, states, _ = context_inputs(rng, layer)
    a = [mnp.array(rng.normal(size=(6, 3, 5)), dtype="float32") for _ in range(2)]

    def call(x, c=None):
        out, final = layer(x, states) if c is None else layer(x, states, c)
        return mnp.concatenate([out, *final])  # (T + num_states, N, h)

    context_first = call(a[0][..., :3], a[0][0, :, 3:])  # features then context ...
    wide_after = call(broadcast_context(a[0][..., :3], a[0][0, :, 3:]))  # ... then full width
    W = broadcast_context(a[1][..., :2], a[1][0, :, 2:])  # its last 3 columns the same each step
    wide_first = call(W)  # and the other way
    context_after = call(W[..., :4], W[0, :, 4:])
    other_split = call(W[..., :2], W[0, :, 2:])  # 2 + 3 after 4 + 1, the same length
    assert relative(context_first, wide_after) < 1e-5
    assert relative(context_after, wide_first) < 1e-5
    assert relative(other_split, wide_first) < 1e-5  # the context is the same broadcast ...
    assert relative(context_first, context_after) > 1e-2  # ... unlike another call's
    # Token indices of the full width still work after a context (one-hot of 5 inputs).
    idx = mnp.array(rng.integers(0, 5, (6, 3)), dtype="int32")
    assert relative(call(idx), call(mx.npx.one_hot(idx, 5))) < 1e-5
    if fast:  # a loop per input kind and context width
        keys = sorted(key[1:2] + key[3:] for key in layer._loops._loops)
        assert keys == [(False,), (False, 1), (False, 2), (False, 3), (True,)]
