"""Text: your own labelled texts, in any language, with two or more classes.

The pipeline (data, model, training, evaluation) is in `study.py`.
"""

from lstm_apps.lazy import lazy_names

# the names of `study`, imported on first use, so that `config` loads without Keras
__getattr__, __dir__ = lazy_names(__name__, {}, default=f"{__name__}.study")
