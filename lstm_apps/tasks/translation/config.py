"""Settings of the translation case study: its `Config`, `NAME` and `DESCRIPTION`.

Apart from `study.py`, and free of Keras, so that `lstm-apps list` and the
checks of `lstm-apps run translation --set FIELD=VALUE` run before TensorFlow
is imported. `study.py` re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from lstm_apps.checks import check_bool, check_choice, check_int, check_positive, check_range
from lstm_apps.models.choices import check_beam
from lstm_apps.tasks.base import CaseStudyConfig
from lstm_apps.training.options import TrainingConfig

NAME = "translation"
DESCRIPTION = (
    "Spanish <-> English translation, N to M: LSTM encoder-decoders with and without "
    "attention and a Transformer baseline (Tatoeba)"
)
DIRECTIONS = ("es-en", "en-es")
KINDS = ("seq2seq", "attention", "bilstm", "transformer")  # lstm_apps.models.translation.KINDS
ATTENTIONS = ("luong", "bahdanau")


@dataclass(frozen=True)
class Config(CaseStudyConfig):
    """Settings of the translation case study (defaults: the full Spanish -> English run)."""

    # data
    data_path: str | None = None  # spa-eng.zip, spa.txt or their folder; None: LSTM_APPS_DATA_DIR
    # (spa_eng_tatoeba), the user cache, then the official download
    direction: str = "es-en"  # "es-en" (Spanish -> English) or "en-es"
    test_size: int = 2000  # test pairs, drawn as whole sentence groups
    val_size: int = 2000  # validation pairs, the same way
    max_pairs: int | None = None  # train on at most this many pairs (a seeded sample); None: all
    lowercase: bool = False  # lowercase both sides (scores then compare lowercased references)
    min_word_count: int = 2  # words seen fewer times in training become <unk>
    max_words: int | None = 8000  # largest vocabulary per language (specials not counted)
    max_tokens: int = 30  # training pairs longer than this (tokens, either side) are left out
    # model
    models: tuple = KINDS  # the kinds trained and compared; the best on validation BLEU is kept
    embedding_dim: int = 128  # word embedding size of the LSTM models
    units: int = 256  # LSTM encoder and decoder width
    attention: str = "luong"  # "luong" (scaled dot products) or "bahdanau" (additive)
    dropout: float = 0.2  # on embeddings, decoder outputs (and in the Transformer's blocks)
    transformer_units: int = 160  # Transformer width (5.3 M parameters, as the LSTMs' 5 M)
    heads: int = 4  # Transformer attention heads
    blocks: int = 2  # Transformer encoder and decoder blocks
    transformer_learn_rate: float | None = 0.0007  # Transformer's learn rate (None: training's)
    # training
    training: TrainingConfig = TrainingConfig(  # teacher forcing, every model alike
        initial_learn_rate=0.002, learn_rate_schedule="piecewise", learn_rate_drop_period=5,
        learn_rate_drop_factor=0.3, max_epochs=12, mini_batch_size=128, gradient_threshold=5.0,
        gradient_threshold_method="global-l2norm", shuffle="every-epoch",
        validation_patience=3, time_budget=1800.0, verbose=2,
    )  # fmt: skip
    # evaluation
    beam_width: int = 4  # beam search width for the reported translations (1: greedy)
    length_penalty: float = 1.0  # beams ranked by log p / length ** this
    max_output_words: int = 60  # most tokens written per translation
    selection_pairs: int = 500  # validation pairs translated (greedy) to pick the kept model

    def __post_init__(self):
        check_choice("direction", self.direction, DIRECTIONS)
        check_choice("attention", self.attention, ATTENTIONS)
        check_int("test_size", self.test_size, 1)
        check_int("val_size", self.val_size, 1)
        check_int("max_pairs", self.max_pairs, 10, allow_none=True)
        check_bool("lowercase", self.lowercase)
        check_int("min_word_count", self.min_word_count, 1)
        check_int("max_words", self.max_words, 10, allow_none=True)
        check_int("max_tokens", self.max_tokens, 2)
        check_int("embedding_dim", self.embedding_dim, 1)
        check_int("units", self.units, 2)
        check_int("transformer_units", self.transformer_units, 2)
        check_int("heads", self.heads, 1)
        check_int("blocks", self.blocks, 1)
        check_range("dropout", self.dropout, 0, 1)
        check_positive(
            "transformer_learn_rate", self.transformer_learn_rate, real=True, allow_none=True
        )
        check_beam(self.beam_width, self.length_penalty)
        check_int("max_output_words", self.max_output_words, 1)
        check_int("selection_pairs", self.selection_pairs, 1)
        models = self.models
        if (
            not isinstance(models, tuple)
            or not models
            or len(set(models)) != len(models)
            or any(m not in KINDS for m in models)
        ):
            raise ValueError(
                f"`models` must be a non-empty tuple of distinct kinds among {KINDS}. "
                f"Received: models={models!r}"
            )
        if self.transformer_units % self.heads:
            raise ValueError(
                "The Transformer splits its width among its heads: `transformer_units` must be "
                f"a multiple of `heads`. Received: transformer_units={self.transformer_units}, "
                f"heads={self.heads}"
            )
        if self.max_output_words >= 128:
            raise ValueError(
                "`max_output_words` must be below 128, the Transformer's longest sentence. "
                f"Received: max_output_words={self.max_output_words}"
            )

    @property
    def languages(self) -> tuple[str, str]:
        """`(source, target)` column names of the pairs: "spanish" and "english"."""
        names = {"es": "spanish", "en": "english"}
        source, target = self.direction.split("-")
        return names[source], names[target]

    FAST: ClassVar[dict] = dict(
        max_pairs=1500, test_size=60, val_size=60, models=("attention",), units=32,
        transformer_units=32, embedding_dim=16, max_words=2000, selection_pairs=30, beam_width=2,
        max_output_words=20,
        training=dict(max_epochs=2, validation_patience=None, time_budget=None),
    )  # fmt: skip


# `lstm-apps tune translation` would train a translator per trial for tens of minutes
TUNING = None
NOT_TUNED = (
    "a trial trains a translator for up to half an hour; compare the kinds with `models` "
    "and read the BLEU table instead"
)
