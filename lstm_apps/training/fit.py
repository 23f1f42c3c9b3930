"""`train()`: compile and fit a sequence model, with its callbacks."""

from __future__ import annotations

import math
import time

import keras
import numpy as np

from lstm_apps.checks import check_positive
from lstm_apps.models.builder import adapt_normalization
from lstm_apps.models.size import check_activation_memory
from lstm_apps.training.backup import WorkerBackup, whole_history
from lstm_apps.training.batches import SequenceData
from lstm_apps.training.distribution import distributable, model_scope
from lstm_apps.training.options import (
    TrainingConfig,
    TrainingOptions,
    loss_and_metrics,
    make_optimizer,
)
from lstm_apps.training.precision import training_precision


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
        check_positive("seconds", seconds, real=True)
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


class TrainingDiverged(ValueError):
    """A fit whose loss or weights became infinite or NaN (raised by `DivergenceGuard`)."""


def _advice(options) -> str:
    """What to change after a divergence, with the values that were used."""
    if options is None:
        return "Nothing was saved."
    rate = f"Lower training.initial_learn_rate (received {options.initial_learn_rate!r})"
    l2 = getattr(options, "l2_regularization", 0)
    if l2:
        rate += f" or training.l2_regularization (received {l2!r})"
    threshold = getattr(options, "gradient_threshold", None)
    if threshold is None:
        return f"{rate} or set training.gradient_threshold. Nothing was saved."
    return f"{rate} or training.gradient_threshold (received {threshold!r}). Nothing was saved."


def check_finite_weights(model, options=None, *, when="") -> None:
    """Raise `TrainingDiverged` if a weight of `model` holds an infinite or NaN value.

    Args:
        model: a Keras model.
        options: the `TrainingConfig` it was trained with, for the advice in
            the message (optional).
        when: where training was, e.g. " at the end of epoch 3" (optional).

    Raises:
        TrainingDiverged: naming the first non-finite variable.
    """
    for variable in model.weights:
        if "float" not in str(variable.dtype):
            continue
        values = np.asarray(variable.numpy())  # also reads a variable mirrored by a strategy
        finite = np.isfinite(values)
        if not finite.all():
            kind = "nan" if np.isnan(values).any() else "inf"
            path = getattr(variable, "path", variable.name)
            raise TrainingDiverged(
                f"Training diverged: the weight {path!r} of model {model.name!r} holds {kind} "
                f"({values.size - int(finite.sum())} of {values.size} values){when}. "
                f"{_advice(options)}"
            )


class DivergenceGuard(keras.callbacks.Callback):
    """Stop a fit with `TrainingDiverged` as soon as a loss or a weight is not finite.

    Every logged loss ("loss", "val_loss", and the per-output losses of
    custom loops) and every weight is checked at the end of each epoch. An
    epoch's mean loss is NaN or infinite as soon as one batch's loss was, so
    nothing is missed; checking each batch instead would force Keras to wait
    for every batch's loss and give up its asynchronous steps.
    `option_callbacks` puts it first, so that no later callback (a backup,
    early stopping) ever sees a diverged epoch.

    Args:
        options: the `TrainingConfig` of the fit, quoted in the message.
    """

    def __init__(self, options=None):
        super().__init__()
        self.options = options

    def on_epoch_end(self, epoch, logs=None):
        when = f"at the end of epoch {epoch + 1}"
        self._check(logs, when)
        check_finite_weights(self.model, self.options, when=f" {when}")

    def _check(self, logs, when):
        for name, value in (logs or {}).items():
            if not name.endswith("loss"):
                continue
            try:
                value = float(value)
            except (TypeError, ValueError):
                continue
            if not math.isfinite(value):
                self.model.stop_training = True
                raise TrainingDiverged(
                    f"Training diverged: the {name} became {value} {when}. {_advice(self.options)}"
                )


class _EpochCounter(keras.callbacks.Callback):
    def __init__(self, holder):
        super().__init__()
        self.holder = holder

    def on_epoch_begin(self, epoch, logs=None):
        self.holder[0] = epoch


