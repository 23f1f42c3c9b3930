"""Data of the forecasting case study: the series, its time-ordered parts and origins.

`load_splits(config)` reads the configured series (`lstm_apps.data.series`),
splits it in time order into training, validation and test parts and places
the forecast origins; it returns a `ForecastSplits`. `Backtest` holds the
forecasts and scores that `evaluate` leaves in `run.predictions`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstm_apps.data.series import infer_season_length, load_series
from lstm_apps.data.splits import Splits
from lstm_apps.forecasting.metrics import mase_scale
from lstm_apps.tasks.forecasting.config import SERIES


@dataclass(kw_only=True)
class ForecastSplits(Splits):
    """The series in time order: each part is one `(T, F)` sequence, its targets the next values.

    The test part's last value has no next value, so `x_test[0]` stops one
    step short of the series' end.
    """

    series: str  # built-in series name, or the CSV path
    columns: list  # value column names
    times: np.ndarray  # (T,) time of every step (years, or datetimes)
    values: np.ndarray  # (T, F) the whole series, gaps filled
    missing_values: int  # values that were missing and filled
    season_length: int  # steps per season
    horizon: int  # steps forecast from each origin
    window: int  # steps per training window
    stride: int  # steps between training windows
    num_train: int  # steps in the training part
    num_validation: int  # steps in the validation part
    num_test: int  # steps in the test part
    origins: np.ndarray  # test forecast origins (first forecast step of each)
    validation_origins: np.ndarray  # validation origins, for the choice of the transform
    mase_scale: np.ndarray  # (F,) in-sample seasonal naive MAE of the training part
    ets_seasonal: str | None  # ETS season ("add" or "mul"); None: no ETS baseline

    @property
    def fit_end(self) -> int:
        """The first test step: the fits of the baselines see the steps before it."""
        return self.num_train + self.num_validation


@dataclass
class Backtest:
    """Rolling-origin test forecasts and their scores, as `evaluate` leaves them."""

    truth: np.ndarray  # (origins, horizon, F) observed values after each origin
    forecasts: dict  # model ("lstm", "naive", ...) -> (origins, horizon, F) forecasts
    per_step: dict  # model -> {"mae", "rmse", "mase"} -> (horizon,) scores


def load_splits(config) -> ForecastSplits:
    """The series of a forecasting `Config`, split in time order, origins placed.

    Raises:
        ValueError: for a series too short for the window and the horizon,
            NaN without a `fill`, an unknown target column, or a season
            length that cannot be inferred.
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

    ets_seasonal = None
    if config.ets:
        ets_seasonal = "add" if config.data is not None else SERIES[config.series][3]
    return ForecastSplits(
        [values[:n_train]], [values[1 : n_train + 1]],
        [values[val_start:test_start]], [values[val_start + 1 : test_start + 1]],
        [values[test_start:-1]], [values[test_start + 1 :]],
        source=source,
        series=config.data or config.series,
        columns=columns,
        times=times,
        values=values,
        missing_values=missing,
        season_length=season,
        horizon=horizon,
        window=min(window, n_train - 1),
        stride=config.stride or max(1, season // 12),
        num_train=n_train,
        num_validation=n_val,
        num_test=n_test,
        origins=origins(test_start, n, config.num_origins),
        validation_origins=origins(val_start, test_start, config.num_origins),
        mase_scale=mase_scale(values[:n_train], season),
        ets_seasonal=ets_seasonal,
    )  # fmt: skip
