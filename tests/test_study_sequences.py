"""The `sequences` study: own data from a long-format CSV, a folder of files or aeon,
grouped splits, regression, per-step labels, baselines, diagnostics and the report.

Real data only: aeon's shipped data sets (GunPoint, BasicMotions, ItalyPowerDemand,
Covid3Month), written out as the user's files would be.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

import numpy as np
import pandas as pd
import pytest

from lstm_apps.tasks.sequences import study
from lstm_apps.tasks.sequences.baselines import plan_baselines, summary_features
from lstm_apps.tasks.sequences.networks import choose_factor, downsample
from lstm_apps.tasks.sequences.sources import read_aeon

# a tiny, quick network and one cheap baseline
TINY = dict(
    networks=("lstm",),
    units=4,
    baselines=("gbm_summary",),
    training={"max_epochs": 1, "mini_batch_size": 16, "validation_patience": None},
)


def tiny(**changes):
    """A Config with the tiny settings and `changes`."""
    return study.Config().replace(**{**TINY, **changes})


@contextmanager
def package_log(caplog, level):
    """Capture the package's log records (its logger may not propagate to the root)."""
    logger = logging.getLogger("lstm_apps")
    old = logger.level, logger.propagate
    logger.addHandler(caplog.handler)
    logger.setLevel(level)
    logger.propagate = False  # each record once
    try:
        yield
    finally:
        logger.removeHandler(caplog.handler)
        logger.level, logger.propagate = old


def long_table(name, count, *, groups=None, split=None, length=None) -> pd.DataFrame:
    """The first `count` training sequences of an aeon data set as a long-format table."""
    sequences, labels = read_aeon(name)["train"]
    rows = []
    for i in range(count):
        s = sequences[i][:length]
        frame = pd.DataFrame(s, columns=[f"f{j}" for j in range(s.shape[1])])
        frame.insert(0, "sequence", f"s{i}")
        frame.insert(1, "label", labels[i])
        if groups is not None:
            frame["subject"] = f"g{groups(i)}"
        if split is not None:
            frame["split"] = split(i)
        rows.append(frame)
    return pd.concat(rows, ignore_index=True)


@pytest.fixture(scope="module")
def grouped_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("grouped") / "motions.csv"
    long_table("BasicMotions", 40, groups=lambda i: i % 10).to_csv(path, index=False)
    return path


def _groups_of(data, split):
    return set(np.asarray(data.groups.get(split, [])).tolist())


def test_long_format_groups_stay_on_one_side_of_every_split(grouped_csv):
    config = study.Config(data=str(grouped_csv), group_column="subject", test_fraction=0.3)
    data = study.load_data(config)
    train, val, test = (_groups_of(data, s) for s in ("train", "validation", "test"))
    assert train and val and test
    assert not (train & val) and not (train & test) and not (val & test)
    assert len(train | val | test) == 10 and data.num_features == 6  # "subject" is no feature
    assert sum(data.sizes().values()) == 40 and data.class_names == sorted(data.class_names)


def test_a_group_in_two_given_splits_is_refused(tmp_path):
    table = long_table(
        "GunPoint", 12, groups=lambda i: i // 3, split=lambda i: "test" if i in (2, 9) else "train"
    )
    path = tmp_path / "spanning.csv"
    table.to_csv(path, index=False)
    config = study.Config(data=str(path), group_column="subject")
    with pytest.raises(
        ValueError, match=r"Group 'g0' has sequences in both the train and the test"
    ):
        study.load_data(config)


def test_a_sequence_with_two_groups_is_refused(tmp_path):
    table = long_table("GunPoint", 6, groups=lambda i: i)
    table.loc[3, "subject"] = "other"
    path = tmp_path / "two_groups.csv"
    table.to_csv(path, index=False)
    with pytest.raises(
        ValueError, match=r"Sequence 's0' of two_groups.csv has more than one group"
    ):
        study.load_data(study.Config(data=str(path), group_column="subject"))


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """GunPoint as a folder: .csv and .npy files and a labels.csv with a split column."""
    root = tmp_path_factory.mktemp("folder")
    sequences, labels = read_aeon("GunPoint")["train"]
    rows = []
    for i in range(24):
        name = f"seq_{i}.{'csv' if i % 2 else 'npy'}"
        if i % 2:
            pd.DataFrame(sequences[i], columns=["x"]).to_csv(root / name, index=False)
        else:
            np.save(root / name, sequences[i][:, 0])
        split = "test" if i >= 18 else "train"
        rows.append({"file": name, "label": labels[i], "split": split, "group": f"g{i // 2}"})
    pd.DataFrame(rows).to_csv(root / "labels.csv", index=False)
    return root


