"""Training: `TrainingOptions` (after MATLAB's trainingOptions) and `train()`.

`train(model, x, y, options)` takes variable-length sequences, pads each
mini-batch (grouping sequences of similar length when `bucket_by_length`),
learns the model's input-normalization statistics from the training data,
compiles with the loss that matches the model's head, and fits.
"""

from __future__ import annotations

import dataclasses
import math
import time
import weakref
from dataclasses import dataclass
from numbers import Integral, Real
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from lstm_apps.data.sequences import (
    PADDING_DIRECTIONS,
    check_choice,
    check_labels,
    check_sequences,
    length_sorted_batches,
    pad_sequences,
    resolve_length,
    unpad,
)
from lstm_apps.models.layers import SequenceNormalization

SOLVERS = ("adam", "sgdm", "rmsprop")
GRADIENT_THRESHOLD_METHODS = ("global-l2norm", "l2norm", "absolute-value")
SHUFFLES = ("never", "once", "every-epoch")
# regression losses a caller may ask for; "auto" takes the one that matches the head
REGRESSION_LOSSES = {
    "mse": keras.losses.MeanSquaredError,
    "mae": keras.losses.MeanAbsoluteError,
    "huber": keras.losses.Huber,
}
UNLABELLED = -1  # per-step class label of a step that has no label


@dataclass
class TrainingOptions:
    """Training settings, named after MATLAB's `trainingOptions`.

    Args:
        solver: "adam" (default), "sgdm" (SGD with momentum) or "rmsprop".
        initial_learn_rate: starting learning rate, default 1e-3.
        learn_rate_drop_factor: factor applied every `learn_rate_drop_period`
            epochs, default 0.1.
        learn_rate_drop_period: epochs between drops; None (default) keeps
            the rate constant.
        momentum: momentum for "sgdm", default 0.9.
        max_epochs: epochs to train, default 30.
        mini_batch_size: sequences per mini-batch, default 128.
        gradient_threshold: clip gradients above this; None (default) does
            not clip.
        gradient_threshold_method: "global-l2norm" (norm of all gradients
            together), "l2norm" (default; each weight's gradient separately)
            or "absolute-value" (each element).
        loss: "auto" (default) takes the loss that matches the head (cross-
            entropy for classification, mean squared error for regression);
            a regression head may ask for "mse", "mae" (mean absolute error,
            less pulled by outliers and bursts) or "huber".
        l2_regularization: factor `lambda` of the penalty `lambda/2 * ||w||^2`
            on weight matrices that have no regularizer of their own,
            default 0.
        shuffle: "never", "once" (default) or "every-epoch".
        validation_data: optional `(x_val, y_val)`.
        validation_patience: stop after this many epochs without a lower
            validation loss and restore the best weights; None (default)
            never stops early.
        sequence_length: "longest" (default) or "shortest" sequence of each
            mini-batch, or a fixed int.
        sequence_padding_direction: "right" (default) or "left".
        sequence_padding_value: value written into padded steps, default 0.0.
            It must match the model's `padding_value`.
        bucket_by_length: put sequences of similar length in the same
            mini-batch to save padding, default True.
        checkpoint_dir: folder for a per-epoch backup; an interrupted fit
            rerun with the same folder resumes from the last finished epoch.
            None (default) keeps no backup.
        progress_plot: path of a PNG "training-progress" figure redrawn after
            every epoch; None (default) draws none.
        seed: seeds Keras, NumPy and TensorFlow for repeatable runs; None
            leaves them alone. Default 0.
        verbose: 1 (default) shows a progress bar, 2 one line per epoch, 0
            nothing.
    """

    solver: str = "adam"
    initial_learn_rate: float = 1e-3
    learn_rate_drop_factor: float = 0.1
    learn_rate_drop_period: int | None = None
    momentum: float = 0.9
    max_epochs: int = 30
    mini_batch_size: int = 128
    gradient_threshold: float | None = None
    gradient_threshold_method: str = "l2norm"
    loss: str = "auto"
    l2_regularization: float = 0.0
    shuffle: str = "once"
    validation_data: tuple | None = None
    validation_patience: int | None = None
    sequence_length: str | int = "longest"
    sequence_padding_direction: str = "right"
    sequence_padding_value: float = 0.0
    bucket_by_length: bool = True
    checkpoint_dir: str | Path | None = None
    progress_plot: str | Path | None = None
    seed: int | None = 0
    verbose: int = 1

    def __post_init__(self):
        check_choice("solver", self.solver, SOLVERS)
        check_choice(
            "gradient_threshold_method", self.gradient_threshold_method, GRADIENT_THRESHOLD_METHODS
        )
        check_choice("shuffle", self.shuffle, SHUFFLES)
        check_choice("loss", self.loss, ("auto", *REGRESSION_LOSSES))
        check_choice(
            "sequence_padding_direction", self.sequence_padding_direction, PADDING_DIRECTIONS
        )
        _positive("initial_learn_rate", self.initial_learn_rate, real=True)
        _positive("max_epochs", self.max_epochs)
        _positive("mini_batch_size", self.mini_batch_size)
        for name in ("learn_rate_drop_period", "validation_patience"):
            if getattr(self, name) is not None:
                _positive(name, getattr(self, name))
        if self.gradient_threshold is not None:
            _positive("gradient_threshold", self.gradient_threshold, real=True)
        if not (0 < self.learn_rate_drop_factor <= 1):
            raise ValueError(
                "`learn_rate_drop_factor` must be in (0, 1]. "
                f"Received: learn_rate_drop_factor={self.learn_rate_drop_factor!r}"
            )
        if not (isinstance(self.l2_regularization, Real) and self.l2_regularization >= 0):
            raise ValueError(
                "`l2_regularization` must be a non-negative number. "
                f"Received: l2_regularization={self.l2_regularization!r}"
            )
        resolve_length([1], self.sequence_length)

    def replace(self, **changes) -> TrainingOptions:
        """A copy with some fields changed (checked again)."""
        return dataclasses.replace(self, **changes)


