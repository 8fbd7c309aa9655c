"""Chapter 7's own code, as the reader sees it, against the library and sacreBLEU.

The chapter writes its encoder, decoders, beam search and BLEU plainly and
trains and scores with them; these tests hold each to its reference on
inputs the chapter does not try: random corpora and edge cases for BLEU,
toy models for the searches.
"""

from __future__ import annotations

import numpy as np
import pytest
import sacrebleu
from mxnet import gluon
from mxnet import np as mnp
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

import d2lrnn
from d2lrnn import equivalence, layers, seq2seq, translation
from tests.chapter_code import define

CH7 = 7


@pytest.fixture(scope="module")
def bleu():
    from collections import Counter

    ns = define(CH7, "corpus_bleu", namespace={"Counter": Counter, "Tokenizer13a": Tokenizer13a})
    return ns["corpus_bleu"]


def sacre(hypotheses, references):
    return sacrebleu.corpus_bleu(hypotheses, translation_streams(references)).score


def translation_streams(references):
    from d2lrnn.scores import reference_streams

    return reference_streams(references)


WORDS = "le la les chat chien est sont petit grand ici là . ! ? <unk> j'ai peut-être".split()


def random_corpus(rng, n, max_len=9, max_refs=3):
    def sentence(lo=0):
        return " ".join(rng.choice(WORDS, rng.integers(lo, max_len + 1)))

    hyps = [sentence() for _ in range(n)]
    refs = [[sentence(1) for _ in range(rng.integers(1, max_refs + 1))] for _ in range(n)]
    return hyps, refs


@pytest.mark.parametrize("seed", range(12))
def test_the_chapters_bleu_equals_sacrebleu_on_random_corpora(bleu, seed):
    rng = np.random.default_rng(seed)
    hyps, refs = random_corpus(rng, int(rng.integers(1, 40)))
    assert bleu(hyps, refs)[0] == pytest.approx(sacre(hyps, refs), abs=1e-9)


@pytest.mark.parametrize(
    "hyps, refs",
    [
        (["le chat est ici ."], [["le chat est ici ."]]),  # perfect
        (["va !"], [["va !"]]),  # no 3-grams: BLEU is 0
        (["le le le le le"], [["le chat"]]),  # clipping
        ([""], [["le chat est ici ."]]),  # empty hypothesis
        (["chien"], [["le chat est ici ."]]),  # no match at all
        (["le chat est"], [["le chat est ici .", "le chat est là"]]),  # closest reference
        (["il <unk> la <unk> ."], [["il tient la route ."]]),  # <unk> cut by 13a
        (["le chat est ici .", "va !"], [["le chat est ici ."], ["allez !", "va !"]]),
    ],
)
def test_the_chapters_bleu_equals_sacrebleu_on_edge_cases(bleu, hyps, refs):
    assert bleu(hyps, refs)[0] == pytest.approx(sacre(hyps, refs), abs=1e-9)


def test_a_wrong_smoothing_or_clipping_would_be_caught():
    """The random corpora exercise what the chapter derives: without smoothing, or without
    clipping the counts, the chapter's BLEU would differ from sacreBLEU on some of them."""
    from collections import Counter

    for old, new in (
        ("1 / (2.0**zeros * np.maximum(totals, 1))", "0 * totals"),
        ("min(k, most[g])", "k if most[g] else 0"),
    ):
        wrong = define(
            CH7,
            "corpus_bleu",
            replace={old: new},
            namespace={"Counter": Counter, "Tokenizer13a": Tokenizer13a},
        )["corpus_bleu"]
        rng = np.random.default_rng(0)
        differ = 0
        for _ in range(12):
            hyps, refs = random_corpus(rng, int(rng.integers(1, 40)))
            with np.errstate(divide="ignore"):
                differ += abs(wrong(hyps, refs)[0] - sacre(hyps, refs)) > 1e-6
        assert differ > 0, old


class FakeData:
    """What the chapter's greedy and beam_search need of ``mt``."""

    def __init__(self, data):
        self.data = data
        self.tgt_vocab = data.tgt_vocab

    def encode_source(self, sentence):
        return self.data.encode_source(sentence)


