"""Training: settings (`TrainingConfig`, `TrainingOptions`), `train()` and `predict()`.

`train(model, x, y, options)` takes variable-length sequences, pads each
mini-batch (grouping sequences of similar length when `bucket_by_length`),
learns the model's input-normalization statistics from the training data,
compiles with the loss that matches the model's head, and fits. Every case
study trains through it or, for custom loops (teacher forcing, ensembles,
walk-forward updates), through `make_optimizer` and `fit_dataset` / `fit_arrays` (which add the
`option_callbacks`).

Modules: `options` (settings, optimizer, loss), `batches` (padded
mini-batches), `fit` (`train`, callbacks), `inference` (`predict`).
"""

from lstm_apps.training.batches import UNLABELLED, SequenceData
from lstm_apps.training.fit import (
    TimeBudget,
    adapt_normalization,
    apply_l2_penalty,
    fit_arrays,
    fit_dataset,
    option_callbacks,
    train,
)
from lstm_apps.training.inference import compiled_forward, predict
from lstm_apps.training.options import (
    GRADIENT_THRESHOLD_METHODS,
    LEARN_RATE_SCHEDULES,
    REGRESSION_LOSSES,
    SHUFFLES,
    SOLVERS,
    VALIDATION_METRICS,
    TrainingConfig,
    TrainingOptions,
    head_activation,
    is_sequence_output,
    learn_rate_schedule,
    loss_and_metrics,
    make_optimizer,
)

__all__ = [
    "GRADIENT_THRESHOLD_METHODS",
    "LEARN_RATE_SCHEDULES",
    "REGRESSION_LOSSES",
    "SHUFFLES",
    "SOLVERS",
    "UNLABELLED",
    "VALIDATION_METRICS",
    "SequenceData",
    "TimeBudget",
    "TrainingConfig",
    "TrainingOptions",
    "adapt_normalization",
    "apply_l2_penalty",
    "fit_arrays",
    "fit_dataset",
    "compiled_forward",
    "head_activation",
    "is_sequence_output",
    "learn_rate_schedule",
    "loss_and_metrics",
    "make_optimizer",
    "option_callbacks",
    "predict",
    "train",
]
