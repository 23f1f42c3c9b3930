"""Export formats and the runtimes that load them back.

| format        | artifact           | runtime                         |
|---------------|--------------------|---------------------------------|
| "saved_model" | a folder           | `tf.saved_model.load`           |
| "onnx"        | a `.onnx` file     | `onnxruntime.InferenceSession`  |
| "litert"      | a `.tflite` file   | `ai_edge_litert` `Interpreter`  |

`runtime(path)` gives a `predict(x)` function for an exported artifact;
`lstm_apps.deploy.export.export` uses it to check an export against Keras.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lstm_apps.checks import check_choice

FORMATS = {"saved_model": "", "onnx": ".onnx", "litert": ".tflite"}


def check_format(format) -> str:
    """`format` if it is one of `FORMATS`, else ValueError."""
    return check_choice("format", format, tuple(FORMATS))


def default_path(directory, format) -> Path:
    """Where `lstm-apps export RUN_DIR` writes a format by default."""
    suffix = FORMATS[check_format(format)]
    return Path(directory) / (f"model{suffix}" if suffix else "saved_model")


def runtime(path, format=None):
    """A `predict(x) -> np.ndarray` function that runs an exported artifact.

    Args:
        path: a SavedModel folder, a `.onnx` or a `.tflite` file.
        format: its format; default: guessed from the path.

    The LiteRT function feeds the fixed batch size of the artifact, padding
    the last batch, so any number of sequences can be passed.
    """
    path = Path(path)
    if format is None:
        format = {".onnx": "onnx", ".tflite": "litert"}.get(path.suffix, "saved_model")
    check_format(format)
    if not path.exists():
        raise FileNotFoundError(f"No exported model at {path}")
    if format == "saved_model":
        import tensorflow as tf

        loaded = tf.saved_model.load(str(path))
        dtype = loaded.serve.input_signature[0].dtype.as_numpy_dtype
        return lambda x: np.asarray(loaded.serve(np.asarray(x, dtype=dtype)))
    if format == "onnx":
        import onnxruntime

        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        source = session.get_inputs()[0]
        dtype = {"tensor(int32)": "int32", "tensor(int64)": "int64"}.get(source.type, "float32")
        return lambda x: session.run(None, {source.name: np.asarray(x, dtype=dtype)})[0]
    return _litert_runtime(path)


def _litert_runtime(path):
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(path))
    interpreter.allocate_tensors()
    (source,) = interpreter.get_input_details()
    target = interpreter.get_output_details()[0]
    batch = int(source["shape"][0])

    def predict(x):
        x = np.asarray(x, dtype=source["dtype"])
        if tuple(x.shape[1:]) != tuple(source["shape"][1:]):
            raise ValueError(
                f"This LiteRT model takes sequences of shape "
                f"{tuple(source['shape'][1:])}. Received: {tuple(x.shape[1:])}"
            )
        outputs = []
        for start in range(0, len(x), batch):
            chunk = x[start : start + batch]
            filled = np.zeros((batch, *x.shape[1:]), x.dtype)
            filled[: len(chunk)] = chunk
            interpreter.set_tensor(source["index"], filled)
            interpreter.invoke()
            outputs.append(interpreter.get_tensor(target["index"])[: len(chunk)].copy())
        return np.concatenate(outputs)

    return predict
