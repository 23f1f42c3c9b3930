"""Open- and closed-loop forecasting with recurrent networks.

Modules: `forecaster` (the `Forecaster`: fit, forecast, state), `settings`
(its default fit, `DEFAULT_TRAINING`), `backtest` (`rolling_forecasts` from
many origins), `metrics` (`mase_scale`, `horizon_metrics`), `network` (the
forecasting network with its in-model transforms) and `windows` (input
checks and training windows).
"""

from lstm_apps.forecasting.backtest import rolling_forecasts
from lstm_apps.forecasting.forecaster import MODES, Forecaster
from lstm_apps.forecasting.metrics import horizon_metrics, mase_scale
from lstm_apps.forecasting.network import (
    AUTO_TRANSFORMS,
    CAUSAL_ARCHITECTURES,
    TRANSFORMS,
    build_network,
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
    "horizon_metrics",
    "mase_scale",
    "next_targets",
    "rolling_forecasts",
]
