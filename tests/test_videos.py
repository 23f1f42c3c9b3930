"""Reading class-per-subfolder video trees: decoding, sampling, resizing, channels, errors."""

from __future__ import annotations

import logging

import imageio.v3 as iio
import numpy as np
import pytest

from lstm_apps.data.digit_media import pad_clips
from lstm_apps.data.videos import load_video_folder, read_video


def level_frames(count, seed, gray=False):
    """Random 32x32 frames whose mean grey level is 20 + 10 * index, to track which were kept."""
    rng = np.random.default_rng(seed)
    levels = 20 + 10 * np.arange(count)
    noise = rng.integers(-4, 5, (count, 32, 32, 1 if gray else 3))
    frames = np.clip(levels[:, None, None, None] + noise, 0, 255).astype("uint8")
    return frames[..., 0] if gray else frames


def means(clip):
    return clip.reshape(len(clip), -1).mean(axis=1)


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("videos")
    clap, wave = root / "clap", root / "wave"
    clap.mkdir()
    wave.mkdir()
    iio.imwrite(clap / "a.mp4", level_frames(12, 0), fps=10, codec="libx264")
    iio.imwrite(clap / "b.avi", level_frames(15, 1), fps=10, codec="mjpeg")
    (clap / "c_frames").mkdir()
    for t, frame in enumerate(level_frames(10, 2, gray=True)):
        iio.imwrite(clap / "c_frames" / f"frame_{t:03d}.png", frame)
    (clap / "notes.txt").write_text("not a clip")
    (clap / ".cache").mkdir()  # hidden folders are neither clips nor classes
    (root / ".thumbnails").mkdir()
    iio.imwrite(wave / "d.MP4", level_frames(20, 3), fps=10, codec="libx264")
    iio.imwrite(wave / "gray.avi", level_frames(18, 4, gray=True), fps=10, codec="mjpeg")
    (wave / "broken.mp4").write_bytes(np.random.default_rng(5).bytes(600))
    return root


def test_loads_every_readable_clip_and_skips_the_corrupt_one(tree, caplog):
    with caplog.at_level(logging.WARNING, logger="lstm_apps.data.videos"):
        data = load_video_folder(tree)
    assert data.class_names == ["clap", "wave"]
    names = [p.split("/")[-1] for p in data.paths]
    assert names == ["a.mp4", "b.avi", "c_frames", "d.MP4", "gray.avi"]
    assert data.labels.tolist() == [0, 0, 0, 1, 1] and len(data) == 5
    assert [len(c) for c in data.clips] == [12, 15, 10, 16, 16]
    assert all(c.shape[1:] == (64, 64, 3) and c.dtype == np.uint8 for c in data.clips)
    assert [p.endswith("broken.mp4") for p, _ in data.skipped] == [True]
    assert "Could not read" in data.skipped[0][1]
    assert "Skipped 1 clip(s)" in caplog.text and "wave/broken.mp4" in caplog.text
    padded, lengths = pad_clips(data.clips)
    assert padded.shape == (5, 16, 64, 64, 3) and lengths.tolist() == [12, 15, 10, 16, 16]


def test_raise_names_the_corrupt_file(tree):
    with pytest.raises(ValueError, match=r"Could not read .*broken\.mp4"):
        load_video_folder(tree, on_error="raise")


@pytest.mark.parametrize(
    "num_frames, every, kept",
    [
        (None, None, range(12)),
        (None, 3, [0, 3, 6, 9]),
        (5, None, [0, 3, 6, 8, 11]),  # np.linspace(0, 11, 5) rounded
        (4, 2, [0, 4, 6, 10]),  # frames 0, 2, ..., 10, then 4 of those 6 evenly spaced
        (30, None, range(12)),  # a short clip keeps all its frames
    ],
)
def test_frame_sampling(tree, num_frames, every, kept):
    clip = read_video(tree / "clap" / "a.mp4", num_frames=num_frames, every=every)
    assert clip.shape == (len(kept), 32, 32, 3)
    np.testing.assert_allclose(means(clip), 20 + 10 * np.asarray(kept), atol=3)


def test_sampling_of_a_frame_folder_is_exact(tree):
    clip = read_video(tree / "clap" / "c_frames", every=2, num_frames=3, channels=1)
    expected = level_frames(10, 2, gray=True)[[0, 4, 8]]
    assert np.array_equal(clip[..., 0], expected)


def test_channels_and_sizes(tree):
    gray = read_video(tree / "wave" / "gray.avi")  # grey video, RGB out
    assert gray.shape == (18, 32, 32, 3)
    assert np.abs(gray.astype(int)[..., 0] - gray[..., 2]).max() <= 3
    frames = read_video(tree / "clap" / "c_frames", size=(20, 24))  # grey PNG, RGB out
    assert frames.shape == (10, 20, 24, 3)
    assert np.array_equal(frames[..., 0], frames[..., 1])
    single = read_video(tree / "clap" / "b.avi", channels=1, size=(16, 16))
    assert single.shape == (15, 16, 16, 1)
    np.testing.assert_allclose(means(single), 20 + 10 * np.arange(15), atol=4)
    data = load_video_folder(tree, num_frames=None, size=None, channels=1)
    assert [c.shape for c in data.clips][:2] == [(12, 32, 32, 1), (15, 32, 32, 1)]


def test_extensions_choose_the_videos(tree):
    data = load_video_folder(tree, extensions=(".avi",), num_frames=4)
    assert [p.split("/")[-1] for p in data.paths] == ["b.avi", "c_frames", "gray.avi"]
    assert data.skipped == []


def test_folder_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_video_folder(tmp_path / "nowhere")
    (tmp_path / "loose.mp4").write_bytes(b"")
    with pytest.raises(ValueError, match="holds no class subfolders"):
        load_video_folder(tmp_path)
    (tmp_path / "good").mkdir()
    iio.imwrite(tmp_path / "good" / "x.avi", level_frames(6, 0), fps=10, codec="mjpeg")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("no clips here")
    with pytest.raises(ValueError, match=r"empty holds no usable clip"):
        load_video_folder(tmp_path)
    (tmp_path / "empty" / "bad.avi").write_bytes(b"garbage")
    with pytest.raises(ValueError, match=r"empty holds no usable clip.*1 could not be read"):
        load_video_folder(tmp_path)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"num_frames": 0},
            r"`num_frames` must be None or an integer >= 1. Received: num_frames=0",
        ),
        ({"every": 0}, r"`every` must be None or an integer >= 1. Received: every=0"),
        ({"size": (64,)}, r"`size` must be None or \(height, width\)"),
        ({"channels": 2}, r"`channels` must be one of \(1, 3\). Received: channels=2"),
        ({"on_error": "ignore"}, r"`on_error` must be one of .* Received: on_error='ignore'"),
        ({"extensions": ".mp4"}, r"`extensions` must be a tuple"),
    ],
)
def test_option_errors(tree, kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_video_folder(tree, **kwargs)


def test_read_video_errors(tree, tmp_path):
    with pytest.raises(FileNotFoundError, match="No such video"):
        read_video(tmp_path / "missing.mp4")
    with pytest.raises(ValueError, match=r"Could not read .*no frame images"):
        read_video(tmp_path)
    with pytest.raises(ValueError, match=r"Could not read .*broken\.mp4"):
        read_video(tree / "wave" / "broken.mp4")
