"""Forecasting: Forecaster state semantics, bad input, a real series, the CSV path and the CLI."""

from __future__ import annotations

import json

import keras
import numpy as np
import pandas as pd
import pytest
from conftest import predicted_rows

from lstm_apps.cli import main
from lstm_apps.data.series import builtin_series
from lstm_apps.forecasting import (
    DEFAULT_TRAINING,
    TRANSFORMS,
    Forecaster,
    build_network,
    mase_scale,
    next_targets,
    rolling_forecasts,
)
from lstm_apps.forecasting.network import transform_name, transform_parts
from lstm_apps.tasks import forecasting as fc
from lstm_apps.tasks import get_case_study, load_run, parse_overrides
from lstm_apps.training import TrainingConfig


def fit(**changes) -> TrainingConfig:
    """The Forecaster's default fit with some settings changed."""
    return DEFAULT_TRAINING.replace(**changes)


@pytest.fixture(scope="module")
def airline():
    return builtin_series("airline")[1]  # (144, 1) monthly passengers


@pytest.fixture(scope="module")
def fitted(airline):
    """A barely trained forecaster: the state semantics do not depend on the training."""
    keras.utils.set_random_seed(0)
    forecaster = Forecaster(
        units=8,
        dropout=0.2,
        transform="log_difference",
        window=24,
        stride=4,
        training=fit(max_epochs=1),
    )
    return forecaster.fit(airline[:96])


def test_closed_loop_feeds_back_its_own_predictions(fitted, airline):
    fitted.reset_state(num_series=1)
    first = fitted.predict_and_update_state(airline[:96])
    closed = fitted.forecast(6)
    np.testing.assert_allclose(fitted.forecast(6), closed)  # forecasting leaves the state alone
    steps = [first]
    for _ in range(5):
        steps.append(fitted.predict_and_update_state(steps[-1][:, None, :]))
    assert closed.shape == (1, 6, 1)
    np.testing.assert_allclose(closed[0], np.concatenate(steps), rtol=1e-5)


def test_open_loop_with_the_truth_gives_one_step_predictions(fitted, airline):
    fitted.reset_state()
    one_step = [fitted.predict_and_update_state(airline[:96])]
    open_loop = fitted.forecast(12, mode="open", observed=airline[96:107])
    for t in range(96, 107):
        one_step.append(fitted.predict_and_update_state(airline[t : t + 1]))
    np.testing.assert_allclose(open_loop[0], np.concatenate(one_step), rtol=1e-5)


def test_reset_state_forgets_the_history(fitted, airline):
    fitted.reset_state()
    before = fitted.predict_and_update_state(airline[:60])
    fitted.predict_and_update_state(airline[60:90])
    fitted.reset_state()
    with pytest.raises(ValueError, match="read no values yet"):
        fitted.forecast(3)
    np.testing.assert_allclose(fitted.predict_and_update_state(airline[:60]), before, rtol=1e-6)


def test_a_batch_of_series_matches_one_by_one(fitted, airline):
    origins = [40, 96, 120]
    batch = rolling_forecasts(fitted, airline, origins, 12)
    for k, origin in enumerate(origins):
        fitted.reset_state(num_series=1)
        fitted.predict_and_update_state(airline[:origin])
        np.testing.assert_allclose(batch[k], fitted.forecast(12)[0], rtol=1e-4)
    pair = np.stack([airline[:50], airline[50:100]])
    fitted.reset_state(num_series=2)
    together = fitted.predict_and_update_state(pair)
    for i in range(2):
        fitted.reset_state(num_series=1)
        np.testing.assert_allclose(together[i], fitted.predict_and_update_state(pair[i])[0], 1e-5)


