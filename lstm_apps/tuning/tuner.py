"""`tune`: an Optuna search over a study's Config, stored in SQLite, with pruning.

The search lives in an Optuna study stored in a database: by default
`<folder>/study.db` (SQLite), or any URL Optuna accepts (PostgreSQL when
several machines share one search). Several processes given the same
folder or URL share the study; a search that was killed resumes where it
stopped, and a trial that was running when its process died is failed by
its missing heartbeat and tried again once with the same settings.

Each trial trains the study with the sampled Config changes through its own
`train` (the package's one training route) and scores the best epoch of
the validation metric in the Keras history. Trials whose validation curve
falls below the median of earlier trials at the same epoch are pruned. The
test split is never read during the search: the best settings are trained
again, evaluated on the test split once and written as a normal run folder.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import time
import warnings
from pathlib import Path

import numpy as np

try:
    import fcntl
except ImportError:  # Windows: no lock; start the first process alone
    fcntl = None

from lstm_apps.tuning.space import TuningSpec, changes_from_params, params_of, run_command
from lstm_apps.tuning.trials import Objective

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 30  # a running trial proves it is alive this often
GRACE_SECONDS = 90  # a trial silent for longer is failed (its process died) and retried


def parse_budget(text) -> float:
    """Seconds from `"20m"`, `"90s"`, `"1.5h"` or a plain number of seconds.

    Raises:
        ValueError: for anything else, or a budget that is not positive.
    """
    units = {"s": 1, "m": 60, "h": 3600}
    raw = str(text).strip().lower()
    scale = units.get(raw[-1:], None)
    number = raw[:-1] if scale else raw
    try:
        seconds = float(number) * (scale or 1)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(
            f"The budget must be a positive time such as 20m, 90s or 1.5h. Received: {text!r}"
        )
    return seconds


def storage_url(folder, storage=None) -> str:
    """The study's database: `storage` when given, else SQLite in `folder`."""
    if storage:
        return str(storage)
    return f"sqlite:///{Path(folder).resolve() / 'study.db'}"


def open_study(url, study_name, direction, *, seed=None, heartbeat=HEARTBEAT_SECONDS,
               grace=GRACE_SECONDS, startup_trials=4, warmup_epochs=3,
               first_params=None):  # fmt: skip
    """Create, or load when it exists, the Optuna study `study_name` at `url`.

    TPE sampling, median pruning after `startup_trials` complete trials and
    `warmup_epochs` epochs, heartbeats so that a dead process's trial is
    failed and retried once. A study with no trial yet gets `first_params`
    (when given) as its first trial.
    """
    import optuna
    from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    engine = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {}
    # One process at a time creates the tables and the study; heartbeats are
    # "experimental" in Optuna, and relied on here.
    with _creation_lock(url), warnings.catch_warnings(), _named_database(url):
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        storage = RDBStorage(
            url,
            engine_kwargs=engine,
            heartbeat_interval=heartbeat,
            grace_period=grace,
            heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(max_retry=1),
        )
        study = optuna.create_study(
            storage=storage,
            study_name=study_name,
            direction=direction,
            load_if_exists=True,
            sampler=optuna.samplers.TPESampler(seed=seed),
            pruner=optuna.pruners.MedianPruner(
                n_startup_trials=startup_trials, n_warmup_steps=warmup_epochs
            ),
        )
        if first_params is not None and not study.trials:  # inside the lock: enqueued once
            study.enqueue_trial(first_params, user_attrs={"origin": "the study's defaults"})
    if study.direction.name.lower() != direction:
        raise ValueError(
            f"The study {study_name!r} at {url} already {study.direction.name.lower()}s; this "
            f"search would {direction}. Use another folder or --study-name. Received: "
            f"direction={direction!r}"
        )
    return study


