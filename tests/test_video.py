"""The `video` case study: frame masking, per-frame CNN + LSTM, digit clips and video folders."""

from __future__ import annotations

import json
from dataclasses import replace

import imageio.v3 as iio
import keras
import numpy as np
import pytest
from conftest import predicted_rows

from lstm_apps.cli import main
from lstm_apps.data import digit_media
from lstm_apps.data.sources import CACHE_DIR_ENV
from lstm_apps.data.text import WordVocabulary
from lstm_apps.models.convolutional import build_video_classifier, build_video_encoder
from lstm_apps.models.image_encoders import build_image_encoder
from lstm_apps.models.layers import FrameMask
from lstm_apps.tasks import parse_overrides, run_case_study, video
from lstm_apps.tasks.captioning import decoding
from lstm_apps.tasks.captioning import fit as captioning
from lstm_apps.tasks.video import features, warmup
from lstm_apps.training import TrainingConfig, TrainingOptions


def _classifier(cell="lstm", bidirectional=False):
    frames = build_image_encoder("small_cnn", input_shape=(32, 32, 1), num_features=8)
    encoder = build_video_encoder(frames, units=6, cell=cell, bidirectional=bidirectional)
    return build_video_classifier(encoder, num_classes=3)


def test_frame_mask_marks_the_blank_padding():
    clips = np.zeros((2, 4, 3, 3, 1), "float32")
    clips[0, :3, 1, 1] = 1.0
    clips[1, 0, 0, 0] = 1.0
    mask = keras.ops.convert_to_numpy(FrameMask()(clips))
    assert mask.tolist() == [[True, True, True, False], [True, False, False, False]]


@pytest.mark.parametrize("cell, bidirectional", [("lstm", False), ("gru", True)])
def test_padding_frames_change_nothing_in_any_call_path(cell, bidirectional, tmp_path):
    keras.utils.set_random_seed(0)
    model = _classifier(cell, bidirectional)
    clip = np.random.default_rng(0).integers(1, 255, (5, 32, 32, 1)).astype("float32")
    padded = np.concatenate([clip, np.zeros((4, 32, 32, 1), "float32")])
    eager = keras.ops.convert_to_numpy(model(clip[None]))
    # predict traces for one length, then relaxes its shapes for another: both must agree
    for batch in (padded[None], clip[None], padded[None]):
        np.testing.assert_allclose(model.predict(batch, verbose=0), eager, atol=1e-6)
    model.save(tmp_path / "video.keras")
    loaded = keras.models.load_model(tmp_path / "video.keras")
    np.testing.assert_allclose(loaded.predict(padded[None], verbose=0), eager, atol=1e-6)


def test_builders_refuse_bad_arguments():
    with pytest.raises(TypeError, match="frame_encoder"):
        build_video_encoder("cnn")
    frames = build_image_encoder("small_cnn", input_shape=(32, 32, 1), num_features=4)
    with pytest.raises(ValueError, match="units=0"):
        build_video_encoder(frames, units=0)
    with pytest.raises(ValueError, match="num_classes=1"):
        build_video_classifier(build_video_encoder(frames, units=2), num_classes=1)


@pytest.mark.parametrize("head", ["classify", "caption"])
def test_fast_digit_clip_runs(head, tmp_path):
    folder = tmp_path / head
    changes = {"head": head, "training": {"verbose": 0}}
    run = run_case_study("video", fast=True, output=folder, changes=changes)
    metrics = json.loads((folder / "metrics.json").read_text())["test"]
    assert metrics["test_clips"] == 16
    assert len(run.warmup_history["loss"]) == 1  # the single-frame warm-up ran
    assert (folder / "figures" / "frames.png").stat().st_size > 0
    # the first test clip, written as frames, reads back as it was
    clip = video.read_inputs(video.sample_input(run, tmp_path), run.config)
    length = run.data.test_lengths[0]
    np.testing.assert_array_equal(clip, run.data.x_test[:1, :length])
    [(prediction, probability)] = video.predict(run, clip)
    assert 0 < probability <= 1
    if head == "classify":
        assert 0 <= metrics["accuracy"] <= 1
        assert (folder / "figures" / "confusion_matrix.png").exists()
        assert run.data.class_names[:2] == ["0-up", "0-down"]
        assert run.pretraining_history == {}  # word spotting is for captions only
        assert prediction == run.class_names[np.argmax(run.predictions[0])]
    else:
        assert 0 <= metrics["bleu_4"] <= 1 and 0 <= metrics["exact_match"] <= 1
        assert "gira" in run.data.class_names
        assert len(run.pretraining_history["loss"]) == 1
        vocabulary = WordVocabulary.from_words(run.class_names)
        for width in (1, 3):  # predict takes the beam width from run.config
            config = run.config.replace(beam_width=width)
            [(caption, _)] = video.predict(replace(run, config=config), clip)
            assert caption == decoding.generate(run.model, vocabulary, clip, beam_width=width)[0]


