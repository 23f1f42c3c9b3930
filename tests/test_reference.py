"""NumPy reference cells against Keras (outputs) and TensorFlow autodiff (BPTT gradients)."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from lstm_apps.analysis import reference

LAYERS = {"simple_rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM, "gru": keras.layers.GRU}


def _layer_and_inputs(kind, seed=0, units=5, features=3, steps=7, batch=2):
    keras.utils.set_random_seed(seed)
    layer = LAYERS[kind](units, return_sequences=True)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, steps, features)).astype("float32")
    layer(x)
    # random biases too, so every bias slice is exercised
    layer.set_weights([w + rng.normal(scale=0.3, size=w.shape) for w in layer.get_weights()])
    return layer, x, rng


@pytest.mark.parametrize("kind", list(LAYERS))
def test_forward_matches_keras(kind):
    layer, x, _ = _layer_and_inputs(kind)
    cell = reference.from_keras(layer)
    np.testing.assert_allclose(cell.forward(x), np.asarray(layer(x)), atol=1e-5)


@pytest.mark.parametrize("kind", list(LAYERS))
def test_bptt_matches_autodiff(kind):
    layer, x, rng = _layer_and_inputs(kind, seed=1)
    upstream = rng.normal(size=(x.shape[0], x.shape[1], layer.units)).astype("float32")
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = tf.reduce_sum(layer(xt) * upstream)
    kernel, recurrent, bias = layer.trainable_weights
    auto = tape.gradient(loss, [xt, kernel, recurrent, bias])
    cell = reference.from_keras(layer)
    cell.forward(x)
    mine = cell.backward(upstream.astype("float64"))
    for name, expected in zip(("x", "kernel", "recurrent_kernel", "bias"), auto):
        np.testing.assert_allclose(mine[name], np.asarray(expected), atol=1e-4, err_msg=name)


def test_lstm_gates_and_bad_input():
    layer, x, _ = _layer_and_inputs("lstm")
    h, gates = reference.LSTMCell.from_keras(layer).forward(x, return_gates=True)
    assert set(gates) == {
        "input_gate",
        "forget_gate",
        "output_gate",
        "candidate",
        "cell",
        "hidden",
    }
    for k in ("input_gate", "forget_gate", "output_gate"):
        assert ((gates[k] > 0) & (gates[k] < 1)).all()
    np.testing.assert_allclose(h, gates["output_gate"] * np.tanh(gates["cell"]))
    np.testing.assert_allclose(
        gates["cell"][:, 1:],
        gates["forget_gate"][:, 1:] * gates["cell"][:, :-1]
        + gates["input_gate"][:, 1:] * gates["candidate"][:, 1:],
    )
    with pytest.raises(ValueError, match=r"\(batch, timesteps, 3\). Received: \(7, 3\)"):
        reference.LSTMCell.from_keras(layer).forward(x[0])
    with pytest.raises(TypeError, match="Received: Dense"):
        reference.from_keras(keras.layers.Dense(2))
    with pytest.raises(TypeError, match="reads a Keras GRU layer. Received: LSTM"):
        reference.GRUCell.from_keras(layer)


def test_inspect_gates_of_a_trained_builder_model():
    from conftest import random_sequences

    from lstm_apps import TrainingOptions, build_model, inspect_gates, train

    x = random_sequences(16, 3, low=6, high=7, seed=0)
    y = np.array([int(s[:, 0].mean() > 0) for s in x])
    model = build_model("lstm", num_features=3, num_outputs=2, units=4)
    train(model, x, y, TrainingOptions(max_epochs=1, verbose=0))
    gates = inspect_gates(model, x[0])
    assert gates["forget_gate"].shape == (6, 4)
    lstm = next(layer for layer in model.layers if isinstance(layer, keras.layers.LSTM))
    last_h = keras.Model(model.input, lstm.output)(x[0][None])
    np.testing.assert_allclose(gates["hidden"][-1], np.asarray(last_h)[0], atol=1e-5)
    padded = np.vstack([x[0], np.zeros((1, 3))])
    with pytest.raises(ValueError, match=r"Step 6 of `sequence` equals the mask value 0.0"):
        inspect_gates(model, padded)
    gru = build_model("gru", num_features=3, num_outputs=2, units=4)
    assert set(inspect_gates(gru, x[0])) == {"update_gate", "reset_gate", "candidate", "hidden"}
    dense = keras.Sequential([keras.Input((6, 3)), keras.layers.Flatten(), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="has no SimpleRNN, LSTM or GRU layer"):
        inspect_gates(dense, x[0])


def test_backward_needs_forward_and_a_matching_gradient():
    layer, x, _ = _layer_and_inputs("gru")
    cell = reference.from_keras(layer)
    with pytest.raises(RuntimeError, match="Call `forward` before `backward`"):
        cell.backward(np.zeros((2, 7, 5)))
    cell.forward(x)
    with pytest.raises(ValueError, match=r"\(2, 7, 5\). Received: \(2, 5\)"):
        cell.backward(np.zeros((2, 5)))
