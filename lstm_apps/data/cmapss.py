"""NASA C-MAPSS turbofan run-to-failure data (Saxena et al. 2008).

A subset such as FD001 is three space-separated text files:

* `train_FD001.txt`: engines run until failure, one row per operating cycle;
* `test_FD001.txt`: other engines, cut off some time before failure;
* `RUL_FD001.txt`: the true remaining useful life of each test engine after
  its last recorded cycle, one number per line.

Every table row holds 26 numbers: the unit (engine) number, the cycle, three
operational settings and 21 sensor readings (`COLUMNS`).

The folder is found in `data_path`, else `LSTM_APPS_DATA_DIR/cmapss_fd001`,
else the user cache, else NASA's zip is downloaded. The zip's own sha256 could
not be checked offline when this loader was written, so the check is on the
*content*: the sha256 of each parsed table (see `content_sha256`). Nothing is
kept unless the three files of the subset pass it.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from lstm_apps.data import sources

SETTINGS = ("setting_1", "setting_2", "setting_3")
SENSORS = tuple(f"sensor_{i}" for i in range(1, 22))
COLUMNS = ("unit", "cycle", *SETTINGS, *SENSORS)
SUBSETS = ("FD001", "FD002", "FD003", "FD004")
NASA_URL = (
    "https://phm-datasets.s3.amazonaws.com/NASA/"
    "6.+Turbofan+Engine+Degradation+Simulation+Data+Set.zip"
)
# sha256 of the parsed values of each file, as `content_sha256` computes them.
CONTENT_SHA256 = {
    "FD001": {
        "train": "67cddae6022259051186f8e07ff6a6e4dd6c9c43465ca928fb787eb0e23e5e5a",
        "test": "f2e1fccd6ac174e0d18f511871035b757cc992927014dfec820f24108e5133c8",
        "rul": "da1da25e3a16a0b5cda952e87d2b64f6ac224823fd88e095722dd068bb2f7201",
    },
}


def check_subset(subset) -> str:
    """Return `subset` if it names a C-MAPSS subset, else raise ValueError."""
    if subset not in SUBSETS:
        raise ValueError(f"Unknown C-MAPSS subset. Expected one of {SUBSETS}. Received: {subset!r}")
    return subset


def file_names(subset="FD001") -> dict[str, str]:
    """The file name of each part ("train", "test", "rul") of a subset."""
    check_subset(subset)
    return {
        "train": f"train_{subset}.txt",
        "test": f"test_{subset}.txt",
        "rul": f"RUL_{subset}.txt",
    }


def _numbers(text: str, name: str, num_columns: int) -> np.ndarray:
    """Parse whitespace-separated numbers, `num_columns` per non-blank line.

    pandas parses well-formed text quickly; anything it rejects or reads as
    missing is parsed again line by line to name the line and column at fault.
    """
    try:
        values = pd.read_csv(io.StringIO(text), sep=r"\s+", header=None, dtype="float64")
        values = values.to_numpy()
        if values.shape[1] == num_columns and len(values) and np.all(np.isfinite(values)):
            return values
    except (ValueError, pd.errors.ParserError):
        pass
    return _checked_numbers(text, name, num_columns)


def _checked_numbers(text: str, name: str, num_columns: int) -> np.ndarray:
    rows = [(i, line.split()) for i, line in enumerate(text.splitlines(), start=1)]
    rows = [(i, fields) for i, fields in rows if fields]
    if not rows:
        raise ValueError(f"{name} holds no data rows.")
    for i, fields in rows:
        if len(fields) != num_columns:
            raise ValueError(
                f"{name}, line {i}: wrong number of columns, expected {num_columns}. "
                f"Received: {len(fields)}"
            )
        for j, field in enumerate(fields):
            try:
                number = float(field)
            except ValueError:
                number = None
            if number is None or not np.isfinite(number):
                raise ValueError(
                    f"{name}, line {i}, column {j + 1}: expected a finite number. "
                    f"Received: {field!r}"
                )
    return np.array([fields for _, fields in rows], dtype="float64")


def parse_table(text: str, name="table") -> pd.DataFrame:
    """A train or test table: 26 numeric columns, cycles 1, 2, 3, ... per unit.

    Args:
        text: the file's text.
        name: the file's name, used in error messages.

    Returns:
        A DataFrame with `COLUMNS`; `unit` and `cycle` are integers.

    Raises:
        ValueError: for a row with another number of columns, a non-numeric or
            non-finite value (line and column named), or cycles that do not
            run 1, 2, 3, ... within a unit.
    """
    frame = pd.DataFrame(_numbers(text, name, len(COLUMNS)), columns=list(COLUMNS))
    frame[["unit", "cycle"]] = frame[["unit", "cycle"]].astype("int64")
    expected = frame.groupby("unit", sort=False).cumcount() + 1
    if not np.array_equal(frame["cycle"].to_numpy(), expected.to_numpy()):
        row = int(np.flatnonzero(frame["cycle"].to_numpy() != expected.to_numpy())[0])
        raise ValueError(
            f"{name}, data row {row + 1}: cycles of unit {frame.unit[row]} must run 1, 2, 3, ... "
            f"in order. Received: cycle {frame.cycle[row]} where {expected[row]} was expected"
        )
    return frame


def parse_rul(text: str, name="RUL") -> np.ndarray:
    """The true remaining useful life of each test unit, one number per line."""
    values = _numbers(text, name, 1)[:, 0]
    if np.any(values < 0):
        raise ValueError(f"{name}: RUL values must be >= 0. Received: {values.min()}")
    return values


def content_sha256(values) -> str:
    """sha256 of a table's values as float64, rounded to 5 decimals (format-independent)."""
    array = np.round(np.asarray(values, dtype="float64"), 5)
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def _parse(part: str, text: str, name: str):
    return parse_rul(text, name) if part == "rul" else parse_table(text, name)


