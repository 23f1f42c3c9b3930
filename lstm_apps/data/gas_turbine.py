"""The UCI Gas Turbine CO and NOx Emission data, and sensor tables like it.

Five yearly files `gt_2011.csv` ... `gt_2015.csv` (36,733 hourly rows in
time order, 9 sensor inputs, CO and NOX targets; Kaya, Tüfekci & Uzun 2019).
They are found in the data directory or the user cache; without a copy the
UCI archive is downloaded and its CSV files are checked before they are kept.

Because the archive's own bytes could not be checked offline, the check is on
the *content*: the sha256 of the parsed values (see `content_sha256`), which
does not depend on line endings or on how numbers are written.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from lstm_apps.data import sources, tables

FEATURES = ("AT", "AP", "AH", "AFDP", "GTEP", "TIT", "TAT", "TEY", "CDP")
TARGETS = ("CO", "NOX")
YEARS = (2011, 2012, 2013, 2014, 2015)
FOLDER = "gas_turbine"
UCI_URL = (
    "https://archive.ics.uci.edu/static/public/551/gas+turbine+co+and+nox+emission+data+set.zip"
)
# sha256 of the values of each year, as `content_sha256` computes them.
CONTENT_SHA256 = {
    2011: "95802e31a38d4290be98adbf9336f6b2f1dfa9c54a22518aafa6508eb130cbe3",
    2012: "07177c004ad2b087cea5b102d2bf532ad53047066549d18795f6d7c247e2e704",
    2013: "373133d236518f6c66a330d62d7ad8a54b62c715ef3efc33723cde32143b00d8",
    2014: "fd94a1ee52455333a076a0973c89cba924e78dce8053130407bcf6b8761ac0c7",
    2015: "9bae7bc14ae8f477e5f956244242dd2e286970b0d5bea8ea5f80cb34c140b589",
}


def content_sha256(frame: pd.DataFrame) -> str:
    """sha256 of a table's column names and its values rounded to 5 decimals."""
    values = np.round(frame.to_numpy(dtype="float64"), 5)
    digest = hashlib.sha256(",".join(frame.columns).encode())
    digest.update(np.ascontiguousarray(values).tobytes())
    return digest.hexdigest()


def fetch(url=UCI_URL, expected=None) -> Path:
    """Download the UCI archive, check every year's values and cache the CSV files.

    Nothing is written unless all five years pass the check.

    Raises:
        DownloadError: if the archive cannot be downloaded (the message says
            to set `LSTM_APPS_DATA_DIR` to a folder holding `gas_turbine/gt_YYYY.csv`).
        ValueError: if a year is missing from the archive or its values differ.
    """
    expected = expected or CONTENT_SHA256
    files = f"{FOLDER}/gt_{YEARS[0]}.csv ... gt_{YEARS[-1]}.csv"
    with sources.open_url(url, "the UCI gas turbine archive", files) as response:
        archive = sources.open_zip(response.read(), url)
    names = {Path(n).name: n for n in archive.namelist()}
    frames = {}
    for year in YEARS:
        name = f"gt_{year}.csv"
        if name not in names:
            raise ValueError(f"The archive at {url} has no {name}. It holds: {sorted(names)}")
        frame = pd.read_csv(io.BytesIO(archive.read(names[name])))
        digest = content_sha256(frame)
        if digest != expected[year]:
            raise ValueError(
                f"{name} from {url} has content sha256 {digest}, expected {expected[year]}. "
                "Nothing was kept."
            )
        frames[year] = frame
    target = sources.cache_dir() / FOLDER
    target.mkdir(parents=True, exist_ok=True)
    for year, frame in frames.items():
        with tempfile.NamedTemporaryFile("w", dir=target, suffix=".part", delete=False) as tmp:
            frame.to_csv(tmp, index=False)
        Path(tmp.name).replace(target / f"gt_{year}.csv")
    return target


def read_years(folder=None, years=YEARS) -> pd.DataFrame:
    """The yearly tables stacked in time order, with a `year` column.

    Looks in `folder`, else `LSTM_APPS_DATA_DIR/gas_turbine`, else the cache,
    else downloads (see `fetch`). Each file is read strictly (see `read_table`).
    """
    if folder is None:
        try:
            folder = sources.find_file(f"{FOLDER}/gt_{years[0]}.csv").parent
        except FileNotFoundError:
            folder = fetch()
    folder = Path(folder).expanduser()
    frames = []
    for year in years:
        path = folder / f"gt_{year}.csv"
        if not path.exists():
            raise FileNotFoundError(f"No file for year {year}: {path}")
        frames.append(read_table(path).assign(year=year))
    return pd.concat(frames, ignore_index=True)


