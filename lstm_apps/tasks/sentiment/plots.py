"""Figures and report files of a sentiment or text run (what their `figures` write).

Everything here takes what it draws as arguments (model, data, results), so
it depends on the study's helpers but never on a study module itself.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from lstm_apps import plots
from lstm_apps.tasks.sentiment.comparison import BASELINES, LABELS
from lstm_apps.tasks.sentiment.explain import (
    confident_mistakes,
    embedding_matrix,
    nearest_words,
    probe_words,
)
from lstm_apps.tasks.sentiment.networks import text_probabilities
from lstm_apps.tasks.sentiment.report import write_report


def write_run_figures(run, directory, *, full, report) -> list[Path]:
    """`write_figures` for a text run: its test probabilities (computed if `evaluate` has
    not kept them), history, and with `full` (a run that trained, not a loaded one) its
    comparison of models."""
    from lstm_apps.tasks.sentiment.networks import text_probabilities

    probabilities = run.predictions
    if probabilities is None:
        probabilities = text_probabilities(run.model, run.data.text_test)
    return write_figures(
        directory,
        model=run.model,
        data=run.data,
        probabilities=probabilities,
        history=run.history,
        results=run.results if full else None,
        best=run.best if full else None,
        comparison=run.comparison if full else None,
        report=report,
    )


def write_figures(
    directory,
    *,
    model,
    data,
    probabilities,
    history=None,
    results=None,
    best=None,
    comparison=None,
    report=None,
) -> list[Path]:
    """Write the figures into `directory` and the report files beside it (the run folder).

    Beside the figures: `confident_mistakes.csv`, `nearest_words.json` (the
    neighbours of frequent words of the run's own vocabulary that mark a
    class), `comparison.md` (with `results`) and `report.md` with
    `predictions/<model>.csv` for every compared model (with `comparison`).

    Args:
        directory: the figures folder (the report files go to its parent).
        model: the text model (raw strings in, class probabilities out).
        data: the `SentimentSplits` it is scored on.
        probabilities: `(N, K)` test probabilities of `model`.
        history: per-epoch logs of the kept network; no progress figure if empty.
        results: model kind → `ModelResult` of the comparison; without it no
            comparison figure or table is written.
        best: the kind kept as `model`, marked in the table.
        comparison: the run's `lstm_apps.comparison.Comparison`, if any.
        report: keyword arguments of `report.write_report` beyond the data
            (`title`, `sections`, `positive_class`); default a plain title.

    Returns:
        The paths of the figures written.
    """
    directory = Path(directory)
    folder = directory.parent
    paths = {}
    if history:
        paths["progress"] = directory / "training_progress.png"
    paths["confusion"] = directory / "confusion_matrix.png"
    if results:
        paths["comparison"] = directory / "model_comparison.png"
    paths["embedding"] = directory / "embedding_map.png"
    probes = probe_words(data.vocabulary, data.x_train, data.y_train)
    drawn = [
        plots.plot_confusion_matrix(
            data.y_test, probabilities.argmax(1), data.class_names, paths["confusion"]
        ),
        plot_embedding_map(model, data, paths["embedding"], probes=probes),
    ]
    if history:
        drawn.append(plots.plot_training_progress(history, paths["progress"]))
    if results:
        drawn.append(plot_comparison(results, paths["comparison"]))
    for fig in drawn:
        plt.close(fig)
    mistakes = confident_mistakes(data, probabilities)
    mistakes.to_csv(folder / "confident_mistakes.csv", index=False)
    neighbours = nearest_words(embedding_matrix(model), data.vocabulary, probes)
    (folder / "nearest_words.json").write_text(
        json.dumps(neighbours, indent=1, ensure_ascii=False), encoding="utf-8"
    )
    if results:
        (folder / "comparison.md").write_text(comparison_table(results, best) + "\n")
    write_report(
        folder,
        **{"title": "Text classification run", **(report or {})},
        data=data,
        probabilities=probabilities,
        results=results,
        comparison=comparison,
        neighbours=neighbours,
    )
    return list(paths.values())


def comparison_table(results, best=None) -> str:
    """A Markdown table of the compared models' scores (`best` marked as kept)."""
    lines = [
        "| model | test accuracy | macro-F1 | ROC-AUC | validation accuracy | train s |",
        "|---|---|---|---|---|---|",
    ]
    for kind, r in results.items():
        mark = " (kept)" if kind == best else ""
        lines.append(
            f"| {LABELS[kind]}{mark} | {r.accuracy:.4f} | {r.macro_f1:.4f} | {r.roc_auc:.4f} "
            f"| {r.validation_accuracy:.4f} | {r.train_seconds:.0f} |"
        )
    return "\n".join(lines)


def plot_comparison(results, path=None):
    """Test accuracy and training time of each compared model, recurrent ones in blue."""
    kinds = list(results)
    accuracy = [results[k].accuracy for k in kinds]
    fig, ax = plt.subplots(figsize=(7, 0.5 * len(kinds) + 1.2))
    colors = ["tab:gray" if k in BASELINES else "tab:blue" for k in kinds]
    ax.barh([LABELS[k] for k in kinds], accuracy, color=colors)
    for y, (k, a) in enumerate(zip(kinds, accuracy)):
        ax.text(a, y, f" {a:.3f} ({results[k].train_seconds:.0f} s)", va="center", fontsize=8)
    low = max(0.0, min(accuracy) - 0.05)
    ax.set_xlim(low, min(1.0, max(accuracy) + 0.06))
    ax.invert_yaxis()
    ax.set_xlabel("test accuracy (training time)")
    ax.set_title("Text models on the same split")
    fig.tight_layout()
    return plots.save_figure(fig, path)


def plot_embedding_map(model, data, path=None, count=200, labelled=40, probes=None):
    """The most frequent words' vectors projected on 2 principal components.

    With two classes each word is coloured by the probability the model gives
    to the second class for that word alone. `probes` (default
    `explain.probe_words` of the training texts) are always drawn and labelled.
    """
    from sklearn.decomposition import PCA

    matrix = embedding_matrix(model)
    vocabulary = data.vocabulary
    rows = np.arange(2, min(len(vocabulary), count + 2))
    if probes is None:
        probes = probe_words(vocabulary, data.x_train, data.y_train)
    index = {w: i for i, w in enumerate(vocabulary)}
    probes = [index[w] for w in probes if w in index]
    rows = np.unique(np.r_[rows, probes]).astype(int)
    points = PCA(2, random_state=0).fit_transform(matrix[rows])
    fig, ax = plt.subplots(figsize=(8, 6.5))
    if len(data.class_names) == 2:
        colour = text_probabilities(model, [vocabulary[i] for i in rows])[:, 1]
        scatter = ax.scatter(
            points[:, 0], points[:, 1], c=colour, cmap="coolwarm", s=14, vmin=0, vmax=1
        )
        fig.colorbar(scatter, ax=ax, label=f"P({data.class_names[1]}) of the word alone")
    else:
        ax.scatter(points[:, 0], points[:, 1], s=14)
    shown = set(probes) | set(rows[np.argsort(-np.abs(points[:, 0]))[:labelled]])
    for (x, y), row in zip(points, rows):
        if row in shown:
            ax.annotate(
                vocabulary[row], (x, y), fontsize=7, xytext=(2, 2), textcoords="offset points"
            )
    ax.set_title(f"Learned word embedding: {len(rows)} frequent words, 2 principal components")
    ax.set_xlabel("component 1")
    ax.set_ylabel("component 2")
    fig.tight_layout()
    return plots.save_figure(fig, path)