def test_single_frame_warm_up_teaches_the_frame_cnn_inside_the_clip_model():
    """Real digit clips: the warm-up trains the very CNN the clip model holds, on real frames."""
    clips = digit_media.digit_clips(600, seed=0)
    x, _ = digit_media.pad_clips(clips.frames)
    x = np.round(x * 255).astype("uint8")
    digits = clips.digits
    keras.utils.set_random_seed(0)
    frames = build_image_encoder(
        "small_cnn", input_shape=(32, 32, 1), num_features=32, filters=(16, 32), pooling="flatten"
    )
    model = build_video_classifier(build_video_encoder(frames, units=6), num_classes=10)
    assert warmup.frame_encoder(model) is frames
    before = [w.copy() for w in frames.get_weights()]
    options = TrainingOptions(
        max_epochs=5, mini_batch_size=64, initial_learn_rate=2e-3, shuffle="every-epoch", verbose=0
    )
    history = warmup.warm_up_frames(
        frames,
        x[:500],
        digits[:500],
        options,
        frames_per_clip=8,
        validation=(x[500:], digits[500:]),
    )
    assert len(history.history["loss"]) == 5
    assert history.history["val_accuracy"][-1] > 0.5  # 10 digits: chance is 0.1 (seen: 0.73)
    changed = [
        not np.allclose(a, b)
        for a, b in zip(
            before, model.get_layer("video_encoder").get_layer("frames").layer.get_weights()
        )
    ]
    assert all(changed)


def test_an_interrupted_run_resumes_without_warming_up_again(tmp_path):
    backup = tmp_path / "backup"
    config = video.Config.fast(training=dict(verbose=0, max_epochs=3, checkpoint_dir=str(backup)))
    data = video.load_data(config)
    model = video.build_model(config, data)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")

    class Crash(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise RuntimeError("simulated crash")

    with pytest.raises(RuntimeError, match="simulated crash"):
        model.fit(
            data.x_train,
            np.asarray(data.y_train),
            epochs=3,
            callbacks=[keras.callbacks.BackupAndRestore(str(backup)), Crash()],
            verbose=0,
        )
    assert captioning.resuming(TrainingOptions(checkpoint_dir=backup))
    run = video.train(config, data)
    assert run.warmup_history == {}  # the backup's weights replace any warm-up
    assert len(run.history["loss"]) == 1  # epochs 0 and 1 were done: only epoch 2 is left
    assert not captioning.resuming(TrainingOptions(checkpoint_dir=backup))  # emptied at the end
    assert not captioning.resuming(TrainingOptions(checkpoint_dir=tmp_path / "none"))


def test_real_frames_skips_the_padding():
    clips = np.zeros((2, 3, 4, 4, 1), "uint8")
    clips[0, :2, 0, 0] = 5
    clips[1, 0, 3, 3] = 1
    assert warmup.real_frames(clips).tolist() == [[True, True, False], [True, False, False]]


def _write_folder(root):
    """Two classes of tiny clips: a bright square moving right or down, as .mp4, .avi, PNGs."""
    rng = np.random.default_rng(0)
    for label, (dy, dx) in (("derecha", (0, 2)), ("abajo", (2, 0))):
        (root / label).mkdir(parents=True)
        for i in range(8):
            frames = np.zeros((10, 32, 32, 3), "uint8")
            y, x = rng.integers(2, 8, 2)
            for t in range(10):
                frames[t, y + dy * t : y + dy * t + 6, x + dx * t : x + dx * t + 6] = 255
            if i < 6:
                codec, ext = ("libx264", "mp4") if i % 2 else ("mjpeg", "avi")
                iio.imwrite(root / label / f"clip{i}.{ext}", frames, fps=10, codec=codec)
            else:
                (root / label / f"frames{i}").mkdir()
                for t, frame in enumerate(frames):
                    iio.imwrite(root / label / f"frames{i}" / f"{t:03d}.png", frame)
    (root / "abajo" / "broken.mp4").write_bytes(b"not a video")


def test_a_folder_of_videos_trains_and_predicts_through_the_cli(tmp_path, capsys):
    root = tmp_path / "videos"
    _write_folder(root)
    out = tmp_path / "run"
    args = ["run", "video", "--fast", "--output", str(out)]
    sets = [f"data_path='{root}'", "video_frames=6", "test_fraction=0.25", "training.verbose=0"]
    assert main([*args, *(a for s in sets for a in ("--set", s))]) == 0
    capsys.readouterr()
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["sizes"]["test"] == 4 and metrics["sizes"]["train"] == 10
    assert json.loads((out / "config.json").read_text())["class_names"] == ["abajo", "derecha"]
    assert main(["predict", str(out), str(root / "derecha" / "clip1.mp4")]) == 0
    ((key, label, probability),) = predicted_rows(capsys.readouterr().out)
    assert key == "clip1.mp4" and label in ("abajo", "derecha") and 0 < float(probability) <= 1


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(head="regress"), "head"),
        (dict(head="caption", data_path="videos"), "has labels, not captions"),
        (dict(architecture="transformer"), "architecture"),
        (dict(num_clips=(5, 5)), "num_clips"),
        (dict(beam_width=0), "beam_width"),
        (dict(length_penalty="long"), "length_penalty"),
        (dict(warmup_frames=0), "warmup_frames"),
        (dict(test_fraction=0.7), "test_fraction"),
        (dict(warmup=TrainingConfig(l2_regularization=0.1)), "warmup.l2_regularization"),
        (dict(training=TrainingConfig(sequence_length="shortest")), "training.sequence_length"),
        (dict(frame_encoder="resnet50"), "frame_encoder='resnet50'"),
        (dict(frame_encoder="efficientnet_lite0", frame_size=16), "at least 32.*frame_size=16"),
        (dict(frame_encoder="efficientnet_lite0", encoder_size=16), "encoder_size=16"),
        (dict(encoder_size=64), "frame_encoder='small_cnn', encoder_size=64"),
        (dict(frame_size=0), "frame_size=0"),
    ],
)
def test_config_refuses_bad_settings(changes, message):
    with pytest.raises(ValueError, match=message):
        video.Config(**changes)
    with pytest.raises(TypeError, match="`warmup` must be a TrainingConfig or None"):
        video.Config(warmup=10)


