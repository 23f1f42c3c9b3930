"""The `captioning` case study: digit scenes, Flickr8k, cached features, run folder and CLI."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from conftest import predicted_rows
from PIL import Image

from lstm_apps.cli import main
from lstm_apps.data import digit_media
from lstm_apps.data.sources import CACHE_DIR_ENV
from lstm_apps.models.image_encoders import build_image_encoder
from lstm_apps.models.seq2seq import source_encoder
from lstm_apps.tasks import captioning, parse_overrides, run_case_study
from lstm_apps.tasks.captioning import decoding
from lstm_apps.tasks.captioning import fit as cap
from lstm_apps.training import TrainingConfig, TrainingOptions


@pytest.fixture(scope="module")
def digit_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("captioning") / "run"
    changes = {"training": {"verbose": 0}, "length_penalty": 0.5}
    run = run_case_study("captioning", fast=True, output=folder, changes=changes)
    return run, folder


def test_fast_digit_run_writes_a_complete_folder(digit_run):
    run, folder = digit_run
    for name in ("config.json", "metrics.json", "model.keras", "history.csv"):
        assert (folder / name).exists(), name
    for name in ("training_progress.png", "captions.png"):
        assert (folder / "figures" / name).stat().st_size > 0
    metrics = json.loads((folder / "metrics.json").read_text())["test"]
    for key in ("bleu_1", "bleu_4", "exact_match", "greedy_bleu_4", "greedy_exact_match"):
        assert 0.0 <= metrics[key] <= 1.0
    assert metrics["test_sources"] == 60 and metrics["beam_width"] == 2
    assert metrics["length_penalty"] == 0.5  # the configured ranking reached the evaluation
    saved = json.loads((folder / "config.json").read_text())
    assert saved["class_names"][:4] == ["<pad>", "<unk>", "<start>", "<end>"]
    assert "izquierda" in saved["class_names"]
    assert len(run.pretraining_history["loss"]) == 1  # the word-spotting warm-up ran
    assert len(run.predictions.captions) == len(run.predictions.greedy) == 60


def test_sample_input_reads_back_and_predict_follows_the_config(digit_run, tmp_path):
    run, _ = digit_run
    path = captioning.sample_input(run, tmp_path)
    images = captioning.read_inputs(path, run.config)
    np.testing.assert_array_equal(images, run.data.x_test[:1])  # the same pixels come back
    vocabulary = captioning.vocabulary_of(run.class_names)
    for width, penalty in ((1, 0.0), (3, 0.5)):
        config = run.config.replace(beam_width=width, length_penalty=penalty)
        [(caption, probability)] = captioning.predict(replace(run, config=config), images)
        expected = decoding.generate(
            run.model, vocabulary, images, beam_width=width, length_penalty=penalty
        )
        assert caption == expected[0] and 0.0 <= probability <= 1.0


def test_old_names_warn_and_map_to_the_training_sections():
    with pytest.warns(FutureWarning, match="pretraining.max_epochs"):
        changes = parse_overrides(captioning.Config, ["pretrain_epochs=2"])
    assert changes == {"pretraining.max_epochs": 2}
    with pytest.warns(FutureWarning, match="training.initial_learn_rate"):
        config = captioning.Config().replace(initial_learn_rate=0.01, **changes)
    assert config.training.initial_learn_rate == 0.01 and config.pretraining.max_epochs == 2
    assert parse_overrides(captioning.Config, ["pretraining=None"]) == {"pretraining": None}


def test_a_run_without_word_spotting():
    config = captioning.Config.fast(
        num_scenes=(40, 10, 10), pretraining=None, training=dict(max_epochs=1, verbose=0)
    )
    run = captioning.train(config)
    assert run.pretraining_history == {} and len(run.history["loss"]) == 1


def test_predict_captions_an_image_file_and_a_folder(digit_run, tmp_path, capsys):
    _, folder = digit_run
    images, captions, _ = digit_media.digit_scenes(2, split="test", seed=7)
    for i, image in enumerate(images):
        Image.fromarray(np.uint8(image[..., 0] * 255)).save(tmp_path / f"scene{i}.png")
    assert main(["predict", str(folder), str(tmp_path / "scene0.png")]) == 0
    rows = predicted_rows(capsys.readouterr().out)
    assert main(["predict", str(folder), str(tmp_path), "--beam-width", "1"]) == 0
    rows += predicted_rows(capsys.readouterr().out)
    assert [key for key, _, _ in rows] == ["scene0.png", "scene0.png", "scene1.png"]
    for _, caption, probability in rows:
        assert set(caption.split()) <= set(digit_media.SCENE_WORDS) | {"<unk>"}
        assert 0.0 <= float(probability) <= 1.0  # a 2-epoch model's captions are unlikely
    assert main(["predict", str(folder), str(tmp_path / "scene0.png"), "--beam-width", "0"]) == 2
    assert "beam_width=0" in capsys.readouterr().err
    assert main(["predict", str(folder), str(tmp_path / "none.png")]) == 2


def test_encoder_learns_to_spot_the_words_of_real_scenes():
    """Word spotting, the encoder's first lesson, improves on scenes it was not fit on."""
    config = captioning.Config().replace(num_scenes=(1000, 300, 10), training=dict(verbose=0))
    data = captioning.load_data(config)
    model = captioning.build_model(config, data)
    history = cap.pretrain_encoder(
        source_encoder(model),
        data.x_train,
        data.y_train,
        captioning.vocabulary_of(data),
        TrainingOptions(max_epochs=4, mini_batch_size=64, shuffle="every-epoch", verbose=0),
        validation=(data.x_val, data.y_val),
    ).history
    assert history["val_loss"][-1] < 0.85 * history["val_loss"][0], history["val_loss"]


