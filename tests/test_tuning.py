"""`lstm-apps tune`: search spaces, the Optuna study in SQLite, report and best run."""

from __future__ import annotations

import json
import os
import shlex
import signal
import sqlite3
import subprocess
import sys
import time

import optuna
import pandas as pd
import pytest

from lstm_apps import cli
from lstm_apps.tasks.registry import (
    CASE_STUDIES,
    config_class,
    make_config,
    parse_overrides,
    read_config,
)
from lstm_apps.tuning.space import (
    Choice,
    FloatRange,
    IntRange,
    Stack,
    TuningSpec,
    changes_from_params,
    params_of,
    parse_space,
    run_command,
    suggest,
)
from lstm_apps.tuning.studies import declares_tuning, needs_data, tuning_spec
from lstm_apps.tuning.trials import best_epoch, best_value
from lstm_apps.tuning.tuner import parse_budget, suggest_defaults, tune

FAST_JV = ["japanese_vowels", "--fast", "--no-retrain"]
# A small corner of the study's space: one-layer LSTMs and GRUs of 8 to 16 units on larger
# batches. The searches below check how trials are shared, resumed, pruned and reported,
# not what they find; a sampled two-layer BiLSTM of 256 units with recurrent dropout costs
# a trial several times more (its graph takes most of the trial to trace).
SMALL_SPACE = [
    "architecture=choice:lstm,gru",
    "units=int:8:16",
    "recurrent_dropout=off",
    "training.mini_batch_size=choice:32,64",
]
SMALL = [arg for entry in SMALL_SPACE for arg in ("--space", entry)]


def test_space_entries_parse_and_bad_ones_name_the_entry():
    space = parse_space(
        [
            "units=int:16:256:log",
            "dropout=float:0:0.5",
            "architecture=choice:lstm,gru",
            "filters=choice:(32,64),(64,128)",
            "units2=stack:16:64:3",
            "normalization=off",
        ]
    )
    assert space["units"] == IntRange(16, 256, log=True)
    assert space["dropout"] == FloatRange(0.0, 0.5)
    assert space["architecture"] == Choice(("lstm", "gru"))
    assert space["filters"] == Choice(((32, 64), (64, 128)))
    assert space["units2"] == Stack(16, 64, 3)
    assert space["normalization"] is None
    for bad, says in [
        ("units", "expected FIELD=SPEC"),
        ("units=int:10", "LOW:HIGH"),
        ("units=int:20:10", "low <= high"),
        ("lr=float:0:1:log", "log-scale"),
        ("units=range:1:2", "the kind must be"),
    ]:
        with pytest.raises(ValueError, match=says) as caught:
            parse_space([bad])
        assert repr(bad) in str(caught.value)
    with pytest.raises(ValueError, match="direction"):
        TuningSpec(metric="val_loss", direction="lowest")


def test_sampled_changes_read_back_from_stored_params():
    space = {
        "architecture": Choice(("lstm", "gru")),
        "units": Stack(8, 64, max_depth=2),
        "filters": Choice(((16, 32), (32, 64))),
        "training.initial_learn_rate": FloatRange(1e-4, 1e-2, log=True),
        "kernel_size": IntRange(3, 9),
    }
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    seen = []
    for _ in range(8):
        trial = study.ask()
        changes = suggest(trial, space)
        study.tell(trial, 0.0)
        seen.append(changes)
        assert changes_from_params(study.trials[-1].params, space) == changes
        units = changes["units"]
        assert isinstance(units, int) or (len(units) == 2 and units[0] == units[1])
        assert changes["filters"] in ((16, 32), (32, 64))
    assert len({repr(c) for c in seen}) == 8
    # a Config's own values map back to params where they lie inside the space
    config = make_config("japanese_vowels", {"units": (32, 32), "architecture": "gru"})
    config = config.replace(training={"initial_learn_rate": 0.5})  # outside its range
    params = params_of(config, {**space, "training.mini_batch_size": Choice((8, 27))})
    assert params == {"architecture": "gru", "units.width": 32, "units.depth": 2}
    trial = optuna.trial.FixedTrial({**params, "training.initial_learn_rate": 1e-3,
                                     "filters": "(16, 32)", "kernel_size": 3})  # fmt: skip
    assert suggest(trial, space)["units"] == (32, 32)
    command = run_command("japanese_vowels", {"units": (64, 64), "architecture": "gru"})
    assert shlex.split(command)[3:] == ["--set", "units=(64,64)", "--set", "architecture=gru"]
    assert best_value([0.2, float("nan"), 0.5, 0.4], "maximize") == 0.5
    assert best_value([0.2, 0.1], "minimize") == 0.1
    assert best_epoch([0.5, 1.0, 0.9, 1.0, 0.8], "maximize") == 4  # the last of the tied best
    assert best_epoch([float("nan")], "minimize") == 0
    assert parse_budget("20m") == 1200 and parse_budget("1.5h") == 5400 and parse_budget(90) == 90
    for bad in ("0", "-5m", "soon", "nanm"):
        with pytest.raises(ValueError, match="positive time"):
            parse_budget(bad)


