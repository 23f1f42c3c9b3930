"""Case-study registry: name -> module.

Every case-study module exposes `NAME`, `DESCRIPTION`, a frozen `Config`
dataclass (with a `fast()` variant), `load_data(config)`,
`build_model(config, data)`, `train(config, data=None)`,
`evaluate(model, data)`, `predict(...)` and `figures(run, directory)`.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import resource
import time
from pathlib import Path

CASE_STUDIES = {
    "japanese_vowels": "lstm_apps.tasks.japanese_vowels.study",
    "hola": "lstm_apps.tasks.hola.study",
    "char_lm": "lstm_apps.tasks.char_lm.study",
    "engine_nox": "lstm_apps.tasks.engine_nox.study",
    "nox": "lstm_apps.tasks.nox.study",
    "sentiment": "lstm_apps.tasks.sentiment.study",
    "activity": "lstm_apps.tasks.activity.study",
    "turbofan": "lstm_apps.tasks.turbofan.study",
    "forecasting": "lstm_apps.tasks.forecasting.study",
    "captioning": "lstm_apps.tasks.captioning.study",
    "video": "lstm_apps.tasks.video.study",
}


def get_case_study(name):
    """The module of a case study, by name."""
    if name not in CASE_STUDIES:
        raise ValueError(f"Unknown case study {name!r}. Choose one of: {', '.join(CASE_STUDIES)}")
    return importlib.import_module(CASE_STUDIES[name])


def list_case_studies() -> dict[str, str]:
    """Name -> one-line description of every case study."""
    return {name: get_case_study(name).DESCRIPTION for name in CASE_STUDIES}


def parse_overrides(config_class, assignments) -> dict:
    """Turn ["units=(125, 100)", "dropout=0.2"] into checked Config changes.

    Values are Python literals; anything that is not a literal is taken as a
    string. Raises ValueError for unknown fields or values of the wrong type.
    """
    fields = {f.name: f for f in dataclasses.fields(config_class)}
    defaults = config_class()
    changes = {}
    for item in assignments:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep:
            raise ValueError(f"--set expects field=value. Received: {item!r}")
        if key not in fields:
            raise ValueError(f"Unknown field {key!r}. Valid fields: {', '.join(fields)}")
        try:
            value = ast.literal_eval(text.strip())
        except (ValueError, SyntaxError):
            value = text.strip()
        default = getattr(defaults, key)
        if not _compatible(value, default, fields[key].type):
            raise ValueError(
                f"Bad value for {key}: expected {fields[key].type}. Received: {key}={text!r}"
            )
        changes[key] = value
    return changes


def _compatible(value, default, annotation) -> bool:
    text = str(annotation)
    if value is None:
        return "None" in text
    if isinstance(value, bool):
        return "bool" in text
    if isinstance(value, int):
        return "int" in text or "float" in text
    if isinstance(value, float):
        return "float" in text
    if isinstance(value, tuple):
        return "tuple" in text
    if isinstance(value, str):
        return "str" in text
    return isinstance(value, type(default))


def run_case_study(name, config=None, output=None, *, fast=False, changes=None):
    """Train, evaluate and (with `output`) write a run folder with figures.

    The run's `timing` holds the seconds spent training (data loading
    included) and evaluating, and the process's peak resident memory.

    Returns:
        The `Run`, with `metrics` filled in.
    """
    from lstm_apps.runs import save_run

    module = get_case_study(name)
    if config is None:
        config = module.Config.fast(**(changes or {})) if fast else module.Config(**(changes or {}))
    start = time.perf_counter()
    run = module.train(config)
    trained = time.perf_counter()
    run.metrics = module.evaluate(run.model, run.data)
    run.timing = {
        "train_seconds": round(trained - start, 2),
        "evaluate_seconds": round(time.perf_counter() - trained, 2),
        "peak_memory_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    if output is not None:
        save_run(run, output)
        module.figures(run, Path(output) / "figures")
    return run
