"""Open- and closed-loop forecasting with recurrent networks.

Modules: `forecaster` (the `Forecaster`: fit, forecast, state), `settings`
(its default fit, `DEFAULT_TRAINING`), `backtest` (`rolling_forecasts` from
many origins, `one_step_forecasts` of every step, `forecast_pairs` for
`predict`), `metrics` (`mase_scale`, `mase`, `horizon_metrics`), `network`
(the forecasting network with its in-model transforms), `windows` (input
checks and training windows), and what the forecasting studies share:
`splits` (a series split in time order), `season` (the season length from
dates or autocorrelation), `baselines` (naive, seasonal naive, ETS, ARIMA)
and `selection` (the transform chosen on validation).
"""

from lstm_apps.forecasting.backtest import forecast_pairs, one_step_forecasts, rolling_forecasts
from lstm_apps.forecasting.forecaster import MODES, Forecaster
from lstm_apps.forecasting.metrics import horizon_metrics, mase, mase_scale
from lstm_apps.forecasting.network import (
    AUTO_TRANSFORMS,
    CAUSAL_ARCHITECTURES,
    TRANSFORMS,
    build_network,
    network_for_series,
    next_targets,
)
from lstm_apps.forecasting.settings import DEFAULT_TRAINING

__all__ = [
    "AUTO_TRANSFORMS",
    "CAUSAL_ARCHITECTURES",
    "DEFAULT_TRAINING",
    "MODES",
    "TRANSFORMS",
    "Forecaster",
    "build_network",
    "forecast_pairs",
    "horizon_metrics",
    "mase",
    "mase_scale",
    "network_for_series",
    "next_targets",
    "one_step_forecasts",
    "rolling_forecasts",
]
