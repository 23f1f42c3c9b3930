"""What a shard folder's manifest says about its data: labels, feature moments, lengths.

`LabelCheck` checks labels one sequence at a time (the kind, shape and
range must hold for every sequence) and describes them; `Moments` merges
per-feature means and variances in float64, one block of time steps at a
time; `length_summary` sums up the sequence lengths, with the quantiles that
`shard_reader` turns into bucket boundaries.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

UNLABELLED = -1  # per-step class code of a step without a label (as in lstm_apps.training)
QUANTILE_PROBABILITIES = tuple(round(0.05 * i, 2) for i in range(21))
HISTOGRAM_BINS = 32


class LabelCheck:
    """Checks labels one sequence at a time and describes them for the manifest.

    Args:
        per_step: whether each sequence has one label per time step.
        class_names: names of the class codes, or None.
    """

    def __init__(self, per_step=False, class_names=None):
        self.per_step = bool(per_step)
        self.class_names = None if class_names is None else [str(c) for c in class_names]
        if self.class_names is not None and not self.class_names:
            raise ValueError(f"`class_names` is empty. Received: class_names={class_names!r}")
        self.kind = "class" if self.class_names is not None else None
        self.shape = () if self.class_names is not None else None
        self.labelled = None  # unknown until the first sequence
        self.highest = -1

    def encode(self, label, length, index) -> np.ndarray | None:
        """The flattened label of sequence `index` (int64 codes or float32 values), or None.

        Raises:
            ValueError: for a label missing or present unlike the earlier ones, a
                non-numeric label, a kind or shape unlike the earlier ones, per-step
                labels whose length differs from the sequence's, class codes out of
                range, or NaN/inf values.
        """
        if self.labelled is None:
            self.labelled = label is not None
        if (label is not None) != self.labelled:
            state = "labelled" if self.labelled else "unlabelled"
            raise ValueError(
                f"Sequence #{index} is {'un' if label is None else ''}labelled but the earlier "
                f"sequences are {state}. Received: label={label!r}"
            )
        if label is None:
            return None
        arr = np.asarray(label)
        if arr.dtype.kind not in "biuf":
            raise ValueError(
                f"The label of sequence #{index} must be numeric (encode class names as codes "
                f"with SequenceLabelEncoder). Received: {_short(label)}"
            )
        kind = "value" if arr.dtype.kind == "f" else "class"
        if self.per_step and (arr.ndim == 0 or len(arr) != length):
            steps = "a scalar" if arr.ndim == 0 else f"{len(arr)} steps"
            raise ValueError(
                f"The per-step labels of sequence #{index} must have one entry per time step: "
                f"the sequence has {length} steps. Received: {steps}"
            )
        shape = arr.shape[1:] if self.per_step else arr.shape
        if kind == "class" and shape != ():
            raise ValueError(
                f"A class label must be one code per sequence (or, per step, one per time "
                f"step; pass per-step labels as a list of arrays). Received for sequence "
                f"#{index}: an integer array of shape {arr.shape}"
            )
        if self.kind is None:
            self.kind, self.shape = kind, shape
        if (kind, shape) != (self.kind, self.shape):
            raise ValueError(
                f"The label of sequence #{index} is a {kind} label of shape {shape}; the "
                f"earlier ones are {self.kind} labels of shape {self.shape}. "
                f"Received: {_short(label)}"
            )
        if kind == "value":
            values = arr.astype(np.float32).ravel()
            if not np.all(np.isfinite(values)):
                raise ValueError(
                    f"The label of sequence #{index} contains NaN or inf (or a value beyond "
                    f"float32's range). Received: {_short(label)}"
                )
            return values
        codes = arr.astype(np.int64).ravel()
        lowest = UNLABELLED if self.per_step else 0
        limit = None if self.class_names is None else len(self.class_names)
        if codes.min() < lowest or (limit is not None and codes.max() >= limit):
            top = "" if limit is None else f", {limit - 1}"
            found = codes[0] if codes.size == 1 else f"codes from {codes.min()} to {codes.max()}"
            raise ValueError(
                f"The class codes of sequence #{index} must lie in [{lowest}{top}]"
                f"{' (-1: an unlabelled step)' if self.per_step else ''}. Received: {found}"
            )
        self.highest = max(self.highest, int(codes.max()))
        return codes

    def describe(self) -> dict:
        """The manifest's `label` entry."""
        if not self.labelled:
            return {"kind": None, "per_step": False, "shape": None}
        found = {"kind": self.kind, "per_step": self.per_step, "shape": list(self.shape)}
        if self.kind == "class":
            names = self.class_names
            found["num_classes"] = len(names) if names is not None else self.highest + 1
            found["class_names"] = names
        return found


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class Moments:
    """Per-feature count, mean and sum of squared deviations (float64), merged per block."""

    def __init__(self, num_features):
        self.count = 0
        self.mean = np.zeros(num_features)
        self.m2 = np.zeros(num_features)

    def add(self, block) -> None:
        """Merge the rows of a `(T, F)` block (Chan, Golub & LeVeque's pairwise update)."""
        block = np.asarray(block, dtype=np.float64)
        n = len(block)
        mean = block.mean(axis=0)
        m2 = np.square(block - mean).sum(axis=0)
        total = self.count + n
        delta = mean - self.mean
        self.mean += delta * (n / total)
        self.m2 += m2 + np.square(delta) * (self.count * n / total)
        self.count = total

    @property
    def variance(self) -> np.ndarray:
        """The population variance (as numpy's `var` and Keras's `Normalization`)."""
        return self.m2 / max(self.count, 1)


def length_summary(counts: Counter) -> dict:
    """Min, max, mean, 21 quantiles and a histogram of sequence lengths given their counts."""
    values = np.array(sorted(counts), dtype=np.int64)
    weights = np.array([counts[v] for v in values], dtype=np.int64)
    cumulative = np.cumsum(weights)
    total = int(cumulative[-1])
    quantiles = [
        [p, int(values[np.searchsorted(cumulative, p * total, side="left")])]
        for p in QUANTILE_PROBABILITIES
    ]
    low, high = int(values[0]), int(values[-1])
    edges = np.unique(np.linspace(low, high + 1, HISTOGRAM_BINS + 1).round().astype(np.int64))
    histogram, _ = np.histogram(values, bins=edges, weights=weights)
    return {
        "min": low,
        "max": high,
        "mean": float(np.dot(values, weights) / total),
        "quantiles": quantiles,
        "histogram": {"edges": edges.tolist(), "counts": histogram.astype(int).tolist()},
    }
