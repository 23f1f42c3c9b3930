"""Remaining useful life (RUL) of turbofan engines: NASA C-MAPSS FD001.

Data: 100 simulated engines run until failure (training) and 100 other
engines cut off some cycles before failure (test), each cycle a row of 3
operational settings and 21 sensors (`lstm_apps.data.cmapss`). The target is
the RUL: the number of cycles an engine still runs after the current one.

Preprocessing, as in MATLAB's "Sequence-to-Sequence Regression Using Deep
Learning" example: the features that are constant over the training engines
are dropped (7 of 24 on FD001), and so are those whose absolute correlation
with the capped RUL on the training engines is below `min_rul_correlation`
(on FD001, operational settings 1 and 2, which only jitter around the single
operating condition, and sensor 6, which takes two values: 14 sensors stay).
The rest are z-scored with training
statistics inside the model (`SequenceNormalization`), the training target is
capped at `rul_cap` cycles (early in life the wear cannot be seen, so the
target is flat there: a piecewise-linear RUL), and mini-batches group engines
of similar length. `validation_engines` training engines, chosen from
`split_seed`, are held out whole for early stopping and choices.

Two networks read the cycles:

* `output_mode="sequence"` (default): sequence-to-sequence, the RUL at every
  cycle of a whole engine history. The RUL at cycle t must come from cycles
  <= t only, so bidirectional layers are refused for this mode. The test
  score reads its output at each test engine's last cycle.
* `output_mode="last"`: a windowed sequence-to-one network that reads the
  last `window` cycles and predicts the RUL at the last one.

The benchmark (`rmse`, `phm08_score`) is the RUL after the last cycle of each
test engine against RUL_FD001.txt.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np

from lstm_apps import models, training
from lstm_apps.data import cmapss
from lstm_apps.data.inputs import Inputs, check_features, read_sequences
from lstm_apps.data.sequences import check_sequences
from lstm_apps.data.splits import Splits
from lstm_apps.evaluation import regression_metrics
from lstm_apps.runs import Run, save_model, write_json
from lstm_apps.tasks.turbofan.config import (  # noqa: F401 (re-exported)
    CAUSAL,
    DESCRIPTION,
    NAME,
    Config,
)
from lstm_apps.tasks.turbofan.rul import (
    CyclePredictions,
    capped,
    phm08_score,
    predict_cycles,
    rul_correlation,
    scores,
    training_pairs,
    validation_metrics,
    windows,  # noqa: F401  (re-exported as turbofan.windows)
)


@dataclass(kw_only=True)
class TurbofanSplits(Splits):
    """Engine histories `(cycles, features)` and their true (uncapped) RUL at every cycle."""

    features: list[str]  # the columns kept, in the order of the model's input
    dropped_constant: list[str]  # columns constant on the training engines
    dropped_uncorrelated: list[str]  # varying columns below `min_rul_correlation`
    rul_correlation: dict[str, float]  # |correlation| of every varying column with the capped RUL
    train_units: list[int]  # the engine (unit) number of each training history
    validation_units: list[int]  # ... of each validation history
    test_units: list[int]  # ... of each test history
    test_rul: np.ndarray  # RUL_FD001.txt: the true RUL after each test engine's last cycle


@dataclass
class TurbofanRun(Run):
    """A `Run` of the turbofan study; `predictions` is a `CyclePredictions` once
    `evaluate` has run."""

    member_histories: list[dict] = field(default_factory=list)  # every ensemble member's
    # history, in member order (`history` is member 0's)


def load_data(config: Config = Config()) -> TurbofanSplits:
    """Engine histories as `(cycles, features)` arrays and their true RUL at every cycle.

    The targets are the *uncapped* RUL; the cap is applied when training.
    The returned `TurbofanSplits` names the kept and dropped features, the
    unit numbers of each split and `test_rul` (RUL_FD001.txt).

    Raises:
        ValueError: if there are too few training engines for the validation
            split, or the "last" network's window is longer than a test engine.
    """
    folder = cmapss.find_folder(config.data_path, config.subset)
    train, test, rul = cmapss.read_subset(folder, config.subset)
    units = train.unit.unique()[: config.max_train_engines]
    if len(units) <= config.validation_engines:
        raise ValueError(
            f"`validation_engines` must leave some of the {len(units)} training engines for "
            f"training. Received: validation_engines={config.validation_engines}"
        )
    order = np.random.default_rng(config.split_seed).permutation(units)
    val_units = order[: config.validation_engines]
    fit_rows = train[train.unit.isin(order[config.validation_engines :])]
    candidates = list(config.features or cmapss.COLUMNS[2:])
    unknown = [c for c in candidates if c not in cmapss.COLUMNS[2:]]
    if unknown:
        raise ValueError(
            f"Unknown feature columns {unknown}; choose among {cmapss.COLUMNS[2:]}. "
            f"Received: features={config.features!r}"
        )
    varying = [c for c in candidates if fit_rows[c].max() > fit_rows[c].min()]
    if not varying:
        raise ValueError(f"Every feature is constant on the training engines: {candidates}")
    correlation = rul_correlation(fit_rows, varying, config.rul_cap)
    features = [c for c in varying if correlation[c] >= config.min_rul_correlation]
    if not features:
        raise ValueError(
            f"No feature reaches an absolute correlation of {config.min_rul_correlation} with "
            f"the RUL on the training engines (the largest is {max(correlation.values()):.3f}, "
            f"{max(correlation, key=correlation.get)}). Received: "
            f"min_rul_correlation={config.min_rul_correlation!r}"
        )
    x_tr, y_tr, fit_units = cmapss.engine_histories(fit_rows, features)
    x_va, y_va, val_units = cmapss.engine_histories(train[train.unit.isin(val_units)], features)
    test_units = test.unit.unique()[: config.max_test_engines]
    test_rul = rul[: len(test_units)].astype("float32")
    x_te, y_te, test_units = cmapss.engine_histories(
        test[test.unit.isin(test_units)], features, test_rul
    )
    data = TurbofanSplits(
        x_tr, y_tr, x_va, y_va, x_te, y_te,
        source=f"NASA C-MAPSS {config.subset} ({folder})",
        features=features,
        dropped_constant=[c for c in candidates if c not in varying],
        dropped_uncorrelated=[c for c in varying if c not in features],
        rul_correlation=correlation,
        train_units=fit_units,
        validation_units=val_units,
        test_units=test_units,
        test_rul=test_rul,
    )  # fmt: skip
    check_window(config, data)
    return data


def check_window(config: Config, data: Splits):
    """Raise ValueError if the "last" network's window is longer than a test engine."""
    shortest = min(len(s) for s in data.x_test)
    if config.output_mode == "last" and config.window > shortest:
        raise ValueError(
            f"`window` must be at most the shortest test engine ({shortest} cycles): the "
            f"windowed network reads whole windows, never padded ones. Received: "
            f"window={config.window}"
        )