def test_monte_carlo_dropout_samples(fitted, airline):
    fitted.reset_state(num_series=1)
    fitted.predict_and_update_state(airline[:96])
    samples = fitted.forecast(12, num_samples=30)
    assert samples.shape == (30, 1, 12, 1) and samples.std(axis=0).min() > 0
    median, lower, upper = fitted.forecast_interval(12, num_samples=30)
    assert np.all(lower <= median) and np.all(median <= upper)
    plain = Forecaster.from_model(build_network(num_features=1, offset=0.0, scale=1.0))
    plain.predict_and_update_state(airline[:10])
    with pytest.raises(ValueError, match="need a network with dropout. Received: dropout=0.0"):
        plain.forecast(3, num_samples=5)


def test_multivariate_series_and_saved_model(tmp_path, airline):
    two = np.hstack([airline, np.sqrt(airline)])
    forecaster = Forecaster(
        units=4, transform="log_difference", window=24, stride=12, training=fit(max_epochs=1)
    )
    forecaster.fit(two[:100])
    assert forecaster.forecast(5).shape == (1, 5, 2)
    forecaster.model_.save(tmp_path / "model.keras")
    loaded = Forecaster.from_model(keras.models.load_model(tmp_path / "model.keras"))
    forecaster.reset_state()
    np.testing.assert_allclose(
        loaded.predict_and_update_state(two[:80]),
        forecaster.predict_and_update_state(two[:80]),
        1e-5,
    )
    with pytest.raises(ValueError, match="has 1 value columns per step, but .* fitted on 2"):
        forecaster.predict_and_update_state(airline[:10])


@pytest.mark.parametrize("transform", TRANSFORMS)
def test_every_transform_is_saved_inside_the_model(tmp_path, airline, transform):
    assert transform_name(*transform_parts(transform)) == transform
    keras.utils.set_random_seed(0)
    forecaster = Forecaster(
        units=4, transform=transform, window=24, stride=12, training=fit(max_epochs=1)
    )
    forecaster.fit(airline[:72])
    forecaster.model_.save(tmp_path / "model.keras")
    loaded = Forecaster.from_model(keras.models.load_model(tmp_path / "model.keras"))
    assert loaded.transform == transform
    forecaster.reset_state()
    np.testing.assert_allclose(
        loaded.predict_and_update_state(airline[:60]),
        forecaster.predict_and_update_state(airline[:60]),
        1e-5,
    )
    assert np.all(np.isfinite(forecaster.forecast(12)))


def test_square_root_transforms_keep_counts_non_negative(airline):
    counts = np.r_[0.0, 4.0, 9.0, 1.0][:, None]
    np.testing.assert_allclose(next_targets(counts, "sqrt"), [[2.0], [3.0], [1.0]])
    np.testing.assert_allclose(next_targets(counts, "sqrt_difference"), [[2.0], [1.0], [-2.0]])
    keras.utils.set_random_seed(0)
    forecaster = Forecaster(
        units=4, transform="sqrt_difference", window=24, training=fit(max_epochs=1)
    )
    forecaster.fit(airline[:72])
    # the network predicts the change of the square root; the forecaster turns it into a value
    change = forecaster.model_.predict(airline[None, :60], verbose=0)[0, -1]
    forecaster.reset_state()
    expected = np.square(np.maximum(np.sqrt(airline[59]) + change, 0.0))
    np.testing.assert_allclose(forecaster.predict_and_update_state(airline[:60])[0], expected, 1e-4)
    with pytest.raises(ValueError, match="needs non-negative values; .* minimum of -1.0"):
        Forecaster(transform="sqrt").fit(np.r_[-1.0, airline[:30, 0]])
    zeros_allowed = Forecaster(units=4, transform="sqrt", window=8, training=fit(max_epochs=1))
    forecast = zeros_allowed.fit(np.r_[0.0, airline[:30, 0]]).forecast(24)
    assert np.all(forecast >= 0)


