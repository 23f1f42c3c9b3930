"""The speech networks: raw waveform in, features and augmentation inside the model.

`build_network` gives `waveform (batch, samples, 1) -> WaveAugment (training
only) -> LogMelSpectrogram -> normalization -> SpecAugment (training only) ->
recurrent layers -> head`. The
layers after the front end come from `lstm_apps.models.build_model`, so the
architectures are the package's own, and their z-score normalization is
learned from the training recordings' features before the fit. A saved model
therefore reads a WAV file's samples and nothing else.

`frame_model` rebuilds the part after the front end as its own model, on the
same layers and weights: what `StreamingPredictor` steps, one feature frame
at a time.
"""

from __future__ import annotations

import keras
import numpy as np

from lstm_apps import models
from lstm_apps.models.layers.audio import LogMelSpectrogram, WaveAugment
from lstm_apps.models.layers.spec_augment import SpecAugment
from lstm_apps.tasks.speech.config import Config

BLANK = 0  # CTC's blank class; digit d is class d + 1


def front_end(config: Config) -> LogMelSpectrogram:
    """The feature layer of `config`: log-mel, or MFCC from the log-mel."""
    return LogMelSpectrogram(
        sample_rate=config.sample_rate,
        num_mel_bins=config.num_mel_bins,
        num_mfcc=config.num_mfcc if config.features == "mfcc" else None,
        center=config.center,
        name="features",
    )


def waveform_features(frontend, waves, batch_size=64) -> list[np.ndarray]:
    """Each waveform's `(frames, features)` from `frontend`, batched by length.

    A padded batch gives the same frames as one waveform alone for every
    frame that ends inside it, so each result is cut to its own frame count.
    """
    lengths = np.array([len(w) for w in waves])
    order = np.argsort(lengths, kind="stable")
    out = [None] * len(waves)
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        longest = int(lengths[rows].max())
        batch = np.zeros((len(rows), longest), "float32")
        for k, i in enumerate(rows):
            batch[k, : lengths[i]] = np.ravel(waves[i])
        frames = keras.ops.convert_to_numpy(frontend(batch))
        for k, i in enumerate(rows):
            out[i] = frames[k, : frontend.num_frames(int(lengths[i]))]
    return out


def build_network(config: Config, num_outputs: int, adapt_waves) -> keras.Model:
    """The waveform model of `config`, its normalization adapted on `adapt_waves`.

    Args:
        config: the study's settings.
        num_outputs: 10 digit classes, or 11 CTC classes (blank first).
        adapt_waves: training waveforms, `(samples, 1)` arrays, whose features
            set the normalization statistics.
    """
    frontend = front_end(config)
    sequence = config.task == "connected"
    acoustic = models.build_model(
        config.architecture,
        num_features=config.num_features,
        num_outputs=num_outputs,
        output_mode="sequence" if sequence else "last",
        units=config.units,
        dropout=config.dropout,
        normalization="zscore",
        adapt=waveform_features(frontend, adapt_waves),
    )
    waveform = keras.Input(shape=(None, 1), name="waveform")
    x = waveform
    if config.augment:
        x = WaveAugment(seed=config.training.seed or 0, name="augment")(x)
    x = frontend(x)
    for layer in acoustic.layers[1:]:
        # log-mel frames never equal a padding value: a mask would only slow the
        # recurrent layers down (and reach the CTC loss), so the masking layer is left out
        if not isinstance(layer, keras.layers.Masking):
            x = layer(x)
        if layer.name == "normalization" and config.augment and config.spec_augment:
            x = SpecAugment(seed=config.training.seed or 0, name="spec_augment")(x)
    return keras.Model(waveform, x, name=f"speech_{config.architecture}")


def frame_model(model) -> keras.Model:
    """The layers after the front end of a speech model, as a model on feature frames.

    The layers are fresh copies holding the trained weights (so the model
    is a chain of its own, as `StreamingPredictor` needs); its input is
    `(batch, frames, features)`.
    """
    names = [layer.name for layer in model.layers]
    if "features" not in names:
        raise ValueError(
            f"{model.name!r} has no 'features' layer: it is not a speech model of this study"
        )
    frontend = model.get_layer("features")
    frames = keras.Input(shape=(None, frontend.num_features), name="frames")
    x = frames
    for layer in model.layers[names.index("features") + 1 :]:
        copy = layer.__class__.from_config(layer.get_config())
        x = copy(x)
        copy.set_weights(layer.get_weights())
    return keras.Model(frames, x, name=f"{model.name}_frames")