def build_model(config: Config, data: Splits) -> keras.Model:
    """The recurrent network, with a last layer (`rul`) that returns cycles.

    The head learns a standardized capped RUL; the `rul` layer multiplies by
    its training std and adds its mean. The "last" network takes exactly
    `window` cycles: its input shape carries the window into the saved model.
    """
    y = np.concatenate(capped(data.y_train, config.rul_cap))
    base = models.build_model(
        config.architecture,
        num_features=data.num_features,
        num_outputs=1,
        task="regression",
        output_mode=config.output_mode,
        units=config.units,
        dropout=config.dropout,
        recurrent_dropout=config.recurrent_dropout or None,
        input_noise=config.input_noise,
    )
    if config.output_mode == "last":
        inputs = keras.Input(shape=(config.window, data.num_features), name="input")
        base = models.rechain(base, inputs)
    return models.with_target_scale(base, float(y.mean()), float(y.std()), name="rul")


def train(
    config: Config = Config(), data: TurbofanSplits | None = None, *, callbacks=()
) -> TurbofanRun:
    """Load (unless given), build and train; returns a `TurbofanRun`.

    With `ensemble=n`, n networks are trained one after the other from seeds
    `training.seed * n` to `training.seed * n + n - 1` (so runs with different
    seeds share no member), and the model averages their RUL
    (`models.average_ensemble`); `run.history` is the first member's and
    `run.member_histories` holds every member's.

    With `training.checkpoint_dir`, each member backs up every epoch in
    `checkpoint_dir/member_<i>/` and is saved as `checkpoint_dir/member_<i>.keras`
    when it finishes; a rerun after a crash loads the finished members and
    resumes the interrupted one. `callbacks` are extra Keras callbacks, given
    to every member's fit.

    Example:
        >>> run = train(Config.fast(training=dict(verbose=0)))
        >>> evaluate(run)["rmse"]  # cycles, at each test engine's end
    """
    data = data or load_data(config)
    check_window(config, data)
    x, y = training_pairs(config, data.x_train, data.y_train)
    validation = training_pairs(config, data.x_val, data.y_val)
    checkpoints = config.training.checkpoint_dir
    members, histories = [], []
    for i in range(config.ensemble):
        seed = (config.training.seed or 0) * config.ensemble + i
        folder = Path(checkpoints) / f"member_{i}" if checkpoints else None
        if folder is not None and folder.with_suffix(".keras").exists():
            members.append(keras.saving.load_model(folder.with_suffix(".keras")))
            histories.append(json.loads(folder.with_suffix(".json").read_text()))
            continue
        keras.utils.set_random_seed(seed)
        model = build_model(config, data)
        if config.ensemble > 1 and config.training.verbose:  # label each member's progress
            print(f"Ensemble member {i + 1}/{config.ensemble} (seed {seed})")
        options = config.training.options(
            validation_data=validation,
            seed=seed,
            checkpoint_dir=None if folder is None else str(folder),
        )
        history = training.train(model, x, y, options, callbacks=callbacks).history
        if folder is not None:  # the history first: a member counts as done once its model is
            write_json(folder.with_suffix(".json"), history)
            save_model(model, folder.with_suffix(".keras"))
        members.append(model)
        histories.append(history)
    model = models.average_ensemble(
        members, name=f"{config.architecture}_ensemble", output_name="rul"
    )
    return TurbofanRun(
        name=NAME,
        config=config,
        model=model,
        history=histories[0],
        data=data,
        member_histories=histories,
    )


