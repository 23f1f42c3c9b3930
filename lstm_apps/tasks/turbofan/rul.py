"""RUL helpers of the turbofan case study: the capped target, windows, the PHM08 score and
the predicted RUL at every cycle."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstm_apps import training
from lstm_apps.evaluation import regression_metrics


@dataclass
class CyclePredictions:
    """The predicted RUL at every cycle, as `evaluate` keeps it in `run.predictions`.

    NaN marks the first `window - 1` cycles of a windowed network, which
    have no whole window behind them.
    """

    test: list  # one `(cycles,)` array per test engine
    validation: list  # one `(cycles,)` array per validation engine

    @property
    def last(self) -> np.ndarray:
        """The predicted RUL after each test engine's last cycle."""
        return np.array([p[-1] for p in self.test])


def rul_correlation(frame, columns, cap=None) -> dict[str, float]:
    """Absolute Pearson correlation of each column with the (capped) RUL of run-to-failure engines.

    Args:
        frame: rows of engines run to failure (`unit`, `cycle` and the columns).
        columns: the columns to score.
        cap: the RUL cap applied to the target, or None.

    On the FD001 training engines with `cap=125`, sensor_2 scores 0.678 and
    setting_1 0.006.
    """
    rul = frame.groupby("unit").cycle.transform("max") - frame.cycle
    target = rul.clip(upper=cap) if cap else rul
    return {c: float(abs(frame[c].corr(target))) for c in columns}


def capped(targets, cap) -> list[np.ndarray]:
    """`min(RUL, cap)` at every cycle (a piecewise-linear RUL); `cap=None` leaves it."""
    return [np.minimum(t, cap) if cap else np.asarray(t) for t in targets]


def windows(sequences, targets=None, window=30):
    """Every whole window of `window` cycles, and the target at its last cycle.

    Args:
        sequences: list of `(cycles, features)` arrays, each at least `window` long.
        targets: optional list of `(cycles,)` arrays.
        window: cycles per window.

    Returns:
        `x` of shape `(windows, window, features)` and, with `targets`, `y` of
        shape `(windows,)`; an engine of T cycles gives `T - window + 1` windows.
    """
    views = [np.lib.stride_tricks.sliding_window_view(s, window, axis=0) for s in sequences]
    x = np.concatenate([v.transpose(0, 2, 1) for v in views]).astype("float32")
    if targets is None:
        return x
    return x, np.concatenate([t[window - 1 :] for t in targets]).astype("float32")


def phm08_score(y_true, y_pred) -> float:
    """The PHM08 challenge score: late predictions cost more than early ones.

    With `d = predicted - true`, each engine adds `exp(-d / 13) - 1` when
    `d < 0` (early) and `exp(d / 10) - 1` when `d >= 0` (late). Lower is better;
    0 is perfect.

    Example:
        >>> round(phm08_score([50, 50], [60, 37]), 3)  # 10 late, 13 early: e - 1 each
        3.437
    """
    d = np.asarray(y_pred, "float64") - np.asarray(y_true, "float64")
    return float(np.sum(np.exp(np.where(d < 0, -d / 13, d / 10)) - 1))


def predict_cycles(model, sequences) -> list[np.ndarray]:
    """The predicted RUL at every cycle of each `(cycles, features)` sequence.

    A "last" network gives NaN for the first `window - 1` cycles, which have
    no whole window behind them.
    """
    window = model.input_shape[1]
    if window is None:
        return [p[:, 0] for p in training.predict(model, sequences)]
    flat = model.predict(windows(sequences, window=window), batch_size=1024, verbose=0)[:, 0]
    cuts = np.cumsum([len(s) - window + 1 for s in sequences])[:-1]
    return [np.r_[np.full(window - 1, np.nan), p] for p in np.split(flat, cuts)]


def training_pairs(config, sequences, targets):
    """Inputs and capped targets in the form the configured network learns from.

    Args:
        config: the turbofan `Config` (`rul_cap`, `output_mode`, `window`).
        sequences: list of `(cycles, features)` engine histories.
        targets: list of `(cycles,)` true RUL arrays.
    """
    targets = capped(targets, config.rul_cap)
    if config.output_mode == "sequence":
        return list(sequences), targets
    return windows(sequences, targets, config.window)


def scores(truth, predicted, pattern="{}") -> dict[str, float]:
    """RMSE and MAE where a prediction exists, named by `pattern` ("{}_per_cycle")."""
    keep = np.isfinite(predicted)
    scores = regression_metrics(truth[keep], predicted[keep])
    return {pattern.format(name): scores[name] for name in ("rmse", "mae")}


def validation_metrics(run, predicted=None) -> dict[str, float]:
    """`validation_rmse` / `validation_mae`: against the true RUL at the validation
    cycles that look like a test engine's last one (see `study.evaluate`); `predicted`
    holds the per-cycle validation predictions when they are at hand. Reads no
    test data, so that a tuning trial can be scored by it."""
    config, data = run.config, run.data
    if predicted is None:
        predicted = predict_cycles(run.model, data.x_val)
    y_val, p_val = np.concatenate(data.y_val), np.concatenate(predicted)
    late = np.concatenate([np.arange(len(y)) >= config.window - 1 for y in data.y_val])
    scored = late & (y_val <= config.validation_max_rul)
    return scores(y_val[scored], p_val[scored], "validation_{}")
