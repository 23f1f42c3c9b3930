"""EfficientNet-Lite0: the safe checkpoint reader, the conversion, and the encoder built on it."""

from __future__ import annotations

import io
import pickle
import struct
import sys
import types
import zipfile

import numpy as np
import pytest

from lstm_apps.data.sources import CACHE_DIR_ENV
from lstm_apps.models import efficientnet_lite as lite
from lstm_apps.models.image_encoders import build_image_encoder
from lstm_apps.models.torch_checkpoint import LEGACY_MAGIC, read_state_dict

DOG_CLASSES = range(151, 269)  # ImageNet's dog breeds


@pytest.fixture(scope="module")
def state():
    return read_state_dict(lite.bundled_weights_file())


def test_the_bundled_checkpoint_reads_without_torch(state):
    assert len(state) == 296
    assert state["_conv_stem.weight"].shape == (32, 3, 3, 3)
    assert state["_fc.weight"].shape == (1000, 1280) and state["_fc.weight"].dtype == np.float32
    assert all(np.isfinite(v).all() for v in state.values())
    # every tensor of the file lands in a Keras layer (the counters excepted)
    used = {k for k in state if not k.endswith("num_batches_tracked")}
    placed = sum(len(v) for v in lite.keras_weights(state).values())
    assert placed == len(used)


class _Payload:
    """A pickle that would run `os.system` when loaded by a plain unpickler."""

    def __reduce__(self):
        import os

        return (os.system, ("touch should-not-exist",))


def _legacy_file(path, obj):
    with open(path, "wb") as handle:
        for part in (LEGACY_MAGIC, 1001, {"little_endian": True}, obj, []):
            pickle.dump(part, handle, protocol=2)
    return path


def test_the_reader_runs_no_code_from_the_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = _legacy_file(tmp_path / "evil.pth", {"weight": _Payload()})
    with pytest.raises(pickle.UnpicklingError, match="posix.system|os.system"):
        read_state_dict(path)
    assert not (tmp_path / "should-not-exist").exists()


def test_the_reader_refuses_other_formats_and_cut_files(tmp_path, state):
    with zipfile.ZipFile(tmp_path / "new.pth", "w") as archive:
        archive.writestr("archive/data.pkl", b"")
    with pytest.raises(ValueError, match="zip-format"):
        read_state_dict(tmp_path / "new.pth")
    (tmp_path / "plain.pth").write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(ValueError, match="not a legacy torch.save file"):
        read_state_dict(tmp_path / "plain.pth")
    whole = lite.bundled_weights_file().read_bytes()
    (tmp_path / "cut.pth").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ValueError, match="ends"):
        read_state_dict(tmp_path / "cut.pth")
    with pytest.raises(FileNotFoundError):
        read_state_dict(tmp_path / "missing.pth")


def test_a_storage_read_back_keeps_offsets_and_strides(tmp_path, monkeypatch):
    """A hand-made legacy file: a transposed view into a storage, at an offset, comes back right.

    Stand-in `torch` modules let pickle write the same global names torch.save writes.
    """
    torch, utils = types.ModuleType("torch"), types.ModuleType("torch._utils")

    class FloatStorage:
        pass

    def _rebuild_tensor_v2(*args):
        raise AssertionError("never called: the reader resolves the name itself")

    FloatStorage.__module__, FloatStorage.__qualname__ = "torch", "FloatStorage"
    _rebuild_tensor_v2.__module__ = "torch._utils"
    _rebuild_tensor_v2.__qualname__ = "_rebuild_tensor_v2"
    torch.FloatStorage, utils._rebuild_tensor_v2 = FloatStorage, _rebuild_tensor_v2
    monkeypatch.setitem(sys.modules, "torch", torch)
    monkeypatch.setitem(sys.modules, "torch._utils", utils)
    storage = FloatStorage()

    class Tensor:
        def __reduce__(self):  # offset 2, shape (2, 3), strides (1, 2): a transposed view
            return (_rebuild_tensor_v2, (storage, 2, (2, 3), (1, 2), False, {}))

    class Pickler(pickle.Pickler):
        def persistent_id(self, obj):
            if obj is storage:
                return ("storage", FloatStorage, "0", "cpu", 12)
            return None

    buffer = io.BytesIO()
    for part in (LEGACY_MAGIC, 1001, {}):
        pickle.dump(part, buffer, protocol=2)
    Pickler(buffer, protocol=2).dump({"t": Tensor()})
    pickle.dump(["0"], buffer, protocol=2)
    buffer.write(struct.pack("<q", 12) + np.arange(12, dtype="float32").tobytes())
    (tmp_path / "view.pth").write_bytes(buffer.getvalue())
    tensor = read_state_dict(tmp_path / "view.pth")["t"]
    np.testing.assert_array_equal(tensor, np.arange(2, 8, dtype="float32").reshape(3, 2).T)


