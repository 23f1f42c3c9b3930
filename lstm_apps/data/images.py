"""Reading image files into uint8 arrays for convolutional networks.

`read_image` reads one file with Pillow, converts whatever mode it holds
(grayscale, RGBA, palette, CMYK, 16-bit) to 1 or 3 channels and resizes it
(bilinear). `read_images` reads a list into one `(N, H, W, C)` array, skips
or raises on files it cannot read, and reports what it skipped and how many
images it had to convert.

Transparent images (RGBA, LA, palette with transparency) are composited over
white before the alpha channel is dropped, so transparent areas do not turn
black. 16-bit grayscale is scaled to 8 bits (65535 -> 255).
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm.auto import tqdm

log = logging.getLogger(__name__)

CHANNELS = (1, 3)
ON_ERROR = ("skip", "raise")
PROGRESS_MIN = 100  # show a progress bar from this many images on
_TARGET_MODE = {1: "L", 3: "RGB"}
_SIXTEEN_BIT = ("I", "I;16", "I;16B", "I;16L", "I;16N")


def _check_size(size) -> tuple[int, int]:
    try:
        height, width = (int(v) for v in size)
        valid = height > 0 and width > 0 and tuple(size) == (height, width)
    except (TypeError, ValueError):
        valid = False
    if not valid:
        raise ValueError(
            f"`size` must be (height, width), two positive integers. Received: size={size!r}"
        )
    return height, width


def _check_channels(channels) -> int:
    if channels not in CHANNELS:
        raise ValueError(f"`channels` must be 1 or 3. Received: channels={channels!r}")
    return channels


def _to_mode(image: Image.Image, mode: str) -> Image.Image:
    """Convert to "L" or "RGB", compositing transparency over white first."""
    if image.mode == mode:
        return image
    if image.mode in _SIXTEEN_BIT:
        values = np.asarray(image, dtype="float64") / 257.0
        image = Image.fromarray(np.clip(np.rint(values), 0, 255).astype("uint8"), "L")
    elif image.mode == "F":
        image = Image.fromarray(np.clip(np.asarray(image), 0, 255).astype("uint8"), "L")
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        image.mode == "P" and "transparency" in image.info
    )
    if has_alpha:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    return image.convert(mode)


def _read(path, size, channels) -> tuple[np.ndarray, str]:
    """The image at `path` as `(H, W, channels)` uint8, and the mode it was stored in."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No such image file: {path}")
    height, width = size
    try:
        with Image.open(path) as image:
            image.load()
            mode = image.mode
            converted = _to_mode(image, _TARGET_MODE[channels])
            resized = converted.resize((width, height), Image.Resampling.BILINEAR)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise ValueError(f"Cannot read the image {path}: {error}") from error
    array = np.asarray(resized, dtype="uint8")
    return array.reshape(height, width, channels), mode


def read_image(path, size=(224, 224), channels=3) -> np.ndarray:
    """Read one image file as a uint8 array of a fixed size.

    Args:
        path: the image file (any format Pillow reads: JPEG, PNG, ...).
        size: `(height, width)` of the result; default (224, 224). The image
            is resized with bilinear interpolation, without keeping its
            aspect ratio.
        channels: 3 (RGB, default) or 1 (grayscale). Any stored mode is
            converted; transparency is composited over white.

    Returns:
        A `(height, width, channels)` uint8 array.

    Raises:
        FileNotFoundError: if `path` does not exist.
        ValueError: for a bad `size` or `channels`, or a file that is not a
            readable image (corrupt, truncated, not an image); the message
            names the file.

    Example:

    >>> pixels = read_image("photo.jpg", size=(128, 128))  # doctest: +SKIP
    >>> pixels.shape, pixels.dtype
    ((128, 128, 3), dtype('uint8'))
    """
    array, _ = _read(path, _check_size(size), _check_channels(channels))
    return array


def read_images(paths, size=(224, 224), channels=3, *, on_error="skip", progress=True):
    """Read many image files into one uint8 array.

    Args:
        paths: image file paths.
        size: `(height, width)` of every image; default (224, 224).
        channels: 3 (RGB, default) or 1 (grayscale).
        on_error: "skip" (default) leaves out files that cannot be read and
            logs a warning with their count and first few names; "raise"
            raises at the first one.
        progress: show a tqdm progress bar (from `PROGRESS_MIN` images on).

    Returns:
        `(images, kept, skipped)`: a `(N, height, width, channels)` uint8
        array, the `N` paths it holds in order, and a list of
        `(path, reason)` for every file left out. How many images were
        converted from another mode (e.g. grayscale or RGBA to RGB) is logged
        at info level.

    Raises:
        ValueError: for a bad `size`, `channels` or `on_error`, and, with
            `on_error="raise"`, for an unreadable image.
        FileNotFoundError: with `on_error="raise"`, for a missing file.
    """
    size = _check_size(size)
    channels = _check_channels(channels)
    if on_error not in ON_ERROR:
        raise ValueError(f"`on_error` must be one of {ON_ERROR}. Received: on_error={on_error!r}")
    paths = list(paths)
    arrays, kept, skipped, modes = [], [], [], Counter()
    bar = tqdm(paths, desc="Reading images", disable=not progress or len(paths) < PROGRESS_MIN)
    for path in bar:
        try:
            array, mode = _read(path, size, channels)
        except (ValueError, OSError) as error:
            if on_error == "raise":
                raise
            skipped.append((path, str(error)))
            continue
        arrays.append(array)
        kept.append(path)
        modes[mode] += 1
    if skipped:
        names = ", ".join(Path(p).name for p, _ in skipped[:5])
        more = f" and {len(skipped) - 5} more" if len(skipped) > 5 else ""
        log.warning(
            "Skipped %d of %d images that could not be read: %s%s",
            len(skipped),
            len(paths),
            names,
            more,
        )
    target = _TARGET_MODE[channels]
    converted = {mode: n for mode, n in modes.items() if mode != target}
    if converted:
        log.info(
            "Converted %d of %d images to %d channel(s); stored modes: %s",
            sum(converted.values()),
            len(kept),
            channels,
            converted,
        )
    images = np.stack(arrays) if arrays else np.zeros((0, *size, channels), "uint8")
    return images, kept, skipped
