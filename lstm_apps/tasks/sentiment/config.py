"""Settings of the sentiment case study: its `Config`, `NAME` and `DESCRIPTION`.

Apart from `study.py`, and free of Keras, so that `lstm-apps list` and the
checks of `lstm-apps run sentiment --set FIELD=VALUE` run before TensorFlow is
imported. `study.py` re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from lstm_apps.checks import check_choice, check_positive, check_rate
from lstm_apps.tasks.base import CaseStudyConfig
from lstm_apps.tasks.sentiment.comparison import MODELS, RECURRENT
from lstm_apps.training.options import TrainingConfig
from lstm_apps.tuning.space import DROPOUT, LEARN_RATE, Choice, IntRange, TuningSpec

NAME = "sentiment"
DESCRIPTION = (
    "Sentiment of IMDB reviews: embeddings + LSTM / BiLSTM / GRU / Conv1D+LSTM vs bag of "
    "embeddings and TF-IDF (your own labelled texts: the `text` study)"
)


@dataclass(frozen=True)
class Config(CaseStudyConfig):
    """Settings of the sentiment case study (defaults: the full IMDB run).

    The networks' fit is a custom loop over batches of word ids of similar
    length; of `training` it honours the solver, learning rate and its drops,
    gradient clipping, `max_epochs`, `mini_batch_size`, `shuffle`,
    `bucket_by_length`, `validation_patience` (on validation accuracy),
    `checkpoint_dir`, `time_budget`, `precision`, `seed` and `verbose`.
    """

    # data
    data: str | None = None  # CSV/TSV of labelled texts (own data: see `text`); None reads IMDB
    text_column: str = "text"  # column of the texts in `data`
    label_column: str = "label"  # column of the labels in `data`
    empty_texts: str = "drop"  # "drop" (logged) or "error": what to do with empty texts
    test_fraction: float = 0.2  # test share of `data` when it has no `split` column
    validation_fraction: float = 0.1  # share of the training texts held out, stratified
    max_train_texts: int | None = None  # use only this many training texts (stratified)
    max_test_texts: int | None = None  # use only this many test texts (stratified)
    vocabulary_size: int = 30000  # most frequent training words kept, "" and [UNK] included
    max_length: int = 500  # words the networks read of each text
    keep: str = "end"  # which words a long text keeps: its "start" or its "end"
    strip_accents: bool = False  # map á→a, ü→u (ñ is kept) before counting words
    embeddings_path: str | None = None  # starting vectors: GloVe, word2vec text or .vec file
    embedding_init: str = "word2vec"  # without a file: "word2vec" (on training texts) or "random"
    word2vec_epochs: int = 5  # passes of word2vec over the training texts
    # model
    models: tuple = MODELS  # models compared; at least one of RECURRENT, plus any BASELINES
    embedding_dim: int = 128  # size of the word vectors (a vector file sets its own)
    freeze_embeddings: bool = False  # keep the starting vectors fixed while training
    units: int = 128  # recurrent width (per direction for the BiLSTM)
    dropout: float = 0.3  # dropout before the head
    embedding_dropout: float = 0.3  # share of whole word vectors dropped while training
    pooling: str = "max_mean"  # head reads "max_mean" of the outputs over time, or "last" state
    # training
    training: TrainingConfig = TrainingConfig(  # the networks' fit: see
        initial_learn_rate=0.001, max_epochs=4, mini_batch_size=64, gradient_threshold=1.0,
        shuffle="every-epoch", validation_patience=1, validation_metric="accuracy",
    )  # fmt: skip
    # `lstm_apps.training.TrainingConfig`

    FAST: ClassVar[dict] = dict(
        max_train_texts=2000, max_test_texts=500, vocabulary_size=4000, max_length=80,
        embedding_dim=32, units=16, models=("bilstm", "bag_of_embeddings", "tfidf"),
        training=dict(max_epochs=3, initial_learn_rate=0.003),
    )  # fmt: skip
    RENAMED: ClassVar[dict] = {
        "learn_rate": "training.initial_learn_rate",
        "patience": "training.validation_patience",
    }

    def __post_init__(self):
        check_text_settings(self, NAME)


def check_text_settings(config, study=NAME):
    """The checks of the fields the `sentiment` and `text` Configs share.

    Args:
        config: the Config.
        study: the study's name, for messages.
    """
    unknown = [m for m in config.models if m not in MODELS]
    if unknown or not any(m in RECURRENT for m in config.models):
        raise ValueError(
            f"`models` must name at least one of {RECURRENT}, and only names from "
            f"{MODELS}. Received: models={config.models!r}"
        )
    check_choice("keep", config.keep, ("start", "end"))
    check_choice("embedding_init", config.embedding_init, ("word2vec", "random"))
    check_choice("empty_texts", config.empty_texts, ("drop", "error"))
    check_choice("pooling", config.pooling, ("max_mean", "last"))
    for name in ("vocabulary_size", "max_length", "embedding_dim", "units", "word2vec_epochs"):
        check_positive(name, getattr(config, name))
    for name in ("test_fraction", "validation_fraction", "dropout", "embedding_dropout"):
        check_rate(name, getattr(config, name))
    _check_training(config.training, study)


def _check_training(section: TrainingConfig, study):
    """Refuse training settings that the word-id fit cannot honour."""
    fixed = {
        "loss": ("auto", "the loss follows the classes (binary or categorical cross-entropy)"),
        "l2_regularization": (0.0, "use `dropout` and `embedding_dropout`"),
        "sequence_length": ("longest", "`max_length` sets the words read"),
        "sequence_padding_direction": ("right", "word ids are padded on the right"),
        "sequence_padding_value": (0.0, "word id 0 is the padding"),
    }
    for name, (value, hint) in fixed.items():
        if getattr(section, name) != value:
            raise ValueError(
                f"The {study} study needs `training.{name}={value!r}` ({hint}). "
                f"Received: training.{name}={getattr(section, name)!r}"
            )


# `lstm-apps tune sentiment`: one network per trial
TUNING = TuningSpec(
    metric="val_accuracy",
    direction="maximize",
    space={
        "models": Choice((("bilstm",), ("lstm",), ("gru",), ("cnn_lstm",))),
        "units": IntRange(32, 128, log=True),
        "dropout": DROPOUT,
        "embedding_dropout": DROPOUT,
        "training.initial_learn_rate": LEARN_RATE,
        "training.mini_batch_size": Choice((32, 64, 128)),
    },
)
