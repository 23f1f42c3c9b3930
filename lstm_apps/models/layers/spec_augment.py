"""`SpecAugment`: random bands and spans of feature frames masked while training."""

from __future__ import annotations

import keras
import tensorflow as tf

from lstm_apps.checks import check_int
from lstm_apps.models.layers.base import PACKAGE


@keras.saving.register_keras_serializable(package=PACKAGE)
class SpecAugment(keras.layers.Layer):
    """Mask random feature bands and runs of frames, in training only.

    The frequency and time masking of SpecAugment (Park et al. 2019): for
    each example, `num_masks` times, a run of up to `max_bands` consecutive
    features (mel bands) and a run of up to `max_frames` consecutive frames
    are set to zero. Placed after a z-score normalization, zero is the
    training mean, so a masked band reads as "nothing unusual here". The
    network then cannot rely on any one band or instant, which helps most
    when few speakers or recording set-ups are seen in training. At
    inference the layer is the identity.

    Args:
        max_bands: widest band mask, in features (default 6; 0 turns it off).
        max_frames: longest time mask, in frames (default 8; 0 turns it off).
        num_masks: masks of each kind per example (default 2).
        seed: seed of the layer's random generator (default None).
        **kwargs: base `keras.layers.Layer` arguments (`name`, ...).

    Input shape: `(batch, frames, features)`. Output shape: the same.
    """

    def __init__(self, max_bands=6, max_frames=8, num_masks=2, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.max_bands = check_int("max_bands", max_bands, 0)
        self.max_frames = check_int("max_frames", max_frames, 0)
        self.num_masks = check_int("num_masks", num_masks, 1)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True

    def _runs(self, batch, size, widest):
        """A `(batch, size)` boolean mask holding one random run of up to `widest` per row."""
        width = keras.random.randint((batch, 1), 0, widest + 1, seed=self.seed_generator)
        room = tf.maximum(size - width + 1, 1)
        start = tf.cast(
            keras.random.uniform((batch, 1), 0, 1, seed=self.seed_generator)
            * tf.cast(room, "float32"),
            "int32",
        )
        position = tf.range(size)[None, :]
        return (position >= start) & (position < start + width)

    def call(self, inputs, training=None):
        if not training:
            return inputs
        x = tf.convert_to_tensor(inputs)
        batch, frames, features = tf.shape(x)[0], tf.shape(x)[1], tf.shape(x)[2]
        keep = tf.ones_like(x, dtype="bool")
        for _ in range(self.num_masks):
            if self.max_bands:
                keep &= ~self._runs(batch, features, self.max_bands)[:, None, :]
            if self.max_frames:
                keep &= ~self._runs(batch, frames, self.max_frames)[:, :, None]
        return tf.where(keep, x, tf.zeros_like(x))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "max_bands": self.max_bands,
            "max_frames": self.max_frames,
            "num_masks": self.num_masks,
            "seed": self.seed,
        }
