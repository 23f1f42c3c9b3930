"""The case-study registry and the one route of a run: train, evaluate, save.

`run_case_study` is what `lstm-apps run` calls; `load_run` rebuilds a `Run`
from a run folder for `lstm-apps evaluate` and `predict`.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import resource
import time
from pathlib import Path

from lstm_apps.tasks.base import check_case_study

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
    """The module of a case study, by name, checked against the contract."""
    if name not in CASE_STUDIES:
        raise ValueError(f"Unknown case study {name!r}. Choose one of: {', '.join(CASE_STUDIES)}")
    module = importlib.import_module(CASE_STUDIES[name])
    check_case_study(module)
    return module


def list_case_studies() -> dict[str, str]:
    """Name -> one-line description of every case study."""
    return {name: get_case_study(name).DESCRIPTION for name in CASE_STUDIES}


def parse_overrides(config_class, assignments) -> dict:
    """Turn ["units=(125, 100)", "training.max_epochs=5"] into checked Config changes.

    Values are Python literals; anything that is not a literal is taken as a
    string. A dotted name changes one field of a section (`training`). Old
    names listed in the Config's renames are accepted with a FutureWarning.

    Raises:
        ValueError: for unknown fields or values of the wrong type.
    """
    fields = {f.name: f for f in dataclasses.fields(config_class)}
    defaults = config_class()
    changes = {}
    for item in assignments:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep:
            raise ValueError(f"--set expects field=value. Received: {item!r}")
        key = next(iter(config_class.renamed({key: None})))
        section, dot, name = key.partition(".")
        target = fields.get(section)
        if dot and target is not None and dataclasses.is_dataclass(getattr(defaults, section)):
            owner = getattr(defaults, section)
            sub = {f.name: f for f in dataclasses.fields(owner)}
            if name not in sub:
                raise ValueError(
                    f"Unknown field {key!r}. Valid {section} fields: "
                    + ", ".join(f"{section}.{n}" for n in sub)
                )
            field, default = sub[name], getattr(owner, name)
        elif not dot and target is not None:
            field, default = target, getattr(defaults, key)
        else:
            raise ValueError(f"Unknown field {key!r}. Valid fields: {', '.join(fields)}")
        try:
            value = ast.literal_eval(text.strip())
        except (ValueError, SyntaxError):
            value = text.strip()
        if not _compatible(value, default, field.type):
            raise ValueError(
                f"Bad value for {key}: expected {field.type}. Received: {key}={text!r}"
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


def make_config(name, changes=None, *, fast=False):
    """The Config of a case study, fast or full, with `changes` applied."""
    config_class = get_case_study(name).Config
    base = config_class.fast() if fast else config_class()
    return base.replace(**(changes or {}))


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
        config = make_config(name, changes, fast=fast)
    start = time.perf_counter()
    run = module.train(config)
    trained = time.perf_counter()
    run.metrics = module.evaluate(run)
    run.timing = {
        "train_seconds": round(trained - start, 2),
        "evaluate_seconds": round(time.perf_counter() - trained, 2),
        "peak_memory_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    if output is not None:
        save_run(run, output)
        module.figures(run, Path(output) / "figures")
    return run


def load_run(directory, *, with_data=False):
    """A `Run` rebuilt from a run folder: its Config, model, history and class names.

    With `with_data`, the study's data is loaded again from the saved Config
    (what `lstm-apps evaluate` needs).

    Returns:
        `(module, run)`: the study module and the `Run`.
    """
    from lstm_apps.runs import Run, load_model, read_run

    info = read_run(directory)
    module = get_case_study(info["case_study"])
    config = module.Config.from_dict(info["config"])
    data = module.load_data(config) if with_data else None
    run = Run(
        name=info["case_study"],
        config=config,
        model=load_model(directory),
        history=read_history(directory),
        data=data,
        class_names=info.get("class_names"),
    )
    return module, run


def read_history(directory) -> dict:
    """The per-epoch log of a run folder (`history.csv`) as `{metric: [values]}`; {} if none."""
    import pandas as pd

    path = Path(directory) / "history.csv"
    if not path.exists():
        return {}
    frame = pd.read_csv(path, index_col="epoch")
    return {column: frame[column].tolist() for column in frame.columns}
