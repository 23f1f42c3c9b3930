"""Human activity recognition from smartphone signals: one label per time step.

The pipeline (data, model, training, evaluation) is in `study.py`.
"""

from lstm_apps.tasks.activity.study import *  # noqa: F403
