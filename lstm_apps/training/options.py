"""Training settings: `TrainingConfig` (the training section of every case
study's Config) and `TrainingOptions` (the same settings plus what only a
running fit knows), with the one route from settings to a Keras optimizer.

Names follow MATLAB's `trainingOptions` (`InitialLearnRate` ->
`initial_learn_rate`, `MiniBatchSize` -> `mini_batch_size`, ...), the
vocabulary of the course material.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from lstm_apps.checks import check_choice, check_int, check_positive, check_range
from lstm_apps.data.sequences import PADDING_DIRECTIONS, resolve_length
from lstm_apps.training.distribution import DISTRIBUTIONS, clip_after_all_reduce

SOLVERS = ("adam", "sgdm", "rmsprop")
GRADIENT_THRESHOLD_METHODS = ("global-l2norm", "l2norm", "absolute-value")
SHUFFLES = ("never", "once", "every-epoch")
LEARN_RATE_SCHEDULES = ("piecewise", "exponential")
VALIDATION_METRICS = ("loss", "accuracy", "rmse")
# regression losses a caller may ask for (name -> its class in `keras.losses`); "auto" takes
# the one that matches the head. Keras is imported only where a loss or optimizer is made, so
# that a Config can be checked without starting TensorFlow.
REGRESSION_LOSSES = {"mse": "MeanSquaredError", "mae": "MeanAbsoluteError", "huber": "Huber"}
VERBOSITY = (0, 1, 2)
# "mixed_bfloat16": recurrent layers in bfloat16 while training (lstm_apps.training.precision)
PRECISIONS = ("float32", "mixed_bfloat16", "auto")
MAX_SEED = 2**32 - 1  # the largest seed `keras.utils.set_random_seed` (NumPy) accepts


@dataclass(frozen=True)
class TrainingConfig:
    """The training settings of a case study: its Config's `training` section.

    Every case study declares one (`Config.training`, with its own defaults),
    the command line changes it with `--set training.FIELD=VALUE`, and
    `options()` turns it into `TrainingOptions` for `lstm_apps.train`.

    Args:
        solver: "adam" (default), "sgdm" (SGD with momentum) or "rmsprop".
        initial_learn_rate: starting learning rate, default 1e-3.
        learn_rate_schedule: "piecewise" (default; MATLAB's): the rate is
            multiplied by `learn_rate_drop_factor` every
            `learn_rate_drop_period` epochs, and stays constant without a
            period; "exponential": it decays smoothly by that factor every
            period, or over all of `max_epochs` when no period is set.
        learn_rate_drop_factor: factor applied every `learn_rate_drop_period`
            epochs, default 0.1.
        learn_rate_drop_period: epochs between drops; None (default) keeps
            a piecewise rate constant.
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
            a regression head may ask for "mse", "mae" or "huber".
        l2_regularization: factor `lambda` of the penalty `lambda/2 * ||w||^2`
            on weight matrices that have no regularizer of their own,
            default 0.
        shuffle: "never", "once" (default) or "every-epoch".
        validation_patience: stop after this many epochs without a better
            validation score and restore the best weights; None (default)
            never stops early.
        validation_metric: the validation score that early stopping
            watches: "loss" (default; lower is better), "accuracy" (higher)
            or "rmse" (lower).
        sequence_length: "longest" (default) or "shortest" sequence of each
            mini-batch, or a fixed int.
        sequence_padding_direction: "right" (default) or "left".
        sequence_padding_value: value written into padded steps, default 0.0.
        bucket_by_length: put sequences of similar length in the same
            mini-batch to save padding, default True.
        checkpoint_dir: folder for a per-epoch backup; an interrupted fit
            rerun with the same folder resumes from the last finished epoch.
            None (default) keeps no backup.
        time_budget: seconds of training after which no new epoch starts
            (`TimeBudget`); None (default) sets no limit.
        precision: "float32" (default), "mixed_bfloat16" (the recurrent
            layers compute in bfloat16 during training; weights, the head and
            the loss stay float32) or "auto" (bfloat16 only on a CPU with
            bfloat16 instructions, no GPU, and an LSTM layer of at least
            256 units: see `lstm_apps.training.precision`).
        distribution: "none" (default; one process), "mirrored" (one replica
            per local GPU, `tf.distribute.MirroredStrategy`) or "multi_worker"
            (one replica per worker process, `MultiWorkerMirroredStrategy`,
            the cluster in `TF_CONFIG`; `lstm-apps run NAME --workers N`
            starts N local workers). `mini_batch_size` is the global batch,
            shared among the replicas, so the learning rate needs no change;
            see `lstm_apps.training.distribution` and docs/guides/scaling-out.md.
        seed: seeds Keras, NumPy and TensorFlow (and a case study's splits)
            for repeatable runs, an integer in [0, 2**32 - 1]; None leaves
            them alone. Default 0.
        verbose: 1 (default) shows a progress bar, 2 one line per epoch, 0
            nothing.
    """

    solver: str = "adam"
    initial_learn_rate: float = 1e-3
    learn_rate_schedule: str = "piecewise"
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
    validation_patience: int | None = None
    validation_metric: str = "loss"
    sequence_length: str | int = "longest"
    sequence_padding_direction: str = "right"
    sequence_padding_value: float = 0.0
    bucket_by_length: bool = True
    checkpoint_dir: str | None = None
    time_budget: float | None = None
    precision: str = "float32"
    distribution: str = "none"
    seed: int | None = 0
    verbose: int = 1

    def __post_init__(self):
        check_choice("solver", self.solver, SOLVERS)
        check_choice(
            "gradient_threshold_method", self.gradient_threshold_method, GRADIENT_THRESHOLD_METHODS
        )
        check_choice("shuffle", self.shuffle, SHUFFLES)
        check_choice("validation_metric", self.validation_metric, VALIDATION_METRICS)
        check_choice("learn_rate_schedule", self.learn_rate_schedule, LEARN_RATE_SCHEDULES)
        check_choice("loss", self.loss, ("auto", *REGRESSION_LOSSES))
        check_choice(
            "sequence_padding_direction", self.sequence_padding_direction, PADDING_DIRECTIONS
        )
        check_choice("verbose", self.verbose, VERBOSITY)
        check_choice("precision", self.precision, PRECISIONS)
        check_choice("distribution", self.distribution, DISTRIBUTIONS)
        check_positive("initial_learn_rate", self.initial_learn_rate, real=True)
        check_range("momentum", self.momentum, 0, 1)
        check_positive("max_epochs", self.max_epochs)
        check_positive("mini_batch_size", self.mini_batch_size)
        check_positive("learn_rate_drop_period", self.learn_rate_drop_period, allow_none=True)
        check_positive("validation_patience", self.validation_patience, allow_none=True)
        check_positive("gradient_threshold", self.gradient_threshold, real=True, allow_none=True)
        check_positive("time_budget", self.time_budget, real=True, allow_none=True)
        drop = self.learn_rate_drop_factor
        check_range("learn_rate_drop_factor", drop, 0, 1, closed=(False, True))
        check_range("l2_regularization", self.l2_regularization, 0, float("inf"))
        check_int("seed", self.seed, 0, allow_none=True)
        if self.seed is not None and self.seed > MAX_SEED:
            raise ValueError(
                f"`seed` must be between 0 and 2**32 - 1 ({MAX_SEED}), the seeds NumPy and "
                f"TensorFlow take. Received: seed={self.seed!r}"
            )
        resolve_length([1], self.sequence_length)

    def replace(self, **changes):
        """A copy with some fields changed (checked again)."""
        return dataclasses.replace(self, **changes)

    def options(self, **runtime) -> TrainingOptions:
        """These settings as `TrainingOptions`, with the runtime-only fields in `runtime`
        (`validation_data`, `progress_plot`) and any setting overridden there."""
        settings = {f.name: getattr(self, f.name) for f in dataclasses.fields(TrainingConfig)}
        return TrainingOptions(**{**settings, **runtime})


@dataclass(frozen=True)
class TrainingOptions(TrainingConfig):
    """Everything `train()` needs: the `TrainingConfig` settings plus run-time inputs.

    Args:
        validation_data: optional `(x_val, y_val)` for validation loss,
            early stopping and the progress plot.
        progress_plot: path of a PNG "training-progress" figure redrawn after
            every epoch; None (default) draws none.
        (all other arguments: see `TrainingConfig`)

    Example:
        >>> TrainingOptions(max_epochs=5, initial_learn_rate=3e-3)
    """

    validation_data: tuple | None = None
    progress_plot: str | Path | None = None

    def __hash__(self):  # arrays in `validation_data` cannot be hashed
        return id(self)


def learn_rate_schedule(options: TrainingConfig, steps_per_epoch: int = 1):
    """The learning rate: a float, or a Keras schedule.

    "piecewise" with a drop period becomes `ExponentialDecay` with
    `staircase=True` over `drop_period * steps_per_epoch` steps, so the rate
    is multiplied by the drop factor every `drop_period` epochs; "exponential"
    is the same decay without the stairs (over `max_epochs` when no period is
    set, so the last step runs at `initial_learn_rate * drop_factor`).
    """
    period = options.learn_rate_drop_period
    smooth = options.learn_rate_schedule == "exponential"
    if smooth and period is None:
        period = options.max_epochs
    if not period or options.learn_rate_drop_factor == 1:
        return options.initial_learn_rate
    import keras

    return keras.optimizers.schedules.ExponentialDecay(
        options.initial_learn_rate,
        decay_steps=period * steps_per_epoch,
        decay_rate=options.learn_rate_drop_factor,
        staircase=not smooth,
    )


def make_optimizer(options: TrainingConfig, steps_per_epoch: int = 1):
    """The Keras optimizer for `options`, with its clipping and learn-rate schedule.

    The one route from training settings to an optimizer: every fit in the
    package, custom loops included, builds its optimizer here.
    "global-l2norm" maps to `global_clipnorm`, "l2norm" to `clipnorm` and
    "absolute-value" to `clipvalue`.

    Made in the scope of a strategy with several replicas, the optimizer clips
    the replicas' summed gradient, as one process clips its mean gradient
    (Keras would clip each replica's share before the sum:
    `lstm_apps.training.distribution.clip_after_all_reduce`).
    """
    import keras
    import tensorflow as tf

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
        optimizer = keras.optimizers.Adam(rate, **clip)
    elif options.solver == "rmsprop":
        optimizer = keras.optimizers.RMSprop(rate, **clip)
    else:
        optimizer = keras.optimizers.SGD(rate, momentum=options.momentum, **clip)
    if clip and tf.distribute.get_strategy().num_replicas_in_sync > 1:
        clip_after_all_reduce(optimizer)
    return optimizer


def head_activation(model) -> str:
    """The activation of the model's output layer: "softmax", "sigmoid" or "linear"."""
    layer = model.layers[-1]
    activation = getattr(layer, "activation", None)
    name = getattr(activation, "__name__", "linear")
    return name if name in ("softmax", "sigmoid") else "linear"


def is_sequence_output(model) -> bool:
    """Whether the model gives one output per time step."""
    return len(model.output_shape) == 3


def loss_and_metrics(model, loss="auto"):
    """The loss and metrics that match the model's head (`loss` may override a regression loss)."""
    import keras

    kind = head_activation(model)
    if loss != "auto" and kind in ("softmax", "sigmoid"):
        raise ValueError(
            f"`loss` can only be changed for a regression head; this model ends in {kind}. "
            f"Received: loss={loss!r}"
        )
    if loss != "auto":
        loss_class = getattr(keras.losses, REGRESSION_LOSSES[loss])
        return loss_class(), [keras.metrics.RootMeanSquaredError(name="rmse")]
    if kind == "softmax":
        return keras.losses.SparseCategoricalCrossentropy(), ["accuracy"]
    if kind == "sigmoid":
        return keras.losses.BinaryCrossentropy(), ["accuracy"]
    return keras.losses.MeanSquaredError(), [keras.metrics.RootMeanSquaredError(name="rmse")]
