"""Mask-aware convolution and pooling over time.

* `ConvBlock1D`: a length-preserving 1-D convolution plus optional pooling
  that keeps the padding mask in step with the downsampled sequence.
* `MaskedGlobalMaxPooling1D`: the maximum over the real (unmasked) steps.
"""

from __future__ import annotations

import keras
from keras import ops

from lstm_apps.checks import check_choice
from lstm_apps.models.layers.base import PACKAGE


@keras.saving.register_keras_serializable(package=PACKAGE)
class ConvBlock1D(keras.layers.Layer):
    """Conv1D ("same" padding, ReLU) then optional pooling, mask-aware.

    Padded steps are zeroed before the convolution (so a real step next to
    padding sees zeros, as at the end of an unpadded sequence) and after it
    (so max pooling never picks them), and the outgoing mask marks a pooled
    step as real when any step of its window was real.

    Args:
        filters: number of convolution filters.
        kernel_size: convolution width in time steps, default 3.
        pooling: "max" (default), "average" or "none".
        pool_size: pooling window and stride, default 2.
        kernel_regularizer: optional regularizer for the convolution kernel.

    Input shape: `(batch, timesteps, features)`. Output shape:
    `(batch, ceil(timesteps / pool_size), filters)` with pooling.
    """

    POOLINGS = ("max", "average", "none")

    def __init__(
        self, filters, kernel_size=3, pooling="max", pool_size=2, kernel_regularizer=None, **kwargs
    ):
        super().__init__(**kwargs)
        check_choice("pooling", pooling, self.POOLINGS)
        self.filters = int(filters)
        self.kernel_size = int(kernel_size)
        self.pooling = pooling
        self.pool_size = int(pool_size)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.supports_masking = True

    def build(self, input_shape):
        self.kernel = self.add_weight(
            name="kernel",
            shape=(self.kernel_size, input_shape[-1], self.filters),
            initializer="glorot_uniform",
            regularizer=self.kernel_regularizer,
        )
        self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer="zeros")

    def _pool(self, x, kind):
        pool = ops.max_pool if kind == "max" else ops.average_pool
        return pool(x, self.pool_size, strides=self.pool_size, padding="same")

    def call(self, inputs, mask=None):
        if mask is not None:  # padded steps read as zeros, as past the sequence's end
            keep = ops.cast(ops.expand_dims(mask, -1), inputs.dtype)
            inputs = inputs * keep
        outputs = ops.relu(ops.conv(inputs, self.kernel, padding="same") + self.bias)
        if mask is not None:
            outputs = outputs * keep
        if self.pooling != "none":
            outputs = self._pool(outputs, self.pooling)
        return outputs

    def compute_mask(self, inputs, mask=None):
        if mask is None or self.pooling == "none":
            return mask
        pooled = self._pool(ops.expand_dims(ops.cast(mask, "float32"), -1), "max")
        return ops.squeeze(pooled, -1) > 0.5

    def compute_output_shape(self, input_shape):
        steps = input_shape[1]
        if self.pooling != "none" and steps is not None:
            steps = -(-steps // self.pool_size)
        return (input_shape[0], steps, self.filters)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "pooling": self.pooling,
            "pool_size": self.pool_size,
            "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
        }


@keras.saving.register_keras_serializable(package=PACKAGE)
class MaskedGlobalMaxPooling1D(keras.layers.Layer):
    """Maximum over the real (unmasked) time steps of each sequence.

    Input shape: `(batch, timesteps, features)`. Output: `(batch, features)`.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is not None:
            lowest = ops.cast(ops.convert_to_tensor(-3.0e38), inputs.dtype)
            inputs = ops.where(ops.expand_dims(mask, -1), inputs, lowest)
        return ops.max(inputs, axis=1)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])
