"""Tokenizers and the vocabulary."""

import numpy as np
import pytest

from d2lrnn import text
from d2lrnn.text import BPETokenizer, CharTokenizer, Vocab, WordTokenizer

SAMPLE = "the time traveller smiled.\n  Are you sure?\tthe time machine, the time...  "


def test_preprocess():
    assert text.preprocess("The Time-Machine, 1898!\n") == "the time machine "
    with pytest.raises(TypeError, match="text must be a str, got bytes"):
        text.preprocess(b"The Time Machine")


def test_char_round_trip():
    tok = CharTokenizer()
    assert tok.encode("ab c") == ["a", "b", " ", "c"]
    assert tok.decode(tok.encode(SAMPLE)) == SAMPLE


def test_word_tokens():
    tok = WordTokenizer()
    assert tok.encode("the  time\nmachine") == ["the", "time", "machine"]
    assert tok.decode(["the", "time"]) == "the time"


@pytest.mark.parametrize("num_merges", [0, 1, 10, 1000])
def test_bpe_round_trip_is_exact(num_merges):
    bpe = BPETokenizer.learn(SAMPLE * 3, num_merges)
    assert len(bpe.merges) <= num_merges
    for s in (SAMPLE, "", "zebra ünïcode  \n", "   ", "the"):
        assert bpe.decode(bpe.encode(s)) == s


def test_bpe_merges_frequent_pairs_first_and_deterministically():
    bpe = BPETokenizer.learn("aaab aaab aaab", 2)
    assert bpe.merges[0] == ("a", "a")
    assert bpe.merges == BPETokenizer.learn("aaab aaab aaab", 2).merges
    # After "aa", the pairs (aa, a) and (a, b) tie at 3: the smaller pair wins.
    assert bpe.merges[1] == ("a", "b")
    assert bpe.encode("aaab") == ["aa", "ab"]


def _learn_by_definition(text_: str, num_merges: int) -> list:
    """BPE as defined: count every adjacent pair of every piece anew, merge the most frequent
    (ties to the smallest pair) everywhere, repeat. Slow and plain, to check the fast one."""
    import collections
    import re

    pieces = collections.Counter(re.findall(r"\s*\S+|\s+", text_))
    words = {p: list(p) for p in pieces}
    merges = []
    for _ in range(num_merges):
        counts = collections.Counter()
        for p, w in words.items():
            for pair in zip(w, w[1:]):
                counts[pair] += pieces[p]
        if not counts:
            break
        best = min(counts, key=lambda pair: (-counts[pair], pair))
        merges.append(best)
        for p, w in words.items():
            merged, j = [], 0
            while j < len(w):
                if j + 1 < len(w) and (w[j], w[j + 1]) == best:
                    merged.append(w[j] + w[j + 1])
                    j += 2
                else:
                    merged.append(w[j])
                    j += 1
            words[p] = merged
    return merges


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bpe_learns_the_merges_of_its_definition(seed):
    """The incremental counts and the heap give exactly the merges of the plain definition,
    ties included (a small alphabet makes many), until the pairs run out."""
    rng = np.random.default_rng(seed)
    words = ["".join(rng.choice(list("abcab "), size=rng.integers(1, 7))) for _ in range(150)]
    corpus = " ".join(words) + " " + SAMPLE
    for num_merges in (1, 25, 150):
        learned = BPETokenizer.learn(corpus, num_merges).merges
        assert learned == _learn_by_definition(corpus, num_merges), num_merges


def test_bpe_learns_words_and_shortens_text():
    corpus = "the time traveller " * 20 + "the machine " * 20
    bpe = BPETokenizer.learn(corpus, 40)
    assert " time" in bpe.encode(" time")
    assert len(bpe.encode(corpus)) < len(corpus) / 4


def test_bpe_stops_when_no_pairs_are_left():
    assert len(BPETokenizer.learn("ab", 100).merges) == 1


