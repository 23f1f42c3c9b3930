"""The network behind `lstm_apps.forecasting.Forecaster`: data units in, next values out.

`build_network` wraps a builder network (`lstm_apps.models.build_model`,
"sequence" output) with the series' own preprocessing, so that the saved
`.keras` model reads raw values: an optional log or square root, an optional differencing
layer (a stateless recurrent layer whose state is the previous value), the
standardization with training statistics and its inverse. Every layer is one
`StreamingPredictor` can step, so the network can carry a forecasting state.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from lstm_apps import models
from lstm_apps.checks import check_choice
from lstm_apps.data.sequences import feature_statistics
from lstm_apps.models.choices import (  # noqa: F401 (AUTO_TRANSFORMS: re-exported)
    AUTO_TRANSFORMS,
    CAUSAL_ARCHITECTURES,
    TRANSFORMS,
)

PADDING_VALUE = float(np.finfo("float32").min)  # marks steps the state skips (left padding)


@keras.saving.register_keras_serializable(package="lstm_apps", name="positive_log")
def positive_log(x):
    """Natural logarithm of `max(x, 1e-30)` (masked steps arrive as zeros)."""
    return ops.log(ops.maximum(x, 1e-30))


@keras.saving.register_keras_serializable(package="lstm_apps", name="nonnegative_sqrt")
def nonnegative_sqrt(x):
    """Square root of `max(x, 0)`."""
    return ops.sqrt(ops.maximum(x, 0.0))


@keras.saving.register_keras_serializable(package="lstm_apps", name="nonnegative_square")
def nonnegative_square(x):
    """`max(x, 0) ** 2`: a predicted square root below zero means a value of zero."""
    return ops.square(ops.maximum(x, 0.0))


def transform_parts(transform) -> tuple[str | None, bool]:
    """`(power, differenced)` of a transform name: ("log" | "sqrt" | None, bool)."""
    check_choice("transform", transform, TRANSFORMS)
    power = transform.removesuffix("difference").rstrip("_") or None
    return (None if power == "none" else power), transform.endswith("difference")


def transform_name(power, differenced) -> str:
    """The transform name of `(power, differenced)`; the inverse of `transform_parts`."""
    return "_".join(p for p in (power, "difference" if differenced else None) if p) or "none"


@keras.saving.register_keras_serializable(package="lstm_apps")
class DifferenceCell(keras.layers.Layer):
    """Cell of the `difference` layer: outputs `x_t - x_{t-1}`, and 0 at a sequence's first step.

    Its states are the previous input and a flag set after the first step, so
    the differencing lives in the network's state like any recurrent layer.
    """

    def __init__(self, num_features, **kwargs):
        super().__init__(**kwargs)
        self.num_features = int(num_features)
        self.state_size = [self.num_features, 1]
        self.output_size = self.num_features

    def call(self, inputs, states):
        previous, started = states[0], states[1]
        return (inputs - previous) * started, [inputs, ops.ones_like(started)]

    def get_config(self):
        return {**super().get_config(), "num_features": self.num_features}


class MonteCarloDropout(keras.layers.Activation):
    """Dropout that stays on at inference, for Monte Carlo dropout samples.

    It subclasses `Activation` so that `StreamingPredictor` applies it to each
    step. It lives only in the in-memory sampling copy of a trained network.
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__("linear", **kwargs)
        self.rate = float(rate)
        # untracked: the layer is built at init and is never saved
        object.__setattr__(self, "_generator", keras.random.SeedGenerator(seed))

    def call(self, inputs):
        return keras.random.dropout(inputs, self.rate, seed=self._generator)


