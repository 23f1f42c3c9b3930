"""The single-frame warm-up of the video case study's frame CNN."""

from __future__ import annotations

import math

import keras
import numpy as np

from lstm_apps.models.seq2seq import source_encoder
from lstm_apps.training import TrainingOptions, fit_arrays, make_optimizer


def real_frames(clips) -> np.ndarray:
    """`(N, T)` booleans: which frames of right-padded clips are real (not all zero)."""
    clips = np.asarray(clips)
    return clips.reshape(*clips.shape[:2], -1).any(axis=-1)


def frame_encoder(model) -> keras.Model:
    """The per-frame CNN inside a video classifier or captioner (trained with it)."""
    return source_encoder(model).get_layer("frames").layer


def warm_up_frames(
    frames,
    clips,
    targets,
    options: TrainingOptions,
    *,
    frames_per_clip=4,
    validation=None,
    dropout=0.2,
    num_classes=None,
):
    """Train a frame CNN on single frames, each labelled with its clip's target, first.

    Trained from scratch through the recurrent layer, the CNN gets a weak,
    late signal: on the moving digits, a first full run (4-block CNN, no
    warm-up) had 7.5 % train accuracy after 2 epochs. Single frames cannot
    tell a motion, but they show the digit (or the scene), and a CNN learns
    that in seconds: trained on single frames to name the digit, it was
    right on 0.96 of the test frames after 10 epochs. This is the
    single-frame baseline of video classification used as a warm-up; the
    softmax (or, for word targets, sigmoid) head is thrown away and the
    CNN's weights start the clip model.

    Args:
        frames: the frame CNN (a `keras.Model`, trained in place).
        clips: right-padded clips `(N, T, H, W, C)`; blank frames are skipped.
        targets: per clip, class codes `(N,)` or multi-hot word targets `(N, V)`.
        options: `TrainingOptions` of the single-frame fit (optimizer,
            epochs, frames per mini-batch, shuffling, seed, verbosity).
        frames_per_clip: real frames drawn from each clip (fewer if shorter).
        validation: optional `(clips, targets)` scored the same way.
        dropout: dropout before the throw-away head.
        num_classes: the number of classes of code targets; None: the
            largest code + 1.

    Returns:
        The `keras.callbacks.History` of the single-frame fit.
    """
    targets = np.asarray(targets)
    rng = np.random.default_rng(options.seed)

    def single_frames(x, y):
        real = real_frames(x)
        picks = [
            (i, t)
            for i in range(len(x))
            for t in rng.permutation(np.flatnonzero(real[i]))[:frames_per_clip]
        ]
        rows, steps = np.array(picks).T
        return np.asarray(x)[rows, steps], y[rows]

    words = targets.ndim == 2
    head = keras.layers.Dense(
        targets.shape[1] if words else (num_classes or int(targets.max()) + 1),
        activation="sigmoid" if words else "softmax",
        name="frame_head",
    )
    if options.seed is not None:
        keras.utils.set_random_seed(options.seed)
    single = keras.Sequential(
        [keras.Input(frames.input_shape[1:]), frames, keras.layers.Dropout(dropout), head],
        name="single_frame_warmup",
    )
    x, y = single_frames(clips, targets)
    val = None if validation is None else single_frames(validation[0], np.asarray(validation[1]))
    single.compile(
        optimizer=make_optimizer(options, math.ceil(len(x) / options.mini_batch_size)),
        loss="binary_crossentropy" if words else "sparse_categorical_crossentropy",
        metrics=[] if words else ["accuracy"],
    )
    return fit_arrays(single, x, y, options, validation=val)
