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

from pathlib import Path

import keras
import numpy as np
import pandas as pd

from lstm_apps import models, training
from lstm_apps.analysis.gates import recurrent_states
from lstm_apps.data.inputs import Inputs, check_texts, read_texts
from lstm_apps.data.splits import Splits
from lstm_apps.runs import Run
from lstm_apps.tasks.hola.config import CELLS, DESCRIPTION, NAME, Config  # noqa: F401 (re-exported)


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
    return Splits(x, y, None, None, x, y, class_names=names, source=f"the word {config.word!r}")


def _data(run: Run) -> Splits:
    """The run's data, rebuilt from its Config for a run loaded without it."""
    return run.data if run.data is not None else load_data(run.config)


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


def train(config: Config = Config(), data: Splits | None = None, *, callbacks=()) -> Run:
    """Build and train on the word; returns a `Run` with the model and history.

    `callbacks` are extra Keras callbacks.
    """
    data = data or load_data(config)
    keras.utils.set_random_seed(config.training.seed or 0)
    model = build_model(config, data)
    options = config.training.options()
    history = training.train(model, data.x_train, data.y_train, options, callbacks=callbacks)
    return Run(name=NAME, config=config, model=model, history=history.history, data=data)


def _distribution(probabilities):
    """`(T, V)` next-letter probabilities; a two-letter vocabulary has a sigmoid head."""
    p = np.asarray(probabilities, "float64")
    return np.concatenate([1.0 - p, p], axis=-1) if p.shape[-1] == 1 else p


def next_letter_probabilities(model, sequences) -> list[np.ndarray]:
    """For each one-hot `(T, V)` sequence, the `(T, V)` probabilities of the next letter."""
    return [_distribution(p) for p in training.predict(model, sequences)]


def evaluate(run: Run) -> dict[str, float]:
    """Share of right next-letter guesses, mean probability and bits given to the right letter."""
    data = _data(run)
    p = np.concatenate(next_letter_probabilities(run.model, data.x_test))
    y = np.concatenate(data.y_test)
    right = p[np.arange(len(y)), y]
    return {
        "accuracy": float(np.mean(p.argmax(-1) == y)),
        "mean_probability_correct": float(right.mean()),
        "bits_per_char": float(np.mean(-np.log2(np.clip(right, 1e-12, 1.0)))),
    }


def predict(run: Run, inputs) -> list[tuple[str, float]]:
    """The most likely next letter and its probability after each letter read.

    Args:
        run: a trained (or loaded) hola run.
        inputs: a string of letters such as "hol", or a list of them; the
            hidden state starts from zero at the start of each, and the
            guesses of all of them come back in one list.

    Returns:
        One `(letter, probability)` pair per letter read.

    Example:
        >>> predict(run, "hol")
        [('o', 0.98), ('l', 0.97), ('a', 0.98)]
    """
    names = run.class_names
    texts = check_texts(inputs, NAME)
    p = np.concatenate(next_letter_probabilities(run.model, [one_hot(t, names) for t in texts]))
    return [(str(names[c]), float(row[c])) for c, row in zip(p.argmax(-1), p)]


def read_inputs(source, config: Config) -> Inputs:
    """The letters to read: the argument itself ("hol") or a .txt file, one string a line.

    `predict` gives a row per letter, so each string's `rows_per_item` is its length.
    """
    texts = read_texts(
        source,
        f"hola predicts the next letter after each one read: give the letters themselves "
        f"(e.g. {config.word[:-1]!r}) or a .txt file with one string of letters per line.",
    )
    letters = [text.strip() for text in texts]
    return Inputs(letters, texts.ids, rows_per_item=[len(t) for t in letters])


def sample_input(run: Run, directory) -> str:
    """Write the letters of the test sequence ("hol") to a .txt file; returns its path."""
    names = run.class_names
    path = Path(directory) / "letters.txt"
    path.write_text("".join(names[c] for c in _data(run).x_test[0].argmax(-1)) + "\n")
    return str(path)


def step_table(run: Run) -> pd.DataFrame:
    """One row per time step: letter read, right next letter, guess and probabilities."""
    data = _data(run)
    names = data.class_names
    inputs = [names[c] for c in data.x_test[0].argmax(-1)]
    guesses = predict(run, "".join(inputs))
    p = next_letter_probabilities(run.model, data.x_test[:1])[0]
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


def inspect_steps(run: Run) -> dict:
    """Gates, states and next-letter probabilities at each step of the word, in NumPy.

    Returns:
        `recurrent_states(run.model, run.data.x_test[0])` (arrays of shape
        `(steps, units)`: "hidden", and for the LSTM "cell", "input_gate",
        "forget_gate", "output_gate", "candidate"; for the GRU
        "update_gate", "reset_gate", "candidate"), with "probabilities" as
        `(steps, V)`, plus "letters" (input letters), "targets" (right next
        letters) and "class_names".
    """
    data = _data(run)
    names = data.class_names
    states = recurrent_states(run.model, data.x_test[0])
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
    steps = inspect_steps(run)
    drawings = {}
    if run.history:  # a run loaded from its folder has no history
        drawings["training_progress.png"] = lambda path: plots.plot_training_progress(
            run.history, path
        )
    drawings["hidden_state.png"] = lambda path: hola_plots.plot_hidden_state(steps, path)
    drawings["next_letter_probabilities.png"] = lambda path: hola_plots.plot_next_letter(
        steps, path
    )
    if run.config.cell != "simple_rnn":
        drawings["gates.png"] = lambda path: hola_plots.plot_gates(steps, path)
    paths = []
    for filename, draw in drawings.items():
        paths.append(directory / filename)
        plots.plt.close(draw(paths[-1]))
    return paths
