"""Memory estimates made before a model is built or trained, so that an
oversized model is refused at once instead of filling the machine's memory.

The builders call a `check_*` function after checking their arguments and
before creating any layer: it counts the parameters from the sizes alone
(no Keras object is made) and refuses a model whose training copies (the
weights, their gradients and Adam's two moment slots: four float32 copies)
would take more than half of the free memory. `train` then checks the
activations that back-propagation keeps for a mini-batch
(`check_activation_memory`). The counts follow Keras 3's layers: an LSTM has
4 gates, a GRU 3 with two bias vectors each (`reset_after=True`), a
SimpleRNN 1.

Data are checked the same way: `check_memory` refuses scenes, clips,
simulated cycles or Monte Carlo samples whose estimated arrays would take
more than half of the free memory, before any of them is made.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from numbers import Integral

BYTES_PER_FLOAT = 4
# the weights, their gradients and the optimizer's two moment slots (Adam)
TRAINING_COPIES = 4
# back-propagation keeps each activation and, while it runs, its gradient
ACTIVATION_COPIES = 2
GATES = {"simple_rnn": 1, "gru": 3, "lstm": 4, "lstm_projected": 4}
# a Monte Carlo sample value: float32, stacked and reshaped, then sorted in float64
SAMPLE_BYTES_PER_VALUE = 32


def available_memory_bytes() -> int | None:
    """Bytes of memory free for a new allocation now, or None when unknown.

    Linux's `MemAvailable` (what can be taken without swapping), lowered to
    the room left under a cgroup (container) memory limit; elsewhere the free
    physical pages that `os.sysconf` reports.
    """
    free = _meminfo_available()
    if free is None:
        try:
            free = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (AttributeError, ValueError, OSError):
            return None
    room = _cgroup_room()
    return free if room is None else min(free, room)


def _meminfo_available():
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _cgroup_room():
    try:
        with open("/sys/fs/cgroup/memory.max", encoding="ascii") as handle:
            limit = handle.read().strip()
        if limit == "max":
            return None
        with open("/sys/fs/cgroup/memory.current", encoding="ascii") as handle:
            return max(0, int(limit) - int(handle.read().strip()))
    except (OSError, ValueError):
        return None


def recurrent_parameters(
    cell,
    input_size,
    units,
    bidirectional=False,
    *,
    output_projector_size=None,
    input_projector_size=None,
) -> int:
    """Learnable parameters of one recurrent layer of `units` on `input_size` inputs.

    Args:
        cell: "simple_rnn", "lstm", "gru" or "lstm_projected" (whose projector
            sizes default to `units // 4`, as `recurrent_layer` builds it).
        input_size: features per step entering the layer.
        units: the layer's width (per direction).
        bidirectional: two layers, one per direction.

    Example:
        >>> recurrent_parameters("lstm", 12, 100)  # 4 * (100 * (12 + 100) + 100)
        45200
    """
    if cell not in GATES:
        raise ValueError(f"Unknown `cell`. Expected one of {tuple(GATES)}. Received: cell={cell!r}")
    gates = GATES[cell]
    if cell == "lstm_projected":
        inner = input_projector_size or max(1, units // 4)
        outer = output_projector_size or max(1, units // 4)
        count = input_size * inner + (inner + outer) * gates * units + units * outer
        count += gates * units
    else:
        biases = 2 if cell == "gru" else 1
        count = gates * (units * (input_size + units) + biases * units)
    return count * (2 if bidirectional else 1)


def dense_parameters(inputs, outputs) -> int:
    """Parameters of a dense layer: a `(inputs, outputs)` kernel and a bias."""
    return inputs * outputs + outputs


def embedding_parameters(vocabulary_size, dimension) -> int:
    """Parameters of an embedding table of `vocabulary_size` rows of `dimension`."""
    return vocabulary_size * dimension


def conv1d_parameters(input_size, filters, kernel_size) -> int:
    """Parameters of a 1-D convolution: a `(kernel_size, input_size, filters)` kernel and a bias."""
    return kernel_size * input_size * filters + filters


def stack_parameters(cell, input_size, widths, bidirectional=False, **projector):
    """Parameters of a stack of recurrent layers, and the width of its output."""
    total = 0
    for width in widths:
        total += recurrent_parameters(cell, input_size, width, bidirectional, **projector)
        input_size = width * (2 if bidirectional else 1)
    return total, input_size


def check_model_size(parameters, *, what, activations_bytes=0, fraction=0.5) -> int:
    """Refuse a model whose training would take more than `fraction` of the free memory.

    Args:
        parameters: the model's parameter count (an estimate is enough).
        what: the sizes that made it, `{"units": (100000000,)}` (or a text),
            named in the message.
        activations_bytes: bytes of activations to add, if known.
        fraction: share of the free memory the model may take, default 0.5.

    Returns:
        The estimated bytes (four float32 copies of the weights, plus the activations).

    Raises:
        ValueError: naming the estimate, the free memory and `what`.
    """
    weights = int(parameters) * BYTES_PER_FLOAT * TRAINING_COPIES
    need = weights + int(activations_bytes)
    free = available_memory_bytes()
    if free is None or need <= fraction * free:
        return need
    activations = f" and {activations_bytes:.2g} for activations" if activations_bytes else ""
    raise ValueError(
        f"The model would need about {parameters:.2g} parameters ({weights:.2g} bytes for the "
        f"weights, their gradients and Adam's two moment slots{activations}), more than "
        f"{_share(fraction)} the {_gigabytes(free)} of free memory. {_reduce(what)}"
    )


def check_memory(nbytes, *, what, sizes, fraction=0.5) -> int:
    """Refuse data or sample arrays that would take more than `fraction` of the free memory.

    Called with a simple, conservative estimate before the arrays are made
    (scenes drawn, clips generated or read, cycles simulated, samples drawn).

    Args:
        nbytes: the estimated bytes.
        what: what would take them, the subject of the message ("digit scenes").
        sizes: the fields that set the estimate, `{"num_scenes": (6000, 600, 1000)}`,
            named in the message.
        fraction: share of the free memory they may take, default 0.5.

    Returns:
        `nbytes`.

    Raises:
        ValueError: "The digit scenes would need about 1.2e+03 GB, more than
            half of the 23.9 GB of free memory. Reduce num_scenes. Received:
            num_scenes=(100000000, 60, 60)".
    """
    nbytes = int(nbytes)
    free = available_memory_bytes()
    if free is None or nbytes <= fraction * free:
        return nbytes
    raise ValueError(
        f"The {what} would need about {_gigabytes(nbytes)}, more than {_share(fraction)} the "
        f"{_gigabytes(free)} of free memory. {_reduce(sizes)}"
    )


def check_samples(num_samples, num_series, horizon, num_features, step_floats) -> int:
    """`check_memory` for Monte Carlo samples of `horizon` steps of `num_series` series.

    Each of the `num_samples * num_series` streams keeps `horizon * num_features`
    values (a float32 output, stacked, reshaped, then sorted in float64 for
    quantiles: `SAMPLE_BYTES_PER_VALUE`) and, while it steps, `step_floats`
    floats (states, gates, layer outputs), counted twice.
    """
    per_stream = horizon * num_features * SAMPLE_BYTES_PER_VALUE
    per_stream += ACTIVATION_COPIES * step_floats * BYTES_PER_FLOAT
    return check_memory(
        num_samples * num_series * per_stream,
        what=f"Monte Carlo dropout samples of {num_series} series",
        sizes=dict(num_samples=num_samples, horizon=horizon),
    )


def _gigabytes(count):
    return f"{count / 1e9:.3g} GB"


def _share(fraction):
    return "half of" if fraction == 0.5 else f"{fraction:.0%} of"


def _reduce(what):
    if isinstance(what, Mapping):
        names = list(what)
        names = " or ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
        received = ", ".join(f"{name}={value!r}" for name, value in what.items())
        return f"Reduce {names}. Received: {received}"
    return f"Reduce the model's sizes. Received: {what}"


def _widths(units):
    return (units,) if isinstance(units, Integral) else tuple(units)


def check_sequence_network(
    cell,
    *,
    num_features,
    units,
    num_outputs,
    bidirectional=False,
    filters=(),
    kernel_size=3,
    **projector,
) -> int:
    """`check_model_size` for a `build_recurrent` / `build_projected_lstm` / `build_cnn_lstm`
    network: optional Conv1D blocks (`filters`), the recurrent stack, the head."""
    total, width = 2 * num_features + 1, num_features  # normalization statistics
    for count in filters:
        total += conv1d_parameters(width, count, kernel_size)
        width = count
    stack, width = stack_parameters(cell, width, _widths(units), bidirectional, **projector)
    total += stack + dense_parameters(width, num_outputs)
    sizes = {"units": units, **({"filters": tuple(filters)} if filters else {})}
    sizes.update({k: v for k, v in projector.items() if v is not None})
    return check_model_size(total, what=sizes)


def check_char_lm(cell, vocabulary_size, embedding_dim, units) -> int:
    """`check_model_size` for `build_char_lm`: embedding, recurrent stack, softmax head."""
    stack, width = stack_parameters(cell, embedding_dim, _widths(units))
    total = embedding_parameters(vocabulary_size, embedding_dim) + stack
    total += dense_parameters(width, vocabulary_size)
    sizes = dict(units=units, embedding_dim=embedding_dim, vocabulary_size=vocabulary_size)
    return check_model_size(total, what=sizes)


def text_classifier_parameters(kind, vocabulary_size, embedding_dim, units, num_classes, pooling):
    """Parameters of `build_text_classifier` of `kind` (see `check_text_classifier`)."""
    total, width = embedding_parameters(vocabulary_size, embedding_dim), embedding_dim
    if kind != "bag_of_embeddings":
        if kind == "cnn_lstm":
            total += conv1d_parameters(width, units, 5)
            width = units
        cell = "gru" if kind == "gru" else "lstm"
        bidirectional = kind == "bilstm"
        total += recurrent_parameters(cell, width, units, bidirectional)
        width = units * (2 if bidirectional else 1) * (2 if pooling == "max_mean" else 1)
    return total + dense_parameters(width, 1 if num_classes == 2 else num_classes)


def check_text_classifier(kind, vocabulary_size, embedding_dim, units, num_classes, pooling):
    """`check_model_size` for `build_text_classifier` of `kind`."""
    total = text_classifier_parameters(
        kind, vocabulary_size, embedding_dim, units, num_classes, pooling
    )
    sizes = dict(units=units, embedding_dim=embedding_dim, vocabulary_size=vocabulary_size)
    return check_model_size(total, what=sizes)


def check_captioner(cell, vocabulary_size, embedding_dim, units, source_dim, encoder_parameters=0):
    """`check_model_size` for `build_captioner` on a `source_dim` vector (from an encoder
    of `encoder_parameters`, or precomputed)."""
    states = 2 if cell == "lstm" else 1
    total = encoder_parameters + 2 * source_dim  # layer normalization
    total += (states + 1) * dense_parameters(source_dim, units)  # initial states, context
    total += embedding_parameters(vocabulary_size, embedding_dim)
    total += recurrent_parameters(cell, embedding_dim, units)
    total += dense_parameters(units, units) + dense_parameters(units, vocabulary_size)
    sizes = dict(units=units, embedding_dim=embedding_dim, vocabulary_size=vocabulary_size)
    return check_model_size(total, what=sizes)


def activation_floats(model, steps) -> int:
    """Floats per sequence that a training step keeps for back-propagation.

    The outputs of every layer (nested models included), each unknown
    (time) axis taken as `steps` long, plus, for each recurrent layer, its
    gate values and states at every step (kept even when only the last step
    is returned).
    """
    import keras

    total = 0
    for layer in model._flatten_layers(include_self=False, recursive=True):
        for node in getattr(layer, "_inbound_nodes", []):
            for tensor in node.outputs:
                dims = [steps if d is None else d for d in tuple(tensor.shape)[1:]]
                total += math.prod(dims)
        cell = getattr(layer, "cell", None)
        if isinstance(layer, keras.layers.RNN) and hasattr(cell, "units"):
            gates = {keras.layers.LSTMCell: 4, keras.layers.GRUCell: 3}.get(type(cell), 4)
            total += steps * (gates + 2) * cell.units
    return total


def check_activation_memory(
    model, batch_size, steps, *, fraction=0.5, length_field="training.sequence_length"
) -> int:
    """Refuse a fit whose mini-batches would need more than `fraction` of the free memory.

    Args:
        model: the model about to be fitted.
        batch_size: sequences per mini-batch.
        steps: the longest padded sequence a mini-batch may hold.
        fraction: share of the free memory the fit may take, default 0.5.
        length_field: the setting that shortens the sequences, named in the message.

    Returns:
        The estimated bytes: the training copies of the weights and the
        activations of one mini-batch.

    Raises:
        ValueError: naming the estimate, the free memory, `mini_batch_size`
            and the sequence length.
    """
    activations = batch_size * activation_floats(model, steps)
    activations *= BYTES_PER_FLOAT * ACTIVATION_COPIES
    try:
        weights = model.count_params() * BYTES_PER_FLOAT * TRAINING_COPIES
    except ValueError:  # a model not built yet: its weights are counted at the first batch
        weights = 0
    free = available_memory_bytes()
    if free is None or weights + activations <= fraction * free:
        return weights + activations
    raise ValueError(
        f"Training would need about {activations:.2g} bytes of activations for one mini-batch "
        f"(and {weights:.2g} for the weights and their training copies), more than "
        f"{_share(fraction)} the {_gigabytes(free)} of free memory. Lower "
        f"training.mini_batch_size or shorten the sequences ({length_field}). "
        f"Received: mini_batch_size={batch_size}, sequence length={steps}"
    )
