"""Speech: spoken digits from raw audio, isolated or connected (CTC), and streamed.

The pipeline (data, model, training, evaluation) is in `study.py`; the data in
`data.py` and `utterances.py`, the network in `network.py`, CTC in `ctc.py`,
streaming in `streaming.py`, the baseline in `baseline.py`.
"""

from lstm_apps.lazy import lazy_names

# the names of `study`, imported on first use, so that `config` loads without Keras
__getattr__, __dir__ = lazy_names(__name__, {}, default=f"{__name__}.study")
