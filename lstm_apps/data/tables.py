"""Sequences stored as a long-format table: one row per time step.

Columns: a sequence id (default "sequence"), a label (default "label"), an
optional split column ("train", "validation", "test") and numeric feature
columns. Rows of a sequence are in time order; every row of a sequence
carries the same label (or its own label, for per-step tasks).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def read_long_format(
    path,
    *,
    sequence_column="sequence",
    label_column="label",
    split_column="split",
    feature_columns=None,
    per_step_labels=False,
):
    """Read a long-format CSV (or a DataFrame) into sequences and labels.

    Args:
        path: a CSV path (compressed ones too) or a `pandas.DataFrame`.
        sequence_column: column naming the sequence of each row.
        label_column: column with the label.
        split_column: optional column with the split of each sequence.
        feature_columns: feature columns; default every other numeric column.
        per_step_labels: keep one label per row instead of one per sequence.

    Returns:
        A dict split -> `(sequences, labels)` ("all" when there is no split
        column); sequences are `(T_i, F)` float32 arrays in order of first
        appearance, and `feature_columns` under the key "features".

    Raises:
        ValueError: for missing columns or a sequence with mixed labels.
    """
    frame = path if isinstance(path, pd.DataFrame) else pd.read_csv(Path(path))
    for column in (sequence_column, label_column):
        if column not in frame.columns:
            raise ValueError(
                f"Column {column!r} not found. Available columns: {list(frame.columns)}"
            )
    reserved = {sequence_column, label_column, split_column}
    if feature_columns is None:
        feature_columns = [
            c
            for c in frame.columns
            if c not in reserved and pd.api.types.is_numeric_dtype(frame[c])
        ]
    if not feature_columns:
        raise ValueError("The table has no numeric feature columns.")
    has_split = split_column in frame.columns
    out = {}
    for key, group in frame.groupby(sequence_column, sort=False):
        labels = group[label_column].to_numpy()
        if not per_step_labels and len(set(labels.tolist())) > 1:
            raise ValueError(f"Sequence {key!r} has more than one label: {sorted(set(labels))}")
        split = str(group[split_column].iloc[0]) if has_split else "all"
        seqs, ys = out.setdefault(split, ([], []))
        seqs.append(group[feature_columns].to_numpy(dtype="float32"))
        ys.append(labels if per_step_labels else labels[0])
    result = {s: (seqs, ys if per_step_labels else np.asarray(ys)) for s, (seqs, ys) in out.items()}
    result["features"] = list(feature_columns)
    return result
