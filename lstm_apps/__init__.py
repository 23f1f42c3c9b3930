"""lstm-apps: recurrent-network builders and worked case studies on Keras 3.

Public API:
    build_model, ARCHITECTURES        model builders (lstm_apps.models)
    TrainingConfig, TrainingOptions, train, predict   training (lstm_apps.training)
    evaluate, classification_metrics, regression_metrics
    SequenceScaler, SequenceLabelEncoder, pad_sequences, make_windows
    list_case_studies, get_case_study, run_case_study
    export, StreamingPredictor         deployment (lstm_apps.deploy)
    Forecaster, rolling_forecasts     open- and closed-loop forecasting (lstm_apps.forecasting)

Also: lstm_apps.plots (figures), lstm_apps.analysis (reference cells, gate
replay, the RNN / LSTM / GRU comparison), lstm_apps.deploy (export, streaming,
model cards), lstm_apps.checks (argument checks), lstm_apps.tasks (the case
studies, their contract and registry).
"""

from lstm_apps.analysis.gates import inspect_gates
from lstm_apps.data.sequences import (
    SequenceLabelEncoder,
    SequenceScaler,
    length_sorted_batches,
    make_windows,
    pad_sequences,
)
from lstm_apps.deploy.export import export
from lstm_apps.deploy.streaming import StreamingPredictor
from lstm_apps.evaluation import classification_metrics, evaluate, regression_metrics
from lstm_apps.forecasting import Forecaster, rolling_forecasts  # also registers its layers
from lstm_apps.models import ARCHITECTURES, build_model, learnable_parameters
from lstm_apps.runs import Run, load_model, save_model
from lstm_apps.tasks import get_case_study, list_case_studies, run_case_study
from lstm_apps.training import TrainingConfig, TrainingOptions, predict, train
from lstm_apps.version import __version__

__all__ = [
    "inspect_gates",
    "ARCHITECTURES",
    "Run",
    "StreamingPredictor",
    "export",
    "Forecaster",
    "rolling_forecasts",
    "SequenceLabelEncoder",
    "SequenceScaler",
    "TrainingConfig",
    "TrainingOptions",
    "__version__",
    "build_model",
    "classification_metrics",
    "evaluate",
    "get_case_study",
    "learnable_parameters",
    "length_sorted_batches",
    "list_case_studies",
    "load_model",
    "make_windows",
    "pad_sequences",
    "predict",
    "regression_metrics",
    "run_case_study",
    "save_model",
    "train",
]
