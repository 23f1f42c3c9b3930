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
the first) and value columns (`target`, default all others). `season_length`
is inferred from regular dates (monthly 12, weekly 52, daily 7, hourly 24,
...) unless given. `lstm-apps run forecasting` runs the airline series by
default; `--set series=co2` or `--set data=path.csv` choose another.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral
from pathlib import Path
from typing import ClassVar

import numpy as np

from lstm_apps.checks import check_choice
from lstm_apps.data.sequences import feature_statistics
from lstm_apps.data.series import infer_season_length, load_series
from lstm_apps.data.splits import Splits
from lstm_apps.forecasting import (
    AUTO_TRANSFORMS,
    CAUSAL_ARCHITECTURES,
    TRANSFORMS,
    Forecaster,
    build_network,
    horizon_metrics,
    mase_scale,
    next_targets,
    rolling_forecasts,
)
from lstm_apps.runs import Run
from lstm_apps.tasks.base import CaseStudyConfig
from lstm_apps.tasks.forecasting.baselines import baseline_forecasts

NAME = "forecasting"
DESCRIPTION = "Forecasting sunspots, CO2 and airline passengers: stateful LSTM, closed/open loop"
# series -> (season length, default fill, default transform, ETS season)
SERIES = {
    "sunspots": (11, "error", ("sqrt", "sqrt_difference"), "add"),
    "co2": (52, "interpolate", "difference", "add"),
    "airline": (12, "error", "auto", "mul"),
}
FILLS = ("interpolate", "ffill", "error")
# The two networks the README compares: the course's single layer, and a deeper stack
VARIANTS = {"lstm": dict(units=64, dropout=0.0), "stacked": dict(units=(64, 64), dropout=0.2)}


@dataclass(frozen=True)
class Config(CaseStudyConfig):
    """Settings of the forecasting case study (defaults: the full run on `airline`)."""

    series: str = "airline"  # built-in series: "sunspots", "co2" or "airline" (unused with `data`)
    data: str | None = None  # CSV with a time column and value columns (replaces `series`)
    target: str | tuple | None = None  # CSV value column(s); None: every column but the time
    time_column: str | None = None  # CSV time column, rows sorted by it; None: the first column
    season_length: int | None = None  # steps per season; None: the series' own, or inferred
    fill: str | None = None  # NaN: "interpolate", "ffill", "error"; None: the series' default
    transform: str | tuple | None = None  # TRANSFORMS name, a tuple of them or "auto" (chosen
    # on validation); None: the series' default
    horizon: int | None = None  # steps forecast from each origin; None: the season length
    num_origins: int = 20  # rolling forecast origins, evenly spread over the test part
    validation_fraction: float = 0.15  # share of steps in the validation part
    test_fraction: float = 0.2  # share of steps in the final test part
    architecture: str = "lstm"  # "lstm", "gru", "simple_rnn", "lstm_projected" (no look-ahead)
    units: int | tuple = 64  # recurrent width, or a tuple for a stack
    dropout: float = 0.0  # dropout after each recurrent layer (also gives MC intervals)
    window: int | None = None  # steps per training sequence; None: 4 seasons
    stride: int | None = None  # steps between training windows; None: a twelfth of a season
    max_epochs: int = 200  # training epochs (early stopping on the validation part)
    mini_batch_size: int = 32  # windows per mini-batch
    initial_learn_rate: float = 0.005  # Adam learning rate
    validation_patience: int | None = 20  # epochs without a better validation loss before stopping
    num_samples: int = 200  # Monte Carlo dropout samples for the plotted interval
    refit: bool = True  # after choosing on validation, train again on train + validation
    ets: bool = True  # also score the ETS baseline
    seed: int = 0  # seed for initialization, shuffling and dropout samples
    verbose: int = 0  # Keras verbosity

    FAST: ClassVar[dict] = dict(
        units=8, max_epochs=3, num_origins=3, transform="difference", num_samples=20, refit=False
    )

    def __post_init__(self):
        if self.data is None:
            check_choice("series", self.series, tuple(SERIES))
        if self.fill is not None:
            check_choice("fill", self.fill, FILLS)
        if isinstance(self.transform, (tuple, list)):
            if not self.transform:
                raise ValueError("`transform` must not be an empty tuple. Received: transform=()")
            for name in self.transform:
                check_choice("transform", name, TRANSFORMS)
        elif self.transform is not None:
            check_choice("transform", self.transform, TRANSFORMS + ("auto",))
        check_choice("architecture", self.architecture, CAUSAL_ARCHITECTURES)
        for name in ("season_length", "horizon", "num_origins", "window", "stride", "num_samples"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, Integral) or value < 1):
                raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")
        for name in ("validation_fraction", "test_fraction"):
            if not 0 < getattr(self, name) < 0.5:
                raise ValueError(
                    f"`{name}` must be in (0, 0.5). Received: {name}={getattr(self, name)!r}"
                )

    def resolved(self, name):
        """`season_length`, `fill` or `transform`, with the series' default where None."""
        value = getattr(self, name)
        if value is not None:
            return value
        if self.data is not None:  # a CSV; its season length is inferred in load_data
            return {"fill": "error", "transform": "none", "season_length": None}[name]
        season, fill, transform, _ = SERIES[self.series]
        return {"season_length": season, "fill": fill, "transform": transform}[name]