@pytest.mark.parametrize("name", list(CASE_STUDIES))
def test_every_study_declares_a_space_its_config_accepts(name):
    if not declares_tuning(name):
        with pytest.raises(ValueError, match="cannot be tuned: .+"):
            tuning_spec(name)
        return
    if needs_data(name):  # a spec that depends on the task: try both kinds of data
        specs = [tuning_spec(name, config_class(name)(), _Task(t)) for t in TASK_KINDS]
    else:
        specs = [tuning_spec(name)]
    for spec in specs:
        assert spec.metric.startswith("val_") and spec.space
        base = config_class(name)().replace(**spec.fixed).replace(**spec.holdout)
        base = base.replace(**spec.trial_only)
        for key, value in suggest_defaults(spec).items():
            base.replace(**{key: value})  # raises if the field or the value does not fit
        lows = {k: v.low for k, v in spec.space.items() if isinstance(v, (IntRange, FloatRange))}
        base.replace(**lows)


TASK_KINDS = ("classification", "regression")


class _Task:
    def __init__(self, task):
        self.task = task


def _tune_cli(args, cwd):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    command = [sys.executable, "-m", "lstm_apps.cli", "tune", *args]
    return subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _states(database):
    """The trials' states, or [] while the search is still creating the database's tables."""
    with sqlite3.connect(database) as db:
        try:
            return [row[0] for row in db.execute("SELECT state FROM trials ORDER BY number")]
        except sqlite3.OperationalError as error:
            if "no such table" in str(error):
                return []
            raise


def _beating(database) -> bool:
    """Whether the last trial has recorded a heartbeat. Killed before its first one, a trial
    could never be found stale (Optuna judges staleness by the last heartbeat)."""
    with sqlite3.connect(database) as db:
        last = "(SELECT MAX(trial_id) FROM trials)"
        row = db.execute(
            f"SELECT COUNT(*) FROM trial_heartbeats WHERE trial_id = {last}"
        ).fetchone()
    return bool(row and row[0])


def test_fast_search_writes_a_report_and_a_best_run_that_its_command_reproduces(tmp_path):
    # every field of the study's space (units still a stack), in a cheap corner (SMALL_SPACE)
    space = parse_space(
        [
            "architecture=choice:lstm,gru",
            "units=stack:8:16:2",
            "training.mini_batch_size=choice:32,64",
        ]
    )
    result = tune("japanese_vowels", tmp_path / "jv", trials=3, seed=0, fast=True, space=space,
                  progress=False)  # fmt: skip
    folder = tmp_path / "jv"
    table = pd.read_csv(folder / "trials.csv")
    assert len(table) == 3 and set(table["state"]) <= {"complete", "pruned"}
    assert {"architecture", "units.width", "units.depth", "dropout"} <= set(table.columns)
    best = json.loads((folder / "best.json").read_text())
    assert best["best_score"] == result.study.best_value == table["score"].min()  # log-loss
    assert best["metric"] == "validation_log_loss" and best["best_score"] > 0
    assert 0 <= best["test_metrics"]["accuracy"] <= 1
    assert set(best["importances"]) <= set(table.columns)
    for figure in ("optimization_history", "param_importances", "parallel_coordinate"):
        assert (folder / f"{figure}.png").stat().st_size > 5_000
    assert best["command"].startswith("lstm-apps run japanese_vowels --fast --set ")
    assert best["command"] in (folder / "REPORT.md").read_text()
    # The printed command's settings are exactly those of the retrained run.
    sets = [a for a in shlex.split(best["command"]) if "=" in a]
    changes = parse_overrides(config_class("japanese_vowels"), sets)
    expected = make_config("japanese_vowels", changes, fast=True)
    _, saved = read_config(folder / "best_run")
    assert saved == expected
    assert (folder / "best_run" / "model.keras").exists()


