"""Variable-length sequences: checks, padding, bucketing, scaling, windows, labels.

A *sequence* is a `(timesteps, features)` array. A data set of sequences is a
list of them (lengths may differ) or one padded `(batch, timesteps, features)`
array. Padding and truncation follow MATLAB's `SequenceLength`,
`SequencePaddingDirection` and `SequencePaddingValue` options.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

from lstm_apps.checks import check_choice, check_positive

NORMALIZATIONS = ("zscore", "zerocenter", "rescale-zero-one", "rescale-symmetric", "none")
PADDING_DIRECTIONS = ("right", "left")


def _describe(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_sequences(x, name="x", num_features=None, allow_1d=True) -> list[np.ndarray]:
    """Validate sequences and return them as a list of float32 `(T, F)` arrays.

    Args:
        x: a list of `(T_i, F)` arrays (or `(T_i,)` for one feature), or a
            3-D `(batch, T, F)` array.
        name: argument name used in error messages, default "x".
        num_features: expected feature count, or None (default) to accept any.
        allow_1d: whether `(T_i,)` sequences count as one feature, default True.

    Returns:
        A list of `(T_i, F)` float32 arrays.

    Raises:
        TypeError: if `x` is not a list or array of numeric sequences.
        ValueError: for no sequences, an empty sequence, differing feature
            counts, or NaN/inf values.
    """
    if isinstance(x, np.ndarray) and x.ndim == 3:
        items = list(x)
    elif isinstance(x, (list, tuple)) or (isinstance(x, np.ndarray) and x.dtype == object):
        items = list(x)
    else:
        shape = getattr(x, "shape", None)
        raise TypeError(
            f"`{name}` must be a list of (timesteps, features) arrays or a 3-D "
            f"(batch, timesteps, features) array. Received: {type(x).__name__}"
            + (f" of shape {shape}" if shape is not None else "")
        )
    if not items:
        raise ValueError(f"`{name}` holds no sequences. Received: {name}={_describe(x)}")
    out = []
    for i, seq in enumerate(items):
        try:
            arr = np.asarray(seq, dtype="float32")
        except (TypeError, ValueError) as err:
            raise TypeError(f"`{name}[{i}]` is not numeric: {err}") from None
        if arr.ndim == 1 and allow_1d:
            arr = arr[:, None]
        if arr.ndim != 2:
            raise ValueError(
                f"`{name}[{i}]` must be a (timesteps, features) array. "
                f"Received: array of shape {arr.shape}"
            )
        if arr.shape[0] == 0:
            raise ValueError(f"`{name}[{i}]` is an empty sequence (0 time steps).")
        if not np.all(np.isfinite(arr)):
            bad = np.argwhere(~np.isfinite(arr))[0]
            raise ValueError(
                f"`{name}[{i}]` contains NaN or inf, first at step {bad[0]}, "
                f"feature {bad[1]}: {arr[bad[0], bad[1]]}"
            )
        out.append(arr)
    counts = sorted({a.shape[1] for a in out})
    if len(counts) > 1:
        raise ValueError(
            f"All sequences in `{name}` must have the same number of features. "
            f"Received feature counts: {counts}"
        )
    if num_features is not None and counts[0] != num_features:
        raise ValueError(
            f"`{name}` must have {num_features} features per step. Received: {counts[0]}"
        )
    return out


def check_labels(y, num_sequences, name="y") -> list | np.ndarray:
    """Check that there is one label (or one label sequence) per input sequence.

    Returns `y` as an array, or as a list of arrays when the labels are
    per-time-step sequences.

    Raises:
        ValueError: if the count differs from `num_sequences` or values are
            not finite.
    """
    if isinstance(y, (list, tuple)) and y and np.ndim(y[0]) >= 1:
        labels = [np.asarray(v) for v in y]
    else:
        labels = np.asarray(y)
    count = len(labels)
    if count != num_sequences:
        raise ValueError(
            f"`{name}` must have one entry per sequence: expected {num_sequences}, "
            f"received {count}."
        )
    values = labels if isinstance(labels, list) else [labels]
    for v in values:
        if v.dtype.kind == "f" and not np.all(np.isfinite(v)):
            raise ValueError(f"`{name}` contains NaN or inf.")
    return labels


def resolve_length(lengths, sequence_length) -> int:
    """Target length for MATLAB's `SequenceLength` ("longest", "shortest" or int)."""
    if isinstance(sequence_length, Integral) and not isinstance(sequence_length, bool):
        return int(check_positive("sequence_length", sequence_length))
    check_choice("sequence_length", sequence_length, ("longest", "shortest"))
    return int(max(lengths) if sequence_length == "longest" else min(lengths))


