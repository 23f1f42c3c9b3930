"""EfficientNet-Lite0 in Keras against the PyTorch original, on real Flickr8k photos.

Usage (PyTorch is needed for the reference only, never by the package):
    pip install torch==2.13.0 efficientnet-lite-pytorch==0.1.0
    python benchmarks/image_encoder_parity.py [--images 32]

Reads the first `--images` photos of the Flickr8k sample (its `images/` folder,
sorted by name), resized to 224x224 by `lstm_apps.data.images.read_images`, and
runs both models on the same uint8 pixels:

* Keras: `lstm_apps.models.efficientnet_lite.build_efficientnet_lite0`, with the
  weights converted from the bundled checkpoint (read without pickle code);
* PyTorch: `efficientnet_lite_pytorch.EfficientNet.from_name("efficientnet-lite0")`
  with `torch.load(..., weights_only=True)` of the same file, in eval mode.

Reports the largest absolute difference of the pooled 1280 features and of the
1000 logits, and the share of photos with the same top-1 class. It also scores
the two input scalings one could pick, `(x - 127) / 128` (the Lite models') and
the ImageNet mean and standard deviation (the PyTorch port's README), by the
mean top-1 probability of the PyTorch model, which is why the Keras model uses
the first. Writes benchmarks/results/image_encoder_parity.json.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from common import command_line, write_results

RESULTS = Path(__file__).parent / "results" / "image_encoder_parity.json"
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406]) * 255
IMAGENET_STD = np.array([0.229, 0.224, 0.225]) * 255


def _softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _torch_outputs(model, pixels, scaling):
    import torch

    x = pixels.astype("float64")
    x = (x - 127.0) / 128.0 if scaling == "lite" else (x - IMAGENET_MEAN) / IMAGENET_STD
    batch = torch.from_numpy(x.transpose(0, 3, 1, 2).astype("float32"))
    with torch.no_grad():
        grid = model.extract_features(batch)
        features = grid.mean(dim=(2, 3)).numpy()
        logits = model(batch).numpy()
    return features, logits


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=32)
    args = parser.parse_args()
    try:
        import torch
        from efficientnet_lite_pytorch import EfficientNet
    except ImportError:
        raise SystemExit(
            "This check needs the PyTorch original: "
            "pip install torch==2.13.0 efficientnet-lite-pytorch==0.1.0"
        ) from None

    from lstm_apps.data.flickr8k import load_flickr8k
    from lstm_apps.data.images import read_images
    from lstm_apps.models.efficientnet_lite import build_efficientnet_lite0, bundled_weights_file

    folder = load_flickr8k(None).folder / "images"
    paths = sorted(folder.glob("*.jpg"))[: args.images]
    pixels, kept, _ = read_images(paths, (224, 224), progress=False)

    reference = EfficientNet.from_name("efficientnet-lite0")
    state = torch.load(bundled_weights_file(), map_location="cpu", weights_only=True)
    reference.load_state_dict(state)
    reference.eval()

    pooled = build_efficientnet_lite0(output="avg")
    scores = build_efficientnet_lite0(output="logits")
    start = time.perf_counter()
    keras_features = pooled.predict(pixels.astype("float32"), batch_size=32, verbose=0)
    seconds_per_image = (time.perf_counter() - start) / len(pixels)
    keras_logits = scores.predict(pixels.astype("float32"), batch_size=32, verbose=0)
    torch_features, torch_logits = _torch_outputs(reference, pixels, "lite")
    _, torch_logits_imagenet = _torch_outputs(reference, pixels, "imagenet")

    same_top1 = np.argmax(keras_logits, 1) == np.argmax(torch_logits, 1)
    metrics = {
        "images": float(len(pixels)),
        "max_abs_feature_difference": float(np.abs(keras_features - torch_features).max()),
        "max_abs_logit_difference": float(np.abs(keras_logits - torch_logits).max()),
        "top1_agreement": float(same_top1.mean()),
        "mean_top1_probability_lite_scaling": float(_softmax(torch_logits).max(1).mean()),
        "mean_top1_probability_imagenet_scaling": float(
            _softmax(torch_logits_imagenet).max(1).mean()
        ),
        "keras_seconds_per_image": float(seconds_per_image),
    }
    for name, value in metrics.items():
        print(f"{name:42s} {value:.6g}")
    write_results(
        RESULTS,
        benchmark="image_encoder_parity",
        title="EfficientNet-Lite0: Keras conversion vs the PyTorch original on Flickr8k photos",
        command=command_line(),
        config={"images": len(pixels), "input": "224x224, read_images", "torch": torch.__version__},
        seeds=[0],
        runs=[{"variant": "efficientnet_lite0", "seed": 0, "metrics": metrics}],
        notes=[
            "Both models read the same uint8 pixels of the first photos of the Flickr8k sample.",
            "Top-1 classes per photo (Keras): " + ", ".join(map(str, np.argmax(keras_logits, 1))),
        ],
        extra={"files": [Path(p).name for p in kept]},
    )


if __name__ == "__main__":
    main()