def _members(archive: zipfile.ZipFile, depth=0) -> dict[str, bytes]:
    """Base name -> bytes of every file in a zip, looking one level into nested zips."""
    found = {}
    for member in archive.namelist():
        data = archive.read(member) if not member.endswith("/") else None
        if data is None:
            continue
        if member.lower().endswith(".zip") and depth == 0:
            found.update(_members(zipfile.ZipFile(io.BytesIO(data)), depth + 1))
        else:
            found.setdefault(Path(member).name, data)
    return found


def fetch(url=None, subset="FD001", expected=None) -> Path:
    """Download NASA's zip, check the subset's three files and keep them in the cache.

    The files are kept byte for byte, and only when the content sha256 of
    every one matches `expected` (default: the pinned `CONTENT_SHA256`).
    `url` defaults to `NASA_URL`; the files may lie anywhere in the zip or
    inside a zip nested in it.

    Returns:
        The cache folder that now holds the subset.

    Raises:
        ValueError: if a file is missing from the zip or its content differs;
            nothing is written then.
    """
    names = file_names(subset)
    url = url or NASA_URL
    expected = expected or CONTENT_SHA256.get(subset)
    if expected is None:
        raise ValueError(
            f"Only {tuple(CONTENT_SHA256)} can be downloaded with a content check. "
            f"Received: subset={subset!r}; pass `data_path` to a folder with {list(names.values())}"
        )
    with urllib.request.urlopen(url) as response:
        members = _members(zipfile.ZipFile(io.BytesIO(response.read())))
    for part, name in names.items():
        if name not in members:
            raise ValueError(f"The zip at {url} has no {name}. It holds: {sorted(members)}")
        digest = content_sha256(_parse(part, members[name].decode("latin-1"), name))
        if digest != expected[part]:
            raise ValueError(
                f"{name} from {url} has content sha256 {digest}, expected {expected[part]}. "
                "Nothing was kept."
            )
    target = sources.cache_dir() / folder_name(subset)
    target.mkdir(parents=True, exist_ok=True)
    for name in names.values():
        with tempfile.NamedTemporaryFile(dir=target, suffix=".part", delete=False) as tmp:
            tmp.write(members[name])
        Path(tmp.name).replace(target / name)
    return target


