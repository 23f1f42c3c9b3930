"""`lstm-apps tune NAME`: the command line of the search (argument wiring only)."""

from __future__ import annotations

import time
from pathlib import Path


def add_tune_parser(sub, common):
    """Add the `tune` sub-command to the `lstm-apps` parser."""
    tune = sub.add_parser(
        "tune",
        parents=[common],
        help="search a study's settings (Optuna), retrain the best and test it once",
    )
    tune.add_argument("name", help="case study (see `lstm-apps list`)")
    tune.add_argument(
        "--budget",
        help="wall time of the search, e.g. 20m, 90s, 1.5h (default 20m without --trials)",
    )
    tune.add_argument("--trials", type=int, help="run at most this many trials")
    tune.add_argument(
        "--set",
        dest="changes",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="a Config change every trial starts from, as in `lstm-apps run --set`",
    )
    tune.add_argument(
        "--space",
        action="append",
        default=[],
        metavar="FIELD=SPEC",
        help="replace or add a searched field: FIELD=int:LOW:HIGH[:log], "
        "FIELD=float:LOW:HIGH[:log], FIELD=choice:A,B, FIELD=stack:LOW:HIGH:DEPTH, or "
        "FIELD=off to leave a default one out",
    )
    tune.add_argument(
        "--cv",
        type=int,
        metavar="K",
        help="score each trial by K-fold cross-validation over the training and validation "
        "parts, grouped by the study's natural group (subject, engine, group column) or else "
        "stratified by class",
    )
    tune.add_argument("--output", type=Path, help="tuning folder (default tuning/NAME)")
    tune.add_argument(
        "--storage",
        help="Optuna database URL shared by several processes or machines, e.g. "
        "postgresql://user@host/db (default: sqlite in the tuning folder)",
    )
    tune.add_argument("--study-name", help="the study's name in the database (default NAME)")
    tune.add_argument("--seed", type=int, help="the sampler's seed (default: random)")
    tune.add_argument("--fast", action="store_true", help="tiny data and few epochs (smoke test)")
    tune.add_argument(
        "--no-retrain", action="store_true", help="search only; do not retrain and test the best"
    )
    tune.add_argument(
        "--always-best",
        action="store_true",
        help="keep the best-scored trial even when, with --cv, it beats the starting settings "
        "by no more than one standard error (by default the starting settings stay)",
    )
    return tune


def check_tune(args):
    """Check a `tune` command's arguments before TensorFlow is imported."""
    from lstm_apps.tasks.registry import check_name, config_class, parse_overrides
    from lstm_apps.tuning.space import parse_space
    from lstm_apps.tuning.studies import declares_tuning, tuning_spec
    from lstm_apps.tuning.tuner import parse_budget

    check_name(args.name)
    if not declares_tuning(args.name):
        tuning_spec(args.name)  # raises, with the study's reason
    args.change_dict = parse_overrides(config_class(args.name), args.changes)
    args.space_dict = parse_space(args.space)
    check_space_fields(config_class(args.name), args.space_dict)
    if args.budget is not None:
        parse_budget(args.budget)
    if args.trials is not None and args.trials < 1:
        raise ValueError(f"--trials must be at least 1. Received: {args.trials}")
    if args.cv is not None and args.cv < 2:
        raise ValueError(f"--cv needs at least 2 folds. Received: {args.cv}")
    if args.output is None:
        args.output = Path("tuning") / args.name
    if args.output.exists() and not args.output.is_dir():
        raise ValueError(f"--output must be a folder. Received: {args.output} (a file)")


def cmd_tune(args):
    from lstm_apps.console import metrics_table
    from lstm_apps.tuning.tuner import tune

    start = time.perf_counter()
    result = tune(
        args.name,
        args.output,
        budget=args.budget,
        trials=args.trials,
        changes=args.change_dict,
        space=args.space_dict,
        storage=args.storage,
        study_name=args.study_name,
        seed=args.seed,
        fast=args.fast,
        cv=args.cv,
        retrain=not args.no_retrain,
        always_best=args.always_best,
    )
    print(result.choice)
    print(f"Kept trial {result.trial.number}: {result.trial.value:.4f} on validation")
    print(f"Reproduce: {result.command}")
    if result.run is not None:
        print(metrics_table(result.run.metrics))
        print(f"Best run folder: {result.folder}")
    print(f"Report: {args.output / 'REPORT.md'} ({time.perf_counter() - start:.0f} s in all)")


def check_space_fields(config, space):
    """Refuse a `--space` entry whose field the study's Config does not have, or whose
    range ends in a value the field refuses (the messages of `--set`)."""
    from lstm_apps.tasks.registry import parse_overrides
    from lstm_apps.tuning.tuner import end_values

    ends = end_values(space)
    defaults = config()
    for key in space:
        if key in ends:
            parse_overrides(config, [f"{key}={ends[key]!r}"])
            continue
        value = defaults
        for part in key.split("."):
            value = getattr(value, part, _MISSING)
        parse_overrides(config, [f"{key}={'0' if value is _MISSING else repr(value)}"])


_MISSING = object()
