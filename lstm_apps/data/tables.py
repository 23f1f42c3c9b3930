"""Sequences stored as a long-format table: one row per time step, read strictly.

Columns: a sequence id (default "sequence"), a label (default "label"), an
optional split column whose values are exactly "train", "validation" or
"test", an optional time column, and numeric feature columns. Every row of a
sequence carries the same label (or its own label, for per-step tasks) and
the same split. With a time column the rows of a sequence are ordered by it
(and may be anywhere in the file); without one they must be contiguous and
are taken in file order.

Nothing is dropped or guessed: a check that fails raises `ValueError` naming
the file, the column, the file line (the header is line 1) and the value.
Refused: a header-only file, rows with a wrong number of fields, a feature
value that is non-numeric, empty, NaN, infinite or beyond float32's range, a
missing id or label (empty, or a missing-value text such as NaN, None, null,
NA or N/A), labels that differ only in surrounding spaces, an unknown split,
a sequence split across splits or labels, rows of a sequence interleaved
with another's, and a time value repeated within a sequence. Without
`feature_columns`, every column that is not the id, label, split or time
column is a feature, so a text column (a name, a date) is refused with a
hint to list the feature columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lstm_apps.data.table_chunks import (
    check_fields,
    check_header,
    named_frame,
    read_records,
    text_file,
)

SPLITS = ("train", "validation", "test")
# Texts that mean "missing" (pandas' default NA texts), compared in lower case after stripping.
NA_TEXTS = frozenset(
    ("", "nan", "-nan", "none", "null", "na", "n/a", "#n/a", "#n/a n/a", "#na", "<na>")
    + ("-1.#ind", "-1.#qnan", "1.#ind", "1.#qnan")
)


def read_text_table(path, delimiter=",") -> pd.DataFrame:
    """A CSV file (or .gz, .bz2, .xz, .zip) with every cell as text, checked for shape.

    `delimiter` is the one-character field separator ("\\t" for a TSV file).

    Returns:
        A DataFrame of `str` cells whose index, named "line", is the file line
        of each row (the header is line 1); `attrs["source"]` is the file name.

    Raises:
        FileNotFoundError: if the file does not exist.
        ValueError: if the file is not UTF-8 text, is empty, has an unnamed or repeated
            column, a row whose number of fields differs from the header's, or no rows.
    """
    path = text_file(path)
    records, lines = [], []
    for line, record in read_records(path, delimiter):
        records.append(record)
        lines.append(line)
    if not records:
        raise ValueError(f"{path.name} is empty: it has no header and no rows.")
    header = check_header(records[0], path.name)
    check_fields(records[1:], lines[1:], header, path.name)
    frame = pd.DataFrame(records[1:], columns=header, dtype=object)
    return named_frame(frame, pd.Index(lines[1:], name="line"), path.name)


def _cell_text(value) -> str:
    if value is None or (np.ndim(value) == 0 and pd.isna(value)):
        return ""
    if isinstance(value, (float, np.floating)):
        return repr(float(value))  # exact for float32 and float64
    return str(value)


def text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A DataFrame's cells as text, indexed by "row" (0-based position), as `read_text_table`."""
    columns = [str(c) for c in frame.columns]
    check_header(columns, "the table")
    cells = {c: [_cell_text(v) for v in frame[k].tolist()] for c, k in zip(columns, frame.columns)}
    text = pd.DataFrame(cells, columns=columns, dtype=object)
    return named_frame(text, pd.RangeIndex(len(frame), name="row"), "the table")


def is_missing(texts: pd.Series) -> np.ndarray:
    """Which cells are empty or a missing-value text (NaN, None, null, NA, N/A, ...)."""
    return texts.map(lambda t: t.strip().lower() in NA_TEXTS).to_numpy(dtype=bool)


def infer_column(texts: pd.Series) -> pd.Series:
    """Text cells as pandas' CSV reader types them: numbers if every present cell is one."""
    missing = is_missing(texts)
    present = texts.where(~missing)
    numbers = pd.to_numeric(present, errors="coerce")
    return numbers if (numbers.notna().to_numpy() | missing).all() else present


