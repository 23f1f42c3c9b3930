"""Readers of `lstm-apps predict` inputs, shared by the case studies' `read_inputs`.

Every reader returns an `Inputs`: the list of model inputs with, beside it,
one id per input that tells a reader which output row belongs to which
input ("line 7" of a text file, "row 3" of a `.npy` batch, a file name, or
the head of a text given on the command line).

Text or path? A text model takes either the text itself or a `.txt` file.
An argument is read as a path (and must then exist) when it is a
`pathlib.Path`, when it names something that exists, or when it is a single
token (no whitespace) that either ends in a known file suffix (`PATH_SUFFIXES`:
".csv", ".npy", ".txt", ".png", ...) or starts like a path ("/", "./", "../",
"~/") or contains "/" after a folder that exists. Anything else is a text, so
"Great film. 10/10" and "hol" are texts while "reviews.csv",
"runs/missing.txt" and "./notes" are paths.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from lstm_apps.data.sequence_files import check_finite, decode_utf8, read_csv_sequence, read_npy

PATH_SUFFIXES = frozenset(
    ".txt .csv .tsv .npy .npz .json .jsonl .parquet .pkl .h5 .keras .zip .gz .md .xlsx "
    ".png .jpg .jpeg .bmp .gif .webp .tif .tiff .mp4 .avi .mov .mkv .webm .wav .mp3".split()
)
TEXT_SUFFIXES = (".txt",)
SEQUENCE_SUFFIXES = (".csv", ".npy")
HEAD_WIDTH = 30


class Inputs(list):
    """Model inputs (a plain list) with one id per input in `ids`.

    Args:
        items: the inputs, in order (texts, `(T, F)` arrays, images, clips).
        ids: one string per item naming where it came from ("line 3",
            "row 0", "clip.mp4", the head of a text); tabs and line breaks become spaces.
        rows_per_item: how many rows the study's `predict` returns for each
            item; None (default) means one each. Studies that predict per
            time step (hola, engine_nox, forecasting) set it.

    Example:
        >>> inputs = Inputs(["good", "bad"], ["line 1", "line 3"])
        >>> inputs.with_ids([("positive", 0.9), ("negative", 0.8)])
        [('line 1', 'positive', 0.9), ('line 3', 'negative', 0.8)]
    """

    def __init__(self, items=(), ids=(), *, rows_per_item=None):
        super().__init__(items)
        self.ids = [" ".join(str(i).replace("\t", " ").splitlines()) for i in ids]
        if len(self.ids) != len(self):
            raise ValueError(
                f"`ids` must hold one id per input: {len(self)} inputs. "
                f"Received: {len(self.ids)} ids"
            )
        counts = [1] * len(self) if rows_per_item is None else [int(n) for n in rows_per_item]
        if len(counts) != len(self) or any(n < 1 for n in counts):
            raise ValueError(
                f"`rows_per_item` must hold a count of at least 1 per input ({len(self)}). "
                f"Received: {rows_per_item!r}"
            )
        self.rows_per_item = counts

    @property
    def row_ids(self) -> list[str]:
        """The id of every row `predict` returns: each item's id, `rows_per_item` times."""
        return [i for i, n in zip(self.ids, self.rows_per_item) for _ in range(n)]

    def with_ids(self, rows) -> list[tuple[str, str, float]]:
        """`(id, label, score)` for each `(label, score)` row of `predict(run, self)`.

        Raises:
            ValueError: if `rows` does not hold as many rows as these inputs give.
        """
        row_ids = self.row_ids
        rows = list(rows)
        if len(rows) != len(row_ids):
            raise ValueError(
                f"`predict` returned {len(rows)} rows for {len(self)} inputs "
                f"(expected {len(row_ids)}); the study's read_inputs and predict disagree."
            )
        return [(i, label, score) for i, (label, score) in zip(row_ids, rows)]

    def __repr__(self):
        return f"Inputs({list.__repr__(self)}, ids={self.ids!r})"


