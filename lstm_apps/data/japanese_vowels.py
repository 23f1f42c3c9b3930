"""Reader of the UCI Japanese Vowels files (`ae.train`, `ae.test`)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

TRAIN_BLOCKS_PER_SPEAKER = [30] * 9
TEST_BLOCKS_PER_SPEAKER = [31, 35, 88, 44, 29, 24, 40, 50, 29]
FLOAT32_LIMIT = 2.0**128 - 2.0**103  # the smallest magnitude that float32 rounds to inf


def read_uci(path) -> tuple[list[np.ndarray], np.ndarray]:
    """Read a UCI `ae.train` or `ae.test` file.

    Blocks (utterances) are separated by a line of twelve 1.0 values or by a
    blank line; speakers come in order, with the block counts of the UCI
    description.

    Returns:
        `(sequences, speakers)`: a list of `(T, 12)` arrays and speaker
        labels "1".."9".

    Raises:
        FileNotFoundError: if there is no such file.
        ValueError: for a file that is not UTF-8 text, a value that is not a
            finite number within float32's range, a line whose number of values
            differs from the first line's (each naming the file, the line and
            the value), or a number of utterances that is neither 270 nor 370.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No such UCI Japanese Vowels file: {path}")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{path.name} is not UTF-8 text: byte {error.object[error.start]:#04x} at offset "
            f"{error.start} cannot be decoded. Received: {path}"
        ) from None
    blocks, current, width = [], [], None
    for number, line in enumerate(text.split("\n"), start=1):
        values = [_number(cell, path, number) for cell in line.split()]
        if not values or all(v == 1.0 for v in values):
            if current:
                blocks.append(np.array(current, dtype="float32"))
                current = []
            continue
        width = width or len(values)
        if len(values) != width:
            raise ValueError(
                f"Line {number} of {path.name} has {len(values)} values; the lines before have "
                f"{width}. Received: line {number}={line.strip()[:80]!r}"
            )
        current.append(values)
    if current:
        blocks.append(np.array(current, dtype="float32"))
    for counts in (TRAIN_BLOCKS_PER_SPEAKER, TEST_BLOCKS_PER_SPEAKER):
        if len(blocks) == sum(counts):
            speakers = np.repeat([str(s) for s in range(1, 10)], counts)
            return blocks, speakers
    raise ValueError(
        f"{path} holds {len(blocks)} utterances; expected 270 (ae.train) or 370 (ae.test)."
    )


def _number(cell, path, line) -> float:
    """One value of line `line` of `path`, refused unless a finite number within float32's range."""
    try:
        value = float(cell)
    except ValueError:
        value = None
    if value is None or not math.isfinite(value) or abs(value) >= FLOAT32_LIMIT:
        problem = "not a number" if value is None else "not a finite number within float32's range"
        raise ValueError(
            f"Line {line} of {path.name} holds {cell!r}, {problem}. Every value of an "
            f"utterance must be a finite number. Received: {cell!r}"
        )
    return value
