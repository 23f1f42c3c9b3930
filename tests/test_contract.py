"""The case-study contract, checked on every registered study.

One table (the registry) drives every test here, so that a study which drifts
from the contract, or whose run folder the command line cannot use, fails CI.
"""

from __future__ import annotations

import dataclasses
import json
import math
import types

import pytest

from lstm_apps.cli import main
from lstm_apps.tasks import CASE_STUDIES, check_case_study, get_case_study
from lstm_apps.tasks.base import GROUPS
from lstm_apps.training import TrainingConfig

STUDIES = sorted(CASE_STUDIES)


@pytest.mark.parametrize("name", STUDIES)
def test_study_meets_the_contract(name):
    module = get_case_study(name)  # runs check_case_study
    assert module.NAME == name
    config = module.Config()
    assert isinstance(config.training, TrainingConfig)
    assert isinstance(module.Config.fast().training, TrainingConfig)


@pytest.mark.parametrize("name", STUDIES)
def test_every_config_field_is_grouped_and_explained(name):
    config_class = get_case_study(name).Config
    table = config_class.field_help()
    assert set(table) <= set(GROUPS)
    listed = {row[0].split(".")[0] for rows in table.values() for row in rows}
    assert listed == {f.name for f in dataclasses.fields(config_class)}
    missing = [row[0] for rows in table.values() for row in rows if not row[3].strip()]
    assert not missing, f"{name}: fields without a one-line meaning: {missing}"


@pytest.mark.parametrize("name", STUDIES)
def test_no_study_declares_a_training_setting_outside_its_section(name):
    config_class = get_case_study(name).Config
    shared = {f.name for f in dataclasses.fields(TrainingConfig)}
    own = {f.name for f in dataclasses.fields(config_class)}
    assert not (own & shared), f"{name} declares {sorted(own & shared)} outside `training`"


def test_a_drifted_module_is_refused():
    from lstm_apps.tasks import japanese_vowels as jv

    drifted = types.ModuleType("drifted")
    for key in ("NAME", "DESCRIPTION", "Config", "load_data", "build_model", "train"):
        setattr(drifted, key, getattr(jv, key))
    drifted.evaluate = lambda model, data: {}  # the old signature
    with pytest.raises(TypeError) as error:
        check_case_study(drifted)
    message = str(error.value)
    assert "`evaluate` takes (model, data); the contract is (run)" in message
    assert "has no function `predict`" in message and "has no function `figures`" in message


@pytest.mark.parametrize("name", STUDIES)
def test_fast_run_folder_serves_evaluate_predict_and_card(name, tmp_path, capsys):
    """fast run -> run folder -> `lstm-apps evaluate` -> `predict` on the study's own
    sample input -> model card."""
    from lstm_apps.tasks import load_run

    run_dir = tmp_path / "run"
    argv = ["run", name, "--fast", "--set", "training.verbose=0", "--output", str(run_dir)]
    assert main(argv) == 0, capsys.readouterr().err
    capsys.readouterr()
    saved = json.loads((run_dir / "metrics.json").read_text())["test"]
    assert saved and all(v is None or isinstance(v, (int, float)) for v in saved.values())
    assert (run_dir / "model.keras").exists() and any((run_dir / "figures").iterdir())

    assert main(["evaluate", str(run_dir), "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    # a saved model is scored again; comparisons made while training (other
    # models, baselines fitted in the run) may be left out, never changed
    assert again and set(again) <= set(saved)
    for key, value in again.items():
        if saved[key] is not None and not key.endswith("seconds"):
            assert value == pytest.approx(saved[key], rel=1e-3, abs=1e-4), key

    module, run = load_run(run_dir, with_data=True)
    assert run.history and all(len(v) >= 1 for v in run.history.values())
    argument = module.sample_input(run, tmp_path)
    assert main(["predict", str(run_dir), argument]) == 0
    header, *lines = [line for line in capsys.readouterr().out.splitlines() if line]
    assert header == "id\tlabel\tscore" and lines
    for line in lines:
        key, label, score = line.split("\t")
        assert key and label and math.isfinite(float(score))

    assert main(["card", str(run_dir)]) == 0
    card = (run_dir / "MODEL_CARD.md").read_text()
    assert f"# Model card: {name}" in card and "training.max_epochs" in card


def test_a_config_saved_by_the_previous_release_still_loads():
    from lstm_apps.tasks import japanese_vowels as jv

    old = {"units": 32, "max_epochs": 5, "initial_learn_rate": 0.01, "seed": 2, "verbose": 0}
    config = jv.Config.from_dict(old)
    assert config.units == 32 and config.training.max_epochs == 5
    assert config.training.initial_learn_rate == 0.01 and config.training.seed == 2
    assert config.training.mini_batch_size == 16  # the study's default, not TrainingConfig's
    saved = dataclasses.asdict(jv.Config.fast())
    assert jv.Config.from_dict(json.loads(json.dumps(saved))) == jv.Config.fast()
