"""Console helpers of the command line: quiet start-up, one-line errors, metric tables."""

from __future__ import annotations

import math
import os
import sys

PER_CLASS = ("precision_", "recall_", "f1_", "support_")


def quiet_tensorflow():
    """Import TensorFlow and Keras with their start-up logging silenced.

    TF_CPP_MIN_LOG_LEVEL does not silence the lines absl prints before its
    logging is initialised, so standard error (file descriptor 2) is sent to
    /dev/null for the duration of the import.
    """
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    if "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        import keras  # noqa: F401
        import tensorflow as tf
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    tf.get_logger().setLevel("ERROR")
    from absl import logging as absl_logging

    absl_logging.set_verbosity(absl_logging.ERROR)


def metrics_table(metrics: dict, limit=12) -> str:
    """The headline test metrics as a two-column table (per-class scores left out)."""
    rows = [
        (k, v)
        for k, v in metrics.items()
        if isinstance(v, (int, float)) and not isinstance(v, bool) and not k.startswith(PER_CLASS)
    ]
    if not rows:
        return "No scalar test metrics."
    width = max(len(k) for k, _ in rows[:limit])
    lines = ["Test metrics:"]
    for key, value in rows[:limit]:
        text = f"{value:.4g}" if isinstance(value, float) and math.isfinite(value) else str(value)
        lines.append(f"  {key:<{width}}  {text}")
    if len(rows) > limit:
        lines.append(f"  ... {len(rows) - limit} more")
    return "\n".join(lines)


def describe_error(err: BaseException) -> str:
    """One line for an error: its message, with the file for operating-system errors."""
    if isinstance(err, KeyError) and err.args:
        return str(err.args[0])
    if isinstance(err, OSError) and err.strerror and err.filename and len(err.args) > 1:
        return f"{err.strerror}: {err.filename}"
    return " ".join(str(err).split()) or type(err).__name__
