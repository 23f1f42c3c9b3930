"""Hola: a recurrent network learns to spell a word, one letter at a time.

The course's smallest character-level language model. The network reads the
letters of "hola" one per time step and, after each one, predicts the next:
h -> o, o -> l, l -> a. Each letter enters as a one-hot vector over the
vocabulary (the sorted distinct letters of the word: a, h, l, o), and the
hidden state carries what has been read so far from one step to the next.
Training and test data are the same single sequence of three steps: the
task is to memorise it, and the interest lies in looking inside the cell
while it does (`inspect_steps`, `figures`).

Any other word works through `Config(word=...)`; a letter that is followed
by different letters in different places ("l" in "hello") can only be
predicted from the hidden state, never from the current input alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import keras
import numpy as np
import pandas as pd

from lstm_apps import models, training
from lstm_apps.analysis.gates import recurrent_states
from lstm_apps.checks import check_choice
from lstm_apps.data.splits import Splits
from lstm_apps.runs import Run
from lstm_apps.tasks.base import CaseStudyConfig

NAME = "hola"
DESCRIPTION = "Character model: predict the next letter of 'hola' (h->o, o->l, l->a)"
CELLS = ("simple_rnn", "lstm", "gru")


@dataclass(frozen=True)
class Config(CaseStudyConfig):
    """Settings of the hola case study (defaults: the full run, a few seconds)."""

    word: str = "hola"  # the word to memorise; its distinct letters are the vocabulary
    cell: str = "lstm"  # recurrent cell: "simple_rnn", "lstm" or "gru"
    units: int = 8  # size of the hidden state
    initial_learn_rate: float = 0.1  # Adam's learning rate
    max_epochs: int = 20  # epochs; each is one gradient step on the single sequence
    seed: int = 0  # seed for the weight initialization
    verbose: int = 0  # Keras verbosity: 0 silent, 1 progress bar, 2 a line per epoch

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
        max_epochs=10,
    )


def vocabulary(word: str) -> list[str]:
    """The sorted distinct letters of `word`: `vocabulary("hola") == ["a", "h", "l", "o"]`."""
    return sorted(set(word))


def one_hot(letters: str, class_names) -> np.ndarray:
    """Encode letters as a `(len(letters), len(class_names))` float32 one-hot array."""
    unknown = sorted(set(letters) - set(class_names))
    if unknown:
        raise ValueError(
            f"Letters {unknown} are not in the vocabulary {list(class_names)}. "
            f"Received: letters={letters!r}"
        )
    codes = [list(class_names).index(c) for c in letters]
    return np.eye(len(class_names), dtype="float32")[codes]


def load_data(config: Config = Config()) -> Splits:
    """One sequence: the one-hot letters `word[:-1]`, targets the codes of `word[1:]`."""
    names = vocabulary(config.word)
    x = [one_hot(config.word[:-1], names)]
    y = [np.array([names.index(c) for c in config.word[1:]], dtype="int32")]
    return Splits(
        x, y, None, None, x, y, class_names=names, info={"source": f"the word {config.word!r}"}
    )


def build_model(config: Config, data: Splits):
    """A one-layer network of `config.cell` with a softmax over the next letter at every step."""
    return models.build_model(
        config.cell,
        num_features=data.num_features,
        num_outputs=len(data.class_names),
        output_mode="sequence",
        units=config.units,
        normalization="none",
    )


def train(config: Config = Config(), data: Splits | None = None, **options) -> Run:
    """Build and train on the word; returns a `Run` with the model and history.

    Extra keyword arguments go to `TrainingOptions`.
    """
    data = data or load_data(config)
    keras.utils.set_random_seed(config.seed)
    model = build_model(config, data)
    settings = training.TrainingOptions(
        initial_learn_rate=config.initial_learn_rate,
        max_epochs=config.max_epochs,
        mini_batch_size=1,
        seed=config.seed,
        verbose=config.verbose,
        **options,
    )
    history = training.train(model, data.x_train, data.y_train, settings)
    return Run(name=NAME, config=config, model=model, history=history.history, data=data)


def _distribution(probabilities):
    """`(T, V)` next-letter probabilities; a two-letter vocabulary has a sigmoid head."""
    p = np.asarray(probabilities, "float64")
    return np.concatenate([1.0 - p, p], axis=-1) if p.shape[-1] == 1 else p


def next_letter_probabilities(model, sequences) -> list[np.ndarray]:
    """For each one-hot `(T, V)` sequence, the `(T, V)` probabilities of the next letter."""
    return [_distribution(p) for p in training.predict(model, sequences)]


def evaluate(model, data: Splits) -> dict[str, float]:
    """Share of right next-letter guesses, mean probability and bits given to the right letter."""
    p = np.concatenate(next_letter_probabilities(model, data.x_test))
    y = np.concatenate(data.y_test)
    right = p[np.arange(len(y)), y]
    return {
        "accuracy": float(np.mean(p.argmax(-1) == y)),
        "mean_probability_correct": float(right.mean()),
        "bits_per_char": float(np.mean(-np.log2(np.clip(right, 1e-12, 1.0)))),
    }


def predict(model, letters, class_names) -> list[tuple[str, float]]:
    """The most likely next letter and its probability after each letter read.

    Args:
        model: a trained hola model.
        letters: a string such as "hol", or a list of one-hot `(T, V)` arrays
            (what `lstm-apps predict` reads from a file); the hidden state
            starts from zero at the start of each.
        class_names: the vocabulary, `run.data.class_names`.

    Example:
        >>> predict(run.model, "hol", run.data.class_names)
        [('o', 0.98), ('l', 0.97), ('a', 0.98)]
    """
    sequences = [one_hot(letters, class_names)] if isinstance(letters, str) else letters
    p = np.concatenate(next_letter_probabilities(model, sequences))
    return [(str(class_names[c]), float(row[c])) for c, row in zip(p.argmax(-1), p)]


def step_table(model, data: Splits) -> pd.DataFrame:
    """One row per time step: letter read, right next letter, guess and probabilities."""
    names = data.class_names
    inputs = [names[c] for c in data.x_test[0].argmax(-1)]
    guesses = predict(model, "".join(inputs), names)
    p = next_letter_probabilities(model, data.x_test[:1])[0]
    return pd.DataFrame(
        {
            "input": inputs,
            "target": [names[c] for c in data.y_test[0]],
            "predicted": [g for g, _ in guesses],
            "probability": [p for _, p in guesses],
            "probability_target": p[np.arange(len(p)), data.y_test[0]],
        },
        index=pd.RangeIndex(1, len(inputs) + 1, name="step"),
    )


def inspect_steps(model, data: Splits) -> dict:
    """Gates, states and next-letter probabilities at each step of the word, in NumPy.

    Returns:
        `recurrent_states(model, data.x_test[0])` (arrays of shape
        `(steps, units)`: "hidden", and for the LSTM "cell", "input_gate",
        "forget_gate", "output_gate", "candidate"; for the GRU
        "update_gate", "reset_gate", "candidate"), with "probabilities" as
        `(steps, V)`, plus "letters" (input letters), "targets" (right next
        letters) and "class_names".
    """
    names = data.class_names
    states = recurrent_states(model, data.x_test[0])
    states["probabilities"] = _distribution(states["probabilities"])
    return {
        "letters": [names[c] for c in data.x_test[0].argmax(-1)],
        "targets": [names[c] for c in data.y_test[0]],
        "class_names": list(names),
        **states,
    }


def figures(run: Run, directory) -> list[Path]:
    """Training progress, hidden state, gates (LSTM, GRU) and next-letter bars, as PNG files."""
    from lstm_apps import plots
    from lstm_apps.tasks.hola import plots as hola_plots

    directory = Path(directory)
    steps = inspect_steps(run.model, run.data)
    drawings = {
        "training_progress.png": lambda path: plots.plot_training_progress(run.history, path),
        "hidden_state.png": lambda path: hola_plots.plot_hidden_state(steps, path),
        "next_letter_probabilities.png": lambda path: hola_plots.plot_next_letter(steps, path),
    }
    if run.config.cell != "simple_rnn":
        drawings["gates.png"] = lambda path: hola_plots.plot_gates(steps, path)
    paths = []
    for filename, draw in drawings.items():
        paths.append(directory / filename)
        plots.plt.close(draw(paths[-1]))
    return paths
