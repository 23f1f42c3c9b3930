"""Sentiment analysis: word indices → word embedding → LSTM → class (the course's N-to-1 case).

The pipeline (data, model, training, evaluation) is in `study.py`; its helpers, shared
with the `text` study, are in `data.py`, `networks.py`, `comparison.py`, `fitting.py`,
`explain.py`, `report.py` and `plots.py`.
"""

from lstm_apps.lazy import lazy_names

# the names of `study`, imported on first use, so that `config` loads without Keras
__getattr__, __dir__ = lazy_names(__name__, {}, default=f"{__name__}.study")
