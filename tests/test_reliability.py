"""Nothing lost, nothing silent: transactional run folders, --overwrite, the writer lock,
permissions, strict JSON, non-finite values, damaged artifacts, and one-line errors."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lstm_apps.cli import main
from lstm_apps.runs import save_run
from lstm_apps.storage import finite_or_none, write_json
from lstm_apps.tasks import load_run

FAST_RUN = ["run", "japanese_vowels", "--fast", "--set", "units=4"]
QUIET = ["--set", "training.verbose=0", "--set", "training.max_epochs=1"]


@pytest.fixture(scope="module")
def base_run(tmp_path_factory):
    """One small real run folder; tests work on copies of it."""
    out = tmp_path_factory.mktemp("reliability") / "base"
    assert main([*FAST_RUN, *QUIET, "--output", str(out)]) == 0
    return out


def copy_run(base_run, folder: Path) -> Path:
    shutil.copytree(base_run, folder)
    return folder


def snapshot(folder: Path) -> dict:
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.glob(f".{folder.name}*"))


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_a_run_ends_with_a_compact_metric_table(tmp_path, capsys):
    out = tmp_path / "r"
    assert main([*FAST_RUN, *QUIET, "--output", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Test metrics:" in printed and "accuracy" in printed
    assert "precision_" not in printed and "{" not in printed  # no per-class JSON dump
    assert "recall_1" in json.loads((out / "metrics.json").read_text())["test"]


def test_a_non_empty_output_is_refused_without_overwrite(tmp_path, capsys):
    out = tmp_path / "r"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main([*FAST_RUN, *QUIET, "--output", str(out)]) == 2
    assert "--overwrite" in one_line_error(capsys)
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    assert main([*FAST_RUN, *QUIET, "--output", str(out / "notes.txt")]) == 2
    assert "is a file" in one_line_error(capsys)


def test_overwrite_replaces_the_folder_as_a_whole(base_run, tmp_path):
    out = copy_run(base_run, tmp_path / "r")
    (out / "exports.json").write_text("[]")
    (out / "MODEL_CARD.md").write_text("# an older model")
    (out / "saved_model").mkdir()
    argv = [*FAST_RUN, *QUIET, "--set", "units=5", "--output", str(out), "--overwrite"]
    assert main(argv) == 0
    names = {p.name for p in out.iterdir()}
    assert {"config.json", "metrics.json", "model.keras", "figures"} <= names
    assert not names & {"exports.json", "MODEL_CARD.md", "saved_model"}
    assert json.loads((out / "config.json").read_text())["config"]["units"] == 5
    assert leftovers(out) == []


def test_a_failed_save_leaves_the_old_folder_untouched(base_run, tmp_path):
    out = copy_run(base_run, tmp_path / "r")
    before = snapshot(out)
    _, run = load_run(base_run)

    def broken_figures(run, folder):
        folder.mkdir()
        (folder / "half.png").write_bytes(b"\x89PNG")
        raise RuntimeError("figure failed")

    with pytest.raises(RuntimeError, match="figure failed"):
        save_run(run, out, overwrite=True, figures=broken_figures)
    assert snapshot(out) == before
    assert leftovers(out) == []


KILLED_SAVE = """
import sys, time
from pathlib import Path
from lstm_apps.runs import save_run
from lstm_apps.tasks import load_run

_, run = load_run(sys.argv[1])

def slow_figures(run, folder):
    folder.mkdir()
    (folder / "started").write_text("")
    time.sleep(120)

save_run(run, sys.argv[2], overwrite=True, figures=slow_figures)
"""


def test_a_kill_during_save_loses_nothing(base_run, tmp_path):
    out = copy_run(base_run, tmp_path / "r")
    (out / "marker.txt").write_text("the old run")
    before = snapshot(out)
    script = tmp_path / "save.py"
    script.write_text(KILLED_SAVE)
    child = subprocess.Popen([sys.executable, str(script), str(base_run), str(out)])
    try:
        deadline = time.time() + 240
        while not list(tmp_path.glob(".r.tmp-*/figures/started")):
            assert child.poll() is None and time.time() < deadline, "the save never started"
            time.sleep(0.2)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert snapshot(out) == before  # the old folder, complete and alone
    assert [n for n in leftovers(out) if ".tmp-" in n]  # the killed writer's scratch folder
    _, run = load_run(base_run)
    save_run(run, out, overwrite=True)
    assert not (out / "marker.txt").exists() and (out / "model.keras").exists()
    assert leftovers(out) == []  # the next writer removed the scratch folder


HOLD_LOCK = """
import sys, time
from lstm_apps.storage import FolderLock
with FolderLock(sys.argv[1]):
    print("locked", flush=True)
    time.sleep(120)
