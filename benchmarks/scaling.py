"""Scaling out (issue 28): one process against two local workers at the same global batch,
and a worker killed mid-run, through the command line a user runs.

Parts (`--parts`, default all three):
    workers  `lstm-apps run STUDY` in one process and with `--workers 2` (two processes,
             MultiWorkerMirroredStrategy on the loopback interface), same settings and global
             mini-batch, seeds 0-2, on Japanese Vowels and on activity windows
             (`task=windows`, `architecture=lstm`). Test accuracy and wall time of each.
    lost     `--workers 2` on Japanese Vowels; once the chief has backed up a third of the
             epochs, worker 1 is killed with SIGKILL. The launcher restarts both workers
             from the backup; the run's test accuracy is compared with the uninterrupted
             two-worker run of the same seed (part `workers`).
    memory   peak memory and throughput of training streamed from shards as the data grows
             (`benchmarks/scaling_memory.py`, run as its own script).

On a 2-core machine two workers share the cores that one process had, so no speed-up is
expected: the figures check that the results agree.

Usage:
    python benchmarks/scaling.py [--parts workers lost] [--seeds 0 1 2]
        [--studies japanese_vowels activity] [--output benchmarks/results/scaling.json]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import command_line, write_results

from lstm_apps.tasks.registry import config_class, make_config, parse_overrides

RESULTS = Path(__file__).parent / "results" / "scaling.json"
STUDIES = {
    "japanese_vowels": [],
    "activity": ["task='windows'", "architecture='lstm'", "units=100", "training.max_epochs=10"],
}


def run_study(study, seed, workers, folder: Path, *, kill_fraction=None) -> dict:
    """One `lstm-apps run`; with `kill_fraction`, worker 1 is killed once that share of the
    epochs is backed up. Returns the test metrics, the epochs run and the wall time."""
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / "run"
    argv = [sys.executable, "-m", "lstm_apps.cli", "run", study, "--output", str(out)]
    for change in [*STUDIES[study], f"training.seed={seed}", "training.verbose=0"]:
        argv += ["--set", change]
    if workers > 1:
        argv += ["--workers", str(workers)]
    env = {**os.environ, "TMPDIR": str(folder)}
    start = time.perf_counter()
    child = subprocess.Popen(argv, env=env, stderr=subprocess.PIPE, text=True)
    killed_at = None
    if kill_fraction is not None:
        killed_at = _kill_worker_when_backed_up(child, folder, kill_fraction, study)
    _, err = child.communicate()
    seconds = time.perf_counter() - start
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({child.returncode}):\n{err[-3000:]}")
    saved = json.loads((out / "metrics.json").read_text())
    row = {"accuracy": float(saved["test"]["accuracy"]), "wall_seconds": round(seconds, 1)}
    row["epochs"] = float(len(_history(out)))
    if killed_at is not None:
        row["killed_after_epoch"] = float(killed_at)
        row["restarts"] = float(err.count("restarting the"))
    return row


def _history(run_dir: Path) -> list[str]:
    return (run_dir / "history.csv").read_text().strip().splitlines()[1:]


def _max_epochs(study) -> int:
    changes = parse_overrides(config_class(study), STUDIES[study])
    return make_config(study, changes).training.max_epochs


def _kill_worker_when_backed_up(child, folder: Path, fraction, study) -> int:
    target = max(1, round(_max_epochs(study) * fraction))
    while child.poll() is None:
        for meta in folder.glob("lstm_apps_workers_*/backup/training_metadata.json"):
            try:
                epoch = json.loads(meta.read_text())["epoch"]
            except (OSError, ValueError):
                continue
            if epoch >= target:
                pids = json.loads(next(folder.glob("lstm_apps_workers_*/workers.json")).read_text())
                os.kill(pids[1], signal.SIGKILL)
                return epoch
        time.sleep(0.2)
    raise RuntimeError("the run ended before worker 1 could be killed")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--parts", nargs="+", default=["workers", "lost"], choices=["workers", "lost"]
    )
    parser.add_argument("--studies", nargs="+", default=list(STUDIES), choices=list(STUDIES))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--kill-fraction", type=float, default=1 / 3)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory(prefix="scaling_bench_") as scratch:
        for study in args.studies:
            for seed in args.seeds:
                plans = []
                if "workers" in args.parts:
                    plans += [(f"{study}_1_process", 1, None), (f"{study}_2_workers", 2, None)]
                if "lost" in args.parts and study == "japanese_vowels":
                    plans.append((f"{study}_2_workers_one_killed", 2, args.kill_fraction))
                for variant, workers, kill in plans:
                    folder = Path(scratch) / f"{variant}_{seed}"
                    metrics = run_study(study, seed, workers, folder, kill_fraction=kill)
                    runs.append({"variant": variant, "seed": seed, "metrics": metrics})
                    print(variant, seed, metrics, flush=True)
    notes = [
        "Same Config and global mini-batch in every variant; `--workers 2` starts two local "
        "processes under MultiWorkerMirroredStrategy, each computing half of every batch.",
        "Two workers share the machine's 2 cores, so no speed-up is expected; wall time "
        "includes TensorFlow's start-up in each process and the chief's evaluation.",
        f"Lost worker: SIGKILL to worker 1 once {args.kill_fraction:.2f} of the epochs were "
        "backed up; the launcher restarted both workers from the chief's backup.",
    ]
    write_results(
        args.output,
        benchmark="scaling",
        title="One process against two local workers (same global batch), and a lost worker",
        command=command_line(),
        config={study: STUDIES[study] for study in args.studies},
        seeds=args.seeds,
        runs=runs,
        notes=notes,
    )
    print(f"Wrote {args.output}")


if __name__ == "__main__":
    main()
