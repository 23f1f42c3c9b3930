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


def whole_number_ticks(ax, times) -> None:
    """Ticks at whole numbers on the x axis when `times` are integers (years, step
    numbers), so that a plot of years never shows 1871.5."""
    if np.issubdtype(np.asarray(times).dtype, np.integer):
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))


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
        history: a `keras.callbacks.History` or its `.history` dict, or a list
            of them (the members of an ensemble: one pair of curves each, in
            the same two colours).
        path: optional PNG path.
    """
    runs = history if isinstance(history, (list, tuple)) else [history]
    runs = [getattr(h, "history", h) for h in runs]
    names = [k for k in runs[0] if not k.startswith("val_") and k not in ("learning_rate",)]
    fig, axes = plt.subplots(1, len(names), figsize=(4.5 * len(names), 3.4), squeeze=False)
    alpha = 1.0 if len(runs) == 1 else 0.6
    for ax, name in zip(axes[0], names):
        for i, logs in enumerate(runs):
            epochs = np.arange(1, len(logs[name]) + 1)
            first = i == 0  # one legend entry per kind of curve
            ax.plot(epochs, logs[name], "o-", ms=3, color="C0", alpha=alpha,
                    label="training" if first else None)  # fmt: skip
            if f"val_{name}" in logs:
                ax.plot(epochs, logs[f"val_{name}"], "s--", ms=3, color="C1", alpha=alpha,
                        label="validation" if first else None)  # fmt: skip
        ax.set_xlabel("epoch")
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle("Training progress" + (f" ({len(runs)} networks)" if len(runs) > 1 else ""))
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


GATE_PANELS = {
    "input_gate": ("input gate i", (0.0, 1.0), "viridis"),
    "forget_gate": ("forget gate f", (0.0, 1.0), "viridis"),
    "output_gate": ("output gate o", (0.0, 1.0), "viridis"),
    "update_gate": ("update gate z", (0.0, 1.0), "viridis"),
    "reset_gate": ("reset gate r", (0.0, 1.0), "viridis"),
    "candidate": ("candidate", (-1.0, 1.0), "RdBu_r"),
    "cell": ("cell state c", None, "RdBu_r"),
    "hidden": ("hidden state h", (-1.0, 1.0), "RdBu_r"),
}


def plot_gates(states, inputs, path=None, *, feature_names=None, units=None, title=None):
    """Heatmaps of an input sequence and of a recurrent layer's gates and states beside it.

    Args:
        states: the dict of `lstm_apps.inspect_gates` (arrays `(T, units)`).
        inputs: the `(T, F)` input sequence (drawn on top, features by steps).
        path: optional PNG path.
        feature_names: labels of the F input rows.
        units: show only these unit indices (default: all).
        title: figure title.

    Gates share a 0-1 colour scale; the candidate and the hidden state a
    -1..1 scale; the cell state a symmetric scale set by its largest value.
    """
    inputs = np.asarray(inputs)
    if inputs.ndim != 2 or inputs.shape[0] != len(next(iter(states.values()))):
        raise ValueError(
            "`inputs` must be the (T, F) sequence the states were computed from. "
            f"Received shape {inputs.shape} for states of {len(next(iter(states.values())))} steps"
        )
    names = [name for name in GATE_PANELS if name in states]
    fig, axes = plt.subplots(
        len(names) + 1, 1, figsize=(9, 1.4 + 1.6 * (len(names) + 1)), sharex=True
    )
    limit = np.abs(inputs).max() or 1.0
    image = axes[0].imshow(inputs.T, aspect="auto", cmap="RdBu_r", vmin=-limit, vmax=limit)
    axes[0].set_title("input")
    if feature_names is not None:
        axes[0].set_yticks(range(len(feature_names)), feature_names, fontsize=7)
    else:
        axes[0].set_ylabel("feature")
    fig.colorbar(image, ax=axes[0], fraction=0.03, pad=0.01)
    for ax, name in zip(axes[1:], names):
        label, bounds, cmap = GATE_PANELS[name]
        values = np.asarray(states[name])
        if units is not None:
            values = values[:, list(units)]
        if bounds is None:
            top = np.abs(values).max() or 1.0
            bounds = (-top, top)
        image = ax.imshow(values.T, aspect="auto", cmap=cmap, vmin=bounds[0], vmax=bounds[1])
        ax.set_title(label)
        ax.set_ylabel("unit")
        fig.colorbar(image, ax=ax, fraction=0.03, pad=0.01)
    axes[-1].set_xlabel("time step")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return save_figure(fig, path)
