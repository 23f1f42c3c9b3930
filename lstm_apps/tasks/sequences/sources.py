"""Where the `sequences` study reads its data: a long-format CSV, a folder, or aeon.

`read_source(config)` returns what `lstm_apps.data.tables.read_long_format`
does (split -> `(sequences, labels)`, "ids", "features"), plus "groups"
(split -> group per sequence) when `config.group_column` is set, "task" when
the source says it (aeon's files do), and "source", a line for the report.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lstm_apps.data.sequence_folder import read_sequence_folder
from lstm_apps.data.tables import read_long_format, read_text_table, refuse_missing, where

AEON_PREFIX = "aeon:"


def aeon_folder() -> Path:
    """The folder of the data sets that ship inside the installed aeon package."""
    import aeon.datasets

    return Path(aeon.datasets.__file__).parent / "data"


def aeon_names() -> list[str]:
    """Names of the data sets shipped with aeon that have official train and test files."""
    return sorted(
        p.name
        for p in aeon_folder().iterdir()
        if (p / f"{p.name}_TRAIN.ts").is_file() and (p / f"{p.name}_TEST.ts").is_file()
    )


def read_aeon(name: str) -> dict:
    """An aeon data set with its official split, read from the copy aeon ships (never
    downloaded): classification or regression as its `.ts` header says.

    Raises:
        ValueError: for a name aeon does not ship, naming those it does.
    """
    from aeon.datasets import load_from_ts_file

    names = aeon_names()
    if name not in names:
        raise ValueError(
            f"Unknown aeon data set {name!r}: only the data sets that ship with aeon are read "
            f"(nothing is downloaded): {', '.join(names)}. Received: data={AEON_PREFIX}{name}"
        )
    out, task = {"ids": {}}, None
    for split in ("train", "test"):
        path = aeon_folder() / name / f"{name}_{split.upper()}.ts"
        x, y, meta = load_from_ts_file(str(path), return_meta_data=True)
        sequences = [np.asarray(s, dtype="float32").T for s in x]
        if any(not np.isfinite(s).all() for s in sequences):
            raise ValueError(
                f"aeon's {name} has missing values, which this study does not impute. "
                f"Received: data={AEON_PREFIX}{name}"
            )
        task = "regression" if meta.get("targetlabel") else "classification"
        labels = np.asarray(y).astype("float64" if task == "regression" else str)
        out[split] = (sequences, labels)
        out["ids"][split] = [f"{split}_{i}" for i in range(len(sequences))]
    width = out["train"][0][0].shape[1]
    out["features"] = [f"channel_{j + 1}" for j in range(width)] if width > 1 else ["value"]
    return {**out, "task": task, "source": f"aeon's {name} (official train/test split)"}


def _groups_of_sequences(path, sequence_column, group_column, ids) -> dict:
    """Split -> the group of each sequence in `ids`, from the long-format table at `path`.

    Raises:
        ValueError: for a missing group, or a sequence whose rows name two groups.
    """
    table = read_text_table(path)
    if group_column not in table.columns:
        raise ValueError(
            f"Column {group_column!r} not found in {Path(path).name}. Available columns: "
            f"{list(table.columns)}. Received: group_column={group_column!r}"
        )
    refuse_missing(table, group_column, "group")
    cells = table[group_column].str.strip()
    per_sequence = cells.groupby(table[sequence_column].to_numpy()).unique()
    several = per_sequence[per_sequence.map(len) > 1]
    if len(several):
        sequence = several.index[0]
        rows = (table[sequence_column] == sequence).to_numpy()
        raise ValueError(
            f"Sequence {sequence!r} of {Path(path).name} has more than one group "
            f"({where(table, rows)}): a sequence belongs to one group. "
            f"Received: {group_column}={sorted(several.iloc[0])}"
        )
    group = {str(k): v[0] for k, v in per_sequence.items()}
    return {split: np.array([group[i] for i in names]) for split, names in ids.items()}


def _read_long_format(path, config):
    reserved = {config.sequence_column, config.label_column, config.split_column}
    reserved |= {config.time_column, config.group_column}
    features = config.feature_columns
    if config.group_column and features is None:  # the group column is not a feature
        header = read_text_table(path).columns
        features = [c for c in header if c not in reserved]
    table = read_long_format(
        path,
        sequence_column=config.sequence_column,
        label_column=config.label_column,
        split_column=config.split_column,
        feature_columns=None if features is None else list(features),
        per_step_labels=config.output == "sequence",
        time_column=config.time_column,
    )
    if config.group_column:
        table["groups"] = _groups_of_sequences(
            path, config.sequence_column, config.group_column, table["ids"]
        )
    return {**table, "source": f"long-format table {path}"}


def read_source(config) -> dict:
    """The data that `config.data` names (see the module docstring).

    Raises:
        FileNotFoundError: for a path that does not exist.
        ValueError: for an unknown aeon name, a per-step task on a folder of
            files, and every problem the readers refuse.
    """
    text = config.source
    if text.startswith(AEON_PREFIX):
        return read_aeon(text[len(AEON_PREFIX) :].strip())
    path = Path(text).expanduser()
    if not path.exists():
        raise FileNotFoundError(
            f"No such data file or folder: {path}. `data` takes a long-format CSV, a folder "
            f"with labels.csv, or aeon:NAME. Received: data={text!r}"
        )
    if path.is_dir():
        if config.output == "sequence":
            raise ValueError(
                "A folder of sequence files holds one label per sequence; per-step labels "
                "(output='sequence') need a long-format CSV with a label on every row. "
                f"Received: data={text!r}, output='sequence'"
            )
        table = read_sequence_folder(
            path,
            label_column=config.label_column,
            split_column=config.split_column,
            group_column=config.group_column,
        )
        return {**table, "source": f"folder of sequence files {path}"}
    return _read_long_format(path, config)
