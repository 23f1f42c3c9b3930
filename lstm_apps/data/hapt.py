"""Smartphone activity recordings (UCI HAPT): continuous 50 Hz signals, a label per sample.

`load_recordings()` returns the 61 recordings of HAPT ("Smartphone-Based
Recognition of Human Activities and Postural Transitions", Reyes-Ortiz et al.
2016): 30 people, a waist-mounted phone, 6 channels (acceleration x, y, z in g,
gravity included; angular velocity x, y, z in rad/s), and one label per
sample: 1-6 the basic activities, 7-12 the postural transitions, -1 for
samples outside every labelled segment.

Where the data is found, in order:
1. `path`: an `.npz` with the layout of `hapt_raw_50hz.npz` (keys `signals`
   `(samples, channels)`, `label` (-1 or 1..K), `offsets` (recording i is
   rows `offsets[i]:offsets[i+1]`), `user`, and optionally `class_names`, the
   names of labels 1..K; your own recordings can take this form), or a folder
   holding HAPT's `RawData/`;
2. `LSTM_APPS_DATA_DIR/har_smartphones/hapt_raw_50hz.npz`;
3. the user cache;
4. a download of the UCI archive, read from its `RawData/` folder and cached
   as an `.npz`.

The UCI archive's sha256 could not be pinned offline, so the download is
checked on its *content* instead (`content_check`): the sha256 of the
per-sample labels and the recording lengths, which are integers and so do
not depend on how the numbers are written.

`cut_windows()` makes the classic HAR windows (128 samples = 2.56 s, 50 %
overlap, only inside a run of one basic activity), the recipe of
`hapt_windows_128x6.npz`.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lstm_apps.data import sources

FOLDER = "har_smartphones"
RAW_FILE = f"{FOLDER}/hapt_raw_50hz.npz"
WINDOWS_FILE = f"{FOLDER}/hapt_windows_128x6.npz"
UCI_URL = (
    "https://archive.ics.uci.edu/static/public/341/"
    "smartphone+based+recognition+of+human+activities+and+postural+transitions.zip"
)
# sha256 of the labels and recording lengths, as `content_check` computes it.
CONTENT_SHA256 = "c9b8d73f84cb590caa90b8f2564e8af751c1364c6efdefcc60ce047fd58c0f75"
CHANNELS = ("acc-x", "acc-y", "acc-z", "gyro-x", "gyro-y", "gyro-z")
ACTIVITIES = (
    "WALKING",
    "WALKING_UPSTAIRS",
    "WALKING_DOWNSTAIRS",
    "SITTING",
    "STANDING",
    "LAYING",
    "STAND_TO_SIT",
    "SIT_TO_STAND",
    "SIT_TO_LIE",
    "LIE_TO_SIT",
    "STAND_TO_LIE",
    "LIE_TO_STAND",
)
BASIC = 6  # labels 1..6 are the basic activities
# The UCI HAR test subjects: the person split of the original benchmark.
TEST_SUBJECTS = (2, 4, 9, 10, 12, 13, 18, 20, 24)
SUBJECTS = tuple(range(1, 31))  # the 30 people of HAPT
SAMPLE_RATE = 50


@dataclass
class Recordings:
    """Continuous recordings: `signals[i]` is `(T_i, 6)`, `labels[i]` is `(T_i,)` in -1..12."""

    signals: list
    labels: list
    users: np.ndarray
    class_names: tuple = ACTIVITIES  # the name of label k is class_names[k - 1]

    def __len__(self):
        return len(self.signals)


def content_check(labels, lengths) -> str:
    """sha256 of the per-sample labels (int8) and the recording lengths (int64)."""
    digest = hashlib.sha256(np.asarray(lengths, "int64").tobytes())
    for label in labels:
        digest.update(np.asarray(label, "int8").tobytes())
    return digest.hexdigest()


def _from_npz(path: Path) -> Recordings:
    with np.load(path) as data:
        missing = {"signals", "label", "offsets", "user"} - set(data.files)
        if missing:
            raise ValueError(
                f"{path} lacks the keys {sorted(missing)}; it holds {sorted(data.files)}"
            )
        signals, label, offsets = data["signals"], data["label"], data["offsets"]
        users = data["user"].astype("int64")
        names = tuple(str(n) for n in data["class_names"]) if "class_names" in data else ACTIVITIES
    if signals.ndim != 2 or signals.dtype.kind not in "fiu":
        raise ValueError(
            f"`signals` in {path} must be numbers, (samples, channels). "
            f"Received: {signals.dtype} {signals.shape}"
        )
    if len(offsets) != len(users) + 1 or offsets[-1] != len(signals) or len(label) != len(signals):
        raise ValueError(f"`offsets` and `label` in {path} do not match `user` and `signals`.")
    if label.min() < -1 or label.max() > len(names) or not np.isfinite(signals).all():
        raise ValueError(
            f"`label` in {path} must be -1 (unlabelled) or 1..{len(names)}, and `signals` "
            f"finite. Received labels from {label.min()} to {label.max()}, "
            f"{int(np.sum(~np.isfinite(signals)))} non-finite signal values"
        )
    pieces = list(zip(offsets[:-1], offsets[1:]))
    return Recordings(
        [signals[a:b].astype("float32") for a, b in pieces],
        [label[a:b].astype("int16") for a, b in pieces],
        users,
        names,
    )


def read_raw_data(files) -> Recordings:
    """Read HAPT's `RawData/` files: `acc_expEE_userUU.txt`, `gyro_...`, `labels.txt`.

    Args:
        files: a mapping from file name (no folder) to its bytes or a path.

    Returns:
        `Recordings` in experiment order. Samples outside every segment of
        `labels.txt` get -1. Segment bounds are read as 0-based, inclusive.
    """

    def text(name):
        item = files[name]
        return item if isinstance(item, bytes) else Path(item).read_bytes()

    pattern = re.compile(r"acc_exp(\d+)_user(\d+)\.txt$")
    experiments = sorted(
        (int(m[1]), int(m[2]), name) for name in files if (m := pattern.match(name))
    )
    if not experiments or "labels.txt" not in files:
        raise FileNotFoundError(
            "HAPT RawData needs acc_expEE_userUU.txt, gyro_expEE_userUU.txt and labels.txt. "
            f"Found: {sorted(files)[:10]}"
        )
    segments = np.loadtxt(io.BytesIO(text("labels.txt")), dtype="int64", ndmin=2)
    signals, labels, users = [], [], []
    for exp, user, acc_name in experiments:
        gyro_name = acc_name.replace("acc_", "gyro_")
        if gyro_name not in files:
            raise FileNotFoundError(f"{acc_name} has no matching {gyro_name}.")
        acc = np.loadtxt(io.BytesIO(text(acc_name)), ndmin=2)
        gyro = np.loadtxt(io.BytesIO(text(gyro_name)), ndmin=2)
        if acc.shape != gyro.shape or acc.shape[1] != 3:
            raise ValueError(
                f"{acc_name} {acc.shape} and {gyro_name} {gyro.shape} must both be (T, 3)."
            )
        label = np.full(len(acc), -1, "int8")
        for _, _, activity, start, end in segments[segments[:, 0] == exp]:
            label[start : end + 1] = activity
        signals.append(np.hstack([acc, gyro]).astype("float32"))
        labels.append(label)
        users.append(user)
    return Recordings(signals, labels, np.asarray(users, "int64"))


def _from_folder(path: Path) -> Recordings:
    folder = path / "RawData" if (path / "RawData").is_dir() else path
    return read_raw_data({p.name: p for p in folder.glob("*.txt")})


def save_npz(recordings: Recordings, path) -> Path:
    """Write recordings in the layout of `hapt_raw_50hz.npz`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lengths = [len(s) for s in recordings.signals]
    tmp = path.with_name(f".{path.stem}.part.npz")
    np.savez_compressed(
        tmp,
        signals=np.concatenate(recordings.signals),
        label=np.concatenate(recordings.labels),
        offsets=np.concatenate([[0], np.cumsum(lengths)]).astype("int64"),
        user=np.asarray(recordings.users, "int16"),
        channels=np.asarray(CHANNELS),
        class_names=np.asarray(recordings.class_names),
    )
    tmp.replace(path)
    return path


