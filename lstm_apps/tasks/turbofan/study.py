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
from dataclasses import dataclass
from numbers import Integral, Real
from pathlib import Path
from typing import ClassVar

import keras
import numpy as np

from lstm_apps import models, training
from lstm_apps.checks import check_choice
from lstm_apps.data import cmapss
from lstm_apps.data.sequences import check_sequences
from lstm_apps.data.splits import Splits
from lstm_apps.evaluation import regression_metrics
from lstm_apps.runs import Run, save_model, write_json
from lstm_apps.tasks.base import CaseStudyConfig

NAME = "turbofan"
DESCRIPTION = "Remaining useful life (RUL) of turbofan engines, NASA C-MAPSS FD001"
CAUSAL = tuple(name for name in models.ARCHITECTURES if not name.startswith("bi"))


@dataclass(frozen=True)
class Config(CaseStudyConfig):
    """Settings of the turbofan case study (defaults: the full run)."""

    architecture: str = "lstm"  # any name in ARCHITECTURES; "bi*" only with output_mode="last"
    units: int | tuple = 100  # recurrent width (the course's single layer), or a tuple for a stack
    dropout: float = 0.0  # dropout after each recurrent layer
    input_noise: float = 0.1  # std of Gaussian noise added to the z-scored inputs while training
    ensemble: int = 1  # networks trained from different seeds; the model averages their RUL
    output_mode: str = "sequence"  # "sequence": RUL at every cycle; "last": from the last `window`
    window: int = 30  # cycles each "last" network reads (at most the shortest test engine)
    rul_cap: int | None = 125  # training RUL target is min(RUL, rul_cap); None: uncapped
    validation_engines: int = 20  # training engines held out whole for validation
    validation_max_rul: int = 150  # validation cycles scored: true RUL up to this (test: 7-145)
    max_epochs: int = 120  # training epochs
    mini_batch_size: int = 8  # engines (or windows) per mini-batch
    initial_learn_rate: float = 0.003  # Adam's starting learning rate
    learn_rate_drop_period: int | None = 30  # epochs between learning-rate drops
    learn_rate_drop_factor: float = 0.3  # factor applied at each drop
    gradient_threshold: float = 1.0  # clip each weight's gradient L2 norm at this value
    validation_patience: int | None = 30  # early stopping on the validation engines' loss
    features: tuple | None = None  # columns to read; None: all that vary on the training engines
    # drop features whose |correlation| with the capped RUL on the training engines is below this
    min_rul_correlation: float = 0.2  # 0 keeps every column that varies
    max_train_engines: int | None = None  # use only the first training engines (quick runs)
    max_test_engines: int | None = None  # score only the first test engines (quick runs)
    data_path: str | None = None  # folder with train_FD001.txt, test_FD001.txt, RUL_FD001.txt
    subset: str = "FD001"  # C-MAPSS subset; the preprocessing suits one operating condition
    split_seed: int = 0  # seed of the train / validation split of the engines
    seed: int = 0  # seed for initialization and shuffling
    verbose: int = 2  # Keras verbosity: 0 silent, 1 progress bar, 2 a line per epoch

    FAST: ClassVar[dict] = dict(
        units=16,
        max_epochs=2,
        max_train_engines=12,
        validation_engines=3,
        max_test_engines=10,
        mini_batch_size=4,
    )

    def __post_init__(self):
        check_choice("architecture", self.architecture, tuple(models.ARCHITECTURES))
        check_choice("output_mode", self.output_mode, ("sequence", "last"))
        cmapss.check_subset(self.subset)
        if self.output_mode == "sequence" and self.architecture not in CAUSAL:
            raise ValueError(
                "The RUL at a cycle may only depend on earlier cycles, so a bidirectional "
                "network cannot give the per-cycle RUL; use it with output_mode='last'. "
                f"Received: architecture={self.architecture!r}"
            )
        limit = self.min_rul_correlation
        if isinstance(limit, bool) or not isinstance(limit, Real) or not 0 <= limit <= 1:
            raise ValueError(
                f"`min_rul_correlation` must be a number from 0 to 1. Received: "
                f"min_rul_correlation={limit!r}"
            )
        least = dict(window=1, validation_engines=1, validation_max_rul=1, ensemble=1)
        for name in ("rul_cap", "max_train_engines", "max_test_engines"):
            if getattr(self, name) is not None:
                least[name] = 1
        for name, low in least.items():
            value = getattr(self, name)
            if not isinstance(value, Integral) or isinstance(value, bool) or value < low:
                raise ValueError(
                    f"`{name}` must be an integer of at least {low}. Received: {name}={value!r}"
                )


