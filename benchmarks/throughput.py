"""Training and inference throughput: the package's route, plain Keras (with and without XLA)
and PyTorch, on the same recurrent classifiers and the same CPU (issue 27, item 1).

The task is a recurrent layer (LSTM, GRU or bidirectional LSTM) of H units read at the
last step, then Dense(9), trained with Adam (learning rate 1e-3) on N random-normal
sequences of T steps and F features with integer labels, in mini-batches of B:

    small: T=50, F=12, H=128, B=64, N=2048        large: T=200, F=6, H=64, B=32, N=1024
    wide (on request): T=64, F=32, H=256, B=64, N=1024, the shape of char_lm's windows

Engines:
    package    `lstm_apps.build_model` + `lstm_apps.train`, predictions by `lstm_apps.predict`
    package_bf16  the same with `precision="mixed_bfloat16"` (recurrent layers in bfloat16)
    keras      `keras.Sequential` + `fit`, predictions by `model.predict`
    keras_xla  the same, compiled with `jit_compile=True`
    keras_jax  the same on Keras's JAX backend (on request; needs `jax`, in the bench extra)
    torch      `nn.LSTM` / `nn.GRU` + `nn.Linear` + an Adam loop (`throughput_torch.py`)

Every measurement runs in a fresh process (`--worker ENGINE CELL SIZE`, or the PyTorch
worker), because TensorFlow and PyTorch crash in one process here and because engines must
not share TensorFlow's state. Rounds are interleaved (each round measures every engine,
in an order rotated by one each round) so that drifts in the machine's load hit all
engines alike. Training samples/s counts the epochs after the first, whose time (tracing,
compilation) is reported apart as `first_epoch_seconds`; inference sequences/s is timed
after one warm-up pass. The table gives medians over rounds and each engine's ratio of
medians to PyTorch; every run also carries its ratio to the PyTorch run of its own round.

Usage:
    python benchmarks/throughput.py [--sizes small large wide] [--cells lstm gru bilstm]
        [--engines package package_bf16 keras keras_xla keras_jax torch] [--rounds 3] [--epochs 4]
        [--set N=64 --set T=10 ...] [--output benchmarks/results/throughput.json]

`--set KEY=VALUE` (KEY one of T, F, H, B, N) changes every chosen size: for smoke tests.
Without PyTorch (`pip install -e .[bench]`), the torch engine is skipped with a note and
no ratios are written.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

from common import command_line, write_results
from throughput_torch import (
    CELLS,
    CLASSES,
    LEARNING_RATE,
    MARKER,
    make_data,
    rates,
    time_inference,
)

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "throughput.json"
SIZES = {
    "small": {"T": 50, "F": 12, "H": 128, "B": 64, "N": 2048},
    "large": {"T": 200, "F": 6, "H": 64, "B": 32, "N": 1024},
    "wide": {"T": 64, "F": 32, "H": 256, "B": 64, "N": 1024},
}
DEFAULT_SIZES = ("small", "large")
ENGINES = ("package", "package_bf16", "keras", "keras_xla", "keras_jax", "torch")
KERAS_ENGINES = ENGINES[:-1]  # measured by this script's own worker processes
DEFAULT_ENGINES = ("package", "keras", "keras_xla", "torch")
TIMED = ("train_samples_per_s", "infer_sequences_per_s")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=list(DEFAULT_SIZES), choices=list(SIZES))
    parser.add_argument("--cells", nargs="+", default=list(CELLS), choices=CELLS)
    parser.add_argument("--engines", nargs="+", default=list(DEFAULT_ENGINES), choices=ENGINES)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=4, help="epochs per run, the first untimed")
    parser.add_argument("--predict-batch", type=int, default=128)
    parser.add_argument("--min-infer-seconds", type=float, default=1.0)
    parser.add_argument("--torch-threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--set", dest="changes", action="append", default=[], metavar="KEY=V")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--worker", nargs=3, metavar=("ENGINE", "CELL", "SIZE"))
    parser.add_argument("--seed", type=int, default=0, help="worker only: data and weights")
    args = parser.parse_args(argv)
    if min(args.rounds, args.predict_batch, args.torch_threads) < 1 or args.epochs < 2:
        parser.error("--rounds, --predict-batch and --torch-threads must be >= 1, --epochs >= 2")
    try:
        args.shapes = sized(args.sizes, args.changes)
    except ValueError as err:
        parser.error(str(err))
    return args


def sized(names, changes) -> dict:
    """The shapes of the named sizes, with every `KEY=VALUE` of `changes` applied to each."""
    shapes = {name: dict(SIZES[name]) for name in names}
    for change in changes:
        key, _, value = change.partition("=")
        if key not in SIZES["small"] or not value.isdigit() or int(value) < 1:
            raise ValueError(
                f"--set takes KEY=VALUE with KEY in T, F, H, B, N and VALUE >= 1, got {change!r}"
            )
        for shape in shapes.values():
            shape[key] = int(value)
    return shapes


def keras_model(engine, cell, shape):
    """The plain Keras model of the task, compiled (XLA for "keras_xla")."""
    import keras

    units = shape["H"]
    layers = {
        "lstm": lambda: keras.layers.LSTM(units),
        "gru": lambda: keras.layers.GRU(units),
        "bilstm": lambda: keras.layers.Bidirectional(keras.layers.LSTM(units)),
    }
    model = keras.Sequential(
        [
            keras.Input((shape["T"], shape["F"])),
            layers[cell](),
            keras.layers.Dense(CLASSES, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(LEARNING_RATE),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        jit_compile=engine == "keras_xla",
    )
    return model


def measure_keras(engine, cell, shape, args):
    """Train and time one Keras-engine model in this process (`args`: epochs, seed,
    predict_batch, min_infer_seconds); returns the metrics and the epoch times."""
    import keras

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            seconds.append(time.perf_counter() - self.start)

    keras.utils.set_random_seed(args.seed)
    x, y = make_data(shape, args.seed, CLASSES)
    seconds = []
    if engine.startswith("package"):
        import lstm_apps

        model = lstm_apps.build_model(
            cell, num_features=shape["F"], num_outputs=CLASSES, units=shape["H"]
        )
        options = lstm_apps.TrainingOptions(
            max_epochs=args.epochs,
            mini_batch_size=shape["B"],
            initial_learn_rate=LEARNING_RATE,
            shuffle="every-epoch",
            precision="mixed_bfloat16" if engine == "package_bf16" else "float32",
            seed=args.seed,
            verbose=0,
        )
        lstm_apps.train(model, x, y, options, callbacks=[EpochTimer()])
        forward = lambda: lstm_apps.predict(model, x, batch_size=args.predict_batch)
    else:
        model = keras_model(engine, cell, shape)
        fit = dict(batch_size=shape["B"], epochs=args.epochs, shuffle=True, verbose=0)
        model.fit(x, y, **fit, callbacks=[EpochTimer()])
        forward = lambda: model.predict(x, batch_size=args.predict_batch, verbose=0)
    infer_seconds, inferred = time_inference(forward, len(x), args.min_infer_seconds)
    metrics = rates(seconds, len(x), infer_seconds, inferred)
    return {"metrics": metrics, "info": {"epoch_seconds": seconds}}


def worker_command(args, engine, cell, size, seed) -> list[str]:
    """The command of one measurement's process."""
    shape = args.shapes[size]
    common = f"--epochs={args.epochs} --seed={seed} --predict-batch={args.predict_batch}"
    common = [*common.split(), f"--min-infer-seconds={args.min_infer_seconds}"]
    if engine == "torch":
        flags = {"T": "steps", "F": "features", "H": "units", "B": "batch", "N": "sequences"}
        dims = [f"--{flags[key]}={value}" for key, value in shape.items()]
        torch = [f"--cell={cell}", f"--classes={CLASSES}", f"--threads={args.torch_threads}"]
        return [sys.executable, str(HERE / "throughput_torch.py"), *torch, *dims, *common]
    changes = [f"--set={key}={value}" for key, value in shape.items()]
    worker = ["--worker", engine, cell, size, f"--sizes={size}"]
    return [sys.executable, str(Path(__file__).resolve()), *worker, *changes, *common]


