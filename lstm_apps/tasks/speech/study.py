"""Speech: spoken digits from raw audio, isolated (N to 1) or connected with CTC (N to M).

Data: the Free Spoken Digit Dataset (Jackson et al., CC BY-SA 4.0): 3,000
recordings at 8 kHz of the digits 0-9 by 6 speakers, 50 of each digit per
speaker. `protocol="official"` tests on recordings 0-4 of every digit and
speaker (300), `protocol="speaker"` on every recording of `test_speaker`,
so that no test voice is heard in training (run it once per speaker for
leave-one-speaker-out, as `benchmarks/speech.py` does).

Model: the waveform enters the model. Random gain, speed, delay and noise
(`WaveAugment`, training only), then a log-mel spectrogram (25 ms frames
every 10 ms, `LogMelSpectrogram`) or its MFCC, a z-score normalization
learned on the training recordings, and a recurrent network: "bilstm",
"bigru", "cnn_lstm" (the package's builders) or a causal "lstm"/"gru".

* `task="digits"`: one softmax over the digits per recording, fitted by
  `lstm_apps.train`; a same-run baseline (logistic regression on summary
  statistics of the same frames, or MiniRocket) is scored beside it.
* `task="connected"`: utterances of 2-7 digits joined from recordings of
  one part, with pauses and background noise; a per-frame softmax over
  blank + 10 digits trained with the CTC loss (`ctc.py`), decoded greedily
  and by beam search, scored by the digit error rate. A causal model also
  streams (`streaming.DigitStreamer`): digits emitted 10 ms hop by hop.

`lstm-apps predict RUN_DIR file.wav` reads any audio file soundfile reads,
resampled to the model's rate, and prints the digit or the digit string.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np

from lstm_apps import training
from lstm_apps.data.audio import read_audio, write_wav
from lstm_apps.data.inputs import Inputs, input_paths
from lstm_apps.evaluation import classification_metrics, probabilities_to_labels
from lstm_apps.runs import Run
from lstm_apps.tasks.speech import ctc
from lstm_apps.tasks.speech.baseline import fit_baseline
from lstm_apps.tasks.speech.config import (  # noqa: F401 (re-exported)
    DESCRIPTION,
    NAME,
    Config,
)
from lstm_apps.tasks.speech.data import SpeechSplits, load_data  # noqa: F401 (re-exported)
from lstm_apps.tasks.speech.network import build_network, waveform_features

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".aiff", ".aif")


@dataclass
class SpeechRun(Run):
    """A speech run; `baseline` holds the same-run baseline's test predictions."""

    baseline: dict = field(default_factory=dict)


def build_model(config: Config, data: SpeechSplits):
    """The waveform network of `config`, normalized on the training recordings."""
    outputs = 11 if config.task == "connected" else 10
    return build_network(config, outputs, data.x_train)


def train(config: Config = Config(), data: SpeechSplits | None = None, *, callbacks=()) -> Run:
    """Load (unless given), build and fit; for isolated digits also fit the baseline.

    Validation (`validation_fraction` > 0) drives early stopping.
    """
    data = data or load_data(config)
    keras.utils.set_random_seed(config.training.seed or 0)
    model = build_model(config, data)
    validation = (data.x_val, data.y_val) if data.x_val else None
    options = config.training.options(validation_data=validation)
    baseline = {}
    if config.task == "connected":
        history = ctc.fit_ctc(
            model, data.x_train, data.y_train, options, validation=validation, callbacks=callbacks
        )
    else:
        history = training.train(model, data.x_train, data.y_train, options, callbacks=callbacks)
        if config.baseline != "none":
            frontend = model.get_layer("features")
            baseline = fit_baseline(
                config.baseline,
                waveform_features(frontend, data.x_train),
                data.y_train,
                waveform_features(frontend, data.x_test),
                seed=config.training.seed or 0,
            )
    return SpeechRun(
        name=NAME,
        config=config,
        model=model,
        history=history.history,
        data=data,
        baseline=baseline,
    )


def evaluate(run: Run) -> dict[str, float]:
    """Isolated: accuracy, macro-F1, per-class and per-speaker accuracy, and the
    baseline's accuracy. Connected: digit error rate and whole-string accuracy,
    beam and greedy."""
    data, config = run.data, run.config
    if config.task == "connected":
        metrics, greedy, beam = ctc.ctc_metrics(
            run.model, data.x_test, data.y_test, config.beam_width
        )
        run.predictions = beam
        return metrics
    labels = probabilities_to_labels(training.predict(run.model, data.x_test), "softmax")
    run.predictions = labels
    metrics = classification_metrics(data.y_test, labels, data.class_names)
    for speaker in np.unique(data.speakers_test):
        rows = data.speakers_test == speaker
        metrics[f"accuracy_{speaker}"] = float(np.mean(labels[rows] == data.y_test[rows]))
    baseline = getattr(run, "baseline", None)
    if baseline:
        metrics[f"baseline_{baseline['name']}_accuracy"] = float(
            np.mean(baseline["predictions"] == data.y_test)
        )
    return metrics


def predict(run: Run, inputs) -> list[tuple[str, float]]:
    """The digit and its probability for each waveform; for a connected-digit model
    the digit string and the mean probability of its frames' best classes."""
    waves = [np.asarray(w, "float32").reshape(-1, 1) for w in inputs]
    if run.config.task == "connected":
        probabilities = ctc.frame_probabilities(run.model, waves)
        strings = ctc.decode(probabilities, run.config.beam_width)
        return [
            ("".join(map(str, digits)), float(p.max(axis=1).mean()))
            for digits, p in zip(strings, probabilities)
        ]
    probabilities = training.predict(run.model, waves)
    codes = probabilities_to_labels(probabilities, "softmax")
    return [(str(run.class_names[c]), float(p[c])) for c, p in zip(codes, probabilities)]


def read_inputs(source, config: Config) -> Inputs:
    """An audio file (or a folder of them), read as mono and resampled to the model's rate."""
    paths = input_paths(
        source,
        AUDIO_SUFFIXES,
        f"speech predicts from audio files: give a file ({', '.join(AUDIO_SUFFIXES)}) "
        "or a folder of them.",
    )
    waves = [read_audio(path, config.sample_rate)[:, None] for path in paths]
    return Inputs(waves, [path.name for path in paths])


def sample_input(run: Run, directory) -> str:
    """Write the first test recording (or utterance) as a WAV file; returns its path."""
    name = "utterance.wav" if run.config.task == "connected" else "digit.wav"
    path = Path(directory) / name
    write_wav(path, run.data.x_test[0][:, 0], run.data.sample_rate)
    return str(path)


def figures(run: Run, directory) -> list[Path]:
    """Training progress; isolated digits: the confusion matrix and the spectrograms
    the model reads; connected: the CTC probabilities of test utterances, and for a
    causal model the digits emitted while streaming a long recording."""
    from lstm_apps.tasks.speech import plots

    return plots.study_figures(run, Path(directory))
