"""Argument checks shared by builders, loaders, options and Configs.

Each check raises `ValueError` (or `TypeError` for a value of the wrong kind)
with the argument's name, what was expected and the value received, and
returns the value so that a check can sit inside an expression:

    >>> check_positive("units", 0)
    Traceback (most recent call last):
    ValueError: `units` must be a positive integer. Received: units=0
"""

from __future__ import annotations

import math
from numbers import Integral, Real


def _is_int(value) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def _is_real(value) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def check_choice(name, value, choices):
    """`value` if it is one of `choices`, else ValueError."""
    if value not in choices:
        raise ValueError(f"`{name}` must be one of {tuple(choices)}. Received: {name}={value!r}")
    return value


def check_positive(name, value, *, real=False, allow_none=False):
    """`value` if it is a positive integer (or, with `real`, a positive finite number)."""
    if value is None and allow_none:
        return value
    ok = _is_real(value) and math.isfinite(value) if real else _is_int(value)
    if not ok or value <= 0:
        kind = "number" if real else "integer"
        extra = " or None" if allow_none else ""
        raise ValueError(f"`{name}` must be a positive {kind}{extra}. Received: {name}={value!r}")
    return value


def check_int(name, value, minimum=None, *, allow_none=False):
    """`value` if it is an integer of at least `minimum`."""
    if value is None and allow_none:
        return value
    if not _is_int(value) or (minimum is not None and value < minimum):
        bound = "" if minimum is None else f" of at least {minimum}"
        raise ValueError(f"`{name}` must be an integer{bound}. Received: {name}={value!r}")
    return value


def check_range(name, value, low, high, *, closed=(True, False)):
    """`value` if it is a finite number within `[low, high)` (`closed` sets the bracket ends)."""
    if not _is_real(value) or not math.isfinite(value):
        raise ValueError(f"`{name}` must be a finite number. Received: {name}={value!r}")
    above = value >= low if closed[0] else value > low
    below = value <= high if closed[1] else value < high
    if not (above and below):
        interval = f"{'[' if closed[0] else '('}{low}, {high}{']' if closed[1] else ')'}"
        raise ValueError(f"`{name}` must be in {interval}. Received: {name}={value!r}")
    return value


def check_rate(name, value):
    """A dropout-like rate: a number in [0, 1)."""
    return check_range(name, value, 0, 1)


def check_bool(name, value):
    """`value` if it is True or False (not 0, 1 or a string)."""
    if not isinstance(value, bool):
        raise ValueError(f"`{name}` must be True or False. Received: {name}={value!r}")
    return value


def check_noise(name, value):
    """A Gaussian-noise standard deviation on normalized inputs: a number in [0, 1]."""
    return check_range(name, value, 0, 1, closed=(True, True))
