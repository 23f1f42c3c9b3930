"""Diagnoses of a fit and of its data, each with what to try next.

`diagnose_history` reads a Keras history (`{"loss": [...], "val_loss":
[...], "accuracy": [...], ...}`); `diagnose_data` reads class counts and
sequence lengths before training. Studies log the diagnoses while they
train (`log_diagnoses`, a WARNING line each, which the command line shows)
and write them into their report (`diagnoses_markdown`).

The thresholds are rules of thumb, stated in each message with the numbers
that triggered it, so a user can judge them:

- underfitting: the final training accuracy is within a quarter of the way
  from the majority-class share to 1, or (without an accuracy, as in
  regression) the training loss fell by less than 10 % from the first epoch
  to the best one;
- overfitting, judged at the epoch early stopping keeps: a classifier's
  training accuracy there exceeds its validation accuracy by more than 0.15;
  without an accuracy, the validation loss there is over twice the training
  loss and rose by 20 % afterwards (a rise alone is what ends every
  early-stopped fit, so it is not reported by itself);
- not converged: the fit used every epoch it was given and its watched score
  still improved in the last fifth of them by more than 1 % of its range;
- class imbalance: the largest class is over three times the smallest;
- long sequences: a recurrent layer reading a median of over 400 steps.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np

log = logging.getLogger(__name__)
LONG_SEQUENCE = 400  # median steps above which a recurrent layer learns slowly
IMBALANCE_RATIO = 3.0
OVERFIT_ACCURACY_GAP = 0.15  # training minus validation accuracy at the kept epoch
OVERFIT_LOSS_RATIO = 2.0  # validation over training loss at the kept epoch (regression)


@dataclass(frozen=True)
class Diagnosis:
    """A problem seen in a fit or its data.

    Args:
        code: "underfitting", "overfitting", "not_converged",
            "class_imbalance", "long_sequences" or "validation_test".
        message: what was seen, with the numbers.
        advice: what to try next.
    """

    code: str
    message: str
    advice: str

    def __str__(self) -> str:
        return f"{self.code}: {self.message} Try: {self.advice}"


def _finite(values) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(float(v))]


def diagnose_history(
    history, *, task="classification", num_classes=None, class_counts=None, max_epochs=None
) -> list[Diagnosis]:
    """Underfitting, overfitting and non-convergence, read from a Keras history.

    Args:
        history: `{metric: [one value per epoch]}` (a `History.history`).
        task: "classification" or "regression".
        num_classes: classes of a classifier (chance is 1/K without counts).
        class_counts: training examples per class (chance is the majority share).
        max_epochs: the epochs the fit was allowed; with it, a fit that used
            them all and was still improving is reported as not converged.

    Returns:
        The diagnoses, possibly none.
    """
    loss = _finite(history.get("loss", ()))
    if not loss:
        return []
    found = []
    accuracy = _finite(history.get("accuracy", ()))
    if task == "classification" and accuracy and (num_classes or class_counts is not None):
        if class_counts is not None:
            counts = np.asarray(class_counts, dtype=float)
            chance = float(counts.max() / counts.sum())
        else:
            chance = 1.0 / num_classes
        if accuracy[-1] < chance + 0.25 * (1 - chance):
            found.append(
                Diagnosis(
                    "underfitting",
                    f"training accuracy ended at {accuracy[-1]:.3f}, near chance "
                    f"({chance:.3f}): the network did not fit its training data.",
                    "more epochs or a higher learning rate; shorter sequences (downsampling) "
                    "or a convolutional front-end for long ones; a wider network.",
                )
            )
    # the loss rule is for fits without an accuracy to read (a classifier's loss can stay
    # high while its accuracy says it fits)
    if len(loss) >= 3 and min(loss) > 0.9 * loss[0] and not accuracy:
        found.append(
            Diagnosis(
                "underfitting",
                f"the training loss fell only from {loss[0]:.4g} to {min(loss):.4g} "
                f"over {len(loss)} epochs.",
                "a higher learning rate, more epochs, normalized inputs or targets.",
            )
        )
    found += _overfitting(history, loss, accuracy)
    watched = _finite(history.get("val_loss", ())) or loss
    if max_epochs is not None and len(loss) >= max_epochs and len(watched) >= 5:
        tail = max(2, len(watched) // 5)
        spread = max(watched) - min(watched)
        gain = min(watched[:-tail]) - min(watched[-tail:])
        if spread > 0 and gain > 0.01 * spread:
            which = "validation" if "val_loss" in history else "training"
            found.append(
                Diagnosis(
                    "not_converged",
                    f"the {which} loss was still falling at the last of {len(loss)} epochs "
                    f"({min(watched[:-tail]):.4g} before the last {tail}, "
                    f"{min(watched[-tail:]):.4g} in them).",
                    "more epochs (`training.max_epochs`), or a higher learning rate.",
                )
            )
    return found


def _overfitting(history, loss, accuracy) -> list[Diagnosis]:
    # Judged at the kept epoch (restore_best_weights): a validation loss that rises after
    # its best is what ends every early-stopped fit, so that alone is not reported.
    val_accuracy = _finite(history.get("val_accuracy", ()))
    if accuracy and val_accuracy and len(accuracy) == len(val_accuracy):
        best = int(np.argmax(val_accuracy))
        if accuracy[best] - val_accuracy[best] > OVERFIT_ACCURACY_GAP:
            return [
                Diagnosis(
                    "overfitting",
                    f"at its best validation epoch ({best + 1}) the network had training "
                    f"accuracy {accuracy[best]:.3f} against {val_accuracy[best]:.3f} on "
                    "validation.",
                    "dropout, input noise or L2 regularization, a smaller network, more data.",
                )
            ]
        return []
    val_loss = _finite(history.get("val_loss", ()))
    if accuracy or len(val_loss) < 4 or len(val_loss) != len(loss):
        return []
    best = int(np.argmin(val_loss))
    gap = val_loss[best] / loss[best] if loss[best] > 0 else math.inf
    if gap > OVERFIT_LOSS_RATIO and val_loss[-1] > 1.2 * val_loss[best]:
        return [
            Diagnosis(
                "overfitting",
                f"at its best epoch ({best + 1}) the validation loss ({val_loss[best]:.4g}) was "
                f"{gap:.1f} times the training loss ({loss[best]:.4g}), and it rose to "
                f"{val_loss[-1]:.4g} by epoch {len(val_loss)} while the training loss kept "
                "falling.",
                "dropout, input noise or L2 regularization, a smaller network, more data; "
                "early stopping (`training.validation_patience`) keeps the best epoch.",
            )
        ]
    return []


def diagnose_data(*, class_counts=None, lengths=None, recurrent=True) -> list[Diagnosis]:
    """Class imbalance and sequence length, read from the training data before a fit.

    Args:
        class_counts: training examples per class, or a `{name: count}` dict.
        lengths: the training sequences' lengths.
        recurrent: whether a recurrent layer reads the sequences step by step.
    """
    found = []
    if class_counts is not None:
        names = list(class_counts) if isinstance(class_counts, dict) else None
        counts = np.asarray(list(class_counts.values()) if names else class_counts, dtype=float)
        present = counts[counts > 0]
        if len(present) >= 2 and present.max() > IMBALANCE_RATIO * present.min():
            big, small = (
                int(np.argmax(counts)),
                int(np.argmin(np.where(counts > 0, counts, np.inf))),
            )
            label = (lambda k: names[k]) if names else (lambda k: str(k))
            found.append(
                Diagnosis(
                    "class_imbalance",
                    f"the largest class ({label(big)}, {int(counts[big])}) has "
                    f"{counts[big] / counts[small]:.1f} times the examples of the smallest "
                    f"({label(small)}, {int(counts[small])}); accuracy flatters a model that "
                    "favours the large class: read the balanced accuracy and macro-F1.",
                    'class_weight="balanced", or more examples of the small classes.',
                )
            )
    if lengths is not None and recurrent and len(lengths):
        median = float(np.median(lengths))
        if median > LONG_SEQUENCE:
            found.append(
                Diagnosis(
                    "long_sequences",
                    f"the sequences have a median of {median:.0f} steps; a recurrent layer "
                    f"learns slowly and forgets over more than about {LONG_SEQUENCE}.",
                    "downsampling (`downsample`) or a convolutional front-end that shortens "
                    "the sequence before the recurrent layer.",
                )
            )
    return found


def log_diagnoses(diagnoses, what="") -> None:
    """Log each diagnosis as a WARNING line (the command line shows them on stderr)."""
    prefix = f"{what}: " if what else ""
    for diagnosis in diagnoses:
        log.warning("%s%s", prefix, diagnosis)


def diagnoses_markdown(diagnoses) -> str:
    """A "## Diagnostics" report section, one bullet per diagnosis ("none" when empty)."""
    lines = ["## Diagnostics", ""]
    if not diagnoses:
        lines.append("No problem found in the fit or the data.")
    for d in diagnoses:
        lines.append(f"- **{d.code.replace('_', ' ')}**: {d.message} *Try:* {d.advice}")
    return "\n".join(lines) + "\n"
