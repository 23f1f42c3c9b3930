"""Run folders: what one training run leaves on disk.

```
RUN_DIR/
  config.json    case-study name and every Config field
  metrics.json   test metrics (flat dict), split sizes, timing and environment
  history.csv    per-epoch training log
  model.keras    the trained model
  figures/       PNG figures
```
A run folder is written all at once: into a hidden temporary sibling,
renamed into place when complete (`lstm_apps.storage`), so a failed or
killed save never leaves a folder that mixes two runs.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lstm_apps.storage import (
    atomic_write,
    file_sha256,
    finite_or_none,
    folder_transaction,
    read_json,
    write_json,
)
from lstm_apps.version import __version__

__all__ = [
    "Run",
    "atomic_write",
    "environment",
    "load_model",
    "read_run",
    "save_model",
    "save_run",
    "write_json",
]


@dataclass
class Run:
    """One training run of a case study: what `train` returns and `evaluate`,
    `predict` and `figures` receive.

    Args:
        name: the case study's registry name.
        config: its `Config`.
        model: the trained (or loaded) Keras model.
        history: per-epoch logs, `{metric: [values]}`; empty for a loaded run.
        data: the `Splits` it was trained on (None when only predicting).
        class_names: class code -> name; taken from `data` when not given.
        predictions: test-set predictions that `evaluate` keeps for
            `figures` (None until `evaluate` has run).
        metrics: the test metrics, filled in by `run_case_study`.
        timing: seconds and peak memory, filled in by `run_case_study`.

    A study that must hand more from `train` to `evaluate` (the window it
    chose, member histories) subclasses `Run` with named fields.
    """

    name: str
    config: object
    model: object  # keras.Model (Keras is imported only when a model is loaded)
    history: dict = field(default_factory=dict)
    data: object = None
    class_names: list | None = None
    predictions: object = None
    metrics: dict = field(default_factory=dict)
    timing: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.class_names is None and self.data is not None:
            names = getattr(self.data, "class_names", None)
            self.class_names = None if names is None else list(names)


def save_model(model, path):
    """Save a model in the `.keras` format without ever leaving a half-written file."""
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"Models are saved as .keras files. Received: path={str(path)!r}")
    atomic_write(path, model.save)
    return path


def environment() -> dict:
    """Versions and machine behind a run, as recorded in metrics.json."""
    import platform

    import keras
    import tensorflow as tf

    return {
        "lstm_apps": __version__,
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "gpus": len(tf.config.list_physical_devices("GPU")),
    }


def save_run(run: Run, directory, *, overwrite=False, figures=None) -> Path:
    """Write a run folder (see module docstring) all at once and return its path.

    Everything is written into a hidden temporary sibling, which replaces
    `directory` only when complete (see `storage.folder_transaction`).

    Args:
        run: the trained and evaluated `Run`.
        directory: the run folder.
        overwrite: replace a non-empty `directory` as a whole (never merge).
        figures: optional `figures(run, folder)` drawing into `figures/`
            inside the same transaction.

    Raises:
        FileExistsError: `directory` is not empty and `overwrite` is False,
            or another process is writing it.
        TrainingDiverged: the model holds NaN or infinite weights.
    """
    from lstm_apps.training.fit import check_finite_weights

    check_finite_weights(run.model, getattr(run.config, "training", None))
    directory = Path(directory)
    with folder_transaction(directory, overwrite=overwrite) as tmp:
        write_run_files(run, tmp)
        if figures is not None:
            figures(run, tmp / "figures")
    return directory


def write_run_files(run: Run, directory: Path):
    """The files of a run folder, written into `directory` (which must exist)."""
    save_model(run.model, directory / "model.keras")
    config = dataclasses.asdict(run.config) if dataclasses.is_dataclass(run.config) else run.config
    write_json(
        directory / "config.json",
        {
            "case_study": run.name,
            "config": config,
            "class_names": run.class_names,
            "model_sha256": file_sha256(directory / "model.keras"),
            "config_sha256": config_sha256(config),
        },
    )
    sizes = run.data.sizes() if hasattr(run.data, "sizes") else {}
    write_json(
        directory / "metrics.json",
        {
            "test": finite_or_none(run.metrics),
            "sizes": sizes,
            "timing": run.timing,
            "environment": environment(),
        },
    )
    if run.history:
        import pandas as pd

        pd.DataFrame(run.history).rename_axis("epoch").to_csv(directory / "history.csv")


def config_sha256(config: dict) -> str:
    """A digest of a Config's saved form, to tell a config.json edited after training."""
    text = json.dumps(json.loads(json.dumps(config, default=str)), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def read_run(directory) -> dict:
    """Read a run folder's config.json and metrics.json (the model is not loaded).

    Raises:
        FileNotFoundError: no such folder, or it has no config.json.
        ValueError: a damaged config.json or metrics.json (the message names the file).
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"No such run folder: {directory}")
    config_file = directory / "config.json"
    if not config_file.exists():
        raise FileNotFoundError(f"{directory} is not a run folder: it has no config.json")
    info = read_json(config_file)
    for key, kind in (("case_study", str), ("config", dict)):
        if not isinstance(info.get(key), kind):
            raise ValueError(
                f"{config_file} is damaged: {key!r} must be a {kind.__name__}. "
                f"Received: {key}={info.get(key)!r}"
            )
    names = info.get("class_names")
    if names is not None and (not isinstance(names, list) or not names):
        raise ValueError(
            f"{config_file} is damaged: 'class_names' must be a non-empty list or null. "
            f"Received: {names!r}"
        )
    recorded = info.get("config_sha256")
    info["edited"] = recorded is not None and recorded != config_sha256(info["config"])
    metrics_file = directory / "metrics.json"
    info["metrics"] = read_json(metrics_file) if metrics_file.exists() else {}
    return info


def _check_pairing(directory: Path, path: Path):
    """Refuse a model.keras other than the one config.json was written with."""
    config_file = directory / "config.json"
    recorded = read_json(config_file).get("model_sha256") if config_file.exists() else None
    if recorded is not None and recorded != file_sha256(path):
        raise ValueError(
            f"{directory} mixes two runs: model.keras is not the model its config.json was "
            "written with (their sha256 differ); train again or restore the matching files"
        )


def load_model(directory):
    """Load `model.keras` from a run folder.

    Raises:
        FileNotFoundError: the folder has no model.keras.
        ValueError: model.keras is damaged (truncated, not a Keras archive,
            unreadable weights); the message names the file.
    """
    path = Path(directory) / "model.keras"
    if not path.exists():
        raise FileNotFoundError(f"{directory} has no model.keras")
    if not zipfile.is_zipfile(path):
        raise ValueError(
            f"{path} is damaged: it is not a Keras archive ({path.stat().st_size} bytes)"
        )
    _check_pairing(Path(directory), path)
    import keras

    # the custom layers and functions a saved model may name, registered on import
    import lstm_apps.forecasting.network  # noqa: F401
    import lstm_apps.models.layers  # noqa: F401
    import lstm_apps.models.text  # noqa: F401

    try:
        return keras.models.load_model(path)
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as err:
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ValueError(f"{path} could not be loaded (damaged?): {reason[:200]}") from err