def load_data(config: Config = Config()) -> Splits:
    """The series split in time order, with everything the backtest needs in `info`.

    Each part is one `(T, F)` input sequence and its next values as targets
    (the test part's last value has no next value). `info["values"]` holds
    the whole series, `info["origins"]` the test forecast origins.

    Raises:
        ValueError: for a series too short for the window and the horizon,
            NaN without a `fill`, or an unknown target column.
    """
    times, values, columns, source, missing = load_series(config, config.resolved("fill"))
    season = config.resolved("season_length") or infer_season_length(times)
    if season is None:
        raise ValueError(
            "Set `season_length` (steps per season): it cannot be inferred from the time "
            f"column, whose first values are {[str(t) for t in times[:3]]}. "
            "Received: season_length=None"
        )
    horizon = config.horizon or season
    window = config.window or 4 * season
    n = len(values)
    n_test, n_val = (int(round(n * f)) for f in (config.test_fraction, config.validation_fraction))
    n_train = n - n_val - n_test
    if n_train < window + 1 or min(n_val, n_test) < horizon:
        raise ValueError(
            f"The series has {n} steps, too few for window + horizon = {window} + {horizon}: "
            f"its parts have {n_train} training steps (need window + 1 = {window + 1}), "
            f"{n_val} validation and {n_test} test steps (need the horizon, {horizon}, each)."
        )
    test_start, val_start = n - n_test, n_train

    def origins(start, stop, count):
        return np.unique(np.round(np.linspace(start, stop - horizon, count)).astype(int))

    return Splits(
        [values[:n_train]], [values[1 : n_train + 1]],
        [values[val_start:test_start]], [values[val_start + 1 : test_start + 1]],
        [values[test_start:-1]], [values[test_start + 1 :]],
        info={
            "source": source,
            "series": config.data or config.series,
            "columns": columns,
            "times": times,
            "values": values,
            "missing_values": missing,
            "season_length": season,
            "horizon": horizon,
            "window": min(window, n_train - 1),
            "stride": config.stride or max(1, season // 12),
            "parts": {"train": n_train, "validation": n_val, "test": n_test},
            "origins": origins(test_start, n, config.num_origins),
            "validation_origins": origins(val_start, test_start, config.num_origins),
            "mase_scale": mase_scale(values[:n_train], season),
            "config": config,
        },
    )  # fmt: skip


def candidate_transforms(config: Config, values) -> tuple[str, ...]:
    """The transforms `train` chooses among: the configured one, a tuple's, or "auto"'s.

    "auto" leaves out the log transforms for a series with values <= 0.
    """
    transform = config.resolved("transform")
    if isinstance(transform, (tuple, list)):
        return tuple(dict.fromkeys(transform))
    if transform != "auto":
        return (transform,)
    if np.min(values) <= 0:
        return tuple(c for c in AUTO_TRANSFORMS if "log" not in c)
    return AUTO_TRANSFORMS


def build_model(config: Config, data: Splits, transform=None):
    """The untrained network (`lstm_apps.forecasting.build_network`), training statistics inside.

    `transform` defaults to the configured one (the first candidate of a choice).
    """
    transform = transform or candidate_transforms(config, data.info["values"])[0]
    offset, scale = feature_statistics(next_targets(data.x_train[0], transform))
    return build_network(
        config.architecture,
        num_features=data.num_features,
        offset=offset,
        scale=scale,
        units=config.units,
        dropout=config.dropout,
        transform=transform,
    )


def forecaster(config: Config, info: dict, transform: str) -> Forecaster:
    """The unfitted `Forecaster` of the configuration (window and stride from `info`)."""
    return Forecaster(
        config.architecture,
        units=config.units,
        dropout=config.dropout,
        transform=transform,
        window=info["window"],
        stride=info["stride"],
        max_epochs=config.max_epochs,
        mini_batch_size=config.mini_batch_size,
        initial_learn_rate=config.initial_learn_rate,
        validation_patience=config.validation_patience,
        seed=config.seed,
        verbose=config.verbose,
    )


def train(config: Config = Config(), data: Splits | None = None) -> Run:
    """Choose the transform on validation, then (with `refit`) train again on train + validation.

    Each candidate transform (a tuple's; "auto": every one of
    `AUTO_TRANSFORMS` that the series allows) is fitted
    on the training part with early stopping on the validation part, and
    scored by the mean MASE over the horizon of closed-loop forecasts from
    the validation origins. The best one is then refit on the training and
    validation parts together for its best epoch count (at least 10), so the
    network sees the same data as the ETS baseline. `history` is the
    validation-phase fit of the chosen transform.
    """
    data = data or load_data(config)
    info = data.info
    candidates = candidate_transforms(config, info["values"])
    end = info["parts"]["train"] + info["parts"]["validation"]
    truth = _truth(info["values"], info["validation_origins"], info["horizon"])
    scores, best = {}, None
    for candidate in candidates:
        fitted = forecaster(config, info, candidate).fit(data.x_train, data.x_val)
        predicted = rolling_forecasts(
            fitted, info["values"][:end], info["validation_origins"], info["horizon"]
        )
        mase = horizon_metrics(truth, predicted, info["mase_scale"])["mase"]
        scores[candidate] = float(mase.mean())
        if best is None or scores[candidate] < scores[best[0]]:
            best = (candidate, fitted)
    chosen, fitted = best
    history = fitted.history_
    epochs = len(history["loss"])
    if config.refit:
        epochs = max(10, int(np.argmin(history["val_loss"])) + 1)
        fitted = forecaster(config.replace(max_epochs=epochs), info, chosen)
        fitted.fit(info["values"][:end])
    config = config.replace(transform=chosen)
    info.update(transform=chosen, validation_mase=scores, epochs=epochs, config=config)
    return Run(name=NAME, config=config, model=fitted.model_, history=history, data=data)


def _truth(values, origins, horizon):
    return np.stack([values[o : o + horizon] for o in origins])


def evaluate(model, data: Splits) -> dict[str, float]:
    """Rolling-origin test scores of the network and of the baselines.

    Names: `{metric}_{step}` for the network and `{baseline}_{metric}_{step}`
    for `naive`, `seasonal_naive` and `ets`, where metric is `mase`, `mae`
    or `rmse` and step is `h1` (one step ahead), `season` (one season ahead,
    when the horizon reaches it) or `mean` (mean over the horizon). Also
    `horizon`, `season_length` and `num_origins`. Per-step values and the
    forecasts stay in `data.info["backtest"]` for the figures.
    """
    info, config = data.info, data.info["config"]
    values, origins, horizon = info["values"], info["origins"], info["horizon"]
    season = info["season_length"]
    forecasts = {"lstm": rolling_forecasts(Forecaster.from_model(model), values, origins, horizon)}
    fit_end = info["parts"]["train"] + info["parts"]["validation"]
    ets_season = SERIES[config.series][3] if config.data is None else "add"
    ets_season = ets_season if config.ets else None
    forecasts.update(baseline_forecasts(values, origins, horizon, season, fit_end, ets_season))
    truth = _truth(values, origins, horizon)
    per_step = {k: horizon_metrics(truth, f, info["mase_scale"]) for k, f in forecasts.items()}
    info["backtest"] = {"truth": truth, "forecasts": forecasts, "per_step": per_step}
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


def predict(model, sequences, class_names=None):
    """The next-step forecast (data units) after each `(T, F)` sequence of observed values."""
    fc = Forecaster.from_model(model)
    pairs = []
    for sequence in sequences:
        fc.reset_state()
        next_values = fc.predict_and_update_state(np.asarray(sequence, "float32"))[0]
        if len(next_values) == 1:
            pairs.append(("next_step", float(next_values[0])))
        else:
            pairs += [(f"next_step[{j}]", float(v)) for j, v in enumerate(next_values)]
    return pairs


def figures(run: Run, directory) -> list[Path]:
    """Training progress, the forecast from the last test origin, and MASE per horizon step."""
    from lstm_apps.tasks.forecasting import plots as forecasting_plots

    if "backtest" not in run.data.info:
        evaluate(run.model, run.data)
    return forecasting_plots.plot_all(run, Path(directory))
