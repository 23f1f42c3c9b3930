"""Image captioning: a CNN encodes the image, an LSTM writes the caption ("1 to N").

The pipeline (data, model, training, evaluation) is in `study.py`.
"""

from lstm_apps.tasks.captioning.study import *  # noqa: F403