def text_head(text: str, width: int = HEAD_WIDTH) -> str:
    """The id of a text: its first `width` characters, whitespace runs as one space,
    with "..." when cut."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[:width].rstrip() + "..."


def looks_like_path(argument) -> bool:
    """Whether a `predict` argument names a file or folder rather than being a text.

    See the module docstring for the rule. A sentence that merely contains a
    dot or a slash ("It was fine. 7/10") is a text.
    """
    if isinstance(argument, os.PathLike):
        return True
    text = str(argument)
    if not text or text != text.strip() or "\n" in text:
        return False
    try:
        if Path(text).expanduser().exists():
            return True
    except (OSError, ValueError, RuntimeError):  # too long, a NUL byte, an unknown ~user
        return False
    if any(c.isspace() for c in text):
        return False
    if Path(text).suffix.lower() in PATH_SUFFIXES:
        return True
    if text.startswith(("/", "./", "../", "~/")):
        return True
    return "/" in text and Path(text).parent.is_dir()


def read_text_lines(path) -> Inputs:
    """The non-blank lines of a UTF-8 text file, with ids "line N" (1-based file lines).

    Lines end at "\\n" only (a "\\r" before it is dropped), unlike `str.splitlines`,
    which also breaks at U+0085, U+2028 and other characters found inside real
    texts. A leading UTF-8 byte-order mark is dropped. Lines holding only
    whitespace are skipped; the others are kept exactly, spaces included.

    Raises:
        FileNotFoundError: if `path` does not exist.
        ValueError: if the file is not UTF-8 or holds no text.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No such text file: {path}")
    text = decode_utf8(path, path.read_bytes())
    items, ids = [], []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if line.strip():
            items.append(line)
            ids.append(f"line {number}")
    if not items:
        raise ValueError(f"{path} holds no text (every line is blank).")
    return Inputs(items, ids)


def read_texts(source, accepts: str = "This model predicts texts.") -> Inputs:
    """The texts of a text `predict`: a .txt file (one text per line) or the argument itself.

    Args:
        source: the `predict` argument: a text, or the path of a .txt file.
        accepts: the sentence that says what the study takes, used in errors
            ("sentiment predicts texts: give the text itself or a .txt file ...").

    Returns:
        `Inputs` of texts; ids "line N" for a file, the head of the text otherwise.

    Raises:
        FileNotFoundError: for a path (see `looks_like_path`) that does not exist.
        ValueError: for a folder, a file that is not .txt, an empty text.
    """
    if looks_like_path(source):
        path = Path(source).expanduser()
        if not path.exists():
            raise FileNotFoundError(f"No such file: {source}. {accepts}")
        if not path.is_file() or path.suffix.lower() not in TEXT_SUFFIXES:
            kind = " (a folder)" if path.is_dir() else ""
            raise ValueError(f"{accepts} Received: {source}{kind}")
        return read_text_lines(path)
    text = str(source)
    if not text.strip():
        raise ValueError(f"The text to predict is empty. {accepts} Received: {text!r}")
    return Inputs([text], [text_head(text)])


def check_texts(inputs, name: str) -> list[str]:
    """`inputs` (a text or a list of texts) as a list of non-empty strings.

    Raises:
        TypeError: if an input is not a string (e.g. an array read from a .csv).
        ValueError: if an input is empty.
    """
    texts = [inputs] if isinstance(inputs, str) else list(inputs)
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(
                f"{name} predicts from texts; input {i} is not a string. "
                f"Received: {type(text).__name__}"
            )
        if not text:
            raise ValueError(f"{name} cannot predict from an empty text. Received: input {i} = ''")
    return texts


