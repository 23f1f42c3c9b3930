"""Stateful forecasting with a recurrent network: `Forecaster`.

The workflow of MATLAB's "Time Series Forecasting Using Deep Learning": a
network learns one-step-ahead prediction sequence to sequence (its input is
the series up to step t, its target the series shifted by one), with the
series standardized by statistics of the training part only. To forecast, the
network's state first reads the observed history, then it steps on:

- **closed loop**: each prediction is fed back as the next input, so a
  forecast of any horizon needs nothing but the history;
- **open loop**: the next *observed* value is fed at every step, so each
  prediction is one step ahead (what a model in service does as data arrive).

The state is a `StreamingPredictor` over the network's own cells, for a batch
of independent series stepped together. The network
(`lstm_apps.forecasting.network.build_network`) reads raw values: it holds the
optional log and differencing, the standardization with training statistics
and its inverse, so a saved `.keras` model needs nothing else. Only networks
that read the past alone can forecast: a bidirectional layer would read the
very future it has to predict.

Also here: `rolling_forecasts` (closed-loop forecasts from many origins in one
pass) and the scores `mase_scale` and `horizon_metrics`.
"""

from __future__ import annotations

from numbers import Integral

import keras
import numpy as np

from lstm_apps import training
from lstm_apps.checks import check_choice
from lstm_apps.data.sequences import feature_statistics
from lstm_apps.deploy.streaming import StreamingPredictor
from lstm_apps.forecasting.network import (
    AUTO_TRANSFORMS,
    CAUSAL_ARCHITECTURES,
    PADDING_VALUE,
    TRANSFORMS,
    build_network,
    next_targets,
    sampling_twin,
    transform_name,
    transform_parts,
)

MODES = ("closed", "open")
__all__ = [
    "AUTO_TRANSFORMS",
    "CAUSAL_ARCHITECTURES",
    "MODES",
    "PADDING_VALUE",
    "TRANSFORMS",
    "Forecaster",
    "build_network",
    "horizon_metrics",
    "mase_scale",
    "next_targets",
    "rolling_forecasts",
]


def _as_series_list(series, name, num_features=None) -> list[np.ndarray]:
    """One `(T, F)` float32 array per series, checked for NaN and feature count."""
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
        _check_finite(array, f"{name}[{i}]")
        if num_features is not None and array.shape[1] != num_features:
            raise ValueError(
                f"`{name}` has {array.shape[1]} value columns per step, but the forecaster was "
                f"fitted on {num_features}. Received: shape {array.shape}"
            )
        num_features = array.shape[1]
        out.append(array)
    return out


def _as_batch(x, name, num_features) -> np.ndarray:
    """`(num_series, T, F)` float32 values from that, `(T, F)` or `(T,)` (one series)."""
    batch = np.asarray(x, dtype="float32")
    batch = batch[None, :, None] if batch.ndim == 1 else batch[None] if batch.ndim == 2 else batch
    if batch.ndim != 3 or batch.shape[1] == 0:
        raise ValueError(
            f"`{name}` must be (num_series, T, F), (T, F) or (T,) with T >= 1. "
            f"Received: shape {np.shape(x)}"
        )
    _as_series_list(batch, name, num_features)
    return batch


def _check_finite(array, name):
    if not np.all(np.isfinite(array)):
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        raise ValueError(
            f"`{name}` contains {np.sum(~np.isfinite(array))} NaN or inf values (first at index "
            f"{where}). Fill the gaps first, e.g. with the case study's `fill='interpolate'`."
        )


