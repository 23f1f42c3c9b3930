"""Captioned scenes of 2 or 3 real handwritten digits (`digit_scenes`).

Each scene places digits from a pool of `lstm_apps.data.digit_pools` on a
blank canvas and describes their layout in Spanish ("un tres a la izquierda
de un siete"), for a CNN encoder and an LSTM caption decoder. Captions are
lowercase words separated by single spaces, so `caption.split()` gives the
tokens (the comma is a token of its own); the generator never makes a
layout whose relation or order a viewer could get wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral

import numpy as np

from lstm_apps.checks import check_choice, check_positive
from lstm_apps.data.digit_pools import (
    DIGIT_PIXELS,
    NUMBER_WORDS,
    SPLITS,
    check_size,
    draw_images,
    number_word,
)
from lstm_apps.models.size import check_memory

GAP = 2  # least number of blank pixels between two digits of a scene
SCENE_BYTES = 1000  # a scene's caption and layout, beside its float32 pixels

RELATIONS = ("left_of", "above", "row")  # layouts of a scene (see `SceneLayout`)

SCENE_WORDS = tuple(
    sorted({"un", "a", "la", "izquierda", "de", "encima", ",", "y", "derecha", *NUMBER_WORDS})
)


@dataclass(frozen=True)
class SceneLayout:
    """Where the digits of one scene are, in caption order."""

    digits: tuple  # the digits, left to right ("left_of", "row") or top to bottom ("above")
    boxes: tuple  # one (top, left, bottom, right) per digit, in pixels; bottom and right exclusive
    relation: str  # "left_of" (2 side by side), "above" (2 stacked) or "row" (3 side by side)
    sources: tuple  # indices into `load_digits()` of the images drawn


def scene_caption(digits, relation) -> str:
    """The caption of a scene: digits in caption order and one of `RELATIONS`.

    Example:
        >>> scene_caption((1, 5, 8), "row")
        'un uno , un cinco y un ocho de izquierda a derecha'
    """
    check_choice("relation", relation, RELATIONS)
    words = [number_word(d) for d in digits]
    if len(words) != (3 if relation == "row" else 2):
        raise ValueError(
            f"A {relation!r} scene needs {3 if relation == 'row' else 2} digits. "
            f"Received: digits={tuple(digits)!r}"
        )
    if relation == "left_of":
        return f"{words[0]} a la izquierda de {words[1]}"
    if relation == "above":
        return f"{words[0]} encima de {words[1]}"
    return f"{words[0]} , {words[1]} y {words[2]} de izquierda a derecha"


def _pair(rng, side, along_room, across_room):
    """Two corners (along, across): apart by >= side + GAP along, and by <= half that across."""
    step = int(rng.integers(side + GAP, along_room + 1))
    start = int(rng.integers(0, along_room - step + 1))
    shift_max = min(step // 2, across_room)
    shift = int(rng.integers(-shift_max, shift_max + 1))
    across = int(rng.integers(max(0, -shift), across_room - max(0, shift) + 1))
    return [(start, across), (start + step, across + shift)]


def _row(rng, side, x_room, y_room):
    """Three top-left corners (top, left), left to right, each pair laid out as in `_pair`."""
    slack = x_room - 2 * (side + GAP)
    cuts = np.sort(rng.integers(0, slack + 1, 3))
    lefts = [int(cuts[k]) + k * (side + GAP) for k in range(3)]
    tops = [int(rng.integers(0, y_room + 1))]
    for k in (1, 2):
        reach = (lefts[k] - lefts[k - 1]) // 2
        tops.append(int(rng.integers(max(0, tops[-1] - reach), min(y_room, tops[-1] + reach) + 1)))
    return list(zip(tops, lefts))


def _check_num_digits(num_digits):
    counts = (num_digits,) if isinstance(num_digits, Integral) else num_digits
    if (
        not isinstance(counts, tuple | list)
        or not counts
        or any(isinstance(c, bool) or c not in (2, 3) for c in counts)
    ):
        raise ValueError(
            f"`num_digits` must be 2, 3 or a tuple of them. Received: num_digits={num_digits!r}"
        )
    return tuple(int(c) for c in counts)


def digit_scenes(num_scenes, *, split="train", num_digits=(2, 3), canvas=(40, 64), scale=2, seed=0):
    """Scenes of 2 or 3 handwritten digits with a Spanish caption of their layout.

    Each scene draws its number of digits from `num_digits`, each digit
    uniformly from 0-9 (repeats allowed) and its image from the `split` pool.
    A pair is side by side or stacked with equal chance; three digits are
    always side by side. With (dy, dx) the offset between two digits' corners:

    * side by side ("left_of", "row"): the boxes are at least `GAP` = 2 pixels
      apart horizontally and |dy| <= |dx| / 2;
    * stacked ("above"): at least 2 pixels apart vertically and |dx| <= |dy| / 2.

    The diagonal band in between is never drawn, so no layout is a near tie,
    and the caption names the digits in reading order (left to right, or top
    to bottom), so it is a deterministic function of the image:

    * "un A a la izquierda de un B" (A left of B),
    * "un A encima de un B" (A above B),
    * "un A , un B y un C de izquierda a derecha".

    Args:
        num_scenes: number of scenes, at least 1.
        split: "train" (default) or "test", the pool the images come from.
        num_digits: 2, 3, or a tuple of the counts to draw from, default (2, 3).
        canvas: (height, width), default (40, 64). Pairs need at least
            2 * side + 2 on both sides (to stack them), three in a row a width
            of 3 * side + 4, where side = 8 * scale.
        scale: upscaling factor of the 8x8 digits (nearest neighbour),
            default 2 (16x16 digits).
        seed: an int (default 0), a `numpy.random.Generator` or None.

    Returns:
        `(images, captions, layouts)`: `(num_scenes, height, width, 1)` float32
        in [0, 1] on a black (0) background, a list of caption strings and a
        list of `SceneLayout`.

    Raises:
        ValueError: for a bad count, split or scale, a canvas too small, or
            scenes that would take more than half of the free memory.

    Example:
        >>> images, captions, layouts = digit_scenes(2, seed=0)
        >>> images.shape
        (2, 40, 64, 1)
    """
    num_scenes = int(check_positive("num_scenes", num_scenes))
    check_choice("split", split, SPLITS)
    counts = _check_num_digits(num_digits)
    height, width = check_size("canvas", canvas)
    side = DIGIT_PIXELS * int(check_positive("scale", scale))
    pair, row = 2 * side + GAP, 3 * side + 2 * GAP
    need = (pair if 2 in counts else side, row if 3 in counts else pair)
    if height < need[0] or width < need[1]:
        raise ValueError(
            f"`canvas` is too small for digits of {side} pixels: it needs at least "
            f"{need[0]}x{need[1]} (height x width) for num_digits={counts}. "
            f"Received: canvas={canvas!r}"
        )
    check_memory(
        num_scenes * (4 * height * width + SCENE_BYTES),
        what="digit scenes",
        sizes=dict(num_scenes=num_scenes, canvas=canvas),
    )
    rng = np.random.default_rng(seed)
    images = np.zeros((num_scenes, height, width, 1), dtype="float32")
    captions, layouts = [], []
    for i in range(num_scenes):
        count = counts[int(rng.integers(len(counts)))]
        if count == 3:
            relation, corners = "row", _row(rng, side, width - side, height - side)
        elif rng.random() < 0.5:
            relation = "left_of"
            corners = [(y, x) for x, y in _pair(rng, side, width - side, height - side)]
        else:
            relation, corners = "above", _pair(rng, side, height - side, width - side)
        digits = tuple(int(d) for d in rng.integers(0, 10, count))
        pictures, sources = draw_images(rng, split, digits, scale)
        for picture, (top, left) in zip(pictures, corners):
            images[i, top : top + side, left : left + side, 0] = picture
        boxes = tuple((top, left, top + side, left + side) for top, left in corners)
        captions.append(scene_caption(digits, relation))
        layouts.append(SceneLayout(digits, boxes, relation, tuple(int(s) for s in sources)))
    return images, captions, layouts
