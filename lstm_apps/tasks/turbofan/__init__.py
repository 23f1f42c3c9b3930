"""Remaining useful life (RUL) of turbofan engines: NASA C-MAPSS FD001.

The pipeline (data, model, training, evaluation) is in `study.py`; the RUL
helpers (capped target, windows, PHM08 score, per-cycle prediction) in
`rul.py`; the figures in `plots.py`.
"""

from lstm_apps.tasks.turbofan.study import *  # noqa: F403
