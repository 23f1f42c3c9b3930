"""The per-sample activity network, its training chunks and its whole-recording forward pass."""

from __future__ import annotations

import keras
import numpy as np

from lstm_apps import training
from lstm_apps.checks import check_noise
from lstm_apps.models.layers import RepeatSteps, SequenceNormalization
from lstm_apps.models.recurrent import check_network_args, recurrent_stack


def build_network(
    *,
    cell="lstm",
    units=64,
    bidirectional=False,
    dropout=0.0,
    downsample=5,
    num_classes=12,
    num_features=6,
    input_noise=0.0,
):
    """Per-sample classifier: normalize, average `downsample` samples, recur, hold, classify.

    Args:
        cell: "simple_rnn", "lstm" (default) or "gru".
        units: recurrent width or a tuple for a stack, default 64.
        bidirectional: read each chunk both ways, default False.
        dropout: dropout after each recurrent layer, default 0.
        downsample: samples per network step, default 5; 1 runs at the input rate.
        num_classes: classes per sample, default 12.
        num_features: channels per sample, default 6.
        input_noise: std of Gaussian noise added to the normalized inputs
            while training, default 0 (none).

    Returns:
        A `keras.Model` mapping `(batch, T, 6)` signals to `(batch, T,
        num_classes)` probabilities. With `downsample > 1` the output at
        sample t has read the samples up to the end of t's block (at most
        `downsample - 1` samples ahead).
    """
    widths = check_network_args(num_features, num_classes, "classification", "sequence", units)
    inputs = keras.Input(shape=(None, num_features), name="input")
    x = SequenceNormalization("zscore", name="normalization")(inputs)
    if check_noise("input_noise", input_noise):
        x = keras.layers.GaussianNoise(input_noise, name="input_noise")(x)
    if downsample > 1:
        x = keras.layers.AveragePooling1D(downsample, padding="same", name="downsample")(x)
    x = recurrent_stack(x, cell, widths, "sequence", bidirectional=bidirectional, dropout=dropout)
    if downsample > 1:
        x = RepeatSteps(downsample, name="hold")([x, inputs])
    # softmax even for two classes, so that every sample gets a probability per class
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="head")(x)
    name = f"{'bi' if bidirectional else ''}{cell}_activity"
    return keras.Model(inputs, outputs, name=name)


def chunks(signals, labels, length, step):
    """Overlapping chunks of `length` samples that hold at least one labelled sample.

    Args:
        signals: list of `(T_i, channels)` recordings.
        labels: list of `(T_i,)` class codes, -1 where unlabelled.
        length: samples per chunk.
        step: samples between the starts of two chunks; the tail of every
            recording longer than `length` gets a chunk of its own.

    Returns:
        `(x_chunks, y_chunks)`, two lists of arrays of `length` samples.
    """
    xs, ys = [], []
    for x, y in zip(signals, labels):
        starts = list(range(0, max(len(x) - length, 0) + 1, step))
        if len(x) > length and starts[-1] != len(x) - length:
            starts.append(len(x) - length)  # the tail of the recording too
        for a in starts:
            if np.any(y[a : a + length] >= 0):
                xs.append(x[a : a + length])
                ys.append(y[a : a + length])
    return xs, ys


def predict_steps(model, recordings) -> list[np.ndarray]:
    """Class probabilities `(T_i, classes)` for every sample of whole recordings, one pass each.

    The forward pass is one compiled graph for any length, so a recording of
    thousands of steps is not run step by step in Python.

    Raises:
        ValueError: if a recording is not `(T, channels)` with the model's channels.
    """
    num_features = model.input_shape[-1]
    forward = training.compiled_forward(model)
    out = []
    for i, x in enumerate(recordings):
        x = np.asarray(x, "float32")
        if x.ndim != 2 or x.shape[1] != num_features:
            raise ValueError(
                f"Each recording must be (T, {num_features}). Received: recording {i} "
                f"with shape {x.shape}"
            )
        out.append(forward(x[None]).numpy()[0])
    return out
