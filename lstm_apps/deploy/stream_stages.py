"""Which layers of a model `StreamingPredictor` can step, and how (`model_stages`).

A model streams when its layers form a chain of inference identities
(dropout, noise), masking, `SequenceNormalization`, an embedding, recurrent
layers and per-step layers (dense, rescaling, activation). Layers that look
ahead (bidirectional, backwards, convolutions, pooling) are refused with an
error that says so.
"""

from __future__ import annotations

import keras

from lstm_apps.models.layers import SequenceNormalization
from lstm_apps.models.layers.spec_augment import SpecAugment

# Layers that are the identity at inference.
_INFERENCE_IDENTITY = (
    keras.layers.Dropout,
    keras.layers.GaussianNoise,
    keras.layers.GaussianDropout,
    keras.layers.ActivityRegularization,
    SpecAugment,
)
# Layers that act on each step on its own, so they apply to `(batch, features)`.
_PER_STEP = (keras.layers.Dense, keras.layers.Rescaling, keras.layers.Activation)

_LOOKAHEAD = (
    "its output at step t depends on later steps, so it cannot give an output per new step; "
    "stream a unidirectional model without convolutions"
)


def layer_state_sizes(layer) -> list[int]:
    """The widths of a recurrent layer's state tensors (LSTM: h and c; GRU, SimpleRNN: h)."""
    size = layer.cell.state_size
    return [int(s) for s in size] if isinstance(size, (list, tuple)) else [int(size)]


def model_stages(model):
    """Map the model's layers, input to output, to step operations; refuse the others."""
    if not isinstance(model, keras.Model) or len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ValueError(
            "StreamingPredictor needs a functional Keras model with one input and one output. "
            f"Received: {type(model).__name__}"
        )
    layers = model.layers
    for previous, layer in zip(layers, layers[1:]):
        tensors = keras.tree.flatten(layer._inbound_nodes[0].input_tensors)
        inputs = [t for t in tensors if t.dtype != "bool"]  # masks travel as arguments
        if len(inputs) != 1 or inputs[0] is not previous.output:
            raise ValueError(
                f"StreamingPredictor streams models whose layers form a chain; in "
                f"{model.name!r}, layer {layer.name!r} does not read {previous.name!r} alone"
            )
    ordered = layers
    stages = []
    for layer in ordered:
        kind = _kind(layer)
        if kind is not None:
            stages.append((kind, layer))
    if not any(kind == "rnn" for kind, _ in stages):
        raise ValueError(
            f"StreamingPredictor needs a recurrent model; {model.name!r} has no recurrent layer "
            "(SimpleRNN, LSTM, GRU or ProjectedLSTM), so there is no state to carry"
        )
    return stages


def _kind(layer):
    if isinstance(layer, keras.layers.InputLayer) or isinstance(layer, _INFERENCE_IDENTITY):
        return None
    if isinstance(layer, keras.layers.Bidirectional):
        raise ValueError(f"Layer {layer.name!r} is bidirectional: {_LOOKAHEAD}")
    if isinstance(layer, keras.layers.RNN):
        if layer.go_backwards:
            raise ValueError(f"Layer {layer.name!r} reads the sequence backwards: {_LOOKAHEAD}")
        return "rnn"
    if isinstance(layer, keras.layers.Masking):
        return "masking"
    if isinstance(layer, SequenceNormalization):
        return "normalization"
    if isinstance(layer, keras.layers.Embedding):
        return "embedding"
    if isinstance(layer, _PER_STEP):
        return "per_step"
    reason = (
        _LOOKAHEAD
        if "conv" in type(layer).__name__.lower() or "pool" in type(layer).__name__.lower()
        else "StreamingPredictor does not know how to apply it to one step"
    )
    raise ValueError(f"Layer {layer.name!r} ({type(layer).__name__}): {reason}")
