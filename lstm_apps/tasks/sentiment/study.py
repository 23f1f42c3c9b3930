"""Sentiment analysis: word indices → word embedding → LSTM → class (the course's N-to-1 case).

The default data is the IMDB Large Movie Review dataset (Maas et al. 2011):
50,000 reviews, the official 25k training / 25k test split, balanced. Any
CSV or TSV of labelled texts works too (`data=`, `text_column=`,
`label_column=`), in any language written in UTF-8, with two or more classes.

One run trains and compares, on the same split:

* embedding + LSTM, embedding + BiLSTM, embedding + GRU and embedding +
  Conv1D + LSTM, on word ids of the reviews' first or last `max_length`
  words, batched by length so that short reviews cost less;
* a bag-of-embeddings baseline (the average of the word vectors);
* TF-IDF of words and word pairs + logistic regression (scikit-learn), the
  classic strong baseline on IMDB.

The vocabulary is fit on the training texts only. Unless a vector file is
given, every network's embedding starts from skip-gram word2vec vectors
learned (gensim) on the whole training texts, unlabelled: on IMDB this lifts
the BiLSTM from about 0.876 to about 0.90 test accuracy. The recurrent model
with the best validation accuracy is kept with its vectorizer inside, so the
saved model reads raw text: `predict(run, ["a review"])`.

Helpers live beside this module: `data` (splits, word ids, batches),
`networks` (build, fit, read text), `comparison` (scores, TF-IDF),
`explain` (embedding neighbours, mistakes) and `plots`.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import keras
import numpy as np

from lstm_apps.checks import check_choice, check_positive, check_rate
from lstm_apps.data.inputs import read_texts
from lstm_apps.runs import Run
from lstm_apps.tasks.base import CaseStudyConfig
from lstm_apps.tasks.sentiment.comparison import (
    MODELS,
    RECURRENT,
    ModelResult,
    fit_tfidf,
    scores,
    validation_accuracy,
)
from lstm_apps.tasks.sentiment.data import SentimentSplits, read_splits
from lstm_apps.tasks.sentiment.networks import (
    build_network,
    fit_network,
    network_probabilities,
    text_model,
    text_probabilities,
)
from lstm_apps.training import TrainingConfig

log = logging.getLogger(__name__)

NAME = "sentiment"
DESCRIPTION = (
    "Sentiment of IMDB reviews (or any labelled text): embeddings + LSTM / BiLSTM / GRU / "
    "Conv1D+LSTM vs bag of embeddings and TF-IDF"
)


@dataclass(frozen=True)
class Config(CaseStudyConfig):
    """Settings of the sentiment case study (defaults: the full IMDB run).

    The networks' fit is a custom loop over batches of word ids of similar
    length; of `training` it honours the solver, learning rate and its drops,
    gradient clipping, `max_epochs`, `mini_batch_size`, `shuffle`,
    `bucket_by_length`, `validation_patience` (on validation accuracy),
    `checkpoint_dir`, `time_budget`, `seed` and `verbose`.
    """

    # data
    data: str | None = None  # CSV/TSV of labelled texts; None reads IMDB
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
        unknown = [m for m in self.models if m not in MODELS]
        if unknown or not any(m in RECURRENT for m in self.models):
            raise ValueError(
                f"`models` must name at least one of {RECURRENT}, and only names from "
                f"{MODELS}. Received: models={self.models!r}"
            )
        check_choice("keep", self.keep, ("start", "end"))
        check_choice("embedding_init", self.embedding_init, ("word2vec", "random"))
        check_choice("empty_texts", self.empty_texts, ("drop", "error"))
        check_choice("pooling", self.pooling, ("max_mean", "last"))
        for name in ("vocabulary_size", "max_length", "embedding_dim", "units", "word2vec_epochs"):
            check_positive(name, getattr(self, name))
        for name in ("test_fraction", "validation_fraction", "dropout", "embedding_dropout"):
            check_rate(name, getattr(self, name))
        _check_training(self.training)


def _check_training(section: TrainingConfig):
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
                f"The sentiment study needs `training.{name}={value!r}` ({hint}). "
                f"Received: training.{name}={getattr(section, name)!r}"
            )


@dataclass
class SentimentRun(Run):
    """A sentiment `Run`: the kept text model plus the comparison of every model.

    Args:
        networks: model kind → trained network on word ids (recurrent ones
            and the bag of embeddings).
        results: model kind → its `ModelResult` on the test texts, in
            `config.models` order.
        best: the recurrent kind kept as `model` (best validation accuracy).
        tfidf: the fitted TF-IDF pipeline, when "tfidf" is compared.
        (other arguments: see `Run`)
    """

    networks: dict[str, keras.Model] = field(default_factory=dict)
    results: dict[str, ModelResult] = field(default_factory=dict)
    best: str = ""
    tfidf: object = None


def load_data(config: Config = Config()) -> SentimentSplits:
    """Read, split and subsample the texts, fit the vocabulary on the training texts,
    encode every text as word ids and prepare the embedding's starting vectors."""
    return read_splits(config)


