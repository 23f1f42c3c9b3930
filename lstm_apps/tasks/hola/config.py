"""Settings of the hola case study: its `Config`, `NAME` and `DESCRIPTION`.

Apart from `study.py`, and free of Keras, so that `lstm-apps list` and the
checks of `lstm-apps run hola --set FIELD=VALUE` run before TensorFlow is
imported. `study.py` re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from lstm_apps.checks import check_choice
from lstm_apps.tasks.base import CaseStudyConfig
from lstm_apps.training.options import TrainingConfig

NAME = "hola"
DESCRIPTION = "Character model: predict the next letter of 'hola' (h->o, o->l, l->a)"
CELLS = ("simple_rnn", "lstm", "gru")


@dataclass(frozen=True)
class Config(CaseStudyConfig):
    """Settings of the hola case study (defaults: the full run, a few seconds)."""

    # data
    word: str = "hola"  # the word to memorise; its distinct letters are the vocabulary
    # model
    cell: str = "lstm"  # recurrent cell: "simple_rnn", "lstm" or "gru"
    units: int = 8  # size of the hidden state
    # training
    training: TrainingConfig = TrainingConfig(  # the fit: each epoch is one Adam step on the single
        initial_learn_rate=0.1, max_epochs=20, mini_batch_size=1, seed=0, verbose=0,
    )  # fmt: skip
    # sequence

    def __post_init__(self):
        check_choice("cell", self.cell, CELLS)
        if not isinstance(self.word, str) or len(self.word) < 2:
            raise ValueError(
                f"`word` must be a string of at least 2 letters. Received: word={self.word!r}"
            )
        if len(set(self.word)) < 2:
            raise ValueError(
                f"`word` must hold at least 2 distinct letters. Received: word={self.word!r}"
            )

    FAST: ClassVar[dict] = dict(
        training=dict(max_epochs=10),
    )  # fmt: skip


TUNING = None  # `lstm-apps tune hola` explains why not:
NOT_TUNED = "it learns one word by heart and holds nothing out to score a trial on"
