"""Sentiment analysis: word indices → word embedding → LSTM → class (the course's N-to-1 case).

The pipeline (data, model, training, evaluation) is in `study.py`; its helpers are in
`data.py`, `networks.py`, `comparison.py`, `explain.py` and `plots.py`.
"""

from lstm_apps.tasks.sentiment.study import *  # noqa: F403
