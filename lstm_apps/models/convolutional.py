"""1-D convolution + recurrent networks ("cnn_lstm").

Convolution blocks (`conv_1`, `conv_2`, ...) extract local patterns and may
shorten the sequence by pooling; a recurrent layer then reads the result.
The padding mask follows the pooling, so padded steps stay out of the
recurrent layer.
"""

from __future__ import annotations

from numbers import Integral

import keras

from lstm_apps.data.sequences import check_choice
from lstm_apps.models.layers import ConvBlock1D, MaskedGlobalMaxPooling1D
from lstm_apps.models.recurrent import (
    CELLS,
    check_network_args,
    check_rate,
    output_head,
    recurrent_stack,
    sequence_input,
)


def build_cnn_lstm(
    *,
    num_features,
    num_outputs,
    task="classification",
    output_mode="last",
    units=100,
    filters=(64,),
    kernel_size=3,
    pooling="max",
    pool_size=2,
    global_max_pooling=False,
    cell="lstm",
    bidirectional=False,
    dropout=0.0,
    recurrent_dropout=0.0,
    l2=0.0,
    normalization="zscore",
    padding_value=0.0,
    input_noise=0.0,
    name="cnn_lstm_network",
):
    """Build Conv1D blocks followed by recurrent layers.

    Args:
        filters: filters of each convolution block, default `(64,)`.
        kernel_size: convolution width, default 3.
        pooling: pooling after each block: "max" (default), "average" or
            "none". With pooling, an output mode of "sequence" gives one
            output per pooled step (`ceil(T / pool_size**blocks)` steps).
        pool_size: pooling window and stride, default 2.
        global_max_pooling: with output_mode "last", take the maximum of the
            recurrent outputs over all real steps instead of the last step,
            default False.
        cell: "lstm" (default), "gru" or "simple_rnn".
        Other arguments: as in `lstm_apps.models.build_recurrent`.

    Returns:
        An uncompiled `keras.Model`.

    Example:
        >>> model = build_cnn_lstm(num_features=6, num_outputs=4, filters=(32, 32))
    """
    widths = check_network_args(num_features, num_outputs, task, output_mode, units)
    check_choice("cell", cell, tuple(CELLS))
    check_choice("pooling", pooling, ConvBlock1D.POOLINGS)
    check_rate("dropout", dropout)
    check_rate("recurrent_dropout", recurrent_dropout)
    blocks = (filters,) if isinstance(filters, Integral) else tuple(filters)
    if not blocks or not all(isinstance(f, Integral) and f >= 1 for f in blocks):
        raise ValueError(
            "`filters` must be a positive integer or a tuple of them. "
            f"Received: filters={filters!r}"
        )
    if global_max_pooling and output_mode != "last":
        raise ValueError(
            f"`global_max_pooling` needs output_mode='last'. Received: output_mode={output_mode!r}"
        )
    inputs, x = sequence_input(num_features, normalization, padding_value, input_noise)
    regularizer = keras.regularizers.L2(l2) if l2 else None
    for i, width in enumerate(blocks, start=1):
        x = ConvBlock1D(
            width,
            kernel_size,
            pooling=pooling,
            pool_size=pool_size,
            kernel_regularizer=regularizer,
            name=f"conv_{i}",
        )(x)
    mode = "sequence" if global_max_pooling else output_mode
    x = recurrent_stack(
        x,
        cell,
        widths,
        mode,
        bidirectional=bidirectional,
        dropout=dropout,
        recurrent_dropout=recurrent_dropout,
        l2=l2,
    )
    if global_max_pooling:
        x = MaskedGlobalMaxPooling1D(name="global_max_pooling")(x)
    outputs = output_head(x, num_outputs, task, l2)
    return keras.Model(inputs, outputs, name=name)
