"""Character vocabulary and n-gram baselines."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import real_file

from lstm_apps.data.text import CharVocabulary, char_windows, strip_gutenberg
from lstm_apps.evaluation import bits_per_char, sample_next
from lstm_apps.tasks.char_lm.ngram import CharNGramModel, choose_order


def test_vocabulary_round_trip_and_unknown_index():
    vocab = CharVocabulary().fit("hola ñandú")
    codes = vocab.transform("hola ñú!")
    assert codes[-1] == 0 and (codes[:-1] > 0).all()
    assert vocab.inverse_transform(codes) == "hola ñú\ufffd"
    assert vocab.unknown_chars("hola ñu!?") == ["!", "?", "u"]
    assert len(vocab) == len(set("hola ñandú")) + 1


def test_vocabulary_min_count_and_errors():
    vocab = CharVocabulary(min_count=2).fit("aab")
    assert vocab.chars_ == ["a"] and vocab.transform("ab").tolist() == [1, 0]
    with pytest.raises(RuntimeError, match="not fitted yet"):
        CharVocabulary().transform("a")
    with pytest.raises(ValueError, match="empty text"):
        CharVocabulary().fit("")
    with pytest.raises(TypeError, match="Received: bytes"):
        CharVocabulary().fit(b"abc")


def test_ngram_probabilities_sum_to_one():
    model = CharNGramModel(order=3).fit("abracadabra arrabal")
    for context in ("", "a", "ab", "zz", "ra"):
        total = sum(model.probability(context, c) for c in model.vocabulary_)
        unseen_mass = model.probability(context, "\x00")
        assert total + unseen_mass == pytest.approx(1.0, abs=2e-2)
        assert total < 1.0


def test_unigram_bits_per_char_by_hand():
    model = CharNGramModel(order=1).fit("aab")
    p_a, p_b = 3 / 6, 2 / 6  # add-one over 2 known characters plus one unknown slot
    expected = -(math.log2(p_a) + math.log2(p_b)) / 2
    assert model.bits_per_char("ab") == pytest.approx(expected)


def test_ngram_on_real_spanish_text(shared_data):
    text = real_file(shared_data, "spanish_quijote_gutenberg/quijote_body.txt").read_text(
        encoding="utf-8"
    )
    train, valid = text[:200_000], text[200_000:220_000]
    best, scores = choose_order(train, valid, orders=range(1, 6))
    assert scores[1] > 4.0  # unigram entropy of Spanish characters
    assert best.order >= 3 and scores[best.order] < scores[1] - 1.5
    assert np.all(np.diff([scores[n] for n in (1, 2, 3)]) < 0)


def test_ngram_bad_input():
    with pytest.raises(ValueError, match="order.*Received: order=0"):
        CharNGramModel(order=0)
    with pytest.raises(ValueError, match="needs at least 4"):
        CharNGramModel(order=4).fit("abc")
    with pytest.raises(RuntimeError, match="not fitted"):
        CharNGramModel().bits_per_char("abc")


def test_strip_gutenberg_keeps_the_body_only(shared_data):
    body = real_file(shared_data, "spanish_quijote_gutenberg/quijote_body.txt").read_text(
        encoding="utf-8"
    )[:5000]
    book = (
        "\ufeffThe Project Gutenberg eBook\r\n*** START OF THE PROJECT GUTENBERG EBOOK 2000 ***"
        "\r\n" + body.replace("\n", "\r\n") + "\r\n*** END OF THE PROJECT GUTENBERG EBOOK 2000 ***"
        "\r\nlicence text\r\n"
    )
    assert strip_gutenberg(book) == body.strip("\n") + "\n"
    assert strip_gutenberg("sin marcas\r\n") == "sin marcas\n"


def test_char_windows_shift_by_one():
    x, y = char_windows(np.arange(10), length=4, stride=2)
    assert x.shape == y.shape == (3, 4)
    np.testing.assert_array_equal(x[1], [2, 3, 4, 5])
    np.testing.assert_array_equal(y[1], [3, 4, 5, 6])
    with pytest.raises(ValueError, match="at least length \\+ 1 = 11 .* Received: 10"):
        char_windows(np.arange(10), length=10)
    with pytest.raises(ValueError, match="stride=0"):
        char_windows(np.arange(10), length=3, stride=0)


def test_bits_per_char_and_sampling():
    p = np.array([[0.5, 0.25, 0.25], [0.125, 0.125, 0.75]])
    assert bits_per_char(p, np.array([0, 0])) == pytest.approx((1 + 3) / 2)
    draws = [sample_next(p[1], 0.2, rng=np.random.default_rng(s)) for s in range(50)]
    assert draws.count(2) >= 45  # low temperature picks the mode
    assert {sample_next(p[1], 5.0, top_k=1, rng=np.random.default_rng(s)) for s in range(20)} == {2}
    same = [sample_next(p[0], 1.0, rng=np.random.default_rng(7)) for _ in range(3)]
    assert len(set(same)) == 1
    with pytest.raises(ValueError, match="temperature=0"):
        sample_next(p[0], 0)
    with pytest.raises(ValueError, match="top_k=0"):
        sample_next(p[0], 1.0, top_k=0)
