"""The attention captioner: shapes, checks, a toy it must attend to learn, decoding, saving."""

from __future__ import annotations

import re

import keras
import numpy as np
import pytest

from lstm_apps.data.text import WordVocabulary
from lstm_apps.models.attention_captioner import (
    AttentionCaptionDecoder,
    build_attention_captioner,
    decoder_class,
    grid_size,
    is_attention_captioner,
)
from lstm_apps.models.seq2seq import CaptionDecoder, build_captioner, teacher_forcing
from lstm_apps.tasks.captioning import fit as captioning
from lstm_apps.tasks.captioning.plots import attention_maps_figure
from lstm_apps.training import TrainingOptions

KINDS = ["cat", "dog", "owl"]


def objects(n, seed, noise=0.1):
    """3x3x8 grids holding two objects of different kinds in two different columns.

    The caption names the two kinds from left to right, so which word comes
    first depends on where the objects are, and writing a kind needs the
    features of its object: the attention must find it (a sum over the grid
    does not say which kind is where). Returns `(grids, positions (n, 2) in
    caption order, references)`.
    """
    rng = np.random.default_rng(seed)
    looks = np.random.default_rng(99).normal(size=(3, 8)).astype("float32")
    looks *= 3 / np.linalg.norm(looks, axis=1, keepdims=True)
    grids = rng.normal(scale=noise, size=(n, 9, 8)).astype("float32")
    columns = np.sort([rng.choice(3, 2, replace=False) for _ in range(n)], axis=1)
    where = rng.integers(0, 3, (n, 2)) * 3 + columns  # row-major positions, left one first
    kinds = np.array([rng.choice(3, 2, replace=False) for _ in range(n)])
    for k in range(2):
        grids[np.arange(n), where[:, k]] += looks[kinds[:, k]]
    references = [[f"{KINDS[a]} {KINDS[b]}"] for a, b in kinds]
    return grids.reshape(n, 3, 3, 8), where, references


@pytest.fixture(scope="module")
def toy():
    """An attention captioner trained on 360 grids of `objects`, and 90 new grids."""
    keras.utils.set_random_seed(0)
    grids, _, references = objects(360, seed=0)
    vocab = WordVocabulary().fit(KINDS)
    model = build_attention_captioner(
        vocabulary_size=len(vocab), grid_shape=(3, 3, 8), embedding_dim=8, units=16, dropout=0.0
    )
    captioning.train_captioner(
        model,
        *captioning.caption_pairs(grids, references, vocab),
        TrainingOptions(
            max_epochs=20,
            mini_batch_size=16,
            initial_learn_rate=0.01,
            shuffle="every-epoch",
            verbose=0,
        ),
    )
    decoder = AttentionCaptionDecoder(
        model, start=vocab.start, end=vocab.end, pad=vocab.pad, max_length=4
    )
    return model, vocab, decoder, objects(90, seed=1)


@pytest.mark.parametrize(
    ("grid_shape", "cell", "attention"),
    [((3, 3, 8), "lstm", "bahdanau"), ((9, 8), "gru", "luong")],
)
def test_outputs_are_masked_next_word_probabilities(grid_shape, cell, attention):
    model = build_attention_captioner(
        vocabulary_size=10, grid_shape=grid_shape, units=8, embedding_dim=4, cell=cell,
        attention=attention,
    )  # fmt: skip
    assert [i.name for i in model.inputs] == ["source", "tokens"]
    assert [tuple(i.shape) for i in model.inputs] == [(None, *grid_shape), (None, None)]
    grids = np.random.default_rng(0).normal(size=(2, *grid_shape)).astype("float32")
    tokens = np.array([[2, 5, 6, 0], [2, 7, 0, 0]], "int32")
    out = model([grids, tokens])
    assert tuple(out.shape) == (2, 4, 10)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(out).sum(-1), 1.0, rtol=1e-5)
    mask = keras.ops.convert_to_numpy(out._keras_mask)  # padded steps carry no loss
    assert mask.tolist() == (tokens > 0).tolist()
    assert grid_size(grid_shape) == (9, 8)
    assert is_attention_captioner(model) and decoder_class(model) is AttentionCaptionDecoder
    plain = build_captioner(vocabulary_size=10, feature_dim=8, units=8)
    assert not is_attention_captioner(plain) and decoder_class(plain) is CaptionDecoder


def test_step_decoding_gives_the_teacher_forced_probabilities():
    keras.utils.set_random_seed(1)
    model = build_attention_captioner(vocabulary_size=9, grid_shape=(2, 2, 4), units=6)
    decoder = AttentionCaptionDecoder(model, start=2, end=3, max_length=5)
    grids = np.random.default_rng(1).normal(size=(3, 2, 2, 4)).astype("float32")
    codes = [[4, 5, 6], [7], [8, 4]]
    inputs, targets, _ = teacher_forcing([[2, *c, 3] for c in codes])
    forced = keras.ops.convert_to_numpy(model([grids, inputs], training=False))
    annotations, *states = decoder.initial_states(grids)
    assert annotations.shape == (3, 4, 6) and [s.shape for s in states] == [(3, 6), (3, 6)]
    states = [annotations, *states]
    for t in range(inputs.shape[1]):
        logp, states = decoder._log_probs(inputs[:, t], states)
        real = inputs[:, t] > 0
        picked = np.take_along_axis(logp, targets[:, t, None], 1)[real, 0]
        expected = np.log(np.take_along_axis(forced[:, t], targets[:, t, None], 1)[real, 0])
        np.testing.assert_allclose(picked, expected, atol=1e-5)
    weights = decoder.attention_weights(grids, codes, batch_size=2)
    assert [w.shape for w in weights] == [(4, 4), (2, 4), (3, 4)]
    np.testing.assert_allclose(np.concatenate(weights).sum(1), 1.0, rtol=1e-5)


