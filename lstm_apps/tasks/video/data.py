"""Data of the video case study: moving-digit clips or a folder of videos, as `ClipSplits`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import train_test_split

from lstm_apps.data import digit_media, moving_digits
from lstm_apps.data.splits import Splits, check_stratified
from lstm_apps.data.text import WordVocabulary
from lstm_apps.models.size import check_memory


@dataclass(kw_only=True)
class ClipSplits(Splits):
    """Padded uint8 clips `(N, T, H, W, C)` with class codes or reference captions.

    `class_names` holds the clip classes (head "classify") or the caption
    vocabulary (head "caption"). With a pretrained frame encoder, `x_*`
    hold `(N, T, D)` frame features instead and `test_clips` the test
    clips behind them.
    """

    test_lengths: np.ndarray  # (N,) the real (unpadded) frames of each test clip
    skipped_clips: int = 0  # video folder: clips that could not be read
    test_clips: np.ndarray | None = None  # pretrained encoder: the uint8 test clips
    feature_cache: str | None = None  # pretrained encoder: the .npz of the frame features

    @property
    def test_pixels(self) -> np.ndarray:
        """The uint8 test clips: `x_test`, or `test_clips` when `x_test` holds features."""
        return self.x_test if self.test_clips is None else self.test_clips


def _uint8(clips):
    """Pad clips of [0, 1] frames and scale them to 0-255, as video frames come."""
    padded, lengths = digit_media.pad_clips(clips)
    return np.round(padded * 255).astype("uint8"), lengths


def _digit_parts(config):
    frames = config.num_frames
    frames = frames if isinstance(frames, tuple | list) else [frames]
    longest = max((n for n in frames if isinstance(n, int)), default=1)  # digit_clips checks them
    check_memory(
        sum(config.num_clips) * longest * config.frame_size**2 * moving_digits.CLIP_BYTES_PER_PIXEL,
        what="digit clips",
        sizes=dict(
            num_clips=config.num_clips, num_frames=config.num_frames, frame_size=config.frame_size
        ),
    )
    seed = config.training.seed or 0
    parts = []
    for n, split, offset in (
        (config.num_clips[0], "train", 0),
        (config.num_clips[1], "train", 10_000),
        (config.num_clips[2], "test", 20_000),
    ):
        clips = digit_media.digit_clips(
            n,
            split=split,
            turns=config.turns,
            num_frames=config.num_frames,
            frame_size=(config.frame_size, config.frame_size),
            seed=seed + offset,
        )
        x, lengths = _uint8(clips.frames)
        y = clips.labels if config.head == "classify" else [[c] for c in clips.captions]
        parts.append((x, y, lengths))
    return parts, list(digit_media.CLIP_CLASS_NAMES), dict(source="moving handwritten digits")


def _folder_parts(config):
    from lstm_apps.data.videos import CHANNELS, count_clips, load_video_folder

    found = count_clips(config.data_path)
    check_memory(  # the clips, their padded copy and the three splits taken from it
        3 * found * config.video_frames * config.frame_size**2 * max(CHANNELS),
        what=f"{found} clips of {config.data_path}",
        sizes=dict(video_frames=config.video_frames, frame_size=config.frame_size),
    )
    folder = load_video_folder(
        config.data_path,
        num_frames=config.video_frames,
        every=config.every,
        size=(config.frame_size, config.frame_size),
    )
    x, lengths = digit_media.pad_clips(folder.clips)
    index = np.arange(len(x))
    seed = config.training.seed
    check_stratified(folder.labels, config.test_fraction, "test", folder.class_names)
    rest, test = train_test_split(
        index, test_size=config.test_fraction, stratify=folder.labels, random_state=seed
    )
    share = config.validation_fraction / (1 - config.test_fraction)
    check_stratified(folder.labels[rest], share, "validation", folder.class_names)
    train, val = train_test_split(
        rest, test_size=share, stratify=folder.labels[rest], random_state=seed
    )
    parts = [(x[i], folder.labels[i], lengths[i]) for i in (train, val, test)]
    extra = dict(source=f"video folder {config.data_path}", skipped_clips=len(folder.skipped))
    return parts, folder.class_names, extra


def load_clips(config) -> ClipSplits:
    """The clips of the video `Config`: digit clips, or the folder `config.data_path`.

    Digit clips of a split are drawn with seed `training.seed` (+10,000 for
    validation, +20,000 for test, which also uses held-out handwriting); a
    folder is split, stratified, with that seed.
    """
    parts, classes, extra = (
        _digit_parts(config) if config.data_path is None else _folder_parts(config)
    )
    if config.head == "caption":
        captions = [c for refs in parts[0][1] for c in refs]
        classes = WordVocabulary().fit(captions).words_
    (x_tr, y_tr, _), (x_va, y_va, _), (x_te, y_te, lengths) = parts
    return ClipSplits(
        x_tr, y_tr, x_va, y_va, x_te, y_te, class_names=classes, test_lengths=lengths, **extra
    )
