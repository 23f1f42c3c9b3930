"""Readers of `lstm-apps predict` inputs shared by the case studies' `read_inputs`."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def read_sequences(path: Path) -> list[np.ndarray]:
    """Read the sequences of a `predict` input file."""
    if not path.exists():
        raise FileNotFoundError(f"No such input file: {path}")
    if path.suffix == ".npy":
        array = np.load(path)
        return [array] if array.ndim == 2 else list(array)
    if path.suffix in (".csv", ".txt"):
        import pandas as pd

        frame = pd.read_csv(path, header=None)
        if (
            not all(isinstance(v, (int, float, np.number)) for v in frame.iloc[0])
            or frame.dtypes.eq(object).any()
        ):
            frame = pd.read_csv(path)
        return [frame.to_numpy(dtype="float32")]
    raise ValueError(
        f"Unsupported input format {path.suffix!r}: use .csv or .npy. Received: {path}"
    )


def read_texts(argument: str) -> list[str]:
    """The texts of a text `predict`: a .txt file (one text per line) or the argument itself."""
    path = Path(argument)
    if path.suffix == ".txt" and path.is_file():
        texts = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        if not texts:
            raise ValueError(f"{path} holds no text")
        return texts
    if not argument.strip():
        raise ValueError("The text to predict is empty.")
    return [argument]
