"""Audio layers, so that a saved speech model reads raw waveforms.

`LogMelSpectrogram` turns waveforms into log-mel (or MFCC) frames inside the
model, with a NumPy twin (`frame`) for streaming one frame at a time.
`WaveAugment` applies random gain, speed, delay and noise to waveforms, in
training only.
"""

from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf

from lstm_apps.checks import check_int, check_positive, check_range
from lstm_apps.models.layers.base import PACKAGE


def _mono(inputs):
    """`(batch, samples)` float32 waveforms from `(batch, samples)` or `(batch, samples, 1)`."""
    waveforms = tf.convert_to_tensor(inputs)
    if waveforms.shape.rank == 3:
        waveforms = tf.squeeze(waveforms, axis=-1)
    return tf.cast(waveforms, tf.float32)


@keras.saving.register_keras_serializable(package=PACKAGE)
class LogMelSpectrogram(keras.layers.Layer):
    """Log-mel spectrogram (or MFCC) frames of raw waveforms, inside the model.

    Each frame is the power `|STFT|^2` of `frame_length` samples under a
    periodic Hann window, zero-padded to `fft_length`, mapped to
    `num_mel_bins` triangular mel bands between `lower_edge_hertz` and
    `upper_edge_hertz`, then `log(mel + log_floor)`. With `num_mfcc`, the
    first `num_mfcc` MFCCs of the log-mel frame are returned instead. Frames
    start every `frame_step` samples and never run past the end (no end
    padding), so a clip of `n` samples gives `1 + (n - frame_length) //
    frame_step` frames; a clip shorter than one frame is padded with zeros
    to one frame. The layer has no weights.

    Args:
        sample_rate: samples per second, default 8000.
        frame_length: samples per frame, default 200 (25 ms at 8 kHz).
        frame_step: samples between frame starts, default 80 (10 ms).
        fft_length: FFT size, at least `frame_length`, default 256.
        num_mel_bins: mel bands, default 40.
        lower_edge_hertz: lowest band edge, default 20.0.
        upper_edge_hertz: highest band edge, default None (`sample_rate / 2`).
        num_mfcc: None (default) for log-mel output, or the number of MFCCs
            to keep, from 1 to `num_mel_bins`.
        log_floor: added before the log, default 1e-6.
        center: subtract each clip's mean frame, taken over its frames with
            sound (any band above `log_floor` by more than a factor e), and
            set the silent ones (padding) to zero: per-utterance mean
            normalization, which removes a fixed microphone or channel
            colouring. Default False. Needs the whole clip, so `frame()`
            refuses it.
        **kwargs: base `keras.layers.Layer` arguments (`name`, ...).

    Input shape: `(batch, samples)` or `(batch, samples, 1)`.
    Output shape: `(batch, frames, num_mel_bins)`, or
    `(batch, frames, num_mfcc)` with `num_mfcc`.

    Raises:
        ValueError: if an argument is out of range.

    Example:
        >>> layer = LogMelSpectrogram()
        >>> layer(np.zeros((2, 8000), "float32")).shape
        TensorShape([2, 98, 40])
    """

    def __init__(
        self,
        sample_rate=8000,
        frame_length=200,
        frame_step=80,
        fft_length=256,
        num_mel_bins=40,
        lower_edge_hertz=20.0,
        upper_edge_hertz=None,
        num_mfcc=None,
        log_floor=1e-6,
        center=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        for name, value in [
            ("sample_rate", sample_rate),
            ("frame_length", frame_length),
            ("frame_step", frame_step),
            ("fft_length", fft_length),
            ("num_mel_bins", num_mel_bins),
        ]:
            check_positive(name, value)
        if frame_length > fft_length:
            raise ValueError(
                "`frame_length` must be at most `fft_length`. "
                f"Received: frame_length={frame_length}, fft_length={fft_length}"
            )
        if frame_step > frame_length:
            raise ValueError(
                "`frame_step` must be at most `frame_length`, or samples would be skipped. "
                f"Received: frame_step={frame_step}, frame_length={frame_length}"
            )
        nyquist = sample_rate / 2
        upper = nyquist if upper_edge_hertz is None else upper_edge_hertz
        check_range("upper_edge_hertz", upper, 0, nyquist, closed=(False, True))
        check_range("lower_edge_hertz", lower_edge_hertz, 0, upper)
        check_int("num_mfcc", num_mfcc, 1, allow_none=True)
        if num_mfcc is not None and num_mfcc > num_mel_bins:
            raise ValueError(
                "`num_mfcc` must be at most `num_mel_bins`. "
                f"Received: num_mfcc={num_mfcc}, num_mel_bins={num_mel_bins}"
            )
        check_positive("log_floor", log_floor, real=True)
        self.sample_rate = int(sample_rate)
        self.frame_length = int(frame_length)
        self.frame_step = int(frame_step)
        self.fft_length = int(fft_length)
        self.num_mel_bins = int(num_mel_bins)
        self.lower_edge_hertz = float(lower_edge_hertz)
        self.upper_edge_hertz = None if upper_edge_hertz is None else float(upper_edge_hertz)
        self.num_mfcc = None if num_mfcc is None else int(num_mfcc)
        self.log_floor = float(log_floor)
        self.center = bool(center)
        self._constants = None

    @property
    def num_features(self) -> int:
        """Features per frame: `num_mfcc` if set, else `num_mel_bins`."""
        return self.num_mfcc or self.num_mel_bins

    def num_frames(self, num_samples: int) -> int:
        """Frames the layer gives for a clip of `num_samples` samples (at least 1)."""
        return 1 + (max(int(num_samples), self.frame_length) - self.frame_length) // self.frame_step

    def _numpy_constants(self):
        """The Hann window, mel matrix and DCT matrix as float64 arrays, computed once."""
        if self._constants is None:
            with tf.init_scope():
                window = tf.signal.hann_window(self.frame_length, periodic=True)
                mel = tf.signal.linear_to_mel_weight_matrix(
                    self.num_mel_bins,
                    self.fft_length // 2 + 1,
                    self.sample_rate,
                    self.lower_edge_hertz,
                    self.upper_edge_hertz or self.sample_rate / 2,
                )
                window, mel = window.numpy(), mel.numpy()
            # tf.signal.mfccs_from_log_mel_spectrograms: DCT-II scaled by 1/sqrt(2 * bins).
            n, k = np.arange(self.num_mel_bins), np.arange(self.num_features)[:, None]
            dct = 2 * np.cos(np.pi * k * (2 * n + 1) / (2 * self.num_mel_bins))
            dct = dct / math.sqrt(2 * self.num_mel_bins)
            # The windowed real DFT as two matrices: the power spectrum is then two matrix
            # products, which every runtime has (tf2onnx cannot convert |rfft|).
            t, f = np.arange(self.frame_length)[:, None], np.arange(self.fft_length // 2 + 1)
            angle = 2 * np.pi * t * f / self.fft_length
            window = window.astype("float64")
            self._constants = (
                window,
                mel.astype("float64"),
                dct,
                window[:, None] * np.cos(angle),
                window[:, None] * np.sin(angle),
            )
        return self._constants

    @property
    def mel_matrix(self) -> np.ndarray:
        """The `(fft_length // 2 + 1, num_mel_bins)` mel weight matrix."""
        return self._numpy_constants()[1].copy()

    def call(self, inputs):
        waveforms = _mono(inputs)
        short = tf.maximum(self.frame_length - tf.shape(waveforms)[1], 0)
        waveforms = tf.pad(waveforms, [[0, 0], [0, short]])
        frames = tf.signal.frame(waveforms, self.frame_length, self.frame_step)
        _, mel, dct, cosine, sine = (tf.constant(c, tf.float32) for c in self._numpy_constants())
        real, imaginary = tf.tensordot(frames, cosine, 1), tf.tensordot(frames, sine, 1)
        power = real * real + imaginary * imaginary  # |STFT|^2, zero-padded to fft_length
        features = tf.math.log(tf.tensordot(power, mel, 1) + self.log_floor)
        sound = tf.reduce_max(features, axis=-1, keepdims=True) > math.log(self.log_floor) + 1
        if self.num_mfcc is not None:
            features = tf.tensordot(features, tf.transpose(dct), 1)
        if self.center:
            weight = tf.cast(sound, features.dtype)
            count = tf.maximum(tf.reduce_sum(weight, axis=1, keepdims=True), 1.0)
            mean = tf.reduce_sum(features * weight, axis=1, keepdims=True) / count
            features = (features - mean) * weight
        return tf.cast(features, self.compute_dtype)

    def frame(self, window: np.ndarray) -> np.ndarray:
        """One feature frame from the last `frame_length` samples, in NumPy.

        The streaming twin of `call`: the same numbers (to float32 rounding)
        as the layer's last frame on a clip that ends with `window`.

        Args:
            window: 1-D array of exactly `frame_length` samples.

        Returns:
            A `(num_features,)` float32 array.

        Raises:
            ValueError: if `window` is not 1-D with `frame_length` samples.
        """
        if self.center:
            raise ValueError(
                "A centering LogMelSpectrogram (center=True) needs the whole clip's mean, so "
                "it cannot compute one frame alone: stream a model built with center=False"
            )
        window = np.asarray(window)
        if window.shape != (self.frame_length,):
            raise ValueError(
                f"`window` must be a 1-D array of frame_length={self.frame_length} samples. "
                f"Received: window.shape={window.shape}"
            )
        hann, mel, dct, _, _ = self._numpy_constants()
        spectrum = np.fft.rfft(window.astype("float64") * hann, n=self.fft_length)
        features = np.log(np.abs(spectrum) ** 2 @ mel + self.log_floor)
        if self.num_mfcc is not None:
            features = dct @ features
        return features.astype("float32")

    def compute_output_shape(self, input_shape):
        samples = input_shape[1]
        frames = None if samples is None else self.num_frames(samples)
        return (input_shape[0], frames, self.num_features)

    def get_config(self):
        return {
            **super().get_config(),
            "sample_rate": self.sample_rate,
            "frame_length": self.frame_length,
            "frame_step": self.frame_step,
            "fft_length": self.fft_length,
            "num_mel_bins": self.num_mel_bins,
            "lower_edge_hertz": self.lower_edge_hertz,
            "upper_edge_hertz": self.upper_edge_hertz,
            "num_mfcc": self.num_mfcc,
            "log_floor": self.log_floor,
            "center": self.center,
        }


@keras.saving.register_keras_serializable(package=PACKAGE)
class WaveAugment(keras.layers.Layer):
    """Random per-example gain, speed, delay and noise on waveforms, in training only.

    With `training=True`, each example is, in order: scaled by a gain of
    `g ~ U(-gain_db, gain_db)` decibels; resampled at a speed
    `s ~ U(1 - speed, 1 + speed)` by linear interpolation (faster clips end
    early and are followed by zeros; slower ones are cropped at the end);
    delayed by `k ~ U(0, max_shift * samples)` samples, zeros in front and
    the end dropped, like a late start; and given Gaussian noise of standard
    deviation `noise_stddev * U(0, 1)`. The length never changes. Outside
    training the input is returned unchanged. Any of the four set to 0 is off.

    Args:
        noise_stddev: largest noise standard deviation, at least 0, default 0.005.
        max_shift: largest delay as a fraction of the length, in [0, 1), default 0.1.
        gain_db: largest gain change in decibels, at least 0, default 6.0.
        speed: largest relative speed change, in [0, 0.5), default 0.1.
        seed: None (default) or an integer seed for the layer's random draws.
        **kwargs: base `keras.layers.Layer` arguments (`name`, ...).

    Input shape: `(batch, samples)` or `(batch, samples, 1)`.
    Output shape: the same, with the input's dtype.

    Raises:
        ValueError: if an argument is out of range.

    Example:
        >>> augment = WaveAugment(seed=0)
        >>> augment(np.zeros((2, 8000, 1), "float32"), training=True).shape
        TensorShape([2, 8000, 1])
    """

    def __init__(
        self, noise_stddev=0.005, max_shift=0.1, gain_db=6.0, speed=0.1, seed=None, **kwargs
    ):
        super().__init__(**kwargs)
        self.noise_stddev = float(check_range("noise_stddev", noise_stddev, 0, math.inf))
        self.max_shift = float(check_range("max_shift", max_shift, 0, 1))
        self.gain_db = float(check_range("gain_db", gain_db, 0, math.inf))
        self.speed = float(check_range("speed", speed, 0, 0.5))
        self.seed = check_int("seed", seed, allow_none=True)
        self.seed_generator = keras.random.SeedGenerator(seed)

    def _uniform(self, shape, low, high):
        return keras.random.uniform(shape, low, high, seed=self.seed_generator)

    def call(self, inputs, training=None):
        if not training:
            return inputs
        waveforms = _mono(inputs)
        batch, samples = tf.shape(waveforms)[0], tf.shape(waveforms)[1]
        length = tf.cast(samples, tf.float32)
        if self.gain_db > 0:
            gain = self._uniform((batch, 1), -self.gain_db, self.gain_db)
            waveforms = waveforms * tf.pow(10.0, gain / 20.0)
        if self.speed > 0 or self.max_shift > 0:
            # Output sample t reads input position (t - delay) * speed.
            position = tf.range(length)[None, :]
            if self.max_shift > 0:
                shift = self._uniform((batch, 1), 0.0, 1.0) * (self.max_shift * length + 1.0)
                position = position - tf.minimum(tf.floor(shift), length - 1.0)
            if self.speed > 0:
                position = position * self._uniform((batch, 1), 1 - self.speed, 1 + self.speed)
            waveforms = self._interpolate(waveforms, position, length)
        if self.noise_stddev > 0:
            stddev = self.noise_stddev * self._uniform((batch, 1), 0.0, 1.0)
            noise = keras.random.normal((batch, samples), seed=self.seed_generator)
            waveforms = waveforms + stddev * noise
        if len(inputs.shape) == 3:
            waveforms = waveforms[..., None]
        return tf.cast(waveforms, inputs.dtype)

    @staticmethod
    def _interpolate(waveforms, position, length):
        """Linear interpolation at `(batch, samples)` positions; zeros outside `[0, length-1]`."""
        inside = tf.logical_and(position >= 0.0, position <= length - 1.0)
        position = tf.clip_by_value(position, 0.0, length - 1.0)
        left = tf.floor(position)
        fraction = position - left
        left = tf.cast(left, tf.int32)
        right = tf.minimum(left + 1, tf.cast(length, tf.int32) - 1)
        before = tf.gather(waveforms, left, batch_dims=1)
        after = tf.gather(waveforms, right, batch_dims=1)
        values = before + fraction * (after - before)
        return tf.where(inside, values, tf.zeros_like(values))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "noise_stddev": self.noise_stddev,
            "max_shift": self.max_shift,
            "gain_db": self.gain_db,
            "speed": self.speed,
            "seed": self.seed,
        }
