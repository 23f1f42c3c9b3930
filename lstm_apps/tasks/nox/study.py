"""NOx emission regression from gas-turbine sensors, with and without recalibration.

Data: the UCI Gas Turbine CO and NOx Emission data (36,733 hourly rows,
2011-2015, 9 sensor inputs). Protocol of Kaya, Tüfekci & Uzun (2019): train
on 2011-2012, validate on 2013, test on 2014-2015, rows in time order.

An LSTM reads the last `window` hours of sensor readings and predicts the
NOx of the current hour (sequence-to-one; `output_mode="sequence"` gives the
sequence-to-sequence variant, scored at the last hour of each window). The
window is chosen on the validation year among `window_choices` when
`window` is None. Baselines in the same run: linear regression and
HistGradientBoostingRegressor on the current hour's features and on the
flattened window of lagged features, and gradient boosting on the residual
of the linear model (current hour). With `linear_path`, the network too
learns the residual of a frozen linear model.

The NOx level drifts between 2011-2013 and 2014-2015, as real emission
monitors do. The remedy is *weekly walk-forward recalibration*
(`lstm_apps.tasks.nox.recalibration`): before each test week, every model is updated on
the labelled hours of the preceding `recalibration_days` days, then predicts
that week blind; each model chooses that length on the validation year's
weeks. The network's updates follow the Config's `recalibration` section.
`evaluate` reports both protocols side by side.

Custom data: `data_path` names a CSV with a time-order column (`time_column`),
the `features` and the `target`; it is split in time order by
`validation_fraction` and `test_fraction`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import keras
import numpy as np

from lstm_apps import models, training
from lstm_apps.checks import check_bool, check_choice, check_positive
from lstm_apps.data import gas_turbine as gt
from lstm_apps.data.inputs import read_sequences
from lstm_apps.data.splits import Splits
from lstm_apps.evaluation import regression_metrics
from lstm_apps.runs import Run
from lstm_apps.tasks.base import CaseStudyConfig
from lstm_apps.tasks.nox import recalibration
from lstm_apps.training import TrainingConfig

NAME = "nox"
DESCRIPTION = "NOx regression from gas-turbine sensor windows (UCI, 2011-2015), with drift"


@dataclass(frozen=True)
class Config(CaseStudyConfig):
    """Settings of the NOx case study (defaults: the full run)."""

    # data
    data_path: str | None = None  # folder of gt_YYYY.csv files, or a custom CSV
    time_column: str | None = None  # time-order column of a custom CSV
    features: tuple = gt.FEATURES  # input columns
    target: str = "NOX"  # target column
    train_years: tuple = (2011, 2012)  # years of the training block (UCI data)
    validation_years: tuple = (2013,)  # years of the validation block
    test_years: tuple = (2014, 2015)  # years of the test block
    validation_fraction: float = 0.2  # custom CSV: share of rows in the validation block
    test_fraction: float = 0.2  # custom CSV: share of rows in the (final) test block
    nan_policy: str = "error"  # missing values: "error", "drop" or "interpolate"
    # model
    architecture: str = "lstm"  # any name in lstm_apps.models.ARCHITECTURES
    units: int | tuple = 64  # recurrent width, or a tuple for a stack
    dropout: float = 0.0  # dropout after each recurrent layer
    linear_path: bool = False  # add a frozen least-squares linear model of the current hour,
    # and the network learns its residual (better without recalibration, worse with it)
    output_mode: str = "last"  # "last" (sequence-to-one) or "sequence" (sequence-to-sequence)
    window: int | None = None  # hours per window; None: choose among window_choices
    window_choices: tuple = (1, 6, 12, 24)  # candidate windows, compared on validation MAE
    # training
    training: TrainingConfig = TrainingConfig(  # the fit on the training years, early-stopped on
        initial_learn_rate=0.002, max_epochs=30, mini_batch_size=64, gradient_threshold=1.0,
        loss="mae", validation_patience=5, bucket_by_length=False, verbose=2,
    )  # fmt: skip
    # the validation year
    recalibration: TrainingConfig = TrainingConfig(  # each weekly update of the network (seed None:
        initial_learn_rate=0.001, max_epochs=5, mini_batch_size=64, gradient_threshold=1.0,
        loss="mae", shuffle="every-epoch", seed=None, verbose=0,
    )  # fmt: skip
    # training.seed)
    # evaluation
    recalibration_days: int | tuple = (7, 14, 30, 60, 120)  # labelled days each weekly update
    # learns from; a tuple: each model chooses on the validation weeks
    max_test_weeks: int | None = None  # recalibrate and score only the first weeks of the test

    RENAMED: ClassVar[dict] = {
        "recalibration_learn_rate": "recalibration.initial_learn_rate",
        "recalibration_epochs": "recalibration.max_epochs",
    }
    FAST: ClassVar[dict] = dict(
        units=16, window=6, train_years=(2011,), max_test_weeks=2, recalibration_days=14,
        training=dict(max_epochs=2), recalibration=dict(max_epochs=1),
    )  # fmt: skip

    def __post_init__(self):
        check_choice("architecture", self.architecture, tuple(models.ARCHITECTURES))
        check_choice("output_mode", self.output_mode, ("last", "sequence"))
        check_choice("nan_policy", self.nan_policy, ("error", "drop", "interpolate"))
        check_bool("linear_path", self.linear_path)
        check_positive("window", self.window, allow_none=True)
        check_positive("max_test_weeks", self.max_test_weeks, allow_none=True)
        days = self.recalibration_days
        if isinstance(days, tuple):
            valid = len(days) > 0 and all(map(_positive_int, days))
        else:
            valid = _positive_int(days)
        if not valid:
            raise ValueError(
                "`recalibration_days` must be a positive integer or a non-empty tuple of them. "
                f"Received: recalibration_days={days!r}"
            )


@dataclass(kw_only=True)
class NoxSplits(Splits):
    """Rows of each block in time order (one array per year), and the target's scale."""

    target_mean: float  # training target mean (NOx units): the model's output offset
    target_std: float  # training target standard deviation: the model's output scale
    test_years: list[int]  # year of each test block (its position, for a custom CSV)
    missing_values: int  # missing or infinite values that `nan_policy` dropped or filled


