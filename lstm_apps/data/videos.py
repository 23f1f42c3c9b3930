"""Real video clips from a folder, one subfolder per class, as uint8 arrays.

The layout is the one of `keras.utils.image_dataset_from_directory`, with
clips in place of images:

```
root/
  class_a/
    clip_001.mp4          a video file (.mp4, .avi, .mov, .mkv by default)
    clip_002/             or a folder of frames (.png, .jpg, .jpeg, .bmp),
      frame_0001.png      taken in name order
      frame_0002.png
  class_b/
    ...
```

Videos are decoded with imageio's FFmpeg plugin (`imageio.v3.imiter`, one
frame at a time, so a long video is never held whole), frames are resized
with Pillow (bilinear) and converted to grayscale or RGB. The result is a
list of `(T_i, height, width, channels)` uint8 clips of varying length;
`lstm_apps.data.digit_media.pad_clips` stacks them for a masked model.

Example:
    >>> data = load_video_folder("my_videos", num_frames=16, size=(64, 64))
    >>> data.clips[0].shape, data.class_names
    ((16, 64, 64, 3), ['clapping', 'waving'])
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, field
from numbers import Integral
from pathlib import Path

import numpy as np

from lstm_apps.checks import check_choice
from lstm_apps.models.size import check_memory

log = logging.getLogger(__name__)

VIDEO_EXTENSIONS = (".mp4", ".avi", ".mov", ".mkv")
FRAME_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp")
CHANNELS = (1, 3)
ON_ERROR = ("skip", "raise")


@dataclass
class VideoFolder:
    """Clips read from a class-per-subfolder tree; clip i has label `labels[i]`."""

    clips: list  # (T_i, height, width, channels) uint8
    labels: np.ndarray  # (N,) int64 indices into class_names
    class_names: list  # the class subfolders' names, sorted
    paths: list  # the file or frame folder of each clip
    skipped: list = field(default_factory=list)  # (path, reason) of each clip not read

    def __len__(self):
        return len(self.clips)


def _check_optional_int(name, value):
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, Integral) or value < 1
    ):
        raise ValueError(f"`{name}` must be None or an integer >= 1. Received: {name}={value!r}")
    return value


def _check_options(num_frames, every, size, channels):
    _check_optional_int("num_frames", num_frames)
    _check_optional_int("every", every)
    if size is not None and (
        not isinstance(size, tuple | list)
        or len(size) != 2
        or any(isinstance(v, bool) or not isinstance(v, Integral) or v < 1 for v in size)
    ):
        raise ValueError(
            "`size` must be None or (height, width), two positive integers. "
            f"Received: size={size!r}"
        )
    check_choice("channels", channels, CHANNELS)


def _convert(frame, size, channels) -> np.ndarray:
    """One decoded frame as `(height, width, channels)` uint8, resized to `size`."""
    from PIL import Image

    frame = np.asarray(frame)
    if frame.ndim == 3 and frame.shape[-1] == 1:
        frame = frame[..., 0]
    if frame.dtype == np.uint16:
        frame = (frame // 257).astype("uint8")
    elif frame.dtype == bool:
        frame = frame.astype("uint8") * 255
    if frame.dtype != np.uint8 or frame.ndim not in (2, 3):
        raise ValueError(
            f"a frame must be 8- or 16-bit grey or colour; got {frame.dtype} {frame.shape}"
        )
    image = Image.fromarray(frame).convert("L" if channels == 1 else "RGB")
    if size is not None and image.size != (size[1], size[0]):
        image = image.resize((size[1], size[0]), Image.Resampling.BILINEAR)
    array = np.asarray(image, dtype="uint8")
    return array[..., None] if channels == 1 else array


def _frames(path: Path, every):
    """Every `every`-th decoded frame of a video file or of a folder of frame images."""
    import imageio.v3 as iio

    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in FRAME_EXTENSIONS)
        if not files:
            raise ValueError(f"the folder holds no frame images {FRAME_EXTENSIONS}")
        return (iio.imread(p) for p in files[::every])
    return itertools.islice(iio.imiter(path), 0, None, every)  # one frame in memory at a time


def read_video(path, *, num_frames=None, every=None, size=None, channels=3) -> np.ndarray:
    """Read one clip: a video file or a folder of frame images (sorted by name).

    Frames are taken in two steps: `every=n` keeps frames 0, n, 2n, ...;
    then `num_frames=k` keeps k of those, evenly spaced from the first to
    the last (`np.linspace`, rounded). A clip with fewer than k frames keeps
    them all, so lengths may vary.

    Args:
        path: a video file (anything FFmpeg reads) or a folder of .png, .jpg,
            .jpeg or .bmp frames.
        num_frames: the most frames to keep, default None (all).
        every: keep every n-th frame, default None (all).
        size: (height, width) to resize every frame to (bilinear), default
            None (the clip's own size).
        channels: 3 (RGB, default) or 1 (grayscale).

    Returns:
        A `(T, height, width, channels)` uint8 array.

    Raises:
        FileNotFoundError: if `path` does not exist.
        ValueError: for bad options, a file that cannot be decoded, a clip
            with no frames or frames of different sizes (with `size=None`).
    """
    _check_options(num_frames, every, size, channels)
    path = Path(path).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"No such video file or frame folder: {path}")
    try:
        frames = [_convert(frame, size, channels) for frame in _frames(path, every or 1)]
    except Exception as error:  # FFmpeg and Pillow raise many kinds on corrupt input
        reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise ValueError(f"Could not read {path}: {type(error).__name__}: {reason}") from error
    if not frames:
        raise ValueError(f"Could not read {path}: it holds no frames.")
    if len({frame.shape for frame in frames}) > 1:
        raise ValueError(
            f"The frames of {path} differ in size {sorted({f.shape for f in frames})}; "
            "pass `size` to resize them."
        )
    if num_frames is not None and len(frames) > num_frames:
        keep = np.rint(np.linspace(0, len(frames) - 1, num_frames)).astype(int)
        frames = [frames[i] for i in keep]
    return np.stack(frames)


def _clip_paths(folder: Path, extensions) -> list[Path]:
    """The video files (by extension) and subfolders of a class folder, sorted by name."""
    return sorted(
        p
        for p in folder.iterdir()
        if not p.name.startswith(".")
        and (p.is_dir() or (p.is_file() and p.suffix.lower() in extensions))
    )


def count_clips(root, extensions=VIDEO_EXTENSIONS) -> int:
    """How many clips `load_video_folder(root)` would try to read (0 when `root` is no folder).

    Nothing is decoded, so a caller can check the memory the clips will take first.
    """
    root = Path(root).expanduser()
    if not root.is_dir():
        return 0
    extensions = tuple(e.lower() for e in extensions)
    folders = [p for p in root.iterdir() if p.is_dir() and p.name[0] != "."]
    return sum(len(_clip_paths(folder, extensions)) for folder in folders)


def load_video_folder(
    root,
    *,
    num_frames=16,
    every=None,
    size=(64, 64),
    channels=3,
    on_error="skip",
    extensions=VIDEO_EXTENSIONS,
) -> VideoFolder:
    """Read every clip of a class-per-subfolder tree (see the module docstring).

    Classes are the subfolders of `root`, sorted by name; label k is
    `class_names[k]`. In a class folder, every file whose extension is in
    `extensions` (any case) is a video and every subfolder a clip of frame
    images; other files, and names that start with a dot, are ignored. Clips
    come in class order, then by name.

    Args:
        root: the folder of class subfolders.
        num_frames: the most frames kept per clip, evenly spaced, default 16;
            None keeps all (see `read_video`).
        every: keep every n-th frame first, default None.
        size: (height, width) of the frames, default (64, 64); None keeps
            each clip's own size (then clips of different sizes cannot be
            stacked).
        channels: 3 (RGB, default) or 1 (grayscale).
        on_error: "skip" (default) leaves out clips that cannot be read,
            lists them in `skipped` and logs one warning with their count and
            names; "raise" raises on the first one.
        extensions: the video file extensions read, with their dot, default
            (".mp4", ".avi", ".mov", ".mkv").

    Returns:
        A `VideoFolder`.

    Raises:
        FileNotFoundError: if `root` is not a folder.
        ValueError: for bad options, no class subfolders, clips that would
            take more than half of the free memory, a class with no usable
            clip, or (with on_error="raise") a clip that cannot be read.
    """
    _check_options(num_frames, every, size, channels)
    check_choice("on_error", on_error, ON_ERROR)
    if isinstance(extensions, str) or not all(
        isinstance(e, str) and e.startswith(".") for e in extensions
    ):
        raise ValueError(
            "`extensions` must be a tuple of file extensions with their dot, such as "
            f"('.mp4', '.avi'). Received: extensions={extensions!r}"
        )
    extensions = tuple(e.lower() for e in extensions)
    root = Path(root).expanduser()
    if not root.is_dir():
        raise FileNotFoundError(f"The video folder {root} does not exist or is not a folder.")
    class_names = sorted(p.name for p in root.iterdir() if p.is_dir() and p.name[0] != ".")
    if not class_names:
        raise ValueError(
            f"{root} holds no class subfolders; put each class's clips in a subfolder of it."
        )
    if num_frames is not None and size is not None:  # with None, the clips set their own
        count = count_clips(root, extensions)
        check_memory(  # the clips and the padded copy that stacks them
            2 * count * num_frames * size[0] * size[1] * channels,
            what=f"{count} clips of {root}",
            sizes=dict(num_frames=num_frames, size=size, channels=channels),
        )
    clips, labels, paths, skipped = [], [], [], []
    for label, name in enumerate(class_names):
        found = 0
        for path in _clip_paths(root / name, extensions):
            try:
                clip = read_video(
                    path, num_frames=num_frames, every=every, size=size, channels=channels
                )
            except ValueError as error:
                if on_error == "raise":
                    raise
                skipped.append((str(path), str(error)))
                continue
            clips.append(clip)
            labels.append(label)
            paths.append(str(path))
            found += 1
        if not found:
            raise ValueError(
                f"The class folder {root / name} holds no usable clip (videos with extensions "
                f"{extensions} or folders of {FRAME_EXTENSIONS} frames); "
                f"{sum(Path(p).parent.name == name for p, _ in skipped)} could not be read."
            )
    if skipped:
        log.warning(
            "Skipped %d clip(s) under %s that could not be read: %s",
            len(skipped),
            root,
            ", ".join(Path(p).relative_to(root).as_posix() for p, _ in skipped),
        )
    return VideoFolder(clips, np.asarray(labels, dtype="int64"), class_names, paths, skipped)
