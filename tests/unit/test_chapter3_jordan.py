"""Chapter 3's Jordan layer, as the reader sees it, against its equation (eq-jordan).

H_t = tanh(X_t W_xh + C_{t-1} W_ch + b_h), C_t = mu C_{t-1} + Y_t, with the
targets Y fed back (teacher forcing). For a language model the target at
step t - 1 is the input at step t, so the state units read at step t hold
X_t with weight 1, X_{t-1} with weight mu, and so on. The layer computes all
steps at once without ever seeing a target; these tests hold it to a loop
that feeds back explicit targets, across minibatches and one step at a time.
"""

from __future__ import annotations

import numpy as np
import pytest
from mxnet import np as mnp
from mxnet import npx

import d2lrnn
from tests.chapter_code import define

V, HIDDEN, MU = 5, 4, 0.5


@pytest.fixture(scope="module")
def layer():
    d2lrnn.seed(0)
    jordan = define(3, "Jordan")["Jordan"](V, HIDDEN, mu=MU, sigma=0.5)
    jordan.initialize()
    return jordan


def one_hot(ids) -> mnp.ndarray:
    """Token ids (num_steps, batch_size) -> one-hot (num_steps, batch_size, V) float32."""
    return npx.one_hot(mnp.array(ids, dtype="int32"), V)


def equation(layer, text: np.ndarray, batch_size: int) -> mnp.ndarray:
    """eq-jordan step by step with explicit targets: inputs text[:-1], targets text[1:].

    ``text`` is (num_steps + 1, batch_size). Before step 0 the state units are
    zero and take in the first character, the target of the step before.
    """
    X, Y = one_hot(text[:-1]), one_hot(text[1:])
    W_xh, W_ch, b_h = (p.data() for p in (layer.W_xh, layer.W_ch, layer.b_h))
    C, previous_target, H = mnp.zeros((batch_size, V)), X[0], []
    for X_t, Y_t in zip(X, Y):
        C = MU * C + previous_target  # C_{t-1} = mu C_{t-2} + Y_{t-1}
        H.append(mnp.tanh(X_t @ W_xh + C @ W_ch + b_h))
        previous_target = Y_t
    return mnp.stack(H)


@pytest.fixture(scope="module")
def text():
    return np.random.default_rng(0).integers(0, V, size=(13, 3))  # 12 steps, 3 sequences


def test_all_steps_at_once_equal_the_equation_with_targets(layer, text):
    H, _ = layer(one_hot(text[:-1]), layer.begin_state(3))
    np.testing.assert_allclose(H.asnumpy(), equation(layer, text, 3).asnumpy(), atol=1e-6)


def test_the_state_read_at_step_t_holds_x_t_with_weight_1_and_x_t_minus_1_with_weight_mu(
    layer, text
):
    Cs = layer.state_units(one_hot(text[:-1]), layer.begin_state(3)[0][0]).asnumpy()
    X = one_hot(text[:-1]).asnumpy()
    np.testing.assert_allclose(Cs[0], X[0], atol=1e-7)
    np.testing.assert_allclose(Cs[1], X[1] + MU * X[0], atol=1e-7)
    np.testing.assert_allclose(Cs[2], X[2] + MU * X[1] + MU**2 * X[0], atol=1e-7)


def test_one_target_behind_is_caught(layer, text):
    """The layer's former filter (X_{t-1} with weight 1, X_t absent) is not the equation."""
    behind = define(
        3,
        "Jordan",
        replace={
            "lag = t[:, None] - t[None, :]": "lag = t[:, None] - 1 - t[None, :]",
            "mnp.power(self.mu, t + 1)": "mnp.power(self.mu, t)",
        },
    )["Jordan"](V, HIDDEN, mu=MU)
    behind.initialize()
    for name in ("W_xh", "W_ch", "b_h"):
        getattr(behind, name).set_data(getattr(layer, name).data())
    H, _ = behind(one_hot(text[:-1]), behind.begin_state(3))
    assert np.abs(H.asnumpy() - equation(layer, text, 3).asnumpy()).max() > 1e-3


def test_minibatches_and_single_steps_carry_the_state(layer, text):
    """Two minibatches in sequence, or one step at a time (as generation runs), give the
    hidden states of the whole sequence at once."""
    X = one_hot(text[:-1])
    whole, _ = layer(X, layer.begin_state(3))
    first, state = layer(X[:5], layer.begin_state(3))
    second, _ = layer(X[5:], state)
    np.testing.assert_allclose(
        mnp.concatenate([first, second]).asnumpy(), whole.asnumpy(), atol=1e-6
    )
    state, steps = layer.begin_state(3), []
    for t in range(X.shape[0]):
        H_t, state = layer(X[t : t + 1], state)
        steps.append(H_t[0])
    np.testing.assert_allclose(mnp.stack(steps).asnumpy(), whole.asnumpy(), atol=1e-6)
