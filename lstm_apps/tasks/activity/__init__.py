"""Human activity recognition from smartphone signals: one label per time step.

The pipeline (data, model, training, evaluation) is in `study.py`; the
per-sample network, its training chunks and the whole-recording forward pass
in `network.py`; the figures in `plots.py`.
"""

from lstm_apps.tasks.activity.study import *  # noqa: F403