def build_network(
    architecture="lstm", *, num_features, offset, scale, units=64, dropout=0.0, transform="none"
):
    """A sequence-to-sequence one-step-ahead network that works in data units.

    Layers: `input` -> `masking` -> (`log` or `sqrt`) -> (`difference`) ->
    `normalization` (offset and scale of the training part, in transformed
    units) -> recurrent layers (with `dropout_i`) -> `head` (standardized) ->
    `target_scale` -> (`exp` or `square`). Steps equal to `PADDING_VALUE`
    are masked. With "none", "log" and "sqrt" the output is the next value;
    with the "*difference" transforms it is the next change of the value (or
    of its log or square root), which `Forecaster` adds to the last value.

    Args:
        architecture: "lstm" (default), "gru", "simple_rnn" or "lstm_projected".
        num_features: value columns of the series `F`.
        offset, scale: `(F,)` training statistics of the transformed series.
        units: recurrent width, or a tuple for a stack; default 64.
        dropout: dropout after each recurrent layer, default 0.
        transform: "none" (default), "log" (positive series only), "sqrt"
            (series without negative values), "difference", "log_difference"
            or "sqrt_difference".

    Returns:
        An uncompiled `keras.Model`, `(batch, T, F)` -> `(batch, T, F)`.

    Raises:
        ValueError: for a network that looks ahead (bidirectional,
            convolutional) or an unknown transform.
    """
    if architecture in ("bilstm", "bigru"):
        raise ValueError(
            "A bidirectional network cannot forecast: its output at step t reads the steps "
            f"after t, which are the future to predict. Received: architecture={architecture!r}"
        )
    check_choice("architecture", architecture, CAUSAL_ARCHITECTURES)
    power, differenced = transform_parts(transform)
    base = models.build_model(
        architecture,
        num_features=num_features,
        num_outputs=num_features,
        task="regression",
        output_mode="sequence",
        units=units,
        dropout=dropout,
        padding_value=PADDING_VALUE,
    )
    inputs = keras.Input(shape=(None, num_features), name="input")
    x = inputs
    for layer in base.layers[1:]:  # fresh layers, so that the log can sit after the masking
        x = type(layer).from_config(layer.get_config())(x)
        if layer.name == "masking" and power:
            function = positive_log if power == "log" else nonnegative_sqrt
            x = keras.layers.Activation(function, name=power)(x)
        if layer.name == "masking" and differenced:
            cell = DifferenceCell(num_features)
            x = keras.layers.RNN(cell, return_sequences=True, name="difference")(x)
    model = keras.Model(inputs, x, name=f"{architecture}_forecaster")
    offset, scale = (
        np.broadcast_to(np.asarray(v, "float32"), (num_features,)) for v in (offset, scale)
    )
    norm = model.get_layer("normalization")
    norm.offset.assign(offset)
    norm.scale.assign(scale)
    norm.adapted.assign(1.0)
    y = keras.layers.Rescaling(scale.tolist(), offset=offset.tolist(), name="target_scale")(x)
    if power and not differenced:
        inverse = ("exponential", "exp") if power == "log" else (nonnegative_square, "square")
        y = keras.layers.Activation(inverse[0], name=inverse[1])(y)
    return keras.Model(inputs, y, name=model.name)


def network_for_series(architecture, values, *, transform="none", units=64, dropout=0.0):
    """`build_network` standardized by the statistics of a training series.

    Args:
        architecture, transform, units, dropout: as in `build_network`.
        values: `(T, F)` training values; the offset and scale are those of
            `next_targets(values, transform)`.
    """
    values = np.asarray(values)
    offset, scale = feature_statistics(next_targets(values, transform))
    return build_network(
        architecture,
        num_features=values.shape[-1],
        offset=offset,
        scale=scale,
        units=units,
        dropout=dropout,
        transform=transform,
    )


def next_targets(values, transform="none") -> np.ndarray:
    """What the network learns to predict after each step of `(T, F)` values but the last.

    The next value (`"none"`), its log (`"log"`) or square root (`"sqrt"`),
    or the change to it, of the value (`"difference"`), of its log
    (`"log_difference"`) or of its square root (`"sqrt_difference"`):
    `(T - 1, F)`. Their training mean and standard deviation standardize the
    network.
    """
    power, differenced = transform_parts(transform)
    values = np.asarray(values)
    if power:
        values = np.log(values) if power == "log" else np.sqrt(np.maximum(values, 0.0))
    return np.diff(values, axis=0) if differenced else values[1:]


def to_values(outputs, inputs, transform="none") -> np.ndarray:
    """Next values from the network's outputs at steps whose inputs were `inputs`.

    The inverse of `next_targets` for one step: a "*difference" network
    predicts a change, which is added to the last value (of its log or
    square root); the other networks predict the value itself.
    """
    power, differenced = transform_parts(transform)
    if not differenced:
        return outputs
    if power == "log":
        return inputs * np.exp(outputs)
    if power == "sqrt":
        return np.square(np.maximum(np.sqrt(np.maximum(inputs, 0.0)) + outputs, 0.0))
    return inputs + outputs


def check_domain(values, transform, name):
    """Raise ValueError if `values` lie outside the transform's domain.

    A log needs positive values, a square root non-negative ones.
    """
    power = transform_parts(transform)[0]
    if (power == "log" and np.min(values) <= 0) or (power == "sqrt" and np.min(values) < 0):
        need = "positive" if power == "log" else "non-negative"
        raise ValueError(
            f"transform={transform!r} needs {need} values; `{name}` has a minimum of "
            f"{float(np.min(values))}. Use transform='none'."
        )


def sampling_twin(model, seed):
    """A copy of `model` (same weights) whose dropout stays on at inference."""
    inputs = keras.Input(shape=model.input_shape[1:], name="input")
    x = inputs
    for layer in model.layers[1:]:
        if isinstance(layer, keras.layers.Dropout):
            x = MonteCarloDropout(layer.rate, seed=seed, name=layer.name)(x)
        else:
            x = type(layer).from_config(layer.get_config())(x)
    twin = keras.Model(inputs, x, name=f"{model.name}_sampling")
    twin.set_weights(model.get_weights())
    return twin
