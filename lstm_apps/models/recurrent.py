"""Recurrent sequence networks: SimpleRNN, LSTM, GRU, their bidirectional
forms, and MATLAB's projected LSTM, single or stacked.

Every builder returns an uncompiled, named `keras.Model` made of:
`input` -> `masking` -> `normalization` -> recurrent layers (with `dropout_i`
between them) -> `head`. The input takes `(batch, timesteps, features)`
with any number of time steps; steps whose features all equal
`padding_value` are masked, so "last" reads the last real step of each
sequence whether padding is on the left or on the right.
"""

from __future__ import annotations

from numbers import Integral

import keras

from lstm_apps.checks import check_choice, check_noise
from lstm_apps.data.sequences import NORMALIZATIONS
from lstm_apps.models.layers import ProjectedLSTM, SequenceNormalization
from lstm_apps.models.size import check_sequence_network

TASKS = ("classification", "regression")
OUTPUT_MODES = ("last", "sequence")
CELLS = {"simple_rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM, "gru": keras.layers.GRU}
GATES = {"simple_rnn": 1, "gru": 3, "lstm": 4}


def recurrent_parameters(cell, units, num_features, num_outputs=0) -> int:
    """Learnable parameters of one `cell` layer of `units` on `num_features`
    inputs, plus a dense head of `num_outputs` (none when 0).

    Keras 3's GRU (`reset_after=True`) carries a second bias per gate.
    """
    check_choice("cell", cell, GATES)
    gates = GATES[cell]
    biases = 2 * gates * units if cell == "gru" else gates * units
    head = units * num_outputs + num_outputs
    return gates * units * (num_features + units) + biases + head


def matched_units(cell, target_parameters, num_features, num_outputs=0) -> int:
    """The width at which `recurrent_parameters(cell, ...)` comes closest to the target.

    Example:
        >>> matched_units("gru", recurrent_parameters("lstm", 32, 2, 1), 2, 1)
        37
    """
    return min(
        range(1, 4097),
        key=lambda u: abs(
            recurrent_parameters(cell, u, num_features, num_outputs) - target_parameters
        ),
    )


def check_network_args(num_features, num_outputs, task, output_mode, units):
    """Validate the arguments every builder shares; returns units as a tuple."""
    if not isinstance(num_features, Integral) or isinstance(num_features, bool) or num_features < 1:
        raise ValueError(
            f"`num_features` must be a positive integer. Received: num_features={num_features!r}"
        )
    check_choice("task", task, TASKS)
    check_choice("output_mode", output_mode, OUTPUT_MODES)
    if not isinstance(num_outputs, Integral) or isinstance(num_outputs, bool):
        raise TypeError(f"`num_outputs` must be an integer. Received: num_outputs={num_outputs!r}")
    if task == "classification" and num_outputs < 2:
        raise ValueError(
            "`num_outputs` (the number of classes) must be at least 2 for "
            f"classification. Received: num_outputs={num_outputs}"
        )
    if num_outputs < 1:
        raise ValueError(f"`num_outputs` must be at least 1. Received: num_outputs={num_outputs}")
    widths = (units,) if isinstance(units, Integral) else tuple(units)
    if not widths or not all(isinstance(u, Integral) and u >= 1 for u in widths):
        raise ValueError(
            "`units` must be a positive integer or a non-empty tuple of them. "
            f"Received: units={units!r}"
        )
    return widths


def check_rate(name, value):
    if not 0.0 <= value < 1.0:
        raise ValueError(f"`{name}` must be in [0, 1). Received: {name}={value!r}")


def sequence_input(num_features, normalization="zscore", padding_value=0.0, input_noise=0.0):
    """Input, masking, normalization (and optional noise) layers; returns `(inputs, x)`.

    The normalization statistics are learned later, from training data, by
    `lstm_apps.train` (or `model.get_layer("normalization").adapt(x)`).
    `input_noise > 0` adds Gaussian noise of that standard deviation to the
    normalized inputs during training only (a data augmentation).
    """
    check_choice("normalization", normalization, NORMALIZATIONS)
    check_noise("input_noise", input_noise)  # Keras's GaussianNoise takes [0, 1]
    inputs = keras.Input(shape=(None, num_features), name="input")
    x = keras.layers.Masking(mask_value=padding_value, name="masking")(inputs)
    x = SequenceNormalization(normalization, name="normalization")(x)
    if input_noise:
        x = keras.layers.GaussianNoise(input_noise, name="input_noise")(x)
    return inputs, x


def output_head(x, num_outputs, task, l2=0.0):
    """Dense head: softmax for classes, sigmoid for two classes, linear for regression.

    Applied to `(batch, features)` it gives one output per sequence; applied
    to `(batch, timesteps, features)` it gives one per time step.
    """
    if task == "regression":
        units, activation = num_outputs, "linear"
    elif num_outputs == 2:
        units, activation = 1, "sigmoid"
    else:
        units, activation = num_outputs, "softmax"
    regularizer = keras.regularizers.L2(l2) if l2 else None
    return keras.layers.Dense(
        units, activation=activation, kernel_regularizer=regularizer, name="head"
    )(x)


def recurrent_layer(
    cell,
    units,
    *,
    return_sequences,
    bidirectional=False,
    index=1,
    recurrent_dropout=0.0,
    l2=0.0,
    output_projector_size=None,
    input_projector_size=None,
):
    """One named recurrent layer ("lstm_1", "bilstm_2", ...)."""
    regularizer = keras.regularizers.L2(l2) if l2 else None
    outer_name = f"{'bi' if bidirectional else ''}{cell}_{index}"
    name = f"{cell}_{index}"
    if cell == "lstm_projected":
        if recurrent_dropout:
            raise ValueError(
                "`recurrent_dropout` is not supported by the projected LSTM. "
                f"Received: recurrent_dropout={recurrent_dropout}"
            )
        layer = ProjectedLSTM(
            units,
            output_projector_size=output_projector_size or max(1, units // 4),
            input_projector_size=input_projector_size or max(1, units // 4),
            kernel_regularizer=regularizer,
            return_sequences=return_sequences,
            name=name,
        )
    else:
        layer = CELLS[cell](
            units,
            return_sequences=return_sequences,
            recurrent_dropout=recurrent_dropout,
            kernel_regularizer=regularizer,
            recurrent_regularizer=regularizer,
            name=name,
        )
    if bidirectional:
        layer = keras.layers.Bidirectional(layer, merge_mode="concat", name=outer_name)
    return layer


def recurrent_stack(
    x,
    cell,
    units,
    output_mode,
    *,
    bidirectional=False,
    dropout=0.0,
    recurrent_dropout=0.0,
    l2=0.0,
    **projector,
):
    """Stack recurrent layers; all but the last return sequences."""
    for i, width in enumerate(units, start=1):
        last = i == len(units)
        x = recurrent_layer(
            cell,
            width,
            return_sequences=(not last) or output_mode == "sequence",
            bidirectional=bidirectional,
            index=i,
            recurrent_dropout=recurrent_dropout,
            l2=l2,
            **projector,
        )(x)
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"dropout_{i}")(x)
    return x


def build_recurrent(
    cell="lstm",
    *,
    num_features,
    num_outputs,
    task="classification",
    output_mode="last",
    units=100,
    bidirectional=False,
    dropout=0.0,
    recurrent_dropout=0.0,
    l2=0.0,
    normalization="zscore",
    padding_value=0.0,
    input_noise=0.0,
    name=None,
):
    """Build a (possibly stacked, possibly bidirectional) RNN, LSTM or GRU network.

    Args:
        cell: "simple_rnn", "lstm" (default) or "gru".
        num_features: features per time step `F`.
        num_outputs: classes (classification) or targets (regression).
        task: "classification" (default) or "regression".
        output_mode: "last" (default): one output per sequence; "sequence":
            one output per time step.
        units: width of the recurrent layer, or a tuple for a stack, e.g.
            `(125, 100)`; default 100.
        bidirectional: run each layer forwards and backwards and concatenate
            the two on the feature axis, default False.
        dropout: dropout rate after each recurrent layer, default 0.
        recurrent_dropout: dropout on the recurrent connections, default 0.
            A non-zero value disables the cuDNN kernel on GPUs.
        l2: L2 factor on the weight matrices, default 0.
        normalization: input normalization, default "zscore" (see
            `SequenceNormalization`).
        padding_value: value that marks padded steps, default 0.0.
        input_noise: standard deviation of Gaussian noise added to the
            normalized inputs while training, default 0 (none).
        name: model name, default e.g. "bilstm_network".

    Returns:
        An uncompiled `keras.Model` mapping `(batch, timesteps, F)` to
        `(batch, outputs)` ("last") or `(batch, timesteps, outputs)`
        ("sequence"); `outputs` is 1 for two classes (sigmoid).

    Raises:
        ValueError: for an unknown cell, output mode, task or normalization, a
            non-positive size, or a rate outside [0, 1).

    Example:
        >>> model = build_recurrent("gru", num_features=12, num_outputs=9)
        >>> model.output_shape
        (None, 9)
    """
    check_choice("cell", cell, tuple(CELLS) + ("lstm_projected",))
    widths = check_network_args(num_features, num_outputs, task, output_mode, units)
    check_rate("dropout", dropout)
    check_rate("recurrent_dropout", recurrent_dropout)
    size = dict(num_features=num_features, units=units, num_outputs=num_outputs)
    check_sequence_network(cell, bidirectional=bidirectional, **size)
    inputs, x = sequence_input(num_features, normalization, padding_value, input_noise)
    x = recurrent_stack(
        x,
        cell,
        widths,
        output_mode,
        bidirectional=bidirectional,
        dropout=dropout,
        recurrent_dropout=recurrent_dropout,
        l2=l2,
    )
    outputs = output_head(x, num_outputs, task, l2)
    default = f"{'bi' if bidirectional else ''}{cell}_network"
    return keras.Model(inputs, outputs, name=name or default)


def build_projected_lstm(
    *,
    num_features,
    num_outputs,
    task="classification",
    output_mode="last",
    units=100,
    output_projector_size=None,
    input_projector_size=None,
    bidirectional=False,
    dropout=0.0,
    l2=0.0,
    normalization="zscore",
    padding_value=0.0,
    input_noise=0.0,
    name="lstm_projected_network",
):
    """Build a network of projected LSTM layers (MATLAB's lstmProjectedLayer).

    Args:
        output_projector_size: rank of each layer's recurrent weights,
            default `units // 4`.
        input_projector_size: rank of each layer's input weights, default
            `units // 4`.
        Other arguments: as in `build_recurrent`.

    Returns:
        An uncompiled `keras.Model`.

    Example:
        >>> model = build_projected_lstm(num_features=12, num_outputs=9, units=100,
        ...                              output_projector_size=30, input_projector_size=8)
    """
    widths = check_network_args(num_features, num_outputs, task, output_mode, units)
    check_rate("dropout", dropout)
    check_sequence_network(
        "lstm_projected",
        num_features=num_features,
        units=units,
        num_outputs=num_outputs,
        bidirectional=bidirectional,
        output_projector_size=output_projector_size,
        input_projector_size=input_projector_size,
    )
    inputs, x = sequence_input(num_features, normalization, padding_value, input_noise)
    x = recurrent_stack(
        x,
        "lstm_projected",
        widths,
        output_mode,
        bidirectional=bidirectional,
        dropout=dropout,
        l2=l2,
        output_projector_size=output_projector_size,
        input_projector_size=input_projector_size,
    )
    outputs = output_head(x, num_outputs, task, l2)
    return keras.Model(inputs, outputs, name=name)