@dataclass
class NoxRun(Run):
    """A `Run` that also keeps the validation MAE of every window `train` tried.

    `evaluate` keeps its `recalibration.Comparison` in `predictions`.
    """

    window_validation_mae: dict[int, float] = field(default_factory=dict)  # window -> MAE


def _positive_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _blocks(config: Config):
    """Train / validation / test tables, each a list of contiguous blocks (one per year)."""
    columns = (*config.features, config.target)
    path = Path(config.data_path).expanduser() if config.data_path else None
    if path is None or path.is_dir():
        years = (*config.train_years, *config.validation_years, *config.test_years)
        table = gt.check_columns(gt.read_years(path, years), columns, config.nan_policy)
        groups = [config.train_years, config.validation_years, config.test_years]
        blocks = [[table[table.year == y] for y in group] for group in groups]
        return blocks, table.attrs["missing_values"], f"UCI gas turbine, years {years}"
    table = gt.check_columns(gt.read_table(path, config.time_column), columns, config.nan_policy)
    n_val, n_test = (
        int(len(table) * f) for f in (config.validation_fraction, config.test_fraction)
    )
    n_train = len(table) - n_val - n_test
    cuts = [
        table.iloc[:n_train],
        table.iloc[n_train : n_train + n_val],
        table.iloc[n_train + n_val :],
    ]
    return [[c] for c in cuts], table.attrs["missing_values"], f"CSV {path}"


