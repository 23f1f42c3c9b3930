"""hola benchmark: does each cell learn h->o, o->l, l->a for every seed?

Trains the `hola` case study's default Config (8 units, 20 epochs of SGD at a
rate of 0.1, one sequence per batch) with each of the three cells and seeds
0-9, and scores every next-letter guess of "hola".

Usage:
    python benchmarks/hola.py [--seeds 0 1 ...] [--output DIR]

Prints one line per run and writes benchmarks/results/hola.json.
"""

from __future__ import annotations

import dataclasses
import resource
import time
from pathlib import Path

from common import command_line, seed_parser, write_results

from lstm_apps.tasks import run_case_study
from lstm_apps.tasks.hola import study

RESULTS = Path(__file__).parent / "results"
CELLS = ("simple_rnn", "lstm", "gru")


def main() -> None:
    parser = seed_parser(__doc__, RESULTS, seeds=range(10))
    args = parser.parse_args()
    output = args.output if args.output.suffix == ".json" else args.output / "hola.json"
    runs = []
    for cell in CELLS:
        for seed in args.seeds:
            config = study.Config(cell=cell)
            config = config.replace(training=config.training.replace(seed=seed))
            start = time.perf_counter()
            run = run_case_study("hola", config)
            seconds = time.perf_counter() - start
            metrics = {**study.evaluate(run), "run_seconds": seconds}
            runs.append({"variant": cell, "seed": seed, "metrics": metrics})
            print(f"{cell:10s} seed {seed}: accuracy {metrics['accuracy']:.3f} ({seconds:.1f} s)")
    right = all(r["metrics"]["accuracy"] == 1.0 for r in runs)
    print(f"every guess right in every run: {right}")
    write_results(
        output,
        benchmark="hola",
        title="hola: next-letter accuracy of each cell over seeds",
        command=command_line(),
        config={"cells": list(CELLS), "config": dataclasses.asdict(study.Config())},
        seeds=list(args.seeds),
        runs=runs,
        peak_memory_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        notes=["run_seconds includes Keras's compile start-up of each run"],
    )


if __name__ == "__main__":
    main()
