"""Hola: a recurrent network learns to spell a word, one letter at a time.

The pipeline (data, model, training, evaluation) is in `study.py`.
"""

from lstm_apps.tasks.hola.study import *  # noqa: F403
