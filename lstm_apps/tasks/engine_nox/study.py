"""Engine NOx: an LSTM reads engine signals and predicts engine-out NOx, second by second.

SYNTHETIC DATA. Renault has reported LSTMs that predict NOx emissions from
engine signals (torque, engine speed, coolant temperature, gear). Their data
are not public, so this case study runs on made-up drive cycles from the
documented simulator in `lstm_apps.data.synthetic`: WLTC-like speed traces,
a simple driveline, a cold-start warm-up and a NOx model with air-path and
analyser lags. The figures say nothing about any real engine.

Task: sequence-to-sequence regression. Each time step holds five signals
(vehicle speed, engine speed, torque, coolant temperature, gear); the target
is the measured NOx mass flow (mg/s) at the same second. Training,
validation and test cycles come from different seeds; the LSTM trains on
windows cut from whole cycles and is scored on whole held-out cycles.

Baseline: a scikit-learn `HistGradientBoostingRegressor` on the same five
signals of the same second (a static map with no history). The point to see:
NOx lags behind torque, so the static map misses the transient seconds,
where torque changes fast, and the LSTM, which reads the history, does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
from threadpoolctl import threadpool_limits

from lstm_apps import models, training
from lstm_apps.data.inputs import Inputs, check_features, read_sequences
from lstm_apps.data.sequences import check_sequences, pad_sequences, unpad
from lstm_apps.data.splits import Splits
from lstm_apps.data.synthetic import (
    BYTES_PER_SIMULATED_SECOND,
    FEATURES,
    TARGET,
    cycle_arrays,
    simulate_cycles,
)
from lstm_apps.evaluation import regression_metrics
from lstm_apps.models.size import check_memory
from lstm_apps.runs import Run
from lstm_apps.tasks.engine_nox.config import DESCRIPTION, NAME, Config  # noqa: F401 (re-exported)

TORQUE = FEATURES.index("torque_nm")


@dataclass(kw_only=True)
class EngineSplits(Splits):
    """Windows of the training and validation cycles, whole test cycles, and the NOx scale."""

    nox_mean: float  # mean training NOx (mg/s): the model's output offset
    nox_std: float  # standard deviation of the training NOx (mg/s): its output scale
    seed: int  # seed the cycles were simulated from; the static baseline uses it too


def cut_windows(sequences, window) -> list[np.ndarray]:
    """Cut each sequence into consecutive windows of `window` steps (the last may be shorter)."""
    if window is None:
        return list(sequences)
    return [piece for s in sequences for piece in np.split(s, range(window, len(s), window))]


def load_data(config: Config = Config()) -> EngineSplits:
    """Simulate train / validation / test cycles (SYNTHETIC) from three different seeds.

    Features stay in physical units: the model normalizes them with statistics
    learned from the training split. The NOx scale (mean and standard
    deviation) is computed on the training split only. The seeds are
    `[config.training.seed, split]`.
    """
    simulator = config.simulator()
    seed = config.training.seed or 0
    counts = (config.num_train_cycles, config.num_validation_cycles, config.num_test_cycles)
    names = ("num_train_cycles", "num_validation_cycles", "num_test_cycles", "cycle_seconds")
    check_memory(
        sum(counts) * config.cycle_seconds * BYTES_PER_SIMULATED_SECOND,
        what="simulated cycles",
        sizes={name: getattr(config, name) for name in names},
    )
    splits = []
    for split, count in enumerate(counts):
        cycles = simulate_cycles(count, [seed, split], simulator) if count else []
        pairs = [cycle_arrays(c) for c in cycles]
        # (T, 1) targets: Keras needs the output's last axis on per-step regression targets
        splits.append(([x for x, _ in pairs], [y[:, None] for _, y in pairs]))
    (x_train, y_train), (x_val, y_val), (x_test, y_test) = splits
    nox = np.concatenate(y_train)
    window = config.window_seconds
    return EngineSplits(
        cut_windows(x_train, window),
        cut_windows(y_train, window),
        cut_windows(x_val, window) or None,
        cut_windows(y_val, window) or None,
        x_test,
        y_test,
        source="SYNTHETIC: lstm_apps.data.synthetic (WLTC-like cycles, simulated engine)",
        nox_mean=float(nox.mean()),
        nox_std=float(nox.std()),
        seed=seed,
    )


def build_model(config: Config, data: EngineSplits) -> keras.Model:
    """A sequence-output regression network whose last layer returns NOx in mg/s.

    The builder's linear head predicts standardized NOx; a `Rescaling` layer
    (training mean and standard deviation) turns it back into mg/s, so the
    saved model needs no separate target scaler.
    """
    base = models.build_model(
        config.architecture,
        num_features=data.num_features,
        num_outputs=1,
        task="regression",
        output_mode="sequence",
        units=config.units,
        dropout=config.dropout,
    )
    return models.with_target_scale(base, data.nox_mean, data.nox_std, TARGET)


def train(config: Config = Config(), data: EngineSplits | None = None, *, callbacks=()) -> Run:
    """Simulate (unless given), build and train; returns a `Run` with the model and history.

    `callbacks` are extra Keras callbacks. Validation cycles (when
    `num_validation_cycles` > 0) drive `training.validation_patience`.
    """
    data = data or load_data(config)
    if config.training.seed is not None:
        keras.utils.set_random_seed(config.training.seed)
    model = build_model(config, data)
    validation = (data.x_val, data.y_val) if data.x_val else None
    options = config.training.options(validation_data=validation)
    history = training.train(model, data.x_train, data.y_train, options, callbacks=callbacks)
    return Run(name=NAME, config=config, model=model, history=history.history, data=data)


def fit_static_baseline(data: EngineSplits):
    """The static baseline: gradient-boosted trees on each second's five signals alone.

    Fitted on every training second, on one thread (see `static_predict`).
    """
    from sklearn.ensemble import HistGradientBoostingRegressor

    baseline = HistGradientBoostingRegressor(random_state=data.seed)
    with threadpool_limits(1):
        return baseline.fit(np.concatenate(data.x_train), np.concatenate(data.y_train)[:, 0])


def static_predict(baseline, sequences) -> list[np.ndarray]:
    """The baseline's NOx (mg/s) for each second of each `(T, 5)` sequence.

    One OpenMP thread: on a busy CPU the trees' threads can wait on each
    other for a minute where one thread takes a fraction of a second.
    """
    with threadpool_limits(1):
        return [baseline.predict(np.asarray(s)) for s in sequences]


def transient_seconds(features, threshold) -> np.ndarray:
    """Seconds where |torque_t - torque_{t-1}| >= `threshold` N·m (the first is never one)."""
    torque = np.asarray(features)[:, TORQUE]
    return np.abs(np.diff(torque, prepend=torque[0])) >= threshold


def predict_cycles(model, sequences, batch_size=64) -> list[np.ndarray]:
    """NOx (mg/s) for each second of each `(T, 5)` sequence of signals (FEATURES order).

    Runs the compiled `model.predict` on right-padded batches (the padding is
    masked and cut off again), which is much faster on long cycles than
    calling the model eagerly.

    Returns:
        One `(T_i,)` array per sequence.
    """
    sequences = check_sequences(sequences, "sequences", num_features=len(FEATURES))
    outputs = model.predict(pad_sequences(sequences), batch_size=batch_size, verbose=0)
    return [p[:, 0] for p in unpad(outputs, [len(s) for s in sequences])]


def compare(run: Run, baseline=None) -> dict[str, float]:
    """`evaluate`, with a static baseline already fitted on `run.data` (None: fit one)."""
    data = run.data
    baseline = fit_static_baseline(data) if baseline is None else baseline
    truth = np.concatenate(data.y_test)[:, 0]
    lstm = np.concatenate(predict_cycles(run.model, data.x_test))
    static = np.concatenate(static_predict(baseline, data.x_test))
    threshold = run.config.transient_torque_rate
    transient = np.concatenate([transient_seconds(x, threshold) for x in data.x_test])
    metrics = regression_metrics(truth, lstm)
    for prefix, pred, keep in (
        ("static_", static, slice(None)),
        ("transient_", lstm, transient),
        ("static_transient_", static, transient),
    ):
        scores = regression_metrics(truth[keep], pred[keep])
        metrics.update({prefix + name: value for name, value in scores.items()})
    metrics["transient_share"] = float(transient.mean())
    return metrics


def evaluate(run: Run) -> dict[str, float]:
    """Scores of the LSTM and of the static baseline on the test cycles, in mg/s.

    Returns a flat dict: `mae`, `rmse`, `r2`, `within_10pct` (LSTM, every
    second), the same with prefixes `static_` (baseline), `transient_` and
    `static_transient_` (only the transient seconds, see
    `transient_seconds` and `Config.transient_torque_rate`), and
    `transient_share` (their share of seconds). The baseline is fitted here
    (`compare` takes one already fitted).
    """
    return compare(run)


def predict(run: Run, inputs) -> list[tuple[str, float]]:
    """NOx (mg/s) of every second of every `(T, 5)` sequence of signals in `inputs`.

    Returns:
        `("sequence i, second t", NOx)` pairs, sequence by sequence (`i`
        from 1, `t` from 0).
    """
    check_features(inputs, len(FEATURES))
    return [
        (f"sequence {i}, second {t}", float(value))
        for i, values in enumerate(predict_cycles(run.model, inputs), start=1)
        for t, value in enumerate(values)
    ]


def read_inputs(source, config: Config) -> Inputs:
    """Sequences from a .csv (a row per second, the five FEATURES columns) or .npy file.

    `predict` gives a row per second, so each sequence's `rows_per_item` is its length.
    """
    sequences = read_sequences(source, NAME, columns=FEATURES)  # a header: read by name
    return Inputs(sequences, sequences.ids, rows_per_item=[len(s) for s in sequences])


def sample_input(run: Run, directory) -> str:
    """Write the first minute of the first test cycle as a CSV in `directory`; returns its path."""
    import pandas as pd

    path = Path(directory) / "engine_signals.csv"
    pd.DataFrame(run.data.x_test[0][:60], columns=FEATURES).to_csv(path, index=False)
    return str(path)


def plot_cycle(features, nox, predictions, threshold, path=None, seconds=None, title=None):
    """Signals of one cycle above its measured and predicted NOx; transients shaded.

    Args:
        features: `(T, 5)` signals in FEATURES order.
        nox: `(T,)` measured NOx, mg/s.
        predictions: dict name -> `(T,)` predicted NOx, e.g. {"LSTM": ..., "static": ...}.
        threshold: torque rate (N·m/s) that marks transient seconds.
        path: optional PNG path.
        seconds: optional `(start, stop)` to show only part of the cycle.
        title: figure title; default says the data are synthetic.
    """
    from lstm_apps import plots

    start, stop = seconds or (0, len(nox))
    time = np.arange(start, stop)
    part = slice(start, stop)
    transient = transient_seconds(features, threshold)[part]
    rows = [("speed_kmh", "speed (km/h)"), ("engine_rpm", "engine speed (rpm)"),
            ("torque_nm", "torque (N·m)"), ("coolant_c", "coolant (°C)")]  # fmt: skip
    fig, axes = plots.plt.subplots(5, 1, figsize=(12, 9), sharex=True, height_ratios=[1] * 4 + [2])
    for ax, (name, label) in zip(axes, rows):
        ax.plot(time, features[part, FEATURES.index(name)], lw=0.9)
        ax.set_ylabel(label, fontsize=8)
    gear_axis = axes[0].twinx()
    gear_axis.step(time, features[part, FEATURES.index("gear")], "C1", lw=0.7, where="post")
    gear_axis.set_ylabel("gear", fontsize=8, color="C1")
    axes[-1].plot(time, nox[part], "k", lw=1.2, label="measured (simulated)")
    for i, (name, values) in enumerate(predictions.items()):
        axes[-1].plot(time, np.asarray(values)[part], f"C{i + 2}", lw=1.0, label=name)
    axes[-1].set(ylabel="NOx (mg/s)", xlabel="time (s)")
    axes[-1].legend(loc="upper left", fontsize=8)
    for ax in axes[2:]:
        band = ax.get_xaxis_transform()
        ax.fill_between(time, 0, 1, where=transient, color="0.85", transform=band)
    fig.suptitle(title or "SYNTHETIC engine data: NOx on a held-out cycle (grey: transients)")
    fig.tight_layout()
    return plots.save_figure(fig, path)


def figures(run: Run, directory) -> list[Path]:
    """Training progress and the first held-out cycle (LSTM vs static), saved as PNG files."""
    from lstm_apps import plots

    data, directory = run.data, Path(directory)
    x, y = data.x_test[0], data.y_test[0][:, 0]
    predictions = {
        "LSTM": predict_cycles(run.model, [x])[0],
        "static (gradient boosting)": static_predict(fit_static_baseline(data), [x])[0],
    }
    paths = [directory / "training_progress.png", directory / "held_out_cycle.png"]
    for fig in (
        plots.plot_training_progress(run.history, paths[0]),
        plot_cycle(x, y, predictions, run.config.transient_torque_rate, paths[1]),
    ):
        plots.plt.close(fig)
    return paths