def load_data(config: Config = Config()) -> Splits:
    """Engine histories as `(cycles, features)` arrays and their true RUL at every cycle.

    The targets are the *uncapped* RUL; the cap is applied when training.
    `info` holds the kept and dropped features (`dropped_constant`,
    `dropped_uncorrelated`, and `rul_correlation` of every varying feature on
    the training engines), the unit numbers of each split
    and `test_rul` (RUL_FD001.txt, the RUL after each test engine's last cycle).

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
    data = Splits(
        x_tr, y_tr, x_va, y_va, x_te, y_te,
        info={
            "source": f"NASA C-MAPSS {config.subset} ({folder})",
            "features": features,
            "dropped_constant": [c for c in candidates if c not in varying],
            "dropped_uncorrelated": [c for c in varying if c not in features],
            "rul_correlation": correlation,
            "train_units": fit_units,
            "validation_units": val_units,
            "test_units": test_units,
            "test_rul": test_rul,
            "config": config,
        },
    )  # fmt: skip
    check_window(config, data)
    return data


def rul_correlation(frame, columns, cap=None) -> dict[str, float]:
    """Absolute Pearson correlation of each column with the (capped) RUL of run-to-failure engines.

    Args:
        frame: rows of engines run to failure (`unit`, `cycle` and the columns).
        columns: the columns to score.
        cap: the RUL cap applied to the target, or None.

    On the FD001 training engines with `cap=125`, sensor_2 scores 0.678 and
    setting_1 0.006.
    """
    rul = frame.groupby("unit").cycle.transform("max") - frame.cycle
    target = rul.clip(upper=cap) if cap else rul
    return {c: float(abs(frame[c].corr(target))) for c in columns}


def check_window(config: Config, data: Splits):
    """Raise ValueError if the "last" network's window is longer than a test engine."""
    shortest = min(len(s) for s in data.x_test)
    if config.output_mode == "last" and config.window > shortest:
        raise ValueError(
            f"`window` must be at most the shortest test engine ({shortest} cycles): the "
            f"windowed network reads whole windows, never padded ones. Received: "
            f"window={config.window}"
        )


def capped(targets, cap) -> list[np.ndarray]:
    """`min(RUL, cap)` at every cycle (a piecewise-linear RUL); `cap=None` leaves it."""
    return [np.minimum(t, cap) if cap else np.asarray(t) for t in targets]


def windows(sequences, targets=None, window=30):
    """Every whole window of `window` cycles, and the target at its last cycle.

    Args:
        sequences: list of `(cycles, features)` arrays, each at least `window` long.
        targets: optional list of `(cycles,)` arrays.
        window: cycles per window.

    Returns:
        `x` of shape `(windows, window, features)` and, with `targets`, `y` of
        shape `(windows,)`; an engine of T cycles gives `T - window + 1` windows.
    """
    views = [np.lib.stride_tricks.sliding_window_view(s, window, axis=0) for s in sequences]
    x = np.concatenate([v.transpose(0, 2, 1) for v in views]).astype("float32")
    if targets is None:
        return x
    return x, np.concatenate([t[window - 1 :] for t in targets]).astype("float32")


