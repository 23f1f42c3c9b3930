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

Modules: `stream_stages` (which layers stream, and how), `stream_engines`
(the TensorFlow and onnxruntime engines that run the step).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf
from keras import ops

from lstm_apps.checks import check_choice, check_positive
from lstm_apps.deploy.stream_engines import OnnxStep, TensorFlowStep, onnxruntime_available
from lstm_apps.deploy.stream_stages import layer_state_sizes, model_stages

BACKENDS = ("auto", "onnxruntime", "tensorflow")


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
        check_positive("num_streams", num_streams)
        check_choice("backend", backend, BACKENDS)
        self.model = model
        self.num_streams = int(num_streams)
        self._stages = model_stages(model)
        shape = model.inputs[0].shape
        self.num_features = None if len(shape) == 2 else int(shape[-1])
        self.num_outputs = int(model.outputs[0].shape[-1])
        self._dtype = tf.as_dtype(model.inputs[0].dtype)
        self._state_sizes = [
            size
            for kind, layer in self._stages
            if kind == "rnn"
            for size in layer_state_sizes(layer)
        ]
        if backend == "auto":
            backend = "onnxruntime" if onnxruntime_available() else "tensorflow"
        self.backend = backend
        if backend == "onnxruntime":
            self._engine = OnnxStep(self)
        else:
            self._engine = TensorFlowStep(self, jit_compile)

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
                count = len(layer_state_sizes(layer))
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
