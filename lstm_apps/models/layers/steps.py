"""Operations on the time steps of a sequence.

* `LastStep`: the last step of a batch of fixed-length sequences.
* `RepeatSteps`: brings a downsampled sequence back to its input's rate by
  holding each step.
* `AddToSteps`: adds a per-sequence vector (an image's) to every step of a
  sequence.
"""

from __future__ import annotations

import keras
from keras import ops

from lstm_apps.checks import check_positive
from lstm_apps.models.layers.base import PACKAGE


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
        self.factor = int(check_positive("factor", factor))

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
