"""Guards against runs that would fill the memory or train to NaN (issue classes 4 and 5).

Oversized models are refused from their sizes alone, before any Keras layer
exists; a fit whose loss or weights stop being finite ends with
`TrainingDiverged`, before any backup of the diverged epoch is written.
"""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
from conftest import random_sequences
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_apps.models import size
from lstm_apps.models.builder import build_model
from lstm_apps.models.seq2seq import build_captioner
from lstm_apps.models.text import build_char_lm, build_text_classifier
from lstm_apps.training.fit import (
    DivergenceGuard,
    TrainingDiverged,
    check_finite_weights,
    fit_arrays,
    option_callbacks,
    train,
)
from lstm_apps.training.options import TrainingOptions, make_optimizer

HUGE = 100_000_000


# -- parameter estimates ----------------------------------------------------------------------


SMALL_BUILDS = {
    "lstm": lambda: build_model("lstm", num_features=12, num_outputs=9, units=100),
    "gru_stack": lambda: build_model("gru", num_features=3, num_outputs=2, units=(16, 8)),
    "bigru": lambda: build_model(
        "bigru", num_features=3, num_outputs=4, units=16, task="regression"
    ),
    "simple_rnn": lambda: build_model("simple_rnn", num_features=5, num_outputs=3, units=7),
    "projected": lambda: build_model(
        "lstm_projected",
        num_features=12,
        num_outputs=9,
        units=64,
        output_projector_size=10,
        input_projector_size=3,
        bidirectional=True,
    ),
    "cnn_lstm": lambda: build_model(
        "cnn_lstm", num_features=6, num_outputs=4, filters=(32, 16), units=20
    ),
    "char_lm": lambda: build_char_lm(vocabulary_size=60, cell="gru", units=(32, 16)),
    "text_bilstm": lambda: build_text_classifier(
        "bilstm", vocabulary_size=500, num_classes=3, pooling="max_mean"
    ),
    "text_cnn_lstm": lambda: build_text_classifier("cnn_lstm", vocabulary_size=500),
    "captioner": lambda: build_captioner(
        vocabulary_size=40, feature_dim=57, units=32, embedding_dim=16
    ),
}


@pytest.mark.parametrize("name", sorted(SMALL_BUILDS))
def test_estimate_is_close_to_count_params(name, monkeypatch):
    estimates = []
    check = size.check_model_size

    def spy(parameters, **kwargs):
        estimates.append(parameters)
        return check(parameters, **kwargs)

    monkeypatch.setattr(size, "check_model_size", spy)
    model = SMALL_BUILDS[name]()
    assert len(estimates) == 1
    assert 0.5 <= estimates[0] / model.count_params() <= 2.0


@settings(max_examples=25, deadline=None)
@given(
    cell=st.sampled_from(["simple_rnn", "lstm", "gru"]),
    inputs=st.integers(1, 40),
    units=st.integers(1, 40),
    bidirectional=st.booleans(),
)
def test_recurrent_parameters_match_keras(cell, inputs, units, bidirectional):
    layer = {"simple_rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM}.get(
        cell, keras.layers.GRU
    )(units)
    if bidirectional:
        layer = keras.layers.Bidirectional(layer)
    layer.build((None, None, inputs))
    expected = layer.count_params()
    assert size.recurrent_parameters(cell, inputs, units, bidirectional) == expected


def test_small_counts():
    assert size.dense_parameters(10, 3) == 33
    assert size.embedding_parameters(1000, 64) == 64_000
    assert size.conv1d_parameters(6, 32, 3) == 3 * 6 * 32 + 32
    with pytest.raises(ValueError, match="cell='transformer'"):
        size.recurrent_parameters("transformer", 3, 4)


def test_available_memory_is_positive_and_below_the_total():
    free = size.available_memory_bytes()
    assert free is not None and free > 0
    with open("/proc/meminfo") as handle:
        total = next(int(line.split()[1]) * 1024 for line in handle if line.startswith("MemTotal"))
    assert free <= total


# -- oversized models are refused before any layer exists --------------------------------------


@pytest.fixture
def no_layers(monkeypatch):
    """Make creating a Keras input or embedding fail, so a refusal proves nothing was built."""

    def refuse(*args, **kwargs):
        raise AssertionError("a Keras layer was created before the size check")

    monkeypatch.setattr(keras, "Input", refuse)
    monkeypatch.setattr(keras.layers, "Embedding", refuse)


MEMORY_MESSAGE = r"would need about .* parameters .* more than half of the .* GB of free memory"


@pytest.mark.parametrize(
    "architecture", ["lstm", "gru", "bilstm", "simple_rnn", "lstm_projected", "cnn_lstm"]
)
def test_build_model_refuses_huge_units(architecture, no_layers):
    with pytest.raises(ValueError, match=MEMORY_MESSAGE) as error:
        build_model(architecture, num_features=12, num_outputs=9, units=(HUGE,))
    assert f"Received: units=({HUGE},)" in str(error.value)


