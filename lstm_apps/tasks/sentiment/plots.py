"""Figures and report files of a sentiment run (see `sentiment.figures`)."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from lstm_apps import plots
from lstm_apps.tasks import sentiment

LABELS = {
    "bilstm": "embedding + BiLSTM",
    "lstm": "embedding + LSTM",
    "gru": "embedding + GRU",
    "cnn_lstm": "embedding + Conv1D + LSTM",
    "bag_of_embeddings": "bag of embeddings",
    "tfidf": "TF-IDF + logistic regression",
}


def figures(run, directory: Path) -> list[Path]:
    """Write the figures into `directory` and the report files beside it (the run folder)."""
    data, best = run.data, run.data.results["best"]
    probabilities = data.results[best]["probabilities"]
    paths = {
        "progress": directory / "training_progress.png",
        "confusion": directory / "confusion_matrix.png",
        "comparison": directory / "model_comparison.png",
        "embedding": directory / "embedding_map.png",
    }
    for fig in (
        plots.plot_training_progress(run.history, paths["progress"]),
        plots.plot_confusion_matrix(
            data.labels["test"], probabilities.argmax(1), data.class_names, paths["confusion"]
        ),
        plot_comparison(data.results, paths["comparison"]),
        plot_embedding_map(run.model, data, paths["embedding"]),
    ):
        plt.close(fig)
    report = directory.parent
    mistakes = sentiment.confident_mistakes(data, probabilities)
    mistakes.to_csv(report / "confident_mistakes.csv", index=False)
    matrix = sentiment.embedding_matrix(run.model)
    words = _probe_words(data)
    neighbours = sentiment.nearest_words(matrix, data.vocabulary, words)
    (report / "nearest_words.json").write_text(json.dumps(neighbours, indent=1, ensure_ascii=False))
    (report / "comparison.md").write_text(comparison_table(data.results) + "\n")
    return list(paths.values())


def _probe_words(data):
    vocabulary = set(data.vocabulary)
    words = [w for w in sentiment.PROBE_WORDS if w in vocabulary]
    return words or data.vocabulary[2:10]


def comparison_table(results) -> str:
    lines = [
        "| model | test accuracy | F1 | ROC-AUC | validation accuracy | train s |",
        "|---|---|---|---|---|---|",
    ]
    for kind, r in results.items():
        if not isinstance(r, dict):
            continue
        mark = " (kept)" if kind == results.get("best") else ""
        lines.append(
            f"| {LABELS[kind]}{mark} | {r['accuracy']:.4f} | {r['f1']:.4f} | {r['roc_auc']:.4f} "
            f"| {r['validation_accuracy']:.4f} | {r['train_seconds']:.0f} |"
        )
    return "\n".join(lines)


def plot_comparison(results, path=None):
    kinds = [k for k, r in results.items() if isinstance(r, dict)]
    accuracy = [results[k]["accuracy"] for k in kinds]
    fig, ax = plt.subplots(figsize=(7, 0.5 * len(kinds) + 1.2))
    colors = ["tab:blue" if k in sentiment.RECURRENT else "tab:gray" for k in kinds]
    ax.barh([LABELS[k] for k in kinds], accuracy, color=colors)
    for y, (k, a) in enumerate(zip(kinds, accuracy)):
        ax.text(a, y, f" {a:.3f} ({results[k]['train_seconds']:.0f} s)", va="center", fontsize=8)
    low = max(0.0, min(accuracy) - 0.05)
    ax.set_xlim(low, min(1.0, max(accuracy) + 0.06))
    ax.invert_yaxis()
    ax.set_xlabel("test accuracy (training time)")
    ax.set_title("Sentiment models on the same split")
    fig.tight_layout()
    return plots.save_figure(fig, path)


def plot_embedding_map(model, data, path=None, count=200, labelled=40):
    """The most frequent words' vectors projected on 2 principal components.

    With two classes each word is coloured by the probability the model gives
    to the second class for that word alone.
    """
    from sklearn.decomposition import PCA

    matrix = sentiment.embedding_matrix(model)
    vocabulary = data.vocabulary
    rows = np.arange(2, min(len(vocabulary), count + 2))
    probes = [vocabulary.index(w) for w in sentiment.PROBE_WORDS if w in vocabulary]
    rows = np.unique(np.r_[rows, probes]).astype(int)
    points = PCA(2, random_state=0).fit_transform(matrix[rows])
    fig, ax = plt.subplots(figsize=(8, 6.5))
    if len(data.class_names) == 2:
        colour = sentiment.text_probabilities(model, [vocabulary[i] for i in rows])[:, 1]
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