def test_bad_input_errors_name_the_problem(fitted, airline):
    with pytest.raises(RuntimeError, match="not fitted yet"):
        Forecaster().forecast(3)
    with pytest.raises(
        ValueError, match="`horizon` must be a positive integer. Received: horizon=0"
    ):
        fitted.forecast(0)
    with pytest.raises(ValueError, match="horizon=0"):
        fc.Config(horizon=0)
    with pytest.raises(
        ValueError, match=r"`series\[0\]` has 30 steps, fewer than window \+ 1 = 49"
    ):
        Forecaster(window=48).fit(airline[:30])
    gappy = airline[:60].copy()
    gappy[[7, 9]] = np.nan
    with pytest.raises(
        ValueError, match=r"contains 2 NaN or inf values \(first at index \(7, 0\)\)"
    ):
        Forecaster().fit(gappy)
    with pytest.raises(ValueError, match="needs positive values; .* minimum of -1.0"):
        Forecaster(transform="log").fit(np.r_[-1.0, airline[:20, 0]])
    with pytest.raises(ValueError, match="bidirectional network cannot forecast"):
        build_network("bilstm", num_features=1, offset=0.0, scale=1.0)
    with pytest.raises(ValueError, match="architecture='bilstm'"):
        fc.Config(architecture="bilstm")
    fitted.reset_state()
    fitted.predict_and_update_state(airline[:20])
    with pytest.raises(ValueError, match=r"`observed` of shape \(1, >= 11, 1\). Received: shape"):
        fitted.forecast(12, mode="open", observed=airline[20:25])


def test_co2_gaps_are_interpolated_by_default():
    data = fc.load_data(fc.Config.fast(series="co2"))
    assert data.missing_values == 59 and data.season_length == 52
    assert np.all(np.isfinite(data.values))
    assert (data.num_train, data.num_validation, data.num_test) == (1484, 343, 457)
    assert data.fit_end == data.num_train + data.num_validation == len(data.values) - 457
    with pytest.raises(ValueError, match="Column 'co2' has 59 missing values .* Set `fill`"):
        fc.load_data(fc.Config.fast(series="co2", fill="error"))


def test_fast_training_beats_the_naive_forecast_on_validation():
    data = fc.load_data(fc.Config(series="sunspots"))
    train, val = data.x_train[0], data.x_val[0]
    forecaster = Forecaster(
        units=16, transform="difference", window=22, training=fit(max_epochs=15)
    ).fit(train)
    first = forecaster.predict_and_update_state(train)  # read the training part
    one_step = forecaster.forecast(len(val), mode="open", observed=val)[0]
    np.testing.assert_allclose(one_step[0], first[0])
    naive = np.r_[train[-1:], val[:-1]]  # the value before each validation step
    lstm_mae, naive_mae = np.mean(np.abs(one_step - val)), np.mean(np.abs(naive - val))
    assert lstm_mae < naive_mae, (lstm_mae, naive_mae)


def test_custom_csv_with_two_columns(tmp_path, airline):
    months = pd.date_range("1949-01", periods=144, freq="MS").strftime("%Y-%m")
    table = pd.DataFrame({"month": months, "a": airline[:, 0], "b": 2 * airline[:, 0] + 5})
    path = tmp_path / "sales.csv"
    table.sample(frac=1.0, random_state=0).to_csv(path, index=False)  # rows out of order
    changes = parse_overrides(fc.Config, [f"data={path}", "target=('a', 'b')"])
    config = fc.Config.fast(**changes, time_column="month")
    data = fc.load_data(config)
    assert data.season_length == 12  # inferred from the monthly dates
    np.testing.assert_allclose(data.values[:3, 0], airline[:3, 0])
    run = fc.train(config, data)
    assert run.config.season_length == run.config.horizon == 12  # kept for a saved run
    assert run.config.series is None and run.config.data == str(path)  # what the run read
    metrics = fc.evaluate(run)
    assert np.isfinite(metrics["mase_h1"]) and "ets_mase_season" in metrics
    names = [name for name, _ in fc.predict(run, [airline[:30].repeat(2, 1)])]
    assert len(names) == 24 and names[:3] == ["t+1[0]", "t+1[1]", "t+2[0]"]
    with pytest.raises(ValueError, match=r"Unknown column\(s\) \['c'\] .* \['month', 'a', 'b'\]"):
        fc.load_data(config.replace(target="c"))
    table.loc[5, "a"] = np.nan
    table.to_csv(path, index=False)
    with pytest.raises(ValueError, match="Column 'a' has 1 missing values .* Set `fill`"):
        fc.load_data(config)
    assert fc.load_data(config.replace(fill="interpolate")).missing_values == 1
    table.assign(month=np.arange(144)).to_csv(path, index=False)  # no dates: from the data
    assert fc.load_data(config.replace(fill="interpolate")).season_length == 12
    table.iloc[:40].to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"40 steps, too few for window \+ horizon = 48 \+ 12"):
        fc.load_data(config.replace(fill="interpolate", season_length=12))


