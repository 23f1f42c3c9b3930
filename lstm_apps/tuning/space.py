"""Search spaces: what `lstm-apps tune` may change in a study's Config, and how.

A study declares its space next to its Config (`TUNING` in
`tasks/<name>/config.py`), as a `TuningSpec`: the Keras history key it
optimizes, the direction, the ranges of the fields it searches, and the
settings every trial takes. Keys are Config field names, dotted for the
training section (`"training.initial_learn_rate"`), exactly as `--set` takes
them. This module imports neither Optuna nor Keras, so the Configs stay light.
"""

from __future__ import annotations

import ast
import math
import shlex
from dataclasses import dataclass, field
from numbers import Integral, Real

DIRECTIONS = ("maximize", "minimize")
_PRIMITIVE = (type(None), bool, int, float, str)


@dataclass(frozen=True)
class Choice:
    """One of a few values (strings, numbers, tuples such as unit stacks)."""

    values: tuple

    def __post_init__(self):
        if not isinstance(self.values, tuple) or len(self.values) < 1:
            raise ValueError(f"`Choice` needs a non-empty tuple. Received: {self.values!r}")


@dataclass(frozen=True)
class IntRange:
    """An integer in `[low, high]`, on a log scale with `log=True`."""

    low: int
    high: int
    log: bool = False

    def __post_init__(self):
        _check_bounds(self, Integral)


@dataclass(frozen=True)
class FloatRange:
    """A real number in `[low, high]`, on a log scale with `log=True`."""

    low: float
    high: float
    log: bool = False

    def __post_init__(self):
        _check_bounds(self, Real)


@dataclass(frozen=True)
class Stack:
    """Recurrent `units` as a stack: a width in `[low, high]` (log scale) repeated
    `depth` times, depth in `[1, max_depth]`. Searched as two parameters,
    `<field>.width` and `<field>.depth`, so their importances read apart."""

    low: int
    high: int
    max_depth: int = 2

    def __post_init__(self):
        _check_bounds(self, Integral)
        if not isinstance(self.max_depth, Integral) or self.max_depth < 1:
            raise ValueError(f"`max_depth` must be at least 1. Received: {self.max_depth!r}")


Parameter = Choice | IntRange | FloatRange | Stack


def _check_bounds(spec, kind):
    name = type(spec).__name__
    for bound in (spec.low, spec.high):
        if isinstance(bound, bool) or not isinstance(bound, kind) or not math.isfinite(bound):
            raise ValueError(f"`{name}` bounds must be finite numbers. Received: {spec!r}")
    if spec.low > spec.high:
        raise ValueError(f"`{name}` needs low <= high. Received: low={spec.low}, high={spec.high}")
    if getattr(spec, "log", False) and spec.low <= 0:
        raise ValueError(f"A log-scale `{name}` needs low > 0. Received: low={spec.low}")
    if isinstance(spec, Stack) and spec.low < 1:
        raise ValueError(f"`Stack` widths must be at least 1. Received: low={spec.low}")


