"""Mixed bfloat16 precision for the recurrent layers, during training only.

On a CPU with bfloat16 instructions (AVX512_BF16 or AMX), the matrix products of
wide recurrent layers run about twice as fast in bfloat16. `training_precision`
switches a built model's recurrent layers (and their cells) to Keras's
"mixed_bfloat16" policy for the length of a fit: weights stay float32, products
are taken in bfloat16. Every other layer (normalization, embeddings, the output
head, its softmax and the loss) stays float32, and the original policies come
back when the fit ends, so the saved model and its predictions are float32.

Measured on a 2-core AMD EPYC with AVX512_BF16 (`benchmarks/throughput.py --sizes
wide`, `benchmarks/precision_checks.py`): an LSTM of 256 units trains about 1.8x
faster, a GRU of 256 units no faster, and narrower layers no faster (there the
time goes to the per-step overhead of the loop). Hence the rule of "auto":
bfloat16 when the CPU has the instructions, no GPU is visible and the model has
an LSTM layer of at least `AUTO_MIN_UNITS` units.
"""

from __future__ import annotations

import contextlib
import functools
from pathlib import Path

import keras

from lstm_apps.checks import check_choice
from lstm_apps.training.options import PRECISIONS

AUTO_MIN_UNITS = 256  # narrower LSTM layers measured no faster in bfloat16
BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")


def cpu_flags(cpuinfo: str | Path = "/proc/cpuinfo") -> frozenset[str]:
    """The instruction-set flags that the CPU reports (empty where they cannot be read)."""
    try:
        text = Path(cpuinfo).read_text()
    except OSError:
        return frozenset()
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name.strip() == "flags":
            return frozenset(value.split())
    return frozenset()


@functools.cache
def cpu_has_bf16() -> bool:
    """Whether this machine's CPU has bfloat16 matrix instructions."""
    return bool(cpu_flags() & set(BF16_CPU_FLAGS))


def recurrent_layers(model) -> list:
    """The recurrent layers of `model` (nested ones included) with their cells and wrappers."""
    found = []
    for layer in model._flatten_layers(include_self=False, recursive=True):
        if isinstance(layer, (keras.layers.RNN, keras.layers.Bidirectional)):
            found.append(layer)
        elif hasattr(layer, "state_size") and hasattr(layer, "output_size"):
            found.append(layer)  # a cell
    return found


def widest_lstm_units(model) -> int:
    """The largest `units` among `model`'s LSTM layers, nested and bidirectional ones
    included (0 when it has none)."""
    widths = [
        layer.units for layer in recurrent_layers(model) if isinstance(layer, keras.layers.LSTM)
    ]
    return max(widths, default=0)


def resolve_precision(precision: str, model) -> str:
    """ "float32" or "mixed_bfloat16": what `precision` means for `model` on this machine.

    "auto" gives "mixed_bfloat16" when the CPU has bfloat16 instructions, no GPU is
    visible and `model` has an LSTM layer of at least `AUTO_MIN_UNITS` units;
    otherwise "float32".
    """
    check_choice("precision", precision, PRECISIONS)
    if precision != "auto":
        return precision
    import tensorflow as tf

    wide = widest_lstm_units(model) >= AUTO_MIN_UNITS
    if wide and cpu_has_bf16() and not tf.config.list_physical_devices("GPU"):
        return "mixed_bfloat16"
    return "float32"


@contextlib.contextmanager
def training_precision(model, precision: str = "float32"):
    """Run the recurrent layers of `model` in `precision` inside the block.

    Args:
        model: a built Keras model.
        precision: "float32" (nothing changes), "mixed_bfloat16" or "auto"
            (see `resolve_precision`).

    Yields:
        The precision used, "float32" or "mixed_bfloat16".

    Example:
        >>> with training_precision(model, "auto") as used:
        ...     model.fit(x, y)
    """
    used = resolve_precision(precision, model)
    if used == "float32":
        yield used
        return
    layers = recurrent_layers(model)
    saved = [layer.dtype_policy for layer in layers]
    for layer in layers:
        layer.dtype_policy = used
    _forget_traces(model)
    try:
        yield used
    finally:
        for layer, policy in zip(layers, saved):
            layer.dtype_policy = policy
        _forget_traces(model)


def _forget_traces(model):
    """Drop the model's traced train/test/predict steps, so the next call traces them
    again with the layers' current policies."""
    for name in ("train_function", "test_function", "predict_function"):
        if hasattr(model, name):
            setattr(model, name, None)