def pad_sequences(
    sequences, sequence_length="longest", padding="right", value=0.0, dtype="float32"
) -> np.ndarray:
    """Pad or truncate sequences to one length and stack them.

    Truncation drops steps from the same side that padding adds them, so
    "left" keeps the end of every sequence (the steps that an output mode of
    "last" reads).

    Args:
        sequences: list of `(T_i, ...)` arrays.
        sequence_length: "longest" (default), "shortest" or an int.
        padding: "right" (default) or "left".
        value: padding value, default 0.0.
        dtype: output dtype, default "float32".

    Returns:
        An array of shape `(batch, length, ...)`.

    Example:
        >>> pad_sequences([np.ones((2, 1)), np.ones((3, 1))], padding="left")[0, :, 0]
        array([0., 1., 1.], dtype=float32)
    """
    check_choice("padding", padding, PADDING_DIRECTIONS)
    if len(sequences) == 0:
        raise ValueError("`sequences` holds no sequences.")
    length = resolve_length([len(s) for s in sequences], sequence_length)
    tail = np.shape(sequences[0])[1:]
    out = np.full((len(sequences), length, *tail), value, dtype=dtype)
    for i, seq in enumerate(sequences):
        seq = np.asarray(seq)
        if padding == "right":
            kept = seq[:length]
            out[i, : len(kept)] = kept
        else:
            kept = seq[-length:]
            out[i, length - len(kept) :] = kept
    return out


def unpad(padded, lengths, padding="right") -> list[np.ndarray]:
    """Undo `pad_sequences`: the real steps of each row, as a list."""
    check_choice("padding", padding, PADDING_DIRECTIONS)
    steps = padded.shape[1]
    out = []
    for row, n in zip(padded, lengths):
        n = min(int(n), steps)
        out.append(row[:n] if padding == "right" else row[steps - n :])
    return out


def length_sorted_batches(lengths, batch_size, rng=None) -> list[np.ndarray]:
    """Group sequence indices into mini-batches of similar length.

    With `rng`, ties are broken at random and the batch order is shuffled;
    without it the order is deterministic (shortest first).

    Args:
        lengths: sequence lengths.
        batch_size: sequences per batch.
        rng: optional `numpy.random.Generator`.

    Returns:
        A list of index arrays, one per batch.
    """
    lengths = np.asarray(lengths)
    order = np.arange(len(lengths)) if rng is None else rng.permutation(len(lengths))
    order = order[np.argsort(lengths[order], kind="stable")]
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    if rng is not None:
        batches = [batches[i] for i in rng.permutation(len(batches))]
    return batches


def feature_statistics(sequences, method="zscore"):
    """Per-feature `(offset, scale)` so that `(x - offset) / scale` normalizes.

    Statistics pool every real time step of every sequence; padding never
    enters because the sequences are unpadded. Constant features get a
    scale of 1.
    """
    check_choice("normalization", method, NORMALIZATIONS)
    steps = (
        np.concatenate(check_sequences(sequences, "sequences"))
        if not (isinstance(sequences, np.ndarray) and sequences.ndim == 2)
        else sequences.astype("float64")
    )
    steps = steps.astype("float64")
    num_features = steps.shape[1]
    offset, scale = np.zeros(num_features), np.ones(num_features)
    if method in ("zscore", "zerocenter"):
        offset = steps.mean(axis=0)
        if method == "zscore":
            scale = steps.std(axis=0)
    elif method.startswith("rescale"):
        low, high = steps.min(axis=0), steps.max(axis=0)
        if method == "rescale-zero-one":
            offset, scale = low, high - low
        else:
            offset, scale = (high + low) / 2, (high - low) / 2
    scale = np.where(scale > 1e-12, scale, 1.0)
    return offset.astype("float32"), scale.astype("float32")


