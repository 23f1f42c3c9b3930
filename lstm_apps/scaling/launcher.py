"""`launch_local_workers`: a multi-worker run on one machine, as `lstm-apps run NAME --workers
N` starts it.

It starts N copies of the `lstm-apps` command, each with a `TF_CONFIG` that places it in a
cluster of N workers on the loopback interface, and lets TensorFlow's
`MultiWorkerMirroredStrategy` do the rest. There is no scheduling here: the launcher only
starts the processes, shows the chief's output, and, when a worker is lost (killed by a
signal), stops the others and starts all N again. They resume from the last epoch that the
chief backed up in `training.checkpoint_dir` (a folder in the launcher's work folder unless
the command names one), which is what a cluster manager (a Kubernetes Job, Slurm's
`--requeue`) does for a real cluster.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lstm_apps.training.distribution import TF_CONFIG

MAX_RESTARTS = 3
STOP_GRACE_SECONDS = 10


def free_ports(count: int) -> list[int]:
    """`count` TCP ports that are free on the loopback interface now."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("localhost", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def local_cluster(workers: int) -> list[str]:
    """The `TF_CONFIG` values of a cluster of `workers` processes on this machine."""
    hosts = [f"localhost:{port}" for port in free_ports(workers)]
    return [
        json.dumps({"cluster": {"worker": hosts}, "task": {"type": "worker", "index": i}})
        for i in range(workers)
    ]


def launch_local_workers(
    arguments, workers: int, *, max_restarts: int = MAX_RESTARTS, work_dir=None, backup=True
) -> int:
    """Run `lstm-apps ARGUMENTS` as `workers` local workers; restart them all if one is lost.

    Args:
        arguments: the command line of one worker after `lstm-apps` (it must set
            `training.distribution='multi_worker'` and, to resume after a loss,
            `training.checkpoint_dir`).
        workers: number of worker processes, at least 2.
        max_restarts: how many times a lost worker restarts the job (default 3).
        work_dir: folder for the other workers' logs; default a new temporary
            folder, removed after a clean finish.
        backup: add `--set training.checkpoint_dir=WORK_DIR/backup` to the
            arguments (default True; pass False when they name a backup folder).

    Returns:
        The chief's exit status (0 when the run finished), or the status of the
        worker that failed first.

    Raises:
        ValueError: for fewer than 2 workers or a negative `max_restarts`.
    """
    if not isinstance(workers, int) or workers < 2:
        raise ValueError(f"`workers` must be an integer of at least 2. Received: {workers!r}")
    if not isinstance(max_restarts, int) or max_restarts < 0:
        raise ValueError(f"`max_restarts` must be 0 or more. Received: {max_restarts!r}")
    owned = work_dir is None
    work = Path(tempfile.mkdtemp(prefix="lstm_apps_workers_") if owned else work_dir)
    work.mkdir(parents=True, exist_ok=True)
    if backup:
        arguments = [*arguments, "--set", f"training.checkpoint_dir={str(work / 'backup')!r}"]
    restarts = 0
    while True:
        processes = _start(arguments, workers, work, restarts)
        lost, status = _wait(processes)
        if lost is None:
            if status == 0 and owned:
                shutil.rmtree(work, ignore_errors=True)
            elif status != 0:
                print(f"lstm-apps: the other workers' logs are in {work}", file=sys.stderr)
            return status
        if restarts >= max_restarts:
            print(
                f"lstm-apps: worker {lost} was lost (signal {-status}) after {restarts} "
                f"restarts; giving up. Logs: {work}",
                file=sys.stderr,
            )
            return 1
        restarts += 1
        print(
            f"lstm-apps: worker {lost} was lost (signal {-status}); restarting the {workers} "
            f"workers from the last backup (restart {restarts} of {max_restarts})",
            file=sys.stderr,
            flush=True,
        )


def _start(arguments, workers, work: Path, attempt: int) -> list[subprocess.Popen]:
    command = [sys.executable, "-m", "lstm_apps.cli", *arguments]
    processes = []
    for index, tf_config in enumerate(local_cluster(workers)):
        environment = {**os.environ, TF_CONFIG: tf_config}
        if index == 0:  # the chief speaks for the run
            processes.append(subprocess.Popen(command, env=environment))
            continue
        log = open(work / f"worker-{index}.log", "a")  # noqa: SIM115 (the child keeps it)
        log.write(f"--- attempt {attempt + 1}: {' '.join(command)}\n")
        log.flush()
        processes.append(
            subprocess.Popen(command, env=environment, stdout=log, stderr=subprocess.STDOUT)
        )
        log.close()
    (work / "workers.json").write_text(json.dumps([p.pid for p in processes]))
    return processes


def _wait(processes) -> tuple[int | None, int]:
    """Wait for the workers. Returns `(index of a lost worker, its status)` when one was
    killed by a signal, else `(None, the first failure's status or the chief's)`."""
    try:
        while True:
            codes = [p.poll() for p in processes]
            killed = [i for i, c in enumerate(codes) if c is not None and c < 0]
            if killed:
                _stop(processes)
                return killed[0], codes[killed[0]]
            failed = [i for i, c in enumerate(codes) if c not in (None, 0)]
            if failed:
                _stop(processes)
                return None, codes[failed[0]]
            if all(c == 0 for c in codes):
                return None, 0
            time.sleep(0.2)
    except BaseException:  # Ctrl-C or SIGTERM of the launcher: no orphaned workers
        _stop(processes)
        raise


def _stop(processes) -> None:
    for p in processes:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for p in processes:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
