"""Figures of the NOx case study: over time, scatter, and errors by year.

Each draws a `recalibration.Comparison`, what `nox.evaluate` keeps in
`run.predictions`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lstm_apps.plots import plt, save_figure

SHOWN = ("lstm", "lstm_recalibrated", "hgb_lagged_recalibrated")


def plot_over_time(comparison, path=None, hours=24 * 28):
    """Measured and predicted NOx over the first `hours` scored test hours."""
    truth = comparison.truth[:hours]
    fig, ax = plt.subplots(figsize=(11, 3.8))
    ax.plot(truth, color="black", lw=1.2, label="measured")
    for key in SHOWN:
        predicted = comparison.predictions[key][:hours]
        ax.plot(predicted, lw=0.9, alpha=0.85, label=key.replace("_", " "))
    ax.set_xlabel("test hour")
    ax.set_ylabel("NOx (mg/m³)")
    ax.set_title(f"Measured vs predicted NOx, first {len(truth)} test hours")
    ax.legend(ncol=4, fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_scatter(comparison, path=None):
    """Predicted against measured NOx, with and without recalibration, and the ±10 % band."""
    truth = comparison.truth
    keys = ("lstm", "lstm_recalibrated")
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.2), sharex=True, sharey=True)
    line = np.array([truth.min(), truth.max()])
    for ax, key in zip(axes, keys):
        ax.scatter(truth, comparison.predictions[key], s=2, alpha=0.25)
        ax.plot(line, line, "k-", lw=1)
        ax.fill_between(line, 0.9 * line, 1.1 * line, color="gray", alpha=0.2, label="±10 %")
        ax.set_title(key.replace("_", " "))
        ax.set_xlabel("measured NOx")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("predicted NOx")
    axes[0].legend()
    fig.tight_layout()
    return save_figure(fig, path)


def plot_errors_by_year(comparison, path=None):
    """Mean absolute error of every model, per test year, both protocols."""
    truth, years, predictions = comparison.truth, comparison.year, comparison.predictions
    keys = list(predictions)
    unique = np.unique(years)
    width = 0.8 / len(unique)
    fig, ax = plt.subplots(figsize=(10, 4))
    for j, year in enumerate(unique):
        mask = years == year
        maes = [np.mean(np.abs(predictions[k][mask] - truth[mask])) for k in keys]
        ax.bar(np.arange(len(keys)) + j * width, maes, width, label=str(year))
    ax.set_xticks(np.arange(len(keys)) + width * (len(unique) - 1) / 2)
    ax.set_xticklabels([k.replace("_", "\n") for k in keys], fontsize=7)
    ax.set_ylabel("MAE (mg/m³)")
    ax.set_title("Test error by year")
    ax.legend()
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_all(comparison, directory) -> list[Path]:
    """Draw the three figures into `directory`; returns their paths."""
    directory = Path(directory)
    paths = []
    for name, draw in (
        ("nox_over_time.png", plot_over_time),
        ("nox_scatter.png", plot_scatter),
        ("nox_errors_by_year.png", plot_errors_by_year),
    ):
        paths.append(directory / name)
        plt.close(draw(comparison, paths[-1]))
    return paths
