"""The command line's options for distributed runs (`lstm-apps run NAME --workers N
--distribution KIND`): their arguments, their checks, and the launch of local workers.

Kept apart from `lstm_apps.cli` so that the command line stays argument wiring; nothing here
imports TensorFlow.
"""

from __future__ import annotations

from pathlib import Path

from lstm_apps.scaling.launcher import launch_local_workers
from lstm_apps.training.distribution import DISTRIBUTIONS, TF_CONFIG, read_tf_config, worker_role


def add_worker_arguments(parser) -> None:
    """Add `--distribution`, `--workers` and `--max-restarts` to the `run` parser."""
    parser.add_argument(
        "--distribution",
        choices=DISTRIBUTIONS,
        help="tf.distribute strategy (sets training.distribution): none, mirrored (local "
        "GPUs) or multi_worker (the cluster in TF_CONFIG); see docs/guides/scaling-out.md",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="start N local worker processes (multi_worker, no TF_CONFIG needed); a lost "
        "worker restarts them all from the last backup",
    )
    parser.add_argument(
        "--max-restarts",
        type=int,
        default=3,
        metavar="K",
        help="with --workers: how many lost workers to recover from (3)",
    )


def check_workers(args) -> bool:
    """Check `--workers`/`--distribution`, turn them into `--set training.distribution=...`;
    return whether the run uses several workers."""
    if args.workers < 1:
        raise ValueError(f"--workers must be at least 1. Received: --workers {args.workers}")
    if args.max_restarts < 0:
        raise ValueError(f"--max-restarts must be 0 or more. Received: {args.max_restarts}")
    distribution = args.distribution
    if args.workers > 1:
        if read_tf_config() is not None:
            raise ValueError(
                f"--workers starts local workers, but {TF_CONFIG} already describes a cluster: "
                "start one `lstm-apps run ... --distribution multi_worker` per task instead. "
                f"Received: --workers {args.workers}"
            )
        if distribution not in (None, "multi_worker"):
            raise ValueError(
                f"--workers N runs N processes with the multi_worker distribution. "
                f"Received: --workers {args.workers} --distribution {distribution}"
            )
        distribution = "multi_worker"
    if distribution is not None:
        args.changes = [*args.changes, f"training.distribution={distribution!r}"]
    return distribution == "multi_worker"


def launch_workers(args, config) -> int:
    arguments = ["run", args.name, "--output", str(Path(args.output).absolute())]
    arguments += ["--fast"] * args.fast + ["--overwrite"] * args.overwrite
    arguments += ["--verbose"] * args.verbose
    for change in args.changes:
        arguments += ["--set", change]
    return launch_local_workers(
        arguments,
        args.workers,
        max_restarts=args.max_restarts,
        backup=config.training.checkpoint_dir is None,
    )


def other_worker(distributed: bool) -> int | None:
    """This process's worker index when it is a worker of a multi-worker run other than the
    chief (it writes no run folder), else None."""
    if not distributed or read_tf_config() is None:
        return None
    index, _, chief = worker_role()
    return None if chief else index


def lost_peers(error) -> str | None:
    """A one-line account of `error` when it is TensorFlow aborting a collective operation
    because another worker was lost, else None."""
    text = str(error)
    if (
        not type(error).__module__.startswith("tensorflow")
        or "Collective ops is aborted" not in text
    ):
        return None
    reason = text.split("Collective ops is aborted by:", 1)[-1].strip().splitlines()[0]
    return f"training stopped: another worker was lost ({reason[:200]})"
