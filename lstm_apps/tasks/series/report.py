"""The series study's diagnoses and its report: `report.md` and `predictions/<model>.csv`.

`diagnose` adds to `lstm_apps.diagnostics.diagnose_history` the check that
matters most for a forecasting network: whether it beats the naive forecast
(repeat the last value) on the validation part at all.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from lstm_apps.diagnostics import (
    Diagnosis,
    diagnose_data,
    diagnose_history,
    diagnoses_markdown,
)
from lstm_apps.storage import atomic_write


def diagnose(history, max_epochs, network_validation, naive_validation, data) -> list[Diagnosis]:
    """Diagnoses of a series fit: those of its history, of its window length, and underfitting
    when the network's validation MASE at h = 1 is no better than the naive forecast's."""
    found = diagnose_history(history, task="regression", max_epochs=max_epochs)
    if naive_validation is not None and network_validation >= naive_validation:
        found.append(
            Diagnosis(
                "underfitting",
                f"the network's validation MASE at h = 1 ({network_validation:.3f}) is no "
                f"better than the naive forecast's ({naive_validation:.3f}): it learned less "
                "than 'repeat the last value'.",
                "transform='difference' (or 'log_difference' for a positive series whose "
                "swings grow with its level); a longer `window`; more epochs "
                "(`training.max_epochs`); fewer `units` for a short series; check the "
                "season length (`season_length`).",
            )
        )
    found += diagnose_data(lengths=[data.window])
    return found


def time_labels(times) -> list[str]:
    """Times as text: dates without a time of day when all are at midnight, numbers as they are."""
    times = np.asarray(times)
    if times.dtype.kind == "M":
        return list(pd.DatetimeIndex(times).astype(str))
    return [str(t) for t in times.tolist()]


def _cell(value) -> str:
    return f"{value:.4g}" if value is not None and math.isfinite(value) else "—"


def _data_section(run) -> list[str]:
    data, config = run.data, run.config
    adapted = getattr(run, "adapted", None)
    sized = f" (sized from the data: {', '.join(sorted(adapted))})" if adapted else ""
    times = time_labels(data.times)
    n, start = data.num_train, data.fit_end
    lines = [
        f"# Series study: {data.series}",
        "",
        "## Data",
        "",
        f"- Source: {data.source}",
        f"- {len(data.values)} steps × {data.num_features} series ({', '.join(data.columns)}), "
        f"{times[0]} to {times[-1]}; {data.missing_values} missing values filled.",
        f"- Parts in time order: training {n} steps (to {times[n - 1]}), validation "
        f"{data.num_validation} (to {times[start - 1]}), test {data.num_test} "
        f"(from {times[start]}).",
        f"- Season length: {getattr(data, 'season_reason', data.season_length)}.",
        f"- Horizon {data.horizon} steps from {len(data.origins)} rolling test origins; "
        f"training windows of {data.window} steps every {data.stride}.",
        "",
        "## Network",
        "",
        f"- {config.architecture}, units {config.units}, dropout {config.dropout}; training "
        f"max_epochs {config.training.max_epochs}, mini_batch_size "
        f"{config.training.mini_batch_size}, validation_patience "
        f"{config.training.validation_patience}{sized}.",
    ]
    scores = getattr(run, "validation_mase", None)
    fits = getattr(run, "candidates", None) or {}
    if scores:
        lines += [
            f"- Transform chosen on validation: **{config.transform}** ("
            + (
                f"refit on training + validation for {run.epochs} epochs"
                if config.refit
                else f"the validated network, at its best epoch, {run.epochs}"
            )
            + ").",
            "",
            "| transform | validation MASE h=1 | epochs | fit seconds |",
            "|---|---|---|---|",
            *(
                f"| {name} | {_cell(value)} | {fits.get(name, {}).get('epochs', '—')} | "
                f"{fits.get(name, {}).get('seconds', math.nan):.1f} |"
                for name, value in scores.items()
            ),
        ]
    else:
        lines.append(f"- Transform: {config.transform} (a run loaded from its folder).")
    return lines


def _baseline_section(backtest) -> list[str]:
    stage = backtest.baselines
    lines = ["", "## Baselines", "", "| baseline | form | fit seconds |", "|---|---|---|"]
    for name, form in stage.forms.items():
        lines.append(f"| {name} | {form} | {stage.seconds[name]:.1f} |")
    for name, reason in stage.skipped.items():
        lines.append(f"| {name} | skipped: {reason} | — |")
    return lines


def _versus_naive(backtest, net) -> list[str]:
    if backtest.versus_naive is None:
        return []
    difference, low, high = backtest.versus_naive
    test = backtest.comparison.test
    verdict = "better" if difference > 0 else "worse"
    text = (
        f"Against the naive forecast: {net} MASE h=1 {test[net]:.4g}, naive "
        f"{test['naive']:.4g}; the network is {verdict} by {abs(difference):.4g} (95 % "
        f"bootstrap interval of naive − network: [{low:+.4g}, {high:+.4g}])"
    )
    if math.isfinite(low) and low <= 0 <= high:
        text += "; the test part cannot tell them apart"
    return ["", text + "."]


def _horizon_section(backtest, data) -> list[str]:
    season = data.season_length
    columns = ["h=1 (rolling origins)"]
    if 1 < season <= data.horizon:
        columns.append(f"h={season} (a season)")
    columns.append(f"mean over h=1..{data.horizon}")
    lines = [
        "",
        "## MASE by horizon",
        "",
        f"Closed-loop forecasts from {len(data.origins)} test origins.",
        "",
        "| model | " + " | ".join(columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for name, scores in backtest.per_step.items():
        steps = scores["mase"]
        cells = [steps[0]] + ([steps[season - 1]] if 1 < season <= data.horizon else [])
        cells.append(steps.mean())
        lines.append(f"| {name} | " + " | ".join(_cell(float(v)) for v in cells) + " |")
    return lines


def write_report(run, folder) -> list[Path]:
    """Write `report.md` and `predictions/<model>.csv` into `folder`; returns their paths.

    `run.predictions` must hold `evaluate`'s backtest.
    """
    folder = Path(folder)
    backtest, data = run.predictions, run.data
    net = run.config.architecture
    ids = time_labels(data.times[data.fit_end :])
    paths = backtest.comparison.save_predictions(folder, backtest.y_test, ids=ids)
    diagnoses = getattr(run, "diagnoses", None)
    if diagnoses is None:  # a run loaded from its folder: its saved history only
        diagnoses = diagnose_history(run.history, task="regression")
    lines = _data_section(run) + _baseline_section(backtest)
    lines += [
        "",
        "One-step-ahead forecasts of every test step, each from the values before it; "
        "MASE divides the MAE by the in-sample seasonal naive MAE of the training part "
        "(lower is better).",
        "",
        backtest.comparison.markdown().rstrip(),
    ]
    lines += _versus_naive(backtest, net) + _horizon_section(backtest, data)
    lines += ["", diagnoses_markdown(diagnoses).rstrip(), ""]
    lines += [
        "## Files",
        "",
        "`predictions/<model>.csv`: every compared model's one-step test forecasts "
        "(id = time of the step); `figures/`: the plots.",
        "",
    ]
    report = folder / "report.md"
    atomic_write(report, lambda path: Path(path).write_text("\n".join(lines), encoding="utf-8"))
    return [report, *paths]
