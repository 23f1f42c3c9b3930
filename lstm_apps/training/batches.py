"""`SequenceData`: checked sequences and targets cut into padded mini-batches."""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from lstm_apps.data.sequences import (
    check_labels,
    check_sequences,
    length_sorted_batches,
    pad_sequences,
)
from lstm_apps.training.options import TrainingOptions, head_activation, is_sequence_output

UNLABELLED = -1  # per-step class label of a step that has no label


class SequenceData:
    """Checked sequences and targets, ready to be cut into padded mini-batches.

    Args:
        x: list of `(T_i, F)` arrays or a `(batch, T, F)` array.
        y: per-sequence targets `(batch,)` / `(batch, k)`, or per-step targets
            (a list of `(T_i,)` / `(T_i, k)` arrays); None for prediction.
        model: the model the batches are for (checks feature and class counts).
        options: `TrainingOptions` for padding and batching.
    """

    def __init__(self, x, y, model, options: TrainingOptions):
        num_features = model.input_shape[-1]
        self.x = check_sequences(x, "x", num_features=num_features)
        self.lengths = np.array([len(s) for s in self.x])
        self.options = options
        self.sequence_output = is_sequence_output(model)
        self.kind = head_activation(model)
        self.weighted = False
        self.y = None if y is None else self._check_targets(y, model)

    def _check_targets(self, y, model):
        y = check_labels(y, len(self.x))
        per_step = isinstance(y, list)
        if per_step != self.sequence_output:
            expected = (
                "one target array per sequence (per time step)"
                if self.sequence_output
                else "one target per sequence"
            )
            raise ValueError(f"This model needs {expected}; `y` does not match.")
        if per_step:
            for i, (seq, target) in enumerate(zip(self.x, y)):
                if len(target) != len(seq):
                    raise ValueError(
                        f"`y[{i}]` has {len(target)} steps but `x[{i}]` has {len(seq)}."
                    )
        if self.kind == "linear":
            if not per_step:
                return np.asarray(y, "float32")
            # (T,) targets become (T, 1), the shape of a one-output model's per-step output
            return [np.asarray(t, "float32").reshape(len(t), -1) for t in y]
        classes = model.output_shape[-1] if self.kind == "softmax" else 2
        flat = np.concatenate([np.ravel(t) for t in y]) if per_step else np.ravel(y)
        lowest = UNLABELLED if per_step else 0
        if flat.dtype.kind not in "iub" or flat.min() < lowest or flat.max() >= classes:
            unlabelled = f" ({UNLABELLED} marks an unlabelled step)" if per_step else ""
            raise ValueError(
                f"Class labels must be integers in [{lowest}, {classes - 1}]{unlabelled} (encode "
                "them with SequenceLabelEncoder). "
                f"Received values from {flat.min().item()!r} to {flat.max().item()!r}"
            )
        # unlabelled steps are kept as inputs but weigh nothing in the loss and metrics
        self.weighted = bool(per_step and flat.min() == UNLABELLED)
        if per_step and self.kind == "sigmoid":  # (T, 1), the shape of the one-unit output
            return [np.asarray(t, "int32").reshape(len(t), 1) for t in y]
        return [np.asarray(t, "int32") for t in y] if per_step else np.asarray(y, "int32")

    def batch(self, index):
        """Pad the sequences (and per-step targets) of one mini-batch."""
        o = self.options
        pad = dict(sequence_length=o.sequence_length, padding=o.sequence_padding_direction)
        xb = pad_sequences([self.x[i] for i in index], value=o.sequence_padding_value, **pad)
        if self.y is None:
            return xb
        if self.sequence_output:
            dtype = "float32" if self.kind == "linear" else "int32"
            yb = pad_sequences([self.y[i] for i in index], dtype=dtype, **pad)
        else:
            yb = self.y[index]
        if self.weighted:
            yb = pad_sequences([self.y[i] for i in index], dtype="int32", value=UNLABELLED, **pad)
            weights = (yb != UNLABELLED).reshape(yb.shape[:2])  # one weight per step
            return xb, np.maximum(yb, 0), weights.astype("float32")
        return xb, yb

    def batches(self, rng=None):
        """Index arrays of the mini-batches, bucketed by length if asked."""
        size = self.options.mini_batch_size
        if self.options.bucket_by_length:
            return length_sorted_batches(self.lengths, size, rng)
        order = np.arange(len(self.x)) if rng is None else rng.permutation(len(self.x))
        return [order[i : i + size] for i in range(0, len(order), size)]

    def dataset(self, shuffle="never", seed=0, epoch=None) -> tf.data.Dataset:
        """A `tf.data.Dataset` of padded mini-batches.

        With shuffle "every-epoch", `epoch` is a one-element list holding the
        current epoch, so that each epoch's order depends only on
        `(seed, epoch)` and a resumed fit sees the same order.
        """
        fixed = None
        if shuffle == "once":
            fixed = self.batches(np.random.default_rng(seed))
        elif shuffle == "never":
            fixed = self.batches(None)

        def generate():
            batches = fixed
            if batches is None:
                batches = self.batches(np.random.default_rng([seed, epoch[0]]))
            for index in batches:
                yield self.batch(index)

        num_features = self.x[0].shape[1]
        x_spec = tf.TensorSpec((None, None, num_features), tf.float32)
        if self.y is None:
            spec = x_spec
        else:
            y_shape = (None,) * (2 if self.sequence_output else 1) + self.y[0].shape[
                (1 if self.sequence_output else 0) :
            ]
            dtype = tf.float32 if self.kind == "linear" else tf.int32
            spec = (x_spec, tf.TensorSpec(y_shape, dtype))
            if self.weighted:
                spec = (*spec, tf.TensorSpec((None, None), tf.float32))
        dataset = tf.data.Dataset.from_generator(generate, output_signature=spec)
        num_batches = math.ceil(len(self.x) / self.options.mini_batch_size)
        return dataset.apply(tf.data.experimental.assert_cardinality(num_batches))
