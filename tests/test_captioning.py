"""Caption vocabulary, BLEU, the encoder-decoder captioner, greedy and beam search."""

from __future__ import annotations

import itertools

import keras
import numpy as np
import pytest

from lstm_apps.data.text import SPECIAL_WORDS, WordVocabulary, caption_words
from lstm_apps.evaluation import caption_metrics
from lstm_apps.models.layers import AddToSteps
from lstm_apps.models.seq2seq import (
    CaptionDecoder,
    build_captioner,
    source_encoder,
    teacher_forcing,
)
from lstm_apps.tasks.captioning import decoding
from lstm_apps.tasks.captioning import fit as captioning
from lstm_apps.training import TrainingConfig, TrainingOptions

NUMBERS = ["cero", "uno", "dos", "tres", "cuatro"]
TOY = [f"un {NUMBERS[i]} y un {NUMBERS[(i + 1) % 5]}" for i in range(5)]


def test_caption_words_keep_accents_and_drop_punctuation():
    assert caption_words("¿Un niño, en el ÁRBOL?") == ["un", "niño", "en", "el", "árbol"]
    assert caption_words("A dog .", lowercase=False) == ["A", "dog"]
    with pytest.raises(TypeError, match="Received: float"):
        caption_words(3.0)


def test_word_vocabulary_round_trip_and_errors():
    vocab = WordVocabulary(min_count=2).fit(["un perro corre", "un perro salta", "un gato"])
    assert vocab.words_[:4] == list(SPECIAL_WORDS)
    assert vocab.words_[4:] == ["un", "perro"]  # most frequent first; rarer words dropped
    codes = vocab.encode("Un perro vuela")
    assert codes.tolist() == [vocab.start, 4, 5, 1, vocab.end]  # "vuela" is <unk>
    assert vocab.decode(codes) == "un perro <unk>"
    assert vocab.decode([5, vocab.end, 4]) == "perro"  # stops at <end>
    rebuilt = WordVocabulary.from_words(vocab.words_)
    assert rebuilt.encode("un perro").tolist() == vocab.encode("un perro").tolist()
    with pytest.raises(RuntimeError, match="not fitted"):
        WordVocabulary().encode("x")
    with pytest.raises(ValueError, match="non-empty list"):
        WordVocabulary().fit([])
    with pytest.raises(ValueError, match="min_count=9"):
        WordVocabulary(min_count=9).fit(["un perro"])
    with pytest.raises(ValueError, match="must start with"):
        WordVocabulary.from_words(["a", "b"])


def test_caption_metrics_against_hand_counts():
    refs = [[["un", "tres", "a", "la", "izquierda", "de", "un", "siete"]]]
    perfect = caption_metrics(refs, [refs[0][0]])
    assert perfect["bleu_4"] == pytest.approx(1.0) and perfect["exact_match"] == 1.0
    # 8 hypothesis words, 6 of them in the reference: unigram precision 6/8, same length
    hyp = [["un", "tres", "a", "la", "derecha", "de", "un", "ocho"]]
    scores = caption_metrics(refs, hyp)
    assert scores["bleu_1"] == pytest.approx(6 / 8)
    # bigrams: "un tres", "tres a", "a la", "de un" match 4 of 7
    assert scores["bleu_2"] == pytest.approx(np.sqrt(6 / 8 * 4 / 7))
    assert scores["exact_match"] == 0.0
    # a shorter hypothesis pays the brevity penalty exp(1 - r / c)
    short = caption_metrics(refs, [refs[0][0][:4]])
    assert short["bleu_1"] == pytest.approx(np.exp(1 - 8 / 4))
    with pytest.raises(ValueError, match="same length"):
        caption_metrics(refs, [])


def test_teacher_forcing_shifts_and_weights():
    inputs, targets, weights = teacher_forcing([np.array([2, 7, 8, 3]), np.array([2, 9, 3])])
    assert inputs.tolist() == [[2, 7, 8], [2, 9, 0]]
    assert targets.tolist() == [[7, 8, 3], [9, 3, 0]]
    assert weights.tolist() == [[1, 1, 1], [1, 1, 0]]


def _toy_model(vocab, units=32):
    return build_captioner(
        vocabulary_size=len(vocab), feature_dim=5, units=units, embedding_dim=16, dropout=0.0
    )


@pytest.fixture(scope="module")
def toy():
    """A captioner trained to write the caption of each of 5 one-hot "images"."""
    keras.utils.set_random_seed(0)
    vocab = WordVocabulary().fit(TOY)
    features = np.eye(5, dtype="float32")
    model = _toy_model(vocab)
    references = [[c] for c in TOY]
    captioning.train_captioner(
        model,
        *captioning.caption_pairs(features, [r * 20 for r in references], vocab),
        TrainingOptions(
            max_epochs=25,
            mini_batch_size=16,
            initial_learn_rate=0.01,
            shuffle="every-epoch",
            verbose=0,
        ),
    )
    return model, vocab, features, references


