"""Reader of the UCI Japanese Vowels files (`ae.train`, `ae.test`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

TRAIN_BLOCKS_PER_SPEAKER = [30] * 9
TEST_BLOCKS_PER_SPEAKER = [31, 35, 88, 44, 29, 24, 40, 50, 29]


def read_uci(path) -> tuple[list[np.ndarray], np.ndarray]:
    """Read a UCI `ae.train` or `ae.test` file.

    Blocks (utterances) are separated by a line of twelve 1.0 values or by a
    blank line; speakers come in order, with the block counts of the UCI
    description.

    Returns:
        `(sequences, speakers)`: a list of `(T, 12)` arrays and speaker
        labels "1".."9".
    """
    blocks, current = [], []
    for line in Path(path).read_text().splitlines():
        values = line.split()
        if not values or all(float(v) == 1.0 for v in values):
            if current:
                blocks.append(np.array(current, dtype="float32"))
                current = []
            continue
        current.append([float(v) for v in values])
    if current:
        blocks.append(np.array(current, dtype="float32"))
    for counts in (TRAIN_BLOCKS_PER_SPEAKER, TEST_BLOCKS_PER_SPEAKER):
        if len(blocks) == sum(counts):
            speakers = np.repeat([str(s) for s in range(1, 10)], counts)
            return blocks, speakers
    raise ValueError(
        f"{path} holds {len(blocks)} utterances; expected 270 (ae.train) or 370 (ae.test)."
    )
