"""Settings of the captioning case study: its `Config`, `NAME` and `DESCRIPTION`.

Apart from `study.py`, and free of Keras, so that `lstm-apps list` and the
checks of `lstm-apps run captioning --set FIELD=VALUE` run before TensorFlow is
imported. `study.py` re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from lstm_apps.checks import check_choice, check_int
from lstm_apps.models.choices import DECODER_CELL_NAMES, ENCODERS, check_beam
from lstm_apps.tasks.base import CaseStudyConfig
from lstm_apps.training.options import TrainingConfig
from lstm_apps.tuning.space import CELLS, DROPOUT, LEARN_RATE, WIDE_UNITS, Choice, TuningSpec

# TrainingConfig settings that the caption and video fits (`fit.py`) cannot follow, and the
# only value each may take
FIXED_SETTINGS = {
    "loss": "auto",
    "l2_regularization": 0.0,
    "sequence_length": "longest",
    "sequence_padding_direction": "right",
    "sequence_padding_value": 0.0,
}


def check_fit_settings(name, section, *, optional=False):
    """Refuse a `TrainingConfig` section whose settings these fits would ignore.

    Captions and clips are padded on the right to the longest, the losses
    are fixed by the heads, and no weight penalty is added, so `loss`,
    `l2_regularization` and the `sequence_*` settings must keep the values
    in `FIXED_SETTINGS` (their defaults). `bucket_by_length` is ignored:
    captions are short and clips are padded once.

    Args:
        name: the section's field name, for the message.
        section: a `TrainingConfig` (or None when `optional`).
        optional: whether None (the stage is skipped) is allowed.

    Raises:
        TypeError: if `section` is not a `TrainingConfig` (or None when optional).
        ValueError: for a setting that differs from `FIXED_SETTINGS`.
    """
    if section is None and optional:
        return
    if not isinstance(section, TrainingConfig):
        expected = "a TrainingConfig or None" if optional else "a TrainingConfig"
        raise TypeError(f"`{name}` must be {expected}. Received: {name}={section!r}")
    for key, value in FIXED_SETTINGS.items():
        if getattr(section, key) != value:
            raise ValueError(
                f"`{name}.{key}` is not used by the caption and video fits; leave it at "
                f"{value!r}. Received: {name}.{key}={getattr(section, key)!r}"
            )


NAME = "captioning"
DESCRIPTION = (
    "Image captioning, CNN encoder + LSTM decoder with beam search (digit scenes, Flickr8k)"
)
DATASETS = ("digits", "flickr8k")
DECODERS = ("merge", "attention")
LITE0_BLOCKS = 16  # lstm_apps.models.efficientnet_lite.NUM_BLOCKS, without importing Keras


@dataclass(frozen=True)
class Config(CaseStudyConfig):
    """Settings of the captioning case study (defaults: the full digit-scene run)."""

    # data
    data: str = "digits"  # "digits" (offline scenes) or "flickr8k" (a Flickr8k-format folder)
    data_path: str | None = None  # flickr8k: the folder; None searches LSTM_APPS_DATA_DIR, cache
    num_scenes: tuple = (6000, 600, 1000)  # digits: train / validation / test scenes
    image_size: int | None = None  # flickr8k: images resized to this square; None: 224 for a
    # pretrained encoder (its training size), 128 for small_cnn
    max_images: int | None = None  # flickr8k: at most this many images per split
    min_word_count: int = 1  # words seen fewer times in training captions become <unk>
    max_caption_words: int = 20  # longest caption trained on and written
    # model
    encoder: str = "auto"  # auto: small_cnn for digits, efficientnet_lite0 (bundled ImageNet
    # weights) for flickr8k; or small_cnn, efficientnet_lite0, a keras.applications network
    encoder_weights: str | None = "auto"  # pretrained encoders: "auto"/"imagenet" (bundled for
    # efficientnet_lite0, downloaded for the applications), None (random) or a weights file
    decoder: str = "merge"  # "merge" (image vector starts the LSTM) or "attention" (soft
    # attention over efficientnet_lite0's 7x7 grid at each word)
    fine_tune_blocks: int = 0  # efficientnet_lite0: train its last N blocks with the decoder
    # (images pass through the encoder every epoch); 0: frozen, features cached once
    embedding_dim: int = 64  # word embedding size
    units: int = 256  # decoder LSTM width
    cell: str = "lstm"  # decoder cell: "lstm" or "gru"
    dropout: float = 0.3  # on the image vector, the embeddings and the decoder output
    # training
    pretraining: TrainingConfig | None = TrainingConfig(  # small_cnn: word spotting before
        max_epochs=5, mini_batch_size=64, shuffle="every-epoch",
    )  # fmt: skip
    # captioning, None for none; seed and verbose: training's
    training: TrainingConfig = TrainingConfig(  # the teacher-forcing fit; its seed also draws the
        max_epochs=15, mini_batch_size=64, gradient_threshold=5.0,
        gradient_threshold_method="global-l2norm", shuffle="every-epoch", validation_patience=4,
        verbose=2,
    )  # fmt: skip
    # scenes
    # evaluation
    beam_width: int = 3  # beam search width for the reported captions (1: greedy)
    length_penalty: float = 0.0  # beams ranked by log p / length ** this (0: by log p)

    def __post_init__(self):
        check_choice("data", self.data, DATASETS)
        check_choice("encoder", self.encoder, ("auto", *ENCODERS))
        check_choice("cell", self.cell, DECODER_CELL_NAMES)
        check_choice("decoder", self.decoder, DECODERS)
        encoder = self.encoder_name
        if self.data == "digits" and encoder != "small_cnn":
            raise ValueError(
                "Digit scenes are grey 40x64 canvases: use encoder='small_cnn'. "
                f"Received: encoder={self.encoder!r}"
            )
        if self.encoder_weights not in ("auto", None) and encoder == "small_cnn":
            raise ValueError(
                "`encoder_weights` needs a pretrained encoder (efficientnet_lite0, "
                "mobilenet_v3_small, efficientnet_b0). Received: encoder='small_cnn', "
                f"encoder_weights={self.encoder_weights!r}"
            )
        check_int("fine_tune_blocks", self.fine_tune_blocks, 0)
        if self.fine_tune_blocks and encoder != "efficientnet_lite0":
            raise ValueError(
                "`fine_tune_blocks` trains the last blocks of efficientnet_lite0. "
                f"Received: encoder={self.encoder!r}, fine_tune_blocks={self.fine_tune_blocks!r}"
            )
        if self.fine_tune_blocks > LITE0_BLOCKS:
            raise ValueError(
                f"efficientnet_lite0 has {LITE0_BLOCKS} blocks. "
                f"Received: fine_tune_blocks={self.fine_tune_blocks!r}"
            )
        if self.decoder == "attention" and (
            encoder != "efficientnet_lite0" or self.fine_tune_blocks
        ):
            raise ValueError(
                "decoder='attention' attends over the cached 7x7 grid of a frozen "
                "efficientnet_lite0: use encoder='efficientnet_lite0' (or 'auto' with "
                "data='flickr8k') and fine_tune_blocks=0. Received: "
                f"encoder={self.encoder!r}, fine_tune_blocks={self.fine_tune_blocks!r}"
            )
        if len(self.num_scenes) != 3 or not all(
            isinstance(n, int) and n >= 1 for n in self.num_scenes
        ):
            raise ValueError(
                "`num_scenes` must be three positive integers (train, validation, test). "
                f"Received: num_scenes={self.num_scenes!r}"
            )
        check_beam(self.beam_width, self.length_penalty)
        check_int("image_size", self.image_size, 32, allow_none=True)
        check_fit_settings("training", self.training)
        check_fit_settings("pretraining", self.pretraining, optional=True)

    @property
    def encoder_name(self) -> str:
        """The encoder `encoder="auto"` stands for: small_cnn (digits) or efficientnet_lite0."""
        if self.encoder != "auto":
            return self.encoder
        return "small_cnn" if self.data == "digits" else "efficientnet_lite0"

    @property
    def pretrained_weights(self):
        """What the pretrained encoder loads: "imagenet", None or a file; None for small_cnn."""
        if self.encoder_name == "small_cnn":
            return None
        return "imagenet" if self.encoder_weights == "auto" else self.encoder_weights

    @property
    def image_side(self) -> int:
        """The side Flickr8k images are resized to (`image_size`, or its default)."""
        if self.image_size is not None:
            return self.image_size
        return 128 if self.encoder_name == "small_cnn" else 224

    @property
    def cached_features(self) -> bool:
        """Whether the model reads features computed once (a frozen pretrained encoder)."""
        return self.encoder_name != "small_cnn" and not self.fine_tune_blocks

    FAST: ClassVar[dict] = dict(
        num_scenes=(300, 60, 60), max_images=40, image_size=64, units=32, embedding_dim=16,
        beam_width=2, pretraining=dict(max_epochs=1), training=dict(max_epochs=2),
    )  # fmt: skip
    RENAMED: ClassVar[dict] = {"pretrain_epochs": "pretraining.max_epochs"}


# `lstm-apps tune captioning`: validation cross-entropy per word (teacher forcing)
TUNING = TuningSpec(
    metric="val_loss",
    direction="minimize",
    space={
        "cell": CELLS,
        "units": WIDE_UNITS,
        "embedding_dim": Choice((32, 64, 128)),
        "dropout": DROPOUT,
        "training.initial_learn_rate": LEARN_RATE,
    },
    group=None,  # one row per source: its captions stay together
)