def test_folder_of_files_with_labels_csv(folder):
    data = study.load_data(study.Config(data=str(folder), validation_fraction=0.25))
    assert data.sizes() == {"train": 13, "validation": 5, "test": 6}
    assert data.x_train[0].shape == (150, 1) and data.source.startswith("folder")
    assert all(i.startswith("seq_") for i in data.ids["test"])
    np.testing.assert_allclose(data.x_test[0][:, 0], read_aeon("GunPoint")["train"][0][18][:, 0])
    grouped = study.load_data(study.Config(data=str(folder), group_column="group"))
    train, val = _groups_of(grouped, "train"), _groups_of(grouped, "validation")
    assert (
        train and val and not (train & val) and _groups_of(grouped, "test") == {"g9", "g10", "g11"}
    )


def test_folder_errors_name_the_problem(folder, tmp_path):
    with pytest.raises(FileNotFoundError, match="has no labels.csv"):
        study.load_data(study.Config(data=str(tmp_path)))
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "labels.csv").write_text("file,label\nmissing.csv,1\n")
    with pytest.raises(ValueError, match=r"Line 2 of labels.csv names 'missing.csv'"):
        study.load_data(study.Config(data=str(broken)))
    with pytest.raises(ValueError, match="per-step labels"):
        study.load_data(study.Config(data=str(folder), output="sequence"))


def test_aeon_names_and_their_errors():
    data = study.load_data(study.Config(data="aeon:ItalyPowerDemand"))
    assert data.sizes()["test"] == 1029 and data.sizes()["validation"] == 14
    assert data.task == "classification" and data.class_names == ["1", "2"]
    with pytest.raises(ValueError, match=r"Unknown aeon data set 'NoSuchSet'.*GunPoint"):
        study.load_data(study.Config(data="aeon:NoSuchSet"))
    with pytest.raises(FileNotFoundError, match="No such data file or folder"):
        study.load_data(study.Config(data="/no/such/file.csv"))


def test_input_length_and_baseline_plans():
    config = study.Config()
    assert choose_factor(config, "lstm", [150] * 5, "label") == 2  # GunPoint: 75 steps
    assert choose_factor(config, "cnn_lstm", [150] * 5, "label") == 1  # pooled to 19 steps
    assert choose_factor(config, "lstm", [900], "sequence") == 1  # per-step labels: every step
    x = [np.arange(10, dtype="float32").reshape(5, 2)]
    np.testing.assert_allclose(downsample(x, 2)[0], [[1, 2], [5, 6], [8, 9]])
    run, skipped = plan_baselines(("minirocket", "gbm_summary"), output="label", lengths=[8, 8])
    assert run == ["gbm_summary"] and "too short" in skipped[0].reason
    assert summary_features([np.ones((4, 3))]).shape == (1, 25)


@pytest.fixture(scope="module")
def regression_run():
    config = tiny(data="aeon:Covid3Month", baselines=("minirocket",))
    run = study.train(config)
    return run, study.evaluate(run)


def test_regression_against_minirocket_ridge(regression_run):
    run, metrics = regression_run
    assert run.data.task == "regression" and run.comparison.metric == "rmse"
    assert {"rmse", "mae", "r2", "lstm_rmse", "minirocket_rmse"} <= set(metrics)
    assert metrics["rmse"] == pytest.approx(metrics["lstm_rmse"], rel=1e-6)
    # Covid3Month's counts have all-zero steps: padding is marked below the data, not 0
    assert run.config.training.sequence_padding_value == -1.0
    assert run.model.get_layer("masking").mask_value == -1.0
    values = [v for _, v in study.predict(run, run.data.x_test[:3])]
    assert len(values) == 3 and all(np.isfinite(values))