def test_captioner_learns_the_toy_captions(toy):
    model, vocab, features, references = toy
    metrics, captions = decoding.score(model, vocab, features, references, beam_width=3)
    assert captions == TOY
    assert metrics["exact_match"] == 1.0 and metrics["bleu_4"] == pytest.approx(1.0)


def test_saved_captioner_decodes_the_same(toy, tmp_path):
    model, vocab, features, _ = toy
    model.save(tmp_path / "captioner.keras")
    loaded = keras.models.load_model(tmp_path / "captioner.keras")
    assert decoding.generate(loaded, vocab, features) == decoding.generate(model, vocab, features)


def _brute_force_best(decoder, source, vocabulary_size, max_length):
    """The most probable caption (ending in <end> or at max_length) by trying every sequence."""
    states = [s[:1] for s in decoder.initial_states(source[None])]
    words = [w for w in range(vocabulary_size) if w not in decoder.banned]
    best, best_score = None, -np.inf
    for length in range(1, max_length + 1):
        for seq in itertools.product(words, repeat=length):
            if decoder.end in seq[:-1]:
                continue
            token, s, score = np.array([decoder.start], "int32"), states, 0.0
            for w in seq:
                logp, s = decoder._log_probs(token, s)
                score += logp[0, w]
                token = np.array([w], "int32")
            if seq[-1] != decoder.end and length < max_length:
                continue
            if score > best_score:
                best, best_score = [w for w in seq if w != decoder.end], score
    return best, best_score


def test_wide_beam_search_finds_the_most_probable_caption():
    keras.utils.set_random_seed(3)
    vocab = WordVocabulary().fit(["a b"])  # 6 codes: 4 specials, "a", "b"
    model = build_captioner(vocabulary_size=len(vocab), feature_dim=3, units=4, dropout=0.0)
    decoder = decoding.decoder_for(model, vocab, max_length=3)
    source = np.random.default_rng(0).normal(size=3).astype("float32")
    expected, expected_score = _brute_force_best(decoder, source, len(vocab), 3)
    codes, scores = decoder.beam_search(source[None], beam_width=30, return_scores=True)
    assert codes[0] == expected
    assert scores[0] == pytest.approx(expected_score, abs=1e-5)
    greedy_codes, greedy_scores = decoder.beam_search(
        source[None], beam_width=1, return_scores=True
    )
    assert greedy_scores[0] <= scores[0] + 1e-6
    assert decoder.greedy(source[None]) == greedy_codes


def test_greedy_takes_the_argmax_at_every_step(toy):
    model, vocab, features, _ = toy
    decoder = decoding.decoder_for(model, vocab)
    states = decoder.initial_states(features[:1])
    token, written = np.array([vocab.start], "int32"), []
    for _ in range(20):
        logp, states = decoder._log_probs(token, states)
        word = int(np.argmax(logp[0]))
        if word == vocab.end:
            break
        written.append(word)
        token = np.array([word], "int32")
    assert decoder.greedy(features[:1]) == [written]


def test_decoder_and_builder_refuse_bad_arguments(toy):
    model, vocab, features, _ = toy
    decoder = decoding.decoder_for(model, vocab)
    with pytest.raises(ValueError, match="beam_width=0"):
        decoder.beam_search(features, beam_width=0)
    with pytest.raises(ValueError, match="length_penalty"):
        decoder.beam_search(features, length_penalty=-1)
    with pytest.raises(ValueError, match="exactly one of"):
        build_captioner(vocabulary_size=10)
    with pytest.raises(ValueError, match="vocabulary_size=3"):
        build_captioner(vocabulary_size=3, feature_dim=4)
    with pytest.raises(ValueError, match="cell"):
        build_captioner(vocabulary_size=10, feature_dim=4, cell="rnn")
    with pytest.raises(ValueError, match="source indices"):
        captioning.train_captioner(model, features, [0, 9], [vocab.encode(TOY[0])] * 2)


def test_gru_decoder_and_image_encoder_are_wired(tmp_path):
    encoder = keras.Sequential(
        [keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(6)], name="enc"
    )
    model = build_captioner(vocabulary_size=9, encoder=encoder, cell="gru", units=8)
    assert source_encoder(model) is encoder
    assert [i.shape for i in model.inputs] == [(None, 8, 8, 1), (None, None)]
    assert model.output.shape == (None, None, 9)
    decoder = CaptionDecoder(model, start=2, end=3, max_length=4)
    codes = decoder.beam_search(np.zeros((2, 8, 8, 1), "float32"), beam_width=2)
    assert len(codes) == 2 and all(len(c) <= 4 for c in codes)