def load_data(config: Config = Config()) -> NoxSplits:
    """Rows of each block as `(T, F)` feature arrays and `(T,)` targets, in time order.

    Windows are cut later (`make_windows`), so the window can be chosen on
    validation. The splits also hold the target's training mean and std (the
    network learns the standardized target) and the year of every test block.
    """
    (train, val, test), missing, source = _blocks(config)

    def arrays(blocks):
        return (
            [b[list(config.features)].to_numpy("float32") for b in blocks],
            [b[config.target].to_numpy("float32") for b in blocks],
        )

    (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = arrays(train), arrays(val), arrays(test)
    shortest = min(len(b) for b in (*x_tr, *x_va, *x_te))
    longest_window = config.window or max(config.window_choices)
    if longest_window > shortest:
        raise ValueError(
            f"The window is longer than the shortest block ({shortest} rows). "
            f"Received: window={longest_window}"
        )
    y_all = np.concatenate(y_tr)
    years = [int(b.year.iloc[0]) if "year" in b else i for i, b in enumerate(test)]
    return NoxSplits(
        x_tr, y_tr, x_va, y_va, x_te, y_te,
        source=source,
        target_mean=float(y_all.mean()),
        target_std=float(y_all.std()),
        test_years=years,
        missing_values=int(missing),
    )  # fmt: skip


def make_windows(xs, ys, k, sequence=False):
    """Stack the windows of several blocks; windows never cross a block boundary."""
    pairs = [gt.windows(x, k, y, sequence) for x, y in zip(xs, ys)]
    return np.concatenate([p[0] for p in pairs]), np.concatenate([p[1] for p in pairs])


def linear_fit(data: NoxSplits):
    """Least-squares coefficients and intercept: training rows to the standardized target."""
    from sklearn.linear_model import LinearRegression

    x, y = np.concatenate(data.x_train), np.concatenate(data.y_train)
    fitted = LinearRegression().fit(x, (y - data.target_mean) / data.target_std)
    return fitted.coef_, fitted.intercept_


def build_model(config: Config, data: NoxSplits):
    """The recurrent network, with a last layer that maps its output to NOx units.

    The head learns a standardized target; `target_scale` multiplies by the
    training target's std and adds its mean, so the saved model predicts in
    the data's own units. With `linear_path`, a linear regression of the
    current hour's features, fitted by least squares on the training rows and
    frozen, is added before that layer (`models.with_linear_path`): the
    network learns what the linear model misses, and the sum extrapolates
    like the linear model when the sensors leave their training range.
    """
    base = models.build_model(
        config.architecture,
        num_features=data.num_features,
        num_outputs=1,
        task="regression",
        output_mode=config.output_mode,
        units=config.units,
        dropout=config.dropout,
    )
    if config.linear_path:
        base = models.with_linear_path(base, *linear_fit(data))
    return models.with_target_scale(base, data.target_mean, data.target_std)


def _fit(config: Config, data: NoxSplits, k: int, callbacks=()):
    sequence = config.output_mode == "sequence"
    x, y = make_windows(data.x_train, data.y_train, k, sequence)
    xv, yv = make_windows(data.x_val, data.y_val, k, sequence)
    if config.training.seed is not None:
        keras.utils.set_random_seed(config.training.seed)
    model = build_model(config, data)
    options = config.training.options(validation_data=(xv, list(yv) if sequence else yv))
    target = list(y) if sequence else y
    history = training.train(model, x, target, options, callbacks=callbacks)
    xv_last, yv_last = make_windows(data.x_val, data.y_val, k)
    val_mae = float(np.mean(np.abs(recalibration.predict_rows(model, xv_last) - yv_last)))
    return model, history.history, val_mae


def train(config: Config = Config(), data: NoxSplits | None = None, *, callbacks=()) -> NoxRun:
    """Choose the window on validation (unless fixed), then keep that window's model.

    The returned run's Config has that window; `window_validation_mae` gives
    the validation MAE of every window tried. `callbacks` are extra Keras
    callbacks for every fit.
    """
    data = data or load_data(config)
    choices = (config.window,) if config.window else tuple(config.window_choices)
    best = None
    scores = {}
    for k in choices:
        model, history, val_mae = _fit(config, data, k, callbacks)
        scores[k] = val_mae
        if best is None or val_mae < best[2]:
            best = (model, history, val_mae, k)
    model, history, _, k = best
    return NoxRun(
        name=NAME,
        config=config.replace(window=k),
        model=model,
        history=history,
        data=data,
        window_validation_mae=scores,
    )


def evaluate(run: Run) -> dict[str, float]:
    """Test metrics of the LSTM and the baselines, without and with weekly recalibration.

    Names: `mae`, `rmse`, `r2`, `within_10pct` (the network, no recalibration),
    `recalibrated_*` (the network under the weekly protocol), and
    `<baseline>_*` / `<baseline>_recalibrated_*` for `linear`, `linear_lagged`,
    `hgb`, `hgb_lagged` and `linear_hgb` (gradient boosting on the linear
    model's residual, current hour); `*_mae_<year>` per test year;
    `*_recalibration_days`, the history length each recalibrated model chose
    on the validation weeks; `window`. The predictions of every model
    (a `recalibration.Comparison`) are kept in `run.predictions`.
    """
    config = run.config
    k = config.window
    if k is None:
        raise ValueError("The run's Config does not say which window the model reads; train it.")
    comparison = recalibration.compare(run.model, run.data, config, k)
    run.predictions = comparison
    truth, years = comparison.truth, comparison.year
    metrics = {}
    for key, predicted in comparison.predictions.items():
        prefix = "" if key == "lstm" else key.replace("lstm_", "") + "_"
        for name, value in regression_metrics(truth, predicted).items():
            metrics[f"{prefix}{name}"] = value
        for year in np.unique(years):
            mask = years == year
            metrics[f"{prefix}mae_{year}"] = float(np.mean(np.abs(predicted[mask] - truth[mask])))
    for key, choice in comparison.choices.items():
        prefix = "" if key == "lstm_recalibrated" else key.replace("_recalibrated", "") + "_"
        metrics[f"{prefix}recalibration_days"] = float(choice.days)
    metrics["window"] = float(k)
    return metrics


def predict(run: Run, inputs) -> list[tuple[str, float]]:
    """NOx (data units) for each `(k, F)` window of sensor readings, oldest row first."""
    out = training.predict(run.model, inputs)  # a list of (T_i, 1) arrays for "sequence" models
    values = [o[-1, 0] for o in out] if isinstance(out, list) else out[:, 0]
    return [("NOx", float(v)) for v in values]


def read_inputs(source, config: Config) -> list[np.ndarray]:
    """Windows from a .csv (a row per hour, oldest first, a column per feature) or .npy file."""
    return read_sequences(Path(source))


def sample_input(run: Run, directory) -> str:
    """Write the first full window of the test rows as a CSV in `directory`; returns its path."""
    import pandas as pd

    k = run.config.window or max(run.config.window_choices)
    path = Path(directory) / "sensor_window.csv"
    pd.DataFrame(run.data.x_test[0][:k], columns=list(run.config.features)).to_csv(
        path, index=False
    )
    return str(path)


def figures(run: Run, directory) -> list[Path]:
    """Training progress, predicted vs measured over time, a scatter and errors by year."""
    from lstm_apps import plots
    from lstm_apps.tasks.nox import plots as nox_plots

    directory = Path(directory)
    if run.predictions is None:
        evaluate(run)
    paths = [directory / "training_progress.png"]
    plots.plt.close(plots.plot_training_progress(run.history, paths[0]))
    return paths + nox_plots.plot_all(run.predictions, directory)
