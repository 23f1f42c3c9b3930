"""Settings of the text study: its `Config`, `NAME` and `DESCRIPTION`.

Apart from `study.py`, and free of Keras, so that `lstm-apps list` and the
checks of `lstm-apps run text --set FIELD=VALUE` run before TensorFlow is
imported. `study.py` re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from lstm_apps.checks import check_bool, check_choice, check_positive
from lstm_apps.tasks.base import CaseStudyConfig
from lstm_apps.tasks.sentiment.config import TUNING as SENTIMENT_TUNING
from lstm_apps.tasks.sentiment.config import check_text_settings
from lstm_apps.training.options import TrainingConfig

NAME = "text"
DESCRIPTION = (
    "Your own labelled texts (any language, 2+ classes): embedding + BiLSTM, and its average "
    "with TF-IDF, against TF-IDF + logistic regression and a bag of embeddings in one run"
)
IMDB_TEXTS = 5000  # training and test texts read of IMDB when `data` is None
# The training section's defaults; the fields left at them are sized from the data
# (`adapt.adapt_text_training`).
TRAINING = TrainingConfig(
    initial_learn_rate=0.002, max_epochs=20, mini_batch_size=32, gradient_threshold=1.0,
    shuffle="every-epoch", validation_patience=3, validation_metric="accuracy",
)  # fmt: skip


@dataclass(frozen=True)
class Config(CaseStudyConfig):
    """Settings of the text study (defaults: for your own data; without `data`, IMDB).

    The networks' fit is the sentiment study's loop over batches of word ids
    of similar length; `training.max_epochs`, `training.mini_batch_size` and
    `training.validation_patience` left at their defaults are sized from the
    number of training texts (and logged). Early stopping watches the
    validation accuracy and restores the best epoch's weights.
    """

    # data
    data: str | None = None  # CSV/TSV of labelled texts (optional `split` column); None: IMDB
    text_column: str = "text"  # column of the texts in `data` and `test_data`
    label_column: str = "label"  # column of the labels in `data` and `test_data`
    test_data: str | None = None  # CSV/TSV used whole as the test set (e.g. another site)
    empty_texts: str = "drop"  # "drop" (logged) or "error": what to do with empty texts
    test_fraction: float = 0.2  # test share of `data` without a split column or `test_data`
    validation_fraction: float = 0.15  # share of the training texts held out, stratified
    max_train_texts: int | None = None  # use only this many training texts; None: all (IMDB: 5000)
    max_test_texts: int | None = None  # use only this many test texts; None: all (IMDB: 5000)
    vocabulary_size: int = 30000  # most frequent training words kept, "" and [UNK] included
    min_word_count: int = 3  # words seen fewer times in the training texts read as unknown
    max_length: int = 300  # words the networks read of each text
    keep: str = "end"  # which words a long text keeps: its "start" or its "end"
    strip_accents: bool = False  # map á→a, ü→u (ñ is kept) before counting words
    embeddings_path: str | None = None  # starting vectors: GloVe, word2vec text or .vec file
    embedding_init: str = "word2vec"  # without a file: "word2vec" (on training texts) or "random"
    word2vec_epochs: int = 10  # passes of word2vec over the training texts
    # model
    models: tuple = ("bilstm", "bag_of_embeddings", "tfidf")  # networks and baselines compared
    ensemble: bool = True  # also compare the kept network averaged with TF-IDF (needs both)
    embedding_dim: int = 128  # size of the word vectors (a vector file sets its own)
    freeze_embeddings: bool = False  # keep the starting vectors fixed while training
    units: int = 64  # recurrent width (per direction for the BiLSTM)
    dropout: float = 0.3  # dropout before the head
    embedding_dropout: float = 0.3  # share of whole word vectors dropped while training
    pooling: str = "max_mean"  # head reads "max_mean" of the outputs over time, or "last" state
    # training
    class_weight: str = "none"  # "none" or "balanced" (classes weighed inversely to their size)
    training: TrainingConfig = TRAINING  # the networks' fit (`lstm_apps.training.TrainingConfig`)
    # evaluation
    positive_class: str | None = None  # a class name: also report its F1 as `f1_positive`

    FAST: ClassVar[dict] = dict(
        max_train_texts=300, max_test_texts=200, vocabulary_size=2000, max_length=40,
        embedding_dim=16, units=8, word2vec_epochs=1, training=dict(max_epochs=2),
    )  # fmt: skip

    def __post_init__(self):
        check_text_settings(self, NAME)
        check_choice("class_weight", self.class_weight, ("none", "balanced"))
        check_bool("ensemble", self.ensemble)
        check_positive("min_word_count", self.min_word_count)
        for name in ("max_train_texts", "max_test_texts"):
            check_positive(name, getattr(self, name), allow_none=True)
        if self.positive_class is not None and not isinstance(self.positive_class, str):
            raise TypeError(
                "`positive_class` must be a class name (text). "
                f"Received: positive_class={self.positive_class!r}"
            )


# `lstm-apps tune text`: the sentiment study's search, one network per trial, without
# the TF-IDF average
TUNING = SENTIMENT_TUNING.replace(fixed={"ensemble": False})
