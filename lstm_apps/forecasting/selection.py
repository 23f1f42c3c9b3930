"""Choosing a forecasting network's transform on the validation part, then refitting it.

`choose_transform` fits one network per candidate transform on the training
part (early stopping on the validation part) and scores each on the
validation part with the MASE, either of one-step-ahead forecasts of every
validation step ("h1") or averaged over the horizon of closed-loop forecasts
from the validation origins ("mean"). `refit_epochs` gives the epoch count
for training the chosen one again on training + validation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lstm_apps.forecasting.backtest import one_step_forecasts, rolling_forecasts
from lstm_apps.forecasting.metrics import horizon_metrics
from lstm_apps.forecasting.network import AUTO_TRANSFORMS

SCORES = ("h1", "mean")


@dataclass
class Choice:
    """The outcome of `choose_transform`."""

    transform: str  # the chosen transform
    forecaster: object  # its `Forecaster`, fitted on the training part
    scores: dict = field(default_factory=dict)  # transform -> validation MASE
    epochs: dict = field(default_factory=dict)  # transform -> epochs run
    seconds: dict = field(default_factory=dict)  # transform -> fit seconds


def auto_transforms(values, *, square_roots=False, train=None, least_range=None):
    """The transforms "auto" chooses among for `values`: `AUTO_TRANSFORMS` less the logs for a
    series with values <= 0.

    Args:
        values: the whole series (a log needs every value positive).
        square_roots: "sqrt" and "sqrt_difference" take the logs' place for a
            series with zeros and no negative values.
        train, least_range: with both, the log and square-root transforms are
            left out when the largest value of `train` is less than
            `least_range` times its smallest positive one: over so narrow a
            range they are nearly linear and would only repeat "none" and
            "difference".
    """
    low = float(np.min(values))
    if low > 0:
        found = AUTO_TRANSFORMS
    elif low == 0 and square_roots:
        found = tuple(t.replace("log", "sqrt") for t in AUTO_TRANSFORMS)
    else:
        found = tuple(t for t in AUTO_TRANSFORMS if "log" not in t)
    if train is not None and least_range is not None:
        train = np.asarray(train)
        positive = train[train > 0]
        if len(positive) and float(np.max(train)) < least_range * float(np.min(positive)):
            found = tuple(t for t in found if t in ("none", "difference"))
    return found


def validation_mase(forecaster, data, score="mean") -> float:
    """A fitted forecaster's validation MASE (see the module docstring for `score`)."""
    values, end = data.values, data.fit_end
    if score == "h1":
        predicted = one_step_forecasts(forecaster, values[:end], data.num_train)
        errors = np.abs(predicted - values[data.num_train : end]).mean(axis=0)
        return float(np.mean(errors / data.mase_scale))
    truth = np.stack([values[o : o + data.horizon] for o in data.validation_origins])
    predicted = rolling_forecasts(forecaster, values[:end], data.validation_origins, data.horizon)
    return float(horizon_metrics(truth, predicted, data.mase_scale)["mase"].mean())


def choose_transform(make, candidates, data, *, score="mean", callbacks=()) -> Choice:
    """Fit one network per candidate transform and keep the best on validation.

    Args:
        make: `make(transform, stage)` -> an unfitted `Forecaster`.
        candidates: transform names.
        data: a `ForecastSplits`.
        score: "h1" or "mean" (see the module docstring).
        callbacks: extra Keras callbacks for every fit.

    Returns:
        A `Choice`; ties keep the earlier candidate.
    """
    import time

    if score not in SCORES:
        raise ValueError(f"`score` must be one of {SCORES}. Received: score={score!r}")
    choice = None
    for candidate in candidates:
        start = time.perf_counter()
        fitted = make(candidate, candidate).fit(data.x_train, data.x_val, callbacks=callbacks)
        mase = validation_mase(fitted, data, score)
        if choice is None:
            choice = Choice(candidate, fitted)
        elif mase < choice.scores[choice.transform]:
            choice.transform, choice.forecaster = candidate, fitted
        choice.scores[candidate] = mase
        choice.epochs[candidate] = len(fitted.history_["loss"])
        choice.seconds[candidate] = time.perf_counter() - start
    return choice


def refit_epochs(history, least=10) -> int:
    """Epochs of the refit on training + validation: the best validation epoch (at least
    `least`)."""
    return max(least, int(np.argmin(history["val_loss"])) + 1)
