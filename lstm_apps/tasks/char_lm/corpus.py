"""The text of the character language model: Don Quijote from Project
Gutenberg (downloaded once, checked and cached) or any UTF-8 file."""

from __future__ import annotations

import hashlib
import tempfile
import urllib.request
from pathlib import Path

from lstm_apps.data import sources
from lstm_apps.data.text import strip_gutenberg

GUTENBERG_URL = "https://www.gutenberg.org/cache/epub/2000/pg2000.txt"
# sha256 of the body (between the START/END markers, BOM removed, LF line ends)
# of the 2021-01-17 release of eBook #2000.
BODY_SHA256 = "b23f7e93e3641ed041e59ed21da93c0d5610e991c9a2688e034c4345829b76b3"
BODY_FILE = "spanish_quijote_gutenberg/quijote_body.txt"


def fetch_quijote(url=GUTENBERG_URL, sha256=BODY_SHA256) -> Path:
    """Download the Gutenberg book, strip its header and cache the checked body.

    Args:
        url: where to read the plain-text book (a `file://` URL works too).
        sha256: the expected digest of the body; a mismatch keeps nothing.

    Returns:
        The path of the cached body in `sources.cache_dir()`.

    Raises:
        ValueError: if the body's digest is not `sha256`.
    """
    target = sources.cache_dir() / BODY_FILE
    with urllib.request.urlopen(url) as response:
        raw = response.read().decode("utf-8")
    body = strip_gutenberg(raw)
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    if digest != sha256:
        raise ValueError(
            f"The text from {url} has body sha256 {digest}, expected {sha256}. It was not kept."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=target.parent, delete=False) as tmp:
        tmp.write(body)
    Path(tmp.name).replace(target)
    return target


def read_corpus(text_path: str | None = None, max_chars: int | None = None) -> str:
    """The corpus: `text_path`, or Don Quijote from the data dir, cache or Gutenberg.

    Args:
        text_path: any UTF-8 text file; None (default) reads Don Quijote.
        max_chars: keep only this many characters from the start; None keeps all.

    Raises:
        ValueError: if the file is not UTF-8 text.
    """
    if text_path is not None:
        path = sources.find_file("", path=text_path)
    else:
        try:
            path = sources.find_file(BODY_FILE)
        except FileNotFoundError:
            path = fetch_quijote()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"{path} is not UTF-8 text: {err}") from None
    return text[:max_chars] if max_chars else text