def _positive(name, value, real=False):
    kind = Real if real else Integral
    if not isinstance(value, kind) or isinstance(value, bool) or value <= 0:
        raise ValueError(
            f"`{name}` must be a positive {'number' if real else 'integer'}. "
            f"Received: {name}={value!r}"
        )


def head_activation(model) -> str:
    """The activation of the model's output layer: "softmax", "sigmoid" or "linear"."""
    layer = model.layers[-1]
    activation = getattr(layer, "activation", None)
    name = getattr(activation, "__name__", "linear")
    return name if name in ("softmax", "sigmoid") else "linear"


def is_sequence_output(model) -> bool:
    """Whether the model gives one output per time step."""
    return len(model.output_shape) == 3


def learn_rate_schedule(options: TrainingOptions, steps_per_epoch: int = 1):
    """The learning rate: a float, or a staircase decay for a piecewise schedule.

    A drop period becomes `ExponentialDecay` with `staircase=True` over
    `drop_period * steps_per_epoch` steps, so the rate is multiplied by the
    drop factor every `drop_period` epochs.
    """
    if not options.learn_rate_drop_period:
        return options.initial_learn_rate
    return keras.optimizers.schedules.ExponentialDecay(
        options.initial_learn_rate,
        decay_steps=options.learn_rate_drop_period * steps_per_epoch,
        decay_rate=options.learn_rate_drop_factor,
        staircase=True,
    )


def make_optimizer(options: TrainingOptions, steps_per_epoch: int = 1):
    """The Keras optimizer for `options`, with its clipping and learn-rate schedule.

    "global-l2norm" maps to `global_clipnorm`, "l2norm" to `clipnorm` and
    "absolute-value" to `clipvalue`.
    """
    rate = learn_rate_schedule(options, steps_per_epoch)
    clip = {}
    if options.gradient_threshold is not None:
        key = {
            "global-l2norm": "global_clipnorm",
            "l2norm": "clipnorm",
            "absolute-value": "clipvalue",
        }[options.gradient_threshold_method]
        clip[key] = options.gradient_threshold
    if options.solver == "adam":
        return keras.optimizers.Adam(rate, **clip)
    if options.solver == "rmsprop":
        return keras.optimizers.RMSprop(rate, **clip)
    return keras.optimizers.SGD(rate, momentum=options.momentum, **clip)