def test_add_to_steps_broadcasts_and_keeps_the_mask():
    steps = np.ones((2, 3, 4), "float32")
    vectors = np.tile(np.arange(4, dtype="float32"), (2, 1))
    out = AddToSteps()([steps, vectors])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(out)[1, 2], [1, 2, 3, 4])
    tokens = keras.Input((None,), dtype="int32")
    embedded = keras.layers.Embedding(5, 4, mask_zero=True)(tokens)
    added = AddToSteps()([embedded, keras.Input((4,))])
    assert added._keras_mask is not None  # the padding mask reaches the next layer


def test_interrupted_caption_training_resumes(toy, tmp_path):
    _, vocab, features, references = toy
    pairs = captioning.caption_pairs(features, [r * 4 for r in references], vocab)
    options = TrainingOptions(
        max_epochs=3,
        mini_batch_size=8,
        shuffle="every-epoch",
        verbose=0,
        checkpoint_dir=tmp_path / "backup",
    )

    class Crash(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise RuntimeError("simulated crash")

    keras.utils.set_random_seed(0)
    with pytest.raises(RuntimeError, match="simulated crash"):
        captioning.train_captioner(_toy_model(vocab, 8), *pairs, options, callbacks=[Crash()])
    assert any((tmp_path / "backup").iterdir())
    keras.utils.set_random_seed(0)
    ran = []
    counter = keras.callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: ran.append(epoch))
    history = captioning.train_captioner(_toy_model(vocab, 8), *pairs, options, callbacks=[counter])
    assert ran == [2]  # only the third epoch was left to run
    assert history.epoch == [0, 1, 2]  # the history covers the whole run


def test_word_spotting_targets_and_pretraining_teach_the_encoder():
    vocab = WordVocabulary().fit(TOY)
    targets = captioning.word_targets([[TOY[0]], [TOY[1], TOY[2]]], vocab)
    assert targets.shape == (2, len(vocab)) and targets[:, :4].sum() == 0
    assert {vocab.words_[i] for i in np.flatnonzero(targets[0])} == {"un", "cero", "y", "uno"}
    keras.utils.set_random_seed(0)
    encoder = keras.Sequential([keras.Input((5,)), keras.layers.Dense(8)], name="enc")
    history = captioning.pretrain_encoder(
        encoder,
        np.eye(5, dtype="float32"),
        [[c] for c in TOY],
        vocab,
        TrainingOptions(max_epochs=30, mini_batch_size=5, initial_learn_rate=0.05, verbose=0),
    )
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]


@pytest.mark.parametrize("shuffle", ["never", "once", "every-epoch"])
def test_caption_batches_follow_the_shuffle_setting(shuffle):
    """`training.shuffle` reaches the teacher-forcing dataset: the order of the source indices."""
    vocab = WordVocabulary().fit(TOY)
    index = np.arange(40) % 5
    codes = [vocab.encode(TOY[i]) for i in index]
    dataset = captioning._pairs_dataset(
        np.eye(5, dtype="float32"), index, codes, None, 40, shuffle, 0
    )
    orders = [
        np.argmax(keras.ops.convert_to_numpy(next(iter(dataset))[0][0]), axis=-1).tolist()
        for _ in range(2)
    ]
    if shuffle == "never":
        assert orders[0] == orders[1] == index.tolist()
    elif shuffle == "once":
        assert orders[0] == orders[1] != index.tolist()
    else:
        assert orders[0] != orders[1]
        assert sorted(orders[0]) == sorted(orders[1]) == sorted(index.tolist())


def test_fit_settings_the_caption_fits_cannot_follow_are_refused():
    captioning.check_fit_settings("training", TrainingConfig())  # every default is followed
    captioning.check_fit_settings("warmup", None, optional=True)
    with pytest.raises(ValueError, match="training.l2_regularization"):
        captioning.check_fit_settings("training", TrainingConfig(l2_regularization=0.1))
    with pytest.raises(ValueError, match="sequence_padding_direction"):
        captioning.check_fit_settings("training", TrainingConfig(sequence_padding_direction="left"))
    with pytest.raises(TypeError, match="TrainingConfig or None"):
        captioning.check_fit_settings("warmup", 3, optional=True)
    with pytest.raises(TypeError, match="must be a TrainingConfig"):
        captioning.check_fit_settings("training", None)
    stage = captioning.stage_options(
        TrainingConfig(max_epochs=2), TrainingConfig(seed=7, verbose=0)
    )
    assert (stage.max_epochs, stage.seed, stage.verbose) == (2, 7, 0)
    assert captioning.stage_options(None, TrainingConfig()) is None
