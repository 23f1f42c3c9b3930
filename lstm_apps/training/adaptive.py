"""Training defaults that follow the size of the training set.

A study tuned on one benchmark carries that benchmark's epochs, patience and
batch size to every user's data: four epochs suit 25,000 reviews and starve
2,000. `adapt_training` instead sizes them from the number of training
examples, and leaves alone every setting the user changed.

The rule: a mini-batch of about `per_batch`-th of the data (a power of two
within `batch`), enough epochs for about `updates` weight updates (within
`epochs`), and a patience of an eighth of the epochs (5 to 30), so early
stopping, not the epoch cap, ends most fits.
"""

from __future__ import annotations

import math

from lstm_apps.training.options import TrainingConfig

ADAPTED = ("max_epochs", "mini_batch_size", "validation_patience")


def adapt_training(
    training: TrainingConfig,
    default: TrainingConfig,
    num_train: int,
    *,
    has_validation=True,
    updates=2000,
    epochs=(20, 300),
    batch=(8, 128),
    per_batch=20,
    patience=None,
) -> tuple[TrainingConfig, dict]:
    """`training` with the settings still at the study's default sized from the data.

    Args:
        training: the run's training section.
        default: the study's default training section; a field of `training`
            that differs from it was set by the user and is kept.
        num_train: training examples.
        has_validation: without validation there is no early stopping, so
            the patience is left as it is.
        updates: weight updates aimed at, default 2000.
        epochs: `(fewest, most)` epochs, default (20, 300).
        batch: `(smallest, largest)` mini-batch, default (8, 128).
        per_batch: the mini-batch is about `num_train / per_batch`, default 20.
        patience: a fixed early-stopping patience; default None, an eighth of
            the epochs (5 to 30).

    Returns:
        `(new training section, {field: value chosen})`; the dict names only
        the fields that were adapted, for the log.

    Raises:
        ValueError: if `num_train` is not a positive integer.
    """
    if isinstance(num_train, bool) or not isinstance(num_train, int) or num_train < 1:
        raise ValueError(
            f"`num_train` must be a positive integer. Received: num_train={num_train!r}"
        )
    if patience is not None and (
        isinstance(patience, bool) or not isinstance(patience, int) or patience < 1
    ):
        raise ValueError(
            f"`patience` must be a positive integer or None. Received: patience={patience!r}"
        )
    size = 2 ** round(math.log2(max(1.0, num_train / per_batch)))
    size = int(min(max(size, batch[0]), batch[1], max(1, num_train)))
    steps = math.ceil(num_train / size)
    max_epochs = int(min(max(math.ceil(updates / steps), epochs[0]), epochs[1]))
    chosen = {"mini_batch_size": size, "max_epochs": max_epochs}
    if has_validation:
        chosen["validation_patience"] = (
            patience if patience is not None else int(min(max(max_epochs // 8, 5), 30))
        )
    changes = {k: v for k, v in chosen.items() if getattr(training, k) == getattr(default, k)}
    return training.replace(**changes), changes
