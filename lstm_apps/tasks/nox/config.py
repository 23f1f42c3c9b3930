"""Settings of the gas-turbine NOx case study: its `Config`, `NAME` and `DESCRIPTION`.

Apart from `study.py`, and free of Keras, so that `lstm-apps list` and the
checks of `lstm-apps run nox --set FIELD=VALUE` run before TensorFlow is
imported. `study.py` re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from lstm_apps.checks import check_bool, check_choice, check_positive, check_range
from lstm_apps.data import gas_turbine as gt
from lstm_apps.models.choices import ARCHITECTURE_NAMES
from lstm_apps.tasks.base import CaseStudyConfig
from lstm_apps.training.options import TrainingConfig
from lstm_apps.tuning.space import REGRESSION_SPACE, TuningSpec

NAME = "nox"
DESCRIPTION = "NOx regression from gas-turbine sensor windows (UCI, 2011-2015), with drift"


@dataclass(frozen=True)
class Config(CaseStudyConfig):
    """Settings of the NOx case study (defaults: the full run)."""

    # data
    data_path: str | None = None  # folder of gt_YYYY.csv files, or a custom CSV
    time_column: str | None = None  # time-order column of a custom CSV
    features: tuple = gt.FEATURES  # input columns
    target: str = "NOX"  # target column
    train_years: tuple = (2011, 2012)  # years of the training block (UCI data)
    validation_years: tuple = (2013,)  # years of the validation block
    test_years: tuple = (2014, 2015)  # years of the test block
    validation_fraction: float = 0.2  # custom CSV: share of rows in the validation block
    test_fraction: float = 0.2  # custom CSV: share of rows in the (final) test block
    nan_policy: str = "error"  # missing values: "error", "drop" or "interpolate"
    # model
    architecture: str = "lstm"  # any name in lstm_apps.models.ARCHITECTURES
    units: int | tuple = 64  # recurrent width, or a tuple for a stack
    dropout: float = 0.0  # dropout after each recurrent layer
    linear_path: bool = False  # add a frozen least-squares linear model of the current hour,
    # and the network learns its residual (better without recalibration, worse with it)
    output_mode: str = "last"  # "last" (sequence-to-one) or "sequence" (sequence-to-sequence)
    window: int | None = None  # hours per window; None: choose among window_choices
    window_choices: tuple = (1, 6, 12, 24)  # candidate windows, compared on validation MAE
    # training
    training: TrainingConfig = TrainingConfig(  # the fit on the training years, early-stopped on
        initial_learn_rate=0.002, max_epochs=30, mini_batch_size=64, gradient_threshold=1.0,
        loss="mae", validation_patience=5, bucket_by_length=False, verbose=2,
    )  # fmt: skip
    # the validation year
    recalibration: TrainingConfig = TrainingConfig(  # each weekly update of the network (seed None:
        initial_learn_rate=0.001, max_epochs=5, mini_batch_size=64, gradient_threshold=1.0,
        loss="mae", shuffle="every-epoch", seed=None, verbose=0,
    )  # fmt: skip
    # training.seed)
    # evaluation
    recalibration_days: int | tuple = (7, 14, 30, 60, 120)  # labelled days each weekly update
    # learns from; a tuple: each model chooses on the validation weeks
    max_test_weeks: int | None = None  # recalibrate and score only the first weeks of the test

    RENAMED: ClassVar[dict] = {
        "recalibration_learn_rate": "recalibration.initial_learn_rate",
        "recalibration_epochs": "recalibration.max_epochs",
    }
    FAST: ClassVar[dict] = dict(
        units=16, window=6, train_years=(2011,), max_test_weeks=2, recalibration_days=14,
        training=dict(max_epochs=2), recalibration=dict(max_epochs=1),
    )  # fmt: skip

    def __post_init__(self):
        check_choice("architecture", self.architecture, ARCHITECTURE_NAMES)
        check_choice("output_mode", self.output_mode, ("last", "sequence"))
        check_choice("nan_policy", self.nan_policy, ("error", "drop", "interpolate"))
        check_bool("linear_path", self.linear_path)
        check_positive("window", self.window, allow_none=True)
        check_positive("max_test_weeks", self.max_test_weeks, allow_none=True)
        check_years(self.train_years, self.validation_years, self.test_years)
        check_fractions(self.validation_fraction, self.test_fraction)
        days = self.recalibration_days
        if isinstance(days, tuple):
            valid = len(days) > 0 and all(map(_positive_int, days))
        else:
            valid = _positive_int(days)
        if not valid:
            raise ValueError(
                "`recalibration_days` must be a positive integer or a non-empty tuple of them. "
                f"Received: recalibration_days={days!r}"
            )


def check_years(train, validation, test):
    """Refuse year tuples that are empty, hold a year outside the UCI data (2011-2015), or
    share a year between blocks (the test would then see training hours)."""
    blocks = {"train_years": train, "validation_years": validation, "test_years": test}
    for name, years in blocks.items():
        if not isinstance(years, tuple) or not years or not all(map(_positive_int, years)):
            raise ValueError(
                f"`{name}` must be a non-empty tuple of years, e.g. (2011, 2012). "
                f"Received: {name}={years!r}"
            )
        unknown = sorted(set(years) - set(gt.YEARS))
        if unknown:
            raise ValueError(
                f"Years {unknown} of `{name}` are not in the UCI gas turbine data, which has "
                f"the years {gt.YEARS[0]}-{gt.YEARS[-1]}. Received: {name}={years!r}"
            )
    every = [y for years in blocks.values() for y in years]
    repeated = sorted({y for y in every if every.count(y) > 1})
    if repeated:
        raise ValueError(
            f"Years {repeated} appear more than once in train_years, validation_years and "
            "test_years; each year belongs to one block. Received: "
            + ", ".join(f"{name}={years!r}" for name, years in blocks.items())
        )


def check_fractions(validation, test):
    """Refuse custom-CSV shares that leave a block empty: the study chooses its window and
    stops early on the validation block, and scores on the test block."""
    for name, value in (("validation_fraction", validation), ("test_fraction", test)):
        check_range(name, value, 0, 1, closed=(True, False))
        if value == 0:
            block = name.split("_")[0]
            raise ValueError(
                f"`{name}` must be above 0: the {block} block of a custom CSV would be empty, "
                f"and this study needs one (it chooses the window and stops early on the "
                f"validation block, and scores on the test block). Received: {name}={value!r}"
            )
    if validation + test >= 1:
        raise ValueError(
            "`validation_fraction` + `test_fraction` must be below 1, so that rows are left "
            f"for training. Received: validation_fraction={validation!r}, "
            f"test_fraction={test!r}"
        )


def _positive_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


# `lstm-apps tune nox`
TUNING = TuningSpec(
    metric="val_loss",
    direction="minimize",
    space=REGRESSION_SPACE,
    cv_refused="its rows are time-ordered, and folds would train on the future",
)