def fetch(url=UCI_URL, expected=CONTENT_SHA256) -> Path:
    """Download the UCI HAPT archive, check its content and cache it as an `.npz`.

    Raises:
        DownloadError: if the archive cannot be downloaded (the message says
            to set `LSTM_APPS_DATA_DIR` to a folder holding `har_smartphones/hapt_raw_50hz.npz`).
        ValueError: if the archive's labels or lengths differ from the pinned
            content hash; nothing is kept then.
    """
    with sources.open_url(url, "the UCI HAPT archive", RAW_FILE) as response:
        archive = sources.open_zip(response.read(), url)
    files = {
        Path(n).name: archive.read(n)
        for n in archive.namelist()
        if "RawData/" in n and n.endswith(".txt")
    }
    recordings = read_raw_data(files)
    digest = content_check(recordings.labels, [len(s) for s in recordings.signals])
    if digest != expected:
        raise ValueError(
            f"The HAPT data from {url} has content sha256 {digest}, expected {expected}. "
            "Nothing was kept."
        )
    return save_npz(recordings, sources.cache_dir() / RAW_FILE)


def load_recordings(path=None, *, url=UCI_URL) -> Recordings:
    """The HAPT recordings, from `path`, the data directory, the cache or a download."""
    if path is not None:
        path = Path(path).expanduser()
        if path.is_dir():
            return _from_folder(path)
        if not path.exists():
            raise FileNotFoundError(f"No such HAPT file or folder: {path}")
        return _from_npz(path)
    try:
        return _from_npz(sources.find_file(RAW_FILE))
    except FileNotFoundError:
        if url is None:
            raise
    return _from_npz(fetch(url))