def folder_name(subset="FD001") -> str:
    """The subset's folder inside a data directory or the cache, e.g. "cmapss_fd001"."""
    return f"cmapss_{check_subset(subset).lower()}"


def find_folder(data_path=None, subset="FD001", download=True) -> Path:
    """The folder that holds the subset's three files.

    Looks in `data_path`, then `LSTM_APPS_DATA_DIR/cmapss_fd001` (for FD001),
    then the user cache; downloads into the cache as a last resort (FD001
    only, the subset with pinned content hashes; never when `download` is
    False).

    Raises:
        FileNotFoundError: when `data_path` lacks a file, or when the files are
            nowhere and cannot be downloaded; the message names every place
            searched and why the download failed.
        ValueError: if a downloaded file fails the content check (see `fetch`).
    """
    names = list(file_names(subset).values())
    if data_path is not None:
        folder = Path(data_path).expanduser()
        missing = [n for n in names if not (folder / n).is_file()]
        if missing:
            raise FileNotFoundError(
                f"`data_path` must be a folder holding {names}. Missing from {folder}: {missing}"
            )
        return folder
    searched = []
    for root in (sources.data_dir(), sources.cache_dir()):
        if root is not None:
            folder = root / folder_name(subset)
            searched.append(str(folder))
            if all((folder / n).is_file() for n in names):
                return folder
    failure = ""
    if download and subset in CONTENT_SHA256:
        try:
            return fetch(subset=subset)
        except OSError as error:  # no network, or the address moved
            failure = f" The download from {NASA_URL} failed: {error}."
    raise FileNotFoundError(
        f"Could not find {names}. Searched: {searched or 'nothing'}.{failure} Set "
        f"{sources.DATA_DIR_ENV} to a folder that holds {folder_name(subset)}/, "
        "or pass `data_path`."
    )


def read_subset(data_path=None, subset="FD001"):
    """Read a subset's training table, test table and test RUL values.

    Returns:
        `(train, test, rul)`: two DataFrames with `COLUMNS` and a `(units,)`
        array with the RUL of each test unit after its last cycle, in the
        order the units appear in the test table.

    Raises:
        FileNotFoundError: see `find_folder`.
        ValueError: for malformed files (see `parse_table`), or a RUL file
            whose length differs from the number of test units.
    """
    folder = find_folder(data_path, subset)
    names = file_names(subset)
    train, test, rul = (
        _parse(part, (folder / name).read_text(encoding="latin-1"), name)
        for part, name in names.items()
    )
    if len(rul) != test.unit.nunique():
        raise ValueError(
            f"{names['rul']} must hold one value per test unit ({test.unit.nunique()}). "
            f"Received: {len(rul)} values"
        )
    return train, test, rul


def engine_histories(frame: pd.DataFrame, columns, rul_after_last=None):
    """One `(cycles, len(columns))` float32 array per unit, and its RUL at every cycle.

    Args:
        frame: a train or test table (see `parse_table`).
        columns: the feature columns to keep, in order.
        rul_after_last: `(units,)` RUL after each unit's last cycle (a test
            table's RUL file); None (default) for engines run to failure.

    Returns:
        `(sequences, rul, units)`: lists of `(T_i, F)` arrays and `(T_i,)` RUL
        arrays, and the unit numbers, in the table's unit order.
    """
    groups = [g for _, g in frame.groupby("unit", sort=False)]
    after = np.zeros(len(groups)) if rul_after_last is None else np.asarray(rul_after_last)
    sequences = [g[list(columns)].to_numpy("float32") for g in groups]
    rul = [(r + np.arange(len(g) - 1, -1, -1)).astype("float32") for g, r in zip(groups, after)]
    return sequences, rul, [int(g.unit.iloc[0]) for g in groups]
