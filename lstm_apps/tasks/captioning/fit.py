"""Training and scoring of encoder-decoder captioners (`lstm_apps.models.seq2seq`).

Shared by the `captioning` (image to sentence) and `video` (clip to sentence)
case studies. A source (an image, a clip or a feature vector) usually has
several captions: the training pairs point into one array of sources, so a
source is stored once however many captions it has.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from lstm_apps.data.text import SPECIAL_WORDS, WordVocabulary, caption_words
from lstm_apps.evaluation import caption_metrics
from lstm_apps.models.seq2seq import CaptionDecoder, source_encoder, teacher_forcing
from lstm_apps.training import TrainingOptions, make_optimizer, option_callbacks

log = logging.getLogger(__name__)


def _pairs_dataset(sources, index, codes, max_length, batch_size, shuffle, seed):
    inputs, targets, weights = teacher_forcing(codes, max_length)
    table = tf.constant(sources)
    data = tf.data.Dataset.from_tensor_slices(
        (np.asarray(index, "int32"), inputs, targets, weights)
    )
    if shuffle:
        data = data.shuffle(len(inputs), seed=seed, reshuffle_each_iteration=True)
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
        options: `TrainingOptions` (epochs, batch size, learning rate, seed, verbosity).
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
    spotter.compile(
        optimizer=keras.optimizers.Adam(options.initial_learn_rate), loss="binary_crossentropy"
    )
    val = None
    if validation is not None:
        val = (validation[0], word_targets(validation[1], vocabulary))
    return spotter.fit(
        sources,
        word_targets(references, vocabulary),
        batch_size=options.mini_batch_size,
        epochs=options.max_epochs,
        validation_data=val,
        verbose=options.verbose,
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
        options: `TrainingOptions` (learning rate, epochs, mini-batch size,
            gradient clipping, early stopping patience, checkpoint folder,
            progress plot, seed, verbosity); defaults if None.
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
    train_ds = _pairs_dataset(sources, index, codes, max_length, batch, True, seed)
    steps = math.ceil(len(codes) / batch)
    model.compile(
        optimizer=make_optimizer(options, steps),
        loss="sparse_categorical_crossentropy",
        weighted_metrics=["accuracy"],
    )
    val_ds = None
    if validation is not None:
        _check_pairs(validation[0], validation[1], validation[2], "validation")
        val_ds = _pairs_dataset(*validation, max_length, batch, False, seed)
    extra = option_callbacks(options, val_ds is not None)
    return model.fit(
        train_ds,
        validation_data=val_ds,
        epochs=options.max_epochs,
        callbacks=extra + list(callbacks),
        verbose=options.verbose,
        shuffle=False,  # the dataset reshuffles itself every epoch
    )


def options_for(config, **changes) -> TrainingOptions:
    """`TrainingOptions` from a case study's Config (captioning, video), clipping at norm 5."""
    return TrainingOptions(
        initial_learn_rate=config.initial_learn_rate,
        max_epochs=config.max_epochs,
        mini_batch_size=config.mini_batch_size,
        gradient_threshold=5.0,
        gradient_threshold_method="global-l2norm",
        validation_patience=config.validation_patience,
        checkpoint_dir=config.checkpoint_dir,
        seed=config.seed,
        verbose=config.verbose,
        **changes,
    )


def resuming(options: TrainingOptions) -> bool:
    """Whether `options.checkpoint_dir` holds a backup that the next fit resumes from.

    Keras's `BackupAndRestore` empties its folder when a fit ends normally,
    so a non-empty folder means an interrupted run: its weights replace
    whatever a warm-up would train, and warm-ups can be skipped.
    """
    folder = options.checkpoint_dir
    return folder is not None and Path(folder).is_dir() and any(Path(folder).iterdir())