def loss_and_metrics(model, loss="auto"):
    """The loss and metrics that match the model's head (`loss` may override a regression loss)."""
    kind = head_activation(model)
    if loss != "auto" and kind in ("softmax", "sigmoid"):
        raise ValueError(
            f"`loss` can only be changed for a regression head; this model ends in {kind}. "
            f"Received: loss={loss!r}"
        )
    if loss != "auto":
        return REGRESSION_LOSSES[loss](), [keras.metrics.RootMeanSquaredError(name="rmse")]
    if kind == "softmax":
        return keras.losses.SparseCategoricalCrossentropy(), ["accuracy"]
    if kind == "sigmoid":
        return keras.losses.BinaryCrossentropy(), ["accuracy"]
    return keras.losses.MeanSquaredError(), [keras.metrics.RootMeanSquaredError(name="rmse")]


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
            return xb, np.maximum(yb, 0), (yb != UNLABELLED).astype("float32")
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


class TimeBudget(keras.callbacks.Callback):
    """Stop training before an epoch that would end past `seconds` of training.

    After each epoch the callback projects the next one to last as long as the
    slowest epoch so far; if that would overrun the budget, training stops
    there (the epoch just finished is kept). `stopped_epoch` holds the last
    epoch run (0-based) when the budget stopped training, else None.

    Example:
        >>> model.fit(x, y, epochs=100, callbacks=[TimeBudget(20 * 60)])
    """

    def __init__(self, seconds):
        super().__init__()
        _positive("seconds", seconds, real=True)
        self.seconds = float(seconds)
        self.stopped_epoch = None

    def on_train_begin(self, logs=None):
        self._start = time.perf_counter()
        self._slowest = 0.0
        self.stopped_epoch = None

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        now = time.perf_counter()
        self._slowest = max(self._slowest, now - self._epoch_start)
        if now - self._start + self._slowest > self.seconds:
            self.stopped_epoch = epoch
            self.model.stop_training = True


class _EpochCounter(keras.callbacks.Callback):
    def __init__(self, holder):
        super().__init__()
        self.holder = holder

    def on_epoch_begin(self, epoch, logs=None):
        self.holder[0] = epoch


