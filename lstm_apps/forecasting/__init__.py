"""Open- and closed-loop forecasting with recurrent networks.

`forecaster` holds the `Forecaster` (fit, forecast, rolling origins) and its
metrics; `network` the forecasting network with its in-model transforms.
"""

from lstm_apps.forecasting.forecaster import (
    MODES,
    Forecaster,
    horizon_metrics,
    mase_scale,
    rolling_forecasts,
)
from lstm_apps.forecasting.network import (
    AUTO_TRANSFORMS,
    CAUSAL_ARCHITECTURES,
    TRANSFORMS,
    build_network,
    next_targets,
)

__all__ = [
    "AUTO_TRANSFORMS",
    "CAUSAL_ARCHITECTURES",
    "MODES",
    "TRANSFORMS",
    "Forecaster",
    "build_network",
    "horizon_metrics",
    "mase_scale",
    "next_targets",
    "rolling_forecasts",
]