def read_sequences(
    source, name: str = "This model", *, univariate: bool = False, columns=None
) -> Inputs:
    """The sequences of a `predict` input file.

    Args:
        source: a `.csv` file (one sequence: a row per time step, a column per
            feature; an optional header row) or a `.npy` file (one `(T, F)`
            sequence, or an `(N, T, F)` batch).
        name: the study's name, used in errors.
        univariate: also accept a 1-D `.npy` array as one `(T, 1)` series.
        columns: the model's feature names in training order, if it has
            them. A CSV whose header names them is read by name, in that
            order, whatever the file's column order; a header with other
            names is refused. Without a header (or without `columns`) the
            columns are taken in file order.

    Returns:
        `Inputs` of float32 `(T, F)` arrays. Ids: the file name for one
        sequence; "row i" for the sequences of a batch, `i` the 0-based
        index along the array's first axis.

    Raises:
        FileNotFoundError: if `source` does not exist.
        ValueError: for another kind of file, a wrong shape, an empty file, a non-numeric
            cell (column and line named), NaN or inf (sequence and time step named).
    """
    path = Path(source).expanduser()
    accepts = (
        f"{name} predicts from sequences: give a .csv file (one sequence: a row per time "
        "step, a column per feature) or a .npy file (a (T, F) sequence or an (N, T, F) batch)."
    )
    if not path.exists():
        raise FileNotFoundError(f"No such input file: {source}. {accepts}")
    if not path.is_file() or path.suffix.lower() not in SEQUENCE_SUFFIXES:
        kind = " (a folder)" if path.is_dir() else ""
        raise ValueError(f"{accepts} Received: {source}{kind}")
    if path.suffix.lower() == ".csv":
        return Inputs([read_csv_sequence(path, columns)], [path.name])
    array = read_npy(path)
    if univariate and array.ndim == 1:
        array = array[:, None]
    if array.ndim not in (2, 3):
        raise ValueError(
            f"{path} must hold a (T, F) sequence (time steps, features) or an (N, T, F) "
            f"batch of them. Received: an array of shape {array.shape}"
        )
    if array.size == 0:
        raise ValueError(f"{path} holds no values. Received: an array of shape {array.shape}")
    with np.errstate(over="ignore"):
        values = array.astype("float32")
    if array.ndim == 2:
        check_finite(values, path, original=array)
        return Inputs([values], [path.name])
    for i, sequence in enumerate(values):
        check_finite(sequence, path, original=array[i], row=i)
    return Inputs(list(values), [f"row {i}" for i in range(len(values))])


def check_features(inputs, num_features: int) -> None:
    """Refuse inputs whose feature count is not the model's (ValueError naming the input).

    Args:
        inputs: an `Inputs` (its ids name the input) or a list of `(T, F)`
            arrays (named "sequence i"); a `(T,)` array counts as one feature.
        num_features: the model's features per time step.
    """
    ids = getattr(inputs, "ids", None)
    for i, item in enumerate(inputs):
        shape = np.shape(item)
        received = 1 if len(shape) == 1 else shape[-1] if len(shape) == 2 else None
        if received != num_features:
            label = ids[i] if ids else f"sequence {i}"
            what = f"{received} feature(s)" if received is not None else "not a (T, F) array"
            raise ValueError(
                f"This model reads {num_features} feature(s) per time step; {label} has "
                f"{what}. Received: shape {shape}"
            )


def input_paths(source, suffixes, accepts: str) -> list[Path]:
    """The files a `predict` argument names: itself, or a folder's files with `suffixes`
    (sorted by name, hidden files left out).

    Raises:
        FileNotFoundError: if `source` does not exist.
        ValueError: for a file without one of `suffixes`, or a folder with none.
    """
    path = Path(source).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"No such file or folder: {source}. {accepts}")
    if path.is_dir():
        paths = sorted(
            p
            for p in path.iterdir()
            if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in suffixes
        )
        if not paths:
            raise ValueError(
                f"{accepts} The folder {source} holds no {', '.join(suffixes)} file. "
                f"Received: {source}"
            )
        return paths
    if path.suffix.lower() not in suffixes:
        raise ValueError(f"{accepts} Received: {source}")
    return [path]