def adapt_normalization(model, x) -> bool:
    """Learn the statistics of every not-yet-adapted `SequenceNormalization` layer.

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


def _apply_l2(model, factor):
    """Give every weight matrix without a regularizer an L2 penalty factor/2 * ||w||^2."""
    if not factor:
        return
    penalty = keras.regularizers.L2(factor / 2)
    for variable in model.trainable_variables:
        if len(variable.shape) >= 2 and variable.regularizer is None:
            variable.regularizer = penalty


def option_callbacks(options: TrainingOptions, validation: bool) -> list:
    """The callbacks that `options` asks for: early stopping, backup, progress plot."""
    callbacks = []
    if validation and options.validation_patience:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor="val_loss", patience=options.validation_patience, restore_best_weights=True
            )
        )
    if options.checkpoint_dir is not None:
        callbacks.append(keras.callbacks.BackupAndRestore(str(options.checkpoint_dir)))
    if options.progress_plot is not None:
        from lstm_apps.plots import TrainingProgressPlot

        callbacks.append(TrainingProgressPlot(options.progress_plot))
    return callbacks


def train(model, x, y, options: TrainingOptions | None = None, *, callbacks=()):
    """Compile and fit a sequence model on variable-length sequences.

    Args:
        model: a model from `build_model` (compiled here; any earlier compile
            is replaced).
        x: training sequences, a list of `(T_i, F)` arrays or a 3-D array.
        y: integer class labels (classification heads) or float targets
            (regression heads), one per sequence or, for "sequence" models,
            one array per sequence with one entry per time step. A per-step
            class label of -1 marks an unlabelled step: it is still read as
            input but counts neither in the loss nor in the metrics.
        options: `TrainingOptions`; defaults if None.
        callbacks: extra Keras callbacks.

    Returns:
        The `keras.callbacks.History` of the fit. The model is trained in place.

    Raises:
        ValueError: for bad sequences, targets that do not match them, or
            labels outside the model's classes.

    Example:
        >>> model = build_model("lstm", num_features=12, num_outputs=9)
        >>> history = train(model, x_train, y_train, TrainingOptions(max_epochs=5))
    """
    options = options or TrainingOptions()
    if not isinstance(options, TrainingOptions):
        raise TypeError(f"`options` must be a TrainingOptions. Received: {type(options).__name__}")
    if options.seed is not None:
        keras.utils.set_random_seed(options.seed)
    data = SequenceData(x, y, model, options)
    adapt_normalization(model, data.x)
    _apply_l2(model, options.l2_regularization)
    steps = math.ceil(len(data.x) / options.mini_batch_size)
    loss, metrics = loss_and_metrics(model, options.loss)
    # with unlabelled steps, the metrics must weigh steps as the loss does
    metrics = {("weighted_metrics" if data.weighted else "metrics"): metrics}
    model.compile(optimizer=make_optimizer(options, steps), loss=loss, **metrics)

    epoch = [0]
    seed = options.seed or 0
    train_ds = data.dataset(options.shuffle, seed=seed, epoch=epoch)
    val_ds = None
    if options.validation_data is not None:
        x_val, y_val = options.validation_data
        val_ds = SequenceData(x_val, y_val, model, options).dataset("never")
    all_callbacks = [_EpochCounter(epoch), *option_callbacks(options, val_ds is not None)]
    return model.fit(
        train_ds,
        validation_data=val_ds,
        epochs=options.max_epochs,
        callbacks=all_callbacks + list(callbacks),
        verbose=options.verbose,
        shuffle=False,  # the dataset shuffles itself, as `options.shuffle` says
    )


_FORWARD = weakref.WeakKeyDictionary()


def compiled_forward(model):
    """The model's inference pass as one `tf.function` for any batch size and length.

    Kept while the model lives; after a retrace its shapes are relaxed, so new
    batch sizes and lengths reuse one graph and predicting on long sequences
    never steps through time eagerly.
    """
    if model not in _FORWARD:
        owner = weakref.ref(model)  # the cache must not keep the model alive
        # shapes are relaxed after the first retrace, so new lengths reuse one graph
        _FORWARD[model] = tf.function(lambda x: owner()(x, training=False), reduce_retracing=True)
    return _FORWARD[model]


def predict(model, x, *, batch_size=128, padding="right", padding_value=0.0):
    """Predict for variable-length sequences, in the input order.

    Args:
        model: a sequence model.
        x: list of `(T_i, F)` arrays or a 3-D array.
        batch_size: sequences per forward pass, default 128.
        padding: "right" (default) or "left"; masking makes "last" outputs
            independent of it.
        padding_value: the model's padding value, default 0.0.

    Returns:
        For "last" models an array `(batch, outputs)`; for "sequence" models
        a list of `(T_i, outputs)` arrays (padding removed).
    """
    options = TrainingOptions(
        mini_batch_size=batch_size,
        sequence_padding_direction=padding,
        sequence_padding_value=padding_value,
        seed=None,
        verbose=0,
    )
    data = SequenceData(x, None, model, options)
    outputs = [None] * len(data.x)
    forward = compiled_forward(model)
    for index in data.batches(None):
        pred = forward(data.batch(index)).numpy()
        if data.sequence_output:
            pred = unpad(pred, data.lengths[index], padding)
        for i, p in zip(index, pred):
            outputs[i] = p
    return outputs if data.sequence_output else np.stack(outputs)