def test_text_models_refuse_huge_sizes(no_layers):
    with pytest.raises(ValueError, match=r"Reduce units, embedding_dim or vocabulary_size\."):
        build_text_classifier("bilstm", vocabulary_size=HUGE, embedding_dim=HUGE)
    with pytest.raises(ValueError, match=f"embedding_dim={HUGE}"):
        build_char_lm(vocabulary_size=80, embedding_dim=HUGE)
    with pytest.raises(ValueError, match=f"units={HUGE}"):
        build_captioner(vocabulary_size=40, feature_dim=576, units=HUGE)


def test_case_study_build_refuses_huge_units(vowels, no_layers):
    from lstm_apps.tasks import get_case_study, make_config

    config = make_config("japanese_vowels", {"units": HUGE}, fast=True)
    with pytest.raises(ValueError, match=f"{MEMORY_MESSAGE}.*units={HUGE}"):
        get_case_study("japanese_vowels").build_model(config, vowels)


def test_refusal_follows_the_free_memory(monkeypatch):
    monkeypatch.setattr(size, "available_memory_bytes", lambda: 1_000_000)  # 1 MB free
    with pytest.raises(ValueError, match=r"more than half of the 0.001 GB of free memory"):
        build_model("lstm", num_features=12, num_outputs=9, units=100)  # 46,134 x 16 bytes
    assert size.check_model_size(1000, what={"units": 10}) == 16_000
    monkeypatch.setattr(size, "available_memory_bytes", lambda: None)  # unknown: no refusal
    assert size.check_model_size(10**15, what="units=1e7") == 16 * 10**15


# -- activation memory of a fit -----------------------------------------------------------------


def test_train_refuses_huge_activations_before_fitting():
    model = build_model("lstm", num_features=3, num_outputs=2, units=8)
    options = TrainingOptions(max_epochs=1, mini_batch_size=4, sequence_length=10**9, verbose=0)
    message = (
        r"Training would need about .* bytes of activations .* GB of free memory\. "
        r".*Received: mini_batch_size=4, sequence length=1000000000$"
    )
    with pytest.raises(ValueError, match=message):
        train(model, random_sequences(6, 3), np.array([0, 1] * 3), options)
    assert not model.get_layer("normalization").is_adapted  # refused before anything ran
    assert not model.compiled


def test_fit_arrays_refuses_huge_activations():
    model = build_char_lm(vocabulary_size=10, units=8, embedding_dim=4)
    options = TrainingOptions(max_epochs=1, mini_batch_size=2, verbose=0)
    model.compile(optimizer=make_optimizer(options), loss="sparse_categorical_crossentropy")
    x = np.broadcast_to(np.ones((1, 1), "int32"), (4, 10**9))  # a view: nothing allocated
    with pytest.raises(ValueError, match=r"mini_batch_size=2, sequence length=1000000000"):
        fit_arrays(model, x, x, options)


def test_normal_fit_passes_the_activation_check():
    model = build_model("gru", num_features=3, num_outputs=2, units=4)
    options = TrainingOptions(max_epochs=1, mini_batch_size=4, verbose=0)
    history = train(model, random_sequences(8, 3), np.array([0, 1] * 4), options)
    assert len(history.history["loss"]) == 1


# -- non-finite training ----------------------------------------------------------------------


DIVERGED = (
    r"Training diverged: the loss became (nan|inf) at the end of epoch 1\. "
    r"Lower training\.initial_learn_rate \(received 1e\+30\) or "
)


def regression_data(n=24, seed=0):
    rng = np.random.default_rng(seed)
    return random_sequences(n, 3, seed=seed), rng.normal(size=(n, 1)).astype("float32")


def test_train_stops_on_a_non_finite_loss():
    x, y = regression_data()
    model = build_model("lstm", num_features=3, num_outputs=1, task="regression", units=4)
    options = TrainingOptions(max_epochs=3, mini_batch_size=4, initial_learn_rate=1e30, verbose=0)
    with pytest.raises(TrainingDiverged, match=DIVERGED + r"set training\.gradient_threshold\. "):
        train(model, x, y, options)
    clipped = options.replace(gradient_threshold=1.0)
    with pytest.raises(ValueError, match=r"training\.gradient_threshold \(received 1\.0\)\."):
        train(model, x, y, clipped)
    with pytest.raises(TrainingDiverged, match=r"holds (nan|inf) \(\d+ of \d+ values\)"):
        check_finite_weights(model)


