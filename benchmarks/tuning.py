"""Tuning benchmark: search a study with `lstm-apps tune`, then test the best settings over seeds.

The search scores trials on validation only (or by cross-validation over the
training part with `--cv K`) within a wall-time budget. The best settings
are then trained from each of `--seeds` and scored once on the test split,
beside the study's default settings trained from the same seeds, so the
gain of tuning reads against the same-run untuned network.

Usage:
    python benchmarks/tuning.py japanese_vowels --budget 20m --cv 5 --seeds 0 1 2 3 4
    python benchmarks/tuning.py turbofan --budget 30m --seeds 0 1 2 3 4
    python benchmarks/tuning.py sequences --set data=aeon:ArrowHead --budget 20m --cv 5

Writes benchmarks/results/tuning_<name>[_<suffix>].json and keeps the tuning
folder (study.db, report, figures) under --folder.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from common import add_set_option, command_line, write_results

from lstm_apps.tasks.registry import config_class, make_config, parse_overrides, run_case_study
from lstm_apps.tuning.tuner import tune

RESULTS = Path(__file__).parent / "results"
HEADLINE = {  # the test metric each study's target is stated in
    "japanese_vowels": "accuracy",
    "turbofan": "rmse",
    "sequences": "accuracy",
    "activity": "accuracy",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", help="case study")
    parser.add_argument("--budget", default="20m", help="the search's wall time (default 20m)")
    parser.add_argument("--cv", type=int, help="K-fold cross-validation inside the search")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--search-seed", type=int, default=0, help="the sampler's seed")
    parser.add_argument("--folder", type=Path, help="tuning folder (default /tmp/tuning_NAME)")
    parser.add_argument("--suffix", default="", help="results file suffix, e.g. ArrowHead")
    parser.add_argument("--no-default", action="store_true", help="skip the untuned runs")
    add_set_option(parser, "data=aeon:ArrowHead")
    args = parser.parse_args()
    changes = parse_overrides(config_class(args.name), args.changes)
    stem = f"tuning_{args.name}" + (f"_{args.suffix}" if args.suffix else "")
    folder = args.folder or Path("/tmp") / stem
    began = time.perf_counter()
    result = tune(
        args.name, folder, budget=args.budget, changes=changes, cv=args.cv,
        seed=args.search_seed, retrain=False,
    )  # fmt: skip
    search_seconds = time.perf_counter() - began
    study = result.study
    states = [t.state.name.lower() for t in study.trials]
    metric = HEADLINE.get(args.name)
    runs = []
    variants = {"tuned": {**changes, **result.run_changes}}
    if not args.no_default:
        variants["default"] = changes
    for seed in args.seeds:
        for variant, settings in variants.items():
            config = make_config(args.name, {**settings, "training.seed": seed})
            start = time.perf_counter()
            run = run_case_study(args.name, config.replace(training=dict(verbose=0)))
            metrics = {k: v for k, v in run.metrics.items() if isinstance(v, (int, float))}
            metrics["train_seconds"] = round(time.perf_counter() - start, 1)
            runs.append({"variant": variant, "seed": seed, "metrics": metrics})
            shown = f"{metric} {metrics.get(metric, float('nan')):.4f}" if metric else ""
            print(f"{variant} seed {seed}: {shown} ({metrics['train_seconds']:.0f} s)", flush=True)
    best = result.trial
    write_results(
        RESULTS / f"{stem}.json",
        benchmark="tuning",
        title=f"Tuning {args.name}: the best of a {args.budget} search, tested over seeds",
        command=command_line(),
        config={
            "case_study": args.name,
            "changes": changes,
            "budget": args.budget,
            "cv": args.cv,
            "search_seed": args.search_seed,
        },  # fmt: skip
        seeds=args.seeds,
        runs=runs,
        peak_memory_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        notes=[
            "the search scored validation only; the test split was read once per seed, "
            "after the search",
        ],
        extra={
            "best_trial": best.number,
            "best_scored_trial": study.best_trial.number,
            "choice": result.choice,
            "best_validation_score": best.value,
            "best_validation_sd": best.user_attrs.get("score_sd"),
            "best_changes": result.best_changes,
            "best_command": result.command,
            "trials": {s: states.count(s) for s in sorted(set(states))},
            "search_seconds": round(search_seconds, 1),
        },
    )
    print(f"{result.choice}\nKept trial {best.number}: {best.value:.4f}; {result.command}")
    print(f"Wrote {RESULTS / f'{stem}.json'}")


if __name__ == "__main__":
    main()
