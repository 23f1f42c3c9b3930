"""Translation: Spanish <-> English encoder-decoders with and without attention.

The pipeline (data, models, training, evaluation) is in `study.py`; the pairs
and vocabularies in `data.py`, the teacher-forcing batches in `fit.py`, the
translations and their scores in `scores.py`, the figures in `plots.py`.
"""

from lstm_apps.lazy import lazy_names

# the names of `study`, imported on first use, so that `config` loads without Keras
__getattr__, __dir__ = lazy_names(__name__, {}, default=f"{__name__}.study")
