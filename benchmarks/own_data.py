"""Own-data benchmark (issue 25): `sequences`, `text` and `series` at their defaults, same-run
baselines, over seeds.

Each (dataset, seed) is one `run_case_study(study, changes={...})` with the
study's DEFAULT Config, changed only by the dataset's entry in `DATASETS`
below and `training.seed`. Every run is a fresh Python process, so its time
and peak resident memory are its own (and a run past `--timeout` cannot stall
the rest). The figures are read from the run's comparison: the kept
model's test score against the baselines the issue names (for `text`, whose
kept model may be its network averaged with TF-IDF, the recurrent network
alone is judged too).

Targets (issue 25, "Targets"):
- sequences (BasicMotions, GunPoint, ItalyPowerDemand, ArrowHead): the network
  within 0.03 of MiniRocket's accuracy on average over the four sets, and no
  set below 0.85 x MiniRocket; a run that does not fit its training data
  says so in its log (the diagnoses logged are recorded per run);
- text (IMDB subsets of 2,000 and 5,000 training reviews, 5,000 test
  reviews; the Spanish tweets built by `build_spanish_sentiment.py`): the
  kept recurrent model within 1.5 points of TF-IDF, or above it;
- series (sunspots, co2, airline, nile): MASE at h = 1 of the network below
  the naive forecast's, on all four;
- every run within 10 minutes on a 2-core CPU.
A target is judged on the means over the seeds.

Usage:
    LSTM_APPS_DATA_DIR=/path/to/datasets python benchmarks/own_data.py
        [--study sequences text series] [--dataset NAME ...] [--seeds 0 1 2]
        [--output DIR] [--timeout S] [--spanish-csv FILE]

IMDB is read from `LSTM_APPS_DATA_DIR` (or the user cache). Prints one row
per run as it goes and writes own_data.json and own_data.md to
benchmarks/results (or --output); datasets already in own_data.json that
were not run this time are kept, so studies can be measured one at a time.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from common import command_line
from migrate_results import load, save
from result_layouts import own_data_layout

RESULTS = Path(__file__).parent / "results"
SPANISH_CSV = Path.home() / ".cache/lstm_apps/spanish_tweets_intertass/spanish_tweets_3class.csv"
LIMIT_SECONDS = 600  # the "at most 10 minutes per dataset", checked per run

# The one table to adjust: dataset -> (study, changes to the study's default Config).
# `training.seed` is added per run; "{spanish_csv}" is replaced by --spanish-csv.
DATASETS = {
    "BasicMotions": ("sequences", {"data": "aeon:BasicMotions"}),
    "GunPoint": ("sequences", {"data": "aeon:GunPoint"}),
    "ItalyPowerDemand": ("sequences", {"data": "aeon:ItalyPowerDemand"}),
    "ArrowHead": ("sequences", {"data": "aeon:ArrowHead"}),
    "imdb_2000": ("text", {"max_train_texts": 2000, "max_test_texts": 5000}),
    "imdb_5000": ("text", {"max_train_texts": 5000, "max_test_texts": 5000}),
    "spanish_tweets": ("text", {"data": "{spanish_csv}"}),
    "sunspots": ("series", {"data": "sunspots"}),
    "co2": ("series", {"data": "co2"}),
    "airline": ("series", {"data": "airline"}),
    "nile": ("series", {"data": "nile"}),
}
SEED_FIELD = "training.seed"
# study -> the target's metric (a name of run.comparison, or of lstm_apps.comparison.SCORES to
# score every model's test predictions again), whether higher is better, the baseline the
# target names, and the per-set target on the means over seeds: met(network, baseline)
STUDIES = {
    "sequences": dict(metric="accuracy", higher=True, baseline="minirocket",
                      target="network >= 0.85 x MiniRocket", met=lambda n, b: n >= 0.85 * b),
    "text": dict(metric="accuracy", higher=True, baseline="tfidf",
                 target="kept network >= TF-IDF - 0.015", met=lambda n, b: n >= b - 0.015),
    "series": dict(metric="mase_h1", higher=False, baseline="naive",
                   target="network MASE(h=1) < naive", met=lambda n, b: n < b),
}  # fmt: skip
DIAGNOSES = "underfitting overfitting not_converged class_imbalance long_sequences validation_test"


# ---------------------------------------------------------------- one run (child process)


class _Collect(logging.Handler):
    """Keeps every WARNING-or-worse message a run logs."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def comparison_figures(run, study) -> dict:
    """The kept model, every model's test (and validation) score, and the margin with its CI.

    Read from `run.comparison` (`run.predictions.comparison` for `series`);
    when the run compared on another metric (the `sequences` study picks
    balanced accuracy for imbalanced classes), every model's test
    predictions are scored again on the target's metric.
    """
    from lstm_apps.comparison import SCORES

    c = getattr(run, "comparison", None) or run.predictions.comparison  # series: evaluate's
    metric = STUDIES[study]["metric"]
    test = {k: float(v) for k, v in c.test.items()}
    if c.metric != metric:
        score = SCORES[metric][0]
        test = {x.name: float(score(run.data.y_test, x.predictions)) for x in c.candidates}
    return {
        "kept": c.kept,
        "compared_on": c.metric,
        "test": test,
        "validation": {k: float(v) for k, v in c.validation.items()},
        "margin": [float(c.margin), float(c.low), float(c.high)],
        "winner": c.winner,
        "disagreement": c.disagreement,
        "skipped": {x.name: x.reason for x in c.skipped},
    }


