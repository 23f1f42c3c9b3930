"""The networks of the `sequences` study: input length, build, fit, outputs.

A recurrent layer learns slowly over hundreds of steps (GunPoint's 150
steps left a plain LSTM near chance), so each network reads sequences
shortened to at most `max_steps` recurrent steps: a "cnn_lstm" network's
pooling halves the length once per convolution block, and what remains is
done by averaging every `k` steps (`downsample`, "auto" picks `k` from the
median training length).
"""

from __future__ import annotations

import logging
import math
import time

import keras
import numpy as np

from lstm_apps import models, training

log = logging.getLogger(__name__)


def downsample(sequences, factor: int) -> list:
    """Each sequence averaged over windows of `factor` steps (a shorter last window
    is averaged too); `factor=1` returns the sequences unchanged."""
    if factor == 1:
        return list(sequences)
    out = []
    for s in sequences:
        whole = len(s) // factor * factor
        parts = [s[:whole].reshape(-1, factor, s.shape[1]).mean(1)] if whole else []
        if whole < len(s):
            parts.append(s[whole:].mean(0, keepdims=True))
        out.append(np.concatenate(parts).astype("float32"))
    return out


def pooling_stride(config, architecture: str, output: str) -> int:
    """How much a network's own pooling shortens the sequences (1 without pooling)."""
    if architecture == "cnn_lstm" and output == "label":
        return 2 ** len(config.filters)
    return 1


def choose_factor(config, architecture: str, lengths, output: str) -> int:
    """The downsampling factor of `architecture`: `config.downsample`, or with "auto" the
    smallest that brings the median length within `max_steps` recurrent steps."""
    if output == "sequence":
        return 1
    if config.downsample != "auto":
        return int(config.downsample)
    stride = pooling_stride(config, architecture, output)
    return max(1, math.ceil(float(np.median(lengths)) / (stride * config.max_steps)))


def padding_value(sequences, value: float = 0.0) -> float:
    """`value` unless a step of `sequences` has every feature equal to it (it would be
    masked as padding); then a value below every feature value."""
    if not any(np.any(np.all(s == value, axis=-1)) for s in sequences):
        return float(value)
    return float(np.floor(min(float(s.min()) for s in sequences))) - 1.0


def build_network(config, data, architecture: str, padding=None):
    """An uncompiled network of `architecture` for `data` (a `SequenceSplits`); `padding`
    is the value of padded steps (default `config.training.sequence_padding_value`)."""
    options = dict(
        padding_value=config.training.sequence_padding_value if padding is None else padding,
        num_features=data.num_features,
        num_outputs=len(data.class_names) if data.task == "classification" else num_targets(data),
        task=data.task,
        output_mode="last" if data.output == "label" else "sequence",
        units=config.units,
        dropout=config.dropout,
        recurrent_dropout=config.recurrent_dropout or None,
        normalization=config.normalization,
        input_noise=config.input_noise,
    )
    if architecture == "cnn_lstm":
        pooled = data.output == "label"
        options.update(
            filters=tuple(config.filters),
            kernel_size=config.kernel_size,
            pooling="max" if pooled else "none",
            global_max_pooling=pooled,
        )
    return models.build_model(architecture, **options)


def num_targets(data) -> int:
    first = data.y_train[0]
    return (
        int(np.asarray(first).reshape(len(first), -1).shape[1])
        if data.output == "sequence"
        else (int(np.asarray(data.y_train).reshape(len(data.y_train), -1).shape[1]))
    )


def target_scale(data) -> tuple[float, float]:
    """Mean and std of the training targets (regression), to learn standardized targets."""
    flat = (
        np.concatenate([np.ravel(y) for y in data.y_train])
        if data.output == "sequence"
        else (np.ravel(data.y_train))
    )
    std = float(flat.std())
    return float(flat.mean()), std if std > 0 else 1.0


def _scaled(y, scale):
    if scale is None:  # classes: per-step labels of a sigmoid head need a last axis of 1
        return [np.asarray(v).reshape(len(v), -1) for v in y] if isinstance(y, list) else y
    mean, std = scale
    if isinstance(y, list):
        return [(np.asarray(v, "float32") - mean) / std for v in y]
    return (np.asarray(y, "float32") - mean) / std


def fit_network(config, data, architecture, options, x, y, *, validation, callbacks, weights):
    """Build and fit one network; returns `(model, history dict, seconds)`.

    A regression network learns standardized targets and is returned with a
    last layer that maps them back (`models.compose.with_target_scale`), so
    it predicts in the data's units.
    """
    keras.utils.set_random_seed(options.seed or 0)
    scale = target_scale(data) if data.task == "regression" else None
    model = build_network(config, data, architecture, options.sequence_padding_value)
    if validation is not None:
        validation = (validation[0], _scaled(validation[1], scale))
    start = time.perf_counter()
    history = training.train(
        model,
        x,
        _scaled(y, scale),
        options.options(validation_data=validation),
        callbacks=callbacks,
        class_weight=weights,
    )
    seconds = time.perf_counter() - start
    if scale is not None:
        from lstm_apps.models.compose import with_target_scale

        model = with_target_scale(model, *scale)
    return model, dict(history.history), seconds


def outputs(model, x, task: str, padding: float = 0.0):
    """Test-ready outputs: class probabilities `(N, K)` (two columns for a sigmoid head)
    or values `(N,)`/`(N, k)`; per-step outputs are stacked over all steps. `padding` is
    the model's padding value."""
    raw = training.predict(model, x, padding_value=padding)
    stacked = np.concatenate(raw) if isinstance(raw, list) else np.asarray(raw)
    if task == "classification":
        if stacked.shape[-1] == 1:
            stacked = np.concatenate([1.0 - stacked, stacked], axis=-1)
        return stacked.astype("float64")
    stacked = stacked.astype("float64")
    return stacked[..., 0] if stacked.shape[-1] == 1 else stacked


def stacked_targets(y, output: str) -> np.ndarray:
    """Targets one per item: per sequence, or every step of every sequence in a row."""
    return np.concatenate([np.asarray(v) for v in y]) if output == "sequence" else np.asarray(y)


def best_epoch(history: dict) -> int:
    """The epoch (1-based) with the lowest validation loss (the weights early stopping keeps)."""
    watched = history.get("val_loss") or history.get("loss") or [0.0]
    return int(np.nanargmin(np.asarray(watched, "float64"))) + 1


def factor_of(config) -> int:
    """The downsampling factor a trained run's network reads (1 before training)."""
    return 1 if config.downsample == "auto" else int(config.downsample)


def padding_of(config) -> float:
    """The padding value of a trained run's network."""
    return float(config.training.sequence_padding_value)


def kind_of(run) -> tuple[str, str]:
    """`(task, output)` of a run, from its data or (a loaded run) its model."""
    if run.data is not None:
        return run.data.task, run.data.output
    from lstm_apps.training.options import head_activation, is_sequence_output

    task = "regression" if head_activation(run.model) == "linear" else "classification"
    return task, "sequence" if is_sequence_output(run.model) else "label"


def run_outputs(run, sequences):
    """`outputs` of a run's network on raw `sequences` (downsampled as it reads them)."""
    x = downsample(sequences, factor_of(run.config))
    return outputs(run.model, x, kind_of(run)[0], padding_of(run.config))
