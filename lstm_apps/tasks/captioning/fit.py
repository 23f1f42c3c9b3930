"""Training of encoder-decoder captioners (`lstm_apps.models.seq2seq`): teacher
forcing, the word-spotting warm-up, and the settings checks of these fits.

Shared by the `captioning` (image to sentence) and `video` (clip to sentence)
case studies; `decoding` writes and scores their captions. A source (an
image, a clip or a feature vector) usually has several captions: the
training pairs point into one array of sources, so a source is stored once
however many captions it has.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from lstm_apps.data.text import SPECIAL_WORDS, WordVocabulary
from lstm_apps.models.seq2seq import source_encoder, teacher_forcing
from lstm_apps.tasks.captioning.config import (  # noqa: F401 (re-exported)
    FIXED_SETTINGS,
    check_fit_settings,
)
from lstm_apps.training import (
    TrainingConfig,
    TrainingOptions,
    fit_arrays,
    fit_dataset,
    make_optimizer,
)

log = logging.getLogger(__name__)


def stage_options(section, training: TrainingConfig) -> TrainingOptions | None:
    """A warm-up stage's `TrainingOptions`, with the seed and verbosity of `training`.

    Returns None when `section` is None (the stage is skipped).
    """
    if section is None:
        return None
    return section.options(seed=training.seed, verbose=training.verbose)


def _pairs_dataset(sources, index, codes, max_length, batch_size, shuffle, seed):
    inputs, targets, weights = teacher_forcing(codes, max_length)
    table = tf.constant(sources)
    data = tf.data.Dataset.from_tensor_slices(
        (np.asarray(index, "int32"), inputs, targets, weights)
    )
    if shuffle != "never":  # "once": one order for every epoch; "every-epoch": a new one
        every = shuffle == "every-epoch"
        data = data.shuffle(len(inputs), seed=seed, reshuffle_each_iteration=every)
    gather = lambda i, x, y, w: ((tf.gather(table, i), x), y, w)  # noqa: E731
    return data.batch(batch_size).map(gather).prefetch(2)


def _check_pairs(sources, index, codes, name):
    index = np.asarray(index)
    if len(index) != len(codes) or not len(codes):
        raise ValueError(
            f"`{name}`: every caption needs one source index. Received: {len(index)} indices "
            f"for {len(codes)} captions"
        )
    if index.min() < 0 or index.max() >= len(sources):
        raise ValueError(
            f"`{name}`: source indices must be in [0, {len(sources) - 1}]. "
            f"Received: {index.min()}..{index.max()}"
        )


def caption_pairs(x, references, vocabulary: WordVocabulary):
    """`(sources, index, codes)`: one training pair per reference caption."""
    index = np.repeat(np.arange(len(references)), [len(r) for r in references])
    codes = [vocabulary.encode(c) for r in references for c in r]
    return x, index, codes


def word_targets(references, vocabulary: WordVocabulary) -> np.ndarray:
    """`(N, vocabulary)` multi-hot rows: the words found in each source's reference captions."""
    rows = np.zeros((len(references), len(vocabulary)), "float32")
    for i, captions in enumerate(references):
        for caption in captions:
            rows[i, vocabulary.encode(caption, bounds=False)] = 1.0
    rows[:, : len(SPECIAL_WORDS)] = 0.0  # padding, <unk>, <start>, <end> are not words to spot
    return rows


def pretrain_encoder(
    encoder, sources, references, vocabulary, options: TrainingOptions, *, validation=None
):
    """Teach an encoder which words its source's captions hold, before it learns to caption.

    A caption decoder trained with a from-scratch encoder learns the grammar
    first; while the image features are still noise to it, the gradient makes
    them constant (we measured a collapse to a spread of 0.01 over images on
    the digit scenes, with token accuracy stuck at the grammar-only 0.78).
    A short multi-label fit (a sigmoid per vocabulary word, binary
    cross-entropy) gives the encoder a direct signal first; its weights then
    start the captioner. The word head is thrown away.

    Args:
        encoder: the encoder model (trained in place).
        sources: its inputs; references: each source's caption strings.
        vocabulary: the captions' `WordVocabulary`.
        options: `TrainingOptions` of the word-spotting fit (optimizer,
            epochs, mini-batch size, shuffling, seed, verbosity, callbacks).
        validation: optional `(sources, references)`.

    Returns:
        The `keras.callbacks.History` of the word-spotting fit.
    """
    if options.seed is not None:
        keras.utils.set_random_seed(options.seed)
    spotter = keras.Sequential(
        [
            keras.Input(shape=encoder.input_shape[1:]),
            encoder,
            keras.layers.Dense(len(vocabulary), activation="sigmoid", name="words"),
        ],
        name=f"{encoder.name}_word_spotter",
    )
    steps = math.ceil(len(sources) / options.mini_batch_size)
    spotter.compile(optimizer=make_optimizer(options, steps), loss="binary_crossentropy")
    val = None
    if validation is not None:
        val = (validation[0], word_targets(validation[1], vocabulary))
    return fit_arrays(
        spotter, sources, word_targets(references, vocabulary), options, validation=val
    )


