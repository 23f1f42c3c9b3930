"""SimpleRNN vs LSTM vs GRU, measured.

The course claims that plain RNNs lose their gradient through time, that
LSTM gates fix this, and that GRUs are simpler and faster with similar
results. This module turns each claim into a measurement:

* `train_memory_task`: one cell on the adding problem or the copy-memory
  task (`lstm_apps.data.memory_tasks`) at one length T, trained on fresh
  batches for a fixed budget of optimizer steps, scored on held-out
  sequences against the memoryless baseline.
* `memory_sweep`: every cell at every T and seed, at matched parameter
  counts, saved to JSON after each run so an interrupted sweep resumes.
* `gradient_profile`: the norm of dL/dh_t at every step t for a loss at the
  last step, by backpropagation through time in the NumPy reference cells
  (`lstm_apps.analysis.reference`), so nothing depends on how Keras fuses its loop.
* `compare`: the course's comparison table (parameters, time per epoch,
  latency, longest T solved, Japanese Vowels accuracy, gradient ratio) as
  Markdown, JSON and figures; `lstm-apps compare` runs it.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import keras
import numpy as np

from lstm_apps.analysis.reference import from_keras
from lstm_apps.checks import check_choice
from lstm_apps.data import memory_tasks
from lstm_apps.models.recurrent import CELLS, matched_units, recurrent_parameters
from lstm_apps.runs import atomic_write

KINDS = ("simple_rnn", "lstm", "gru")
TASKS = ("adding", "copy")
LABELS = {"simple_rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}
ADDING_SOLVED_MSE = 0.01  # the criterion for "solved"
COPY_SOLVED_ACCURACY = 0.99  # share of the 10 recalled symbols right
UNDERFLOW = 1e-300  # gradient ratios at or below this left float64's range


@dataclass(frozen=True)
class MemoryConfig:
    """Protocol of the long-range memory benchmarks (defaults: the full run).

    Every cell gets the same budget: `steps` Adam updates on fresh batches of
    `batch_size`, gradients clipped to norm `clipnorm`. A run stops early
    once its held-out error falls below `stop_fraction` of the memoryless
    baseline; the recorded error is the held-out error at the end.
    """

    lengths: tuple = (10, 50, 100, 200, 500)  # T values
    seeds: tuple = (0, 1, 2)
    lstm_units: int = 32  # the other cells get the width with the closest parameter count
    steps: int = 3000  # optimizer steps (the training budget)
    batch_size: int = 64
    learning_rate: float = 0.01
    clipnorm: float = 1.0
    eval_every: int = 250  # steps between held-out evaluations
    eval_size: int = 1000  # held-out sequences
    stop_fraction: float = 0.005  # stop once error < this share of the baseline
    jit_compile: bool = True  # XLA: 1.6-2.3x faster per step than the plain loop on this CPU

    def __post_init__(self):
        for name in ("lstm_units", "steps", "batch_size", "eval_every", "eval_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"`{name}` must be a positive integer. Received: {value!r}")
        if not self.lengths or min(self.lengths) < 2:
            raise ValueError(f"`lengths` must be T values >= 2. Received: {self.lengths!r}")
        if not self.seeds:
            raise ValueError("`seeds` must name at least one seed. Received: ()")
        if not 0 < self.learning_rate < 1:
            raise ValueError(f"`learning_rate` must be in (0, 1). Received: {self.learning_rate}")

    @classmethod
    def fast(cls, **changes):
        """A few-minute version: short sequences, one seed, a small budget."""
        return replace(cls(lengths=(10, 50), seeds=(0,), steps=600, eval_size=300), **changes)


def _task_shape(task):
    check_choice("task", task, TASKS)
    if task == "adding":
        return 2, 1
    return memory_tasks.COPY_INPUTS, memory_tasks.COPY_OUTPUTS


def task_units(kind, task, lstm_units=32) -> int:
    """The width of `kind` whose parameter count is closest to an LSTM of `lstm_units`."""
    check_choice("cell", kind, KINDS)
    features, outputs = _task_shape(task)
    target = recurrent_parameters("lstm", lstm_units, features, outputs)
    return matched_units(kind, target, features, outputs)


def memory_model(kind, task, units, length, *, seed=0):
    """One recurrent layer and a dense head for the adding (sequence-to-one
    regression) or copy (one softmax over the 9 output codes per step) task."""
    check_choice("cell", kind, KINDS)
    features, outputs = _task_shape(task)
    steps = length if task == "adding" else length + 2 * memory_tasks.COPY_LENGTH
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((steps, features), name="input")
    hidden = CELLS[kind](units, return_sequences=task == "copy", name=kind)(inputs)
    activation = None if task == "adding" else "softmax"
    outputs = keras.layers.Dense(outputs, activation=activation, name="head")(hidden)
    return keras.Model(inputs, outputs, name=f"{task}_{kind}_{units}")


def task_batch(task, n, length, seed):
    """`(x, y)` for the model of `memory_model`: copy codes become one-hot inputs."""
    if task == "adding":
        return memory_tasks.adding_problem(n, length, seed)
    codes, targets = memory_tasks.copy_memory(n, length, seed)
    return np.eye(memory_tasks.COPY_INPUTS, dtype="float32")[codes], targets


def task_baseline(task, length) -> float:
    """The memoryless baseline: MSE 1/6 (adding) or 10 log 8 / (T + 20) nats (copy)."""
    check_choice("task", task, TASKS)
    if task == "adding":
        return memory_tasks.ADDING_BASELINE_MSE
    return memory_tasks.copy_baseline(length)


def _score(task, model, x, y):
    predictions = np.asarray(model.predict(x, batch_size=250, verbose=0), dtype="float64")
    if task == "adding":
        return {"error": float(np.mean((predictions - y) ** 2))}
    picked = np.take_along_axis(predictions, y[..., None], axis=-1)[..., 0]
    recall = predictions[:, -memory_tasks.COPY_LENGTH :].argmax(-1)
    return {
        "error": float(-np.mean(np.log(np.clip(picked, 1e-12, None)))),
        "recall_accuracy": float(np.mean(recall == y[:, -memory_tasks.COPY_LENGTH :])),
    }


def solved(task, scores) -> bool:
    """Adding: MSE < 0.01. Copy: >= 99 % of the recalled symbols right."""
    if task == "adding":
        return scores["error"] < ADDING_SOLVED_MSE
    return scores["recall_accuracy"] >= COPY_SOLVED_ACCURACY


def train_memory_task(kind, task, length, seed=0, config=MemoryConfig(), *, progress=True):
    """Train one cell on one memory task at one length T.

    Returns:
        `(model, result)`: the trained Keras model and a dict with the
        cell, task, T, seed, units, parameters, final held-out "error"
        (MSE or cross-entropy in nats), "baseline", "solved",
        "steps_run", "seconds" and the held-out "curve" as (step, error)
        pairs; copy runs also give "recall_accuracy".
    """
    units = task_units(kind, task, config.lstm_units)
    model = memory_model(kind, task, units, length, seed=seed)
    loss = "mse" if task == "adding" else "sparse_categorical_crossentropy"
    model.compile(
        optimizer=keras.optimizers.Adam(config.learning_rate, clipnorm=config.clipnorm),
        loss=loss,
        jit_compile=config.jit_compile,
    )
    baseline = task_baseline(task, length)
    x_eval, y_eval = task_batch(task, config.eval_size, length, 10_000 + seed)
    rng = np.random.default_rng(seed)
    curve, scores, step = [], {"error": math.inf}, 0
    bar = _progress(config.steps, f"{task} T={length} {LABELS[kind]} seed {seed}", progress)
    start = time.perf_counter()
    for step in range(1, config.steps + 1):
        model.train_on_batch(*task_batch(task, config.batch_size, length, rng))
        bar.update(1)
        if step % config.eval_every == 0 or step == config.steps:
            scores = _score(task, model, x_eval, y_eval)
            curve.append([step, scores["error"]])
            bar.set_postfix(error=f"{scores['error']:.4f}", baseline=f"{baseline:.4f}")
            if scores["error"] < config.stop_fraction * baseline:
                break
    seconds = time.perf_counter() - start
    bar.close()
    result = {
        "cell": kind,
        "task": task,
        "length": length,
        "seed": seed,
        "units": units,
        "parameters": int(model.count_params()),
        **scores,
        "baseline": baseline,
        "solved": solved(task, scores),
        "steps_run": step,
        "seconds": round(seconds, 2),
        "curve": curve,
    }
    return model, result


def _progress(total, description, enabled):
    if not enabled:
        from tqdm import tqdm  # the plain bar: no notebook-widget warning when hidden
    else:
        from tqdm.auto import tqdm
    return tqdm(total=total, desc=description, disable=not enabled, leave=False)


def gradient_profile(model, x, y) -> np.ndarray:
    """Norm of dL/dh_t at every step, relative to the last step, for a loss at the last step.

    The model is one recurrent layer and a dense head (`memory_model` for
    the adding task); L is the squared error of the prediction made from the
    last hidden state. The recurrent layer is replayed in its NumPy reference
    cell, whose backpropagation through time returns the total dL/dh_t.

    Args:
        model: a Keras model whose layers are an input, a SimpleRNN, LSTM or
            GRU layer (last output only) and a dense head.
        x: `(n, T, features)` inputs; y: `(n, outputs)` targets.

    Returns:
        `(T,)` array: the geometric mean over the n sequences of
        ||dL/dh_t|| / ||dL/dh_T||. Entry 0 is the first step, entry T-1 is 1.
    """
    recurrent = [layer for layer in model.layers if isinstance(layer, tuple(CELLS.values()))]
    if len(recurrent) != 1 or recurrent[0].return_sequences:
        raise ValueError(
            "gradient_profile needs one recurrent layer returning its last state. "
            f"Received model {model.name!r} with {len(recurrent)} recurrent layers"
        )
    cell = from_keras(recurrent[0])
    kernel, bias = (np.asarray(w, "float64") for w in model.layers[-1].get_weights())
    hidden = cell.forward(np.asarray(x, "float64"))
    residual = hidden[:, -1] @ kernel + bias - np.asarray(y, "float64")
    grad_h = np.zeros_like(hidden)
    grad_h[:, -1] = 2.0 * residual @ kernel.T
    norms = np.linalg.norm(cell.backward(grad_h)["h"], axis=-1)  # (n, T)
    ratios = norms / np.maximum(norms[:, -1:], UNDERFLOW)
    return np.exp(np.mean(np.log(np.maximum(ratios, UNDERFLOW)), axis=0))


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
        return cls(**json.loads(Path(path).read_text()))

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
    config=MemoryConfig(),
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
    """
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
    config = replace(base, architecture=kind, units=units, seed=seed, verbose=0)
    timer = _EpochTimer()
    run = jv.train(config, callbacks=[timer])
    model, data = run.model, run.data
    metrics = jv.evaluate(model, data)
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


