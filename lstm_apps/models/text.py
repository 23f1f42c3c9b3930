"""Character language models: embedding -> recurrent layers -> softmax per step.

`build_char_lm` gives the training model, which reads `(batch, timesteps)`
character codes and returns `(batch, timesteps, vocabulary)` next-character
probabilities. `build_step_model` reuses its layers in a one-step model that
takes and returns the recurrent states explicitly, so generation costs one
step per character instead of re-reading the whole prompt.
"""

from __future__ import annotations

import keras

from lstm_apps.data.sequences import check_choice
from lstm_apps.models.recurrent import CELLS, recurrent_parameters
from lstm_apps.models.recurrent import matched_units as units_matching

STATES = {"simple_rnn": 1, "gru": 1, "lstm": 2}


def build_char_lm(
    *, vocabulary_size, cell="lstm", units=256, embedding_dim=32, dropout=0.0, name=None
):
    """Build a character language model.

    Args:
        vocabulary_size: number of character codes (including the unknown code 0).
        cell: "simple_rnn", "lstm" (default) or "gru".
        units: recurrent width, or a tuple for a stack; default 256.
        embedding_dim: size of the character embedding, default 32.
        dropout: dropout after each recurrent layer, default 0.
        name: model name, default "<cell>_char_lm".

    Returns:
        An uncompiled `keras.Model` from `(batch, timesteps)` int codes to
        `(batch, timesteps, vocabulary_size)` probabilities.

    Example:
        >>> model = build_char_lm(vocabulary_size=93, cell="gru", units=128)
    """
    check_choice("cell", cell, tuple(CELLS))
    widths = (units,) if isinstance(units, int) else tuple(units)
    if vocabulary_size < 2 or not widths or min(widths) < 1 or embedding_dim < 1:
        raise ValueError(
            "`vocabulary_size` must be >= 2 and `units`, `embedding_dim` positive. Received: "
            f"vocabulary_size={vocabulary_size}, units={units!r}, embedding_dim={embedding_dim}"
        )
    inputs = keras.Input(shape=(None,), dtype="int32", name="input")
    x = keras.layers.Embedding(vocabulary_size, embedding_dim, name="embedding")(inputs)
    for i, width in enumerate(widths, start=1):
        x = CELLS[cell](width, return_sequences=True, name=f"{cell}_{i}")(x)
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"dropout_{i}")(x)
    outputs = keras.layers.Dense(vocabulary_size, activation="softmax", name="head")(x)
    return keras.Model(inputs, outputs, name=name or f"{cell}_char_lm")


def recurrent_layers(model):
    """The recurrent layers of a character model, in order."""
    return [layer for layer in model.layers if isinstance(layer, keras.layers.RNN)]


def build_step_model(model):
    """A one-step model sharing `model`'s layers, with explicit states.

    Inputs: `(batch, 1)` codes followed by one `(batch, units)` tensor per
    state (LSTM: h and c; GRU and SimpleRNN: h). Outputs: `(batch,
    vocabulary)` probabilities followed by the new states, in the same order.
    """
    rnns = recurrent_layers(model)
    code = keras.Input(shape=(1,), dtype="int32", name="code")
    states_in, states_out = [], []
    x = model.get_layer("embedding")(code)
    for layer in rnns:
        kind = {keras.layers.LSTM: "lstm", keras.layers.GRU: "gru"}.get(type(layer), "simple_rnn")
        state = [
            keras.Input(shape=(layer.units,), name=f"{layer.name}_state_{j}")
            for j in range(STATES[kind])
        ]
        clone = type(layer).from_config(
            {**layer.get_config(), "return_state": True, "name": f"{layer.name}_step"}
        )
        clone.build((None, 1, x.shape[-1]))
        clone.set_weights(layer.get_weights())
        out = clone(x, initial_state=state)
        x, new = out[0], list(out[1:])
        states_in += state
        states_out += new
    probs = model.get_layer("head")(x[:, -1, :] if len(x.shape) == 3 else x)
    return keras.Model([code, *states_in], [probs, *states_out], name=f"{model.name}_step")


def char_lm_parameters(cell, units, vocabulary_size, embedding_dim=32) -> int:
    """Learnable parameters of a one-layer `build_char_lm` network (Keras 3 GRU: reset_after)."""
    embedding = vocabulary_size * embedding_dim
    return embedding + recurrent_parameters(cell, units, embedding_dim, vocabulary_size)


def matched_units(cell, target_parameters, vocabulary_size, embedding_dim=32) -> int:
    """The width at which a one-layer `cell` network comes closest to `target_parameters`."""
    embedding = vocabulary_size * embedding_dim
    return units_matching(cell, target_parameters - embedding, embedding_dim, vocabulary_size)
