"""Classical forecasts to compare a network with: naive, seasonal naive, ETS and ARIMA.

Every baseline works like a fitted statistical model: `fit(train)` learns
its parameters (and, for ETS and ARIMA, chooses its form by AIC) on a
`(T, F)` training part, one model per value column, and `refit(longer)`
returns a copy fitted again, in the same form, on more data; then, with
the parameters fixed,

- `forecasts(values, origins, horizon)` reads the history up to each origin
  and forecasts `horizon` steps: `(len(origins), horizon, F)`, like
  `lstm_apps.forecasting.rolling_forecasts`;
- `one_step(values, start)` gives the one-step-ahead forecast of every step
  from `start` on, each from the values before it: `(T - start, F)`.

The models:

- naive: every step repeats the last observed value;
- seasonal naive: every step repeats the value one season earlier;
- ETS: statsmodels `ETSModel`, additive errors; by default the trend (none
  or damped additive) and, for a seasonal series, the season (additive, or
  multiplicative for a positive series) are chosen by AIC; a season of more
  than `MAX_ETS_SEASON` steps is refused (as many states to estimate);
- ARIMA: statsmodels `ARIMA`; the differencing is chosen by a KPSS test, the
  orders p, q in 0-2 by AIC; a seasonal series with a season of at most
  `MAX_SARIMA_SEASON` steps (and at most `MAX_SARIMA_WORK` training steps
  times season, where it stays quick) gets a seasonal difference and a
  seasonal MA term, (0, 1, 1) per season (the "airline model" form).

`make_baseline(name, season_length)` builds one by name; `fit_baselines`
fits several and says why any could not be fitted.
"""

from __future__ import annotations

import itertools
import time
import warnings

import numpy as np

BASELINES = ("naive", "seasonal_naive", "ets", "arima")
MAX_SARIMA_SEASON = 24  # a seasonal ARIMA's state grows with the season: above this, none
MAX_SARIMA_WORK = 20_000  # training steps x season above which the seasonal ARIMA is left out
MAX_ETS_SEASON = 104  # a seasonal ETS estimates a state per step of the season: above, skipped


def _as_2d(values) -> np.ndarray:
    values = np.asarray(values, dtype="float64")
    return values[:, None] if values.ndim == 1 else values


class Naive:
    """Every forecast step repeats the last observed value."""

    name = "naive"

    def fit(self, train):
        """Nothing to learn; returns self."""
        self.spec_ = "last value"
        return self

    def refit(self, train):
        """A copy fitted on `train` in the form `fit` chose (here: the same model)."""
        return type(self)().fit(train)

    def forecasts(self, values, origins, horizon) -> np.ndarray:
        values = _as_2d(values)
        return np.stack([np.repeat(values[o - 1 : o], horizon, axis=0) for o in origins])

    def one_step(self, values, start) -> np.ndarray:
        values = _as_2d(values)
        return values[start - 1 : -1].copy()


