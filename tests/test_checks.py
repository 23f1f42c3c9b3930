"""The shared argument checks: one message shape, the value received, the value returned."""

from __future__ import annotations

import math

import pytest

from lstm_apps.checks import (
    check_bool,
    check_choice,
    check_int,
    check_positive,
    check_range,
    check_rate,
)


@pytest.mark.parametrize(
    "call, match",
    [
        (
            lambda: check_choice("mode", "up", ("last", "sequence")),
            r"`mode` must be one of \('last', 'sequence'\). Received: mode='up'",
        ),
        (
            lambda: check_positive("units", 0),
            r"`units` must be a positive integer. Received: units=0",
        ),
        (lambda: check_positive("units", True), r"Received: units=True"),
        (lambda: check_positive("units", 2.0), r"positive integer. Received: units=2.0"),
        (
            lambda: check_positive("rate", -1e-3, real=True),
            r"positive number. Received: rate=-0.001",
        ),
        (lambda: check_positive("rate", math.nan, real=True), r"Received: rate=nan"),
        (lambda: check_positive("rate", math.inf, real=True), r"Received: rate=inf"),
        (
            lambda: check_positive("period", "5", allow_none=True),
            r"positive integer or None. Received: period='5'",
        ),
        (
            lambda: check_int("seed", -1, 0),
            r"`seed` must be an integer of at least 0. Received: seed=-1",
        ),
        (
            lambda: check_range("fraction", 1.0, 0, 1),
            r"`fraction` must be in \[0, 1\). Received: fraction=1.0",
        ),
        (
            lambda: check_range("factor", 0, 0, 1, closed=(False, True)),
            r"must be in \(0, 1\]. Received: factor=0",
        ),
        (
            lambda: check_range("fraction", "0.5", 0, 1),
            r"must be a finite number. Received: fraction='0.5'",
        ),
        (lambda: check_rate("dropout", 1), r"`dropout` must be in \[0, 1\). Received: dropout=1"),
        (
            lambda: check_bool("linear_path", 1),
            r"`linear_path` must be True or False. Received: linear_path=1",
        ),
    ],
)
def test_bad_values_name_the_argument_and_the_value(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_good_values_come_back():
    assert check_choice("mode", "last", ("last", "sequence")) == "last"
    assert check_positive("units", 3) == 3
    assert check_positive("rate", 0.5, real=True) == 0.5
    assert check_positive("period", None, allow_none=True) is None
    assert check_int("seed", 0, 0) == 0
    assert check_range("factor", 1, 0, 1, closed=(False, True)) == 1
    assert check_rate("dropout", 0.0) == 0.0
    assert check_bool("flag", False) is False
