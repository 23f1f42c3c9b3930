"""Data of the forecasting case study: the series, its time-ordered parts and origins.

`load_splits(config)` reads the configured series (`lstm_apps.data.series`),
splits it in time order into training, validation and test parts and places
the forecast origins (`lstm_apps.forecasting.splits`); it returns a
`ForecastSplits`. A CSV's season length, when not given, comes from its
dates when the training part bears that period out, otherwise from its
autocorrelation (`lstm_apps.forecasting.season`); 1 means none. `Backtest` holds the
forecasts and scores that `evaluate` leaves in `run.predictions`.
"""

from __future__ import annotations

from lstm_apps.data.series import infer_season_length, load_series
from lstm_apps.forecasting.season import infer_season
from lstm_apps.forecasting.splits import (  # noqa: F401 (Backtest: re-exported)
    Backtest,
    ForecastSplits,
    part_sizes,
    split_series,
)
from lstm_apps.tasks.forecasting.config import SERIES


def load_splits(config) -> ForecastSplits:
    """The series of a forecasting `Config`, split in time order, origins placed.

    Raises:
        ValueError: for a series too short for the window and the horizon,
            NaN without a `fill`, or an unknown target column.
    """
    times, values, columns, source, missing = load_series(config, config.resolved("fill"))
    n_train = part_sizes(len(values), config.validation_fraction, config.test_fraction)[0]
    season = config.resolved("season_length")
    if season is None:  # a CSV: from its dates when the data bear them out, else from the data
        season = infer_season(values[:n_train], infer_season_length(times))[0]
    ets_seasonal = None
    if config.ets:
        ets_seasonal = "add" if config.data is not None else SERIES[config.series or "airline"][3]
    return split_series(
        times,
        values,
        season_length=season,
        horizon=config.horizon or season,
        window=config.window or (4 * season if season > 1 else 48),
        stride=config.stride or max(1, season // 12),
        num_origins=config.num_origins,
        validation_fraction=config.validation_fraction,
        test_fraction=config.test_fraction,
        source=source,
        series=config.data or config.series or "airline",
        columns=columns,
        missing_values=missing,
        ets_seasonal=ets_seasonal,
    )
