"""The sentiment networks: built on word ids, fit on batches of similar length, read text.

A network reads word ids (`SentimentSplits.x_*`). Its fit is a custom loop
over a `tf.data` pipeline of length-bucketed batches, run by
`training.fit_dataset` with the optimizer of `training.make_optimizer`, like
every fit in the package (callbacks and precision come from `training`). The network the
run keeps is wrapped by `text_model` so that the saved model reads raw text.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import keras
import numpy as np

from lstm_apps import training
from lstm_apps.models.size import (
    check_activation_memory,
    check_model_size,
    embedding_parameters,
    text_classifier_parameters,
)
from lstm_apps.tasks.sentiment.data import batch_indices, id_lengths, pad_ids, predict_by_length

VALIDATION_BATCH = 256  # texts per batch when scoring the validation split


def check_network_sizes(config, vocabulary_size, num_classes=2, embedding_dim=None) -> int:
    """Refuse, before word2vec or any layer, networks that would not fit in memory together.

    Every network of `config.models` stays in memory with its optimizer's
    slots until the run ends, beside the embedding's starting vectors
    (word2vec keeps about as many floats while it learns them), so their
    parameters are added up (`lstm_apps.models.size.check_model_size`).

    Args:
        config: the sentiment `Config`.
        vocabulary_size: the vocabulary's size, or before the texts are read
            its upper bound `config.vocabulary_size`.
        num_classes: the classes (2 before the labels are read).
        embedding_dim: the vectors' size; default `config.embedding_dim`.
            Before a vector file is read, pass 1: the file sets it.

    Returns:
        The estimated bytes.
    """
    dim = config.embedding_dim if embedding_dim is None else embedding_dim
    total = embedding_parameters(vocabulary_size, dim)  # the starting vectors
    for kind in config.models:
        if kind != "tfidf":
            total += text_classifier_parameters(
                kind, vocabulary_size, dim, config.units, num_classes, config.pooling
            )
    sizes = dict(units=config.units, embedding_dim=dim, vocabulary_size=vocabulary_size)
    if config.embeddings_path is not None:  # the vector file sets embedding_dim
        del sizes["embedding_dim"]
    return check_model_size(total, what=sizes)


def build_network(config, data, kind="bilstm"):
    """The network of `kind` on word ids, with the data's starting vectors when there are some.

    Args:
        config: the sentiment `Config` (its model fields).
        data: the `SentimentSplits` (vocabulary, classes, starting vectors).
        kind: one of `RECURRENT` or "bag_of_embeddings".
    """
    from lstm_apps.models.text import build_text_classifier

    embeddings = data.embeddings
    return build_text_classifier(
        kind,
        vocabulary_size=len(data.vocabulary),
        num_classes=len(data.class_names),
        embedding_dim=config.embedding_dim if embeddings is None else embeddings.shape[1],
        units=config.units,
        dropout=config.dropout,
        embedding_dropout=config.embedding_dropout,
        pooling=config.pooling,
        embeddings=embeddings,
        trainable_embeddings=not config.freeze_embeddings,
    )


def text_model(network, vectorizer, max_length, keep="start", strip_accents=False):
    """A model from raw strings: the vectorizer, the kept `max_length` words, then `network`."""
    from lstm_apps.models.text import KeepWords, build_vectorizer

    reader = build_vectorizer(vectorizer.vocabulary_size(), strip_accents=strip_accents)
    reader.set_vocabulary(vectorizer.get_vocabulary()[2:])
    inputs = keras.Input(shape=(1,), dtype="string", name="text")
    ids = KeepWords(max_length, keep, name="keep_words")(reader(inputs))
    return keras.Model(inputs, network(ids), name=f"{network.name}_on_text")


def word_id_dataset(ids, labels, batch_size, *, shuffle="never", seed=0, bucket_by_length=True):
    """A `tf.data.Dataset` of `(word ids, class codes)` batches, padded per batch.

    Args:
        ids: word ids, one array per text.
        labels: class codes.
        batch_size: texts per batch.
        shuffle: "never" (shortest first), "once" (one random order for every
            epoch) or "every-epoch" (a new order each epoch, drawn from one
            generator seeded with `seed`).
        seed: seed of the order.
        bucket_by_length: put texts of similar length in the same batch.
    """
    import tensorflow as tf

    labels = np.asarray(labels)
    lengths = id_lengths(ids)
    rng = np.random.default_rng(seed) if shuffle == "every-epoch" else None
    fixed = None
    if shuffle != "every-epoch":
        order = np.random.default_rng(seed) if shuffle == "once" else None
        fixed = batch_indices(lengths, batch_size, order, bucket_by_length)

    def generate():
        batches = (
            fixed
            if fixed is not None
            else batch_indices(lengths, batch_size, rng, bucket_by_length)
        )
        for batch in batches:
            yield pad_ids(ids, batch), labels[batch]

    signature = (tf.TensorSpec((None, None), tf.int32), tf.TensorSpec((None,), tf.int64))
    dataset = tf.data.Dataset.from_generator(generate, output_signature=signature)
    batches = -(-len(ids) // batch_size)
    return dataset.apply(tf.data.experimental.assert_cardinality(batches)).prefetch(2)


def fit_network(config, data, kind, callbacks=(), class_weight=None):
    """Train one network on the training word ids.

    The settings come from `config.training`: the optimizer from
    `training.make_optimizer`, backup, time budget and progress plot from
    `training.option_callbacks`, early stopping included: by default it
    watches the validation *accuracy* (`training.validation_metric`, the
    measure that also picks the kept model) and restores the best weights.

    Args:
        config: the sentiment `Config`.
        data: the `SentimentSplits`.
        kind: the network to build (see `build_network`).
        callbacks: extra Keras callbacks.
        class_weight: optional `{class code: weight}` for the loss (Keras's
            `class_weight`, e.g. `lstm_apps.comparison.balanced_class_weight`).

    Returns:
        `(network, history, seconds)`.
    """
    options = config.training.options()
    if options.checkpoint_dir is not None:  # one backup folder per network
        options = options.replace(checkpoint_dir=str(Path(options.checkpoint_dir) / kind))
    binary = len(data.class_names) == 2
    network = build_network(config, data, kind)
    # texts are padded per batch to the longest in it, so the longest text bounds a batch
    longest = int(id_lengths(data.x_train).max())
    check_activation_memory(network, options.mini_batch_size, longest, length_field="max_length")
    steps = math.ceil(len(data.x_train) / options.mini_batch_size)
    network.compile(
        optimizer=training.make_optimizer(options, steps),
        loss="binary_crossentropy" if binary else "sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    start = time.perf_counter()
    history = training.fit_dataset(
        network,
        word_id_dataset(
            data.x_train,
            data.y_train,
            options.mini_batch_size,
            shuffle=options.shuffle,
            seed=options.seed,
            bucket_by_length=options.bucket_by_length,
        ),
        options,
        validation=(
            None
            if data.x_val is None
            else word_id_dataset(data.x_val, data.y_val, VALIDATION_BATCH)
        ),
        callbacks=callbacks,
        class_weight=class_weight,
    )
    return network, history.history, time.perf_counter() - start


def network_probabilities(network, ids, batch_size=256) -> np.ndarray:
    """Class probabilities `(N, K)` from a network on word ids, in the texts' order."""
    return predict_by_length(
        id_lengths(ids), batch_size, lambda batch: network(pad_ids(ids, batch), training=False)
    )


def text_probabilities(model, texts, batch_size=256) -> np.ndarray:
    """Class probabilities `(N, K)` from a saved text model on raw strings.

    Texts are batched by length (then put back in order), so that a batch of
    short texts is not padded to the length of a long one.
    """
    texts = list(texts)
    if not texts:
        raise ValueError("No texts to predict.")
    column = np.asarray(texts, dtype=object).reshape(-1, 1)
    lengths = np.array([len(t) for t in texts])
    return predict_by_length(lengths, batch_size, lambda batch: model(column[batch]))


def most_probable_labels(model, texts, class_names) -> list[tuple[str, float]]:
    """`(label, probability)` of the most probable class of each raw text."""
    if not class_names:
        raise ValueError("The run folder has no class names (config.json); it is incomplete.")
    probabilities = text_probabilities(model, texts)
    best = np.argmax(probabilities, axis=1)
    return [(class_names[k], float(probabilities[i, k])) for i, k in enumerate(best)]
