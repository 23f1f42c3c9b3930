"""Activity recognition on the real HAPT recordings: loader, person split, per-sample
training with unlabelled samples, the network, the case study and the CLI."""

from __future__ import annotations

import json
import zipfile

import keras
import numpy as np
import pytest
from conftest import predicted_rows, real_file

from lstm_apps import training
from lstm_apps.data import hapt
from lstm_apps.evaluation import classification_metrics
from lstm_apps.models.layers import GravitySplit, RepeatSteps
from lstm_apps.tasks import activity


@pytest.fixture(scope="module")
def recordings(shared_data):
    real_file(shared_data, hapt.RAW_FILE)
    return hapt.load_recordings()


def test_recordings_match_the_documented_counts(recordings):
    assert len(recordings) == 61
    assert len(np.unique(recordings.users)) == 30
    labels = np.concatenate(recordings.labels)
    assert len(labels) == 1_122_772
    values, counts = np.unique(labels, return_counts=True)
    documented = {-1: 307158, 1: 122091, 4: 126677, 6: 136865, 12: 10867}
    assert {v: c for v, c in zip(values, counts) if v in documented} == documented
    digest = hapt.content_check(recordings.labels, [len(s) for s in recordings.signals])
    assert digest == hapt.CONTENT_SHA256


def test_cut_windows_rebuilds_the_shipped_windows(recordings, shared_data):
    x, y, users, source = hapt.cut_windows(recordings)
    with np.load(real_file(shared_data, hapt.WINDOWS_FILE)) as shipped:
        np.testing.assert_array_equal(x, shipped["X"])
        np.testing.assert_array_equal(y, shipped["y"])
        np.testing.assert_array_equal(users, shipped["subject"])
        np.testing.assert_array_equal(source, shipped["experiment"])


def _raw_files(rng):
    """Two tiny experiments in HAPT's RawData layout."""
    files, segments = {}, []
    for exp, (user, length) in enumerate([(1, 40), (2, 30)], start=1):
        for kind in ("acc", "gyro"):
            values = rng.normal(size=(length, 3)).round(6)
            text = "\n".join(" ".join(f"{v:.6f}" for v in row) for row in values)
            files[f"{kind}_exp{exp:02d}_user{user:02d}.txt"] = text.encode()
        segments += [(exp, user, 5, 3, 12), (exp, user, 7, 13, 20)]
    files["labels.txt"] = "\n".join(" ".join(map(str, s)) for s in segments).encode()
    return files


def test_raw_data_reader_marks_unlabelled_samples():
    rec = hapt.read_raw_data(_raw_files(np.random.default_rng(0)))
    assert [len(s) for s in rec.signals] == [40, 30]
    assert rec.signals[0].shape == (40, 6) and list(rec.users) == [1, 2]
    label = rec.labels[0]
    assert (label[:3] == -1).all() and (label[3:13] == 5).all()
    assert (label[13:21] == 7).all() and (label[21:] == -1).all()


def test_download_is_checked_and_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("LSTM_APPS_CACHE_DIR", str(tmp_path / "cache"))
    files = _raw_files(np.random.default_rng(1))
    archive = tmp_path / "hapt.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for name, data in files.items():
            z.writestr(f"RawData/{name}", data)
    expected = hapt.content_check(hapt.read_raw_data(files).labels, [40, 30])
    cached = tmp_path / "cache" / hapt.RAW_FILE
    with pytest.raises(ValueError, match="content sha256 .* Nothing was kept"):
        hapt.fetch(archive.as_uri(), expected="0" * 64)
    assert not cached.exists()
    assert hapt.fetch(archive.as_uri(), expected=expected) == cached
    again = hapt.load_recordings(cached)
    assert [len(s) for s in again.signals] == [40, 30]
    np.testing.assert_array_equal(again.labels[1], hapt.read_raw_data(files).labels[1])