@dataclass(frozen=True)
class TuningSpec:
    """How a study is tuned.

    Args:
        metric: the Keras history key scored on validation, e.g.
            `"val_accuracy"`; a trial's score is its best epoch's value.
        direction: "maximize" or "minimize".
        space: Config field (dotted for `training.*`) -> a `Choice`,
            `IntRange`, `FloatRange` or `Stack`.
        fixed: changes every trial and the retrained best take, before the
            sampled ones.
        holdout: changes that give the study a validation part to score
            trials on (a validation share for a study that holds out none,
            early stopping on it). Trials take them; after a cross-validated
            search the best settings are refit without them.
        trial_only: changes that only the trials take: work a trial's score
            does not need, such as same-run baselines or a refit on training
            plus validation. The retrained best runs without them.
        group: the study's natural group for grouped cross-validation
            (speaker, subject, engine), in words; None when it has none.
        cv_groups: a function of the loaded `Splits` that returns a group per
            sequence of its training part followed by its validation part,
            or None (no groups: classes are stratified).
        cv_refused: why `--cv` cannot be used on this study (None: it can).
        score: a function of a trial's trained `Run` that returns its
            validation score, for a study whose reported measure is not a
            Keras metric (turbofan: RMSE at the validation cycles that look
            like a test engine's last). None: the best epoch of `metric`.
            `metric` still drives pruning, and its best epoch the refit.
    """

    metric: str
    direction: str
    space: dict = field(default_factory=dict)
    fixed: dict = field(default_factory=dict)
    holdout: dict = field(default_factory=dict)
    trial_only: dict = field(default_factory=dict)
    group: str | None = None
    cv_groups: object = None
    cv_refused: str | None = None
    score: object = None

    @property
    def scored_by(self) -> str:
        """The name of what a trial's value is: `score`'s name, else `metric`."""
        return getattr(self.score, "__name__", None) or self.metric

    def __post_init__(self):
        if self.direction not in DIRECTIONS:
            raise ValueError(
                f"`direction` must be one of {DIRECTIONS}. Received: direction={self.direction!r}"
            )
        for key, spec in self.space.items():
            if not isinstance(spec, (Choice, IntRange, FloatRange, Stack)):
                raise TypeError(
                    f"The search space of {key!r} must be a Choice, IntRange, FloatRange or "
                    f"Stack. Received: {spec!r}"
                )

    def replace(self, **changes) -> TuningSpec:
        """A copy with some attributes changed; `space` entries are merged, and a
        `None` entry removes that field from the search."""
        space = dict(self.space)
        for key, spec in changes.pop("space", {}).items():
            if spec is None:
                space.pop(key, None)
            else:
                space[key] = spec
        values = {"metric": self.metric, "direction": self.direction, "fixed": self.fixed}
        values.update(holdout=self.holdout, trial_only=self.trial_only)
        values.update(group=self.group, cv_groups=self.cv_groups, cv_refused=self.cv_refused)
        values["score"] = self.score
        values.update(changes)
        return TuningSpec(space=space, **values)


def _encode(value):
    return value if isinstance(value, _PRIMITIVE) else repr(value)


def suggest(trial, space: dict) -> dict:
    """Config changes sampled for an Optuna `trial` from `space`."""
    changes = {}
    for key, spec in space.items():
        if isinstance(spec, Choice):
            codes = [_encode(v) for v in spec.values]
            picked = trial.suggest_categorical(key, codes)
            changes[key] = spec.values[codes.index(picked)]
        elif isinstance(spec, IntRange):
            changes[key] = trial.suggest_int(key, spec.low, spec.high, log=spec.log)
        elif isinstance(spec, FloatRange):
            changes[key] = trial.suggest_float(key, spec.low, spec.high, log=spec.log)
            changes[key] = significant(changes[key])
        else:
            width = trial.suggest_int(f"{key}.width", spec.low, spec.high, log=True)
            depth = trial.suggest_int(f"{key}.depth", 1, spec.max_depth)
            changes[key] = (width,) * depth if depth > 1 else width
    return changes


def changes_from_params(params: dict, space: dict) -> dict:
    """The Config changes of a finished trial, from its stored `params`."""
    changes = {}
    for key, spec in space.items():
        if key not in params and f"{key}.width" not in params:
            continue  # searched only since this trial ran
        if isinstance(spec, Stack):
            width, depth = params[f"{key}.width"], params[f"{key}.depth"]
            changes[key] = (width,) * depth if depth > 1 else width
        elif isinstance(spec, Choice):
            codes = [_encode(v) for v in spec.values]
            changes[key] = spec.values[codes.index(params[key])]
        elif isinstance(spec, FloatRange):
            changes[key] = significant(params[key])
        else:
            changes[key] = params[key]
    return changes


def params_of(config, space: dict) -> dict:
    """The Optuna params under which `space` gives back `config`'s own values, for the
    fields whose value lies inside their range (a partial dict: the sampler draws the
    others). A search that starts from them scores the defaults on its own folds, so
    its best trial is never below them on validation (fields outside their range,
    such as an L2 of 0 on a log scale, are sampled instead)."""
    params = {}
    for key, spec in space.items():
        value = config
        for part in key.split("."):
            value = getattr(value, part, None)
        if isinstance(spec, Choice):
            if any(type(value) is type(v) and value == v for v in spec.values):
                params[key] = _encode(value)
        elif isinstance(spec, Stack):
            widths = (value,) if isinstance(value, Integral) else tuple(value or ())
            if (
                0 < len(widths) <= spec.max_depth
                and len(set(widths)) == 1
                and _inside(widths[0], spec, Integral)
            ):
                params.update({f"{key}.width": int(widths[0]), f"{key}.depth": len(widths)})
        elif _inside(value, spec, Integral if isinstance(spec, IntRange) else Real):
            params[key] = value
    return params


