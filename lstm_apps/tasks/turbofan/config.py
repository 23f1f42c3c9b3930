"""Settings of the turbofan case study: its `Config`, `NAME` and `DESCRIPTION`.

Apart from `study.py`, and free of Keras, so that `lstm-apps list` and the
checks of `lstm-apps run turbofan --set FIELD=VALUE` run before TensorFlow is
imported. `study.py` re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from lstm_apps.checks import check_choice, check_int, check_range
from lstm_apps.data import cmapss
from lstm_apps.models.choices import ARCHITECTURE_NAMES
from lstm_apps.tasks.base import CaseStudyConfig
from lstm_apps.training.options import TrainingConfig
from lstm_apps.tuning.space import (
    DROPOUT,
    INPUT_NOISE,
    L2,
    RECURRENT_DROPOUT,
    Choice,
    FloatRange,
    Stack,
    TuningSpec,
)

NAME = "turbofan"
DESCRIPTION = "Remaining useful life (RUL) of turbofan engines, NASA C-MAPSS FD001"
CAUSAL = tuple(name for name in ARCHITECTURE_NAMES if not name.startswith("bi"))


@dataclass(frozen=True)
class Config(CaseStudyConfig):
    """Settings of the turbofan case study (defaults: the full run)."""

    # data
    data_path: str | None = None  # folder with train_FD001.txt, test_FD001.txt, RUL_FD001.txt
    subset: str = "FD001"  # C-MAPSS subset; the preprocessing suits one operating condition
    features: tuple | None = None  # columns to read; None: all that vary on the training engines
    min_rul_correlation: float = 0.2  # drop features whose |correlation| with the capped RUL
    # on the training engines is below this; 0 keeps every column that varies
    validation_engines: int = 20  # training engines held out whole for validation
    split_seed: int = 0  # seed of the train / validation split of the engines
    max_train_engines: int | None = None  # use only the first training engines (quick runs)
    max_test_engines: int | None = None  # score only the first test engines (quick runs)
    # model
    architecture: str = "lstm"  # any name in ARCHITECTURES; "bi*" only with output_mode="last"
    units: int | tuple = 100  # recurrent width (the course's single layer), or a tuple for a stack
    dropout: float = 0.0  # dropout after each recurrent layer
    recurrent_dropout: float = 0.0  # dropout on the recurrent connections
    input_noise: float = 0.1  # std of Gaussian noise added to the z-scored inputs while training
    output_mode: str = "sequence"  # "sequence": RUL at every cycle; "last": from the last `window`
    window: int = 30  # cycles each "last" network reads (at most the shortest test engine)
    ensemble: int = 1  # networks trained from different seeds; the model averages their RUL
    # training
    rul_cap: int | None = 125  # training RUL target is min(RUL, rul_cap); None: uncapped
    training: TrainingConfig = TrainingConfig(  # each member's fit (mini-batches of engines or
        initial_learn_rate=0.003, learn_rate_drop_period=30, learn_rate_drop_factor=0.3,
        max_epochs=120, mini_batch_size=8, gradient_threshold=1.0, shuffle="every-epoch",
        validation_patience=30, verbose=2,
    )  # fmt: skip
    # windows); with `checkpoint_dir`,
    # member i backs up in checkpoint_dir/member_<i>/ and is kept as member_<i>.keras
    # evaluation
    validation_max_rul: int = 150  # validation cycles scored: true RUL up to this (test: 7-145)

    FAST: ClassVar[dict] = dict(
        units=16, max_train_engines=12, validation_engines=3, max_test_engines=10,
        training=dict(max_epochs=2, mini_batch_size=4),
    )  # fmt: skip

    def __post_init__(self):
        check_choice("architecture", self.architecture, ARCHITECTURE_NAMES)
        check_choice("output_mode", self.output_mode, ("sequence", "last"))
        cmapss.check_subset(self.subset)
        if self.output_mode == "sequence" and self.architecture not in CAUSAL:
            raise ValueError(
                "The RUL at a cycle may only depend on earlier cycles, so a bidirectional "
                "network cannot give the per-cycle RUL; use it with output_mode='last'. "
                f"Received: architecture={self.architecture!r}"
            )
        check_range("min_rul_correlation", self.min_rul_correlation, 0, 1, closed=(True, True))
        for name in ("window", "validation_engines", "validation_max_rul", "ensemble"):
            check_int(name, getattr(self, name), 1)
        for name in ("rul_cap", "max_train_engines", "max_test_engines"):
            check_int(name, getattr(self, name), 1, allow_none=True)


def validation_rmse(run) -> float:
    """A trial's score: RMSE at the validation cycles that look like a test engine's
    last one (`rul.validation_metrics`), the measure the test RMSE is stated in;
    the history's `val_rmse` weighs every cycle of the validation engines alike."""
    from lstm_apps.tasks.turbofan.rul import validation_metrics

    return validation_metrics(run)["validation_rmse"]


# `lstm-apps tune turbofan`: one network per trial (no ensemble)
TUNING = TuningSpec(
    metric="val_rmse",
    direction="minimize",
    space={
        "architecture": Choice(("lstm", "gru")),
        "output_mode": Choice(("sequence", "last")),  # whole histories, or 30-cycle windows
        "rul_cap": Choice((115, 125, 135)),
        "units": Stack(32, 192, max_depth=2),
        "dropout": DROPOUT,
        "recurrent_dropout": RECURRENT_DROPOUT,
        "training.l2_regularization": L2,
        "input_noise": INPUT_NOISE,
        "training.initial_learn_rate": FloatRange(1e-3, 1e-2, log=True),
        "training.mini_batch_size": Choice((4, 8, 16, 32)),
    },
    fixed={"ensemble": 1},
    group="engine",
    score=validation_rmse,
)
