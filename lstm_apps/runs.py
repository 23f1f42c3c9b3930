"""Run folders: what one training run leaves on disk.

```
RUN_DIR/
  config.json    case-study name and every Config field
  metrics.json   test metrics (flat dict), split sizes, timing and environment
  history.csv    per-epoch training log
  model.keras    the trained model
  figures/       PNG figures
```
Files are written to a temporary name and renamed into place, so a failed
save never replaces a good file.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import keras
import pandas as pd

from lstm_apps.version import __version__


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
    model: keras.Model
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


def atomic_write(path: Path, write):
    """Call `write(tmp)` on a temporary file beside `path`, then rename it to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=path.suffix)
    os.close(handle)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def save_model(model, path):
    """Save a model in the `.keras` format without ever leaving a half-written file."""
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"Models are saved as .keras files. Received: path={str(path)!r}")
    atomic_write(path, model.save)
    return path


def write_json(path, payload):
    def write(tmp):
        Path(tmp).write_text(json.dumps(payload, indent=2, default=_jsonable) + "\n")

    atomic_write(Path(path), write)


def _jsonable(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"Cannot write {type(value).__name__} to JSON")


def environment() -> dict:
    """Versions and machine behind a run, as recorded in metrics.json."""
    import platform

    import tensorflow as tf

    return {
        "lstm_apps": __version__,
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "gpus": len(tf.config.list_physical_devices("GPU")),
    }


def save_run(run: Run, directory) -> Path:
    """Write a run folder (see module docstring) and return its path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    config = dataclasses.asdict(run.config) if dataclasses.is_dataclass(run.config) else run.config
    write_json(
        directory / "config.json",
        {"case_study": run.name, "config": config, "class_names": run.class_names},
    )
    sizes = run.data.sizes() if hasattr(run.data, "sizes") else {}
    write_json(
        directory / "metrics.json",
        {"test": run.metrics, "sizes": sizes, "timing": run.timing, "environment": environment()},
    )
    if run.history:
        pd.DataFrame(run.history).rename_axis("epoch").to_csv(directory / "history.csv")
    save_model(run.model, directory / "model.keras")
    return directory


def read_run(directory) -> dict:
    """Read a run folder's config.json and metrics.json (the model is not loaded)."""
    directory = Path(directory)
    config_file = directory / "config.json"
    if not config_file.exists():
        raise FileNotFoundError(f"{directory} is not a run folder: it has no config.json")
    info = json.loads(config_file.read_text())
    metrics_file = directory / "metrics.json"
    info["metrics"] = json.loads(metrics_file.read_text()) if metrics_file.exists() else {}
    return info


def load_model(directory):
    """Load `model.keras` from a run folder."""
    path = Path(directory) / "model.keras"
    if not path.exists():
        raise FileNotFoundError(f"{directory} has no model.keras")
    return keras.models.load_model(path)
