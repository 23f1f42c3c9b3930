"""Clips of one real handwritten digit moving across the frame (`digit_clips`).

The digit (from a pool of `lstm_apps.data.digit_pools`) moves up, down,
left or right, and with `turns=True` turns once; each clip has a class
label (digit x direction) and a Spanish caption ("el cuatro sube y luego
gira a la derecha"), for a per-frame CNN + LSTM video classifier or
captioner. `pad_clips` right-pads clips of varying length (these or real
videos) so that a mask can skip the padding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral

import numpy as np

from lstm_apps.checks import check_bool, check_choice, check_positive, check_range
from lstm_apps.data import digit_pools as pools
from lstm_apps.models.size import check_memory

SPEED_RANGE = (1.0, 3.0)  # pixels per frame of a moving digit, drawn uniformly
# float32 frames, and a padded float32 copy with its two temporaries when scaled to uint8
CLIP_BYTES_PER_PIXEL = 4 * 4 + 1

DIRECTIONS = ("up", "down", "left", "right")  # label = digit * 4 + index of the first direction
MOVES = ((-1, 0), (1, 0), (0, -1), (0, 1))  # (rows, columns) per frame, in DIRECTIONS order
MOTION_PHRASES = ("sube", "baja", "va a la izquierda", "va a la derecha")
TURN_PHRASES = ("gira hacia arriba", "gira hacia abajo", "gira a la izquierda", "gira a la derecha")
CLIP_CLASS_NAMES = tuple(f"{d}-{name}" for d in range(10) for name in DIRECTIONS)  # "3-up"

CLIP_WORDS = tuple(
    sorted(
        {"el", "y", "luego", *pools.NUMBER_WORDS}
        | {w for phrase in MOTION_PHRASES + TURN_PHRASES for w in phrase.split()}
    )
)


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
    caption = f"{pools.number_word(digit, 'el')} {MOTION_PHRASES[first]}"
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
        ValueError: for a bad count, split, length range, scale or noise, a
            frame too small for the motion, or clips that would take more than
            half of the free memory (`CLIP_BYTES_PER_PIXEL` per pixel of the
            longest clip).

    Example:
        >>> clips = digit_clips(4, turns=True, seed=0)
        >>> clips.frames[0].shape[1:], clips.labels.shape
        ((32, 32, 1), (4,))
    """
    num_clips = int(check_positive("num_clips", num_clips))
    check_choice("split", split, pools.SPLITS)
    check_bool("turns", turns)
    shortest, longest = _check_frames_range(num_frames, 6 if turns else 2)
    height, width = pools.check_size("frame_size", frame_size)
    side = pools.DIGIT_PIXELS * int(check_positive("scale", scale))
    room = np.array([height - side, width - side])
    if room.min() < SPEED_RANGE[0] * (longest - 1):
        raise ValueError(
            f"`frame_size` leaves a {side}x{side} digit {room.min()} pixels to travel, too few "
            f"for {longest} frames at {SPEED_RANGE[0]:g} pixel per frame; enlarge it to at least "
            f"{side + math.ceil(SPEED_RANGE[0] * (longest - 1))} or shorten the clips. "
            f"Received: frame_size={frame_size!r}"
        )
    check_range("noise", noise, 0, 1, closed=(True, True))
    check_memory(
        num_clips * longest * height * width * CLIP_BYTES_PER_PIXEL,
        what="digit clips",
        sizes=dict(num_clips=num_clips, num_frames=num_frames, frame_size=frame_size),
    )

    rng = np.random.default_rng(seed)
    noise_rng = np.random.default_rng(rng.integers(2**63))
    labels = rng.permutation(np.resize(np.arange(len(CLIP_CLASS_NAMES)), num_clips))
    digits, firsts = labels // 4, labels % 4
    pictures, sources = pools.draw_images(rng, split, digits, scale)
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
    max_frames = int(check_positive("max_frames", max_frames))
    padded = np.zeros((len(clips), max_frames, *clips[0].shape[1:]), dtype=clips[0].dtype)
    for i, clip in enumerate(clips):
        padded[i, : min(len(clip), max_frames)] = clip[:max_frames]
    return padded, np.minimum(lengths, max_frames)
