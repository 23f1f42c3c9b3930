"""Baselines of the forecasting case study, on the network's forecast origins.

- naive: every step repeats the last observed value;
- seasonal naive: every step repeats the value one season earlier;
- ETS: statsmodels `ETSModel` (additive errors, damped additive trend,
  additive or multiplicative season), parameters fitted once on the steps
  before `fit_end`; at each origin the fitted model reads the history up to
  the origin (no refit) and forecasts the horizon.

Each returns `(origins, horizon, F)` forecasts, like
`lstm_apps.forecasting.rolling_forecasts`.
"""

from __future__ import annotations

import warnings

import numpy as np


def naive_forecasts(values, origins, horizon) -> np.ndarray:
    """The last value before each origin, repeated over the horizon."""
    values = np.asarray(values)
    return np.stack([np.repeat(values[o - 1 : o], horizon, axis=0) for o in origins])


def seasonal_naive_forecasts(values, origins, horizon, season_length) -> np.ndarray:
    """Step `o + h` takes the value of the same season in the last season before `o`."""
    values = np.asarray(values)
    steps = np.arange(horizon)
    back = season_length * (steps // season_length + 1)  # whole seasons back, before the origin
    return np.stack([values[o + steps - back] for o in origins])


def ets_forecasts(values, origins, horizon, season_length, fit_end, seasonal="add") -> np.ndarray:
    """ETS forecasts from each origin, one model per value column.

    Args:
        values: `(T, F)` series.
        origins, horizon: forecast origins and steps.
        season_length: the model's seasonal period.
        fit_end: parameters are fitted on `values[:fit_end]`.
        seasonal: "add" (default) or "mul" (falls back to "add" for a
            column that is not positive).
    """
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    values = np.asarray(values, dtype="float64")
    out = np.empty((len(origins), horizon, values.shape[1]))
    for f in range(values.shape[1]):
        column = values[:, f]
        spec = dict(
            error="add",
            trend="add",
            damped_trend=True,
            seasonal=seasonal if column.min() > 0 else "add",
            seasonal_periods=season_length,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence chatter of the optimizer
            params = ETSModel(column[:fit_end], **spec).fit(disp=False).params
            smoothed = ETSModel(column, **spec).smooth(params)
            for k, o in enumerate(origins):
                out[k, :, f] = smoothed.predict(start=o, end=o + horizon - 1, dynamic=0)
    return out


def baseline_forecasts(values, origins, horizon, season_length, fit_end, ets_seasonal=None):
    """`{"naive", "seasonal_naive"[, "ets"]}` -> forecasts; ETS only when `ets_seasonal` is set."""
    forecasts = {
        "naive": naive_forecasts(values, origins, horizon),
        "seasonal_naive": seasonal_naive_forecasts(values, origins, horizon, season_length),
    }
    if ets_seasonal is not None:
        forecasts["ets"] = ets_forecasts(
            values, origins, horizon, season_length, fit_end, ets_seasonal
        )
    return forecasts
