"""Layers for clips of image frames.

* `FrameMask`: the mask of the real (not all-zero padding) frames of a batch
  of clips.
* `FrameWise`: an image model applied to every frame of a clip.
"""

from __future__ import annotations

import keras
from keras import ops

from lstm_apps.models.layers.base import PACKAGE


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
