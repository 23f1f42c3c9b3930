"""Model builders: `build_model(architecture, ...)` and one builder per family.

| architecture     | builder                 |
|------------------|-------------------------|
| "simple_rnn"     | build_recurrent         |
| "lstm"           | build_recurrent         |
| "gru"            | build_recurrent         |
| "bilstm"         | build_recurrent         |
| "bigru"          | build_recurrent         |
| "lstm_projected" | build_projected_lstm    |
| "cnn_lstm"       | build_cnn_lstm          |

Modules: `builder` (`build_model`), `recurrent`, `convolutional`, `text`,
`seq2seq`, `image_encoders` (families), `compose` (networks made from
networks), `layers` (custom layers, registered for `.keras` files).
"""

from lstm_apps.models.builder import ARCHITECTURES, adapt_normalization, build_model
from lstm_apps.models.compose import (
    average_ensemble,
    learnable_parameters,
    rechain,
    with_linear_path,
    with_target_scale,
)
from lstm_apps.models.convolutional import build_cnn_lstm
from lstm_apps.models.layers import (
    ConvBlock1D,
    MaskedGlobalMaxPooling1D,
    ProjectedLSTM,
    ProjectedLSTMCell,
    SequenceNormalization,
)
from lstm_apps.models.recurrent import OUTPUT_MODES, TASKS, build_projected_lstm, build_recurrent
from lstm_apps.models.text import (  # also registers the text standardizers for loading
    build_text_classifier,
    standardize_text,
    standardize_text_without_accents,
)

__all__ = [
    "ARCHITECTURES",
    "OUTPUT_MODES",
    "TASKS",
    "adapt_normalization",
    "build_model",
    "with_target_scale",
    "with_linear_path",
    "rechain",
    "average_ensemble",
    "build_recurrent",
    "build_projected_lstm",
    "build_cnn_lstm",
    "build_text_classifier",
    "standardize_text",
    "standardize_text_without_accents",
    "learnable_parameters",
    "SequenceNormalization",
    "ProjectedLSTM",
    "ProjectedLSTMCell",
    "ConvBlock1D",
    "MaskedGlobalMaxPooling1D",
]