def spans(numbers) -> str:
    """Sorted integers as ranges: [1, 2, 3, 5] -> "1-3, 5"."""
    numbers, runs = sorted(set(numbers)), []
    for n in numbers:
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in runs)


def check_subjects(users, test_subjects, source="the recordings") -> None:
    """Refuse test subjects that `users` (the person of each item) do not hold, or that
    leave fewer than 2 people for training and validation.

    Raises:
        ValueError: naming the absent subjects and the subjects present in `source`.
    """
    present = sorted({int(u) for u in np.asarray(users).tolist()})
    unknown = [s for s in test_subjects if s not in present]
    if unknown:
        raise ValueError(
            f"Test subjects {unknown} are not in {source}, whose subjects are "
            f"{spans(present)}: a test set of them would be empty. "
            f"Received: test_subjects={tuple(test_subjects)!r}"
        )
    others = len(present) - len(set(test_subjects))
    if others < 2:
        raise ValueError(
            f"`test_subjects` leave {others} of the {len(present)} subjects of {source} for "
            "training and validation, which need at least one each. "
            f"Received: test_subjects={tuple(test_subjects)!r}"
        )


def cut_windows(recordings: Recordings, length=128, step=64):
    """Fixed windows inside runs of one basic activity (labels 1-6).

    Returns:
        `(x, y, user, recording)`: `(n, length, 6)` float32 windows, their
        labels 1-6, the person of each and the index of its recording.
    """
    xs, ys, users, sources_ = [], [], [], []
    for index, (signal, label) in enumerate(zip(recordings.signals, recordings.labels)):
        change = np.flatnonzero(np.diff(label)) + 1
        for start, end in zip(np.r_[0, change], np.r_[change, len(label)]):
            if not 1 <= label[start] <= BASIC:
                continue
            for a in range(start, end - length + 1, step):
                xs.append(signal[a : a + length])
                ys.append(label[start])
                users.append(recordings.users[index])
                sources_.append(index)
    return (
        np.stack(xs).astype("float32"),
        np.asarray(ys, "int64"),
        np.asarray(users),
        np.asarray(sources_),
    )


def load_windows(path=None):
    """HAR windows `(x, y, user, recording)` from `hapt_windows_128x6.npz`, or cut anew.

    Without the `.npz` (in `path`, the data directory or the cache), the
    windows are cut from the recordings with `cut_windows`, which gives the
    same windows.
    """
    if path is None:
        try:
            path = sources.find_file(WINDOWS_FILE)
        except FileNotFoundError:
            return cut_windows(load_recordings())
    with np.load(Path(path).expanduser()) as data:
        missing = {"X", "y", "subject", "experiment"} - set(data.files)
        if missing:
            raise ValueError(f"{path} lacks the keys {sorted(missing)}.")
        return (
            data["X"].astype("float32"),
            data["y"].astype("int64"),
            data["subject"].astype("int64"),
            data["experiment"].astype("int64"),
        )
