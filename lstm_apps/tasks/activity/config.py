"""Settings of the activity case study: its `Config`, `NAME` and `DESCRIPTION`.

Apart from `study.py`, and free of Keras, so that `lstm-apps list` and the
checks of `lstm-apps run activity --set FIELD=VALUE` run before TensorFlow is
imported. `study.py` re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from lstm_apps.checks import check_choice, check_int, check_positive, check_range, check_rate
from lstm_apps.data import hapt
from lstm_apps.tasks.base import CaseStudyConfig
from lstm_apps.training.options import TrainingConfig
from lstm_apps.tuning.space import (
    DROPOUT,
    INPUT_NOISE,
    LEARN_RATE,
    RECURRENT_ARCHITECTURES,
    Choice,
    IntRange,
    TuningSpec,
)

NAME = "activity"
DESCRIPTION = "Activity at every 50 Hz sample of smartphone recordings (UCI HAPT), person split"
TASKS = ("steps", "windows")
ARCHITECTURES = ("simple_rnn", "lstm", "gru", "bilstm", "bigru", "cnn_lstm")


@dataclass(frozen=True)
class Config(CaseStudyConfig):
    """Settings of the activity case study (defaults: the full per-step run)."""

    # data
    task: str = "steps"  # "steps": a label per sample; "windows": one per 2.56 s window
    validation_subjects: int = 3  # training subjects held out for validation (drawn by the seed)
    test_subjects: tuple = hapt.TEST_SUBJECTS  # the person split of UCI HAR
    max_recordings: int | None = None  # use only the first recordings of each split
    data_path: str | None = None  # HAPT .npz, or a folder holding HAPT's RawData/
    # model
    architecture: str = "bilstm"  # one of ARCHITECTURES ("cnn_lstm": windows only)
    units: int | tuple = 64  # recurrent width, or a tuple for a stack
    dropout: float = 0.2  # dropout after each recurrent layer
    filters: tuple = (64, 64)  # cnn_lstm: filters of each convolution block (each halves T)
    input_noise: float = 0.0  # std of Gaussian noise on the normalized inputs while training
    gravity_split: bool = False  # windows: split acceleration into gravity + body (GravitySplit)
    downsample: int = 5  # steps: samples averaged into one network step (5: 10 Hz)
    # training
    chunk_seconds: float = 20.0  # steps: length of the training chunks
    chunk_overlap: float = 0.5  # steps: share of a chunk that the next one repeats
    training: TrainingConfig = TrainingConfig(  # the fit (mini-batches of chunks or windows): see
        initial_learn_rate=0.002, max_epochs=30, mini_batch_size=32, gradient_threshold=1.0,
        shuffle="every-epoch", validation_patience=4, verbose=2,
    )  # fmt: skip
    # `lstm_apps.training.TrainingConfig`

    FAST: ClassVar[dict] = dict(
        units=16, max_recordings=4, validation_subjects=1, chunk_seconds=10.0,
        training=dict(max_epochs=2),
    )  # fmt: skip

    def __post_init__(self):
        check_choice("task", self.task, TASKS)
        check_choice("architecture", self.architecture, ARCHITECTURES)
        if self.task == "steps" and self.architecture == "cnn_lstm":
            raise ValueError(
                "`cnn_lstm` pools the time axis, so it classifies windows only; use "
                "task='windows' or a recurrent architecture. Received: architecture='cnn_lstm'"
            )
        if self.gravity_split and self.task != "windows":
            raise ValueError(
                "`gravity_split` takes gravity as the mean of a window, so it needs "
                f"task='windows'. Received: task={self.task!r}, gravity_split=True"
            )
        check_rate("dropout", self.dropout)
        check_positive("downsample", self.downsample)
        check_int("validation_subjects", self.validation_subjects, 0)
        check_subject_set(self.test_subjects, self.data_path is None)
        check_positive("chunk_seconds", self.chunk_seconds, real=True)
        check_range("chunk_overlap", self.chunk_overlap, 0, 1)
        if self.task == "steps":
            length = round(self.chunk_seconds * hapt.SAMPLE_RATE)
            check_steps(self.downsample, length, "training chunks", "raise chunk_seconds")


def check_subject_set(subjects, hapt_data=True):
    """Refuse `test_subjects` that are not a non-empty tuple of distinct positive integers,
    or, for the HAPT data (`hapt_data`), name people outside its subjects 1-30."""
    valid = isinstance(subjects, (tuple, list)) and len(subjects) > 0
    valid = valid and all(isinstance(s, int) and not isinstance(s, bool) for s in subjects)
    if not valid or min(subjects) < 1 or len(set(subjects)) < len(subjects):
        raise ValueError(
            "`test_subjects` must be a non-empty tuple of distinct positive subject numbers, "
            f"e.g. (2, 4, 9). Received: test_subjects={subjects!r}"
        )
    unknown = sorted(set(subjects) - set(hapt.SUBJECTS))
    if hapt_data and unknown:
        raise ValueError(
            f"Test subjects {unknown} are not in the HAPT data, whose subjects are "
            f"{hapt.spans(hapt.SUBJECTS)}. Received: test_subjects={tuple(subjects)!r}"
        )
    if hapt_data and len(hapt.SUBJECTS) - len(subjects) < 2:
        raise ValueError(
            f"`test_subjects` leave {len(hapt.SUBJECTS) - len(subjects)} of the "
            f"{len(hapt.SUBJECTS)} HAPT subjects for training and validation, which need at "
            f"least one each. Received: test_subjects={tuple(subjects)!r}"
        )


def check_steps(downsample, length, what, remedy):
    """Refuse a `downsample` that leaves the network fewer than 2 steps of `what`, sequences
    of `length` samples; `remedy` says how to lengthen them."""
    if length < 2 * downsample:
        lower = f"lower downsample (at most {length // 2} here) or " if length >= 2 else ""
        raise ValueError(
            f"`downsample` averages {downsample} samples into one network step, so {what} of "
            f"{length} samples ({length / hapt.SAMPLE_RATE:g} s at {hapt.SAMPLE_RATE} Hz) would "
            f"give the network fewer than 2 steps: {lower}{remedy}. "
            f"Received: downsample={downsample}, sequence length={length}"
        )


# `lstm-apps tune activity`
TUNING = TuningSpec(
    metric="val_accuracy",
    direction="maximize",
    space={
        "architecture": RECURRENT_ARCHITECTURES,
        "units": IntRange(32, 128, log=True),
        "dropout": DROPOUT,
        "input_noise": INPUT_NOISE,
        "filters": Choice(((32, 32), (64, 64), (64, 128))),
        "downsample": Choice((2, 5, 10)),
        "training.initial_learn_rate": LEARN_RATE,
        "training.mini_batch_size": Choice((16, 32, 64)),
    },
    group="subject",
    cv_groups=lambda data: list(data.train_users) + list(data.validation_users),
)
