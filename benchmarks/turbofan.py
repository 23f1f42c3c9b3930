"""Turbofan RUL benchmark on NASA C-MAPSS FD001: the course's single-layer LSTM and a
stacked LSTM with dropout, sequence-to-sequence, plus a windowed sequence-to-one
network and the MATLAB example's RUL cap of 150, all chosen between on validation engines.

Usage:
    python benchmarks/turbofan.py [--seeds 0 1 2 3 4] [--variants single stacked ...]
                                  [--set FIELD=VALUE ...]

Every variant trains on the same 80 engines, stops early on the same 20
validation engines (split_seed 0) and is scored on the RUL after the last
cycle of each of the 100 test engines (RUL_FD001.txt). The "ensemble" variant
averages five single-layer networks (seeds 5s to 5s + 4 for benchmark seed s).
Prints a table and writes benchmarks/results/turbofan.json after every run, so
a long benchmark keeps what it has measured.
"""

from __future__ import annotations

import dataclasses
import resource
import time
from pathlib import Path

import numpy as np
from common import command_line, mean_std, seed_parser
from migrate_results import save

from lstm_apps.tasks import parse_overrides, turbofan

RESULTS = Path(__file__).parent / "results" / "turbofan.json"
VARIANTS = {
    "single": dict(units=100),  # the course's single-layer LSTM
    "ensemble": dict(units=100, ensemble=5),  # the mean of five of them
    "stacked": dict(units=(125, 100), dropout=0.2),  # the course's deeper listing
    "single_windowed": dict(  # sequence-to-one on the last 30 cycles
        units=100,
        output_mode="last",
        window=30,
        training=dict(
            mini_batch_size=128, learn_rate_drop_period=10, validation_patience=10, max_epochs=40
        ),
    ),
    "single_cap150": dict(units=100, rul_cap=150),  # MATLAB's cap
}
SHOWN = ("validation_rmse", "rmse", "phm08_score", "rmse_capped_truth", "rmse_per_cycle")


def table(summary) -> str:
    header = f"{'variant':<18}{'runs':>5}" + "".join(f"{k:>20}" for k in (*SHOWN, "train_seconds"))
    lines = [header]
    for name, row in summary.items():
        cells = "".join(
            f"{f'{row[k][0]:.2f} ± {row[k][1]:.2f}':>20}" for k in (*SHOWN, "train_seconds")
        )
        lines.append(f"{name:<18}{row['runs']:>5}{cells}")
    return "\n".join(lines)


def main():
    args = seed_parser(__doc__, RESULTS, variants=VARIANTS).parse_args()
    changes = parse_overrides(turbofan.Config, args.changes)
    base = turbofan.Config().replace(training=dict(verbose=0)).replace(**changes)
    data = turbofan.load_data(base)
    runs = []
    for seed in args.seeds:
        for name in args.variants:
            config = base.replace(training=dict(seed=seed)).replace(**VARIANTS[name])
            start = time.perf_counter()
            run = turbofan.train(config, data)
            train_seconds = time.perf_counter() - start
            start = time.perf_counter()
            metrics = turbofan.evaluate(run)
            val_loss = run.history["val_loss"]  # the first (or only) member's
            members = [h["val_loss"] for h in run.member_histories]
            runs.append(
                {
                    "variant": name,
                    "seed": seed,
                    "train_seconds": train_seconds,
                    "evaluate_seconds": time.perf_counter() - start,
                    "epochs": len(val_loss),
                    "best_epoch": int(np.argmin(val_loss)) + 1,
                    "member_epochs": [len(v) for v in members],
                    "member_best_epochs": [int(np.argmin(v)) + 1 for v in members],
                    "parameters": run.model.count_params(),
                    "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                    **metrics,
                }
            )
            print(f"{name} seed {seed}: {len(val_loss)} epochs, train {train_seconds:.0f} s, "
                  + ", ".join(f"{k} {metrics[k]:.2f}" for k in SHOWN), flush=True)  # fmt: skip
            done = [v for v in args.variants if any(r["variant"] == v for r in runs)]
            summary = {}
            for v in done:
                rows = [r for r in runs if r["variant"] == v]
                summary[v] = {"runs": len(rows), **mean_std(rows)}
            record = {
                "runs": runs,
                "mean_std": summary,
                "variants": {v: {k: str(x) for k, x in VARIANTS[v].items()} for v in args.variants},
                "config": {k: str(v) for k, v in dataclasses.asdict(base).items()},
                "note": "CPU only, 2 cores shared with other training jobs: times are indicative",
            }
            args.output.parent.mkdir(parents=True, exist_ok=True)
            save(args.output, "turbofan", record, command=command_line())
    print(table(summary))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
