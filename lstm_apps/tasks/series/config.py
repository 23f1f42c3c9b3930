"""Settings of the series case study: its `Config`, `NAME` and `DESCRIPTION`.

Apart from `study.py`, and free of Keras, so that `lstm-apps list` and the
checks of `lstm-apps run series --set FIELD=VALUE` run before TensorFlow is
imported. `study.py` re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from lstm_apps.checks import check_choice, check_positive, check_range
from lstm_apps.models.choices import CAUSAL_ARCHITECTURES, TRANSFORMS
from lstm_apps.tasks.base import CaseStudyConfig
from lstm_apps.training.options import TrainingConfig
from lstm_apps.tuning.space import REGRESSION_SPACE, TuningSpec

NAME = "series"
DESCRIPTION = (
    "Your own series: a forecasting LSTM against naive, seasonal naive, ETS and ARIMA, "
    "season inferred"
)
BUILTIN = ("airline", "sunspots", "co2", "nile")  # the series that ship with statsmodels/aeon
DEFAULT_SERIES = "airline"
BASELINES = ("naive", "seasonal_naive", "ets", "arima")
FILLS = ("interpolate", "ffill", "error")


@dataclass(frozen=True)
class Config(CaseStudyConfig):
    """Settings of the series case study (defaults: the full run, on `airline`)."""

    # data
    data: str | None = None  # a CSV (a time column, value columns) or a built-in series:
    # "airline", "sunspots", "co2", "nile"; None: "airline" (a run records what it read)
    target: str | tuple | None = None  # CSV value column(s); None: every column but the time
    time_column: str | None = None  # CSV time column, rows sorted by it; None: the first column
    season_length: int | None = None  # steps per season, 1 for none; None: inferred (from the
    # dates when the training part bears that period out, else from its autocorrelation)
    fill: str | None = None  # NaN: "interpolate", "ffill", "error"; None: "interpolate" for co2,
    # "error" otherwise
    validation_fraction: float = 0.15  # share of steps in the validation part
    test_fraction: float = 0.2  # share of steps in the final test part
    # model
    architecture: str = "lstm"  # "lstm", "gru", "simple_rnn", "lstm_projected" (no look-ahead)
    units: int | tuple = 64  # recurrent width, or a tuple for a stack
    dropout: float = 0.0  # dropout after each recurrent layer (also gives MC intervals)
    transform: str | tuple = "auto"  # TRANSFORMS name, a tuple of them, or "auto": chosen on
    # validation among none, difference and, for a positive series whose training part spans a
    # factor of 1.5 or more, log and log_difference (sqrt and sqrt_difference with zeros)
    # training
    window: int | None = None  # steps per training window; None: 4 seasons, 48 to 400 steps,
    # at most the training part
    stride: int | None = None  # steps between training windows; None: a twelfth of a season or
    # a fiftieth of the window, at least 1
    refit: bool = False  # after choosing on validation, train again from scratch on train +
    # validation for the best epoch count (a fit nothing validates; off: the kept network is the
    # validated one, whose state still reads the validation part before forecasting)
    training: TrainingConfig = TrainingConfig(  # the fit of every network; max_epochs,
        initial_learn_rate=0.005, max_epochs=200, mini_batch_size=32, gradient_threshold=1.0,
        shuffle="every-epoch", validation_patience=20, seed=0, verbose=0,
    )  # fmt: skip
    # mini_batch_size and validation_patience left at these defaults are sized from the number
    # of training windows (`lstm_apps.training.adaptive`)
    # evaluation
    horizon: int | None = None  # steps forecast from each origin; None: the season length, or
    # 6 steps for a series without a season (at most the validation and test parts)
    num_origins: int = 20  # rolling forecast origins for the horizons beyond one step
    baselines: tuple = BASELINES  # baselines fitted in the same run, before the network: any of
    # "naive", "seasonal_naive" (seasonal series only), "ets", "arima"
    num_resamples: int = 1000  # bootstrap resamples of the test steps for the intervals
    num_samples: int = 200  # Monte Carlo dropout samples for the plotted interval

    FAST: ClassVar[dict] = dict(
        units=8, num_origins=3, transform="difference", num_samples=20,
        baselines=("naive", "seasonal_naive", "ets"), num_resamples=200,
        training=dict(max_epochs=3),
    )  # fmt: skip

    def __post_init__(self):
        if self.data is not None and (not isinstance(self.data, str) or not self.data.strip()):
            raise ValueError(
                f"`data` must be a CSV path or one of {BUILTIN}. Received: data={self.data!r}"
            )
        if self.fill is not None:
            check_choice("fill", self.fill, FILLS)
        if isinstance(self.transform, (tuple, list)):
            if not self.transform:
                raise ValueError("`transform` must not be an empty tuple. Received: transform=()")
            for name in self.transform:
                check_choice("transform", name, TRANSFORMS)
        else:
            check_choice("transform", self.transform, TRANSFORMS + ("auto",))
        check_choice("architecture", self.architecture, CAUSAL_ARCHITECTURES)
        if not isinstance(self.baselines, (tuple, list)):
            raise TypeError(
                f"`baselines` must be a tuple of names among {BASELINES}. "
                f"Received: baselines={self.baselines!r}"
            )
        for name in self.baselines:
            check_choice("baselines", name, BASELINES)
        for name in ("season_length", "horizon", "window", "stride"):
            check_positive(name, getattr(self, name), allow_none=True)
        for name in ("num_origins", "num_resamples", "num_samples"):
            check_positive(name, getattr(self, name))
        for name in ("validation_fraction", "test_fraction"):
            check_range(name, getattr(self, name), 0, 0.5, closed=(False, False))


# `lstm-apps tune series`
TUNING = TuningSpec(
    metric="val_loss",
    direction="minimize",
    space=REGRESSION_SPACE,
    trial_only={"baselines": (), "refit": False},  # a trial scores its network's curve
    cv_refused="a series is time-ordered, and folds would train on the future",
)
