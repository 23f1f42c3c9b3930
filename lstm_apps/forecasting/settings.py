"""The training settings of a `Forecaster`: its default fit and the old keywords.

A `Forecaster` takes its fit as one `lstm_apps.training.TrainingConfig`
(`training=`); `training_settings` fills in `DEFAULT_TRAINING` and, for one
release, accepts the old training keywords (`max_epochs=...`) with a
FutureWarning.
"""

from __future__ import annotations

import dataclasses
import warnings

from lstm_apps.training import TrainingConfig

# the fit of a Forecaster built without `training`
DEFAULT_TRAINING = TrainingConfig(
    initial_learn_rate=0.005, max_epochs=100, mini_batch_size=32, gradient_threshold=1.0,
    shuffle="every-epoch", seed=0, verbose=0,
)  # fmt: skip
TRAINING_NAMES = frozenset(f.name for f in dataclasses.fields(TrainingConfig))


def training_settings(training=None, deprecated=None, *, stacklevel=2) -> TrainingConfig:
    """`training` (default `DEFAULT_TRAINING`) with the deprecated keywords applied.

    Args:
        training: a `TrainingConfig`, or None for `DEFAULT_TRAINING`.
        deprecated: old `Forecaster` keywords named like `TrainingConfig`
            fields (`max_epochs`, `initial_learn_rate`, `seed`, ...); each
            use warns with a FutureWarning.
        stacklevel: the frame the warning points at; 2 (default) is the caller.

    Raises:
        TypeError: for a `training` that is no `TrainingConfig`, or a keyword
            that names no training setting.
    """
    training = DEFAULT_TRAINING if training is None else training
    if not isinstance(training, TrainingConfig):
        raise TypeError(
            "`training` must be a lstm_apps.training.TrainingConfig. "
            f"Received: training={training!r}"
        )
    deprecated = deprecated or {}
    unknown = sorted(set(deprecated) - TRAINING_NAMES)
    if unknown:
        raise TypeError(f"Forecaster() got unexpected keyword arguments: {unknown}")
    if deprecated:
        warnings.warn(
            f"Forecaster({', '.join(f'{k}=...' for k in deprecated)}) is deprecated and will "
            "be removed in the next release; pass training=TrainingConfig(...) instead.",
            FutureWarning,
            stacklevel=stacklevel,
        )
        training = training.replace(**deprecated)
    return training
