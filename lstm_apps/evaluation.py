"""Metrics as flat dicts with stable names.

Classification: `accuracy`, `balanced_accuracy`, `macro_f1`, `f1_<class>`,
`precision_<class>`, `recall_<class>`.
Regression: `rmse`, `mae`, `r2`, `within_10pct`.
Captions: `bleu_1` .. `bleu_4`, `exact_match`.
Both accept one value per sequence (arrays) or one value per time step
(lists of per-sequence arrays, which carry no padding).
"""

from __future__ import annotations

import collections

import numpy as np
from sklearn import metrics as skm

from lstm_apps.training import UNLABELLED, head_activation, predict


def _flatten(values) -> np.ndarray:
    """Stack per-time-step lists into one array; leave arrays as they are."""
    if isinstance(values, (list, tuple)) and values and np.ndim(values[0]) >= 1:
        return np.concatenate([np.asarray(v) for v in values])
    return np.asarray(values)


def _same_shape(t, p):
    """Drop a trailing axis of size 1 so `(n,)` targets meet `(n, 1)` outputs."""
    if p.ndim == t.ndim + 1 and p.shape[-1] == 1:
        p = p[..., 0]
    if t.ndim == p.ndim + 1 and t.shape[-1] == 1:
        t = t[..., 0]
    if t.shape != p.shape:
        raise ValueError(f"`y_true` and `y_pred` differ in shape: {t.shape} vs {p.shape}")
    return t, p


def classification_metrics(y_true, y_pred, class_names=None) -> dict[str, float]:
    """Accuracy, balanced accuracy, macro-F1 and per-class F1, precision and recall.

    `macro_f1` is the unweighted mean of the per-class F1 scores, for two
    classes as for more; the balanced accuracy is the mean per-class recall
    (of the classes present in `y_true`).

    Args:
        y_true, y_pred: integer class codes, per sequence or per time step.
            Steps whose true code is -1 (unlabelled) are left out.
        class_names: names for codes 0..K-1, used in the metric names;
            default the codes themselves.

    Returns:
        A flat dict, e.g. `{"accuracy": 0.97, "balanced_accuracy": 0.96,
        "macro_f1": 0.96, "f1_1": ..., "precision_1": ..., "recall_1": ...}`.
    """
    t, p = _same_shape(_flatten(y_true), _flatten(y_pred))
    labelled = t != UNLABELLED
    t, p = t[labelled], p[labelled]
    codes = np.arange(len(class_names)) if class_names is not None else np.unique(np.r_[t, p])
    names = [str(c) for c in (class_names if class_names is not None else codes)]
    precision, recall, f1, support = skm.precision_recall_fscore_support(
        t, p, labels=codes, zero_division=0
    )
    present = support > 0
    result = {
        "accuracy": float(skm.accuracy_score(t, p)),
        "balanced_accuracy": float(np.mean(recall[present])) if present.any() else float("nan"),
        "macro_f1": float(skm.f1_score(t, p, labels=codes, average="macro", zero_division=0)),
    }
    result.update({f"f1_{n}": float(v) for n, v in zip(names, f1)})
    result.update({f"precision_{n}": float(v) for n, v in zip(names, precision)})
    result.update({f"recall_{n}": float(v) for n, v in zip(names, recall)})
    return result


def regression_metrics(y_true, y_pred) -> dict[str, float]:
    """RMSE, MAE, R² and the share of predictions within ±10 % of the truth.

    `within_10pct` counts `|pred - true| <= 0.1 * |true|`.
    """
    t, p = _same_shape(_flatten(y_true).astype("float64"), _flatten(y_pred).astype("float64"))
    return {
        "rmse": float(np.sqrt(skm.mean_squared_error(t, p))),
        "mae": float(skm.mean_absolute_error(t, p)),
        "r2": float(skm.r2_score(t, p)),
        "within_10pct": float(np.mean(np.abs(p - t) <= 0.1 * np.abs(t))),
    }


def probabilities_to_labels(probabilities, kind):
    """Class codes from softmax (argmax) or sigmoid (> 0.5) outputs."""

    def one(p):
        p = np.asarray(p)
        return np.argmax(p, -1) if kind == "softmax" else (p[..., 0] > 0.5).astype("int64")

    if isinstance(probabilities, list):
        return [one(p) for p in probabilities]
    return one(probabilities)


