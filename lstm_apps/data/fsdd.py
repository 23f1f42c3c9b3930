"""The Free Spoken Digit Dataset (FSDD; Jackson et al.), spoken English digits.

3,000 mono 16-bit WAV recordings at 8 kHz: six speakers (`SPEAKERS`) say
each digit 0-9 fifty times. A file is named `{digit}_{speaker}_{index}.wav`,
index 0-49; the dataset's README makes indices 0-4 the test set (300 files,
`official_split`) and 5-49 the training set. Licence: CC BY-SA 4.0; attribute
the dataset in derived work. Your own recordings named the same way form a
folder that `fsdd_index` reads.

The `recordings` folder is found in `path`, else
`LSTM_APPS_DATA_DIR/fsdd/recordings`, else the user cache
(`sources.cache_dir()/fsdd/recordings`), else it is downloaded from the
official repository's archive pinned at commit `COMMIT` (`URL`). GitHub
archives are not byte-stable, so the check is on the extracted recordings:
`recordings_checksum` must equal `RECORDINGS_SHA256`.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import shutil
import tempfile
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from lstm_apps.data import sources

log = logging.getLogger(__name__)

FOLDER = "fsdd"
RECORDINGS = "recordings"
COMMIT = "26eb9aaf76e81b692f806f9140c2d2777410d7a1"
URL = f"https://github.com/Jakobovski/free-spoken-digit-dataset/archive/{COMMIT}.zip"
# sha256 of the text `sha256sum *.wav` prints in the recordings folder (names in byte order,
# lines "<hex>  <name>\n"), i.e. `cd recordings; sha256sum *.wav | sha256sum`.
RECORDINGS_SHA256 = "1801eae019c063377d98f831d3f93574f259475df7332bb0e3d1b080fb5e6959"
SPEAKERS = ("george", "jackson", "lucas", "nicolas", "theo", "yweweler")
SAMPLE_RATE = 8000  # Hz, every FSDD recording
TEST_INDICES = range(5)  # recordings 0-4 of each digit and speaker: the official test set
_NAME = re.compile(r"^(\d)_([^_]+)_(\d+)\.wav$")


def _wav_files(folder: Path) -> list[Path]:
    return sorted(
        (p for p in folder.iterdir() if p.suffix == ".wav" and p.is_file()),
        key=lambda p: p.name.encode(),
    )


def _holds_recordings(folder: Path) -> bool:
    return folder.is_dir() and any(p.suffix == ".wav" for p in folder.iterdir())


def recordings_checksum(folder) -> str:
    """The checksum of a folder's `*.wav` files, as `sha256sum *.wav | sha256sum` gives it.

    Each file's sha256 is listed as `"<hex>  <name>\\n"`, names sorted in byte
    order (the C locale's glob order); the checksum is the sha256 of that
    text. Other files and subfolders are left out.

    Raises:
        FileNotFoundError: if `folder` is not a folder.
        ValueError: if it holds no `.wav` file.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"No such folder: {folder}")
    files = _wav_files(folder)
    if not files:
        raise ValueError(f"The folder {folder} holds no .wav files.")
    listing = hashlib.sha256()
    for file in files:
        digest = sources.sha256_of(file)
        listing.update(f"{digest}  {file.name}\n".encode())
    return listing.hexdigest()


def fsdd_folder(path=None, *, url=URL, sha256=RECORDINGS_SHA256, download=True) -> Path:
    """The FSDD `recordings` folder: `path`, the data directory, the cache, or a download.

    Args:
        path: a folder that holds the `.wav` files, or one holding
            `recordings/`; default: search, then download.
        url: the archive to download (a zip whose `*/recordings/*.wav` are
            the recordings; `file://` works).
        sha256: the expected `recordings_checksum` of a download.
        download: allow a download when the data is nowhere else.

    Returns:
        The folder holding the recordings.

    Raises:
        FileNotFoundError: if `path` holds no recordings, or the data is
            nowhere and `download` is False (naming every place searched).
        DownloadError: if the download fails (see `sources.download_error`).
        ValueError: if the downloaded archive is not a zip, holds no
            recordings, or fails the checksum; nothing is kept then.
    """
    if path is not None:
        folder = Path(path).expanduser()
        for candidate in (folder, folder / RECORDINGS):
            if _holds_recordings(candidate):
                return candidate
        raise FileNotFoundError(
            f"`path` must be a folder holding .wav recordings, or one holding {RECORDINGS}/. "
            f"Received: path={str(folder)!r}"
        )
    searched = []
    for root in (sources.data_dir(), sources.cache_dir()):
        if root is not None:
            candidate = root / FOLDER / RECORDINGS
            searched.append(str(candidate))
            if _holds_recordings(candidate):
                return candidate
    if not download:
        raise FileNotFoundError(
            f"Could not find {FOLDER}/{RECORDINGS}. Searched: {searched}. Set "
            f"{sources.DATA_DIR_ENV} to a folder that holds {FOLDER}/{RECORDINGS}/, pass "
            "`path`, or allow the download."
        )
    return fetch(url, sha256)