def where(table: pd.DataFrame, mask) -> str:
    """The rows of `mask` as "line 5" or "lines 2-4, 9" (at most five ranges shown)."""
    numbers = np.asarray(table.index)[np.asarray(mask)]
    runs, start = [], 0
    for i in range(1, len(numbers) + 1):
        if i == len(numbers) or numbers[i] != numbers[i - 1] + 1:
            a, b = numbers[start], numbers[i - 1]
            runs.append(f"{a}" if a == b else f"{a}-{b}")
            start = i
    more = f", ... ({len(numbers)} in all)" if len(runs) > 5 else ""
    kind = table.index.name + ("s" if len(numbers) > 1 else "")
    return f"{kind} {', '.join(runs[:5])}{more}"


def _source(table):
    return table.attrs.get("source", "the table")


def refuse_missing(table: pd.DataFrame, column: str, what: str) -> None:
    """Refuse empty cells and missing-value texts in `column`, naming their lines."""
    missing = is_missing(table[column])
    if missing.any():
        value = table[column].to_numpy()[missing][0]
        raise ValueError(
            f"Missing {what} in column {column!r} of {_source(table)}, {where(table, missing)}: "
            "it cannot be empty or a missing-value text (NaN, None, null, NA, N/A). "
            f"Received: {column}={value!r}"
        )


def refuse_spaced_labels(table: pd.DataFrame, column: str) -> None:
    """Refuse labels of `column` that differ only in surrounding spaces (two classes otherwise)."""
    values = pd.unique(table[column].to_numpy())
    stripped = pd.Series(values, dtype=object).str.strip()
    twins = stripped.duplicated(keep=False).to_numpy()
    if twins.any():
        same = values[twins & (stripped == stripped[twins].iloc[0]).to_numpy()]
        cells, index = table[column].to_numpy(), table.index
        found = "; ".join(f"{v!r} on {index.name}s {index[cells == v][:5].tolist()}" for v in same)
        raise ValueError(
            f"The labels {', '.join(map(repr, same))} in column {column!r} of {_source(table)} "
            f"differ only in surrounding spaces, so they would be different classes ({found}). "
            f"Make them equal. Received: {column}={list(same)}"
        )


def refuse_unknown_splits(table: pd.DataFrame, column: str) -> None:
    """Refuse a split other than "train", "validation" or "test" (exactly), naming its lines."""
    unknown = ~table[column].isin(SPLITS).to_numpy()
    if unknown.any():
        value = table[column].to_numpy()[unknown][0]
        rows = (table[column] == value).to_numpy()
        raise ValueError(
            f"Unknown split {value!r} in column {column!r} of {_source(table)}, "
            f"{where(table, rows)}; accepted: {', '.join(SPLITS)} (exactly). "
            f"Received: {column}={value!r}"
        )


def overflows_float32(numbers) -> np.ndarray:
    """Which `numbers` are finite but too large for float32 (|x| > 3.4e38): inf once cast."""
    with np.errstate(over="ignore", invalid="ignore"):
        return np.isfinite(numbers) & np.isinf(np.asarray(numbers, dtype="float32"))


