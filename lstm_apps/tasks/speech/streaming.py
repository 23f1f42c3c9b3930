"""Streaming recognition: digits emitted while the audio arrives, one 10 ms hop at a time.

`DigitStreamer` runs a causal connected-digit model (`task="connected"`,
architecture "lstm" or "gru") on a stream of samples. Each time the samples
complete a new feature frame, the front end's NumPy twin
(`LogMelSpectrogram.frame`) computes that frame alone, and
`lstm_apps.deploy.StreamingPredictor` advances the recurrent layers by one
step, carrying their states. A digit is emitted as soon as the frame's most
likely class is a digit other than the previous frame's (greedy CTC, read
online), so the word is reported while, or just after, it is spoken.

The frames are the same as the whole-recording model's, so the streamed
probabilities equal the offline ones (checked by the tests).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from lstm_apps.deploy.streaming import StreamingPredictor
from lstm_apps.tasks.speech.network import BLANK, frame_model
from lstm_apps.tasks.speech.utterances import Utterances, long_recording


@dataclass
class StreamResult:
    """What `DigitStreamer.run` saw: emissions, per-frame probabilities and step times."""

    emissions: list = field(default_factory=list)  # (seconds into the stream, digit)
    probabilities: list = field(default_factory=list)  # one (11,) array per frame
    step_seconds: list = field(default_factory=list)  # wall time per frame: features + step

    @property
    def digits(self) -> list[int]:
        """The emitted digits, in order."""
        return [digit for _, digit in self.emissions]

    @property
    def median_step_ms(self) -> float:
        """Median milliseconds per frame (feature frame and model step together)."""
        return 1000 * float(np.median(self.step_seconds)) if self.step_seconds else float("nan")


class DigitStreamer:
    """Recognize connected digits in a stream of samples.

    Args:
        model: a trained causal speech model (`task="connected"`, "lstm" or
            "gru"); a bidirectional or convolutional one is refused by
            `StreamingPredictor`, which says why.
        backend: `StreamingPredictor`'s backend, default "auto".

    Example:
        >>> streamer = DigitStreamer(run.model)
        >>> for hop in np.split(samples, len(samples) // 80):
        ...     for seconds, digit in streamer.feed(hop):
        ...         print(f"{seconds:.2f} s: {digit}")
    """

    def __init__(self, model, *, backend="auto"):
        self.frontend = model.get_layer("features")
        self.sample_rate = int(self.frontend.sample_rate)
        self.frame_length = int(self.frontend.frame_length)
        self.hop = int(self.frontend.frame_step)
        self.predictor = StreamingPredictor(frame_model(model), 1, backend=backend)
        self.result = StreamResult()
        self.reset()

    def reset(self):
        """Start a new stream: empty buffer, zero states, no previous class."""
        self._buffer = np.zeros(0, "float32")
        self._start = 0  # stream index of the buffer's first sample
        self._next = 0  # index of the next frame to compute
        self._previous = BLANK
        self.predictor.reset()
        self.result = StreamResult()

    def feed(self, samples) -> list[tuple[float, int]]:
        """Add samples (any count) and return the digits emitted by the frames they complete.

        Returns:
            `(seconds, digit)` pairs: the time at the end of the emitting frame.
        """
        samples = np.asarray(samples, "float32").ravel()
        self._buffer = np.concatenate([self._buffer, samples])
        emitted = []
        while self._next * self.hop + self.frame_length <= self._start + len(self._buffer):
            begin = self._next * self.hop - self._start
            window = self._buffer[begin : begin + self.frame_length]
            tic = time.perf_counter()  # the whole cost of a hop: its frame and the step
            probabilities = self.predictor.step(self.frontend.frame(window))
            self.result.step_seconds.append(time.perf_counter() - tic)
            self.result.probabilities.append(probabilities)
            label = int(np.argmax(probabilities))
            if label != BLANK and label != self._previous:
                end = (self._next * self.hop + self.frame_length) / self.sample_rate
                emitted.append((end, label - 1))
            self._previous = label
            self._next += 1
        drop = max(0, self._next * self.hop - self._start)
        self._buffer, self._start = self._buffer[drop:], self._start + drop
        self.result.emissions.extend(emitted)
        return emitted

    def run(self, waveform) -> StreamResult:
        """Stream a whole waveform hop by hop from a fresh start; returns the `StreamResult`."""
        self.reset()
        waveform = np.asarray(waveform, "float32").ravel()
        for begin in range(0, len(waveform), self.hop):
            self.feed(waveform[begin : begin + self.hop])
        return self.result


def demo_recording(data, count=12, *, pause=0.3, seed=0) -> Utterances:
    """A long recording for streaming demos: the first digit of each of the first
    `count` test utterances of connected-digit `data`, joined with `pause` seconds
    of quiet (test recordings only, so none was heard in training)."""
    if data.spans_test is None:
        raise ValueError("`data` must be connected-digit splits (task='connected')")
    rows = range(min(count, len(data.x_test)))
    pieces = [data.x_test[i][slice(*data.spans_test[i][0]), 0] for i in rows]
    digits = [int(data.y_test[i][0]) for i in rows]
    return long_recording(pieces, digits, sample_rate=data.sample_rate, pause=pause, seed=seed)
