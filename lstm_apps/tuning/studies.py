"""Each study's `TuningSpec`, read from `TUNING` beside its Config.

`TUNING` in `tasks/<name>/config.py` is a `TuningSpec`, or a function of the
Config and the loaded data that returns one (for a study whose metric
depends on its task, classification or regression).
"""

from __future__ import annotations

from lstm_apps.tuning.space import TuningSpec


def declares_tuning(name) -> bool:
    """Whether the study `name` declares a search space (imports no Keras)."""
    from lstm_apps.tasks.registry import config_module

    return getattr(config_module(name), "TUNING", None) is not None


def needs_data(name) -> bool:
    """Whether the study's spec depends on its data (a function, not a constant)."""
    from lstm_apps.tasks.registry import config_module

    return callable(getattr(config_module(name), "TUNING", None))


def tuning_spec(name, config=None, data=None) -> TuningSpec:
    """The `TuningSpec` of the study `name` (for `config` and `data` when it depends on them).

    Raises:
        ValueError: the study declares no search space, with the reason it gives.
    """
    from lstm_apps.tasks.registry import config_module

    module = config_module(name)
    spec = getattr(module, "TUNING", None)
    if spec is None:
        reason = getattr(module, "NOT_TUNED", "it declares no search space")
        raise ValueError(f"The {name!r} study cannot be tuned: {reason}. Received: name={name!r}")
    if callable(spec):
        spec = spec(config, data)
    if not isinstance(spec, TuningSpec):
        raise TypeError(f"`TUNING` of {name!r} must give a TuningSpec. Received: {spec!r}")
    return spec
