"""Networks built from other networks: target rescaling, a frozen linear path,
new inputs in front of a chain, ensembles; and the learnable-parameter count."""

from __future__ import annotations

import keras
import numpy as np

from lstm_apps.models.layers import LastStep


def with_target_scale(model, mean, std, name="target_scale"):
    """Append a layer that maps a standardized regression output back to data units.

    The network learns `(y - mean) / std`; the returned model outputs
    `std * output + mean`, so a saved model predicts in the data's own units
    with no separate target scaler.
    """
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