def test_load_recordings_reads_a_raw_data_folder(tmp_path):
    folder = tmp_path / "RawData"
    folder.mkdir()
    for name, data in _raw_files(np.random.default_rng(2)).items():
        (folder / name).write_bytes(data)
    assert len(hapt.load_recordings(tmp_path)) == 2


@pytest.mark.parametrize(
    "case, message",
    [
        ("missing_keys", "lacks the keys"),
        ("bad_shape", r"must be numbers, \(samples, channels\)"),
        ("no_labels", "needs acc_expEE_userUU.txt"),
        ("no_gyro", "has no matching gyro_exp01_user01.txt"),
        ("nowhere", "No such HAPT file"),
    ],
)
def test_loader_errors(tmp_path, case, message):
    files = _raw_files(np.random.default_rng(3))
    if case == "missing_keys":
        np.savez(tmp_path / "x.npz", signals=np.zeros((3, 6)))
        call = lambda: hapt.load_recordings(tmp_path / "x.npz")  # noqa: E731
    elif case == "bad_shape":
        np.savez(
            tmp_path / "x.npz",
            signals=np.zeros(3),
            label=np.zeros(3),
            offsets=[0, 3],
            user=[1],
        )
        call = lambda: hapt.load_recordings(tmp_path / "x.npz")  # noqa: E731
    elif case == "no_labels":
        files.pop("labels.txt")
        call = lambda: hapt.read_raw_data(files)  # noqa: E731
    elif case == "no_gyro":
        files.pop("gyro_exp01_user01.txt")
        call = lambda: hapt.read_raw_data(files)  # noqa: E731
    else:
        call = lambda: hapt.load_recordings(tmp_path / "none.npz")  # noqa: E731
    with pytest.raises((ValueError, FileNotFoundError), match=message):
        call()


@pytest.mark.parametrize("task", activity.TASKS)
def test_split_is_by_person(task):
    config = activity.Config(task=task).replace(training=dict(seed=3))
    data = activity.load_data(config)
    held = data.validation_subjects
    assert len(held) == config.validation_subjects
    assert not set(held) & set(hapt.TEST_SUBJECTS)
    assert held == activity.load_data(config).validation_subjects
    assert held != activity.load_data(activity.Config(task=task)).validation_subjects
    assert data.test_subjects == list(hapt.TEST_SUBJECTS)
    assert set(data.test_users) <= set(hapt.TEST_SUBJECTS) and len(data.test_users) == len(
        data.x_test
    )
    if task == "steps":
        assert data.sizes()["test"] == 19  # the 9 UCI HAR test subjects recorded 19 times
        assert data.y_train[0].dtype == np.int32 and data.y_train[0].min() == -1
    else:
        assert data.sizes()["test"] == 2996
        assert set(np.unique(data.y_train)) == set(range(6))


def test_unlabelled_steps_weigh_nothing():
    """Loss and accuracy over a batch with -1 labels equal those over the labelled steps."""
    keras.utils.set_random_seed(0)
    model = activity.build_network(units=4, downsample=1, num_classes=3)
    rng = np.random.default_rng(0)
    x = [rng.normal(size=(12, 6)).astype("float32") for _ in range(2)]
    y = [rng.integers(-1, 3, size=12).astype("int32") for _ in range(2)]
    history = training.train(model, x, y, training.TrainingOptions(max_epochs=1, verbose=0))
    assert {"loss", "accuracy"} <= set(history.history)
    probabilities = np.stack(training.predict(model, x))
    labels = np.stack(y)
    keep = labels >= 0
    chosen = probabilities[keep, labels[keep]]
    data = training.SequenceData(x, y, model, training.TrainingOptions(verbose=0))
    xb, yb, wb = data.batch(np.arange(2))
    assert wb.sum() == keep.sum() and (yb >= 0).all()
    loss, accuracy = model.evaluate(xb, yb, sample_weight=wb, verbose=0)
    expected_loss = -np.log(chosen).sum() / keep.size  # Keras divides by all steps
    assert loss == pytest.approx(expected_loss, rel=1e-4)
    expected_accuracy = np.mean(probabilities.argmax(-1)[keep] == labels[keep])
    assert accuracy == pytest.approx(expected_accuracy, abs=1e-6)
    assert classification_metrics(y, list(probabilities.argmax(-1)))["accuracy"] == (
        pytest.approx(expected_accuracy)
    )


