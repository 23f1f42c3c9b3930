"""Sentiment analysis: word indices → word embedding → LSTM → class (the course's N-to-1 case).

The default data is the IMDB Large Movie Review dataset (Maas et al. 2011):
50,000 reviews, the official 25k training / 25k test split, balanced. A CSV
or TSV of labelled texts works too (`data=`, `text_column=`,
`label_column=`), but for your own texts, in any language and with two or
more classes, use the `text` study: the same models with defaults that adapt
to the data size, a separate test file, class weights, an ensemble and a
report with diagnostics (`lstm-apps run text --set data=my.csv`).

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

Metrics: `accuracy`, `balanced_accuracy`, `macro_f1` (the mean of the
per-class F1 scores), `f1_<class>` for each class and `roc_auc` of the kept
model; per compared model `{kind}_accuracy`, `_macro_f1`, `_roc_auc`,
`_validation_accuracy`, `_train_seconds`; and `margin_vs_baseline` (kept
model minus the best baseline in test accuracy) with its 95 % bootstrap
interval `margin_low`, `margin_high`. `report.md` and
`predictions/<model>.csv` (every model's test predictions) are written to
the run folder.

Helpers live beside this module (and serve the `text` study too): `data`
(splits, word ids, batches), `networks` (build, fit, read text),
`comparison` (scores, TF-IDF), `fitting` (the loop over the models),
`explain` (embedding neighbours, mistakes), `report` and `plots`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import keras

from lstm_apps.data.inputs import Inputs, check_texts, read_texts
from lstm_apps.runs import Run
from lstm_apps.tasks.sentiment.comparison import (  # noqa: F401 (MODELS: re-exported)
    MODELS,
    RECURRENT,
    ModelResult,
    compare_results,
    scores,
)
from lstm_apps.tasks.sentiment.config import DESCRIPTION, NAME, Config  # noqa: F401 (re-exported)
from lstm_apps.tasks.sentiment.data import SentimentSplits, read_splits
from lstm_apps.tasks.sentiment.fitting import fit_models, keep_best
from lstm_apps.tasks.sentiment.networks import (
    build_network,
    check_network_sizes,
    most_probable_labels,
    text_model,
    text_probabilities,
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
        comparison: the `lstm_apps.comparison.Comparison` of every model on
            test accuracy (which won, the kept model against the best
            baseline with a bootstrap interval, validation/test disagreement).
        (other arguments: see `Run`)
    """

    networks: dict[str, keras.Model] = field(default_factory=dict)
    results: dict[str, ModelResult] = field(default_factory=dict)
    best: str = ""
    tfidf: object = None
    comparison: object = None


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
    if data is None:  # before word2vec: the vocabulary holds at most `vocabulary_size` words
        check_network_sizes(
            config, config.vocabulary_size, embedding_dim=1 if config.embeddings_path else None
        )
        data = load_data(config)
    dim = None if data.embeddings is None else data.embeddings.shape[1]
    check_network_sizes(config, len(data.vocabulary), len(data.class_names), dim)
    fitted = fit_models(config, data, callbacks)
    best = keep_best(fitted.results)
    model = text_model(
        fitted.networks[best], data.vectorizer, config.max_length, config.keep, config.strip_accents
    )
    return SentimentRun(
        name=NAME,
        config=config,
        model=model,
        history=fitted.histories[best],
        data=data,
        networks=fitted.networks,
        results=fitted.results,
        best=best,
        tfidf=fitted.tfidf,
        comparison=compare_results(fitted.results, data.y_test, best),
    )


def evaluate(run: Run) -> dict[str, float]:
    """Scores of the kept text model on the raw test texts and of every compared model.

    The kept model's `accuracy`, `balanced_accuracy`, `macro_f1`, `f1_<class>`
    and `roc_auc`; then `{kind}_accuracy`, `_macro_f1`, `_roc_auc`,
    `_train_seconds` and `_validation_accuracy` of every compared model, the
    kept model's margin over the best baseline (`margin_vs_baseline`,
    `margin_low`, `margin_high`), `embedding_coverage` and `word2vec_seconds`
    (all numbers; the kept model's name is `run.best`, shown in `report.md`).

    The test probabilities are kept in `run.predictions` for `figures`. A run
    loaded from a folder (`lstm-apps evaluate`) has no comparison: it gets
    the kept model's scores and the embedding metrics.
    """
    data = run.data
    probabilities = text_probabilities(run.model, data.text_test)
    run.predictions = probabilities
    metrics = scores(data.y_test, probabilities, data.class_names)
    results = run.results if isinstance(run, SentimentRun) else {}
    for kind, result in results.items():
        for key in ("accuracy", "macro_f1", "roc_auc", "train_seconds", "validation_accuracy"):
            metrics[f"{kind}_{key}"] = getattr(result, key)
    if results and run.comparison is not None and run.comparison.best_baseline is not None:
        c = run.comparison
        metrics.update(margin_vs_baseline=c.margin, margin_low=c.low, margin_high=c.high)
    return metrics | data.embedding_metrics()


def predict(run: Run, inputs) -> list[tuple[str, float]]:
    """`(label, probability)` of the most probable class of each raw text in `inputs`."""
    return most_probable_labels(run.model, check_texts(inputs, NAME), run.class_names)


def read_inputs(source, config: Config) -> Inputs:
    """The texts of a `predict` argument: a .txt file (one text per line) or the text itself."""
    return read_texts(
        source,
        "sentiment predicts texts: give the text itself or a .txt file with one text per line.",
    )


def sample_input(run: Run, directory) -> str:
    """Write the first test text to `directory`/review.txt; returns the text itself
    (the CLI argument: `lstm-apps predict RUN_DIR "the text"`)."""
    text = " ".join(run.data.text_test[0].split())  # one line, as the command line passes it
    (Path(directory) / "review.txt").write_text(text + "\n", encoding="utf-8")
    return text


def figures(run: Run, directory) -> list[Path]:
    """Training progress, confusion matrix, model comparison and embedding map (PNG), and
    beside the figures folder `report.md`, `predictions/<model>.csv`,
    `confident_mistakes.csv`, `nearest_words.json` and `comparison.md`. Works on
    a run that `evaluate` has not seen, and on a loaded run."""
    from lstm_apps.tasks.sentiment.plots import write_run_figures

    full = isinstance(run, SentimentRun)
    title = f"Sentiment run, kept model: {run.best if full else 'loaded'}"
    return write_run_figures(run, directory, full=full, report={"title": title})