def evaluate(run: Run) -> dict[str, float]:
    """Test metrics at each test engine's last cycle, and at every cycle.

    Names: `rmse`, `mae`, `r2`, `within_10pct` and `phm08_score` at the last
    cycle against RUL_FD001.txt (the benchmark); `rmse_capped_truth` the same
    RMSE against `min(RUL, rul_cap)`; `rmse_per_cycle` / `mae_per_cycle` at
    every test cycle against the capped RUL (from cycle `window` on for a
    "last" network); `validation_rmse` / `validation_mae` against the true
    RUL at the validation cycles that look like a test engine's last one: true
    RUL at most `validation_max_rul`, cycle `window` or later (so that both
    networks are scored on the same cycles). The per-cycle predictions are
    kept in `run.predictions` (a `CyclePredictions`).
    """
    config, data = run.config, run.data
    predictions = CyclePredictions(
        test=predict_cycles(run.model, data.x_test),
        validation=predict_cycles(run.model, data.x_val),
    )
    run.predictions = predictions
    truth, last = data.test_rul, predictions.last
    metrics = regression_metrics(truth, last)
    metrics["phm08_score"] = phm08_score(truth, last)
    metrics["rmse_capped_truth"] = scores(capped([truth], config.rul_cap)[0], last)["rmse"]
    cycles = np.concatenate(capped(data.y_test, config.rul_cap))
    metrics.update(scores(cycles, np.concatenate(predictions.test), "{}_per_cycle"))
    metrics.update(validation_metrics(run, predictions.validation))
    return metrics


def predict(run: Run, inputs) -> list[tuple[str, float]]:
    """The RUL (cycles) after the last cycle of each `(cycles, features)` engine history.

    The features are the kept ones, in the order of `data.features`. A
    "last" network reads the last `window` cycles of each history.

    Raises:
        ValueError: if a history is shorter than a "last" network's window.
    """
    model = run.model
    check_features(inputs, model.input_shape[-1])
    sequences = check_sequences(inputs, "inputs", num_features=model.input_shape[-1])
    window = model.input_shape[1]
    if window is not None:
        short = [i for i, s in enumerate(sequences) if len(s) < window]
        if short:
            raise ValueError(
                f"This network reads the last {window} cycles; sequence {short[0]} has "
                f"{len(sequences[short[0]])}. Received: {len(short)} shorter sequences"
            )
        sequences = [s[-window:] for s in sequences]
    return [("RUL", float(p[-1])) for p in predict_cycles(model, sequences)]


def read_inputs(source, config: Config) -> Inputs:
    """Engine histories from a .npy file (`(cycles, features)`, or `(engines, cycles,
    features)` for several of one length) or a .csv file (a row per cycle)."""
    return read_sequences(source, NAME)


def sample_input(run: Run, directory) -> str:
    """Write the first test engine's history (kept features) as .npy; returns its path."""
    path = Path(directory) / "engine.npy"
    np.save(path, np.asarray(run.data.x_test[0], "float32"))
    return str(path)


def figures(run: Run, directory) -> list[Path]:
    """Training progress (one pair of curves per member), RUL over the life of validation
    engines, and the test engines at their last cycle."""
    from lstm_apps import plots
    from lstm_apps.tasks.turbofan import plots as turbofan_plots

    directory = Path(directory)
    if not isinstance(run.predictions, CyclePredictions):
        evaluate(run)
    paths = [directory / "training_progress.png"]
    histories = getattr(run, "member_histories", None) or [run.history]
    plots.plt.close(plots.plot_training_progress(histories, paths[0]))
    return paths + turbofan_plots.plot_all(run.config, run.data, run.predictions, directory)
