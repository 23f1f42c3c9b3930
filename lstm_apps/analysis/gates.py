"""Look inside a trained recurrent network: gates and states, step by step, in NumPy.

`inspect_gates(model, sequence)` runs one sequence up to a recurrent layer
of any Keras model in Keras, then through that layer in the NumPy reference
cell of `lstm_apps.analysis.reference`, and returns every intermediate quantity the
Keras layer computes but does not expose (the LSTM's gates and cell state,
the GRU's update and reset gates). `recurrent_states(model, sequence)` does
the same for a single-layer network from `build_model("simple_rnn" | "lstm"
| "gru", ...)` and also applies its dense head. The equations, with `x_t` the normalized
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

from lstm_apps.analysis.reference import from_keras
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


def _refuse_skipped_steps(sequence, value, name):
    """Raise if a step equals `value` in every feature: Keras masking would skip
    that step, while the NumPy replay would not."""
    steps = np.asarray(sequence).reshape(len(sequence), -1)
    skipped = np.flatnonzero(np.all(steps == value, axis=-1))
    if skipped.size:
        raise ValueError(
            f"Step {skipped[0]} of `sequence` equals the {name} {value} in every feature, "
            "so the model would skip it and the replay would not. Received: "
            f"sequence[{skipped[0]}]={steps[skipped[0]].tolist()}"
        )


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
    _refuse_skipped_steps(x, padding_value, "padding value")
    x = _normalize(x.astype("float64"), normalization)
    _, states = from_keras(layer).forward(x[None], return_gates=True)
    states = {key: value[0] for key, value in states.items()}
    states["outputs"], is_probability = _head(states["hidden"], head)
    if is_probability:
        states["probabilities"] = states["outputs"]
    return states


def inspect_gates(model, sequence, layer=None) -> dict[str, np.ndarray]:
    """Gates and states of a recurrent layer of a Keras model, at every step of one sequence.

    The layers before the recurrent one (masking, normalization, embedding,
    convolution...) run in Keras; the recurrent layer itself runs in the
    reference cell, which records what Keras keeps internal.

    Args:
        model: a functional or sequential Keras model.
        sequence: one unpadded input sequence, shaped as the model's input
            without the batch axis (for example `(T, F)`).
        layer: the `LSTM`, `GRU` or `SimpleRNN` layer or its name; default
            the model's first LSTM, else its first recurrent layer.

    Returns:
        A dict of `(T, units)` float64 arrays. LSTM: "input_gate",
        "forget_gate", "output_gate", "candidate", "cell", "hidden". GRU:
        "update_gate", "reset_gate", "candidate", "hidden". SimpleRNN: "hidden".

    Example:
        >>> gates = inspect_gates(model, x_test[0])
        >>> gates["forget_gate"].mean(axis=0)  # how much each unit keeps, on average
    """
    if layer is None:
        layers = [lay for lay in model.layers if isinstance(lay, CELL_LAYERS)]
        if not layers:
            raise ValueError(f"Model {model.name!r} has no SimpleRNN, LSTM or GRU layer.")
        lstms = [lay for lay in layers if isinstance(lay, keras.layers.LSTM)]
        layer = (lstms or layers)[0]
    elif isinstance(layer, str):
        layer = model.get_layer(layer)
    cell = from_keras(layer)
    for masking in (lay for lay in model.layers if isinstance(lay, keras.layers.Masking)):
        _refuse_skipped_steps(sequence, masking.mask_value, "mask value")
    if getattr(layer, "go_backwards", False):
        raise ValueError(f"Layer {layer.name!r} runs backwards; pass a forward layer.")
    feed = layer.input[0] if isinstance(layer.input, (list, tuple)) else layer.input  # (x, mask)
    feeder = keras.Model(model.input, feed)
    batch = np.asarray(sequence)[None]
    _, states = cell.forward(np.asarray(feeder(batch)), return_gates=True)
    return {key: value[0] for key, value in states.items()}