class Forecaster:
    """Fit, then forecast a series (or a batch of independent series) with state.

    scikit-learn style: `__init__` stores the settings, `fit` learns and
    returns the forecaster, learned attributes end in `_`.

    Args:
        architecture: a network that reads the past only: "lstm" (default),
            "gru", "simple_rnn" or "lstm_projected".
        units: recurrent width, or a tuple for a stack, e.g. `(64, 64)`; default 64.
        dropout: dropout after each recurrent layer, default 0. With dropout,
            `forecast(..., num_samples=...)` gives Monte Carlo dropout samples.
        transform: "none" (default), "log" (for positive series whose
            seasonal swing grows with the level), "sqrt" (for counts, such
            as sunspot numbers, whose spread grows with the level but which
            can be zero), "difference" (the network reads and predicts
            changes, for a trend that leaves the training range), or
            "log_difference" / "sqrt_difference" (both).
        window: steps per training sequence; None (default) trains on each
            whole series, as the MATLAB example does.
        stride: steps between the starts of training windows, default 1.
        max_epochs, mini_batch_size, initial_learn_rate, gradient_threshold,
            validation_patience: as in `TrainingOptions` (defaults 100, 32,
            0.005, 1.0, None).
        seed: seed for initialization, shuffling and dropout samples, default 0.
        verbose: Keras verbosity, default 0.
        backend: `StreamingPredictor` backend, default "tensorflow".

    Attributes:
        model_: the trained network (data units in, next values out).
        num_features_: value columns per step. num_series_: series in the state.
        history_: the training history.

    Example:
        >>> forecaster = Forecaster(units=32, window=48).fit(train)  # state: after `train`
        >>> forecaster.forecast(12)                 # (1, 12, 1), closed loop
        >>> forecaster.predict_and_update_state(new_values)  # read new data, next step
    """

    def __init__(
        self,
        architecture="lstm",
        *,
        units=64,
        dropout=0.0,
        transform="none",
        window=None,
        stride=1,
        max_epochs=100,
        mini_batch_size=32,
        initial_learn_rate=0.005,
        gradient_threshold=1.0,
        validation_patience=None,
        seed=0,
        verbose=0,
        backend="tensorflow",
    ):
        self.architecture = architecture
        self.units = units
        self.dropout = dropout
        self.transform = transform
        self.window = window
        self.stride = stride
        self.max_epochs = max_epochs
        self.mini_batch_size = mini_batch_size
        self.initial_learn_rate = initial_learn_rate
        self.gradient_threshold = gradient_threshold
        self.validation_patience = validation_patience
        self.seed = seed
        self.verbose = verbose
        self.backend = backend

    # -- fitting ---------------------------------------------------------------------------
    def fit(self, series, validation_series=None):
        """Train on one or more series; the state then holds everything given.

        Args:
            series: `(T,)` or `(T, F)` array, or a list of them (independent
                series with the same columns).
            validation_series: optional values that follow each series (same
                form), for early stopping; the state reads them too.

        Returns:
            The fitted forecaster, its state after the last given value.

        Raises:
            ValueError: for NaN, series shorter than `window + 1`, non-positive
                values with a "log" transform, negative ones with a "sqrt"
                transform, or bad settings.
        """
        check_choice("transform", self.transform, TRANSFORMS)
        for name in ("stride", "mini_batch_size", "max_epochs", "window"):
            value = getattr(self, name)
            if name == "window" and value is None:
                continue
            if not isinstance(value, Integral) or value < 1:
                raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")
        train = _as_series_list(series, "series")
        num_features = train[0].shape[1]
        val = None
        if validation_series is not None:
            val = _as_series_list(validation_series, "validation_series", num_features)
            if len(val) != len(train):
                raise ValueError(
                    f"`validation_series` must continue each of the {len(train)} series. "
                    f"Received: {len(val)} series"
                )
        least = (self.window or 1) + 1
        for i, s in enumerate(train):
            if len(s) < least:
                raise ValueError(
                    f"`series[{i}]` has {len(s)} steps, fewer than window + 1 = {least}. "
                    f"Received: window={self.window}"
                )
            self._check_positive(s, f"series[{i}]")
        offset, scale = feature_statistics(np.concatenate([self._targets(s) for s in train]))
        keras.utils.set_random_seed(self.seed)
        model = build_network(
            self.architecture,
            num_features=num_features,
            offset=offset,
            scale=scale,
            units=self.units,
            dropout=self.dropout,
            transform=self.transform,
        )
        x, y = self._pairs(train, offset, scale)
        validation = None
        if val is not None:
            joined = [np.concatenate([s, v]) for s, v in zip(train, val)]
            validation = self._pairs(joined, offset, scale, first_end=[len(s) for s in train])
        core = keras.Model(model.input, model.get_layer("head").output)
        options = training.TrainingOptions(
            initial_learn_rate=self.initial_learn_rate,
            max_epochs=self.max_epochs,
            mini_batch_size=self.mini_batch_size,
            gradient_threshold=self.gradient_threshold,
            shuffle="every-epoch",
            validation_data=validation,
            validation_patience=self.validation_patience if validation else None,
            sequence_padding_value=PADDING_VALUE,
            seed=self.seed,
            verbose=self.verbose,
        )
        self.history_ = training.train(core, x, y, options).history
        self._attach(model, len(train))
        history = train if val is None else [np.concatenate(p) for p in zip(train, val)]
        self._advance(_left_pad(history))
        return self

    @classmethod
    def from_model(cls, model, *, backend="tensorflow", seed=0):
        """A fitted forecaster around a trained network from `build_network` (state empty)."""
        rates = [layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
        names = [layer.name for layer in model.layers]
        forecaster = cls(
            dropout=max(rates, default=0.0),
            transform=transform_name(
                next((p for p in ("log", "sqrt") if p in names), None), "difference" in names
            ),
            seed=seed,
            backend=backend,
        )
        forecaster.history_ = {}
        return forecaster._attach(model, 1)

    def _attach(self, model, num_series):
        self.model_ = model
        self.num_features_ = int(model.input_shape[-1])
        self._sampler = None
        self._streamer = None
        self.num_series_ = num_series
        return self.reset_state()

    def _targets(self, values):
        return next_targets(values, self.transform)

    def _to_values(self, outputs, inputs):
        """Next values from the network's outputs at steps whose inputs were `inputs`."""
        power, differenced = transform_parts(self.transform)
        if not differenced:
            return outputs
        if power == "log":
            return inputs * np.exp(outputs)
        if power == "sqrt":
            return np.square(np.maximum(np.sqrt(np.maximum(inputs, 0.0)) + outputs, 0.0))
        return inputs + outputs

    def _check_positive(self, values, name):
        power = transform_parts(self.transform)[0]
        if (power == "log" and np.min(values) <= 0) or (power == "sqrt" and np.min(values) < 0):
            need = "positive" if power == "log" else "non-negative"
            raise ValueError(
                f"transform={self.transform!r} needs {need} values; `{name}` has a minimum of "
                f"{float(np.min(values))}. Use transform='none'."
            )

    def _pairs(self, sequences, offset, scale, first_end=None):
        """Training pairs: windows of inputs and their standardized next values."""
        x, y = [], []
        for i, s in enumerate(sequences):
            z = (self._targets(s) - offset) / scale  # z[t]: standardized target of input t
            length = min(self.window or len(s) - 1, len(s) - 1)
            first = length if first_end is None else max(first_end[i], length)
            ends = np.arange(first, len(s), self.stride)  # step after each window
            if len(ends) == 0 or ends[-1] != len(s) - 1:
                ends = np.append(ends, len(s) - 1)
            for end in ends:
                x.append(s[end - length : end])
                y.append(z[end - length : end])
        return x, y

    # -- state -----------------------------------------------------------------------------
    def _check_fitted(self):
        if not hasattr(self, "model_"):
            raise RuntimeError(
                "This Forecaster is not fitted yet. Call `fit` with a training series before "
                "`predict_and_update_state`, `forecast` or `reset_state`."
            )

    def reset_state(self, num_series=None):
        """Forget every value read, as at the start of new series; returns self.

        Args:
            num_series: independent series the state tracks from now on;
                default the current count.
        """
        self._check_fitted()
        count = self.num_series_ if num_series is None else num_series
        if not isinstance(count, Integral) or count < 1:
            raise ValueError(f"`num_series` must be a positive integer. Received: {num_series!r}")
        if self._streamer is None or count != self._streamer.num_streams:
            self._streamer = StreamingPredictor(self.model_, int(count), backend=self.backend)
        self._streamer.reset()
        self.num_series_ = int(count)
        self._last = self._last_input = self._before_last = None
        return self

    @property
    def states(self) -> list[np.ndarray]:
        """A copy of the recurrent states, one `(num_series, size)` array per state tensor."""
        self._check_fitted()
        return self._streamer.states

    def predict_and_update_state(self, x):
        """Read observed values into the state; return the prediction of the next step.

        Args:
            x: `(num_series, T, F)` values, or `(T, F)` / `(T,)` for one series.

        Returns:
            `(num_series, F)`: the prediction of the step after `x`.

        Raises:
            ValueError: for NaN, or a series or feature count that differs
                from the state's.
        """
        self._check_fitted()
        batch = _as_batch(x, "x", self.num_features_)
        if len(batch) != self.num_series_:
            raise ValueError(
                f"`x` holds {len(batch)} series but the state tracks {self.num_series_}; "
                f"call reset_state(num_series={len(batch)}) first. Received: shape {batch.shape}"
            )
        self._check_positive(batch, "x")
        return self._advance(batch)

    def _advance(self, batch):
        """Step the state through `(num_series, T, F)` values (padding steps allowed)."""
        for t in range(batch.shape[1]):
            if t == batch.shape[1] - 1:
                self._before_last = self._streamer.states
            output = self._streamer.step(batch[:, t])
        self._last_input = batch[:, -1]
        self._last = self._to_values(output, self._last_input)
        return self._last.copy()

    # -- forecasting -----------------------------------------------------------------------
    def forecast(self, horizon, mode="closed", observed=None, *, num_samples=None):
        """Forecast the next `horizon` steps of every series; the state is left as it was.

        Args:
            horizon: steps to forecast, a positive integer.
            mode: "closed" (default): each prediction is fed back as the next
                input; "open": the observed value is fed instead.
            observed: open loop only: `(num_series, >= horizon - 1, F)`
                values (or `(T, F)` / `(T,)` for one series) that follow the
                state's last value.
            num_samples: with dropout, draw this many Monte Carlo dropout
                forecasts (dropout on from the last value read); default None.

        Returns:
            `(num_series, horizon, F)`, or `(num_samples, num_series, horizon, F)`.

        Raises:
            ValueError: for `horizon <= 0`, a state that has read nothing,
                missing observed values, or samples without dropout.
        """
        self._check_fitted()
        if not isinstance(horizon, Integral) or isinstance(horizon, bool) or horizon < 1:
            raise ValueError(f"`horizon` must be a positive integer. Received: horizon={horizon!r}")
        check_choice("mode", mode, MODES)
        if self._last is None:
            raise ValueError(
                "The state has read no values yet: call `predict_and_update_state` with the "
                "observed history first."
            )
        feed = self._observed(observed, horizon) if mode == "open" else None
        if mode == "closed" and observed is not None:
            raise ValueError("`observed` is read in open loop only. Received: mode='closed'")
        if num_samples is not None:
            return self._sample(horizon, feed, num_samples)
        saved = self._streamer.states
        outputs = [self._last]
        for h in range(1, horizon):
            x = outputs[-1] if feed is None else feed[:, h - 1]
            outputs.append(self._to_values(self._streamer.step(x), x))
        self._streamer.set_states(saved)
        return np.stack(outputs, axis=1)

    def forecast_interval(self, horizon, coverage=0.9, num_samples=100, **kwargs):
        """Median and central `coverage` interval of Monte Carlo dropout forecasts.

        Returns:
            `(median, lower, upper)`, each `(num_series, horizon, F)`.
        """
        if not 0 < coverage < 1:
            raise ValueError(f"`coverage` must be in (0, 1). Received: coverage={coverage!r}")
        samples = self.forecast(horizon, num_samples=num_samples, **kwargs)
        tail = (1 - coverage) / 2
        return tuple(np.quantile(samples, q, axis=0) for q in (0.5, tail, 1 - tail))

    def _observed(self, observed, horizon):
        if observed is None:
            raise ValueError("Open loop needs the `observed` values that follow the state.")
        values = _as_batch(observed, "observed", self.num_features_)
        if values.shape[0] != self.num_series_ or values.shape[1] < horizon - 1:
            raise ValueError(
                f"Open loop over {horizon} steps needs `observed` of shape ({self.num_series_}, "
                f">= {horizon - 1}, {self.num_features_}). Received: shape {values.shape}"
            )
        return values

    def _sample(self, horizon, feed, num_samples):
        if not isinstance(num_samples, Integral) or num_samples < 1:
            raise ValueError(f"`num_samples` must be a positive integer. Received: {num_samples!r}")
        if not any(isinstance(layer, keras.layers.Dropout) for layer in self.model_.layers):
            raise ValueError(
                "Monte Carlo dropout samples need a network with dropout. "
                f"Received: dropout={self.dropout}"
            )
        streams = num_samples * self.num_series_
        if self._sampler is None or self._sampler.num_streams != streams:
            twin = sampling_twin(self.model_, self.seed)
            self._sampler = StreamingPredictor(twin, streams, backend="tensorflow")
        self._sampler.set_states([np.tile(s, (num_samples, 1)) for s in self._before_last])
        x = np.tile(self._last_input, (num_samples, 1))
        outputs = []
        for h in range(horizon):
            outputs.append(self._to_values(self._sampler.step(x), x))
            if h < horizon - 1:
                x = outputs[-1] if feed is None else np.tile(feed[:, h], (num_samples, 1))
        shape = (num_samples, self.num_series_, horizon, self.num_features_)
        return np.stack(outputs, axis=1).reshape(shape)


def rolling_forecasts(forecaster, series, origins, horizon, *, num_samples=None):
    """Closed-loop forecasts from several origins of one series, in one pass.

    Origin `o` forecasts steps `o, ..., o + horizon - 1` from `series[:o]`.
    Each origin is one stream of a copy of the forecaster (the one passed in
    keeps its state); the histories are left-padded with `PADDING_VALUE`,
    steps the state skips, so that every stream reaches its origin together.

    Returns:
        `(len(origins), horizon, F)`, or `(num_samples, len(origins), horizon, F)`.
    """
    forecaster._check_fitted()
    (values,) = _as_series_list([series], "series", forecaster.num_features_)
    origins = np.asarray(origins)
    if origins.ndim != 1 or len(origins) == 0 or origins.min() < 1 or origins.max() > len(values):
        raise ValueError(
            f"`origins` must be steps in [1, {len(values)}]. Received: origins={origins.tolist()}"
        )
    copy = Forecaster.from_model(
        forecaster.model_, backend=forecaster.backend, seed=forecaster.seed
    )
    copy.reset_state(num_series=len(origins))
    copy._advance(_left_pad([values[:o] for o in origins]))
    return copy.forecast(horizon, num_samples=num_samples)


def _left_pad(sequences) -> np.ndarray:
    length = max(len(s) for s in sequences)
    out = np.full((len(sequences), length, sequences[0].shape[1]), PADDING_VALUE, "float32")
    for i, s in enumerate(sequences):
        out[i, length - len(s) :] = s
    return out


def mase_scale(train, season_length) -> np.ndarray:
    """Per-column MASE denominator: the in-sample seasonal naive MAE of `train` `(T, F)`."""
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
