"""Forecasting real series with a stateful LSTM, in open and closed loop.

Data (all shipped offline with statsmodels and aeon, nothing downloaded):
- `sunspots`: yearly mean sunspot numbers, 1700-2008 (309 steps). Sunspots
  have no calendar season; the 11-year solar cycle is used as the "season
  length" (the cycle really runs from about 9 to 14 years).
- `co2`: weekly CO2 at Mauna Loa, March 1958 - December 2001 (2,284 steps,
  season 52). Its 59 missing weeks are filled by `fill` ("interpolate").
- `airline`: monthly airline passengers, 1949-1960 (144 steps, season 12),
  whose seasonal swing grows with the level.

Workflow of MATLAB's "Time Series Forecasting Using Deep Learning": the
series is split in time order into training (65 %), validation (15 %) and
test (20 %) parts; the network (`lstm_apps.forecasting.build_network`)
standardizes with training statistics only and learns one-step-ahead
prediction, sequence to sequence, on windows of four seasons. The network
can read the series as it is, its log or square root, its changes, or the
changes of its log or square root (`transform`); "auto" trains one network
per transform among none, log, difference and log_difference that the
series allows, and keeps the one with the lowest validation MASE (the
default for airline). A tuple of transforms is chosen among the same way:
sunspots choose between "sqrt" and "sqrt_difference" (the square root is
the usual variance-stabilizing transform of sunspot counts, which can be
zero); co2 uses "difference". The chosen network is then refit on training
+ validation (`refit`).

Evaluation is a rolling-origin backtest: from `num_origins` origins spread
over the test part, every model reads the history up to the origin and
forecasts `horizon` steps (default: one season) in closed loop. Baselines on
the same origins: naive (last value), seasonal naive (the value one season
earlier) and ETS (statsmodels `ETSModel`, damped additive trend, additive or
multiplicative season, parameters fitted once on the training and validation
parts). Metrics per horizon step: RMSE, MAE and MASE, the MAE divided by the
in-sample seasonal naive MAE of the training part.

Custom data: `data` names a CSV with a time column (`time_column`, default
the first) and value columns (`target`, default all others); the run's
config.json then records `series: null` and the CSV's path. `season_length`
is inferred unless given: from regular dates (monthly 12, weekly 52, daily
7, hourly 24, ...) when the training part bears that period out, otherwise
from the autocorrelation (`lstm_apps.forecasting.season`); a series without
a season gets 1, and then a non-seasonal ETS. An ETS baseline that cannot
be fitted is skipped with a warning before training. `lstm-apps run
forecasting` runs the airline series by default; `--set series=co2` or
`--set data=path.csv` choose another. For your own series, the `series`
study adds ARIMA, a comparison with a bootstrap interval, diagnostics and a
report.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lstm_apps.data.inputs import Inputs, check_features, read_sequences
from lstm_apps.forecasting import (
    Forecaster,
    horizon_metrics,
    network_for_series,
    rolling_forecasts,
)
from lstm_apps.forecasting.backtest import forecast_pairs
from lstm_apps.forecasting.selection import auto_transforms, choose_transform, refit_epochs
from lstm_apps.models.size import check_memory, check_samples
from lstm_apps.runs import Run
from lstm_apps.tasks.forecasting.baselines import baseline_forecasts, fit_ets
from lstm_apps.tasks.forecasting.config import (  # noqa: F401 (re-exported)
    DESCRIPTION,
    FILLS,
    NAME,
    SERIES,
    Config,
)
from lstm_apps.tasks.forecasting.data import (
    Backtest,
    ForecastSplits,
    load_splits,
)

log = logging.getLogger(__name__)

# The two networks the README compares: the course's single layer, and a deeper stack
VARIANTS = {"lstm": dict(units=64, dropout=0.0), "stacked": dict(units=(64, 64), dropout=0.2)}


def load_data(config: Config = Config()) -> ForecastSplits:
    """The series split in time order, with everything the backtest needs.

    Each part is one `(T, F)` input sequence and its next values as targets
    (see `ForecastSplits`): `values` holds the whole series, `origins` the
    test forecast origins.

    Raises:
        ValueError: for a series too short for the window and the horizon,
            NaN without a `fill`, an unknown target column, or more origins
            than memory holds.
    """
    # the origins are spread by `np.linspace(..., num_origins)` (float64, rounded, then int)
    check_memory(
        24 * config.num_origins, what="forecast origins", sizes=dict(num_origins=config.num_origins)
    )
    return load_splits(config)


def candidate_transforms(config: Config, values) -> tuple[str, ...]:
    """The transforms `train` chooses among: the configured one, a tuple's, or "auto"'s.

    "auto" leaves out the log transforms for a series with values <= 0.
    """
    transform = config.resolved("transform")
    if isinstance(transform, (tuple, list)):
        return tuple(dict.fromkeys(transform))
    if transform != "auto":
        return (transform,)
    return auto_transforms(values)


def build_model(config: Config, data: ForecastSplits):
    """The untrained network (`lstm_apps.forecasting.build_network`), training statistics inside.

    Its transform is the configured one (the first candidate of a choice).
    """
    transform = candidate_transforms(config, data.values)[0]
    return network_for_series(
        config.architecture,
        data.x_train[0],
        transform=transform,
        units=config.units,
        dropout=config.dropout,
    )


def make_forecaster(
    config: Config, data: ForecastSplits, transform, stage=None, **options
) -> Forecaster:
    """The unfitted `Forecaster` of the configuration (window and stride from `data`).

    `stage` names the fit ("none", "refit", ...): with `training.checkpoint_dir`
    set, each fit keeps its backup in its own subfolder of it. `options` go to
    `Forecaster` as they are.
    """
    fit = config.training
    if fit.checkpoint_dir is not None and stage is not None:
        fit = fit.replace(checkpoint_dir=str(Path(fit.checkpoint_dir) / stage))
    return Forecaster(
        config.architecture,
        units=config.units,
        dropout=config.dropout,
        transform=transform,
        window=data.window,
        stride=data.stride,
        training=fit,
        **options,
    )


@dataclass
class ForecastRun(Run):
    """A forecasting `Run`, with what the choice of the transform measured.

    `config.transform` is the chosen transform; `predictions` holds the
    test `Backtest` once `evaluate` has run.
    """

    validation_mase: dict = field(default_factory=dict)  # transform -> mean validation MASE
    epochs: int = 0  # epochs of the final fit (the refit's, with `refit`)
    ets: object = None  # the fitted ETS baseline (None: none, or it could not be fitted)


def train(
    config: Config = Config(), data: ForecastSplits | None = None, *, callbacks=()
) -> ForecastRun:
    """Choose the transform on validation, then (with `refit`) train again on train + validation.

    Each candidate transform (a tuple's; "auto": every one of
    `AUTO_TRANSFORMS` that the series allows) is fitted on the training part
    with early stopping on the validation part, and scored by the mean MASE
    over the horizon of closed-loop forecasts from the validation origins.
    The best one is then refit on the training and validation parts together
    for its best epoch count (at least 10), so the network sees the same
    data as the ETS baseline. `history` is the validation-phase fit of the
    chosen transform; `callbacks` are extra Keras callbacks for every fit.
    The returned Config holds the chosen transform, the season length and
    the horizon, so a saved run predicts without its data.
    """
    data = data or load_data(config)
    if config.dropout:  # the figures draw Monte Carlo dropout samples: refuse them before training
        widths = config.units if isinstance(config.units, tuple) else (config.units,)
        step_floats = 8 * sum(widths) + 4 * data.num_features  # gates, states, outputs
        check_samples(config.num_samples, 1, data.horizon, data.num_features, step_floats)
    ets = fit_ets_baseline(data)  # before training, so that a failure is reported at once

    def make(transform, stage, settings=config):
        return make_forecaster(settings, data, transform, stage)

    choice = choose_transform(
        make, candidate_transforms(config, data.values), data, score="mean", callbacks=callbacks
    )
    fitted, history = choice.forecaster, choice.forecaster.history_
    epochs = len(history["loss"])
    if config.refit:
        epochs = refit_epochs(history)
        settings = config.replace(training=dict(max_epochs=epochs))
        fitted = make(choice.transform, "refit", settings)
        fitted.fit(data.values[: data.fit_end], callbacks=callbacks)
    config = config.replace(
        series=None if config.data is not None else config.series or "airline",
        transform=choice.transform,
        season_length=data.season_length,
        horizon=data.horizon,
    )
    return ForecastRun(
        name=NAME,
        config=config,
        model=fitted.model_,
        history=history,
        data=data,
        validation_mase=choice.scores,
        epochs=epochs,
        ets=ets,
    )


def fit_ets_baseline(data):
    """The ETS baseline fitted on the steps before the test part, or None.

    None when the run has no ETS baseline (`ets=False`) or when statsmodels
    cannot fit it; the reason is then logged as a warning.
    """
    if data.ets_seasonal is None:
        return None
    try:
        return fit_ets(data.values, data.season_length, data.fit_end, data.ets_seasonal)
    except Exception as error:  # noqa: BLE001 (any failure of the fit skips the baseline)
        log.warning("The ETS baseline is skipped: it cannot be fitted (%s).", error)
        return None


def _truth(values, origins, horizon):
    return np.stack([values[o : o + horizon] for o in origins])


def evaluate(run: Run) -> dict[str, float]:
    """Rolling-origin test scores of the network and of the baselines.

    Names: `{metric}_{step}` for the network and `{baseline}_{metric}_{step}`
    for `naive`, `seasonal_naive` and `ets`, where metric is `mase`, `mae`
    or `rmse` and step is `h1` (one step ahead), `season` (one season ahead,
    when the horizon reaches it) or `mean` (mean over the horizon). Also
    `horizon`, `season_length` and `num_origins`. The forecasts and the
    per-step scores stay in `run.predictions` (a `Backtest`) for the figures.
    """
    data = run.data
    values, origins, horizon = data.values, data.origins, data.horizon
    season = data.season_length
    forecaster = Forecaster.from_model(run.model)
    forecasts = {"lstm": rolling_forecasts(forecaster, values, origins, horizon)}
    ets = getattr(run, "ets", None)
    if ets is None and data.ets_seasonal is not None and not isinstance(run, ForecastRun):
        ets = fit_ets_baseline(data)  # a run loaded from its folder
    forecasts.update(baseline_forecasts(values, origins, horizon, season, ets=ets))
    truth = _truth(values, origins, horizon)
    per_step = {k: horizon_metrics(truth, f, data.mase_scale) for k, f in forecasts.items()}
    run.predictions = Backtest(truth=truth, forecasts=forecasts, per_step=per_step)
    metrics = {}
    for key, scores in per_step.items():
        prefix = "" if key == "lstm" else f"{key}_"
        for name, steps in scores.items():
            metrics[f"{prefix}{name}_h1"] = float(steps[0])
            if horizon >= season:
                metrics[f"{prefix}{name}_season"] = float(steps[season - 1])
            metrics[f"{prefix}{name}_mean"] = float(steps.mean())
    metrics.update(
        horizon=float(horizon), season_length=float(season), num_origins=float(len(origins))
    )
    return metrics


def predict(run: Run, inputs) -> list[tuple[str, float]]:
    """Closed-loop forecasts (data units) of the next `horizon` steps after each series.

    Each `(T, F)` (or `(T,)`) series of observed values is read from an
    empty state. Labels are `t+1`, `t+2`, ... (`t+1[j]` for value column j
    of a multi-column series), preceded by `series i: ` when `inputs` holds
    several series.
    """
    config = run.config
    horizon = config.horizon or config.resolved("season_length") or 1
    forecaster = Forecaster.from_model(run.model, seed=config.training.seed)
    check_features(inputs, forecaster.num_features_)
    return forecast_pairs(forecaster, inputs, horizon)


def read_inputs(source, config: Config) -> Inputs:
    """Series from a .csv (a row per step, a column per value column) or a .npy file
    (`(T,)`, `(T, F)` or a `(N, T, F)` batch).

    `predict` gives a row per step ahead and value column, so each series'
    `rows_per_item` is the horizon times its columns.
    """
    series = read_sequences(source, NAME, univariate=True)
    horizon = config.horizon or config.resolved("season_length") or 1
    return Inputs(series, series.ids, rows_per_item=[horizon * s.shape[1] for s in series])


def sample_input(run: Run, directory) -> str:
    """Write the test part's observed values as a CSV in `directory`; returns its path."""
    path = Path(directory) / "history.csv"
    np.savetxt(path, run.data.x_test[0], delimiter=",")
    return str(path)


def figures(run: Run, directory) -> list[Path]:
    """The forecast from the last test origin, MASE per horizon step and (for a run with a
    history) training progress, saved as PNG files; the backtest is run first when
    `run.predictions` is None."""
    from lstm_apps.tasks.forecasting import plots as forecasting_plots

    if run.predictions is None:
        evaluate(run)
    return forecasting_plots.plot_all(run, Path(directory))