def _inside(value, spec, kind) -> bool:
    numeric = isinstance(value, kind) and not isinstance(value, bool)
    return numeric and spec.low <= value <= spec.high


def significant(value: float, digits: int = 4) -> float:
    """`value` rounded to `digits` significant digits, so a trial's settings print
    short and the printed command trains exactly what the trial trained."""
    return float(f"{value:.{digits}g}")


def parse_space(assignments) -> dict:
    """Turn `["units=int:16:256:log", "architecture=choice:lstm,gru"]` into space entries.

    Forms: `int:LOW:HIGH[:log]`, `float:LOW:HIGH[:log]`, `choice:A,B,...`
    (each value a Python literal, else a string), `stack:LOW:HIGH:MAX_DEPTH`,
    and `off` to leave the study's default field out of the search.

    Raises:
        ValueError: naming the entry and what was wrong with it.
    """
    space = {}
    for item in assignments:
        key, sep, text = item.partition("=")
        key, text = key.strip(), text.strip()
        kind, _, rest = text.partition(":")
        try:
            if not sep or not key:
                raise ValueError("expected FIELD=SPEC")
            if kind == "off":
                space[key] = None
            elif kind == "choice":
                space[key] = Choice(tuple(_literal(v) for v in _split_choices(rest)))
            elif kind in ("int", "float", "stack"):
                parts = rest.split(":")
                log = parts[-1] == "log"
                numbers = [_literal(p) for p in (parts[:-1] if log else parts)]
                if kind == "stack":
                    space[key] = Stack(*numbers)
                elif len(numbers) != 2:
                    raise ValueError(f"{kind} takes LOW:HIGH[:log]")
                elif kind == "int":
                    space[key] = IntRange(numbers[0], numbers[1], log=log)
                else:
                    space[key] = FloatRange(float(numbers[0]), float(numbers[1]), log=log)
            else:
                raise ValueError("the kind must be int, float, choice, stack or off")
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"Bad --space entry: {error}. Forms: FIELD=int:LOW:HIGH[:log], "
                f"FIELD=float:LOW:HIGH[:log], FIELD=choice:A,B, FIELD=stack:LOW:HIGH:DEPTH, "
                f"FIELD=off. Received: {item!r}"
            ) from None
    return space


def _split_choices(text):
    """Split on commas outside brackets, so `(64,64),128` gives two values."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += 1 if char in "([" else -1 if char in ")]" else 0
        if char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    values = [p.strip() for p in parts if p.strip()]
    if not values:
        raise ValueError("a choice needs at least one value")
    return values


def _literal(text):
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError):
        return text.strip()


def run_command(name: str, changes: dict, fast: bool = False) -> str:
    """`lstm-apps run NAME [--fast] --set ...` that reproduces a trial's settings, quoted
    for a shell."""
    parts = [f"lstm-apps run {name}" + (" --fast" if fast else "")]
    for key, value in changes.items():
        text = value if isinstance(value, str) else repr(value).replace(" ", "")
        parts.append(f"--set {shlex.quote(f'{key}={text}')}")
    return " ".join(parts)


# Ranges the studies' search spaces share.
LEARN_RATE = FloatRange(3e-4, 1e-2, log=True)
DROPOUT = FloatRange(0.0, 0.5)
RECURRENT_DROPOUT = FloatRange(0.0, 0.3)
L2 = FloatRange(1e-7, 1e-2, log=True)  # 1e-7 is as good as none
INPUT_NOISE = FloatRange(0.0, 0.3)
RECURRENT_ARCHITECTURES = Choice(("lstm", "gru", "bilstm"))
CELLS = Choice(("lstm", "gru"))  # the decoders and language models: causal cells only
WIDE_UNITS = IntRange(64, 512, log=True)


def classification_or_regression(task) -> dict:
    """`metric` and `direction` for a study whose task is "classification" or "regression"."""
    if task == "classification":
        return {"metric": "val_accuracy", "direction": "maximize"}
    return {"metric": "val_rmse", "direction": "minimize"}


# the search of the small regression studies (NOx, forecasting, series)
REGRESSION_SPACE = {
    "architecture": RECURRENT_ARCHITECTURES,
    "units": IntRange(16, 128, log=True),
    "dropout": DROPOUT,
    "training.initial_learn_rate": LEARN_RATE,
    "training.mini_batch_size": Choice((16, 32, 64)),
}