def evaluate(model, x, y, *, class_names=None, padding_value=0.0) -> dict[str, float]:
    """Predict and score a model on sequences.

    Args:
        model: a trained model from `build_model`.
        x: sequences, as for `lstm_apps.train`.
        y: true class codes or targets, per sequence or per time step.
        class_names: class names for the per-class metric names.
        padding_value: the model's padding value, default 0.0.

    Returns:
        `classification_metrics` or `regression_metrics`, by the model's head.
    """
    kind = head_activation(model)
    outputs = predict(model, x, padding_value=padding_value)
    if kind == "linear":
        return regression_metrics(y, outputs)
    return classification_metrics(y, probabilities_to_labels(outputs, kind), class_names)


def bits_per_char(probabilities, targets) -> float:
    """Average -log2 of the probability given to each true next character.

    Args:
        probabilities: `(..., vocabulary)` softmax outputs.
        targets: integer codes of the true characters, shape `(...)`.
    """
    p = np.asarray(probabilities, dtype="float64")
    t = np.asarray(targets)
    if p.shape[:-1] != t.shape:
        raise ValueError(f"probabilities {p.shape} do not match targets {t.shape}")
    chosen = np.take_along_axis(p, t[..., None], axis=-1)[..., 0]
    return float(-np.mean(np.log2(np.clip(chosen, 1e-12, 1.0))))


def sample_next(probabilities, temperature=1.0, top_k=None, rng=None) -> int:
    """Draw the next code from one softmax output, reshaped by temperature and top-k.

    Args:
        probabilities: `(vocabulary,)` probabilities.
        temperature: > 0; below 1 sharpens, above 1 flattens. Default 1.
        top_k: keep only the k most likely codes, default None (all).
        rng: a `numpy.random.Generator` (seed it for repeatable samples).

    Raises:
        ValueError: for a temperature <= 0 or a top_k < 1.
    """
    if not temperature > 0:
        raise ValueError(f"`temperature` must be > 0. Received: temperature={temperature!r}")
    p = np.asarray(probabilities, dtype="float64")
    if top_k is not None:
        if not isinstance(top_k, (int, np.integer)) or top_k < 1:
            raise ValueError(f"`top_k` must be a positive integer. Received: top_k={top_k!r}")
        cutoff = np.sort(p)[-min(top_k, len(p))]
        p = np.where(p >= cutoff, p, 0.0)
    logits = np.log(np.clip(p, 1e-300, None)) / temperature
    logits[p == 0] = -np.inf
    weights = np.exp(logits - logits.max())
    rng = rng or np.random.default_rng()
    return int(rng.choice(len(p), p=weights / weights.sum()))


def caption_metrics(references, hypotheses) -> dict[str, float]:
    """Corpus BLEU-1..4 (NLTK) and the share of exact matches for generated captions.

    Args:
        references: for each item, its reference captions: a list of word
            lists (or one word list, when there is a single reference).
        hypotheses: the generated caption of each item, as a word list.

    Returns:
        `{"bleu_1": ..., "bleu_4": ..., "exact_match": ..., "distinct_captions":
        ..., "own_captions": ...}`. BLEU-n is the cumulative score with
        uniform weights over 1..n-grams and the brevity penalty, computed by
        `nltk.translate.bleu_score.corpus_bleu` without smoothing (as the
        usual captioning tutorials report it); `exact_match` is the share of
        hypotheses equal to one of their references. Two figures catch a
        captioner that writes the same sentence whatever it sees:
        `distinct_captions`, the number of different hypotheses over the
        number of items, and `own_captions`, the share of items whose
        hypothesis no other item got.
    """
    import warnings

    from nltk.translate.bleu_score import corpus_bleu

    if len(references) != len(hypotheses) or not len(hypotheses):
        raise ValueError(
            "`references` and `hypotheses` must be non-empty and of the same length. "
            f"Received: {len(references)} and {len(hypotheses)}"
        )
    refs = [[r] if r and isinstance(r[0], str) else list(r) for r in references]
    hyps = [list(h) for h in hypotheses]
    result = {}
    for n in range(1, 5):
        weights = tuple([1.0 / n] * n)
        with warnings.catch_warnings():  # NLTK warns when no n-gram matches: the score is 0
            warnings.simplefilter("ignore", UserWarning)
            result[f"bleu_{n}"] = float(corpus_bleu(refs, hyps, weights=weights))
    result["exact_match"] = float(np.mean([h in r for r, h in zip(refs, hyps)]))
    counts = collections.Counter(tuple(h) for h in hyps)
    result["distinct_captions"] = len(counts) / len(hyps)
    result["own_captions"] = float(np.mean([counts[tuple(h)] == 1 for h in hyps]))
    return result
