"""Custom layers used by the builders, registered for `.keras` serialization.

* `SequenceNormalization`: MATLAB-style input normalization of sequences
  ("zscore", "zerocenter", "rescale-zero-one", "rescale-symmetric", "none"),
  whose statistics come from training data with padding excluded and are
  stored inside the model.
* `ProjectedLSTMCell` / `ProjectedLSTM`: an LSTM whose input and recurrent
  weight matrices are factorized through low-rank projectors, like MATLAB's
  `lstmProjectedLayer`.
* `ConvBlock1D`: a length-preserving 1-D convolution plus optional pooling
  that keeps the padding mask in step with the downsampled sequence.
* `RepeatSteps`: brings a downsampled sequence back to its input's rate by
  holding each step.
* `FrameMask`: the mask of the real (not all-zero padding) frames of a batch of clips.
* `FrameWise`: an image model applied to every frame of a clip.
* `AddToSteps`: adds a per-sequence vector (an image's) to every step of a sequence.
* `LastStep`: the last step of a batch of fixed-length sequences.
* `GravitySplit`: splits acceleration channels into gravity (the sequence's
  mean) and body motion.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from lstm_apps.data.sequences import NORMALIZATIONS, feature_statistics

PACKAGE = "lstm_apps"


@keras.saving.register_keras_serializable(package=PACKAGE)
class SequenceNormalization(keras.layers.Layer):
    """Normalize each feature with statistics learned from training sequences.

    The layer computes `(x - offset) / scale` per feature. `adapt()` learns
    `offset` and `scale` from a list of unpadded training sequences, so that
    padding never enters the statistics. Masked (padded) steps come out as
    zeros and the mask is passed on unchanged.

    Args:
        method: one of "zscore" (default), "zerocenter", "rescale-zero-one",
            "rescale-symmetric" or "none".
        **kwargs: base `keras.layers.Layer` arguments (`name`, ...).

    Input shape: `(batch, timesteps, features)`. Output shape: the same.
    """

    def __init__(self, method="zscore", **kwargs):
        super().__init__(**kwargs)
        if method not in NORMALIZATIONS:
            raise ValueError(
                f"`normalization` must be one of {NORMALIZATIONS}. "
                f"Received: normalization={method!r}"
            )
        self.method = method
        self.supports_masking = True

    def build(self, input_shape):
        num_features = input_shape[-1]
        self.offset = self.add_weight(
            name="offset", shape=(num_features,), initializer="zeros", trainable=False
        )
        self.scale = self.add_weight(
            name="scale", shape=(num_features,), initializer="ones", trainable=False
        )
        self.adapted = self.add_weight(
            name="adapted", shape=(), initializer="zeros", trainable=False
        )

    @property
    def is_adapted(self) -> bool:
        """Whether the statistics have been learned (always true for "none")."""
        return self.method == "none" or bool(float(ops.convert_to_numpy(self.adapted)))

    def adapt(self, sequences):
        """Learn the statistics from training sequences.

        Args:
            sequences: a list of `(timesteps, features)` arrays without padding,
                or one `(timesteps, features)` array of stacked real steps.

        Returns:
            The layer itself.
        """
        offset, scale = feature_statistics(sequences, self.method)
        if not self.built:
            self.build((None, None, offset.shape[0]))
        if offset.shape != tuple(self.offset.shape):
            raise ValueError(
                f"adapt() received sequences with {offset.shape[0]} features, but "
                f"the layer expects {self.offset.shape[0]}."
            )
        self.offset.assign(offset)
        self.scale.assign(scale)
        self.adapted.assign(1.0)
        return self

    def call(self, inputs, mask=None):
        outputs = (inputs - ops.cast(self.offset, inputs.dtype)) / ops.cast(
            self.scale, inputs.dtype
        )
        if mask is not None:
            outputs = outputs * ops.cast(ops.expand_dims(mask, -1), outputs.dtype)
        return outputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "method": self.method}


@keras.saving.register_keras_serializable(package=PACKAGE)
class ProjectedLSTMCell(keras.layers.Layer):
    """LSTM cell with projected (low-rank) input and recurrent weights.

    MATLAB's `lstmProjectedLayer` stores the input weights as
    `W_x = P_in @ W` and the recurrent weights as `R = Q @ R_hat`, where
    `P_in` is `(features, input_projector_size)` and `Q` is
    `(units, output_projector_size)`. The gates are the usual LSTM gates (in
    Keras's order i, f, c, o), so the state size stays `units`. Learnable
    parameters: `F*Pi + 4H*Pi + H*Po + 4H*Po + 4H`.

    Args:
        units: hidden size `H`.
        output_projector_size: rank `Po` of the recurrent weights.
        input_projector_size: rank `Pi` of the input weights.
        kernel_regularizer: optional regularizer for every weight matrix.
    """

    def __init__(
        self,
        units,
        output_projector_size,
        input_projector_size,
        kernel_regularizer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        for arg, value in (
            ("units", units),
            ("output_projector_size", output_projector_size),
            ("input_projector_size", input_projector_size),
        ):
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"`{arg}` must be a positive integer. Received: {arg}={value!r}")
        self.units = int(units)
        self.output_projector_size = int(output_projector_size)
        self.input_projector_size = int(input_projector_size)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.state_size = [self.units, self.units]
        self.output_size = self.units

    def build(self, input_shape):
        num_features = input_shape[-1]
        h, pi, po = self.units, self.input_projector_size, self.output_projector_size

        def matrix(name, shape, init="glorot_uniform"):
            return self.add_weight(
                name=name, shape=shape, initializer=init, regularizer=self.kernel_regularizer
            )

        self.input_projector = matrix("input_projector", (num_features, pi))
        self.kernel = matrix("kernel", (pi, 4 * h))
        self.output_projector = matrix("output_projector", (h, po))
        self.recurrent_kernel = matrix("recurrent_kernel", (po, 4 * h), "orthogonal")
        # Unit forget-gate bias, as Keras's LSTM does by default.
        bias = np.zeros(4 * h, dtype="float32")
        bias[h : 2 * h] = 1.0
        self.bias = self.add_weight(
            name="bias", shape=(4 * h,), initializer=keras.initializers.Constant(bias)
        )

    def call(self, inputs, states, training=False):
        h_prev, c_prev = states
        z = ops.matmul(ops.matmul(inputs, self.input_projector), self.kernel)
        z = z + ops.matmul(ops.matmul(h_prev, self.output_projector), self.recurrent_kernel)
        z = z + self.bias
        z_i, z_f, z_c, z_o = ops.split(z, 4, axis=-1)
        c = ops.sigmoid(z_f) * c_prev + ops.sigmoid(z_i) * ops.tanh(z_c)
        h = ops.sigmoid(z_o) * ops.tanh(c)
        return h, [h, c]

    def get_initial_state(self, batch_size=None):
        return [ops.zeros((batch_size, self.units), dtype=self.compute_dtype) for _ in range(2)]

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "output_projector_size": self.output_projector_size,
            "input_projector_size": self.input_projector_size,
            "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
        }


@keras.saving.register_keras_serializable(package=PACKAGE)
class ProjectedLSTM(keras.layers.RNN):
    """Recurrent layer over a `ProjectedLSTMCell` (MATLAB's lstmProjectedLayer).

    It has no cuDNN kernel, so it runs the generic loop on every device.

    Args:
        units: hidden size.
        output_projector_size: rank of the recurrent weights.
        input_projector_size: rank of the input weights.
        kernel_regularizer: optional regularizer for the weight matrices.
        return_sequences, go_backwards, ...: as in `keras.layers.RNN`.
    """

    def __init__(
        self,
        units,
        output_projector_size,
        input_projector_size,
        kernel_regularizer=None,
        **kwargs,
    ):
        kwargs.pop("cell", None)
        cell = ProjectedLSTMCell(
            units,
            output_projector_size,
            input_projector_size,
            kernel_regularizer=kernel_regularizer,
            name="cell",
        )
        super().__init__(cell, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.pop("cell", None)
        cell_config = self.cell.get_config()
        for key in ("units", "output_projector_size", "input_projector_size", "kernel_regularizer"):
            config[key] = cell_config[key]
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)


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
        if pooling not in self.POOLINGS:
            raise ValueError(
                f"`pooling` must be one of {self.POOLINGS}. Received: pooling={pooling!r}"
            )
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


@keras.saving.register_keras_serializable(package=PACKAGE)
class LastStep(keras.layers.Layer):
    """The last step of each sequence: `(batch, T, F) -> (batch, F)`.

    For fixed-length windows: a left-padded batch also ends on a real step,
    but a right-padded one does not, so the mask is refused.
    """

    def call(self, inputs, mask=None):
        if mask is not None:
            raise ValueError("`LastStep` takes fixed-length sequences, not a padded batch.")
        return inputs[:, -1, :]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])


@keras.saving.register_keras_serializable(package=PACKAGE)
class RepeatSteps(keras.layers.Layer):
    """Hold each step of a slow sequence for `factor` steps, back at a reference's rate.

    Called on `[slow, reference]`: `slow` is `(batch, ceil(T / factor), F)`
    (for example the output of `AveragePooling1D(factor, padding="same")` on
    the reference) and `reference` is `(batch, T, ...)`. The output is
    `(batch, T, F)`: step `t` carries `slow[t // factor]`.
    """

    def __init__(self, factor, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(factor, int) or factor < 1:
            raise ValueError(f"`factor` must be a positive integer. Received: factor={factor!r}")
        self.factor = factor

    def call(self, inputs):
        slow, reference = inputs
        held = ops.repeat(slow, self.factor, axis=1)
        return held[:, : ops.shape(reference)[1]]

    def compute_output_shape(self, input_shape):
        slow, reference = input_shape
        return (slow[0], reference[1], slow[2])

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


@keras.saving.register_keras_serializable(package=PACKAGE)
class FrameMask(keras.layers.Layer):
    """The `(batch, frames)` mask of the real frames of a batch of padded clips.

    Input `(batch, frames, height, width, channels)`; a frame whose pixels
    all equal `mask_value` (default 0, the value `pad_clips` writes) is
    padding. Pass the output as `mask=` to the recurrent layer that reads
    the per-frame features.
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = float(mask_value)

    def call(self, inputs):
        real = ops.not_equal(inputs, ops.cast(self.mask_value, inputs.dtype))
        return ops.any(real, axis=tuple(range(2, len(inputs.shape))))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:2])

    def compute_output_spec(self, inputs):
        return keras.KerasTensor(inputs.shape[:2], dtype="bool")

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}