class SeasonalNaive:
    """Step `o + h` repeats the value of the same season in the last season before `o`."""

    name = "seasonal_naive"

    def __init__(self, season_length):
        self.season_length = int(season_length)

    def fit(self, train):
        """Refuse a non-seasonal series or one shorter than a season; returns self."""
        if self.season_length < 2:
            raise ValueError("the series is not seasonal (season length 1): it is the naive one")
        if len(train) <= self.season_length:
            raise ValueError(
                f"the training part ({len(train)} steps) is not longer than a season "
                f"({self.season_length} steps)"
            )
        self.spec_ = f"value one season ({self.season_length} steps) earlier"
        return self

    def refit(self, train):
        """A copy fitted on `train` (the same model)."""
        return type(self)(self.season_length).fit(train)

    def forecasts(self, values, origins, horizon) -> np.ndarray:
        values, steps = _as_2d(values), np.arange(horizon)
        back = self.season_length * (steps // self.season_length + 1)
        return np.stack([values[o + steps - back] for o in origins])

    def one_step(self, values, start) -> np.ndarray:
        values = _as_2d(values)
        return values[start - self.season_length : len(values) - self.season_length].copy()


class _PerColumn:
    """A statsmodels model per value column, with fixed parameters after `fit`."""

    def forecasts(self, values, origins, horizon) -> np.ndarray:
        values = _as_2d(values)
        out = np.empty((len(origins), horizon, values.shape[1]))
        for f in range(values.shape[1]):
            results = self._apply(f, values[:, f])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for k, o in enumerate(origins):
                    out[k, :, f] = results.predict(start=o, end=o + horizon - 1, dynamic=0)
        return out

    def one_step(self, values, start) -> np.ndarray:
        values = _as_2d(values)
        out = np.empty((len(values) - start, values.shape[1]))
        for f in range(values.shape[1]):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                results = self._apply(f, values[:, f])
                out[:, f] = results.predict(start=start, end=len(values) - 1)
        return out


class ETS(_PerColumn):
    """statsmodels `ETSModel` with additive errors, its form chosen by AIC.

    Args:
        season_length: steps per season; 1 for a non-seasonal model.
        trend: "add" (damped additive), None (no trend) or "auto" (default:
            the lower AIC of the two).
        seasonal: "add", "mul" (a column that is not positive falls back to
            "add"), None, or "auto" (default: the lower AIC of "add" and, for
            a positive column, "mul"); always None when `season_length` is 1.
    """

    name = "ets"

    def __init__(self, season_length, *, trend="auto", seasonal="auto"):
        self.season_length = int(season_length)
        self.trend = trend
        self.seasonal = seasonal

    def _specs(self, column):
        trends = [None, "add"] if self.trend == "auto" else [self.trend]
        seasonal = self.seasonal if self.season_length > 1 else None
        if seasonal == "auto":
            seasonals = ["add", "mul"] if column.min() > 0 else ["add"]
        else:
            seasonals = ["add" if seasonal == "mul" and column.min() <= 0 else seasonal]
        for trend, season in itertools.product(trends, seasonals):
            spec = dict(error="add", trend=trend, damped_trend=trend is not None, seasonal=season)
            if season is not None:
                spec["seasonal_periods"] = self.season_length
            yield spec

    def fit(self, train):
        """Fit every column's candidate forms on `train` and keep each column's lowest AIC.

        Raises:
            ValueError: for a seasonal model on fewer than two full seasons,
                or a fit that statsmodels refuses (its message is kept).
        """
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        train = _as_2d(train)
        seasonal = self.season_length > 1 and self.seasonal is not None
        if seasonal and self.season_length > MAX_ETS_SEASON:
            raise ValueError(
                f"a seasonal ETS of {self.season_length} steps per season would estimate as many "
                f"seasonal states; above {MAX_ETS_SEASON} it is left out"
            )
        if seasonal and len(train) < 2 * self.season_length:
            raise ValueError(
                f"a seasonal ETS needs two full seasons ({2 * self.season_length} steps); the "
                f"training part has {len(train)}"
            )
        self.fitted_ = []
        for f in range(train.shape[1]):
            best = None
            for spec in self._specs(train[:, f]):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # convergence chatter of the optimizer
                    result = ETSModel(train[:, f], **spec).fit(disp=False)
                if not np.isfinite(result.aic):
                    continue
                if best is None or result.aic < best[1].aic:
                    best = (spec, result)
            if best is None:
                raise ValueError(f"no ETS form could be fitted to column {f} (AIC not finite)")
            self.fitted_.append((best[0], best[1].params))
        self.spec_ = "; ".join(_ets_name(spec) for spec, _ in self.fitted_)
        return self

    def refit(self, train):
        """A copy whose parameters are fitted on `train`, each column in the form `fit` chose."""
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        train = _as_2d(train)
        copy = ETS(self.season_length, trend=self.trend, seasonal=self.seasonal)
        copy.fitted_ = []
        for f, (spec, _) in enumerate(self.fitted_):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                copy.fitted_.append((spec, ETSModel(train[:, f], **spec).fit(disp=False).params))
        copy.spec_ = self.spec_
        return copy

    def _apply(self, f, column):
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        spec, params = self.fitted_[f]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ETSModel(column, **spec).smooth(params)


def _ets_name(spec) -> str:
    trend = "Ad" if spec["trend"] else "N"
    season = {None: "N", "add": "A", "mul": "M"}[spec["seasonal"]]
    return f"ETS(A,{trend},{season})"


class ARIMA(_PerColumn):
    """statsmodels `ARIMA`, differencing by a KPSS test and orders p, q in 0-2 by AIC.

    A seasonal series (season 2 to `MAX_SARIMA_SEASON` steps) gets the
    seasonal part (0, 1, 1) per season; a longer season is left to the
    non-seasonal terms (a seasonal ARIMA's state would grow with it).

    Args:
        season_length: steps per season; 1 for a non-seasonal model.
        max_order: the largest p and q tried, default 2.
    """

    name = "arima"

    def __init__(self, season_length, *, max_order=2):
        self.season_length = int(season_length)
        self.max_order = int(max_order)

    def _differences(self, column) -> int:
        from statsmodels.tsa.stattools import kpss

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # p-value outside the table's range
            if len(column) < 8 or np.ptp(column) == 0:
                return 0
            return int(kpss(column, regression="c", nlags="auto")[1] < 0.05)

    def fit(self, train):
        """Search the orders on each column of `train` by AIC.

        Raises:
            ValueError: when no order can be fitted (statsmodels' message kept).
        """
        from statsmodels.tsa.arima.model import ARIMA as Model

        train = _as_2d(train)
        seasonal = 2 <= self.season_length <= MAX_SARIMA_SEASON
        if len(train) < 3 * self.season_length or len(train) * self.season_length > (
            MAX_SARIMA_WORK
        ):
            seasonal = False  # too few seasons for a seasonal difference and MA, or too slow
        self.fitted_ = []
        for f in range(train.shape[1]):
            column = train[:, f]
            start = column[self.season_length :] - column[: -self.season_length]
            d = self._differences(start if seasonal else column)
            order_d = d + int(seasonal)
            trend = "c" if order_d == 0 else "t" if order_d == 1 else "n"
            season = (0, 1, 1, self.season_length) if seasonal else (0, 0, 0, 0)
            best, errors = None, []
            orders = range(self.max_order + 1)
            for p, q in itertools.product(orders, orders):
                spec = dict(order=(p, d, q), seasonal_order=season, trend=trend)
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        result = Model(column, **spec).fit()
                except (ValueError, np.linalg.LinAlgError) as error:
                    errors.append(str(error).splitlines()[0])
                    continue
                if np.isfinite(result.aic) and (best is None or result.aic < best[1].aic):
                    best = (spec, result)
            if best is None:
                reason = errors[0] if errors else "no finite AIC"
                raise ValueError(f"no ARIMA order could be fitted to column {f}: {reason}")
            self.fitted_.append(best)
        self.spec_ = "; ".join(_arima_name(spec) for spec, _ in self.fitted_)
        return self

    def refit(self, train):
        """A copy fitted again on `train`, each column with the orders `fit` chose."""
        from statsmodels.tsa.arima.model import ARIMA as Model

        train = _as_2d(train)
        copy = ARIMA(self.season_length, max_order=self.max_order)
        copy.fitted_ = []
        for f, (spec, _) in enumerate(self.fitted_):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                copy.fitted_.append((spec, Model(train[:, f], **spec).fit()))
        copy.spec_ = self.spec_
        return copy

    def _apply(self, f, column):
        return self.fitted_[f][1].apply(column)


def _arima_name(spec) -> str:
    p, d, q = spec["order"]
    text = f"ARIMA({p},{d},{q})"
    if spec["seasonal_order"][3]:
        text += "(0,1,1)[{}]".format(spec["seasonal_order"][3])
    return text + {"c": " with mean", "t": " with drift", "n": ""}[spec["trend"]]


def make_baseline(name, season_length, **options):
    """A baseline by name: "naive", "seasonal_naive", "ets" or "arima"."""
    if name == "naive":
        return Naive()
    if name == "seasonal_naive":
        return SeasonalNaive(season_length)
    if name == "ets":
        return ETS(season_length, **options)
    if name == "arima":
        return ARIMA(season_length, **options)
    raise ValueError(f"Unknown baseline. Expected one of {BASELINES}. Received: name={name!r}")


def fit_baselines(names, train, season_length) -> tuple[dict, dict, dict]:
    """Fit each named baseline on `train` `(T, F)`.

    Returns:
        `(fitted, seconds, skipped)`: name -> fitted baseline, name -> fit
        seconds, and name -> the reason a baseline could not be fitted (a
        non-seasonal series has no seasonal naive; a fit statsmodels refuses
        keeps its message).
    """
    fitted, seconds, skipped = {}, {}, {}
    for name in names:
        start = time.perf_counter()
        try:
            fitted[name] = make_baseline(name, season_length).fit(train)
        except Exception as error:  # noqa: BLE001 (any failure of a fit skips that baseline)
            text = str(error).splitlines()[0] if str(error) else ""
            skipped[name] = text or type(error).__name__
        seconds[name] = time.perf_counter() - start
    return fitted, seconds, skipped
