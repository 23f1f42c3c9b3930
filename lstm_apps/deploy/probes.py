"""Check inputs for an exported or streamed model: `probe_inputs`."""

from __future__ import annotations

import keras
import numpy as np


def probe_inputs(model, *, count=16, timesteps=24, seed=0):
    """Check sequences for `model`: right-padded, of random lengths.

    Float inputs are drawn from the mean and spread stored in the model's
    `SequenceNormalization` layer when it reads the inputs' features
    (standard normal otherwise, e.g. a waveform model whose normalization
    follows a feature layer); integer
    inputs are codes `1..input_dim-1` of the model's `Embedding`.
    """
    rng = np.random.default_rng(seed)
    shape = model.inputs[0].shape
    lengths = rng.integers(max(1, timesteps // 2), timesteps + 1, size=count)
    lengths[0] = timesteps
    if len(shape) == 2:
        embedding = next(
            (layer for layer in model.layers if isinstance(layer, keras.layers.Embedding)), None
        )
        high = embedding.input_dim if embedding is not None else 2
        x = rng.integers(1, max(2, high), size=(count, timesteps)).astype("int32")
        padding = 0
    else:
        features = shape[-1]
        offset, scale = np.zeros(features), np.ones(features)
        for layer in model.layers:
            if hasattr(layer, "offset") and hasattr(layer, "scale"):
                if tuple(layer.offset.shape) == (features,):
                    offset, scale = np.asarray(layer.offset), np.asarray(layer.scale)
        x = (offset + scale * rng.standard_normal((count, timesteps, features))).astype("float32")
        padding = padding_value(model)
    for row, length in zip(x, lengths):
        row[length:] = padding
    return x


def padding_value(model):
    """The `mask_value` of the model's `Masking` layer (0.0 without one)."""
    for layer in model.layers:
        if isinstance(layer, keras.layers.Masking):
            return layer.mask_value
    return 0.0
