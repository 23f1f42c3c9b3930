"""The NOx case study: the gas-turbine data, windows, the weekly protocol and the CLI."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import pytest
from conftest import predicted_rows, real_file
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LinearRegression

from lstm_apps import models
from lstm_apps.cli import main
from lstm_apps.data import gas_turbine as gt
from lstm_apps.tasks import get_case_study, load_run, nox, parse_overrides
from lstm_apps.tasks.nox import recalibration
from lstm_apps.tasks.nox.recalibration import (
    HOURS_PER_WEEK,
    LinearThenBoosting,
    _weeks,
    predict_rows,
)

YEAR_ROWS = {2011: 7411, 2012: 7628, 2013: 7152, 2014: 7158, 2015: 7384}


@pytest.fixture(scope="module")
def fast_run(shared_data, tmp_path_factory):
    run = nox.train(nox.Config.fast(training=dict(verbose=0)))
    run.metrics = nox.evaluate(run)
    return run


def test_the_five_years_have_the_uci_sizes(shared_data):
    table = gt.read_years(real_file(shared_data, "gas_turbine"))
    assert len(table) == 36_733
    assert table.groupby("year").size().to_dict() == YEAR_ROWS
    assert list(table.columns[:11]) == [*gt.FEATURES, *gt.TARGETS]
    for year, frame in table.groupby("year"):
        assert gt.content_sha256(frame.drop(columns="year")) == gt.CONTENT_SHA256[year]


def test_download_checks_the_content_and_caches(shared_data, tmp_path, monkeypatch):
    folder = real_file(shared_data, "gas_turbine")
    archive = tmp_path / "uci.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for year in gt.YEARS:
            out.write(folder / f"gt_{year}.csv", f"data/gt_{year}.csv")
    monkeypatch.setenv("LSTM_APPS_CACHE_DIR", str(tmp_path / "cache"))
    wrong = {**gt.CONTENT_SHA256, 2014: "0" * 64}
    with pytest.raises(ValueError, match="gt_2014.csv .* content sha256 .* expected 000"):
        gt.fetch(url=archive.resolve().as_uri(), expected=wrong)
    assert not (tmp_path / "cache").exists()
    cached = gt.fetch(url=archive.resolve().as_uri())
    assert len(gt.read_years(cached)) == 36_733


def test_column_checks_name_the_problem():
    frame = pd.DataFrame({"t": [3, 1, 2, 4], "a": [1.0, np.nan, 3.0, 4.0], "y": [1, 2, 3, 4]})
    with pytest.raises(ValueError, match=r"Missing columns \['b'\]. Columns present: \['t', 'a'"):
        gt.check_columns(frame, ["a", "b"])
    with pytest.raises(ValueError, match="1 missing or infinite values .*row 1"):
        gt.check_columns(frame, ["a", "y"])
    dropped = gt.check_columns(frame, ["a", "y"], nan_policy="drop")
    assert len(dropped) == 3 and dropped.attrs["missing_values"] == 1
    filled = gt.check_columns(frame, ["a", "y"], nan_policy="interpolate")
    assert filled["a"].tolist() == [1.0, 2.0, 3.0, 4.0]
    text = frame.assign(a=["1", "2", "x3", "4"])
    with pytest.raises(ValueError, match="Non-numeric value 'x3' in column 'a', row 2"):
        gt.check_columns(text, ["a"])
    with pytest.raises(ValueError, match="nan_policy='skip'"):
        gt.check_columns(frame, ["a"], nan_policy="skip")


def test_windows_end_at_every_row_and_pad_the_start():
    values = np.arange(10, dtype="float32").reshape(5, 2)
    x, y = gt.windows(values, 3, np.arange(5))
    assert x.shape == (5, 3, 2) and y.tolist() == [0, 1, 2, 3, 4]
    np.testing.assert_array_equal(x[0], [[0, 1]] * 3)
    np.testing.assert_array_equal(x[4], values[2:5])
    _, y_seq = gt.windows(values, 3, np.arange(5), sequence=True)
    assert y_seq[4].tolist() == [2, 3, 4]
    with pytest.raises(ValueError, match="block length \\(5 rows\\). Received: window=6"):
        gt.windows(values, 6)


def test_weeks_stay_inside_a_year():
    is_test = np.r_[np.zeros(10, bool), np.ones(400, bool)]
    years = np.r_[np.full(10, -1), np.full(200, 2014), np.full(200, 2015)]
    spans = _weeks(is_test, years)
    assert spans[0] == (10, 10 + HOURS_PER_WEEK)
    assert sum(b - a for a, b in spans) == 400
    assert all(len(set(years[a:b])) == 1 for a, b in spans)
    assert len(_weeks(is_test, years, max_weeks=2)) == 2


def test_fast_run_learns_and_recalibration_helps(fast_run):
    m = fast_run.metrics
    truth = fast_run.predictions.truth
    mean_guess = np.mean(np.abs(truth - fast_run.data.target_mean))
    assert m["mae"] < mean_guess
    for prefix in ("", "recalibrated_", "linear_", "hgb_lagged_recalibrated_"):
        assert {f"{prefix}{k}" for k in ("mae", "rmse", "r2", "within_10pct")} <= set(m)
    assert m["linear_recalibrated_mae"] < m["linear_mae"]  # the drift is real
    assert len(truth) == 2 * HOURS_PER_WEEK and m["window"] == 6
    assert fast_run.config.window == 6 and list(fast_run.window_validation_mae) == [6]
    assert fast_run.data.test_years == [2014, 2015] and fast_run.data.missing_values == 0


def test_recalibration_section_drives_the_weekly_updates(fast_run):
    config = fast_run.config
    faster = config.replace(recalibration=dict(initial_learn_rate=0.02))
    base = recalibration.compare(fast_run.model, fast_run.data, config, 6, progress=False)
    other = recalibration.compare(fast_run.model, fast_run.data, faster, 6, progress=False)
    np.testing.assert_array_equal(base.predictions["lstm"], other.predictions["lstm"])
    np.testing.assert_allclose(
        base.predictions["lstm_recalibrated"], fast_run.predictions.predictions["lstm_recalibrated"]
    )  # the walk is seeded by training.seed: the same predictions again
    changed = base.predictions["lstm_recalibrated"] - other.predictions["lstm_recalibrated"]
    assert np.mean(np.abs(changed)) > 0.01
    np.testing.assert_array_equal(  # the baselines do not read the section
        base.predictions["linear_recalibrated"], other.predictions["linear_recalibrated"]
    )


def test_old_recalibration_names_map_to_the_recalibration_section():
    assert get_case_study("nox") is nox.study
    with pytest.warns(FutureWarning) as caught:
        changes = parse_overrides(
            nox.Config, ["recalibration_epochs=3", "recalibration_learn_rate=0.01", "loss=mse"]
        )
    assert [str(w.message).split(" is deprecated")[0] for w in caught] == [
        "`recalibration_epochs`",
        "`recalibration_learn_rate`",
        "`loss`",
    ]
    assert changes == {
        "recalibration.max_epochs": 3,
        "recalibration.initial_learn_rate": 0.01,
        "training.loss": "mse",
    }
    config = nox.Config().replace(**changes)
    assert (config.recalibration.max_epochs, config.recalibration.initial_learn_rate) == (3, 0.01)
    assert config.recalibration.loss == "mae" and config.recalibration.gradient_threshold == 1.0
    assert config.training.initial_learn_rate == 0.002 and config.training.max_epochs == 30
    with pytest.warns(FutureWarning, match="use `recalibration.initial_learn_rate`"):
        assert (
            nox.Config().replace(recalibration_learn_rate=0.5).recalibration.initial_learn_rate
            == 0.5
        )
    training = nox.Config().training
    assert (training.gradient_threshold, training.bucket_by_length, training.loss) == (
        1.0, False, "mae")  # fmt: skip


def test_config_errors(shared_data):
    with pytest.raises(ValueError, match="window=0"):
        nox.Config(window=0)
    with pytest.raises(ValueError, match="output_mode"):
        nox.Config(output_mode="all")
    with pytest.raises(ValueError, match="longer than the shortest block .* window=9000"):
        nox.load_data(nox.Config.fast(window=9000))
    with pytest.raises(ValueError, match="max_epochs.*Received: max_epochs=0"):
        nox.Config().replace(recalibration=dict(max_epochs=0))
    for days in (0, (), (7, 0), "7", True):
        with pytest.raises(ValueError, match=re.escape(f"Received: recalibration_days={days!r}")):
            nox.Config(recalibration_days=days)
    with pytest.raises(ValueError, match="loss.*Received: loss='l1'"):
        nox.Config().replace(training=dict(loss="l1"))
    with pytest.raises(ValueError, match="True or False. Received: linear_path='yes'"):
        nox.Config(linear_path="yes")


def test_custom_csv_sequence_to_sequence(tmp_path, shared_data):
    table = gt.read_years(real_file(shared_data, "gas_turbine"), years=(2011,)).iloc[:3000]
    table = table.assign(hour=np.arange(len(table))).sample(frac=1.0, random_state=0)
    path = tmp_path / "plant.csv"
    table.drop(columns="year").to_csv(path, index=False)
    changes = parse_overrides(
        nox.Config,
        [f"data_path={path}", "time_column=hour", "features=('AT', 'TIT', 'TEY')",
         "target=NOX", "output_mode=sequence", "max_test_weeks=1", "recalibration_days=7"],
    )  # fmt: skip
    config = nox.Config.fast(**changes, training=dict(verbose=0))
    data = nox.load_data(config)
    assert data.num_features == 3 and len(data.x_test[0]) == 600
    assert data.test_years == [0] and data.source == f"CSV {path}"
    np.testing.assert_allclose(data.y_train[0][:5], table.sort_values("hour").NOX[:5])
    run = nox.train(config, data)
    assert len(run.model.output_shape) == 3
    metrics = nox.evaluate(run)
    assert np.isfinite(metrics["recalibrated_mae"])
    choice = run.predictions.choices["lstm_recalibrated"]
    assert metrics["recalibration_days"] == choice.days == 7 and not choice.validation_mae


def test_each_model_chooses_its_recalibration_history_on_validation(tmp_path, shared_data):
    table = gt.read_years(real_file(shared_data, "gas_turbine"), years=(2014,)).iloc[:2400]
    path = tmp_path / "plant.csv"
    table.drop(columns="year").assign(hour=np.arange(len(table))).to_csv(path, index=False)
    config = nox.Config.fast(
        data_path=str(path), time_column="hour", recalibration_days=(1, 4), training=dict(verbose=0)
    )
    data = nox.load_data(config)  # 480 validation rows: three weeks, the last one partial
    run = nox.train(config, data)
    metrics = nox.evaluate(run)
    choices = run.predictions.choices
    assert set(choices) == {
        f"{m}_recalibrated"
        for m in ("lstm", "linear", "linear_lagged", "hgb", "hgb_lagged", "linear_hgb")
    }
    for key, choice in choices.items():
        scores = choice.validation_mae
        assert set(scores) == {1, 4} and all(np.isfinite(v) for v in scores.values())
        assert choice.days == min(scores, key=scores.get)
        prefix = "" if key == "lstm_recalibrated" else key.replace("recalibrated", "")
        assert metrics[f"{prefix}recalibration_days"] == choice.days
    # the walk over the validation weeks is real: one day of history and four differ
    assert len({round(v, 6) for c in choices.values() for v in c.validation_mae.values()}) > 5


def test_cli_run_writes_figures_evaluates_and_predicts(tmp_path, shared_data, capsys):
    out = tmp_path / "run"
    argv = ["run", "nox", "--fast", "--set", "training.max_epochs=1", "--set", "max_test_weeks=1"]
    assert main([*argv, "--output", str(out)]) == 0
    saved = json.loads((out / "metrics.json").read_text())["test"]
    for name in ("nox_over_time", "nox_scatter", "nox_errors_by_year", "training_progress"):
        assert (out / "figures" / f"{name}.png").stat().st_size > 1000
    config = json.loads((out / "config.json").read_text())["config"]
    assert config["window"] == 6 and config["recalibration"]["max_epochs"] == 1
    capsys.readouterr()
    assert main(["evaluate", str(out), "--json"]) == 0
    assert abs(json.loads(capsys.readouterr().out)["mae"] - saved["mae"]) < 1e-3
    _, run = load_run(out, with_data=True)
    sample = nox.sample_input(run, tmp_path)
    assert main(["predict", str(out), sample]) == 0
    ((key, label, value),) = predicted_rows(capsys.readouterr().out)
    assert key == Path(sample).name
    expected = predict_rows(run.model, run.data.x_test[0][None, :6])[0]
    assert label == "NOx" and float(value) == pytest.approx(expected, abs=1e-3)
    (pair,) = nox.predict(run, nox.read_inputs(sample, run.config))
    assert pair[0] == "NOx" and type(pair[1]) is float


def test_data_loaded_once_serves_both_output_modes(shared_data):
    base = nox.Config.fast(training=dict(verbose=0, max_epochs=1), max_test_weeks=1)
    data = nox.load_data(base)
    run = nox.train(base.replace(output_mode="sequence"), data)
    assert run.config.output_mode == "sequence" and run.config.window == 6
    assert np.isfinite(nox.evaluate(run)["recalibrated_mae"])
    assert run.predictions.predictions["lstm_recalibrated"].shape == run.predictions.truth.shape


@pytest.mark.parametrize("output_mode", ["last", "sequence"])
def test_linear_path_is_the_least_squares_model_plus_a_trained_residual(
    shared_data, tmp_path, output_mode
):
    config = nox.Config.fast(linear_path=True, output_mode=output_mode, training=dict(verbose=0))
    data = nox.load_data(config)
    x, y = nox.make_windows(data.x_test, data.y_test, config.window)
    rows = np.concatenate(data.x_train)
    least_squares = LinearRegression().fit(rows, np.concatenate(data.y_train))
    model = nox.build_model(config, data)
    head = model.get_layer("head")
    head.set_weights([np.zeros_like(w) for w in head.get_weights()])
    # with the network's residual at zero, the model is the least-squares line, in mg/m3
    np.testing.assert_allclose(predict_rows(model, x), least_squares.predict(x[:, -1]), atol=2e-3)
    run = nox.train(config, data)
    linear = run.model.get_layer("linear_path")
    assert not linear.trainable
    np.testing.assert_allclose(
        linear.get_weights()[0][:, 0] * data.target_std, least_squares.coef_, rtol=1e-4
    )
    learned = predict_rows(run.model, x)
    assert np.mean(np.abs(learned - least_squares.predict(x[:, -1]))) > 0.01  # a residual
    alone = nox.build_model(config.replace(linear_path=False), data)
    assert models.learnable_parameters(run.model) == models.learnable_parameters(alone)
    path = tmp_path / "model.keras"
    run.model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(predict_rows(loaded, x), learned, atol=1e-4)


def test_with_linear_path_checks_the_coefficients():
    network = models.build_model("lstm", num_features=3, num_outputs=1, task="regression")
    with pytest.raises(ValueError, match=r"\(3, 1\) .* Received: shape \(4, 1\)"):
        models.with_linear_path(network, np.ones(4), 0.0)


def test_linear_then_boosting_extrapolates_like_its_linear_part():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (500, 1))
    y = 3 * x[:, 0] + 0.2 * np.sin(12 * x[:, 0])
    beyond = np.array([[2.0]])  # outside the training range
    hybrid = LinearThenBoosting().fit(x, y)
    trees = HistGradientBoostingRegressor(random_state=0).fit(x, y)
    assert abs(hybrid.predict(beyond)[0] - 6.0) < 0.5
    assert trees.predict(beyond)[0] < 3.5  # the trees stay at the edge of what they saw
    inside = x[:50]
    np.testing.assert_allclose(
        hybrid.predict(inside),
        hybrid.linear_.predict(inside) + hybrid.trees_.predict(inside),
    )
    assert np.mean(np.abs(hybrid.predict(x) - y)) < np.mean(np.abs(hybrid.linear_.predict(x) - y))
