"""The tuning folder's report: a table of trials, figures and the best command.

Written by `tune` after the search (and again after each resume):

- `trials.csv`: one row per trial: number, state, score (and its sd over
  folds), seconds, epochs, best epoch of each fold
  and every parameter;
- `optimization_history.png`, `param_importances.png` (fANOVA, when at least
  two trials finished and a parameter varied) and `parallel_coordinate.png`;
- `best.json`: the best trial's score and changes, the `lstm-apps run`
  command that reproduces it, and the retrained run's test metrics;
- `REPORT.md`: the same, for a person.
"""

from __future__ import annotations

import logging
import math
import re
import warnings
from pathlib import Path

log = logging.getLogger(__name__)


def trials_table(study):
    """A pandas DataFrame with one row per trial (parameters as columns)."""
    import pandas as pd

    rows = []
    for t in study.trials:
        value = t.value if t.value is not None else math.nan
        seconds = t.user_attrs.get("seconds")
        if seconds is None and t.datetime_complete and t.datetime_start:
            seconds = round((t.datetime_complete - t.datetime_start).total_seconds(), 1)
        row = {"trial": t.number, "state": t.state.name.lower(), "score": value}
        if "score_sd" in t.user_attrs:  # cross-validated: mean and sd over the folds
            row["score_sd"] = t.user_attrs["score_sd"]
            row["fold_scores"] = " ".join(f"{v:.4g}" for v in t.user_attrs["fold_scores"])
        row.update(seconds=seconds, epochs=len(t.intermediate_values))
        row["best_epochs"] = " ".join(str(e) for e in t.user_attrs.get("best_epochs", []))
        row.update(t.params)
        rows.append(row)
    return pd.DataFrame(rows)


def _figures(study, folder: Path) -> list[Path]:
    import matplotlib.pyplot as plt
    import optuna
    from optuna.visualization import matplotlib as views

    from lstm_apps.plots import save_figure

    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    varied = {k for t in done for k in t.params if len({str(u.params.get(k)) for u in done}) > 1}
    plots = {"optimization_history": views.plot_optimization_history}
    if len(done) >= 2 and varied:
        plots["param_importances"] = lambda s: views.plot_param_importances(
            s, evaluator=_evaluator()
        )
        plots["parallel_coordinate"] = views.plot_parallel_coordinate
    written = []
    for name, plot in plots.items():
        path = folder / f"{name}.png"
        try:
            with warnings.catch_warnings():  # the matplotlib views are "experimental"
                warnings.simplefilter("ignore")
                ax = plot(study)
        except (ValueError, RuntimeError) as error:  # too few distinct trials for this view
            log.warning("No %s figure: %s", name, error)
            continue
        fig = (ax[0] if hasattr(ax, "__len__") else ax).figure
        save_figure(fig, path)
        plt.close(fig)
        written.append(path)
    return written


def _evaluator():
    """fANOVA with a fixed seed, so the report's importances repeat."""
    import optuna

    return optuna.importance.FanovaImportanceEvaluator(seed=0)


def importances(study) -> dict[str, float]:
    """fANOVA importance of each parameter ({} with fewer than two finished trials)."""
    import optuna

    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if len(done) < 2:
        return {}
    try:
        found = optuna.importance.get_param_importances(study, evaluator=_evaluator())
        return {k: float(v) for k, v in found.items()}
    except (ValueError, RuntimeError) as error:
        log.warning("No parameter importances: %s", error)
        return {}


def write_report(study, spec, name, folder, result) -> Path:
    """Write the report files into `folder`; returns the path of REPORT.md."""
    from lstm_apps.storage import atomic_write, finite_or_none, write_json

    folder = Path(folder)
    table = trials_table(study)
    atomic_write(folder / "trials.csv", lambda f: table.to_csv(f, index=False))
    figures = _figures(study, folder)
    weights = importances(study)
    counts = table["state"].value_counts().to_dict() if len(table) else {}
    lines = [
        f"# Tuning {name}",
        "",
        (
            f"Score: `{spec.scored_by}` ({spec.direction}) after training, on validation only."
            if spec.score is not None
            else f"Score: best epoch of `{spec.metric}` ({spec.direction}), on validation only."
        ),
        f"Trials: {len(table)} ({', '.join(f'{v} {k}' for k, v in sorted(counts.items()))}).",
        "",
    ]
    best = {"case_study": name, "metric": spec.scored_by, "direction": spec.direction}
    best["trials"] = {k: int(v) for k, v in counts.items()}
    best["importances"] = weights
    if result is not None:
        trial = result.trial or study.best_trial
        best.update(best_trial=trial.number, best_score=trial.value, changes=result.best_changes)
        best.update(choice=result.choice, best_scored_trial=study.best_trial.number)
        best.update(best_score_sd=trial.user_attrs.get("score_sd"))
        best.update(command=result.command, search_seconds=round(result.search_seconds, 1))
        lines += [
            f"Kept trial: {trial.number}, {spec.scored_by} = {trial.value:.4f}"
            + (
                f" ± {trial.user_attrs['score_sd']:.4f} (mean ± sd over folds)."
                if "score_sd" in trial.user_attrs
                else "."
            ),
            "",
            result.choice,
            "",
            "Reproduce it:",
            "",
            "```bash",
            result.command,
            "```",
            "",
        ]
        if result.run is not None:
            metrics = result.run.metrics
            best.update(
                test_metrics=finite_or_none(metrics),
                retrain_seconds=round(result.retrain_seconds, 1),
            )
            best["run_folder"] = str(result.folder)
            lines += ["Retrained once and tested once (`best_run/`):", ""]
            lines += ["| metric | value |", "|---|---|"]
            lines += [f"| {k} | {v:.4g} |" for k, v in metrics.items() if _headline(k, v)]
            lines += ["", "Every test metric: `best_run/metrics.json`."]
            lines.append("")
    if weights:
        lines += ["Parameter importances (fANOVA):", "", "| parameter | importance |", "|---|---|"]
        lines += [f"| {k} | {v:.3f} |" for k, v in weights.items()]
        lines.append("")
    lines += [f"![{p.stem}]({p.name})" for p in figures]
    lines += ["", "Every trial: `trials.csv`."]
    write_json(folder / "best.json", best)
    report = folder / "REPORT.md"
    text = "\n".join(lines) + "\n"
    atomic_write(report, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return report


def _headline(name, value) -> bool:
    """A number worth a row: every metric but the per-class ones (`f1_3`, `recall_7`)."""
    return _number(value) and not re.match(r"(f1|precision|recall)_", name)


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
