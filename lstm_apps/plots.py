"""Matplotlib figures: training progress and confusion matrix.

Every function returns a `matplotlib.figure.Figure`; pass `path` to also
save it as PNG.
"""

from __future__ import annotations

from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import confusion_matrix


def save_figure(fig, path):
    """Save `fig` as PNG at `path` (folders created) when `path` is given; return `fig`."""
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110, bbox_inches="tight")
    return fig


def plot_training_progress(history, path=None):
    """Loss and metric curves, training and validation, one panel each.

    Args:
        history: a `keras.callbacks.History` or its `.history` dict.
        path: optional PNG path.
    """
    logs = getattr(history, "history", history)
    names = [k for k in logs if not k.startswith("val_") and k not in ("learning_rate",)]
    fig, axes = plt.subplots(1, len(names), figsize=(4.5 * len(names), 3.4), squeeze=False)
    for ax, name in zip(axes[0], names):
        epochs = np.arange(1, len(logs[name]) + 1)
        ax.plot(epochs, logs[name], "o-", ms=3, label="training")
        if f"val_{name}" in logs:
            ax.plot(epochs, logs[f"val_{name}"], "s--", ms=3, label="validation")
        ax.set_xlabel("epoch")
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle("Training progress")
    fig.tight_layout()
    return save_figure(fig, path)


class TrainingProgressPlot(keras.callbacks.Callback):
    """Redraw the training-progress figure into a PNG after every epoch."""

    def __init__(self, path):
        super().__init__()
        self.path = Path(path)
        self.logs = {}

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            self.logs.setdefault(key, []).append(float(value))
        fig = plot_training_progress(self.logs, self.path)
        plt.close(fig)


def plot_confusion_matrix(y_true, y_pred, class_names=None, path=None, normalize=None):
    """Confusion matrix with class names on both axes.

    Args:
        y_true, y_pred: class codes (flat arrays, or lists per time step).
        class_names: names for codes 0..K-1.
        path: optional PNG path.
        normalize: None (counts, default), "true" (rows sum to 1).
    """
    flat = [
        np.concatenate([np.ravel(v) for v in a]) if isinstance(a, list) else np.ravel(a)
        for a in (y_true, y_pred)
    ]
    k = len(class_names) if class_names is not None else int(max(map(np.max, flat))) + 1
    names = [str(c) for c in (class_names if class_names is not None else range(k))]
    matrix = confusion_matrix(flat[0], flat[1], labels=np.arange(k), normalize=normalize)
    fig, ax = plt.subplots(figsize=(1.0 + 0.55 * k, 0.8 + 0.5 * k))
    image = ax.imshow(matrix, cmap="Blues")
    fig.colorbar(image, ax=ax, fraction=0.046)
    fmt = "{:.2f}" if normalize else "{:d}"
    limit = matrix.max() / 2 if matrix.size else 0
    for (i, j), value in np.ndenumerate(matrix):
        ax.text(
            j,
            i,
            fmt.format(value),
            ha="center",
            va="center",
            fontsize=8,
            color="white" if value > limit else "black",
        )
    ax.set_xticks(range(k), names, rotation=45, ha="right")
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title("Confusion matrix")
    fig.tight_layout()
    return save_figure(fig, path)
