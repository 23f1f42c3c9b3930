"""One prediction per new time step: `StreamingPredictor`.

A sensor model in service sees one sample at a time. Re-running
`model.predict` on the whole history at every sample costs O(T) per step;
`StreamingPredictor` keeps each recurrent layer's state between calls and
advances it by one step with a compiled function that runs the model's own
layers and cells, so a step costs the same at sample 10 as at sample 10,000.

It streams the chain-shaped models of the builders (`build_model`'s
"simple_rnn", "lstm", "gru", "lstm_projected", stacked or not, either output
mode, and `build_char_lm`): the output after step t equals
`model.predict(x[:, : t + 1])` for a "last" model and `model.predict(x)[:, t]`
for a "sequence" model. A step whose features all equal the model's padding
value is treated as padding, as `model.predict` treats it: the states stay
and the previous output is repeated.

Models that look ahead cannot give an output per new step: bidirectional
layers (they also read the sequence backwards) and the "cnn_lstm" family
("same"-padded convolutions read the next steps, and pooling changes the
rate). They are refused with an error that says so.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from lstm_apps.models.layers import SequenceNormalization

# Layers that are the identity at inference.
_INFERENCE_IDENTITY = (
    keras.layers.Dropout,
    keras.layers.GaussianNoise,
    keras.layers.GaussianDropout,
    keras.layers.ActivityRegularization,
)
# Layers that act on each step on its own, so they apply to `(batch, features)`.
_PER_STEP = (keras.layers.Dense, keras.layers.Rescaling, keras.layers.Activation)

BACKENDS = ("auto", "onnxruntime", "tensorflow")
MANY_STREAMS = 16  # from this many streams on, onnxruntime steps with all cores

_LOOKAHEAD = (
    "its output at step t depends on later steps, so it cannot give an output per new step; "
    "stream a unidirectional model without convolutions"
)


class StreamingPredictor:
    """Step a recurrent model through time for a batch of independent streams.

    The step is one compiled function of the model's own layers and cells,
    `(x_t, *states) -> (y_t, *new_states)`, traced once by TensorFlow. It runs
    either as that `tf.function` or, converted by tf2onnx, in onnxruntime
    with its inputs and outputs bound to fixed buffers. On a CPU the second
    is several times faster for one stream, because a TensorFlow call costs
    about 0.3 ms of dispatch whatever the model (see
    benchmarks/streaming_latency.py).

    Args:
        model: a model from the builders (see the module docstring).
        num_streams: independent streams stepped together, default 1.
        backend: "auto" (default: "onnxruntime" when onnxruntime and tf2onnx
            are installed, the `export` extra; else "tensorflow"),
            "onnxruntime" or "tensorflow".
        jit_compile: with the "tensorflow" backend, compile the step with XLA
            (default False).

    Example:
        >>> streamer = StreamingPredictor(model, num_streams=64)
        >>> for x_t in feed:               # x_t: (64, features)
        ...     y_t = streamer.step(x_t)   # (64, outputs)
        >>> streamer.reset([3])            # stream 3 starts a new sequence
    """

    def __init__(self, model, num_streams=1, *, backend="auto", jit_compile=False):
        if not (isinstance(num_streams, (int, np.integer)) and num_streams >= 1):
            raise ValueError(
                f"`num_streams` must be a positive integer. Received: num_streams={num_streams!r}"
            )
        if backend not in BACKENDS:
            raise ValueError(f"`backend` must be one of {BACKENDS}. Received: backend={backend!r}")
        self.model = model
        self.num_streams = int(num_streams)
        self._stages = _stages(model)
        shape = model.inputs[0].shape
        self.num_features = None if len(shape) == 2 else int(shape[-1])
        self.num_outputs = int(model.outputs[0].shape[-1])
        self._dtype = tf.as_dtype(model.inputs[0].dtype)
        self._state_sizes = [
            size for kind, layer in self._stages if kind == "rnn" for size in _state_sizes(layer)
        ]
        if backend == "auto":
            backend = "onnxruntime" if _onnxruntime_available() else "tensorflow"
        self.backend = backend
        if backend == "onnxruntime":
            self._engine = _OnnxStep(self)
        else:
            self._engine = _TensorFlowStep(self, jit_compile)

    @property
    def state_sizes(self) -> list[int]:
        """Width of every state tensor (LSTM: h and c; GRU, SimpleRNN: h), in order."""
        return list(self._state_sizes)

    @property
    def states(self) -> list[np.ndarray]:
        """A copy of the current states, one `(num_streams, size)` array each."""
        return [np.array(state) for state in self._engine.read_states()]

    def set_states(self, states):
        """Replace the states, e.g. with a copy saved from `states` earlier.

        Args:
            states: one `(num_streams, size)` array per entry of `state_sizes`.

        Raises:
            ValueError: for a wrong number of arrays or a wrong shape.
        """
        expected = [(self.num_streams, size) for size in self._state_sizes]
        values = [np.asarray(state, "float32") for state in states]
        received = [v.shape for v in values]
        if received != expected:
            raise ValueError(f"`states` must be arrays of shapes {expected}. Received: {received}")
        self._engine.write_states(values)

    def step(self, x_t) -> np.ndarray:
        """Advance every stream by one time step and return the model's output.

        Args:
            x_t: `(num_streams, features)` (integer codes `(num_streams,)` for
                an embedding model). With one stream, `(features,)` (a single
                code) is also accepted and a 1-D output is returned.

        Returns:
            `(num_streams, outputs)`: the class probabilities or regression
            values after this step.

        Raises:
            ValueError: for an input of the wrong shape (stream or feature count).
        """
        x_t = np.asarray(x_t, dtype=self._dtype.as_numpy_dtype)
        per_stream = () if self.num_features is None else (self.num_features,)
        single = self.num_streams == 1 and x_t.shape == per_stream
        if single:
            x_t = x_t[None]
        want = (self.num_streams, *per_stream)
        if x_t.shape != want:
            features = "" if self.num_features is None else f", {self.num_features} features"
            raise ValueError(
                f"step() expects an input of shape {want} ({self.num_streams} streams"
                f"{features}). Received: shape {x_t.shape}"
            )
        y = self._engine(x_t)
        return y[0] if single else y

    def reset(self, stream_ids=None):
        """Clear the states of some streams (default: all), as at a sequence start."""
        states = self._engine.read_states()
        if stream_ids is None:
            self._engine.write_states([np.zeros_like(state) for state in states])
            return self
        ids = np.atleast_1d(np.asarray(stream_ids))
        if (
            ids.dtype.kind not in "iu"
            or ids.size == 0
            or ids.min() < 0
            or ids.max() >= self.num_streams
        ):
            raise ValueError(
                f"`stream_ids` must be indices in [0, {self.num_streams}). "
                f"Received: stream_ids={stream_ids!r}"
            )
        cleared = [np.array(state) for state in states]
        for state in cleared:
            state[ids] = 0.0
        self._engine.write_states(cleared)
        return self

    def run(self, sequences) -> np.ndarray:
        """Step through whole sequences from a fresh state; returns `(N, T, outputs)`.

        A convenience for checks and offline replays: `sequences` is
        `(num_streams, T, features)` (or `(num_streams, T)` codes). The
        states are cleared before and after.
        """
        sequences = np.asarray(sequences)
        self.reset()
        outputs = [self.step(sequences[:, t]) for t in range(sequences.shape[1])]
        self.reset()
        return np.stack(outputs, axis=1)

    def step_signature(self):
        """Input specs of the pure step function: `x_t`, then one per state."""
        shape = (None,) if self.num_features is None else (None, self.num_features)
        return [tf.TensorSpec(shape, self._dtype, name="x_t")] + [
            tf.TensorSpec((None, size), tf.float32, name=f"state_{i}")
            for i, size in enumerate(self._state_sizes)
        ]

    def step_function(self):
        """The pure step `(x_t, *states) -> (y_t, *new_states)` as a `tf.function`."""
        return tf.function(
            lambda x, *states: self._pure_step(x, list(states)),
            input_signature=self.step_signature(),
        )

    def step_onnx(self, opset=None):
        """The pure step converted to an ONNX `ModelProto` by tf2onnx.

        Inputs `x_t`, `state_0`, ...; outputs the step's output, then the new
        states in the same order. Save it with `onnx.save(proto, path)`.
        """
        import tf2onnx
        from keras.src.export.tf2onnx_lib import patch_tf2onnx

        from lstm_apps.deploy.export import quiet_tf2onnx

        with quiet_tf2onnx():
            patch_tf2onnx()
            proto, _ = tf2onnx.convert.from_function(
                self.step_function(), input_signature=self.step_signature(), opset=opset
            )
        return proto

    def _pure_step(self, x, states):
        mask = None
        new_states = []
        position = 0
        for kind, layer in self._stages:
            if kind == "masking":
                mask = ops.any(ops.not_equal(x, layer.mask_value), axis=-1)
                x = x * ops.cast(ops.expand_dims(mask, -1), x.dtype)
            elif kind == "normalization":
                x = layer.call(x, mask=mask)
            elif kind == "embedding":
                if layer.mask_zero:
                    mask = ops.not_equal(x, 0)
                x = layer(x)
            elif kind == "rnn":
                count = len(_state_sizes(layer))
                old = states[position : position + count]
                position += count
                out, new = layer.cell(x, list(old), training=False)
                new = list(new) if isinstance(new, (list, tuple)) else [new]
                if mask is not None:
                    keep = ops.expand_dims(mask, -1)
                    new = [ops.where(keep, n, o) for n, o in zip(new, old)]
                    out = ops.where(keep, out, old[0])
                new_states += new
                x = out
            elif kind == "per_step":
                x = layer(x)
        return x, new_states


class _TensorFlowStep:
    """The step as a `tf.function` whose states live in `tf.Variable`s."""

    def __init__(self, streamer, jit_compile):
        self.states = [
            tf.Variable(tf.zeros((streamer.num_streams, size)), trainable=False)
            for size in streamer.state_sizes
        ]
        self.pure_step = streamer._pure_step
        self.function = tf.function(
            self.advance,
            input_signature=[streamer.step_signature()[0]],
            jit_compile=jit_compile,
            reduce_retracing=True,
        )

    def advance(self, x):
        y, new_states = self.pure_step(x, [state.read_value() for state in self.states])
        for state, value in zip(self.states, new_states):
            state.assign(value)
        return y

    def __call__(self, x):
        return self.function(x).numpy()

    def read_states(self):
        return [state.numpy() for state in self.states]

    def write_states(self, values):
        for state, value in zip(self.states, values):
            state.assign(value)


class _OnnxStep:
    """The step exported to ONNX and run by onnxruntime on bound buffers.

    Inputs and outputs are bound once to NumPy buffers, with two sets of
    state buffers used in turn, so a step copies `x_t` in, runs, and copies
    the output out: no conversion or allocation per call.
    """

    def __init__(self, streamer):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.inter_op_num_threads = 1
        # One thread is fastest for a few streams (no hand-off); a wide batch
        # gains from onnxruntime's default pool (one thread per core).
        if streamer.num_streams < MANY_STREAMS:
            options.intra_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(
            streamer.step_onnx().SerializeToString(), options, providers=["CPUExecutionProvider"]
        )
        n = streamer.num_streams
        per_stream = () if streamer.num_features is None else (streamer.num_features,)
        self.x = np.zeros((n, *per_stream), streamer._dtype.as_numpy_dtype)
        self.y = np.zeros((n, streamer.num_outputs), "float32")
        self.buffers = [
            [np.zeros((n, size), "float32") for size in streamer.state_sizes] for _ in range(2)
        ]
        inputs = [source.name for source in self.session.get_inputs()]
        outputs = [target.name for target in self.session.get_outputs()]
        self.bindings = []
        for k in range(2):
            binding = self.session.io_binding()
            _bind(binding.bind_input, inputs[0], self.x)
            for name, buffer in zip(inputs[1:], self.buffers[k]):
                _bind(binding.bind_input, name, buffer)
            _bind(binding.bind_output, outputs[0], self.y)
            for name, buffer in zip(outputs[1:], self.buffers[1 - k]):
                _bind(binding.bind_output, name, buffer)
            self.bindings.append(binding)
        self.current = 0

    def __call__(self, x):
        self.x[...] = x
        self.session.run_with_iobinding(self.bindings[self.current])
        self.current = 1 - self.current
        return self.y.copy()

    def read_states(self):
        return self.buffers[self.current]

    def write_states(self, values):
        for buffer, value in zip(self.buffers[self.current], values):
            buffer[...] = value


def _bind(method, name, array):
    method(name, "cpu", 0, array.dtype, list(array.shape), array.ctypes.data)


def _onnxruntime_available() -> bool:
    try:
        import onnxruntime  # noqa: F401
        import tf2onnx  # noqa: F401
    except ImportError:
        return False
    return True


def _state_sizes(layer):
    size = layer.cell.state_size
    return [int(s) for s in size] if isinstance(size, (list, tuple)) else [int(size)]


def _stages(model):
    """Map the model's layers, input to output, to step operations; refuse the others."""
    if not isinstance(model, keras.Model) or len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ValueError(
            "StreamingPredictor needs a functional Keras model with one input and one output. "
            f"Received: {type(model).__name__}"
        )
    layers = model.layers
    for previous, layer in zip(layers, layers[1:]):
        tensors = keras.tree.flatten(layer._inbound_nodes[0].input_tensors)
        inputs = [t for t in tensors if t.dtype != "bool"]  # masks travel as arguments
        if len(inputs) != 1 or inputs[0] is not previous.output:
            raise ValueError(
                f"StreamingPredictor streams models whose layers form a chain; in "
                f"{model.name!r}, layer {layer.name!r} does not read {previous.name!r} alone"
            )
    ordered = layers
    stages = []
    for layer in ordered:
        kind = _kind(layer)
        if kind is not None:
            stages.append((kind, layer))
    if not any(kind == "rnn" for kind, _ in stages):
        raise ValueError(
            f"StreamingPredictor needs a recurrent model; {model.name!r} has no recurrent layer "
            "(SimpleRNN, LSTM, GRU or ProjectedLSTM), so there is no state to carry"
        )
    return stages


def _kind(layer):
    if isinstance(layer, keras.layers.InputLayer) or isinstance(layer, _INFERENCE_IDENTITY):
        return None
    if isinstance(layer, keras.layers.Bidirectional):
        raise ValueError(f"Layer {layer.name!r} is bidirectional: {_LOOKAHEAD}")
    if isinstance(layer, keras.layers.RNN):
        if layer.go_backwards:
            raise ValueError(f"Layer {layer.name!r} reads the sequence backwards: {_LOOKAHEAD}")
        return "rnn"
    if isinstance(layer, keras.layers.Masking):
        return "masking"
    if isinstance(layer, SequenceNormalization):
        return "normalization"
    if isinstance(layer, keras.layers.Embedding):
        return "embedding"
    if isinstance(layer, _PER_STEP):
        return "per_step"
    reason = (
        _LOOKAHEAD
        if "conv" in type(layer).__name__.lower() or "pool" in type(layer).__name__.lower()
        else "StreamingPredictor does not know how to apply it to one step"
    )
    raise ValueError(f"Layer {layer.name!r} ({type(layer).__name__}): {reason}")
