"""NOx emission regression from gas-turbine sensors, with and without recalibration.

The pipeline (data, model, training, evaluation) is in `study.py`.
"""

from lstm_apps.tasks.nox.study import *  # noqa: F403
