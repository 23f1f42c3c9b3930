"""Settings of the character language model case study: its `Config`, `NAME` and `DESCRIPTION`.

Apart from `study.py`, and free of Keras, so that `lstm-apps list` and the
checks of `lstm-apps run char_lm --set FIELD=VALUE` run before TensorFlow is
imported. `study.py` re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from lstm_apps.checks import check_bool, check_choice, check_positive, check_range, check_rate
from lstm_apps.models.choices import CELL_NAMES
from lstm_apps.tasks.base import CaseStudyConfig
from lstm_apps.training.options import TrainingConfig
from lstm_apps.tuning.space import CELLS, WIDE_UNITS, Choice, FloatRange, TuningSpec

NAME = "char_lm"
DESCRIPTION = "Character language model on Don Quijote (Spanish), bits per character + generation"


@dataclass(frozen=True)
class Config(CaseStudyConfig):
    """Settings of the character language model (defaults: the full run)."""

    # data
    text_path: str | None = None  # any UTF-8 text file instead of Don Quijote
    max_chars: int | None = None  # use only the first max_chars characters
    validation_fraction: float = 0.05  # share of the text in the validation block
    test_fraction: float = 0.05  # share of the text in the (final) test block
    window: int = 64  # characters per training window
    stride: int = 64  # steps between window starts (overlap = window - stride)
    # model
    cell: str = "lstm"  # "simple_rnn", "lstm" or "gru"
    units: int | tuple = 256  # recurrent width, or a tuple for a stack
    embedding_dim: int = 32  # character embedding size
    dropout: float = 0.0  # dropout after each recurrent layer
    # training
    training: TrainingConfig = TrainingConfig(  # the fit on shuffled windows: see
        initial_learn_rate=0.01, max_epochs=18, mini_batch_size=64,
        learn_rate_schedule="exponential", learn_rate_drop_factor=0.1, gradient_threshold=1.0,
        shuffle="every-epoch", bucket_by_length=False, precision="auto", seed=0, verbose=1,
    )  # fmt: skip
    # `lstm_apps.training.TrainingConfig`; precision "auto": bfloat16 products on a CPU that
    # has them (measured within noise of float32 and faster: benchmarks/precision_checks.py)
    keep_best: bool = True  # end with the weights of the epoch with the best validation loss
    # evaluation
    eval_chars: int | None = None  # score only this many characters of each block

    RENAMED: ClassVar[dict] = {
        "final_learn_rate_factor": "training.learn_rate_drop_factor",
        "initial_learn_rate": "training.initial_learn_rate",
        "max_epochs": "training.max_epochs",
        "mini_batch_size": "training.mini_batch_size",
        "gradient_threshold": "training.gradient_threshold",
        "checkpoint_dir": "training.checkpoint_dir",
        "time_budget": "training.time_budget",
        "seed": "training.seed",
        "verbose": "training.verbose",
    }

    FAST: ClassVar[dict] = dict(
        units=32, window=40, stride=40, max_chars=60_000, eval_chars=3_000,
        training=dict(max_epochs=1, verbose=0),
    )  # fmt: skip

    def __post_init__(self):
        check_choice("cell", self.cell, CELL_NAMES)
        check_positive("window", self.window)
        check_positive("stride", self.stride)
        check_positive("embedding_dim", self.embedding_dim)
        check_rate("dropout", self.dropout)
        check_range("validation_fraction", self.validation_fraction, 0, 1, closed=(False, False))
        check_range("test_fraction", self.test_fraction, 0, 1, closed=(False, False))
        check_positive("max_chars", self.max_chars, allow_none=True)
        check_positive("eval_chars", self.eval_chars, allow_none=True)
        check_bool("keep_best", self.keep_best)


# `lstm-apps tune char_lm`: validation cross-entropy per character
TUNING = TuningSpec(
    metric="val_loss",
    direction="minimize",
    space={
        "cell": CELLS,
        "units": WIDE_UNITS,
        "embedding_dim": Choice((16, 32, 64)),
        "dropout": FloatRange(0.0, 0.3),
        "training.initial_learn_rate": FloatRange(1e-3, 2e-2, log=True),
        "training.mini_batch_size": Choice((32, 64, 128)),
    },
    cv_refused="its windows overlap one text, so folds would share characters",
)