def test_fast_flickr8k_run_on_the_shared_sample(shared_data, tmp_path, monkeypatch):
    """The default encoder on photos is EfficientNet-Lite0, its features computed once."""
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "cache"))
    config = captioning.Config.fast(
        data="flickr8k", max_images=30, min_word_count=2, training=dict(verbose=0)
    )
    assert config.encoder_name == "efficientnet_lite0" and config.pretrained_weights == "imagenet"
    data = captioning.load_data(config)
    assert data.sizes() == {"train": 30, "validation": 30, "test": 30}
    assert data.skipped_images == {"train": [], "dev": [], "test": []}
    assert len(data.test_names) == 30 and data.test_names[0].endswith(".jpg")
    assert data.test_images.shape == (30, 64, 64, 3) and data.test_images.dtype == np.uint8
    assert all(len(refs) == 5 for refs in data.y_test)
    assert data.x_train.shape == (30, 1280) and data.x_train.dtype == np.float32
    assert len(list((tmp_path / "cache" / "features").glob("efficientnet_lite0-avg-*.npz"))) == 3
    run = captioning.train(config, data)
    assert run.pretraining_history == {}  # a pretrained encoder needs no word spotting
    metrics = captioning.evaluate(run)
    assert all(np.isfinite(v) for v in metrics.values())
    assert metrics["test_sources"] == 30
    assert 0 < metrics["distinct_captions"] <= 1 and 0 <= metrics["own_captions"] <= 1


def test_attention_run_on_photos_writes_its_maps(shared_data, tmp_path, capsys):
    """decoder="attention": cached grids, a saved model that decodes, and the attention maps."""
    folder = tmp_path / "run"
    changes = dict(data="flickr8k", decoder="attention", max_images=12, training=dict(verbose=0))
    run = run_case_study("captioning", fast=True, output=folder, changes=changes)
    assert run.data.x_train.shape == (12, 2, 2, 1280)  # 64x64 photos: a 2x2 grid
    assert {"bleu_4", "own_captions"} <= set(run.metrics)
    for i in (1, 2, 3):
        assert (folder / "figures" / f"attention_{i}.png").stat().st_size > 5_000
    photo = shared_data / "flickr8k" / "images" / run.data.test_names[0]
    assert main(["predict", str(folder), str(photo)]) == 0  # reads the photo, encodes, decodes
    ((name, caption, probability),) = predicted_rows(capsys.readouterr().out)
    assert name == photo.name and caption and 0.0 <= float(probability) <= 1.0


