"""Your own series: a forecasting LSTM against the forecasts a statistician would try first.

Data: `data` is a CSV (a time column and one or more value columns, read
strictly: `lstm_apps.data.series.read_csv_series`) or a built-in series that
ships with statsmodels or aeon: "airline" (monthly, the default), "co2"
(weekly), "sunspots" (yearly, an 11-year cycle) and "nile" (yearly, no
season). Several value columns are several series forecast together: one
network with a column per series, one baseline model per column.

The season length is given (`season_length`; 1 for none) or inferred on the
training part: the period of regular dates (monthly 12, weekly 52, ...) when
the autocorrelation at that lag is significant, otherwise the most
significant autocorrelation peak, otherwise 1 (`lstm_apps.forecasting.season`).
A series without a season gets no seasonal naive forecast and a
non-seasonal ETS.

The series is split in time order into training (65 %), validation (15 %)
and test (20 %) parts. Same-run baselines are fitted first, so that one that
cannot be fitted is reported before any network trains
(`lstm_apps.tasks.series.baselines`): naive, seasonal naive (seasonal
series), ETS (form by AIC) and ARIMA (orders by AIC, seasonal for seasons
up to 24 steps). The network (`lstm_apps.forecasting.Forecaster`) learns
one-step-ahead prediction on windows of the training part; its epochs,
batch size and patience follow the number of windows
(`lstm_apps.training.adaptive`), and early stopping watches the loss of the
validation steps alone (`lstm_apps.forecasting.stopping`). Its transform
(`transform="auto"`) is chosen by the validation MASE of one-step-ahead
forecasts, and that validated network is kept; its state reads the
validation part before it forecasts the test part. (`refit=True` trains it
again from scratch on training + validation for its best epoch count, as the
`forecasting` study does; on the short series measured this was often
worse, and nothing validates it.) Nothing is chosen on the test part.

Evaluation: the one-step-ahead forecast of every test step, each from the
values before it, is scored by MASE (the MAE over the in-sample seasonal
naive MAE of the training part), and `lstm_apps.comparison.compare` says
which model won, by how much the network beats the best baseline, with a
paired bootstrap interval over the test steps; the network is also set
against the naive forecast. Longer horizons (`horizon`, default a season)
are scored from `num_origins` rolling origins in closed loop, as in the
`forecasting` study. Diagnostics (`lstm_apps.diagnostics`: not converged,
overfitting, underfitting, including a network that does no better than
the naive forecast on validation) are logged and written to report.md with
what to try next.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lstm_apps.comparison import Candidate, Skipped, bootstrap_difference, compare
from lstm_apps.data.inputs import Inputs, check_features, read_sequences
from lstm_apps.diagnostics import log_diagnoses
from lstm_apps.forecasting import (
    Forecaster,
    forecast_pairs,
    horizon_metrics,
    mase,
    network_for_series,
    one_step_forecasts,
    rolling_forecasts,
)
from lstm_apps.forecasting.selection import auto_transforms, choose_transform, refit_epochs
from lstm_apps.forecasting.splits import Backtest
from lstm_apps.models.size import check_memory, check_samples
from lstm_apps.runs import Run
from lstm_apps.tasks.forecasting import study as forecasting_study
from lstm_apps.tasks.series.baselines import BaselineStage, fit_stage
from lstm_apps.tasks.series.config import (  # noqa: F401 (re-exported)
    BASELINES,
    BUILTIN,
    DESCRIPTION,
    NAME,
    Config,
)
from lstm_apps.tasks.series.data import SeriesSplits, load_splits, num_windows
from lstm_apps.tasks.series.report import diagnose, write_report
from lstm_apps.training.adaptive import adapt_training

log = logging.getLogger(__name__)


def load_data(config: Config = Config()) -> SeriesSplits:
    """The series split in time order, its season found (see `SeriesSplits`).

    Raises:
        ValueError: for a `data` that is no file and no built-in series, a
            series too short for the window and the horizon, NaN without a
            `fill`, an unknown column, or more origins than memory holds.
    """
    check_memory(
        24 * config.num_origins, what="forecast origins", sizes=dict(num_origins=config.num_origins)
    )
    return load_splits(config)


LEAST_RANGE = 1.5  # "auto" tries logs and square roots when max / min of the training part is above


def candidate_transforms(config: Config, data: SeriesSplits) -> tuple[str, ...]:
    """The transforms `train` chooses among: the configured one, a tuple's, or "auto"'s.

    "auto": "none" and "difference", and for a positive series "log" and
    "log_difference" ("sqrt" and "sqrt_difference" for one with zeros) when
    its training part spans a range of at least `LEAST_RANGE` (max / min).
    """
    if isinstance(config.transform, (tuple, list)):
        return tuple(dict.fromkeys(config.transform))
    if config.transform != "auto":
        return (config.transform,)
    train = data.values[: data.num_train]
    return auto_transforms(data.values, square_roots=True, train=train, least_range=LEAST_RANGE)


def build_model(config: Config, data: SeriesSplits):
    """The untrained network (`lstm_apps.forecasting.build_network`), training statistics inside.

    Its transform is the configured one (the first candidate of a choice).
    """
    transform = candidate_transforms(config, data)[0]
    return network_for_series(
        config.architecture,
        data.x_train[0],
        transform=transform,
        units=config.units,
        dropout=config.dropout,
    )


def make_forecaster(config: Config, data: SeriesSplits, transform, stage=None) -> Forecaster:
    """The unfitted `Forecaster` of the configuration (window and stride from `data`).

    Early stopping watches the loss of the validation steps alone
    (`validate_on="steps"`): the validation windows also cover training steps.
    """
    return forecasting_study.make_forecaster(config, data, transform, stage, validate_on="steps")


@dataclass
class SeriesRun(Run):
    """A series `Run`, with the baselines and what the choice on validation measured.

    `config` holds the choices (series read, season, horizon, window,
    stride, transform, sized training), so a saved run predicts and is
    evaluated again without them being inferred anew.
    """

    baselines: BaselineStage | None = None  # the baselines fitted before training
    validation_mase: dict = field(default_factory=dict)  # transform -> validation MASE at h = 1
    candidates: dict = field(default_factory=dict)  # transform -> {"epochs", "seconds"} of its fit
    epochs: int = 0  # the kept network's best validation epoch (the refit's epochs, with `refit`)
    network_seconds: float = 0.0  # seconds of every network fit
    adapted: dict = field(default_factory=dict)  # training settings sized from the data
    diagnoses: list = field(default_factory=list)  # `lstm_apps.diagnostics.Diagnosis` found


def train(config: Config = Config(), data: SeriesSplits | None = None, *, callbacks=()):
    """Fit the baselines, then choose the network's transform on validation.

    The baselines come first: one that cannot be fitted is logged as a
    warning before any network trains. The training settings still at the
    study's defaults are sized from the number of training windows. Each
    candidate transform is fitted on the training part, early stopping on
    the validation part, and scored by the validation MASE of one-step-ahead
    forecasts; the best one is kept (with `refit`, trained again on training +
    validation for its best epoch count, at least 10). Diagnoses of the fit
    are logged.
    """
    import keras

    keras.utils.set_random_seed(config.training.seed or 0)
    data = data or load_data(config)
    log.info("%s: season length %s", data.series, data.season_reason)
    if config.dropout:  # the figures draw Monte Carlo dropout samples: refuse them before training
        widths = config.units if isinstance(config.units, tuple) else (config.units,)
        step_floats = 8 * sum(widths) + 4 * data.num_features
        check_samples(config.num_samples, 1, data.horizon, data.num_features, step_floats)
    baselines = fit_stage(config.baselines, data)
    windows = num_windows(data.num_train, data.window, data.stride)
    training, adapted = adapt_training(config.training, Config().training, windows, batch=(8, 64))
    if adapted:
        log.info("Training sized from %d training windows: %s", windows, adapted)
    settings = config.replace(training=training)

    def make(transform, stage, chosen=settings):
        return make_forecaster(chosen, data, transform, stage)

    start = time.perf_counter()
    choice = choose_transform(
        make, candidate_transforms(config, data), data, score="h1", callbacks=callbacks
    )
    fitted, history = choice.forecaster, choice.forecaster.history_
    epochs = refit_epochs(history, least=1)  # the best epoch, whose weights are kept
    if config.refit:
        epochs = refit_epochs(history)
        fitted = make(choice.transform, "refit", settings.replace(training=dict(max_epochs=epochs)))
        fitted.fit(data.values[: data.fit_end], callbacks=callbacks)
    seconds = time.perf_counter() - start
    diagnoses = diagnose(
        history,
        training.max_epochs,
        choice.scores[choice.transform],
        baselines.validation.get("naive"),
        data,
    )
    log_diagnoses(diagnoses, NAME)
    recorded = settings.replace(
        data=data.series,
        season_length=data.season_length,
        horizon=data.horizon,
        window=data.window,
        stride=data.stride,
        transform=choice.transform,
    )
    return SeriesRun(
        name=NAME,
        config=recorded,
        model=fitted.model_,
        history=history,
        data=data,
        baselines=baselines,
        validation_mase=choice.scores,
        candidates={
            t: {"epochs": choice.epochs[t], "seconds": choice.seconds[t]} for t in choice.scores
        },
        epochs=epochs,
        network_seconds=seconds,
        adapted=adapted,
        diagnoses=diagnoses,
    )


@dataclass
class SeriesBacktest(Backtest):
    """`Backtest` plus the one-step-ahead test forecasts and their comparison."""

    one_step: dict = field(default_factory=dict)  # model -> (test steps, F) one-step forecasts
    y_test: np.ndarray | None = None  # (test steps, F) observed test values
    comparison: object = None  # `lstm_apps.comparison.Comparison` at h = 1
    versus_naive: tuple | None = None  # (naive MASE - network MASE, 2.5 %, 97.5 %)
    baselines: BaselineStage | None = None  # the baselines scored


def evaluate(run: Run) -> dict[str, float]:
    """Test scores of the network and of every baseline, and their comparison.

    Names: `{model}_mase_h1` (one-step-ahead forecasts of every test step),
    `{model}_validation_mase_h1`, `{model}_{mae|rmse}_h1`,
    `{model}_{metric}_season` (when the horizon reaches a season) and
    `{model}_{metric}_mean` (mean over the horizon, from the rolling
    origins), where model is the network's architecture or a baseline;
    `mase_h1`, `mase_season`, `mase_mean` repeat the network's;
    `margin_vs_baseline` (best baseline's MASE less the network's, with
    `margin_low` and `margin_high`, its 95 % bootstrap interval) and
    `margin_vs_naive` (with `_low`, `_high`); `horizon`, `season_length`,
    `num_origins` and `num_test_steps`. A run loaded from its folder fits
    its baselines again (they are deterministic).
    """
    data, config = run.data, run.config
    net = config.architecture
    stage = getattr(run, "baselines", None) or fit_stage(config.baselines, data)
    forecaster = Forecaster.from_model(run.model, seed=config.training.seed)
    values, end, origins, horizon = data.values, data.fit_end, data.origins, data.horizon
    one_step = {net: one_step_forecasts(forecaster, values, end)}
    rolling = {net: rolling_forecasts(forecaster, values, origins, horizon)}
    for name, baseline in stage.fitted.items():
        one_step[name] = baseline.one_step(values, end)
        rolling[name] = baseline.forecasts(values, origins, horizon)
    truth = np.stack([values[o : o + horizon] for o in origins])
    per_step = {k: horizon_metrics(truth, f, data.mase_scale) for k, f in rolling.items()}
    y_test = values[end:]

    def score(y_true, predictions):
        return mase(y_true, predictions, data.mase_scale)

    validation = getattr(run, "validation_mase", {}).get(config.transform, math.nan)
    candidates = [
        Candidate(net, "network", one_step[net], validation=validation,
                  seconds=getattr(run, "network_seconds", 0.0),
                  details={"transform": config.transform}),
        *(Candidate(name, "baseline", one_step[name], validation=stage.validation[name],
                    seconds=stage.seconds[name], details={"form": stage.forms[name]})
          for name in stage.fitted),
    ]  # fmt: skip
    resample = dict(num_resamples=config.num_resamples, seed=config.training.seed or 0)
    comparison = compare(
        candidates, y_test, metric="mase_h1", kept=net, score=score, higher_is_better=False,
        skipped=[Skipped(name, reason) for name, reason in stage.skipped.items()], **resample,
    )  # fmt: skip
    versus_naive = None
    if "naive" in one_step:
        versus_naive = bootstrap_difference(
            y_test, one_step["naive"], one_step[net], score, **resample
        )
    run.predictions = SeriesBacktest(
        truth=truth, forecasts=rolling, per_step=per_step, one_step=one_step, y_test=y_test,
        comparison=comparison, versus_naive=versus_naive, baselines=stage,
    )  # fmt: skip
    return _metrics(run.predictions, data, net)


def _metrics(backtest, data, net) -> dict[str, float]:
    metrics = backtest.comparison.metrics()
    season = data.season_length
    for name, predicted in backtest.one_step.items():
        error = predicted - backtest.y_test
        metrics[f"{name}_mae_h1"] = float(np.mean(np.abs(error)))
        metrics[f"{name}_rmse_h1"] = float(np.sqrt(np.mean(error**2)))
        for metric, steps in backtest.per_step[name].items():
            if 1 < season <= data.horizon:
                metrics[f"{name}_{metric}_season"] = float(steps[season - 1])
            metrics[f"{name}_{metric}_mean"] = float(steps.mean())
    for suffix in ("h1", "season", "mean"):
        if f"{net}_mase_{suffix}" in metrics:
            metrics[f"mase_{suffix}"] = metrics[f"{net}_mase_{suffix}"]
    if backtest.versus_naive is not None:
        difference, low, high = backtest.versus_naive
        metrics.update(margin_vs_naive=difference, margin_vs_naive_low=low,
                       margin_vs_naive_high=high)  # fmt: skip
    metrics.update(
        horizon=float(data.horizon), season_length=float(season),
        num_origins=float(len(data.origins)), num_test_steps=float(len(backtest.y_test)),
    )  # fmt: skip
    return metrics


def predict(run: Run, inputs) -> list[tuple[str, float]]:
    """Closed-loop forecasts (data units) of the next `horizon` steps after each series.

    Each `(T, F)` (or `(T,)`) series of observed values is read from an
    empty state. Labels are `t+1`, `t+2`, ... (`t+1[j]` for value column j),
    preceded by `series i: ` when `inputs` holds several series.
    """
    forecaster = Forecaster.from_model(run.model, seed=run.config.training.seed)
    check_features(inputs, forecaster.num_features_)
    return forecast_pairs(forecaster, inputs, _horizon(run.config))


def _horizon(config) -> int:
    return config.horizon or config.season_length or 1


def read_inputs(source, config: Config) -> Inputs:
    """Series from a .csv (a row per step, a column per value column) or a .npy file
    (`(T,)`, `(T, F)` or a `(N, T, F)` batch)."""
    series = read_sequences(source, NAME, univariate=True)
    horizon = _horizon(config)
    return Inputs(series, series.ids, rows_per_item=[horizon * s.shape[1] for s in series])


sample_input = forecasting_study.sample_input  # the test part's values, as history.csv


def figures(run: Run, directory) -> list[Path]:
    """The forecast from the last test origin, the one-step test forecasts, MASE per horizon
    step and (for a run with a history) training progress, as PNG files in `directory`;
    `report.md` and `predictions/<model>.csv` (every compared model's one-step test
    forecasts) in its parent. The backtest is run first when `run.predictions` is None."""
    from lstm_apps.tasks.series import plots as series_plots

    if run.predictions is None:
        evaluate(run)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = series_plots.plot_all(run, directory)
    write_report(run, directory.parent)
    return paths
