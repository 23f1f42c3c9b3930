"""The `Splits` container every case study's `load_data` returns."""

from __future__ import annotations

import math
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


def check_stratified(labels, size, split, class_names=None) -> None:
    """Refuse a stratified split that a class has too few examples for.

    scikit-learn's stratified splits need two examples of every class, and
    each side needs at least one example per class; its own messages do not
    say which class is short. This check names the class, its count and the
    split.

    Args:
        labels: the class of each example (codes or names).
        size: the share (a float in (0, 1)) or number of examples split off.
        split: the name of the part split off ("test", "validation"), for messages.
        class_names: optional names of the class codes in `labels`.

    Raises:
        ValueError: if a class has fewer than 2 examples, or the split (or
            what remains) is smaller than the number of classes.
    """
    classes, counts = (a.tolist() for a in np.unique(np.asarray(labels), return_counts=True))
    named = [class_names[int(c)] if class_names is not None else c for c in classes]
    short = [f"{n!r} ({k})" for n, k in zip(named, counts) if k < 2]
    if short:
        first = int(np.argmin(counts))
        raise ValueError(
            f"Too few examples for the stratified {split} split: class {named[first]!r} has "
            f"{counts[first]} example; every class needs at least 2 (one on each side). "
            f"Classes short of examples: {', '.join(short)}. "
            f"Received: class={named[first]!r}, count={counts[first]}"
        )
    total = sum(counts)
    taken = math.ceil(size * total) if isinstance(size, float) else int(size)
    for part, count in ((f"the {split} part", taken), ("the remaining part", total - taken)):
        if count < len(classes):
            raise ValueError(
                f"The stratified {split} split of {total} examples would put {count} in {part}, "
                f"fewer than the {len(classes)} classes: each class needs one there. Use more "
                f"examples or another {split} share. Received: {split}_size={size!r}"
            )


def check_known_labels(train_labels, labels, split, source="the data") -> None:
    """Refuse labels of a validation or test split that the training split never holds.

    A classifier has no output for such a class, and scikit-learn's metrics
    would then fail with a message that names neither the labels nor the
    split.

    Args:
        train_labels: the labels of the training split.
        labels: the labels of `split`.
        split: the name of that split ("validation", "test"), for messages.
        source: where the splits come from (a file name), for messages.

    Raises:
        ValueError: naming the unseen labels, their count in `split`, and
            the labels of the training split.
    """
    known = set(np.asarray(train_labels).tolist())
    values = np.asarray(labels).tolist()
    unseen = sorted({v for v in values if v not in known}, key=str)
    if unseen:
        counts = ", ".join(f"{v!r} ({values.count(v)})" for v in unseen[:10])
        raise ValueError(
            f"The {split} split of {source} holds labels that the training split never does: "
            f"{counts}. A classifier cannot predict a class it was not trained on; mark some of "
            f"those rows 'train' or remove them. Training labels: "
            f"{sorted(known, key=str)[:20]}. Received: {split} labels={unseen[:10]}"
        )


def stratified_holdout(x, y, fraction, seed, class_names=None):
    """Split off a stratified validation share; `fraction=0` returns no validation set.

    Raises:
        ValueError: if `fraction` is not in [0, 1), or a class has too few
            examples for the split (see `check_stratified`; `class_names`
            names the codes in `y`).
    """
    if fraction == 0:
        return list(x), y, None, None
    if not 0 < fraction < 1:
        raise ValueError(f"`validation_fraction` must be in [0, 1). Received: {fraction!r}")
    check_stratified(y, float(fraction), "validation", class_names)
    index = np.arange(len(x))
    train_idx, val_idx = train_test_split(
        index, test_size=fraction, random_state=seed, stratify=np.asarray(y)
    )
    pick = lambda idx: [x[i] for i in idx]  # noqa: E731
    y = np.asarray(y)
    return pick(train_idx), y[train_idx], pick(val_idx), y[val_idx]
