"""Labelled text: the IMDB movie reviews and any CSV/TSV of texts and labels.

IMDB (Maas et al. 2011) is looked up, in order, as
`imdb_reviews/imdb_reviews.csv.gz` in `LSTM_APPS_DATA_DIR` or the cache, then
as the authors' archive `imdb_reviews/aclImdb_v1.tar.gz` there, and last
downloaded from the authors' address with a sha256 check. An archive is
read once into the CSV form (columns `split, id, rating, label, text`) and
that is cached beside it.

`read_labelled_text` reads a user's file with named text and label columns
strictly and refuses, with the file lines and values involved, a missing
column, a label that is empty or a missing-value text (NaN, None, null, NA),
labels that differ only in spaces, an unknown split, a single class, or
bytes that are not UTF-8. Empty texts are dropped with a warning, or refused.
"""

from __future__ import annotations

import logging
import re
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd

from lstm_apps.data import sources
from lstm_apps.data.tables import (
    SPLITS,
    infer_column,
    is_missing,
    read_text_table,
    refuse_spaced_labels,
)
from lstm_apps.runs import atomic_write

log = logging.getLogger(__name__)

IMDB_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
IMDB_SHA256 = "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe"
IMDB_CSV = "imdb_reviews/imdb_reviews.csv.gz"
IMDB_ARCHIVE = "imdb_reviews/aclImdb_v1.tar.gz"
IMDB_CLASSES = ("negative", "positive")
_MEMBER = re.compile(r"aclImdb/(train|test)/(pos|neg)/(\d+)_(\d+)\.txt$")


def load_imdb(path=None, *, url=IMDB_URL, sha256=IMDB_SHA256) -> pd.DataFrame:
    """The 50,000 IMDB reviews, official 25k/25k split.

    Args:
        path: an explicit `.csv.gz` (the CSV form) or `.tar.gz` (the authors'
            archive); default: search the data folder and cache, then download.
        url, sha256: where the archive is downloaded from, and its checksum.

    Returns:
        A DataFrame with columns `split` ("train"/"test"), `id`, `rating`
        (1-4 negative, 7-10 positive), `label` (0 negative, 1 positive) and
        `text` (verbatim, with the "<br />" tags of the original).
    """
    if path is not None:
        path = sources.find_file("", path=path)
        return read_acl_archive(path) if _is_archive(path) else pd.read_csv(path)
    for relative in (IMDB_CSV, IMDB_ARCHIVE):
        try:
            found = sources.find_file(relative)
        except FileNotFoundError:
            continue
        return read_acl_archive(found) if _is_archive(found) else pd.read_csv(found)
    archive = sources.find_file(IMDB_ARCHIVE, url=url, sha256=sha256)
    return read_acl_archive(archive)


def read_acl_archive(path, cache=True) -> pd.DataFrame:
    """Read the authors' `aclImdb_v1.tar.gz` (the unlabelled `unsup` part is skipped).

    With `cache`, the result is also written as `imdb_reviews.csv.gz` beside
    the archive, so that the next load skips the 80 MB archive.
    """
    rows = []
    with tarfile.open(path, "r:gz") as archive:
        for member in archive:
            match = _MEMBER.search(member.name)
            if not (member.isfile() and match):
                continue
            split, polarity, number, rating = match.groups()
            text = archive.extractfile(member).read().decode("utf-8")
            rows.append((split, int(number), int(rating), int(polarity == "pos"), text))
    if not rows:
        raise ValueError(f"{path} holds no aclImdb/{{train,test}}/{{pos,neg}}/*.txt reviews")
    frame = pd.DataFrame(rows, columns=["split", "id", "rating", "label", "text"])
    frame = frame.sort_values(["split", "label", "id"], ascending=[False, True, True])
    frame = frame.reset_index(drop=True)
    if cache:
        target = Path(path).with_name("imdb_reviews.csv.gz")
        atomic_write(target, lambda tmp: frame.to_csv(tmp, index=False, compression="gzip"))
    return frame