def test_fine_tuning_trains_the_last_encoder_block(shared_data):
    config = captioning.Config.fast(
        data="flickr8k", max_images=8, fine_tune_blocks=1, training=dict(verbose=0)
    )
    data = captioning.load_data(config)
    assert data.x_train.shape == (8, 64, 64, 3)  # images: the encoder runs every epoch
    model = captioning.build_model(config, data)
    encoder = source_encoder(model)
    before = {w.path: w.numpy().copy() for w in encoder.weights}
    cap.train_captioner(
        model,
        *cap.caption_pairs(data.x_train, data.y_train, captioning.vocabulary_of(data)),
        TrainingOptions(max_epochs=1, mini_batch_size=8, verbose=0),
    )
    changed = {w.path for w in encoder.weights if not np.array_equal(before[w.path], w.numpy())}
    assert changed and all(p.startswith(("block15_", "head_")) for p in changed)


def test_pretrained_encoder_features_are_cached(shared_data, tmp_path, monkeypatch):
    """A keras.applications encoder loads a local weights file; its features are cached once."""
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "cache"))
    weights = tmp_path / "mobilenet.weights.h5"
    build_image_encoder("mobilenet_v3_small", input_shape=(32, 32, 3)).save_weights(weights)
    config = captioning.Config.fast(
        data="flickr8k",
        encoder="mobilenet_v3_small",
        encoder_weights=str(weights),
        image_size=32,
        max_images=6,
        training=dict(verbose=0),
    )
    data = captioning.load_data(config)
    assert data.x_train.shape == (6, 576) and data.test_images.shape == (6, 32, 32, 3)
    cached = sorted((tmp_path / "cache" / "features").glob("*.npz"))
    assert len(cached) == 3
    stamps = [p.stat().st_mtime_ns for p in cached]
    again = captioning.load_data(config)
    assert [p.stat().st_mtime_ns for p in cached] == stamps
    np.testing.assert_array_equal(again.x_test, data.x_test)
    model = captioning.build_model(config, data)
    assert model.inputs[0].shape == (None, 576)


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(data="coco"), "data"),
        (dict(encoder="mobilenet_v3_small"), "Digit scenes"),
        (dict(encoder_weights="w.h5"), "pretrained encoder"),
        (dict(encoder="small_cnn", data="flickr8k", decoder="attention"), "attention"),
        (dict(data="flickr8k", decoder="attention", fine_tune_blocks=1), "attention"),
        (dict(data="flickr8k", encoder="mobilenet_v3_small", fine_tune_blocks=1), "fine_tune"),
        (dict(data="flickr8k", fine_tune_blocks=17), "16 blocks"),
        (dict(data="flickr8k", decoder="transformer"), "decoder"),
        (dict(beam_width=0), "beam_width"),
        (dict(length_penalty=-0.5), "length_penalty"),
        (dict(num_scenes=(10, 0, 5)), "num_scenes"),
        (dict(image_size=16), "image_size"),
        (dict(training=TrainingConfig(l2_regularization=1e-4)), "training.l2_regularization"),
        (dict(pretraining=TrainingConfig(loss="mae")), "pretraining.loss"),
    ],
)
def test_config_refuses_bad_settings(changes, message):
    with pytest.raises(ValueError, match=message):
        captioning.Config(**changes)


def test_reading_a_grey_image_for_an_rgb_run_converts_it(tmp_path):
    Image.fromarray(np.full((20, 30), 128, np.uint8)).save(tmp_path / "grey.png")
    config = captioning.Config(data="flickr8k", encoder="small_cnn", image_size=32)
    images = captioning.read_inputs(tmp_path / "grey.png", config)
    assert np.shape(images) == (1, 32, 32, 3)
