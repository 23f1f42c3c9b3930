"""Custom layers used by the builders, registered for `.keras` serialization.

Every layer is registered as `"lstm_apps>ClassName"` (see `base`), so a
saved model loads whichever module now defines the class.

Modules, one per family:

* `normalization`: `SequenceNormalization` (MATLAB-style input
  normalization with statistics stored in the model).
* `projected_lstm`: `ProjectedLSTMCell`, `ProjectedLSTM` (low-rank LSTM,
  MATLAB's `lstmProjectedLayer`).
* `convolution`: `ConvBlock1D`, `MaskedGlobalMaxPooling1D` (mask-aware
  convolution and pooling over time).
* `steps`: `LastStep`, `RepeatSteps`, `AddToSteps` (operations on steps).
* `frames`: `FrameMask`, `FrameWise` (clips of image frames).
* `signals`: `GravitySplit` (gravity and body motion of acceleration).
* `audio`: `LogMelSpectrogram` (log-mel or MFCC frames of raw waveforms,
  with a NumPy twin for streaming), `WaveAugment` (random gain, speed,
  delay and noise in training only).
* `spec_augment`: `SpecAugment` (random band and frame masks in training only).
* `positions`: `PositionEmbedding` (a learned vector per position, the
  Transformer's word order).
"""

from lstm_apps.models.layers.audio import LogMelSpectrogram, WaveAugment
from lstm_apps.models.layers.base import PACKAGE
from lstm_apps.models.layers.convolution import ConvBlock1D, MaskedGlobalMaxPooling1D
from lstm_apps.models.layers.frames import FrameMask, FrameWise
from lstm_apps.models.layers.normalization import SequenceNormalization
from lstm_apps.models.layers.positions import PositionEmbedding
from lstm_apps.models.layers.projected_lstm import ProjectedLSTM, ProjectedLSTMCell
from lstm_apps.models.layers.signals import GravitySplit
from lstm_apps.models.layers.spec_augment import SpecAugment
from lstm_apps.models.layers.steps import AddToSteps, LastStep, RepeatSteps

__all__ = [
    "PACKAGE",
    "AddToSteps",
    "ConvBlock1D",
    "FrameMask",
    "FrameWise",
    "GravitySplit",
    "LastStep",
    "LogMelSpectrogram",
    "MaskedGlobalMaxPooling1D",
    "PositionEmbedding",
    "ProjectedLSTM",
    "ProjectedLSTMCell",
    "RepeatSteps",
    "SequenceNormalization",
    "SpecAugment",
    "WaveAugment",
]