@pytest.fixture(scope="module")
def dog_photos(shared_data):
    from lstm_apps.data.flickr8k import load_flickr8k
    from lstm_apps.data.images import read_images

    data = load_flickr8k(shared_data / "flickr8k")
    names = sorted(
        n for n, caps in data.captions.items() if all(" dog " in f" {c.lower()} " for c in caps)
    )[:12]
    images, kept, _ = read_images(data.image_paths(names), (224, 224), progress=False)
    assert len(kept) == 12
    return images


def test_converted_weights_see_dogs_in_real_photos(dog_photos, tmp_path, monkeypatch):
    """Twelve Flickr8k photos whose five captions all say "dog": most top-1 classes are dogs.

    A wrong transposition or scaling gives scattered classes; the exact comparison
    with the PyTorch original (features within 1e-5) is benchmarks/image_encoder_parity.py.
    """
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "cache"))
    model = lite.build_efficientnet_lite0(output="logits")
    cached = list((tmp_path / "cache" / "encoders").glob("*.weights.h5"))
    assert len(cached) == 1 and not list(cached[0].parent.glob(".*"))
    stamp = cached[0].stat().st_mtime_ns
    top1 = np.argmax(model.predict(dog_photos.astype("float32"), verbose=0), axis=1)
    assert np.isin(top1, DOG_CLASSES).sum() >= 9, top1
    # a second build reuses the converted file
    lite.build_efficientnet_lite0(input_shape=(64, 64, 3))
    assert cached[0].stat().st_mtime_ns == stamp


def test_encoder_outputs_and_fine_tuning():
    pooled = build_image_encoder("efficientnet_lite0", input_shape=(64, 64, 3), weights="imagenet")
    assert pooled.output_shape == (None, 1280) and not pooled.trainable_weights
    grid = build_image_encoder("efficientnet_lite0", input_shape=(224, 224, 3), pooling="grid")
    assert grid.output_shape == (None, 7, 7, 1280)
    tuned = build_image_encoder("efficientnet_lite0", input_shape=(64, 64, 3), trainable=2)
    names = {w.path.split("/")[0] for w in tuned.trainable_weights}
    assert names == {
        "block14_expand_conv", "block14_depthwise_conv", "block14_project_conv",
        "block15_expand_conv", "block15_depthwise_conv", "block15_project_conv", "head_conv",
    }  # fmt: skip
    projected = build_image_encoder("efficientnet_lite0", input_shape=(64, 64, 3), num_features=8)
    assert projected.output_shape == (None, 8)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(input_shape=(16, 16, 3)), ValueError, "input_shape"),
        (dict(input_shape=(64, 64, 1)), ValueError, "input_shape"),
        (dict(output="max"), ValueError, "output"),
        (dict(trainable_blocks=17), ValueError, "at most 16"),
        (dict(trainable_blocks=-1), ValueError, "trainable_blocks"),
        (dict(weights="nowhere.weights.h5"), FileNotFoundError, "nowhere"),
    ],
)
def test_bad_arguments_are_refused(kwargs, error, message):
    with pytest.raises(error, match=message):
        lite.build_efficientnet_lite0(**kwargs)


def test_pooling_must_suit_the_encoder():
    with pytest.raises(ValueError, match="grid"):
        build_image_encoder("small_cnn", input_shape=(64, 64, 3), pooling="grid")
    with pytest.raises(ValueError, match="flatten"):
        build_image_encoder("efficientnet_lite0", input_shape=(64, 64, 3), pooling="flatten")


def test_a_changed_checkpoint_is_refused(monkeypatch):
    monkeypatch.setattr(lite, "WEIGHTS_SHA256", "0" * 64)
    with pytest.raises(ValueError, match="not the checked EfficientNet-Lite0 checkpoint"):
        lite.bundled_weights_file()
