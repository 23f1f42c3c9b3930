"""Series: forecast your own series (one or many, seasonal or not) against classical baselines.

The pipeline (data, model, training, evaluation) is in `study.py`.
"""

from lstm_apps.lazy import lazy_names

# the names of `study`, imported on first use, so that `config` loads without Keras
__getattr__, __dir__ = lazy_names(__name__, {}, default=f"{__name__}.study")
