"""The case-study contract: the Config base class and the calls every study exposes.

A case study is a module (`lstm_apps/tasks/<name>/study.py`) that reads top to
bottom like a keras-io example and provides:

```python
NAME: str                                   # registry name, e.g. "japanese_vowels"
DESCRIPTION: str                            # one line for `lstm-apps list`
@dataclass(frozen=True)
class Config(CaseStudyConfig): ...          # every field defaulted and commented;
                                            # `training: TrainingConfig` holds the fit
def load_data(config) -> Splits             # a typed Splits subclass, scalers fit on train
def build_model(config, data) -> keras.Model
def train(config, data=None, *, callbacks=()) -> Run
def evaluate(run) -> dict[str, float]       # flat, stable metric names
def predict(run, inputs) -> list[tuple[str, float]]   # (label or value name, score)
def read_inputs(source, config)             # a CLI `predict` argument -> `predict` inputs
def sample_input(run, directory) -> str     # writes an example input, returns the argument
def figures(run, directory) -> list[Path]
```

Beside its Config, `config.py` may declare `TUNING`, the study's search
space for `lstm-apps tune` (a `lstm_apps.tuning.TuningSpec`, or a function
of the Config and the data that returns one), or `TUNING = None` with a
`NOT_TUNED` reason.

`check_case_study(module)` compares a module with this list (names and
parameters) and is run by the registry on every load, so a study that drifts
fails at once, in CI and for users alike.
"""

from __future__ import annotations

import dataclasses
import inspect
import io
import math
import re
import tokenize
import warnings
from typing import ClassVar

from lstm_apps.checks import check_noise, check_rate
from lstm_apps.training.options import TrainingConfig

# call -> the parameter names it must take, in order (keyword-only ones after "*")
CONTRACT = {
    "load_data": ("config",),
    "build_model": ("config", "data"),
    "train": ("config", "data", "*", "callbacks"),
    "evaluate": ("run",),
    "predict": ("run", "inputs"),
    "read_inputs": ("source", "config"),
    "sample_input": ("run", "directory"),
    "figures": ("run", "directory"),
}
ATTRIBUTES = ("NAME", "DESCRIPTION", "Config")
GROUPS = ("data", "model", "training", "evaluation")


def _parameters(function) -> tuple[str, ...]:
    names = []
    for p in inspect.signature(function).parameters.values():
        if p.kind is p.KEYWORD_ONLY and "*" not in names:
            names.append("*")
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        names.append(p.name)
    return tuple(names)


def check_case_study(module) -> None:
    """Raise TypeError naming every way `module` departs from the case-study contract."""
    problems = [f"has no `{name}`" for name in ATTRIBUTES if not hasattr(module, name)]
    for name, expected in CONTRACT.items():
        function = getattr(module, name, None)
        if not callable(function):
            problems.append(f"has no function `{name}`")
        elif _parameters(function) != expected:
            problems.append(
                f"`{name}` takes ({', '.join(_parameters(function))}); "
                f"the contract is ({', '.join(expected)})"
            )
    config = getattr(module, "Config", None)
    if config is not None:
        if not (dataclasses.is_dataclass(config) and issubclass(config, CaseStudyConfig)):
            problems.append("`Config` is not a CaseStudyConfig dataclass")
        elif not isinstance(getattr(config(), "training", None), TrainingConfig):
            problems.append("`Config.training` is not a TrainingConfig")
    if problems:
        raise TypeError(f"Case study {module.__name__} breaks the contract: " + "; ".join(problems))


def check_common_fields(config) -> None:
    """The checks every Config gets from its field names and values.

    Every number must be finite (also inside tuples); `input_noise` is in
    [0, 1] (Keras's GaussianNoise); a `dropout` or `*_dropout` rate is in
    [0, 1); `units` is a positive integer or a tuple of them.
    """
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        values = value if isinstance(value, tuple) else (value,)
        if any(isinstance(v, float) and not math.isfinite(v) for v in values):
            raise ValueError(f"`{f.name}` must be finite. Received: {f.name}={value!r}")
        if f.name == "input_noise":
            check_noise(f.name, value)
        elif (f.name == "dropout" or f.name.endswith("_dropout")) and value is not None:
            for rate in values:
                check_rate(f.name, rate)
        elif f.name == "units" and (values == () or not all(map(_positive_int, values))):
            raise ValueError(
                f"`units` must be a positive integer or a tuple of them. Received: units={value!r}"
            )


