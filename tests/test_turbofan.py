"""The C-MAPSS loader and the turbofan RUL case study, on the real FD001 files."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
from conftest import predicted_rows, real_file

from lstm_apps.cli import main
from lstm_apps.data import cmapss
from lstm_apps.runs import save_run
from lstm_apps.tasks import load_run, parse_overrides, turbofan

FILES = ("train_FD001.txt", "test_FD001.txt", "RUL_FD001.txt")
ROW = "1 1 -0.0007 -0.0004 100.0" + " 1.0" * 21
ROW_2 = "1 2 -0.0007 -0.0004 100.0" + " 1.0" * 21


@pytest.fixture(scope="module")
def folder(shared_data):
    return real_file(shared_data, "cmapss_fd001")


@pytest.fixture(scope="module")
def fast_run(shared_data):
    """A quick sequence-to-sequence run, long enough to learn something."""
    config = turbofan.Config.fast(
        max_train_engines=30,
        validation_engines=5,
        max_test_engines=40,
        training=dict(max_epochs=6, verbose=0),
    )
    run = turbofan.train(config)
    run.metrics = turbofan.evaluate(run)
    return run


def _zip(folder, path, nested=True, change=None):
    """NASA-like archive: the files inside an inner zip, optionally with one value changed."""
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        for name in FILES:
            text = (folder / name).read_text()
            if change and name == change[0]:
                text = text.replace(change[1], change[2], 1)
            archive.writestr(name, text)
    with zipfile.ZipFile(path, "w") as outer:
        outer.writestr("readme.txt", "turbofan")
        if nested:
            outer.writestr("CMAPSSData.zip", inner.getvalue())
        else:
            for name, data in _names(inner):
                outer.writestr(f"data/{name}", data)
    return path.resolve().as_uri()


def _names(buffer):
    with zipfile.ZipFile(buffer) as archive:
        return [(n, archive.read(n)) for n in archive.namelist()]


def test_fd001_has_the_documented_sizes_and_content(folder):
    train, test, rul = cmapss.read_subset(folder)
    assert train.shape == (20_631, 26) and test.shape == (13_096, 26)
    assert list(train.columns) == list(cmapss.COLUMNS)
    assert train.unit.nunique() == test.unit.nunique() == len(rul) == 100
    assert train.groupby("unit").size().agg(["min", "max"]).tolist() == [128, 362]
    assert test.groupby("unit").size().min() == 31
    assert rul[:5].tolist() == [112, 98, 69, 82, 91] and (rul.min(), rul.max()) == (7, 145)
    for part, values in (("train", train), ("test", test), ("rul", rul)):
        assert cmapss.content_sha256(values) == cmapss.CONTENT_SHA256["FD001"][part]


@pytest.mark.parametrize("nested", [True, False], ids=["nested_zip", "flat_zip"])
def test_download_checks_the_content_and_caches(folder, tmp_path, monkeypatch, nested):
    cache = tmp_path / "cache"
    monkeypatch.setenv("LSTM_APPS_CACHE_DIR", str(cache))
    monkeypatch.setenv("LSTM_APPS_DATA_DIR", str(tmp_path / "empty"))
    tampered = _zip(folder, tmp_path / "bad.zip", nested, ("test_FD001.txt", "641.82", "641.83"))
    with pytest.raises(
        ValueError, match="test_FD001.txt from .* content sha256 .* Nothing was kept"
    ):
        cmapss.fetch(url=tampered)
    assert not cache.exists()
    monkeypatch.setattr(cmapss, "NASA_URL", _zip(folder, tmp_path / "nasa.zip", nested))
    found = cmapss.find_folder()  # nothing local: downloads from the (patched) address
    assert found == cache / "cmapss_fd001"
    for name in FILES:
        assert (found / name).read_bytes() == (folder / name).read_bytes()
    (tmp_path / "nasa.zip").unlink()
    assert cmapss.find_folder() == found  # the cache answers from now on


def test_lookup_order_and_missing_files(folder, tmp_path, monkeypatch):
    monkeypatch.setenv("LSTM_APPS_DATA_DIR", str(folder.parent))
    assert cmapss.find_folder() == folder
    partial = tmp_path / "partial"
    partial.mkdir()
    shutil.copy(folder / "train_FD001.txt", partial)
    with pytest.raises(FileNotFoundError, match=r"Missing from .*partial: \['test_FD001.txt', "):
        cmapss.find_folder(partial)
    monkeypatch.setenv("LSTM_APPS_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("LSTM_APPS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cmapss, "NASA_URL", (tmp_path / "gone.zip").as_uri())
    with pytest.raises(
        FileNotFoundError, match="Searched: .*empty/cmapss_fd001.*download .*failed"
    ):
        cmapss.find_folder()
    with pytest.raises(FileNotFoundError, match="Searched: .*cmapss_fd002"):
        cmapss.find_folder(subset="FD002")


@pytest.mark.parametrize(
    "text, error",
    [
        (
            ROW + "\n" + ROW_2 + " 7.0\n",
            "line 2: wrong number of columns, expected 26. Received: 27",
        ),
        (ROW + "\n\n" + ROW_2.replace("-0.0004", "abc"), r"line 3, column 4: .* Received: 'abc'"),
        (ROW.replace("100.0", "nan"), r"line 1, column 5: expected a finite number. .*'nan'"),
        (ROW + "\n" + ROW_2.replace("1 2", "1 3", 1), "unit 1 must run 1, 2, 3, .* cycle 3"),
        ("\n  \n", "holds no data rows"),
    ],
    ids=["columns", "non_numeric", "nan", "cycles", "empty"],
)
def test_bad_tables_name_line_and_column(text, error):
    with pytest.raises(ValueError, match=error):
        cmapss.parse_table(text, "table.txt")


def test_rul_file_is_checked(folder, tmp_path):
    with pytest.raises(ValueError, match="RUL values must be >= 0. Received: -3"):
        cmapss.parse_rul("5\n-3\n")
    with pytest.raises(
        ValueError, match="line 1: wrong number of columns, expected 1. Received: 2"
    ):
        cmapss.parse_rul("5 6\n")
    for name in FILES[:2]:
        shutil.copy(folder / name, tmp_path)
    lines = (folder / "RUL_FD001.txt").read_text().splitlines()[:-1]
    (tmp_path / "RUL_FD001.txt").write_text("\n".join(lines))
    with pytest.raises(ValueError, match=r"one value per test unit \(100\). Received: 99 values"):
        cmapss.read_subset(tmp_path)


@pytest.mark.parametrize(
    "changes, error",
    [
        (dict(subset="FD005"), "subset.*Received: 'FD005'"),
        (dict(window=0), "Received: window=0"),
        (dict(rul_cap=0), "Received: rul_cap=0"),
        (dict(validation_engines=0), "Received: validation_engines=0"),
        (dict(output_mode="all"), "output_mode.*Received: output_mode='all'"),
        (dict(architecture="tcn"), "Received: architecture='tcn'"),
        (dict(architecture="bilstm"), "bidirectional .*Received: architecture='bilstm'"),
        (dict(min_rul_correlation=1.5), r"in \[0, 1\]. Received: min_rul_correlation=1.5"),
        (dict(ensemble=0), "Received: ensemble=0"),
        (dict(min_rul_correlation="high"), "Received: min_rul_correlation='high'"),
    ],
)
def test_config_rejects_bad_values(changes, error):
    with pytest.raises(ValueError, match=error):
        turbofan.Config(**changes)


@pytest.mark.parametrize(
    "changes, error",
    [
        (dict(output_mode="last", window=40), r"shortest test engine \(31 cycles\).*window=40"),
        (dict(validation_engines=12), "leave some of the 12 .*Received: validation_engines=12"),
        (dict(features=("sensor_2", "sensor_99")), r"Unknown feature columns \['sensor_99'\]"),
        (dict(features=("sensor_1", "setting_3")), "Every feature is constant"),
        (
            dict(features=("setting_1", "setting_2")),
            r"correlation of 0.2 .*the largest is 0.0\d+, setting_\d\).*min_rul_correlation=0.2",
        ),
    ],
)
def test_load_data_rejects_bad_settings(shared_data, changes, error):
    with pytest.raises(ValueError, match=error):
        turbofan.load_data(turbofan.Config.fast(max_test_engines=None, **changes))


def test_load_data_drops_constant_and_uncorrelated_features_and_splits_by_engine(shared_data):
    data = turbofan.load_data(turbofan.Config())
    assert data.sizes() == {"train": 80, "validation": 20, "test": 100}
    assert data.dropped_constant == [
        "setting_3", "sensor_1", "sensor_5", "sensor_10", "sensor_16", "sensor_18", "sensor_19",
    ]  # fmt: skip
    # the operating settings jitter around FD001's single condition; sensor 6 takes two values
    assert data.dropped_uncorrelated == ["setting_1", "setting_2", "sensor_6"]
    correlation = data.rul_correlation
    assert len(correlation) == 17 and min(correlation[c] for c in data.features) > 0.3
    assert data.num_features == 14 == len(data.features)
    assert turbofan.load_data(turbofan.Config(min_rul_correlation=0)).num_features == 17
    units = data.train_units + data.validation_units
    assert sorted(units) == list(range(1, 101))
    for y in data.y_train:  # run to failure: RUL counts down to 0
        np.testing.assert_array_equal(y, np.arange(len(y) - 1, -1, -1))
    assert [y[-1] for y in data.y_test] == data.test_rul.tolist()
    assert data.test_units == list(range(1, 101)) and "C-MAPSS FD001" in data.source
    same, other = (
        turbofan.load_data(turbofan.Config()),
        turbofan.load_data(turbofan.Config(split_seed=1)),
    )
    assert same.validation_units == data.validation_units
    assert other.validation_units != data.validation_units


@pytest.mark.parametrize(
    "true, predicted, expected",
    [
        ([50.0], [50.0], 0.0),
        ([50.0], [60.0], np.e - 1),  # 10 cycles late
        ([50.0], [37.0], np.e - 1),  # 13 cycles early
        ([50.0, 20.0], [60.0, 7.0], 2 * (np.e - 1)),
    ],
)
def test_phm08_score(true, predicted, expected):
    assert turbofan.phm08_score(true, predicted) == pytest.approx(expected)


def test_phm08_score_punishes_late_predictions_more():
    assert turbofan.phm08_score([50], [70]) > turbofan.phm08_score([50], [30])


def test_windows_end_at_every_cycle_from_the_window_on():
    engine = np.arange(12, dtype="float32").reshape(6, 2)
    x, y = turbofan.windows([engine, engine[:4]], [np.arange(6.0), np.arange(4.0)], window=3)
    assert x.shape == (6, 3, 2) and y.tolist() == [2, 3, 4, 5, 2, 3]
    np.testing.assert_array_equal(x[3], engine[3:6])
    assert turbofan.capped([np.array([200.0, 125.0, 3.0])], 125)[0].tolist() == [125, 125, 3]


def test_fast_run_learns(fast_run):
    metrics, data = fast_run.metrics, fast_run.data
    truth = data.test_rul
    constant_rmse = float(np.sqrt(np.mean((truth - truth.mean()) ** 2)))  # best constant
    assert metrics["rmse"] < constant_rmse, (metrics["rmse"], constant_rmse)
    expected = {"rmse", "mae", "r2", "phm08_score", "rmse_capped_truth", "rmse_per_cycle",
                "mae_per_cycle", "validation_rmse", "validation_mae"}  # fmt: skip
    assert expected <= set(metrics) and all(np.isfinite(list(metrics.values())))
    predictions = fast_run.predictions.test
    assert [len(p) for p in predictions] == [len(x) for x in data.x_test]
    assert [len(p) for p in fast_run.predictions.validation] == [len(x) for x in data.x_val]


def test_save_load_gives_the_same_predictions(fast_run, tmp_path):
    save_run(fast_run, tmp_path / "run")
    _, loaded = load_run(tmp_path / "run")
    assert loaded.config == fast_run.config
    engines = fast_run.data.x_test[:3]
    for a, b in zip(
        turbofan.predict_cycles(fast_run.model, engines),
        turbofan.predict_cycles(loaded.model, engines),
    ):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-4)
    labels, values = zip(*turbofan.predict(loaded, engines))
    assert set(labels) == {"RUL"}
    assert values == pytest.approx([v for _, v in turbofan.predict(fast_run, engines)])


def test_windowed_network_reads_the_last_window(shared_data):
    config = turbofan.Config.fast(
        output_mode="last",
        window=20,
        training=dict(max_epochs=1, mini_batch_size=256, verbose=0),
    )
    run = turbofan.train(config)
    assert run.model.input_shape == (None, 20, run.data.num_features)
    engine = run.data.x_test[0]
    [(label, value)] = turbofan.predict(run, [engine])
    assert label == "RUL" and value == pytest.approx(turbofan.predict(run, [engine[-20:]])[0][1])
    per_cycle = turbofan.predict_cycles(run.model, [engine])[0]
    assert np.isnan(per_cycle[:19]).all() and per_cycle[-1] == pytest.approx(value, rel=1e-5)
    with pytest.raises(ValueError, match="reads the last 20 cycles; sequence 0 has 12"):
        turbofan.predict(run, [engine[:12]])
    assert np.isfinite(turbofan.evaluate(run)["rmse_per_cycle"])


def test_cli_run_writes_figures_and_predicts(shared_data, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "turbofan", "--fast", "--output", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())["test"]
    assert metrics["rmse"] > 0 and metrics["phm08_score"] > 0
    for name in ("training_progress", "engine_lives", "test_engines"):
        assert (out / "figures" / f"{name}.png").stat().st_size > 1000, name
    capsys.readouterr()
    assert main(["evaluate", str(out), "--json"]) == 0  # a plain Run rebuilt from the folder
    assert json.loads(capsys.readouterr().out) == pytest.approx(metrics)
    _, loaded = load_run(out, with_data=True)
    engine = turbofan.sample_input(loaded, tmp_path)
    np.testing.assert_array_equal(np.load(engine), loaded.data.x_test[0])
    assert main(["predict", str(out), engine]) == 0
    ((key, label, value),) = predicted_rows(capsys.readouterr().out)
    assert key == Path(engine).name and label == "RUL" and 0 < value < 400


def test_ensemble_averages_members_trained_from_their_own_seeds(shared_data, tmp_path):
    config = turbofan.Config.fast(ensemble=2, training=dict(seed=1, max_epochs=1, verbose=0))
    backed_up = config.replace(training=dict(checkpoint_dir=str(tmp_path / "backup")))
    run = turbofan.train(backed_up)
    members = [run.model.get_layer(f"member_{i}") for i in range(2)]
    histories = run.member_histories
    assert len(histories) == 2 and run.history == histories[0]
    engines = run.data.x_test[:3]
    each = [turbofan.predict_cycles(m, engines) for m in members]
    for mean, a, b in zip(turbofan.predict_cycles(run.model, engines), *each):
        np.testing.assert_allclose(mean, (a + b) / 2, rtol=1e-5, atol=1e-4)
        assert not np.allclose(a, b)  # two different networks
    alone = turbofan.train(config.replace(ensemble=1, training=dict(seed=3)), run.data)  # 1 * 2 + 1
    for a, b in zip(turbofan.predict_cycles(alone.model, engines), each[1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-4)
    # a rerun loads the finished members instead of training them again
    assert sorted(p.name for p in (tmp_path / "backup").glob("member_*.*")) == [
        "member_0.json", "member_0.keras", "member_1.json", "member_1.keras",
    ]  # fmt: skip
    again = turbofan.train(backed_up, run.data)
    assert again.member_histories == histories
    for a, b in zip(turbofan.predict_cycles(again.model, engines), each[0]):
        assert not np.allclose(a, b)  # the mean, not member 0
    save_run(run, tmp_path / "run")
    _, loaded = load_run(tmp_path / "run")
    values = [v for _, v in turbofan.predict(loaded, engines)]
    assert values == pytest.approx([v for _, v in turbofan.predict(again, engines)], rel=1e-5)
    paths = turbofan.figures(run, tmp_path / "figures")  # one pair of curves per member
    assert [p.stem for p in paths] == ["training_progress", "engine_lives", "test_engines"]


def test_old_flat_training_names_warn_and_map_to_the_training_section():
    with pytest.warns(FutureWarning, match="`learn_rate_drop_period` is deprecated"):
        changes = parse_overrides(turbofan.Config, ["learn_rate_drop_period=10"])
    assert changes == {"training.learn_rate_drop_period": 10}
    config = turbofan.Config().replace(**changes)
    assert config.training.learn_rate_drop_period == 10
    assert config.training.initial_learn_rate == 0.003  # the study's other defaults stay


def test_average_ensemble_checks_its_members():
    import keras

    from lstm_apps import models

    one = models.build_model("lstm", num_features=3, num_outputs=1, task="regression", units=4)
    other = models.build_model("lstm", num_features=5, num_outputs=1, task="regression", units=4)
    assert models.average_ensemble([one]) is one
    shapes = r"same input shape. Received: \[\(None, 3\), \(None, 5\)\]"
    with pytest.raises(ValueError, match=shapes):
        models.average_ensemble([one, other])
    pair = models.average_ensemble([one, keras.models.clone_model(one)])
    assert [layer.name for layer in pair.layers] == ["input", "member_0", "member_1", "mean"]
