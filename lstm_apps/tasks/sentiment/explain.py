"""What a text model learned: its word vectors, their neighbours, its surest mistakes.

The words whose neighbours are reported come from the run's own vocabulary
(`probe_words`), so a Spanish or Catalan run looks up its own words.
`PROBE_WORDS` are a few English review words kept for IMDB examples.
"""

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


def probe_words(vocabulary, ids=None, labels=None, count=12, frequent=2000) -> list[str]:
    """Words of the run's own vocabulary to look up neighbours of, in any language.

    With the training word ids and labels: among the `frequent` most frequent
    words (found in at least 0.5 % of the texts), those whose share of texts
    is highest in one class against the others (a smoothed log ratio), an
    equal number per class ("awful", "worst" ... and "great", "excellent"
    ... on IMDB; "pésimo", "encantó" ... on Spanish reviews). Without them,
    the most frequent words.

    Args:
        vocabulary: index → word (0 padding, 1 unknown), most frequent first.
        ids: the training texts' word ids, one array per text.
        labels: their class codes.
        count: words to return, at most.
        frequent: how many of the most frequent words are candidates.

    Returns:
        Words of `vocabulary`, grouped by the class they mark.
    """
    top = min(len(vocabulary), frequent + 2)
    if ids is None or labels is None or top <= 2:
        return [str(w) for w in vocabulary[2 : 2 + count]]
    labels = np.asarray(labels)
    classes = np.unique(labels)
    texts = np.zeros((len(classes), top))  # texts of each class holding each word
    for k, c in enumerate(classes):
        for i in np.flatnonzero(labels == c):
            row = np.asarray(ids[i])
            texts[k, np.unique(row[row < top])] += 1
    sizes = np.array([np.sum(labels == c) for c in classes], float)[:, None]
    share = (texts + 1) / (sizes + 2)
    elsewhere = (texts.sum(0) - texts + 1) / (sizes.sum() - sizes + 2)
    lift = np.log(share / elsewhere)
    lift[:, texts.sum(0) < max(2, 0.005 * len(labels))] = -np.inf
    lift[:, :2] = -np.inf  # padding and unknown words
    chosen = []
    for k in range(len(classes)):
        picked = 0
        for i in np.argsort(-lift[k], kind="stable"):
            if picked == max(1, count // len(classes)) or not np.isfinite(lift[k, i]):
                break
            if i not in chosen:
                chosen.append(int(i))
                picked += 1
    return [str(vocabulary[i]) for i in chosen] or [str(w) for w in vocabulary[2 : 2 + count]]


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