def test_two_processes_share_one_study_and_a_killed_search_resumes(tmp_path):
    folder = tmp_path / "shared"
    workers = [
        _tune_cli([*FAST_JV, *SMALL, "--trials", "1", "--output", str(folder)], tmp_path)
        for _ in range(2)
    ]
    for worker in workers:
        out, err = worker.communicate(timeout=600)
        assert worker.returncode == 0, err[-2000:]
    study = optuna.load_study(
        study_name="japanese_vowels", storage=f"sqlite:///{folder / 'study.db'}"
    )
    assert len(study.trials) == 2  # one from each process
    assert all(t.state.name in ("COMPLETE", "PRUNED") for t in study.trials)

    # Kill a search in the middle of a trial, then resume it.
    killed = tmp_path / "killed"
    slow = ["--set", "training.max_epochs=20", "--trials", "5", "--output", str(killed)]
    worker = _tune_cli([*FAST_JV, *SMALL, *slow], tmp_path)
    deadline = time.time() + 300
    while time.time() < deadline:
        states = _states(killed / "study.db") if (killed / "study.db").exists() else []
        if "COMPLETE" in states and states[-1] == "RUNNING" and _beating(killed / "study.db"):
            break
        time.sleep(0.5)
    else:
        worker.kill()
        pytest.fail(f"the search never reached a second trial: {worker.communicate()[1][-2000:]}")
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    before = _states(killed / "study.db")
    assert before[-1] == "RUNNING"
    time.sleep(4)  # longer than three heartbeats of the resuming search
    changes = {"training.max_epochs": 20}
    tune("japanese_vowels", killed, trials=1, changes=changes, space=parse_space(SMALL_SPACE),
         fast=True, retrain=False, progress=False, heartbeat=1)  # fmt: skip
    study = optuna.load_study(
        study_name="japanese_vowels", storage=f"sqlite:///{killed / 'study.db'}"
    )
    states = [t.state.name for t in study.trials]
    assert states[: len(before) - 1] == before[:-1]  # finished trials are kept
    assert states[len(before) - 1] == "FAIL"  # the killed one, failed by its silence
    retried = [
        t for t in study.trials[len(before) :] if t.params == study.trials[len(before) - 1].params
    ]
    assert retried and retried[0].state.name in ("COMPLETE", "PRUNED")  # tried again, same settings


@pytest.mark.parametrize(
    "args, says",
    [
        (["hola"], "cannot be tuned"),
        (["japanese_vowels", "--budget", "0m"], "positive time"),
        (["japanese_vowels", "--space", "units=int:5"], "Bad --space entry"),
        (["japanese_vowels", "--set", "unit=5"], "Unknown field 'unit'"),
        (["japanese_vowels", "--trials", "0"], "--trials must be at least 1"),
        (["japanese_vowels", "--space", "unit=int:1:5"], "Unknown field 'unit'"),
        (["japanese_vowels", "--space", "nosuch=off"], "Unknown field 'nosuch'"),
        (["japanese_vowels", "--space", "units=choice:abc"], "Bad value for units"),
        (["japanese_vowels", "--storage", "nosuch://x"], "Cannot open the study database"),
    ],
)
def test_tune_command_refuses_bad_arguments_before_training(args, says, capsys, tmp_path):
    assert cli.main(["tune", *args, "--output", str(tmp_path / "t")]) == cli.EXIT_USAGE
    assert says in capsys.readouterr().err
    assert not (tmp_path / "t").exists()


def test_folds_cover_training_and_validation_once_and_keep_groups_together(vowels):
    import numpy as np

    from lstm_apps.tuning.folds import cross_validation_folds

    folds = cross_validation_folds(vowels, 5, seed=0)
    assert len(folds) == 5
    held = np.concatenate([np.asarray(f.y_val) for f in folds])
    assert len(held) == len(vowels.x_train) and sorted(held) == sorted(vowels.y_train)
    for fold in folds:  # stratified: every speaker in every validation fold
        assert set(fold.y_val) == set(vowels.y_train)
        assert len(fold.x_train) + len(fold.x_val) == len(vowels.x_train)
        assert fold.x_test is vowels.x_test
    groups = np.arange(len(vowels.x_train)) % 7  # seven made-up groups
    for fold in cross_validation_folds(vowels, 3, groups=groups, seed=0):
        ids = {id(x) for x in fold.x_val}
        inside = {groups[i] for i, x in enumerate(vowels.x_train) if id(x) in ids}
        outside = {groups[i] for i, x in enumerate(vowels.x_train) if id(x) not in ids}
        assert inside and not inside & outside
    with pytest.raises(ValueError, match="at least 2 folds"):
        cross_validation_folds(vowels, 1)
    with pytest.raises(ValueError, match="needs at least 9 groups; the data has 7"):
        cross_validation_folds(vowels, 9, groups=groups)
    with pytest.raises(ValueError, match="the rarest has"):
        cross_validation_folds(vowels, 40)


