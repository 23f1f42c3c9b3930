"""One trial of a search: sample settings, train the study, score validation.

`Objective` is what Optuna calls for each trial. It trains through the
study's own `train`, reports every epoch's validation score so that the
pruner can stop a hopeless trial, and with cross-validation trains once per
fold and returns the mean.
"""

from __future__ import annotations

import json
import math
import time

import numpy as np

from lstm_apps.tuning.space import TuningSpec, suggest


def best_epoch(values, direction) -> int:
    """The 1-based epoch of a validation curve's best finite value (0 when none is
    finite); the last of tied epochs, since a saturated accuracy (every validation
    sequence right) keeps improving its margins after it first reaches the top."""
    best = best_value(values, direction)
    if math.isnan(best):
        return 0
    return 1 + max(i for i, v in enumerate(values) if v == best)


def best_value(values, direction) -> float:
    """The best finite value of a validation curve (NaN when none is finite)."""
    finite = [v for v in values if isinstance(v, (int, float)) and math.isfinite(v)]
    if not finite:
        return math.nan
    return max(finite) if direction == "maximize" else min(finite)


def _reporter(trial, metric):
    """A Keras callback that reports each epoch's `metric` to the trial and prunes."""
    import keras
    import optuna

    class Reporter(keras.callbacks.Callback):
        step = 0  # counts across fits, so an ensemble's members continue the curve

        def on_epoch_end(self, epoch, logs=None):
            value = (logs or {}).get(metric)
            if value is None or not math.isfinite(float(value)):
                return
            trial.report(float(value), Reporter.step)
            Reporter.step += 1
            if trial.should_prune():
                raise optuna.TrialPruned(f"pruned at epoch {epoch + 1} ({metric}={value:.4g})")

    return Reporter()


class Objective:
    """One trial: sample changes, train the study on them, score validation.

    Data are loaded once per distinct value of the study's data settings.
    """

    def __init__(self, name, config):
        from lstm_apps.tasks.registry import get_case_study

        self.name, self.config = name, config
        self.module = get_case_study(name)
        self.spec, self.base, self.deadline, self.cv = None, config, None, None
        self.data_fields = [row[0] for row in type(config).field_help().get("data", [])]
        self._data = {}

    def use(self, spec: TuningSpec, deadline=None, cv=None):
        """Search `spec` (its fixed changes applied first); stop trials at `deadline`;
        score each trial by `cv`-fold cross-validation when `cv` is given."""
        self.spec, self.deadline, self.cv = spec, deadline, cv
        self.base = self.config.replace(**spec.fixed).replace(**spec.holdout)
        self.base = self.base.replace(**spec.trial_only)
        return self

    def config_for(self, changes):
        config = self.base.replace(**changes)
        budget = config.training.time_budget
        if self.deadline is not None:  # no trial runs past the search's budget
            left = max(self.deadline - time.time(), 1.0)
            budget = left if budget is None else min(budget, left)
        return config.replace(training=dict(verbose=0, checkpoint_dir=None, time_budget=budget))

    def data_for(self, config):
        key = repr([getattr(config, f) for f in self.data_fields])
        if key not in self._data:
            self._data = {key: self.module.load_data(config)}  # keep one: data can be large
        return self._data[key]

    def folds_for(self, config, data):
        from lstm_apps.tuning.folds import cross_validation_folds

        groups = self.spec.cv_groups(data) if self.spec.cv_groups else None
        seed = config.training.seed or 0
        return cross_validation_folds(data, self.cv, groups=groups, seed=seed)

    def score(self, run) -> tuple[float, int]:
        """A trained run's score (the study's `score`, else the best epoch of its
        history `metric`) and the best epoch of `metric`."""
        curve = (run.history or {}).get(self.spec.metric)
        if curve is None:
            raise KeyError(
                f"The {self.name} history has no {self.spec.metric!r} to score. "
                f"Received keys: {sorted(run.history or {})}"
            )
        value = best_value(curve, self.spec.direction)
        if self.spec.score is not None:
            value = float(self.spec.score(run))
        return value, best_epoch(curve, self.spec.direction)

    def __call__(self, trial) -> float:
        import keras

        changes = suggest(trial, self.spec.space)
        trial.set_user_attr("changes", _jsonable(changes))
        config = self.config_for(changes)
        data = self.data_for(config)
        parts = self.folds_for(config, data) if self.cv else [data]
        start = time.perf_counter()
        scores, epochs = [], []
        for i, part in enumerate(parts):  # pruning watches the first fold's curve
            keras.backend.clear_session()
            keras.utils.set_random_seed(config.training.seed or 0)
            callbacks = [_reporter(trial, self.spec.metric)] if i == 0 else []
            value, epoch = self.score(self.module.train(config, part, callbacks=callbacks))
            scores.append(value)
            epochs.append(epoch)
            if self.deadline is not None and time.time() >= self.deadline:
                import optuna  # the budget cut this trial short: its score is not comparable

                raise optuna.TrialPruned("stopped by the end of the search's budget")
        trial.set_user_attr("seconds", round(time.perf_counter() - start, 1))
        trial.set_user_attr("best_epochs", epochs)
        if self.cv:
            trial.set_user_attr("fold_scores", [float(v) for v in scores])
            trial.set_user_attr("score_sd", float(np.std(scores, ddof=1)))
        return float(np.mean(scores))


def _jsonable(changes):
    return json.loads(json.dumps(changes, default=list))
