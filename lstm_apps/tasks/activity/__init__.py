"""Human activity recognition from smartphone signals: one label per time step.

The pipeline (data, model, training, evaluation) is in `study.py`; the
per-sample network, its training chunks and the whole-recording forward pass
in `network.py`; the figures in `plots.py`.
"""

from lstm_apps.lazy import lazy_names

# the names of `study`, imported on first use, so that `config` loads without Keras
__getattr__, __dir__ = lazy_names(__name__, {}, default=f"{__name__}.study")
