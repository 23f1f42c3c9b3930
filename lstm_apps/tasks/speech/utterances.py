"""Spoken digit strings made from single-digit recordings, for sequence recognition.

`compose_utterances` joins a random number of recordings drawn from a pool
with random pauses and adds background noise at a random signal-to-noise
ratio; `long_recording` joins given recordings with fixed pauses, for a
streaming demo. Both record where each digit lies (`spans`), so alignment-free
(CTC) and aligned training can use the same items.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from lstm_apps.data.audio import check_sample_rate

NOISES = ("white", "pink")


@dataclass(frozen=True)
class Utterances:
    """Composed utterances: waveform, digit labels and digit spans of each item."""

    waveforms: list[np.ndarray]  # float32 arrays of shape (samples,), values in [-1, 1]
    labels: list[np.ndarray]  # int arrays of shape (digits,): the digits spoken, in order
    spans: list[np.ndarray]  # int arrays of shape (digits, 2): (start, end) sample of each digit
    sample_rate: int = 8000  # Hz

    def __len__(self) -> int:
        return len(self.waveforms)


def _check_pool(waveforms, digits) -> tuple[list[np.ndarray], np.ndarray]:
    if len(waveforms) != len(digits):
        raise ValueError(
            "`waveforms` and `digits` must have the same length. Received: "
            f"{len(waveforms)} waveforms and {len(digits)} digits"
        )
    if len(waveforms) == 0:
        raise ValueError("The pool of recordings is empty. Received: 0 waveforms")
    pool = [np.asarray(w, dtype=np.float32) for w in waveforms]
    for number, wave in enumerate(pool):
        if wave.ndim != 1 or wave.size == 0:
            raise ValueError(
                f"Each waveform must be a non-empty 1-D array. Received: waveforms[{number}] "
                f"of shape {wave.shape}"
            )
    labels = np.asarray(digits)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"`digits` must be a 1-D sequence of integers. Received: {labels!r:.80}")
    return pool, labels.astype(np.int64)


def _check_range(value, name, low=0.0) -> tuple[float, float]:
    try:
        first, last = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(
            f"`{name}` must be a pair (low, high). Received: {name}={value!r}"
        ) from None
    if not (low <= first <= last and np.isfinite(last)):
        raise ValueError(
            f"`{name}` must be a pair with {low} <= low <= high. Received: {name}={value!r}"
        )
    return first, last


def _check_count(value, name, minimum=1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}. Received: {name}={value!r}")
    return int(value)


def _noise(rng, size, kind) -> np.ndarray:
    """Unit-power Gaussian noise, white or pink (power falling as 1/f)."""
    white = rng.standard_normal(size)
    if kind == "white" or size < 2:
        return white
    spectrum = np.fft.rfft(white)
    frequencies = np.arange(spectrum.size, dtype=np.float64)
    frequencies[0] = 1.0
    pink = np.fft.irfft(spectrum / np.sqrt(frequencies), n=size)
    return pink / max(float(np.sqrt(np.mean(pink**2))), 1e-12)


def _join(pool, picks, gaps, rng, snr_db, noise) -> tuple[np.ndarray, np.ndarray]:
    """Recordings `picks` with `gaps[i]` zero samples before each and `gaps[-1]` after."""
    total = int(sum(pool[i].size for i in picks) + sum(gaps))
    wave = np.zeros(total, dtype=np.float64)
    spans = np.zeros((len(picks), 2), dtype=np.int64)
    start = 0
    for k, i in enumerate(picks):
        start += gaps[k]
        spans[k] = start, start + pool[i].size
        wave[start : start + pool[i].size] = pool[i]
        start += pool[i].size
    if snr_db is not None:
        speech_power = np.mean(np.concatenate([pool[i] for i in picks]).astype(np.float64) ** 2)
        scale = np.sqrt(speech_power / 10.0 ** (snr_db / 10.0))
        wave += scale * _noise(rng, total, noise)
    return np.clip(wave, -1.0, 1.0).astype(np.float32), spans


def compose_utterances(
    waveforms,
    digits,
    count,
    *,
    min_digits=2,
    max_digits=7,
    sample_rate=8000,
    pause=(0.05, 0.4),
    noise_snr_db=(10.0, 30.0),
    noise="white",
    seed=0,
) -> Utterances:
    """Random spoken digit strings built from a pool of single-digit recordings.

    Each utterance holds between `min_digits` and `max_digits` recordings,
    drawn at random with replacement, with a pause of random length before
    each, and one after the last. Gaussian noise is then added over the whole
    utterance at a random signal-to-noise ratio, measured against the mean
    power of the recordings (the speech, pauses left out). The result is
    deterministic from `seed`, and the first `n` utterances are the same for
    any `count >= n`.

    Args:
        waveforms: the pool, 1-D float arrays at `sample_rate` (e.g. from
            `read_audio`).
        digits: the digit of each recording, same length as `waveforms`.
        count: how many utterances to make, at least 1.
        min_digits: the fewest recordings in an utterance (default 2), >= 1.
        max_digits: the most (default 7), >= `min_digits`.
        sample_rate: in Hz (default 8000), to turn pauses into samples.
        pause: `(low, high)` seconds; each pause is uniform in it (default
            (0.05, 0.4)).
        noise_snr_db: `(low, high)` dB; each utterance's SNR is uniform in it
            (default (10.0, 30.0)); None adds no noise.
        noise: "white" (default) or "pink" (power falling as 1/f).
        seed: the random seed (default 0).

    Returns:
        `Utterances` of `count` items: float32 waveforms clipped to [-1, 1],
        labels, and the `(start, end)` samples of each recording.

    Raises:
        ValueError: for a bad argument, naming it and the value received.

    Example:

    >>> data = compose_utterances(waves, digits, count=100, seed=1)
    >>> data.labels[0], data.spans[0]
    """
    pool, labels = _check_pool(waveforms, digits)
    count = _check_count(count, "count")
    min_digits = _check_count(min_digits, "min_digits")
    max_digits = _check_count(max_digits, "max_digits")
    if min_digits > max_digits:
        raise ValueError(
            "`min_digits` must not exceed `max_digits`. Received: "
            f"min_digits={min_digits}, max_digits={max_digits}"
        )
    sample_rate = check_sample_rate(sample_rate)
    pause = _check_range(pause, "pause")
    snr = None if noise_snr_db is None else _check_range(noise_snr_db, "noise_snr_db", -np.inf)
    if noise not in NOISES:
        raise ValueError(f"`noise` must be one of {NOISES}. Received: noise={noise!r}")
    rng = np.random.default_rng(seed)
    result = Utterances([], [], [], sample_rate)
    for _ in range(count):
        size = int(rng.integers(min_digits, max_digits + 1))
        picks = rng.integers(0, len(pool), size=size)
        gaps = np.round(rng.uniform(*pause, size=size + 1) * sample_rate).astype(np.int64)
        snr_db = None if snr is None else float(rng.uniform(*snr))
        wave, spans = _join(pool, picks, gaps, rng, snr_db, noise)
        result.waveforms.append(wave)
        result.labels.append(labels[picks])
        result.spans.append(spans)
    return result


def long_recording(
    waveforms, digits, *, sample_rate=8000, pause=0.3, noise_snr_db=None, noise="white", seed=0
) -> Utterances:
    """The given recordings joined in order, with `pause` seconds before, between and after.

    Args:
        waveforms: the recordings, 1-D float arrays at `sample_rate`.
        digits: the digit of each, same length.
        sample_rate: in Hz (default 8000).
        pause: seconds of silence around each recording (default 0.3), >= 0.
        noise_snr_db: SNR in dB of added noise (see `compose_utterances`);
            default None adds none.
        noise: "white" (default) or "pink".
        seed: the seed of the noise (default 0); unused without noise.

    Returns:
        `Utterances` with one item.

    Raises:
        ValueError: for a bad argument, naming it and the value received.
    """
    pool, labels = _check_pool(waveforms, digits)
    sample_rate = check_sample_rate(sample_rate)
    if isinstance(pause, bool) or not isinstance(pause, numbers.Real) or not 0 <= pause < np.inf:
        raise ValueError(f"`pause` must be a number of seconds >= 0. Received: pause={pause!r}")
    if noise not in NOISES:
        raise ValueError(f"`noise` must be one of {NOISES}. Received: noise={noise!r}")
    snr_db = None
    if noise_snr_db is not None:
        snr_db = float(noise_snr_db)
        if not np.isfinite(snr_db):
            raise ValueError(
                f"`noise_snr_db` must be finite. Received: noise_snr_db={noise_snr_db!r}"
            )
    gaps = np.full(len(pool) + 1, round(float(pause) * sample_rate), dtype=np.int64)
    picks = np.arange(len(pool))
    rng = np.random.default_rng(seed)
    wave, spans = _join(pool, picks, gaps, rng, snr_db, noise)
    return Utterances([wave], [labels], [spans], sample_rate)
