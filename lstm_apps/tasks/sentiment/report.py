"""The report of a sentiment or text run: `report.md` and every model's test predictions.

`write_report` writes, into the run folder, `report.md` (the data, the
comparison of every model with its bootstrap interval and flags, each model's
accuracy, balanced accuracy, macro-F1 and per-class F1, the diagnostics, and
the word-vector coverage and neighbours) and, through
`Comparison.save_predictions`, `predictions/<model>.csv` for every compared
model, so that no model's results are lost when only one is kept.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from lstm_apps.tasks.sentiment.comparison import LABELS, scores


def write_report(
    folder,
    *,
    title,
    data,
    probabilities,
    results=None,
    comparison=None,
    sections=(),
    neighbours=None,
    positive_class=None,
) -> list[Path]:
    """Write `report.md` (and, with a comparison, `predictions/<model>.csv`) into `folder`.

    Args:
        folder: the run folder.
        title: the report's first heading.
        data: the `SentimentSplits` the models were scored on.
        probabilities: `(N, K)` test probabilities of the kept text model.
        results: model kind → `ModelResult`; None for a run loaded from a
            folder (then only the kept model is reported).
        comparison: the run's `lstm_apps.comparison.Comparison`, if any.
        sections: further Markdown sections (settings, diagnostics ...).
        neighbours: word → `[(neighbour, similarity), ...]`, if computed.
        positive_class: a class name whose F1 is also reported (`f1_positive`).

    Returns:
        The paths written.
    """
    folder = Path(folder)
    lines = [f"# {title}", "", _data_line(data), ""]
    if comparison is not None:
        lines += [comparison.markdown()]
    members = results if results else {"kept model": probabilities}
    lines += [scores_table(members, data, positive_class), ""]
    lines += [section.rstrip() + "\n" for section in sections]
    lines += _vector_lines(data, neighbours)
    written = []
    if comparison is not None:
        written += comparison.save_predictions(folder, data.y_test, class_names=data.class_names)
        lines += [
            "Every model's test predictions (label, prediction, class probabilities): "
            "`predictions/<model>.csv`; the kept model's surest mistakes: "
            "`confident_mistakes.csv`.",
            "",
        ]
    path = folder / "report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return [path, *written]


def scores_table(results, data, positive_class=None) -> str:
    """A "## Scores" Markdown table: per model, accuracy, balanced accuracy, macro-F1, the F1
    of each class (and of `positive_class`), ROC-AUC and validation accuracy."""
    names = list(data.class_names)
    header = ["model", "accuracy", "balanced accuracy", "macro-F1"]
    header += [f"F1 {n}" for n in names] + (["F1 positive"] if positive_class else [])
    header += ["ROC-AUC", "validation accuracy"]
    lines = [
        "## Scores of every model on the test texts",
        "",
        f"Macro-F1 is the mean of the {len(names)} per-class F1 scores."
        + (f" The positive class is {positive_class!r}." if positive_class else ""),
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for kind, result in results.items():
        probabilities = getattr(result, "probabilities", result)
        found = scores(data.y_test, probabilities, names, positive_class)
        row = [f"{LABELS[kind]} (`{kind}`)" if kind in LABELS else kind]
        row += [_cell(found[k]) for k in ("accuracy", "balanced_accuracy", "macro_f1")]
        row += [_cell(found[f"f1_{n}"]) for n in names]
        row += [_cell(found["f1_positive"])] if positive_class else []
        row += [_cell(found["roc_auc"]), _cell(getattr(result, "validation_accuracy", math.nan))]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def _data_line(data) -> str:
    sizes = data.sizes()
    counts = np.bincount(data.y_train, minlength=len(data.class_names))
    classes = ", ".join(f"{n} ({c})" for n, c in zip(data.class_names, counts))
    return (
        f"Data: {data.source}. {sizes['train']} training, {sizes['validation']} validation and "
        f"{sizes['test']} test texts; {len(data.class_names)} classes (training texts per "
        f"class: {classes}); a vocabulary of {len(data.vocabulary) - 2} words from the "
        "training texts."
    )


def _vector_lines(data, neighbours) -> list[str]:
    lines = ["## Word vectors", ""]
    if data.coverage is not None:
        source = "word2vec on the training texts" if data.embedding_seconds else "the vector file"
        lines.append(
            f"The embedding started from {source}: {data.words_found} of "
            f"{len(data.vocabulary) - 2} vocabulary words ({100 * data.coverage:.1f} %) had a "
            "vector (`embedding_coverage`)."
        )
    else:
        lines.append("The embedding started from random vectors.")
    if neighbours:
        lines += [
            "",
            "Nearest words (cosine) in the kept model's embedding, for frequent words of "
            "this vocabulary that mark a class (`nearest_words.json`):",
            "",
        ]
        for word, near in neighbours.items():
            lines.append(f"- **{word}**: {', '.join(n for n, _ in near[:6])}")
    return lines + [""]


def _cell(value) -> str:
    return f"{value:.4f}" if isinstance(value, float) and math.isfinite(value) else "—"