"""


def test_a_second_writer_is_refused(tmp_path, capsys):
    out = tmp_path / "r"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(out)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert main([*FAST_RUN, *QUIET, "--output", str(out)]) == 2
        assert "Another lstm-apps process is writing" in one_line_error(capsys)
        assert not out.exists()
    finally:
        holder.kill()
        holder.wait()


def test_files_get_the_permissions_of_the_umask(base_run):
    expected_file, expected_dir = 0o666 & ~0o022, 0o777 & ~0o022
    for path in [base_run, *base_run.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (expected_dir if path.is_dir() else expected_file), (path, oct(mode))


def test_json_is_written_strictly(tmp_path):
    path = tmp_path / "m.json"
    with pytest.raises(ValueError, match=r"m\.json: scores\.1 is inf, which is not valid JSON"):
        write_json(path, {"scores": [1.0, float("inf")]})
    assert not path.exists() and list(tmp_path.iterdir()) == []
    assert finite_or_none({"r2": float("nan"), "rmse": 2.0}) == {"r2": None, "rmse": 2.0}


@pytest.mark.parametrize(
    "argv, match",
    [
        ([*FAST_RUN, "--set", "input_noise=1e30"], r"`input_noise` must be in \[0, 1\]"),
        ([*FAST_RUN, "--set", "dropout=1.0"], r"`dropout` must be in \[0, 1\)"),
        ([*FAST_RUN, "--set", "units=(8, 0)"], r"`units` must be a positive integer"),
        (["generate", "x", "--prompt", "a", "--temperature", "inf"], "expected a finite number"),
    ],
)
def test_values_are_checked_before_anything_starts(argv, match, capsys):
    with pytest.raises(SystemExit) if argv[0] == "generate" else contextlib.nullcontext():
        assert main(argv) == 2
    assert re.search(match, capsys.readouterr().err)


def test_a_diverged_run_names_the_settings_to_change(tmp_path, capsys):
    argv = [*FAST_RUN, *QUIET, "--set", "training.l2_regularization=1e38", "--output"]
    assert main([*argv, str(tmp_path / "r")]) == 2
    err = one_line_error(capsys)
    assert "Training diverged" in err and "training.l2_regularization (received 1e+38)" in err
    assert not (tmp_path / "r").exists()


def test_export_refuses_non_finite_check_inputs(base_run, tmp_path, capsys):
    import numpy as np

    batch = np.ones((2, 5, 12), "float32")
    batch[1, 3, 0] = np.nan
    np.save(tmp_path / "b.npy", batch)
    argv = ["export", str(base_run), "--format", "onnx", "--output", str(tmp_path / "m.onnx")]
    assert main([*argv, "--inputs", str(tmp_path / "b.npy")]) == 2
    assert "must be finite" in one_line_error(capsys) and not (tmp_path / "m.onnx").exists()


@pytest.mark.parametrize("value", ["1e999", "nan", "-inf", "Infinity", "(1.0, 1e999)"])
def test_non_finite_set_values_are_refused(value, capsys):
    field = "units" if value.startswith("(") else "training.initial_learn_rate"
    assert main([*FAST_RUN, "--set", f"{field}={value}"]) == 2
    assert "finite number" in one_line_error(capsys)


def damage(folder: Path, kind: str):
    model, config = folder / "model.keras", folder / "config.json"
    if kind == "truncated model":
        model.write_bytes(model.read_bytes()[: model.stat().st_size // 2])
    elif kind == "garbage model":
        model.write_bytes(os.urandom(2048))
    elif kind == "empty model":
        model.write_bytes(b"")
    elif kind == "malformed config":
        config.write_text('{"case_study": "japanese_vowels", "config": {')
    elif kind == "config not an object":
        config.write_text("[1, 2]")
    elif kind == "extra config field":
        saved = json.loads(config.read_text())
        saved["config"]["bogus"] = 1
        config.write_text(json.dumps(saved))
    elif kind == "bad config value":
        saved = json.loads(config.read_text())
        saved["config"]["training"] = "fast"
        config.write_text(json.dumps(saved))
    elif kind == "NaN in config":
        config.write_text(config.read_text().replace('"dropout": 0.0', '"dropout": NaN'))
        assert "NaN" in config.read_text()
    elif kind == "config of another run":
        saved = json.loads(config.read_text())
        saved["model_sha256"] = "0" * 64
        config.write_text(json.dumps(saved))
    elif kind == "no class names":
        saved = json.loads(config.read_text())
        saved["class_names"] = []
        config.write_text(json.dumps(saved))
    elif kind == "mixed runs":
        saved = json.loads(config.read_text())
        saved["class_names"] = ["a", "b", "c"]
        config.write_text(json.dumps(saved))


@pytest.mark.parametrize(
    "kind, match",
    [
        ("truncated model", r"model\.keras is damaged"),
        ("garbage model", r"model\.keras is damaged"),
        ("empty model", r"model\.keras is damaged"),
        ("malformed config", r"config\.json is damaged: not valid JSON \(line 1"),
        ("config not an object", r"config\.json is damaged: expected a JSON object"),
        ("extra config field", r"config\.json .*unknown .*fields: bogus"),
        ("bad config value", r"config\.json .*'training' section must be a mapping"),
        ("NaN in config", r"config\.json is damaged: it holds NaN at config\.dropout"),
        ("config of another run", r"mixes two runs: model\.keras is not the model its config"),
        ("no class names", r"'class_names' must be a non-empty list or null"),
        ("mixed runs", r"mixes two runs: model\.keras has 9 outputs but config\.json names 3"),
    ],
)
def test_damaged_artifacts_get_one_line_naming_the_file(base_run, tmp_path, kind, match, capsys):
    folder = copy_run(base_run, tmp_path / "r")
    damage(folder, kind)
    for argv in (["evaluate", str(folder)], ["card", str(folder)]):
        assert main(argv) == 2, argv
        assert re.search(match, one_line_error(capsys)), argv
    assert not (folder / "MODEL_CARD.md").exists()


def run_cli(argv) -> subprocess.CompletedProcess:
    """The command line in a child process, with TensorFlow's own log settings."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    return subprocess.run(
        [sys.executable, "-m", "lstm_apps.cli", *argv],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


