"""Prediction on variable-length sequences through one compiled forward pass."""

from __future__ import annotations

import weakref

import numpy as np
import tensorflow as tf

from lstm_apps.data.sequences import unpad
from lstm_apps.training.batches import SequenceData
from lstm_apps.training.options import TrainingOptions

_FORWARD = weakref.WeakKeyDictionary()


def compiled_forward(model):
    """The model's inference pass as one `tf.function` for any batch size and length.

    Kept while the model lives; after a retrace its shapes are relaxed, so new
    batch sizes and lengths reuse one graph and predicting on long sequences
    never steps through time eagerly.
    """
    if model not in _FORWARD:
        owner = weakref.ref(model)  # the cache must not keep the model alive
        # shapes are relaxed after the first retrace, so new lengths reuse one graph
        _FORWARD[model] = tf.function(lambda x: owner()(x, training=False), reduce_retracing=True)
    return _FORWARD[model]


def predict(model, x, *, batch_size=128, padding="right", padding_value=0.0):
    """Predict for variable-length sequences, in the input order.

    Args:
        model: a sequence model.
        x: list of `(T_i, F)` arrays or a 3-D array.
        batch_size: sequences per forward pass, default 128.
        padding: "right" (default) or "left"; masking makes "last" outputs
            independent of it.
        padding_value: the model's padding value, default 0.0.

    Returns:
        For "last" models an array `(batch, outputs)`; for "sequence" models
        a list of `(T_i, outputs)` arrays (padding removed).
    """
    options = TrainingOptions(
        mini_batch_size=batch_size,
        sequence_padding_direction=padding,
        sequence_padding_value=padding_value,
        seed=None,
        verbose=0,
    )
    data = SequenceData(x, None, model, options)
    outputs = [None] * len(data.x)
    forward = compiled_forward(model)
    for index in data.batches(None):
        pred = forward(data.batch(index)).numpy()
        if data.sequence_output:
            pred = unpad(pred, data.lengths[index], padding)
        for i, p in zip(index, pred):
            outputs[i] = p
    return outputs if data.sequence_output else np.stack(outputs)
