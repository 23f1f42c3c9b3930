"""Weekly walk-forward recalibration, the way a predictive emissions monitor is kept honest.

A monitor in service drifts away from its training data (sensor ageing,
maintenance, fuel). Plants check it against reference measurements and
recalibrate. The protocol here, *weekly walk-forward recalibration*:

1. Cut the test period into weeks of 168 consecutive hourly rows.
2. Before each week, update the model on the labelled rows of the preceding
   `recalibration_days` days (training, validation and earlier test rows).
3. Predict the week without its labels, then move on.

The recurrent network is fine-tuned, week after week, from its trained
weights (a copy: the trained model is left as it was), with the settings of
the Config's `recalibration` section (`TrainingConfig`). The scikit-learn
baselines are refit from scratch on the same rows. Without recalibration,
every model keeps what it learned from the training years.

How many days each update reads suits the models differently: a network
fine-tuned from what it learned in the training years needs only the last
days to follow the drift, while a model refit from scratch needs months of
rows. When `recalibration_days` is a tuple, every model walks the weeks of
the validation block once per candidate, in the same way, and keeps the
length with the lowest validation MAE; the test weeks are walked once, with
that length.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import keras
import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from lstm_apps import training
from lstm_apps.data import gas_turbine as gt

HOURS_PER_DAY = 24
HOURS_PER_WEEK = 7 * HOURS_PER_DAY


@dataclass
class Choice:
    """The history length a recalibrated model chose on the validation weeks."""

    days: int  # days of labelled rows each weekly update reads
    validation_mae: dict[int, float] = field(default_factory=dict)  # candidate days -> MAE
    # on the validation weeks (empty when there was a single candidate)


@dataclass
class Comparison:
    """Every model's predictions on the scored test rows, without and with recalibration.

    What `compare` returns, `evaluate` keeps in `run.predictions` and the
    figures draw.
    """

    truth: np.ndarray  # measured target of every scored test row
    year: np.ndarray  # test year (block number for a custom CSV) of every scored row
    predictions: dict[str, np.ndarray]  # model and protocol (`lstm`, `lstm_recalibrated`,
    # `linear`, `linear_recalibrated`, `linear_lagged`, ...) -> predictions over the rows
    choices: dict[str, Choice]  # recalibrated model (`lstm_recalibrated`, ...) -> its Choice


class LinearThenBoosting(RegressorMixin, BaseEstimator):
    """Linear regression, then gradient boosting on its residual.

    The tree counterpart of a network with a linear path
    (`lstm_apps.models.with_linear_path`): the linear part extrapolates, the
    trees correct it inside the training range. (`GradientBoostingRegressor`
    takes the linear model as its `init`; the histogram version used for the
    other baseline has no such option, hence this small estimator.)
    """

    def fit(self, x, y):
        self.linear_ = make_pipeline(StandardScaler(), LinearRegression()).fit(x, y)
        residual = y - self.linear_.predict(x)
        self.trees_ = HistGradientBoostingRegressor(random_state=0).fit(x, residual)
        return self

    def predict(self, x):
        return self.linear_.predict(x) + self.trees_.predict(x)


# name -> (new unfitted model, feature sets: False = current hour, True = lagged window)
BASELINES = {
    "linear": (lambda: make_pipeline(StandardScaler(), LinearRegression()), (False, True)),
    "hgb": (lambda: HistGradientBoostingRegressor(random_state=0), (False, True)),
    "linear_hgb": (LinearThenBoosting, (False,)),
}


def _timeline(data, k, sequence):
    """Every row's window, target, block kind and test year, in time order."""
    parts = []
    for kind, xs, ys in (
        ("train", data.x_train, data.y_train),
        ("val", data.x_val, data.y_val),
        ("test", data.x_test, data.y_test),
    ):
        for i, (x, y) in enumerate(zip(xs, ys)):
            windows, targets = gt.windows(x, k, y, sequence)
            year = data.test_years[i] if kind == "test" else -1
            parts.append((windows, targets, np.full(len(y), kind), np.full(len(y), year), y))
    return [np.concatenate([p[j] for p in parts]) for j in range(5)]


def _weeks(in_block, years, max_weeks=None):
    """[start, stop) row ranges of the weeks of a block (test or validation rows).

    A week never spans two years.
    """
    spans = []
    rows = np.flatnonzero(in_block)
    for year in np.unique(years[rows]):
        year_rows = rows[years[rows] == year]
        for start in range(0, len(year_rows), HOURS_PER_WEEK):
            chunk = year_rows[start : start + HOURS_PER_WEEK]
            spans.append((int(chunk[0]), int(chunk[-1]) + 1))
    return spans[:max_weeks] if max_weeks else spans


def _features(windows, lagged):
    return windows.reshape(len(windows), -1) if lagged else windows[:, -1, :]


def predict_rows(model, x):
    """The prediction for every `(k, F)` window of `x` (the last step for "sequence" models)."""
    out = np.asarray(model.predict(x, batch_size=1024, verbose=0))
    return out[:, -1, 0] if out.ndim == 3 else out[:, 0]


