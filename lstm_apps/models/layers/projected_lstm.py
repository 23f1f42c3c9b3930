"""`ProjectedLSTMCell` / `ProjectedLSTM`: an LSTM whose input and recurrent
weight matrices are factorized through low-rank projectors, like MATLAB's
`lstmProjectedLayer`."""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from lstm_apps.checks import check_positive
from lstm_apps.models.layers.base import PACKAGE


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
        check_positive("units", units)
        check_positive("output_projector_size", output_projector_size)
        check_positive("input_projector_size", input_projector_size)
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