@pytest.fixture(scope="module")
def toy():
    pairs = [
        ("i am cold .", "j'ai froid ."),
        ("i am hot .", "j'ai chaud ."),
        ("he is cold .", "il a froid ."),
        ("she is here .", "elle est ici ."),
        ("we are here .", "nous sommes ici ."),
        ("they are cold .", "ils ont froid ."),
    ] * 4 + [(f"word{i} .", f"mot{i} .") for i in range(20)]
    data = translation.translation_data(pairs, max_len=5, min_freq=1, num_val=2, num_test=2)
    d2lrnn.seed(0)
    model = seq2seq.EncoderDecoder(
        seq2seq.Encoder(len(data.src_vocab), 8, 16), seq2seq.Decoder(len(data.tgt_vocab), 8, 16)
    )
    model.initialize()
    src = mnp.array(data.train.src[:2])
    model(src, mnp.array(data.train.src_len[:2]), mnp.array(data.train.tgt_in[:2]))
    rng = np.random.default_rng(1)
    for p in model.collect_params().values():  # peaked distributions: searches disagree
        p.set_data(mnp.array(rng.normal(0, 1.0, p.shape), dtype=p.dtype))
    return data, model


def chapter_search(data, names):
    ns = define(
        CH7,
        names,
        namespace={
            "mt": FakeData(data),
            "bos": data.tgt_vocab[translation.BOS],
            "eos": data.tgt_vocab[translation.EOS],
            "MAX_LEN": data.max_len,
            "translation": translation,
        },
    )
    return ns


@pytest.mark.parametrize("beam_size, alpha", [(1, 0.0), (2, 0.0), (3, 0.75), (5, 1.0)])
def test_the_chapters_beam_search_finds_the_librarys_translations(toy, beam_size, alpha):
    data, model = toy
    ns = chapter_search(data, ["beam_search", "greedy"])
    sentences = sorted(set(data.train.sources))
    plain = [ns["beam_search"](model, s, beam_size, alpha) for s in sentences]
    library = seq2seq.translate(model, data, sentences, beam_size=beam_size, alpha=alpha)
    assert plain == library
    if beam_size == 1:
        assert [ns["greedy"](model, s) for s in sentences] == library


def test_the_chapters_beam_search_with_a_broken_pruning_rule_is_caught(toy):
    """Keeping finished hypotheses below the beam's cut (a plausible slip) changes results."""
    data, model = toy
    broken = define(
        CH7,
        "beam_search",
        replace={"            if len(beam) == K:": "            if len(beam) == K and False:"},
        namespace={
            "mt": FakeData(data),
            "bos": data.tgt_vocab[translation.BOS],
            "eos": data.tgt_vocab[translation.EOS],
            "MAX_LEN": data.max_len,
            "translation": translation,
        },
    )["beam_search"]
    sentences = sorted(set(data.train.sources))
    library = seq2seq.translate(model, data, sentences, beam_size=2, alpha=1.0)
    assert [broken(model, s, 2, 1.0) for s in sentences] != library


def test_the_chapters_models_equal_the_librarys():
    ns = define(
        CH7, ["Encoder", "Decoder", "AttentionDecoder"], namespace={"npx": __import__("mxnet").npx}
    )
    src = mnp.array([[1, 2, 3, 0], [4, 5, 0, 0]], dtype="int32")
    inputs = (
        src,
        mnp.array([3, 2], dtype="int32"),
        mnp.array([[1, 2, 3], [3, 4, 0]], dtype="int32"),
    )
    for plain_decoder, library_decoder in (
        (ns["Decoder"], seq2seq.Decoder),
        (ns["AttentionDecoder"], seq2seq.AttentionDecoder),
    ):
        plain = seq2seq.EncoderDecoder(ns["Encoder"](7, 4, 6), plain_decoder(5, 4, 6))
        library = seq2seq.EncoderDecoder(seq2seq.Encoder(7, 4, 6), library_decoder(5, 4, 6))
        equivalence.check_same_model(plain, library, inputs)


def test_the_chapters_encoder_reads_the_padding_only_when_told():
    ns = define(CH7, "Encoder")
    d2lrnn.seed(0)
    enc = ns["Encoder"](7, 4, 6)
    enc.initialize()
    src = mnp.array([[1, 2, 0, 0]], dtype="int32")
    outputs, context = enc(src, mnp.array([2], dtype="int32"))
    np.testing.assert_array_equal(context.asnumpy(), outputs[1].asnumpy())
    enc.read_padding = True
    outputs, context = enc(src, mnp.array([2], dtype="int32"))
    np.testing.assert_array_equal(context.asnumpy(), outputs[3].asnumpy())
    assert not np.allclose(outputs[1].asnumpy(), outputs[3].asnumpy())


def test_layers_used_by_the_chapter_are_the_books():
    ns = define(CH7, "Encoder")
    enc = ns["Encoder"](7, 4, 6)
    assert isinstance(enc.rnn, layers.GRUScratch) and isinstance(enc.embedding, gluon.nn.Embedding)
