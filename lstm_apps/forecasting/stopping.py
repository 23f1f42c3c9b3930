"""Early stopping on the validation steps alone: `StepValidation`.

A forecasting network's validation windows end in the validation part but
start before it, so their loss is mostly the loss of training steps the
network has fitted; early stopping on it stops late, or never, on a short
series. `StepValidation` instead runs the network over each series joined to
its validation part once per epoch and scores only the one-step predictions
of the validation steps (the mean squared error of the standardized targets,
the training loss), as `val_loss`; it stops after `patience` epochs without
improvement and restores the best weights.
"""

from __future__ import annotations

import keras
import numpy as np

from lstm_apps.forecasting.network import next_targets


class StepValidation(keras.callbacks.Callback):
    """Early stopping on the validation steps' loss (see the module docstring).

    Args:
        core: the network up to its standardized output (what is trained).
        joined: each series joined to its validation part, `(T_i, F)` arrays.
        first_end: the first validation step of each joined series.
        patience: epochs without improvement before stopping; None never stops.
        transform, offset, scale: the network's transform and target statistics.
    """

    def __init__(self, core, joined, first_end, patience=None, *, transform, offset, scale):
        super().__init__()
        self.core = core
        self.inputs = [np.asarray(s[None, :-1], "float32") for s in joined]
        targets = [(next_targets(s, transform) - offset) / scale for s in joined]
        self.targets = [z[end - 1 :] for z, end in zip(targets, first_end)]
        self.first_end = list(first_end)
        self.patience = patience

    def score(self) -> float:
        """The mean squared error of the validation steps' standardized one-step predictions."""
        errors = []
        for x, z, end in zip(self.inputs, self.targets, self.first_end):
            predicted = np.asarray(self.core.predict_on_batch(x))[0, end - 1 :]  # compiled
            errors.append(np.square(predicted - z).ravel())
        return float(np.mean(np.concatenate(errors)))

    def on_train_begin(self, logs=None):
        self.best, self.best_weights, self.wait = np.inf, None, 0

    def on_epoch_end(self, epoch, logs=None):
        value = self.score()
        if logs is not None:
            logs["val_loss"] = value
        if value < self.best:
            self.best, self.best_weights, self.wait = value, self.core.get_weights(), 0
        else:
            self.wait += 1
            if self.patience is not None and self.wait >= self.patience:
                self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.best_weights is not None:
            self.core.set_weights(self.best_weights)