def build_model(config: Config, data: SentimentSplits):
    """The network of the first recurrent kind in `config.models`, on word ids.

    Every kind is built by `networks.build_network(config, data, kind)`.
    """
    kind = next(m for m in config.models if m in RECURRENT)
    return build_network(config, data, kind)


def train(
    config: Config = Config(), data: SentimentSplits | None = None, *, callbacks=()
) -> SentimentRun:
    """Train every model in `config.models`; the run keeps the best recurrent one.

    The kept network (best validation accuracy; the earlier kind in
    `RECURRENT` on ties) is wrapped with the vectorizer, so `run.model`
    reads raw text. `callbacks` are extra Keras callbacks for each network.
    """
    keras.utils.set_random_seed(config.training.seed or 0)
    data = data if data is not None else load_data(config)
    networks, histories, results, tfidf = {}, {}, {}, None
    for kind in config.models:
        if kind == "tfidf":
            tfidf, c, seconds = fit_tfidf(data, config.strip_accents)
            probabilities = tfidf.predict_proba(data.text_test)
            validation = validation_accuracy(tfidf.predict_proba, data.text_val, data.y_val)
            results[kind] = ModelResult.score(probabilities, data.y_test, seconds, validation, C=c)
            continue
        log.info("training %s", kind)
        network, history, seconds = fit_network(config, data, kind, callbacks)
        networks[kind], histories[kind] = network, history
        probabilities = network_probabilities(network, data.x_test)
        predict_proba = functools.partial(network_probabilities, network)
        validation = validation_accuracy(predict_proba, data.x_val, data.y_val)
        results[kind] = ModelResult.score(
            probabilities, data.y_test, seconds, validation, epochs=len(history["loss"])
        )
    best = max(
        (k for k in networks if k in RECURRENT),
        key=lambda k: (results[k].validation_accuracy, -RECURRENT.index(k)),
    )
    model = text_model(
        networks[best], data.vectorizer, config.max_length, config.keep, config.strip_accents
    )
    return SentimentRun(
        name=NAME,
        config=config,
        model=model,
        history=histories[best],
        data=data,
        networks=networks,
        results=results,
        best=best,
        tfidf=tfidf,
    )


def evaluate(run: Run) -> dict[str, float]:
    """Test accuracy, F1 and ROC-AUC of the kept text model on the raw test texts, then
    `{kind}_accuracy`, `_f1`, `_roc_auc`, `_train_seconds` and `_validation_accuracy`
    of every compared model, `embedding_coverage` and `word2vec_seconds` (all
    numbers; the kept model's name is `run.best`, shown in `comparison.md`).

    The test probabilities are kept in `run.predictions` for `figures`. A run
    loaded from a folder (`lstm-apps evaluate`) has no comparison: it gets
    the kept model's scores and the embedding metrics.
    """
    data = run.data
    probabilities = text_probabilities(run.model, data.text_test)
    run.predictions = probabilities
    metrics = scores(data.y_test, probabilities)
    results = run.results if isinstance(run, SentimentRun) else {}
    for kind, result in results.items():
        for key in ("accuracy", "f1", "roc_auc", "train_seconds", "validation_accuracy"):
            metrics[f"{kind}_{key}"] = getattr(result, key)
    if data.coverage is not None:
        metrics["embedding_coverage"] = data.coverage
    if data.embedding_seconds:
        metrics["word2vec_seconds"] = round(data.embedding_seconds, 1)
    return metrics


def predict(run: Run, inputs) -> list[tuple[str, float]]:
    """`(label, probability)` of the most probable class of each raw text in `inputs`."""
    texts = [inputs] if isinstance(inputs, str) else list(inputs)
    if not run.class_names:
        raise ValueError("The run folder has no class names (config.json); it is incomplete.")
    probabilities = text_probabilities(run.model, texts)
    best = np.argmax(probabilities, axis=1)
    return [(run.class_names[k], float(probabilities[i, k])) for i, k in enumerate(best)]


def read_inputs(source, config: Config) -> list[str]:
    """The texts of a `predict` argument: a .txt file (one text per line) or the text itself."""
    return read_texts(source)


def sample_input(run: Run, directory) -> str:
    """Write the first test text to `directory`/review.txt; returns the text itself
    (the CLI argument: `lstm-apps predict RUN_DIR "the text"`)."""
    text = " ".join(run.data.text_test[0].split())  # one line, as the command line passes it
    (Path(directory) / "review.txt").write_text(text + "\n", encoding="utf-8")
    return text


def figures(run: Run, directory) -> list[Path]:
    """Training progress, confusion matrix, model comparison and embedding map (PNG), and
    beside the figures folder `confident_mistakes.csv`, `nearest_words.json` and
    `comparison.md`. Works on a run that `evaluate` has not seen, and on a loaded run."""
    from lstm_apps.tasks.sentiment.plots import write_figures

    probabilities = run.predictions
    if probabilities is None:
        probabilities = text_probabilities(run.model, run.data.text_test)
    comparison = isinstance(run, SentimentRun)
    return write_figures(
        directory,
        model=run.model,
        data=run.data,
        probabilities=probabilities,
        history=run.history,
        results=run.results if comparison else None,
        best=run.best if comparison else None,
    )
