"""The same-run baselines of the `sequences` study: MiniRocket and gradient boosting.

* `minirocket`: aeon's MiniRocket (Dempster et al. 2021): 10,000 random
  convolution features and a ridge model (`MiniRocketClassifier`, a
  `RidgeClassifierCV` on the features; `MiniRocketRegressor`, a `RidgeCV`).
  MiniRocket needs series of one length: series of unequal length are
  resampled by linear interpolation to the median training length (their
  shape is kept and nothing is padded; the length itself is lost, but the
  boosting baseline below reads it). It needs at least 9 steps, so shorter
  series skip it.
* `gbm_summary`: scikit-learn's `HistGradientBoostingClassifier` or
  `...Regressor` on per-sequence summary features: for each feature its
  mean, standard deviation, minimum, maximum, median, least-squares slope
  over time (per step), first and last value, and the sequence length.

Both predict one value per sequence, so a sequence-to-sequence task skips
them. Each is fitted on the training part and scored on validation, then
fitted again on training and validation together for its test predictions
(as the kept network is). Fits run on one thread (`threadpool_limits(1)`).
"""

from __future__ import annotations

import logging
import time

import numpy as np

from lstm_apps.comparison import SCORES, Candidate, Skipped

log = logging.getLogger(__name__)
BASELINES = ("minirocket", "gbm_summary")
MINIROCKET_MIN_STEPS = 9  # MiniRocket's kernels span 9 steps


def summary_features(sequences) -> np.ndarray:
    """Per-sequence features `(N, 8 F + 1)`: for each feature its mean, std, min, max,
    median, slope, first and last value; then the length."""
    rows = []
    for s in sequences:
        s = np.asarray(s, "float64")
        steps = np.arange(len(s), dtype="float64")
        centred = steps - steps.mean()
        spread = float((centred**2).sum())
        slope = centred @ (s - s.mean(0)) / spread if spread else np.zeros(s.shape[1])
        stats = (s.mean(0), s.std(0), s.min(0), s.max(0), np.median(s, 0), slope, s[0], s[-1])
        rows.append(np.concatenate([*stats, [len(s)]]))
    return np.asarray(rows, "float32")


def resample(sequences, length: int) -> np.ndarray:
    """Sequences as one `(N, F, length)` array (aeon's layout), each resampled by
    linear interpolation when its length differs."""
    out = np.empty((len(sequences), sequences[0].shape[1], length), "float32")
    grid = np.linspace(0.0, 1.0, length)
    for i, s in enumerate(sequences):
        if len(s) == length:
            out[i] = s.T
            continue
        own = np.linspace(0.0, 1.0, len(s)) if len(s) > 1 else np.zeros(1)
        out[i] = np.stack([np.interp(grid, own, s[:, j]) for j in range(s.shape[1])])
    return out


def plan_baselines(names, *, output, lengths) -> tuple[list[str], list[Skipped]]:
    """Which of `names` can fit, and a `Skipped` with its reason for each that cannot.

    Args:
        names: the baselines asked for (a subset of `BASELINES`).
        output: "label" or "sequence".
        lengths: the training sequences' lengths.
    """
    run, skipped = [], []
    for name in names:
        if output == "sequence":
            skipped.append(
                Skipped(name, "it predicts one value per sequence; this task labels every step.")
            )
        elif name == "minirocket" and int(np.median(lengths)) < MINIROCKET_MIN_STEPS:
            skipped.append(
                Skipped(
                    name,
                    f"the sequences are too short for its kernels of {MINIROCKET_MIN_STEPS} "
                    f"steps (median length {int(np.median(lengths))}).",
                )
            )
        else:
            run.append(name)
    return run, skipped


def _estimator(name, task, seed, length):
    if name == "gbm_summary":
        from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

        kind = (
            HistGradientBoostingClassifier
            if task == "classification"
            else (HistGradientBoostingRegressor)
        )
        return kind(random_state=seed), summary_features
    if task == "classification":
        from aeon.classification.convolution_based import MiniRocketClassifier as kind
    else:
        from aeon.regression.convolution_based import MiniRocketRegressor as kind
    return kind(random_state=seed, n_jobs=1), lambda x: resample(x, length)


def _predict(name, model, features, task, num_classes):
    if task != "classification":
        return np.asarray(model.predict(features), "float64")
    if name == "gbm_summary":
        probabilities = np.zeros((len(features), num_classes))
        probabilities[:, model.classes_] = model.predict_proba(features)
        return probabilities
    return np.asarray(model.predict(features)).astype(int)  # a ridge classifier: codes only


def fit_baselines(names, data, *, task, metric, seed, refit=True) -> tuple[list, list]:
    """Fit each baseline of `names` on `data` (a `SequenceSplits`).

    Returns:
        `(candidates, skipped)`: a `Candidate` per baseline fitted, and a
        `Skipped` for one whose fit failed (with the error as its reason).
    """
    from threadpoolctl import threadpool_limits

    score = SCORES[metric][0]
    num_classes = len(data.class_names or ())
    length = max(int(np.median([len(s) for s in data.x_train])), MINIROCKET_MIN_STEPS)
    candidates, skipped = [], []
    for name in names:
        start = time.perf_counter()
        try:
            with threadpool_limits(1):
                model, features = _estimator(name, task, seed, length)
                validation = float("nan")
                if data.x_val:
                    model.fit(features(data.x_train), np.asarray(data.y_train))
                    predicted = _predict(name, model, features(data.x_val), task, num_classes)
                    validation = score(np.asarray(data.y_val), predicted)
                    if refit:
                        model, features = _estimator(name, task, seed, length)
                x_all, y_all = data.x_train, np.asarray(data.y_train)
                if data.x_val and refit:
                    x_all = list(data.x_train) + list(data.x_val)
                    y_all = np.concatenate([y_all, np.asarray(data.y_val)])
                if not data.x_val or refit:
                    model.fit(features(x_all), y_all)
                predictions = _predict(name, model, features(data.x_test), task, num_classes)
        except (ValueError, MemoryError) as error:  # a fit that fails is reported, not fatal
            reason = f"its fit failed: {' '.join(str(error).split())[:200]}"
            log.warning("Baseline %s skipped: %s", name, reason)
            skipped.append(Skipped(name, reason))
            continue
        seconds = time.perf_counter() - start
        candidates.append(Candidate(name, "baseline", predictions, validation, seconds))
        log.info("Baseline %s: validation %s %.4g (%.1f s)", name, metric, validation, seconds)
    return candidates, skipped
