"""The command line: run, evaluate, predict, list, and its one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from lstm_apps.cli import main


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "jv"
    assert (
        main(
            [
                "run",
                "japanese_vowels",
                "--fast",
                "--set",
                "units=8",
                "--set",
                "training.verbose=0",
                "--output",
                str(out),
            ]
        )
        == 0
    )
    return out


def test_list(capsys):
    assert main(["list"]) == 0
    assert "japanese_vowels" in capsys.readouterr().out


def test_run_writes_a_complete_run_folder(run_dir):
    for name in (
        "config.json",
        "metrics.json",
        "model.keras",
        "history.csv",
        "figures/training_progress.png",
        "figures/confusion_matrix.png",
        "figures/gates.png",
    ):
        assert (run_dir / name).exists(), name
    config = json.loads((run_dir / "config.json").read_text())
    assert config["case_study"] == "japanese_vowels" and config["config"]["units"] == 8
    assert config["class_names"] == [str(i) for i in range(1, 10)]
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert 0 <= metrics["test"]["accuracy"] <= 1 and metrics["sizes"]["test"] == 60


def test_evaluate_reproduces_the_saved_metrics(run_dir, capsys):
    assert main(["evaluate", str(run_dir), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    saved = json.loads((run_dir / "metrics.json").read_text())["test"]
    assert printed["accuracy"] == pytest.approx(saved["accuracy"])


def test_predict_from_csv_and_npy(run_dir, vowels, tmp_path, capsys):
    np.savetxt(tmp_path / "one.csv", vowels.x_test[0], delimiter=",")
    np.save(tmp_path / "two.npy", np.stack([vowels.x_test[1][:7], vowels.x_test[2][:7]]))
    assert main(["predict", str(run_dir), str(tmp_path / "one.csv")]) == 0
    assert main(["predict", str(run_dir), str(tmp_path / "two.npy")]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == lines[2] == "id\tlabel\tscore" and len(lines) == 5
    rows = [line.split("\t") for line in (lines[1], lines[3], lines[4])]
    assert [key for key, _, _ in rows] == ["one.csv", "row 0", "row 1"]
    for _, label, probability in rows:
        assert label in [str(i) for i in range(1, 10)] and 0 < float(probability) <= 1


@pytest.mark.parametrize(
    "argv, match",
    [
        (
            ["run", "nope"],
            "Unknown case study 'nope'. Choose one of: japanese_vowels, hola, char_lm",
        ),
        (["run", "japanese_vowels", "--set", "unit=3"], "Unknown field 'unit'. Valid fields: "),
        (["run", "japanese_vowels", "--set", "dropout=high"], "Bad value for dropout"),
        (
            ["run", "japanese_vowels", "--set", "architecture='tcn'"],
            "architecture.*Received: architecture='tcn'",
        ),
        (["run", "japanese_vowels", "--set", "units"], "expects field=value"),
        (
            ["run", "japanese_vowels", "--set", "training.epochs=3"],
            "Unknown field 'training.epochs'. Valid training fields: training.solver",
        ),
        (["run", "nope", "--help"], "Unknown case study 'nope'"),
        (
            ["run", "video", "--set", "warmup=None", "--set", "warmup.max_epochs=2"],
            "`warmup` is None .* Received: {'max_epochs': 2}",
        ),
        (
            ["run", "japanese_vowels", "--set", "training.max_epochs=0"],
            "max_epochs.*Received: max_epochs=0",
        ),
        (
            ["predict", "/no/such/run", "x.csv", "--beam-width", "2"],
            "No such run folder",
        ),
        (["evaluate", "/no/such/run"], "No such run folder: /no/such/run"),
        (["predict", "/no/such/run", "x.csv"], "No such run folder: /no/such/run"),
    ],
)
def test_errors_are_one_line_with_exit_code_2(argv, match, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert __import__("re").search(match, err), err


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'train'" in capsys.readouterr().err


def test_console_script_exit_code_without_traceback():
    done = subprocess.run(
        [sys.executable, "-m", "lstm_apps.cli", "run", "nope"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "Unknown case study 'nope'" in done.stderr


def test_run_help_lists_every_config_field_by_group(capsys):
    import dataclasses

    from lstm_apps.tasks import japanese_vowels as jv
    from lstm_apps.training import TrainingConfig

    assert main(["run", "japanese_vowels", "--help"]) == 0
    out = capsys.readouterr().out
    for group in ("data:", "model:", "training:"):
        assert f"\n{group}\n" in out
    for field in dataclasses.fields(jv.Config):
        if field.name != "training":
            assert f"  {field.name} (" in out, field.name
    for field in dataclasses.fields(TrainingConfig):
        assert f"  training.{field.name} (" in out, field.name
    assert "training.max_epochs (int, default 80)" in out
    assert "share of training utterances held out for validation" in out


def test_old_set_names_still_work_with_a_warning(tmp_path, capsys):
    out = tmp_path / "old"
    argv = ["run", "japanese_vowels", "--fast", "--set", "units=4", "--set", "max_epochs=1"]
    assert main([*argv, "--set", "training.verbose=0", "--output", str(out)]) == 0
    err = capsys.readouterr().err
    assert "`max_epochs` is deprecated" in err and "use `training.max_epochs`" in err
    config = json.loads((out / "config.json").read_text())["config"]
    assert config["training"]["max_epochs"] == 1


def test_beam_width_is_refused_for_a_run_without_beams(run_dir, vowels, tmp_path, capsys):
    np.savetxt(tmp_path / "one.csv", vowels.x_test[0], delimiter=",")
    assert main(["predict", str(run_dir), str(tmp_path / "one.csv"), "--beam-width", "3"]) == 2
    assert "--beam-width applies to captioning and video runs" in capsys.readouterr().err


def test_package_log_records_reach_the_user_as_one_line_each(capsys):
    import logging

    from lstm_apps.console import package_logging

    package_logging()
    package_logging()  # a second call adds no second handler
    logging.getLogger("lstm_apps.diagnostics").warning("underfitting:  near\nchance")
    logging.getLogger("lstm_apps.tasks.sequences").info("sized from 50 sequences")
    logging.getLogger("absl").warning("not ours")
    err = capsys.readouterr().err
    assert "lstm-apps: warning: underfitting: near chance\n" in err
    assert "lstm-apps: sized from 50 sequences\n" in err
    assert err.count("underfitting") == 1 and "lstm-apps: warning: not ours" not in err
