"""Your own sequences: classify or regress them, per sequence or per step, against baselines.

Data (`Config.data`): a long-format CSV (`lstm_apps.data.tables`: a row per
time step, a sequence id, a label, optional split, time and group columns),
a folder of per-sequence `.csv`/`.npy` files with a `labels.csv`
(`lstm_apps.data.sequence_folder`), or `aeon:NAME`, a data set that ships
with aeon with its official split (GunPoint, BasicMotions, ArrowHead,
ItalyPowerDemand, JapaneseVowels, OSULeaf, ...; the default is
aeon:GunPoint). Splits that the data does not give are held out, stratified
by class and grouped by `group_column` (see `data.py`).

The run, step by step:

1. The training settings (epochs, mini-batch, patience) are sized from the
   number of training sequences (`lstm_apps.training.adaptive`), each network's
   input is shortened to at most `max_steps` recurrent steps (`networks.py`),
   and the baselines that cannot fit are logged with their reason, all before
   training starts; so are the problems seen in the data (class imbalance,
   long sequences).
2. Every network in `networks` (default: a convolutional front-end + LSTM,
   and a plain LSTM) is fitted on the training part, with early stopping on
   validation when it holds at least 50 sequences (on fewer, its loss is too
   noisy to stop on, and every epoch runs). The first network is kept unless
   a later one beats it on validation beyond the bootstrap noise, and, with
   `refit`, fitted again on training + validation for as many epochs as its
   validated fit ran.
3. The baselines (`baselines.py`: MiniRocket, gradient boosting on summary
   features) are fitted the same way, and `lstm_apps.comparison.compare`
   scores every model on test, with a bootstrap interval on the kept model's
   margin over the best baseline.
4. Underfitting, overfitting and non-convergence are read from the kept
   network's fit (`lstm_apps.diagnostics`), logged and written to
   `report.md`, each with what to try next.

The run's Config is written back with the kept network first in `networks`,
the downsampling factor it reads (`downsample`) and the sized training
settings, so the run folder's `config.json` rebuilds the same network.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lstm_apps.comparison import (
    SCORES,
    Candidate,
    balanced_class_weight,
    bootstrap_difference,
    compare,
)
from lstm_apps.data.inputs import Inputs, check_features, read_sequences
from lstm_apps.diagnostics import diagnose_data, diagnose_history, log_diagnoses
from lstm_apps.evaluation import classification_metrics, regression_metrics
from lstm_apps.runs import Run
from lstm_apps.tasks.sequences import networks as nets
from lstm_apps.tasks.sequences.baselines import fit_baselines, plan_baselines
from lstm_apps.tasks.sequences.config import (  # noqa: F401 (re-exported)
    DESCRIPTION,
    NAME,
    TRAINING,
    Config,
)
from lstm_apps.tasks.sequences.data import SequenceSplits, load_splits
from lstm_apps.training.adaptive import adapt_training

log = logging.getLogger(__name__)
IMBALANCE = 3.0  # largest / smallest class above which "auto" compares balanced accuracy
MIN_STOPPING = 50  # validation sequences below which early stopping is off by default


@dataclass
class SequencesRun(Run):
    """A `Run` with what `figures` needs beside the kept model."""

    comparison: object = None  # the `lstm_apps.comparison.Comparison` of every model
    diagnoses: list = field(default_factory=list)  # `Diagnosis` of the data and the fit
    histories: dict = field(default_factory=dict)  # network name -> its fit's history


def load_data(config: Config = Config()) -> SequenceSplits:
    """Read, split and encode the data that `config.data` names (see `data.py`)."""
    return load_splits(config)


def build_model(config: Config, data: SequenceSplits):
    """The first network of `config.networks`, sized for the data (uncompiled)."""
    return nets.build_network(config, data, config.networks[0])


def _metric(config, data) -> str:
    if config.metric != "auto":
        wanted = "classification" if config.metric not in ("rmse", "mae") else "regression"
        if wanted != data.task:
            raise ValueError(
                f"`metric` {config.metric!r} is a {wanted} metric; this is a {data.task} "
                f"task. Received: metric={config.metric!r}"
            )
        return config.metric
    if data.task == "regression":
        return "rmse"
    counts = data.class_counts()
    present = counts[counts > 0]
    return "balanced_accuracy" if present.max() > IMBALANCE * present.min() else "accuracy"


def _plan(config, data):
    """Everything decided before training, logged: settings, lengths, baselines, data."""
    if data.output == "sequence" and config.downsample not in ("auto", 1):
        raise ValueError(
            "Per-step labels (output='sequence') need every step: downsampling is off for "
            f"them. Received: downsample={config.downsample!r}"
        )
    if config.class_weight == "balanced" and (data.task, data.output) != (
        "classification",
        "label",
    ):
        raise ValueError(
            "`class_weight` applies to one class per sequence; this is "
            f"{data.task} with output={data.output!r}. "
            f"Received: class_weight={config.class_weight!r}"
        )
    lengths = [len(s) for s in data.x_train]
    log.info(
        "Data: %s; %s task; sequences %s; lengths %d-%d (median %d).",
        data.source, data.task, data.sizes(), min(lengths), max(lengths), np.median(lengths),
    )  # fmt: skip
    held = len(data.x_val or ())
    stopping = held >= MIN_STOPPING
    options, chosen = adapt_training(
        config.training, TRAINING, len(data.x_train), has_validation=stopping
    )
    default = options.validation_patience == TRAINING.validation_patience
    if options.validation_patience and (not held or (not stopping and default)):
        options = options.replace(validation_patience=None)
        chosen["validation_patience"] = None
        if held:
            log.info(
                "The validation split holds %d sequences, too few (< %d) for early stopping on "
                "its noisy loss: every network runs all %d epochs (set "
                "training.validation_patience to stop early anyway).",
                held, MIN_STOPPING, options.max_epochs,
            )  # fmt: skip
    factors = {a: nets.choose_factor(config, a, lengths, data.output) for a in config.networks}
    padding = nets.padding_value(data.x_train, options.sequence_padding_value)
    if padding != options.sequence_padding_value:
        log.info("Some steps have every feature at %g, the padding value: padded steps are "
                 "marked %g instead (training.sequence_padding_value).",
                 options.sequence_padding_value, padding)  # fmt: skip
        options = options.replace(sequence_padding_value=padding)
    if chosen:
        log.info(
            "Training settings sized from %d training sequences: %s.",
            len(data.x_train), ", ".join(f"training.{k}={v}" for k, v in chosen.items()),
        )  # fmt: skip
    log.info(
        "Steps each network reads (downsample=%r, max_steps=%d): %s.",
        config.downsample, config.max_steps,
        ", ".join(f"{a}: every {k} step(s) averaged" for a, k in factors.items()),
    )  # fmt: skip
    baselines, skipped = plan_baselines(config.baselines, output=data.output, lengths=lengths)
    for s in skipped:
        log.warning("Baseline %s", s)
    recurrent = min(np.median(lengths) / (k * nets.pooling_stride(config, a, data.output))
                    for a, k in factors.items())  # fmt: skip
    counts = data.class_counts()
    found = diagnose_data(
        class_counts=None if counts is None else dict(zip(data.class_names, counts.tolist())),
        lengths=[recurrent] if data.output == "label" else lengths,
    )
    log_diagnoses(found, "data")
    return options, factors, baselines, skipped, found


def _fit_networks(config, data, options, factors, callbacks, metric):
    """Fit every network on the training part; returns name -> result dict."""
    weights = None
    if config.class_weight == "balanced":
        weights = balanced_class_weight(np.asarray(data.y_train), len(data.class_names))
    results = {}
    for name in config.networks:
        k = factors[name]
        validation = None
        if data.x_val:
            validation = (nets.downsample(data.x_val, k), data.y_val)
        model, history, seconds = nets.fit_network(
            config, data, name, options, nets.downsample(data.x_train, k), data.y_train,
            validation=validation, callbacks=callbacks, weights=weights,
        )  # fmt: skip
        score, predicted = float("nan"), None
        if validation is not None:
            predicted = nets.outputs(
                model, validation[0], data.task, options.sequence_padding_value
            )
            score = SCORES[metric][0](nets.stacked_targets(data.y_val, data.output), predicted)
        results[name] = dict(model=model, history=history, seconds=seconds, validation=score,
                             predicted=predicted, epoch=nets.best_epoch(history))  # fmt: skip
        log.info(
            "Network %s: %d epochs in %.1f s; validation %s %.4g (best epoch %d).",
            name, len(history.get("loss", ())), seconds, metric, score, results[name]["epoch"],
        )  # fmt: skip
    return results


def _keep(results, data, metric, seed) -> str:
    """The first network, unless a later one beats it on validation beyond noise (the 95 %
    bootstrap interval of their difference above zero): validation splits of a few dozen
    sequences cannot tell close networks apart, and `networks` lists the default first."""
    score, higher = SCORES[metric]
    names = [n for n in results if results[n]["predicted"] is not None]
    kept = next(iter(results))
    if not names:
        return kept
    y = nets.stacked_targets(data.y_val, data.output)
    groups = _units(data, "validation")
    for name in names[1:]:
        _, low, high = bootstrap_difference(
            y, results[name]["predicted"], results[kept]["predicted"], score, seed=seed,
            groups=groups,
        )  # fmt: skip
        if (low > 0) if higher else (high < 0):
            kept = name
    return kept


def _refit(config, data, name, options, factor, callbacks, result):
    """The kept network fitted again on training + validation, for as many epochs as its
    validated fit ran (the best epoch plus the patience, or every epoch): on small data
    the validation loss turns up while the accuracy is still climbing, and the best-loss
    epoch alone stops too soon; more data needs no fewer updates."""
    k = factor
    x = nets.downsample(list(data.x_train) + list(data.x_val), k)
    y_val = data.y_val
    y = (
        list(data.y_train) + list(y_val)
        if data.output == "sequence"
        else np.concatenate([np.asarray(data.y_train), np.asarray(y_val)])
    )
    weights = None
    if config.class_weight == "balanced":
        weights = balanced_class_weight(np.asarray(y), len(data.class_names))
    epochs = len(result["history"].get("loss", ())) or options.max_epochs
    refit = options.replace(max_epochs=epochs, validation_patience=None)
    model, history, seconds = nets.fit_network(
        config, data, name, refit, x, y, validation=None, callbacks=callbacks, weights=weights
    )
    log.info("Kept network %s refitted on training + validation: %d epochs in %.1f s.",
             name, epochs, seconds)  # fmt: skip
    return model, seconds


def train(config: Config = Config(), data: SequenceSplits | None = None, *, callbacks=()) -> Run:
    """Load (unless given), plan, fit every network and baseline, compare; returns a
    `SequencesRun` whose model is the kept network (see the module docstring)."""
    data = data or load_data(config)
    metric = _metric(config, data)
    options, factors, baselines, skipped, found = _plan(config, data)
    results = _fit_networks(config, data, options, factors, callbacks, metric)
    kept = _keep(results, data, metric, options.seed or 0)
    model = results[kept]["model"]
    if config.refit and data.x_val:
        model, seconds = _refit(
            config, data, kept, options, factors[kept], callbacks, results[kept]
        )
        results[kept].update(model=model, seconds=results[kept]["seconds"] + seconds)
    y_test = nets.stacked_targets(data.y_test, data.output)
    candidates = []
    for name, r in results.items():
        x = nets.downsample(data.x_test, factors[name])
        predicted = nets.outputs(r["model"], x, data.task, options.sequence_padding_value)
        epochs = {"epochs": len(r["history"].get("loss", ()))}
        candidates.append(
            Candidate(name, "network", predicted, r["validation"], r["seconds"], epochs)
        )
    fitted, failed = fit_baselines(
        baselines, data, task=data.task, metric=metric, seed=options.seed or 0, refit=config.refit
    )
    comparison = compare(
        candidates + fitted, y_test, metric=metric, kept=kept, skipped=skipped + failed,
        groups=_units(data), seed=options.seed or 0,
    )  # fmt: skip
    history = results[kept]["history"]
    fit_found = diagnose_history(
        history, task=data.task, class_counts=data.class_counts(),
        max_epochs=options.max_epochs,
    )  # fmt: skip
    log_diagnoses(fit_found, f"network {kept}")
    found = found + fit_found
    log.info(comparison.verdict())
    order = (kept, *[n for n in config.networks if n != kept])
    config = config.replace(networks=order, downsample=factors[kept], training=options)
    return SequencesRun(
        name=NAME, config=config, model=model, history=history, data=data,
        comparison=comparison, diagnoses=found,
        histories={n: r["history"] for n, r in results.items()},
    )  # fmt: skip


def _units(data, split="test"):
    """Bootstrap units of a split's items: groups, or whole sequences for per-step items."""
    groups = data.groups.get(split) if data.groups else None
    if data.output == "sequence":
        x = data.x_test if split == "test" else data.x_val
        owners = groups if groups is not None else np.arange(len(x))
        return np.concatenate([np.full(len(s), o) for o, s in zip(owners, x)])
    return groups


