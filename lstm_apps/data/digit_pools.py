"""The handwritten digits behind the digit scenes and clips, split into pools.

The ink is real: scikit-learn's copy of the UCI handwritten digits
(`sklearn.datasets.load_digits`, 1,797 images of 8x8 pixels, grey levels
0-16, shipped with scikit-learn, no download). The images are split once,
per digit and with a fixed seed, into a "train" pool (60 %, 1,078 images)
and a "test" pool (40 %, 719 images), so scenes and clips drawn with
`split="test"` show handwriting that no training scene holds.

* `digit_pool` / `pool_indices`: the images of one pool.
* `number_word`: the Spanish words of a digit with its article.
* `draw_images`: one random pool image per requested digit.
* `check_size`: the `(height, width)` check shared by scenes and clips.
"""

from __future__ import annotations

import functools
from numbers import Integral

import numpy as np

from lstm_apps.checks import check_choice, check_positive

SPLITS = ("train", "test")
POOL_SEED = 0  # seed of the train/test split of the 1,797 images
TEST_FRACTION = 0.4  # share of each digit's images held out in the "test" pool
DIGIT_PIXELS = 8  # side of a source image; `scale` multiplies it

NUMBER_WORDS = ("cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve")
ARTICLES = ("un", "el")  # indefinite in scene captions, definite in clip captions


def check_size(name, value):
    """`value` as `(height, width)` ints if it is a pair of positive integers, else ValueError."""
    if (
        not isinstance(value, tuple | list)
        or len(value) != 2
        or any(isinstance(v, bool) or not isinstance(v, Integral) or v < 1 for v in value)
    ):
        raise ValueError(
            f"`{name}` must be (height, width), two positive integers. Received: {name}={value!r}"
        )
    return int(value[0]), int(value[1])


def number_word(digit, article="un") -> str:
    """The Spanish words for a digit with its article: `number_word(1)` is "un uno".

    Args:
        digit: 0-9.
        article: "un" (default, scene captions) or "el" (clip captions).

    Example:
        >>> number_word(4, article="el")
        'el cuatro'
    """
    if isinstance(digit, bool) or not isinstance(digit, Integral) or not 0 <= digit <= 9:
        raise ValueError(f"`digit` must be an integer from 0 to 9. Received: digit={digit!r}")
    check_choice("article", article, ARTICLES)
    return f"{article} {NUMBER_WORDS[digit]}"


@functools.cache
def _pools():
    from sklearn.datasets import load_digits

    data = load_digits()
    rng = np.random.default_rng(POOL_SEED)
    train, test = [], []
    for digit in range(10):
        index = rng.permutation(np.flatnonzero(data.target == digit))
        held_out = round(TEST_FRACTION * len(index))
        test.append(index[:held_out])
        train.append(index[held_out:])
    images = (data.images / 16.0).astype("float32")
    pools = {"train": np.sort(np.concatenate(train)), "test": np.sort(np.concatenate(test))}
    return images, data.target.astype("int64"), pools


def pool_indices(split) -> np.ndarray:
    """Indices into `load_digits()` of the images in the "train" or "test" pool, sorted."""
    check_choice("split", split, SPLITS)
    return _pools()[2][split].copy()


def digit_pool(split, *, scale=1):
    """The digit images of one pool, as `(images, labels)`.

    Args:
        split: "train" (1,078 images) or "test" (719 images); the two share
            no source image.
        scale: upscaling factor, default 1 (8x8). Pixels are repeated
            (nearest neighbour), so `scale=2` gives 16x16 images with the same
            blocky strokes.

    Returns:
        `images` `(n, 8 * scale, 8 * scale)` float32 in [0, 1] (grey level / 16)
        and `labels` `(n,)` int64, the digits 0-9, in `pool_indices(split)` order.

    Example:
        >>> images, labels = digit_pool("test", scale=2)
        >>> images.shape, labels.shape
        ((719, 16, 16), (719,))
    """
    scale = int(check_positive("scale", scale))
    images, labels, pools = _pools()
    index = pools[check_choice("split", split, SPLITS)]
    return images[index].repeat(scale, axis=1).repeat(scale, axis=2), labels[index]


def draw_images(rng, split, digits, scale):
    """One random pool image of each digit in `digits`, with its source index."""
    images, labels, pools = _pools()
    index = pools[split]
    chosen = np.array([rng.choice(index[labels[index] == d]) for d in digits], dtype="int64")
    return images[chosen].repeat(scale, axis=1).repeat(scale, axis=2), chosen