def test_a_series_without_a_season_needs_no_setting(tmp_path):
    _, values, _, _ = builtin_series("nile")  # yearly, no season
    path = tmp_path / "nile.csv"
    pd.DataFrame({"year": np.arange(1871, 1971), "flow": values[:, 0]}).to_csv(path, index=False)
    config = fc.Config.fast(data=str(path))
    data = fc.load_data(config)
    assert data.season_length == 1 and data.window == 48  # inferred: no season
    metrics = fc.evaluate(fc.train(config, data))  # ETS without a season, no ets=False needed
    assert np.isfinite(metrics["ets_mase_h1"]) and np.isfinite(metrics["mase_h1"])


def test_mase_scale_is_the_in_sample_seasonal_naive_error():
    train = np.array([1.0, 2.0, 4.0, 2.0, 3.0, 7.0])
    np.testing.assert_allclose(mase_scale(train, 2), [(3 + 0 + 1 + 5) / 4])


def test_cli_run_predict_and_evaluate(tmp_path, airline, capsys):
    out = tmp_path / "run"
    assert main(["run", "forecasting", "--fast", "--output", str(out)]) == 0
    saved = json.loads((out / "metrics.json").read_text())["test"]
    assert {"mase_h1", "mase_season", "seasonal_naive_mase_h1", "ets_mase_season"} <= set(saved)
    for name in ("training_progress", "forecast", "mase_by_horizon"):
        assert (out / "figures" / f"{name}.png").stat().st_size > 1000
    np.save(tmp_path / "history.npy", airline[:100])
    capsys.readouterr()
    assert main(["predict", str(out), str(tmp_path / "history.npy")]) == 0
    rows = predicted_rows(capsys.readouterr().out)
    assert [label for _, label, _ in rows] == [f"t+{h}" for h in range(1, 13)]
    assert {key for key, _, _ in rows} == {"history.npy"}
    assert main(["evaluate", str(out), "--json"]) == 0
    assert abs(json.loads(capsys.readouterr().out)["mase_h1"] - saved["mase_h1"]) < 1e-4
    # a run loaded from its folder: figures recompute the backtest, predict reads a sample
    module, run = load_run(out, with_data=True)
    assert run.predictions is None
    paths = module.figures(run, tmp_path / "again")
    assert {"forecast.png", "mase_by_horizon.png"} <= {p.name for p in paths}
    assert all(p.stat().st_size > 1000 for p in paths)
    argument = module.sample_input(run, tmp_path)
    pairs = module.predict(run, module.read_inputs(argument, run.config))
    assert [label for label, _ in pairs] == [f"t+{h}" for h in range(1, 13)]
    assert all(np.isfinite(value) for _, value in pairs)


