"""Figures of the turbofan case study: RUL over engine lives, and the test engines."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lstm_apps.plots import plt, save_figure


def plot_engine_lives(sequences_rul, predictions, cap=None, units=None, path=None, count=4):
    """Predicted and true RUL at every cycle of a few engines.

    Args:
        sequences_rul: list of `(cycles,)` true RUL arrays, one per engine.
        predictions: list of `(cycles,)` predicted RUL arrays (NaN where a
            windowed network has no prediction).
        cap: the training cap, drawn as the capped target; None draws none.
        units: engine numbers for the panel titles.
        path: optional PNG path.
        count: how many engines to draw (the first ones), default 4.
    """
    count = min(count, len(sequences_rul))
    columns = 2 if count > 1 else 1
    rows = int(np.ceil(count / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(6 * columns, 3.2 * rows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        if i >= count:
            ax.set_visible(False)
            continue
        truth, predicted = np.asarray(sequences_rul[i]), np.asarray(predictions[i])
        cycles = np.arange(1, len(truth) + 1)
        ax.plot(cycles, truth, color="0.4", ls="--", lw=1, label="true RUL")
        if cap:
            ax.plot(cycles, np.minimum(truth, cap), "k", lw=1.2, label=f"target (capped at {cap})")
        ax.plot(cycles, predicted, "C3", lw=1.2, label="predicted")
        ax.set_title(f"engine {units[i]}" if units is not None else f"engine {i + 1}", fontsize=9)
        ax.set_xlabel("cycle")
        ax.set_ylabel("RUL (cycles)")
        ax.grid(alpha=0.3)
    axes.flat[0].legend(fontsize=8)
    fig.suptitle("RUL over the life of held-out engines, predicted at every cycle")
    fig.tight_layout()
    return save_figure(fig, path)


def plot_test_engines(truth, predicted, cap=None, path=None):
    """The RUL after each test engine's last cycle: a scatter and the signed errors.

    Args:
        truth: `(engines,)` true RUL (RUL_FD001.txt).
        predicted: `(engines,)` predicted RUL.
        cap: the training cap, drawn as a line; None draws none.
        path: optional PNG path.
    """
    truth, predicted = np.asarray(truth, float), np.asarray(predicted, float)
    error = predicted - truth
    fig, (ax_scatter, ax_bars) = plt.subplots(
        1, 2, figsize=(12, 4.2), gridspec_kw={"width_ratios": [1, 1.8]}
    )
    top = max(truth.max(), predicted.max()) * 1.05
    ax_scatter.scatter(truth, predicted, s=16, c=np.where(error >= 0, "C3", "C0"))
    ax_scatter.plot([0, top], [0, top], "k-", lw=1)
    if cap:
        ax_scatter.axhline(cap, color="0.5", ls=":", lw=1, label=f"cap {cap}")
        ax_scatter.legend(fontsize=8)
    ax_scatter.set(xlabel="true RUL (cycles)", ylabel="predicted RUL (cycles)", xlim=(0, top))
    ax_scatter.set_ylim(0, top)
    ax_scatter.grid(alpha=0.3)
    order = np.argsort(truth, kind="stable")
    ax_bars.bar(np.arange(len(order)), error[order], color=np.where(error[order] >= 0, "C3", "C0"))
    ax_bars.axhline(0, color="k", lw=0.8)
    ax_bars.set(xlabel="test engines, sorted by true RUL", ylabel="predicted - true (cycles)")
    ax_bars.set_title("red: late (predicted RUL too long), blue: early", fontsize=9)
    ax_bars.grid(axis="y", alpha=0.3)
    rmse = float(np.sqrt(np.mean(error**2)))
    fig.suptitle(f"Test engines at their last cycle: RMSE {rmse:.2f} cycles")
    fig.tight_layout()
    return save_figure(fig, path)


def plot_all(config, data, predictions, directory) -> list[Path]:
    """The two figures of a run: `engine_lives.png` and `test_engines.png`.

    Args:
        config: the run's `Config` (its `rul_cap` is drawn).
        data: the run's `TurbofanSplits`.
        predictions: the `CyclePredictions` that `evaluate` keeps in `run.predictions`.
        directory: folder of the PNG files.
    """
    directory = Path(directory)
    paths = [directory / "engine_lives.png", directory / "test_engines.png"]
    for fig in (
        plot_engine_lives(
            data.y_val, predictions.validation, config.rul_cap, data.validation_units, paths[0]
        ),
        plot_test_engines(data.test_rul, predictions.last, config.rul_cap, paths[1]),
    ):
        plt.close(fig)
    return paths
