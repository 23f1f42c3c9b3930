"""Model builders: `build_model(architecture, ...)` and one builder per family.

| architecture     | builder                 |
|------------------|-------------------------|
| "simple_rnn"     | build_recurrent         |
| "lstm"           | build_recurrent         |
| "gru"            | build_recurrent         |
| "bilstm"         | build_recurrent         |
| "bigru"          | build_recurrent         |
| "lstm_projected" | build_projected_lstm    |
| "cnn_lstm"       | build_cnn_lstm          |
"""

from __future__ import annotations

import functools

from lstm_apps.models.convolutional import build_cnn_lstm
from lstm_apps.models.layers import (
    ConvBlock1D,
    LastStep,
    MaskedGlobalMaxPooling1D,
    ProjectedLSTM,
    ProjectedLSTMCell,
    SequenceNormalization,
)
from lstm_apps.models.recurrent import OUTPUT_MODES, TASKS, build_projected_lstm, build_recurrent
from lstm_apps.models.text import (  # also registers the text standardizers for loading
    build_text_classifier,
    standardize_text,
    standardize_text_without_accents,
)

ARCHITECTURES = {
    "simple_rnn": functools.partial(build_recurrent, "simple_rnn"),
    "lstm": functools.partial(build_recurrent, "lstm"),
    "gru": functools.partial(build_recurrent, "gru"),
    "bilstm": functools.partial(build_recurrent, "lstm", bidirectional=True),
    "bigru": functools.partial(build_recurrent, "gru", bidirectional=True),
    "lstm_projected": build_projected_lstm,
    "cnn_lstm": build_cnn_lstm,
}


def build_model(
    architecture,
    *,
    num_features,
    num_outputs,
    task="classification",
    output_mode="last",
    units=100,
    **kwargs,
):
    """Build an uncompiled sequence model by architecture name.

    Args:
        architecture: one of `ARCHITECTURES`: "simple_rnn", "lstm", "gru",
            "bilstm", "bigru", "lstm_projected", "cnn_lstm".
        num_features: features per time step.
        num_outputs: number of classes (classification) or targets (regression).
        task: "classification" (default) or "regression".
        output_mode: "last" (default) or "sequence".
        units: recurrent width, or a tuple of widths for a stack; default 100.
        **kwargs: options of the family's builder (`dropout`,
            `recurrent_dropout`, `l2`, `normalization`, `padding_value`,
            `name`, and e.g. `filters` for "cnn_lstm").

    Returns:
        An uncompiled, named `keras.Model`.

    Raises:
        ValueError: for an unknown architecture or invalid arguments.

    Example:
        >>> model = build_model("lstm", num_features=12, num_outputs=9, units=100)
        >>> learnable_parameters(model)  # 4*100*(12+100) + 4*100 + 909
        46109
    """
    if architecture not in ARCHITECTURES:
        raise ValueError(
            f"Unknown `architecture`. Expected one of {tuple(ARCHITECTURES)}. "
            f"Received: architecture={architecture!r}"
        )
    if "bidirectional" in kwargs and architecture in ("bilstm", "bigru"):
        kwargs.pop("bidirectional")
    return ARCHITECTURES[architecture](
        num_features=num_features,
        num_outputs=num_outputs,
        task=task,
        output_mode=output_mode,
        units=units,
        **kwargs,
    )


def with_target_scale(model, mean, std, name="target_scale"):
    """Append a layer that maps a standardized regression output back to data units.

    The network learns `(y - mean) / std`; the returned model outputs
    `std * output + mean`, so a saved model predicts in the data's own units
    with no separate target scaler.
    """
    import keras

    scale = keras.layers.Rescaling(float(std), offset=float(mean), name=name)
    return keras.Model(model.input, scale(model.output), name=model.name)


