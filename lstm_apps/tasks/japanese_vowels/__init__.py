"""Japanese Vowels: which of nine speakers uttered /ae/ (sequence-to-label).

The pipeline (data, model, training, evaluation) is in `study.py`.
"""

from lstm_apps.tasks.japanese_vowels.study import *  # noqa: F403