def test_labels_below_minus_one_are_refused():
    model = activity.build_network(units=4, downsample=1, num_classes=3)
    x = [np.zeros((5, 6), "float32")]
    with pytest.raises(ValueError, match=r"in \[-1, 2\].*unlabelled.*from -2"):
        training.train(model, x, [np.array([-2, 0, 1, 2, 0])], training.TrainingOptions())


@pytest.mark.parametrize("length", [23, 25, 1])
def test_network_keeps_the_input_rate_and_is_causal_beyond_one_block(length):
    keras.utils.set_random_seed(0)
    model = activity.build_network(units=5, downsample=5)
    x = np.random.default_rng(0).normal(size=(1, length, 6)).astype("float32")
    out = np.asarray(model(x))
    assert out.shape == (1, length, 12)
    np.testing.assert_allclose(out.sum(-1), 1.0, atol=1e-5)
    if length > 10:
        changed = x.copy()
        changed[0, 10:] += 5.0  # samples 10.. lie in blocks 2..: outputs 0..9 must not move
        np.testing.assert_allclose(np.asarray(model(changed))[0, :10], out[0, :10], atol=1e-6)


def test_repeat_steps_holds_each_step():
    slow = np.arange(6, dtype="float32").reshape(1, 3, 2)
    held = np.asarray(RepeatSteps(2)([slow, np.zeros((1, 5, 1))]))
    np.testing.assert_array_equal(held[0, :, 0], [0, 0, 2, 2, 4])
    with pytest.raises(ValueError, match="factor=0"):
        RepeatSteps(0)


def test_gravity_split_separates_orientation_from_motion():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 7, 6)).astype("float32")
    out = np.asarray(GravitySplit()(x))
    gravity = x[:, :, :3].mean(axis=1, keepdims=True)
    assert out.shape == (2, 7, 9)
    np.testing.assert_allclose(out[..., :3], x[..., :3] - gravity, atol=1e-6)
    np.testing.assert_allclose(out[..., 3:6], np.broadcast_to(gravity, (2, 7, 3)), atol=1e-6)
    np.testing.assert_array_equal(out[..., 6:], x[..., 3:])
    # with a mask, gravity is the mean of the real steps only, and padding stays zero
    mask = np.arange(7)[None, :] < np.array([[4], [7]])
    masked = np.asarray(GravitySplit()(x, mask=mask))
    np.testing.assert_allclose(masked[0, 0, 3:6], x[0, :4, :3].mean(axis=0), atol=1e-6)
    assert not masked[0, 4:].any()
    # channels elsewhere: gyroscope first, acceleration last
    swapped = np.asarray(GravitySplit(channels=(3, 4, 5))(x))
    np.testing.assert_array_equal(swapped[..., 6:], x[..., :3])
    with pytest.raises(ValueError, match=r"channels=\(\)"):
        GravitySplit(channels=())
    with pytest.raises(ValueError, match="input has 2 channels"):
        GravitySplit()(x[..., :2])


def test_chunks_cover_the_tail_and_skip_unlabelled_stretches():
    x = [np.arange(25, dtype="float32")[:, None].repeat(6, 1)]
    y = [np.r_[np.full(10, -1), np.zeros(15)].astype("int32")]
    xs, ys = activity.chunks(x, y, length=10, step=10)
    assert [c[0, 0] for c in xs] == [10, 15]  # 0-9 is unlabelled; 15-24 is the tail
    assert all(len(c) == 10 for c in ys)


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(task="frames"), "task"),
        (dict(architecture="cnn_lstm"), "classifies windows only"),
        (dict(architecture="lstm_projected"), "architecture"),
        (dict(downsample=0), "downsample=0"),
        (dict(chunk_overlap=1.0), "chunk_overlap=1.0"),
        (dict(dropout=1.5), "dropout"),
        (dict(gravity_split=True), "needs task='windows'"),
    ],
)
def test_config_errors(change, message):
    with pytest.raises(ValueError, match=message):
        activity.Config(**change)


