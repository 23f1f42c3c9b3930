"""Long-range memory benchmarks: SimpleRNN vs LSTM vs GRU on the adding and copy tasks.

Each cell, at a parameter count matched to an LSTM of 32 units, trains on
fresh batches for the same budget of Adam steps at every T in
{10, 50, 100, 200, 500}, for several seeds, and is scored on held-out
sequences against the memoryless baseline (MSE 1/6 for adding,
10 log 8 / (T + 20) nats for copy). See `lstm_apps.analysis.memory.MemoryConfig`
for the protocol.

The sweep saves its JSON after every run and resumes from it, so an
interrupted run loses at most one training.

Usage:
    python benchmarks/memory_tasks.py [--task adding|copy|both] [--fast]
        [--lengths T ...] [--seeds S ...]

`--lengths` and `--seeds` extend or narrow a saved sweep (same protocol);
the tables and figures always cover every run in the JSON file.

Writes benchmarks/results/memory_{adding,copy}.json, the figures
memory_{adding,copy}.png and gradient_norms.png, and prints Markdown tables.
"""

from __future__ import annotations

import argparse
import resource
from dataclasses import asdict, replace
from pathlib import Path

import matplotlib
from common import command_line
from migrate_results import save

matplotlib.use("Agg")

from lstm_apps.analysis.comparison import memory_sweep  # noqa: E402
from lstm_apps.analysis.comparison_plots import (  # noqa: E402
    plot_gradient_profiles,
    plot_memory_errors,
)
from lstm_apps.analysis.memory import LABELS, MemoryConfig  # noqa: E402

RESULTS = Path(__file__).parent / "results"
SEEDS = {"adding": (0, 1, 2), "copy": (0, 1)}


def table(results, task) -> str:
    lines = [
        "| cell | params | T | error (mean ± sd) | baseline | solved | steps | s / run |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in results.summary(task):
        solved = f"{row['solved']}/{row['seeds']}"
        if task == "copy":
            solved += f" (recall {row['recall_accuracy_mean']:.2f})"
        lines.append(
            f"| {LABELS[row['cell']]} | {row['parameters']:,} | {row['length']} | "
            f"{row['error_mean']:.4f} ± {row['error_std']:.4f} | {row['baseline']:.4f} | "
            f"{solved} | {row['steps_mean']:.0f} | {row['seconds_mean']:.0f} |"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=("adding", "copy", "both"), default="both")
    parser.add_argument("--fast", action="store_true", help="T in (10, 50), 600 steps, 1 seed")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--lengths", type=int, nargs="+", help="T values (default 10 ... 500)")
    parser.add_argument("--seeds", type=int, nargs="+", help="seeds (default adding 0-2, copy 0-1)")
    args = parser.parse_args()
    tasks = ("adding", "copy") if args.task == "both" else (args.task,)
    for task in tasks:
        config = MemoryConfig.fast() if args.fast else MemoryConfig(seeds=SEEDS[task])
        if args.lengths:
            config = replace(config, lengths=tuple(args.lengths))
        if args.seeds:
            config = replace(config, seeds=tuple(args.seeds))
        suffix = "_fast" if args.fast else ""
        path = args.output / f"memory_{task}{suffix}.json"
        results = memory_sweep((task,), config, path, gradient_length=100 if args.fast else 500)
        save(path, "memory_tasks", asdict(results), command=command_line())
        plot_memory_errors(results, task, args.output / f"memory_{task}{suffix}.png")
        if task == "adding":
            trained_at = 50 if args.fast else 200
            plot_gradient_profiles(
                results.gradients, trained_at, args.output / f"gradient_norms{suffix}.png"
            )
            ratios = {key: f"{values[0]:.2e}" for key, values in results.gradients.items()}
            print("Gradient ratio ||dL/dh_1|| / ||dL/dh_T||:", ratios)
        print(f"\n{task}:\n{table(results, task)}\n")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"Peak RSS: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
