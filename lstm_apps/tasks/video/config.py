"""Settings of the video case study: its `Config`, `NAME` and `DESCRIPTION`.

Apart from `study.py`, and free of Keras, so that `lstm-apps list` and the
checks of `lstm-apps run video --set FIELD=VALUE` run before TensorFlow is
imported. `study.py` re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from lstm_apps.checks import check_choice, check_int, check_range
from lstm_apps.models.choices import check_beam
from lstm_apps.tasks.base import CaseStudyConfig
from lstm_apps.tasks.captioning.config import check_fit_settings
from lstm_apps.training.options import TrainingConfig
from lstm_apps.tuning.space import (
    DROPOUT,
    LEARN_RATE,
    RECURRENT_ARCHITECTURES,
    Choice,
    IntRange,
    TuningSpec,
)

NAME = "video"
DESCRIPTION = "Video clips: per-frame CNN + LSTM, classification or captioning (moving digits)"
HEADS = ("classify", "caption")
ARCHITECTURES = ("lstm", "bilstm", "gru", "bigru")
# "small_cnn" is trained here; the others are pretrained, frozen, their features cached
FRAME_ENCODERS = ("small_cnn", "efficientnet_lite0")
PRETRAINED_MIN_SIZE = 32  # the smallest frames EfficientNet-Lite0 takes


@dataclass(frozen=True)
class Config(CaseStudyConfig):
    """Settings of the video case study (defaults: moving-digit classification)."""

    # data
    data_path: str | None = None  # a folder of class subfolders of videos; None: digit clips
    num_clips: tuple = (6000, 400, 1000)  # digits: train / validation / test clips
    num_frames: tuple = (8, 16)  # digits: shortest and longest clip
    turns: bool = True  # digits: the digit turns once (the caption says how)
    frame_size: int = 32  # frames are frame_size x frame_size
    video_frames: int = 16  # folder: frames sampled evenly from each video
    every: int | None = None  # folder: keep every n-th frame before sampling
    test_fraction: float = 0.2  # folder: share of clips for the test set
    validation_fraction: float = 0.1  # folder: share of clips for validation
    # model
    head: str = "classify"  # "classify" (a class per clip) or "caption" (a sentence per clip)
    architecture: str = "bilstm"  # recurrent layer over the frames: one of ARCHITECTURES
    units: int = 128  # recurrent width
    frame_encoder: str = "small_cnn"  # small_cnn, or efficientnet_lite0 (ImageNet, frozen, cached)
    encoder_size: int | None = None  # pretrained: frames resized to this size first; None: as read
    frame_features: int = 128  # small_cnn: width of each frame's CNN vector
    frame_filters: tuple = (16, 32, 64)  # small_cnn: widths of its conv blocks (each pools 2x2)
    embedding_dim: int = 32  # caption: word embedding size
    decoder_units: int = 128  # caption: decoder LSTM width
    dropout: float = 0.2  # on the frame features and before the head / decoder
    # training
    warmup: TrainingConfig | None = TrainingConfig(  # single-frame fit of the frame CNN first, None
        max_epochs=10, mini_batch_size=64, shuffle="every-epoch",
    )  # fmt: skip
    # for none (a pretrained frame_encoder skips it); seed and verbose: training's
    warmup_frames: int = 4  # frames drawn from each training clip for the warm-up
    pretraining: TrainingConfig | None = TrainingConfig(  # caption: word spotting after the
        max_epochs=3, mini_batch_size=32, shuffle="every-epoch",
    )  # fmt: skip
    # warm-up, None for none; seed and verbose: training's
    training: TrainingConfig = TrainingConfig(  # the clip fit; its seed also draws the clips and
        max_epochs=20, mini_batch_size=32, gradient_threshold=5.0,
        gradient_threshold_method="global-l2norm", shuffle="every-epoch", validation_patience=4,
        verbose=2,
    )  # fmt: skip
    # splits a folder
    # evaluation
    beam_width: int = 3  # caption: beam width of the reported captions (1: greedy)
    length_penalty: float = 0.0  # caption: beams ranked by log p / length ** this (0: by log p)

    def __post_init__(self):
        check_choice("head", self.head, HEADS)
        check_choice("architecture", self.architecture, ARCHITECTURES)
        check_choice("frame_encoder", self.frame_encoder, FRAME_ENCODERS)
        check_int("frame_size", self.frame_size, 1)
        self._check_encoder_size()
        if self.head == "caption" and self.data_path is not None:
            raise ValueError(
                "A folder of class subfolders has labels, not captions: use head='classify'. "
                f"Received: head='caption', data_path={self.data_path!r}"
            )
        if len(self.num_clips) != 3 or not all(
            isinstance(n, int) and n > 0 for n in self.num_clips
        ):
            raise ValueError(
                "`num_clips` must be three positive integers (train, validation, test). "
                f"Received: num_clips={self.num_clips!r}"
            )
        check_int("warmup_frames", self.warmup_frames, 1)
        check_beam(self.beam_width, self.length_penalty)
        for name in ("test_fraction", "validation_fraction"):
            check_range(name, getattr(self, name), 0, 0.5, closed=(False, False))
        check_fit_settings("training", self.training)
        check_fit_settings("warmup", self.warmup, optional=True)
        check_fit_settings("pretraining", self.pretraining, optional=True)

    def _check_encoder_size(self):
        check_int("encoder_size", self.encoder_size, PRETRAINED_MIN_SIZE, allow_none=True)
        if self.frame_encoder == "small_cnn":
            if self.encoder_size is not None:
                raise ValueError(
                    "`encoder_size` resizes frames for a pretrained `frame_encoder` "
                    f"({', '.join(FRAME_ENCODERS[1:])}). Received: frame_encoder='small_cnn', "
                    f"encoder_size={self.encoder_size!r}"
                )
        elif self.encoder_size is None and self.frame_size < PRETRAINED_MIN_SIZE:
            raise ValueError(
                f"`frame_size` must be at least {PRETRAINED_MIN_SIZE} with "
                f"frame_encoder={self.frame_encoder!r}, the smallest frames it takes, or "
                f"`encoder_size` must resize them. Received: frame_size={self.frame_size!r}"
            )

    FAST: ClassVar[dict] = dict(
        num_clips=(64, 16, 16), units=16, frame_features=16, decoder_units=16,
        warmup=dict(max_epochs=1), pretraining=dict(max_epochs=1), training=dict(max_epochs=2),
    )  # fmt: skip
    RENAMED: ClassVar[dict] = {
        "warmup_epochs": "warmup.max_epochs",
        "pretrain_epochs": "pretraining.max_epochs",
    }


def TUNING(config, data) -> TuningSpec:  # noqa: N802 (the name every study declares)
    """`lstm-apps tune video`: accuracy for the classifier, cross-entropy for the captioner."""
    classify = config.head == "classify"
    space = {
        "architecture": RECURRENT_ARCHITECTURES,
        "units": IntRange(32, 256, log=True),
        "frame_features": Choice((64, 128, 256)),
        "dropout": DROPOUT,
        "training.initial_learn_rate": LEARN_RATE,
    }
    if config.frame_encoder != "small_cnn":  # a pretrained encoder's width is its own
        del space["frame_features"]
    return TuningSpec(
        metric="val_accuracy" if classify else "val_loss",
        direction="maximize" if classify else "minimize",
        space=space,
        group=None,  # one row per clip (and its captions)
    )
