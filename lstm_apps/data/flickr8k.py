"""Flickr8k image captions (Hodosh, Young & Hockenmaier 2013).

A Flickr8k-format folder holds:

* `Flickr8k.token.txt`: one caption per line, `IMAGE.jpg#N<TAB>caption`,
  N = 0..4 (five captions per image);
* `Flickr_8k.trainImages.txt`, `Flickr_8k.devImages.txt`,
  `Flickr_8k.testImages.txt`: the split lists, one image name per line;
* the images, in `images/` (or `Flicker8k_Dataset/`, the folder name inside
  the original archive).

Your own captioned images can take this form.

The folder is found in `path`, else `LSTM_APPS_DATA_DIR/flickr8k`, else the
user cache (`sources.cache_dir()/flickr8k`), else it is downloaded (`fetch`).
The archives' own sha256 could not be fetched offline, so the download is
checked on the *content* of the caption file: its sha256 must equal
`TOKEN_SHA256`, the hash of the original 3,395,237-byte `Flickr8k.token.txt`.

The original caption file names one image "2258277193_586949ec62.jpg.1"
(a quirk of the release; no image has that name). `read_captions` strips the
trailing ".1", so the captions belong to "2258277193_586949ec62.jpg"; that
image is in no split list and not in the image archive, so it is dropped as a
missing image by `load_flickr8k`.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lstm_apps.data import sources

log = logging.getLogger(__name__)

FOLDER = "flickr8k"
TOKEN_FILE = "Flickr8k.token.txt"
SPLIT_FILES = {
    "train": "Flickr_8k.trainImages.txt",
    "dev": "Flickr_8k.devImages.txt",
    "test": "Flickr_8k.testImages.txt",
}
IMAGE_FOLDERS = ("images", "Flicker8k_Dataset", "Flickr8k_Dataset")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
ON_MISSING = ("drop", "raise")
_RELEASES = "https://github.com/jbrownlee/Datasets/releases/download/Flickr8k"
TEXT_URL = f"{_RELEASES}/Flickr8k_text.zip"
IMAGES_URL = f"{_RELEASES}/Flickr8k_Dataset.zip"
# sha256 of the original Flickr8k.token.txt (3,395,237 bytes, 40,460 captions).
TOKEN_SHA256 = "1e1f3a371ba1a1bf742e6930521c037e046b2bf3fcc2390ba8405e0301ed7689"
_QUIRK = re.compile(r"(\.(?:jpg|jpeg|png))\.\d+$", re.IGNORECASE)


@dataclass
class Flickr8k:
    """Captions, splits and image folder of a Flickr8k-format dataset."""

    folder: Path  # the folder holding the caption and split files
    captions: dict[str, list[str]]  # image name -> its captions, in file order
    splits: dict[str, list[str]]  # "train" / "dev" / "test" -> image names
    missing: int = 0  # image names (splits or captions) absent from the image folder
    image_dir: Path | None = None  # the image folder, None if there is none
    dropped: dict[str, int] = field(default_factory=dict)  # split -> names dropped

    def image_path(self, name) -> Path:
        """The file of image `name`."""
        if self.image_dir is None:
            raise FileNotFoundError(f"{self.folder} has no image folder ({IMAGE_FOLDERS}).")
        return self.image_dir / name

    def image_paths(self, names) -> list[Path]:
        """The files of several images, in order."""
        return [self.image_path(name) for name in names]


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"{path} is not UTF-8 text: {error}") from error


def read_captions(path) -> dict[str, list[str]]:
    """Read a `Flickr8k.token.txt` caption file.

    Args:
        path: the caption file; lines `IMAGE#N<TAB>caption`, blank lines
            ignored. A name such as "x.jpg.1" is read as "x.jpg" (the quirk
            of the original file, see the module docstring).

    Returns:
        A dict from image name to its captions, in the order of the file.

    Raises:
        ValueError: for a file with no captions (naming the file), or a
            malformed line (naming the file and line number).
    """
    path = Path(path)
    captions: dict[str, list[str]] = {}
    renamed = set()
    for number, line in enumerate(_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        key, tab, caption = line.partition("\t")
        name, hash_, index = key.strip().rpartition("#")
        if not (tab and hash_ and name and index.isdigit() and caption.strip()):
            raise ValueError(
                f"{path}, line {number}: expected 'IMAGE#N<TAB>caption' with a non-empty "
                f"caption. Received: {line[:80]!r}"
            )
        if _QUIRK.search(name):
            renamed.add(name)
            name = _QUIRK.sub(r"\1", name)
        captions.setdefault(name, []).append(caption.strip())
    if not captions:
        raise ValueError(f"The caption file {path} holds no captions.")
    if renamed:
        log.info(
            "Read %d image name(s) such as %r without their trailing '.N'",
            len(renamed),
            min(renamed),
        )
    return captions


def read_split(path) -> list[str]:
    """Read a split list: one image name per line, blank lines ignored.

    Raises:
        ValueError: if the file names no image.
    """
    path = Path(path)
    names = [line.strip() for line in _text(path).splitlines() if line.strip()]
    if not names:
        raise ValueError(f"The split file {path} names no image.")
    return names


def _image_dir(folder: Path) -> Path | None:
    for name in IMAGE_FOLDERS:
        if (folder / name).is_dir():
            return folder / name
    return None


def _has_text(folder: Path) -> bool:
    return (folder / TOKEN_FILE).is_file()


def find_folder(path=None, *, download=True) -> Path:
    """The Flickr8k folder: `path`, the data directory, the cache, or a download.

    Raises:
        FileNotFoundError: when `path` lacks the caption file, or the data is
            nowhere and cannot be downloaded (the message names every place
            searched and why the download failed).
        ValueError: if a download fails the content check (see `fetch`).
    """
    if path is not None:
        folder = Path(path).expanduser()
        if not _has_text(folder):
            raise FileNotFoundError(
                f"`path` must be a folder holding {TOKEN_FILE}. Received: path={str(folder)!r}"
            )
        return folder
    searched = []
    for root in (sources.data_dir(), sources.cache_dir()):
        if root is not None:
            searched.append(str(root / FOLDER))
            if _has_text(root / FOLDER):
                return root / FOLDER
    failure = ""
    if download:
        try:
            return fetch()
        except OSError as error:  # no network, or the address moved
            failure = f" The download from {TEXT_URL} failed: {error}."
    raise FileNotFoundError(
        f"Could not find {FOLDER}/{TOKEN_FILE}. Searched: {searched}.{failure} Set "
        f"{sources.DATA_DIR_ENV} to a folder that holds {FOLDER}/, or pass `path`."
    )


def load_flickr8k(
    path=None, *, images_only_present=True, on_missing="drop", download=True
) -> Flickr8k:
    """Load Flickr8k captions and splits, matched against the image folder.

    Args:
        path: a Flickr8k-format folder (see the module docstring); default:
            search the data directory and the cache, then download.
        images_only_present: True (default) keeps only images whose file is
            in the image folder, handling the others as `on_missing` says.
            False keeps every captioned image (e.g. to work on the text
            alone); `missing` is still counted, and there need not be an
            image folder.
        on_missing: "drop" (default) drops absent images from the captions
            and the splits and logs their count; "raise" raises instead.
        download: allow a download when the data is nowhere else.

    Returns:
        A `Flickr8k` with `captions`, `splits` ("train", "dev", "test"), the
        number of `missing` images and, per split, how many names were
        `dropped`. On the shared copy (1,000 images): 753 / 113 / 125.

    Raises:
        ValueError: for a bad `on_missing`, malformed files, or, with
            `on_missing="raise"`, images that are missing or split entries
            without captions (the count and a few names given).
        FileNotFoundError: see `find_folder`; also when `images_only_present`
            is True and the folder holds no image folder.
    """
    if on_missing not in ON_MISSING:
        raise ValueError(
            f"`on_missing` must be one of {ON_MISSING}. Received: on_missing={on_missing!r}"
        )
    folder = find_folder(path, download=download)
    captions = read_captions(folder / TOKEN_FILE)
    missing_files = [name for name in SPLIT_FILES.values() if not (folder / name).is_file()]
    if missing_files:
        raise FileNotFoundError(f"{folder} lacks the split lists {missing_files}.")
    splits = {split: read_split(folder / name) for split, name in SPLIT_FILES.items()}
    image_dir = _image_dir(folder)
    if image_dir is None and images_only_present:
        raise FileNotFoundError(
            f"{folder} holds no image folder (one of {IMAGE_FOLDERS}). Pass "
            "images_only_present=False to load the captions alone."
        )
    present = set() if image_dir is None else {p.name for p in image_dir.iterdir()}
    named = set(captions).union(*splits.values())
    absent = sorted(named - present)
    uncaptioned = sorted(set().union(*splits.values()) - set(captions))
    data = Flickr8k(folder, captions, splits, len(absent), image_dir)
    if not images_only_present:
        return data
    if on_missing == "raise" and (absent or uncaptioned):
        raise ValueError(
            f"{len(absent)} images named in {folder} are missing from {image_dir} "
            f"(e.g. {absent[:3]}), and {len(uncaptioned)} split entries have no captions "
            f"(e.g. {uncaptioned[:3]}). Pass on_missing='drop' to leave them out."
        )
    keep = present & set(captions)
    data.captions = {name: caps for name, caps in captions.items() if name in keep}
    data.splits = {split: [n for n in names if n in keep] for split, names in splits.items()}
    data.dropped = {split: len(splits[split]) - len(data.splits[split]) for split in splits}
    if absent or uncaptioned:
        log.info(
            "Dropped %d images missing from %s (%d captioned images and %s split entries "
            "remain); %d split entries had no captions.",
            len(absent),
            image_dir,
            len(data.captions),
            {split: len(names) for split, names in data.splits.items()},
            len(uncaptioned),
        )
    return data


def caption_pairs(data: Flickr8k, split="train") -> tuple[list[str], list[str]]:
    """One `(image name, caption)` pair per caption of the images of a split.

    Returns:
        `(names, captions)`: two lists of equal length, in split order, each
        image's captions in file order.
    """
    if split not in data.splits:
        raise ValueError(f"`split` must be one of {tuple(data.splits)}. Received: split={split!r}")
    names, texts = [], []
    for name in data.splits[split]:
        for caption in data.captions.get(name, ()):
            names.append(name)
            texts.append(caption)
    return names, texts


def _download(url, target: Path, progress=True) -> Path:
    with open(target, "wb") as out, urllib.request.urlopen(url) as response:
        desc = f"Downloading {url.rsplit('/', 1)[-1]}"
        sources.copy_response(response, out, desc, progress, block_size=1 << 20)
    return target


def _extract(archive: Path, target: Path, keep) -> int:
    """Copy the members of a zip whose base name passes `keep` into `target`, flat."""
    count = 0
    with zipfile.ZipFile(archive) as zipped:
        for member in zipped.infolist():
            name = Path(member.filename).name
            if member.is_dir() or "__MACOSX" in member.filename or name.startswith("."):
                continue
            if keep(name):
                with zipped.open(member) as source, open(target / name, "wb") as out:
                    shutil.copyfileobj(source, out)
                count += 1
    return count


def fetch(
    text_url=TEXT_URL, images_url=IMAGES_URL, text_sha256=TOKEN_SHA256, progress=True
) -> Path:
    """Download the Flickr8k text and image archives into the cache.

    The caption file of the text archive must have the sha256 `text_sha256`
    (default: the pinned original, `TOKEN_SHA256`); the images archive is
    downloaded only after that check passes. The images archive (about 1 GB)
    cannot be pinned: its hash was not available offline and its members are
    not checked, beyond being read by `load_flickr8k`. Everything is written
    to a temporary folder and moved into `sources.cache_dir()/flickr8k` only
    when complete, so a failed or refused download keeps nothing.

    Args:
        text_url: address of a zip holding `Flickr8k.token.txt` and the split
            lists (anywhere in the zip; `file://` works).
        images_url: address of a zip holding the images.
        text_sha256: the expected sha256 of `Flickr8k.token.txt`.
        progress: show download progress bars.

    Returns:
        The cache folder now holding the dataset.

    Raises:
        ValueError: if the caption file is absent or differs from
            `text_sha256`, a split list is absent, or the images zip holds no
            image; nothing is kept then.
        OSError: if a download fails (e.g. no network).
    """
    cache = sources.cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=cache, prefix=f".{FOLDER}-"))
    try:
        staged = work / FOLDER
        staged.mkdir()
        archive = _download(text_url, work / "text.zip", progress)
        _extract(archive, staged, lambda name: name.lower().endswith(".txt"))
        token = staged / TOKEN_FILE
        if not token.is_file():
            raise ValueError(f"The zip at {text_url} holds no {TOKEN_FILE}. Nothing was kept.")
        digest = sources.sha256_of(token)
        if digest != text_sha256:
            raise ValueError(
                f"{TOKEN_FILE} from {text_url} has sha256 {digest}, expected {text_sha256}. "
                "Nothing was kept."
            )
        absent = [name for name in SPLIT_FILES.values() if not (staged / name).is_file()]
        if absent:
            raise ValueError(f"The zip at {text_url} lacks {absent}. Nothing was kept.")
        archive.unlink()
        (staged / "images").mkdir()
        archive = _download(images_url, work / "images.zip", progress)
        count = _extract(archive, staged / "images", lambda n: n.lower().endswith(IMAGE_SUFFIXES))
        if count == 0:
            raise ValueError(f"The zip at {images_url} holds no images. Nothing was kept.")
        target = cache / FOLDER
        if target.exists():  # an incomplete earlier copy in the cache
            shutil.rmtree(target)
        os.replace(staged, target)
        log.info("Cached Flickr8k captions and %d images in %s", count, target)
        return target
    finally:
        shutil.rmtree(work, ignore_errors=True)
