"""`SequenceNormalization`: MATLAB-style input normalization inside the model.

The methods are "zscore", "zerocenter", "rescale-zero-one",
"rescale-symmetric" and "none"; the statistics come from training data with
padding excluded and are stored as weights of the model.
"""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import ops

from lstm_apps.checks import check_choice
from lstm_apps.data.sequences import NORMALIZATIONS, feature_statistics
from lstm_apps.models.layers.base import PACKAGE


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

    A training step through a layer that has not learned its statistics
    raises a ValueError instead of silently training on raw inputs.

    Input shape: `(batch, timesteps, features)`. Output shape: the same.
    """

    def __init__(self, method="zscore", **kwargs):
        super().__init__(**kwargs)
        self.method = check_choice("normalization", method, NORMALIZATIONS)
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

    def _learned(self) -> bool:
        if self.method == "none":
            return True
        with tf.init_scope():  # read the flag eagerly, also while a training step is traced
            return bool(float(ops.convert_to_numpy(self.adapted)))

    def call(self, inputs, mask=None, training=None):
        if training and not self._learned():
            raise ValueError(
                f"The {self.method!r} normalization layer {self.name!r} has not learned its "
                "statistics, so training would read un-normalized inputs. Build the model "
                "with `build_model(..., adapt=x_train)`, call `layer.adapt(x_train)`, train "
                "with `lstm_apps.train` (which adapts it first), or choose "
                "normalization='none'. Received: an un-adapted layer in a training step"
            )
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
