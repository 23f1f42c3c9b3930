"""Settings of the `sequences` study (your own sequences): its `Config`, `NAME` and `DESCRIPTION`.

Apart from `study.py`, and free of Keras, so that `lstm-apps list` and the
checks of `lstm-apps run sequences --set FIELD=VALUE` run before TensorFlow
is imported. `study.py` re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from lstm_apps.checks import check_choice, check_int, check_range
from lstm_apps.models.choices import ARCHITECTURE_NAMES
from lstm_apps.tasks.base import CaseStudyConfig
from lstm_apps.training.options import TrainingConfig
from lstm_apps.tuning.space import (
    DROPOUT,
    INPUT_NOISE,
    L2,
    LEARN_RATE,
    RECURRENT_DROPOUT,
    Choice,
    IntRange,
    TuningSpec,
    classification_or_regression,
)

NAME = "sequences"
DESCRIPTION = (
    "Your own sequences (CSV, folder of files or aeon:NAME): label or per-step, "
    "classification or regression, against MiniRocket and boosting"
)
TASKS = ("auto", "classification", "regression")
OUTPUTS = ("label", "sequence")
CLASS_WEIGHTS = ("none", "balanced")
BASELINE_NAMES = ("minirocket", "gbm_summary")
METRICS = ("auto", "accuracy", "balanced_accuracy", "macro_f1", "rmse", "mae")
DEFAULT_DATA = "aeon:GunPoint"
# the study's own training defaults; `adapt_training` sizes the epochs, the mini-batch
# and the patience from the training set where they are left at these values
TRAINING = TrainingConfig(
    initial_learn_rate=1e-3, max_epochs=300, mini_batch_size=16, validation_patience=30,
    gradient_threshold=1.0, shuffle="every-epoch", verbose=0,
)  # fmt: skip


@dataclass(frozen=True)
class Config(CaseStudyConfig):
    """Settings of the `sequences` study (defaults: aeon's GunPoint, offline)."""

    # data
    data: str | None = (
        None  # long-format CSV, folder with labels.csv, or aeon:NAME (None: aeon:GunPoint)
    )
    task: str = (
        "auto"  # "auto" (regression for non-integer numeric labels), "classification", "regression"
    )
    output: str = (
        "label"  # "label": one per sequence; "sequence": one per time step (per-step labels)
    )
    sequence_column: str = "sequence"  # long-format CSV: the sequence id column
    label_column: str = "label"  # the label column (long-format CSV and labels.csv)
    split_column: str = "split"  # optional split column: "train", "validation", "test"
    time_column: str | None = None  # long-format CSV: optional column ordering each sequence's rows
    feature_columns: tuple | None = (
        None  # long-format CSV: feature columns (None: all other columns)
    )
    group_column: str | None = (
        None  # optional group (subject, speaker, machine), kept on one side of splits
    )
    test_fraction: float = 0.25  # share held out for test when the data has no test split
    validation_fraction: float = 0.2  # share of training held out for validation (0: none)
    max_train_sequences: int | None = None  # use only this many training sequences
    max_test_sequences: int | None = None  # use only this many test sequences
    downsample: int | str = (
        "auto"  # average every k steps; "auto": down to max_steps recurrent steps
    )
    max_steps: int = 100  # length cap: steps a recurrent layer reads after "auto" downsampling
    # model
    networks: tuple = ("cnn_lstm", "lstm")  # compared; the first is kept unless another beats it
    units: int | tuple = 64  # recurrent width, or a tuple for a stack
    filters: tuple = (32, 64, 128)  # convolution blocks of "cnn_lstm" (each halves the length)
    kernel_size: int = 9  # convolution width of "cnn_lstm"
    dropout: float = 0.0  # dropout after each recurrent layer
    recurrent_dropout: float = 0.0  # dropout on the recurrent connections
    input_noise: float = 0.0  # std of Gaussian noise on normalized inputs while training
    normalization: str = "zscore"  # in-model input normalization
    # training
    training: TrainingConfig = TRAINING  # the fit: see `lstm_apps.training.TrainingConfig`
    class_weight: str = "none"  # "balanced": weigh classes inversely to their training counts
    refit: bool = True  # refit the kept network on training + validation for the epochs its fit ran
    # evaluation
    baselines: tuple = BASELINE_NAMES  # same-run baselines: "minirocket", "gbm_summary"
    metric: str = "auto"  # comparison metric; "auto": accuracy (balanced if imbalanced) or rmse

    def __post_init__(self):
        check_choice("task", self.task, TASKS)
        check_choice("output", self.output, OUTPUTS)
        check_choice("class_weight", self.class_weight, CLASS_WEIGHTS)
        check_choice("metric", self.metric, METRICS)
        check_range("test_fraction", self.test_fraction, 0, 1, closed=(False, False))
        check_range("validation_fraction", self.validation_fraction, 0, 1, closed=(True, False))
        check_int("max_steps", self.max_steps, 2)
        check_int("kernel_size", self.kernel_size, 1)
        check_int("max_train_sequences", self.max_train_sequences, 4, allow_none=True)
        check_int("max_test_sequences", self.max_test_sequences, 1, allow_none=True)
        if self.downsample != "auto":
            check_int("downsample", self.downsample, 1)
        if not isinstance(self.networks, tuple) or not self.networks:
            raise ValueError(
                f"`networks` must be a non-empty tuple of architectures. "
                f"Received: networks={self.networks!r}"
            )
        for name in self.networks:
            check_choice("networks", name, ARCHITECTURE_NAMES)
        if len(set(self.networks)) != len(self.networks):
            raise ValueError(f"`networks` repeats a name. Received: networks={self.networks!r}")
        for name in self.baselines:
            check_choice("baselines", name, BASELINE_NAMES)
        if not self.filters or not all(isinstance(f, int) and f >= 1 for f in self.filters):
            raise ValueError(
                "`filters` must be a tuple of positive integers. "
                f"Received: filters={self.filters!r}"
            )
        if self.data is not None and not str(self.data).strip():
            raise ValueError(
                f"`data` must name a file, a folder or aeon:NAME. Received: data={self.data!r}"
            )

    @property
    def source(self) -> str:
        """The data argument in effect (`data`, or aeon:GunPoint when it is None)."""
        return DEFAULT_DATA if self.data is None else str(self.data)

    FAST: ClassVar[dict] = dict(
        units=8, filters=(8,), max_train_sequences=30, max_test_sequences=30,
        training=dict(max_epochs=2, mini_batch_size=16, validation_patience=None),
    )  # fmt: skip


def TUNING(config, data) -> TuningSpec:  # noqa: N802 (the name every study declares)
    """`lstm-apps tune sequences`: accuracy or RMSE on validation, by the data's task."""
    return TuningSpec(
        **classification_or_regression(data.task),
        space={
            "networks": Choice((("cnn_lstm", "lstm"), ("cnn_lstm",), ("lstm",))),
            "units": IntRange(16, 128, log=True),
            "dropout": DROPOUT,
            "recurrent_dropout": RECURRENT_DROPOUT,
            "training.l2_regularization": L2,
            "input_noise": INPUT_NOISE,
            "normalization": Choice(("zscore", "none")),
            "filters": Choice(((16, 32), (32, 64), (32, 64, 128))),
            "kernel_size": Choice((3, 5, 9)),
            "max_steps": Choice((25, 50, 100, 200)),  # the length cap of "auto" downsampling
            "training.initial_learn_rate": LEARN_RATE,
            "training.mini_batch_size": Choice((8, 16, 32, 64)),
        },
        trial_only={"baselines": (), "refit": False},  # a trial scores its network's curve
        group="the rows' `group_column`, when given",
        cv_groups=cv_groups,
    )


def cv_groups(data):
    """The group of each training then validation sequence (None without a group column)."""
    if not data.groups:
        return None
    return list(data.groups["train"]) + list(data.groups.get("validation", []))