@keras.saving.register_keras_serializable(package=PACKAGE)
class FrameWise(keras.layers.Wrapper):
    """Apply an image layer or model to every frame of `(batch, frames, H, W, C)` clips.

    It folds the frames into the batch, runs the inner layer once, and
    unfolds the result to `(batch, frames, D)`. Unlike
    `keras.layers.TimeDistributed`, it has one code path whatever the
    number of frames: in Keras 3.15, TimeDistributed maps frames with
    `vectorized_map` when that number is unknown at trace time (as after
    `predict` relaxes shapes for clips of a new length), and we measured
    outputs that differ from the eager ones there.
    """

    def call(self, inputs, training=None):
        shape = ops.shape(inputs)
        flat = ops.reshape(inputs, (-1, *inputs.shape[2:]))
        out = self.layer(flat, training=training)
        return ops.reshape(out, (shape[0], shape[1], *out.shape[1:]))

    def build(self, input_shape):
        if not self.layer.built:
            self.layer.build((None, *input_shape[2:]))
        self.built = True

    def compute_output_shape(self, input_shape):
        inner = self.layer.compute_output_shape((None, *input_shape[2:]))
        return (input_shape[0], input_shape[1], *inner[1:])


@keras.saving.register_keras_serializable(package=PACKAGE)
class AddToSteps(keras.layers.Layer):
    """Add one vector per sequence to every step: `[(batch, T, D), (batch, D)] -> (batch, T, D)`.

    The sequence's padding mask passes through unchanged.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        steps, vector = inputs
        return steps + ops.expand_dims(vector, 1)

    def compute_mask(self, inputs, mask=None):
        return mask[0] if isinstance(mask, (list, tuple)) else mask

    def compute_output_shape(self, input_shape):
        return input_shape[0]


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
