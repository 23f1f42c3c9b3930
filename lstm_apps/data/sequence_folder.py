"""Sequences stored as a folder of files: one `.csv` or `.npy` file per sequence.

```
my_data/
  labels.csv        file,label[,split][,group]
  walk_01.csv       a row per time step, a column per feature (a header row is optional)
  walk_02.npy       a (T, F) array, or (T,) for one feature
  ...
```

`labels.csv` names each sequence's file (relative to the folder), its label,
and optionally its split ("train", "validation" or "test", exactly) and its
group (the subject, speaker or machine it comes from). It is read strictly,
as `lstm_apps.data.tables` reads a long-format table: a missing cell, an
unknown split, a file listed twice or absent, labels that differ only in
surrounding spaces, and files with differing feature counts are refused with
the file line and value. Files in the folder that `labels.csv` does not list
are not read.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lstm_apps.data.sequence_files import check_finite, read_csv_sequence, read_npy
from lstm_apps.data.tables import (
    SPLITS,
    infer_column,
    read_text_table,
    refuse_missing,
    refuse_spaced_labels,
    where,
)

LABELS_FILE = "labels.csv"
SUFFIXES = (".csv", ".npy")


def read_sequence_file(path) -> np.ndarray:
    """One sequence file as a `(T, F)` float32 array (a `(T,)` `.npy` is one feature).

    Raises:
        ValueError: for an unknown suffix, a file that is not numeric, not
            finite, empty, or a `.npy` array that is not 1-D or 2-D.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_csv_sequence(path)
    if suffix != ".npy":
        raise ValueError(f"Sequence files must be .csv or .npy files. Received: {path.name}")
    array = read_npy(path)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(
            f"{path} must hold a (time steps, features) array with at least one step. "
            f"Received: shape {array.shape}"
        )
    values = array.astype("float64")
    check_finite(values, path)
    with np.errstate(over="ignore"):
        out = values.astype("float32")
    check_finite(out, path, original=values)
    return out


def _check_split_column(table, column):
    unknown = ~table[column].isin(SPLITS).to_numpy()
    if unknown.any():
        value = table[column].to_numpy()[unknown][0]
        raise ValueError(
            f"Unknown split {value!r} in column {column!r} of {LABELS_FILE}, "
            f"{where(table, unknown)}; accepted: {', '.join(SPLITS)} (exactly). "
            f"Received: {column}={value!r}"
        )


def _files(table, folder, file_column):
    names = table[file_column].str.strip().to_numpy()
    repeated = table[file_column].str.strip().duplicated(keep=False).to_numpy()
    if repeated.any():
        raise ValueError(
            f"{LABELS_FILE} lists the file {names[repeated][0]!r} more than once "
            f"({where(table, repeated & (names == names[repeated][0]))}). "
            f"Received: {file_column}={names[repeated][0]!r}"
        )
    paths = []
    for name, line in zip(names, table.index):
        path = folder / name
        if path.suffix.lower() not in SUFFIXES:
            raise ValueError(
                f"Line {line} of {LABELS_FILE} names {name!r}, which is not a .csv or .npy "
                f"file. Received: {file_column}={name!r}"
            )
        if not path.is_file():
            raise ValueError(
                f"Line {line} of {LABELS_FILE} names {name!r}, which is not a file in "
                f"{folder}. Received: {file_column}={name!r}"
            )
        paths.append(path)
    return paths


def read_sequence_folder(
    folder,
    *,
    file_column="file",
    label_column="label",
    split_column="split",
    group_column=None,
):
    """Read a folder of sequence files listed in its `labels.csv` (see the module docstring).

    Args:
        folder: the folder holding `labels.csv` and the sequence files.
        file_column, label_column: columns of `labels.csv` naming each file and its label.
        split_column: optional column of the split ("train", "validation", "test").
        group_column: optional column of each sequence's group; None: no groups.

    Returns:
        A dict split -> `(sequences, labels)` ("all" without a split column),
        as `lstm_apps.data.tables.read_long_format` returns, with the file
        names under "ids" (split -> names), the groups under "groups" (split
        -> group names as text; only with `group_column`), and under
        "features" the names `feature_1`, ..., `feature_F`.

    Raises:
        FileNotFoundError: if the folder or its `labels.csv` does not exist.
        ValueError: for every problem in the module docstring, naming the line and value.
    """
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(f"No such folder of sequence files: {folder}")
    labels_path = folder / LABELS_FILE
    if not labels_path.is_file():
        raise FileNotFoundError(
            f"{folder} has no {LABELS_FILE}: a folder of sequences needs one, with columns "
            f"{file_column},{label_column}[,{split_column}][,group]. Received: {folder}"
        )
    table = read_text_table(labels_path)
    needed = [file_column, label_column, *([group_column] if group_column else [])]
    absent = [c for c in needed if c not in table.columns]
    if absent:
        raise ValueError(
            f"Columns {absent} not found in {labels_path}. Available columns: {list(table.columns)}"
        )
    for column, what in ((file_column, "file name"), (label_column, "label")):
        refuse_missing(table, column, what)
    refuse_spaced_labels(table, label_column)
    if group_column:
        refuse_missing(table, group_column, "group")
    has_split = split_column in table.columns
    if has_split:
        _check_split_column(table, split_column)
    paths = _files(table, folder, file_column)
    sequences = [read_sequence_file(p) for p in paths]
    counts = np.array([s.shape[1] for s in sequences])
    odd = counts != counts[0]
    if odd.any():
        k = int(np.flatnonzero(odd)[0])
        raise ValueError(
            f"The sequence files differ in their number of features: {paths[0].name} has "
            f"{counts[0]}, {paths[k].name} has {counts[k]}. Received: {paths[k].name}"
        )
    labels = infer_column(table[label_column]).to_numpy()
    splits = table[split_column].to_numpy() if has_split else np.full(len(table), "all")
    groups = table[group_column].str.strip().to_numpy() if group_column else None
    out, names, group_ids = {}, {}, {}
    for split in dict.fromkeys(splits):
        rows = np.flatnonzero(splits == split)
        out[str(split)] = ([sequences[i] for i in rows], labels[rows])
        names[str(split)] = [paths[i].name for i in rows]
        if groups is not None:
            group_ids[str(split)] = groups[rows].astype(str)
    result = {**out, "ids": names, "features": [f"feature_{j + 1}" for j in range(counts[0])]}
    if groups is not None:
        result["groups"] = group_ids
    return result
