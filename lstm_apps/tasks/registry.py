"""The case-study registry and the one route of a run: train, evaluate, save.

`run_case_study` is what `lstm-apps run` calls; `load_run` rebuilds a `Run`
from a run folder for `lstm-apps evaluate` and `predict`.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import importlib
import importlib.util
import math
import resource
import time
import warnings
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
    "sequences": "lstm_apps.tasks.sequences.study",
    "text": "lstm_apps.tasks.text.study",
    "series": "lstm_apps.tasks.series.study",
    "speech": "lstm_apps.tasks.speech.study",
    "translation": "lstm_apps.tasks.translation.study",
}


def check_name(name) -> str:
    """`name` if it names a case study; imports nothing (the command line checks it first).

    Raises:
        ValueError: for an unknown name, listing the valid ones.
    """
    if name not in CASE_STUDIES:
        raise ValueError(f"Unknown case study {name!r}. Choose one of: {', '.join(CASE_STUDIES)}")
    return name


def get_case_study(name):
    """The module of a case study, by name, checked against the contract (imports Keras)."""
    module = importlib.import_module(CASE_STUDIES[check_name(name)])
    check_case_study(module)
    return module


def config_module(name):
    """The settings module of a case study (`tasks/<name>/config.py`): its `NAME`,
    `DESCRIPTION` and `Config`, imported without Keras or TensorFlow."""
    package = CASE_STUDIES[check_name(name)].rpartition(".")[0]
    return importlib.import_module(f"{package}.config")


def config_class(name):
    """The `Config` class of a case study, imported without Keras or TensorFlow."""
    return config_module(name).Config


def list_case_studies() -> dict[str, str]:
    """Name -> one-line description of every case study (imports no Keras)."""
    return {name: _description(name) for name in CASE_STUDIES}


def _description(name) -> str:
    """A study's `DESCRIPTION`, read from its config.py when it is a literal there.

    `lstm-apps list` then imports none of the settings modules (some import
    pandas for their data's column names); any other form is imported.
    """
    module_name = CASE_STUDIES[name].rpartition(".")[0] + ".config"
    spec = importlib.util.find_spec(module_name)
    if spec is not None and spec.origin and spec.origin.endswith(".py"):
        for node in ast.parse(Path(spec.origin).read_text(encoding="utf-8")).body:
            targets = getattr(node, "targets", [])
            if len(targets) == 1 and getattr(targets[0], "id", None) == "DESCRIPTION":
                with contextlib.suppress(ValueError):
                    return ast.literal_eval(node.value)
    return config_module(name).DESCRIPTION


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
        if _non_finite(value) or (
            "float" in str(field.type) and text.strip().lower().lstrip("+-") in NON_FINITE
        ):
            raise ValueError(
                f"Bad value for {key}: expected a finite number. Received: {key}={text.strip()}"
            )
        if not _compatible(value, default, field.type):
            raise ValueError(
                f"Bad value for {key}: expected {field.type}. Received: {key}={text!r}"
            )
        changes[key] = value
    return changes


NON_FINITE = {"inf", "infinity", "nan"}


def _non_finite(value) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, (tuple, list)):
        return any(_non_finite(v) for v in value)
    return False


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
    """The Config of a case study, fast or full, with `changes` applied (imports no Keras)."""
    settings = config_class(name)
    base = settings.fast() if fast else settings()
    return base.replace(**(changes or {}))


# studies whose networks train through `lstm_apps.train` alone, so that they can be built
# and fitted under a tf.distribute strategy (`training.distribution`)
DISTRIBUTED_STUDIES = ("japanese_vowels", "activity", "sequences", "nox", "turbofan")


def check_distribution(name, config) -> None:
    """Raise ValueError when `config.training.distribution` asks for a strategy that study
    `name` cannot train under."""
    distribution = config.training.distribution
    if distribution != "none" and name not in DISTRIBUTED_STUDIES:
        raise ValueError(
            f"training.distribution={distribution!r} applies to the studies "
            f"{', '.join(DISTRIBUTED_STUDIES)}, whose networks train through `lstm_apps.train`; "
            f"{name!r} trains with its own loop. Received: {name}"
        )


def run_case_study(name, config=None, output=None, *, fast=False, changes=None, overwrite=False):
    """Train, evaluate and (with `output`) write a run folder with figures.

    With `output`, the folder is checked and locked before training starts
    (a non-empty folder needs `overwrite`; a second writer is refused), and
    written all at once after evaluation: a failure anywhere, figures
    included, leaves it as it was.

    The run's `timing` holds the seconds spent training (data loading
    included) and evaluating, and the process's peak resident memory.

    Under `training.distribution` the model is built and fitted in the
    strategy's scope (`lstm_apps.scaling.distribution_scope`). With several
    workers only the chief evaluates and writes `output`: the others return
    after training, with no metrics, having written nothing.

    Returns:
        The `Run`, with `metrics` filled in.
    """
    from lstm_apps.runs import save_run
    from lstm_apps.storage import FolderLock, check_output_folder
    from lstm_apps.training.distribution import distribution_scope, local_copy, worker_role

    if config is None:
        config = make_config(name, changes, fast=fast)
    check_distribution(name, config)
    distribution = config.training.distribution
    _, workers, chief = worker_role() if distribution == "multi_worker" else (0, 1, True)
    if not chief:
        output = None  # only the chief writes the run folder
    if output is None:
        lock = contextlib.nullcontext()
    else:
        lock = FolderLock(check_output_folder(output, overwrite=overwrite))
    with lock:
        module = get_case_study(name)
        start = time.perf_counter()
        with distribution_scope(distribution):
            run = module.train(config)
        run.model = local_copy(run.model)
        trained = time.perf_counter()
        if not chief:
            run.metrics, run.timing = {}, {"train_seconds": round(trained - start, 2)}
            return run
        run.metrics = module.evaluate(run)
        run.timing = {
            "train_seconds": round(trained - start, 2),
            "evaluate_seconds": round(time.perf_counter() - trained, 2),
            "peak_memory_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
        if distribution != "none":
            run.timing["distribution"] = distribution
            run.timing["workers"] = workers
        if output is not None:
            save_run(run, output, overwrite=overwrite, figures=module.figures)
    return run


def load_run(directory, *, with_data=False):
    """A `Run` rebuilt from a run folder: its Config, model, history and class names.

    With `with_data`, the study's data is loaded again from the saved Config
    (what `lstm-apps evaluate` needs).

    Returns:
        `(module, run)`: the study module and the `Run`.
    """
    from lstm_apps.runs import Run, load_model

    info, config = read_config(directory)
    if info["edited"]:
        warnings.warn(
            f"{Path(directory) / 'config.json'} was edited after training; the model was "
            "trained with the settings it held then",
            stacklevel=2,
        )
    module = get_case_study(info["case_study"])
    data = module.load_data(config) if with_data else None
    run = Run(
        name=info["case_study"],
        config=config,
        model=load_model(directory),
        history=read_history(directory),
        data=data,
        class_names=info.get("class_names"),
    )
    _check_classes(run, Path(directory))
    return module, run


def read_config(directory):
    """A run folder's saved information and its checked Config, without loading the model.

    Imports only the study's `config` module, so the command line checks a
    run folder before TensorFlow starts.

    Returns:
        `(info, config)`: config.json and metrics.json as read by
        `runs.read_run`, and the study's Config.

    Raises:
        ValueError: config.json names an unknown study or holds fields or
            values its Config refuses; the message names the file.
    """
    from lstm_apps.runs import read_run

    info = read_run(directory)
    config_file = Path(directory) / "config.json"
    if info["case_study"] not in CASE_STUDIES:
        raise ValueError(
            f"{config_file} names an unknown case study. Received: case_study="
            f"{info['case_study']!r}"
        )
    try:
        config = config_class(info["case_study"]).from_dict(info["config"])
    except (ValueError, TypeError, AttributeError) as err:
        raise ValueError(f"{config_file} is damaged or from another version: {err}") from None
    return info, config


def _check_classes(run, directory: Path):
    """Refuse a folder whose model and config.json disagree on the number of classes."""
    names, outputs = run.class_names, run.model.outputs
    if not names or len(outputs) != 1 or outputs[0].shape[-1] in (None, len(names)):
        return
    if outputs[0].shape[-1] == 1 and len(names) == 2:  # one sigmoid unit for two classes
        return
    raise ValueError(
        f"{directory} mixes two runs: model.keras has {outputs[0].shape[-1]} outputs but "
        f"config.json names {len(names)} classes"
    )


def read_history(directory) -> dict:
    """The per-epoch log of a run folder (`history.csv`) as `{metric: [values]}`; {} if none."""
    import pandas as pd

    path = Path(directory) / "history.csv"
    if not path.exists():
        return {}
    try:
        frame = pd.read_csv(path, index_col="epoch")
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as err:
        reason = " ".join(str(err).split())[:120]
        warnings.warn(
            f"{path} is damaged ({reason}); the run is used without its training history",
            stacklevel=2,
        )
        return {}
    return {column: frame[column].tolist() for column in frame.columns}
