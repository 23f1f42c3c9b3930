"""Scenes and clips of real handwritten digits: pools, layouts, captions, motion, padding."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_apps.data import digit_media as dm
from lstm_apps.data import digit_pools

# Every word a caption may use, written out so that a change to the grammar shows here.
SCENE_VOCABULARY = {
    "un", "a", "la", "izquierda", "de", "encima", ",", "y", "derecha",
    "cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve",
}  # fmt: skip
CLIP_VOCABULARY = {
    "el", "sube", "baja", "va", "a", "la", "izquierda", "derecha", "y", "luego", "gira",
    "hacia", "arriba", "abajo",
    "cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve",
}  # fmt: skip


@pytest.fixture(scope="module")
def scenes():
    return dm.digit_scenes(300, seed=7)


@pytest.fixture(scope="module")
def clips():
    return dm.digit_clips(80, seed=3), dm.digit_clips(80, turns=True, seed=4)


def test_pools_are_disjoint_stratified_and_cover_every_image():
    train, test = dm.pool_indices("train"), dm.pool_indices("test")
    assert len(np.intersect1d(train, test)) == 0
    assert np.array_equal(np.sort(np.concatenate([train, test])), np.arange(1797))
    (x_train, y_train), (x_test, y_test) = dm.digit_pool("train"), dm.digit_pool("test")
    assert x_train.shape == (1078, 8, 8) and x_test.shape == (719, 8, 8)
    assert x_train.dtype == np.float32 and 0 <= x_train.min() and x_train.max() == 1
    share = np.bincount(y_test) / (np.bincount(y_test) + np.bincount(y_train))
    assert np.all(np.abs(share - dm.TEST_FRACTION) < 0.01)
    big, _ = dm.digit_pool("test", scale=2)
    assert big.shape == (719, 16, 16)
    assert np.array_equal(big[:, ::2, ::2], x_test)


def test_number_words():
    assert dm.number_word(1) == "un uno"
    assert dm.number_word(3) == "un tres"
    assert dm.number_word(4, article="el") == "el cuatro"
    with pytest.raises(ValueError, match=r"from 0 to 9. Received: digit=10"):
        dm.number_word(10)
    with pytest.raises(ValueError, match=r"`article` must be one of .* Received: article='la'"):
        dm.number_word(2, article="la")


def test_scenes_are_deterministic_and_in_range(scenes):
    images, captions, layouts = scenes
    assert images.shape == (300, 40, 64, 1) and images.dtype == np.float32
    assert images.min() == 0 and images.max() <= 1
    again = dm.digit_scenes(300, seed=7)
    assert np.array_equal(images, again[0]) and captions == again[1] and layouts == again[2]
    other = dm.digit_scenes(300, seed=8)
    assert not np.array_equal(images, other[0])
    assert {layout.relation for layout in layouts} == set(dm.RELATIONS)


def test_scene_captions_match_layouts_and_images(scenes):
    images, captions, layouts = scenes
    pool = dm.pool_indices("train")
    source_images = digit_pools._pools()[0]
    for image, caption, layout in zip(images, captions, layouts):
        assert caption == " ".join(caption.split()) and caption == caption.lower()
        tokens = caption.split()
        words = [tokens[i + 1] for i, t in enumerate(tokens) if t == "un"]
        assert words == [dm.NUMBER_WORDS[d] for d in layout.digits]
        assert ("izquierda" in tokens) == (layout.relation != "above")
        assert ("encima" in tokens) == (layout.relation == "above")
        assert set(layout.sources) <= set(pool)
        canvas = np.zeros(image.shape[:2], "float32")
        for (top, left, bottom, right), source in zip(layout.boxes, layout.sources):
            canvas[top:bottom, left:right] = source_images[source].repeat(2, 0).repeat(2, 1)
        assert np.array_equal(canvas, image[..., 0])
        # Caption order is reading order, and no layout is near the diagonal.
        for a, b in zip(layout.boxes, layout.boxes[1:]):
            dy, dx = b[0] - a[0], b[1] - a[1]
            if layout.relation == "above":
                assert b[0] >= a[2] + dm.GAP and 2 * abs(dx) <= dy
            else:
                assert b[1] >= a[3] + dm.GAP and 2 * abs(dy) <= dx


def test_scene_vocabulary_is_small_and_closed(scenes):
    _, captions, _ = scenes
    used = {token for caption in captions for token in caption.split()}
    assert used == SCENE_VOCABULARY == set(dm.SCENE_WORDS)
    lengths = {len(caption.split()) for caption in captions}
    assert lengths == {6, 8, 12}  # encima, a la izquierda, three in a row


def test_scene_options_and_test_pool():
    images, captions, layouts = dm.digit_scenes(20, split="test", num_digits=2, seed=1)
    assert {len(layout.digits) for layout in layouts} == {2}
    assert all(set(layout.sources) <= set(dm.pool_indices("test")) for layout in layouts)
    _, captions, layouts = dm.digit_scenes(10, num_digits=(3,), canvas=(24, 60), seed=1)
    assert all(c.endswith("de izquierda a derecha") for c in captions)
    images, _, _ = dm.digit_scenes(5, num_digits=2, canvas=(20, 20), scale=1, seed=0)
    assert images.shape == (5, 20, 20, 1)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"num_digits": 4}, r"`num_digits` must be 2, 3 .* Received: num_digits=4"),
        ({"num_digits": (2, 5)}, r"Received: num_digits=\(2, 5\)"),
        ({"canvas": (30, 64)}, r"`canvas` is too small .* Received: canvas=\(30, 64\)"),
        ({"canvas": (40, 50)}, r"at least 34x52"),
        ({"canvas": (40,)}, r"`canvas` must be \(height, width\)"),
        ({"split": "validation"}, r"`split` must be one of .* Received: split='validation'"),
        ({"scale": 0}, r"`scale` must be a positive integer. Received: scale=0"),
    ],
)
def test_scene_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        dm.digit_scenes(3, **kwargs)


def test_clips_are_deterministic_and_balanced(clips):
    plain, _ = clips
    again = dm.digit_clips(80, seed=3)
    assert plain.captions == again.captions and np.array_equal(plain.labels, again.labels)
    assert all(np.array_equal(a, b) for a, b in zip(plain.frames, again.frames))
    assert np.array_equal(np.bincount(plain.labels), np.full(40, 2))
    assert len(plain) == 80 and plain.lengths.min() >= 8 and plain.lengths.max() <= 16
    assert len(set(plain.lengths)) > 3


@pytest.mark.parametrize("turned", [False, True])
def test_clip_labels_captions_and_motion(clips, turned):
    data = clips[turned]
    assert data.class_names == list(dm.CLIP_CLASS_NAMES) and len(data.class_names) == 40
    images = digit_pools._pools()[0]
    for i in range(len(data)):
        digit, (first, second) = int(data.digits[i]), data.directions[i]
        assert data.labels[i] == digit * 4 + first
        assert data.class_names[data.labels[i]] == f"{digit}-{dm.DIRECTIONS[first]}"
        caption = data.captions[i]
        assert caption.startswith(f"el {dm.NUMBER_WORDS[digit]} {dm.MOTION_PHRASES[first]}")
        assert ("luego" in caption) == turned == (second >= 0)
        frames, corners = data.frames[i], data.positions[i]
        assert frames.shape == (len(corners), 32, 32, 1) and frames.dtype == np.float32
        assert corners.min() >= 0 and corners.max() <= 32 - 8  # the digit stays inside
        for frame, (top, left) in zip(frames, corners):
            assert np.array_equal(frame[top : top + 8, left : left + 8, 0], images[data.sources[i]])
            assert frame.sum() == pytest.approx(images[data.sources[i]].sum())
        turn = data.turn_frames[i] if turned else len(corners) - 1
        moves = [(corners[turn] - corners[0], first)]
        if turned:
            assert 2 <= turn <= len(corners) - 3
            assert caption.endswith(dm.TURN_PHRASES[second])
            assert {first // 2, second // 2} == {0, 1}  # perpendicular
            moves.append((corners[-1] - corners[turn], second))
        for shift, direction in moves:
            step = np.array(dm.MOVES[direction])
            steps = turn if direction == first else len(corners) - 1 - turn
            travelled = shift @ step
            assert steps * dm.SPEED_RANGE[0] - 1 <= travelled <= steps * dm.SPEED_RANGE[1] + 1
            assert shift @ np.abs(step[::-1]) == 0  # no drift sideways


def test_clip_vocabulary_is_small_and_closed(clips):
    used = {token for data in clips for caption in data.captions for token in caption.split()}
    assert used == CLIP_VOCABULARY == set(dm.CLIP_WORDS)
    assert dm.clip_caption(4, 0) == "el cuatro sube"
    assert dm.clip_caption(4, 0, 3) == "el cuatro sube y luego gira a la derecha"


def test_clip_options():
    data = dm.digit_clips(10, split="test", num_frames=12, frame_size=(40, 48), scale=2, seed=0)
    assert set(data.lengths) == {12}
    assert all(f.shape == (12, 40, 48, 1) for f in data.frames)
    assert set(data.sources) <= set(dm.pool_indices("test"))
    noisy = dm.digit_clips(10, split="test", num_frames=12, frame_size=(40, 48), scale=2,
                           noise=0.05, seed=0)  # fmt: skip
    assert all(np.array_equal(a, b) for a, b in zip(data.positions, noisy.positions))
    assert 0 <= min(f.min() for f in noisy.frames) and max(f.max() for f in noisy.frames) <= 1
    assert not np.array_equal(data.frames[0], noisy.frames[0])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"num_frames": (16, 8)}, r"Received: num_frames=\(16, 8\)"),
        ({"num_frames": 1}, r"2 <= shortest <= longest. Received: num_frames=1"),
        ({"turns": True, "num_frames": (4, 8)}, r"6 <= shortest"),
        ({"frame_size": (16, 32)}, r"`frame_size` leaves .* Received: frame_size=\(16, 32\)"),
        ({"noise": -0.1}, r"`noise` must be in \[0, 1\]. Received: noise=-0.1"),
        ({"turns": "yes"}, r"`turns` must be True or False"),
    ],
)
def test_clip_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        dm.digit_clips(3, **kwargs)
    with pytest.raises(ValueError, match=r"`num_clips` must be a positive integer"):
        dm.digit_clips(0)


def test_pad_clips(clips):
    data = clips[0]
    padded, lengths = dm.pad_clips(data.frames)
    assert padded.shape == (80, lengths.max(), 32, 32, 1) and padded.dtype == np.float32
    assert np.array_equal(lengths, data.lengths)
    for i, length in enumerate(lengths):
        assert np.array_equal(padded[i, :length], data.frames[i])
        assert not padded[i, length:].any()
    short, cut = dm.pad_clips(data.frames, max_frames=10)
    assert short.shape[1] == 10 and cut.max() == 10
    with pytest.raises(ValueError, match="non-empty list"):
        dm.pad_clips([])
    with pytest.raises(ValueError, match=r"clip 1 of shape \(3, 8, 8, 1\)"):
        dm.pad_clips([np.zeros((2, 4, 4, 1)), np.zeros((3, 8, 8, 1))])
