"""Forecasting real series with a stateful LSTM, in open and closed loop.

The pipeline (data, model, training, evaluation) is in `study.py`.
"""

from lstm_apps.tasks.forecasting.study import *  # noqa: F403
