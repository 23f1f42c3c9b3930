"""Data of the series case study: the series, its season, its time-ordered parts.

`load_splits(config)` reads a built-in series or a CSV
(`lstm_apps.data.series`), finds its season length (given, or inferred on
the training part by `lstm_apps.forecasting.season`), sizes the horizon,
the training window and the stride from the season and the series' length,
and splits the series in time order (`lstm_apps.forecasting.splits`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lstm_apps.data.series import infer_season_length, load_series
from lstm_apps.forecasting.season import infer_season
from lstm_apps.forecasting.splits import ForecastSplits, part_sizes, split_series
from lstm_apps.tasks.series.config import BUILTIN, DEFAULT_SERIES

MIN_TRAIN = 12  # fewest training steps a series may leave
NONSEASONAL_HORIZON = 6  # default horizon of a series without a season


@dataclass(kw_only=True)
class SeriesSplits(ForecastSplits):
    """A `ForecastSplits` that also says how its season length was found."""

    season_reason: str  # how the season length was found (given, dates, autocorrelation)


def resolve_data(data) -> str:
    """`data` as the run records it: a built-in name, or the CSV's absolute path.

    Raises:
        ValueError: for a name that is neither a built-in series nor a file.
    """
    if data is None:
        return DEFAULT_SERIES
    if data in BUILTIN:
        return data
    path = Path(data).expanduser()
    if not path.is_file():
        raise ValueError(
            f"`data` must be a CSV file or one of {BUILTIN}; there is no file {str(path)!r}. "
            f"Received: data={data!r}"
        )
    return str(path.resolve())


def default_window(season, num_train) -> int:
    """Four seasons, at least 48 and at most 400 steps (or two seasons, when longer), and at
    most the training part less one step."""
    return max(1, min(max(4 * season, 48), max(400, 2 * season), num_train - 1))


def num_windows(length, window, stride) -> int:
    """Training windows `lstm_apps.forecasting.windows.training_pairs` cuts from `length` steps."""
    window = min(window, length - 1)
    ends = range(window, length, stride)
    return len(ends) + int(ends[-1] != length - 1 if len(ends) else 1)


def load_splits(config) -> SeriesSplits:
    """The series of a series `Config`, its season found, split in time order.

    Raises:
        ValueError: for a `data` that is no file and no built-in series, a
            series too short, NaN without a `fill`, or an unknown column.
    """
    name = resolve_data(config.data)
    fill = config.fill or ("interpolate" if name == "co2" else "error")
    times, values, columns, source, missing = load_series(config.replace(data=name), fill)
    fractions = (config.validation_fraction, config.test_fraction)
    n_train, n_val, n_test = part_sizes(len(values), *fractions)
    if n_train < MIN_TRAIN or min(n_val, n_test) < 1:
        raise ValueError(
            f"The series has {len(values)} steps: its parts would have {n_train} training, "
            f"{n_val} validation and {n_test} test steps; at least {MIN_TRAIN} training steps "
            "and one of each other part are needed. Received: data="
            f"{config.data!r}"
        )
    if config.season_length is not None:
        season = config.season_length
        reason = f"{season} steps, as given (season_length={season})"
    else:
        season, reason = infer_season(values[:n_train], infer_season_length(times))
    horizon = config.horizon or min(season if season > 1 else NONSEASONAL_HORIZON, n_val, n_test)
    window = config.window or default_window(season, n_train)
    stride = config.stride or max(1, season // 12, min(window, n_train - 1) // 50)
    return split_series(
        times,
        values,
        season_length=season,
        horizon=horizon,
        window=window,
        stride=stride,
        num_origins=config.num_origins,
        validation_fraction=config.validation_fraction,
        test_fraction=config.test_fraction,
        splits_class=SeriesSplits,
        source=source,
        series=name,
        columns=columns,
        missing_values=missing,
        season_reason=reason,
    )
