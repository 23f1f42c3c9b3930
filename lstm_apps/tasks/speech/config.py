"""Settings of the speech case study: its `Config`, `NAME` and `DESCRIPTION`.

Apart from `study.py`, and free of Keras, so that `lstm-apps list` and the
checks of `lstm-apps run speech --set FIELD=VALUE` run before TensorFlow is
imported. `study.py` re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from lstm_apps.checks import check_bool, check_choice, check_int, check_range
from lstm_apps.tasks.base import CaseStudyConfig
from lstm_apps.training.options import TrainingConfig
from lstm_apps.tuning.scores import validation_log_loss
from lstm_apps.tuning.space import DROPOUT, LEARN_RATE, Choice, IntRange, TuningSpec

NAME = "speech"
DESCRIPTION = (
    "Spoken digits from raw audio: one digit per recording, or a digit string with CTC"
    " (Free Spoken Digit Dataset)"
)
TASKS = ("digits", "connected")
PROTOCOLS = ("official", "speaker")
SPEAKERS = ("george", "jackson", "lucas", "nicolas", "theo", "yweweler")
FEATURES = ("logmel", "mfcc")
ARCHITECTURES = ("bilstm", "bigru", "lstm", "gru", "cnn_lstm")
CAUSAL = ("lstm", "gru")  # the architectures that can be streamed
BASELINES = ("logreg", "minirocket", "none")


@dataclass(frozen=True)
class Config(CaseStudyConfig):
    """Settings of the speech case study (defaults: isolated digits, official split)."""

    # data
    data_path: str | None = None  # folder of {digit}_{speaker}_{index}.wav files; None: FSDD
    task: str = "digits"  # "digits" (one per recording) or "connected" (2-7 digits, CTC)
    protocol: str = "official"  # "official" (recordings 0-4 are test) or "speaker"
    test_speaker: str = "theo"  # protocol="speaker": the voice held out of training
    validation_fraction: float = 0.1  # share of training recordings held out (by digit)
    max_recordings: int | None = None  # use only this many training recordings (and 1/9 as test)
    sample_rate: int = 8000  # audio is resampled to this rate (Hz)
    num_utterances: tuple = (4000, 400, 600)  # connected: train / validation / test utterances
    digits_per_utterance: tuple = (2, 7)  # connected: fewest and most digits
    # model
    architecture: str = "bilstm"  # one of ARCHITECTURES; connected streams only lstm or gru
    units: int | tuple = 128  # recurrent width, or a tuple for a stack
    dropout: float = 0.2  # after each recurrent layer
    features: str = "logmel"  # "logmel" or "mfcc", computed inside the model
    num_mel_bins: int = 40  # mel filters of the log-mel spectrogram
    num_mfcc: int = 20  # features="mfcc": cepstral coefficients kept
    center: bool = False  # subtract each recording's mean frame (not for streaming)
    augment: bool = True  # random noise, delay, gain and speed while training
    spec_augment: bool = False  # with augment: also mask random mel bands and frame runs
    # training
    training: TrainingConfig = TrainingConfig(  # the fit: see `lstm_apps.training.TrainingConfig`
        initial_learn_rate=0.002, learn_rate_drop_period=15, learn_rate_drop_factor=0.3,
        max_epochs=60, mini_batch_size=32, gradient_threshold=1.0, shuffle="every-epoch",
        validation_patience=15, verbose=2,
    )  # fmt: skip
    # evaluation
    baseline: str = "logreg"  # same-run baseline on the same features: logreg, minirocket, none
    beam_width: int = 8  # connected: width of the CTC beam search (1: greedy only)

    def __post_init__(self):
        check_choice("task", self.task, TASKS)
        check_choice("protocol", self.protocol, PROTOCOLS)
        check_choice("test_speaker", self.test_speaker, SPEAKERS)
        check_choice("features", self.features, FEATURES)
        check_choice("architecture", self.architecture, ARCHITECTURES)
        check_choice("baseline", self.baseline, BASELINES)
        check_range("validation_fraction", self.validation_fraction, 0, 1)
        check_int("max_recordings", self.max_recordings, 20, allow_none=True)
        check_int("sample_rate", self.sample_rate, 4000)
        check_int("num_mel_bins", self.num_mel_bins, 8)
        check_int("num_mfcc", self.num_mfcc, 1)
        check_int("beam_width", self.beam_width, 1)
        check_bool("augment", self.augment)
        check_bool("spec_augment", self.spec_augment)
        check_bool("center", self.center)
        if self.num_mfcc > self.num_mel_bins:
            raise ValueError(
                "`num_mfcc` cannot exceed `num_mel_bins`. Received: "
                f"num_mfcc={self.num_mfcc}, num_mel_bins={self.num_mel_bins}"
            )
        _check_counts("num_utterances", self.num_utterances, 3)
        _check_counts("digits_per_utterance", self.digits_per_utterance, 2)
        low, high = self.digits_per_utterance
        if low > high:
            raise ValueError(
                "`digits_per_utterance` must be (fewest, most) with fewest <= most. "
                f"Received: digits_per_utterance={self.digits_per_utterance!r}"
            )
        if self.task == "connected" and self.baseline not in ("none", "logreg"):
            raise ValueError(
                "The connected-digit task has no whole-recording baseline; set baseline=none. "
                f"Received: baseline={self.baseline!r}"
            )

    @property
    def num_features(self) -> int:
        """Features per frame the model's front end computes."""
        return self.num_mfcc if self.features == "mfcc" else self.num_mel_bins

    @property
    def streamable(self) -> bool:
        """Whether the model reads causally, so `StreamingPredictor` can step it."""
        return self.architecture in CAUSAL

    FAST: ClassVar[dict] = dict(
        max_recordings=300, units=16, num_utterances=(120, 30, 40), baseline="logreg",
        training=dict(max_epochs=2, mini_batch_size=32, validation_patience=None),
    )  # fmt: skip


def _check_counts(name, value, length):
    if (
        not isinstance(value, tuple)
        or len(value) != length
        or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in value)
    ):
        raise ValueError(
            f"`{name}` must be a tuple of {length} positive integers. Received: {name}={value!r}"
        )


# `lstm-apps tune speech`: isolated digits, a tenth of the training recordings held out,
# trials scored by their validation cross-entropy.
TUNING = TuningSpec(
    metric="val_loss",
    direction="minimize",
    space={
        "architecture": Choice(("bilstm", "bigru", "cnn_lstm")),
        "units": IntRange(32, 192, log=True),
        "dropout": DROPOUT,
        "num_mel_bins": Choice((32, 40, 64)),
        "training.initial_learn_rate": LEARN_RATE,
    },
    holdout={"validation_fraction": 0.1, "training.validation_patience": 8},
    group="speaker: with protocol=speaker no held-out voice enters the folds",
    score=validation_log_loss,
)
