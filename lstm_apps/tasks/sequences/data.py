"""Splits of the `sequences` study: the task, the held-out parts, the labels' codes.

Given splits are kept; without a test split a stratified share
(`test_fraction`) is held out, and without a validation split a share of the
training part (`validation_fraction`). With groups, every group stays on one
side of each split (scikit-learn's `StratifiedGroupKFold` for classes,
`GroupShuffleSplit` otherwise), and a group found in two given splits is
refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from sklearn.model_selection import (
    GroupShuffleSplit,
    StratifiedGroupKFold,
    train_test_split,
)

from lstm_apps.data.sequences import SequenceLabelEncoder
from lstm_apps.data.splits import Splits, check_known_labels, check_stratified
from lstm_apps.tasks.sequences.sources import read_source


@dataclass(kw_only=True)
class SequenceSplits(Splits):
    """`Splits` with what the `sequences` study needs beside the sequences."""

    task: str = "classification"  # "classification" or "regression"
    output: str = "label"  # "label" or "sequence"
    feature_names: list = field(default_factory=list)  # names of the features
    ids: dict = field(default_factory=dict)  # split -> sequence ids (text)
    groups: dict = field(default_factory=dict)  # split -> group per sequence (empty: none)

    def class_counts(self) -> np.ndarray | None:
        """Training sequences (or labelled steps) per class; None for regression."""
        if self.task != "classification":
            return None
        codes = (
            np.concatenate([np.ravel(y) for y in self.y_train])
            if self.output == "sequence"
            else (np.asarray(self.y_train))
        )
        return np.bincount(codes[codes >= 0], minlength=len(self.class_names))


def infer_task(labels, task: str, output: str) -> str:
    """ "classification" or "regression": `task` unless "auto", where numeric labels that
    are not all integers mean regression.

    Raises:
        ValueError: for regression on labels that are not numbers.
    """
    flat = (
        np.concatenate([np.ravel(y) for y in labels])
        if output == "sequence"
        else (np.ravel(np.asarray(labels)))
    )
    numeric = flat.dtype.kind in "iuf"
    if task == "regression" and not numeric:
        raise ValueError(
            f"Regression needs numeric labels; these are text (first: {flat[0]!r}). "
            f"Received: task='regression'"
        )
    if task != "auto":
        return task
    if numeric and flat.dtype.kind == "f" and not np.all(np.mod(flat, 1) == 0):
        return "regression"
    return "classification"


def _strata(labels, task, output):
    return np.asarray(labels) if task == "classification" and output == "label" else None


def holdout(labels, groups, fraction, seed, what, *, task, output, class_names=None):
    """Indices `(kept, held)` of a held-out share: stratified by class when it can be,
    grouped when there are groups.

    Raises:
        ValueError: when the classes or the groups are too few for the split.
    """
    index = np.arange(len(labels))
    strata = _strata(labels, task, output)
    if groups is not None:
        groups = np.asarray(groups)
        count = len(np.unique(groups))
        folds = max(2, round(1 / fraction))
        if count < 2 or (strata is not None and count < folds):
            raise ValueError(
                f"The grouped {what} split needs at least {folds if strata is not None else 2} "
                f"groups; the data has {count}. Give a {what} split column, or more groups. "
                f"Received: {count} groups"
            )
        if strata is not None:
            splitter = StratifiedGroupKFold(folds, shuffle=True, random_state=seed)
            kept, held = next(splitter.split(index, strata, groups))
        else:
            splitter = GroupShuffleSplit(1, test_size=fraction, random_state=seed)
            kept, held = next(splitter.split(index, groups=groups))
        return np.sort(kept), np.sort(held)
    if strata is not None:
        check_stratified(strata, float(fraction), what, class_names)
    elif math.ceil(fraction * len(index)) >= len(index):
        raise ValueError(f"Too few sequences ({len(index)}) for a {what} split.")
    kept, held = train_test_split(index, test_size=fraction, random_state=seed, stratify=strata)
    return np.sort(kept), np.sort(held)


def _take(part, index):
    x, y, ids, groups = part
    y = [y[i] for i in index] if isinstance(y, list) else np.asarray(y)[index]
    return (
        [x[i] for i in index],
        y,
        [ids[i] for i in index],
        None if groups is None else np.asarray(groups)[index],
    )


def _check_groups_apart(parts):
    """Refuse a group found in two given splits."""
    seen = {}
    for split, (_, _, _, groups) in parts.items():
        for group in dict.fromkeys(np.asarray(groups).tolist()):
            if group in seen and seen[group] != split:
                raise ValueError(
                    f"Group {group!r} has sequences in both the {seen[group]} and the {split} "
                    "split: a group (subject, speaker, machine) must stay on one side, or the "
                    "score measures memory of the group. Move its sequences to one split. "
                    f"Received: group={group!r}"
                )
            seen.setdefault(group, split)


def _subsample(part, limit, seed):
    if not limit or limit >= len(part[0]):
        return part
    rng = np.random.default_rng(seed)
    return _take(part, np.sort(rng.choice(len(part[0]), limit, replace=False)))


def _parts(raw, config):
    has_groups = "groups" in raw
    parts = {}
    for split in ("all", "train", "validation", "test"):
        if split in raw:
            x, y = raw[split]
            groups = raw["groups"][split] if has_groups else None
            parts[split] = (list(x), y, list(raw["ids"][split]), groups)
    if has_groups:
        _check_groups_apart(parts)
    if "all" not in parts and "train" not in parts:
        raise ValueError(
            f"The split column {config.split_column!r} marks no sequence 'train'; found: "
            f"{sorted(parts)}. Received: splits={sorted(parts)}"
        )
    return parts


def load_splits(config) -> SequenceSplits:
    """Read `config.data`, split it and encode its labels (see the module docstring)."""
    raw = read_source(config)
    parts = _parts(raw, config)
    seed = config.training.seed or 0
    pool = parts.get("train", parts.get("all"))
    task = raw.get("task") or infer_task(pool[1], config.task, config.output)
    if raw.get("task") and config.task not in ("auto", raw["task"]):
        raise ValueError(
            f"{raw['source']} is a {raw['task']} data set. Received: task={config.task!r}"
        )
    split = dict(task=task, output=config.output)
    if "test" not in parts:
        kept, held = holdout(pool[1], pool[3], config.test_fraction, seed, "test", **split)
        parts["test"], pool = _take(pool, held), _take(pool, kept)
    pool = _subsample(pool, config.max_train_sequences, seed)
    test = _subsample(parts["test"], config.max_test_sequences, seed)
    validation = parts.get("validation")
    if validation is None and config.validation_fraction > 0:
        kept, held = holdout(
            pool[1], pool[3], config.validation_fraction, seed, "validation", **split
        )
        validation, pool = _take(pool, held), _take(pool, kept)
    names = None
    labels = {"train": pool[1], "test": test[1]}
    if validation is not None:
        labels["validation"] = validation[1]
    if task == "classification":
        flat = lambda y: np.concatenate([np.ravel(v) for v in y]) if isinstance(y, list) else y  # noqa: E731
        for name in ("validation", "test"):
            if name in labels:
                check_known_labels(flat(labels["train"]), flat(labels[name]), name, raw["source"])
        encoder = SequenceLabelEncoder().fit(labels["train"])
        labels = {k: encoder.transform(v) for k, v in labels.items()}
        names = [str(c) for c in encoder.classes_]
        if len(names) < 2:
            raise ValueError(
                f"Classification needs at least 2 classes; the training labels hold one: "
                f"{names}. Received: task={task!r}"
            )
    else:
        cast = lambda y: (
            [np.asarray(v, "float32") for v in y]
            if isinstance(y, list)
            # noqa: E731
            else (np.asarray(y, "float32"))
        )
        labels = {k: cast(v) for k, v in labels.items()}
    groups = {}
    if pool[3] is not None:
        groups = {"train": pool[3], "test": test[3]}
        if validation is not None:
            groups["validation"] = validation[3]
    ids = {"train": pool[2], "test": test[2]}
    if validation is not None:
        ids["validation"] = validation[2]
    return SequenceSplits(
        pool[0],
        labels["train"],
        None if validation is None else validation[0],
        labels.get("validation"),
        test[0],
        labels["test"],
        class_names=names,
        source=raw["source"],
        task=task,
        output=config.output,
        feature_names=list(raw["features"]),
        ids=ids,
        groups=groups,
    )
