"""Shared fixtures. One pytest session imports TensorFlow once for all tests."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import keras
import numpy as np
import pytest

from lstm_apps.data.sources import DATA_DIR_ENV


@pytest.fixture(autouse=True)
def _seed():
    keras.utils.set_random_seed(0)


@pytest.fixture(autouse=True, scope="module")
def _settled_heap():
    """After each test module: drop Keras's global state, collect, and freeze what is left.

    One session runs every test, and what the modules leave alive (traced
    functions, registered objects, caches) adds up to millions of Python
    objects. Each full garbage collection walks all of them, so late tests
    spent more time collecting than computing (a tuning test: 18 s alone,
    52 s at the end of the suite). `gc.freeze` moves the survivors out of the
    collector's sight; the next modules pay only for their own objects.
    """
    yield
    keras.backend.clear_session()  # also runs gc.collect()
    gc.freeze()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real-data directory (LSTM_APPS_DATA_DIR). A test that needs it fails without it."""
    value = os.environ.get(DATA_DIR_ENV)
    if not value or not Path(value).is_dir():
        pytest.fail(
            f"{DATA_DIR_ENV} must point at the shared real datasets (e.g. "
            f"{DATA_DIR_ENV}=../shared/datasets). Received: {value!r}"
        )
    return Path(value)


def real_file(root: Path, relative: str) -> Path:
    path = root / relative
    if not path.exists():
        pytest.fail(f"Real data file missing: {path}")
    return path


@pytest.fixture(scope="session")
def vowels():
    """The Japanese Vowels data (aeon's copy, offline): full train and test splits."""
    from lstm_apps.tasks import japanese_vowels as jv

    return jv.load_data(jv.Config())


def random_sequences(n, num_features, low=3, high=9, seed=0):
    rng = np.random.default_rng(seed)
    return [
        rng.normal(size=(int(t), num_features)).astype("float32")
        for t in rng.integers(low, high, size=n)
    ]


def predicted_rows(printed: str) -> list[tuple[str, str, float]]:
    """The rows `lstm-apps predict` printed: (id, label, score), after its header."""
    header, *lines = printed.strip().splitlines()
    assert header == "id\tlabel\tscore", header
    rows = [line.split("\t") for line in lines]
    assert all(len(row) == 3 for row in rows), rows
    return [(key, label, float(score)) for key, label, score in rows]
