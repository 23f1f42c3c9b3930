"""Engine NOx: an LSTM reads engine signals and predicts engine-out NOx, second by second.

The pipeline (data, model, training, evaluation) is in `study.py`.
"""

from lstm_apps.tasks.engine_nox.study import *  # noqa: F403
