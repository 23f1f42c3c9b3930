"""The course's best practices, measured: controlled ablations on Japanese Vowels and turbofan.

Each variant changes a few Config fields of a study's defaults (the "baseline") and
is trained once per seed with `run_case_study`; Japanese Vowels is scored by test
accuracy (higher is better), turbofan by test RMSE (lower is better, one network).

Variants: normalization off (Japanese Vowels only: the turbofan Config has no
`normalization` field, its inputs are always z-scored), dropout 0.2 and 0.5, recurrent
dropout 0.2, L2 (`training.l2_regularization`, MATLAB's lambda) 1e-4 and 1e-3,
mini-batches of 16 to 256 (sequences; whole engines for turbofan), and one, two or
three layers whose widths give the one-layer network's parameter count
(`matched_stack`). The baseline always runs first. A variant whose
Config equals one already trained for that seed (`depth_1`, or the default batch size)
reuses that run and names it in the run's `info`.

Rule of the verdicts. A difference of mean scores over seeds counts when it exceeds two
standard errors of the difference, 2 * sqrt(s1^2/n1 + s2^2/n2) with sample standard
deviations; below that it is noise, and under two seeds per variant it cannot be judged.
A claim "holds" when the difference counts in its favour on every dataset measured,
"fails" when on none, and "depends" otherwise (the datasets disagree, or the seeds are
too few). (a) compares the baseline with normalization off, on the score; epochs to the
best loss (validation loss if any, else training loss) and the mean training loss over
epochs are shown beside it. (b), (c) and (e) take the variant with the best mean test
score (which flatters it) among dropout/recurrent dropout, among L2, and among two and
three layers, against the baseline (for (e), the one-layer network). (d) holds on a
dataset when the largest batch size run is faster per epoch than the smallest and also
scores worse, both beyond two standard errors.

Usage:
    python benchmarks/best_practices.py [--datasets japanese_vowels turbofan] [--seeds 0 1 2]
        [--variants dropout_0.2 ...] [--fast] [--set FIELD=VALUE ...] [--output PATH]
    python benchmarks/best_practices.py --verdicts-only     # judge over the files already run

Prints a Markdown table per dataset and the verdicts, and writes one results file per
dataset ('{dataset}' in --output), after every run so that a long run keeps its figures.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
from pathlib import Path

import numpy as np
from common import add_set_option, command_line, read_results, write_results

from lstm_apps.models.recurrent import GATES, matched_units, recurrent_parameters
from lstm_apps.tasks.registry import config_class, make_config, parse_overrides, run_case_study

DATASETS = {"japanese_vowels": ("accuracy", True), "turbofan": ("rmse", False)}
BATCHES = (16, 32, 64, 128, 256)
VARIANTS = {
    "baseline": {},
    "no_normalization": {"normalization": "none"},
    "dropout_0.2": {"dropout": 0.2},
    "dropout_0.5": {"dropout": 0.5},
    "recurrent_dropout_0.2": {"recurrent_dropout": 0.2},
    "l2_1e-4": {"training.l2_regularization": 1e-4},
    "l2_1e-3": {"training.l2_regularization": 1e-3},
    **{f"batch_{b}": {"training.mini_batch_size": b} for b in BATCHES},
    "depth_1": {"depth": 1},  # widths are chosen at run time (`matched_stack`)
    "depth_2": {"depth": 2},
    "depth_3": {"depth": 3},
}
CLAIMS = {
    "a": "normalization speeds convergence and helps",
    "b": "dropout and recurrent dropout curb overfitting",
    "c": "L2 regularization helps",
    "d": "batch size trades speed against generalization",
    "e": "deeper beats wider at equal parameters",
}
CANDIDATES = {
    "b": ("dropout_0.2", "dropout_0.5", "recurrent_dropout_0.2"),
    "c": ("l2_1e-4", "l2_1e-3"),
    "e": ("depth_2", "depth_3"),
}
RULE = (
    "a difference of mean scores counts when it exceeds two standard errors of the difference "
    "(sample sd over seeds); holds: counts in favour on every dataset; fails: on none; "
    "depends: otherwise"
)
RESULTS = Path(__file__).parent / "results" / "best_practices_{dataset}.json"


def stack_parameters(cell, widths, num_features, num_outputs=0) -> int:
    """Learnable parameters of a stack of `cell` layers of `widths` and a dense head."""
    total, inputs = 0, num_features
    for i, width in enumerate(widths):
        last = i == len(widths) - 1
        total += recurrent_parameters(cell, width, inputs, num_outputs if last else 0)
        inputs = width
    return total


def matched_stack(cell, target, depth, num_features, num_outputs=0) -> tuple:
    """Widths of a `depth`-layer stack whose parameter count is closest to `target`.

    Every layer but the last has one width u and the last a width v with
    3u/4 <= v <= u (a gently tapering stack, like the course's (125, 100)); ties
    go to the more even stack.
    """
    if depth == 1:
        return (matched_units(cell, target, num_features, num_outputs),)
    upper = matched_units(cell, target, num_features, num_outputs) + 1
    best = None
    for u in range(1, upper + 1):
        for v in range(max(1, math.ceil(3 * u / 4)), u + 1):
            widths = (u,) * (depth - 1) + (v,)
            count = stack_parameters(cell, widths, num_features, num_outputs)
            key = (abs(count - target), u - v)
            if best is None or key < best[0]:
                best = (key, widths)
    return best[1]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--fast", action="store_true", help="each study's tiny fast Config")
    parser.add_argument("--output", default=str(RESULTS), help="'{dataset}' is replaced")
    parser.add_argument(
        "--verdicts-only",
        action="store_true",
        help="train nothing: judge the claims over the results files of --datasets (each run "
        "on its own) and write the verdicts into each",
    )
    add_set_option(parser, "training.max_epochs=3")
    args = parser.parse_args(argv)
    if "{dataset}" not in args.output and len(args.datasets) > 1:
        parser.error("--output must contain '{dataset}' when several datasets are run")
    args.changes_by_dataset = {}
    for name in args.datasets:
        try:
            args.changes_by_dataset[name] = parse_overrides(config_class(name), args.changes)
        except ValueError as err:
            parser.error(f"{name}: {err}")
    return args


def plain(value):
    """`value` as JSON-friendly data (tuples become lists, anything odd a string)."""
    return json.loads(json.dumps(value, default=str))


def skipped_variants(dataset, base, variants) -> dict:
    """Variant -> why it cannot run on this Config (a field it lacks, a cell without counts)."""
    fields = {f.name for f in dataclasses.fields(base)} | {"depth"}
    skipped = {}
    for name in variants:
        missing = sorted(k for k in VARIANTS[name] if k.split(".")[0] not in fields)
        if missing:
            skipped[name] = f"the {dataset} Config has no field {', '.join(missing)}"
        elif "depth" in VARIANTS[name] and base.architecture not in GATES:
            skipped[name] = f"widths are matched for {', '.join(GATES)}, not {base.architecture}"
    return skipped


def variant_config(base, name, seed, shape):
    """The Config of variant `name` for `seed`; `shape` is (features, outputs)."""
    changes = dict(VARIANTS[name])
    depth = changes.pop("depth", None)
    if depth is not None:
        if shape is None:
            raise ValueError(f"{name} needs the baseline's input and output sizes; run it first")
        units = base.units if isinstance(base.units, tuple) else (base.units,)
        target = stack_parameters(base.architecture, units, *shape)
        widths = matched_stack(base.architecture, target, depth, *shape)
        changes["units"] = widths[0] if depth == 1 else widths
    return base.replace(**changes).replace(training=dict(seed=seed, verbose=0))


def train_one(dataset, config):
    """Train and score one Config; returns (metrics, model shape, peak memory)."""
    from lstm_apps import learnable_parameters

    score_name, _ = DATASETS[dataset]
    run = run_case_study(dataset, config)
    history, epochs = run.history, len(run.history["loss"])
    watched = history.get("val_loss") or history["loss"]  # best epoch: validation if any
    metrics = {
        score_name: float(run.metrics[score_name]),
        "train_seconds": float(run.timing["train_seconds"]),
        "epochs": epochs,
        "seconds_per_epoch": float(run.timing["train_seconds"]) / epochs,
        "best_epoch": int(np.argmin(watched)) + 1,
        "mean_train_loss": float(np.mean(history["loss"])),
        "parameters": learnable_parameters(run.model),
    }
    shape = (int(run.model.input_shape[-1]), int(run.model.output_shape[-1]))
    return metrics, shape, run.timing["peak_memory_mib"]


def run_dataset(dataset, args):
    """Every (seed, variant) of one dataset; writes the results file after each run.

    Returns:
        (runs, skipped variants with the reason, the results file, depth widths).
    """
    score_name, _ = DATASETS[dataset]
    base = make_config(dataset, args.changes_by_dataset[dataset], fast=args.fast)
    variants = ["baseline", *(v for v in args.variants if v != "baseline")]
    skipped = skipped_variants(dataset, base, variants)
    for name, why in skipped.items():
        print(f"{dataset}: skipping {name}: {why}", flush=True)
    variants = [v for v in variants if v not in skipped]
    output = Path(args.output.replace("{dataset}", dataset))
    runs, widths, peak = [], {}, 0.0
    for seed in args.seeds:
        done, shape = {}, None  # repr(Config) -> (metrics, variant); (features, outputs)
        for name in variants:  # the baseline first: the depth variants need its shape
            config = variant_config(base, name, seed, shape)
            info = {"units": plain(config.units)}
            if repr(config) in done:
                metrics, info["same_run_as"] = done[repr(config)]
            else:
                metrics, run_shape, memory = train_one(dataset, config)
                shape, peak = shape or run_shape, max(peak, memory)
                done[repr(config)] = (metrics, name)
            if name.startswith("depth_"):
                widths[name] = {"units": info["units"], "parameters": metrics["parameters"]}
            runs.append({"variant": name, "seed": seed, "metrics": metrics, "info": info})
            reused = f" (same run as {info['same_run_as']})" if "same_run_as" in info else ""
            print(
                f"{dataset} {name} seed {seed}: {score_name} {metrics[score_name]:.4f}, "
                f"{metrics['epochs']} epochs, {metrics['seconds_per_epoch']:.3f} s/epoch, "
                f"{metrics['parameters']:,} parameters{reused}",
                flush=True,
            )
            extra = {
                "dataset": dataset,
                "score": score_name,
                "higher_is_better": DATASETS[dataset][1],
                "fast": args.fast,
                "changes": args.changes,
                "variants": {v: plain(VARIANTS[v]) for v in variants},
                "skipped": skipped,
                "depth_widths": widths,
                "rule": RULE,
                "verdict_datasets": [dataset],
                "verdicts": verdicts({dataset: runs}, {dataset: skipped}),
            }
            write_results(
                output,
                benchmark="best_practices",
                title=f"Best-practice ablations on {dataset}: test {score_name} and s/epoch",
                command=command_line(),
                config=plain(dataclasses.asdict(base)),
                seeds=list(args.seeds),
                runs=runs,
                peak_memory_mib=peak,
                notes=[f"{v} skipped: {why}" for v, why in skipped.items()],
                extra=extra,
            )
    return runs, skipped, output, widths


def scores(runs, variant, key):
    return [r["metrics"][key] for r in runs if r["variant"] == variant]


def compare(a, b):
    """(difference of means b - a, two standard errors of it; nan under two seeds each)."""
    diff = float(np.mean(b) - np.mean(a))
    if min(len(a), len(b)) < 2:
        return diff, math.nan
    return diff, 2 * math.sqrt(np.var(a, ddof=1) / len(a) + np.var(b, ddof=1) / len(b))


def outcome(diff, two_se) -> str:
    """Whether `diff` (signed so that positive favours the claim) exceeds `two_se`:
    yes, no, or unknown without a noise estimate."""
    if math.isnan(two_se):
        return "unknown"
    return "yes" if diff > two_se else "no"


def fmt(values) -> str:
    sd = np.std(values, ddof=1) if len(values) > 1 else 0.0
    return f"{np.mean(values):.4g} ± {sd:.2g}"


def best_of(runs, reference, candidates, score, sign):
    """(outcome, text): the candidate with the best mean score against `reference`."""
    best = max(candidates, key=lambda v: sign * np.mean(scores(runs, v, score)))
    diff, two_se = compare(scores(runs, reference, score), scores(runs, best, score))
    text = (
        f"{best} {score} {fmt(scores(runs, best, score))} vs {reference} "
        f"{fmt(scores(runs, reference, score))} (diff {diff:+.4g}, 2SE {two_se:.2g})"
    )
    return outcome(sign * diff, two_se), text


def judge_dataset(claim, dataset, runs, skipped):
    """(outcome or None when not measured, text) of one claim on one dataset."""
    score, higher = DATASETS[dataset]
    sign = 1 if higher else -1
    have = {r["variant"] for r in runs}
    if claim == "a":
        if "no_normalization" in skipped:
            return None, f"{dataset}: not measured ({skipped['no_normalization']})"
        if "no_normalization" not in have:
            return None, f"{dataset}: not measured (variant not run)"
        result, text = best_of(runs, "no_normalization", ["baseline"], score, sign)
        pair = ("baseline", "no_normalization")
        epochs = " vs ".join(fmt(scores(runs, v, "best_epoch")) for v in pair)
        loss = " vs ".join(fmt(scores(runs, v, "mean_train_loss")) for v in pair)
        return result, f"{dataset}: {text}; epochs to best {epochs}; mean training loss {loss}"
    if claim in ("b", "c", "e"):
        reference = "depth_1" if claim == "e" else "baseline"
        candidates = [v for v in CANDIDATES[claim] if v in have]
        if reference not in have or not candidates:
            return None, f"{dataset}: not measured (variants not run)"
        result, text = best_of(runs, reference, candidates, score, sign)
        return result, f"{dataset}: {text}"
    batches = sorted(int(v.split("_")[1]) for v in have if v.startswith("batch_"))
    if len(batches) < 2:
        return None, f"{dataset}: not measured (fewer than two batch sizes run)"
    small, large = f"batch_{batches[0]}", f"batch_{batches[-1]}"
    speed = [scores(runs, v, "seconds_per_epoch") for v in (large, small)]
    faster = outcome(*compare(*speed))
    diff, two_se = compare(scores(runs, large, score), scores(runs, small, score))
    worse = outcome(sign * diff, two_se)
    both = {faster, worse}
    result = "unknown" if "unknown" in both else ("yes" if both == {"yes"} else "no")
    return result, (
        f"{dataset}: s/epoch {fmt(speed[1])} at batch {batches[0]} vs {fmt(speed[0])} at "
        f"{batches[-1]} (faster: {faster}); {score} {fmt(scores(runs, small, score))} vs "
        f"{fmt(scores(runs, large, score))} (large - small {-diff:+.4g}, 2SE {two_se:.2g}; "
        f"larger batch worse: {worse})"
    )


def verdicts(runs_by_dataset, skipped_by_dataset=None) -> list[str]:
    """One line per claim, "(key) claim: holds|fails|depends - figures per dataset"."""
    lines = []
    for claim, text in CLAIMS.items():
        judged = [
            judge_dataset(claim, dataset, runs, (skipped_by_dataset or {}).get(dataset, {}))
            for dataset, runs in runs_by_dataset.items()
        ]
        outcomes = {result for result, _ in judged if result is not None}
        if not outcomes:
            verdict = "not measured"
        elif "unknown" in outcomes:
            verdict = "depends (under two seeds per variant: no noise estimate)"
        elif outcomes == {"yes"}:
            verdict = "holds"
        elif outcomes == {"no"}:
            verdict = "fails"
        else:
            verdict = "depends"
        lines.append(f"({claim}) {text}: {verdict} - " + "; ".join(t for _, t in judged))
    return lines


def markdown_table(dataset, runs) -> str:
    """Variant, widths, parameters, mean ± sd of the score over seeds, epochs, s/epoch."""
    score, _ = DATASETS[dataset]
    lines = [
        f"| variant | units | parameters | test {score} (mean ± sd, n) | epochs | s/epoch |",
        "|---|---|---|---|---|---|",
    ]
    for variant in dict.fromkeys(r["variant"] for r in runs):
        first = next(r for r in runs if r["variant"] == variant)
        values = scores(runs, variant, score)
        lines.append(
            f"| {variant} | {first['info']['units']} | {first['metrics']['parameters']:,} | "
            f"{fmt(values)} (n={len(values)}) | {np.mean(scores(runs, variant, 'epochs')):.0f} "
            f"| {np.mean(scores(runs, variant, 'seconds_per_epoch')):.3f} |"
        )
    return "\n".join(lines)


def main(argv=None) -> list[str]:
    """Run the benchmark; returns the verdict lines (over every dataset run)."""
    args = parse_args(argv)
    runs_by_dataset, skipped_by_dataset, outputs = {}, {}, []
    for dataset in args.datasets:
        if args.verdicts_only:
            output = Path(args.output.replace("{dataset}", dataset))
            record = read_results(output)
            runs, skipped = record["runs"], record["extra"].get("skipped", {})
            widths = record["extra"].get("depth_widths", {})
        else:
            runs, skipped, output, widths = run_dataset(dataset, args)
        runs_by_dataset[dataset], skipped_by_dataset[dataset] = runs, skipped
        outputs.append(output)
        print(f"\n## {dataset}\n\n{markdown_table(dataset, runs)}\n")
        for name, info in widths.items():
            print(f"{name}: units {info['units']}, {info['parameters']:,} parameters")
    lines = verdicts(runs_by_dataset, skipped_by_dataset)
    print("\n" + "\n".join(lines))
    for output in outputs:  # every file gets the verdicts over all the datasets just run
        record = read_results(output)
        record["extra"].update(verdicts=lines, verdict_datasets=list(runs_by_dataset))
        kept = ("benchmark", "title", "command", "config", "seeds", "runs", "notes", "extra")
        origin = {k: record[k] for k in ("created", "commit", "machine", "versions")}
        write_results(
            output,
            **{k: record[k] for k in kept},
            peak_memory_mib=record["peak_memory_mib"],
            origin=origin,
        )
        print(f"wrote {output}")
    return lines


if __name__ == "__main__":
    main()