@pytest.fixture
def read_only():
    """Make folders truly read-only: chmod for a user, the immutable attribute for root
    (root ignores permission bits)."""
    frozen = []

    def freeze(folder: Path):
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-R", "+i", str(folder)], check=True)
        else:
            for path in [folder, *folder.rglob("*")]:
                os.chmod(path, 0o555 if path.is_dir() else 0o444)
        frozen.append(folder)
        assert not os.access(folder, os.W_OK)

    yield freeze
    for folder in frozen:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-R", "-i", str(folder)], check=True)
        else:
            for path in [folder, *folder.rglob("*")]:
                os.chmod(path, 0o755 if path.is_dir() else 0o644)


def test_a_read_only_run_folder_is_refused_before_anything_is_written(
    base_run, tmp_path, read_only, capsys
):
    folder = copy_run(base_run, tmp_path / "r")
    read_only(folder)
    elsewhere = tmp_path / "out"
    elsewhere.mkdir()
    before = snapshot(folder)
    for argv in (
        ["card", str(folder)],
        ["export", str(folder), "--format", "saved_model", "--output", str(elsewhere / "sm")],
    ):
        assert main(argv) == 2, argv
        err = one_line_error(capsys)
        assert "read-only folder" in err and str(folder) in err
    assert list(elsewhere.iterdir()) == [] and snapshot(folder) == before
    assert main(["evaluate", str(folder)]) == 0  # reading needs no write access
    assert "accuracy" in capsys.readouterr().out
    assert main([*FAST_RUN, "--output", str(folder / "inner")]) == 2
    assert "read-only folder" in one_line_error(capsys)


def test_errors_are_one_line_even_after_tensorflow_starts(base_run, tmp_path):
    done = run_cli(["predict", str(base_run), str(tmp_path / "missing.csv")])
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1, done.stderr  # no TensorFlow start-up lines
    assert "missing.csv" in done.stderr


def test_verbose_shows_the_traceback(tmp_path):
    done = run_cli(["--verbose", "predict", str(tmp_path / "none"), "x.csv"])
    assert done.returncode != 0 and "Traceback" in done.stderr


def test_help_text_of_the_changed_commands():
    text = run_cli(["run", "japanese_vowels", "--help"]).stdout
    assert "--overwrite" in text and "replace a non-empty --output folder" in text


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_run_leaves_nothing_half_written(tmp_path, signum):
    out, backup = tmp_path / "r", tmp_path / "backup"
    argv = [*FAST_RUN, "--set", "training.max_epochs=100000", "--set", "training.verbose=0"]
    argv += ["--set", f"training.checkpoint_dir='{backup}'", "--output", str(out)]
    child = subprocess.Popen(
        [sys.executable, "-m", "lstm_apps.cli", *argv], stderr=subprocess.PIPE, text=True
    )
    deadline = time.time() + 240
    while not list(backup.rglob("*.h5")):  # training has run at least one epoch
        assert child.poll() is None and time.time() < deadline, child.stderr.read()
        time.sleep(0.2)
    child.send_signal(signum)
    err = child.communicate(timeout=120)[1]
    assert child.returncode == 130, err
    assert err.count("\n") == 1 and "interrupted" in err and "not written" in err, err
    assert f"resume from the backup in {backup}" in err
    assert not out.exists() and leftovers(out) == []