def apply_l2_penalty(model, factor):
    """Give every weight matrix without a regularizer an L2 penalty factor/2 * ||w||^2.

    `train` calls it with `l2_regularization`; custom loops call it before compiling.
    """
    if not factor:
        return
    penalty = keras.regularizers.L2(factor / 2)
    for variable in model.trainable_variables:
        if len(variable.shape) >= 2 and variable.regularizer is None:
            variable.regularizer = penalty


def option_callbacks(options: TrainingConfig, validation: bool) -> list:
    """The callbacks that `options` asks for: early stopping, backup, time budget, progress plot.

    Custom training loops that call `model.fit` themselves take their callbacks here, so
    that every fit in the package honours the same settings. The first is always a
    `DivergenceGuard`: a non-finite loss or weight stops the fit with `TrainingDiverged`
    before any backup is written. The backup (`checkpoint_dir`) is a
    `lstm_apps.scaling.WorkerBackup`: written by the chief worker only, and a resumed fit's
    history holds the epochs before the resume too.
    """
    callbacks = [DivergenceGuard(options)]
    if validation and options.validation_patience:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor=f"val_{options.validation_metric}",
                patience=options.validation_patience,
                restore_best_weights=True,
            )
        )
    if options.checkpoint_dir is not None:
        callbacks.append(WorkerBackup(options.checkpoint_dir))
    if options.time_budget is not None:
        callbacks.append(TimeBudget(options.time_budget))
    if getattr(options, "progress_plot", None) is not None:
        from lstm_apps.plots import TrainingProgressPlot

        callbacks.append(TrainingProgressPlot(options.progress_plot))
    return callbacks


