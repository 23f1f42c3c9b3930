"""Engine NOx benchmark (SYNTHETIC data): LSTM vs a static regressor, over seeds.

Each seed simulates its own training, validation and test cycles with the
case study's full Config, trains the LSTM, fits the static baseline
(HistGradientBoostingRegressor on the same five signals of the same second)
and scores both on the held-out cycles, over every second and over the
transient seconds only.

Usage:
    python benchmarks/engine_nox.py [--seeds 3] [--first-seed 0]

Prints a Markdown table and writes benchmarks/results/engine_nox.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import resource
import statistics
import time
from pathlib import Path

import keras
from common import command_line
from migrate_results import save

from lstm_apps import learnable_parameters
from lstm_apps.tasks import engine_nox as en

RESULTS = Path(__file__).parent / "results" / "engine_nox.json"
METRICS = ("mae", "rmse", "r2", "within_10pct")
GROUPS = {
    "LSTM, all seconds": "",
    "static, all seconds": "static_",
    "LSTM, transients": "transient_",
    "static, transients": "static_transient_",
}


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(seeds, first_seed):
    rows = []
    for seed in range(first_seed, first_seed + seeds):
        config = en.Config().replace(training=dict(seed=seed, verbose=0))
        data = en.load_data(config)
        start = time.perf_counter()
        result = en.train(config, data)
        seconds = time.perf_counter() - start
        start = time.perf_counter()
        baseline = en.fit_static_baseline(data)
        static_seconds = time.perf_counter() - start
        metrics = en.compare(result, baseline)  # `evaluate`, with the baseline timed above
        rows.append(
            {
                "seed": seed,
                **metrics,
                "train_seconds": seconds,
                "static_fit_seconds": static_seconds,
                "epochs": len(result.history["loss"]),
                "learnables": learnable_parameters(result.model),
                "sizes": data.sizes(),
            }
        )
        print(
            f"seed {seed}: MAE LSTM {metrics['mae']:.3f} / static {metrics['static_mae']:.3f}  "
            f"transients {metrics['transient_mae']:.3f} / {metrics['static_transient_mae']:.3f}  "
            f"train {seconds:5.1f} s",
            flush=True,
        )
    return rows


def summarize(rows):
    def stats(values):
        return {
            "mean": statistics.mean(values),
            "std": statistics.stdev(values) if len(values) > 1 else 0.0,
        }

    summary = {
        key: stats([r[key] for r in rows])
        for prefix in GROUPS.values()
        for key in (prefix + m for m in METRICS)
    }
    for key in ("transient_share", "train_seconds", "static_fit_seconds", "epochs"):
        summary[key] = stats([r[key] for r in rows])
    summary["train_seconds"]["max"] = max(r["train_seconds"] for r in rows)
    return summary


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    rows = run(args.seeds, args.first_seed)
    summary = summarize(rows)
    print(f"\nSYNTHETIC data, {len(rows)} seeds (mean ± sd)\n")
    print("| model, seconds scored | MAE (mg/s) | RMSE (mg/s) | R² | within 10 % |")
    print("|---|---|---|---|---|")
    for label, prefix in GROUPS.items():
        cells = [f"{summary[prefix + m]['mean']:.3f} ± {summary[prefix + m]['std']:.3f}"
                 for m in METRICS]  # fmt: skip
        print(f"| {label} | " + " | ".join(cells) + " |")
    share, secs = summary["transient_share"]["mean"], summary["train_seconds"]
    print(f"\ntransient seconds: {share:.1%} of the test seconds")
    print(f"LSTM training: {secs['mean']:.1f} s/seed (max {secs['max']:.1f} s)")
    print(f"peak RSS: {peak_rss_mib():.0f} MiB")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "data": "SYNTHETIC (lstm_apps.data.synthetic)",
        "summary": summary,
        "runs": rows,
        "peak_rss_mib": peak_rss_mib(),
        "config": json.loads(json.dumps(dataclasses.asdict(en.Config()), default=str)),
        "machine": {
            "python": platform.python_version(),
            "processor": platform.processor(),
            "cpus": os.cpu_count(),
            "keras": keras.__version__,
        },
    }
    save(args.output, "engine_nox", payload, command=command_line())
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