def test_fit_arrays_and_custom_loops_stop_on_a_non_finite_loss():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(16, 5, 3)).astype("float32")
    y = rng.normal(size=(16, 1)).astype("float32")
    options = TrainingOptions(max_epochs=2, mini_batch_size=4, initial_learn_rate=1e30, verbose=0)
    model = build_model("gru", num_features=3, num_outputs=1, task="regression", units=4, adapt=x)
    model.compile(optimizer=make_optimizer(options), loss="mse")
    with pytest.raises(TrainingDiverged, match=DIVERGED):
        fit_arrays(model, x, y, options)
    # a custom loop calling model.fit with `option_callbacks` (as the recalibration does)
    model = build_model("gru", num_features=3, num_outputs=1, task="regression", units=4, adapt=x)
    model.compile(optimizer=make_optimizer(options), loss="mse")
    with pytest.raises(TrainingDiverged, match=DIVERGED):
        model.fit(
            x, y, batch_size=4, epochs=2, verbose=0, callbacks=option_callbacks(options, False)
        )


def test_guard_checks_validation_loss_and_weights_at_epoch_end():
    model = build_model("lstm", num_features=3, num_outputs=2, units=4)
    guard = DivergenceGuard(TrainingOptions(initial_learn_rate=0.5))
    guard.set_model(model)
    guard.on_epoch_end(0, {"loss": 0.7, "val_loss": 0.8, "accuracy": math.nan})  # fine
    with pytest.raises(TrainingDiverged, match=r"the val_loss became nan at the end of epoch 2"):
        guard.on_epoch_end(1, {"loss": 0.7, "val_loss": math.nan})
    kernel = model.get_layer("lstm_1").cell.kernel
    kernel.assign(np.full(kernel.shape, np.inf, "float32"))
    with pytest.raises(
        TrainingDiverged, match=r"the weight 'lstm_1/lstm_cell/kernel' .* holds inf"
    ):
        guard.on_epoch_end(2, {"loss": 0.7})
    with pytest.raises(TrainingDiverged, match=r"at the end of epoch 3\. Lower training"):
        guard.on_epoch_end(2, {"loss": 0.7})


def test_check_finite_weights_passes_a_finite_model():
    model = build_model("gru", num_features=3, num_outputs=2, units=4)
    assert check_finite_weights(model) is None


class _PoisonAfter(keras.callbacks.Callback):
    """Fill the head's kernel with NaN at the end of epoch `epoch` (0-based)."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            kernel = self.model.get_layer("head").kernel
            kernel.assign(np.full(kernel.shape, np.nan, "float32"))


def test_backup_never_holds_non_finite_weights(tmp_path):
    backup = tmp_path / "backup"
    options = TrainingOptions(max_epochs=3, mini_batch_size=8, checkpoint_dir=str(backup))
    callbacks = option_callbacks(options, validation=True)
    assert isinstance(callbacks[0], DivergenceGuard)
    assert isinstance(callbacks[1], keras.callbacks.BackupAndRestore)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(16, 5, 3)).astype("float32")
    y = rng.normal(size=(16, 1)).astype("float32")
    model = build_model("lstm", num_features=3, num_outputs=1, task="regression", units=4, adapt=x)
    model.compile(optimizer=make_optimizer(options), loss="mse")
    # weights turn NaN after the last batch of epoch 2, while its loss was still finite
    with pytest.raises(TrainingDiverged, match=r"'head/kernel' .* at the end of epoch 2"):
        model.fit(x, y, epochs=3, verbose=0, callbacks=[_PoisonAfter(1), *callbacks])
    model.load_weights(backup / "latest.weights.h5")  # the backup of epoch 1
    check_finite_weights(model)


def test_diverged_fit_writes_no_backup(tmp_path):
    backup = tmp_path / "backup"
    x, y = regression_data()
    model = build_model("lstm", num_features=3, num_outputs=1, task="regression", units=4)
    options = TrainingOptions(
        max_epochs=2, mini_batch_size=4, initial_learn_rate=1e30, checkpoint_dir=str(backup)
    )
    with pytest.raises(TrainingDiverged):
        train(model, x, y, options.replace(verbose=0))
    assert not list(backup.rglob("*.weights.h5"))


@pytest.mark.parametrize("pooling", ["avg", "flatten"])
def test_image_encoder_estimate_and_refusal(pooling):
    from lstm_apps.models.image_encoders import build_image_encoder, check_small_cnn_size

    encoder = build_image_encoder(
        input_shape=(40, 48, 1), num_features=32, pooling=pooling, filters=(8, 16)
    )
    estimate = check_small_cnn_size((40, 48, 1), 32, pooling, (8, 16))
    assert estimate == encoder.count_params()
    with pytest.raises(ValueError, match=r"Reduce image_size, filters or num_features\. "):
        build_image_encoder(input_shape=(64, 64, 3), num_features=10**10, pooling=pooling)
