"""Connected digits (N to M): CTC loss, its fit, greedy and beam decoding, digit error rate.

A connected utterance has many more feature frames (N, one per 10 ms) than
digits (M). Connectionist temporal classification (Graves et al. 2006)
trains a per-frame softmax over the ten digits plus a *blank* without any
alignment: the loss sums the probability of every frame labelling that
collapses (merge repeats, drop blanks) to the spoken digits. Class 0 is the
blank, digit d is class d + 1 (Keras's `ops.ctc_loss` convention).

The fit is the package's one route (`lstm_apps.training.fit_dataset`:
early stopping, checkpoints, divergence guard), on length-bucketed padded
batches of waveforms.
"""

from __future__ import annotations

import math

import keras
import nltk
import numpy as np
import tensorflow as tf

from lstm_apps.data.sequences import length_sorted_batches, pad_sequences
from lstm_apps.models.layers.base import PACKAGE
from lstm_apps.training import fit_dataset, make_optimizer
from lstm_apps.training.options import TrainingOptions

EPSILON = 1e-7


@keras.saving.register_keras_serializable(package=PACKAGE)
def ctc_loss(y_true, y_pred):
    """CTC loss of per-frame softmax outputs `(batch, frames, 11)` against padded
    digit classes `y_true` `(batch, max_digits)` (0 pads; digit d is d + 1)."""
    y_true = keras.ops.cast(y_true, "int32")
    log_probs = keras.ops.log(keras.ops.clip(y_pred, EPSILON, 1.0))
    batch, frames = keras.ops.shape(y_pred)[0], keras.ops.shape(y_pred)[1]
    label_length = keras.ops.sum(keras.ops.cast(y_true != 0, "int32"), axis=-1)
    frame_length = frames * keras.ops.ones((batch,), dtype="int32")
    return keras.ops.ctc_loss(y_true, log_probs, label_length, frame_length, mask_index=0)


def _targets(labels) -> list[np.ndarray]:
    return [np.asarray(digits, "int32") + 1 for digits in labels]


def _dataset(waves, labels, batch_size, seed, shuffle) -> tf.data.Dataset:
    lengths = np.array([len(w) for w in waves])
    targets = _targets(labels)
    rng = np.random.default_rng(seed)

    def generate():
        batches = length_sorted_batches(lengths, batch_size, rng if shuffle else None)
        for rows in batches:
            x = pad_sequences([waves[i] for i in rows], dtype="float32")
            y = pad_sequences([targets[i] for i in rows], dtype="int32")
            yield x, y

    spec = (tf.TensorSpec((None, None, 1), tf.float32), tf.TensorSpec((None, None), tf.int32))
    dataset = tf.data.Dataset.from_generator(generate, output_signature=spec)
    count = math.ceil(len(waves) / batch_size)
    return dataset.apply(tf.data.experimental.assert_cardinality(count))


def fit_ctc(model, waves, labels, options: TrainingOptions, *, validation=None, callbacks=()):
    """Compile `model` with the CTC loss and fit it on waveforms and digit strings.

    Args:
        model: a per-frame 11-class softmax model (`build_network`, connected).
        waves: `(samples, 1)` arrays.
        labels: one int array of digits (0-9) per waveform.
        options: `TrainingOptions` (epochs, mini-batch size, learning rate,
            early stopping, checkpoints, seed).
        validation: optional `(waves, labels)` for the validation loss.
        callbacks: extra Keras callbacks.

    Returns:
        The `keras.callbacks.History`.
    """
    if len(waves) != len(labels):
        raise ValueError(
            f"`labels` must hold one digit string per waveform: {len(waves)} waveforms. "
            f"Received: {len(labels)} labels"
        )
    seed = options.seed or 0
    batch = options.mini_batch_size
    train_ds = _dataset(waves, labels, batch, seed, options.shuffle != "never")
    model.compile(optimizer=make_optimizer(options, math.ceil(len(waves) / batch)), loss=ctc_loss)
    val_ds = None if validation is None else _dataset(*validation, batch, seed, False)
    return fit_dataset(model, train_ds, options, validation=val_ds, callbacks=callbacks)


def frame_probabilities(model, waves, batch_size=32) -> list[np.ndarray]:
    """Each waveform's `(frames, 11)` CTC probabilities (padding frames cut off)."""
    frontend = model.get_layer("features")
    lengths = np.array([len(w) for w in waves])
    out = [None] * len(waves)
    for rows in length_sorted_batches(lengths, batch_size, None):
        x = pad_sequences([waves[i] for i in rows], dtype="float32")
        probs = np.asarray(model.predict_on_batch(x))
        for k, i in enumerate(rows):
            out[i] = probs[k, : frontend.num_frames(int(lengths[i]))]
    return out


def decode(probabilities, beam_width=1) -> list[np.ndarray]:
    """Digit strings from per-frame CTC probabilities: greedy (`beam_width=1`) or beam search.

    Args:
        probabilities: a list of `(frames, 11)` arrays.
        beam_width: 1 for best-path decoding, more for Keras's CTC beam search.

    Returns:
        One int array of digits (0-9) per input.
    """
    if beam_width < 1:
        raise ValueError(f"`beam_width` must be at least 1. Received: beam_width={beam_width!r}")
    lengths = np.array([len(p) for p in probabilities], "int32")
    padded = np.full((len(probabilities), int(lengths.max()), 11), EPSILON, "float32")
    padded[:, :, 0] = 1.0  # pad with certain blanks
    for i, p in enumerate(probabilities):
        padded[i, : len(p)] = p
    strategy = "greedy" if beam_width == 1 else "beam_search"
    decoded, _ = keras.ops.ctc_decode(
        np.log(np.clip(padded, EPSILON, 1.0)),
        lengths,
        strategy=strategy,
        beam_width=beam_width,
        mask_index=0,
    )
    best = np.asarray(keras.ops.convert_to_numpy(decoded))[0]
    return [row[row > 0] - 1 for row in best]


def digit_error_rate(references, hypotheses) -> float:
    """Edit distance (substitutions, insertions, deletions) summed over utterances,
    divided by the number of reference digits."""
    if len(references) != len(hypotheses):
        raise ValueError(
            f"One hypothesis per reference is needed: {len(references)} references. "
            f"Received: {len(hypotheses)} hypotheses"
        )
    errors = sum(nltk.edit_distance(list(r), list(h)) for r, h in zip(references, hypotheses))
    return errors / max(1, sum(len(r) for r in references))


def ctc_metrics(model, waves, labels, beam_width) -> tuple[dict, list, list]:
    """DER and whole-string accuracy, greedy and beam; returns (metrics, greedy, beam)."""
    probabilities = frame_probabilities(model, waves)
    greedy = decode(probabilities, 1)
    beam = decode(probabilities, beam_width) if beam_width > 1 else greedy

    def exact(hypotheses):
        return float(np.mean([np.array_equal(r, h) for r, h in zip(labels, hypotheses)]))

    metrics = {
        "digit_error_rate": digit_error_rate(labels, beam),
        "digit_error_rate_greedy": digit_error_rate(labels, greedy),
        "string_accuracy": exact(beam),
        "string_accuracy_greedy": exact(greedy),
    }
    return metrics, greedy, beam
