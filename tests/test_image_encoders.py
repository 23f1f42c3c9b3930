"""Image encoders: shapes and names, local weight files, the feature cache."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from lstm_apps.models.image_encoders import ENCODERS, build_image_encoder, image_features

SHAPE = (32, 32, 3)  # the smallest input the applications accept: fast
WIDTHS = {
    "small_cnn": 256, "mobilenet_v3_small": 576, "efficientnet_b0": 1280, "efficientnet_lite0": 1280
}  # fmt: skip


def _images(n=5, seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=(n, *SHAPE), dtype=np.uint8)


@pytest.fixture(scope="module")
def small():
    keras.utils.set_random_seed(1)
    return build_image_encoder("small_cnn", input_shape=SHAPE, num_features=16)


@pytest.mark.parametrize("name", ENCODERS)
def test_each_encoder_maps_images_to_a_vector(name):
    encoder = build_image_encoder(name, input_shape=SHAPE)
    assert encoder.name == f"{name}_encoder"
    assert encoder.output_shape == (None, WIDTHS[name])
    features = image_features(encoder, _images(3), batch_size=2, progress=False)
    assert features.shape == (3, WIDTHS[name]) and features.dtype == np.float32
    assert np.isfinite(features).all()
    # trained from scratch vs a frozen feature extractor by default
    assert bool(encoder.trainable_weights) == (name == "small_cnn")


def test_projection_and_trainable_backbone():
    encoder = build_image_encoder(
        "mobilenet_v3_small", input_shape=SHAPE, num_features=8, trainable=True
    )
    assert encoder.output_shape == (None, 8) and encoder.get_layer("projection")
    assert len(encoder.trainable_weights) > 2


def test_small_cnn_fit_save_load(small, tmp_path):
    model = keras.Sequential([small, keras.layers.Dense(2, name="head")])
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(_images(8), np.arange(8) % 2, epochs=1, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    restored = keras.models.load_model(path)
    np.testing.assert_allclose(
        restored.predict(_images(4), verbose=0),
        model.predict(_images(4), verbose=0),
        rtol=1e-5,
        atol=1e-6,
    )


@pytest.mark.parametrize("name", ["small_cnn", "mobilenet_v3_small"])
def test_weights_from_a_local_file(name, tmp_path):
    keras.utils.set_random_seed(1)
    saved = build_image_encoder(name, input_shape=SHAPE)
    path = tmp_path / f"{name}.weights.h5"
    saved.save_weights(path)
    keras.utils.set_random_seed(2)
    fresh = build_image_encoder(name, input_shape=SHAPE)
    loaded = build_image_encoder(name, input_shape=SHAPE, weights=str(path))
    for mine, theirs in zip(loaded.get_weights(), saved.get_weights()):
        np.testing.assert_array_equal(mine, theirs)
    assert not all(np.array_equal(a, b) for a, b in zip(fresh.get_weights(), saved.get_weights()))
    images = _images(2).astype("float32")
    expected = saved.predict(images, verbose=0)  # random MobileNet features are tiny: rtol only
    np.testing.assert_allclose(loaded.predict(images, verbose=0), expected, rtol=1e-4, atol=0)
    assert not np.allclose(fresh.predict(images, verbose=0), expected, rtol=1e-3, atol=0)


def test_bad_arguments():
    with pytest.raises(ValueError, match="`name` must be one of .* Received: name='resnet'"):
        build_image_encoder("resnet")
    with pytest.raises(FileNotFoundError, match="Received: weights='/no/such.weights.h5'"):
        build_image_encoder("efficientnet_b0", input_shape=SHAPE, weights="/no/such.weights.h5")
    with pytest.raises(ValueError, match="`weights='imagenet'` needs a pretrained encoder"):
        build_image_encoder("small_cnn", weights="imagenet")
    with pytest.raises(ValueError, match=r"Received: input_shape=\(16, 16, 3\)"):
        build_image_encoder("small_cnn", input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match="Received: num_features=0"):
        build_image_encoder("small_cnn", num_features=0)
    with pytest.raises(ValueError, match=r"Received: filters=\(16, 0\)"):
        build_image_encoder("small_cnn", filters=(16, 0))


def test_small_cnn_filters_set_its_blocks():
    encoder = build_image_encoder(
        "small_cnn", input_shape=(32, 32, 1), num_features=8, filters=(4, 6), pooling="flatten"
    )
    convs = [layer for layer in encoder.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [conv.filters for conv in convs] == [4, 6]
    assert encoder.get_layer("flatten").output.shape[-1] == 8 * 8 * 6  # two 2x2 poolings of 32


def test_feature_cache_reuses_and_recomputes(small, tmp_path, monkeypatch):
    images, names = _images(5), [f"img_{i}.jpg" for i in range(5)]
    cache = tmp_path / "features.npz"
    first = image_features(
        small, images, batch_size=2, cache=cache, key_parts=names, progress=False
    )
    assert first.shape == (5, 16) and cache.is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["features.npz"]  # no temporary file left
    stamp = cache.stat().st_mtime_ns

    calls = []
    original = small.predict_on_batch

    def counting(batch):
        calls.append(len(batch))
        return original(batch)

    monkeypatch.setattr(small, "predict_on_batch", counting)
    again = image_features(small, images, cache=cache, key_parts=names, progress=False)
    np.testing.assert_array_equal(again, first)
    assert calls == [] and cache.stat().st_mtime_ns == stamp

    renamed = image_features(small, images, cache=cache, key_parts=names[::-1], progress=False)
    assert calls == [5]  # another key: recomputed and stored
    np.testing.assert_allclose(renamed, first, rtol=1e-5, atol=1e-6)
    image_features(small, images, cache=cache, key_parts=names[::-1], progress=False)
    assert calls == [5]

    # without key_parts the pixels are the key
    image_features(small, images, cache=cache, progress=False)
    changed = images.copy()
    changed[0, 0, 0, 0] ^= 1
    image_features(small, changed, cache=cache, progress=False)
    assert calls == [5, 5, 5]


def test_feature_cache_follows_the_weights(tmp_path):
    cache = tmp_path / "f.npz"
    keras.utils.set_random_seed(1)
    one = build_image_encoder("small_cnn", input_shape=SHAPE, num_features=4)
    keras.utils.set_random_seed(2)
    two = build_image_encoder("small_cnn", input_shape=SHAPE, num_features=4)
    a = image_features(one, _images(2), cache=cache, key_parts=["x", "y"], progress=False)
    b = image_features(two, _images(2), cache=cache, key_parts=["x", "y"], progress=False)
    np.testing.assert_allclose(
        b, two.predict(_images(2).astype("float32"), verbose=0), rtol=1e-5, atol=1e-6
    )
    assert not np.allclose(a, b)
    with pytest.raises(ValueError, match="`cache` must be an .npz file"):
        image_features(one, _images(2), cache=tmp_path / "f.npy")
    with pytest.raises(ValueError, match=r"Received: shape=\(32, 32, 3\)"):
        image_features(one, _images(1)[0])
