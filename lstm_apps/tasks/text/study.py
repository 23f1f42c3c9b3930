"""Text classification on your own labelled texts: any language, two or more classes.

Give a CSV or TSV with a text column and a label column (`data=`,
`text_column=`, `label_column=`); a `split` column ("train", "validation",
"test") fixes the splits, otherwise they are drawn stratified. A second file,
`test_data=`, is used whole as the test set: train on two sites and test on
a third to see how a model carries over to new data (domain shift). Without
`data`, a 5,000-review subset of IMDB is read (offline from
`LSTM_APPS_DATA_DIR`).

One run fits and compares, on the same split (the sentiment study's
machinery, `lstm_apps.tasks.sentiment`):

* embedding + BiLSTM (or LSTM, GRU, Conv1D + LSTM: `models=`) on word ids,
  its embedding started from word2vec vectors learned on the training texts;
* the baselines a user would pick instead: TF-IDF of words and word pairs
  + logistic regression, and the bag of embeddings;
* the "ensemble": the kept network averaged with TF-IDF, each calibrated on
  validation (`ensemble.py`; `ensemble=False` turns it off).

The run keeps the network, or the ensemble, with the best validation
accuracy; nothing is chosen on the test texts. `report.md` states which
model won on test and by how much the kept model beats or trails the best
baseline, with a 95 % paired bootstrap interval, and flags a validation
split that the test split contradicts. Every model's test predictions are
written to `predictions/<model>.csv`.

Defaults adapt to the data: epochs, batch size and patience are sized from
the number of training texts (`adapt.py`, logged), and the vocabulary keeps
the words seen at least `min_word_count` (3) times in the training texts, so
that no embedding row only memorizes the one text a rare word came from. Diagnostics (underfitting,
overfitting, a fit that had not converged, class imbalance, validation/test
disagreement) are logged and written to the report; `class_weight="balanced"`
weighs the classes inversely to their size, and the balanced accuracy is
always reported.

Metrics: `accuracy`, `balanced_accuracy`, `macro_f1` (the mean of the
per-class F1 scores), `f1_<class>` for every class and `roc_auc` of the kept
model; `f1_positive` only with `positive_class=`; per compared model
`{model}_accuracy`, `_macro_f1`, `_validation_accuracy` and
`_train_seconds`; `margin_vs_baseline`, `margin_low`, `margin_high`; and
`embedding_coverage`, the share of the vocabulary that had a starting vector.

Pretrained vectors: no package on the package registry ships static word
vectors for English and Spanish inside it (spaCy's md/lg models are not on
PyPI; the Spanish small model has no static vectors; bpemb and chakin
download at run time, which this package never does). So the embedding
starts from word2vec on your own training texts (gensim), or from a GloVe,
word2vec-text or fastText `.vec` file you have (`embeddings_path=`); the
report gives the coverage either way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np

from lstm_apps.comparison import Skipped, balanced_class_weight
from lstm_apps.data.inputs import Inputs, check_texts, read_texts
from lstm_apps.diagnostics import diagnoses_markdown, log_diagnoses
from lstm_apps.runs import Run
from lstm_apps.tasks.sentiment.comparison import ModelResult, compare_results, scores
from lstm_apps.tasks.sentiment.data import SentimentSplits, id_lengths, read_splits
from lstm_apps.tasks.sentiment.fitting import fit_models, keep_best
from lstm_apps.tasks.sentiment.networks import (
    build_network,
    check_network_sizes,
    most_probable_labels,
    text_model,
    text_probabilities,
)
from lstm_apps.tasks.text.adapt import adapt_text_training, data_diagnoses, fit_diagnoses
from lstm_apps.tasks.text.config import (  # noqa: F401 (re-exported)
    DESCRIPTION,
    IMDB_TEXTS,
    NAME,
    TRAINING,
    Config,
)
from lstm_apps.tasks.text.ensemble import ensemble_model, fit_average
from lstm_apps.tasks.text.tfidf import tfidf_layer

log = logging.getLogger(__name__)


@dataclass
class TextRun(Run):
    """A text `Run`: the kept text model plus the comparison of every model.

    Args:
        networks: model kind → trained network on word ids.
        results: model kind → its `ModelResult` on the test texts ("ensemble"
            included when it was fitted).
        best: the name of the kept model (a recurrent kind or "ensemble").
        network: the recurrent kind with the best validation accuracy (the
            ensemble's member when the ensemble is kept).
        comparison: the `lstm_apps.comparison.Comparison` on test accuracy.
        tfidf: the fitted TF-IDF pipeline (scikit-learn), when compared.
        adapted: the training settings sized from the data, `{field: value}`.
        temperatures: the ensemble's `(network, TF-IDF)` temperatures, if fitted.
        diagnoses: what `lstm_apps.diagnostics` found in the data and the fit.
        (other arguments: see `Run`)
    """

    networks: dict = field(default_factory=dict)
    results: dict = field(default_factory=dict)
    best: str = ""
    network: str = ""
    comparison: object = None
    tfidf: object = None
    adapted: dict = field(default_factory=dict)
    temperatures: tuple | None = None
    diagnoses: list = field(default_factory=list)


def load_data(config: Config = Config()) -> SentimentSplits:
    """Read and split the texts (`test_data` whole as the test set), fit the vocabulary on
    the training texts, encode them as word ids and prepare the embedding's starting vectors."""
    if config.data is None:  # the IMDB subset
        config = config.replace(
            max_train_texts=config.max_train_texts or IMDB_TEXTS,
            max_test_texts=config.max_test_texts or IMDB_TEXTS,
        )
    return read_splits(
        config,
        test_data=config.test_data,
        check_classes=lambda names: _check_positive_class(config, names),
        min_count=config.min_word_count,
    )


def build_model(config: Config, data: SentimentSplits):
    """The network of the first recurrent kind in `config.models`, on word ids."""
    from lstm_apps.tasks.sentiment.comparison import RECURRENT

    return build_network(config, data, next(m for m in config.models if m in RECURRENT))


def train(config: Config = Config(), data: SentimentSplits | None = None, *, callbacks=()):
    """Fit every model of `config.models` (and the ensemble), keep the best on validation.

    The training settings left at their defaults are first sized from the
    number of training texts, and the run's Config records the values used.
    """
    keras.utils.set_random_seed(config.training.seed or 0)
    if data is None:
        check_network_sizes(
            config, config.vocabulary_size, embedding_dim=1 if config.embeddings_path else None
        )
        data = load_data(config)
    _check_positive_class(config, data.class_names)
    dim = None if data.embeddings is None else data.embeddings.shape[1]
    check_network_sizes(config, len(data.vocabulary), len(data.class_names), dim)
    training, adapted = adapt_text_training(
        config.training, TRAINING, len(data.y_train), data.y_val is not None
    )
    if adapted:
        log.info("training settings sized from %d training texts: %s", len(data.y_train), adapted)
    config = config.replace(training=training)
    found = data_diagnoses(data)
    log_diagnoses(found, NAME)
    skipped = _skipped(config, data)  # logged before training starts
    weights = None
    if config.class_weight == "balanced":
        weights = balanced_class_weight(data.y_train, len(data.class_names))
    fitted = fit_models(config, data, callbacks, weights)
    results, network = dict(fitted.results), keep_best(fitted.results)
    model = text_model(
        fitted.networks[network],
        data.vectorizer,
        config.max_length,
        config.keep,
        config.strip_accents,
    )
    best, temperatures = network, None
    if config.ensemble and not skipped:
        temperatures, ensemble, results["ensemble"] = _average(config, data, fitted, network, model)
        if results["ensemble"].validation_accuracy > results[network].validation_accuracy:
            best, model = "ensemble", ensemble
    comparison = compare_results(
        results, data.y_test, best, skipped=skipped, seed=config.training.seed or 0
    )
    fit_found = fit_diagnoses(
        fitted.histories[network], data, config.training.max_epochs, comparison, config.test_data
    )
    log_diagnoses(fit_found, NAME)
    return TextRun(
        name=NAME,
        config=config,
        model=model,
        history=fitted.histories[network],
        data=data,
        networks=fitted.networks,
        results=results,
        best=best,
        network=network,
        comparison=comparison,
        tfidf=fitted.tfidf,
        adapted=adapted,
        temperatures=temperatures,
        diagnoses=found + fit_found,
    )


def _skipped(config, data) -> list[Skipped]:
    """The ensemble, skipped (and logged) when it cannot be fitted."""
    if not config.ensemble:
        return []
    reason = None
    if "tfidf" not in config.models:
        reason = 'it averages the network with TF-IDF: put "tfidf" in `models`'
    elif data.y_val is None:
        reason = "its calibration needs validation texts (`validation_fraction` > 0)"
    if reason is None:
        return []
    log.warning("%s: the ensemble is skipped: %s", NAME, reason)
    return [Skipped("ensemble", reason)]


def _average(config, data, fitted, best, network_model):
    """The kept network averaged with TF-IDF: temperatures, the text model, its result."""
    members = [fitted.results[best], fitted.results["tfidf"]]
    temperatures, validation, test = fit_average(
        [m.validation_probabilities for m in members],
        data.y_val,
        [m.probabilities for m in members],
        seed=config.training.seed or 0,
    )
    log.info("ensemble: temperatures %.3g (%s) and %.3g (tfidf)", temperatures[0], best,
             temperatures[1])  # fmt: skip
    layer = tfidf_layer(fitted.tfidf, config.strip_accents)
    model = ensemble_model(network_model, layer, temperatures)
    result = ModelResult.score(
        test, data.y_test, sum(m.train_seconds for m in members), validation, data.y_val
    )
    return tuple(temperatures), model, result


def evaluate(run: Run) -> dict[str, float]:
    """Scores of the kept text model on the raw test texts and of every compared model.

    The kept model's `accuracy`, `balanced_accuracy`, `macro_f1`, `f1_<class>`,
    `roc_auc` (and `f1_positive` with `positive_class`); per compared model
    `{model}_accuracy`, `_macro_f1`, `_validation_accuracy`, `_train_seconds`;
    the kept model's margin over the best baseline (`margin_vs_baseline`,
    `margin_low`, `margin_high`); `embedding_coverage` and `word2vec_seconds`.
    A run loaded from a folder gets the kept model's scores and the embedding
    metrics. The test probabilities are kept in `run.predictions` for `figures`.
    """
    data, config = run.data, run.config
    probabilities = text_probabilities(run.model, data.text_test)
    run.predictions = probabilities
    metrics = scores(data.y_test, probabilities, data.class_names, config.positive_class)
    if isinstance(run, TextRun) and run.comparison is not None:
        metrics.update(run.comparison.metrics())
        for kind, result in run.results.items():
            metrics[f"{kind}_macro_f1"] = result.macro_f1
            metrics[f"{kind}_validation_accuracy"] = result.validation_accuracy
    return metrics | data.embedding_metrics()


def predict(run: Run, inputs) -> list[tuple[str, float]]:
    """`(label, probability)` of the most probable class of each raw text in `inputs`."""
    return most_probable_labels(run.model, check_texts(inputs, NAME), run.class_names)


def read_inputs(source, config: Config) -> Inputs:
    """The texts of a `predict` argument: a .txt file (one text per line) or the text itself."""
    return read_texts(
        source, "text predicts texts: give the text itself or a .txt file with one text per line."
    )


def sample_input(run: Run, directory) -> str:
    """Write the first test text to `directory`/text.txt; returns the text itself
    (the CLI argument: `lstm-apps predict RUN_DIR "the text"`)."""
    text = " ".join(run.data.text_test[0].split())  # one line, as the command line passes it
    (Path(directory) / "text.txt").write_text(text + "\n", encoding="utf-8")
    return text


def figures(run: Run, directory) -> list[Path]:
    """Training progress, confusion matrix, model comparison and embedding map (PNG), and in
    the run folder `report.md`, `predictions/<model>.csv` (every compared model),
    `confident_mistakes.csv`, `nearest_words.json` and `comparison.md`. Works on a run
    that `evaluate` has not seen, and on a loaded run (then without the comparison)."""
    from lstm_apps.tasks.sentiment.plots import write_run_figures

    full = isinstance(run, TextRun)
    report = {
        "title": f"Text run, kept model: {run.best if full else 'loaded'}",
        "sections": _sections(run) if full else [],
        "positive_class": run.config.positive_class,
    }
    return write_run_figures(run, directory, full=full, report=report)


def _sections(run: TextRun) -> list[str]:
    config = run.config
    lines = ["## Settings", ""]
    sized = ", ".join(f"`training.{k}={v}`" for k, v in run.adapted.items())
    lines.append(
        f"Sized from the {len(run.data.y_train)} training texts: {sized}."
        if sized
        else "Training settings as given (none sized from the data)."
    )
    lines.append(
        f"Vocabulary: the {len(run.data.vocabulary) - 2} words seen at least "
        f"{config.min_word_count} times in the training texts (others read as unknown)."
    )
    lines.append(
        f"Class weights: {config.class_weight}. Words read per text: at most "
        f"{config.max_length} (median {int(np.median(id_lengths(run.data.x_train)))} in training)."
    )
    if run.temperatures:
        lines.append(
            f"Ensemble: the kept network and TF-IDF, each calibrated on validation "
            f"(temperatures {run.temperatures[0]:.3g} and {run.temperatures[1]:.3g}), averaged; "
            f"its validation accuracy is cross-fitted on two halves. "
            f"The run keeps {'the ensemble' if run.best == 'ensemble' else run.network}."
        )
    return ["\n".join(lines) + "\n", diagnoses_markdown(run.diagnoses)]


def _check_positive_class(config, class_names):
    if config.positive_class is None:
        return
    if config.positive_class not in class_names:
        raise ValueError(
            f"`positive_class` must be one of the classes {list(class_names)}. "
            f"Received: positive_class={config.positive_class!r}"
        )
    if "positive" in class_names and config.positive_class != "positive":
        raise ValueError(
            "A class is named 'positive', so the metric `f1_positive` would be ambiguous: "
            "set `positive_class='positive'` or leave it unset. "
            f"Received: positive_class={config.positive_class!r}"
        )