def test_activity_folds_keep_each_subject_on_one_side():
    from lstm_apps.tasks.activity import study
    from lstm_apps.tuning.folds import cross_validation_folds

    config = make_config("activity", {"task": "windows"})
    data = study.load_data(config)
    users = tuning_spec("activity").cv_groups(data)
    assert len(users) == len(data.x_train) + len(data.x_val)
    assert set(users) == set(data.train_users) | set(data.validation_subjects)
    assert not set(users) & set(data.test_subjects)
    owner = {id(x): u for x, u in zip(list(data.x_train) + list(data.x_val), users)}
    seen = set()
    for fold in cross_validation_folds(data, 4, groups=users, seed=0):
        held = {owner[id(x)] for x in fold.x_val}
        kept = {owner[id(x)] for x in fold.x_train}
        assert held and not held & kept and len(kept | held) == len(set(users))
        seen |= held
    assert seen == set(users)  # every training subject is held out once


def test_cross_validated_search_scores_the_fold_mean_and_refuses_a_mixed_resume(tmp_path):
    import numpy as np

    folder = tmp_path / "cv"
    changes = {"training.max_epochs": 3}
    space = parse_space(SMALL_SPACE)
    result = tune("japanese_vowels", folder, trials=2, cv=2, seed=0, fast=True,
                  changes=changes, space=space, progress=False)  # fmt: skip
    table = pd.read_csv(folder / "trials.csv")
    for _, row in table[table["state"] == "complete"].iterrows():
        folds = [float(v) for v in row["fold_scores"].split()]
        assert len(folds) == 2
        assert row["score"] == pytest.approx(np.mean(folds), abs=1e-3)
        assert row["score_sd"] == pytest.approx(np.std(folds, ddof=1), abs=1e-3)
    # The best settings are refit on every training utterance (no hold-out) for the
    # mean of its folds' best epochs.
    epochs = result.study.best_trial.user_attrs["best_epochs"]
    assert len(epochs) == 2 and all(1 <= e <= 3 for e in epochs)
    _, refit = read_config(folder / "best_run")
    assert refit.validation_fraction == 0.0 and refit.training.validation_patience is None
    assert refit.training.max_epochs == max(1, round(np.mean(epochs)))
    assert "validation_fraction" not in result.command
    with pytest.raises(ValueError, match="would not compare"):
        tune("japanese_vowels", folder, trials=1, space=space, fast=True, retrain=False,
             progress=False)  # fmt: skip
    with pytest.raises(ValueError, match="cannot be cross-validated: .*future"):
        tune("series", tmp_path / "s", trials=1, cv=3, fast=True, progress=False)
    assert not (tmp_path / "s").exists()


def test_a_hopeless_trial_is_pruned_before_its_last_epoch(tmp_path):
    from lstm_apps.tuning.tuner import open_study

    folder = tmp_path / "pruning"
    folder.mkdir()
    study = open_study(f"sqlite:///{folder / 'study.db'}", "japanese_vowels", "minimize")
    for rate in (0.01, 0.01, 0.01, 0.01, 1e-7):  # four that learn, then one that cannot
        study.enqueue_trial({"training.initial_learn_rate": rate})
    space = {"training.initial_learn_rate": Choice((0.01, 1e-7))}
    for key in tuning_spec("japanese_vowels").space:
        space.setdefault(key, None)  # search the learning rate only
    changes = {"training.max_epochs": 6, "units": 32}
    tune("japanese_vowels", folder, trials=5, changes=changes, space=space, seed=0, fast=True,
         retrain=False, progress=False)  # fmt: skip
    trials = optuna.load_study(study_name="japanese_vowels", storage=study._storage).trials
    assert [t.params["training.initial_learn_rate"] for t in trials] == [0.01] * 4 + [1e-7]
    assert [t.state.name for t in trials[:4]] == ["COMPLETE"] * 4
    assert trials[4].state.name == "PRUNED"
    assert len(trials[4].intermediate_values) < 6


