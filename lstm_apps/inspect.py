"""Look inside a trained recurrent network: gates and states, step by step, in NumPy.

`recurrent_states(model, sequence)` replays one sequence through a
single-layer network from `build_model("simple_rnn" | "lstm" | "gru", ...)`
using the trained weights, and returns every intermediate quantity the
Keras layer computes but does not expose (the LSTM's gates and cell state,
the GRU's update and reset gates). The equations, with `x_t` the normalized
input, `h_{t-1}` the previous hidden state and `W`, `U`, `b` the layer's
`kernel`, `recurrent_kernel` and `bias`:

- SimpleRNN: `h_t = tanh(x_t W + h_{t-1} U + b)`.
- LSTM (Keras gate order i, f, c, o in each weight):
  `i_t, f_t, o_t = sigmoid(...)`, `c~_t = tanh(...)`,
  `c_t = f_t * c_{t-1} + i_t * c~_t`, `h_t = o_t * tanh(c_t)`.
- GRU (Keras gate order z, r, h; `reset_after=True` by default):
  `z_t, r_t = sigmoid(...)`,
  `h~_t = tanh(x_t W_h + b_h + r_t * (h_{t-1} U_h + b'_h))`,
  `h_t = z_t * h_{t-1} + (1 - z_t) * h~_t`. Note that Keras keeps the old
  state where `z_t` is 1, the opposite convention of Cho et al. (2014).
"""

from __future__ import annotations

import keras
import numpy as np

from lstm_apps.data.sequences import check_sequences

CELL_LAYERS = (keras.layers.SimpleRNN, keras.layers.LSTM, keras.layers.GRU)
PASSIVE_LAYERS = (
    keras.layers.InputLayer,
    keras.layers.Masking,
    keras.layers.Dropout,
    keras.layers.GaussianNoise,
)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _parts(model):
    """The normalization layer, the one recurrent layer and the dense head of `model`."""
    normalization, recurrent, head = None, [], None
    for layer in model.layers:
        if isinstance(layer, CELL_LAYERS):
            recurrent.append(layer)
        elif isinstance(layer, keras.layers.Dense):
            head = layer
        elif layer.name == "normalization":
            normalization = layer
        elif not isinstance(layer, PASSIVE_LAYERS):
            raise ValueError(
                "recurrent_states() reads single-layer SimpleRNN, LSTM and GRU networks. "
                f"Received a model with a {type(layer).__name__} layer named {layer.name!r}"
            )
    if len(recurrent) != 1 or head is None:
        raise ValueError(
            "recurrent_states() needs exactly one SimpleRNN, LSTM or GRU layer and a Dense "
            f"head. Received: {len(recurrent)} recurrent layers in model {model.name!r}"
        )
    return normalization, recurrent[0], head


def _simple_rnn_step(x, state, weights, units):
    kernel, recurrent_kernel, bias = weights
    h = np.tanh(x @ kernel + state["hidden"] @ recurrent_kernel + bias)
    return {"hidden": h}


def _lstm_step(x, state, weights, units):
    kernel, recurrent_kernel, bias = weights
    z = x @ kernel + state["hidden"] @ recurrent_kernel + bias
    i, f, c, o = (z[..., k * units : (k + 1) * units] for k in range(4))
    i, f, o, candidate = _sigmoid(i), _sigmoid(f), _sigmoid(o), np.tanh(c)
    cell = f * state["cell"] + i * candidate
    return {
        "hidden": o * np.tanh(cell),
        "cell": cell,
        "input_gate": i,
        "forget_gate": f,
        "output_gate": o,
        "candidate": candidate,
    }


def _gru_step(x, state, weights, units):
    kernel, recurrent_kernel, bias = weights
    bias = np.reshape(bias, (-1, 3 * units))
    split = lambda m: [m[..., k * units : (k + 1) * units] for k in range(3)]
    x_z, x_r, x_h = split(x @ kernel + bias[0])
    h_prev = state["hidden"]
    u_h = split(recurrent_kernel)[2]
    b_rec = bias[1] if len(bias) == 2 else np.zeros(3 * units)
    r_z, r_r, r_h = split(h_prev @ recurrent_kernel + b_rec)
    update, reset = _sigmoid(x_z + r_z), _sigmoid(x_r + r_r)
    if len(bias) == 2:  # reset_after=True, the Keras 3 default
        candidate = np.tanh(x_h + reset * r_h)
    else:
        candidate = np.tanh(x_h + (reset * h_prev) @ u_h)
    hidden = update * h_prev + (1.0 - update) * candidate
    return {"hidden": hidden, "update_gate": update, "reset_gate": reset, "candidate": candidate}


STEPS = {
    keras.layers.SimpleRNN: _simple_rnn_step,
    keras.layers.LSTM: _lstm_step,
    keras.layers.GRU: _gru_step,
}


def _normalize(x, layer):
    if layer is None:
        return x
    offset, scale = (np.asarray(w, "float64") for w in layer.get_weights()[:2])
    return (x - offset) / scale


def _head(hidden, head):
    kernel, bias = (np.asarray(w, "float64") for w in head.get_weights())
    logits = hidden @ kernel + bias
    name = getattr(head.activation, "__name__", "linear")
    if name == "softmax":
        return _softmax(logits), True
    if name == "sigmoid":
        return _sigmoid(logits), True
    return logits, False


def recurrent_states(model, sequence, padding_value=0.0) -> dict[str, np.ndarray]:
    """Replay one sequence through a single-layer recurrent network, in NumPy.

    Args:
        model: a trained single-layer network from `build_model("simple_rnn"
            | "lstm" | "gru", ..., output_mode="last" | "sequence")`.
        sequence: one `(timesteps, features)` array, without padding.
        padding_value: the model's padding value, default 0.0; no step may
            consist only of it (the model would skip such a step).

    Returns:
        A dict of `(timesteps, units)` float64 arrays, starting from a zero
        state: "hidden" for every cell; "cell", "input_gate", "forget_gate",
        "output_gate" and "candidate" for the LSTM; "update_gate",
        "reset_gate" and "candidate" for the GRU. Also "outputs", the head
        applied to each step's hidden state `(timesteps, outputs)`, and, for
        softmax or sigmoid heads, the same array as "probabilities".

    Raises:
        ValueError: for a model with other layers (stacked, bidirectional,
            convolutional) or a step that the masking layer would hide.

    Example:
        >>> states = recurrent_states(model, x_test[0])
        >>> states["forget_gate"].shape
        (timesteps, units)
    """
    normalization, layer, head = _parts(model)
    x = check_sequences([sequence], "sequence", num_features=model.input_shape[-1])[0]
    masked = np.flatnonzero(np.all(x == padding_value, axis=-1))
    if masked.size:
        raise ValueError(
            f"Step {masked[0]} of `sequence` equals the padding value {padding_value} in every "
            "feature, so the model would skip it. Received: "
            f"sequence[{masked[0]}]={x[masked[0]].tolist()}"
        )
    x = _normalize(x.astype("float64"), normalization)
    weights = [np.asarray(w, "float64") for w in layer.get_weights()]
    step, units = STEPS[type(layer)], layer.cell.units
    state = {"hidden": np.zeros(units), "cell": np.zeros(units)}
    rows = []
    for x_t in x:
        state = step(x_t, state, weights, units)
        rows.append(state)
    states = {key: np.stack([row[key] for row in rows]) for key in rows[0]}
    states["outputs"], is_probability = _head(states["hidden"], head)
    if is_probability:
        states["probabilities"] = states["outputs"]
    return states
