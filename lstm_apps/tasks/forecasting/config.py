"""Settings of the forecasting case study: its `Config`, `NAME` and `DESCRIPTION`.

Apart from `study.py`, and free of Keras, so that `lstm-apps list` and the
checks of `lstm-apps run forecasting --set FIELD=VALUE` run before TensorFlow is
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

# series -> (season length, default fill, default transform, ETS season)
SERIES = {
    "sunspots": (11, "error", ("sqrt", "sqrt_difference"), "add"),
    "co2": (52, "interpolate", "difference", "add"),
    "airline": (12, "error", "auto", "mul"),
}
FILLS = ("interpolate", "ffill", "error")


NAME = "forecasting"
DESCRIPTION = "Forecasting sunspots, CO2 and airline passengers: stateful LSTM, closed/open loop"


@dataclass(frozen=True)
class Config(CaseStudyConfig):
    """Settings of the forecasting case study (defaults: the full run on `airline`)."""

    # data
    series: str | None = None  # built-in series: "sunspots", "co2" or "airline"; None: "airline"
    # (a run with `data` records None: it read the CSV)
    data: str | None = None  # CSV with a time column and value columns (replaces `series`)
    target: str | tuple | None = None  # CSV value column(s); None: every column but the time
    time_column: str | None = None  # CSV time column, rows sorted by it; None: the first column
    season_length: int | None = None  # steps per season, 1 for none; None: the series' own, or
    # inferred (from the dates when the data bear them out, else from the autocorrelation)
    fill: str | None = None  # NaN: "interpolate", "ffill", "error"; None: the series' default
    validation_fraction: float = 0.15  # share of steps in the validation part
    test_fraction: float = 0.2  # share of steps in the final test part
    # model
    architecture: str = "lstm"  # "lstm", "gru", "simple_rnn", "lstm_projected" (no look-ahead)
    units: int | tuple = 64  # recurrent width, or a tuple for a stack
    dropout: float = 0.0  # dropout after each recurrent layer (also gives MC intervals)
    transform: str | tuple | None = None  # TRANSFORMS name, a tuple of them or "auto" (chosen
    # on validation); None: the series' default
    # training
    window: int | None = None  # steps per training sequence; None: 4 seasons
    stride: int | None = None  # steps between training windows; None: a twelfth of a season
    refit: bool = True  # after choosing on validation, train again on train + validation
    training: TrainingConfig = TrainingConfig(  # the fit of every network: see
        initial_learn_rate=0.005, max_epochs=200, mini_batch_size=32, gradient_threshold=1.0,
        shuffle="every-epoch", validation_patience=20, seed=0, verbose=0,
    )  # fmt: skip
    # `lstm_apps.training.TrainingConfig`
    # evaluation
    horizon: int | None = None  # steps forecast from each origin; None: the season length
    num_origins: int = 20  # rolling forecast origins, evenly spread over the test part
    num_samples: int = 200  # Monte Carlo dropout samples for the plotted interval
    ets: bool = True  # also score the ETS baseline (seasonal only for a seasonal series; one that
    # cannot be fitted is skipped with a warning before training)

    FAST: ClassVar[dict] = dict(
        units=8, num_origins=3, transform="difference", num_samples=20, refit=False,
        training=dict(max_epochs=3),
    )  # fmt: skip

    def __post_init__(self):
        if self.series is not None:
            check_choice("series", self.series, tuple(SERIES))
        if self.fill is not None:
            check_choice("fill", self.fill, FILLS)
        if isinstance(self.transform, (tuple, list)):
            if not self.transform:
                raise ValueError("`transform` must not be an empty tuple. Received: transform=()")
            for name in self.transform:
                check_choice("transform", name, TRANSFORMS)
        elif self.transform is not None:
            check_choice("transform", self.transform, TRANSFORMS + ("auto",))
        check_choice("architecture", self.architecture, CAUSAL_ARCHITECTURES)
        for name in ("season_length", "horizon", "window", "stride"):
            check_positive(name, getattr(self, name), allow_none=True)
        check_positive("num_origins", self.num_origins)
        check_positive("num_samples", self.num_samples)
        for name in ("validation_fraction", "test_fraction"):
            check_range(name, getattr(self, name), 0, 0.5, closed=(False, False))

    def resolved(self, name):
        """`season_length`, `fill` or `transform`, with the series' default where None."""
        value = getattr(self, name)
        if value is not None:
            return value
        if self.data is not None:  # a CSV; its season length is inferred in load_data
            return {"fill": "error", "transform": "none", "season_length": None}[name]
        season, fill, transform, _ = SERIES[self.series or "airline"]
        return {"season_length": season, "fill": fill, "transform": transform}[name]


# `lstm-apps tune forecasting`
TUNING = TuningSpec(
    metric="val_loss",
    direction="minimize",
    space=REGRESSION_SPACE,
    trial_only={"refit": False},  # a trial scores its validation curve
    cv_refused="a series is time-ordered, and folds would train on the future",
)
