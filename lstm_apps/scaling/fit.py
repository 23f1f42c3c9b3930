"""`fit_shards`: train a sequence model on a shard folder streamed through `tf.data`, so that
no process ever holds the dataset (out-of-core training), on one process or several workers.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from lstm_apps.models.layers.normalization import SequenceNormalization
from lstm_apps.scaling.shard_reader import read_manifest, shard_dataset
from lstm_apps.training.batches import UNLABELLED
from lstm_apps.training.distribution import is_multi_worker, model_scope
from lstm_apps.training.fit import apply_l2_penalty, fit_dataset
from lstm_apps.training.options import (
    TrainingConfig,
    TrainingOptions,
    head_activation,
    loss_and_metrics,
    make_optimizer,
)


def set_normalization(model, manifest) -> bool:
    """Set every not-yet-adapted `SequenceNormalization` layer of `model` from the feature
    statistics of a shard manifest (no pass over the data).

    Returns:
        True if some layer was set.

    Raises:
        ValueError: for a layer whose method needs the minimum and maximum
            ("rescale-*"), which a manifest does not hold.
    """
    mean = np.asarray(manifest["feature_mean"], "float64")
    std = np.sqrt(np.asarray(manifest["feature_variance"], "float64"))
    changed = False
    for layer in model.layers:
        if not isinstance(layer, SequenceNormalization) or layer.is_adapted:
            continue
        if layer.method not in ("zscore", "zerocenter"):
            raise ValueError(
                f"A shard manifest holds each feature's mean and variance, enough for "
                f"'zscore' and 'zerocenter' normalization; layer {layer.name!r} uses "
                f"{layer.method!r}. Received: normalization={layer.method!r}"
            )
        scale = np.where(std > 1e-12, std, 1.0) if layer.method == "zscore" else np.ones_like(std)
        if not layer.built:
            layer.build((None, None, mean.shape[0]))
        layer.offset.assign(mean.astype("float32"))
        layer.scale.assign(scale.astype("float32"))
        layer.adapted.assign(1.0)
        changed = True
    return changed


def _step_weights(x, y, one_unit=False):
    """`(x, y, weights)`: unlabelled steps (-1) get class 0 and weight 0; with `one_unit`
    (a sigmoid head), `y` gets the trailing axis of the model's output."""
    import tensorflow as tf

    weights = tf.cast(y != UNLABELLED, tf.float32)
    y = tf.maximum(y, 0)
    return x, (y[..., None] if one_unit else y), weights


def fit_shards(
    model,
    train_dir,
    options: TrainingConfig | None = None,
    *,
    validation_dir=None,
    callbacks=(),
    shuffle_buffer=10_000,
    steps_per_epoch=None,
):
    """Compile and fit `model` on the sequences of a shard folder, streamed from disk.

    The input-normalization statistics come from the folder's manifest. Each
    epoch reads the files interleaved, shuffles sequences in a buffer of
    `shuffle_buffer` (seeded by `options.seed`, a new order every epoch) and
    pads mini-batches of sequences of similar length (`options.bucket_by_length`).
    Under a multi-worker distribution each worker reads only its share of the
    files (a per-worker batch of `mini_batch_size / workers`), and the data
    repeats so that all workers run the same number of steps.

    Args:
        model: a model from `build_model`, built in `distribution_scope` when
            `options.distribution` is not "none".
        train_dir: a shard folder (`write_shards`, `lstm-apps shard`).
        options: `TrainingConfig` or `TrainingOptions` (defaults if None);
            `mini_batch_size` is the global batch. `validation_data` is not
            read here: give `validation_dir`.
        validation_dir: an optional shard folder for validation.
        callbacks: extra Keras callbacks.
        shuffle_buffer: sequences in the shuffle buffer (default 10,000; 0
            reads in the written order).
        steps_per_epoch: mini-batches per epoch; default: the manifest's
            sequence count over `mini_batch_size`, rounded up (down with
            several workers, whose data repeats).

    Returns:
        The `keras.callbacks.History` of the fit.

    Raises:
        ValueError: for a bad folder, or a feature count that does not match
            the model.

    Example:
        >>> write_shards("shards/train", x_train, y_train)
        >>> history = fit_shards(model, "shards/train", TrainingOptions(max_epochs=5))
    """
    options = options or TrainingOptions()
    if not isinstance(options, TrainingOptions):
        options = options.options()
    manifest = read_manifest(train_dir)
    expected = model.input_shape[-1]
    if manifest["num_features"] != expected:
        raise ValueError(
            f"{train_dir} holds sequences of {manifest['num_features']} features; the model "
            f"reads {expected}. Received: num_features={manifest['num_features']}"
        )
    set_normalization(model, manifest)
    apply_l2_penalty(model, options.l2_regularization)
    strategy = getattr(model, "_distribute_strategy", None)
    several = strategy is not None and is_multi_worker(strategy)
    replicas = strategy.num_replicas_in_sync if several else 1
    if options.mini_batch_size % replicas:
        raise ValueError(
            f"Streamed from shards, each of the {replicas} replicas reads its own files in "
            f"batches of mini_batch_size / {replicas}, so mini_batch_size must be a multiple of "
            f"{replicas}. Received: mini_batch_size={options.mini_batch_size}"
        )
    batches = manifest["num_sequences"] / options.mini_batch_size
    steps = steps_per_epoch or max(1, math.floor(batches) if several else math.ceil(batches))
    label = manifest["label"]
    # per-step class labels padded with -1: those steps weigh nothing, as in `lstm_apps.train`
    weighted = label["kind"] == "class" and label["per_step"]
    sigmoid = head_activation(model) == "sigmoid"

    def add_weights(x, y):
        return _step_weights(x, y, one_unit=sigmoid)

    loss, metrics = loss_and_metrics(model, options.loss)
    metrics = {("weighted_metrics" if weighted else "metrics"): metrics}
    with model_scope(model):
        model.compile(optimizer=make_optimizer(options, steps), loss=loss, **metrics)
    reading = dict(
        bucket_by_length=options.bucket_by_length, padding_value=options.sequence_padding_value
    )
    seed = options.seed or 0

    def training_data(context=None):
        dataset = shard_dataset(
            train_dir,
            options.mini_batch_size,
            shuffle_buffer=shuffle_buffer,
            seed=seed,
            input_context=context,
            repeat=True,
            **reading,
        )
        return dataset.map(add_weights) if weighted else dataset

    def validation_data(context=None):
        dataset = shard_dataset(validation_dir, options.mini_batch_size, input_context=context)
        return dataset.map(add_weights) if weighted else dataset

    train, validation = training_data(), None
    if several:
        train = strategy.distribute_datasets_from_function(training_data)
    if validation_dir is not None:
        validation = validation_data()
    with warnings.catch_warnings():
        # Keras warns when a validation pass of unknown length reaches its end
        warnings.filterwarnings("ignore", message="Your input ran out of data")
        return fit_dataset(
            model,
            train,
            options,
            validation=validation,
            callbacks=callbacks,
            steps_per_epoch=steps,
        )