def candidate_days(config) -> tuple[int, ...]:
    """The history lengths (days) the weekly updates may read, as a tuple."""
    days = config.recalibration_days
    return tuple(days) if isinstance(days, (tuple, list)) else (days,)


def _walk(spans, days, update, predict):
    """Predictions over `spans`, each week predicted after `update(rows of the last days)`."""
    history = days * HOURS_PER_DAY
    out = []
    for a, b in spans:
        update(slice(max(0, a - history), a))
        out.append(predict(slice(a, b)))
    return np.concatenate(out)


def _choose_and_walk(walker, val_spans, test_spans, candidates, row_y):
    """Choose the history length on the validation weeks, then walk the test weeks with it.

    `walker(spans, days)` runs one walk from the model's trained state.
    Returns the test predictions, the chosen days and each candidate's
    validation MAE.
    """
    scores = {}
    if len(candidates) > 1:
        truth = np.concatenate([row_y[a:b] for a, b in val_spans])
        for days in candidates:
            scores[days] = float(np.mean(np.abs(walker(val_spans, days) - truth)))
    best = min(scores, key=scores.get) if scores else candidates[0]
    return walker(test_spans, best), best, scores


def fine_tune(model, x, y, options: training.TrainingConfig) -> None:
    """One weekly update of a compiled model: `options.max_epochs` epochs on `(x, y)`.

    The update goes through `training.fit_arrays`, the route of every
    array fit: shuffling, callbacks (no validation, so no early stopping)
    and the recurrent layers' precision come from `options`.
    """
    training.fit_arrays(model, x, y, options)


def compare(model, data, config, k, progress=True) -> Comparison:
    """Predictions of the network and the baselines on the scored test rows, both protocols.

    Args:
        model: the trained network (left unchanged: updates go to a copy).
        data: the study's `NoxSplits`.
        config: the study's Config; `recalibration` holds the settings of the
            network's weekly updates, seeded by `recalibration.seed` or, when
            that is None, `training.seed`.
        k: hours per window.
        progress: show a progress bar for the network's walks.

    Returns:
        A `Comparison`: the scored test rows' truth and year, one prediction
        array per model and protocol, and each recalibrated model's `Choice`.
    """
    sequence = config.output_mode == "sequence"
    windows, targets, kind, years, row_y = _timeline(data, k, sequence)
    targets = targets[..., None]  # (N, 1) or (N, k, 1), the shape of the model's output
    train_rows = kind == "train"
    test_spans = _weeks(kind == "test", years, config.max_test_weeks)
    val_spans = _weeks(kind == "val", years)
    candidates = candidate_days(config)
    scored = np.concatenate([np.arange(a, b) for a, b in test_spans])
    out = {"lstm": predict_rows(model, windows[scored])}
    settings = config.recalibration
    seed = config.training.seed if settings.seed is None else settings.seed
    choices = {}
    bar = tqdm(
        total=(len(candidates) if len(candidates) > 1 else 0) + 1,
        desc="weekly recalibration (LSTM)",
        disable=not progress,
        leave=False,
    )

    def lstm_walk(spans, days):
        if seed is not None:
            keras.utils.set_random_seed(seed)
        tuned = keras.models.clone_model(model)
        tuned.set_weights(model.get_weights())
        options = settings.options()
        steps = math.ceil(days * HOURS_PER_DAY / options.mini_batch_size)  # per update epoch
        loss, _ = training.loss_and_metrics(tuned, options.loss)
        tuned.compile(optimizer=training.make_optimizer(options, steps), loss=loss)

        def update(rows):
            fine_tune(tuned, windows[rows], targets[rows], options)

        predictions = _walk(spans, days, update, lambda rows: predict_rows(tuned, windows[rows]))
        bar.update()
        return predictions

    out["lstm_recalibrated"], days, scores = _choose_and_walk(
        lstm_walk, val_spans, test_spans, candidates, row_y
    )
    bar.close()
    choices["lstm_recalibrated"] = Choice(days, scores)

    # One thread: beside TensorFlow's, OpenMP threads in the tree fits wait on each other.
    with threadpool_limits(1):
        for name, (make, feature_sets) in BASELINES.items():
            for lagged in feature_sets:
                key = f"{name}_lagged" if lagged else name
                x = _features(windows, lagged)
                out[key] = make().fit(x[train_rows], row_y[train_rows]).predict(x[scored])

                def baseline_walk(spans, days, x=x, make=make):
                    fitted = {}

                    def update(rows):
                        fitted["model"] = make().fit(x[rows], row_y[rows])

                    return _walk(spans, days, update, lambda rows: fitted["model"].predict(x[rows]))

                out[f"{key}_recalibrated"], days, scores = _choose_and_walk(
                    baseline_walk, val_spans, test_spans, candidates, row_y
                )
                choices[f"{key}_recalibrated"] = Choice(days, scores)
    return Comparison(truth=row_y[scored], year=years[scored], predictions=out, choices=choices)
