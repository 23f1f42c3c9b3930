"""English-Spanish sentence pairs from the Tatoeba Project (manythings.org/anki packaging).

`spa.txt` holds 118,964 lines `English<TAB>Spanish`, short to long (file of
2018-05-13). Sentences repeat on both sides (several translations of one
sentence), so a split by row leaks: `group_split` keeps each sentence in one
split. Licence CC BY 2.0 (France): attribute tatoeba.org and
manythings.org/anki; the packager warns that the data contains errors.

`tatoeba_pairs` reads `path`, else `LSTM_APPS_DATA_DIR/spa_eng_tatoeba/`
(`spa-eng.zip` or `spa.txt`), else the user cache
(`sources.cache_dir()/spa_eng_tatoeba/spa.txt`), else it downloads `URL`.
That zip is not compared byte for byte, so the download's check is on its
`spa.txt`: sha256 `TEXT_SHA256` (`ZIP_SHA256`: the shared copy's zip).
`tokenize` and `detokenize` split a sentence into words and punctuation
marks and join them back, for display and sacreBLEU.
"""

from __future__ import annotations

import io
import logging
import os
import re
import tempfile
import unicodedata
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from lstm_apps.checks import check_bool, check_int
from lstm_apps.data import sources

log = logging.getLogger(__name__)

FOLDER = "spa_eng_tatoeba"
ZIP_NAME = "spa-eng.zip"
TEXT_NAME = "spa.txt"
MEMBER = "spa-eng/spa.txt"  # the text's place inside the official zip
URL = "http://storage.googleapis.com/download.tensorflow.org/data/spa-eng.zip"
ZIP_SHA256 = "f80e581ae291aa34dd3aba7bd98b5e9505234da4318e2f3295df70a1520c7f61"
TEXT_SHA256 = "6ec60e212f812ee3430f7568ea6f33b6fb080e32193c5952e8da0ee8ba45574c"
COLUMNS = ("english", "spanish")
SPLITS = ("train", "val", "test")

# --- reading ------------------------------------------------------------------------------


def _member(zipped: zipfile.ZipFile, where) -> str:
    """The name of the zip's `spa.txt`: `spa-eng/spa.txt`, else the only `*/spa.txt`."""
    names = [n for n in zipped.namelist() if n.rsplit("/", 1)[-1] == TEXT_NAME]
    if MEMBER in names or len(names) == 1:
        return MEMBER if MEMBER in names else names[0]
    raise ValueError(
        f"The zip {where} must hold one {TEXT_NAME} (e.g. {MEMBER}). "
        f"Received: {len(names)} such members {names[:5]}"
    )