def training_pairs(config: Config, sequences, targets):
    """Inputs and capped targets in the form the configured network learns from."""
    targets = capped(targets, config.rul_cap)
    if config.output_mode == "sequence":
        return list(sequences), targets
    return windows(sequences, targets, config.window)


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
        input_noise=config.input_noise,
    )
    if config.output_mode == "last":
        inputs = keras.Input(shape=(config.window, data.num_features), name="input")
        base = models.rechain(base, inputs)
    return models.with_target_scale(base, float(y.mean()), float(y.std()), name="rul")


def train(config: Config = Config(), data: Splits | None = None, **options) -> Run:
    """Load (unless given), build and train; returns a `Run` with the model and history.

    With `ensemble=n`, n networks are trained one after the other from seeds
    `seed * n` to `seed * n + n - 1` (so runs with different seeds share no
    member), and the model averages their RUL (`models.average_ensemble`);
    `run.history` is the first member's and `data.info["member_histories"]`
    holds every member's.

    Extra keyword arguments go to `TrainingOptions`. With `checkpoint_dir`,
    each member backs up every epoch in `checkpoint_dir/member_<i>/` and is
    saved as `checkpoint_dir/member_<i>.keras` when it finishes; a rerun after
    a crash loads the finished members and resumes the interrupted one.

    Example:
        >>> run = train(Config.fast(verbose=0))
        >>> evaluate(run.model, run.data)["rmse"]  # cycles, at each test engine's end
    """
    data = data or load_data(config)
    check_window(config, data)
    data.info["config"] = config  # `evaluate` reads the cap and window of this run
    x, y = training_pairs(config, data.x_train, data.y_train)
    validation = training_pairs(config, data.x_val, data.y_val)
    checkpoints = options.pop("checkpoint_dir", None)
    members, histories = [], []
    for i in range(config.ensemble):
        seed = config.seed * config.ensemble + i
        folder = Path(checkpoints) / f"member_{i}" if checkpoints else None
        if folder is not None and folder.with_suffix(".keras").exists():
            members.append(keras.saving.load_model(folder.with_suffix(".keras")))
            histories.append(json.loads(folder.with_suffix(".json").read_text()))
            continue
        keras.utils.set_random_seed(seed)
        model = build_model(config, data)
        member_options = training.TrainingOptions(
            initial_learn_rate=config.initial_learn_rate,
            learn_rate_drop_period=config.learn_rate_drop_period,
            learn_rate_drop_factor=config.learn_rate_drop_factor,
            max_epochs=config.max_epochs,
            mini_batch_size=config.mini_batch_size,
            gradient_threshold=config.gradient_threshold,
            shuffle="every-epoch",
            validation_data=validation,
            validation_patience=config.validation_patience,
            bucket_by_length=True,
            seed=seed,
            verbose=config.verbose,
            checkpoint_dir=folder,
            **options,
        )
        history = training.train(model, x, y, member_options).history
        if folder is not None:  # the history first: a member counts as done once its model is
            write_json(folder.with_suffix(".json"), history)
            save_model(model, folder.with_suffix(".keras"))
        members.append(model)
        histories.append(history)
    data.info["member_histories"] = histories
    name = f"{config.architecture}_ensemble"
    model = models.average_ensemble(members, name=name, output_name="rul")
    return Run(name=NAME, config=config, model=model, history=histories[0], data=data)


def phm08_score(y_true, y_pred) -> float:
    """The PHM08 challenge score: late predictions cost more than early ones.

    With `d = predicted - true`, each engine adds `exp(-d / 13) - 1` when
    `d < 0` (early) and `exp(d / 10) - 1` when `d >= 0` (late). Lower is better;
    0 is perfect.

    Example:
        >>> round(phm08_score([50, 50], [60, 37]), 3)  # 10 late, 13 early: e - 1 each
        3.437
    """
    d = np.asarray(y_pred, "float64") - np.asarray(y_true, "float64")
    return float(np.sum(np.exp(np.where(d < 0, -d / 13, d / 10)) - 1))


