"""Settings of the engine NOx case study: its `Config`, `NAME` and `DESCRIPTION`.

Apart from `study.py`, and free of Keras, so that `lstm-apps list` and the
checks of `lstm-apps run engine_nox --set FIELD=VALUE` run before TensorFlow is
imported. `study.py` re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from lstm_apps.checks import check_choice, check_int, check_positive
from lstm_apps.data.synthetic import EngineSimulatorConfig
from lstm_apps.models.choices import ARCHITECTURE_NAMES
from lstm_apps.tasks.base import CaseStudyConfig
from lstm_apps.training.options import TrainingConfig
from lstm_apps.tuning.space import REGRESSION_SPACE, TuningSpec

NAME = "engine_nox"
DESCRIPTION = "Sequence-to-sequence regression: engine-out NOx from engine signals (SYNTHETIC data)"


@dataclass(frozen=True)
class Config(CaseStudyConfig):
    """Settings of the engine NOx case study (defaults: the full run)."""

    # data
    num_train_cycles: int = 32  # simulated training cycles
    num_validation_cycles: int = 4  # simulated validation cycles (0: none, no early stopping)
    num_test_cycles: int = 8  # simulated held-out test cycles
    cycle_seconds: int = 1800  # length of every cycle, 1 Hz (the WLTC lasts 1800 s)
    phases: tuple[str, ...] = ("low", "medium", "high", "extra_high")  # WLTC-like phases
    window_seconds: int | None = 120  # training/validation cycles are cut into windows this long
    # model
    architecture: str = "lstm"  # any name in lstm_apps.models.ARCHITECTURES
    units: int | tuple = 64  # recurrent width, or a tuple for a stack
    dropout: float = 0.0  # dropout after each recurrent layer
    # training
    training: TrainingConfig = TrainingConfig(  # the fit (its seed also seeds the cycles and the
        initial_learn_rate=0.005, learn_rate_drop_period=50, learn_rate_drop_factor=0.3,
        max_epochs=80, mini_batch_size=32, shuffle="every-epoch", validation_patience=10,
        verbose=2,
    )  # fmt: skip
    # baseline)
    # evaluation
    transient_torque_rate: float = 20.0  # |d torque/dt| (N·m/s) from which a second is transient

    FAST: ClassVar[dict] = dict(
        num_train_cycles=3, num_validation_cycles=1, num_test_cycles=1, cycle_seconds=300,
        window_seconds=100, units=8, training=dict(max_epochs=2, mini_batch_size=8),
    )  # fmt: skip

    def __post_init__(self):
        check_choice("architecture", self.architecture, ARCHITECTURE_NAMES)
        check_int("num_train_cycles", self.num_train_cycles, 1)
        check_int("num_validation_cycles", self.num_validation_cycles, 0)
        check_int("num_test_cycles", self.num_test_cycles, 1)
        check_int("window_seconds", self.window_seconds, 10, allow_none=True)
        check_positive("transient_torque_rate", self.transient_torque_rate, real=True)
        self.simulator()  # checks cycle_seconds and phases

    def simulator(self) -> EngineSimulatorConfig:
        """The simulator settings for these cycles (physics at its defaults)."""
        return EngineSimulatorConfig(cycle_seconds=self.cycle_seconds, phases=tuple(self.phases))


# `lstm-apps tune engine_nox`
TUNING = TuningSpec(
    metric="val_rmse",
    direction="minimize",
    space=REGRESSION_SPACE,
    cv_refused="its cycles are time-ordered, and folds would train on the future",
)
