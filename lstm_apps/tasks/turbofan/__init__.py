"""Remaining useful life (RUL) of turbofan engines: NASA C-MAPSS FD001.

The pipeline (data, model, training, evaluation) is in `study.py`; the RUL
helpers (capped target, windows, PHM08 score, per-cycle prediction) in
`rul.py`; the figures in `plots.py`.
"""

from lstm_apps.lazy import lazy_names

# the names of `study`, imported on first use, so that `config` loads without Keras
__getattr__, __dir__ = lazy_names(__name__, {}, default=f"{__name__}.study")
