"""Labelled text: the IMDB movie reviews and any CSV/TSV of texts and labels.

IMDB (Maas et al. 2011) is looked up, in order, as
`imdb_reviews/imdb_reviews.csv.gz` in `LSTM_APPS_DATA_DIR` or the cache, then
as the authors' archive `imdb_reviews/aclImdb_v1.tar.gz` there, and last
downloaded from the authors' address with a sha256 check. An archive is
read once into the CSV form (columns `split, id, rating, label, text`) and
that is cached beside it.

`read_labelled_text` reads a user's file with named text and label columns
and refuses, with the names and values involved, a missing column, labels
with NaN, a single class, or bytes that are not UTF-8.
"""

from __future__ import annotations

import io
import logging
import re
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd

from lstm_apps.data import sources
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
    """Read a CSV or TSV of labelled texts, with checks.

    Args:
        path: the file; `.tsv` and `.tab` files are tab-separated, others
            comma-separated unless `sep` is given.
        text_column, label_column: the column names.
        empty: "drop" (default: rows whose text is empty or blank are dropped,
            and the count is logged) or "error".

    Returns:
        A DataFrame with columns `text` and `label` (and `split` if the file
        has one), in file order.

    Raises:
        ValueError: the file is not UTF-8 (with the byte offset), a column is
            missing (the columns that exist are named), a label is NaN, a text
            is empty with `empty="error"`, or there is only one class.
    """
    path = sources.find_file("", path=path)
    raw = Path(path).read_bytes()
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(
            f"{path} is not UTF-8: byte {raw[err.start]:#04x} at offset {err.start} cannot be "
            "decoded. Save the file as UTF-8."
        ) from None
    if sep is None:
        sep = "\t" if Path(path).suffix.lower() in (".tsv", ".tab") else ","
    frame = pd.read_csv(
        io.StringIO(content.lstrip("\ufeff")),
        sep=sep,
        keep_default_na=False,
        na_values=[""],
        dtype={text_column: str},
    )
    missing = [c for c in (text_column, label_column) if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{path} has no column {', '.join(map(repr, missing))}. Its columns are: "
            f"{', '.join(map(repr, frame.columns))}. Choose them with text_column= and "
            "label_column=."
        )
    labels = frame[label_column]
    if labels.isna().any():
        rows = _file_lines(labels.isna())
        raise ValueError(
            f"{path}: the label column {label_column!r} has {int(labels.isna().sum())} empty or "
            f"NaN values (file lines {rows}{' …' if labels.isna().sum() > 5 else ''})"
        )
    texts = frame[text_column].fillna("").astype(str)
    blank = texts.str.strip() == ""
    if blank.any():
        if empty == "error":
            raise ValueError(
                f"{path}: {int(blank.sum())} empty texts (file lines "
                f"{_file_lines(blank)}); use empty='drop' to skip them"
            )
        if empty != "drop":
            raise ValueError(f"`empty` must be 'drop' or 'error'. Received: empty={empty!r}")
        log.warning("%s: dropped %d rows with an empty text", path, int(blank.sum()))
    result = pd.DataFrame({"text": texts, "label": labels})
    if "split" in frame.columns and "split" not in (text_column, label_column):
        result["split"] = frame["split"].astype(str)
    result = result[~blank.to_numpy()].reset_index(drop=True)
    classes = result["label"].unique()
    if len(classes) < 2:
        raise ValueError(
            f"{path}: the label column {label_column!r} holds a single class "
            f"({classes[0]!r} if any); a classifier needs at least two"
            if len(classes)
            else f"{path}: no labelled text left"
        )
    return result


def _file_lines(flags, most=5) -> list[int]:
    """File line numbers (header = line 1) of the first flagged rows."""
    return [int(i) + 2 for i in np.flatnonzero(flags.to_numpy())[:most]]


def _is_archive(path) -> bool:
    name = str(path)
    return name.endswith((".tar.gz", ".tgz"))