def _parse(data: bytes, where) -> pd.DataFrame:
    """The pairs of a UTF-8 `English<TAB>Spanish` text; blank lines are skipped."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(f"{where} is not UTF-8 text: {error}") from None
    rows = {}
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        if line.count("\t") != 1:
            raise ValueError(
                f"{where}, line {number}: expected 'English<TAB>Spanish' (exactly one tab). "
                f"Received: {line[:120]!r}"
            )
        left, right = (field.strip() for field in line.split("\t"))
        if not left or not right:
            raise ValueError(
                f"{where}, line {number}: the {'Spanish' if left else 'English'} sentence is "
                f"empty. Received: {line[:120]!r}"
            )
        rows[number] = (left, right)
    if not rows:
        raise ValueError(f"{where} holds no sentence pairs.")
    index = pd.Index(list(rows), name="line")
    return pd.DataFrame(list(rows.values()), index=index, columns=list(COLUMNS))


def _read(file: Path) -> pd.DataFrame:
    """The pairs of `spa.txt` or of a zip holding it."""
    if not zipfile.is_zipfile(file):
        return _parse(file.read_bytes(), file)
    with zipfile.ZipFile(file) as zipped:
        member = _member(zipped, file)
        return _parse(zipped.read(member), f"{file}:{member}")


def _in_folder(folder: Path) -> Path | None:
    return next((folder / n for n in (ZIP_NAME, TEXT_NAME, MEMBER) if (folder / n).is_file()), None)


def _find(path, url, sha256, download) -> Path:
    """The file to read: `path`, the data directory, the cache, or a download."""
    check_bool("download", download)
    if path is not None:
        given = Path(path).expanduser()
        found = _in_folder(given) if given.is_dir() else given if given.is_file() else None
        if found is None:
            raise FileNotFoundError(
                f"`path` must be {ZIP_NAME}, {TEXT_NAME}, or a folder holding one of them. "
                f"Received: path={str(given)!r}"
            )
        return found
    searched = [root / FOLDER for root in (sources.data_dir(), sources.cache_dir()) if root]
    found = next(filter(None, map(_in_folder, searched)), None)
    if found is not None:
        return found
    if not download:
        raise FileNotFoundError(
            f"Could not find {FOLDER}/{ZIP_NAME} or {FOLDER}/{TEXT_NAME}. Searched: "
            f"{[str(folder) for folder in searched]}. "
            f"Set {sources.DATA_DIR_ENV} to a folder that holds {FOLDER}/{ZIP_NAME}, pass "
            "`path`, or allow the download."
        )
    return fetch(url, sha256)


def fetch(url=URL, sha256=TEXT_SHA256, progress=True) -> Path:
    """Download the zip and cache its `spa.txt` if the text's sha256 equals `sha256`.

    The text is staged beside `sources.cache_dir()/spa_eng_tatoeba/spa.txt`
    and moved there only after the check (a bad download keeps nothing);
    that cached file is returned.

    Raises:
        DownloadError: if the address cannot be reached or read.
        ValueError: if the download is not a zip, holds no `spa.txt`, or its
            `spa.txt` has another sha256 (both hashes named).
    """
    buffer = io.BytesIO()
    with sources.open_url(url, ZIP_NAME, f"{FOLDER}/{ZIP_NAME}") as response:
        sources.copy_response(response, buffer, f"Downloading {ZIP_NAME}", progress)
    parent = sources.cache_dir() / FOLDER
    parent.mkdir(parents=True, exist_ok=True)
    handle, staged = tempfile.mkstemp(dir=parent, prefix=f".{TEXT_NAME}-", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out, sources.open_zip(buffer.getvalue(), url) as zipped:
            out.write(zipped.read(_member(zipped, url)))
        digest = sources.sha256_of(staged)
        if digest != sha256:
            raise ValueError(
                f"The {TEXT_NAME} downloaded from {url} has sha256 {digest}, expected {sha256}. "
                "Nothing was kept."
            )
        target = parent / TEXT_NAME
        os.replace(staged, target)
        log.info("Cached %s in %s", TEXT_NAME, target)
        return target
    finally:
        if os.path.exists(staged):
            os.remove(staged)
        if not any(parent.iterdir()):
            parent.rmdir()


def tatoeba_pairs(path=None, *, url=URL, sha256=TEXT_SHA256, download=True) -> pd.DataFrame:
    """The English-Spanish sentence pairs, one row per line of `spa.txt`.

    Args:
        path: `spa-eng.zip`, the extracted `spa.txt`, or a folder holding
            either (or `spa-eng/spa.txt`); default: the data directory, the
            cache, then `url` (see the module docstring).
        url: the zip to download when the data is nowhere else (`file://` works).
        sha256: the expected sha256 of the downloaded zip's `spa.txt`.
        download: allow that download.

    Returns:
        A DataFrame with str columns `english` and `spanish` (stripped), in
        file order, indexed by the 1-based line number (index name `line`);
        blank lines are skipped. The real file gives 118,964 rows.

    Raises:
        FileNotFoundError: if `path` is neither file nor a folder holding
            one, or the data is nowhere and `download` is False.
        DownloadError: if the download fails.
        ValueError: for a text that is not UTF-8, a zip without one
            `spa.txt`, a line without exactly one tab or with an empty side
            (naming the line and its text), or a download failing its check.
    """
    return _read(_find(path, url, sha256, download))


# --- tokens -------------------------------------------------------------------------------

_ASCII = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_WORD = r"(?:[^\W_]|[\u0300-\u036f])+"  # letters, digits and combining accents
_TOKEN = re.compile(rf"{_WORD}(?:'{_WORD})*|\S")
_CLOSING = frozenset(".,!?;:)]}»%°…")  # no space before
_OPENING = frozenset("¿¡([{«—")  # no space after
_JOINING = frozenset("-/")  # no space on either side
_CURRENCY = frozenset("$€£¥")  # no space after one when a number follows: "$30"


def tokenize(text, lowercase=False) -> list[str]:
    """Split a sentence into words and punctuation marks, e.g. `["¿", "Qué", "hora", "es", "?"]`.

    The text is put in Unicode NFC form (a decomposed "é" equals the
    composed one), curly quotes become `'` and `"`, and invisible format
    characters (zero-width space, soft hyphen) are dropped. A word is a run
    of letters and digits (accents, ñ, ü kept) with inner apostrophes
    ("don't", "o'clock" are one word); every other mark (¿ ¡ ? ! . , ; : "
    - ...) is a token of its own. `lowercase` lower-cases the tokens.

    Raises:
        ValueError: if `text` is not a str or `lowercase` not a bool.
    """
    if not isinstance(text, str):
        raise ValueError(f"`text` must be a str. Received: text={text!r}")
    check_bool("lowercase", lowercase)
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text).translate(_ASCII))
    if lowercase:
        text = text.lower()
    return _TOKEN.findall(text)


def _inner(token: str, prev: str, nxt: str, after_next: str) -> bool:
    """Whether `.`, `,` or `:` joins a number ("3.5", "1,000", "8:30") or "p.m.", "EE.UU."."""
    if token == ",":  # a thousands separator; "20, 2013" and "7, 10" keep their space
        return prev.isdigit() and len(nxt) == 3 and nxt.isdigit()
    if prev.isdigit() and nxt[:1].isdigit():  # "3.5", "8:30", "10:40h"
        return True
    if token != "." or after_next != "." or not (prev.isalpha() and nxt.isalpha()):
        return False
    return len(prev) == len(nxt) == 1 or (prev.isupper() and nxt.isupper() and len(prev) <= 2)


def detokenize(tokens) -> str:
    """Join tokens into a sentence, the inverse of `tokenize` for display and sacreBLEU.

    Tokens are separated by one space except: none before `. , ! ? ; : ) » %`
    and a closing quote; none after `¿ ¡ ( « —` and an opening quote (`"`
    alternates opening and closing; a `'` closes an open one, else opens
    unless an odd number of them is left and it follows a word, as in
    "parents' house" or "pa' llevar"); none around `-` and `/`; none after a
    currency sign followed by a number ("$30"); none around `.`, `,` or `:`
    inside a number ("3.5", "1,000", "8:30"); none around the inner periods
    of "p.m.", "U.S.", "EE.UU.".

    `tokens` is a sequence of str, as `tokenize` gives;
    `detokenize(tokenize(s)) == s` for 99.9 % of Tatoeba's sentences.

    Raises:
        ValueError: if `tokens` is a str or holds a non-str.
    """
    if isinstance(tokens, str):
        raise ValueError(f"`tokens` must be a list of str, not one str. Received: {tokens!r}")
    tokens = list(tokens)
    bad = [t for t in tokens if not isinstance(t, str)]
    if bad:
        raise ValueError(f"`tokens` must hold only str. Received: {bad[0]!r} in {tokens[:20]!r}")
    n = len(tokens)
    before, after = [False] * n, [False] * n  # glue to the previous / next token
    double_open = single_open = False
    for i, token in enumerate(tokens):
        prev = tokens[i - 1] if i else ""
        nxt = tokens[i + 1] if i + 1 < n else ""
        after_next = tokens[i + 2] if i + 2 < n else ""
        if token in _JOINING or (token in ".,:" and _inner(token, prev, nxt, after_next)):
            before[i] = after[i] = True
        elif token in _CLOSING:
            before[i] = True
        elif token in _OPENING:
            after[i] = True
        elif token in _CURRENCY:
            after[i] = nxt.isdigit() and not prev.isdigit()
        elif token == '"':
            before[i], after[i], double_open = double_open, not double_open, not double_open
        elif token == "'":
            left = tokens[i:].count("'")  # this one and those after it
            if single_open or (left % 2 and prev[-1:].isalnum()):  # closing, or "parents'"
                before[i], single_open = True, False
            else:
                after[i], single_open = True, True
    spaces = ["" if i == 0 or after[i - 1] or before[i] else " " for i in range(n)]
    return "".join(space + token for space, token in zip(spaces, tokens))


# --- splits -------------------------------------------------------------------------------


def _sentences(pairs) -> tuple[pd.Series, pd.Series]:
    missing = [c for c in COLUMNS if c not in getattr(pairs, "columns", ())]
    if not isinstance(pairs, pd.DataFrame) or missing:
        columns = list(getattr(pairs, "columns", []))
        raise ValueError(
            f"`pairs` must be a DataFrame with columns {list(COLUMNS)} (see tatoeba_pairs). "
            f"Received: {type(pairs).__name__} with columns {columns}"
        )
    for column in COLUMNS:
        bad = pairs[column][~pairs[column].map(lambda v: isinstance(v, str))]
        if len(bad):
            raise ValueError(
                f"`pairs[{column!r}]` must hold only str. Received: {bad.iloc[0]!r} at row "
                f"{bad.index[0]!r}"
            )
    return pairs["english"].str.strip(), pairs["spanish"].str.strip()


def sentence_groups(pairs) -> np.ndarray:
    """The connected component of each row: rows sharing a sentence on either side are linked.

    Two rows of `pairs` (str columns `english`, `spanish`) are linked when
    their English or their Spanish sentences are equal (exact strings after
    stripping whitespace); a component is a set of rows joined by chains of
    links, found with union-find: "A-x", "A-y", "B-y" form one component.

    Returns:
        An int64 array of shape `(len(pairs),)`: component ids 0, 1, ...
        numbered in order of first appearance.

    Raises:
        ValueError: if `pairs` lacks a column or holds a non-str.
    """
    english, spanish = _sentences(pairs)
    english_ids = pd.factorize(english)[0]
    spanish_ids, spanish_unique = pd.factorize(spanish)
    offset = int(english_ids.max()) + 1 if len(english_ids) else 0
    parent = list(range(offset + len(spanish_unique)))

    def find(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]  # path halving
            node = parent[node]
        return node

    for left, right in zip(english_ids.tolist(), (spanish_ids + offset).tolist()):
        a, b = find(left), find(right)
        if a != b:
            parent[max(a, b)] = min(a, b)
    roots = [find(node) for node in english_ids.tolist()]
    return pd.factorize(np.asarray(roots, dtype=np.int64))[0].astype(np.int64)


def group_split(pairs, *, test_size=2000, val_size=2000, seed=0) -> np.ndarray:
    """Split rows into train, validation and test, keeping each sentence in one split.

    Whole components of `sentence_groups` are dealt, in a random order set
    by `seed`, to the test set while that brings its row count closer to
    `test_size`, else to the validation set while that brings it closer to
    `val_size`, else to training. Each of test and val ends as close to its
    size as the components allow, never over by a component's size or more;
    no English and no Spanish sentence of one split appears in another.

    `pairs` has str columns `english` and `spanish`; `test_size`,
    `val_size` (rows wanted) and `seed` are ints >= 0. Returns a str array
    of shape `(len(pairs),)` holding "train", "val" or "test".

    Raises:
        ValueError: for a bad size or seed, sizes that leave no training
            row, or components so large that training ends up empty.
    """
    check_int("test_size", test_size, 0)
    check_int("val_size", val_size, 0)
    check_int("seed", seed, 0)
    groups = sentence_groups(pairs)
    if test_size + val_size >= len(groups):
        raise ValueError(
            f"`test_size` + `val_size` must leave training rows: less than the {len(groups)} "
            f"rows of `pairs`. Received: test_size={test_size}, val_size={val_size}"
        )
    sizes = np.bincount(groups)
    order = np.random.default_rng(seed).permutation(len(sizes))
    wanted = {"test": test_size, "val": val_size}
    filled = {"test": 0, "val": 0}
    names = np.full(len(sizes), "train", dtype="<U5")
    for group in order.tolist():
        size = int(sizes[group])
        for split in ("test", "val"):
            if 2 * (wanted[split] - filled[split]) > size:  # closer to the target with it
                names[group] = split
                filled[split] += size
                break
        if filled == wanted:
            break
    labels = names[groups]
    if not (labels == "train").any():
        raise ValueError(
            f"The sentence components of `pairs` are too large: no row is left for training. "
            f"Received: {len(groups)} rows in {len(sizes)} components, test_size={test_size}, "
            f"val_size={val_size}"
        )
    log.info("Tatoeba split: %d test, %d val rows in %d components", *filled.values(), len(sizes))
    return labels
