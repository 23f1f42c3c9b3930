"""Start-up: the command line checks its arguments before TensorFlow is imported.

`import lstm_apps`, the registry, the case studies' settings (`tasks/<name>/config.py`) and
the `--set` checks must not import Keras or TensorFlow; the public names still load on
first use. The timings are measured by benchmarks/cli_startup.py, not here.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import lstm_apps
from lstm_apps.tasks import registry

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "lstm_apps"
HEAVY = ("keras", "tensorflow")


def run_python(code: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=cwd
    )


def last_json_line(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


SETTINGS_WITHOUT_KERAS = """
import json, sys, warnings
import lstm_apps, lstm_apps.cli, lstm_apps.tasks
from lstm_apps.tasks import registry

report = {"studies": list(registry.list_case_studies())}
for name in registry.CASE_STUDIES:
    settings = registry.config_class(name)
    assert registry.make_config(name) == settings()
    assert registry.make_config(name, fast=True) == settings.fast()
    assert settings.field_help()["training"], name
with warnings.catch_warnings():
    warnings.simplefilter("ignore", FutureWarning)
    report["changes"] = registry.parse_overrides(
        registry.config_class("japanese_vowels"), ["units=(8, 4)", "training.max_epochs=3"]
    )
try:
    registry.check_name("nosuchstudy")
except ValueError as error:
    report["unknown"] = str(error)
report["loaded"] = [m for m in ("keras", "tensorflow") if m in sys.modules]
print(json.dumps(report))
"""


def test_settings_and_argument_checks_import_no_keras():
    report = last_json_line(run_python(SETTINGS_WITHOUT_KERAS))
    assert report["loaded"] == []
    assert report["studies"] == list(registry.CASE_STUDIES)
    assert report["changes"] == {"units": [8, 4], "training.max_epochs": 3}
    assert "'nosuchstudy'" in report["unknown"] and "japanese_vowels" in report["unknown"]


CLI_PROBE = """
import json, sys
from lstm_apps.cli import main
try:
    code = main({argv!r})
except SystemExit as exit:
    code = exit.code
loaded = [m for m in ("keras", "tensorflow") if m in sys.modules]
print(json.dumps({{"code": code, "loaded": loaded}}))
"""


@pytest.mark.parametrize(
    "argv, code",
    [
        (["--help"], 0),
        (["list"], 0),
        (["run", "nosuchstudy"], 2),
        (["run", "japanese_vowels", "--help"], 0),
        (["run", "japanese_vowels", "--set", "units=abc"], 2),
        (["run", "hola", "--set", "nosuchfield=1"], 2),
    ],
)
def test_cli_answers_before_tensorflow(argv, code, tmp_path):
    result = run_python(CLI_PROBE.format(argv=argv), cwd=tmp_path)
    report = last_json_line(result)
    assert report == {"code": code, "loaded": []}, result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_study_help_still_lists_the_fields_with_their_meaning(tmp_path):
    code = "from lstm_apps.cli import main; main(['run', 'japanese_vowels', '--help'])"
    result = run_python(code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Sequence-to-label" in result.stdout  # the study's DESCRIPTION
    assert "input_noise (float, default 0.1)" in result.stdout
    assert "std of Gaussian noise on normalized inputs while training" in result.stdout
    assert "training.max_epochs" in result.stdout


def _imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("name", list(registry.CASE_STUDIES))
def test_config_module_has_no_keras_import(name):
    path = PACKAGE_DIR / "tasks" / name / "config.py"
    heavy = {m for m in _imported_modules(path) if m.split(".")[0] in HEAVY}
    assert heavy == set()
    lstm_apps_imports = {m for m in _imported_modules(path) if m.startswith("lstm_apps")}
    assert not any(m.endswith(".study") for m in lstm_apps_imports)


@pytest.mark.parametrize(
    "module", ["lazy.py", "models/choices.py", "training/options.py", "tasks/base.py"]
)
def test_light_modules_import_no_keras_at_top(module):
    tree = ast.parse((PACKAGE_DIR / module).read_text())
    top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    names = {a.name for n in top if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module for n in top if isinstance(n, ast.ImportFrom) and n.module}
    assert {m for m in names if m.split(".")[0] in HEAVY} == set()


def test_public_names_load_on_first_use():
    from lstm_apps import build_model, train
    from lstm_apps.models.builder import build_model as builder_build_model
    from lstm_apps.training.fit import train as fit_train

    assert build_model is builder_build_model and train is fit_train
    for package in (lstm_apps, lstm_apps.models, lstm_apps.training, lstm_apps.tasks):
        assert [n for n in package.__all__ if not hasattr(package, n)] == []
        assert set(package.__all__) <= set(dir(package))
    assert lstm_apps.plots.__name__ == "lstm_apps.plots"  # subpackages and modules too
    with pytest.raises(AttributeError, match="'lstm_apps' has no attribute 'no_such_name'"):
        lstm_apps.no_such_name  # noqa: B018


@pytest.mark.parametrize("name", list(registry.CASE_STUDIES))
def test_study_package_gives_the_study_and_its_settings(name):
    import importlib

    study = registry.get_case_study(name)
    package = importlib.import_module(f"lstm_apps.tasks.{name}")
    settings = registry.config_module(name)
    assert study.Config is settings.Config and package.Config is settings.Config
    assert study.NAME == settings.NAME == name
    assert study.DESCRIPTION == settings.DESCRIPTION == registry.list_case_studies()[name]
    assert package.train is study.train
    with pytest.raises(AttributeError, match="no_such_name"):
        package.no_such_name  # noqa: B018


def test_study_package_still_gives_its_submodules():
    from lstm_apps.tasks.captioning import decoding
    from lstm_apps.tasks.hola import plots

    assert plots.__name__ == "lstm_apps.tasks.hola.plots"
    assert decoding.__name__ == "lstm_apps.tasks.captioning.decoding"


def test_choice_names_match_the_builders_tables():
    from lstm_apps.forecasting import network
    from lstm_apps.models import ARCHITECTURES, choices, image_encoders, recurrent, seq2seq

    assert choices.ARCHITECTURE_NAMES == tuple(ARCHITECTURES)
    assert choices.CELL_NAMES == tuple(recurrent.CELLS)
    assert choices.DECODER_CELL_NAMES == tuple(seq2seq.DECODER_CELLS)
    assert image_encoders.ENCODERS is choices.ENCODERS
    assert network.TRANSFORMS is choices.TRANSFORMS
    assert set(choices.CAUSAL_ARCHITECTURES) <= set(ARCHITECTURES)


LOAD_IN_FRESH_PROCESS = """
import json, sys
from lstm_apps.runs import load_model
model = load_model(sys.argv[1])
print(json.dumps([type(layer).__name__ for layer in model.layers]))
"""


def test_load_model_registers_the_custom_layers_in_a_fresh_process(tmp_path):
    # `import lstm_apps` no longer imports the layers, so loading must register them itself
    import numpy as np

    from lstm_apps.models import build_model
    from lstm_apps.runs import save_model

    x = np.random.default_rng(0).normal(size=(4, 5, 3)).astype("float32")
    model = build_model("lstm", num_features=3, num_outputs=2, units=4, adapt=list(x))
    save_model(model, tmp_path / "model.keras")
    result = subprocess.run(
        [sys.executable, "-c", LOAD_IN_FRESH_PROCESS, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    layers = json.loads(result.stdout.strip().splitlines()[-1])
    assert "SequenceNormalization" in layers
