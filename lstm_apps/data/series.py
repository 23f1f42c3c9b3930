"""Series of the forecasting case study: statsmodels' sunspots and co2, aeon's airline, a CSV.

Every loader returns `(times, values, columns, source)`: `times` a `(T,)`
array (years, or datetimes), `values` a `(T, F)` float32 array in time order
(NaN where a value is missing), the value column names and a line on the
source. `load_series` then fills or refuses the gaps. Nothing is downloaded:
the three built-in series ship with the installed packages.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

SOURCES = {
    "sunspots": "statsmodels `sunspots`: yearly sunspot numbers 1700-2008 (NOAA NGDC, "
    "public domain)",
    "co2": "statsmodels `co2`: weekly CO2 at Mauna Loa, 1958-2001 (Keeling & Whorf, SIO/CDIAC, "
    "public domain)",
    "airline": "aeon `load_airline`: monthly airline passengers 1949-1960 (Box & Jenkins, "
    "Series G)",
}


def builtin_series(name):
    """One of "sunspots", "co2", "airline" as `(times, values, columns, source)`."""
    if name == "sunspots":
        from statsmodels.datasets import sunspots

        frame = sunspots.load_pandas().data
        times, values = frame["YEAR"].to_numpy(int), frame[["SUNACTIVITY"]]
    elif name == "co2":
        from statsmodels.datasets import co2

        frame = co2.load_pandas().data
        times, values = frame.index.to_numpy(), frame[["co2"]]
    elif name == "airline":
        from aeon.datasets import load_airline

        series = load_airline(return_array=False)
        times, values = series.index.to_timestamp().to_numpy(), series.to_frame("passengers")
    else:
        raise ValueError(
            f"Unknown series. Expected one of {tuple(SOURCES)}. Received: series={name!r}"
        )
    return times, values.to_numpy("float32"), list(values.columns), SOURCES[name]


def read_csv_series(path, time_column=None, target=None):
    """A CSV's value columns in time order, as `(times, values, columns, source)`.

    Args:
        path: CSV file with a header row.
        time_column: column that orders the rows; default the first column.
        target: value column name or tuple of names; default every other column.

    Raises:
        FileNotFoundError: if there is no such file.
        ValueError: for unknown columns (the message lists the columns present)
            or non-numeric values.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"No such CSV file: {path}")
    table = pd.read_csv(path)
    present = list(table.columns)
    time_column = present[0] if time_column is None else time_column
    targets = [c for c in present if c != time_column] if target is None else target
    targets = [targets] if isinstance(targets, str) else list(targets)
    unknown = [c for c in (time_column, *targets) if c not in present]
    if unknown:
        raise ValueError(f"Unknown column(s) {unknown} in {path.name}. Columns present: {present}")
    if not targets:
        raise ValueError(f"{path.name} has no value column beside the time column {time_column!r}")
    if not pd.api.types.is_numeric_dtype(table[time_column]):  # dates as text: parse them
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "could not infer format" for text that is no date
            try:
                table[time_column] = pd.to_datetime(table[time_column])
            except (ValueError, TypeError):
                pass
    table = table.sort_values(time_column, kind="stable").reset_index(drop=True)
    times = table[time_column].to_numpy()
    for column in targets:
        numbers = pd.to_numeric(table[column], errors="coerce")
        bad = numbers.isna() & table[column].notna()
        if bad.any():
            row = int(np.argmax(bad.to_numpy()))
            raise ValueError(
                f"Non-numeric value {table[column][row]!r} in column {column!r}, row {row} "
                f"(time {times[row]})"
            )
        table[column] = numbers
    values = table[targets].to_numpy("float32")
    return times, values, targets, f"CSV {path} (columns {targets}, time {time_column!r})"


def fill_gaps(values, method, columns=None, times=None):
    """Fill NaN in `(T, F)` values, or refuse them; returns `(filled, number_missing)`.

    Args:
        method: "interpolate" (linear in the step index; the ends take the
            nearest value), "ffill" (carry the last value forward; leading
            gaps take the first value) or "error".

    Raises:
        ValueError: with "error" when a value is missing, naming the column,
            the count and the first row.
    """
    values = np.asarray(values, dtype="float32")
    missing = np.isnan(values)
    if not missing.any():
        return values, 0
    if method == "error":
        row, col = (int(i) for i in np.argwhere(missing)[0])
        name = columns[col] if columns is not None else col
        when = f", time {times[row]}" if times is not None else ""
        raise ValueError(
            f"Column {name!r} has {int(missing[:, col].sum())} missing values (first at row "
            f"{row}{when}). Set `fill` to 'interpolate' or 'ffill' to fill them. "
            f"Received: fill='error'"
        )
    frame = pd.DataFrame(values)
    if method == "interpolate":
        frame = frame.interpolate(limit_direction="both")
    elif method == "ffill":
        frame = frame.ffill().bfill()
    else:
        raise ValueError(
            f"`fill` must be one of ('interpolate', 'ffill', 'error'). Received: fill={method!r}"
        )
    if frame.isna().any().any():
        raise ValueError("A value column holds no value at all; there is nothing to fill from.")
    return frame.to_numpy("float32"), int(missing.sum())


# pandas frequency code (its letters) -> steps per season
SEASONS = {"MS": 12, "ME": 12, "M": 12, "W": 52, "D": 7, "B": 5, "h": 24, "H": 24, "QS": 4,
           "QE": 4, "Q": 4, "YS": 1, "YE": 1, "Y": 1, "AS": 1, "A": 1, "min": 60}  # fmt: skip


def infer_season_length(times):
    """Steps per season from regular datetimes (monthly 12, weekly 52, daily 7, hourly 24,
    quarterly 4, yearly 1, minutes 60), or None when the spacing says nothing."""
    times = np.asarray(times)
    if times.dtype.kind != "M" or len(times) < 3:
        return None
    try:
        code = pd.infer_freq(pd.DatetimeIndex(times))
    except (TypeError, ValueError):
        return None
    if code is None:
        return None
    return SEASONS.get(code.split("-")[0].lstrip("0123456789"))


def load_series(config, fill):
    """The configured series, gaps filled: `(times, values, columns, source, number_missing)`."""
    if config.data is not None:
        times, values, columns, source = read_csv_series(
            config.data, config.time_column, config.target
        )
    else:
        times, values, columns, source = builtin_series(config.series)
    values, missing = fill_gaps(values, fill, columns, times)
    return times, values, columns, source, missing
