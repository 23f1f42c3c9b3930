"""Baselines of the forecasting case study, on the network's forecast origins.

- naive: every step repeats the last observed value;
- seasonal naive: every step repeats the value one season earlier (for a
  series without a season, the naive forecast again);
- ETS: statsmodels `ETSModel` (additive errors, damped additive trend, and
  for a seasonal series an additive or multiplicative season), parameters
  fitted once on the steps before `fit_end`; at each origin the fitted model
  reads the history up to the origin (no refit) and forecasts the horizon.

The models themselves are shared with the `series` study
(`lstm_apps.forecasting.baselines`). Each function returns
`(origins, horizon, F)` forecasts, like `lstm_apps.forecasting.rolling_forecasts`.
"""

from __future__ import annotations

import numpy as np

from lstm_apps.forecasting.baselines import ETS, Naive, SeasonalNaive


def naive_forecasts(values, origins, horizon) -> np.ndarray:
    """The last value before each origin, repeated over the horizon."""
    return Naive().forecasts(values, origins, horizon)


def seasonal_naive_forecasts(values, origins, horizon, season_length) -> np.ndarray:
    """Step `o + h` takes the value of the same season in the last season before `o`."""
    return SeasonalNaive(season_length).forecasts(values, origins, horizon)


def fit_ets(values, season_length, fit_end, seasonal="add") -> ETS:
    """The ETS baseline (damped additive trend) fitted on `values[:fit_end]`, one model per column.

    Args:
        seasonal: "add" (default) or "mul" (falls back to "add" for a
            column that is not positive); ignored when `season_length` is 1.

    Raises:
        ValueError: for a seasonal model on fewer than two seasons, or a fit
            statsmodels refuses.
    """
    return ETS(season_length, trend="add", seasonal=seasonal).fit(np.asarray(values)[:fit_end])


def ets_forecasts(values, origins, horizon, season_length, fit_end, seasonal="add") -> np.ndarray:
    """ETS forecasts from each origin (see `fit_ets`)."""
    return fit_ets(values, season_length, fit_end, seasonal).forecasts(values, origins, horizon)


def baseline_forecasts(values, origins, horizon, season_length, *, ets=None) -> dict:
    """`{"naive", "seasonal_naive"[, "ets"]}` -> forecasts; ETS when a fitted `ets` is given."""
    forecasts = {
        "naive": naive_forecasts(values, origins, horizon),
        "seasonal_naive": seasonal_naive_forecasts(values, origins, horizon, season_length),
    }
    if ets is not None:
        forecasts["ets"] = ets.forecasts(values, origins, horizon)
    return forecasts