def one_run(dataset, seed, spanish_csv) -> dict:
    """Train and evaluate one (dataset, seed) in this process; the record written as JSON."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    collect = _Collect()
    logging.getLogger().addHandler(collect)
    import resource

    from lstm_apps.tasks.registry import run_case_study

    study, changes = DATASETS[dataset]
    changes = {
        k: (v.format(spanish_csv=spanish_csv) if isinstance(v, str) else v)
        for k, v in changes.items()
    }
    start = time.perf_counter()
    run = run_case_study(study, changes={**changes, SEED_FIELD: seed})
    seconds = time.perf_counter() - start
    figures = comparison_figures(run, study)
    recurrent = getattr(run, "network", None)
    recurrent = recurrent if isinstance(recurrent, str) else figures["kept"]
    history = run.history or {}
    train_accuracy = history.get("accuracy") or history.get("acc")
    logged = {code for m in collect.messages for code in DIAGNOSES.split() if f"{code}: " in m}
    reported = sorted({d.code for d in getattr(run, "diagnoses", ())})
    return {
        "dataset": dataset,
        "study": study,
        "seed": seed,
        "changes": changes,
        **figures,
        "network": figures["test"][figures["kept"]],
        # the text study may keep "ensemble" (its network averaged with TF-IDF): the recurrent
        # network alone is scored too; elsewhere it is the kept model
        "recurrent": figures["test"][recurrent],
        "recurrent_model": recurrent,
        "baseline": figures["test"].get(STUDIES[study]["baseline"], float("nan")),
        "epochs": len(history.get("loss", [])),
        "train_accuracy_last": float(train_accuracy[-1]) if train_accuracy else None,
        "diagnoses": sorted(logged),  # in the log: what the target asks for
        "report_diagnoses": reported,
        "warnings": collect.messages,
        "seconds": round(seconds, 1),
        "timing": run.timing,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "metrics": {k: v for k, v in run.metrics.items() if isinstance(v, (int, float))},
        "versions": _versions(),
    }


def _versions() -> dict:
    import keras
    import tensorflow as tf

    return dict(
        python=platform.python_version(), keras=keras.__version__, tensorflow=tf.__version__
    )


# ---------------------------------------------------------------- driver (parent process)


def launch(dataset, seed, args) -> dict:
    """One run in a fresh process; a failure or a timeout is recorded, not raised."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "run.json"
        command = [sys.executable, __file__, "--worker", dataset, str(seed), str(out)]
        command += ["--spanish-csv", str(args.spanish_csv)]
        start = time.perf_counter()
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=args.timeout)
            error = None if done.returncode == 0 else done.stderr.strip().splitlines()[-5:]
        except subprocess.TimeoutExpired:
            error = [f"timed out after {args.timeout} s"]
        seconds = round(time.perf_counter() - start, 1)
        if error is None and out.exists():
            return json.loads(out.read_text()) | {"process_seconds": seconds}
        error = error or ["the run wrote no result"]
    study = DATASETS[dataset][0]
    return {
        "dataset": dataset,
        "study": study,
        "seed": seed,
        "error": error,
        "process_seconds": seconds,
        "network": float("nan"),
        "recurrent": float("nan"),
        "baseline": float("nan"),
    }


