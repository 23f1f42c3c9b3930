"""SimpleRNN vs LSTM vs GRU, measured.

The course claims that plain RNNs lose their gradient through time, that
LSTM gates fix this, and that GRUs are simpler and faster with similar
results. This module turns each claim into a measurement:

* `memory_sweep`: every cell at every T and seed on the memory tasks
  (`lstm_apps.analysis.memory.train_memory_task`), at matched parameter
  counts, saved to JSON after each run so an interrupted sweep resumes
  (`SweepResults`).
* `vowels_comparison`: one cell on Japanese Vowels: parameters, accuracy,
  time per epoch and `inference_latency`.
* `compare`: the course's comparison table (parameters, time per epoch,
  latency, longest T solved, Japanese Vowels accuracy, gradient ratio) as
  Markdown, JSON and figures; `lstm-apps compare` runs it.

Related modules: `memory` (the memory tasks' models and training),
`gradients` (`gradient_profile`), `comparison_plots` (figures) and
`comparison_report` (the Markdown table and its verdicts).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import keras
import numpy as np

from lstm_apps.analysis.comparison_plots import plot_gradient_profiles, plot_memory_errors
from lstm_apps.analysis.comparison_report import comparison_markdown
from lstm_apps.analysis.gradients import gradient_profile
from lstm_apps.analysis.memory import (
    KINDS,
    LABELS,
    TASKS,
    MemoryConfig,
    memory_model,
    task_units,
    train_memory_task,
)
from lstm_apps.checks import check_choice
from lstm_apps.data import memory_tasks
from lstm_apps.models.recurrent import matched_units, recurrent_parameters
from lstm_apps.runs import atomic_write

# protocol names of sweeps saved before MemoryConfig took the TrainingConfig names
OLD_PROTOCOL_NAMES = {
    "batch_size": "mini_batch_size",
    "learning_rate": "initial_learn_rate",
    "clipnorm": "gradient_threshold",
}


@dataclass
class SweepResults:
    """The runs of a memory sweep, saved as JSON after each one."""

    config: dict
    runs: list = field(default_factory=list)
    gradients: dict = field(default_factory=dict)

    def save(self, path):
        """Write the JSON file; a failed write leaves the previous one in place."""
        text = json.dumps(asdict(self), indent=1)
        atomic_write(Path(path), lambda tmp: Path(tmp).write_text(text))

    @classmethod
    def load(cls, path):
        """Read a saved sweep: as `save` writes it, in the benchmark results schema
        (`benchmarks/results/memory_*.json`), or written before the training names were
        shared."""
        saved = json.loads(Path(path).read_text())
        if saved.get("schema") == "lstm_apps.benchmark/1":
            runs = [{**r.get("info", {}), "seed": r["seed"], **r["metrics"]} for r in saved["runs"]]
            gradients = saved.get("extra", {}).get("gradients", {})
            saved = {"config": saved["config"], "runs": runs, "gradients": gradients}
        for old, new in OLD_PROTOCOL_NAMES.items():
            if old in saved["config"]:
                saved["config"][new] = saved["config"].pop(old)
        return cls(**saved)

    def find(self, kind, task, length, seed):
        for run in self.runs:
            key = (run["cell"], run["task"], run["length"], run["seed"])
            if key == (kind, task, length, seed):
                return run
        return None

    def summary(self, task):
        """Rows per (cell, T): the final error over seeds (mean, sd, median, min, max),
        the number of seeds that solved it, mean steps and seconds per run."""
        rows = []
        for kind in KINDS:
            for length in sorted({r["length"] for r in self.runs if r["task"] == task}):
                runs = [
                    r
                    for r in self.runs
                    if (r["cell"], r["task"], r["length"]) == (kind, task, length)
                ]
                if not runs:
                    continue
                errors = np.array([r["error"] for r in runs])
                row = {
                    "error_min": float(errors.min()),
                    "error_max": float(errors.max()),
                    "steps_mean": float(np.mean([r["steps_run"] for r in runs])),
                    "cell": kind,
                    "length": length,
                    "units": runs[0]["units"],
                    "parameters": runs[0]["parameters"],
                    "seeds": len(runs),
                    "error_mean": float(errors.mean()),
                    "error_std": float(errors.std()),
                    "error_median": float(np.median(errors)),
                    "baseline": runs[0]["baseline"],
                    "solved": sum(r["solved"] for r in runs),
                    "seconds_mean": float(np.mean([r["seconds"] for r in runs])),
                }
                if task == "copy":
                    row["recall_accuracy_mean"] = float(
                        np.mean([r["recall_accuracy"] for r in runs])
                    )
                rows.append(row)
        return rows

    def longest_solved(self, task, kind):
        """The longest T at which most seeds solved the task (None if none did)."""
        best = None
        for row in self.summary(task):
            if row["cell"] == kind and row["solved"] * 2 > row["seeds"]:
                best = max(best or 0, row["length"])
        return best


def memory_sweep(
    tasks=TASKS,
    config: MemoryConfig | None = None,
    path=None,
    *,
    gradient_length=500,
    progress=True,
) -> SweepResults:
    """Train every cell at every T and seed on each task; resume from `path` if it exists.

    A saved sweep can be resumed or extended with other T values or seeds,
    but only under the same protocol (every other `MemoryConfig` field).

    Also records `gradient_profile`s on adding sequences of `gradient_length`
    steps, for each cell at initialization ("lstm/init") and after training
    on the adding task at each T ("lstm/trained_T200"), seed 0.

    Args:
        tasks: names from `TASKS` ("adding", "copy").
        config: the protocol; None (default) is the full `MemoryConfig()`.
        path: JSON file written after each run and resumed from; None keeps
            the results in memory only.
        gradient_length: steps of the sequences for the gradient profiles.
        progress: show a progress bar and print a line per run.
    """
    config = MemoryConfig() if config is None else config
    for task in tasks:
        check_choice("task", task, TASKS)
    results = SweepResults(config=_jsonable(asdict(config)))
    if path is not None and Path(path).exists():
        saved = SweepResults.load(path)
        if _protocol(saved.config) != _protocol(results.config):
            raise ValueError(
                f"{path} holds a sweep with another protocol: {_protocol(saved.config)}. "
                "Delete it or pass another path."
            )
        for key in ("lengths", "seeds"):  # a sweep may grow by more T values or seeds
            saved.config[key] = sorted(set(saved.config[key]) | set(results.config[key]))
        results = saved
    x_grad, y_grad = memory_tasks.adding_problem(32, gradient_length, seed=20_000)
    for kind in KINDS:
        key = f"{kind}/init"
        if "adding" in tasks and key not in results.gradients:
            model = memory_model(kind, "adding", task_units(kind, "adding", config.lstm_units), 2)
            results.gradients[key] = gradient_profile(model, x_grad, y_grad).tolist()
    for task in tasks:
        for length in config.lengths:
            for kind in KINDS:
                for seed in config.seeds:
                    if results.find(kind, task, length, seed) is not None:
                        continue
                    model, result = train_memory_task(
                        kind, task, length, seed, config, progress=progress
                    )
                    if task == "adding" and seed == config.seeds[0]:
                        profile = gradient_profile(model, x_grad, y_grad).tolist()
                        results.gradients[f"{kind}/trained_T{length}"] = profile
                    results.runs.append(result)
                    if progress:
                        _report(result)
                    if path is not None:
                        results.save(path)
    if path is not None:
        results.save(path)
    return results


def _report(result):
    extra = f", recall {result['recall_accuracy']:.3f}" if "recall_accuracy" in result else ""
    print(
        f"{result['task']:>6} T={result['length']:<4} {LABELS[result['cell']]:<9} "
        f"seed {result['seed']}: error {result['error']:.4f} (baseline "
        f"{result['baseline']:.4f}{extra}), {result['steps_run']} steps, "
        f"{result['seconds']:.0f} s",
        flush=True,
    )


def _protocol(config):
    """The settings that make two runs comparable: all but which T values and seeds."""
    return {key: value for key, value in config.items() if key not in ("lengths", "seeds")}


def _jsonable(value):
    return json.loads(json.dumps(value))


class _EpochTimer(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


def inference_latency(model, sequence, repeats=200, warmup=10) -> float:
    """Median milliseconds to run `model` on one sequence (batch of 1).

    Method: the model's forward pass is wrapped once in a `tf.function`
    (graph mode, no XLA); after `warmup` calls, each of `repeats` calls is
    timed with `time.perf_counter`, including the copy of the result back
    to NumPy, and the median is returned.
    """
    import tensorflow as tf

    forward = tf.function(lambda x: model(x, training=False), reduce_retracing=True)
    batch = tf.constant(np.asarray(sequence, dtype="float32")[None])
    for _ in range(warmup):
        forward(batch).numpy()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        forward(batch).numpy()
        times.append(time.perf_counter() - start)
    return 1000.0 * float(np.median(times))


def vowels_comparison(kind, *, lstm_units=100, fast=False, seed=0) -> dict:
    """Train one cell on Japanese Vowels at the parameter count of an LSTM of `lstm_units`.

    Returns parameters, test accuracy, the median seconds per training
    epoch (the first epoch, which builds the graph, left out) and the
    median inference latency per sequence.
    """
    from lstm_apps.models import learnable_parameters
    from lstm_apps.tasks import japanese_vowels as jv

    base = jv.Config.fast() if fast else jv.Config()
    units = matched_units(
        kind, recurrent_parameters("lstm", lstm_units, 12, 9), num_features=12, num_outputs=9
    )
    config = base.replace(architecture=kind, units=units, training=dict(seed=seed, verbose=0))
    timer = _EpochTimer()
    run = jv.train(config, callbacks=[timer])
    model, data = run.model, run.data
    metrics = jv.evaluate(run)
    epochs = timer.seconds[1:] or timer.seconds
    return {
        "cell": kind,
        "units": units,
        "parameters": learnable_parameters(model),
        "accuracy": float(metrics["accuracy"]),
        "epochs": len(timer.seconds),
        "epoch_seconds": float(np.median(epochs)),
        "latency_ms": inference_latency(model, data.x_test[0], repeats=50 if fast else 200),
        "test_sequences": len(data.x_test),
    }


def compare(output, *, fast=False, adding_results=None, seed=0, progress=True) -> dict:
    """Measure the comparison table and write it with its figures to `output`.

    Args:
        output: folder for `comparison.md`, `comparison.json` and the PNGs.
        fast: a few-minute version (Japanese Vowels subset and 2 epochs;
            adding problem at T = 10 and 50 with 600 steps; gradients over
            100 steps).
        adding_results: a JSON file of an earlier `memory_sweep` on the adding
            task (for example `benchmarks/results/memory_adding.json`) to read
            the longest solved T and the gradient profiles from, instead of
            training the adding sweep here (one seed, T up to 500).
        seed: seed of the Japanese Vowels runs.

    Returns:
        A dict with "rows", "markdown" and "paths".
    """
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    if adding_results is not None:
        if not Path(adding_results).exists():
            raise FileNotFoundError(f"No such adding-sweep file: {adding_results}")
        sweep = SweepResults.load(adding_results)
    else:
        config = MemoryConfig.fast() if fast else MemoryConfig(seeds=(seed,))
        sweep = memory_sweep(
            ("adding",),
            config,
            output / "adding.json",
            gradient_length=100 if fast else 500,
            progress=progress,
        )
    lengths = sorted({r["length"] for r in sweep.runs if r["task"] == "adding"})
    if not lengths:
        raise ValueError(f"{adding_results} holds no adding-problem runs.")
    profiled = [t for t in lengths if all(f"{k}/trained_T{t}" in sweep.gradients for k in KINDS)]
    trained_at = max([t for t in profiled if t <= 200] or profiled or [None])
    errors = {row["cell"]: row for row in sweep.summary("adding") if row["length"] == lengths[-1]}
    rows = []
    for kind in KINDS:
        if progress:
            print(f"Japanese Vowels, {LABELS[kind]}...", flush=True)
        row = vowels_comparison(kind, fast=fast, seed=seed)
        trained = sweep.gradients.get(f"{kind}/trained_T{trained_at}")
        row.update(
            adding_longest_solved=sweep.longest_solved("adding", kind),
            gradient_ratio_init=float(sweep.gradients[f"{kind}/init"][0]),
            gradient_ratio_trained=None if trained is None else float(trained[0]),
            adding_longest_T=lengths[-1],
            adding_error_at_longest_T=errors[kind]["error_mean"] if kind in errors else math.nan,
            gradient_trained_at=trained_at,
            gradient_length=len(sweep.gradients[f"{kind}/init"]),
        )
        rows.append(row)
    seeds = sorted({r["seed"] for r in sweep.runs})
    notes = [
        "Method: matched parameter counts (Japanese Vowels: an LSTM of 100 units; "
        "adding: an LSTM of "
        f"{sweep.config['lstm_units']} units). Time per epoch: median over the epochs after "
        "the first, mini-batches of the case study's defaults. Latency: median of repeated "
        "calls of the compiled forward pass (tf.function, no XLA) on one test utterance, "
        "batch 1, after warm-up. Longest T solved: held-out MSE < 0.01 for most of the "
        f"seeds {seeds}, T in {lengths}, {sweep.config['steps']} Adam steps of "
        f"{sweep.config['mini_batch_size']} fresh sequences. Gradient ratio: "
        "||dL/dh_1|| / ||dL/dh_T|| on adding sequences of "
        f"{rows[0]['gradient_length']} steps (geometric mean over 32), by BPTT in the "
        "NumPy reference cells.",
    ]
    markdown = comparison_markdown(rows, notes)
    paths = {
        "markdown": output / "comparison.md",
        "json": output / "comparison.json",
        "adding": output / "adding_error_vs_T.png",
        "gradients": output / "gradient_norms.png",
    }
    paths["markdown"].write_text(markdown)
    paths["json"].write_text(
        json.dumps({"rows": rows, "adding": sweep.summary("adding")}, indent=1)
    )
    import matplotlib.pyplot as plt

    for fig in (
        plot_memory_errors(sweep, "adding", paths["adding"]),
        plot_gradient_profiles(sweep.gradients, trained_at, paths["gradients"]),
    ):
        plt.close(fig)
    return {"rows": rows, "markdown": markdown, "paths": paths}
