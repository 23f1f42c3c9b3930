"""Long-range memory tasks: the adding problem and the copy-memory task.

Both are generated on the fly from a seed, so training can draw a fresh
batch at every step and every run repeats exactly.

* **Adding problem** (Hochreiter & Schmidhuber 1997, in the form used by
  Le et al. 2015 and Arjovsky et al. 2016). Each of the T steps carries two
  features: a value drawn uniformly from [0, 1] and a marker. Exactly two
  steps are marked, one in the first half of the sequence and one in the
  second; the target is the sum of their two values. A network that ignores
  the markers does best by always answering 1, the mean of the sum, and
  scores its variance, 2/12 = 0.167 (`ADDING_BASELINE_MSE`).
* **Copy memory** (Arjovsky, Shah & Bengio 2016). A sequence of T + 20
  symbols: 10 symbols drawn from {1, ..., 8}, T - 1 blanks (0), a delimiter
  (9) and 10 more blanks. The target is T + 10 blanks followed by the first
  10 symbols: the network must hold them in memory for T steps, then write
  them out. A network that writes blanks, then a uniform guess among the 8
  symbols, scores a per-step cross-entropy of 10 log 8 / (T + 20)
  (`copy_baseline`).
"""

from __future__ import annotations

import math

import numpy as np

from lstm_apps.checks import check_int

ADDING_BASELINE_MSE = 1.0 / 6.0
COPY_SYMBOLS = 8
COPY_LENGTH = 10
COPY_BLANK = 0
COPY_DELIMITER = COPY_SYMBOLS + 1
COPY_INPUTS = COPY_SYMBOLS + 2  # blank, 8 symbols, delimiter
COPY_OUTPUTS = COPY_SYMBOLS + 1  # blank and 8 symbols


def adding_problem(n, length, seed=None):
    """`n` adding-problem sequences of `length` steps.

    Args:
        n: number of sequences.
        length: T, the number of steps (at least 2).
        seed: an int, a `numpy.random.Generator`, or None.

    Returns:
        `x` of shape `(n, length, 2)` float32 (value, marker) and `y` of shape
        `(n, 1)` float32, the sum of the two marked values.

    Example:
        >>> x, y = adding_problem(4, 50, seed=0)
        >>> x.shape, y.shape
        ((4, 50, 2), (4, 1))
    """
    n, length = int(check_int("n", n, 1)), int(check_int("length", length, 2))
    rng = np.random.default_rng(seed)
    x = np.zeros((n, length, 2), dtype="float32")
    x[:, :, 0] = rng.random((n, length))
    half = length // 2
    rows = np.arange(n)
    first = rng.integers(0, half, n)
    second = rng.integers(half, length, n)
    x[rows, first, 1] = 1.0
    x[rows, second, 1] = 1.0
    y = x[rows, first, 0] + x[rows, second, 0]
    return x, y[:, None]


def copy_memory(n, delay, seed=None):
    """`n` copy-memory sequences with a gap of `delay` (T) steps.

    Args:
        n: number of sequences.
        delay: T, the steps between the end of the symbols and the delimiter
            that asks for them back (at least 1).
        seed: an int, a `numpy.random.Generator`, or None.

    Returns:
        `x` of shape `(n, delay + 20)` int32 input codes (0 blank, 1-8
        symbols, 9 delimiter) and `y` of the same shape, the target codes
        (0 blank, 1-8 symbols).

    Example:
        >>> x, y = copy_memory(2, 10, seed=0)
        >>> x.shape, (y[:, -10:] == x[:, :10]).all()
        ((2, 30), True)
    """
    n, delay = int(check_int("n", n, 1)), int(check_int("delay", delay, 1))
    rng = np.random.default_rng(seed)
    total = delay + 2 * COPY_LENGTH
    symbols = rng.integers(1, COPY_SYMBOLS + 1, (n, COPY_LENGTH))
    x = np.full((n, total), COPY_BLANK, dtype="int32")
    x[:, :COPY_LENGTH] = symbols
    x[:, delay + COPY_LENGTH - 1] = COPY_DELIMITER
    y = np.full((n, total), COPY_BLANK, dtype="int32")
    y[:, -COPY_LENGTH:] = symbols
    return x, y


def copy_baseline(delay) -> float:
    """Per-step cross-entropy (nats) of the memoryless copy strategy: 10 log 8 / (T + 20)."""
    delay = int(check_int("delay", delay, 1))
    return COPY_LENGTH * math.log(COPY_SYMBOLS) / (delay + 2 * COPY_LENGTH)
