"""The `Splits` container every case study's `load_data` returns."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import train_test_split


@dataclass
class Splits:
    """Train / validation / test data of a case study.

    Sequences are lists of `(T_i, F)` arrays; targets are arrays (one per
    sequence) or lists of arrays (one per time step). `class_names` maps
    class codes to names for classification tasks; `source` says where the
    data came from. A case study that needs more (scaler statistics, group
    ids, vocabularies) subclasses `Splits` with named, typed fields:

        @dataclass(kw_only=True)
        class NoxSplits(Splits):
            target_mean: float  # training target mean (NOx units)
    """

    x_train: list
    y_train: object
    x_val: list | None
    y_val: object
    x_test: list
    y_test: object
    class_names: list[str] | None = None
    source: str = ""

    @property
    def num_features(self) -> int:
        return int(self.x_train[0].shape[-1])

    def sizes(self) -> dict[str, int]:
        return {
            "train": len(self.x_train),
            "validation": 0 if self.x_val is None else len(self.x_val),
            "test": len(self.x_test),
        }


def stratified_holdout(x, y, fraction, seed):
    """Split off a stratified validation share; `fraction=0` returns no validation set."""
    if fraction == 0:
        return list(x), y, None, None
    if not 0 < fraction < 1:
        raise ValueError(f"`validation_fraction` must be in [0, 1). Received: {fraction!r}")
    index = np.arange(len(x))
    train_idx, val_idx = train_test_split(
        index, test_size=fraction, random_state=seed, stratify=np.asarray(y)
    )
    pick = lambda idx: [x[i] for i in idx]  # noqa: E731
    y = np.asarray(y)
    return pick(train_idx), y[train_idx], pick(val_idx), y[val_idx]