def with_linear_path(model, coefficients, intercept, name="linear_path"):
    """Add a fixed linear function of the input to a regression network's output.

    The returned model outputs `model(x) + x_t @ coefficients + intercept`,
    where `x_t` is the input's last step for a sequence-to-one network and
    every step for a sequence-to-sequence one. The linear layer is frozen:
    fit it beforehand (least squares on the training rows, say), and the
    network then learns only what the linear model misses. Where test inputs
    leave the training range, a linear part goes on extrapolating, while a
    network of saturating units levels off, so the sum keeps the linear
    model's extrapolation and the network's corrections inside the range
    (the hybrid of a linear model and a network on its residual).

    Args:
        model: a regression network with a `(batch, T, F)` input and `O` outputs
            (per step for a sequence-to-sequence network).
        coefficients: `(F,)` or `(F, O)` weights of the linear part.
        intercept: scalar or `(O,)` bias of the linear part.
    """
    import keras
    import numpy as np

    num_features, num_outputs = model.input_shape[-1], model.output_shape[-1]
    weights = np.asarray(coefficients, "float32").reshape(len(coefficients), -1)
    bias = np.broadcast_to(np.asarray(intercept, "float32"), (num_outputs,)).copy()
    if weights.shape != (num_features, num_outputs):
        raise ValueError(
            f"`coefficients` must be ({num_features}, {num_outputs}) for a network with "
            f"{num_features} input features and {num_outputs} outputs. "
            f"Received: shape {weights.shape}"
        )
    x = model.input if len(model.output_shape) == 3 else LastStep(name="current_step")(model.input)
    linear = keras.layers.Dense(num_outputs, trainable=False, name=name)
    path = linear(x)
    linear.set_weights([weights, bias])
    total = keras.layers.Add(name=f"{name}_sum")([model.output, path])
    return keras.Model(model.input, total, name=model.name)


def rechain(model, inputs, x=None, name=None):
    """A flat model that runs `model`'s layers (one chain, as the builders make) from `x`.

    The layers and their weights are shared with `model`, not copied. Use it to
    give a built network another input (a fixed window) or preprocessing
    layers in front (`x = layer(inputs)`) without nesting one model in another,
    so that the layers stay visible to `training`, `inspect` and `exporting`.
    """
    import keras

    x = inputs if x is None else x
    for layer in model.layers[1:]:
        x = layer(x)
    return keras.Model(inputs, x, name=name or model.name)


def average_ensemble(members, name="ensemble", output_name="mean"):
    """One model whose output is the mean of the outputs of `members`.

    The members must take the same input and give outputs of the same shape
    (for instance the same network trained from different seeds). Each one
    stays a nested model (`member_0`, `member_1`, ...) with its own weights,
    so the ensemble trains nothing more and saves, loads and predicts as a
    single `.keras` file. One member is returned as it is.
    """
    import keras

    if len(members) == 1:
        return members[0]
    shapes = {tuple(m.input_shape[1:]) for m in members}
    if len(shapes) != 1:
        raise ValueError(f"The members must read the same input shape. Received: {sorted(shapes)}")
    inputs = keras.Input(shape=members[0].input_shape[1:], name="input")
    outputs = [
        keras.Model(m.input, m.output, name=f"member_{i}")(inputs) for i, m in enumerate(members)
    ]
    return keras.Model(inputs, keras.layers.Average(name=output_name)(outputs), name=name)


def learnable_parameters(model) -> int:
    """Count trainable parameters (MATLAB's "learnables"); normalization statistics excluded."""
    return int(sum(int(w.numpy().size) for w in model.trainable_weights))


__all__ = [
    "ARCHITECTURES",
    "OUTPUT_MODES",
    "TASKS",
    "build_model",
    "with_target_scale",
    "with_linear_path",
    "rechain",
    "average_ensemble",
    "build_recurrent",
    "build_projected_lstm",
    "build_cnn_lstm",
    "build_text_classifier",
    "standardize_text",
    "standardize_text_without_accents",
    "learnable_parameters",
    "SequenceNormalization",
    "ProjectedLSTM",
    "ProjectedLSTMCell",
    "ConvBlock1D",
    "MaskedGlobalMaxPooling1D",
]
