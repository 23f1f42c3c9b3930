"""What the text study sizes from the data, and what it checks in the data and in the fit.

`adapt_text_training` sizes the training settings the user left at the
study's defaults from the number of training texts (the IMDB-tuned four
epochs with a patience of one stopped small runs while validation accuracy
was still rising). `data_diagnoses` and `fit_diagnoses` wrap
`lstm_apps.diagnostics` for a text run.
"""

from __future__ import annotations

import logging

import numpy as np

from lstm_apps.diagnostics import Diagnosis, diagnose_data, diagnose_history
from lstm_apps.training.adaptive import adapt_training

log = logging.getLogger(__name__)

UPDATES = 800  # weight updates aimed at (2,000 texts: 13 epochs of 63 batches)
EPOCHS = (6, 30)  # fewest and most epochs
BATCH = (32, 64)  # smallest and largest mini-batch (about 1/64 of the texts)
PATIENCE = 3  # epochs without a better validation accuracy before stopping


def adapt_text_training(training, default, num_train, has_validation=True):
    """`training` with the fields left at `default` sized from `num_train` texts.

    A mini-batch of about a 64th of the texts (32 to 64), epochs for about
    `UPDATES` weight updates (6 to 30), and with validation a patience of
    `PATIENCE` epochs (early stopping restores the best epoch's weights).
    Fields the user changed are kept (`lstm_apps.training.adapt_training`).

    Returns:
        `(training section, {field: value chosen})`.
    """
    return adapt_training(
        training,
        default,
        num_train,
        has_validation=has_validation,
        updates=UPDATES,
        epochs=EPOCHS,
        batch=BATCH,
        per_batch=64,
        patience=PATIENCE,
    )


def data_diagnoses(data) -> list[Diagnosis]:
    """Class imbalance of the training texts (`lstm_apps.diagnostics.diagnose_data`)."""
    counts = np.bincount(data.y_train, minlength=len(data.class_names))
    return diagnose_data(class_counts=dict(zip(data.class_names, counts.tolist())))


def fit_diagnoses(history, data, max_epochs, comparison=None, test_data=None) -> list[Diagnosis]:
    """Underfitting, overfitting and non-convergence of the kept network's fit, and a
    validation split whose ranking of the models the test split contradicts.

    Args:
        history: the kept network's per-epoch logs.
        data: the `SentimentSplits`.
        max_epochs: the epochs the fit was allowed.
        comparison: the run's `Comparison` (its `disagreement` becomes a
            "validation_test" diagnosis).
        test_data: the separate test file, if one was given (named in the advice).
    """
    counts = np.bincount(data.y_train, minlength=len(data.class_names))
    found = diagnose_history(
        history,
        task="classification",
        num_classes=len(data.class_names),
        class_counts=counts,
        max_epochs=max_epochs,
    )
    if comparison is None:
        return found
    scores = comparison.test
    worst = min(scores, key=scores.get)
    message = comparison.disagreement or ""
    if worst == comparison.kept and len(scores) > 2 and scores[worst] < max(scores.values()):
        shift = "Under domain shift (a separate test file), the" if test_data else "The"
        message = (
            f"{shift} model kept on validation, {worst}, was the worst of {len(scores)} models "
            f"on test ({comparison.metric} {scores[worst]:.4g} against {max(scores.values()):.4g})."
            + (" " + message if message else "")
        )
    if message:
        advice = (
            "validation texts drawn like the test texts: rows of the test domain marked "
            "'validation' in a `split` column of `data`"
            if test_data
            else "more validation texts (`validation_fraction`) or a `split` column"
        )
        found.append(Diagnosis("validation_test", message, advice + "."))
    return found