def read_table(path, time_column=None) -> pd.DataFrame:
    """A user's CSV: one row per time step, sorted by `time_column` when given.

    The file is read strictly (`lstm_apps.data.tables.read_text_table`): a
    header-only file, an unnamed or repeated column and a row with a wrong
    number of fields are refused. Columns are typed as pandas' CSV reader
    would (numbers, missing-value texts as NaN, else text); the index, named
    "line", is the file line of each row, so `check_columns` names lines.

    Raises:
        FileNotFoundError: if the file does not exist.
        ValueError: for a malformed file, a missing time column, or a time
            value that is missing, not a number or ISO 8601 date, or repeated.
    """
    path = Path(path).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"No such data file: {path}")
    text = tables.read_text_table(path)
    frame = pd.DataFrame({c: tables.infer_column(text[c]) for c in text.columns})
    frame.attrs["source"] = path.name
    if time_column is not None:
        if time_column not in frame:
            raise ValueError(
                f"Time column {time_column!r} is not in {path.name}. "
                f"Columns present: {list(frame.columns)}"
            )
        frame = frame.iloc[tables.time_order(text, time_column)]
    return frame


def _where(frame: pd.DataFrame, row: int) -> str:
    if frame.index.name == "line":
        return f"line {frame.index[row]} of {frame.attrs.get('source', 'the file')}"
    year = f" (year {frame['year'].iloc[row]})" if "year" in frame else ""
    return f"row {row} (0-based, header excluded){year}"


def check_columns(frame: pd.DataFrame, columns, nan_policy="error") -> pd.DataFrame:
    """Check that `columns` exist and are numeric; handle missing values.

    Args:
        frame: the table.
        columns: the feature and target columns the task needs.
        nan_policy: "error" (default), "drop" (rows with a missing value) or
            "interpolate" (linear, in time order, ends filled from the nearest value).

    Returns:
        A copy with `columns` as float64 (other columns kept), and the number of
        missing values handled in `frame.attrs["missing_values"]`.

    Raises:
        ValueError: for a missing column, a non-numeric value or one beyond
            float32's range (|x| > 3.4e38), or (with
            `nan_policy="error"`) a missing or infinite value, naming the file
            line for a table from `read_table`, else the 0-based row.
    """
    if nan_policy not in ("error", "drop", "interpolate"):
        raise ValueError(
            "`nan_policy` must be 'error', 'drop' or 'interpolate'. "
            f"Received: nan_policy={nan_policy!r}"
        )
    missing = [c for c in columns if c not in frame]
    if missing:
        raise ValueError(f"Missing columns {missing}. Columns present: {list(frame.columns)}")
    frame = frame.copy()
    for column in columns:
        numbers = pd.to_numeric(frame[column], errors="coerce")
        big = tables.overflows_float32(numbers.to_numpy("float64"))
        bad = (numbers.isna() & frame[column].notna()).to_numpy() | big
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            kind = "Out-of-range" if big[row] else "Non-numeric"
            rule = " (beyond float32's range, ±3.4e38)" if big[row] else ""
            value = frame[column].tolist()[row]  # a Python number or text, for the message
            raise ValueError(
                f"{kind} value {value!r} in column {column!r}, "
                f"{_where(frame, row)}{rule}. Received: {column}={value!r}"
            )
        frame[column] = numbers.astype("float64")
    gaps = frame[list(columns)].isna() | np.isinf(frame[list(columns)])
    count = int(gaps.to_numpy().sum())
    if count and nan_policy == "error":
        row, col = (int(i[0]) for i in np.nonzero(gaps.to_numpy()))
        raise ValueError(
            f"{count} missing or infinite values (first in {_where(frame, row)}, column "
            f"{columns[col]!r}). Pass nan_policy='drop' or 'interpolate' to handle them."
        )
    if count:
        frame[list(columns)] = frame[list(columns)].where(~gaps)
        if nan_policy == "drop":
            frame = frame[~gaps.any(axis=1)].reset_index(drop=True)
        else:
            frame[list(columns)] = frame[list(columns)].interpolate(limit_direction="both")
    frame.attrs["missing_values"] = count
    return frame


def windows(values, k, targets=None, sequence=False):
    """Windows of the last `k` rows ending at every row (the first rows are edge-padded).

    Args:
        values: `(T, F)` array of one contiguous block.
        k: window length in rows.
        targets: optional `(T,)` array.
        sequence: if True, each window's target is the `(k,)` targets of its
            rows; else the target of its last row.

    Returns:
        `x` of shape `(T, k, F)` and, with `targets`, `y` of shape `(T,)` or `(T, k)`.
    """
    values = np.asarray(values, dtype="float32")
    if k < 1 or k > len(values):
        raise ValueError(
            f"The window must be between 1 and the block length ({len(values)} rows). "
            f"Received: window={k}"
        )
    padded = np.concatenate([np.repeat(values[:1], k - 1, axis=0), values])
    index = np.arange(len(values))[:, None] + np.arange(k)
    x = padded[index]
    if targets is None:
        return x
    targets = np.asarray(targets, dtype="float32")
    if not sequence:
        return x, targets
    padded_t = np.concatenate([np.repeat(targets[:1], k - 1), targets])
    return x, padded_t[index]