def summarize(dataset, runs) -> dict:
    """Means over the seeds, the dataset's target and whether it is met."""
    study = DATASETS[dataset][0]
    network = float(np.mean([r["network"] for r in runs]))
    recurrent = float(np.mean([r["recurrent"] for r in runs]))
    baseline = float(np.mean([r["baseline"] for r in runs]))
    models = sorted({m for r in runs for m in r.get("test", {})})
    means = {
        m: float(np.mean([r["test"].get(m, np.nan) for r in runs if "test" in r])) for m in models
    }
    met, failed = STUDIES[study]["met"](network, baseline), any("error" in r for r in runs)
    slowest = max(r.get("seconds", r["process_seconds"]) for r in runs)
    return {
        "study": study,
        "changes": DATASETS[dataset][1],
        "seeds": [r["seed"] for r in runs],
        "runs": runs,
        "mean": {"network": network, "recurrent": recurrent, "baseline": baseline, "models": means},
        "target": STUDIES[study]["target"],
        "met": bool(met) and not failed,
        "recurrent_met": bool(STUDIES[study]["met"](recurrent, baseline)) and not failed,
        "within_time": slowest <= LIMIT_SECONDS,
        "seconds": round(sum(r.get("seconds", r["process_seconds"]) for r in runs), 1),
        "peak_rss_mib": max((r.get("peak_rss_mib", 0.0) for r in runs), default=0.0),
    }


def group_targets(datasets) -> list[dict]:
    """The targets over several sets: the sequences average gap, and 'all four' per study."""
    rows = []
    seq = [s for s in datasets.values() if s["study"] == "sequences"]
    if seq:
        gap = float(np.mean([s["mean"]["network"] - s["mean"]["baseline"] for s in seq]))
        rows.append(
            {
                "study": "sequences",
                "target": "mean(network - MiniRocket) >= -0.03",
                "value": gap,
                "met": gap >= -0.03,
                "sets": len(seq),
            }
        )
    for study in STUDIES:
        mine = [s for s in datasets.values() if s["study"] == study]
        if mine:
            rows.append(
                {
                    "study": study,
                    "target": "every set meets its target",
                    "value": sum(s["met"] for s in mine),
                    "met": all(s["met"] for s in mine),
                    "sets": len(mine),
                }
            )
    return rows


def _f(value, digits=4) -> str:
    return "n/a" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


def _value(target) -> str:
    value = target["value"]
    return f"{value}/{target['sets']}" if isinstance(value, int) else _f(value)


def run_row(r) -> str:
    """One Markdown row for one run."""
    if "error" in r:
        return f"| {r['dataset']} | {r['seed']} | error: {' / '.join(r['error'])[-200:]} |"
    others = ", ".join(f"{k} {_f(v)}" for k, v in sorted(r["test"].items()) if k != r["kept"])
    low, high = (r["margin"] + [None, None, None])[1:3]
    return (
        f"| {r['dataset']} | {r['seed']} | {r['kept']} {_f(r['network'])} | "
        f"{_f(r['baseline'])} | {others} | {_f(r['margin'][0])} [{_f(low)}, {_f(high)}] | "
        f"{_f(r['train_accuracy_last'], 3)} | {r['epochs']} | "
        f"{', '.join(r['diagnoses']) or '-'} | {r['seconds']:.0f} | {r['peak_rss_mib']:.0f} |"
    )


