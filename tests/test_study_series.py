"""The series study: a series without a season, a CSV, season inference, baselines fitted
(or skipped, and said so) before training, the report, and clear errors."""

from __future__ import annotations

import json
import logging

import keras
import numpy as np
import pandas as pd
import pytest

from lstm_apps.data.series import builtin_series
from lstm_apps.forecasting import Forecaster, one_step_forecasts, rolling_forecasts
from lstm_apps.forecasting.baselines import BASELINES
from lstm_apps.forecasting.season import infer_season
from lstm_apps.tasks import get_case_study, run_case_study
from lstm_apps.tasks.series import study

FIGURES = {"forecast.png", "one_step.png", "mase_by_horizon.png", "training_progress.png"}


@pytest.fixture(scope="module")
def nile_run(tmp_path_factory):
    """The non-seasonal Nile series with nothing set but the data (and the quick settings)."""
    folder = tmp_path_factory.mktemp("nile") / "run"
    config = study.Config.fast(data="nile", baselines=study.BASELINES)
    return run_case_study("series", config, output=folder), folder


def test_the_study_is_registered_and_names_the_shared_baselines():
    assert get_case_study("series") is study
    assert study.BASELINES == BASELINES  # config.py (Keras-free) repeats the shared names


def test_a_series_without_a_season_needs_no_other_setting(nile_run):
    run, folder = nile_run
    saved = json.loads((folder / "config.json").read_text())
    assert saved["config"]["data"] == "nile"  # what the run read
    assert run.config.season_length == 1 and run.data.season_length == 1
    assert "no lag from 2 to" in run.data.season_reason
    metrics = json.loads((folder / "metrics.json").read_text())["test"]
    for name in ("lstm", "naive", "ets", "arima"):  # ETS fits, without a season
        assert np.isfinite(metrics[f"{name}_mase_h1"]), name
    assert not any(key.startswith("seasonal_naive") for key in metrics)
    assert run.baselines.forms["ets"].endswith(",N)")  # ETS(A,?,N): no seasonal component
    assert set(run.baselines.skipped) == {"seasonal_naive"}
    assert "not seasonal" in run.baselines.skipped["seasonal_naive"]
    assert metrics["num_test_steps"] == 20 and metrics["horizon"] == 6


def test_report_predictions_and_figures_are_written(nile_run):
    run, folder = nile_run
    report = (folder / "report.md").read_text()
    for text in (
        "## Model comparison",
        "## Diagnostics",
        "## MASE by horizon",
        "95 % bootstrap",
        "seasonal_naive skipped: the series is not seasonal",
        "Against the naive",
    ):
        assert text in report, text
    files = {p.name for p in (folder / "predictions").iterdir()}
    assert files == {"lstm.csv", "naive.csv", "ets.csv", "arima.csv"}
    rows = pd.read_csv(folder / "predictions" / "naive.csv")
    values = run.data.values[:, 0]
    assert list(rows["id"]) == list(range(1951, 1971))  # one row per test year
    np.testing.assert_allclose(rows["true"], values[80:], rtol=1e-6)
    np.testing.assert_allclose(rows["predicted"], values[79:-1], rtol=1e-6)  # the year before
    assert {p.name for p in (folder / "figures").iterdir()} == FIGURES


def test_year_axes_tick_whole_years():
    from lstm_apps.tasks.series.plots import plot_one_step

    years = np.arange(1951, 1956)  # five years: matplotlib alone would tick 1951.5
    fig = plot_one_step(years, np.ones(5), {"naive": np.ones(5)})
    fig.canvas.draw()
    ticks = fig.axes[0].get_xticks()
    assert len(ticks) >= 2 and np.allclose(ticks, np.round(ticks)), ticks
    fig.clf()


def test_one_step_forecasts_are_the_first_step_of_closed_loop_forecasts(nile_run):
    run, _ = nile_run
    data = run.data
    origins = [data.fit_end, data.fit_end + 7, len(data.values) - 1]
    forecaster = Forecaster.from_model(run.model)
    one_step = one_step_forecasts(forecaster, data.values, data.fit_end)
    closed = rolling_forecasts(forecaster, data.values, origins, 1)
    np.testing.assert_allclose(one_step[np.array(origins) - data.fit_end], closed[:, 0], rtol=1e-4)
    for baseline in run.baselines.fitted.values():
        steps = baseline.one_step(data.values, data.fit_end)
        multi = baseline.forecasts(data.values, origins, 2)
        np.testing.assert_allclose(steps[np.array(origins) - data.fit_end], multi[:, 0], rtol=1e-5)


def test_a_csv_of_two_series_is_recorded_by_its_path_and_its_season_inferred(tmp_path):
    times, values, _, _ = builtin_series("airline")
    months = pd.DatetimeIndex(times).strftime("%Y-%m")
    path = tmp_path / "passengers.csv"
    table = pd.DataFrame({"month": months, "a": values[:, 0], "b": 2 * values[:, 0] + 5})
    table.sample(frac=1.0, random_state=0).to_csv(path, index=False)  # rows out of order
    config = study.Config.fast(data=str(path), baselines=("naive", "seasonal_naive"))
    folder = tmp_path / "run"
    run = run_case_study("series", config, output=folder)
    saved = json.loads((folder / "config.json").read_text())
    assert saved["config"]["data"] == run.config.data == str(path.resolve())
    assert run.data.season_length == 12 and "from the dates" in run.data.season_reason
    assert "seasonal_naive_mase_h1" in run.metrics and "mase_season" in run.metrics
    assert run.data.columns == ["a", "b"]  # two series, forecast together
    np.testing.assert_allclose(run.data.values[:3], np.c_[values[:3], 2 * values[:3] + 5])
    rows = pd.read_csv(folder / "predictions" / "lstm.csv")
    assert list(rows.columns) == ["id", "true_0", "true_1", "predicted_0", "predicted_1"]
    names = [label for label, _ in study.predict(run, [run.data.values[:30]])]
    assert names[:3] == ["t+1[0]", "t+1[1]", "t+2[0]"] and len(names) == 24


