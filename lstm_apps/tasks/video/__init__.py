"""Video understanding: a per-frame CNN feeds an LSTM that reads the clip.

The pipeline (data, model, training, evaluation) is in `study.py`.
"""

from lstm_apps.tasks.video.study import *  # noqa: F403
