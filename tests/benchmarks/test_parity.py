"""d2l's training loop and the book's take the same steps from the same start.

The benchmark (``make bench``) compares d2l 1.0.3's language models with the
book's. Here both start from the same weights and see the same minibatches:
d2l's own ``Trainer.fit`` (its loss, clipping and optimizer) and
:func:`d2lrnn.train.train_lm` must then give the same loss at every step and
end with the same weights. (``python -m benchmarks parity`` runs the same
comparison for d2l's whole training and measures how far the two drift.)
"""

import numpy as np
import pytest
from mxnet import np as mnp

import d2lrnn
from benchmarks import parity
from benchmarks.lm import overlapping_windows
from d2lrnn import batches

V, H, T, BATCH, CLIP = 12, 16, 8, 32, 0.25


@pytest.mark.parametrize("kind", ["scratch", "concise", "gru"])
def test_same_start_same_minibatches_same_steps(kind):
    d2lrnn.seed(0)
    rng = np.random.default_rng(0)
    X, Y = overlapping_windows(rng.integers(0, V, 2000), T, 0, 4 * BATCH)
    order = batches.ArrayBatches(X, Y, BATCH, seed=1)
    epochs = [list(order) for _ in range(3)]  # 3 epochs of 4 minibatches
    theirs, ours = parity.d2l_model(kind, V, lr=1.0, num_hiddens=H), parity.our_model(kind, V, H)
    parity.copy_start(kind, theirs, ours, rng)
    d2l_losses, history = parity.fit_both(theirs, ours, epochs, lr=1.0, clip=CLIP)
    assert len(d2l_losses) == len(history.losses) == 12
    np.testing.assert_allclose(history.losses, d2l_losses, rtol=2e-5)
    assert max(history.grad_norms) > CLIP  # clipping was really exercised
    # ... and they end with the same weights.
    X0 = mnp.array(X[:BATCH], dtype="int32")
    logits, _ = ours(X0)  # (T, N, V)
    expected = theirs(X0.astype("float32"))  # (N, T, V)
    np.testing.assert_allclose(
        logits.swapaxes(0, 1).asnumpy(), expected.asnumpy(), rtol=1e-4, atol=1e-5
    )


def test_a_different_learning_rate_is_caught():
    """The comparison is sharp: one side at lr 1.01 differs by the second step."""
    rng = np.random.default_rng(0)
    X, Y = overlapping_windows(rng.integers(0, V, 2000), T, 0, 2 * BATCH)
    epochs = [list(batches.ArrayBatches(X, Y, BATCH, seed=1))]
    theirs, ours = parity.d2l_model("gru", V, lr=1.01, num_hiddens=H), parity.our_model("gru", V, H)
    parity.copy_start("gru", theirs, ours, rng)
    d2l_losses, history = parity.fit_both(theirs, ours, epochs, lr=1.0, clip=CLIP)
    assert d2l_losses[0] == pytest.approx(history.losses[0], rel=2e-5)
    assert abs(d2l_losses[1] - history.losses[1]) > 1e-4


def test_copy_start_rejects_different_models():
    theirs, ours = (
        parity.d2l_model("gru", V, lr=1.0, num_hiddens=H),
        parity.our_model("concise", V, H),
    )
    with pytest.raises(ValueError, match="the models' parameters differ"):
        parity.copy_start("gru", theirs, ours)
