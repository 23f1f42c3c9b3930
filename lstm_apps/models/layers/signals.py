"""`GravitySplit`: splits acceleration channels into gravity (the sequence's
mean) and body motion."""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from lstm_apps.models.layers.base import PACKAGE


@keras.saving.register_keras_serializable(package=PACKAGE)
class GravitySplit(keras.layers.Layer):
    """Split measured acceleration into gravity and body motion, per sequence.

    A phone's accelerometer measures gravity plus the body's own motion. The
    layer estimates gravity as the mean of the acceleration `channels` over
    each sequence's real (unmasked) steps, which is close to a low-pass
    filter for windows of a few seconds, and outputs, at every step:
    the body acceleration (measured minus gravity), the gravity estimate,
    then the other channels unchanged. A `(batch, T, F)` input becomes
    `(batch, T, F + len(channels))`. The orientation of the phone (lying,
    sitting or standing) is in the gravity channels; the movement (walking,
    climbing stairs) in the body channels.

    Args:
        channels: indices of the acceleration channels, default `(0, 1, 2)`.
    """

    def __init__(self, channels=(0, 1, 2), **kwargs):
        super().__init__(**kwargs)
        channels = tuple(channels)
        if (
            not channels
            or not all(isinstance(c, (int, np.integer)) and c >= 0 for c in channels)
            or len(set(channels)) != len(channels)
        ):
            raise ValueError(
                "`channels` must be distinct non-negative channel indices. "
                f"Received: channels={channels!r}"
            )
        self.channels = tuple(int(c) for c in channels)
        self.supports_masking = True

    def build(self, input_shape):
        num_features = input_shape[-1]
        if num_features is None:
            raise ValueError(
                "GravitySplit needs a known number of channels to pass the others on. "
                f"Received: input shape {tuple(input_shape)}"
            )
        if max(self.channels) >= num_features:
            raise ValueError(
                f"GravitySplit reads acceleration channels {self.channels}, but the input "
                f"has {num_features} channels. Received: input shape {tuple(input_shape)}"
            )
        self.others = tuple(i for i in range(num_features) if i not in self.channels)

    def call(self, inputs, mask=None):
        acceleration = ops.take(inputs, self.channels, axis=-1)
        if mask is None:
            gravity = ops.mean(acceleration, axis=1, keepdims=True)
        else:
            weight = ops.cast(ops.expand_dims(mask, -1), inputs.dtype)
            count = ops.maximum(ops.sum(weight, axis=1, keepdims=True), 1.0)
            gravity = ops.sum(acceleration * weight, axis=1, keepdims=True) / count
        parts = [acceleration - gravity, ops.broadcast_to(gravity, ops.shape(acceleration))]
        if self.others:
            parts.append(ops.take(inputs, self.others, axis=-1))
        outputs = ops.concatenate(parts, axis=-1)
        if mask is not None:
            outputs = outputs * ops.cast(ops.expand_dims(mask, -1), outputs.dtype)
        return outputs

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + len(self.channels))

    def get_config(self):
        return {**super().get_config(), "channels": list(self.channels)}
