"""Figures of the activity case study: confusion matrix and one recording over time."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lstm_apps import plots
from lstm_apps.data.hapt import CHANNELS, SAMPLE_RATE


def confusion(truth, predicted, class_names, path) -> list[Path]:
    """Row-normalized confusion matrix over the labelled samples (or windows)."""
    t = np.concatenate([np.ravel(v) for v in truth])
    p = np.concatenate([np.ravel(v) for v in predicted])
    keep = t >= 0
    fig = plots.plot_confusion_matrix(t[keep], p[keep], class_names, path, normalize="true")
    plots.plt.close(fig)
    return [Path(path)]


def timeline(signals, truth, probabilities, class_names, path) -> Path:
    """Signals, true and predicted activity, and the class probabilities of one recording."""
    plt = plots.plt
    seconds = np.arange(len(signals)) / SAMPLE_RATE
    predicted = np.argmax(probabilities, axis=-1)
    fig, axes = plt.subplots(
        3, 1, figsize=(12, 8), sharex=True, gridspec_kw={"height_ratios": [2, 2, 3]}
    )
    for k in range(min(3, signals.shape[1])):
        name = CHANNELS[k] if signals.shape[1] == len(CHANNELS) else f"channel {k}"
        axes[0].plot(seconds, signals[:, k], linewidth=0.6, label=name)
    axes[0].set_ylabel("acceleration (g)" if signals.shape[1] == len(CHANNELS) else "signal")
    axes[0].legend(loc="upper right", ncol=3, fontsize=8)
    labelled = np.where(truth >= 0, truth, np.nan)
    axes[1].plot(seconds, labelled, color="black", linewidth=2.5, label="true")
    axes[1].plot(seconds, predicted, color="tab:red", linewidth=0.8, label="predicted")
    axes[1].set_yticks(range(len(class_names)))
    axes[1].set_yticklabels(class_names, fontsize=7)
    axes[1].legend(loc="upper right", fontsize=8)
    axes[1].set_title("Activity per sample (gaps in the true line: unlabelled)", fontsize=9)
    axes[2].imshow(
        probabilities.T,
        aspect="auto",
        interpolation="nearest",
        extent=(seconds[0], seconds[-1], len(class_names) - 0.5, -0.5),
        cmap="magma",
        vmin=0,
        vmax=1,
    )
    axes[2].set_yticks(range(len(class_names)))
    axes[2].set_yticklabels(class_names, fontsize=7)
    axes[2].set_xlabel("time (s)")
    axes[2].set_title("Predicted probability of each activity", fontsize=9)
    fig.tight_layout()
    plots.save_figure(fig, path)
    plt.close(fig)
    return Path(path)
