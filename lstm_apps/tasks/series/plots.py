"""Figures of the series case study: the forecasts with the history, the one-step test
forecasts, MASE per horizon step and training progress.

The forecast and the MASE-per-step figures are the `forecasting` study's
(`lstm_apps.tasks.forecasting.plots`).
"""

from __future__ import annotations

from pathlib import Path

from lstm_apps import plots
from lstm_apps.tasks.forecasting.plots import (
    LABELS,
    STYLES,
    last_origin_forecasts,
    plot_forecast,
    plot_mase_by_horizon,
)


def plot_one_step(times, truth, forecasts, *, title=None, path=None):
    """The test part (first column) and each model's one-step-ahead forecast of every step.

    Args:
        times: `(N,)` times of the test steps; truth: `(N,)` observed values.
        forecasts: dict name -> `(N,)` one-step forecasts.
    """
    fig, ax = plots.plt.subplots(figsize=(10, 3.8))
    ax.plot(times, truth, "k.-", lw=0.8, ms=3, label="observed")
    for name, forecast in forecasts.items():
        ax.plot(times, forecast, STYLES.get(name, "-"), lw=1.2, label=LABELS.get(name, name))
    ax.set(title=title or "One-step-ahead test forecasts")
    plots.whole_number_ticks(ax, times)
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return plots.save_figure(fig, path)


def plot_all(run, directory: Path) -> list[Path]:
    """forecast.png, one_step.png, mase_by_horizon.png and (when the run has a history)
    training_progress.png in `directory`; `run.predictions` must hold `evaluate`'s backtest."""
    data, backtest = run.data, run.predictions
    directory = Path(directory)
    names = ("forecast", "one_step", "mase_by_horizon")
    paths = {name: directory / f"{name}.png" for name in names}
    origin, forecasts, interval = last_origin_forecasts(run)
    column = data.columns[0]
    season = data.season_length
    figures = [
        plot_forecast(
            data.times, data.values[:, 0], origin, forecasts, interval,
            history=max(4 * season, 48),
            title=f"{Path(data.series).name} ({column}): closed-loop forecast of {data.horizon} "
            "steps",
            path=paths["forecast"],
        ),
        plot_one_step(
            data.times[data.fit_end :], backtest.y_test[:, 0],
            {name: f[:, 0] for name, f in backtest.one_step.items()},
            title=f"{Path(data.series).name} ({column}): one-step-ahead test forecasts",
            path=paths["one_step"],
        ),
        plot_mase_by_horizon(
            backtest.per_step, season if season > 1 else None,
            title=f"{Path(data.series).name}: test MASE per horizon step",
            path=paths["mase_by_horizon"],
        ),
    ]  # fmt: skip
    if run.history:  # a run loaded from its folder has none
        paths = {"training_progress": directory / "training_progress.png", **paths}
        figures.append(plots.plot_training_progress(run.history, paths["training_progress"]))
    for fig in figures:
        plots.plt.close(fig)
    return list(paths.values())
