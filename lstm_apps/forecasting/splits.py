"""A series split in time order for a forecasting study: `ForecastSplits`, `split_series`.

`split_series` cuts a `(T, F)` series into training, validation and test
parts (in that order), places the forecast origins of the validation and
test backtests, and computes the MASE denominator on the training part.
`Backtest` holds the test forecasts and their scores that a study's
`evaluate` leaves in `run.predictions`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstm_apps.data.splits import Splits
from lstm_apps.forecasting.metrics import mase_scale


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
    season_length: int  # steps per season (1: no season)
    horizon: int  # steps forecast from each origin
    window: int  # steps per training window
    stride: int  # steps between training windows
    num_train: int  # steps in the training part
    num_validation: int  # steps in the validation part
    num_test: int  # steps in the test part
    origins: np.ndarray  # test forecast origins (first forecast step of each)
    validation_origins: np.ndarray  # validation origins, for choices made on validation
    mase_scale: np.ndarray  # (F,) in-sample seasonal naive MAE of the training part
    ets_seasonal: str | None = None  # ETS season ("add" or "mul"); None: no ETS baseline

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


def part_sizes(num_steps, validation_fraction, test_fraction) -> tuple[int, int, int]:
    """`(training, validation, test)` steps of a series of `num_steps`."""
    n_test, n_val = (int(round(num_steps * f)) for f in (test_fraction, validation_fraction))
    return num_steps - n_val - n_test, n_val, n_test


def split_series(
    times,
    values,
    *,
    season_length,
    horizon,
    window,
    stride,
    num_origins,
    validation_fraction,
    test_fraction,
    splits_class=ForecastSplits,
    **fields,
) -> ForecastSplits:
    """Split a `(T, F)` series in time order and place the forecast origins.

    Args:
        times, values: the time of each step and the `(T, F)` values.
        season_length, horizon, window, stride: steps per season, forecast
            steps per origin, steps per training window (cut to the training
            part) and between windows.
        num_origins: origins spread evenly over each of the validation and
            test parts (repeated ones are dropped).
        validation_fraction, test_fraction: shares of the steps.
        splits_class: `ForecastSplits` or a subclass; `fields` fill the rest
            of its fields (`series`, `columns`, `missing_values`, `source`, ...).

    Raises:
        ValueError: for a series too short for the window and the horizon.
    """
    n = len(values)
    n_train, n_val, n_test = part_sizes(n, validation_fraction, test_fraction)
    if n_train < window + 1 or min(n_val, n_test) < horizon:
        raise ValueError(
            f"The series has {n} steps, too few for window + horizon = {window} + {horizon}: "
            f"its parts have {n_train} training steps (need window + 1 = {window + 1}), "
            f"{n_val} validation and {n_test} test steps (need the horizon, {horizon}, each)."
        )
    test_start, val_start = n - n_test, n_train

    def origins(start, stop):
        return np.unique(np.round(np.linspace(start, stop - horizon, num_origins)).astype(int))

    return splits_class(
        [values[:n_train]], [values[1 : n_train + 1]],
        [values[val_start:test_start]], [values[val_start + 1 : test_start + 1]],
        [values[test_start:-1]], [values[test_start + 1 :]],
        times=times,
        values=values,
        season_length=season_length,
        horizon=horizon,
        window=min(window, n_train - 1),
        stride=stride,
        num_train=n_train,
        num_validation=n_val,
        num_test=n_test,
        origins=origins(test_start, n),
        validation_origins=origins(val_start, test_start),
        mase_scale=mase_scale(values[:n_train], season_length),
        **fields,
    )  # fmt: skip