HEADER = (
    "| dataset | seed | kept model | target baseline | other models | kept - best baseline "
    "[95 % CI] | train acc. (last) | epochs | diagnoses | s | peak MiB |\n" + "|---" * 11 + "|"
)


def markdown(record) -> str:
    lines = [
        "# Own data: `sequences`, `text`, `series` at their defaults (issue 25)",
        "",
        f"Produced by `benchmarks/own_data.py` on {record['machine']}. Seeds: every run's seed "
        "is listed; targets are judged on the means over seeds. Metric: test accuracy "
        "(sequences, text), MASE at h = 1 (series, lower is better).",
        "",
    ]
    for study, spec in STUDIES.items():
        mine = {k: v for k, v in record["datasets"].items() if v["study"] == study}
        if not mine:
            continue
        lines += [f"## {study} (baseline of the target: {spec['baseline']})", "", HEADER]
        lines += [run_row(r) for s in mine.values() for r in s["runs"]]
        lines += [
            "",
            "| dataset | kept (mean) | recurrent alone (mean) | baseline (mean) | target | met "
            "(kept) | met (recurrent alone) | each run <= 600 s | total s | peak MiB |",
            "|---" * 10 + "|",
        ]
        for name, s in mine.items():
            lines.append(
                f"| {name} | {_f(s['mean']['network'])} | {_f(s['mean'].get('recurrent'))} | "
                f"{_f(s['mean']['baseline'])} | {s['target']} | {'yes' if s['met'] else 'NO'} | "
                f"{'yes' if s.get('recurrent_met', s['met']) else 'NO'} | "
                f"{'yes' if s['within_time'] else 'NO'} | {s['seconds']:.0f} | "
                f"{s['peak_rss_mib']:.0f} |"
            )
        lines.append("")
    lines += [
        "## Targets over sets",
        "",
        "| study | target | value | sets | met |",
        "|---|---|---|---|---|",
    ]
    for t in record["targets"]:
        lines.append(
            f"| {t['study']} | {t['target']} | {_value(t)} | {t['sets']} | "
            f"{'yes' if t['met'] else 'NO'} |"
        )
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", nargs="+", choices=list(STUDIES), default=list(STUDIES))
    parser.add_argument("--dataset", nargs="+", choices=list(DATASETS), default=None)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--timeout", type=int, default=1800, help="seconds before a run is killed")
    parser.add_argument("--spanish-csv", type=Path, default=SPANISH_CSV)
    parser.add_argument(
        "--worker", nargs=3, metavar=("DATASET", "SEED", "JSON"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.worker:
        dataset, seed, out = args.worker
        record = one_run(dataset, int(seed), args.spanish_csv)
        Path(out).write_text(json.dumps(record, default=float))
        return
    names = args.dataset or [k for k, (study, _) in DATASETS.items() if study in args.study]
    path = args.output / "own_data.json"
    record = load(path, own_data_layout, {"datasets": {}})
    print(HEADER, flush=True)
    for name in names:
        runs = []
        for seed in args.seeds:
            runs.append(launch(name, seed, args))
            print(run_row(runs[-1]), flush=True)
        record["datasets"][name] = summarize(name, runs)
        s = record["datasets"][name]
        print(
            f"  {name}: network {_f(s['mean']['network'])} vs {_f(s['mean']['baseline'])}: "
            f"{s['target']}: {'met' if s['met'] else 'NOT met'}",
            flush=True,
        )
        record["targets"] = group_targets(record["datasets"])
        record["machine"] = (
            f"{platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
        )
        args.output.mkdir(parents=True, exist_ok=True)
        save(path, "own_data", record, command=command_line())
        (args.output / "own_data.md").write_text(markdown(record))
    for t in record["targets"]:
        print(f"{t['study']}: {t['target']}: {_value(t)} -> {'met' if t['met'] else 'NOT met'}")
    print(f"Wrote {path} and {args.output / 'own_data.md'}")


if __name__ == "__main__":
    main()
