"""The book's from-scratch layers against gluon's, their gates, inputs and states, and CELLS."""

import mxnet as mx
import numpy as np
import pytest
from mxnet import autograd
from mxnet import np as mnp
from mxnet.gluon import rnn

import d2lrnn
from d2lrnn import layers
from d2lrnn.gluon_adapter import gluon_block_params
from d2lrnn.weights import copy_weights

KINDS = {
    "rnn-tanh": (
        lambda h, d: layers.RNNScratch(h, d, "tanh", sigma=0.5),
        lambda h, d: rnn.RNN(h, activation="tanh", input_size=d),
    ),
    "rnn-relu": (
        lambda h, d: layers.RNNScratch(h, d, "relu", sigma=0.5),
        lambda h, d: rnn.RNN(h, activation="relu", input_size=d),
    ),
    "lstm": (
        lambda h, d: layers.LSTMScratch(h, d, sigma=0.5),
        lambda h, d: rnn.LSTM(h, input_size=d),
    ),
    "gru": (lambda h, d: layers.GRUScratch(h, d, sigma=0.5), lambda h, d: rnn.GRU(h, input_size=d)),
}


def pair(kind, T=7, N=3, d=5, h=4, seed=0):
    """A book layer with random weights (biases too), gluon's with a copy, inputs and states."""
    d2lrnn.seed(seed)
    make_scratch, make_ref = KINDS[kind]
    scratch = make_scratch(h, d)
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


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_scratch_equals_gluon_outputs_and_gradients(kind):
    """Same weights: outputs, final states and every gradient agree within 1e-5."""
    scratch, ref, X, states0 = pair(kind)
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
def test_step_and_gates_are_one_step_of_the_layer(kind):
    """``step(XW_t, states)`` on ``(N, h)`` states, fed ``X_t W_xh + b_h``, is the layer's loop."""
    scratch, _, X, states = pair(kind)
    out, final = scratch(X, states)
    state = [s[0] for s in states]
    W_xh, b_h = scratch.W_xh.data(), scratch.b_h.data()
    for t in range(len(X)):
        XW_t = mnp.dot(X[t], W_xh) + b_h
        if kind in ("lstm", "gru"):
            gates = scratch.gates(XW_t, state[0])
            assert set(gates) == set(layers.CELLS[scratch.cell].blocks)
        state = scratch.step(XW_t, state)
        assert [s.shape for s in state] == [(3, 4)] * scratch.num_states
        np.testing.assert_allclose(state[0].asnumpy(), out[t].asnumpy(), atol=1e-5)
    for a, b in zip(state, final):
        np.testing.assert_allclose(a.asnumpy(), b[0].asnumpy(), atol=1e-5)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_token_indices_equal_one_hot_inputs(kind):
    """Indices ``(T, N)`` give the outputs, states, trace and every gradient of their one-hot."""
    scratch, _, _, states0 = pair(kind, d=6)
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


@pytest.mark.parametrize("shape", [(5,), (2, 3, 4, 5)])
def test_scratch_rejects_inputs_of_other_ranks(shape):
    layer = layers.RNNScratch(4)
    layer.initialize()
    with pytest.raises(ValueError, match="inputs must be \\(num_steps, batch_size, num_inputs\\)"):
        layer(mnp.ones(shape))
    with pytest.raises(ValueError, match="or token indices"):
        layer.trace(mnp.ones(shape))


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
    assert (layers.CELLS["rnn"].gluon, layers.CELLS["lstm"].gluon, layers.CELLS["gru"].gluon) == (
        rnn.RNN,
        rnn.LSTM,
        rnn.GRU,
    )
    assert layers.CELLS["lstm"].keep_gate == "forget" and layers.CELLS["gru"].keep_gate == "update"
    assert layers.CELLS["rnn"].keep_gate is None and layers.CELLS["lstm"].states == ("H", "C")


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
