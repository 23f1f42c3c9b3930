"""Remaining useful life (RUL) of turbofan engines: NASA C-MAPSS FD001.

The pipeline (data, model, training, evaluation) is in `study.py`.
"""

from lstm_apps.tasks.turbofan.study import *  # noqa: F403
