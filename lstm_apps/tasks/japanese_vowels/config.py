"""Settings of the Japanese Vowels case study: its `Config`, `NAME` and `DESCRIPTION`.

For your own sequences, use the `sequences` study instead: it reads a
long-format CSV, a folder of files or `aeon:NAME`, holds out validation,
and compares its networks with MiniRocket and gradient boosting.

Apart from `study.py`, and free of Keras, so that `lstm-apps list` and the
checks of `lstm-apps run japanese_vowels --set FIELD=VALUE` run before TensorFlow is
imported. `study.py` re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from lstm_apps.checks import check_choice, check_range
from lstm_apps.models.choices import ARCHITECTURE_NAMES
from lstm_apps.tasks.base import CaseStudyConfig
from lstm_apps.training.options import TrainingConfig
from lstm_apps.tuning.scores import validation_log_loss
from lstm_apps.tuning.space import (
    DROPOUT,
    L2,
    LEARN_RATE,
    RECURRENT_ARCHITECTURES,
    RECURRENT_DROPOUT,
    Choice,
    FloatRange,
    Stack,
    TuningSpec,
)

NAME = "japanese_vowels"
DESCRIPTION = (
    "Sequence-to-label: identify 1 of 9 speakers from a Japanese vowel (12 LPC cepstra/frame);"
    " for your own sequences use `sequences`"
)


@dataclass(frozen=True)
class Config(CaseStudyConfig):
    """Settings of the Japanese Vowels case study (defaults: the full run)."""

    # data
    validation_fraction: float = 0.0  # share of training utterances held out for validation
    max_train_sequences: int | None = None  # use only this many training utterances
    max_test_sequences: int | None = None  # use only this many test utterances
    data_path: str | None = None  # folder with ae.train/ae.test, or a long-format CSV
    # model
    architecture: str = "lstm"  # any name in lstm_apps.models.ARCHITECTURES
    units: int | tuple = 100  # recurrent width, or a tuple such as (125, 100) for a stack
    dropout: float = 0.0  # dropout after each recurrent layer
    recurrent_dropout: float = 0.0  # dropout on the recurrent connections
    normalization: str = "zscore"  # in-model input normalization
    input_noise: float = 0.1  # std of Gaussian noise on normalized inputs while training
    # training
    training: TrainingConfig = TrainingConfig(  # the fit: see `lstm_apps.training.TrainingConfig`
        initial_learn_rate=0.003, learn_rate_drop_period=50, max_epochs=80, mini_batch_size=16,
        gradient_threshold=1.0, shuffle="every-epoch", verbose=2,
    )  # fmt: skip

    def __post_init__(self):
        check_choice("architecture", self.architecture, ARCHITECTURE_NAMES)
        check_range("validation_fraction", self.validation_fraction, 0, 1)

    FAST: ClassVar[dict] = dict(
        units=16, max_train_sequences=90, max_test_sequences=60,
        training=dict(max_epochs=2, mini_batch_size=30),
    )  # fmt: skip


# `lstm-apps tune japanese_vowels`: a fifth of the training utterances held out. Trials are
# scored by their validation cross-entropy (no L2 term): the folds' accuracy reaches 1.0
# and then cannot rank them.
TUNING = TuningSpec(
    metric="val_loss",
    direction="minimize",
    space={
        "architecture": RECURRENT_ARCHITECTURES,
        "units": Stack(32, 256, max_depth=2),
        "dropout": DROPOUT,
        "recurrent_dropout": RECURRENT_DROPOUT,
        "training.l2_regularization": L2,
        "input_noise": FloatRange(0.0, 0.3),
        "normalization": Choice(("zscore", "none")),
        "training.initial_learn_rate": LEARN_RATE,
        "training.mini_batch_size": Choice((8, 16, 32, 64)),
    },
    holdout={"validation_fraction": 0.2, "training.validation_patience": 20},
    group="none: the speaker is the class, so folds are stratified by it",
    score=validation_log_loss,
)
