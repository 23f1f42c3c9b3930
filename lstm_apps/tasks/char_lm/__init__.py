"""Character-level language model on Don Quijote, measured in bits per character.

The pipeline (data, model, training, evaluation) is in `study.py`; the text
source in `corpus.py`, scoring and generation in `sampling.py` and the
n-gram baselines in `ngram.py`.
"""

from lstm_apps.lazy import lazy_names

# the names of `study`, imported on first use, so that `config` loads without Keras
__getattr__, __dir__ = lazy_names(__name__, {}, default=f"{__name__}.study")
