"""Figures and the report of the `sequences` study.

`figures` (in `study.py`) draws the PNG files here and writes the run
folder's `report.md` (data, comparison, diagnostics) and
`predictions/<model>.csv` (every compared model's test predictions).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np


def plot_comparison(comparison, path):
    """A bar per compared model: its test score (and validation score, when it has one)."""
    from lstm_apps import plots

    names = [c.name for c in comparison.candidates]
    test = [comparison.test[n] for n in names]
    validation = [comparison.validation[n] for n in names]
    kinds = [c.kind for c in comparison.candidates]
    fig, ax = plots.plt.subplots(figsize=(1.4 * len(names) + 2.5, 3.6))
    where = np.arange(len(names))
    colours = ["C0" if k == "network" else "C2" for k in kinds]
    ax.bar(where - 0.2, test, 0.4, color=colours, label="test")
    shown = [v if math.isfinite(v) else 0.0 for v in validation]
    ax.bar(where + 0.2, shown, 0.4, color=colours, alpha=0.45, hatch="//", label="validation")
    for x, value in zip(where, test):
        ax.text(x - 0.2, value, f"{value:.3g}", ha="center", va="bottom", fontsize=8)
    labels = [f"{n}\n(kept)" if n == comparison.kept else n for n in names]
    ax.set_xticks(where, labels)
    better = "higher" if comparison.higher_is_better else "lower"
    ax.set_ylabel(f"{comparison.metric} ({better} is better)")
    ax.set_title("Networks (blue) and baselines (green)")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    return plots.save_figure(fig, path)


def data_markdown(run) -> str:
    """A "## Data" report section: source, task, sizes, downsampling, training settings."""
    data, config = run.data, run.config
    lines = ["## Data", ""]
    if data is not None:
        sizes = ", ".join(f"{k} {v}" for k, v in data.sizes().items())
        lengths = [len(s) for s in data.x_train]
        lines += [
            f"- source: {data.source}",
            f"- task: {data.task}, one output per "
            f"{'sequence' if data.output == 'label' else 'time step'}",
            f"- sequences: {sizes}; {data.num_features} feature(s) per step; training lengths "
            f"{min(lengths)}-{max(lengths)} (median {int(np.median(lengths))})",
        ]
        if data.class_names:
            counts = data.class_counts()
            lines.append(
                "- training classes: "
                + ", ".join(f"{n} ({int(c)})" for n, c in zip(data.class_names, counts))
            )
        if data.groups:
            held = {k: len(set(np.asarray(v).tolist())) for k, v in data.groups.items()}
            lines.append(
                "- groups (each kept on one side of every split): "
                + ", ".join(f"{k} {v}" for k, v in held.items())
            )
    t = config.training
    lines += [
        f"- kept network: {config.networks[0]}, reading every {config.downsample} step(s) averaged"
        if config.downsample != 1
        else f"- kept network: {config.networks[0]}",
        f"- training: up to {t.max_epochs} epochs, mini-batches of {t.mini_batch_size}, "
        f"patience {t.validation_patience}, learning rate {t.initial_learn_rate}",
    ]
    return "\n".join(lines) + "\n"


def write_report(path: Path, run, sections) -> Path:
    """`report.md`: a title, the data section and the given markdown sections."""
    text = [f"# Report: {run.name} run", "", data_markdown(run), *sections]
    path.write_text("\n".join(text), encoding="utf-8")
    return path


def draw_figures(run, directory) -> list[Path]:
    """What `study.figures` draws and writes (see its docstring)."""
    from lstm_apps import plots
    from lstm_apps.diagnostics import diagnose_history, diagnoses_markdown
    from lstm_apps.tasks.sequences import networks as nets

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    histories = getattr(run, "histories", None) or {"kept": run.history}
    paths, drawn = [], []
    if any(h for h in histories.values()):
        paths.append(directory / "training_progress.png")
        drawn.append(plots.plot_training_progress([h for h in histories.values() if h], paths[-1]))
    data, comparison = run.data, getattr(run, "comparison", None)
    if data is not None and data.task == "classification":
        if run.predictions is None:
            run.predictions = nets.run_outputs(run, data.x_test)
        y = nets.stacked_targets(data.y_test, data.output)
        labelled = y >= 0
        paths.append(directory / "confusion_matrix.png")
        drawn.append(plots.plot_confusion_matrix(
            y[labelled], np.asarray(run.predictions).argmax(-1)[labelled], data.class_names,
            paths[-1],
        ))  # fmt: skip
    sections = []
    if comparison is not None:
        paths.append(directory / "comparison.png")
        drawn.append(plot_comparison(comparison, paths[-1]))
        sections.append(comparison.markdown())
        y = nets.stacked_targets(data.y_test, data.output)
        comparison.save_predictions(directory.parent, y, ids=_test_ids(data),
                                    class_names=data.class_names)  # fmt: skip
    diagnoses = getattr(run, "diagnoses", None)
    if diagnoses is None or comparison is None:  # a loaded run: read its saved history
        task, _ = nets.kind_of(run)
        diagnoses = diagnose_history(run.history, task=task,
                                     num_classes=len(run.class_names or ()) or None)  # fmt: skip
    sections.append(diagnoses_markdown(diagnoses))
    write_report(directory.parent / "report.md", run, sections)
    for fig in drawn:
        plots.plt.close(fig)
    return paths


def _test_ids(data) -> list[str]:
    ids = data.ids.get("test") or [str(i) for i in range(len(data.x_test))]
    if data.output == "sequence":
        return [f"{i}@{t}" for i, s in zip(ids, data.x_test) for t in range(len(s))]
    return list(ids)