def run_worker(command) -> dict:
    """Run one measurement process and read the JSON line it prints last."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3")}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    return parse_worker_output(done.stdout, done.returncode, done.stderr)


def parse_worker_output(stdout, returncode=0, stderr="") -> dict:
    """The result a worker printed (the last line starting with MARKER)."""
    lines = [line for line in stdout.splitlines() if line.startswith(MARKER)]
    if returncode != 0 or not lines:
        tail = (stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"worker exited with {returncode}: {tail}")
    return json.loads(lines[-1][len(MARKER) :])


def add_ratios(runs):
    """Give each non-torch run its ratios to the torch run of the same round, cell and size."""
    torch = {
        (r["info"]["round"], r["variant"].split("/", 1)[1]): r["metrics"]
        for r in runs
        if r["variant"].startswith("torch/")
    }
    for run in runs:
        engine, case = run["variant"].split("/", 1)
        reference = torch.get((run["info"]["round"], case))
        if engine == "torch" or reference is None:
            continue
        for name in TIMED:
            ratio = name.split("_", 1)[0] + "_ratio_to_torch"
            run["metrics"][ratio] = run["metrics"][name] / reference[name]
    return runs


def median_table(runs, engines, cells, sizes) -> list[dict]:
    """One row per size, cell and engine: medians over rounds and ratios of medians to torch."""
    rows = []
    for size in sizes:
        for cell in cells:
            medians = {}
            for engine in engines:
                found = [r["metrics"] for r in runs if r["variant"] == f"{engine}/{cell}/{size}"]
                if found:
                    keys = ("train_samples_per_s", "first_epoch_seconds", "infer_sequences_per_s")
                    medians[engine] = {k: statistics.median(m[k] for m in found) for k in keys}
                    medians[engine]["rounds"] = len(found)
            for engine, row in medians.items():
                row = {"size": size, "cell": cell, "engine": engine, **row}
                if "torch" in medians:
                    for name in TIMED:
                        ratio = name.split("_", 1)[0] + "_ratio_to_torch"
                        row[ratio] = row[name] / medians["torch"][name]
                rows.append(row)
    return rows


def markdown(rows) -> str:
    def ratio(row, key):
        return f"{row[key]:.2f}" if key in row else "–"

    lines = [
        "| size | cell | engine | train samples/s | × torch | first epoch (s) "
        "| infer sequences/s | × torch |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['size']} | {r['cell']} | {r['engine']} | {r['train_samples_per_s']:,.0f} | "
            f"{ratio(r, 'train_ratio_to_torch')} | {r['first_epoch_seconds']:.2f} | "
            f"{r['infer_sequences_per_s']:,.0f} | {ratio(r, 'infer_ratio_to_torch')} |"
        )
    return "\n".join(lines)


def cpu_description() -> dict:
    """The CPU's model name and flags from /proc/cpuinfo (empty where it cannot be read)."""
    found = {"model": None, "flags": []}
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return found
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name" and found["model"] is None:
            found["model"] = value.strip()
        if key.strip() == "flags" and not found["flags"]:
            found["flags"] = sorted(value.split())
    return found