def test_a_study_score_replaces_the_history_best_and_names_the_report(tmp_path):
    from lstm_apps.tasks.turbofan import rul, study
    from lstm_apps.tuning.trials import Objective

    spec = tuning_spec("turbofan")
    assert spec.scored_by == "validation_rmse" and spec.metric == "val_rmse"
    objective = Objective("turbofan", make_config("turbofan", fast=True)).use(spec)
    config = objective.config_for({})
    run = study.train(config, objective.data_for(config))
    value, epoch = objective.score(run)
    assert value == pytest.approx(rul.validation_metrics(run)["validation_rmse"])
    curve = run.history["val_rmse"]
    assert value != pytest.approx(min(curve)) and curve[epoch - 1] == min(
        curve
    )  # epochs count from 1
    result = tune("turbofan", tmp_path, trials=1, fast=True, retrain=False, progress=False)
    assert (
        "Score: `validation_rmse` (minimize) after training" in (tmp_path / "REPORT.md").read_text()
    )
    assert json.loads((tmp_path / "best.json").read_text())["metric"] == "validation_rmse"
    assert result.study.user_attrs["scoring"]["metric"] == "validation_rmse"


def test_japanese_vowels_trials_are_scored_by_the_validation_log_loss():
    import numpy as np

    from lstm_apps import training
    from lstm_apps.tasks.japanese_vowels import study
    from lstm_apps.tuning.scores import validation_log_loss
    from lstm_apps.tuning.trials import Objective

    spec = tuning_spec("japanese_vowels")
    assert spec.score is validation_log_loss and spec.direction == "minimize"
    objective = Objective("japanese_vowels", make_config("japanese_vowels", fast=True)).use(spec)
    config = objective.config_for({"training.l2_regularization": 0.01})
    run = study.train(config, objective.data_for(config))
    value, _ = objective.score(run)
    p = np.asarray(training.predict(run.model, run.data.x_val))
    y = np.asarray(run.data.y_val)
    assert len(y) > 0 and value == pytest.approx(-np.mean(np.log(p[np.arange(len(y)), y])))
    with pytest.raises(ValueError, match="needs validation sequences"):
        validation_log_loss(study.train(config.replace(validation_fraction=0.0)))


def _scored(folds, origin=None):
    import numpy as np

    attrs = {"fold_scores": folds, **({"origin": origin} if origin else {})}
    return optuna.trial.create_trial(value=float(np.mean(folds)), user_attrs=attrs)


@pytest.mark.parametrize(
    ("start", "other", "direction", "kept"),
    [
        ([0.9, 0.8, 1.0, 0.9, 0.85], [1.0, 0.7, 1.0, 0.95, 0.85], "maximize", 0),  # noise
        ([0.9, 0.8, 1.0, 0.9, 0.85], [0.95, 0.9, 1.0, 0.95, 0.9], "maximize", 1),  # steady gain
        ([0.5, 0.6, 0.4, 0.5, 0.55], [0.3, 0.7, 0.2, 0.5, 0.6], "minimize", 0),
        ([0.5, 0.6, 0.4, 0.5, 0.55], [0.4, 0.5, 0.35, 0.4, 0.45], "minimize", 1),
    ],
)
def test_the_starting_settings_stay_unless_beaten_beyond_one_standard_error(
    start, other, direction, kept
):
    from lstm_apps.tuning.tuner import chosen_trial

    study = optuna.create_study(direction=direction)
    study.add_trial(_scored(start, origin="the study's defaults"))
    study.add_trial(_scored(other))
    assert study.best_trial.number == 1  # the other trial always scores best on the mean
    trial, why = chosen_trial(study, direction)
    assert trial.number == kept
    assert ("starting settings are kept" in why) == (kept == 0)
    assert chosen_trial(study, direction, always_best=True)[0].number == 1
    lone = optuna.create_study(direction=direction)  # no folds: nothing to judge by
    lone.add_trial(optuna.trial.create_trial(value=0.5, user_attrs={"origin": "defaults"}))
    lone.add_trial(optuna.trial.create_trial(value=0.6 if direction == "maximize" else 0.4))
    assert chosen_trial(lone, direction)[0].number == 1