def test_sequence_output_skips_baselines_before_training(tmp_path, caplog):
    # two real GunPoint series end to end, each step labelled with its series' class
    sequences, labels = read_aeon("GunPoint")["train"]
    rows = []
    for i in range(0, 24, 2):
        for part in (i, i + 1):
            for t, value in enumerate(sequences[part][::10, 0]):
                rows.append({"sequence": f"s{i}", "label": labels[part], "t": part * 100 + t,
                             "x": value})  # fmt: skip
    path = tmp_path / "steps.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    config = tiny(data=str(path), output="sequence", time_column="t", networks=("lstm", "cnn_lstm"),
                  filters=(4,), baselines=("minirocket", "gbm_summary"))  # fmt: skip
    with package_log(caplog, logging.INFO):
        run = study.train(config)
    messages = [r.getMessage() for r in caplog.records]
    skipped = [i for i, m in enumerate(messages) if "skipped" in m and "every step" in m]
    fitted = [i for i, m in enumerate(messages) if m.startswith("Network lstm")]
    assert len(skipped) == 2 and fitted and max(skipped) < fitted[0]
    metrics = study.evaluate(run)
    assert {"accuracy", "macro_f1", "lstm_accuracy"} <= set(metrics)
    assert [s.name for s in run.comparison.skipped] == ["minirocket", "gbm_summary"]
    rows = study.predict(run, run.data.x_test[:1])  # one row per step
    assert len(rows) == len(run.data.x_test[0]) and {r[0] for r in rows} <= set(
        run.data.class_names
    )
    with pytest.raises(ValueError, match="class_weight"):
        study.train(config.replace(class_weight="balanced"), run.data)


def test_class_weight_and_imbalance(tmp_path, caplog):
    table = long_table("ItalyPowerDemand", 67)
    minority = table.label.astype(str) == "2"
    kept = set(table.sequence[minority].unique()[:6]) | set(table.sequence[~minority])
    path = tmp_path / "imbalanced.csv"
    table[table.sequence.isin(kept)].to_csv(path, index=False)
    config = tiny(data=str(path), class_weight="balanced")
    with package_log(caplog, logging.INFO):
        run = study.train(config)
    assert "class_imbalance" in caplog.text
    assert run.comparison.metric == "balanced_accuracy"
    metrics = study.evaluate(run)
    assert {"balanced_accuracy", "f1_1", "f1_2", "lstm_balanced_accuracy"} <= set(metrics)


def test_an_untrainable_setting_is_diagnosed_in_the_log(caplog):
    config = tiny(max_train_sequences=20, max_test_sequences=10)
    config = config.replace(training={"max_epochs": 3, "initial_learn_rate": 1e-7})
    with package_log(caplog, logging.WARNING):
        run = study.train(config)
    assert "underfitting" in caplog.text and "Try:" in caplog.text
    assert any(d.code == "underfitting" for d in run.diagnoses)


def test_bad_settings_are_refused_with_the_field():
    with pytest.raises(ValueError, match="downsample"):
        study.Config(downsample=0)
    with pytest.raises(ValueError, match="networks"):
        study.Config(networks=("transformer",))
    with pytest.raises(ValueError, match="Received: task='regression'"):
        study.load_data(study.Config(data="aeon:GunPoint", task="regression"))
    with pytest.raises(ValueError, match="metric"):
        study.train(tiny(data="aeon:Covid3Month", metric="accuracy"))


def test_run_folder_holds_report_and_every_models_predictions(tmp_path):
    from lstm_apps.tasks.registry import load_run, run_case_study

    output = tmp_path / "run"
    run = run_case_study("sequences", output=output, fast=True, changes={"training.verbose": 0})
    report = (output / "report.md").read_text()
    assert "## Model comparison" in report and "## Diagnostics" in report
    names = {c.name for c in run.comparison.candidates}
    assert names == {"cnn_lstm", "lstm", "minirocket", "gbm_summary"}
    for name in names:
        frame = pd.read_csv(output / "predictions" / f"{name}.csv")
        assert len(frame) == len(run.data.x_test) and {"id", "label", "predicted"} <= set(frame)
    assert {"comparison.png", "confusion_matrix.png"} <= {
        p.name for p in (output / "figures").iterdir()
    }
    module, loaded = load_run(output, with_data=True)
    assert loaded.config.networks[0] == run.comparison.kept
    assert module.evaluate(loaded)["accuracy"] == pytest.approx(run.metrics["accuracy"])
    again = tmp_path / "again" / "figures"
    assert module.figures(loaded, again) and (again.parent / "report.md").exists()
