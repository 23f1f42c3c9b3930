"""Training: settings (`TrainingConfig`, `TrainingOptions`), `train()` and `predict()`.

`train(model, x, y, options)` takes variable-length sequences, pads each
mini-batch (grouping sequences of similar length when `bucket_by_length`),
learns the model's input-normalization statistics from the training data,
compiles with the loss that matches the model's head, and fits. Every case
study trains through it or, for custom loops (teacher forcing, ensembles,
walk-forward updates), through `make_optimizer` and `fit_dataset` / `fit_arrays` (which add the
`option_callbacks`).

Modules: `options` (settings, optimizer, loss), `batches` (padded
mini-batches), `fit` (`train`, callbacks), `inference` (`predict`), `precision` (bfloat16 training),
`distribution` (tf.distribute strategies, `TF_CONFIG`), `backup` (`WorkerBackup`).
"""

from lstm_apps.lazy import lazy_names

# public name -> its module, imported on first use (`fit` and `inference` import Keras;
# `options` does not, so the case-study Configs can be checked without it)
_NAMES = {
    "UNLABELLED": "lstm_apps.training.batches",
    "SequenceData": "lstm_apps.training.batches",
    "TimeBudget": "lstm_apps.training.fit",
    "WorkerBackup": "lstm_apps.training.backup",
    "DISTRIBUTIONS": "lstm_apps.training.distribution",
    "distribution_scope": "lstm_apps.training.distribution",
    "DivergenceGuard": "lstm_apps.training.fit",
    "TrainingDiverged": "lstm_apps.training.fit",
    "check_finite_weights": "lstm_apps.training.fit",
    "adapt_normalization": "lstm_apps.training.fit",
    "apply_l2_penalty": "lstm_apps.training.fit",
    "adapt_training": "lstm_apps.training.adaptive",
    "fit_arrays": "lstm_apps.training.fit",
    "fit_dataset": "lstm_apps.training.fit",
    "option_callbacks": "lstm_apps.training.fit",
    "train": "lstm_apps.training.fit",
    "compiled_forward": "lstm_apps.training.inference",
    "predict": "lstm_apps.training.inference",
    "GRADIENT_THRESHOLD_METHODS": "lstm_apps.training.options",
    "LEARN_RATE_SCHEDULES": "lstm_apps.training.options",
    "REGRESSION_LOSSES": "lstm_apps.training.options",
    "SHUFFLES": "lstm_apps.training.options",
    "PRECISIONS": "lstm_apps.training.options",
    "resolve_precision": "lstm_apps.training.precision",
    "training_precision": "lstm_apps.training.precision",
    "SOLVERS": "lstm_apps.training.options",
    "VALIDATION_METRICS": "lstm_apps.training.options",
    "TrainingConfig": "lstm_apps.training.options",
    "TrainingOptions": "lstm_apps.training.options",
    "head_activation": "lstm_apps.training.options",
    "is_sequence_output": "lstm_apps.training.options",
    "learn_rate_schedule": "lstm_apps.training.options",
    "loss_and_metrics": "lstm_apps.training.options",
    "make_optimizer": "lstm_apps.training.options",
}
__getattr__, __dir__ = lazy_names(__name__, _NAMES)

__all__ = [
    "GRADIENT_THRESHOLD_METHODS",
    "LEARN_RATE_SCHEDULES",
    "REGRESSION_LOSSES",
    "SHUFFLES",
    "PRECISIONS",
    "SOLVERS",
    "UNLABELLED",
    "VALIDATION_METRICS",
    "DivergenceGuard",
    "SequenceData",
    "TimeBudget",
    "WorkerBackup",
    "DISTRIBUTIONS",
    "distribution_scope",
    "TrainingDiverged",
    "TrainingConfig",
    "TrainingOptions",
    "adapt_normalization",
    "apply_l2_penalty",
    "adapt_training",
    "check_finite_weights",
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
    "resolve_precision",
    "train",
    "training_precision",
]
