"""The baselines of the series study, fitted before the network is trained.

Each baseline (`lstm_apps.forecasting.baselines`) chooses its form and
parameters on the training part; its one-step-ahead forecasts of the
validation part give its validation MASE; it is then fitted again, in the
same form, on training + validation (all the data before the test part,
which the network's state reads too), for the test forecasts. A baseline
that cannot be fitted (a seasonal naive forecast of a series without a
season, an ETS with fewer than two seasons, a fit statsmodels refuses) is
skipped, with its reason logged as a warning at once, before any network
trains.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from lstm_apps.forecasting.baselines import fit_baselines
from lstm_apps.forecasting.metrics import mase

log = logging.getLogger(__name__)


@dataclass
class BaselineStage:
    """The fitted baselines of a run."""

    fitted: dict = field(default_factory=dict)  # name -> baseline fitted on train + validation
    validation: dict = field(default_factory=dict)  # name -> validation MASE at h = 1
    seconds: dict = field(default_factory=dict)  # name -> seconds of both fits
    skipped: dict = field(default_factory=dict)  # name -> why it could not be fitted
    forms: dict = field(default_factory=dict)  # name -> its form ("ETS(A,Ad,M)", ...)


def fit_stage(names, data, *, log_skipped=True) -> BaselineStage:
    """Fit the named baselines on a `ForecastSplits` (see the module docstring).

    Args:
        names: baseline names (`lstm_apps.forecasting.baselines.BASELINES`).
        data: the run's splits.
        log_skipped: log a warning for each skipped baseline.
    """
    values, n_train, end = data.values, data.num_train, data.fit_end
    fitted, seconds, skipped = fit_baselines(names, values[:n_train], data.season_length)
    stage = BaselineStage(seconds=seconds, skipped=skipped)
    for name, baseline in fitted.items():
        start = time.perf_counter()
        try:
            predicted = baseline.one_step(values[:end], n_train)
            stage.validation[name] = mase(values[n_train:end], predicted, data.mase_scale)
            stage.fitted[name] = baseline.refit(values[:end])
            stage.forms[name] = baseline.spec_
        except Exception as error:  # noqa: BLE001 (any failure of a fit skips that baseline)
            stage.validation.pop(name, None)
            stage.skipped[name] = str(error).splitlines()[0] if str(error) else repr(error)
        stage.seconds[name] += time.perf_counter() - start
    if log_skipped:
        for name, reason in stage.skipped.items():
            log.warning("Baseline %s skipped: %s.", name, reason)
    return stage
