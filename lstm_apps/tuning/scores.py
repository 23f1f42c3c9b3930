"""Validation scores a study may score its trials by (`TuningSpec.score`).

A trial is scored by default on the best epoch of a Keras history metric.
Two cases call for a score computed from the trained run instead: a
study's reported measure is not a Keras metric (turbofan's RMSE at the
validation cycles that look like a test engine's last), or the history's
metric stops telling trials apart (a validation accuracy of 1.0 on small
folds).
"""

from __future__ import annotations

import numpy as np

FLOOR = 1e-7  # probabilities are clipped here, so one confident mistake stays finite


def validation_log_loss(run) -> float:
    """The mean cross-entropy of the true class over a run's validation sequences.

    Unlike Keras's `val_loss`, it carries no L2 penalty, so trials with and
    without L2 compare; unlike the validation accuracy, it keeps ranking
    trials after every validation sequence is classified right. For a
    sequence classifier whose `data.x_val` the model reads as they are
    (`lstm_apps.training.predict`) and whose `data.y_val` are class codes.
    """
    from lstm_apps import training

    x, y = run.data.x_val, np.asarray(run.data.y_val)
    if x is None or len(y) == 0:
        raise ValueError(
            "A validation log-loss needs validation sequences; this run has none. "
            f"Received: {0 if x is None else len(x)} validation sequences"
        )
    probabilities = np.asarray(training.predict(run.model, x))
    true_class = probabilities[np.arange(len(y)), y]
    return float(np.mean(-np.log(np.clip(true_class, FLOOR, 1.0))))