def test_too_many_validation_subjects():
    with pytest.raises(ValueError, match="validation_subjects=21"):
        activity.load_data(activity.Config(task="windows", validation_subjects=21))


@pytest.fixture(scope="module")
def fast_steps_run(tmp_path_factory, shared_data):
    from lstm_apps.tasks import run_case_study

    folder = tmp_path_factory.mktemp("activity") / "steps"
    return run_case_study("activity", fast=True, output=folder), folder


def test_fast_steps_run_learns_and_writes_its_figures(fast_steps_run):
    run, folder = fast_steps_run
    metrics = run.metrics
    train_labels = np.concatenate(run.data.y_train)
    majority = np.bincount(train_labels[train_labels >= 0]).argmax()
    test_labels = np.concatenate(run.data.y_test)
    basic = (test_labels >= 0) & (test_labels < hapt.BASIC)
    majority_accuracy = np.mean(test_labels[basic] == majority)
    assert metrics["basic_accuracy"] > majority_accuracy + 0.1
    assert metrics["scored_samples"] == float(np.sum(test_labels >= 0))
    for name in ("training_progress", "confusion_matrix", "timeline"):
        assert (folder / "figures" / f"{name}.png").stat().st_size > 10_000


def test_saved_steps_model_predicts_the_same(fast_steps_run, tmp_path):
    from lstm_apps.tasks import load_run

    run, folder = fast_steps_run
    assert run.training_chunks > len(run.data.x_train)  # several chunks per recording
    recording = run.data.x_test[0][:700]
    _, again = load_run(folder)
    np.testing.assert_allclose(
        activity.predict_steps(again.model, [recording])[0],
        activity.predict_steps(run.model, [recording])[0],
        atol=1e-5,
    )
    (label, probability), *_ = activity.predict(again, [recording])
    assert label in hapt.ACTIVITIES and 0 < probability <= 1
    with pytest.raises(ValueError, match=r"recording 0 with shape \(700, 5\)"):
        activity.predict_steps(again.model, [recording[:, :5]])
    # the CLI's example input: the first 30 s of the first test recording
    sample = activity.sample_input(run, tmp_path)
    inputs = activity.read_inputs(sample, again.config)
    np.testing.assert_array_equal(inputs[0], run.data.x_test[0][: 30 * hapt.SAMPLE_RATE])
    [(label, probability)] = activity.predict(again, inputs)
    assert [(label, pytest.approx(probability, abs=1e-5))] == activity.predict(run, inputs)


def test_figures_of_a_run_without_predictions(fast_steps_run, tmp_path):
    import dataclasses

    run, _ = fast_steps_run
    fresh = dataclasses.replace(run, predictions=None)
    paths = activity.figures(fresh, tmp_path)
    assert [p.stem for p in paths] == ["training_progress", "confusion_matrix", "timeline"]
    assert all(p.stat().st_size > 10_000 for p in paths)
    assert [p.shape for p in fresh.predictions] == [(len(x), 12) for x in run.data.x_test]