def test_output_folders_that_would_lose_data_are_refused(base_run, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    user = tmp_path / "mydata"
    user.mkdir()
    (user / "table.csv").write_text("sequence,label,f\n1,a,0.5\n")
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "link").symlink_to(copy_run(base_run, tmp_path / "old"))
    cases = [
        (["--output", "."], "is the current folder"),
        (["--output", str(tmp_path / "notes.txt" / "run")], "notes.txt is a file, not a folder"),
        (["--output", str(user), "--overwrite"], "is not a run folder .*--overwrite only"),
        (["--output", "link", "--overwrite"], "is a symbolic link"),
    ]
    for extra, match in cases:
        assert main([*FAST_RUN, *QUIET, *extra]) == 2, extra
        assert re.search(match, one_line_error(capsys)), extra
    assert (user / "table.csv").read_text().startswith("sequence") and (
        tmp_path / "link"
    ).is_symlink()


def test_export_and_card_never_replace_what_they_did_not_write(base_run, tmp_path, capsys):
    folder = copy_run(base_run, tmp_path / "r")
    before = snapshot(folder)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "thesis.txt").write_text("years of work")
    for target in (folder, docs):
        argv = ["export", str(folder), "--format", "saved_model", "--output", str(target)]
        assert main([*argv, "--overwrite"]) == 2
        assert "holds no earlier saved_model export" in one_line_error(capsys)
    for target in (folder / "config.json", docs):
        assert main(["card", str(folder), "--output", str(target)]) == 2
        assert "must end in .md and not be a folder" in one_line_error(capsys)
    assert snapshot(folder) == before and (docs / "thesis.txt").read_text() == "years of work"


def test_a_full_disk_while_saving_leaves_the_old_run(base_run, tmp_path):
    out = copy_run(base_run, tmp_path / "r")
    before = snapshot(out)

    def small_files():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG instead of being killed
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (40_000, 40_000))

    argv = [*FAST_RUN, *QUIET, "--output", str(out), "--overwrite"]
    done = subprocess.run(
        [sys.executable, "-m", "lstm_apps.cli", *argv],
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=small_files,
    )
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "could not write the run folder (File too large)" in done.stderr
    assert "is unchanged" in done.stderr
    assert snapshot(out) == before and leftovers(out) == []


def test_a_damaged_history_costs_only_the_history(base_run, tmp_path):
    folder = copy_run(base_run, tmp_path / "r")
    (folder / "history.csv").write_bytes(b"epoch,loss\n\xff\xfe\x00garbage")
    import numpy as np

    np.save(tmp_path / "u.npy", np.ones((7, 12), "float32"))
    done = run_cli(["predict", str(folder), str(tmp_path / "u.npy")])
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith("lstm-apps: warning: ") and done.stderr.count("\n") == 1
    assert "history.csv is damaged" in done.stderr
    assert done.stdout.splitlines()[1].startswith("u.npy\t")


def test_a_closed_pipe_and_another_keras_backend(base_run, tmp_path):
    import numpy as np

    np.save(tmp_path / "u.npy", np.ones((40, 7, 12), "float32"))
    argv = [
        sys.executable,
        "-m",
        "lstm_apps.cli",
        "predict",
        str(base_run),
        str(tmp_path / "u.npy"),
    ]
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    child.stdout.close()  # like `| head -0`: nobody reads the output
    err = child.stderr.read()
    assert child.wait(timeout=300) == 141 and err == "", err
    done = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "KERAS_BACKEND": "jax"},
    )
    assert done.returncode == 0 and "KERAS_BACKEND=jax is ignored" in done.stderr
    assert len(done.stdout.splitlines()) == 41


def test_a_config_edited_after_training_is_not_documented_as_the_models(base_run, tmp_path, capsys):
    folder = copy_run(base_run, tmp_path / "r")
    saved = json.loads((folder / "config.json").read_text())
    saved["config"]["units"] = 64  # the model has 4
    (folder / "config.json").write_text(json.dumps(saved))
    assert main(["card", str(folder)]) == 2
    assert "was edited after training" in one_line_error(capsys)
    assert not (folder / "MODEL_CARD.md").exists()
    assert main(["evaluate", str(folder)]) == 0  # still usable, with a warning
    assert "was edited after training" in capsys.readouterr().err
