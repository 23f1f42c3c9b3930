"""Figures of the forecasting case study: a forecast with its history, MASE per step."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lstm_apps import plots
from lstm_apps.forecasting import Forecaster

LABELS = {
    "lstm": "LSTM", "gru": "GRU", "simple_rnn": "RNN", "lstm_projected": "projected LSTM",
    "naive": "naive", "seasonal_naive": "seasonal naive", "ets": "ETS", "arima": "ARIMA",
}  # fmt: skip
NETWORKS = ("lstm", "gru", "simple_rnn", "lstm_projected")
STYLES = {
    **dict.fromkeys(NETWORKS, "C3-"),
    "naive": "C7:", "seasonal_naive": "C2--", "ets": "C0-.", "arima": "C1-.",
}  # fmt: skip


def plot_forecast(
    times, values, origin, forecasts, interval=None, *, history=None, title=None, path=None
):
    """The series around one origin, the truth after it and each model's forecast.

    Args:
        times: `(T,)` time labels; values: `(T,)` series (one column).
        origin: the first forecast step.
        forecasts: dict name -> `(horizon,)` forecast from `origin`.
        interval: optional `(lower, upper)`, each `(horizon,)`, shaded.
        history: steps shown before the origin; default all.
        title, path: figure title; optional PNG path.
    """
    horizon = len(next(iter(forecasts.values())))
    start = 0 if history is None else max(0, origin - history)
    stop = min(len(values), origin + horizon)
    fig, ax = plots.plt.subplots(figsize=(10, 3.8))
    ax.plot(times[start:origin], values[start:origin], "k-", lw=1.2, label="history")
    ax.plot(times[origin:stop], values[origin:stop], "k.-", lw=0.8, ms=4, label="observed")
    future = times[origin : origin + horizon]
    if interval is not None:
        label = "network's 90 % interval (MC dropout)"
        ax.fill_between(future, *interval, color="C3", alpha=0.2, label=label)
    for name, forecast in forecasts.items():
        ax.plot(future, forecast, STYLES.get(name, "-"), lw=1.5, label=LABELS.get(name, name))
    ax.axvline(times[origin], color="0.6", lw=0.8)
    ax.set(title=title or "Closed-loop forecast from the last test origin")
    plots.whole_number_ticks(ax, times)
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return plots.save_figure(fig, path)


def plot_mase_by_horizon(per_step, season_length=None, *, title=None, path=None):
    """MASE at every horizon step for each model; 1 is the in-sample seasonal naive error.

    Args:
        per_step: dict name -> `{"mase": (horizon,), ...}` (`evaluate`'s backtest).
    """
    fig, ax = plots.plt.subplots(figsize=(7, 3.8))
    for name, scores in per_step.items():
        steps = np.arange(1, len(scores["mase"]) + 1)
        label = LABELS.get(name, name)
        ax.plot(steps, scores["mase"], STYLES.get(name, "-"), marker="o", ms=3, label=label)
    ax.axhline(1.0, color="0.4", lw=0.8, ls="--")
    if season_length:
        ax.axvline(season_length, color="0.7", lw=0.8)
    title = title or "Rolling-origin test MASE per step"
    ax.set(xlabel="horizon step h", ylabel="MASE", title=title)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return plots.save_figure(fig, path)


def last_origin_forecasts(run, num_samples=None):
    """Forecasts from the last test origin (first column) and the MC interval when there is dropout.

    Args:
        run: a forecasting `Run` whose `predictions` hold `evaluate`'s `Backtest`.
        num_samples: Monte Carlo dropout samples; default `run.config.num_samples`.

    Returns:
        `(origin, forecasts, interval)`: forecasts a dict name -> `(horizon,)`,
        interval `(lower, upper)` or None.
    """
    data = run.data
    origin = int(data.origins[-1])
    forecasts = {name: f[-1, :, 0] for name, f in run.predictions.forecasts.items()}
    interval = None
    samples = num_samples or run.config.num_samples
    forecaster = Forecaster.from_model(run.model, seed=run.config.training.seed)
    if forecaster.dropout > 0:
        forecaster.predict_and_update_state(data.values[:origin])
        _, lower, upper = forecaster.forecast_interval(data.horizon, num_samples=samples)
        interval = (lower[0, :, 0], upper[0, :, 0])
    return origin, forecasts, interval


def plot_all(run, directory: Path) -> list[Path]:
    """forecast.png, mase_by_horizon.png and (when the run has a history)
    training_progress.png in `directory`.

    `run.predictions` must hold `evaluate`'s `Backtest`.
    """
    data = run.data
    directory = Path(directory)
    paths = {name: directory / f"{name}.png" for name in ("forecast", "mase_by_horizon")}
    origin, forecasts, interval = last_origin_forecasts(run)
    column = data.columns[0]
    title = f"{data.series} ({column}): closed-loop forecast of {data.horizon} steps"
    figures = [
        plot_forecast(
            data.times, data.values[:, 0], origin, forecasts, interval,
            history=4 * data.season_length, title=title, path=paths["forecast"],
        ),
        plot_mase_by_horizon(
            run.predictions.per_step, data.season_length,
            title=f"{data.series}: test MASE per horizon step", path=paths["mase_by_horizon"],
        ),
    ]  # fmt: skip
    if run.history:  # a run loaded from its folder has none
        paths = {"training_progress": directory / "training_progress.png", **paths}
        figures.append(plots.plot_training_progress(run.history, paths["training_progress"]))
    for fig in figures:
        plots.plt.close(fig)
    return list(paths.values())
