"""Convolution + recurrent networks: 1-D ("cnn_lstm") and per-frame 2-D for video.

Convolution blocks (`conv_1`, `conv_2`, ...) extract local patterns and may
shorten the sequence by pooling; a recurrent layer then reads the result.
The padding mask follows the pooling, so padded steps stay out of the
recurrent layer.

`build_video_encoder` runs a 2-D image CNN on every frame of a clip
(`FrameWise`, a TimeDistributed that folds the frames into the batch) and
a recurrent layer over the frame features; padded frames are masked
(`FrameMask`).
"""

from __future__ import annotations

from numbers import Integral

import keras

from lstm_apps.checks import check_choice, check_int, check_positive, check_rate
from lstm_apps.models.layers import ConvBlock1D, FrameMask, FrameWise, MaskedGlobalMaxPooling1D
from lstm_apps.models.recurrent import (
    CELLS,
    check_network_args,
    output_head,
    recurrent_layer,
    recurrent_stack,
    sequence_input,
)
from lstm_apps.models.size import check_model_size, check_sequence_network, recurrent_parameters


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
    size = dict(num_features=num_features, units=units, num_outputs=num_outputs)
    check_sequence_network(
        cell, bidirectional=bidirectional, filters=blocks, kernel_size=kernel_size, **size
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


def build_video_encoder(
    frame_encoder,
    *,
    num_frames=None,
    units=128,
    cell="lstm",
    bidirectional=False,
    dropout=0.0,
    name="video_encoder",
):
    """A per-frame CNN (time-distributed) followed by a recurrent layer: clip to vector.

    Args:
        frame_encoder: a `keras.Model` mapping one frame `(H, W, C)` to a
            `(batch, D)` vector, trained with the rest.
        num_frames: fixed clip length, or None (default) for any length.
        units: recurrent width, default 128.
        cell: "lstm" (default), "gru" or "simple_rnn".
        bidirectional: read the clip both ways, default False.
        dropout: dropout on the per-frame features, default 0.
        name: model name, default "video_encoder".

    Returns:
        A `keras.Model` mapping `(batch, frames, H, W, C)` clips, right-padded
        with all-zero frames, to `(batch, units)` (`2 * units` when
        bidirectional). Padded frames are masked out of the recurrent layer.

    Example:
        >>> frames = build_image_encoder("small_cnn", input_shape=(32, 32, 1))
        >>> encoder = build_video_encoder(frames, units=64)
    """
    check_choice("cell", cell, tuple(CELLS))
    check_rate("dropout", dropout)
    if not isinstance(frame_encoder, keras.Model) or len(frame_encoder.output_shape) != 2:
        raise TypeError(
            "`frame_encoder` must be a keras.Model with a (batch, D) output. "
            f"Received: {type(frame_encoder).__name__}"
        )
    check_positive("units", units)
    features = frame_encoder.output_shape[-1]
    recurrent = recurrent_parameters(cell, features, units, bidirectional)
    check_model_size(frame_encoder.count_params() + recurrent, what={"units": units})
    clips = keras.Input(shape=(num_frames, *frame_encoder.input_shape[1:]), name="clips")
    mask = FrameMask(name="frame_mask")(clips)
    x = FrameWise(frame_encoder, name="frames")(clips)
    if dropout:
        x = keras.layers.Dropout(dropout, name="frame_dropout")(x)
    layer = recurrent_layer(cell, units, return_sequences=False, bidirectional=bidirectional)
    x = layer(x, mask=mask)
    return keras.Model(clips, x, name=name)


def build_video_classifier(encoder, *, num_classes, dropout=0.0, name="video_classifier"):
    """A clip classifier: a `build_video_encoder` model and a softmax head.

    Args:
        encoder: a video encoder (clip to vector).
        num_classes: number of classes (at least 2).
        dropout: dropout before the head, default 0.

    Returns:
        An uncompiled `keras.Model` mapping clips to `(batch, num_classes)` probabilities.
    """
    check_int("num_classes", num_classes, 2)
    check_rate("dropout", dropout)
    clips = keras.Input(shape=encoder.input_shape[1:], name="clips")
    x = encoder(clips)
    if dropout:
        x = keras.layers.Dropout(dropout, name="dropout")(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="head")(x)
    return keras.Model(clips, outputs, name=name)
