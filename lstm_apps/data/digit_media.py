"""Captioned scenes and moving-digit clips made from real handwritten digits.

The ink is real: scikit-learn's copy of the UCI handwritten digits
(`sklearn.datasets.load_digits`, 1,797 images of 8x8 pixels, grey levels
0-16, shipped with scikit-learn, no download). Only the arrangement is made up.
The images are split once, per digit and with a fixed seed, into a "train"
pool (60 %, 1,078 images) and a "test" pool (40 %, 719 images), so scenes and
clips drawn with `split="test"` show handwriting that no training scene holds.

* `digit_scenes`: 2 or 3 digits on a blank canvas with a Spanish caption of
  their layout ("un tres a la izquierda de un siete"), for a CNN encoder and
  an LSTM caption decoder.
* `digit_clips`: one digit moving across the frame (up, down, left or right,
  and with `turns=True` turning once), with a class label (digit x direction)
  and a Spanish caption ("el cuatro sube y luego gira a la derecha"), for a
  per-frame CNN + LSTM video classifier or captioner.
* `pad_clips`: right-pads clips of varying length so that a mask can skip
  the padding.

Captions are lowercase words separated by single spaces, so
`caption.split()` gives the tokens (the comma is a token of its own). Each
caption is a function of what the image shows: the generators never make a
layout whose relation or order a viewer could get wrong (see `digit_scenes`).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

from lstm_apps.checks import check_choice

SPLITS = ("train", "test")
POOL_SEED = 0  # seed of the train/test split of the 1,797 images
TEST_FRACTION = 0.4  # share of each digit's images held out in the "test" pool
DIGIT_PIXELS = 8  # side of a source image; `scale` multiplies it
GAP = 2  # least number of blank pixels between two digits of a scene
SPEED_RANGE = (1.0, 3.0)  # pixels per frame of a moving digit, drawn uniformly

NUMBER_WORDS = ("cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve")
ARTICLES = ("un", "el")  # indefinite in scene captions, definite in clip captions
RELATIONS = ("left_of", "above", "row")  # layouts of a scene (see `SceneLayout`)

DIRECTIONS = ("up", "down", "left", "right")  # label = digit * 4 + index of the first direction
MOVES = ((-1, 0), (1, 0), (0, -1), (0, 1))  # (rows, columns) per frame, in DIRECTIONS order
MOTION_PHRASES = ("sube", "baja", "va a la izquierda", "va a la derecha")
TURN_PHRASES = ("gira hacia arriba", "gira hacia abajo", "gira a la izquierda", "gira a la derecha")
CLIP_CLASS_NAMES = tuple(f"{d}-{name}" for d in range(10) for name in DIRECTIONS)  # "3-up"

SCENE_WORDS = tuple(
    sorted({"un", "a", "la", "izquierda", "de", "encima", ",", "y", "derecha", *NUMBER_WORDS})
)
CLIP_WORDS = tuple(
    sorted(
        {"el", "y", "luego", *NUMBER_WORDS}
        | {w for phrase in MOTION_PHRASES + TURN_PHRASES for w in phrase.split()}
    )
)


def _check_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}. Received: {name}={value!r}")
    return int(value)


def _check_size(name, value):
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
    scale = _check_int("scale", scale, 1)
    images, labels, pools = _pools()
    index = pools[check_choice("split", split, SPLITS)]
    return images[index].repeat(scale, axis=1).repeat(scale, axis=2), labels[index]


def _draw_images(rng, split, digits, scale):
    """One random pool image of each digit in `digits`, with its source index."""
    images, labels, pools = _pools()
    index = pools[split]
    chosen = np.array([rng.choice(index[labels[index] == d]) for d in digits], dtype="int64")
    return images[chosen].repeat(scale, axis=1).repeat(scale, axis=2), chosen


# --- Scenes -----------------------------------------------------------------------------------


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
        ValueError: for a bad count, split or scale, or a canvas too small.

    Example:
        >>> images, captions, layouts = digit_scenes(2, seed=0)
        >>> images.shape
        (2, 40, 64, 1)
    """
    num_scenes = _check_int("num_scenes", num_scenes, 1)
    check_choice("split", split, SPLITS)
    counts = _check_num_digits(num_digits)
    height, width = _check_size("canvas", canvas)
    side = DIGIT_PIXELS * _check_int("scale", scale, 1)
    pair, row = 2 * side + GAP, 3 * side + 2 * GAP
    need = (pair if 2 in counts else side, row if 3 in counts else pair)
    if height < need[0] or width < need[1]:
        raise ValueError(
            f"`canvas` is too small for digits of {side} pixels: it needs at least "
            f"{need[0]}x{need[1]} (height x width) for num_digits={counts}. "
            f"Received: canvas={canvas!r}"
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
        pictures, sources = _draw_images(rng, split, digits, scale)
        for picture, (top, left) in zip(pictures, corners):
            images[i, top : top + side, left : left + side, 0] = picture
        boxes = tuple((top, left, top + side, left + side) for top, left in corners)
        captions.append(scene_caption(digits, relation))
        layouts.append(SceneLayout(digits, boxes, relation, tuple(int(s) for s in sources)))
    return images, captions, layouts


# --- Clips ------------------------------------------------------------------------------------


@dataclass
class DigitClips:
    """Clips of one moving digit; clip i has `lengths[i]` frames."""

    frames: list  # (T_i, height, width, 1) float32 in [0, 1]
    labels: np.ndarray  # (N,) int64: digit * 4 + first direction, an index into class_names
    class_names: list  # CLIP_CLASS_NAMES: "0-up", "0-down", ..., "9-right"
    captions: list  # Spanish captions, e.g. "el cuatro sube y luego gira a la derecha"
    digits: np.ndarray  # (N,) int64, 0-9
    directions: np.ndarray  # (N, 2) int64 indices into DIRECTIONS: first, then after the turn (-1)
    turn_frames: np.ndarray  # (N,) int64: the frame where the digit turns, -1 without a turn
    positions: list  # (T_i, 2) int64: the digit's (top, left) corner in each frame
    sources: np.ndarray  # (N,) int64 indices into `load_digits()` of the images drawn

    @property
    def lengths(self) -> np.ndarray:
        return np.array([len(f) for f in self.frames], dtype="int64")

    def __len__(self):
        return len(self.frames)


def clip_caption(digit, first, second=None) -> str:
    """The caption of a clip: "el D <first motion>" and, after a turn, "y luego gira ...".

    Args:
        digit: 0-9.
        first: index into `DIRECTIONS` of the first motion.
        second: index of the direction after the turn, or None (or -1) for none.

    Example:
        >>> clip_caption(4, 0, 3)
        'el cuatro sube y luego gira a la derecha'
    """
    check_choice("first", first, range(4))
    caption = f"{number_word(digit, 'el')} {MOTION_PHRASES[first]}"
    if second is None or second == -1:
        return caption
    check_choice("second", second, range(4))
    return f"{caption} y luego {TURN_PHRASES[second]}"


def _check_frames_range(num_frames, minimum):
    bounds = (num_frames, num_frames) if isinstance(num_frames, Integral) else num_frames
    if (
        not isinstance(bounds, tuple | list)
        or len(bounds) != 2
        or any(isinstance(b, bool) or not isinstance(b, Integral) for b in bounds)
        or not minimum <= bounds[0] <= bounds[1]
    ):
        raise ValueError(
            f"`num_frames` must be an integer or a (shortest, longest) pair with "
            f"{minimum} <= shortest <= longest. Received: num_frames={num_frames!r}"
        )
    return int(bounds[0]), int(bounds[1])


def _trajectory(rng, length, first, turns, room):
    """Top-left corners `(length, 2)` of a digit moving at a steady speed, and its turn.

    Returns the corners (whole pixels, inside `[0, room]` on each axis), the
    direction after the turn and the turn's frame (both -1 without a turn).
    """
    steps = np.arange(length)
    path = steps[:, None] * np.array(MOVES[first])
    second, turn = -1, -1
    if turns:
        turn = int(rng.integers(math.ceil((length - 1) / 3), (2 * (length - 1)) // 3 + 1))
        second = int(rng.choice([2, 3] if first < 2 else [0, 1]))
        path = np.minimum(steps, turn)[:, None] * np.array(MOVES[first])
        path = path + np.maximum(steps - turn, 0)[:, None] * np.array(MOVES[second])
    legs = np.abs(path[-1])  # the axes are perpendicular, so each moves one way only
    fastest = min(SPEED_RANGE[1], *(room[legs > 0] / legs[legs > 0]))
    speed = rng.uniform(SPEED_RANGE[0], fastest)
    reach = path[-1] * speed  # monotonic along each axis, so the ends bound the path
    start = rng.uniform(np.maximum(0, -reach), room - np.maximum(0, reach))
    return np.clip(np.rint(start + speed * path), 0, room).astype("int64"), second, turn


def digit_clips(
    num_clips,
    *,
    split="train",
    turns=False,
    num_frames=(8, 16),
    frame_size=(32, 32),
    scale=1,
    noise=0.0,
    seed=0,
) -> DigitClips:
    """Clips of one handwritten digit moving across a black frame.

    The 40 classes (digit x direction of the first motion: label =
    digit * 4 + direction, directions in `DIRECTIONS` order up, down, left,
    right) are drawn in equal numbers and shuffled. Each clip draws its
    length uniformly from `num_frames` and a speed uniformly from
    `SPEED_RANGE` (1-3 pixels per frame, lowered where a long clip would not
    fit), then a start so that the digit stays whole inside the frame for the
    whole clip; positions are rounded to whole pixels. With `turns=True` the
    digit moves in its first direction for the first third to two thirds of
    the clip, then turns to a perpendicular direction (either, with equal
    chance) at `turn_frames[i]`; the label still names the first direction.

    Captions: "el D sube", "el D baja", "el D va a la izquierda", "el D va a
    la derecha" (`MOTION_PHRASES`), and after a turn "... y luego gira hacia
    arriba / hacia abajo / a la izquierda / a la derecha" (`TURN_PHRASES`).

    Args:
        num_clips: number of clips, at least 1.
        split: "train" (default) or "test", the pool the images come from.
        turns: whether every clip turns once, default False.
        num_frames: (shortest, longest) clip length, inclusive, or an int;
            default (8, 16). At least 2 frames, or 6 with turns.
        frame_size: (height, width), default (32, 32). Each side must leave
            the digit room to travel 1 pixel per frame over the longest clip.
        scale: upscaling factor of the 8x8 digits, default 1.
        noise: standard deviation of Gaussian noise added to every pixel
            (then clipped to [0, 1]), default 0. It does not change the rest
            of the clips drawn with a given seed.
        seed: an int (default 0), a `numpy.random.Generator` or None.

    Returns:
        A `DigitClips`; `pad_clips(clips.frames)` stacks the frames.

    Raises:
        ValueError: for a bad count, split, length range, scale or noise, or
            a frame too small for the motion.

    Example:
        >>> clips = digit_clips(4, turns=True, seed=0)
        >>> clips.frames[0].shape[1:], clips.labels.shape
        ((32, 32, 1), (4,))
    """
    num_clips = _check_int("num_clips", num_clips, 1)
    check_choice("split", split, SPLITS)
    if not isinstance(turns, bool):
        raise ValueError(f"`turns` must be True or False. Received: turns={turns!r}")
    shortest, longest = _check_frames_range(num_frames, 6 if turns else 2)
    height, width = _check_size("frame_size", frame_size)
    side = DIGIT_PIXELS * _check_int("scale", scale, 1)
    room = np.array([height - side, width - side])
    if room.min() < SPEED_RANGE[0] * (longest - 1):
        raise ValueError(
            f"`frame_size` leaves a {side}x{side} digit {room.min()} pixels to travel, too few "
            f"for {longest} frames at {SPEED_RANGE[0]:g} pixel per frame; enlarge it to at least "
            f"{side + math.ceil(SPEED_RANGE[0] * (longest - 1))} or shorten the clips. "
            f"Received: frame_size={frame_size!r}"
        )
    if not isinstance(noise, Real) or not 0 <= noise <= 1:
        raise ValueError(f"`noise` must be a number in [0, 1]. Received: noise={noise!r}")

    rng = np.random.default_rng(seed)
    noise_rng = np.random.default_rng(rng.integers(2**63))
    labels = rng.permutation(np.resize(np.arange(len(CLIP_CLASS_NAMES)), num_clips))
    digits, firsts = labels // 4, labels % 4
    pictures, sources = _draw_images(rng, split, digits, scale)
    frames, positions, captions = [], [], []
    directions = np.full((num_clips, 2), -1, dtype="int64")
    directions[:, 0] = firsts
    turn_frames = np.full(num_clips, -1, dtype="int64")
    for i in range(num_clips):
        length = int(rng.integers(shortest, longest + 1))
        corner, directions[i, 1], turn_frames[i] = _trajectory(rng, length, firsts[i], turns, room)
        clip = np.zeros((length, height, width, 1), dtype="float32")
        for t, (top, left) in enumerate(corner):
            clip[t, top : top + side, left : left + side, 0] = pictures[i]
        if noise > 0:
            clip = np.clip(clip + noise_rng.normal(0, noise, clip.shape), 0, 1).astype("float32")
        frames.append(clip)
        positions.append(corner)
        captions.append(clip_caption(int(digits[i]), int(firsts[i]), int(directions[i, 1])))
    return DigitClips(
        frames=frames,
        labels=labels.astype("int64"),
        class_names=list(CLIP_CLASS_NAMES),
        captions=captions,
        digits=digits.astype("int64"),
        directions=directions,
        turn_frames=turn_frames,
        positions=positions,
        sources=sources,
    )


def pad_clips(frames, max_frames=None):
    """Stack clips of varying length, right-padded with zeros.

    Args:
        frames: a non-empty list of `(T_i, height, width, channels)` arrays,
            all with the same frame shape (e.g. `DigitClips.frames` or
            `VideoFolder.clips`).
        max_frames: length of the output, default None (the longest clip).
            Longer clips keep their first `max_frames` frames.

    Returns:
        `(padded, lengths)`: `(N, max_frames, height, width, channels)` of the
        clips' dtype, and `(N,)` int64, the number of real frames of each
        (for a mask: `np.arange(max_frames) < lengths[:, None]`).

    Example:
        >>> padded, lengths = pad_clips(digit_clips(3, seed=0).frames, max_frames=16)
        >>> padded.shape
        (3, 16, 32, 32, 1)
    """
    if not isinstance(frames, list | tuple) or len(frames) == 0:
        raise ValueError(f"`frames` must be a non-empty list of clips. Received: {type(frames)}")
    clips = [np.asarray(clip) for clip in frames]
    for i, clip in enumerate(clips):
        if clip.ndim != 4 or clip.shape[1:] != clips[0].shape[1:] or len(clip) == 0:
            raise ValueError(
                "Every clip must be (frames >= 1, height, width, channels) with the frame shape "
                f"of the first, {clips[0].shape[1:]}. Received: clip {i} of shape {clip.shape}"
            )
    lengths = np.array([len(clip) for clip in clips], dtype="int64")
    if max_frames is None:
        max_frames = int(lengths.max())
    max_frames = _check_int("max_frames", max_frames, 1)
    padded = np.zeros((len(clips), max_frames, *clips[0].shape[1:]), dtype=clips[0].dtype)
    for i, clip in enumerate(clips):
        padded[i, : min(len(clip), max_frames)] = clip[:max_frames]
    return padded, np.minimum(lengths, max_frames)
