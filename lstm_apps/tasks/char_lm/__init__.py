"""Character-level language model on Don Quijote, measured in bits per character.

The pipeline (data, model, training, evaluation) is in `study.py`; the text
source in `corpus.py`, scoring and generation in `sampling.py` and the
n-gram baselines in `ngram.py`.
"""

from lstm_apps.tasks.char_lm.study import *  # noqa: F403
