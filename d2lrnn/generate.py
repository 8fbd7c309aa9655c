"""Text generation: warm up on a prefix, then sample one token at a time."""

from __future__ import annotations

import numpy as np
from mxnet import gluon
from mxnet import np as mnp

from .checks import check_int
from .runtime import default_device
from .text import CharTokenizer, Vocab


def sampling_probs(
    logits: np.ndarray, temperature: float = 1.0, top_k: int | None = None
) -> np.ndarray:
    """Next-token distribution ``q_i ∝ exp(z_i / T)``, restricted to the ``top_k`` largest logits.

    ``logits`` has shape ``(V,)``; returns float64 probabilities of shape
    ``(V,)``. ``T < 1`` sharpens the distribution towards the most likely
    token, ``T > 1`` flattens it towards uniform.
    """
    if not (isinstance(temperature, (int, float)) and temperature > 0):
        raise ValueError(
            f"temperature must be a number > 0 (use greedy=True for argmax), got {temperature!r}"
        )
    z = np.asarray(logits, dtype=np.float64) / temperature
    if top_k is not None:
        if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= len(z):
            raise ValueError(f"top_k must be None or an int in [1, {len(z)}], got {top_k!r}")
        cutoff = np.sort(z)[-top_k]
        z = np.where(z >= cutoff, z, -np.inf)
    q = np.exp(z - z.max())
    return q / q.sum()


def generate(
    model: gluon.Block,
    vocab: Vocab,
    prefix: str,
    num_tokens: int,
    *,
    greedy: bool = False,
    temperature: float = 1.0,
    top_k: int | None = None,
    seed: int = 0,
    tokenizer=None,
    device=None,
) -> str:
    """Continue ``prefix`` by ``num_tokens`` tokens and return the whole text.

    **Warm-up**: the model reads the prefix, which sets its hidden state; its
    own predictions for the prefix are ignored. **Prediction**: each new
    token is fed back as the next input. ``greedy=True`` takes the most
    likely token; otherwise tokens are sampled from
    :func:`sampling_probs` with ``temperature`` and ``top_k``, using a
    generator seeded with ``seed``.

    ``tokenizer`` splits the prefix (default: characters) and joins the
    result. A prefix token that is not in ``vocab`` is an error, not a
    silent ``<unk>``.
    """
    tokenizer = tokenizer or CharTokenizer()
    if not isinstance(prefix, str) or not prefix:
        raise ValueError(f"prefix must be a non-empty str, got {prefix!r}")
    check_int(num_tokens, "num_tokens", 0)
    if not greedy:
        sampling_probs(np.zeros(len(vocab)), temperature, top_k)  # validates both
    tokens = tokenizer.encode(prefix)
    unknown = sorted({t for t in tokens if t not in vocab})
    if unknown:
        raise ValueError(f"prefix holds tokens that are not in the vocabulary: {unknown}")
    device = device or default_device()
    rng = np.random.default_rng(seed)
    ids = vocab[tokens]
    X = mnp.array([ids], ctx=device, dtype="int32")  # (1, len(prefix))
    logits, state = model(X, None)
    for _ in range(num_tokens):
        z = logits[-1, 0].asnumpy()
        nxt = (
            int(z.argmax())
            if greedy
            else int(rng.choice(len(z), p=sampling_probs(z, temperature, top_k)))
        )
        ids.append(nxt)
        logits, state = model(mnp.array([[nxt]], ctx=device, dtype="int32"), state)
    return tokenizer.decode(vocab.to_tokens(ids))
