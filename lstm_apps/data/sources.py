"""Where data files come from: an explicit path, `LSTM_APPS_DATA_DIR`, the
user cache, or a download from the official address checked by sha256.

A download that fails (no network, a missing file, an HTTP error) raises
`DownloadError` with one line naming the file, the address, the reason and
what to do: set `LSTM_APPS_DATA_DIR` to a folder that holds the file, or
check the connection.
"""

from __future__ import annotations

import http.client
import io
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from contextlib import contextmanager
from pathlib import Path

from tqdm.auto import tqdm

from lstm_apps.storage import file_sha256

DATA_DIR_ENV = "LSTM_APPS_DATA_DIR"
CACHE_DIR_ENV = "LSTM_APPS_CACHE_DIR"
TIMEOUT = 60  # seconds a download may wait for the server at any one step
# What a failed download raises: address and connection errors, HTTP errors, a cut transfer.
_NETWORK_ERRORS = (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError)


class DownloadError(OSError):
    """A download failed; the message names the file, the address, the reason and the remedy."""


def download_error(what, url, error, relative=None) -> DownloadError:
    """The `DownloadError` for `error` while downloading `what` (a file name) from `url`.

    `relative` is the path, inside a data folder, of the file that a local
    copy would provide (default `what`).
    """
    if isinstance(error, urllib.error.HTTPError):
        why = f"HTTP error {error.code} ({error.reason})"
    else:
        reason = getattr(error, "reason", None) or error
        why = " ".join(str(reason).split()) or type(reason).__name__
    return DownloadError(
        f"Could not download {what} from {url}: {why}. Set {DATA_DIR_ENV} to a folder that "
        f"holds {relative or what}, or check the network connection and try again."
    )


@contextmanager
def open_url(url, what, relative=None, timeout=TIMEOUT):
    """`urllib.request.urlopen(url)` as a context manager whose network errors, while
    opening or reading, become a `DownloadError` (see `download_error`)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            yield response
    except _NETWORK_ERRORS as error:
        raise download_error(what, url, error, relative) from None


def data_dir() -> Path | None:
    """The directory named by `LSTM_APPS_DATA_DIR`, or None when unset."""
    value = os.environ.get(DATA_DIR_ENV)
    return Path(value).expanduser() if value else None


def cache_dir() -> Path:
    """The user cache, `~/.cache/lstm_apps` unless `LSTM_APPS_CACHE_DIR` says otherwise."""
    return Path(os.environ.get(CACHE_DIR_ENV, "~/.cache/lstm_apps")).expanduser()


def open_zip(data: bytes, url) -> zipfile.ZipFile:
    """A zip archive downloaded from `url`, from its bytes.

    Raises:
        ValueError: if the bytes are not a zip archive (a cut or wrong download).
    """
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise ValueError(
            f"The file downloaded from {url} is not a zip archive ({error}); nothing was kept. "
            f"Received: {len(data)} bytes"
        ) from None


def sha256_of(path) -> str:
    """The sha256 of a downloaded or cached file, in hex."""
    return file_sha256(path)


def copy_response(response, out, desc, progress=True, block_size=1 << 16) -> None:
    """Copy an open URL response into the binary file `out`, with a tqdm bar of bytes
    (sized by the response's Content-Length when it gives one)."""
    total = int(response.headers.get("Content-Length") or 0) or None
    with tqdm(total=total, unit="B", unit_scale=True, desc=desc, disable=not progress) as bar:
        for block in iter(lambda: response.read(block_size), b""):
            out.write(block)
            bar.update(len(block))


def download(url, destination, sha256, progress=True, *, relative=None) -> Path:
    """Download `url` to `destination`, checking its sha256 before keeping it.

    The file is written to a temporary name and moved into place only when
    its hash matches, so a failed or corrupt download never leaves a file
    behind. Works with `https://` and `file://` addresses. `relative` is the
    file's path inside a data folder, for the message of a failed download.

    Raises:
        DownloadError: if the address cannot be reached or read.
        ValueError: if the downloaded file's sha256 differs from `sha256`.
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=destination.parent, suffix=".part")
    try:
        with (
            os.fdopen(handle, "wb") as out,
            open_url(url, destination.name, relative) as response,
        ):
            copy_response(response, out, f"Downloading {destination.name}", progress)
        actual = sha256_of(tmp)
        if actual != sha256:
            raise ValueError(
                f"The file downloaded from {url} has sha256 {actual}, expected {sha256}. "
                "It was not kept."
            )
        os.replace(tmp, destination)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return destination


def find_file(relative, *, path=None, url=None, sha256=None) -> Path:
    """Locate a data file, downloading it into the cache as a last resort.

    Args:
        relative: the file's path inside a data directory, e.g.
            "japanese_vowels/ae.train".
        path: an explicit file path; when given it must exist.
        url: official download address, or None if there is none.
        sha256: expected hash of the downloaded file (required with `url`).

    Returns:
        The path of an existing file.

    Raises:
        FileNotFoundError: when the file is nowhere and there is no address,
            naming every place searched.
        DownloadError: when the download fails (see `download_error`).
    """
    if path is not None:
        path = Path(path).expanduser()
        if not path.exists():
            raise FileNotFoundError(f"No such data file: {path}")
        return path
    searched = []
    for root in (data_dir(), cache_dir()):
        if root is not None:
            candidate = root / relative
            searched.append(str(candidate))
            if candidate.exists():
                return candidate
    if url is None:
        raise FileNotFoundError(
            f"Could not find {relative!r}. Searched: {searched or 'nothing'}. Set "
            f"{DATA_DIR_ENV} to a folder that holds it, or pass its path."
        )
    if sha256 is None:
        raise ValueError(f"A sha256 is required to download {url}.")
    return download(url, cache_dir() / relative, sha256, relative=relative)


def copy_into_cache(source, relative) -> Path:
    """Copy a local file into the cache under `relative` (for offline set-up)."""
    target = cache_dir() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target
