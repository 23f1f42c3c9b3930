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


def one_step_forecasts(forecaster, series, start) -> np.ndarray:
    """One-step-ahead forecasts of every step of one series from `start` on, in one pass.

    Step `t` (for `start <= t < T`) is forecast from `series[:t]`: the network
    reads the series once (open loop), and its output after step `t - 1` is
    the forecast of step `t`, exactly what a closed-loop forecast of one step
    from origin `t` gives.

    Returns:
        `(T - start, F)` forecasts.
    """
    forecaster._check_fitted()
    (values,) = as_series_list([series], "series", forecaster.num_features_)
    if not 1 <= start < len(values):
        raise ValueError(f"`start` must be in [1, {len(values) - 1}]. Received: start={start!r}")
    # one compiled call: an eager call steps a long series a hundred times slower
    outputs = np.asarray(forecaster.model_.predict_on_batch(values[None, : len(values) - 1]))[0]
    return forecaster._to_values(outputs, values[:-1])[start - 1 :]


def forecast_pairs(forecaster, inputs, horizon) -> list[tuple[str, float]]:
    """Closed-loop forecasts of the next `horizon` steps after each series, as labelled values.

    Each `(T, F)` (or `(T,)`) series is read from an empty state. Labels are
    `t+1`, `t+2`, ... (`t+1[j]` for value column j of a multi-column series),
    preceded by `series i: ` when `inputs` holds several series.
    """
    pairs = []
    for i, sequence in enumerate(inputs):
        forecaster.reset_state(num_series=1)
        forecaster.predict_and_update_state(np.asarray(sequence, "float32"))
        steps = forecaster.forecast(horizon)[0]  # (horizon, F)
        prefix = f"series {i}: " if len(inputs) > 1 else ""
        for h, step in enumerate(steps, start=1):
            if len(step) == 1:
                pairs.append((f"{prefix}t+{h}", float(step[0])))
            else:
                pairs += [(f"{prefix}t+{h}[{j}]", float(v)) for j, v in enumerate(step)]
    return pairs
