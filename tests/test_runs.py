"""Run folders and safe saving."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from lstm_apps import build_model, load_model, save_model
from lstm_apps.runs import read_run


class Unsaveable(keras.layers.Layer):
    def call(self, x):
        return x

    def get_config(self):
        raise RuntimeError("this layer cannot be serialized")


def test_a_failed_save_keeps_the_good_model(tmp_path):
    path = tmp_path / "model.keras"
    good = build_model("gru", num_features=3, num_outputs=4, units=5)
    save_model(good, path)
    before = path.read_bytes()

    inputs = keras.Input((None, 3))
    broken = keras.Model(inputs, Unsaveable()(inputs))
    with pytest.raises(RuntimeError, match="cannot be serialized"):
        save_model(broken, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.keras"]
    x = np.ones((1, 4, 3), "float32")
    np.testing.assert_allclose(
        keras.models.load_model(path).predict(x, verbose=0), good.predict(x, verbose=0), rtol=1e-6
    )


def test_save_model_wants_the_keras_format(tmp_path):
    model = build_model("lstm", num_features=2, num_outputs=3, units=2)
    with pytest.raises(ValueError, match=r"\.keras files. Received: path=.*m\.h5"):
        save_model(model, tmp_path / "m.h5")


def test_read_run_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="is not a run folder"):
        read_run(tmp_path)
    with pytest.raises(FileNotFoundError, match="has no model.keras"):
        load_model(tmp_path)
