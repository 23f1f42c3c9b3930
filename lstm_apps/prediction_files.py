"""The CSV files of a run's test predictions, one per compared model."""

from __future__ import annotations

import csv

import numpy as np


def codes_of(predictions) -> np.ndarray:
    """Class codes from `(N, K)` probabilities, `(N, 1)` sigmoid outputs or `(N,)` codes."""
    predictions = np.asarray(predictions)
    if predictions.ndim >= 2 and predictions.shape[-1] == 1:
        return (predictions[..., 0] > 0.5).astype(int)
    return np.argmax(predictions, axis=-1) if predictions.ndim >= 2 else predictions.astype(int)


def write_prediction_rows(path, predictions, y_true, ids, class_names=None) -> None:
    """Write one model's test predictions to the CSV file `path`.

    Classification (`class_names` given): id, true label, predicted label and
    one probability column per class when the predictions are probabilities.
    Otherwise: id, true value(s) and predicted value(s), flattened per item.
    """
    with open(path, "w", newline="", encoding="utf-8") as handle:
        _write_rows(csv.writer(handle), predictions, y_true, ids, class_names)


def _write_rows(writer, predictions, y_true, ids, class_names):
    predictions = np.asarray(predictions)
    if class_names is not None:
        names = [str(n) for n in class_names]
        codes = codes_of(predictions)
        probabilities = predictions.ndim == 2 and predictions.shape[1] == len(names)
        writer.writerow(
            ["id", "label", "predicted"] + ([f"p_{n}" for n in names] if probabilities else [])
        )
        for k, item in enumerate(ids):
            row = [item, names[int(y_true[k])], names[int(codes[k])]]
            if probabilities:
                row += [f"{p:.6g}" for p in predictions[k]]
            writer.writerow(row)
        return
    truth = y_true.reshape(len(ids), -1)
    guess = predictions.reshape(len(ids), -1)
    width = truth.shape[1]
    if width == 1:
        writer.writerow(["id", "true", "predicted"])
    else:
        writer.writerow(
            ["id"] + [f"true_{j}" for j in range(width)] + [f"predicted_{j}" for j in range(width)]
        )
    for k, item in enumerate(ids):
        writer.writerow([item, *(f"{v:.6g}" for v in truth[k]), *(f"{v:.6g}" for v in guess[k])])