def time_order(table: pd.DataFrame, column: str, codes=None, ids=None) -> np.ndarray:
    """Row order by `column` (numbers or ISO 8601 dates), within each sequence `codes`.

    Raises:
        ValueError: for a missing or unreadable time value, or a time value
            repeated within one sequence (within the table without `codes`).
    """
    refuse_missing(table, column, "time value")
    texts = table[column]
    values = pd.to_numeric(texts, errors="coerce").to_numpy(dtype="float64")
    numbers = np.isfinite(values)
    if not numbers.all():
        dates = pd.to_datetime(texts, format="ISO8601", errors="coerce", utc=True)
        bad = dates.isna().to_numpy() & ~numbers
        bad = bad if bad.any() else dates.isna().to_numpy()  # else numbers among dates
        if bad.any():
            raise ValueError(
                f"Time column {column!r} of {_source(table)} holds a value that is not a finite "
                f"number nor an ISO 8601 date like the others, {where(table, bad)}. "
                f"Received: {column}={texts.to_numpy()[bad][0]!r}"
            )
        values = (dates - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy("float64")
    return unique_order(table, column, values, codes, ids)


def unique_order(table: pd.DataFrame, column: str, values, codes=None, ids=None) -> np.ndarray:
    """Row order by the parsed time `values` of `column`; a repeated value is refused, by line."""
    texts = table[column]
    codes = np.zeros(len(table), dtype="int64") if codes is None else np.asarray(codes)
    order = np.lexsort((values, codes))
    same = (np.diff(codes[order]) == 0) & (np.diff(values[order]) == 0)
    if same.any():
        first = order[np.flatnonzero(same)[0]]
        rows = (codes == codes[first]) & (values == values[first])
        owner = "" if ids is None else f" in sequence {ids[first]!r}"
        raise ValueError(
            f"Time value {texts.iloc[first]!r} appears more than once{owner} in column "
            f"{column!r} of {_source(table)}, {where(table, rows)}. "
            f"Received: {column}={texts.iloc[first]!r}"
        )
    return order


def _features(table, columns, ids, auto):
    values = np.empty((len(table), len(columns)), dtype="float32")
    for k, column in enumerate(columns):
        texts = table[column]
        numbers = pd.to_numeric(texts, errors="coerce").to_numpy(dtype="float64")
        big = overflows_float32(numbers)
        bad = ~np.isfinite(numbers) | big
        if bad.any():
            missing = is_missing(texts)
            text = bad & ~missing & np.isnan(numbers)
            if auto and text.all():
                raise ValueError(
                    f"Column {column!r} of {_source(table)} holds text, not numbers (first: "
                    f"{texts.iloc[0]!r}, {where(table, [0])}). List the feature columns with "
                    f"feature_columns=[...] to leave it out. Received: column={column!r}"
                )
            i = int(np.flatnonzero(bad)[0])
            kind = ("Missing or non-finite", "Non-numeric", "Out-of-range")[text[i] + 2 * big[i]]
            more = f"; {int(bad.sum())} such cells in the column" if bad.sum() > 1 else ""
            raise ValueError(
                f"{kind} value {texts.iloc[i]!r} in feature column {column!r} of "
                f"{_source(table)}, {where(table, [i])} (sequence {ids[i]!r}{more}). Features must "
                f"be finite numbers within float32's range. Received: {column}={texts.iloc[i]!r}"
            )
        values[:, k] = numbers
    return values


def _labelled_lines(table, column, rows):
    cells, values = table[column].to_numpy(), dict.fromkeys(table[column].to_numpy()[rows])
    return "; ".join(f"{v!r} on {where(table, rows & (cells == v))}" for v in values)


def _check_uniform(table, column, codes, ids, what):
    """Refuse a sequence whose rows do not all carry the same value of `column`."""
    texts = table[column].to_numpy()
    first = np.unique(codes, return_index=True)[1]
    differs = texts != texts[first[codes]]
    if differs.any():
        i = int(np.flatnonzero(differs)[0])
        rows = codes == codes[i]
        values = sorted(set(texts[rows]))
        raise ValueError(
            f"Sequence {ids[i]!r} of {_source(table)} has more than one {what}: "
            f"{_labelled_lines(table, column, rows)}. Received: {column}={values}"
        )


def _check_contiguous(table, codes, ids):
    starts = np.r_[0, np.flatnonzero(np.diff(codes)) + 1]
    if len(starts) == codes.max() + 1:
        return
    seen = set()
    for start in starts:
        if codes[start] in seen:
            rows = codes == codes[start]
            raise ValueError(
                f"The rows of sequence {ids[start]!r} in {_source(table)} are not contiguous "
                f"({where(table, rows)}), so their time order is unknown. Keep each "
                "sequence's rows together in time order, or name a time column "
                f"(time_column=...). Received: sequence={ids[start]!r}"
            )
        seen.add(codes[start])


def _labels(texts):
    try:
        numbers = pd.to_numeric(texts, errors="raise")
    except (ValueError, TypeError):
        return texts.to_numpy()
    finite = np.isfinite(numbers.to_numpy("float64")).all()
    return numbers.to_numpy() if finite else texts.to_numpy()


def read_long_format(
    path,
    *,
    sequence_column="sequence",
    label_column="label",
    split_column="split",
    feature_columns=None,
    per_step_labels=False,
    time_column=None,
):
    """Read a long-format CSV (or a DataFrame) into sequences and labels, strictly.

    Args:
        path: a CSV path (.gz, .bz2, .xz or .zip too) or a `pandas.DataFrame`.
        sequence_column, label_column: the columns of the sequence id and the label.
        split_column: optional column of the split ("train", "validation", "test").
        feature_columns: feature columns; default `None`: every other column.
        per_step_labels: keep one label per row instead of one per sequence. Default False.
        time_column: optional column (numbers or ISO 8601 dates) ordering each sequence's
            rows. Default `None`: file order, and a sequence's rows must be contiguous.

    Returns:
        A dict split -> `(sequences, labels)` ("all" without a split column);
        sequences are `(T_i, F)` float32 arrays in order of first appearance,
        labels numbers if every label is one, else text; also the feature
        columns under "features" and a dict split -> sequence ids (text) under "ids".

    Raises:
        FileNotFoundError: if the file does not exist.
        ValueError: for every problem in the module docstring, naming column, line and value.
    """
    table = text_frame(path) if isinstance(path, pd.DataFrame) else read_text_table(path)
    return parse_long_format(
        table,
        sequence_column=sequence_column,
        label_column=label_column,
        split_column=split_column,
        feature_columns=feature_columns,
        per_step_labels=per_step_labels,
        time_column=time_column,
    )


def parse_long_format(
    table,
    *,
    sequence_column="sequence",
    label_column="label",
    split_column="split",
    feature_columns=None,
    per_step_labels=False,
    time_column=None,
    label_texts=False,
):
    """Check and parse a long-format table already read as text, as `read_long_format`.

    Args:
        table: `str` cells indexed by file line, with `attrs["source"]`, as `read_text_table`
            returns them (or a chunk from `table_chunks.iter_text_chunks`).
        sequence_column, label_column, split_column: as `read_long_format`.
        feature_columns, per_step_labels, time_column: as `read_long_format`.
        label_texts: keep the labels' text cells, for a caller that decides classes or
            values over more than this table. Default False: as `read_long_format`.

    Returns:
        What `read_long_format` returns; messages name the table's lines.

    Raises:
        ValueError: for every problem in the module docstring, naming column, line and value.

    Example:
        >>> parse_long_format(read_text_table("data.csv"), label_texts=True)["train"]
    """
    reserved = [sequence_column, label_column, split_column, time_column]
    auto = feature_columns is None
    if auto:
        feature_columns = [c for c in table.columns if c not in reserved]
    feature_columns = list(feature_columns)
    needed = [sequence_column, label_column, *([time_column] if time_column else [])]
    absent = [c for c in needed + feature_columns if c not in table.columns]
    if absent:
        raise ValueError(
            f"Columns {absent} not found in {_source(table)}. Available columns: "
            f"{list(table.columns)}"
        )
    if not feature_columns:
        raise ValueError(f"{_source(table)} has no feature columns: {list(table.columns)}")
    refuse_missing(table, sequence_column, "sequence id")
    ids = table[sequence_column].to_numpy()
    codes = pd.factorize(ids)[0]
    refuse_missing(table, label_column, "label")
    refuse_spaced_labels(table, label_column)
    has_split = split_column in table.columns
    if has_split:
        refuse_unknown_splits(table, split_column)
        _check_uniform(table, split_column, codes, ids, "split")
    values = _features(table, feature_columns, ids, auto)
    if not per_step_labels:
        _check_uniform(table, label_column, codes, ids, "label")
    if time_column:
        order = time_order(table, time_column, codes, ids)
    else:
        _check_contiguous(table, codes, ids)
        order = np.arange(len(table))
    labels = table[label_column].to_numpy() if label_texts else _labels(table[label_column])
    splits = table[split_column].to_numpy() if has_split else np.full(len(table), "all")
    bounds = np.r_[0, np.flatnonzero(np.diff(codes[order])) + 1, len(order)]
    out, names = {}, {}
    for a, b in zip(bounds[:-1], bounds[1:]):
        rows = order[a:b]
        seqs, ys = out.setdefault(str(splits[rows[0]]), ([], []))
        seqs.append(values[rows])
        ys.append(np.asarray(labels[rows]) if per_step_labels else labels[rows[0]])
        names.setdefault(str(splits[rows[0]]), []).append(str(ids[rows[0]]))
    result = {s: (seqs, ys if per_step_labels else np.asarray(ys)) for s, (seqs, ys) in out.items()}
    return {**result, "features": feature_columns, "ids": names}
