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

Every name is imported on first use (`lstm_apps.lazy`): `import lstm_apps` is
quick, and TensorFlow starts only when a name that needs it is used.
"""

from lstm_apps.lazy import lazy_names
from lstm_apps.version import __version__

# public name -> its module, imported on first use, so that `import lstm_apps` does not
# start TensorFlow (`load_model` registers the custom layers a saved model may name)
_NAMES = {
    "inspect_gates": "lstm_apps.analysis.gates",
    "SequenceLabelEncoder": "lstm_apps.data.sequences",
    "SequenceScaler": "lstm_apps.data.sequences",
    "length_sorted_batches": "lstm_apps.data.sequences",
    "make_windows": "lstm_apps.data.sequences",
    "pad_sequences": "lstm_apps.data.sequences",
    "export": "lstm_apps.deploy.export",
    "StreamingPredictor": "lstm_apps.deploy.streaming",
    "classification_metrics": "lstm_apps.evaluation",
    "evaluate": "lstm_apps.evaluation",
    "regression_metrics": "lstm_apps.evaluation",
    "Forecaster": "lstm_apps.forecasting",
    "rolling_forecasts": "lstm_apps.forecasting",
    "ARCHITECTURES": "lstm_apps.models",
    "build_model": "lstm_apps.models",
    "learnable_parameters": "lstm_apps.models",
    "Run": "lstm_apps.runs",
    "load_model": "lstm_apps.runs",
    "save_model": "lstm_apps.runs",
    "get_case_study": "lstm_apps.tasks",
    "list_case_studies": "lstm_apps.tasks",
    "run_case_study": "lstm_apps.tasks",
    "TrainingConfig": "lstm_apps.training",
    "TrainingOptions": "lstm_apps.training",
    "predict": "lstm_apps.training",
    "train": "lstm_apps.training",
}
__getattr__, __dir__ = lazy_names(__name__, _NAMES)

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
