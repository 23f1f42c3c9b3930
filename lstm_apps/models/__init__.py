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
networks), `layers` (custom layers, registered for `.keras` files),
`choices` (the names of architectures, cells, encoders and transforms,
without Keras).
"""

from lstm_apps.lazy import lazy_names

# public name -> its module, imported on first use: the builders import Keras, and
# `choices` (the names a Config checks) must not. Loading a `.keras` file registers the
# custom layers and text standardizers itself (`lstm_apps.runs.load_model`).
_NAMES = {
    "ARCHITECTURES": "lstm_apps.models.builder",
    "adapt_normalization": "lstm_apps.models.builder",
    "build_model": "lstm_apps.models.builder",
    "average_ensemble": "lstm_apps.models.compose",
    "learnable_parameters": "lstm_apps.models.compose",
    "rechain": "lstm_apps.models.compose",
    "with_linear_path": "lstm_apps.models.compose",
    "with_target_scale": "lstm_apps.models.compose",
    "build_cnn_lstm": "lstm_apps.models.convolutional",
    "ConvBlock1D": "lstm_apps.models.layers",
    "MaskedGlobalMaxPooling1D": "lstm_apps.models.layers",
    "ProjectedLSTM": "lstm_apps.models.layers",
    "ProjectedLSTMCell": "lstm_apps.models.layers",
    "SequenceNormalization": "lstm_apps.models.layers",
    "OUTPUT_MODES": "lstm_apps.models.recurrent",
    "TASKS": "lstm_apps.models.recurrent",
    "build_projected_lstm": "lstm_apps.models.recurrent",
    "build_recurrent": "lstm_apps.models.recurrent",
    "build_text_classifier": "lstm_apps.models.text",
    "standardize_text": "lstm_apps.models.text",
    "standardize_text_without_accents": "lstm_apps.models.text",
}
__getattr__, __dir__ = lazy_names(__name__, _NAMES)

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
