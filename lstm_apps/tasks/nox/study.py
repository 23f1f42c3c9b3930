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

import keras
import numpy as np

from lstm_apps import models, training
from lstm_apps.data import gas_turbine as gt
from lstm_apps.data.inputs import Inputs, check_features, read_sequences
from lstm_apps.data.splits import Splits
from lstm_apps.evaluation import regression_metrics
from lstm_apps.runs import Run
from lstm_apps.tasks.nox import recalibration
from lstm_apps.tasks.nox.config import DESCRIPTION, NAME, Config  # noqa: F401 (re-exported)


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
    names = ("training", "validation", "test")
    shortest, block = min((len(b), n) for n, xs in zip(names, (x_tr, x_va, x_te)) for b in xs)
    longest_window = config.window or max(config.window_choices)
    if longest_window > shortest:
        csv = source.startswith("CSV")
        remedy = "validation_fraction and test_fraction" if csv else "the years"
        raise ValueError(
            f"The window is longer than the shortest block ({shortest} rows, in the {block} "
            f"block): use a shorter window, or more rows there ({remedy}). "
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
    check_features(inputs, run.model.input_shape[-1])
    out = training.predict(run.model, inputs)  # a list of (T_i, 1) arrays for "sequence" models
    values = [o[-1, 0] for o in out] if isinstance(out, list) else out[:, 0]
    return [("NOx", float(v)) for v in values]


def read_inputs(source, config: Config) -> Inputs:
    """Windows from a .csv (a row per hour, oldest first, a column per feature) or .npy file.

    A CSV with a header is read by column name (`config.features`, in any order).
    """
    return read_sequences(source, NAME, columns=config.features)


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
