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

This module gathers the public names of `digit_pools` (the pools and number
words), `digit_scenes` (scenes) and `moving_digits` (clips, `pad_clips`).
"""

from lstm_apps.data.digit_pools import (
    ARTICLES,
    DIGIT_PIXELS,
    NUMBER_WORDS,
    POOL_SEED,
    SPLITS,
    TEST_FRACTION,
    digit_pool,
    number_word,
    pool_indices,
)
from lstm_apps.data.digit_scenes import (
    GAP,
    RELATIONS,
    SCENE_WORDS,
    SceneLayout,
    digit_scenes,
    scene_caption,
)
from lstm_apps.data.moving_digits import (
    CLIP_CLASS_NAMES,
    CLIP_WORDS,
    DIRECTIONS,
    MOTION_PHRASES,
    MOVES,
    SPEED_RANGE,
    TURN_PHRASES,
    DigitClips,
    clip_caption,
    digit_clips,
    pad_clips,
)

__all__ = [
    "ARTICLES",
    "CLIP_CLASS_NAMES",
    "CLIP_WORDS",
    "DIGIT_PIXELS",
    "DIRECTIONS",
    "GAP",
    "MOTION_PHRASES",
    "MOVES",
    "NUMBER_WORDS",
    "POOL_SEED",
    "RELATIONS",
    "SCENE_WORDS",
    "SPEED_RANGE",
    "SPLITS",
    "TEST_FRACTION",
    "TURN_PHRASES",
    "DigitClips",
    "SceneLayout",
    "clip_caption",
    "digit_clips",
    "digit_pool",
    "digit_scenes",
    "number_word",
    "pad_clips",
    "pool_indices",
    "scene_caption",
]