def _positive_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


class CaseStudyConfig:
    """Base of the frozen `Config` dataclasses of the case studies.

    A subclass declares its fields under group comments (`# data`, `# model`,
    `# training`, `# evaluation`), each with a trailing one-line comment that
    `lstm-apps run NAME --help` prints. Its `training` field is a
    `TrainingConfig` with the study's own defaults; changes reach it as
    `replace(training={"max_epochs": 5})` or `--set training.max_epochs=5`.

    `FAST` lists the changes of the quick variant used by tests and by
    notebooks run in CI; `RENAMED` maps old `--set` names to new ones, kept
    for one release with a warning (every flat `TrainingConfig` name, such as
    `max_epochs`, is already mapped to `training.max_epochs`).
    """

    FAST: ClassVar[dict] = {}
    RENAMED: ClassVar[dict] = {}

    def __init_subclass__(cls, **kwargs):
        # Every Config runs the checks shared by all studies after its own
        # `__post_init__`, so no study can forget them.
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("__post_init__")

        def __post_init__(self):
            if own is not None:
                own(self)
            check_common_fields(self)

        cls.__post_init__ = __post_init__

    @classmethod
    def fast(cls, **changes):
        """The tiny, quick variant used by tests and by notebooks run in CI."""
        return cls().replace(**cls.FAST).replace(**changes)

    def replace(self, **changes):
        """A copy with some fields changed (checked again).

        A dict given for a nested section (`training`) changes only the
        fields it names; dotted names (`**{"training.max_epochs": 5}`) do too.
        """
        changes = self.renamed(changes)
        nested = {}
        for key, value in list(changes.items()):
            section, dot, field = key.partition(".")
            if dot:
                nested.setdefault(section, {})[field] = changes.pop(key)
            elif isinstance(value, dict):
                nested.setdefault(key, {}).update(changes.pop(key))
        for section, values in nested.items():
            current = changes.get(section, getattr(self, section, None))
            if current is None and hasattr(self, section):
                raise ValueError(
                    f"`{section}` is None (that stage is off), so its settings cannot be "
                    f"changed; give `{section}` a TrainingConfig first. Received: {values!r}"
                )
            if not dataclasses.is_dataclass(current):
                raise ValueError(f"Unknown Config section {section!r}. Received: {values!r}")
            try:
                changes[section] = dataclasses.replace(current, **values)
            except (TypeError, ValueError) as error:  # say which section was wrong
                raise type(error)(f"In the `{section}` section: {error}") from None
        return dataclasses.replace(self, **changes)

    @classmethod
    def renamed(cls, changes: dict) -> dict:
        """`changes` with deprecated names replaced by their new ones (warning for each)."""
        names = {f.name for f in dataclasses.fields(cls)}
        renames = {
            **{f.name: f"training.{f.name}" for f in dataclasses.fields(TrainingConfig)},
            **cls.RENAMED,
        }
        out = {}
        for key, value in changes.items():
            if key not in names and key in renames:
                new = renames[key]
                warnings.warn(
                    f"`{key}` is deprecated and will be removed in the next release; "
                    f"use `{new}` instead.",
                    FutureWarning,
                    stacklevel=3,
                )
                key = new
            out[key] = value
        return out

    @classmethod
    def from_dict(cls, values: dict):
        """A Config from its `dataclasses.asdict` form (as in a run folder's config.json).

        A section's saved fields change the study's default section (settings
        added since the folder was written keep the study's defaults), and the
        flat names of the previous release (`max_epochs`, ...) are read into
        their sections, so older run folders still load.

        Raises:
            ValueError: an unknown field, a section that is not a mapping, or
                a value the Config refuses.
        """
        config, names = cls(), {f.name for f in dataclasses.fields(cls)}
        renames = set(cls.RENAMED) | {f.name for f in dataclasses.fields(TrainingConfig)}
        unknown = sorted(set(values) - names - renames)
        if unknown:
            raise ValueError(f"unknown {cls.__module__} Config fields: {', '.join(unknown)}")
        changes, older = {}, {}
        for key, value in values.items():
            if key not in names:
                older[key] = _tuples(value)
                continue
            default = getattr(config, key)
            if dataclasses.is_dataclass(default):
                if not isinstance(value, dict):
                    raise ValueError(
                        f"the {key!r} section must be a mapping. Received: {key}={value!r}"
                    )
                known = {f.name for f in dataclasses.fields(default)}
                extra = sorted(set(value) - known)
                if extra:
                    raise ValueError(f"unknown {key} fields: {', '.join(extra)}")
                value = dataclasses.replace(default, **{k: _tuples(v) for k, v in value.items()})
            changes[key] = _tuples(value)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            older = cls.renamed(older)
        config = dataclasses.replace(config, **changes)
        return config.replace(**{k: v for k, v in older.items() if "." in k})

    @classmethod
    def field_help(cls) -> dict[str, list[tuple[str, str, object, str]]]:
        """Group -> [(field, type, default, one-line meaning)], read from the class source."""
        comments, groups = _source_comments(cls)
        defaults = cls()
        table = {group: [] for group in GROUPS}
        for f in dataclasses.fields(cls):
            value = getattr(defaults, f.name)
            if isinstance(value, TrainingConfig):
                meaning = comments.get(f.name, "")
                table["training"].append((f.name, "TrainingConfig section", "below", meaning))
                for line in training_help(value):
                    table["training"].append((f"{f.name}.{line[0]}", *line[1:]))
                continue
            group = groups.get(f.name, "model")
            table[group].append((f.name, _type_name(f.type), value, comments.get(f.name, "")))
        return {group: rows for group, rows in table.items() if rows}


