"""What the benchmark scripts share: summaries over seeds, the common arguments, and
the one schema every results file is written in (`write_results`, `read_results`)."""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import shlex
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import numpy as np

SCHEMA = "lstm_apps.benchmark/1"
INDEX = "index.json"
METRIC_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
FIELDS = {
    "schema": str,
    "benchmark": str,
    "title": str,
    "command": str,
    "created": (str, type(None)),
    "commit": (str, type(None)),
    "machine": (dict, type(None)),
    "versions": (dict, type(None)),
    "config": dict,
    "seeds": list,
    "runs": list,
    "summary": list,
    "peak_memory_mib": (int, float, type(None)),
    "notes": list,
    "extra": dict,
}
STATS = ("mean", "std", "min", "max", "n")


def mean_std(rows) -> dict:
    """Mean and standard deviation over runs of every float figure."""
    if not rows:
        return {}
    keys = [k for k, v in rows[0].items() if isinstance(v, float)]
    return {
        k: [float(np.mean([r[k] for r in rows])), float(np.std([r[k] for r in rows]))] for k in keys
    }


def run_row(seed, run) -> dict:
    """A results row of a case-study `Run`: its seed, test metrics, timing, epochs, split sizes."""
    row = {"seed": seed, **run.metrics, **run.timing, "epochs": len(run.history["loss"])}
    row.update(run.data.sizes())
    return row


def print_row(variant, row, headline, digits=4) -> None:
    """One line for a finished run: the `headline` figures it has, time, epochs, memory."""
    shown = ", ".join(f"{k} {row[k]:.{digits}f}" for k in headline if k in row)
    print(
        f"{variant} seed {row['seed']}: {shown}; train {row['train_seconds']:.0f} s, "
        f"{row['epochs']} epochs, peak {row['peak_memory_mib']:.0f} MiB",
        flush=True,
    )


def seed_parser(doc, results: Path, seeds=(0, 1, 2, 3, 4), variants=None):
    """Arguments every benchmark takes: --seeds, --output, --set, and --variants if given."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=list(seeds))
    if variants is not None:
        parser.add_argument("--variants", nargs="+", default=list(variants), choices=list(variants))
    parser.add_argument("--output", type=Path, default=results)
    add_set_option(parser)
    return parser


def add_set_option(parser, example="training.max_epochs=5"):
    """`--set FIELD=VALUE` (repeatable, into `args.changes`): a Config field changed as in
    `lstm-apps run`; read the list with `lstm_apps.tasks.parse_overrides`."""
    parser.add_argument(
        "--set",
        dest="changes",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help=f"change a Config field, as in `lstm-apps run` (e.g. {example})",
    )


def command_line() -> str:
    """The command that started this script, as `python benchmarks/<script> <arguments>`."""
    return shlex.join(["python", f"benchmarks/{Path(sys.argv[0]).name}", *sys.argv[1:]])


def is_metric(value) -> bool:
    """Whether `value` is a finite number (bools are not metrics)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def summarize(runs) -> list[dict]:
    """Mean, population standard deviation, min, max and count of every metric per variant.

    Args:
        runs: run entries of the schema ({"variant", "seed", "metrics"}).

    Returns:
        One row per (variant, metric), in the order they first appear.
    """
    values: dict[tuple[str, str], list[float]] = {}
    for run in runs:
        for name, value in run["metrics"].items():
            values.setdefault((run["variant"], name), []).append(value)
    return [
        {
            "variant": variant,
            "metric": metric,
            "mean": float(np.mean(v)),
            "std": float(np.std(v)),
            "min": float(np.min(v)),
            "max": float(np.max(v)),
            "n": len(v),
        }
        for (variant, metric), v in values.items()
    ]