def _read_url(url, progress=True) -> bytes:
    buffer = io.BytesIO()
    relative = f"{FOLDER}/{RECORDINGS}/"
    with sources.open_url(url, "the FSDD archive", relative) as response:
        sources.copy_response(response, buffer, "Downloading FSDD", progress)
    return buffer.getvalue()


def _extract_recordings(data: bytes, url, target: Path) -> int:
    """Write the archive's `*/recordings/*.wav` members into `target`, flat."""
    count = 0
    with sources.open_zip(data, url) as zipped:
        for member in zipped.infolist():
            parts = PurePosixPath(member.filename).parts
            wanted = len(parts) == 3 and parts[1] == RECORDINGS and parts[2].endswith(".wav")
            if member.is_dir() or not wanted:
                continue
            with zipped.open(member) as source, open(target / parts[2], "wb") as out:
                shutil.copyfileobj(source, out)
            count += 1
    return count


def fetch(url=URL, sha256=RECORDINGS_SHA256, progress=True) -> Path:
    """Download the FSDD archive and cache its checked recordings.

    Only `*/recordings/*.wav` is extracted, into a temporary folder beside
    `sources.cache_dir()/fsdd/recordings`; it replaces that folder only when
    its `recordings_checksum` equals `sha256`, so a bad download never
    overwrites a good cache and leaves nothing behind.

    Returns:
        The cached `recordings` folder.

    Raises:
        DownloadError: if the address cannot be reached or read.
        ValueError: if the download is not a zip, holds no recordings, or its
            recordings' checksum differs from `sha256` (both hashes named).
    """
    parent = sources.cache_dir() / FOLDER
    parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(dir=parent, prefix=f".{RECORDINGS}-"))
    target = parent / RECORDINGS
    try:
        count = _extract_recordings(_read_url(url, progress), url, staged)
        if count == 0:
            raise ValueError(
                f"The archive at {url} holds no */{RECORDINGS}/*.wav. Nothing was kept."
            )
        digest = recordings_checksum(staged)
        if digest != sha256:
            raise ValueError(
                f"The recordings downloaded from {url} have checksum {digest}, expected "
                f"{sha256}. Nothing was kept."
            )
        _move_into_place(staged, target)
        log.info("Cached %d FSDD recordings in %s", count, target)
        return target
    finally:
        shutil.rmtree(staged, ignore_errors=True)
        if not any(parent.iterdir()):
            parent.rmdir()


def _move_into_place(staged: Path, target: Path) -> None:
    """Replace `target` (absent, or an incomplete copy) by `staged` with atomic renames."""
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{RECORDINGS}-old-"))
        os.replace(target, old / RECORDINGS)
    os.replace(staged, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def fsdd_index(folder) -> pd.DataFrame:
    """One row per recording in a folder of `{digit}_{speaker}_{index}.wav` files.

    Args:
        folder: a recordings folder (see `fsdd_folder`). Only `.wav` files
            are indexed; other files are ignored.

    Returns:
        A DataFrame with columns `path` (str), `digit` (int), `speaker` (str)
        and `index` (int), sorted by digit, speaker and index. On FSDD: 3,000
        rows, 500 per speaker.

    Raises:
        FileNotFoundError: if `folder` is not a folder.
        ValueError: if it holds no `.wav` file, or a `.wav` file's name does
            not follow the pattern (the file is named).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"No such folder: {folder}")
    rows = []
    for file in _wav_files(folder):
        match = _NAME.match(file.name)
        if match is None:
            raise ValueError(
                f"Recording names must follow '{{digit}}_{{speaker}}_{{index}}.wav' (e.g. "
                f"'7_theo_12.wav'). Received: {file}"
            )
        digit, speaker, index = match.groups()
        rows.append((str(file), int(digit), speaker, int(index)))
    if not rows:
        raise ValueError(f"The folder {folder} holds no .wav recordings.")
    table = pd.DataFrame(rows, columns=["path", "digit", "speaker", "index"])
    table = table.sort_values(["digit", "speaker", "index"], kind="stable")
    return table.reset_index(drop=True)


def official_split(index: pd.DataFrame) -> np.ndarray:
    """The dataset's own split: a boolean mask, True for test rows (index 0-4).

    Args:
        index: a table from `fsdd_index`.

    Returns:
        A bool array of shape `(len(index),)`; `~mask` selects the training rows.

    Raises:
        ValueError: if `index` has no `index` column.
    """
    if "index" not in getattr(index, "columns", ()):
        raise ValueError(
            "`index` must be a table from fsdd_index, with an 'index' column. "
            f"Received: {type(index).__name__}"
        )
    return index["index"].isin(TEST_INDICES).to_numpy()