def plot_memory_errors(results, task, path=None):
    """Final held-out error against T for each cell (mean, bars from min to max over seeds)."""
    import matplotlib.pyplot as plt

    from lstm_apps.plots import save_figure

    fig, ax = plt.subplots(figsize=(6, 4))
    rows = results.summary(task)
    lengths = sorted({row["length"] for row in rows})
    for kind in KINDS:
        mine = [row for row in rows if row["cell"] == kind]
        if not mine:
            continue
        means = np.array([row["error_mean"] for row in mine])
        low = means - np.array([row["error_min"] for row in mine])
        high = np.array([row["error_max"] for row in mine]) - means
        ax.errorbar(
            [row["length"] for row in mine],
            means,
            yerr=[low, high],
            marker="o",
            capsize=3,
            label=f"{LABELS[kind]} ({mine[0]['parameters']:,} params)",
        )
    baselines = [task_baseline(task, length) for length in lengths]
    ax.plot(lengths, baselines, "k--", label="memoryless baseline")
    if task == "adding":
        ax.axhline(ADDING_SOLVED_MSE, color="grey", lw=0.8, ls=":", label="solved (MSE 0.01)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(lengths, [str(t) for t in lengths])
    ax.set_xlabel("T (sequence length)" if task == "adding" else "T (delay)")
    ax.set_ylabel("held-out MSE" if task == "adding" else "held-out cross-entropy (nats/step)")
    ax.set_title(
        f"{'Adding problem' if task == 'adding' else 'Copy memory'}: error after the budget"
    )
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_gradient_profiles(gradients, trained_at=None, path=None):
    """||dL/dh_t|| / ||dL/dh_T|| against the distance T - t, at initialization
    and after training on the adding task at T = `trained_at` (log scale)."""
    import matplotlib.pyplot as plt

    from lstm_apps.plots import save_figure

    stages = [("init", "at initialization")]
    if trained_at is not None:
        stages.append((f"trained_T{trained_at}", f"after training on adding, T={trained_at}"))
    fig, axes = plt.subplots(1, len(stages), figsize=(5.5 * len(stages), 4), squeeze=False)
    for ax, (stage, title) in zip(axes[0], stages):
        for kind in KINDS:
            profile = gradients.get(f"{kind}/{stage}")
            if profile is None:
                continue
            profile = np.asarray(profile, dtype="float64")
            distance = np.arange(len(profile))[::-1]
            lost = profile <= UNDERFLOW
            label = LABELS[kind]
            if lost.any():
                label += f" (below float64 range beyond T - t = {distance[lost].min()})"
            ax.plot(distance, np.where(lost, np.nan, profile), label=label)
        ax.set_yscale("log")
        ax.set_ylim(top=3.0)
        ax.set_xlabel("steps between h_t and the loss (T - t)")
        ax.set_ylabel("||dL/dh_t|| / ||dL/dh_T||")
        ax.set_title(title)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    fig.tight_layout()
    return save_figure(fig, path)


def _ratio_text(value):
    return f"< {UNDERFLOW:.0e}" if value <= UNDERFLOW else f"{value:.1e}"


def _solved_text(row):
    longest = row["adding_longest_solved"]
    return f"T = {longest}" if longest else "no T"


def _verdicts(rows):
    """Plain statements of what the measurements say about the course's claims."""
    by = {row["cell"]: row for row in rows}
    lines = []
    rnn, lstm, gru = by["simple_rnn"], by["lstm"], by["gru"]
    ratio = gru["epoch_seconds"] / lstm["epoch_seconds"]
    if ratio < 0.9:
        verdict = f"holds here: a GRU epoch took {ratio:.0%} of an LSTM epoch"
    elif ratio > 1.1:
        verdict = f"does not hold here: a GRU epoch took {ratio:.0%} of an LSTM epoch"
    else:
        verdict = f"no clear difference here (GRU epoch at {ratio:.0%} of the LSTM's)"
    lines.append(
        f'- "GRUs train faster than LSTMs": {verdict}; Japanese Vowels, '
        f"{gru['epoch_seconds']:.2f} s against {lstm['epoch_seconds']:.2f} s per epoch at "
        "matched parameter counts."
    )
    gated = min(lstm["adding_longest_solved"] or 0, gru["adding_longest_solved"] or 0)
    holds = gated > (rnn["adding_longest_solved"] or 0)
    lines.append(
        f'- "Plain RNNs fail on long dependencies; gates fix this": '
        f"{'holds' if holds else 'does not hold'} on the adding problem. Longest solved: "
        f"SimpleRNN {_solved_text(rnn)}, LSTM {_solved_text(lstm)}, GRU {_solved_text(gru)}."
    )
    longest = lstm["adding_longest_T"]
    lstm_error, gru_error = lstm["adding_error_at_longest_T"], gru["adding_error_at_longest_T"]
    if (lstm["adding_longest_solved"] or 0) != (gru["adding_longest_solved"] or 0):
        better = (
            "LSTM"
            if (lstm["adding_longest_solved"] or 0) > (gru["adding_longest_solved"] or 0)
            else "GRU"
        )
        verdict = f"the {better} solved the longer task"
    elif lstm_error < 0.5 * gru_error:
        verdict = "same longest T solved, lower LSTM error at the longest T"
    elif gru_error < 0.5 * lstm_error:
        verdict = "does not hold here: same longest T solved, lower GRU error at the longest T"
    else:
        verdict = "no clear difference here"
    lines.append(
        f'- "LSTMs are slightly better on very long sequences": {verdict} '
        f"(adding, T = {longest}: MSE {lstm_error:.4f} LSTM vs {gru_error:.4f} GRU)."
    )
    init = ", ".join(f"{LABELS[k]} {_ratio_text(by[k]['gradient_ratio_init'])}" for k in KINDS)
    line = f"- Gradient ratio first/last step at initialization: {init}"
    if all(by[k]["gradient_ratio_trained"] is not None for k in KINDS):
        trained = ", ".join(
            f"{LABELS[k]} {_ratio_text(by[k]['gradient_ratio_trained'])}" for k in KINDS
        )
        line += f"; after training: {trained}"
    lines.append(line + ".")
    return lines


def comparison_markdown(rows, notes=()) -> str:
    """The course's RNN / LSTM / GRU table, measured, as Markdown."""
    trained_at = rows[0].get("gradient_trained_at")
    header = (
        "| cell | gates | parameters | s / epoch (JV) | latency ms / sequence | "
        "JV accuracy | longest T solved (adding) | grad ratio, init | "
        f"grad ratio, trained (T={trained_at}) |"
    )
    lines = [header, "|" + "---|" * 9]
    gates = {"simple_rnn": "-", "lstm": "3 (+ candidate)", "gru": "2 (+ candidate)"}
    for row in rows:
        trained = row.get("gradient_ratio_trained")
        lines.append(
            f"| {LABELS[row['cell']]} | {gates[row['cell']]} | {row['parameters']:,} | "
            f"{row['epoch_seconds']:.2f} | {row['latency_ms']:.2f} | {row['accuracy']:.3f} | "
            f"{row['adding_longest_solved'] or 'none'} | "
            f"{_ratio_text(row['gradient_ratio_init'])} | "
            f"{'n/a' if trained is None else _ratio_text(trained)} |"
        )
    return "\n".join(lines + [""] + _verdicts(rows) + [""] + list(notes)) + "\n"


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
        f"{sweep.config['batch_size']} fresh sequences. Gradient ratio: "
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
