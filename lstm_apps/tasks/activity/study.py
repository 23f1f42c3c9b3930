"""Human activity recognition from smartphone signals: one label per time step.

Data: the HAPT recordings (UCI; Reyes-Ortiz et al. 2016). There are 61
continuous recordings at 50 Hz from a waist-mounted phone, 6 channels
(acceleration with gravity, angular velocity), and a label for every sample:
6 basic activities, 6 postural transitions, and -1 where nobody labelled the
sample. Unlabelled samples are still read as input, but they count neither
in the loss nor in the metrics.

Split by person, as in UCI HAR: subjects 2, 4, 9, 10, 12, 13, 18, 20 and 24
are the test set. A few of the other subjects (chosen by `training.seed`) are
held out for validation and early stopping.

`task="steps"` (sequence-to-sequence): the network reads the signals
averaged over `downsample` samples (10 Hz by default), runs a recurrent
stack, holds each output for `downsample` samples and classifies every
50 Hz sample into one of the 12 labels. It trains on overlapping chunks of
`chunk_seconds`, each starting from a zero state, and it is evaluated on
whole recordings in one pass, with the state carried from the first sample
to the last. The recordings follow a fixed script of activities, so a
network that saw whole recordings could learn the order of the script
instead of the movements. Short training chunks keep it from doing so.

`task="windows"` (sequence-to-label): the classic HAR windows (128 samples =
2.56 s, 50 % overlap, inside a run of one basic activity) are classified
into the 6 basic activities. This is the same pipeline as Japanese Vowels.
With `gravity_split=True` a `GravitySplit` layer in front of the network
splits the acceleration of each window into gravity (its mean: the phone's
orientation) and body motion, as UCI HAR's own features do with a 0.3 Hz
low-pass filter; the saved model still reads raw 6-channel windows.

The metrics are accuracy and macro-F1 on all 12 labels, and `basic_*` on
the samples whose true label is a basic activity, where a transition
predicted there counts as an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np
from sklearn.metrics import f1_score

from lstm_apps import models, training
from lstm_apps.data import hapt
from lstm_apps.data.inputs import Inputs, check_features, read_sequences
from lstm_apps.data.splits import Splits
from lstm_apps.evaluation import classification_metrics, probabilities_to_labels
from lstm_apps.models.layers import GravitySplit
from lstm_apps.runs import Run
from lstm_apps.tasks.activity.config import (  # noqa: F401 (re-exported)
    ARCHITECTURES,
    DESCRIPTION,
    NAME,
    TASKS,
    Config,
    check_steps,
)
from lstm_apps.tasks.activity.network import build_network, chunks, predict_steps


@dataclass(kw_only=True)
class ActivitySplits(Splits):
    """Recordings (or windows) of the training, validation and test subjects."""

    validation_subjects: list[int]  # the training subjects held out for validation
    test_subjects: list[int]  # the subjects of the test split (`Config.test_subjects`)
    test_users: list[int]  # the subject of each test recording (or window)
    train_users: list[int] = field(default_factory=list)  # ... of each training item
    validation_users: list[int] = field(default_factory=list)  # ... of each validation item


@dataclass
class ActivityRun(Run):
    """A `Run` of the activity study; `predictions` holds the test class probabilities
    (`(T_i, classes)` per recording, or `(windows, classes)`) once `evaluate` has run."""

    training_chunks: int | None = None  # steps: chunks the network trained on


def _person_split(users, recordings, config: Config):
    """Indices of train / validation / test items from their subjects.

    `max_recordings` keeps the items of the first recordings of each split.
    """
    users, recordings = np.asarray(users), np.asarray(recordings)
    test = np.isin(users, config.test_subjects)
    others = np.unique(users[~test])
    if not 0 < config.validation_subjects < len(others):
        raise ValueError(
            f"`validation_subjects` must be between 1 and {len(others) - 1}. "
            f"Received: validation_subjects={config.validation_subjects}"
        )
    rng = np.random.default_rng(config.training.seed or 0)
    held = rng.choice(others, config.validation_subjects, replace=False)
    val = np.isin(users, held)

    def pick(mask):
        index = np.flatnonzero(mask)
        if config.max_recordings is not None:
            kept = list(dict.fromkeys(recordings[index]))[: config.max_recordings]
            index = index[np.isin(recordings[index], kept)]
        return index

    return pick(~test & ~val), pick(val), pick(test), sorted(int(h) for h in held)


def load_data(config: Config = Config()) -> ActivitySplits:
    """Recordings (task "steps") or windows (task "windows"), split by person.

    Steps: `x_*` are `(T_i, 6)` recordings and `y_*` their per-sample class
    codes 0-11, with -1 for unlabelled samples. Windows: `(128, 6)` windows
    and codes 0-5.
    """
    if config.task == "windows":
        given = Path(config.data_path).expanduser() if config.data_path else None
        shipped = given / Path(hapt.WINDOWS_FILE).name if given and given.is_dir() else None
        if given is None or (shipped and shipped.exists()):
            x, y, users, recordings = hapt.load_windows(shipped)
        else:  # windows of the recordings the user gave, not of the shared copy
            x, y, users, recordings = hapt.cut_windows(hapt.load_recordings(given))
        x, y, names = list(x), y - 1, list(hapt.ACTIVITIES[: hapt.BASIC])
    else:
        rec = hapt.load_recordings(config.data_path)
        x, users, recordings = rec.signals, rec.users, np.arange(len(rec))
        names = list(rec.class_names)
        y = [np.where(label > 0, label - 1, -1).astype("int32") for label in rec.labels]
    what = "the windows" if config.task == "windows" else "the recordings"
    hapt.check_subjects(users, config.test_subjects, f"{what} of {config.data_path or 'HAPT'}")
    train, val, test, held = _person_split(users, recordings, config)
    take = lambda idx: ([x[i] for i in idx], [y[i] for i in idx])  # noqa: E731
    (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = take(train), take(val), take(test)
    if config.task == "windows":
        y_tr, y_va, y_te = (np.asarray(v, "int32") for v in (y_tr, y_va, y_te))
    return ActivitySplits(
        x_tr, y_tr, x_va, y_va, x_te, y_te,
        class_names=names,
        source="UCI HAPT smartphone recordings, 50 Hz",
        validation_subjects=held,
        test_subjects=list(config.test_subjects),
        test_users=[int(users[i]) for i in test],
        train_users=[int(users[i]) for i in train],
        validation_users=[int(users[i]) for i in val],
    )  # fmt: skip


def build_model(config: Config, data: Splits):
    """The per-sample network (task "steps") or a sequence-to-label one ("windows")."""
    if config.task == "windows":
        extra = {"filters": config.filters} if config.architecture == "cnn_lstm" else {}
        split = GravitySplit(name="gravity_split") if config.gravity_split else None
        network = models.build_model(
            config.architecture,
            num_features=data.num_features + (len(split.channels) if split else 0),
            num_outputs=len(data.class_names),
            units=config.units,
            dropout=config.dropout,
            input_noise=config.input_noise,
            **extra,
        )
        if split is None:
            return network
        # The normalization learns its statistics from the split windows here;
        # `training.train` leaves an adapted layer alone.
        split_windows = keras.ops.convert_to_numpy(split(np.stack(data.x_train).astype("float32")))
        training.adapt_normalization(network, list(split_windows))
        inputs = keras.Input(shape=(None, data.num_features), name="input")
        return models.rechain(network, inputs, split(inputs), name=f"gravity_{network.name}")
    cell = config.architecture.removeprefix("bi")
    return build_network(
        cell=cell,
        units=config.units,
        bidirectional=config.architecture.startswith("bi"),
        dropout=config.dropout,
        downsample=config.downsample,
        num_classes=len(data.class_names),
        num_features=data.num_features,
        input_noise=config.input_noise,
    )


def train(
    config: Config = Config(), data: ActivitySplits | None = None, *, callbacks=()
) -> ActivityRun:
    """Fit on the training subjects, stopping early on the validation subjects.

    Task "steps" trains on chunks of `chunk_seconds` (`run.training_chunks`
    counts them) and validates on non-overlapping chunks of the validation
    recordings. `callbacks` are extra Keras callbacks.
    """
    data = data or load_data(config)
    keras.utils.set_random_seed(config.training.seed or 0)
    model = build_model(config, data)
    x, y, val = data.x_train, data.y_train, (data.x_val, data.y_val)
    training_chunks = None
    if config.task == "steps":
        length = int(round(config.chunk_seconds * hapt.SAMPLE_RATE))
        step = max(1, int(round(length * (1 - config.chunk_overlap))))
        x, y = chunks(x, y, length, step)
        val = chunks(*val, length, length)
        training_chunks = len(x)
        shortest = min((len(c) for c in x + val[0]), default=length)  # recordings may be shorter
        check_steps(config.downsample, shortest, "the shortest chunk", "give longer recordings")
    options = config.training.options(validation_data=val if len(val[0]) else None)
    history = training.train(model, x, y, options, callbacks=callbacks)
    return ActivityRun(NAME, config, model, history.history, data, training_chunks=training_chunks)


def evaluate(run: Run) -> dict[str, float]:
    """Accuracy and macro-F1 on all labels and (`basic_*`) on the 6 basic activities.

    `basic_*` score the samples whose true label is a basic activity; the
    prediction is still chosen among all labels, so a transition predicted
    there is an error. `basic_macro_f1` averages the F1 of the 6 basic
    activities. The test probabilities are kept in `run.predictions`.
    """
    data, model = run.data, run.model
    sequence = training.is_sequence_output(model)
    if sequence:
        probabilities = predict_steps(model, data.x_test)
    else:
        probabilities = training.predict(model, data.x_test)
    run.predictions = probabilities
    predicted = probabilities_to_labels(probabilities, "softmax")
    names = data.class_names
    metrics = classification_metrics(data.y_test, predicted, names)
    t = np.concatenate([np.ravel(v) for v in data.y_test])
    p = np.concatenate([np.ravel(v) for v in predicted])
    if len(names) > hapt.BASIC and tuple(names[: hapt.BASIC]) == hapt.ACTIVITIES[: hapt.BASIC]:
        basic = (t >= 0) & (t < hapt.BASIC)
        metrics["basic_accuracy"] = float(np.mean(t[basic] == p[basic]))
        metrics["basic_macro_f1"] = float(
            f1_score(t[basic], p[basic], labels=np.arange(hapt.BASIC), average="macro")
        )
    metrics["scored_samples" if sequence else "scored_windows"] = float(np.sum(t >= 0))
    return metrics


def predict(run: Run, inputs) -> list[tuple[str, float]]:
    """The activity (and its probability) at the last sample of each `(T, 6)` recording.

    A window network (task "windows") reads each input as one window.
    """
    names = run.class_names or list(hapt.ACTIVITIES)
    check_features(inputs, run.model.input_shape[-1])
    if training.is_sequence_output(run.model):
        last = np.stack([p[-1] for p in predict_steps(run.model, inputs)])
    else:
        last = training.predict(run.model, inputs)
    return [(names[int(np.argmax(p))], float(np.max(p))) for p in last]


def read_inputs(source, config: Config) -> Inputs:
    """Recordings from a .npy file (`(T, 6)`, or `(n, T, 6)` for several of one length)
    or a .csv file (a row per sample, a column per channel)."""
    return read_sequences(source, NAME)


def sample_input(run: Run, directory) -> str:
    """Write a test example as .npy in `directory` and return its path: the first
    30 s of the first test recording (task "steps") or the first 3 test windows."""
    path = Path(directory) / "recording.npy"
    if run.config.task == "steps":
        np.save(path, np.asarray(run.data.x_test[0][: 30 * hapt.SAMPLE_RATE], "float32"))
    else:
        np.save(path, np.stack(run.data.x_test[:3]).astype("float32"))
    return str(path)


def figures(run: Run, directory) -> list[Path]:
    """Training progress, a confusion matrix and (steps) a test recording over time."""
    from lstm_apps import plots
    from lstm_apps.tasks.activity import plots as activity_plots

    directory = Path(directory)
    if run.predictions is None:
        evaluate(run)
    probabilities = run.predictions
    predicted = probabilities_to_labels(probabilities, "softmax")
    paths = [directory / "training_progress.png", directory / "confusion_matrix.png"]
    plots.plt.close(plots.plot_training_progress(run.history, paths[0]))
    paths[1:] = activity_plots.confusion(run.data.y_test, predicted, run.data.class_names, paths[1])
    if training.is_sequence_output(run.model):
        paths.append(
            activity_plots.timeline(
                run.data.x_test[0],
                run.data.y_test[0],
                probabilities[0],
                run.data.class_names,
                directory / "timeline.png",
            )
        )
    return paths
