"""The speech study's data: FSDD recordings split by protocol, read as waveforms.

`load_data` finds the recordings (`lstm_apps.data.fsdd.fsdd_folder`: a
given folder, `LSTM_APPS_DATA_DIR/fsdd`, the cache, or the official archive
checked by sha256), splits them by the official rule (recordings 0-4 of
each digit and speaker are the test set) or by speaker (one voice held
out), holds out a validation share stratified by digit, and reads every
file at `Config.sample_rate`. For the connected-digit task it then joins
recordings of each part into utterances of several digits, so no test
utterance holds a recording heard in training.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lstm_apps.data.audio import read_audio
from lstm_apps.data.fsdd import fsdd_folder, fsdd_index
from lstm_apps.data.splits import Splits, stratified_holdout
from lstm_apps.tasks.speech.config import Config
from lstm_apps.tasks.speech.utterances import compose_utterances

DIGITS = [str(d) for d in range(10)]


@dataclass(kw_only=True)
class SpeechSplits(Splits):
    """Waveform splits: `x_*` are `(samples, 1)` float32 arrays at `sample_rate`.

    For `task="digits"` the targets are digit codes; for `"connected"` each
    target is an int array of the digits spoken, and `spans_test` gives the
    samples where each test digit lies.
    """

    sample_rate: int
    speakers_train: np.ndarray  # the speaker of each training recording
    speakers_val: np.ndarray | None = None  # ... of each validation recording
    speakers_test: np.ndarray | None = None  # ... of each test recording (digits task)
    names_test: list | None = None  # file name of each test recording (digits task)
    spans_test: list | None = None  # connected: (start, end) samples of each test digit

    @property
    def num_features(self) -> int:
        return 1


def split_index(config: Config):
    """The FSDD index with a `part` column: "train", "validation" or "test"."""
    folder = fsdd_folder(config.data_path)
    index = fsdd_index(folder)
    if config.protocol == "official":
        test = index["index"].to_numpy() < 5
    else:
        test = (index["speaker"] == config.test_speaker).to_numpy()
        if not test.any():
            raise ValueError(
                f"No recording of speaker {config.test_speaker!r} in {folder}. "
                f"Speakers there: {sorted(index['speaker'].unique())}"
            )
    seed = config.training.seed or 0
    rng = np.random.default_rng(seed)
    train_rows, test_rows = np.flatnonzero(~test), np.flatnonzero(test)
    if config.max_recordings and config.max_recordings < len(train_rows):
        train_rows = np.sort(rng.choice(train_rows, config.max_recordings, replace=False))
        keep = max(20, config.max_recordings // 9)
        if keep < len(test_rows):
            test_rows = np.sort(rng.choice(test_rows, keep, replace=False))
    digits = index["digit"].to_numpy()
    fit_rows, _, val_rows, _ = stratified_holdout(
        list(train_rows), digits[train_rows], config.validation_fraction, seed, DIGITS
    )
    part = np.full(len(index), "", dtype=object)
    part[np.asarray(fit_rows, int)] = "train"
    if val_rows is not None:
        part[np.asarray(val_rows, int)] = "validation"
    part[test_rows] = "test"
    index = index.assign(part=part)
    return index[index["part"] != ""].reset_index(drop=True), folder


def _read(rows, sample_rate):
    return [read_audio(path, sample_rate)[:, None] for path in rows["path"]]


def load_data(config: Config = Config()) -> SpeechSplits:
    """Read and split the recordings; join them into utterances for `task="connected"`."""
    index, folder = split_index(config)
    parts = {name: index[index["part"] == name] for name in ("train", "validation", "test")}
    waves = {name: _read(rows, config.sample_rate) for name, rows in parts.items()}
    digits = {name: rows["digit"].to_numpy(dtype="int32") for name, rows in parts.items()}
    speakers = {name: rows["speaker"].to_numpy(dtype=str) for name, rows in parts.items()}
    source = f"FSDD recordings in {folder} ({config.protocol} split"
    source += f", test speaker {config.test_speaker})" if config.protocol == "speaker" else ")"
    has_val = len(waves["validation"]) > 0
    common = dict(
        # the model's classes: connected digits have CTC's blank first (digit d is class d + 1)
        class_names=DIGITS if config.task == "digits" else ["blank", *DIGITS],
        sample_rate=config.sample_rate,
        speakers_train=speakers["train"],
        speakers_val=speakers["validation"] if has_val else None,
    )
    if config.task == "digits":
        return SpeechSplits(
            waves["train"],
            digits["train"],
            waves["validation"] if has_val else None,
            digits["validation"] if has_val else None,
            waves["test"],
            digits["test"],
            source=source,
            speakers_test=speakers["test"],
            names_test=[Path(p).name for p in parts["test"]["path"]],
            **common,
        )
    low, high = config.digits_per_utterance
    seed = config.training.seed or 0
    joined = {}
    for k, name in enumerate(("train", "validation", "test")):
        if not waves[name]:
            joined[name] = None
            continue
        joined[name] = compose_utterances(
            [w[:, 0] for w in waves[name]],
            digits[name],
            config.num_utterances[k],
            min_digits=low,
            max_digits=high,
            sample_rate=config.sample_rate,
            seed=seed * 10 + k,
        )
    val = joined["validation"]
    return SpeechSplits(
        [w[:, None] for w in joined["train"].waveforms],
        list(joined["train"].labels),
        None if val is None else [w[:, None] for w in val.waveforms],
        None if val is None else list(val.labels),
        [w[:, None] for w in joined["test"].waveforms],
        list(joined["test"].labels),
        source=source + f"; {sum(config.num_utterances)} utterances of {low}-{high} digits",
        spans_test=list(joined["test"].spans),
        **common,
    )
