"""How much gradient reaches early steps: `gradient_profile`.

The norm of dL/dh_t at every step t for a loss at the last step, by
backpropagation through time in the NumPy reference cells
(`lstm_apps.analysis.reference`), so nothing depends on how Keras fuses its
loop.
"""

from __future__ import annotations

import numpy as np

from lstm_apps.analysis.reference import from_keras
from lstm_apps.models.recurrent import CELLS

UNDERFLOW = 1e-300  # gradient ratios at or below this left float64's range


def gradient_profile(model, x, y) -> np.ndarray:
    """Norm of dL/dh_t at every step, relative to the last step, for a loss at the last step.

    The model is one recurrent layer and a dense head (`memory_model` for
    the adding task); L is the squared error of the prediction made from the
    last hidden state. The recurrent layer is replayed in its NumPy reference
    cell, whose backpropagation through time returns the total dL/dh_t.

    Args:
        model: a Keras model whose layers are an input, a SimpleRNN, LSTM or
            GRU layer (last output only) and a dense head.
        x: `(n, T, features)` inputs; y: `(n, outputs)` targets.

    Returns:
        `(T,)` array: the geometric mean over the n sequences of
        ||dL/dh_t|| / ||dL/dh_T||. Entry 0 is the first step, entry T-1 is 1.
    """
    recurrent = [layer for layer in model.layers if isinstance(layer, tuple(CELLS.values()))]
    if len(recurrent) != 1 or recurrent[0].return_sequences:
        raise ValueError(
            "gradient_profile needs one recurrent layer returning its last state. "
            f"Received model {model.name!r} with {len(recurrent)} recurrent layers"
        )
    cell = from_keras(recurrent[0])
    kernel, bias = (np.asarray(w, "float64") for w in model.layers[-1].get_weights())
    hidden = cell.forward(np.asarray(x, "float64"))
    residual = hidden[:, -1] @ kernel + bias - np.asarray(y, "float64")
    grad_h = np.zeros_like(hidden)
    grad_h[:, -1] = 2.0 * residual @ kernel.T
    norms = np.linalg.norm(cell.backward(grad_h)["h"], axis=-1)  # (n, T)
    ratios = norms / np.maximum(norms[:, -1:], UNDERFLOW)
    return np.exp(np.mean(np.log(np.maximum(ratios, UNDERFLOW)), axis=0))
