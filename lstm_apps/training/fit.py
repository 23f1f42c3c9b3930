"""`train()`: compile and fit a sequence model, with its callbacks."""

from __future__ import annotations

import math
import time

import keras
import numpy as np

from lstm_apps.checks import check_positive
from lstm_apps.models.builder import adapt_normalization
from lstm_apps.training.batches import SequenceData
from lstm_apps.training.options import (
    TrainingConfig,
    TrainingOptions,
    loss_and_metrics,
    make_optimizer,
)


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
    that every fit in the package honours the same settings.
    """
    callbacks = []
    if validation and options.validation_patience:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor=f"val_{options.validation_metric}",
                patience=options.validation_patience,
                restore_best_weights=True,
            )
        )
    if options.checkpoint_dir is not None:
        callbacks.append(keras.callbacks.BackupAndRestore(str(options.checkpoint_dir)))
    if options.time_budget is not None:
        callbacks.append(TimeBudget(options.time_budget))
    if getattr(options, "progress_plot", None) is not None:
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
    adapt_normalization(model, data.x)
    apply_l2_penalty(model, options.l2_regularization)
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
    return fit_dataset(
        model, train_ds, options, validation=val_ds, callbacks=[_EpochCounter(epoch), *callbacks]
    )


def fit_dataset(model, dataset, options: TrainingConfig, *, validation=None, callbacks=()):
    """`model.fit` on a `tf.data.Dataset` that batches and shuffles itself.

    The fit of `train` and of the custom loops that build their own datasets
    (teacher forcing): epochs and verbosity from `options`, the callbacks of
    `option_callbacks` (early stopping, backup, time budget, progress plot)
    before the extra `callbacks`, so an epoch is backed up before they see it.

    Args:
        model: a compiled Keras model.
        dataset: the training batches.
        options: `TrainingOptions` or `TrainingConfig`.
        validation: optional validation dataset.
        callbacks: extra Keras callbacks.

    Returns:
        The `keras.callbacks.History` of the fit.
    """
    return model.fit(
        dataset,
        validation_data=validation,
        epochs=options.max_epochs,
        callbacks=[*option_callbacks(options, validation is not None), *callbacks],
        verbose=options.verbose,
        shuffle=False,  # the dataset shuffles itself, as `options.shuffle` says
    )


def fit_arrays(model, x, y, options: TrainingConfig, *, validation=None, callbacks=()):
    """`model.fit` on in-memory arrays of equal-length samples, as `options` says.

    Epochs, mini-batch size, shuffling ("never", "once": one permutation
    seeded by `options.seed` before the fit, "every-epoch"), verbosity and
    the callbacks of `option_callbacks` come from `options`; the model must
    be compiled (with `make_optimizer`).

    Args:
        model: a compiled Keras model.
        x, y: training inputs and targets (arrays of equal length).
        options: `TrainingOptions` or `TrainingConfig`.
        validation: optional `(x_val, y_val)`.
        callbacks: extra Keras callbacks, run after the option callbacks.

    Returns:
        The `keras.callbacks.History` of the fit.
    """
    if options.shuffle == "once":
        order = np.random.default_rng(options.seed or 0).permutation(len(x))
        x, y = np.asarray(x)[order], np.asarray(y)[order]
    return model.fit(
        x,
        y,
        batch_size=options.mini_batch_size,
        epochs=options.max_epochs,
        validation_data=validation,
        callbacks=[*option_callbacks(options, validation is not None), *callbacks],
        shuffle=options.shuffle == "every-epoch",
        verbose=options.verbose,
    )
