"""Weekly walk-forward recalibration, the way a predictive emissions monitor is kept honest.

A monitor in service drifts away from its training data (sensor ageing,
maintenance, fuel). Plants check it against reference measurements and
recalibrate. The protocol here, *weekly walk-forward recalibration*:

1. Cut the test period into weeks of 168 consecutive hourly rows.
2. Before each week, update the model on the labelled rows of the preceding
   `recalibration_days` days (training, validation and earlier test rows).
3. Predict the week without its labels, then move on.

The recurrent network is fine-tuned, week after week, from its trained
weights (a copy: the trained model is left as it was). The scikit-learn
baselines are refit from scratch on the same rows. Without recalibration,
every model keeps what it learned from the training years.
"""

from __future__ import annotations

import keras
import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from lstm_apps.data import gas_turbine as gt

HOURS_PER_DAY = 24
HOURS_PER_WEEK = 7 * HOURS_PER_DAY
BASELINES = {
    "linear": lambda: make_pipeline(StandardScaler(), LinearRegression()),
    "hgb": lambda: HistGradientBoostingRegressor(random_state=0),
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
            year = data.info["test_years"][i] if kind == "test" else -1
            parts.append((windows, targets, np.full(len(y), kind), np.full(len(y), year), y))
    return [np.concatenate([p[j] for p in parts]) for j in range(5)]


def _weeks(is_test, years, max_weeks=None):
    """[start, stop) row ranges of the test weeks; a week never spans two years."""
    spans = []
    rows = np.flatnonzero(is_test)
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


def compare(model, data, config, k, progress=True) -> dict[str, np.ndarray]:
    """Predictions of the network and the baselines on the scored test rows, both protocols.

    Returns:
        A dict of arrays over the scored test rows: `truth`, `year`, and one
        prediction array per model and protocol (`lstm`, `lstm_recalibrated`,
        `linear`, `linear_recalibrated`, `linear_lagged`, ...).
    """
    sequence = config.output_mode == "sequence"
    windows, targets, kind, years, row_y = _timeline(data, k, sequence)
    targets = targets[..., None]  # (N, 1) or (N, k, 1), the shape of the model's output
    train_rows = kind == "train"
    spans = _weeks(kind == "test", years, config.max_test_weeks)
    scored = np.concatenate([np.arange(a, b) for a, b in spans])
    history_rows = config.recalibration_days * HOURS_PER_DAY
    out = {"truth": row_y[scored], "year": years[scored]}
    out["lstm"] = predict_rows(model, windows[scored])

    keras.utils.set_random_seed(config.seed)
    tuned = keras.models.clone_model(model)
    tuned.set_weights(model.get_weights())
    tuned.compile(
        optimizer=keras.optimizers.Adam(config.recalibration_learn_rate, clipnorm=1.0),
        loss="mean_squared_error",
    )
    weekly = []
    for a, b in tqdm(spans, desc="weekly recalibration", disable=not progress, leave=False):
        recent = slice(max(0, a - history_rows), a)
        tuned.fit(
            windows[recent],
            targets[recent],
            epochs=config.recalibration_epochs,
            batch_size=config.mini_batch_size,
            shuffle=True,
            verbose=0,
        )
        weekly.append(predict_rows(tuned, windows[a:b]))
    out["lstm_recalibrated"] = np.concatenate(weekly)

    # One thread: beside TensorFlow's, OpenMP threads in the tree fits wait on each other.
    with threadpool_limits(1):
        for name, make in BASELINES.items():
            for lagged in (False, True):
                key = f"{name}_lagged" if lagged else name
                x = _features(windows, lagged)
                out[key] = make().fit(x[train_rows], row_y[train_rows]).predict(x[scored])
                weekly = []
                for a, b in spans:
                    recent = slice(max(0, a - history_rows), a)
                    weekly.append(make().fit(x[recent], row_y[recent]).predict(x[a:b]))
                out[f"{key}_recalibrated"] = np.concatenate(weekly)
    return out
