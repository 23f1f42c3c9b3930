"""The `--csv-gb` part of `scaling_memory.py`: a long-format CSV larger than the memory limit
converted to shards by `lstm_apps.scaling.csv_shards.write_csv_shards`.

The CSV is written as a stream (one generated sequence at a time, never held whole) from
`scaling_memory.generate`: columns `sequence,label,split,f0..f15`, one row per time step,
labels `class0`..`class3`, splits train / validation / test for 8 / 1 / 1 of every 10
sequences, values printed with 6 significant digits. It is converted in a fresh process
(`scaling_memory.py --worker csv PATH`) under the same `RLIMIT_AS` as the training
workers, which reports its peak RSS (`ru_maxrss`), VmPeak, seconds and bytes in and out.
Results go to their own file, `results/scaling_csv.json`. `tools` below is the
`scaling_memory` module (its generator, worker runner and helpers).

    python benchmarks/scaling_memory.py --csv-gb 2 [--memory-limit-gb 4] [--data-dir DIR]
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import time
from pathlib import Path

import numpy as np

GB = 1e9
RESULTS = Path(__file__).resolve().parent / "results" / "scaling_csv.json"
SPLIT_OF = ["train"] * 8 + ["validation", "test"]


def write_csv(path, gigabytes, generate, features, seed=7) -> dict:
    """Stream generated sequences into a long-format CSV until it holds `gigabytes` GB.

    Returns:
        The bytes, rows, sequences and seconds written.
    """
    start, rows, count = time.perf_counter(), 0, 0
    limit = gigabytes * GB
    columns = ",".join(f"f{j}" for j in range(features))
    with open(path, "w", newline="") as file:
        file.write(f"sequence,label,split,{columns}\n")
        for x, y in generate(10**12, seed):
            prefix = f"s{count},class{y},{SPLIT_OF[count % 10]},"
            values = np.char.mod("%.6g", x.astype("float64"))
            file.write("".join(prefix + ",".join(row) + "\n" for row in values.tolist()))
            rows, count = rows + len(x), count + 1
            if count % 1024 == 0 and file.tell() >= limit:
                break
        size = file.tell()
    return {
        "bytes": size,
        "rows": rows,
        "sequences": count,
        "write_seconds": time.perf_counter() - start,
    }


def csv_worker(path, tools) -> None:
    """Convert the CSV at `path` into `PATH.shards/` in this process and print the result."""
    from lstm_apps.scaling.csv_shards import write_csv_shards

    output = Path(f"{path}.shards")
    start = time.perf_counter()
    manifests = write_csv_shards(path, output, overwrite=True)
    seconds = time.perf_counter() - start
    status = tools.vm_status()
    written = sum(s["bytes"] for m in manifests.values() for s in m["shards"])
    size = Path(path).stat().st_size
    result = {
        "metrics": {
            "peak_memory_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "vm_peak_mib": status["VmPeak"],
            "convert_seconds": seconds,
            "csv_bytes": size,
            "csv_mb_per_s": size / 1e6 / seconds,
            "shard_bytes": written,
            "sequences": sum(m["num_sequences"] for m in manifests.values()),
        },
        "info": {
            "splits": {s: m["num_sequences"] for s, m in manifests.items()},
            "steps": sum(m["num_steps"] for m in manifests.values()),
            "class_names": manifests["train"]["label"]["class_names"],
            "address_space_limit_bytes": resource.getrlimit(resource.RLIMIT_AS)[0],
        },
    }
    shutil.rmtree(output)
    print(tools.MARKER + json.dumps(result), flush=True)


def csv_part(args, tools) -> dict:
    """Write the CSV, convert it in a worker under the `--memory-limit-gb` limit, delete
    both, and write the results file; returns the run."""
    limit = int(args.memory_limit_gb * 2**30) if args.memory_limit_gb > 0 else None
    args.data_dir.mkdir(parents=True, exist_ok=True)
    path = args.data_dir / "long_format.csv"
    tools.log(f"csv: writing about {args.csv_gb} GB to {path}")
    written = write_csv(path, args.csv_gb, tools.generate, tools.FEATURES)
    tools.log(f"csv: {written['bytes'] / GB:.2f} GB, {written['rows']:,} rows in "
              f"{written['write_seconds']:.0f} s; converting")  # fmt: skip
    notes = []
    try:
        result = tools.measure(args, limit, "csv_to_shards", "csv", path, 0, notes)
    finally:
        path.unlink(missing_ok=True)
        shutil.rmtree(f"{path}.shards", ignore_errors=True)
    if not any(args.data_dir.iterdir()):
        args.data_dir.rmdir()
    result["metrics"]["csv_rows"] = written["rows"]
    result["info"].update(csv_write_seconds=written["write_seconds"])
    result["info"]["csv_over_limit"] = limit is not None and written["bytes"] > limit
    run = {"variant": "csv_to_shards", "seed": 0, **result}
    report(args, run, limit, tools, notes)
    return run


def report(args, run, limit, tools, notes) -> None:
    """Print the run and write `RESULTS`."""
    m = run["metrics"]
    print(
        f"| csv_to_shards | {m['csv_bytes'] / GB:.2f} GB in | {m['csv_rows']:,} rows | "
        f"{m['peak_memory_mib']:.0f} MiB peak RSS | {m['convert_seconds']:.0f} s |"
    )
    origin = tools.provenance()
    origin["commit"] = origin["commit"] or os.environ.get("LSTM_APPS_COMMIT")
    tools.write_results(
        RESULTS,
        benchmark="scaling_memory",
        title="Streaming CSV to shards: peak RSS and time of write_csv_shards converting a "
        "long-format CSV in one worker under the address-space limit",
        command=tools.command_line(),
        config={
            "csv_gb": args.csv_gb,
            "chunk_rows": 100_000,
            "sequences_per_shard": 4096,
            "compression": "GZIP",
            "memory_limit_bytes": limit,
            "cpu_affinity": sorted(os.sched_getaffinity(0)),
        },
        seeds=[0],
        runs=[run],
        peak_memory_mib=m["peak_memory_mib"],
        notes=[
            "one worker process converts the CSV with write_csv_shards (defaults: "
            "chunk_rows=100000, GZIP, 4096 sequences per shard) under RLIMIT_AS; "
            "peak_memory_mib is its ru_maxrss, convert_seconds its wall time for both passes",
            "the CSV is synthetic (scaling_memory.generate: 16 features, lengths 50-150, "
            "4 text classes, splits 8/1/1), written as a stream before the worker starts",
            *notes,
        ],
        origin=origin,
    )
    tools.log(f"Written: {RESULTS}")
