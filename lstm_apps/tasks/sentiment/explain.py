"""What a sentiment model learned: its word vectors, their neighbours, its surest mistakes."""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd

PROBE_WORDS = ("great", "excellent", "awful", "boring", "funny", "worst", "love", "waste")


def embedding_matrix(model) -> np.ndarray:
    """The learned word vectors `(vocabulary, dim)` of a network or saved text model."""
    for layer in model._flatten_layers(include_self=False, recursive=True):
        if isinstance(layer, keras.layers.Embedding):
            return np.asarray(layer.embeddings)
    raise ValueError(f"Model {model.name!r} has no Embedding layer")


def nearest_words(matrix, vocabulary, words, k=8) -> dict[str, list[tuple[str, float]]]:
    """The `k` words with the most similar vectors (cosine) to each word found in `vocabulary`.

    Args:
        matrix: word vectors `(vocabulary, dim)`.
        vocabulary: index → word (0 padding, 1 unknown).
        words: the words to look up; those not in `vocabulary` are skipped.
        k: neighbours per word.

    Returns:
        word → `[(neighbour, cosine similarity), ...]`, most similar first.
    """
    index = {w: i for i, w in enumerate(vocabulary)}
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    unit = matrix / np.where(norms == 0, 1, norms)
    found = {}
    for word in words:
        if word not in index or index[word] < 2:
            continue
        similarity = unit @ unit[index[word]]
        similarity[[0, 1, index[word]]] = -np.inf  # padding, unknown, the word itself
        best = np.argsort(-similarity)[:k]
        found[word] = [(vocabulary[i], round(float(similarity[i]), 3)) for i in best]
    return found


def probe_words(vocabulary) -> list[str]:
    """The `PROBE_WORDS` found in `vocabulary`, else its first eight real words."""
    known = set(vocabulary)
    return [w for w in PROBE_WORDS if w in known] or list(vocabulary[2:10])


def confident_mistakes(data, probabilities, count=10) -> pd.DataFrame:
    """The test texts misclassified with the highest probability.

    Args:
        data: the `SentimentSplits` (test texts, codes and class names).
        probabilities: `(N, K)` class probabilities of the test texts.
        count: rows to return.

    Returns:
        A frame with the text (its first 400 characters), label, predicted
        class and its probability, surest first.
    """
    predicted = np.argmax(probabilities, axis=1)
    wrong = np.flatnonzero(predicted != data.y_test)
    confidence = probabilities[wrong, predicted[wrong]]
    order = wrong[np.argsort(-confidence)][:count]
    return pd.DataFrame(
        {
            "text": [data.text_test[i][:400] for i in order],
            "label": [data.class_names[data.y_test[i]] for i in order],
            "predicted": [data.class_names[predicted[i]] for i in order],
            "probability": [round(float(probabilities[i, predicted[i]]), 4) for i in order],
        }
    )
