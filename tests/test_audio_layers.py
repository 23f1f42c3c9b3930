"""The audio layers: LogMelSpectrogram (and its NumPy twin) and WaveAugment."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import soundfile
import tensorflow as tf
from conftest import real_file

from lstm_apps.models.layers import LogMelSpectrogram, WaveAugment

RATE = 8000


def tone(hertz, samples=4000, rate=RATE):
    return np.sin(2 * np.pi * hertz * np.arange(samples) / rate).astype("float32")


def zero_crossings(signal):
    return int(np.sum(np.signbit(signal[1:]) != np.signbit(signal[:-1])))


@pytest.mark.parametrize(
    "shape, frames",
    [((2, 1000), 11), ((2, 1000, 1), 11), ((2, 50), 1), ((3, 200, 1), 1), ((1, 279), 1)],
)
def test_log_mel_shapes(shape, frames):
    layer = LogMelSpectrogram()
    outputs = layer(np.random.default_rng(0).normal(size=shape).astype("float32"))
    assert outputs.shape == (shape[0], frames, 40)
    assert tuple(layer.compute_output_shape(shape)) == (shape[0], frames, 40)
    assert tuple(layer.compute_output_shape((None, None, 1))) == (None, None, 40)
    assert not layer.weights


@pytest.mark.parametrize("samples", [200, 279, 280, 1000, 1999, 8000])
def test_frame_count_formula(samples):
    layer = LogMelSpectrogram()
    expected = 1 + (samples - 200) // 80
    assert layer.num_frames(samples) == expected
    assert layer(np.zeros((1, samples), "float32")).shape[1] == expected


def test_pure_tone_peaks_in_its_mel_bin():
    layer = LogMelSpectrogram()
    # Centres of tf's mel bands: equally spaced in mel between the edges.
    mel = lambda hertz: 1127.0 * np.log1p(np.asarray(hertz) / 700.0)
    edges = np.linspace(mel(20.0), mel(RATE / 2), 40 + 2)
    hertz_of = lambda m: 700.0 * np.expm1(m / 1127.0)
    for band in (8, 20, 30):
        features = np.asarray(layer(tone(hertz_of(edges[band + 1]))[None]))[0]
        energy = features.mean(axis=0)
        assert int(np.argmax(energy)) == band
        assert energy[band] - np.median(energy) > 5.0  # far above the other bands (log units)


def test_mfcc_shape_and_argument():
    layer = LogMelSpectrogram(num_mfcc=13)
    assert layer(np.zeros((2, 1000, 1), "float32")).shape == (2, 11, 13)
    assert layer.get_config()["num_mfcc"] == 13


@pytest.mark.parametrize("num_mfcc", [None, 13])
def test_frame_matches_layer_on_real_recording(shared_data, num_mfcc):
    path = real_file(shared_data, "fsdd/recordings/3_theo_7.wav")
    waveform, rate = soundfile.read(path, dtype="float32")
    assert rate == RATE
    layer = LogMelSpectrogram(num_mfcc=num_mfcc)
    features = np.asarray(layer(waveform[None]))[0]
    assert features.shape[0] == layer.num_frames(len(waveform))
    twins = np.stack(
        [layer.frame(waveform[i * 80 : i * 80 + 200]) for i in range(features.shape[0])]
    )
    assert twins.dtype == np.float32
    np.testing.assert_allclose(twins, features, atol=1e-4, rtol=0)


def test_frame_rejects_wrong_window():
    with pytest.raises(ValueError, match="frame_length=200 samples. Received: window.shape"):
        LogMelSpectrogram().frame(np.zeros(199, "float32"))


def tiny_model(seed=0):
    inputs = keras.Input((None, 1), name="waveform")
    x = WaveAugment(seed=seed, name="augment")(inputs)
    x = LogMelSpectrogram(name="log_mel")(x)
    x = keras.layers.GlobalAveragePooling1D(name="pool")(x)
    outputs = keras.layers.Dense(10, name="head")(x)
    return keras.Model(inputs, outputs, name="tiny_speech")


def test_keras_round_trip(tmp_path):
    model = tiny_model()
    waveforms = np.random.default_rng(1).normal(scale=0.1, size=(3, 1500, 1)).astype("float32")
    path = tmp_path / "speech.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded.get_layer("augment"), WaveAugment)
    assert loaded.get_layer("log_mel").get_config() == model.get_layer("log_mel").get_config()
    np.testing.assert_array_equal(loaded.predict(waveforms, verbose=0), model(waveforms))


@pytest.mark.parametrize("shape", [(4, 2000), (4, 2000, 1)])
def test_augment_identity_at_inference_changes_in_training(shape):
    layer = WaveAugment(seed=3)
    waveforms = np.random.default_rng(2).normal(scale=0.1, size=shape).astype("float32")
    np.testing.assert_array_equal(layer(waveforms), waveforms)
    np.testing.assert_array_equal(layer(waveforms, training=False), waveforms)
    augmented = layer(waveforms, training=True)
    assert augmented.shape == shape and augmented.dtype == tf.float32
    assert np.abs(np.asarray(augmented) - waveforms).max() > 1e-3


def test_speed_keeps_length_and_scales_zero_crossings():
    layer = WaveAugment(noise_stddev=0, max_shift=0, gain_db=0, speed=0.2, seed=7)
    samples = 4000
    waveforms = np.tile(tone(301.0, samples)[None, :, None], (8, 1, 1))
    augmented = np.asarray(layer(waveforms, training=True))[..., 0]
    assert augmented.shape == (8, samples)
    head = samples * 3 // 4  # inside every resampled clip, for speeds down to 0.75
    ratios = np.array(
        [zero_crossings(row[:head]) / zero_crossings(waveforms[0, :head, 0]) for row in augmented]
    )
    assert np.all((ratios > 0.78) & (ratios < 1.22)), ratios
    assert ratios.std() > 0.02, ratios
    for ratio, row in zip(ratios, augmented):
        # A faster clip ends early, followed by zeros; a slower one is cropped.
        zeros_at_end = samples - 1 - int(np.flatnonzero(row)[-1])
        expected = samples * (1 - 1 / ratio) if ratio > 1 else 0
        assert abs(zeros_at_end - expected) < samples * 0.02 + 5, (ratio, zeros_at_end)


def test_shift_delays_onset():
    layer = WaveAugment(noise_stddev=0, max_shift=0.5, gain_db=0, speed=0, seed=5)
    samples = 1000
    waveforms = np.tile((0.5 + tone(200.0, samples) / 4)[None], (8, 1))
    augmented = np.asarray(layer(waveforms, training=True))
    delays = [int(np.flatnonzero(row)[0]) for row in augmented]
    assert max(delays) > 0 and max(delays) <= samples // 2, delays
    for delay, row in zip(delays, augmented):
        np.testing.assert_allclose(row[delay:], waveforms[0, : samples - delay], atol=1e-6)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"frame_length": 0}, "`frame_length` must be a positive integer. Received"),
        ({"frame_length": 300}, "at most `fft_length`. Received: frame_length=300"),
        ({"frame_step": 250}, "at most `frame_length`.*Received: frame_step=250"),
        ({"upper_edge_hertz": 5000.0}, r"`upper_edge_hertz` must be in \(0, 4000.0\]"),
        ({"lower_edge_hertz": 4000.0}, r"`lower_edge_hertz` must be in \[0, 4000.0\)"),
        ({"num_mfcc": 0}, "`num_mfcc` must be an integer of at least 1"),
        ({"num_mfcc": 41}, "at most `num_mel_bins`. Received: num_mfcc=41"),
        ({"log_floor": 0.0}, "`log_floor` must be a positive number"),
    ],
)
def test_log_mel_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        LogMelSpectrogram(**kwargs)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"speed": 0.5}, r"`speed` must be in \[0, 0.5\). Received: speed=0.5"),
        ({"max_shift": 1.0}, r"`max_shift` must be in \[0, 1\)"),
        ({"gain_db": -1.0}, r"`gain_db` must be in \[0, inf\). Received: gain_db=-1.0"),
        ({"noise_stddev": -0.1}, "`noise_stddev` must be in"),
        ({"seed": "x"}, "`seed` must be an integer"),
    ],
)
def test_augment_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        WaveAugment(**kwargs)


def test_fit_on_variable_length_batches():
    rng = np.random.default_rng(4)
    clips = [rng.normal(scale=0.1, size=(int(n), 1)).astype("float32") for n in [150, 900, 400]]
    clips += [rng.normal(scale=0.1, size=(int(n), 1)).astype("float32") for n in [1200] * 5]
    labels = rng.integers(0, 10, size=len(clips))
    dataset = tf.data.Dataset.from_generator(
        lambda: zip(clips, labels),
        output_signature=(
            tf.TensorSpec((None, 1), tf.float32),
            tf.TensorSpec((), tf.int64),
        ),
    )
    dataset = dataset.apply(tf.data.experimental.assert_cardinality(len(clips))).padded_batch(3)
    model = tiny_model(seed=1)
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(dataset, epochs=1, shuffle=False, verbose=0)
    assert np.isfinite(history.history["loss"][0])
