"""The engines that run `StreamingPredictor`'s compiled step and hold its states.

* `TensorFlowStep`: the step as a `tf.function`, states in `tf.Variable`s.
* `OnnxStep`: the step converted by tf2onnx and run by onnxruntime with its
  inputs, outputs and states bound to fixed NumPy buffers.

An engine is called with `x_t` and returns the output; `read_states` and
`write_states` give and replace the states.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

MANY_STREAMS = 16  # from this many streams on, onnxruntime steps with all cores


class TensorFlowStep:
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


class OnnxStep:
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
            bind_buffer(binding.bind_input, inputs[0], self.x)
            for name, buffer in zip(inputs[1:], self.buffers[k]):
                bind_buffer(binding.bind_input, name, buffer)
            bind_buffer(binding.bind_output, outputs[0], self.y)
            for name, buffer in zip(outputs[1:], self.buffers[1 - k]):
                bind_buffer(binding.bind_output, name, buffer)
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


def bind_buffer(method, name, array):
    method(name, "cpu", 0, array.dtype, list(array.shape), array.ctypes.data)


def onnxruntime_available() -> bool:
    try:
        import onnxruntime  # noqa: F401
        import tf2onnx  # noqa: F401
    except ImportError:
        return False
    return True
