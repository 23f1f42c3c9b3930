"""Export a trained model to SavedModel, ONNX or LiteRT, with verified parity.

`export(model, path, format=...)` writes the artifact next to its final
place, loads it back in its own runtime (TensorFlow, onnxruntime, the LiteRT
interpreter), compares its predictions with Keras on held-out inputs, and
only then moves it into place. A failed conversion or a parity check that
misses the tolerance raises `ExportError` and leaves nothing behind; an
existing file is replaced only with `overwrite=True`.

| format        | artifact           | runtime used for the check      | input length |
|---------------|--------------------|---------------------------------|--------------|
| "saved_model" | a folder           | `tf.saved_model.load`           | any          |
| "onnx"        | a `.onnx` file     | `onnxruntime.InferenceSession`  | any          |
| "litert"      | a `.tflite` file   | `ai_edge_litert` `Interpreter`  | fixed        |

LiteRT's built-in operators hold a recurrent layer only when the batch size
and the sequence length are fixed (the converter then lowers Keras's
`while` loop to a built-in WHILE); with a free length it needs TensorFlow's
Flex operators, which the standard interpreter lacks. So a LiteRT export
takes `timesteps=` (and `batch_size=`, default 1), and sequences shorter than
`timesteps` are right-padded, which the model's masking ignores.

ONNX goes through tf2onnx. A model traced on a GPU would pick Keras's cuDNN
kernel (`CudnnRNNV3`), which tf2onnx cannot convert (keras-team/keras#21799,
made worse inside `Bidirectional`, keras-team/keras#21533); the export
therefore switches `use_cudnn` off on every recurrent layer while it traces.

The formats and their runtimes are in `lstm_apps.deploy.runtimes`, the
default check inputs in `lstm_apps.deploy.probes`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import keras
import numpy as np

from lstm_apps.checks import check_positive
from lstm_apps.deploy.probes import probe_inputs
from lstm_apps.deploy.runtimes import FORMATS, check_format, default_path, runtime

# `FORMATS`, `check_format`, `default_path`, `runtime` (from `runtimes`) and
# `probe_inputs` (from `probes`) stay importable from here, as before the split.
__all__ = [
    "DEFAULT_TOLERANCE",
    "FORMATS",
    "KERAS_FORMATS",
    "ExportError",
    "ExportReport",
    "check_format",
    "default_path",
    "export",
    "probe_inputs",
    "quiet_tf2onnx",
    "runtime",
]

KERAS_FORMATS = {"saved_model": "tf_saved_model", "onnx": "onnx", "litert": "litert"}
DEFAULT_TOLERANCE = 1e-5


class ExportError(RuntimeError):
    """An export that could not be written or did not reproduce the Keras model."""


@dataclass
class ExportReport:
    """What `export` wrote and how closely it reproduces the Keras model."""

    path: Path
    format: str
    max_abs_diff: float
    tolerance: float
    checked_sequences: int
    input_shape: tuple
    seconds: float
    size_bytes: int

    def to_dict(self) -> dict:
        return {**asdict(self), "path": str(self.path), "input_shape": list(self.input_shape)}

    def __str__(self) -> str:
        return (
            f"{self.format} export written to {self.path} ({self.size_bytes / 1024:.0f} KiB, "
            f"{self.seconds:.1f} s); checked on {self.checked_sequences} held-out sequences: "
            f"max |difference| {self.max_abs_diff:.2e} <= {self.tolerance:.0e}"
        )


def export(
    model,
    path,
    format="saved_model",
    *,
    inputs=None,
    timesteps=None,
    batch_size=1,
    tolerance=DEFAULT_TOLERANCE,
    overwrite=False,
    seed=0,
) -> ExportReport:
    """Export `model` and check it against Keras in the format's own runtime.

    Args:
        model: a built Keras model with one sequence input (float
            `(batch, timesteps, features)` or integer `(batch, timesteps)`).
        path: the artifact: a folder for "saved_model", a `.onnx` file for
            "onnx", a `.tflite` file for "litert".
        format: "saved_model" (default), "onnx" or "litert".
        inputs: held-out sequences to check on, an array `(N, T, F)` (or
            `(N, T)` for integer inputs) padded with the model's padding
            value. Default: 16 sequences drawn from the statistics stored in
            the model's normalization layer, with random lengths.
        timesteps: fixed sequence length, required by "litert"; optional for
            the others (the export then accepts only that length).
        batch_size: fixed batch size of a "litert" export, default 1.
        tolerance: largest absolute difference allowed, default 1e-5.
        overwrite: replace an existing artifact at `path`, default False.
        seed: seed of the default check inputs.

    Returns:
        An `ExportReport`.

    Raises:
        ValueError: unknown format, wrong file suffix, missing `timesteps`
            for LiteRT, or check inputs of the wrong shape.
        FileExistsError: `path` exists and `overwrite` is False.
        ExportError: the converter failed, or the artifact's predictions
            differ from Keras by more than `tolerance`. Nothing is written.
    """
    check_format(format)
    path = Path(path)
    suffix = FORMATS[format]
    if suffix and path.suffix != suffix:
        raise ValueError(f"A {format} export is a {suffix} file. Received: path={str(path)!r}")
    check_positive("tolerance", tolerance, real=True)
    spec = _input_spec(model, format, timesteps, batch_size)
    check_destination(path, format, overwrite)
    if inputs is None:
        inputs = probe_inputs(model, timesteps=spec.shape[1] or 24, seed=seed)
    inputs = _check_inputs(model, inputs, spec)
    expected = np.asarray(model(inputs, training=False))

    start = time.perf_counter()
    with staged_artifact(path) as staged:
        with _without_cudnn(model):
            try:
                _convert(model, staged, format, spec)
            except Exception as err:  # the converters raise many kinds
                raise ExportError(
                    f"The {format} converter failed for model {model.name!r}: "
                    f"{type(err).__name__}: {_last_line(err)}"
                ) from err
        predict = runtime(staged, format)
        got = predict(inputs)
        if got.shape != expected.shape:
            raise ExportError(
                f"The {format} artifact returns shape {got.shape}, Keras returns {expected.shape}"
            )
        diff = float(np.max(np.abs(got - expected)))
        if not diff <= tolerance:
            raise ExportError(
                f"The {format} artifact differs from Keras by {diff:.3e}, more than "
                f"the tolerance {tolerance:.0e}; nothing was written"
            )
        move_into_place(staged, path)
    return ExportReport(
        path=path,
        format=format,
        max_abs_diff=diff,
        tolerance=tolerance,
        checked_sequences=len(inputs),
        input_shape=tuple(spec.shape),
        seconds=time.perf_counter() - start,
        size_bytes=artifact_size(path),
    )


def _input_spec(model, format, timesteps, batch_size):
    import tensorflow as tf

    if len(model.inputs) != 1:
        raise ValueError(
            f"Only models with one input can be exported. Model {model.name!r} "
            f"has {len(model.inputs)}"
        )
    source = model.inputs[0]
    shape = list(source.shape)
    if timesteps is not None:
        check_positive("timesteps", timesteps)
        if shape[1] is not None and shape[1] != timesteps:
            raise ValueError(f"The model takes {shape[1]} steps. Received: timesteps={timesteps}")
        shape[1] = timesteps
    if format == "litert":
        if shape[1] is None:
            raise ValueError(
                "A LiteRT export needs a fixed sequence length: pass timesteps=N (CLI: "
                "--timesteps N). With a free length the recurrent loop needs TensorFlow's Flex "
                "operators (FlexTensorListReserve), which the standard LiteRT interpreter lacks. "
                "Shorter sequences are right-padded and masked."
            )
        check_positive("batch_size", batch_size)
        shape[0] = batch_size
    return tf.TensorSpec(shape, dtype=source.dtype, name="input")


def _check_inputs(model, inputs, spec):
    inputs = np.asarray(inputs, dtype=spec.dtype.as_numpy_dtype)
    want = tuple(spec.shape[1:])
    if inputs.ndim != len(want) + 1 or any(
        w is not None and w != g for w, g in zip(want, inputs.shape[1:])
    ):
        raise ValueError(
            f"Check inputs must have shape (N, {', '.join(map(str, want))}) "
            f"(None: any). Received: {inputs.shape}"
        )
    if not len(inputs):
        raise ValueError("Check inputs must hold at least one sequence. Received: 0")
    if inputs.dtype.kind == "f" and not np.isfinite(inputs).all():
        row = int(np.argwhere(~np.isfinite(inputs))[0][0])
        raise ValueError(
            "Check inputs must be finite: pad with the model's padding value, not NaN. "
            f"Received: a non-finite value in sequence {row}"
        )
    return inputs


def _convert(model, staged, format, spec):
    options = {}
    if format == "litert":
        import tensorflow as tf

        options["target_spec"] = {"supported_ops": [tf.lite.OpsSet.TFLITE_BUILTINS]}
    with quiet_tf2onnx():
        model.export(
            str(staged),
            format=KERAS_FORMATS[format],
            input_signature=[spec],
            verbose=False,
            **options,
        )


@contextlib.contextmanager
def quiet_tf2onnx():
    """Silence the FutureWarning that Keras's NumPy-2 patch of tf2onnx raises (`np.object`)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*np.object.*", category=FutureWarning)
        yield


