"""The SYNTHETIC engine simulator and the engine_nox case study built on it."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest
from conftest import predicted_rows

from lstm_apps.cli import main
from lstm_apps.data import synthetic
from lstm_apps.data.synthetic import EngineSimulatorConfig, simulate_cycle, simulate_cycles
from lstm_apps.tasks import engine_nox as en
from lstm_apps.tasks import get_case_study, load_run, parse_overrides

SIMULATOR = EngineSimulatorConfig(cycle_seconds=900)


@pytest.fixture(scope="module")
def cycles():
    return simulate_cycles(3, seed=7, config=SIMULATOR)


def test_cycle_has_the_configured_length_and_phases(cycles):
    assert SIMULATOR.phase_seconds() == [294, 217, 227, 162]
    for cycle in cycles:
        assert set(synthetic.FEATURES) | {synthetic.TARGET} <= set(cycle)
        assert all(len(values) == 900 for values in cycle.values())
        assert cycle["speed_kmh"].min() == 0 and 100 < cycle["speed_kmh"].max() < 140


def test_gear_rises_with_speed(cycles):
    speed = np.concatenate([c["speed_kmh"] for c in cycles])
    gear = np.concatenate([c["gear"] for c in cycles])
    order = np.argsort(speed, kind="stable")
    assert np.all(np.diff(gear[order]) >= 0)
    assert np.all(gear[speed < 0.5] == 0) and gear.max() == len(SIMULATOR.gear_ratios)
    grid = synthetic.select_gear(np.array([0.0, 10, 20, 40, 50, 70, 120]), SIMULATOR)
    assert grid.tolist() == [0, 1, 2, 3, 4, 5, 6]


def test_engine_speed_stays_between_idle_and_limit(cycles):
    for cycle in cycles:
        rpm = cycle["engine_rpm"]
        assert SIMULATOR.idle_rpm <= rpm.min() and rpm.max() <= SIMULATOR.max_rpm
        assert np.all(rpm[cycle["gear"] == 0] == SIMULATOR.idle_rpm)


def test_torque_follows_the_road_load(cycles):
    cycle = cycles[0]
    torque, speed = cycle["torque_nm"], cycle["speed_kmh"] / 3.6
    assert np.all(torque[cycle["gear"] == 0] == SIMULATOR.accessory_torque_nm)
    assert torque.max() <= SIMULATOR.max_torque_nm
    accelerating = np.gradient(speed) > 0.3
    assert torque[accelerating].mean() > torque[~accelerating].mean() + 20


def test_coolant_warms_monotonically_from_cold(cycles):
    low, high = SIMULATOR.ambient_c
    for cycle in cycles:
        coolant = cycle["coolant_c"]
        assert low <= coolant[0] <= high + 1
        assert np.all(np.diff(coolant) >= 0)
        assert coolant[-1] > coolant[0] + 25 and coolant[-1] < SIMULATOR.operating_c


def test_nox_is_positive(cycles):
    nox = np.concatenate([c["nox_mg_s"] for c in cycles])
    assert np.all(np.isfinite(nox)) and nox.min() > 0


def test_nox_depends_on_the_torque_history():
    quiet = EngineSimulatorConfig(noise_std=0.0)
    torque = np.r_[np.full(30, 50.0), np.full(60, 200.0)]
    steady = np.full(90, 2000.0), np.full(90, 90.0)
    nox = synthetic.engine_out_nox(steady[0], torque, steady[1], np.random.default_rng(0), quiet)
    assert nox[30] < nox[32]  # the analyser lags behind the step
    assert nox[30:].max() > 1.3 * nox[-1]  # the air-path lag overshoots
    np.testing.assert_allclose(nox[-3:], nox[-1], rtol=1e-3)  # then it settles


def test_same_seed_same_data_other_seed_other_data():
    a, b = simulate_cycle(SIMULATOR, seed=3), simulate_cycle(SIMULATOR, seed=3)
    c = simulate_cycle(SIMULATOR, seed=4)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    assert not np.allclose(a["speed_kmh"], c["speed_kmh"])
    assert not np.allclose(a["nox_mg_s"], c["nox_mg_s"])


@pytest.mark.parametrize(
    "changes, error",
    [
        (dict(cycle_seconds=-60), "cycle_seconds.*Received: cycle_seconds=-60"),
        (dict(cycle_seconds=2.5), "Received: cycle_seconds=2.5"),
        (dict(phases=("low", "motorway")), "Unknown phase 'motorway'.*Received: phases="),
        (dict(phases=()), "non-empty.*Received: phases=()"),
        (dict(mass_kg=0.0), "`mass_kg` must be positive. Received: mass_kg=0.0"),
        (dict(upshift_kmh=(15.0, 30.0)), "one speed per gear.*Received: upshift_kmh="),
        (dict(upshift_kmh=(15.0, 40.0, 30.0, 60.0, 80.0)), "must increase"),
        (dict(noise_std=-0.1), "noise_std.*Received: noise_std=-0.1"),
    ],
)
def test_simulator_config_rejects_bad_values(changes, error):
    with pytest.raises(ValueError, match=error):
        EngineSimulatorConfig(**changes)


@pytest.mark.parametrize(
    "changes, error",
    [
        (dict(cycle_seconds=-5), "Received: cycle_seconds=-5"),
        (dict(phases=("rural",)), "Unknown phase 'rural'"),
        (dict(num_train_cycles=0), "Received: num_train_cycles=0"),
        (dict(num_validation_cycles=-1), "Received: num_validation_cycles=-1"),
        (dict(window_seconds=5), "Received: window_seconds=5"),
        (dict(transient_torque_rate=0), "Received: transient_torque_rate=0"),
        (dict(architecture="tcn"), "Received: architecture='tcn'"),
    ],
)
def test_case_study_config_rejects_bad_values(changes, error):
    with pytest.raises(ValueError, match=error):
        en.Config(**changes)


def test_module_meets_the_contract_and_old_flat_names_still_map():
    assert get_case_study("engine_nox") is en.study
    with pytest.warns(FutureWarning, match="`seed` is deprecated.*`training.seed`"):
        changes = parse_overrides(en.Config, ["seed=3", "training.max_epochs=4"])
    config = en.Config().replace(**changes)
    assert (config.training.seed, config.training.max_epochs) == (3, 4)
    assert config.training.learn_rate_drop_period == 50  # other training defaults kept


def test_simulator_checks_its_arguments():
    with pytest.raises(ValueError, match="Received: num_cycles=0"):
        simulate_cycles(0)
    with pytest.raises(TypeError, match="Received: seed='a'"):
        simulate_cycle(SIMULATOR, seed="a")
    with pytest.raises(TypeError, match="EngineSimulatorConfig. Received: dict"):
        simulate_cycle({}, seed=0)


def test_load_data_windows_and_splits():
    config = en.Config.fast()
    data = en.load_data(config)
    assert data.sizes() == {"train": 9, "validation": 3, "test": 1}
    assert all(len(x) == len(y) <= 100 for x, y in zip(data.x_train, data.y_train))
    assert data.x_test[0].shape == (300, 5) and data.y_test[0].shape == (300, 1)
    train_nox = np.concatenate(data.y_train)
    assert data.nox_mean == pytest.approx(float(train_nox.mean()))
    assert data.nox_std == pytest.approx(float(train_nox.std())) and data.seed == 0
    assert not np.allclose(data.x_test[0][:100], data.x_train[0])  # other seed
    np.testing.assert_array_equal(en.load_data(config).x_test[0], data.x_test[0])
    other = en.load_data(config.replace(training=dict(seed=1)))
    assert other.seed == 1 and not np.allclose(other.x_test[0], data.x_test[0])
    transient = en.transient_seconds(data.x_test[0], config.transient_torque_rate)
    assert not transient[0] and 0 < transient.mean() < 0.5


def test_lstm_learns_and_reports_both_models():
    keras.utils.set_random_seed(0)
    config = en.Config(
        num_train_cycles=4,
        num_validation_cycles=0,
        num_test_cycles=2,
        cycle_seconds=600,
        window_seconds=100,
        units=16,
    ).replace(training=dict(max_epochs=12, mini_batch_size=8, initial_learn_rate=0.01, verbose=0))
    data = en.load_data(config)
    run = en.train(config, data)
    metrics = en.evaluate(run)
    truth = np.concatenate(data.y_test)[:, 0]
    mean_mae = float(np.mean(np.abs(truth - data.nox_mean)))
    assert metrics["mae"] < 0.4 * mean_mae, (metrics, mean_mae)
    for prefix in ("", "static_", "transient_", "static_transient_"):
        assert {f"{prefix}{k}" for k in ("mae", "rmse", "r2", "within_10pct")} <= set(metrics)
    assert 0 < metrics["transient_share"] < 1
    assert en.compare(run, en.fit_static_baseline(data)) == metrics
    inputs = [data.x_test[1][:50], data.x_test[0]]
    per_second = en.predict_cycles(run.model, inputs)
    assert [p.shape for p in per_second] == [(50,), (600,)]
    pairs = en.predict(run, inputs)
    assert len(pairs) == 650 and pairs[0][0] == "sequence 1, second 0"
    assert pairs[50][0] == "sequence 2, second 0"
    values = [value for _, value in pairs]
    np.testing.assert_allclose(values, np.concatenate(per_second), rtol=1e-6)
    assert all(type(value) is float for value in values)


def test_cli_run_evaluate_and_predict(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["run", "engine_nox", "--fast", "--set", "training.verbose=0", "--output", str(out)]
    assert main(argv) == 0
    metrics = json.loads((out / "metrics.json").read_text())["test"]
    assert metrics["mae"] > 0 and "static_transient_mae" in metrics
    for name in ("model.keras", "figures/training_progress.png", "figures/held_out_cycle.png"):
        assert (out / name).stat().st_size > 0, name
    config = json.loads((out / "config.json").read_text())
    assert config["case_study"] == "engine_nox" and config["config"]["cycle_seconds"] == 300
    assert config["config"]["training"]["max_epochs"] == 2
    capsys.readouterr()
    assert main(["evaluate", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["mae"] == pytest.approx(metrics["mae"], rel=1e-5)
    _, run = load_run(out, with_data=True)
    sample = en.sample_input(run, tmp_path)
    assert main(["predict", str(out), sample]) == 0
    rows = predicted_rows(capsys.readouterr().out)
    assert len(rows) == 60 and rows[0][1] == "sequence 1, second 0"
    expected = en.predict_cycles(run.model, [run.data.x_test[0][:60]])[0]
    printed = [score for _, _, score in rows]
    np.testing.assert_allclose(printed, expected, atol=1e-3)