def predict_cycles(model, sequences) -> list[np.ndarray]:
    """The predicted RUL at every cycle of each `(cycles, features)` sequence.

    A "last" network gives NaN for the first `window - 1` cycles, which have
    no whole window behind them.
    """
    window = model.input_shape[1]
    if window is None:
        return [p[:, 0] for p in training.predict(model, sequences)]
    flat = model.predict(windows(sequences, window=window), batch_size=1024, verbose=0)[:, 0]
    cuts = np.cumsum([len(s) - window + 1 for s in sequences])[:-1]
    return [np.r_[np.full(window - 1, np.nan), p] for p in np.split(flat, cuts)]


def _scores(truth, predicted, pattern="{}") -> dict[str, float]:
    """RMSE and MAE where a prediction exists, named by `pattern` ("{}_per_cycle")."""
    keep = np.isfinite(predicted)
    scores = regression_metrics(truth[keep], predicted[keep])
    return {pattern.format(name): scores[name] for name in ("rmse", "mae")}


def evaluate(model, data: Splits) -> dict[str, float]:
    """Test metrics at each test engine's last cycle, and at every cycle.

    Names: `rmse`, `mae`, `r2`, `within_10pct` and `phm08_score` at the last
    cycle against RUL_FD001.txt (the benchmark); `rmse_capped_truth` the same
    RMSE against `min(RUL, rul_cap)`; `rmse_per_cycle` / `mae_per_cycle` at
    every test cycle against the capped RUL (from cycle `window` on for a
    "last" network); `validation_rmse` / `validation_mae` against the true
    RUL at the validation cycles that look like a test engine's last one: true
    RUL at most `validation_max_rul`, cycle `window` or later (so that both
    networks are scored on the same cycles).
    """
    config = data.info["config"]
    test = predict_cycles(model, data.x_test)
    val = predict_cycles(model, data.x_val)
    data.info["predictions"] = {"test": test, "validation": val}
    truth, last = data.info["test_rul"], np.array([p[-1] for p in test])
    metrics = regression_metrics(truth, last)
    metrics["phm08_score"] = phm08_score(truth, last)
    metrics["rmse_capped_truth"] = _scores(capped([truth], config.rul_cap)[0], last)["rmse"]
    cycles = np.concatenate(capped(data.y_test, config.rul_cap))
    metrics.update(_scores(cycles, np.concatenate(test), "{}_per_cycle"))
    y_val, p_val = np.concatenate(data.y_val), np.concatenate(val)
    late = np.concatenate([np.arange(len(y)) >= config.window - 1 for y in data.y_val])
    scored = late & (y_val <= config.validation_max_rul)
    metrics.update(_scores(y_val[scored], p_val[scored], "validation_{}"))
    return metrics


def predict(model, sequences, class_names=None):
    """The RUL (cycles) after the last cycle of each `(cycles, features)` engine history.

    The features are the kept ones, in the order of `data.info["features"]`.
    A "last" network reads the last `window` cycles of each history.

    Raises:
        ValueError: if a history is shorter than a "last" network's window.
    """
    sequences = check_sequences(sequences, "sequences", num_features=model.input_shape[-1])
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


def figures(run: Run, directory) -> list[Path]:
    """Training progress, RUL over the life of validation engines, and the test engines."""
    from lstm_apps import plots
    from lstm_apps.tasks.turbofan import plots as turbofan_plots

    directory = Path(directory)
    if "predictions" not in run.data.info:
        evaluate(run.model, run.data)
    paths = [directory / "training_progress.png"]
    histories = run.data.info.get("member_histories") or [None]
    if histories[0] is not run.history:  # the shared data was trained on again since
        histories = [run.history]
    plots.plt.close(plots.plot_training_progress(histories, paths[0]))
    return paths + turbofan_plots.plot_all(run.data, directory)
