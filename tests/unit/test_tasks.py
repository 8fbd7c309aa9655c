"""Chapter 6's data: word segmentation as tagging, and language identification."""

import numpy as np
import pytest

from d2lrnn import tasks


def test_letters_only_strips_accents_and_punctuation():
    assert tasks.letters_only("Ça, c'est l'été !  Où?") == "ca c est l ete ou"
    assert tasks.letters_only("It's 10 o'clock.") == "it s o clock"


def test_segmentation_tags_mark_every_word_start():
    text = "The time traveller (for so it will be convenient to speak of him)"
    X, Y = tasks.segmentation_data(text, 8)
    assert X.dtype == Y.dtype == np.int32 and X.min() >= 0 and X.max() < 26
    assert set(np.unique(Y).tolist()) == {0, 1} and Y[0, 0] == 1
    words = tasks.letters_only(text).split()
    letters = "".join(tasks.LETTERS[i] for i in X.ravel())
    assert X.shape == Y.shape == (len("".join(words)) // 8, 8)
    rebuilt = "".join(
        (" " if t and i else "") + c for i, (c, t) in enumerate(zip(letters, Y.ravel()))
    )
    assert " ".join(words).startswith(rebuilt)


@pytest.mark.parametrize(
    "text, steps, match",
    [
        ("abc def", 0, "num_steps must be an int >= 1"),
        ("123 !!", 4, "text must contain letters"),
        ("ab cd", 10, "text has 4 letters, fewer than num_steps=10"),
    ],
)
def test_segmentation_bad_input(text, steps, match):
    with pytest.raises(ValueError, match=match):
        tasks.segmentation_data(text, steps)
    with pytest.raises(TypeError, match="num_steps must be an int >= 1"):
        tasks.segmentation_data(text, 2.0)


def test_language_data_labels_and_lengths():
    pairs = [
        ("Good morning!", "Bonjour à tous !"),
        ("Hi.", "Salut."),
        ("Good morning!", "Bon matin"),
    ]
    X, y, alphabet = tasks.language_data(pairs, 6, seed=0)
    rows = sorted(("".join(alphabet[i] for i in row), int(label)) for row, label in zip(X, y))
    assert rows == [("bon ma", 1), ("bonjou", 1), ("good m", 0)]  # duplicates and short ones out
    with pytest.raises(ValueError, match="no sentence has 50 or more letters"):
        tasks.language_data(pairs, 50)
    with pytest.raises(ValueError, match="num_chars must be an int >= 1"):
        tasks.language_data(pairs, 0)


def test_language_data_is_shuffled_with_the_seed():
    pairs = [(f"english sentence {w}", f"phrase francaise {w}") for w in "abcdefgh"]
    X0, y0, _ = tasks.language_data(pairs, 18, seed=0)  # 18 letters: the inputs differ
    X1, y1, _ = tasks.language_data(pairs, 18, seed=0)
    X2, y2, _ = tasks.language_data(pairs, 18, seed=1)
    np.testing.assert_array_equal(X0, X1)
    np.testing.assert_array_equal(y0, y1)
    assert X0.shape == (16, 18) and int(y0.sum()) == 8  # every distinct input, once
    rows = sorted(zip(map(tuple, X0.tolist()), y0.tolist()))
    assert rows == sorted(zip(map(tuple, X2.tolist()), y2.tolist()))  # the same examples ...
    assert y0.tolist() != y2.tolist() or X0.tolist() != X2.tolist()  # ... in another order


def test_language_data_keeps_each_input_once_and_drops_ambiguous_ones():
    """Sentences that share their first characters give one input; an input that begins an
    English and a French sentence is dropped; so any split of the rows is a split by input."""
    pairs = [
        ("Tom is a cat.", "Tom est un chat."),
        ("Tom is a dog.", "Tom est un chien."),
        ("Tom is here.", "Tom est ici."),
        ("Je ne sais pas.", "Je ne sais pas."),  # the same text on both sides: ambiguous
    ]
    X, y, alphabet = tasks.language_data(pairs, 6, seed=0)
    rows = sorted(("".join(alphabet[i] for i in row), int(label)) for row, label in zip(X, y))
    assert rows == [("tom es", 1), ("tom is", 0)]
    assert len({tuple(r) for r in X}) == len(X)


def test_ngram_classifier_counts_and_smooths():
    """Naive Bayes over n-grams: the hand-computed log-probabilities, add-one smoothing, and
    the decision on rows made of one class's n-grams."""
    X = np.array([[0, 1, 0], [0, 1, 0], [2, 2, 2]])
    y = np.array([0, 0, 1])
    model = tasks.NgramClassifier(2, 3).fit(X, y)
    # class 0 saw bigrams (0,1) and (1,0) twice each: counts 1 + 2 over 9 + 4 for those two
    np.testing.assert_allclose(np.exp(model.log_prob[0, 0 * 3 + 1]), 3 / 13)
    np.testing.assert_allclose(np.exp(model.log_prob[0, 2 * 3 + 2]), 1 / 13)
    np.testing.assert_allclose(np.exp(model.log_prior), [2 / 3, 1 / 3])
    np.testing.assert_array_equal(model.predict(np.array([[1, 0, 1], [2, 2, 2]])), [0, 1])
    unigram = tasks.NgramClassifier(1, 3).fit(X, y)
    np.testing.assert_array_equal(unigram.predict(np.array([[0, 0, 1], [2, 2, 0]])), [0, 1])


def test_ngram_classifier_rejects_bad_input():
    model = tasks.NgramClassifier(2, 3)
    with pytest.raises(RuntimeError, match="call fit"):
        model.predict(np.array([[0, 1]]))
    with pytest.raises(ValueError, match="X must hold token indices in \\[0, 3\\)"):
        model.fit(np.array([[0, 3]]), np.array([0]))
    with pytest.raises(ValueError, match="at least n = 2 columns"):
        model.fit(np.array([[0]]), np.array([0]))
    with pytest.raises(ValueError, match="y must be"):
        model.fit(np.array([[0, 1]]), np.array([0, 1]))