def test_season_inference(tmp_path):
    rng = np.random.default_rng(0)
    months = pd.date_range("1990-01", periods=240, freq="MS")
    seasonal = 10 + np.sin(2 * np.pi * np.arange(240) / 12) + 0.3 * rng.normal(size=240)
    noise = rng.normal(size=240)
    for name, column in (("seasonal", seasonal), ("noise", noise)):
        frame = pd.DataFrame({"month": months.strftime("%Y-%m-%d"), "value": column})
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    seasonal_data = study.load_data(study.Config(data=str(tmp_path / "seasonal.csv")))
    assert seasonal_data.season_length == 12 and seasonal_data.horizon == 12
    noise_data = study.load_data(study.Config(data=str(tmp_path / "noise.csv")))
    assert noise_data.season_length == 1 and "only" in noise_data.season_reason
    given = study.load_data(study.Config(data=str(tmp_path / "seasonal.csv"), season_length=6))
    assert given.season_length == 6 and "as given" in given.season_reason
    # no dates: the season comes from the autocorrelation alone (sunspots' 11-year cycle)
    assert study.load_data(study.Config(data="sunspots")).season_length == 11
    assert infer_season(rng.normal(size=(300, 1)))[0] == 1


def test_auto_transforms_follow_the_series():
    expected = {
        "nile": ("none", "log", "difference", "log_difference"),  # positive, a factor of 3
        "sunspots": ("none", "sqrt", "difference", "sqrt_difference"),  # zeros: square roots
        "co2": ("none", "difference"),  # 313-347 ppm: a log would be nearly linear
    }
    for name, transforms in expected.items():
        config = study.Config(data=name)
        assert study.candidate_transforms(config, study.load_data(config)) == transforms, name


def test_a_baseline_that_cannot_fit_is_skipped_and_logged_before_training(caplog):
    # a 40-year "season" on 65 training years: a seasonal ETS needs two full seasons
    config = study.Config.fast(data="nile", season_length=40, horizon=5,
                               baselines=("naive", "seasonal_naive", "ets"))  # fmt: skip
    marker = logging.getLogger("test_study_series")
    started = keras.callbacks.LambdaCallback(
        on_train_begin=lambda logs: marker.warning("network training starts")
    )
    with caplog.at_level(logging.WARNING):
        run = study.train(config, callbacks=[started])
    messages = [r.getMessage() for r in caplog.records]
    skipped = next(i for i, m in enumerate(messages) if "Baseline ets skipped" in m)
    assert "two full seasons" in messages[skipped]
    assert skipped < messages.index("network training starts")
    metrics = study.evaluate(run)
    assert "ets_mase_h1" not in metrics and "seasonal_naive_mase_h1" in metrics
    assert [s.name for s in run.predictions.comparison.skipped] == ["ets"]


@pytest.mark.parametrize(
    "changes, error, match",
    [
        (dict(data="no_such_series"), ValueError, r"CSV file or one of .* data='no_such_series'"),
        (dict(baselines=("naive", "prophet")), ValueError, "prophet"),
        (dict(baselines="naive"), TypeError, r"tuple of names .* baselines='naive'"),
        (dict(transform="cube"), ValueError, "cube"),
        (dict(data=""), ValueError, r"Received: data=''"),
        (dict(season_length=0), ValueError, r"season_length=0"),
        (dict(test_fraction=0.6), ValueError, "test_fraction"),
    ],
)
def test_bad_settings_are_refused_with_the_field(changes, error, match):
    with pytest.raises(error, match=match):
        study.load_data(study.Config(**changes))


def test_bad_csvs_are_refused_with_the_problem(tmp_path):
    short = tmp_path / "short.csv"
    pd.DataFrame({"t": range(10), "v": np.arange(10.0)}).to_csv(short, index=False)
    with pytest.raises(ValueError, match=r"10 steps: .* at least 12 training steps"):
        study.load_data(study.Config(data=str(short)))
    gaps = tmp_path / "gaps.csv"
    walk = np.cumsum(np.random.default_rng(0).normal(size=60))
    walk[::7] = np.nan
    pd.DataFrame({"t": range(60), "v": walk}).to_csv(gaps, index=False)
    with pytest.raises(ValueError, match="missing values .* Set `fill`"):
        study.load_data(study.Config(data=str(gaps)))
    assert study.load_data(study.Config(data=str(gaps), fill="interpolate")).missing_values == 9
    flat = tmp_path / "flat.csv"
    pd.DataFrame({"t": range(60), "v": np.ones(60)}).to_csv(flat, index=False)
    with pytest.raises(ValueError, match="MASE is undefined"):
        study.load_data(study.Config(data=str(flat)))
