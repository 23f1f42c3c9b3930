"""Reading one `predict` sequence file: a CSV (a row per time step) or a `.npy` array.

Every cell is checked: a non-numeric, missing or non-finite value is refused
with its file line and column. A CSV's first row is a header when any cell
is not a number, or when it is pandas' default header `0,1,...,F-1` (what
`DataFrame.to_csv` writes for unnamed columns), so that row is never read as
a time step. With the model's feature names, a header is matched by name.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np


def decode_utf8(path: Path, data: bytes) -> str:
    """`data` decoded as UTF-8 (a leading byte-order mark dropped), errors naming the line."""
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ValueError(
            f"{path} is not UTF-8 text: byte 0x{data[error.start]:02x} at line {line} "
            f"cannot be decoded. Received: {path.name}"
        ) from None


def read_csv_sequence(path: Path, columns=None) -> np.ndarray:
    """A CSV's values as a `(T, F)` float32 array, every cell checked.

    Args:
        path: the CSV file.
        columns: the model's feature names in training order (optional).
            When the file's header names them, the columns are read by name
            in this order; a header with other names is refused.
    """
    text = decode_utf8(path, path.read_bytes())
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, lines, header = [], [], None
    try:
        for cells in reader:
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue  # a blank line
            if header is None:
                header = [c.strip() for c in cells]
                if _is_header(header):
                    continue
                header = [f"column {j + 1}" for j in range(len(cells))]
            if len(cells) != len(header):
                raise ValueError(
                    f"{path} line {reader.line_num} has {len(cells)} cells; the file has "
                    f"{len(header)} columns. Received: {','.join(cells)[:60]!r}"
                )
            rows.append(cells)
            lines.append(reader.line_num)
    except csv.Error as error:
        raise ValueError(f"{path} line {reader.line_num} is not valid CSV: {error}") from None
    if not rows:
        what = "only a header row" if header else "no rows"
        raise ValueError(f"{path} holds {what}; a sequence needs at least one time step.")
    order = _column_order(path, header, columns)
    header = [header[j] for j in order]
    values = np.empty((len(rows), len(order)), dtype="float64")
    for t, cells in enumerate(rows):
        for k, j in enumerate(order):
            if not _is_number(cells[j]):
                raise ValueError(
                    f"{path} line {lines[t]}, {_column(header[k])}: not a number. "
                    f"Received: {cells[j]!r}"
                )
            values[t, k] = float(cells[j])
    check_finite(values, path, lines=lines, columns=header)
    with np.errstate(over="ignore"):
        out = values.astype("float32")
    check_finite(out, path, original=values, lines=lines, columns=header)
    return out


def _is_header(cells) -> bool:
    """A first row is a header if a cell is not a number, or if it is pandas' `0,1,...`."""
    if not all(_is_number(c) for c in cells):
        return True
    return cells == [str(j) for j in range(len(cells))] and len(cells) > 1


def _column_order(path, header, columns) -> list[int]:
    """Indices of the file's columns in the model's order (file order when unnamed)."""
    named = not header[0].startswith("column ") and not header[0].isdigit()
    if columns is None or not named:
        return list(range(len(header)))
    columns = [str(c) for c in columns]
    missing = [c for c in columns if c not in header]
    unknown = [h for h in header if h not in columns]
    if missing or unknown:
        raise ValueError(
            f"{path}: its header must name the model's features {columns} (in any order). "
            f"Received: missing {missing}, not features of the model {unknown}"
        )
    return [header.index(c) for c in columns]


def read_npy(path: Path) -> np.ndarray:
    with open(path, "rb") as file:
        if file.read(6) != b"\x93NUMPY":
            raise ValueError(f"{path} is not a .npy file: it does not start with a NumPy header.")
    try:
        array = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ValueError(f"{path} is not a readable .npy file: {reason}") from None
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{path} must hold numbers. Received: an array of dtype {array.dtype}")
    return array


def check_finite(values, path, *, original=None, row=None, lines=None, columns=None):
    """Refuse NaN or inf (also values too large for float32), naming where."""
    finite = np.isfinite(values)
    if finite.all():
        return
    t, j = (int(k) for k in np.argwhere(~finite)[0])
    value = (values if original is None else original)[t, j]
    if lines is not None:
        where = f"line {lines[t]} (time step {t}), {_column(columns[j])}"
    else:
        where = ("" if row is None else f"row {row}, ") + f"time step {t}, feature {j}"
    reason = "too large for float32" if np.isfinite(value) else "not a finite number"
    raise ValueError(f"{path} {where}: {reason}. Received: {value}")


def _column(name: str) -> str:
    return name if name.startswith("column ") else f"column {name!r}"


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return "_" not in cell
