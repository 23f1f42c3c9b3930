"""Closed-loop forecasts from many origins of a series in one pass: `rolling_forecasts`."""

from __future__ import annotations

import numpy as np

from lstm_apps.forecasting.forecaster import Forecaster
from lstm_apps.forecasting.windows import as_series_list, left_pad


def rolling_forecasts(forecaster, series, origins, horizon, *, num_samples=None):
    """Closed-loop forecasts from several origins of one series, in one pass.

    Origin `o` forecasts steps `o, ..., o + horizon - 1` from `series[:o]`.
    Each origin is one stream of a copy of the forecaster (the one passed in
    keeps its state); the histories are left-padded with `PADDING_VALUE`,
    steps the state skips, so that every stream reaches its origin together.

    Returns:
        `(len(origins), horizon, F)`, or `(num_samples, len(origins), horizon, F)`.
    """
    forecaster._check_fitted()
    (values,) = as_series_list([series], "series", forecaster.num_features_)
    origins = np.asarray(origins)
    if origins.ndim != 1 or len(origins) == 0 or origins.min() < 1 or origins.max() > len(values):
        raise ValueError(
            f"`origins` must be steps in [1, {len(values)}]. Received: origins={origins.tolist()}"
        )
    copy = Forecaster.from_model(
        forecaster.model_, backend=forecaster.backend, seed=forecaster.seed
    )
    copy.reset_state(num_series=len(origins))
    copy._advance(left_pad([values[:o] for o in origins]))
    return copy.forecast(horizon, num_samples=num_samples)
