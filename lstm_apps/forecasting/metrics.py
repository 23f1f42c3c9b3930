"""Forecast scores: the MASE denominator, the MASE, and MAE, RMSE and MASE per horizon step."""

from __future__ import annotations

from numbers import Integral

import numpy as np


def mase_scale(train, season_length) -> np.ndarray:
    """Per-column MASE denominator: the in-sample seasonal naive MAE of `train` `(T, F)`.

    Raises:
        ValueError: for a season length that is not a positive integer below
            the training length, or a training part that repeats every season
            exactly (MASE undefined).
    """
    train = np.asarray(train, dtype="float64").reshape(len(train), -1)
    if not isinstance(season_length, Integral) or season_length < 1 or len(train) <= season_length:
        raise ValueError(
            f"`season_length` must be a positive integer below the training length {len(train)}. "
            f"Received: season_length={season_length!r}"
        )
    scale = np.mean(np.abs(train[season_length:] - train[:-season_length]), axis=0)
    if np.any(scale == 0):
        raise ValueError("The training part repeats every season exactly: MASE is undefined.")
    return scale


def horizon_metrics(truth, forecasts, scale) -> dict[str, np.ndarray]:
    """MAE, RMSE and MASE per horizon step over origins (and columns).

    Args:
        truth, forecasts: `(origins, horizon, F)` arrays.
        scale: `(F,)` MASE denominators (`mase_scale`).

    Returns:
        `{"mae": (horizon,), "rmse": (horizon,), "mase": (horizon,)}`.
    """
    error = np.asarray(forecasts, "float64") - np.asarray(truth, "float64")
    return {
        "mae": np.mean(np.abs(error), axis=(0, 2)),
        "rmse": np.sqrt(np.mean(error**2, axis=(0, 2))),
        "mase": np.mean(np.mean(np.abs(error), axis=0) / np.asarray(scale), axis=-1),
    }


def mase(truth, forecasts, scale) -> float:
    """The MASE of `(N, F)` forecasts: each column's MAE over its `scale`, averaged over columns."""
    error = np.abs(np.asarray(forecasts, "float64") - np.asarray(truth, "float64"))
    error = error.reshape(len(error), -1)
    return float(np.mean(error.mean(axis=0) / np.asarray(scale, "float64")))
