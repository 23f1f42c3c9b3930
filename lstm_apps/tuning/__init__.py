"""Hyperparameter search over a case study's Config: `lstm-apps tune NAME`.

`tune(name, folder, budget="20m")` runs an Optuna study stored in SQLite in
`folder` (or a shared database), prunes hopeless trials, retrains the best
settings, tests them once and writes a report. Search spaces are declared
beside each study's Config (`TUNING`) with the classes of `space`.

Modules: `space` (ranges, sampling; no Optuna), `tuner` (the search, its
storage and the retrain), `trials` (one trial), `folds` (grouped K-fold
cross-validation), `scores` (validation scores computed from a trained
run), `report` (table and figures), `studies` (each study's spec), `command`
(`lstm-apps tune`).
"""

from lstm_apps.lazy import lazy_names

_NAMES = {
    "Choice": "lstm_apps.tuning.space",
    "FloatRange": "lstm_apps.tuning.space",
    "IntRange": "lstm_apps.tuning.space",
    "Stack": "lstm_apps.tuning.space",
    "TuningSpec": "lstm_apps.tuning.space",
    "parse_space": "lstm_apps.tuning.space",
    "parse_budget": "lstm_apps.tuning.tuner",
    "cross_validation_folds": "lstm_apps.tuning.folds",
    "tune": "lstm_apps.tuning.tuner",
    "TuningResult": "lstm_apps.tuning.tuner",
    "trials_table": "lstm_apps.tuning.report",
    "tuning_spec": "lstm_apps.tuning.studies",
    "validation_log_loss": "lstm_apps.tuning.scores",
}
__all__ = sorted(_NAMES)
__getattr__, __dir__ = lazy_names(__name__, _NAMES)
