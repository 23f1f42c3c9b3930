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

Backtests from many origins: `lstm_apps.forecasting.backtest`; their scores:
`lstm_apps.forecasting.metrics`.
"""

from __future__ import annotations

from numbers import Integral

import keras
import numpy as np

from lstm_apps import training
from lstm_apps.checks import check_choice, check_positive
from lstm_apps.data.sequences import feature_statistics
from lstm_apps.deploy.streaming import StreamingPredictor
from lstm_apps.forecasting.network import (
    PADDING_VALUE,
    TRANSFORMS,
    build_network,
    check_domain,
    next_targets,
    sampling_twin,
    to_values,
    transform_name,
)
from lstm_apps.forecasting.settings import DEFAULT_TRAINING, training_settings
from lstm_apps.forecasting.stopping import StepValidation
from lstm_apps.forecasting.windows import as_batch, as_series_list, left_pad, training_pairs
from lstm_apps.models.size import activation_floats, check_samples

MODES = ("closed", "open")


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
        training: the fit, a `lstm_apps.training.TrainingConfig` (start from
            `DEFAULT_TRAINING.replace(...)` to keep the other defaults); default
            `DEFAULT_TRAINING` (Adam at 0.005, 100 epochs, mini-batches of 32,
            gradients clipped at 1, shuffled every epoch, seed 0, silent).
            `validation_patience` applies when `fit` gets validation series;
            `seed` also seeds the initialization and the dropout samples.
            The padding value is always the network's own (`PADDING_VALUE`).
        validate_on: what early stopping watches when `fit` gets validation
            series: "windows" (default), the loss of training windows that
            end in the validation part (and start before it), or "steps", the
            loss of the validation steps alone (`StepValidation`), better for
            a short series.
        backend: `StreamingPredictor` backend, default "tensorflow".
        **deprecated: the training settings as keywords (`max_epochs=...`,
            `initial_learn_rate=...`, `seed=...`, ...), applied to `training`
            with a FutureWarning; pass `training=TrainingConfig(...)` instead.

    Attributes:
        model_: the trained network (data units in, next values out).
        num_features_: value columns per step. num_series_: series in the state.
        history_: the training history.

    Example:
        >>> forecaster = Forecaster(units=32, window=48).fit(train)  # state: after `train`
        >>> forecaster.forecast(12)                 # (1, 12, 1), closed loop
        >>> forecaster.predict_and_update_state(new_values)  # read new data, next step
        >>> Forecaster(training=DEFAULT_TRAINING.replace(max_epochs=20, seed=1)).fit(train)
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
        training=None,
        validate_on="windows",
        backend="tensorflow",
        **deprecated,
    ):
        training = training_settings(training, deprecated, stacklevel=3)
        self.architecture = architecture
        self.units = units
        self.dropout = dropout
        self.transform = transform
        self.window = window
        self.stride = stride
        self.training = training
        self.validate_on = validate_on
        self.backend = backend

    @property
    def seed(self):
        """The seed of the initialization and of the dropout samples (`training.seed`)."""
        return self.training.seed

    # -- fitting ---------------------------------------------------------------------------
    def fit(self, series, validation_series=None, *, callbacks=()):
        """Train on one or more series; the state then holds everything given.

        Args:
            series: `(T,)` or `(T, F)` array, or a list of them (independent
                series with the same columns).
            validation_series: optional values that follow each series (same
                form), for early stopping; the state reads them too.
            callbacks: extra Keras callbacks for the fit.

        Returns:
            The fitted forecaster, its state after the last given value.

        Raises:
            ValueError: for NaN, series shorter than `window + 1`, non-positive
                values with a "log" transform, negative ones with a "sqrt"
                transform, or bad settings.
        """
        check_choice("transform", self.transform, TRANSFORMS)
        check_choice("validate_on", self.validate_on, ("windows", "steps"))
        check_positive("stride", self.stride)
        check_positive("window", self.window, allow_none=True)
        train = as_series_list(series, "series")
        num_features = train[0].shape[1]
        val = None
        if validation_series is not None:
            val = as_series_list(validation_series, "validation_series", num_features)
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
            check_domain(s, self.transform, f"series[{i}]")
        targets = np.concatenate([next_targets(s, self.transform) for s in train])
        offset, scale = feature_statistics(targets)
        if self.seed is not None:
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
        pairs = dict(transform=self.transform, offset=offset, scale=scale)
        x, y = training_pairs(train, window=self.window, stride=self.stride, **pairs)
        validation, callbacks = None, list(callbacks)
        core = keras.Model(model.input, model.get_layer("head").output)
        if val is not None:
            joined = [np.concatenate([s, v]) for s, v in zip(train, val)]
            first_end = [len(s) for s in train]
            if self.validate_on == "steps":
                patience = self.training.validation_patience
                callbacks.append(StepValidation(core, joined, first_end, patience, **pairs))
            else:
                validation = training_pairs(
                    joined, window=self.window, stride=self.stride, first_end=first_end, **pairs
                )
        options = self.training.options(
            validation_data=validation,
            validation_patience=self.training.validation_patience if validation else None,
            sequence_padding_value=PADDING_VALUE,
        )
        self.history_ = training.train(core, x, y, options, callbacks=callbacks).history
        self._attach(model, len(train))
        history = train if val is None else [np.concatenate(p) for p in zip(train, val)]
        self._advance(left_pad(history))
        return self

    @classmethod
    def from_model(cls, model, *, backend="tensorflow", seed=0):
        """A fitted forecaster around a trained network from `build_network` (state empty).

        `seed` seeds its Monte Carlo dropout samples.
        """
        rates = [layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
        names = [layer.name for layer in model.layers]
        forecaster = cls(
            dropout=max(rates, default=0.0),
            transform=transform_name(
                next((p for p in ("log", "sqrt") if p in names), None), "difference" in names
            ),
            training=DEFAULT_TRAINING.replace(seed=seed),
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

    def _to_values(self, outputs, inputs):
        return to_values(outputs, inputs, self.transform)

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
        batch = as_batch(x, "x", self.num_features_)
        if len(batch) != self.num_series_:
            raise ValueError(
                f"`x` holds {len(batch)} series but the state tracks {self.num_series_}; "
                f"call reset_state(num_series={len(batch)}) first. Received: shape {batch.shape}"
            )
        check_domain(batch, self.transform, "x")
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
        values = as_batch(observed, "observed", self.num_features_)
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
        step_floats = activation_floats(self.model_, 1)
        check_samples(num_samples, self.num_series_, horizon, self.num_features_, step_floats)
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
