"""Mixed bfloat16 training of the recurrent layers (`training.precision`)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from lstm_apps import build_model, predict, train
from lstm_apps.training import TrainingOptions, resolve_precision, training_precision
from lstm_apps.training.precision import (
    AUTO_MIN_UNITS,
    cpu_flags,
    cpu_has_bf16,
    recurrent_layers,
    widest_lstm_units,
)


class _ComputeDtypes(keras.callbacks.Callback):
    """The compute dtype of every recurrent layer, seen during the fit."""

    def __init__(self):
        super().__init__()
        self.seen = set()

    def on_train_batch_end(self, batch, logs=None):
        self.seen |= {layer.compute_dtype for layer in recurrent_layers(self.model)}


def _subset(vowels, n=90):
    return vowels.x_train[:n], np.asarray(vowels.y_train[:n])


def test_bad_precision_is_refused_with_the_value():
    with pytest.raises(ValueError, match="precision.*Received: precision='float16'"):
        TrainingOptions(precision="float16")
    model = build_model("lstm", num_features=3, num_outputs=2, units=4)
    with pytest.raises(ValueError, match="Received: precision='bf16'"):
        resolve_precision("bf16", model)


def test_bfloat16_fit_learns_then_leaves_a_float32_model(vowels):
    x, y = _subset(vowels)
    model = build_model("bilstm", num_features=12, num_outputs=9, units=32)
    seen = _ComputeDtypes()
    options = TrainingOptions(
        max_epochs=6, mini_batch_size=16, initial_learn_rate=0.01, precision="mixed_bfloat16",
        verbose=0, validation_data=(x[:30], y[:30]),
    )  # fmt: skip
    history = train(model, x, y, options, callbacks=[seen]).history
    assert seen.seen == {"bfloat16"}  # both directions and their cells
    assert history["loss"][-1] < 0.6 * history["loss"][0]
    assert history["accuracy"][-1] > 0.5  # nine classes: chance is about 0.11
    # afterwards: float32 policies, weights and outputs; evaluate traces afresh in float32
    assert {layer.compute_dtype for layer in recurrent_layers(model)} == {"float32"}
    assert {w.dtype for w in model.weights} == {"float32"}
    scores = predict(model, x)
    assert scores.dtype == np.float32
    padded = keras.utils.pad_sequences(x, dtype="float32", padding="post")
    eager = keras.ops.convert_to_numpy(model(padded, training=False))
    np.testing.assert_allclose(scores, eager, atol=1e-5)
    loss = model.evaluate(padded, y, verbose=0)[0]
    expected = -np.mean(np.log(eager[np.arange(len(y)), y]))
    assert loss == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize("architecture", ["lstm", "gru", "bilstm"])
def test_float32_changes_nothing_and_policies_come_back_after_an_error(architecture):
    model = build_model(architecture, num_features=3, num_outputs=2, units=8)
    with training_precision(model, "float32") as used:
        assert used == "float32"
        assert {layer.compute_dtype for layer in recurrent_layers(model)} == {"float32"}
    with pytest.raises(RuntimeError, match="stop"):
        with training_precision(model, "mixed_bfloat16") as used:
            assert used == "mixed_bfloat16"
            assert {layer.compute_dtype for layer in recurrent_layers(model)} == {"bfloat16"}
            raise RuntimeError("stop")
    assert {layer.compute_dtype for layer in recurrent_layers(model)} == {"float32"}
    assert model.get_layer("head").compute_dtype == "float32"


def test_auto_takes_bfloat16_only_for_wide_lstm_layers_on_a_cpu_that_has_it():
    narrow = build_model("lstm", num_features=3, num_outputs=2, units=AUTO_MIN_UNITS // 2)
    gru = build_model("gru", num_features=3, num_outputs=2, units=AUTO_MIN_UNITS)
    wide = build_model("lstm", num_features=3, num_outputs=2, units=(16, AUTO_MIN_UNITS))
    both = build_model("bilstm", num_features=3, num_outputs=2, units=AUTO_MIN_UNITS)
    assert widest_lstm_units(wide) == widest_lstm_units(both) == AUTO_MIN_UNITS
    assert widest_lstm_units(gru) == 0
    assert resolve_precision("auto", narrow) == resolve_precision("auto", gru) == "float32"
    assert resolve_precision("auto", both) == resolve_precision("auto", wide)
    expected = "mixed_bfloat16" if cpu_has_bf16() else "float32"
    assert resolve_precision("auto", wide) == expected
    assert resolve_precision("mixed_bfloat16", narrow) == "mixed_bfloat16"


def test_cpu_flags_are_read_from_cpuinfo(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx512f avx512_bf16\n\n")
    assert {"avx512_bf16", "sse2"} <= cpu_flags(cpuinfo)
    assert cpu_flags(tmp_path / "absent") == frozenset()


def test_custom_loops_take_the_precision_too():
    from lstm_apps.tasks import char_lm as cl

    config = cl.Config.fast().replace(training=dict(precision="mixed_bfloat16", max_epochs=2))
    seen = _ComputeDtypes()
    run = cl.train(config, callbacks=[seen])
    assert seen.seen == {"bfloat16"}
    assert np.isfinite(run.history["loss"]).all()
    assert run.history["loss"][-1] < run.history["loss"][0]
    assert {layer.compute_dtype for layer in recurrent_layers(run.model)} == {"float32"}


def test_sentiment_networks_and_nox_updates_take_the_precision(tmp_path):
    """The two fits that used to call `model.fit` themselves now go through the route."""
    from lstm_apps.tasks import sentiment
    from lstm_apps.tasks.nox.recalibration import fine_tune

    rng = np.random.default_rng(0)
    words = ("bueno", "malo", "regular", "excelente", "pésimo", "normal")
    rows = [(" ".join(rng.choice(words, 6)), str(i % 2)) for i in range(80)]
    path = tmp_path / "texts.csv"
    path.write_text(
        "text,label\n" + "\n".join(f"{t},{c}" for t, c in rows) + "\n", encoding="utf-8"
    )
    config = sentiment.Config(
        data=str(path), models=("lstm",), units=8, embedding_dim=8, embedding_init="random"
    ).replace(
        training=dict(max_epochs=1, mini_batch_size=16, verbose=0, precision="mixed_bfloat16")
    )
    seen = _ComputeDtypes()
    run = sentiment.train(config, callbacks=[seen])
    assert seen.seen == {"bfloat16"}
    assert {layer.compute_dtype for layer in recurrent_layers(run.networks["lstm"])} == {"float32"}

    # A weekly NOx update: from the same start and seed, float32 twice gives the
    # same weights, and bfloat16 another update.
    x = rng.standard_normal((32, 5, 3)).astype("float32")
    start = build_model("lstm", num_features=3, num_outputs=1, task="regression", units=8,
                        normalization="none").get_weights()  # fmt: skip

    def update(precision):
        keras.utils.set_random_seed(0)
        model = build_model("lstm", num_features=3, num_outputs=1, task="regression", units=8,
                            normalization="none")  # fmt: skip
        model.set_weights(start)
        model.compile("adam", "mae")
        options = TrainingOptions(max_epochs=2, mini_batch_size=8, verbose=0, seed=0,
                                  precision=precision)  # fmt: skip
        fine_tune(model, x, x[:, -1, :1], options)
        assert {layer.compute_dtype for layer in recurrent_layers(model)} == {"float32"}
        return model.get_layer("lstm_1").get_weights()[0]

    first, again, bf16 = update("float32"), update("float32"), update("mixed_bfloat16")
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, bf16, atol=1e-7)
