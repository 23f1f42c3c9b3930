"""Start-up time of the command line: how long `--help`, `list` and argument errors take.

Each command runs in a fresh process (`subprocess.run`, output captured) a
number of times, and the median wall time is reported with the minimum and
maximum. The target of issue 24 is under 1 s for `lstm-apps --help`,
`lstm-apps list` and an unknown case-study name: these answer before
TensorFlow is imported. For scale, `--reference` adds `import tensorflow`
and `import keras`, which every command that trains or loads a model pays.

Usage:
    python benchmarks/cli_startup.py [--repeats 5] [--reference] [--output DIR]

Writes cli_startup.json to benchmarks/results (or DIR) and prints a Markdown
table. The machine is shared, so the load average at the start is recorded.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import command_line
from migrate_results import save

RESULTS = Path(__file__).parent / "results"
TARGET_S = 1.0
PYTHON = sys.executable


def lstm_apps_command() -> str:
    """The `lstm-apps` script of this interpreter's environment (else the one on PATH)."""
    beside = Path(PYTHON).parent / "lstm-apps"
    found = str(beside) if beside.exists() else shutil.which("lstm-apps")
    if found is None:
        raise SystemExit("`lstm-apps` is not installed: run `pip install -e .` first")
    return found


def commands(reference: bool) -> list[tuple[str, list[str], int, bool]]:
    """(label, argv, expected exit code, has the 1 s target) of every measured command."""
    cli = lstm_apps_command()
    rows = [
        ("lstm-apps --help", [cli, "--help"], 0, True),
        ("lstm-apps list", [cli, "list"], 0, True),
        ("lstm-apps run nosuchstudy", [cli, "run", "nosuchstudy"], 2, True),
        (
            "lstm-apps run japanese_vowels --set units=abc",
            [cli, "run", "japanese_vowels", "--set", "units=abc"],
            2,
            False,
        ),
        (
            "lstm-apps run japanese_vowels --help",
            [cli, "run", "japanese_vowels", "--help"],
            0,
            False,
        ),
        ('python -c "import lstm_apps"', [PYTHON, "-c", "import lstm_apps"], 0, False),
    ]
    if reference:
        rows += [
            ('python -c "import tensorflow"', [PYTHON, "-c", "import tensorflow"], 0, False),
            ('python -c "import keras"', [PYTHON, "-c", "import keras"], 0, False),
        ]
    return rows


def measure(argv, expected_code, repeats, cwd) -> dict:
    """Wall times of `repeats` fresh runs of `argv` (after one untimed warm-up run)."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3")}
    subprocess.run(argv, capture_output=True, cwd=cwd, env=env)  # warm the file cache
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = subprocess.run(argv, capture_output=True, text=True, cwd=cwd, env=env)
        seconds.append(time.perf_counter() - start)
        if result.returncode != expected_code:
            raise SystemExit(
                f"{' '.join(argv)} exited with {result.returncode}, expected {expected_code}: "
                f"{result.stderr.strip()[-500:]}"
            )
    return {
        "median_s": statistics.median(seconds),
        "min_s": min(seconds),
        "max_s": max(seconds),
        "runs": seconds,
        "exit_code": expected_code,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per command (5)")
    parser.add_argument(
        "--reference", action="store_true", help="also time `import tensorflow` and `import keras`"
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1. Received: --repeats={args.repeats}")

    scratch = args.output / ".cli_startup_cwd"  # `run` must not find or write run folders here
    scratch.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()
    rows = []
    for label, argv, code, targeted in commands(args.reference):
        row = {"command": label, **measure(argv, code, args.repeats, scratch)}
        if targeted:
            row["target_s"] = TARGET_S
            row["below_target"] = row["median_s"] < TARGET_S
        rows.append(row)
        print(f"{label}: median {row['median_s']:.3f} s", file=sys.stderr)
    scratch.rmdir()

    result = {
        "machine": {
            "processor": platform.machine(),
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_1_5_15_min": [round(x, 2) for x in load],
        },
        "repeats": args.repeats,
        "target_s": TARGET_S,
        "rows": rows,
    }
    path = args.output / "cli_startup.json"
    save(path, "cli_startup", result, command=command_line())

    print("| command | median (s) | min (s) | max (s) | target |")
    print("|---|---|---|---|---|")
    for row in rows:
        target = "" if "target_s" not in row else ("< 1 s: yes" if row["below_target"] else "NO")
        print(
            f"| `{row['command']}` | {row['median_s']:.3f} | {row['min_s']:.3f} "
            f"| {row['max_s']:.3f} | {target} |"
        )
    print(f"\nWritten: {path}")


if __name__ == "__main__":
    main()
