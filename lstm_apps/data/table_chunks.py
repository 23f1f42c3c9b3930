"""Reading CSV text strictly, whole or in chunks: the pieces `tables.read_text_table` uses.

A file is opened as UTF-8 text (a byte-order mark is dropped), plain or
compressed (.gz, .bz2, .xz, or a .zip holding one file), and read with the
`csv` module. Blank lines hold no data; every other row must have as many
fields as the header. `iter_text_chunks` yields the rows a few at a time,
each chunk a DataFrame of `str` cells indexed by file line, so a file
larger than memory can be checked and converted block by block.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import lzma
import zipfile
from itertools import islice
from pathlib import Path

import pandas as pd

from lstm_apps.checks import check_positive

_OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
_READ_ERRORS = (UnicodeDecodeError, OSError, EOFError, csv.Error, zipfile.BadZipFile)


def text_file(path) -> Path:
    """The path of an existing data file (`~` expanded).

    Raises:
        FileNotFoundError: if there is no file at `path`.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"No such data file: {path}")
    return path


def open_text(path: Path):
    """Open a CSV file (or .gz, .bz2, .xz, or a .zip of one file) as UTF-8 text.

    Raises:
        ValueError: for a .zip that does not hold exactly one file.
    """
    if path.suffix == ".zip":
        archive = zipfile.ZipFile(path)
        names = [n for n in archive.namelist() if not n.endswith("/")]
        if len(names) != 1:
            raise ValueError(f"{path.name} must hold exactly one CSV file. It holds: {names}")
        return io.TextIOWrapper(archive.open(names[0]), encoding="utf-8-sig", newline="")
    opener = _OPENERS.get(path.suffix, open)
    return opener(path, "rt", encoding="utf-8-sig", newline="")


def read_records(path: Path, delimiter=","):
    """Yield `(line, fields)` for every non-blank row of a CSV file, the header first.

    `line` is the file line where the row starts (the header is line 1).

    Raises:
        ValueError: if the file is not UTF-8 text or not readable as CSV.
    """
    try:
        with open_text(path) as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            end = 0
            for record in reader:
                start, end = end + 1, reader.line_num
                if record:  # a blank line holds no data
                    yield start, record
    except _READ_ERRORS as error:
        raise ValueError(f"{path.name} could not be read as CSV text: {error}") from None


def check_header(header, name):
    """Refuse a header with an unnamed or a repeated column; returns the header.

    Raises:
        ValueError: naming the column and the file (or table) `name`.
    """
    for i, column in enumerate(header, start=1):
        if not column.strip():
            raise ValueError(
                f"Column {i} of the header of {name} has no name (a saved index?). "
                f"Name it or remove it. Received: header={header}"
            )
    repeated = sorted({c for c in header if header.count(c) > 1})
    if repeated:
        raise ValueError(f"The header of {name} repeats columns {repeated}. Received: {header}")
    return header


def check_fields(records, lines, header, name) -> None:
    """Refuse a row whose number of fields differs from the header's.

    Raises:
        ValueError: naming the first such row's file line and its text.
    """
    for record, line in zip(records, lines):
        if len(record) != len(header):
            raise ValueError(
                f"Line {line} of {name} has {len(record)} fields; the header has "
                f"{len(header)}. Received: line {line}={','.join(record)[:80]!r}"
            )


def named_frame(frame, index, source):
    """`frame` indexed by `index` with `attrs["source"]` set; an empty frame is refused.

    Raises:
        ValueError: if `frame` has no rows.
    """
    frame.index = index
    frame.attrs["source"] = source
    if frame.empty:
        raise ValueError(f"{source} has no rows: only a header {list(frame.columns)}.")
    return frame


def iter_text_chunks(path, chunk_rows, delimiter=","):
    """Yield a CSV file's rows in chunks of at most `chunk_rows`, checked as they come.

    Each chunk is what `tables.read_text_table` returns for the whole file:
    a DataFrame of `str` cells whose index, named "line", is the file line
    of each row, with `attrs["source"]` the file name. Only one chunk is
    held at a time.

    Args:
        path: a CSV file (or .gz, .bz2, .xz, .zip).
        chunk_rows: the most rows per chunk (a positive integer).
        delimiter: the one-character field separator ("\\t" for a TSV file).

    Yields:
        `pandas.DataFrame` chunks, in file order.

    Raises:
        FileNotFoundError: if the file does not exist.
        ValueError: as `tables.read_text_table` (checked chunk by chunk, so
            some chunks may be yielded before a later row is refused), or a
            bad `chunk_rows`.

    Example:
        >>> for chunk in iter_text_chunks("big.csv", 100_000):
        ...     print(chunk.index[0], len(chunk))
    """
    chunk_rows = check_positive("chunk_rows", chunk_rows)
    path = text_file(path)
    rows = read_records(path, delimiter)
    first = next(rows, None)
    if first is None:
        raise ValueError(f"{path.name} is empty: it has no header and no rows.")
    header = check_header(first[1], path.name)
    seen = False
    while block := list(islice(rows, chunk_rows)):
        lines = [line for line, _ in block]
        records = [record for _, record in block]
        del block
        check_fields(records, lines, header, path.name)
        seen = True
        frame = pd.DataFrame(records, columns=header, dtype=object)
        del records
        yield named_frame(frame, pd.Index(lines, name="line"), path.name)
        del frame, lines  # not held while the next chunk is read
    if not seen:
        named_frame(pd.DataFrame(columns=header, dtype=object), pd.RangeIndex(0), path.name)
