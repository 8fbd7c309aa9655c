"""Text generation: warm up on a prefix, then sample one token at a time."""

from __future__ import annotations

import numpy as np
from mxnet import gluon
from mxnet import np as mnp

from .checks import check_array, check_bool, check_device, check_int, check_number, check_str
from .runtime import default_device
from .text import CharTokenizer, Vocab

__all__ = ["generate", "sampling_probs"]


def sampling_probs(
    logits: np.ndarray, temperature: float = 1.0, top_k: int | None = None
) -> np.ndarray:
    """Next-token distribution ``q_i ∝ exp(z_i / T)``, restricted to the ``top_k`` largest logits.

    ``logits`` has shape ``(V,)``; returns float64 probabilities of shape
    ``(V,)``. ``T < 1`` sharpens the distribution towards the most likely
    token, ``T > 1`` flattens it towards uniform.
    """
    temperature = check_number(temperature, "temperature", 0, above=True)
    z = check_array(logits, "logits", ndim=1).astype(np.float64)
    if top_k is not None:
        top_k = check_int(top_k, "top_k", 1, len(z))
    with np.errstate(over="ignore"):
        z = z / temperature
    if not np.all(np.isfinite(z)):
        raise ValueError(
            f"temperature={temperature!r} is too small for these logits: logits / temperature "
            "overflows; temperature must be larger, or use greedy=True for the most likely token"
        )
    if top_k is not None:
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
    if not callable(getattr(tokenizer, "encode", None)) or not callable(
        getattr(tokenizer, "decode", None)
    ):
        raise TypeError(
            f"tokenizer must have encode and decode methods, got {type(tokenizer).__name__}"
        )
    if not isinstance(vocab, Vocab):
        raise TypeError(f"vocab must be a Vocab, got {type(vocab).__name__}")
    if not isinstance(model, gluon.Block):
        raise TypeError(f"model must be a language model (a gluon Block), got {type(model)}")
    model_size = getattr(model, "vocab_size", None)
    if model_size is not None and model_size != len(vocab):
        raise ValueError(
            f"vocab must have the {model_size} tokens the model predicts, got a vocab of "
            f"{len(vocab)} tokens: use the vocabulary the model was trained with"
        )
    if not check_str(prefix, "prefix"):
        raise ValueError(f"prefix must be a non-empty str, got {prefix!r}")
    check_int(num_tokens, "num_tokens", 0)
    greedy = check_bool(greedy, "greedy")
    seed = check_int(seed, "seed", 0)
    if not greedy:
        sampling_probs(np.zeros(len(vocab)), temperature, top_k)  # validates both
    tokens = tokenizer.encode(prefix)
    unknown = sorted({t for t in tokens if t not in vocab})
    if unknown:
        raise ValueError(
            f"prefix must hold tokens of vocab only; these are not in the vocabulary: {unknown}"
        )
    device = check_device(device) or default_device()
    rng = np.random.default_rng(seed)
    ids = vocab[tokens]
    X = mnp.array([ids], ctx=device, dtype="int32")  # (1, len(prefix))
    logits, state = model(X, None)
    for step in range(1, num_tokens + 1):
        z = logits[-1, 0].asnumpy()
        if not np.all(np.isfinite(z)):
            raise FloatingPointError(
                f"token {step}: the model's logits hold NaN or infinite values (bad logits: "
                "its weights are not finite, did its training diverge?)"
            )
        nxt = (
            int(z.argmax())
            if greedy
            else int(rng.choice(len(z), p=sampling_probs(z, temperature, top_k)))
        )
        ids.append(nxt)
        logits, state = model(mnp.array([[nxt]], ctx=device, dtype="int32"), state)
    return tokenizer.decode(vocab.to_tokens(ids))