def train(model, x, y, options: TrainingOptions | None = None, *, callbacks=(), class_weight=None):
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
        class_weight: optional `{class code: weight}` for the loss of a
            sequence-to-label classifier (Keras's `class_weight`; see
            `lstm_apps.comparison.balanced_class_weight`). Default None.

    Returns:
        The `keras.callbacks.History` of the fit. The model is trained in place.

    Raises:
        ValueError: for bad sequences, targets that do not match them,
            labels outside the model's classes, or mini-batches whose
            activations would need more than half of the free memory.
        TrainingDiverged: when the loss or the weights stop being finite.

    Example:
        >>> model = build_model("lstm", num_features=12, num_outputs=9)
        >>> history = train(model, x_train, y_train, TrainingOptions(max_epochs=5))
    """
    options = options or TrainingOptions()
    if not isinstance(options, TrainingConfig):
        raise TypeError(
            "`options` must be a TrainingOptions or TrainingConfig. "
            f"Received: {type(options).__name__}"
        )
    if not isinstance(options, TrainingOptions):
        options = options.options()
    if options.seed is not None:
        keras.utils.set_random_seed(options.seed)
    data = SequenceData(x, y, model, options)
    if class_weight is not None and data.weighted:
        raise ValueError(
            "`class_weight` applies to one label per sequence; these targets have unlabelled "
            f"steps. Received: class_weight={class_weight!r}"
        )
    length = options.sequence_length
    steps = length if isinstance(length, int) else int(data.lengths.max())
    check_activation_memory(model, min(options.mini_batch_size, len(data.x)), steps)
    adapt_normalization(model, data.x)
    apply_l2_penalty(model, options.l2_regularization)
    steps = math.ceil(len(data.x) / options.mini_batch_size)
    loss, metrics = loss_and_metrics(model, options.loss)
    # with unlabelled steps, the metrics must weigh steps as the loss does
    metrics = {("weighted_metrics" if data.weighted else "metrics"): metrics}
    with model_scope(model):
        model.compile(optimizer=make_optimizer(options, steps), loss=loss, **metrics)

    epoch = [0]
    seed = options.seed or 0
    train_ds = data.dataset(options.shuffle, seed=seed, epoch=epoch)
    val_ds = None
    if options.validation_data is not None:
        x_val, y_val = options.validation_data
        val_ds = SequenceData(x_val, y_val, model, options).dataset("never")
    return fit_dataset(
        model,
        train_ds,
        options,
        validation=val_ds,
        callbacks=[_EpochCounter(epoch), *callbacks],
        class_weight=class_weight,
    )


def fit_dataset(
    model,
    dataset,
    options: TrainingConfig,
    *,
    validation=None,
    callbacks=(),
    class_weight=None,
    **fit_arguments,
):
    """`model.fit` on a `tf.data.Dataset` that batches and shuffles itself.

    The fit of `train` and of the custom loops that build their own datasets
    (teacher forcing): epochs and verbosity from `options`, the callbacks of
    `option_callbacks` (divergence guard, early stopping, backup, time budget,
    progress plot) before the extra `callbacks`, so an epoch is backed up
    before they see it, and never once it has diverged. The recurrent layers
    run in `options.precision` for the length of the fit
    (`lstm_apps.training.precision`).

    Args:
        model: a compiled Keras model.
        dataset: the training batches.
        options: `TrainingOptions` or `TrainingConfig`.
        validation: optional validation dataset.
        callbacks: extra Keras callbacks.
        class_weight: optional `{class code: weight}` (Keras's `class_weight`).
        **fit_arguments: more arguments of `model.fit` (`steps_per_epoch`,
            `validation_steps`), for datasets that repeat.

    Under `options.distribution` the model must have been built in
    `lstm_apps.scaling.distribution_scope`; each worker then takes its share of
    every global batch.

    Returns:
        The `keras.callbacks.History` of the fit (of the whole run when it
        resumed from `options.checkpoint_dir`).
    """
    dataset, validation = distributable(model, options.distribution, dataset, validation)
    callbacks = [*option_callbacks(options, validation is not None), *callbacks]
    with training_precision(model, options.precision):
        history = model.fit(
            dataset,
            class_weight=class_weight,
            validation_data=validation,
            epochs=options.max_epochs,
            callbacks=callbacks,
            verbose=options.verbose,
            shuffle=False,  # the dataset shuffles itself, as `options.shuffle` says
            **fit_arguments,
        )
    return whole_history(history, callbacks)


def fit_arrays(model, x, y, options: TrainingConfig, *, validation=None, callbacks=()):
    """`model.fit` on in-memory arrays of equal-length samples, as `options` says.

    Epochs, mini-batch size, shuffling ("never", "once": one permutation
    seeded by `options.seed` before the fit, "every-epoch"), verbosity and
    the callbacks of `option_callbacks` and the recurrent layers' precision
    (`options.precision`) come from `options`; the model must
    be compiled (with `make_optimizer`). Mini-batches whose activations
    would need more than half of the free memory are refused first.

    Args:
        model: a compiled Keras model.
        x, y: training inputs and targets (arrays of equal length).
        options: `TrainingOptions` or `TrainingConfig`.
        validation: optional `(x_val, y_val)`.
        callbacks: extra Keras callbacks, run after the option callbacks.

    Returns:
        The `keras.callbacks.History` of the fit.
    """
    rows, steps = _rows_and_steps(model, x)
    check_activation_memory(model, min(options.mini_batch_size, rows), steps)
    distributable(model, options.distribution)
    if options.shuffle == "once":
        order = np.random.default_rng(options.seed or 0).permutation(len(x))
        x, y = np.asarray(x)[order], np.asarray(y)[order]
    callbacks = [*option_callbacks(options, validation is not None), *callbacks]
    with training_precision(model, options.precision):
        history = model.fit(
            x,
            y,
            batch_size=options.mini_batch_size,
            epochs=options.max_epochs,
            validation_data=validation,
            callbacks=callbacks,
            shuffle=options.shuffle == "every-epoch",
            verbose=options.verbose,
        )
    return whole_history(history, callbacks)


def _rows_and_steps(model, x):
    """The number of samples in `x`, and the longest time axis among its arrays that feed
    `model`'s variable-length inputs (1 when none has one)."""
    several = isinstance(x, (list, tuple)) and len(model.inputs) > 1
    arrays = x if several else [x]
    rows, steps = len(arrays[0]), 1
    for spec, array in zip(getattr(model, "inputs", None) or [], arrays):
        if len(spec.shape) >= 2 and spec.shape[1] is None and len(array):
            sample = np.shape(array[0])
            steps = max(steps, int(sample[0])) if sample else steps
    return rows, steps
