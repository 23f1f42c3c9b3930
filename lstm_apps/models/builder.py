"""`build_model(architecture, ...)`: every sequence architecture behind one call."""

from __future__ import annotations

import functools
import inspect

from lstm_apps.data.sequences import check_sequences
from lstm_apps.models.convolutional import build_cnn_lstm
from lstm_apps.models.layers import SequenceNormalization
from lstm_apps.models.recurrent import build_projected_lstm, build_recurrent

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
    dropout=None,
    recurrent_dropout=None,
    l2=None,
    normalization=None,
    padding_value=None,
    input_noise=None,
    bidirectional=None,
    output_projector_size=None,
    input_projector_size=None,
    filters=None,
    kernel_size=None,
    pooling=None,
    pool_size=None,
    global_max_pooling=None,
    cell=None,
    name=None,
    adapt=None,
):
    """Build an uncompiled sequence model by architecture name.

    Options left at None take the family builder's default; an option the
    chosen architecture does not have raises instead of being ignored.

    Args:
        architecture: one of `ARCHITECTURES`: "simple_rnn", "lstm", "gru",
            "bilstm", "bigru", "lstm_projected", "cnn_lstm".
        num_features: features per time step.
        num_outputs: number of classes (classification) or targets (regression).
        task: "classification" (default) or "regression".
        output_mode: "last" (default) or "sequence".
        units: recurrent width, or a tuple of widths for a stack; default 100.
        dropout: dropout after each recurrent layer (default 0).
        recurrent_dropout: dropout on the recurrent connections (default 0;
            any other value gives up the fused cuDNN kernel on a GPU). Not
            for "lstm_projected".
        l2: L2 factor on the weight matrices (default 0).
        normalization: in-model input normalization, "zscore" (default),
            "zerocenter", "rescale-zero-one", "rescale-symmetric" or "none".
        padding_value: value of padded steps, masked out (default 0.0).
        input_noise: std of Gaussian noise added to normalized inputs while
            training (default 0).
        bidirectional: read both directions ("simple_rnn", "lstm", "gru",
            "lstm_projected", "cnn_lstm"; "bilstm"/"bigru" always are).
        output_projector_size, input_projector_size: ranks of the projected
            LSTM's weights ("lstm_projected" only).
        filters, kernel_size, pooling, pool_size, global_max_pooling, cell:
            the convolutional front and its recurrent cell ("cnn_lstm" only).
        name: the model's name (default: the builder's).
        adapt: training sequences (a list of `(T_i, F)` arrays or a 3-D
            array without padding) from which the in-model normalization
            learns its statistics now, so that a plain `model.fit` is
            correct. Without it, `lstm_apps.train` learns them at the first
            fit, and a plain `model.fit` raises until they are learned.

    Returns:
        An uncompiled, named `keras.Model`.

    Raises:
        ValueError: for an unknown architecture, an option it does not take,
            or invalid arguments.

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
    builder = ARCHITECTURES[architecture]
    options = {
        key: value
        for key, value in dict(
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            l2=l2,
            normalization=normalization,
            padding_value=padding_value,
            input_noise=input_noise,
            bidirectional=bidirectional,
            output_projector_size=output_projector_size,
            input_projector_size=input_projector_size,
            filters=filters,
            kernel_size=kernel_size,
            pooling=pooling,
            pool_size=pool_size,
            global_max_pooling=global_max_pooling,
            cell=cell,
            name=name,
        ).items()
        if value is not None
    }
    if architecture in ("bilstm", "bigru"):
        if options.pop("bidirectional", True) is not True:
            raise ValueError(
                f"{architecture!r} is always bidirectional. Received: bidirectional=False"
            )
    accepted = inspect.signature(builder).parameters
    unknown = sorted(key for key in options if key not in accepted)
    if unknown:
        raise ValueError(
            f"Architecture {architecture!r} has no option {', '.join(map(repr, unknown))}. "
            f"Received: {', '.join(f'{k}={options[k]!r}' for k in unknown)}"
        )
    model = builder(
        num_features=num_features,
        num_outputs=num_outputs,
        task=task,
        output_mode=output_mode,
        units=units,
        **options,
    )
    if adapt is not None:
        adapt_normalization(model, adapt)
    return model


def adapt_normalization(model, x) -> bool:
    """Learn the statistics of every not-yet-adapted `SequenceNormalization` layer.

    Args:
        model: a built model.
        x: unpadded training sequences, a list of `(T_i, F)` arrays or a
            `(batch, T, F)` array.

    Returns:
        True if some layer was adapted.
    """
    sequences = check_sequences(x, "x")
    changed = False
    for layer in model.layers:
        if isinstance(layer, SequenceNormalization) and not layer.is_adapted:
            layer.adapt(sequences)
            changed = True
    return changed
