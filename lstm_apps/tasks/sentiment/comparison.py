"""The models a sentiment or text run compares, their scores, and the TF-IDF baseline.

Every model of `Config.models` is scored on the same test texts with the same
measures (`scores`) and kept as a `ModelResult`; the run's comparison
(`lstm_apps.comparison.compare`, through `compare_results`), its table and its
figure are drawn from those results.

Metric names are plain: `macro_f1` is the unweighted mean of the per-class F1
scores (for two classes as for more) and `f1_<class>` is the F1 of one class;
`f1_positive` (the F1 of one chosen class) is added only when asked for.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import numpy as np

RECURRENT = ("bilstm", "lstm", "gru", "cnn_lstm")
BASELINES = ("bag_of_embeddings", "tfidf")
MODELS = RECURRENT + BASELINES
LABELS = {
    "bilstm": "embedding + BiLSTM",
    "lstm": "embedding + LSTM",
    "gru": "embedding + GRU",
    "cnn_lstm": "embedding + Conv1D + LSTM",
    "bag_of_embeddings": "bag of embeddings",
    "tfidf": "TF-IDF + logistic regression",
    "ensemble": "recurrent network + TF-IDF, averaged",
}
TFIDF_C = (1.0, 4.0, 16.0)  # inverse regularization strengths tried on validation
# What the TF-IDF baseline counts: words of two or more letters or digits, and word pairs.
TFIDF_SETTINGS = dict(ngram_range=(1, 2), min_df=2, max_df=0.9, sublinear_tf=True)
# Accents removed by `strip_accents` (ñ is kept: a letter of its own in Spanish), as in
# `lstm_apps.models.text.standardize_text_without_accents`.
ACCENTS = {"a": "áàâäãå", "e": "éèêë", "i": "íìîï", "o": "óòôöõ", "u": "úùûü", "c": "ç", "y": "ýÿ"}


@dataclass
class ModelResult:
    """What one compared model scored on the test split.

    Args:
        probabilities: `(N, K)` class probabilities of the test texts.
        accuracy: test accuracy.
        macro_f1: test macro-F1 (the mean of the per-class F1 scores).
        roc_auc: test ROC-AUC (one-vs-rest with more than two classes).
        validation_accuracy: accuracy on the validation texts (NaN without them).
        train_seconds: seconds spent fitting, rounded to 0.1 s.
        epochs: epochs run by a network (None for TF-IDF).
        C: the logistic regression's inverse regularization chosen on
            validation (TF-IDF only).
        validation_probabilities: `(N_val, K)` probabilities of the validation
            texts (None without them).
    """

    probabilities: np.ndarray
    accuracy: float
    macro_f1: float
    roc_auc: float
    validation_accuracy: float
    train_seconds: float
    epochs: int | None = None
    C: float | None = None
    validation_probabilities: np.ndarray | None = None

    @classmethod
    def score(
        cls, probabilities, labels, seconds, validation_probabilities, validation_labels, **extra
    ) -> ModelResult:
        """The result of test `probabilities` against the test `labels`."""
        found = scores(labels, probabilities)
        return cls(
            probabilities=probabilities,
            accuracy=found["accuracy"],
            macro_f1=found["macro_f1"],
            roc_auc=found["roc_auc"],
            train_seconds=round(seconds, 1),
            validation_accuracy=accuracy_of(validation_probabilities, validation_labels),
            validation_probabilities=validation_probabilities,
            **extra,
        )

    def summary(self) -> dict[str, float]:
        """The scores without the probabilities (and without fields that do not apply)."""
        names = ("train_seconds", "validation_accuracy", "accuracy", "macro_f1", "roc_auc")
        out = {name: getattr(self, name) for name in names}
        if self.epochs is not None:
            out["epochs"] = self.epochs
        if self.C is not None:
            out["C"] = self.C
        return out


def scores(labels, probabilities, class_names=None, positive_class=None) -> dict[str, float]:
    """Accuracy, balanced accuracy, macro-F1, the F1 of each class and ROC-AUC.

    Args:
        labels: true class codes `(N,)`.
        probabilities: class probabilities `(N, K)`.
        class_names: names of the K classes, for the `f1_<class>` keys
            (default the codes).
        positive_class: a class name: adds `f1_positive`, the F1 of that class.

    Returns:
        `{"accuracy", "balanced_accuracy", "macro_f1", "f1_<class>"..., "roc_auc"}`
        (and `f1_positive`); ROC-AUC is NaN when a class is absent from `labels`.
    """
    from sklearn import metrics as skm

    from lstm_apps.evaluation import classification_metrics

    labels = np.asarray(labels)
    names = [str(c) for c in (class_names or range(probabilities.shape[1]))]
    predicted = np.argmax(probabilities, axis=1)
    found = classification_metrics(labels, predicted, names)
    out = {k: found[k] for k in ("accuracy", "balanced_accuracy", "macro_f1")}
    out.update({f"f1_{n}": found[f"f1_{n}"] for n in names})
    if positive_class is not None:
        out["f1_positive"] = found[f"f1_{positive_class}"]
    try:
        out["roc_auc"] = float(
            skm.roc_auc_score(labels, probabilities[:, 1])
            if probabilities.shape[1] == 2
            else skm.roc_auc_score(
                labels, probabilities, multi_class="ovr", labels=range(len(names))
            )
        )
    except ValueError:  # a class absent from a tiny test split
        out["roc_auc"] = float("nan")
    return out


def accuracy_of(probabilities, labels) -> float:
    """Accuracy of `(N, K)` probabilities; NaN without any (no validation split)."""
    if probabilities is None or not len(probabilities):
        return float("nan")
    return float(np.mean(np.argmax(probabilities, axis=1) == np.asarray(labels)))


def compare_results(results, labels, kept, *, skipped=(), seed=0):
    """`lstm_apps.comparison.compare` of every model's test probabilities on accuracy.

    Recurrent networks (and an ensemble holding one) are "network"
    candidates, the bag of embeddings and TF-IDF "baseline" ones.

    Args:
        results: model kind → `ModelResult`.
        labels: the test class codes.
        kept: the kind the run keeps (chosen on validation).
        skipped: `lstm_apps.comparison.Skipped` models, listed in the report.
        seed: seed of the bootstrap.

    Returns:
        A `lstm_apps.comparison.Comparison`.
    """
    from lstm_apps.comparison import Candidate, compare

    candidates = [
        Candidate(
            kind,
            "baseline" if kind in BASELINES else "network",
            r.probabilities,
            validation=r.validation_accuracy,
            seconds=r.train_seconds,
            details={k: v for k, v in (("epochs", r.epochs), ("C", r.C)) if v is not None},
        )
        for kind, r in results.items()
    ]
    return compare(candidates, labels, metric="accuracy", kept=kept, skipped=skipped, seed=seed)


def plain_text(text, strip_accents=False) -> str:
    """What TF-IDF reads of a text: lowercased, without "<br />" tags (and accents)."""
    text = re.sub(r"<br\s*/?>", " ", text.lower())
    if strip_accents:
        for plain, marked in ACCENTS.items():
            text = re.sub(f"[{marked}]", plain, text)
    return text


def _plain_text(text):
    return plain_text(text)


def _plain_text_without_accents(text):
    return plain_text(text, strip_accents=True)


def fit_tfidf(data, strip_accents=False, class_weight=None):
    """TF-IDF of words and word pairs + logistic regression, `C` chosen on validation.

    Args:
        data: the run's `SentimentSplits` (raw texts and class codes).
        strip_accents: remove accents (as `ACCENTS` says) before counting words.
        class_weight: None, or "balanced" to weigh each class inversely to its
            frequency (scikit-learn's convention).

    Returns:
        `(pipeline, C, seconds)`: the fitted scikit-learn pipeline, the
        chosen `C` and the seconds spent (every `C` tried included).
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from threadpoolctl import threadpool_limits

    start = time.perf_counter()
    best = None
    preprocessor = _plain_text_without_accents if strip_accents else _plain_text
    with threadpool_limits(1):
        for c in TFIDF_C:
            pipeline = make_pipeline(
                TfidfVectorizer(preprocessor=preprocessor, **TFIDF_SETTINGS),
                LogisticRegression(C=c, max_iter=2000, class_weight=class_weight),
            )
            pipeline.fit(data.text_train, data.y_train)
            if data.text_val is None:
                best = (0.0, c, pipeline)
                break
            score = pipeline.score(data.text_val, data.y_val)
            if best is None or score > best[0]:
                best = (score, c, pipeline)
    return best[2], best[1], time.perf_counter() - start
