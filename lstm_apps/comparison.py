"""Same-run comparisons: a study's networks and baselines scored on one test split.

A study collects one `Candidate` per compared model (its test predictions,
its validation score, its fit time) and a `Skipped` for each baseline that
could not be fitted, then calls `compare`. The `Comparison` says which model
won on test and by how much the kept model beats (or trails) the best
baseline, with a paired bootstrap confidence interval, and flags a
validation split whose ranking the test split contradicts beyond noise.
Every candidate's test predictions can be written to the run folder, so no
model's results are lost when only one model is kept.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lstm_apps.prediction_files import codes_of, write_prediction_rows

KINDS = ("network", "baseline")


_codes = codes_of


def _accuracy(y_true, predictions) -> float:
    return float(np.mean(_codes(predictions) == np.asarray(y_true)))


def _balanced_accuracy(y_true, predictions) -> float:
    y_true, codes = np.asarray(y_true), _codes(predictions)
    recalls = [np.mean(codes[y_true == c] == c) for c in np.unique(y_true)]
    return float(np.mean(recalls))


def _macro_f1(y_true, predictions) -> float:
    from sklearn.metrics import f1_score

    y_true = np.asarray(y_true)
    labels = np.unique(y_true)
    return float(f1_score(y_true, _codes(predictions), labels=labels, average="macro"))


def _error(y_true, predictions) -> np.ndarray:
    return np.asarray(predictions, "float64").reshape(np.shape(y_true)) - y_true


def _rmse(y_true, predictions) -> float:
    return float(np.sqrt(np.mean(_error(y_true, predictions) ** 2)))


def _mae(y_true, predictions) -> float:
    return float(np.mean(np.abs(_error(y_true, predictions))))


# metric name -> (score(y_true, predictions), higher is better)
SCORES = {
    "accuracy": (_accuracy, True),
    "balanced_accuracy": (_balanced_accuracy, True),
    "macro_f1": (_macro_f1, True),
    "rmse": (_rmse, False),
    "mae": (_mae, False),
}


@dataclass
class Candidate:
    """One compared model's results on a run's splits.

    Args:
        name: the model's name in metrics and files ("lstm", "minirocket", ...).
        kind: "network" or "baseline".
        predictions: test predictions: `(N, K)` class probabilities, `(N, 1)`
            sigmoid outputs or `(N,)` class codes for classification; values shaped like the targets
            for regression and forecasts.
        validation: its score on the comparison metric on the validation
            split; NaN when it has none.
        seconds: seconds spent fitting it.
        details: other numbers worth reporting (epochs, a chosen `C`, ...).
    """

    name: str
    kind: str
    predictions: np.ndarray
    validation: float = float("nan")
    seconds: float = 0.0
    details: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"`kind` must be one of {KINDS}. Received: kind={self.kind!r}")


@dataclass(frozen=True)
class Skipped:
    """A baseline that was not fitted, and why (logged before training starts)."""

    name: str
    reason: str

    def __str__(self) -> str:
        return f"{self.name} skipped: {self.reason}"


def bootstrap_difference(
    y_true, pred_a, pred_b, score, *, num_resamples=1000, seed=0, groups=None
) -> tuple[float, float, float]:
    """Paired bootstrap of `score(a) - score(b)` on the same test items.

    Args:
        y_true: the test targets, one per item (first axis).
        pred_a, pred_b: two models' predictions of the same items.
        score: `score(y_true, predictions) -> float`.
        num_resamples: bootstrap resamples, default 1000.
        seed: seed of the resampling, default 0.
        groups: optional group id per item: whole groups are resampled
            (items of one subject or one forecast origin are not independent).

    Returns:
        `(difference on all items, 2.5th percentile, 97.5th percentile)`.
    """
    y_true, pred_a, pred_b = np.asarray(y_true), np.asarray(pred_a), np.asarray(pred_b)
    n = len(y_true)
    if len(pred_a) != n or len(pred_b) != n:
        raise ValueError(
            "Predictions and targets differ in length. Received: "
            f"{len(pred_a)} and {len(pred_b)} predictions for {n} targets"
        )
    full = score(y_true, pred_a) - score(y_true, pred_b)
    if n < 2:
        return float(full), float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    if groups is None:
        members = [np.array([i]) for i in range(n)]
    else:
        groups = np.asarray(groups)
        members = [np.flatnonzero(groups == g) for g in np.unique(groups)]
    differences = []
    for _ in range(num_resamples):
        picked = rng.integers(0, len(members), len(members))
        rows = np.concatenate([members[k] for k in picked])
        a, b = score(y_true[rows], pred_a[rows]), score(y_true[rows], pred_b[rows])
        if math.isfinite(a) and math.isfinite(b):
            differences.append(a - b)
    if not differences:
        return float(full), float("nan"), float("nan")
    low, high = np.percentile(differences, [2.5, 97.5])
    return float(full), float(low), float(high)


@dataclass
class Comparison:
    """The outcome of `compare` (see the module docstring for how it reads).

    `margin`, `low` and `high` are the kept model's test score minus the best
    baseline's (positive: the kept model is better, for either direction of
    metric) and its 95 % bootstrap interval; NaN when there is no baseline.
    """

    metric: str
    higher_is_better: bool
    candidates: list
    test: dict
    validation: dict
    kept: str
    winner: str
    best_baseline: str | None
    margin: float
    low: float
    high: float
    disagreement: str | None
    skipped: list

    def metrics(self) -> dict[str, float]:
        """Flat numbers: `{name}_{metric}`, `{name}_validation_{metric}` (when it has one),
        `{name}_train_seconds`, and `margin_vs_baseline`, `margin_low`, `margin_high`."""
        out = {}
        for c in self.candidates:
            out[f"{c.name}_{self.metric}"] = self.test[c.name]
            if math.isfinite(self.validation[c.name]):
                out[f"{c.name}_validation_{self.metric}"] = self.validation[c.name]
            out[f"{c.name}_train_seconds"] = round(float(c.seconds), 1)
        if self.best_baseline is not None:
            out.update(margin_vs_baseline=self.margin, margin_low=self.low, margin_high=self.high)
        return out

    def verdict(self) -> str:
        """One sentence: which model won on test, and the kept model against the best baseline."""
        better = "higher" if self.higher_is_better else "lower"
        text = f"On test, {self.winner} scored best ({self.metric} {self.test[self.winner]:.4g}, "
        text += f"{better} is better)."
        if self.best_baseline is None:
            return text
        sign = "ahead of" if self.margin > 0 else "behind" if self.margin < 0 else "level with"
        text += (
            f" The kept model, {self.kept}, is {abs(self.margin):.4g} {sign} the best baseline, "
            f"{self.best_baseline} (95 % bootstrap interval of the difference: "
            f"[{self.low:+.4g}, {self.high:+.4g}]"
        )
        if math.isfinite(self.low) and self.low <= 0 <= self.high:
            text += "; the test split cannot tell them apart"
        return text + ")."

    def markdown(self) -> str:
        """A report section: the table of every model, the verdict and the flags."""
        lines = [
            "## Model comparison",
            "",
            f"| model | kind | validation {self.metric} | test {self.metric} | fit seconds |",
            "|---|---|---|---|---|",
        ]
        for c in self.candidates:
            mark = " (kept)" if c.name == self.kept else ""
            lines.append(
                f"| {c.name}{mark} | {c.kind} | {_cell(self.validation[c.name])} | "
                f"{_cell(self.test[c.name])} | {c.seconds:.1f} |"
            )
        lines += ["", self.verdict()]
        if self.disagreement:
            lines += ["", f"**Validation and test disagree.** {self.disagreement}"]
        for s in self.skipped:
            lines += ["", f"- {s}"]
        return "\n".join(lines) + "\n"

    def save_predictions(self, directory, y_true, *, ids=None, class_names=None) -> list[Path]:
        """Write `directory/predictions/<name>.csv` for every candidate.

        Classification rows: id, true label, predicted label and one
        probability column per class (when the predictions are
        probabilities); otherwise id, true value(s) and predicted value(s),
        flattened per item.
        """
        folder = Path(directory) / "predictions"
        folder.mkdir(parents=True, exist_ok=True)
        y_true = np.asarray(y_true)
        ids = [str(i) for i in (ids if ids is not None else range(len(y_true)))]
        paths = []
        for c in self.candidates:
            path = folder / f"{c.name}.csv"
            write_prediction_rows(path, c.predictions, y_true, ids, class_names)
            paths.append(path)
        return paths


def _cell(value) -> str:
    return f"{value:.4g}" if math.isfinite(value) else "—"


def compare(
    candidates,
    y_true,
    *,
    metric="accuracy",
    kept=None,
    skipped=(),
    groups=None,
    num_resamples=1000,
    seed=0,
    score=None,
    higher_is_better=None,
) -> Comparison:
    """Score every candidate on the test targets and compare them.

    Args:
        candidates: `Candidate`s, at least one of kind "network".
        y_true: the test targets.
        metric: a name in `SCORES`, or any name when `score` is given.
        kept: the name of the model the run keeps; default the network with
            the best validation score (the first network without one).
        skipped: `Skipped` baselines, listed in the report.
        groups: optional group id per test item, resampled whole.
        num_resamples, seed: the bootstrap's resamples and seed.
        score: `score(y_true, predictions) -> float` for a metric not in `SCORES`.
        higher_is_better: the direction of `score` (required with it).

    Returns:
        A `Comparison`.

    Raises:
        ValueError: for an unknown metric, no network, repeated names or an
            unknown `kept` name.
    """
    if score is None:
        if metric not in SCORES:
            raise ValueError(
                f"Unknown metric {metric!r}: give `score` and `higher_is_better`, or one of "
                f"{sorted(SCORES)}. Received: metric={metric!r}"
            )
        score, higher_is_better = SCORES[metric]
    elif higher_is_better is None:
        raise ValueError("`higher_is_better` is needed with `score`. Received: None")
    candidates = list(candidates)
    names = [c.name for c in candidates]
    if len(set(names)) != len(names):
        raise ValueError(f"Candidate names must be unique. Received: {names}")
    networks = [c for c in candidates if c.kind == "network"]
    if not networks:
        raise ValueError(f"A comparison needs at least one network. Received: {names}")
    sign = 1.0 if higher_is_better else -1.0
    test = {c.name: float(score(y_true, c.predictions)) for c in candidates}
    validation = {c.name: float(c.validation) for c in candidates}
    if kept is None:
        kept = max(networks, key=lambda c: _rank(sign * validation[c.name])).name
    if kept not in test:
        raise ValueError(f"`kept` must name a candidate ({names}). Received: kept={kept!r}")
    winner = max(candidates, key=lambda c: _rank(sign * test[c.name])).name
    baselines = [c for c in candidates if c.kind == "baseline"]
    by_name = {c.name: c for c in candidates}
    best_baseline, margin, low, high = None, float("nan"), float("nan"), float("nan")
    resample = dict(num_resamples=num_resamples, seed=seed, groups=groups)
    if baselines:
        best_baseline = max(baselines, key=lambda c: _rank(sign * test[c.name])).name
        diff, low, high = bootstrap_difference(
            y_true, by_name[kept].predictions, by_name[best_baseline].predictions, score, **resample
        )
        margin, low, high = sign * diff, *sorted((sign * low, sign * high))
    disagreement = _disagreement(candidates, y_true, score, sign, validation, test, resample)
    return Comparison(
        metric=metric,
        higher_is_better=bool(higher_is_better),
        candidates=candidates,
        test=test,
        validation=validation,
        kept=kept,
        winner=winner,
        best_baseline=best_baseline,
        margin=float(margin),
        low=float(low),
        high=float(high),
        disagreement=disagreement,
        skipped=list(skipped),
    )


def _rank(value) -> float:
    return value if math.isfinite(value) else -math.inf


def _disagreement(candidates, y_true, score, sign, validation, test, resample) -> str | None:
    """A sentence when the model validation ranks first is worse on test than another model
    by more than the bootstrap noise (the interval of their difference excludes zero)."""
    scored = [c for c in candidates if math.isfinite(validation[c.name])]
    if len(scored) < 2:
        return None
    chosen = max(scored, key=lambda c: sign * validation[c.name])
    best = max(scored, key=lambda c: sign * test[c.name])
    if best.name == chosen.name:
        return None
    diff, low, high = bootstrap_difference(
        y_true, best.predictions, chosen.predictions, score, **resample
    )
    low, high = sorted((sign * low, sign * high))
    if not (math.isfinite(low) and low > 0):
        return None
    return (
        f"Validation ranked {chosen.name} first, but on test {best.name} is better by "
        f"{sign * diff:.4g} (95 % interval [{low:+.4g}, {high:+.4g}]). The validation split "
        "may be too small, or the test data may differ from the training data (a shift "
        "between domains, sites or periods): validate on data like the test data."
    )


def balanced_class_weight(labels, num_classes) -> dict[int, float]:
    """`{code: n / (K * count)}`, scikit-learn's "balanced" weights, for `class_weight`.

    A class absent from `labels` gets weight 1.
    """
    labels = np.asarray(labels).astype(int)
    counts = np.bincount(labels, minlength=num_classes)
    n = counts.sum()
    return {
        k: (float(n / (num_classes * counts[k])) if counts[k] else 1.0) for k in range(num_classes)
    }