def test_bpe_keeps_unseen_characters():
    bpe = BPETokenizer.learn("aaaa", 3)
    assert bpe.encode("xaay") == ["x", "aa", "y"]


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"text": "", "num_merges": 3}, ValueError, "text must be a non-empty"),
        ({"text": "abc", "num_merges": -1}, ValueError, "num_merges must be an int >= 0"),
        ({"text": "abc", "num_merges": 2.5}, TypeError, "num_merges must be an int >= 0"),
        ({"text": ["a", "b"], "num_merges": 2}, TypeError, "text must be a str"),
    ],
)
def test_bpe_learn_bad_input(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        BPETokenizer.learn(**kwargs)


def test_get_tokenizer_and_tokenize():
    assert isinstance(text.get_tokenizer("char"), CharTokenizer)
    assert text.tokenize("ab", "char") == ["a", "b"]
    assert text.tokenize("a b", "word") == ["a", "b"]
    assert "".join(text.tokenize("abab abab", "bpe", num_merges=3)) == "abab abab"


def test_unknown_tokenizer_name():
    with pytest.raises(
        ValueError, match=r"name must be one of \['bpe', 'char', 'word'\], got 'sentencepiece'"
    ):
        text.get_tokenizer("sentencepiece")
    with pytest.raises(ValueError, match="got 'chars'"):
        text.tokenize("abc", "chars")
    with pytest.raises(ValueError, match=r"name must be one of .*, got \['word'\]"):
        text.get_tokenizer(["word"])  # a list, not a name: once Python's "unhashable type"


def test_bpe_tokenizer_needs_text():
    with pytest.raises(ValueError, match="text is required"):
        text.get_tokenizer("bpe")


@pytest.mark.parametrize("tok", [CharTokenizer(), WordTokenizer(), BPETokenizer()])
def test_tokenizers_reject_non_strings(tok):
    with pytest.raises(TypeError, match="text must be a str"):
        tok.encode(b"bytes")
    with pytest.raises(TypeError, match=r"tokens\[1\] must be a str token, got int"):
        tok.decode(["a", 1])


def test_vocab_orders_by_frequency_with_sorted_ties():
    v = Vocab(list("bbbaaccd"))
    assert v.idx_to_token == ["<unk>", "b", "a", "c", "d"]
    assert v.token_freqs == [("b", 3), ("a", 2), ("c", 2), ("d", 1)]
    # The order of the text does not matter.
    assert Vocab(list("dccaabbb")).idx_to_token == v.idx_to_token


def test_vocab_min_freq_unk_and_reserved():
    v = Vocab(["a", "a", "b"], min_freq=2, reserved_tokens=["<bos>", "<eos>"])
    assert v.idx_to_token == ["<unk>", "<bos>", "<eos>", "a"]
    assert v["b"] == v.unk == 0 and v["never"] == 0
    assert v["<eos>"] == 2 and "a" in v and "b" not in v
    assert len(v) == 4


def test_vocab_reserved_token_also_in_text_is_not_duplicated():
    v = Vocab(["<eos>", "a", "<eos>"], reserved_tokens=["<eos>"])
    assert v.idx_to_token == ["<unk>", "<eos>", "a"]


def test_vocab_both_directions_nested():
    v = Vocab([["the", "time"], ["the", "machine"]])
    idx = v[[["the", "time"], ("machine", ["zz"])]]
    assert idx == [[1, 3], [2, [0]]]
    assert v.to_tokens(idx) == [["the", "time"], ["machine", ["<unk>"]]]
    assert v.to_tokens(1) == "the"
    assert v.to_tokens(np.array([[1, 2]])) == [["the", "machine"]]
    assert v.to_tokens(np.int64(3)) == "time"


@pytest.mark.parametrize(
    "tokens, kwargs, exc, match",
    [
        (["a", 3], {}, TypeError, r"tokens must contain only str tokens, got int 3"),
        ([["a"], [None]], {}, TypeError, "got NoneType"),
        ("abc", {}, TypeError, "got a str; split it"),
        (["a"], {"min_freq": -1}, ValueError, "min_freq must be an int >= 0, got -1"),
        (["a"], {"min_freq": 1.5}, TypeError, "min_freq must be an int >= 0"),
        (["a"], {"reserved_tokens": ["<unk>"]}, ValueError, "reserved_tokens must be distinct"),
        (["a"], {"reserved_tokens": ["<s>", "<s>"]}, ValueError, "reserved_tokens"),
        (["a"], {"reserved_tokens": [1]}, TypeError, r"reserved_tokens\[0\] must be a str"),
    ],
)
def test_vocab_bad_input(tokens, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        Vocab(tokens, **kwargs)


def test_vocab_lookup_bad_input():
    v = Vocab(["a"])
    with pytest.raises(TypeError, match="tokens must be a str or a"):
        v[3]
    with pytest.raises(ValueError, match="index 5 is out of range for a vocabulary of 2"):
        v.to_tokens(5)
    with pytest.raises(ValueError, match="index -1 is out of range"):
        v.to_tokens([-1])
    with pytest.raises(TypeError, match="indices must be an int"):
        v.to_tokens("a")
    with pytest.raises(TypeError, match="indices must be an int"):
        v.to_tokens(1.0)


def test_empty_vocab_has_only_unk():
    assert Vocab().idx_to_token == ["<unk>"]


def test_tokenize_splits_into_characters_by_default():
    assert text.tokenize("ab c") == ["a", "b", " ", "c"]


def test_a_bpe_tokenizer_learns_500_merges_by_default():
    rng = np.random.default_rng(0)
    corpus = " ".join("".join(rng.choice(list("abcdefghij"), 6)) for _ in range(400))
    assert len(text.get_tokenizer("bpe", text=corpus).merges) == 500
    assert len(BPETokenizer.learn(corpus, 501).merges) == 501  # more were there to learn


def test_the_bpe_messages_say_what_is_missing_or_wrong():
    with pytest.raises(ValueError) as e:
        text.get_tokenizer("bpe")
    assert str(e.value) == (
        "text is required for the 'bpe' tokenizer, which learns from it: text must be a str, "
        "got None"
    )
    with pytest.raises(TypeError) as e:
        BPETokenizer("ab")
    assert str(e.value) == (
        "merges must be a list of (str, str) pairs, as BPETokenizer.learn makes them, got str 'ab'"
    )


def test_a_vocabulary_takes_any_iterable_of_tokens():
    v = Vocab(t for t in "abacab")  # a generator, read once
    assert v.idx_to_token == ["<unk>", "a", "b", "c"]
    assert Vocab(iter([["x", "y"], ["x"]])).idx_to_token == ["<unk>", "x", "y"]


def test_a_vocabulary_reads_mxnet_arrays_of_indices():
    from mxnet import np as mnp

    v = Vocab([["the", "time"], ["the", "machine"]])
    assert v.to_tokens(mnp.array([[1, 2], [3, 1]], dtype="int32")) == [
        ["the", "machine"],
        ["time", "the"],
    ]


def test_the_vocabularys_messages_show_what_they_got():
    with pytest.raises(TypeError) as e:
        Vocab("abc")
    assert (
        str(e.value) == "tokens must be a list of str tokens, got a str; split it with a tokenizer"
    )
    with pytest.raises(TypeError, match=r"^tokens must be a list of str tokens, got int 5$"):
        Vocab(5)
    v = Vocab(["a"])
    with pytest.raises(
        TypeError, match=r"^tokens must be a str or a \(nested\) list of str, got int 3$"
    ):
        v[3]
    with pytest.raises(TypeError, match=r"^indices must be an int or .*, got float 1.5$"):
        v.to_tokens(1.5)
