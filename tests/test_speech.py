"""The speech study: splits, learning on real recordings, CTC, streaming and export."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from lstm_apps.tasks.speech import ctc
from lstm_apps.tasks.speech import study as speech
from lstm_apps.tasks.speech.network import build_network
from lstm_apps.tasks.speech.streaming import DigitStreamer


@pytest.fixture(scope="module")
def official(shared_data):
    """The whole official split of the real FSDD recordings."""
    return speech.load_data(speech.Config())


def test_official_split_holds_recordings_0_to_4_of_every_digit_and_speaker(official):
    assert official.sizes() == {"train": 2430, "validation": 270, "test": 300}
    indices = {int(name.rsplit("_", 1)[1][:-4]) for name in official.names_test}
    assert indices == {0, 1, 2, 3, 4}
    assert np.bincount(official.y_test).tolist() == [30] * 10
    assert all(w.ndim == 2 and w.shape[1] == 1 and w.dtype == np.float32 for w in official.x_test)
    assert official.sample_rate == 8000 and np.abs(official.x_train[0]).max() <= 1.0


@pytest.mark.parametrize("speaker", ["theo", "yweweler"])
def test_speaker_protocol_keeps_the_test_voice_out_of_training(shared_data, speaker):
    config = speech.Config(protocol="speaker", test_speaker=speaker, max_recordings=400)
    data = speech.load_data(config)
    assert set(data.speakers_test) == {speaker}
    assert speaker not in set(data.speakers_train) | set(data.speakers_val)


def test_audio_is_resampled_to_the_model_rate(shared_data):
    data = speech.load_data(
        speech.Config(sample_rate=16000, max_recordings=40, validation_fraction=0.0)
    )
    low = speech.load_data(speech.Config(max_recordings=40, validation_fraction=0.0))
    ratio = len(data.x_test[0]) / len(low.x_test[0])
    assert ratio == pytest.approx(2.0, abs=0.01)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"task": "words"}, "task"),
        ({"protocol": "random"}, "protocol"),
        ({"test_speaker": "alice"}, "test_speaker"),
        ({"num_mfcc": 50, "num_mel_bins": 40}, "num_mfcc"),
        ({"task": "connected", "baseline": "minirocket"}, "baseline=none"),
        ({"digits_per_utterance": (5, 2)}, "fewest <= most"),
        ({"num_utterances": (10, 0, 5)}, "num_utterances"),
        ({"sample_rate": 100}, "sample_rate"),
    ],
)
def test_bad_settings_are_refused_with_the_value(changes, message):
    with pytest.raises(ValueError, match=message):
        speech.Config(**changes)


def test_network_learns_digits_from_raw_audio_and_beats_chance_by_far(official):
    """A small BiLSTM on a quarter of the training recordings, 8 epochs, on real audio."""
    config = speech.Config().replace(
        units=48,
        max_recordings=600,
        baseline="logreg",
        training={"max_epochs": 8, "initial_learn_rate": 0.004, "verbose": 0},
    )
    data = speech.load_data(config)
    run = speech.train(config, data)
    metrics = speech.evaluate(run)
    assert metrics["accuracy"] > 0.5, metrics
    assert metrics["baseline_logreg_accuracy"] > 0.6, metrics
    assert run.model.input_shape == (None, None, 1)  # the model reads waveforms


def test_augmentation_is_only_active_in_training(official):
    config = speech.Config.fast()
    model = build_network(config, 10, official.x_train[:40])
    wave = official.x_test[0][None]
    assert np.allclose(model(wave, training=False), model(wave, training=False))
    layer = model.get_layer("augment")
    assert not np.allclose(layer(wave, training=True), wave)


def test_digit_error_rate_counts_edits_over_reference_digits():
    refs = [np.array([1, 2, 3]), np.array([4, 5])]
    hyps = [np.array([1, 3]), np.array([4, 5, 6])]  # one deletion, one insertion
    assert ctc.digit_error_rate(refs, hyps) == pytest.approx(2 / 5)
    with pytest.raises(ValueError, match="One hypothesis per reference"):
        ctc.digit_error_rate(refs, hyps[:1])


def test_ctc_decoding_collapses_repeats_and_blanks():
    path = [0, 4, 4, 0, 6, 0, 6, 6, 0, 0]  # blank 3 3 blank 5 blank 5 5
    probabilities = np.full((len(path), 11), 0.01, "float32")
    probabilities[np.arange(len(path)), path] = 0.9
    assert ctc.decode([probabilities])[0].tolist() == [3, 5, 5]
    assert ctc.decode([probabilities], beam_width=4)[0].tolist() == [3, 5, 5]
    with pytest.raises(ValueError, match="beam_width"):
        ctc.decode([probabilities], beam_width=0)


def test_ctc_loss_is_lower_for_the_right_digits():
    path = [0, 4, 4, 0, 6, 0, 0]
    probabilities = np.full((1, len(path), 11), 0.01, "float32")
    probabilities[0, np.arange(len(path)), path] = 0.9
    right = float(ctc.ctc_loss(np.array([[4, 6, 0]]), probabilities)[0])
    wrong = float(ctc.ctc_loss(np.array([[4, 7, 0]]), probabilities)[0])
    assert right < 1.0 < wrong


@pytest.fixture(scope="module")
def connected_run(shared_data):
    keras.utils.set_random_seed(0)
    config = speech.Config.fast(task="connected", architecture="lstm", units=24)
    run = speech.train(config)
    return run


def test_connected_digits_train_with_ctc_and_decode_strings(connected_run):
    run = connected_run
    data = run.data
    assert all(2 <= len(label) <= 7 for label in data.y_test)
    assert run.model.output_shape[-1] == 11
    metrics = speech.evaluate(run)
    assert set(metrics) >= {"digit_error_rate", "digit_error_rate_greedy", "string_accuracy"}
    assert (
        np.isfinite(run.history["loss"]).all() and run.history["loss"][-1] < run.history["loss"][0]
    )
    predicted = speech.predict(run, data.x_test[:2])
    assert all(label.isdigit() or label == "" for label, _ in predicted)


def test_streaming_gives_the_offline_probabilities_hop_by_hop(connected_run):
    run = connected_run
    wave = run.data.x_test[0]
    offline = ctc.frame_probabilities(run.model, [wave])[0]
    streamer = DigitStreamer(run.model, backend="tensorflow")
    result = streamer.run(wave[:, 0])
    streamed = np.stack(result.probabilities)
    assert streamed.shape == offline.shape
    np.testing.assert_allclose(streamed, offline, atol=1e-4)
    # uneven chunks give the same frames
    streamer.reset()
    for chunk in np.array_split(wave[:, 0], 37):
        streamer.feed(chunk)
    np.testing.assert_allclose(np.stack(streamer.result.probabilities), offline, atol=1e-4)


def test_a_bidirectional_model_is_refused_for_streaming(official):
    model = build_network(speech.Config.fast(task="connected"), 11, official.x_train[:40])
    with pytest.raises(ValueError, match="bidirectional"):
        DigitStreamer(model)


def test_onnx_export_reads_raw_waveforms_like_keras(connected_run, tmp_path):
    """Features are matrix products inside the model, so ONNX runs it from samples."""
    from lstm_apps.data.sequences import pad_sequences
    from lstm_apps.deploy.export import export

    waves = pad_sequences(connected_run.data.x_test[:4])
    report = export(connected_run.model, tmp_path / "speech.onnx", "onnx", inputs=waves)
    assert report.max_abs_diff <= 1e-5 and report.input_shape[-1] == 1


def test_spec_augment_masks_runs_of_bands_and_frames_only_in_training():
    from lstm_apps.models.layers import SpecAugment

    x = np.ones((8, 40, 20), "float32")
    layer = SpecAugment(max_bands=4, max_frames=5, num_masks=1, seed=3)
    np.testing.assert_array_equal(layer(x), x)
    masked = np.asarray(layer(x, training=True)) == 0
    for example in masked:
        bands = np.flatnonzero(example.all(axis=0))  # features zeroed at every frame
        frames = np.flatnonzero(example.all(axis=1))  # frames zeroed in every feature
        assert len(bands) <= 4 and len(frames) <= 5
        for run in (bands, frames):  # each mask is one contiguous run
            assert len(run) == 0 or run[-1] - run[0] == len(run) - 1
    assert masked.any()
    with pytest.raises(ValueError, match="max_bands"):
        SpecAugment(max_bands=-1)


def test_centering_removes_each_recordings_mean_frame_and_a_channel_colouring(official):
    """Per-utterance mean normalization: a fixed filter (here a gain, a constant
    log-mel offset) on one recording leaves its centred frames unchanged."""
    from lstm_apps.models.layers import LogMelSpectrogram

    wave = official.x_test[3][:, 0]
    padded = np.concatenate([wave, np.zeros(800, "float32")])[None]
    layer = LogMelSpectrogram(center=True)
    frames = np.asarray(layer(padded))[0]
    real = layer.num_frames(len(wave))
    sound = np.any(frames != 0, axis=1)
    np.testing.assert_allclose(frames[sound].mean(axis=0), 0, atol=1e-4)
    assert sound[:real].all() and np.all(frames[real + 2 :] == 0)  # padding stays silent
    # 3x louder: every loud log-mel value rises by log 9 = 2.2; centred, it stays (bands
    # near the log floor move a little)
    plain = LogMelSpectrogram()
    shift = np.abs(np.asarray(plain(padded * 3.0)) - np.asarray(plain(padded)))[0, :real]
    moved = np.abs(np.asarray(layer(padded * 3.0))[0] - frames)[:real]
    assert np.median(shift) > 2.0 and np.median(moved) < 0.05, (np.median(shift), np.median(moved))
    with pytest.raises(ValueError, match="center=True"):
        layer.frame(wave[:200])


def test_a_connected_run_folder_predicts_a_digit_string_from_a_wav_file(tmp_path, capsys):
    from lstm_apps.cli import main

    run_dir = tmp_path / "run"
    argv = ["run", "speech", "--fast", "--set", "task=connected", "--set", "architecture=lstm"]
    assert main([*argv, "--set", "training.verbose=0", "--output", str(run_dir)]) == 0
    assert (run_dir / "figures" / "streaming.png").exists()
    capsys.readouterr()
    wav = tmp_path / "utterance.wav"
    from lstm_apps.data.audio import write_wav

    write_wav(wav, np.zeros(4000, "float32") + 0.01 * np.sin(np.arange(4000)), 8000)
    assert main(["predict", str(run_dir), str(wav)]) == 0
    header, line = capsys.readouterr().out.strip().splitlines()[:2]
    key, label, score = line.split("\t")
    assert key == "utterance.wav" and (label == "" or label.isdigit()) and float(score) > 0