def train_captioner(
    model,
    sources,
    index,
    codes,
    options: TrainingOptions | None = None,
    *,
    validation=None,
    max_length=None,
    callbacks=(),
):
    """Compile and fit a captioner by teacher forcing.

    Args:
        model: a `build_captioner` model.
        sources: `(M, ...)` array of images, clips or feature vectors.
        index: `(N,)` the source of each training caption.
        codes: N framed code arrays (`WordVocabulary.encode`).
        options: `TrainingOptions` (optimizer, epochs, mini-batch size,
            shuffling, early stopping patience, checkpoint folder, time
            budget, progress plot, seed, verbosity); defaults if None.
        validation: optional `(sources, index, codes)` for the validation loss.
        max_length: cut captions to this many words; None keeps all.
        callbacks: extra Keras callbacks.

    Returns:
        The `keras.callbacks.History`. The model is trained in place; with
        `options.checkpoint_dir`, an interrupted fit rerun with the same
        folder resumes from the last finished epoch.
    """
    options = options or TrainingOptions()
    if options.seed is not None:
        keras.utils.set_random_seed(options.seed)
    _check_pairs(sources, index, codes, "index")
    batch = options.mini_batch_size
    seed = options.seed or 0
    train_ds = _pairs_dataset(sources, index, codes, max_length, batch, options.shuffle, seed)
    steps = math.ceil(len(codes) / batch)
    model.compile(
        optimizer=make_optimizer(options, steps),
        loss="sparse_categorical_crossentropy",
        weighted_metrics=["accuracy"],
    )
    val_ds = None
    if validation is not None:
        _check_pairs(validation[0], validation[1], validation[2], "validation")
        val_ds = _pairs_dataset(*validation, max_length, batch, "never", seed)
    return fit_dataset(model, train_ds, options, validation=val_ds, callbacks=callbacks)


def resuming(options: TrainingOptions) -> bool:
    """Whether `options.checkpoint_dir` holds a backup that the next fit resumes from.

    Keras's `BackupAndRestore` empties its folder when a fit ends normally,
    so a non-empty folder means an interrupted run: its weights replace
    whatever a warm-up would train, and warm-ups can be skipped.
    """
    folder = options.checkpoint_dir
    return folder is not None and Path(folder).is_dir() and any(Path(folder).iterdir())


def fit(model, data, vocabulary, options, *, pretraining=None, max_length=None, callbacks=()):
    """Word-spot a trainable encoder first (with `pretraining`), then train the captioner.

    A captioner over precomputed features has no encoder and skips the
    warm-up, and so does a run that resumes from a backup (`resuming`).

    Args:
        model: a `build_captioner` model.
        data: a `Splits` whose `x_*` are sources and `y_*` their reference captions.
        vocabulary: the captions' `WordVocabulary`.
        options: `TrainingOptions` of the caption fit.
        pretraining: `TrainingOptions` of the word-spotting fit, or None for none.
        max_length: cut training captions to this many words; None keeps all.
        callbacks: extra Keras callbacks for the caption fit.

    Returns:
        `(history, pretraining_history)`: the `keras.callbacks.History` of
        the caption fit and the per-epoch logs of the word-spotting fit
        (empty when it did not run).
    """
    encoder = source_encoder(model)
    spotting = {}
    if resuming(options) and pretraining is not None:
        log.info("Resuming from the backup in %s: word spotting skipped", options.checkpoint_dir)
    elif encoder is not None and pretraining is not None:
        spotting = pretrain_encoder(
            encoder,
            data.x_train,
            data.y_train,
            vocabulary,
            pretraining,
            validation=(data.x_val, data.y_val),
        ).history
    history = train_captioner(
        model,
        *caption_pairs(data.x_train, data.y_train, vocabulary),
        options,
        validation=caption_pairs(data.x_val, data.y_val, vocabulary),
        max_length=max_length,
        callbacks=callbacks,
    )
    return history, spotting