@contextlib.contextmanager
def _named_database(url):
    """Turn a database that cannot be opened into one ValueError naming its URL."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        yield
    except SQLAlchemyError as error:
        first = str(error).splitlines()[0]
        raise ValueError(f"Cannot open the study database: {first}. Received: {url!r}") from None


@contextlib.contextmanager
def _creation_lock(url):
    """An exclusive lock beside a SQLite database (`fcntl`, where the system has it), so
    that processes started together do not race to create its tables."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or fcntl is None:
        yield
        return
    lock = Path(url[len(prefix) :]).with_suffix(".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclasses.dataclass
class TuningResult:
    """What `tune` did: the Optuna study, the best changes and the retrained run.

    `best_changes` are the searched settings of the best trial (with, after a
    cross-validated search, its refit epochs); `run_changes` adds the
    study's fixed changes: every `--set` of `command`.
    """

    study: object
    best_changes: dict
    command: str
    trial: object = None  # the trial whose settings are kept (`chosen_trial`)
    choice: str = ""  # why that trial, in one sentence
    run_changes: dict = dataclasses.field(default_factory=dict)
    run: object = None
    folder: Path | None = None
    search_seconds: float = 0.0
    retrain_seconds: float = 0.0


def tune(
    name,
    folder,
    *,
    budget=None,
    trials=None,
    changes=None,
    space=None,
    storage=None,
    study_name=None,
    seed=None,
    fast=False,
    cv=None,
    retrain=True,
    progress=True,
    heartbeat=HEARTBEAT_SECONDS,
    always_best=False,
) -> TuningResult:
    """Search a study's settings, then retrain the best and test it once.

    A new study's first trial trains the starting settings (the study's
    defaults with `changes`) wherever they lie inside the space, so the search
    compares every sampled trial against them.

    Args:
        name: a case study (`lstm-apps list`).
        folder: the tuning folder: `study.db` (unless `storage`), the report,
            and `best_run/`, the retrained best trial as a run folder.
        budget: the search's wall time ("20m", seconds); trials still running
            at the end are cut by their time budget. With neither `budget`
            nor `trials`, 20 minutes.
        trials: the number of trials this call runs at most.
        changes: Config changes every trial starts from (as `--set`).
        space: search-space entries that replace or (None) remove the
            study's defaults (`parse_space`).
        storage: an Optuna database URL to share one study between
            processes or machines (default: SQLite in `folder`).
        study_name: the study's name in the database (default: `name`).
        seed: the sampler's seed (None: random, so processes differ).
        fast: start from the study's fast Config (tests and smoke runs).
        cv: score each trial by this many folds of cross-validation over the
            training and validation parts (grouped by the study's natural
            group; `lstm_apps.tuning.folds`), mean over folds; None: the
            study's validation part.
        retrain: retrain and test the kept trial when the search ends.
        always_best: keep the best-scored trial even when, after a
            cross-validated search, it beats the starting settings by no
            more than one standard error (`chosen_trial`).
        progress: show Optuna's progress bar.
        heartbeat: seconds between a running trial's signs of life; a trial
            silent for three of them is taken as dead (its process was
            killed), failed, and tried again once with the same settings.

    Returns:
        A `TuningResult`.
    """

    from lstm_apps.tasks.registry import make_config, run_case_study
    from lstm_apps.tuning.report import write_report
    from lstm_apps.tuning.studies import needs_data, tuning_spec

    folder = Path(folder)
    seconds = parse_budget(budget) if budget is not None else (None if trials else 1200.0)
    config = make_config(name, changes, fast=fast)
    objective = Objective(name, config)
    data = objective.data_for(config) if needs_data(name) else None
    spec = tuning_spec(name, config, data)
    if space:
        spec = spec.replace(space=space)
    if not spec.space:
        raise ValueError(f"Nothing to search: the search space of {name!r} is empty.")
    if cv is not None and spec.cv_refused:
        raise ValueError(f"The {name!r} study cannot be cross-validated: {spec.cv_refused}.")
    objective.use(spec, cv=cv)
    for key, value in suggest_defaults(spec).items():  # every range must suit the Config
        objective.base.replace(**{key: value})
    if cv is not None:  # fold once now, so that a bad `cv` fails before any trial
        objective.folds_for(objective.base, objective.data_for(objective.base))
    if storage is None:  # the SQLite file lives in the folder; a shared database does not
        folder.mkdir(parents=True, exist_ok=True)
    url = storage_url(folder, storage)
    study = open_study(
        url, study_name or name, spec.direction, seed=seed, heartbeat=heartbeat,
        grace=3 * heartbeat, first_params=params_of(objective.base, spec.space),
    )  # fmt: skip
    check_scoring(study, {"case_study": name, "metric": spec.scored_by, "cv": cv})
    start = time.time()
    objective.deadline = None if seconds is None else start + seconds
    study.optimize(
        objective,
        n_trials=trials,
        timeout=seconds,
        catch=(ValueError, RuntimeError, KeyError, MemoryError),
        show_progress_bar=progress,
        gc_after_trial=True,
    )
    result = TuningResult(study=study, best_changes={}, command="")
    result.search_seconds = time.time() - start
    complete = [t for t in study.trials if t.state.name == "COMPLETE" and np.isfinite(t.value)]
    if not complete:
        write_report(study, spec, name, folder, None)
        raise RuntimeError(
            f"No trial of {name!r} finished with a finite score; see {folder / 'trials.csv'}."
        )
    best, result.choice = chosen_trial(study, spec.direction, always_best=always_best)
    result.trial = best
    log.info(result.choice)
    result.best_changes = {**(changes or {}), **changes_from_params(best.params, spec.space)}
    refit = refit_changes(spec, best, cv)
    result.best_changes = {**result.best_changes, **refit}
    fixed = {**spec.fixed, **(spec.holdout if cv is None else {})}
    result.run_changes = {**fixed, **result.best_changes}
    result.command = run_command(name, result.run_changes, fast=fast)
    if retrain:
        began = time.time()
        best_config = config.replace(**fixed).replace(**result.best_changes)
        result.folder = folder / "best_run"
        result.run = run_case_study(name, best_config, result.folder, overwrite=True)
        result.retrain_seconds = time.time() - began
    write_report(study, spec, name, folder, result)
    return result


def chosen_trial(study, direction, *, always_best=False):
    """The trial whose settings a search keeps, and why, in one sentence.

    The best trial, unless the starting settings (the study's first trial)
    were scored on the same folds and the best beats them by no more than one
    standard error of the paired fold differences: then the starting settings
    stay (the one-standard-error rule of Hastie, Tibshirani and Friedman, with
    the defaults as the simpler model). On small data most of a search's
    spread is fold noise, and a best-of-N picks it up.
    """
    best = study.best_trial
    start = next((t for t in study.trials if t.user_attrs.get("origin")), None)
    plain = f"Trial {best.number} scored best ({best.value:.4g})."
    if always_best or start is None or start.number == best.number:
        return best, plain
    if start.state.name != "COMPLETE" or not np.isfinite(start.value or np.nan):
        return best, plain
    ours, theirs = best.user_attrs.get("fold_scores"), start.user_attrs.get("fold_scores")
    if not ours or not theirs or len(ours) != len(theirs) or len(ours) < 2:
        return best, plain  # one validation part: no standard error to judge by
    gains = np.asarray(ours) - np.asarray(theirs)
    gains = gains if direction == "maximize" else -gains
    se = float(np.std(gains, ddof=1) / np.sqrt(len(gains)))
    if gains.mean() > se:
        return best, (
            f"Trial {best.number} scored best ({best.value:.4g}), {gains.mean():.3g} better "
            f"than the starting settings (trial {start.number}), beyond one standard error "
            f"({se:.3g})."
        )
    return start, (
        f"Trial {best.number} scored best ({best.value:.4g}), but only {gains.mean():.3g} "
        f"better than the starting settings (trial {start.number}, {start.value:.4g}), "
        f"within one standard error of the fold differences ({se:.3g}): the starting "
        "settings are kept."
    )


def refit_changes(spec, trial, cv) -> dict:
    """After a cross-validated search, the best settings are refit on the whole training
    part (the validation hold-out of `spec.holdout` is left out) for the mean
    of the folds' best epochs, with no early stopping. Without `cv`: no changes."""
    epochs = [e for e in trial.user_attrs.get("best_epochs", []) if e > 0]
    if cv is None or not epochs:
        return {}
    return {
        "training.max_epochs": max(1, round(float(np.mean(epochs)))),
        "training.validation_patience": None,
    }


def check_scoring(study, scoring: dict) -> None:
    """Record how the study's trials are scored, and refuse to resume it scored otherwise
    (scores of another metric, or of another number of folds, do not compare)."""
    stored = study.user_attrs.get("scoring")
    if stored is None:
        study.set_user_attr("scoring", scoring)
    elif stored != scoring:
        raise ValueError(
            f"The study {study.study_name!r} was scored as {stored}; this search would score "
            f"as {scoring}, and the scores would not compare. Use another folder or "
            f"--study-name. Received: {scoring}"
        )


def suggest_defaults(spec: TuningSpec) -> dict:
    """One value of each searched field at the ends of its range, to check the
    space against the Config before any trial runs."""
    return end_values(spec.space)


def end_values(space: dict) -> dict:
    """One value at the end of each entry of `space` (entries that are None skipped)."""
    from lstm_apps.tuning.space import Choice, Stack

    values = {}
    for key, entry in space.items():
        if entry is None:
            continue
        if isinstance(entry, Choice):
            values[key] = entry.values[0]
        elif isinstance(entry, Stack):
            values[key] = (entry.high,) * entry.max_depth if entry.max_depth > 1 else entry.high
        else:
            values[key] = entry.high
    return values
