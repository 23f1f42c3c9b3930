"""Japanese Vowels: which of nine speakers uttered /ae/ (sequence-to-label).

Each utterance is a sequence of 7-29 frames of 12 LPC cepstrum
coefficients; the label is the speaker (1-9). The standard split has 270
training and 370 test utterances (Kudo, Toyama & Shimbo 1999). This is the
data of MATLAB's sequence-classification example, whose network is
`sequenceInputLayer(12) -> lstmLayer(100, OutputMode="last") ->
fullyConnectedLayer(9) -> softmaxLayer`.

Data sources, in order: `Config.data_path` (a folder with the UCI files
`ae.train`/`ae.test`, or a long-format CSV, see `lstm_apps.data.tables`),
else the copy of the UEA archive that ships inside `aeon` (offline).

For your own sequences, use the `sequences` study (`lstm-apps run sequences
--set data=PATH`): a long-format CSV or a folder of files, validation by
default, groups kept apart, and MiniRocket and gradient-boosting baselines
in the same run.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np

from lstm_apps import models, training
from lstm_apps.data.inputs import Inputs, check_features, read_sequences
from lstm_apps.data.japanese_vowels import read_uci
from lstm_apps.data.sequences import SequenceLabelEncoder
from lstm_apps.data.splits import Splits, check_known_labels, stratified_holdout
from lstm_apps.data.tables import read_long_format
from lstm_apps.evaluation import evaluate as evaluate_model
from lstm_apps.evaluation import probabilities_to_labels
from lstm_apps.runs import Run
from lstm_apps.tasks.japanese_vowels.config import (  # noqa: F401 (re-exported)
    DESCRIPTION,
    NAME,
    Config,
)


def _read_aeon(split):
    from aeon.datasets import load_classification

    x, y = load_classification("JapaneseVowels", split=split)
    return [np.asarray(s, dtype="float32").T for s in x], np.asarray(y).astype(str)


def _read_raw(config):
    if config.data_path is None:
        return _read_aeon("train"), _read_aeon("test"), "aeon (UEA archive copy)"
    path = Path(config.data_path).expanduser()
    if path.is_dir():
        return read_uci(path / "ae.train"), read_uci(path / "ae.test"), f"UCI files in {path}"
    table = read_long_format(path)
    missing = {"train", "test"} - set(table)
    if missing:
        raise ValueError(
            f"{path} needs a split column with 'train' and 'test' rows; missing: {sorted(missing)}"
        )
    if "validation" in table:
        raise ValueError(
            f"{path.name} has 'validation' rows, which this study does not read: mark them "
            "'train' and set validation_fraction to hold out a stratified share. Received: "
            f"{len(table['validation'][0])} validation sequences"
        )
    check_known_labels(table["train"][1], table["test"][1], "test", path.name)
    return table["train"], table["test"], f"long-format table {path}"


def load_data(config: Config = Config()) -> Splits:
    """Load, encode and split the data (labels encoded on the training split)."""
    (x_train, y_train), (x_test, y_test), source = _read_raw(config)
    seed = config.training.seed or 0
    rng = np.random.default_rng(seed)
    if config.max_train_sequences and config.max_train_sequences < len(x_train):
        keep = np.sort(rng.choice(len(x_train), config.max_train_sequences, replace=False))
        x_train, y_train = [x_train[i] for i in keep], np.asarray(y_train)[keep]
    if config.max_test_sequences and config.max_test_sequences < len(x_test):
        keep = np.sort(rng.choice(len(x_test), config.max_test_sequences, replace=False))
        x_test, y_test = [x_test[i] for i in keep], np.asarray(y_test)[keep]
    encoder = SequenceLabelEncoder().fit(y_train)
    y_train, y_test = encoder.transform(y_train), encoder.transform(y_test)
    x_train, y_train, x_val, y_val = stratified_holdout(
        x_train, y_train, config.validation_fraction, seed, [str(c) for c in encoder.classes_]
    )
    return Splits(
        x_train,
        y_train,
        x_val,
        y_val,
        list(x_test),
        y_test,
        class_names=[str(c) for c in encoder.classes_],
        source=source,
    )


def build_model(config: Config, data: Splits):
    """The network named by `config.architecture`, sized for the data."""
    return models.build_model(
        config.architecture,
        num_features=data.num_features,
        num_outputs=len(data.class_names),
        units=config.units,
        dropout=config.dropout,
        recurrent_dropout=config.recurrent_dropout or None,
        normalization=config.normalization,
        input_noise=config.input_noise,
    )


def train(config: Config = Config(), data: Splits | None = None, *, callbacks=()) -> Run:
    """Load (unless given), build and train; returns a `Run` with the model and history.

    `callbacks` are extra Keras callbacks. Validation (when
    `validation_fraction` > 0) drives `training.validation_patience`.
    """
    data = data or load_data(config)
    keras.utils.set_random_seed(config.training.seed or 0)
    model = build_model(config, data)
    validation = (data.x_val, data.y_val) if data.x_val else None
    options = config.training.options(validation_data=validation)
    history = training.train(model, data.x_train, data.y_train, options, callbacks=callbacks)
    return Run(name=NAME, config=config, model=model, history=history.history, data=data)


def evaluate(run: Run) -> dict[str, float]:
    """Test-set accuracy, macro-F1 and per-speaker precision and recall."""
    data = run.data
    return evaluate_model(run.model, data.x_test, data.y_test, class_names=data.class_names)


def predict(run: Run, inputs) -> list[tuple[str, float]]:
    """The speaker and its probability for each `(T, 12)` sequence in `inputs`."""
    check_features(inputs, run.model.input_shape[-1])
    probabilities = training.predict(run.model, inputs)
    codes = probabilities_to_labels(probabilities, "softmax")
    return [(str(run.class_names[c]), float(p[c])) for c, p in zip(codes, probabilities)]


def read_inputs(source, config: Config) -> Inputs:
    """Sequences from a .csv (a row per frame, a column per cepstrum) or .npy file."""
    return read_sequences(source, NAME)


def sample_input(run: Run, directory) -> str:
    """Write the first test utterance as a CSV in `directory`; returns its path."""
    path = Path(directory) / "utterance.csv"
    np.savetxt(path, run.data.x_test[0], delimiter=",")
    return str(path)


def figures(run: Run, directory) -> list[Path]:
    """Training progress and the test confusion matrix, saved as PNG files; for
    single-layer SimpleRNN, LSTM and GRU networks also `gates.png`, the gates
    and states of the first test utterance beside its 12 cepstra."""
    from lstm_apps import plots
    from lstm_apps.analysis.gates import inspect_gates

    directory = Path(directory)
    labels = probabilities_to_labels(training.predict(run.model, run.data.x_test), "softmax")
    paths = [directory / "training_progress.png", directory / "confusion_matrix.png"]
    drawn = [
        plots.plot_training_progress(run.history, paths[0]),
        plots.plot_confusion_matrix(run.data.y_test, labels, run.data.class_names, paths[1]),
    ]
    if run.config.architecture in ("simple_rnn", "lstm", "gru") and isinstance(
        run.config.units, int
    ):
        sequence = run.data.x_test[0]
        paths.append(directory / "gates.png")
        speaker = run.data.class_names[run.data.y_test[0]]
        drawn.append(
            plots.plot_gates(
                inspect_gates(run.model, sequence),
                sequence,
                paths[-1],
                feature_names=[f"c{k + 1}" for k in range(sequence.shape[1])],
                title=f"Test utterance 1 (speaker {speaker}): gates and states",
            )
        )
    for fig in drawn:
        plots.plt.close(fig)
    return paths
