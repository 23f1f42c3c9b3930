"""`WorkerBackup`: Keras's `BackupAndRestore`, made safe for several workers and complete in
its history.

Only the chief writes the backup; every worker restores from it, so all workers resume from
the same epoch (the folder must be one that every worker can read: the local disk for local
workers, a shared file system or bucket on a cluster). Saving a model whose variables are
mirrored across workers takes part in collective operations, so the other workers save too,
into a temporary folder that is removed at once. Beside the weights it keeps the
history of the finished epochs, so a fit that resumes returns the history of the whole run,
not only of the epochs after the resume.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import keras

from lstm_apps.training.distribution import is_chief

HISTORY_FILE = "history.json"


class WorkerBackup(keras.callbacks.BackupAndRestore):
    """Back up every epoch (chief only) and restore on every worker, history included.

    Args:
        backup_dir: the backup folder; removed when the fit ends normally.
        chief: whether this process writes; default: read from `TF_CONFIG`
            (True outside a cluster).

    Example:
        >>> history = model.fit(dataset, epochs=30, callbacks=[WorkerBackup("backup")])
    """

    def __init__(self, backup_dir, *, chief=None):
        # a crash while writing leaves the previous backup to fall back on
        super().__init__(str(backup_dir), double_checkpoint=True)
        self.chief = is_chief() if chief is None else bool(chief)
        self._history_path = Path(backup_dir) / HISTORY_FILE
        self.previous: dict[str, list] = {}  # history of the epochs before a resume
        self._epochs: list[dict] = []

    def on_train_begin(self, logs=None):
        self.model._initial_epoch = None
        super().on_train_begin(logs)
        done = self.model._initial_epoch or 0
        self._epochs = self._read_history()[:done] if done else []
        self.previous = _columns(self._epochs)

    def _read_history(self) -> list[dict]:
        if not self._history_path.exists():
            return []
        try:
            return json.loads(self._history_path.read_text())
        except (OSError, ValueError):
            return []

    def on_epoch_end(self, epoch, logs=None):
        if not self.chief:
            self._current_epoch = epoch + 1
            self._save_elsewhere()
            return
        self._epochs.append({k: float(v) for k, v in (logs or {}).items()})
        temporary = self._history_path.with_suffix(".tmp")
        self._history_path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(json.dumps(self._epochs))
        os.replace(temporary, self._history_path)
        super().on_epoch_end(epoch, logs)  # then the weights and the epoch count

    def _save_elsewhere(self):
        """What a worker other than the chief saves: the same weights, thrown away."""
        with tempfile.TemporaryDirectory(prefix="lstm_apps_worker_backup_") as folder:
            self.model.save_weights(str(Path(folder) / "latest.weights.h5"))

    def on_train_batch_end(self, batch, logs=None):
        if self.chief:
            super().on_train_batch_end(batch, logs)
        elif self._should_save_on_batch(batch):
            self._save_elsewhere()

    def on_train_end(self, logs=None):
        if self.chief:
            super().on_train_end(logs)

    def merge_history(self, history):
        """Put the epochs run before a resume in front of `history` (a Keras `History`)."""
        if not self.previous:
            return history
        done = len(next(iter(self.previous.values())))
        for key, values in self.previous.items():
            history.history[key] = list(values) + list(history.history.get(key, []))
        history.epoch = list(range(done + len(history.epoch)))
        return history


def _columns(epochs: list[dict]) -> dict[str, list]:
    columns: dict[str, list] = {}
    for logs in epochs:
        for key, value in logs.items():
            columns.setdefault(key, []).append(value)
    return columns


def whole_history(history, callbacks):
    """`history` (a Keras `History`), with the epochs that a `WorkerBackup` among `callbacks`
    restored put in front."""
    for callback in callbacks:
        if isinstance(callback, WorkerBackup):
            callback.merge_history(history)
    return history