def read_labelled_text(
    path, *, text_column="text", label_column="label", sep=None, empty="drop"
) -> pd.DataFrame:
    """Read a CSV or TSV of labelled texts strictly (`lstm_apps.data.tables.read_text_table`).

    Args:
        path: the file (.gz, .bz2, .xz or .zip too); `.tsv` and `.tab` files
            are tab-separated, others comma-separated unless `sep` (one
            character) is given.
        text_column, label_column: the column names.
        empty: "drop" (default: rows whose text is blank or a missing-value
            text such as NaN, None, null or NA are dropped, and their count and
            file lines are logged as a warning) or "error".

    Returns:
        A DataFrame with columns `text` and `label` (numbers if every label is
        one, else text; and `split` if the file has one), in file order.

    Raises:
        ValueError: the file is not UTF-8 (with the byte offset), has no rows
            or a row with the wrong number of fields, a column is missing
            (the columns that exist are named), a label is empty or a
            missing-value text (NaN, None, null, NA, N/A), two labels differ
            only in surrounding spaces, a split is not "train", "validation"
            or "test", a text is empty with `empty="error"`, or there is only
            one class. Each names the file lines concerned.
    """
    if empty not in ("drop", "error"):
        raise ValueError(f"`empty` must be 'drop' or 'error'. Received: empty={empty!r}")
    path = sources.find_file("", path=path)
    suffixes = [s.lower() for s in Path(path).suffixes]
    packed = bool(suffixes) and suffixes[-1] in (".gz", ".bz2", ".xz", ".zip")
    if sep is None:
        kind = suffixes[-2 if packed else -1] if len(suffixes) > packed else ""
        sep = "\t" if kind in (".tsv", ".tab") else ","
    if not isinstance(sep, str) or len(sep) != 1:
        raise ValueError(f"`sep` must be a single character. Received: sep={sep!r}")
    if not packed:
        _check_utf8(path)
    table = read_text_table(path, delimiter=sep)
    missing = [c for c in (text_column, label_column) if c not in table.columns]
    if missing:
        raise ValueError(
            f"{path} has no column {', '.join(map(repr, missing))}. Its columns are: "
            f"{', '.join(map(repr, table.columns))}. Choose them with text_column= and "
            "label_column=."
        )
    unlabelled = is_missing(table[label_column])
    if unlabelled.any():
        raise ValueError(
            f"{path}: the label column {label_column!r} has {int(unlabelled.sum())} empty or "
            f"NaN values (file lines {_file_lines(table, unlabelled)}); a label cannot be empty "
            "or a missing-value text (NaN, None, null, NA, N/A). "
            f"Received: {label_column}={table[label_column][unlabelled].iloc[0]!r}"
        )
    refuse_spaced_labels(table, label_column)
    texts = table[text_column].astype(str)
    blank = is_missing(texts)
    if blank.any():
        lines = _file_lines(table, blank)
        if empty == "error":
            raise ValueError(
                f"{path}: {int(blank.sum())} empty texts (file lines {lines}): a text cannot be "
                "blank or a missing-value text (NaN, None, null, NA, N/A); use empty='drop' to "
                f"skip them. Received: {text_column}={texts[blank].iloc[0]!r}"
            )
        log.warning(
            "%s: dropped %d rows with an empty text (blank or a missing-value text such as "
            "NaN; file lines %s)", path, int(blank.sum()), lines,
        )  # fmt: skip
    labels = infer_column(table[label_column])
    labels = labels if pd.api.types.is_numeric_dtype(labels) else labels.astype(str)
    result = pd.DataFrame({"text": texts, "label": labels})
    if "split" in table.columns and "split" not in (text_column, label_column):
        unknown = ~table["split"].isin(SPLITS).to_numpy()
        if unknown.any():
            value = table["split"][unknown].iloc[0]
            raise ValueError(
                f"{path}: the split column 'split' may hold only {', '.join(SPLITS)} (exactly); "
                f"{int(unknown.sum())} rows hold another value (file lines "
                f"{_file_lines(table, unknown)}). Received: split={value!r}"
            )
        result["split"] = table["split"].astype(str)
    result = result[~blank].reset_index(drop=True)
    classes = result["label"].unique()
    if len(classes) < 2:
        raise ValueError(
            f"{path}: the label column {label_column!r} holds a single class "
            f"({classes[0]!r} if any); a classifier needs at least two"
            if len(classes)
            else f"{path}: no labelled text left"
        )
    return result


def _check_utf8(path):
    raw = Path(path).read_bytes()
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(
            f"{path} is not UTF-8: byte {raw[err.start]:#04x} at offset {err.start} cannot be "
            "decoded. Save the file as UTF-8."
        ) from None


def _file_lines(table, flags, most=5) -> list[int] | str:
    """File line numbers (header = line 1) of the first flagged rows ("..." when more)."""
    lines = [int(i) for i in np.asarray(table.index)[np.asarray(flags)]]
    return lines if len(lines) <= most else f"{lines[:most]} ... ({len(lines)} in all)"


def _is_archive(path) -> bool:
    name = str(path)
    return name.endswith((".tar.gz", ".tgz"))