@contextlib.contextmanager
def _without_cudnn(model):
    """Trace the generic recurrent kernels, never cuDNN's (tf2onnx cannot read CudnnRNNV3)."""
    saved = {}
    for layer in _recurrent_layers(model):
        if hasattr(layer, "use_cudnn") and id(layer) not in saved:
            saved[id(layer)] = (layer, layer.use_cudnn)
            layer.use_cudnn = False
    try:
        yield
    finally:
        for layer, value in saved.values():
            layer.use_cudnn = value


def _recurrent_layers(model):
    for layer in model._flatten_layers(include_self=False, recursive=True):
        if isinstance(layer, keras.layers.Bidirectional):
            yield layer.forward_layer
            yield layer.backward_layer
        elif isinstance(layer, keras.layers.RNN):
            yield layer


def check_destination(path, format, overwrite):
    """Refuse to write an export over anything but an earlier one (and that only with
    `overwrite`)."""
    if path.exists() and not overwrite:
        raise FileExistsError(
            f"{path} already exists; pass overwrite=True (--overwrite) to replace it"
        )
    if path.is_dir() and not (not FORMATS[format] and (path / "saved_model.pb").exists()):
        raise FileExistsError(
            f"{path} is a folder that holds no earlier {format} export; overwrite only "
            "replaces an earlier export. Choose another path"
        )


@contextlib.contextmanager
def staged_artifact(path):
    """A fresh path in a hidden folder beside `path`, to write and check an export at before
    `move_into_place(staged, path)`; the folder and whatever is left in it go at the end."""
    path.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}-"))
    try:
        yield work / (path.name if path.suffix else "artifact")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def move_into_place(staged, path):
    if not path.exists():
        os.replace(staged, path)
        return
    if path.is_dir() and staged.is_dir():
        backup = path.with_name(f".{path.name}-old")
        shutil.rmtree(backup, ignore_errors=True)
        os.replace(path, backup)
        os.replace(staged, path)
        shutil.rmtree(backup, ignore_errors=True)
        return
    if path.is_dir() != staged.is_dir():
        raise ExportError(
            f"Refusing to replace {path}: it is a {'folder' if path.is_dir() else 'file'}"
        )
    os.replace(staged, path)


def artifact_size(path):
    if path.is_dir():
        return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return path.stat().st_size


def _last_line(err):
    lines = [line.strip() for line in str(err).strip().splitlines() if line.strip()]
    return lines[-1][:500] if lines else ""