def training_help(section: TrainingConfig) -> list[tuple[str, str, object, str]]:
    """(field, type, default, meaning) of every TrainingConfig field, from its docstring."""
    doc = inspect.getdoc(TrainingConfig)
    meanings = {}
    current = None
    for line in doc.split("Args:")[1].splitlines():
        stripped = line.strip()
        head, colon, rest = stripped.partition(": ")
        if colon and line.startswith("    ") and not line.startswith("     ") and " " not in head:
            current = head
            meanings[current] = rest
        elif current and stripped:
            meanings[current] += " " + stripped
    rows = []
    for f in dataclasses.fields(TrainingConfig):
        # the class's own defaults would contradict the study's: leave them out
        meaning = re.sub(r",? default [^,;.)]+", "", meanings.get(f.name, ""))
        meaning = meaning.replace(" (default)", "").replace("(default; ", "(")
        rows.append((f.name, _type_name(f.type), getattr(section, f.name), meaning))
    return rows


def _tuples(value):
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def _type_name(annotation) -> str:
    return str(annotation).replace("typing.", "").replace("<class '", "").replace("'>", "")


def _source_comments(cls) -> tuple[dict[str, str], dict[str, str]]:
    """Comment and group of every field, read from the class body's source.

    A field's comment is the first comment on its (possibly multi-line)
    declaration; standalone comment lines right after it continue it, and a
    standalone `# data` / `# model` / `# training` / `# evaluation` line
    starts a group.
    """
    comments, groups = {}, {}
    group, current, continuing = "model", None, False
    source = inspect.getsource(cls)
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.NAME and token.start[1] == 4:
            line = token.line.strip()
            if ":" in line.split("=")[0] and not line.startswith(("def ", "@", "FAST", "RENAMED")):
                current = line.split(":")[0].strip()
                groups[current] = group
                continuing = False
            elif line.startswith(("def ", "FAST", "RENAMED")):
                current = None
        elif token.type == tokenize.COMMENT:
            text = token.string.lstrip("#").strip()
            standalone = token.line.strip().startswith("#")
            if standalone and text.lower() in GROUPS:
                group, current, continuing = text.lower(), None, False
            elif current is None:
                continue
            elif not standalone and current not in comments:
                comments[current], continuing = text, True
            elif standalone and continuing:
                comments[current] += " " + text
    return comments, groups
