"""The models a sentiment run compares, their scores, and the TF-IDF baseline.

Every model of `Config.models` is scored on the same test texts with the same
measures (`scores`) and kept as a `ModelResult`; the run's comparison table
and figure are drawn from those results.
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
}
TFIDF_C = (1.0, 4.0, 16.0)  # inverse regularization strengths tried on validation


@dataclass
class ModelResult:
    """What one compared model scored on the test split.

    Args:
        probabilities: `(N, K)` class probabilities of the test texts.
        accuracy: test accuracy.
        f1: test F1 (binary: of the second class; else macro-averaged).
        roc_auc: test ROC-AUC (one-vs-rest with more than two classes).
        validation_accuracy: accuracy on the validation texts (NaN without them).
        train_seconds: seconds spent fitting, rounded to 0.1 s.
        epochs: epochs run by a network (None for TF-IDF).
        C: the logistic regression's inverse regularization chosen on
            validation (TF-IDF only).
    """

    probabilities: np.ndarray
    accuracy: float
    f1: float
    roc_auc: float
    validation_accuracy: float
    train_seconds: float
    epochs: int | None = None
    C: float | None = None

    @classmethod
    def score(cls, probabilities, labels, seconds, validation_accuracy, **extra) -> ModelResult:
        """The result of test `probabilities` against the test `labels`."""
        return cls(
            probabilities=probabilities,
            train_seconds=round(seconds, 1),
            validation_accuracy=validation_accuracy,
            **scores(labels, probabilities),
            **extra,
        )

    def summary(self) -> dict[str, float]:
        """The scores without the probabilities (and without fields that do not apply)."""
        names = ("train_seconds", "validation_accuracy", "accuracy", "f1", "roc_auc")
        out = {name: getattr(self, name) for name in names}
        if self.epochs is not None:
            out["epochs"] = self.epochs
        if self.C is not None:
            out["C"] = self.C
        return out


def scores(labels, probabilities) -> dict[str, float]:
    """Accuracy, F1 (binary: of the second class; else macro) and ROC-AUC.

    Args:
        labels: true class codes `(N,)`.
        probabilities: class probabilities `(N, K)`.

    Returns:
        `{"accuracy", "f1", "roc_auc"}`; ROC-AUC is NaN when a class is
        absent from `labels`.
    """
    from sklearn import metrics as skm

    predicted = np.argmax(probabilities, axis=1)
    binary = probabilities.shape[1] == 2
    try:
        auc = (
            skm.roc_auc_score(labels, probabilities[:, 1])
            if binary
            else skm.roc_auc_score(labels, probabilities, multi_class="ovr")
        )
    except ValueError:  # a class absent from a tiny test split
        auc = float("nan")
    return {
        "accuracy": float(skm.accuracy_score(labels, predicted)),
        "f1": float(skm.f1_score(labels, predicted, average="binary" if binary else "macro")),
        "roc_auc": float(auc),
    }


def validation_accuracy(predict_proba, inputs, labels) -> float:
    """Accuracy of `predict_proba(inputs)` on the validation split; NaN without one."""
    if inputs is None or not len(inputs):
        return float("nan")
    predicted = np.argmax(predict_proba(inputs), axis=1)
    return float(np.mean(predicted == labels))


def fit_tfidf(data, strip_accents=False):
    """TF-IDF of words and word pairs + logistic regression, `C` chosen on validation.

    Args:
        data: the run's `SentimentSplits` (raw texts and class codes).
        strip_accents: remove accents before counting words.

    Returns:
        `(pipeline, C, seconds)`: the fitted scikit-learn pipeline, the
        chosen `C` and the seconds spent (every `C` tried included).
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    start = time.perf_counter()
    best = None
    for c in TFIDF_C:
        pipeline = make_pipeline(
            TfidfVectorizer(
                preprocessor=_plain_text,
                ngram_range=(1, 2),
                min_df=2,
                max_df=0.9,
                sublinear_tf=True,
                strip_accents="unicode" if strip_accents else None,
            ),
            LogisticRegression(C=c, max_iter=2000),
        )
        pipeline.fit(data.text_train, data.y_train)
        if data.text_val is None:
            best = (0.0, c, pipeline)
            break
        score = pipeline.score(data.text_val, data.y_val)
        if best is None or score > best[0]:
            best = (score, c, pipeline)
    return best[2], best[1], time.perf_counter() - start


def _plain_text(text):
    return re.sub(r"<br\s*/?>", " ", text.lower())