class SequenceScaler:
    """Scale every feature of variable-length sequences, scikit-learn style.

    Args:
        method: "zscore" (default), "zerocenter", "rescale-zero-one",
            "rescale-symmetric" or "none".

    Attributes:
        offset_, scale_: per-feature statistics learned by `fit`.

    Example:
        >>> scaler = SequenceScaler().fit(train_sequences)
        >>> scaled = scaler.transform(test_sequences)
    """

    def __init__(self, method="zscore"):
        self.method = method

    def fit(self, x, y=None):
        """Learn per-feature statistics from training sequences; returns self."""
        self.offset_, self.scale_ = feature_statistics(x, self.method)
        self.n_features_in_ = self.offset_.shape[0]
        return self

    def _check_fitted(self):
        if not hasattr(self, "offset_"):
            raise RuntimeError(
                "This SequenceScaler is not fitted yet. Call `fit` with training "
                "sequences before `transform` or `inverse_transform`."
            )

    def _apply(self, x, fn):
        self._check_fitted()
        seqs = check_sequences(x, "x", num_features=self.n_features_in_)
        out = [fn(s) for s in seqs]
        return np.stack(out) if isinstance(x, np.ndarray) and x.ndim == 3 else out

    def transform(self, x):
        """Scale sequences (a list in, a list out; a 3-D array in, an array out)."""
        return self._apply(x, lambda s: (s - self.offset_) / self.scale_)

    def inverse_transform(self, x):
        """Undo `transform`."""
        return self._apply(x, lambda s: s * self.scale_ + self.offset_)

    def fit_transform(self, x, y=None):
        return self.fit(x).transform(x)


def make_windows(series, window, horizon=1, stride=1, targets=None):
    """Cut a series into forecasting windows.

    Args:
        series: `(T,)` or `(T, F)` array in time order.
        window: input steps per window.
        horizon: future steps to predict, default 1.
        stride: steps between window starts, default 1.
        targets: feature indices to predict, default all features.

    Returns:
        `(x, y)`: `x` of shape `(N, window, F)` and `y` of shape
        `(N, horizon)` for one target or `(N, horizon, num_targets)`.

    Example:
        >>> x, y = make_windows(np.arange(10.0), window=3)
        >>> x.shape, y[0]
        ((7, 3, 1), array([3.]))
    """
    data = np.asarray(series, dtype="float32")
    if data.ndim == 1:
        data = data[:, None]
    for arg, value in (("window", window), ("horizon", horizon), ("stride", stride)):
        check_positive(arg, value)
    if len(data) < window + horizon:
        raise ValueError(
            f"The series has {len(data)} steps, fewer than window + horizon = {window + horizon}."
        )
    if not np.all(np.isfinite(data)):
        raise ValueError("`series` contains NaN or inf.")
    cols = list(range(data.shape[1])) if targets is None else list(np.atleast_1d(targets))
    starts = np.arange(0, len(data) - window - horizon + 1, stride)
    x = np.stack([data[s : s + window] for s in starts])
    y = np.stack([data[s + window : s + window + horizon][:, cols] for s in starts])
    return x, (y[..., 0] if len(cols) == 1 else y)


class SequenceLabelEncoder:
    """Encode class labels as 0..K-1 and keep the class names.

    Works on one label per sequence (an array) and on one label per time
    step (a list of arrays). Classes are sorted, as in scikit-learn.

    Attributes:
        classes_: the class names, index = code.
    """

    def fit(self, y):
        """Learn the classes from training labels; returns self."""
        flat = np.concatenate([np.ravel(v) for v in y]) if _is_nested(y) else np.ravel(y)
        self.classes_ = np.unique(flat)
        return self

    def _check_fitted(self):
        if not hasattr(self, "classes_"):
            raise RuntimeError("This SequenceLabelEncoder is not fitted yet. Call `fit` first.")

    def _encode(self, v):
        v = np.asarray(v)
        codes = np.searchsorted(self.classes_, v)
        codes = np.clip(codes, 0, len(self.classes_) - 1)
        unknown = self.classes_[codes] != v
        if np.any(unknown):
            raise ValueError(
                f"Unknown labels {sorted(set(np.asarray(v)[unknown].tolist()))[:5]}; "
                f"known classes: {self.classes_.tolist()}"
            )
        return codes.astype("int32")

    def transform(self, y):
        self._check_fitted()
        return [self._encode(v) for v in y] if _is_nested(y) else self._encode(y)

    def inverse_transform(self, codes):
        self._check_fitted()
        if _is_nested(codes):
            return [self.classes_[np.asarray(c)] for c in codes]
        return self.classes_[np.asarray(codes)]

    def fit_transform(self, y):
        return self.fit(y).transform(y)


def _is_nested(y) -> bool:
    return isinstance(y, (list, tuple)) and len(y) > 0 and np.ndim(y[0]) >= 1
