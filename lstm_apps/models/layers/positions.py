"""Where each step sits in its sequence.

* `PositionEmbedding`: adds a learned vector per position to a sequence of
  embeddings, as the Transformer's word order (it has no recurrence to tell
  the steps apart).
"""

from __future__ import annotations

import keras
from keras import ops

from lstm_apps.checks import check_positive
from lstm_apps.models.layers.base import PACKAGE


@keras.saving.register_keras_serializable(package=PACKAGE)
class PositionEmbedding(keras.layers.Layer):
    """Add a learned vector for each position: `(batch, T, D) -> (batch, T, D)`.

    Args:
        max_length: the most positions a sequence may have.

    Raises:
        ValueError: at build for a feature size that is not known, and at call
            for a sequence longer than `max_length` (TensorFlow's gather error).

    Example:
        >>> x = PositionEmbedding(64)(keras.layers.Embedding(100, 32)(tokens))
    """

    def __init__(self, max_length, **kwargs):
        super().__init__(**kwargs)
        self.max_length = int(check_positive("max_length", max_length))
        self.supports_masking = True

    def build(self, input_shape):
        if input_shape[-1] is None:
            raise ValueError(
                f"`PositionEmbedding` needs a known feature size. Received: {input_shape}"
            )
        self.positions = self.add_weight(
            shape=(self.max_length, int(input_shape[-1])),
            initializer=keras.initializers.RandomNormal(stddev=0.02),
            name="positions",
        )

    def call(self, inputs):
        length = ops.shape(inputs)[1]
        return inputs + ops.cast(self.positions[None, :length], inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "max_length": self.max_length}