def test_a_tuple_of_transforms_is_chosen_on_validation():
    sunspots = fc.Config(series="sunspots")
    data = fc.load_data(fc.Config.fast(series="sunspots"))
    assert fc.candidate_transforms(sunspots, data.values) == ("sqrt", "sqrt_difference")
    auto = fc.candidate_transforms(sunspots.replace(transform="auto"), data.values)
    assert auto == ("none", "difference")  # sunspot numbers can be 0: no log
    config = fc.Config.fast(series="sunspots", transform=("sqrt", "sqrt_difference"))
    run = fc.train(config, data)
    scores = run.validation_mase
    assert set(scores) == {"sqrt", "sqrt_difference"}
    assert run.config.transform == min(scores, key=scores.get)
    with pytest.raises(ValueError, match=r"empty tuple. Received: transform=\(\)"):
        fc.Config(transform=())
    with pytest.raises(ValueError, match="'cube'"):
        fc.Config(transform=("sqrt", "cube"))


def test_the_study_meets_the_contract_and_keeps_its_training_defaults():
    assert get_case_study("forecasting") is fc.study
    training = fc.Config().training
    assert (training.max_epochs, training.mini_batch_size, training.initial_learn_rate) == (
        200,
        32,
        0.005,
    )
    assert (training.validation_patience, training.gradient_threshold, training.shuffle) == (
        20,
        1.0,
        "every-epoch",
    )
    assert fc.Config.fast().training.max_epochs == 3
    with pytest.warns(FutureWarning) as caught:
        changes = parse_overrides(fc.Config, ["max_epochs=7", "initial_learn_rate=0.01"])
    assert ["use `training.max_epochs`" in str(w.message) for w in caught] == [True, False]
    assert changes == {"training.max_epochs": 7, "training.initial_learn_rate": 0.01}
    assert fc.Config().replace(**changes).training.max_epochs == 7


def test_forecaster_fits_with_its_training_config(airline):
    settings = fit(max_epochs=3, mini_batch_size=2, validation_patience=50, seed=3)
    forecaster = Forecaster(units=4, window=24, stride=12, training=settings)
    assert forecaster.seed == 3
    forecaster.fit(airline[:72], airline[72:96])
    assert [len(forecaster.history_[k]) for k in ("loss", "val_loss")] == [3, 3]
    with pytest.warns(FutureWarning, match=r"Forecaster\(max_epochs=...\) is deprecated"):
        old = Forecaster(units=4, window=24, stride=12, max_epochs=2)
    assert old.training == DEFAULT_TRAINING.replace(max_epochs=2)
    with pytest.raises(TypeError, match="unexpected keyword arguments: \\['epochs'\\]"):
        Forecaster(epochs=2)
    with pytest.raises(TypeError, match="must be a lstm_apps.training.TrainingConfig"):
        Forecaster(training={"max_epochs": 2})
    seen = []
    callback = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch))
    Forecaster(units=4, window=24, stride=12, training=fit(max_epochs=2)).fit(
        airline[:72], callbacks=[callback]
    )
    assert seen == [0, 1]


def test_early_stopping_can_watch_the_validation_steps_alone(airline):
    from lstm_apps.forecasting.stopping import StepValidation

    settings = fit(max_epochs=6, validation_patience=2, seed=0)
    forecaster = Forecaster(units=4, window=24, stride=12, training=settings, validate_on="steps")
    forecaster.fit(airline[:72], airline[72:96])
    losses = forecaster.history_["val_loss"]
    assert 1 <= len(losses) <= 6 and len(losses) == len(forecaster.history_["loss"])
    model = forecaster.model_
    norm = model.get_layer("normalization")
    core = keras.Model(model.input, model.get_layer("head").output)
    again = StepValidation(
        core, [airline[:96]], [72], transform="none",
        offset=np.asarray(norm.offset), scale=np.asarray(norm.scale),
    )  # fmt: skip
    assert again.score() == pytest.approx(min(losses), rel=1e-4)  # the best epoch's weights
    with pytest.raises(ValueError, match="validate_on"):
        Forecaster(validate_on="everything").fit(airline[:72], airline[72:96])