def test_bad_arguments_are_refused_with_the_value_received():
    build = lambda **kw: build_attention_captioner(**{"vocabulary_size": 10, **kw})  # noqa: E731
    for bad in [(8,), (0, 3, 8), (3, 3, 8, 2), (3.0, 3, 8), "7x7"]:
        with pytest.raises(ValueError, match=re.escape(f"Received: grid_shape={bad!r}")):
            build(grid_shape=bad)
    with pytest.raises(ValueError, match="vocabulary_size=3"):
        build(vocabulary_size=3, grid_shape=(9, 8))
    with pytest.raises(ValueError, match="attention='dot'"):
        build(grid_shape=(9, 8), attention="dot")
    with pytest.raises(ValueError, match="cell='rnn'"):
        build(grid_shape=(9, 8), cell="rnn")
    with pytest.raises(ValueError, match="dropout=1.0"):
        build(grid_shape=(9, 8), dropout=1.0)
    with pytest.raises(ValueError, match="units=0"):
        build(grid_shape=(9, 8), units=0)
    plain = build_captioner(vocabulary_size=10, feature_dim=8, units=8)
    with pytest.raises(ValueError, match="Received: model='captioner'"):
        AttentionCaptionDecoder(plain, start=2, end=3)
    decoder = AttentionCaptionDecoder(build(grid_shape=(9, 8), units=4), start=2, end=3)
    grids = np.zeros((2, 9, 8), "float32")
    with pytest.raises(ValueError, match="2 sources, 1 captions"):
        decoder.attention_weights(grids, [[4]])
    with pytest.raises(ValueError, match=r"codes\[1\]=\[4, 3\]"):
        decoder.attention_weights(grids, [[4], [4, 3]])
    with pytest.raises(ValueError, match="beam_width=0"):
        decoder.beam_search(grids, beam_width=0)


def test_captioner_learns_which_object_comes_first(toy):
    _, vocab, decoder, (grids, _, references) = toy
    truth = [r[0] for r in references]
    greedy = [vocab.decode(c) for c in decoder.greedy(grids)]
    codes, scores = decoder.beam_search(grids, beam_width=3, return_scores=True)
    _, greedy_scores = decoder.beam_search(grids, beam_width=1, return_scores=True)
    # chance is 1/6: a first kind of 3, then one of the 2 others (seed 0 gets 1.0, and
    # seeds 0 to 3 all above 0.8)
    assert np.mean([g == t for g, t in zip(greedy, truth)]) >= 0.7
    assert np.mean([vocab.decode(c) == t for c, t in zip(codes, truth)]) >= 0.7
    assert np.all(scores >= greedy_scores - 1e-5)  # the beam keeps the greedy path


def test_attention_finds_the_object_each_word_names(toy):
    _, vocab, decoder, (grids, where, references) = toy
    codes = [vocab.encode(r[0], bounds=False).tolist() for r in references]
    weights = np.stack(decoder.attention_weights(grids, codes))  # (90, 3, 9): 2 words, <end>
    assert weights.shape == (90, 3, 9)
    np.testing.assert_allclose(weights.sum(-1), 1.0, rtol=1e-5)
    words = weights[:, :2]
    # chance is 1/9 (seed 0: 0.99 and 0.65; seeds 0 to 3 at least 0.66 and 0.52)
    assert np.mean(words.argmax(-1) == where) >= 0.5
    assert np.take_along_axis(words, where[..., None], -1).mean() >= 0.4


def test_saved_attention_captioner_decodes_the_same(toy, tmp_path):
    model, vocab, decoder, (grids, _, _) = toy
    model.save(tmp_path / "attention.keras")
    loaded = keras.models.load_model(tmp_path / "attention.keras")
    assert is_attention_captioner(loaded)
    tokens = np.array([[vocab.start, 4, 5], [vocab.start, 6, 0]], "int32")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loaded([grids[:2], tokens])),
        keras.ops.convert_to_numpy(model([grids[:2], tokens])),
        atol=1e-6,
    )
    again = decoder_class(loaded)(
        loaded, start=vocab.start, end=vocab.end, pad=vocab.pad, max_length=4
    )
    codes = decoder.beam_search(grids[:10], beam_width=2)
    assert again.beam_search(grids[:10], beam_width=2) == codes
    np.testing.assert_allclose(
        np.concatenate(again.attention_weights(grids[:10], codes)),
        np.concatenate(decoder.attention_weights(grids[:10], codes)),
        atol=1e-6,
    )


def test_attention_maps_figure_writes_a_png(tmp_path):
    image = np.random.default_rng(0).integers(0, 256, size=(48, 64, 3), dtype=np.uint8)
    weights = np.random.default_rng(1).dirichlet(np.ones(12), size=3)  # 2 words and <end>
    fig = attention_maps_figure(image, ["a", "dog"], weights, (3, 4), tmp_path / "maps.png")
    assert (tmp_path / "maps.png").stat().st_size > 0
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0] == "image" and titles[1].startswith("a ") and titles[3].startswith("<end>")
    overlay = fig.axes[1].get_images()[-1].get_array()
    assert overlay.shape == (48, 64) and len(np.unique(np.round(overlay, 4))) > 12  # smooth
    with pytest.raises(ValueError, match=r"weights.shape=\(3, 12\)"):
        attention_maps_figure(image, ["a", "dog"], weights, (3, 3))
    with pytest.raises(ValueError, match="3 rows for 1 words"):
        attention_maps_figure(image, ["a"], weights, (3, 4))