def evaluate(run: Run) -> dict[str, float]:
    """The kept network's test scores (accuracy, balanced accuracy, macro-F1 and per-class
    F1, precision, recall; or RMSE, MAE, R²) and, after `train`, every compared model's
    (`Comparison.metrics`)."""
    data = run.data
    predicted = nets.run_outputs(run, data.x_test)
    y = nets.stacked_targets(data.y_test, data.output)
    if data.task == "classification":
        metrics = classification_metrics(y, predicted.argmax(-1), data.class_names)
    else:
        metrics = regression_metrics(y, predicted)
    run.predictions = predicted
    comparison = getattr(run, "comparison", None)
    if comparison is not None:
        metrics.update(comparison.metrics())
    return metrics


def predict(run: Run, inputs) -> list[tuple[str, float]]:
    """For each `(T, F)` sequence in `inputs`: the class and its probability, or the
    predicted value; with per-step output, one row per time step."""
    check_features(inputs, run.model.input_shape[-1])
    task, _ = nets.kind_of(run)
    predicted = nets.run_outputs(
        run, [np.asarray(s, "float32").reshape(len(s), -1) for s in inputs]
    )
    if task == "classification":
        names = run.class_names
        return [(str(names[int(np.argmax(p))]), float(np.max(p))) for p in predicted]
    label = run.config.label_column
    return [(label, float(np.ravel(p)[0])) for p in predicted]


def read_inputs(source, config: Config) -> Inputs:
    """Sequences from a .csv (a row per step, a column per feature) or .npy file; with
    per-step output each sequence gives one `predict` row per step."""
    columns = list(config.feature_columns) if config.feature_columns else None
    inputs = read_sequences(source, NAME, columns=columns)
    if config.output == "sequence":
        return Inputs(list(inputs), inputs.ids, rows_per_item=[len(s) for s in inputs])
    return inputs


def sample_input(run: Run, directory) -> str:
    """Write the first test sequence as a CSV in `directory`; returns its path."""
    path = Path(directory) / "sequence.csv"
    np.savetxt(path, run.data.x_test[0], delimiter=",")
    return str(path)


def figures(run: Run, directory) -> list[Path]:
    """Training progress of every network, the test confusion matrix (classification) and
    the comparison bar chart, as PNG files in `directory`; `report.md` (data, comparison,
    diagnostics) and `predictions/<model>.csv` for every compared model in its parent.
    A loaded run (no comparison) gets what its model and history allow."""
    from lstm_apps.tasks.sequences.plots import draw_figures

    return draw_figures(run, directory)
