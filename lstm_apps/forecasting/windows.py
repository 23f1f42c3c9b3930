"""Series as arrays for `Forecaster`: input checks, batches, left padding, training windows.

A series is a `(T, F)` float32 array (a `(T,)` one is read as one column).
`as_series_list` and `as_batch` turn what a caller passes into that form and
refuse NaN, empty series and a column count that differs from the fitted
one; `training_pairs` cuts the windows a `Forecaster` learns from.
"""

from __future__ import annotations

import numpy as np

from lstm_apps.forecasting.network import PADDING_VALUE, next_targets


def check_finite(array, name):
    """Raise ValueError naming the count and first index of NaN or inf values in `array`."""
    if not np.all(np.isfinite(array)):
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        raise ValueError(
            f"`{name}` contains {np.sum(~np.isfinite(array))} NaN or inf values (first at index "
            f"{where}). Fill the gaps first, e.g. with the case study's `fill='interpolate'`."
        )


def as_series_list(series, name, num_features=None) -> list[np.ndarray]:
    """One `(T, F)` float32 array per series, checked for NaN and feature count.

    Args:
        series: a `(T,)` or `(T, F)` array, a `(num_series, T, F)` array, or
            a list of `(T,)` / `(T, F)` arrays.
        name: the argument's name, for error messages.
        num_features: the column count every series must have; None
            (default) takes the first series'.

    Raises:
        ValueError: for an empty series, NaN or inf, or a column count that
            differs from `num_features`.
    """
    if isinstance(series, (list, tuple)):
        items = list(series)
    else:
        array = np.asarray(series, dtype="float32")
        items = list(array) if array.ndim == 3 else [array]
    out = []
    for i, item in enumerate(items):
        array = np.asarray(item, dtype="float32")
        array = array[:, None] if array.ndim == 1 else array
        if array.ndim != 2 or len(array) == 0:
            raise ValueError(
                f"`{name}` must hold (T,) or (T, F) series with T >= 1. "
                f"Received: shape {array.shape}"
            )
        check_finite(array, f"{name}[{i}]")
        if num_features is not None and array.shape[1] != num_features:
            raise ValueError(
                f"`{name}` has {array.shape[1]} value columns per step, but the forecaster was "
                f"fitted on {num_features}. Received: shape {array.shape}"
            )
        num_features = array.shape[1]
        out.append(array)
    return out


def as_batch(x, name, num_features) -> np.ndarray:
    """`(num_series, T, F)` float32 values from that, `(T, F)` or `(T,)` (one series)."""
    batch = np.asarray(x, dtype="float32")
    batch = batch[None, :, None] if batch.ndim == 1 else batch[None] if batch.ndim == 2 else batch
    if batch.ndim != 3 or batch.shape[1] == 0:
        raise ValueError(
            f"`{name}` must be (num_series, T, F), (T, F) or (T,) with T >= 1. "
            f"Received: shape {np.shape(x)}"
        )
    as_series_list(batch, name, num_features)
    return batch


def left_pad(sequences) -> np.ndarray:
    """`(num_series, T_max, F)`: each `(T_i, F)` sequence ends at the last step; the steps
    before it hold `PADDING_VALUE`, which the network's masking skips."""
    length = max(len(s) for s in sequences)
    out = np.full((len(sequences), length, sequences[0].shape[1]), PADDING_VALUE, "float32")
    for i, s in enumerate(sequences):
        out[i, length - len(s) :] = s
    return out


def training_pairs(sequences, transform, offset, scale, window=None, stride=1, first_end=None):
    """Training windows of inputs and their standardized next targets.

    Args:
        sequences: `(T_i, F)` series.
        transform: the network's transform (see `next_targets`).
        offset, scale: `(F,)` training statistics of the transformed targets.
        window: steps per window; None takes each whole series.
        stride: steps between the ends of consecutive windows.
        first_end: optional per-series step before which no window may end
            (validation windows end in the validation part).

    Returns:
        `(x, y)`: lists of `(window, F)` inputs and their standardized targets.
        The last window of each series always ends at its last step.
    """
    x, y = [], []
    for i, s in enumerate(sequences):
        z = (next_targets(s, transform) - offset) / scale  # z[t]: standardized target of input t
        length = min(window or len(s) - 1, len(s) - 1)
        first = length if first_end is None else max(first_end[i], length)
        ends = np.arange(first, len(s), stride)  # step after each window
        if len(ends) == 0 or ends[-1] != len(s) - 1:
            ends = np.append(ends, len(s) - 1)
        for end in ends:
            x.append(s[end - length : end])
            y.append(z[end - length : end])
    return x, y
