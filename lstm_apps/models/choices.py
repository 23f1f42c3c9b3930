"""The names a model is chosen by, and their checks, without importing Keras.

The case studies' Configs check their fields against these tuples when they
are made, which the command line does before TensorFlow is imported. The
builders keep their own tables (name -> builder or layer class);
tests/test_startup.py checks that both hold the same names.
"""

from __future__ import annotations

from lstm_apps.checks import check_positive, check_range

# the keys of `lstm_apps.models.ARCHITECTURES`, the names `build_model` takes
ARCHITECTURE_NAMES = ("simple_rnn", "lstm", "gru", "bilstm", "bigru", "lstm_projected", "cnn_lstm")
# the keys of `lstm_apps.models.recurrent.CELLS`
CELL_NAMES = ("simple_rnn", "lstm", "gru")
# the keys of `lstm_apps.models.seq2seq.DECODER_CELLS`
DECODER_CELL_NAMES = ("lstm", "gru")
# the image encoders of `lstm_apps.models.image_encoders.build_image_encoder`
ENCODERS = ("small_cnn", "mobilenet_v3_small", "efficientnet_b0", "efficientnet_lite0")
# the in-model transforms of the forecasting network (`lstm_apps.forecasting.network`)
TRANSFORMS = ("none", "log", "sqrt", "difference", "log_difference", "sqrt_difference")
# what `transform="auto"` chooses among on validation (square roots are asked for by name)
AUTO_TRANSFORMS = ("none", "log", "difference", "log_difference")
# the architectures without look-ahead, which a forecasting network may use
CAUSAL_ARCHITECTURES = ("simple_rnn", "lstm", "gru", "lstm_projected")


def check_beam(beam_width, length_penalty=0.0):
    """Refuse a beam width below 1 or a negative (or non-numeric) length penalty."""
    check_positive("beam_width", beam_width)
    check_range("length_penalty", length_penalty, 0, float("inf"))