def fit(model, data, vocabulary, options, *, pretrain_epochs=0, max_length=None):
    """Word-spot a trainable encoder for `pretrain_epochs`, then train the captioner.

    `data` is a `Splits` whose `x_*` are sources and `y_*` their reference
    captions; the word-spotting history goes to `data.info["pretrain_history"]`.
    A captioner over precomputed features has no encoder and skips the
    warm-up, and so does a run that resumes from a backup (`resuming`).

    Returns:
        The `keras.callbacks.History` of the caption fit.
    """
    encoder = source_encoder(model)
    if resuming(options) and pretrain_epochs:
        log.info("Resuming from the backup in %s: word spotting skipped", options.checkpoint_dir)
    elif encoder is not None and pretrain_epochs:
        spotting = pretrain_encoder(
            encoder,
            data.x_train,
            data.y_train,
            vocabulary,
            options.replace(max_epochs=pretrain_epochs),
            validation=(data.x_val, data.y_val),
        )
        data.info["pretrain_history"] = spotting.history
    return train_captioner(
        model,
        *caption_pairs(data.x_train, data.y_train, vocabulary),
        options,
        validation=caption_pairs(data.x_val, data.y_val, vocabulary),
        max_length=max_length,
    )


def decoder_for(model, vocabulary: WordVocabulary, max_length=20) -> CaptionDecoder:
    """A `CaptionDecoder` that knows the vocabulary's start, end and padding codes."""
    return CaptionDecoder(
        model, start=vocabulary.start, end=vocabulary.end, pad=vocabulary.pad,
        max_length=max_length,
    )  # fmt: skip


def generate(
    model, vocabulary: WordVocabulary, sources, *, beam_width=1, max_length=20, length_penalty=0.0
):
    """Captions (strings) for a batch of sources: greedy with `beam_width=1`, else beam search.

    `length_penalty` ranks finished beams by `log p / length ** length_penalty`
    (0: by `log p`, which favours short captions).
    """
    decoder = decoder_for(model, vocabulary, max_length)
    codes = decoder.beam_search(sources, beam_width=beam_width, length_penalty=length_penalty)
    return [vocabulary.decode(c) for c in codes]


def score(
    model,
    vocabulary: WordVocabulary,
    sources,
    references,
    *,
    beam_width=1,
    max_length=20,
    length_penalty=0.0,
):
    """Generate a caption per source and score it against its references.

    Args:
        references: for each source, a list of reference caption strings.
        beam_width, max_length, length_penalty: as in `generate`.

    Returns:
        `(metrics, captions)`: `caption_metrics` on word lists (split by
        `caption_words`) and the generated captions.
    """
    captions = generate(
        model,
        vocabulary,
        sources,
        beam_width=beam_width,
        max_length=max_length,
        length_penalty=length_penalty,
    )
    # references keep their own words: a word outside the vocabulary is a miss, not a <unk>
    refs = [[caption_words(r, vocabulary.lowercase) for r in rs] for rs in references]
    hyps = [c.split() for c in captions]
    return caption_metrics(refs, hyps), captions


def evaluate_captions(
    model, vocabulary, data, *, beam_width, max_length=20, length_penalty=0.0
) -> dict[str, float]:
    """Score beam-search and greedy captions of `data`'s test sources against their references.

    Returns BLEU-1..4 and `exact_match` (beam search, ranked with
    `length_penalty`), the same with a `greedy_` prefix, `beam_width` and
    `length_penalty`; the captions go to
    `data.info["predictions"]` (`"captions"` and `"greedy"`).
    """
    refs = data.y_test
    metrics, captions = score(
        model,
        vocabulary,
        data.x_test,
        refs,
        beam_width=beam_width,
        max_length=max_length,
        length_penalty=length_penalty,
    )
    greedy, greedy_captions = score(
        model, vocabulary, data.x_test, refs, beam_width=1, max_length=max_length
    )
    metrics.update({f"greedy_{k}": v for k, v in greedy.items()})
    metrics["beam_width"] = float(beam_width)
    metrics["length_penalty"] = float(length_penalty)
    data.info["predictions"] = {"captions": captions, "greedy": greedy_captions}
    return metrics