def test_pretrained_frame_features_zero_the_padding_and_take_small_grey_frames():
    config = video.Config(frame_encoder="efficientnet_lite0", frame_size=16, encoder_size=32)
    encoder = features.frame_model(config)
    assert encoder.input_shape == (None, 16, 16, 3)  # resized to 32x32 inside
    clips = np.random.default_rng(0).integers(1, 255, (2, 3, 16, 16, 1)).astype("uint8")
    clips[1, 2] = 0  # the second clip has two real frames and one of padding
    encoded = features.encode_clips(encoder, clips)
    assert encoded.shape == (2, 3, 1280) and encoded.dtype == np.float32
    assert not encoded[1, 2].any() and encoded[:, :2].any(axis=-1).all()
    rgb = features.encode_clips(encoder, np.repeat(clips[:1], 3, axis=-1))
    np.testing.assert_allclose(encoded[:1], rgb, atol=1e-5)  # grey frames go in as RGB
    mask = keras.ops.convert_to_numpy(FrameMask()(encoded))
    assert mask.tolist() == [[True, True, True], [True, True, False]]


def test_pretrained_frame_encoder_run_caches_features_and_predicts_a_video(
    tmp_path, monkeypatch, capsys
):
    """EfficientNet-Lite0 frames: encoded once and cached; `evaluate` and `predict` work."""
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "cache"))
    root = tmp_path / "videos"
    _write_folder(root)
    config = video.Config.fast(
        data_path=str(root),
        frame_encoder="efficientnet_lite0",
        frame_size=16,  # resized to 32 for the encoder, the size the test above built
        encoder_size=32,
        video_frames=6,
        test_fraction=0.25,
        training=dict(verbose=0),
    )
    out = tmp_path / "run"
    run = run_case_study("video", config, output=out)
    assert run.warmup_history == {}  # nothing to warm up: the encoder is pretrained and frozen
    assert run.data.x_train.shape == (10, 6, 1280)
    assert run.data.test_clips.shape[1:] == (6, 16, 16, 3)
    assert 0 <= json.loads((out / "metrics.json").read_text())["test"]["accuracy"] <= 1
    [cache] = (tmp_path / "cache" / "features").glob("video-efficientnet_lite0-32px-*.npz")
    assert run.data.feature_cache == str(cache)
    stamp = cache.stat().st_mtime_ns

    def refuse(batch):
        raise AssertionError("the frames were encoded again")

    with monkeypatch.context() as patch:  # a second load reads the cache: no encoding
        patch.setattr(features.frame_model(config), "predict_on_batch", refuse)
        data = video.load_data(config)
    assert cache.stat().st_mtime_ns == stamp
    np.testing.assert_array_equal(data.x_test, run.data.x_test)
    # pixels or their features: the same prediction
    from_pixels = video.predict(run, data.test_clips[:2])
    from_features = video.predict(run, data.x_test[:2])
    assert [c for c, _ in from_pixels] == [c for c, _ in from_features]
    np.testing.assert_allclose([p for _, p in from_pixels], [p for _, p in from_features], 1e-4)
    assert main(["predict", str(out), str(root / "derecha" / "clip1.mp4")]) == 0
    ((key, label, probability),) = predicted_rows(capsys.readouterr().out)
    assert key == "clip1.mp4" and label in ("abajo", "derecha") and 0 < probability <= 1


def test_old_names_warn_and_map_to_the_warm_up_sections():
    with pytest.warns(FutureWarning) as caught:
        changes = parse_overrides(video.Config, ["warmup_epochs=2", "pretrain_epochs=1"])
    assert [str(w.message).split("`")[3] for w in caught] == [
        "warmup.max_epochs",
        "pretraining.max_epochs",
    ]
    config = video.Config().replace(**changes)
    assert (config.warmup.max_epochs, config.pretraining.max_epochs) == (2, 1)
    assert config.warmup.mini_batch_size == 64  # the rest of the section keeps its defaults
    assert video.Config().replace(**parse_overrides(video.Config, ["warmup=None"])).warmup is None
