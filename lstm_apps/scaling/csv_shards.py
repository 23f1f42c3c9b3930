"""A long-format CSV larger than memory written as shard folders, one chunk at a time.

`write_csv_shards("big.csv", DIR)` reads the file twice, `chunk_rows` rows at a time:

1. a survey of the label and split columns (the features are dropped as
   read): whether the labels are classes or values, by the rule of the
   in-memory route (`tables.read_long_format` and the `sequences` study:
   values when every label is a finite number and those of the training
   split, or of the whole file without one, are not all whole numbers), and
   the class names, sorted as `SequenceLabelEncoder` sorts the training
   labels, so the codes written equal the in-memory route's;
2. the conversion: each chunk parsed strictly by `tables.parse_long_format`
   (every check of the long format, messages naming the file's lines), the
   rows of its last, possibly unfinished sequence carried over to the next
   chunk, and every sequence added to the `ShardWriter` of its split:
   `DIR/train`, `DIR/validation`, `DIR/test`, or `DIR/all` without a split
   column.

Each sequence's rows must be contiguous and in time order (sort the file
first; a time column is refused). Held at once: one chunk, one sequence,
the distinct labels (up to `MAX_CLASSES`) and the ids of the sequences
written, to refuse an id whose rows come back.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from lstm_apps.checks import check_positive
from lstm_apps.data.table_chunks import iter_text_chunks, text_file
from lstm_apps.data.tables import (
    SPLITS,
    parse_long_format,
    refuse_missing,
    refuse_spaced_labels,
    refuse_unknown_splits,
)
from lstm_apps.scaling.shard_writer import (
    MANIFEST,
    ShardWriter,
    check_compression,
    check_folder,
    clear_shard_folder,
)

LABEL_KINDS = ("auto", "class", "value")
MAX_CLASSES = 100_000  # distinct labels the survey keeps; beyond it only values are written
ALL_FOLDERS = (*SPLITS, "all")


class LabelSurvey:
    """Pass 1: what the label column holds, one chunk at a time (no features kept).

    Args:
        label_column: the label column.
        split_column: the split column, or None when the file has none.
    """

    def __init__(self, label_column, split_column=None):
        self.label_column, self.split_column = label_column, split_column
        self.numeric, self.floats, self.text = True, False, None  # text: (value, line)
        self.found = set()  # the splits found
        self.whole = {}  # split -> whether its numeric labels are all whole numbers
        self.distinct = {}  # split -> set of label texts; None past MAX_CLASSES
        self.source = "the table"

    def add(self, chunk) -> None:
        """Survey one chunk (missing labels and unknown splits are refused here)."""
        self.source = chunk.attrs.get("source", self.source)
        refuse_missing(chunk, self.label_column, "label")
        refuse_spaced_labels(chunk, self.label_column)
        texts = chunk[self.label_column]
        if self.split_column:
            refuse_unknown_splits(chunk, self.split_column)
            splits = chunk[self.split_column].to_numpy()
        else:
            splits = np.full(len(chunk), "all", dtype=object)
        numbers = None
        if self.numeric:
            numbers = pd.to_numeric(texts, errors="coerce").to_numpy()
            bad = ~np.isfinite(numbers.astype("float64"))
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                self.numeric, self.text, numbers = False, (texts.iloc[i], chunk.index[i]), None
            else:
                self.floats |= numbers.dtype.kind == "f"
        for split in pd.unique(splits):
            rows = splits == split
            self.found.add(split)
            if numbers is not None:
                whole = bool(np.all(np.mod(numbers[rows], 1) == 0))
                self.whole[split] = self.whole.get(split, True) and whole
            if self.distinct is not None:
                self.distinct.setdefault(split, set()).update(pd.unique(texts.to_numpy()[rows]))
                if sum(map(len, self.distinct.values())) > MAX_CLASSES:
                    self.distinct = None

    def splits(self) -> list[str]:
        """The splits found, in the order train, validation, test (or ["all"])."""
        return [s for s in ALL_FOLDERS if s in self.found]

    def decide(self, labels="auto"):
        """`(kind, class_names, codes)`: "class" or "value", and for classes the names and
        a dict label text -> code.

        Raises:
            ValueError: for values that are not numbers, spaced twins across
                chunks, too many distinct labels, fewer than 2 classes, or a
                label of another split that the training split never holds.
        """
        splits = self.splits()
        pool = ["train"] if "train" in splits else splits
        if self.distinct is not None:  # twins within a chunk were refused as it was surveyed
            self._refuse_twins(set().union(*self.distinct.values()))
        if labels == "value" or (labels == "auto" and self.numeric):
            if labels == "value" and not self.numeric:
                value, line = self.text
                raise ValueError(
                    f"labels='value' needs numeric labels, but column {self.label_column!r} of "
                    f"{self.source} holds {value!r} on line {line}. Received: labels='value'"
                )
            if labels == "value" or not all(self.whole.get(s, True) for s in pool):
                return "value", None, None
        if self.distinct is None:
            raise ValueError(
                f"Column {self.label_column!r} of {self.source} holds more than {MAX_CLASSES} "
                "distinct labels: too many classes. Numeric targets are written as values with "
                f"labels='value'. Received: labels={labels!r}"
            )
        everything = set().union(*self.distinct.values())
        known = set().union(*(self.distinct[s] for s in pool))
        if self.numeric:
            texts = sorted(everything)
            values = pd.to_numeric(pd.Series(texts, dtype=object)).to_numpy()
            value_of = dict(
                zip(texts, (values.astype("float64") if self.floats else values).tolist())
            )
            classes = np.unique(np.array([value_of[t] for t in known]))
        else:
            value_of = {t: t for t in everything}
            classes = np.unique(np.array(sorted(known), dtype=object))
        names = [str(c) for c in classes]
        if len(names) < 2:
            raise ValueError(
                f"Classification needs at least 2 classes; the training labels of {self.source} "
                f"hold one: {names}. Received: labels={labels!r}"
            )
        index = {c: i for i, c in enumerate(classes.tolist())}
        for split in splits:
            unseen = sorted({t for t in self.distinct[split] if value_of[t] not in index})
            if unseen:
                raise ValueError(
                    f"The {split} split of {self.source} holds labels that the training split "
                    f"never does: {unseen[:10]}. A classifier cannot predict a class it was not "
                    f"trained on; mark some of those rows 'train' or remove them. Training "
                    f"labels: {names[:20]}. Received: {split} labels={unseen[:10]}"
                )
        return "class", names, {t: index[v] for t, v in value_of.items()}

    def _refuse_twins(self, texts):
        stripped = {}
        for text in sorted(texts):
            stripped.setdefault(text.strip(), []).append(text)
        twins = next((found for found in stripped.values() if len(found) > 1), None)
        if twins:
            raise ValueError(
                f"The labels {', '.join(map(repr, twins))} in column {self.label_column!r} of "
                f"{self.source} differ only in surrounding spaces, so they would be different "
                f"classes. Make them equal. Received: {self.label_column}={twins}"
            )


def _encoder(kind, codes):
    """The function turning label texts (an array) into class codes or float32 values."""
    if kind == "value":
        return lambda texts: pd.to_numeric(np.asarray(texts)).astype("float32")

    def encode(texts):
        found = np.fromiter((codes.get(t, -1) for t in texts), dtype=np.int64, count=len(texts))
        if (found < 0).any():
            raise ValueError(
                f"Label {texts[int(np.argmin(found))]!r} was not in the file on the first pass: "
                "did the file change while it was converted?"
            )
        return found

    return encode


def _refuse_returning(table, ids, starts, seen) -> None:
    """Refuse a sequence id whose rows start again after they ended."""
    runs = ids[starts]
    again = pd.Series(runs).duplicated().to_numpy() | np.fromiter(
        (i in seen for i in runs), dtype=bool, count=len(runs)
    )
    if again.any():
        k = int(np.flatnonzero(again)[0])
        raise ValueError(
            f"The rows of sequence {runs[k]!r} in {table.attrs.get('source')} are not "
            f"contiguous: they start again on line {table.index[starts[k]]} after other "
            "sequences' rows. Streaming a CSV needs each sequence's rows together and in time "
            f"order: sort the file by sequence id (then time) first. Received: sequence={runs[k]!r}"
        )


def write_csv_shards(
    path,
    directory,
    *,
    sequence_column="sequence",
    label_column="label",
    split_column="split",
    feature_columns=None,
    per_step_labels=False,
    labels="auto",
    chunk_rows=100_000,
    sequences_per_shard=4096,
    compression="GZIP",
    overwrite=False,
    time_column=None,
) -> dict[str, dict]:
    """Convert a long-format CSV of any size into shard folders, streaming it twice.

    Args:
        path: a long-format CSV (or .gz, .bz2, .xz, .zip), as `tables.read_long_format`
            reads it; each sequence's rows contiguous and in time order.
        directory: the parent folder of the split folders (`train`, `validation`,
            `test`, or `all` without a split column).
        sequence_column, label_column, split_column: as `tables.read_long_format`.
        feature_columns, per_step_labels: as `tables.read_long_format`.
        labels: "auto" (default: the in-memory route's rule, see the module
            docstring), "class" or "value".
        chunk_rows: rows read at a time, default 100,000.
        sequences_per_shard: sequences per shard file, default 4096.
        compression: "GZIP" (default), "ZLIB" or "" / None.
        overwrite: replace earlier shard folders; default False refuses any
            split folder that is not empty.
        time_column: refused: streaming takes each sequence's rows in file order.

    Returns:
        Split name -> its manifest.

    Raises:
        FileNotFoundError: if the CSV does not exist.
        ValueError: for bad arguments, a time column, split folders that may
            not be written (checked before any is), every problem
            `tables.read_long_format` refuses (naming the file line), a
            sequence whose rows are not contiguous, and labels that cannot be
            classes or values (see `LabelSurvey.decide`). Nothing written is
            left behind, and no folder is left looking valid.

    Example:
        >>> manifests = write_csv_shards("big.csv", "shards", chunk_rows=50_000)
        >>> sorted(manifests)
        ['test', 'train', 'validation']
    """
    if time_column is not None:
        raise ValueError(
            "A time column cannot order rows while a CSV is streamed: the rows of each "
            "sequence must be contiguous and in time order in the file. Sort the file by "
            f"sequence id and time first. Received: time_column={time_column!r}"
        )
    if labels not in LABEL_KINDS:
        raise ValueError(f"`labels` must be one of {LABEL_KINDS}. Received: labels={labels!r}")
    check_positive("chunk_rows", chunk_rows)
    check_positive("sequences_per_shard", sequences_per_shard)
    compression = check_compression(compression)
    path, root = text_file(path), Path(directory)
    if root.exists() and not root.is_dir():
        raise ValueError(f"The shard folder {root} is a file. Received: directory={str(root)!r}")
    columns = dict(
        sequence_column=sequence_column,
        label_column=label_column,
        split_column=split_column,
        feature_columns=feature_columns,
        per_step_labels=per_step_labels,
    )
    survey, num_features = None, None
    for chunk in iter_text_chunks(path, chunk_rows):
        if survey is None:  # the columns, checked on the first row
            num_features = len(parse_long_format(chunk.iloc[:1], **columns)["features"])
            has_split = split_column in chunk.columns
            survey = LabelSurvey(label_column, split_column if has_split else None)
        survey.add(chunk)
        del chunk  # not held while the next chunk is read
    kind, class_names, codes = survey.decide(labels)
    splits = survey.splits()
    for split in splits:  # refuse before anything is written
        check_folder(root / split, overwrite)
    new = [p for p in (root, *(root / s for s in splits)) if not p.exists()]
    writers = {}
    try:
        for split in splits:
            writers[split] = ShardWriter(
                root / split,
                num_features=num_features,
                sequences_per_shard=sequences_per_shard,
                compression=compression,
                class_names=class_names,
                overwrite=overwrite,
                per_step=per_step_labels,
                source={"csv": path.name, "split": split},
            )
        _convert(path, chunk_rows, columns, _encoder(kind, codes), writers)
        manifests = {split: writer.close() for split, writer in writers.items()}
    except BaseException:
        for writer in writers.values():
            if writer.manifest is not None:
                clear_shard_folder(writer.directory)
            else:
                writer.abort()
        for folder in reversed(new):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        raise
    if overwrite:
        for split in ALL_FOLDERS:
            stale = root / split
            if split not in manifests and (stale / MANIFEST).is_file():
                clear_shard_folder(stale)
                if not any(stale.iterdir()):
                    stale.rmdir()
    return manifests


def _convert(path, chunk_rows, columns, encode, writers) -> None:
    """Pass 2: parse every chunk strictly, carrying the last sequence's rows over."""
    sequence_column, seen, carry = columns["sequence_column"], set(), None
    for chunk in iter_text_chunks(path, chunk_rows):
        table = chunk if carry is None else pd.concat([carry, chunk])
        table.attrs["source"] = path.name
        refuse_missing(table, sequence_column, "sequence id")
        ids = table[sequence_column].to_numpy()
        starts = np.r_[0, np.flatnonzero(ids[1:] != ids[:-1]) + 1]
        _refuse_returning(table, ids, starts, seen)
        cut = int(starts[-1])
        carry = table.iloc[cut:].copy()  # not a view keeping the whole chunk alive
        if cut:
            _write(
                parse_long_format(table.iloc[:cut], **columns, label_texts=True), encode, writers
            )
            seen.update(ids[starts[:-1]].tolist())
        del chunk, table, ids  # not held while the next chunk is read
    if carry is not None:
        _write(parse_long_format(carry, **columns, label_texts=True), encode, writers)


def _write(parsed, encode, writers) -> None:
    for split, writer in writers.items():
        if split not in parsed:
            continue
        sequences, labels = parsed[split]
        if isinstance(labels, list):  # per step
            for sequence, steps in zip(sequences, labels):
                writer.add(sequence, encode(steps))
        else:
            for sequence, label in zip(sequences, encode(labels)):
                writer.add(sequence, label)
