"""Forecasting benchmark: the three built-in series x (single LSTM, stacked LSTM with dropout),
rolling-origin test MASE against naive, seasonal naive and ETS, over several seeds.

Usage:
    python benchmarks/forecasting.py [--seeds 0 1 2 3 4] [--series sunspots co2 airline]
        [--variants lstm stacked] [--set FIELD=VALUE ...]   (e.g. --set training.max_epochs=50)

Each run chooses its transform on the validation part (where the series'
default is a choice: "auto" for airline, sqrt or sqrt_difference for
sunspots), refits on training + validation and is scored from 20 origins
spread over the test part. Prints a table per run and a summary, and
writes benchmarks/results/forecasting.json after every run (a long benchmark
keeps what it has measured). Runs already in that file for other series,
variants or seeds are kept, so `--series sunspots` refreshes only the
sunspot rows. Seeds are the outer loop, so an interrupted run
still covers every series and variant for the first seeds. The baselines are
deterministic; they are scored again with every run.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from common import command_line, mean_std
from migrate_results import load, save
from result_layouts import forecasting_rows

from lstm_apps.tasks import forecasting, parse_overrides

RESULTS = Path(__file__).parent / "results" / "forecasting.json"
MODELS = ("", "naive_", "seasonal_naive_", "ets_")
STEPS = ("h1", "season", "mean")


def table(metrics) -> str:
    lines = [f"{'model':<16}" + "".join(f"{'MASE ' + s:>13}" for s in STEPS) + f"{'RMSE h1':>10}"]
    for prefix in MODELS:
        if prefix + "mase_h1" not in metrics:
            continue
        lines.append(
            f"{(prefix or 'lstm_').rstrip('_'):<16}"
            + "".join(f"{metrics[f'{prefix}mase_{s}']:>13.3f}" for s in STEPS)
            + f"{metrics[prefix + 'rmse_h1']:>10.2f}"
        )
    return "\n".join(lines)


def summary(runs, series_names, variants) -> str:
    lines = [
        f"{'series':<10}{'model':<16}{'MASE h1':>18}{'MASE season':>18}{'MASE mean':>18}"
        f"{'train s':>9}{'runs':>6}"
    ]
    for name in series_names:
        for variant in variants:
            rows = [r for r in runs if r["series"] == name and r["variant"] == variant]
            if not rows:
                continue
            stats = mean_std(rows)
            for prefix in MODELS if variant == variants[0] else ("",):
                if prefix + "mase_h1" not in stats:
                    continue
                label = variant if not prefix else prefix.rstrip("_")
                cells = "".join(
                    f"{stats[prefix + 'mase_' + s][0]:>11.3f} ±{stats[prefix + 'mase_' + s][1]:.3f}"
                    for s in STEPS
                )
                seconds = f"{stats['train_seconds'][0]:>9.0f}" if not prefix else " " * 9
                lines.append(f"{name:<10}{label:<16}{cells}{seconds}{len(rows):>6}")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--series", nargs="+", default=list(forecasting.SERIES))
    parser.add_argument("--variants", nargs="+", default=list(forecasting.VARIANTS))
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--set", dest="changes", action="append", default=[])
    args = parser.parse_args()
    changes = parse_overrides(forecasting.Config, args.changes)
    redone = {(s, v, seed) for s in args.series for v in args.variants for seed in args.seeds}
    earlier = load(args.output, lambda r: {"runs": forecasting_rows(r)}, {"runs": []})["runs"]
    runs = [r for r in earlier if (r["series"], r["variant"], r["seed"]) not in redone]
    for seed in args.seeds:
        for name in args.series:
            for variant in args.variants:
                config = forecasting.Config(series=name).replace(
                    **{**forecasting.VARIANTS[variant], **changes, "training.seed": seed}
                )
                start = time.perf_counter()
                run = forecasting.train(config)
                train_seconds = time.perf_counter() - start
                start = time.perf_counter()
                metrics = forecasting.evaluate(run)
                transform = run.config.transform
                runs.append(
                    {
                        "series": name,
                        "variant": variant,
                        "seed": seed,
                        "changes": {k: str(v) for k, v in changes.items()},
                        "transform": transform,
                        "validation_mase": run.validation_mase,
                        "epochs": run.epochs,
                        "train_seconds": train_seconds,
                        "evaluate_seconds": time.perf_counter() - start,
                        "peak_memory_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                        / 1024,
                        **metrics,
                    }
                )
                print(f"\n== {name} / {variant} / seed {seed}: transform {transform} "
                      f"(validation MASE {run.validation_mase}), {run.epochs} epochs, "
                      f"train {train_seconds:.0f} s ==\n{table(metrics)}", flush=True)  # fmt: skip
                args.output.parent.mkdir(parents=True, exist_ok=True)
                record = {
                    "runs": runs,
                    "mean_std": {
                        f"{s}/{v}": mean_std(
                            [r for r in runs if r["series"] == s and r["variant"] == v]
                        )
                        for s in dict.fromkeys(r["series"] for r in runs)
                        for v in dict.fromkeys(r["variant"] for r in runs)
                    },
                    "variants": {v: str(forecasting.VARIANTS[v]) for v in forecasting.VARIANTS},
                    "note": "2 CPU cores shared with other training jobs: times are indicative",
                }
                save(args.output, "forecasting", record, command=command_line())
    print("\n" + summary(runs, args.series, args.variants))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