def test_cli_windows_run_and_predict(tmp_path, shared_data, capsys):
    from lstm_apps.cli import main
    from lstm_apps.runs import load_model

    folder = tmp_path / "windows"
    command = ["run", "activity", "--fast", "--set", "task=windows", "--output", str(folder)]
    command += ["--set", "architecture=cnn_lstm", "--set", "input_noise=0.1"]
    command += ["--set", "gravity_split=True"]
    assert main(command) == 0
    printed = capsys.readouterr().out
    assert "Test metrics:" in printed and "accuracy" in printed and "scored_windows" in printed
    data = activity.load_data(activity.Config.fast(task="windows"))
    share = np.bincount(data.y_test).max() / len(data.y_test)
    accuracy = json.loads((folder / "metrics.json").read_text())["test"]["accuracy"]
    assert accuracy > share  # better than always answering the commonest activity
    windows = tmp_path / "windows.npy"
    np.save(windows, np.stack(data.x_test[:3]))
    assert main(["predict", str(folder), str(windows)]) == 0
    rows = predicted_rows(capsys.readouterr().out)
    assert [key for key, _, _ in rows] == ["row 0", "row 1", "row 2"]
    assert all(label in hapt.ACTIVITIES for _, label, _ in rows)
    # the saved model splits raw 6-channel windows itself, in one flat chain of layers,
    # and its normalization holds the statistics of the 9 split channels
    model = load_model(folder)
    assert model.layers[1].name == "gravity_split" and model.layers[1].channels == (0, 1, 2)
    assert not any(isinstance(layer, keras.Model) for layer in model.layers)
    norm = model.get_layer("normalization")
    split = np.asarray(GravitySplit()(np.stack(data.x_train)))
    np.testing.assert_allclose(np.asarray(norm.offset), split.mean(axis=(0, 1)), atol=1e-3)


def test_windows_loader_without_the_npz_cuts_them(tmp_path, monkeypatch, shared_data):
    folder = tmp_path / "data" / hapt.FOLDER
    folder.mkdir(parents=True)
    (folder / "hapt_raw_50hz.npz").symlink_to(real_file(shared_data, hapt.RAW_FILE).resolve())
    monkeypatch.setenv("LSTM_APPS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LSTM_APPS_CACHE_DIR", str(tmp_path / "cache"))
    x, y, users, source = hapt.load_windows()
    assert x.shape == (10411, 128, 6) and source.max() == 60


def test_raw_reader_reads_bytes_or_paths(tmp_path):
    files = _raw_files(np.random.default_rng(4))
    paths = {}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        paths[name] = tmp_path / name
    a, b = hapt.read_raw_data(files), hapt.read_raw_data(paths)
    np.testing.assert_array_equal(np.concatenate(a.signals), np.concatenate(b.signals))


def test_own_recordings_in_the_npz_layout(tmp_path):
    """Other channel counts and label names: recordings of 5 people, 3 channels, 2 labels."""
    rng = np.random.default_rng(5)
    signals, labels = [], []
    for _ in range(5):
        label = np.repeat(rng.permutation([1, 2, -1]), 200)
        signals.append(rng.normal(size=(600, 3)) + (label == 2)[:, None] * 2.0)
        labels.append(label)
    path = tmp_path / "mine.npz"
    hapt.save_npz(hapt.Recordings(signals, labels, np.arange(1, 6), ("still", "moving")), path)
    config = activity.Config(
        data_path=str(path),
        test_subjects=(5,),
        validation_subjects=1,
        units=8,
        chunk_seconds=4.0,
    ).replace(training=dict(max_epochs=3, verbose=0))
    data = activity.load_data(config)
    assert data.class_names == ["still", "moving"] and data.num_features == 3
    windows = activity.load_data(config.replace(task="windows"))
    assert windows.num_features == 3  # cut from these recordings, not from the shared HAPT copy
    assert len(windows.x_train) + len(windows.x_val) + len(windows.x_test) == 5 * 2 * 2
    run = activity.train(config, data)
    metrics = activity.evaluate(run)
    assert "basic_accuracy" not in metrics and metrics["scored_samples"] == 400
    assert metrics["accuracy"] > 0.75  # the classes differ by an offset of 2 standard deviations
    bad = tmp_path / "bad.npz"
    np.savez(
        bad,
        signals=np.zeros((4, 3)),
        label=[1, 3, 1, 1],
        offsets=[0, 4],
        user=[1],
        class_names=["a", "b"],
    )
    with pytest.raises(ValueError, match=r"-1 \(unlabelled\) or 1..2.*from 1 to 3"):
        hapt.load_recordings(bad)
