"""Long-range memory benchmarks: one recurrent cell on the adding problem or
the copy-memory task (`lstm_apps.data.memory_tasks`).

* `MemoryConfig`: the protocol (training budget, evaluation, early stop).
* `task_units`: the width of each cell at a parameter count matched to an
  LSTM's.
* `memory_model`: one recurrent layer and a dense head for a task.
* `train_memory_task`: one cell at one length T, trained on fresh batches
  for a fixed budget of optimizer steps, scored on held-out sequences
  against the memoryless baseline.

Sweeps over cells, lengths and seeds are in `lstm_apps.analysis.comparison`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import keras
import numpy as np

from lstm_apps.checks import check_choice, check_positive, check_range
from lstm_apps.data import memory_tasks
from lstm_apps.models.recurrent import CELLS, matched_units, recurrent_parameters
from lstm_apps.training import TrainingConfig, make_optimizer

KINDS = ("simple_rnn", "lstm", "gru")
TASKS = ("adding", "copy")
LABELS = {"simple_rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}
ADDING_SOLVED_MSE = 0.01  # the criterion for "solved"
COPY_SOLVED_ACCURACY = 0.99  # share of the 10 recalled symbols right


@dataclass(frozen=True)
class MemoryConfig:
    """Protocol of the long-range memory benchmarks (defaults: the full run).

    Every cell gets the same budget: `steps` Adam updates on fresh batches of
    `mini_batch_size`, each weight's gradient clipped to norm
    `gradient_threshold` (the `TrainingConfig` names). A run stops early
    once its held-out error falls below `stop_fraction` of the memoryless
    baseline; the recorded error is the held-out error at the end.
    """

    lengths: tuple = (10, 50, 100, 200, 500)  # T values
    seeds: tuple = (0, 1, 2)
    lstm_units: int = 32  # the other cells get the width with the closest parameter count
    steps: int = 3000  # optimizer steps (the training budget)
    mini_batch_size: int = 64  # sequences per optimizer step
    initial_learn_rate: float = 0.01  # Adam's learning rate
    gradient_threshold: float = 1.0  # clip each weight's gradient to this norm
    eval_every: int = 250  # steps between held-out evaluations
    eval_size: int = 1000  # held-out sequences
    stop_fraction: float = 0.005  # stop once error < this share of the baseline
    jit_compile: bool = True  # XLA: 1.6-2.3x faster per step than the plain loop on this CPU

    def __post_init__(self):
        for name in ("lstm_units", "steps", "mini_batch_size", "eval_every", "eval_size"):
            check_positive(name, getattr(self, name))
        if not self.lengths or min(self.lengths) < 2:
            raise ValueError(f"`lengths` must be T values >= 2. Received: lengths={self.lengths!r}")
        if not self.seeds:
            raise ValueError(f"`seeds` must name at least one seed. Received: seeds={self.seeds!r}")
        check_range("initial_learn_rate", self.initial_learn_rate, 0, 1, closed=(False, False))
        check_positive("gradient_threshold", self.gradient_threshold, real=True)

    def training_config(self) -> TrainingConfig:
        """The optimizer settings as a `TrainingConfig` for `make_optimizer`:
        Adam at `initial_learn_rate`, each weight's gradient clipped to norm
        `gradient_threshold` ("l2norm", Keras's `clipnorm`)."""
        return TrainingConfig(
            solver="adam",
            initial_learn_rate=self.initial_learn_rate,
            gradient_threshold=self.gradient_threshold,
            gradient_threshold_method="l2norm",
            mini_batch_size=self.mini_batch_size,
            verbose=0,
        )

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
    # one fresh batch per step and no learn-rate drops: an "epoch" is one step
    optimizer = make_optimizer(config.training_config(), steps_per_epoch=1)
    model.compile(
        optimizer=optimizer,
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
        model.train_on_batch(*task_batch(task, config.mini_batch_size, length, rng))
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