def library_versions() -> dict:
    versions = {}
    for package in ("tensorflow", "keras", "numpy", "torch", "lstm-apps"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return versions


def torch_available() -> bool:
    return importlib.util.find_spec("torch") is not None


def jax_available() -> bool:
    return importlib.util.find_spec("jax") is not None


def log(message):
    print(message, file=sys.stderr, flush=True)


def measure_all(args, engines, runner=None) -> tuple[list, list]:
    """Every round of every engine, cell and size: (runs, notes about failed measurements)."""
    runner = runner or (
        lambda engine, cell, size, seed: run_worker(worker_command(args, engine, cell, size, seed))
    )
    runs, notes = [], []
    for round_ in range(args.rounds):
        order = engines[round_ % len(engines) :] + engines[: round_ % len(engines)]
        for size in args.sizes:
            for cell in args.cells:
                for engine in order:
                    label = f"{engine}/{cell}/{size}"
                    log(f"round {round_ + 1}/{args.rounds}: {label}")
                    try:
                        result = runner(engine, cell, size, round_)
                    except (RuntimeError, ValueError) as err:
                        notes.append(f"{label}, round {round_}: failed: {err}")
                        log(notes[-1])
                        continue
                    info = {"round": round_, **result.get("info", {})}
                    run = dict(variant=label, seed=round_, metrics=result["metrics"], info=info)
                    runs.append(run)
    return add_ratios(runs), notes


def main(argv=None, runner=None):
    """Measure, print the table and write the results; `runner` replaces the worker processes."""
    args = parse_args(argv)
    if args.worker:
        return worker_main(args)
    engines, notes, load = list(args.engines), [], list(os.getloadavg())
    if "torch" in engines and not torch_available():
        engines.remove("torch")
        notes.append(
            "torch engine skipped: PyTorch is not installed (pip install -e .[bench]); "
            "no ratios to torch"
        )
        log(notes[-1])
    if "keras_jax" in engines and not jax_available():
        engines.remove("keras_jax")
        notes.append("keras_jax engine skipped: JAX is not installed (pip install -e .[bench])")
        log(notes[-1])
    if not engines:
        raise SystemExit("no engine left to measure")
    runs, failed = measure_all(args, engines, runner)
    notes += failed
    if not runs:
        raise SystemExit("every measurement failed:\n" + "\n".join(failed))
    rows = median_table(runs, engines, args.cells, args.sizes)
    print(markdown(rows))
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 or None
    write_results(
        args.output,
        benchmark="throughput",
        title="Training samples/s and inference sequences/s: lstm_apps, Keras, Keras+XLA, PyTorch",
        command=command_line(),
        config={
            "sizes": args.shapes,
            "cells": args.cells,
            "engines": engines,
            "rounds": args.rounds,
            "epochs": args.epochs,
            "timed_epochs": args.epochs - 1,
            "classes": CLASSES,
            "learning_rate": LEARNING_RATE,
            "predict_batch": args.predict_batch,
            "min_infer_seconds": args.min_infer_seconds,
            "output": "last step",
        },
        seeds=list(range(args.rounds)),
        runs=runs,
        peak_memory_mib=peak,
        notes=notes,
        extra={
            "table": rows,
            "cpu": cpu_description(),
            "cores": os.cpu_count(),
            "library_versions": library_versions(),
            "threads": {"tensorflow": "default", "torch": args.torch_threads},
            "load_average_start": load,
        },
    )
    log(f"Written: {args.output}")
    return rows


def worker_main(args):
    engine, cell, size = args.worker
    if engine not in KERAS_ENGINES or cell not in CELLS or size not in args.shapes:
        raise SystemExit(f"--worker takes a Keras engine, a cell and a chosen size: {args.worker}")
    if engine == "keras_jax":
        os.environ["KERAS_BACKEND"] = "jax"  # before Keras is first imported
    result = measure_keras(engine, cell, args.shapes[size], args)
    print(MARKER + json.dumps(result), flush=True)
    return result


if __name__ == "__main__":
    main()
