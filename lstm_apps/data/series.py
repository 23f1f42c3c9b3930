"""Series of the forecasting studies: statsmodels' sunspots, co2 and nile, aeon's airline, a CSV.

Every loader returns `(times, values, columns, source)`: `times` a `(T,)`
array (years, or datetimes), `values` a `(T, F)` float32 array in time order
(NaN where a value is missing), the value column names and a line on the
source. `load_series` then fills or refuses the gaps (`fill`). Nothing is
downloaded: the four built-in series ship with the installed packages. A
CSV is read strictly (see `read_csv_series`): its gaps reach `fill_gaps`
only when `fill` is "interpolate" or "ffill"; with "error" the reader
refuses them by file line.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from lstm_apps.data.tables import (
    is_missing,
    overflows_float32,
    read_text_table,
    refuse_missing,
    unique_order,
    where,
)

SOURCES = {
    "sunspots": "statsmodels `sunspots`: yearly sunspot numbers 1700-2008 (NOAA NGDC, "
    "public domain)",
    "co2": "statsmodels `co2`: weekly CO2 at Mauna Loa, 1958-2001 (Keeling & Whorf, SIO/CDIAC, "
    "public domain)",
    "airline": "aeon `load_airline`: monthly airline passengers 1949-1960 (Box & Jenkins, "
    "Series G)",
    "nile": "statsmodels `nile`: yearly flow of the Nile at Aswan, 1871-1970, 10^8 m^3 "
    "(Cobb 1978; public domain)",
}


def builtin_series(name):
    """One of "sunspots", "co2", "airline", "nile" as `(times, values, columns, source)`."""
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
    elif name == "nile":
        from statsmodels.datasets import nile

        frame = nile.load_pandas().data
        times, values = frame["year"].to_numpy(int), frame[["volume"]]
    else:
        raise ValueError(
            f"Unknown series. Expected one of {tuple(SOURCES)}. Received: series={name!r}"
        )
    return times, values.to_numpy("float32"), list(values.columns), SOURCES[name]


def read_csv_series(path, time_column=None, target=None, missing="error"):
    """A CSV's value columns in time order, as `(times, values, columns, source)`.

    The file is read strictly (`lstm_apps.data.tables.read_text_table`): the
    rows are ordered by the time column, whose values must be present, unique
    and all finite numbers or all dates of one format; every value must be a
    finite number. Errors name the file, the column, the file line (the
    header is line 1) and the value.

    Args:
        path: CSV file with a header row (.gz, .bz2, .xz or .zip too).
        time_column: column that orders the rows; default the first column.
        target: value column name or tuple of names; default every other column.
        missing: what an empty value or a missing-value text (NaN, None, null,
            NA, N/A) is: "error" (default: refused) or "keep" (NaN, a gap
            for `fill_gaps`).

    Raises:
        FileNotFoundError: if there is no such file.
        ValueError: for a file with no rows, unknown columns (the message lists
            the columns present), a missing, unreadable or repeated time
            value, a non-numeric or infinite value or one beyond float32's range
            (|x| > 3.4e38), or a missing value with `missing="error"`.
    """
    if missing not in ("error", "keep"):
        raise ValueError(f"`missing` must be 'error' or 'keep'. Received: missing={missing!r}")
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"No such CSV file: {path}")
    table = read_text_table(path)
    present = list(table.columns)
    time_column = present[0] if time_column is None else time_column
    targets = [c for c in present if c != time_column] if target is None else target
    targets = [targets] if isinstance(targets, str) else list(targets)
    unknown = [c for c in (time_column, *targets) if c not in present]
    if unknown:
        raise ValueError(f"Unknown column(s) {unknown} in {path.name}. Columns present: {present}")
    if not targets:
        raise ValueError(f"{path.name} has no value column beside the time column {time_column!r}")
    times, keys = _time_values(table, time_column)
    order = unique_order(table, time_column, keys)
    when = table[time_column]
    values = np.stack([_values(table, c, when, missing) for c in targets], axis=1)
    source = f"CSV {path} (columns {targets}, time {time_column!r})"
    return times[order], values[order], targets, source


def _time_values(table, column):
    """The time column as numbers or dates (as pandas reads them), and int or float sort keys."""
    refuse_missing(table, column, "time value")
    texts, name = table[column], table.attrs["source"]
    numbers = pd.to_numeric(texts, errors="coerce")
    if numbers.notna().all():
        bad = ~np.isfinite(numbers.to_numpy("float64"))
        if not bad.any():
            return numbers.to_numpy(), numbers.to_numpy()
        problem = "is not finite"
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "could not infer format", mixed time zones
            try:
                dates = pd.to_datetime(texts, errors="coerce")
            except (ValueError, TypeError) as error:
                raise ValueError(
                    f"Time column {column!r} of {name} could not be read as dates "
                    f"({error}). Received: {column}={texts.iloc[0]!r}"
                ) from None
        numeric = numbers.notna().to_numpy()  # a number among dates is wrong, and vice versa
        bad = ~numeric if 2 * numeric.sum() > len(numeric) else dates.isna().to_numpy() | numeric
        if not bad.any():
            return dates.to_numpy(), np.asarray(dates.array.asi8)
        problem = "is neither a number nor a date in the format of the others"
    raise ValueError(
        f"Time value {texts[bad].iloc[0]!r} {problem}, in time column {column!r} of "
        f"{name}, {where(table, bad)}. Received: {column}={texts[bad].iloc[0]!r}"
    )


def _values(table, column, when, missing):
    """One value column as float32, NaN where missing (with `missing="keep"`); `when`: times."""
    texts, name = table[column], table.attrs["source"]
    gaps = is_missing(texts)
    numbers = pd.to_numeric(texts.where(~gaps), errors="coerce").to_numpy("float64")
    big = overflows_float32(numbers)
    bad = (~np.isfinite(numbers) | big) & ~gaps
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        kind = "Out-of-range" if big[i] else "Infinite" if np.isinf(numbers[i]) else "Non-numeric"
        more = f"; {int(bad.sum())} such values in the column" if bad.sum() > 1 else ""
        hint = " Choose the value columns with `target`." if bad.all() else ""
        raise ValueError(
            f"{kind} value {texts.iloc[i]!r} in column {column!r} of {name}, "
            f"{where(table, bad)} (time {when.iloc[i]!r}{more}). Values must be finite "
            f"numbers within float32's range (±3.4e38).{hint} Received: {column}={texts.iloc[i]!r}"
        )
    if gaps.any() and missing == "error":
        i = int(np.flatnonzero(gaps)[0])
        raise ValueError(
            f"Column {column!r} has {int(gaps.sum())} missing values in {name}, "
            f"{where(table, gaps)} (first {texts.iloc[i]!r}, time {when.iloc[i]!r}). Set `fill` to "
            f"'interpolate' or 'ffill' to fill them. Received: {column}={texts.iloc[i]!r}"
        )
    return numbers.astype("float32")


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
    """The configured series, gaps filled: `(times, values, columns, source, number_missing)`.

    `config.data` names a CSV file or a built-in series (`SOURCES`); without
    it, the built-in `config.series` (default "airline") is read.
    """
    if config.data is not None and config.data not in SOURCES:
        keep = "error" if fill == "error" else "keep"  # gaps are refused, or filled below
        times, values, columns, source = read_csv_series(
            config.data, config.time_column, config.target, missing=keep
        )
    else:
        name = config.data or getattr(config, "series", None) or "airline"
        times, values, columns, source = builtin_series(name)
    values, missing = fill_gaps(values, fill, columns, times)
    return times, values, columns, source, missing
