"""Audio files in and out: mono float32 waveforms in [-1, 1], resampled on request.

Reading goes through `soundfile` (libsndfile: WAV, FLAC, OGG/Vorbis, AIFF,
...); resampling through `soxr` (high-quality band-limited conversion).
Writing produces 16-bit PCM WAV files.
"""

from __future__ import annotations

import numbers
from pathlib import Path

import numpy as np
import soundfile
import soxr


def check_sample_rate(sample_rate, name="sample_rate") -> int:
    """`sample_rate` as an int, after checking it is a positive integer.

    Raises:
        ValueError: if `sample_rate` is not a positive integer (booleans
            included), naming the value received.
    """
    if (
        isinstance(sample_rate, bool)
        or not isinstance(sample_rate, numbers.Integral)
        or sample_rate <= 0
    ):
        raise ValueError(
            f"`{name}` must be a positive integer (Hz). Received: {name}={sample_rate!r}"
        )
    return int(sample_rate)


def _open(path: Path) -> soundfile.SoundFile:
    if not path.exists():
        raise FileNotFoundError(f"No such audio file: {path}")
    if not path.is_file():
        raise ValueError(f"Expected an audio file, not a folder. Received: {path}")
    if path.stat().st_size == 0:
        raise ValueError(f"The audio file {path} is empty (0 bytes).")
    try:
        return soundfile.SoundFile(path)
    except (soundfile.SoundFileError, RuntimeError) as error:
        reason = " ".join(str(error).split())
        raise ValueError(f"Cannot read {path} as audio: {reason}") from None


def audio_sample_rate(path) -> int:
    """The sample rate, in Hz, stored in an audio file.

    Raises:
        FileNotFoundError: if `path` does not exist.
        ValueError: if the file is empty or not audio that `soundfile` reads.
    """
    with _open(Path(path).expanduser()) as audio:
        return int(audio.samplerate)


def read_audio(path, sample_rate=None) -> np.ndarray:
    """Read an audio file as a mono float32 waveform in [-1, 1].

    Args:
        path: any file `soundfile` reads (WAV, FLAC, OGG, AIFF, ...).
        sample_rate: resample to this rate in Hz (with `soxr`) when it
            differs from the file's; default None keeps the file's rate (see
            `audio_sample_rate`).

    Returns:
        A float32 array of shape `(samples,)`. Several channels are averaged;
        values are clipped to [-1, 1] after resampling.

    Raises:
        FileNotFoundError: if `path` does not exist.
        ValueError: if `sample_rate` is not a positive integer; if the file
            is empty, holds no samples, or is not audio (the message names
            the file and `soundfile`'s reason).

    Example:

    >>> wave = read_audio("recordings/0_george_0.wav", sample_rate=16000)
    """
    if sample_rate is not None:
        sample_rate = check_sample_rate(sample_rate)
    path = Path(path).expanduser()
    with _open(path) as audio:
        rate = int(audio.samplerate)
        try:
            frames = audio.read(dtype="float32", always_2d=True)
        except (soundfile.SoundFileError, RuntimeError) as error:
            reason = " ".join(str(error).split())
            raise ValueError(f"Cannot read {path} as audio: {reason}") from None
    if frames.shape[0] == 0:
        raise ValueError(f"The audio file {path} holds no samples.")
    wave = frames.mean(axis=1, dtype=np.float32) if frames.shape[1] > 1 else frames[:, 0]
    if sample_rate is not None and sample_rate != rate:
        wave = soxr.resample(wave, rate, sample_rate)
    return np.clip(wave, -1.0, 1.0).astype(np.float32, copy=False)


def write_wav(path, waveform, sample_rate) -> Path:
    """Write a mono waveform as a 16-bit PCM WAV file.

    Args:
        path: the file to write; its folder is created if needed.
        waveform: shape `(samples,)`, values in [-1, 1] (beyond is clipped).
        sample_rate: in Hz, a positive integer.

    Returns:
        The path written.

    Raises:
        ValueError: if `waveform` is not a non-empty 1-D array of finite
            numbers, or `sample_rate` is not a positive integer.
    """
    sample_rate = check_sample_rate(sample_rate)
    wave = np.asarray(waveform, dtype=np.float32)
    if wave.ndim != 1 or wave.size == 0:
        raise ValueError(f"`waveform` must be a non-empty 1-D array. Received: shape {wave.shape}")
    if not np.isfinite(wave).all():
        raise ValueError("`waveform` must hold finite numbers. Received: NaN or infinity")
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(path, np.clip(wave, -1.0, 1.0), sample_rate, subtype="PCM_16", format="WAV")
    return path
