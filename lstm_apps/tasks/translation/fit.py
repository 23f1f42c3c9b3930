"""Teacher-forcing fits of translators: batches of sentences of similar length.

Sentences are short on average and a few are long; padding every batch to
the longest sentence of the set would mostly compute padding. The pairs are
ordered by target then source length once (ties in a seeded random order)
and cut into batches, so each batch is padded only to its own longest
sentence; the order of the batches is shuffled every epoch.
"""

from __future__ import annotations

import dataclasses
import math
import time

import keras
import numpy as np
import tensorflow as tf

from lstm_apps.data.text import WordVocabulary
from lstm_apps.training import TrainingOptions, fit_dataset, make_optimizer


def _ragged(rows, dtype):
    lengths = [len(r) for r in rows]
    flat = [v for r in rows for v in r]
    return tf.RaggedTensor.from_row_lengths(tf.constant(flat, dtype=dtype), lengths)


def pairs_dataset(sources, codes, batch_size, *, shuffle="never", seed=0) -> tf.data.Dataset:
    """Batches `((source strings, decoder inputs), targets, weights)` of similar lengths.

    Args:
        sources: one list of source tokens per pair (each non-empty).
        codes: one framed target code array per pair (`<start> w1 ... wn <end>`).
        batch_size: pairs per batch.
        shuffle: "never", "once" or "every-epoch": the order of the batches.
        seed: seed of the tie order and the shuffling.

    Raises:
        ValueError: for unequal counts or an empty source.
    """
    if len(sources) != len(codes) or not len(codes):
        raise ValueError(
            f"Every source needs one target. Received: {len(sources)} sources, {len(codes)} targets"
        )
    empty = [i for i, s in enumerate(sources) if not len(s)]
    if empty:
        raise ValueError(
            f"Source sentences must hold a word. Received: an empty one at {empty[:5]}"
        )
    rng = np.random.default_rng(seed)
    ties = rng.permutation(len(codes))
    order = ties[
        np.lexsort(([len(sources[i]) for i in ties], [len(codes[i]) for i in ties]))
    ].astype("int64")
    inputs = _ragged([np.asarray(c[:-1]) for c in codes], tf.int32)
    targets = _ragged([np.asarray(c[1:]) for c in codes], tf.int32)
    words = _ragged(sources, tf.string)
    count = math.ceil(len(codes) / batch_size)
    table = tf.constant(order)

    def batch(b):
        rows = table[b * batch_size : tf.minimum((b + 1) * batch_size, len(codes))]
        x = tf.gather(inputs, rows).to_tensor()
        y = tf.gather(targets, rows).to_tensor()
        weight = tf.cast(y > 0, tf.float32)
        return (tf.gather(words, rows).to_tensor(default_value=""), x), y, weight

    data = tf.data.Dataset.range(count)
    if shuffle != "never":
        every = shuffle == "every-epoch"
        data = data.shuffle(count, seed=seed, reshuffle_each_iteration=every)
    return data.map(batch, num_parallel_calls=tf.data.AUTOTUNE).prefetch(2)


def train_translator(
    model,
    sources,
    targets,
    vocabulary: WordVocabulary,
    options: TrainingOptions,
    *,
    validation=None,
    callbacks=(),
):
    """Compile and fit a translator by teacher forcing, through `fit_dataset`.

    Args:
        model: a `build_translator` model.
        sources: training source token lists; targets: their target sentences.
        vocabulary: the target `WordVocabulary`.
        options: `TrainingOptions` (optimizer, epochs, batch size, shuffling,
            patience, checkpoint folder, time budget, seed, verbosity).
        validation: optional `(sources, targets)` for the validation loss.
        callbacks: extra Keras callbacks.

    Returns:
        The `keras.callbacks.History`.
    """
    start = time.perf_counter()
    if options.seed is not None:
        keras.utils.set_random_seed(options.seed)
    seed, batch = options.seed or 0, options.mini_batch_size
    codes = [vocabulary.encode(t) for t in targets]
    train = pairs_dataset(sources, codes, batch, shuffle=options.shuffle, seed=seed)
    val = None
    if validation is not None:
        val_codes = [vocabulary.encode(t) for t in validation[1]]
        val = pairs_dataset(validation[0], val_codes, batch, seed=seed)
    model.compile(
        optimizer=make_optimizer(options, math.ceil(len(codes) / batch)),
        loss="sparse_categorical_crossentropy",
        weighted_metrics=["accuracy"],
    )
    if options.time_budget is not None:  # the budget covers the batching above too (a
        # minute on the full data), so that a fit and its set-up stay within it
        spent = time.perf_counter() - start
        options = dataclasses.replace(options, time_budget=max(options.time_budget - spent, 1.0))
    return fit_dataset(model, train, options, validation=val, callbacks=callbacks)
