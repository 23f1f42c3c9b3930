"""NOx benchmark on the UCI gas-turbine data: the LSTM against linear and gradient-boosting
baselines, without and with weekly walk-forward recalibration.

Usage:
    python benchmarks/nox.py [--seeds 0 1 2] [--modes last sequence] [--set FIELD=VALUE ...]

Each seed and output mode chooses its window on the 2013 validation year,
trains on 2011-2012 and is scored on every hour of 2014-2015. Under weekly
recalibration, every model first chooses how many past days its updates read
by walking the 2013 weeks. Prints a table
and writes benchmarks/results/nox.json (after every run, so a long benchmark
keeps what it has measured).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import time
from pathlib import Path

from common import command_line, mean_std
from migrate_results import save

from lstm_apps.tasks import nox, parse_overrides

RESULTS = Path(__file__).parent / "results" / "nox.json"
MODELS = ("", "linear_", "linear_lagged_", "hgb_", "hgb_lagged_", "linear_hgb_")


def table(metrics) -> str:
    lines = [f"{'model':<16}{'protocol':<14}{'MAE':>7}{'RMSE':>7}{'R2':>7}{'±10%':>7}{'days':>6}"]
    for prefix in MODELS:
        for protocol in ("", "recalibrated_"):
            key = f"{prefix}{protocol}"
            days = f"{metrics[prefix + 'recalibration_days']:.0f}" if protocol else ""
            lines.append(
                f"{(prefix or 'lstm_').rstrip('_'):<16}{protocol.rstrip('_') or 'none':<14}"
                f"{metrics[key + 'mae']:>7.2f}{metrics[key + 'rmse']:>7.2f}"
                f"{metrics[key + 'r2']:>7.3f}{metrics[key + 'within_10pct']:>7.3f}{days:>6}"
            )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--modes", nargs="+", default=["last", "sequence"])
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--set", dest="changes", action="append", default=[])
    args = parser.parse_args()
    base = nox.Config().replace(training=dict(verbose=0))
    base = base.replace(**parse_overrides(nox.Config, args.changes))
    data = nox.load_data(base)
    runs = []
    for mode in args.modes:
        for seed in args.seeds:
            # the weekly updates follow training.seed (recalibration.seed is None)
            config = base.replace(output_mode=mode, training=dict(seed=seed))
            start = time.perf_counter()
            run = nox.train(config, data)
            train_seconds = time.perf_counter() - start
            start = time.perf_counter()
            metrics = nox.evaluate(run)
            runs.append(
                {
                    "output_mode": mode,
                    "seed": seed,
                    "train_seconds": train_seconds,
                    "evaluate_seconds": time.perf_counter() - start,
                    "window_validation_mae": run.window_validation_mae,
                    "recalibration_choices": {
                        key: dataclasses.asdict(choice)
                        for key, choice in run.predictions.choices.items()
                    },
                    "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                    **metrics,
                }
            )
            print(f"\n== output_mode={mode} seed={seed}: window {int(metrics['window'])} h, "
                  f"train {train_seconds:.0f} s ==\n{table(metrics)}", flush=True)  # fmt: skip
            args.output.parent.mkdir(parents=True, exist_ok=True)
            summary = {m: mean_std([r for r in runs if r["output_mode"] == m]) for m in args.modes}
            config_json = json.loads(json.dumps(dataclasses.asdict(base), default=str))
            record = {"runs": runs, "mean_std": summary, "config": config_json}
            save(args.output, "nox", record, command=command_line())
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
