"""Japanese Vowels: which of nine speakers uttered /ae/ (sequence-to-label).

The pipeline (data, model, training, evaluation) is in `study.py`.
"""

from lstm_apps.lazy import lazy_names

# the names of `study`, imported on first use, so that `config` loads without Keras
__getattr__, __dir__ = lazy_names(__name__, {}, default=f"{__name__}.study")