def provenance() -> dict:
    """When, from which commit, on which machine and with which versions a run is made."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = None
    versions = {"python": platform.python_version()}
    for package in ("tensorflow", "keras", "numpy"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    gpu = None
    if "tensorflow" in sys.modules:
        devices = sys.modules["tensorflow"].config.list_physical_devices("GPU")
        gpu = ", ".join(d.name for d in devices) or None
    return {
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": commit or None,
        "machine": {
            "cpu": platform.processor() or platform.machine() or None,
            "cores": os.cpu_count(),
            "gpu": gpu,
        },
        "versions": versions,
    }


def results_record(
    *,
    benchmark,
    title,
    command,
    config,
    seeds,
    runs,
    summary=None,
    peak_memory_mib=None,
    notes=(),
    extra=None,
    origin=None,
) -> dict:
    """The results record in the schema, validated (see `write_results` for the arguments).

    Args:
        origin: "created", "commit", "machine" and "versions"; measured now when None.
    """
    for i, run in enumerate(runs):
        if not isinstance(run, dict):
            raise ValueError(f"the results: runs[{i}]: expected an object, got {run!r}")
    runs = [
        {
            "variant": run.get("variant"),
            "seed": run.get("seed"),
            "metrics": run.get("metrics"),
            **({"info": run["info"]} if run.get("info") else {}),
        }
        for run in runs
    ]
    if isinstance(notes, str) or not isinstance(seeds, list | tuple | set | range):
        raise ValueError(
            f"the results: 'notes' and 'seeds' must be lists, got {notes!r}, {seeds!r}"
        )
    if not all(isinstance(s, int) and not isinstance(s, bool) for s in seeds):
        raise ValueError(f"the results: 'seeds' must hold integers, got {seeds!r}")
    origin = provenance() if origin is None else origin
    record = {
        "schema": SCHEMA,
        "benchmark": benchmark,
        "title": title,
        "command": command,
        **{k: origin.get(k) for k in ("created", "commit", "machine", "versions")},
        "config": config,
        "seeds": sorted(set(seeds)),
        "runs": runs,
        "summary": [],
        "peak_memory_mib": None if peak_memory_mib is None else float(peak_memory_mib),
        "notes": list(notes),
        "extra": dict(extra or {}),
    }
    check_record(record, "the results")
    record["summary"] = summarize(runs) if summary is None else list(summary)
    check_record(record, "the results")
    return record


def write_results(path, **fields) -> dict:
    """Write a results file in the schema, atomically, and refresh the folder's index.

    Args:
        path: the JSON file to write.
        fields: benchmark (script name), title (one line: what was measured), command
            (reproduces the file), config (dict), seeds, runs ([{"variant", "seed",
            "metrics", optional "info"}]), summary (computed from the runs when None),
            peak_memory_mib, notes, extra (anything else, kept verbatim), origin.

    Returns:
        The record written.
    """
    path = Path(path)
    record = results_record(**fields)
    write_json_atomic(path, record)
    write_index(path.parent)
    return record


def write_json_atomic(path, value):
    """Write strict JSON to a temporary file beside `path`, then rename it over `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(value, indent=1, allow_nan=False) + "\n"
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_results(path) -> dict:
    """Read a results file and check it follows the schema.

    Raises:
        ValueError: naming the file and the missing or wrong field.
    """
    path = Path(path)
    try:
        record = json.loads(path.read_text(), parse_constant=_refuse_constant)
    except ValueError as err:
        raise ValueError(f"{path}: not strict JSON: {err}") from None
    check_record(record, str(path))
    return record


def _refuse_constant(token):
    raise ValueError(f"non-finite number {token}")


def check_record(record, where):
    """Raise a ValueError naming `where` and the field when `record` breaks the schema."""
    if not isinstance(record, dict):
        raise ValueError(f"{where}: expected a JSON object, got {type(record).__name__}")
    if record.get("schema") != SCHEMA:
        raise ValueError(
            f"{where}: field 'schema' must be {SCHEMA!r}, got {record.get('schema')!r}"
        )
    for name, kind in FIELDS.items():
        if name not in record:
            raise ValueError(f"{where}: missing field {name!r}")
        if not isinstance(record[name], kind) or isinstance(record[name], bool):
            raise ValueError(f"{where}: field {name!r} has the wrong type: {record[name]!r}")
    unknown = sorted(set(record) - set(FIELDS))
    if unknown:
        raise ValueError(f"{where}: unknown fields {unknown} (put them under 'extra')")
    for name in ("benchmark", "title", "command"):
        if not record[name].strip() or "\n" in record[name]:
            raise ValueError(
                f"{where}: field {name!r} must be one non-empty line: {record[name]!r}"
            )
    if not all(isinstance(s, int) and not isinstance(s, bool) for s in record["seeds"]):
        raise ValueError(f"{where}: 'seeds' must hold integers, got {record['seeds']!r}")
    if not all(isinstance(n, str) for n in record["notes"]):
        raise ValueError(f"{where}: 'notes' must hold strings, got {record['notes']!r}")
    peak = record["peak_memory_mib"]
    if peak is not None and not is_metric(peak):
        raise ValueError(f"{where}: 'peak_memory_mib' must be a finite number, got {peak!r}")
    for i, run in enumerate(record["runs"]):
        _check_run(run, f"{where}: runs[{i}]")
    for i, row in enumerate(record["summary"]):
        _check_summary_row(row, f"{where}: summary[{i}]")


def _check_run(run, where):
    if not isinstance(run, dict):
        raise ValueError(f"{where}: expected an object, got {run!r}")
    if not isinstance(run.get("variant"), str) or not run["variant"]:
        raise ValueError(
            f"{where}: 'variant' must be a non-empty string, got {run.get('variant')!r}"
        )
    seed = run.get("seed", "missing")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise ValueError(f"{where}: 'seed' must be an integer or null, got {seed!r}")
    metrics = run.get("metrics")
    if not isinstance(metrics, dict) or not metrics:
        raise ValueError(f"{where}: 'metrics' must be a non-empty object, got {metrics!r}")
    for name, value in metrics.items():
        if not METRIC_NAME.match(name):
            raise ValueError(f"{where}: metric name {name!r} is not snake_case")
        if name == "peak_rss_mib":
            raise ValueError(f"{where}: metric 'peak_rss_mib' must be named 'peak_memory_mib'")
        if not is_metric(value):
            raise ValueError(f"{where}: metric {name!r} must be a finite number, got {value!r}")
    if not isinstance(run.get("info", {}), dict):
        raise ValueError(f"{where}: 'info' must be an object, got {run['info']!r}")
    unknown = sorted(set(run) - {"variant", "seed", "metrics", "info"})
    if unknown:
        raise ValueError(f"{where}: unknown fields {unknown}")


def _check_summary_row(row, where):
    if not isinstance(row, dict) or set(row) != {"variant", "metric", *STATS}:
        raise ValueError(f"{where}: expected variant, metric, {', '.join(STATS)}; got {row!r}")
    if not isinstance(row["variant"], str) or not isinstance(row["metric"], str):
        raise ValueError(f"{where}: 'variant' and 'metric' must be strings, got {row!r}")
    if not all(is_metric(row[k]) for k in STATS) or not isinstance(row["n"], int):
        raise ValueError(f"{where}: statistics must be finite numbers and 'n' an integer: {row!r}")


def index_entry(path, record) -> dict:
    """What the index says about one results file."""
    return {
        "file": Path(path).name,
        "benchmark": record["benchmark"],
        "title": record["title"],
        "command": record["command"],
        "created": record["created"],
        "variants": list(dict.fromkeys(run["variant"] for run in record["runs"])),
        "metrics": list(dict.fromkeys(m for run in record["runs"] for m in run["metrics"])),
    }


def write_index(folder) -> list[dict]:
    """Write `index.json` listing every results file in `folder` that follows the schema.

    Returns:
        The entries written (files that do not follow the schema are left out).
    """
    folder = Path(folder)
    entries = []
    for path in sorted(folder.glob("*.json")):
        if path.name == INDEX:
            continue
        try:
            entries.append(index_entry(path, read_results(path)))
        except (ValueError, OSError):
            continue
    write_json_atomic(folder / INDEX, {"schema": f"{SCHEMA}/index", "files": entries})
    return entries
