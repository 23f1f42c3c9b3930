"""Character vocabularies, scikit-learn style, fit on training text only."""

from __future__ import annotations

from collections import Counter

import numpy as np

UNKNOWN_INDEX = 0


class CharVocabulary:
    """Map characters to integer codes; index 0 is reserved for unknown characters.

    Args:
        min_count: characters seen fewer times than this in the training text
            are treated as unknown, default 1 (keep all).
        unknown: the character written back for the unknown index, default "\ufffd".

    Attributes:
        chars_: the known characters, in code order (code = position + 1).
        counts_: how often each known character occurred in the training text.

    Example:
        >>> vocab = CharVocabulary().fit("hola")
        >>> vocab.transform("hoy").tolist()
        [2, 3, 0]
        >>> vocab.inverse_transform([2, 3, 0])
        'ho\ufffd'
    """

    def __init__(self, min_count=1, unknown="\ufffd"):
        self.min_count = min_count
        self.unknown = unknown

    def fit(self, text, y=None):
        """Learn the characters of `text` (a string); returns self."""
        if not isinstance(text, str):
            raise TypeError(f"`text` must be a str. Received: {type(text).__name__}")
        if not text:
            raise ValueError("Cannot fit a vocabulary on empty text.")
        if not isinstance(self.min_count, int) or self.min_count < 1:
            raise ValueError(
                f"`min_count` must be a positive integer. Received: {self.min_count!r}"
            )
        counts = Counter(text)
        self.chars_ = sorted(c for c, n in counts.items() if n >= self.min_count)
        self.counts_ = np.array([counts[c] for c in self.chars_])
        self._index = {c: i + 1 for i, c in enumerate(self.chars_)}
        return self

    @classmethod
    def from_characters(cls, chars, unknown="\ufffd"):
        """Rebuild a fitted vocabulary from its `chars_` (e.g. read back from a run folder)."""
        vocab = cls(unknown=unknown)
        vocab.chars_ = list(chars)
        vocab.counts_ = np.zeros(len(vocab.chars_), dtype="int64")
        vocab._index = {c: i + 1 for i, c in enumerate(vocab.chars_)}
        return vocab

    def _check_fitted(self):
        if not hasattr(self, "chars_"):
            raise RuntimeError(
                "This CharVocabulary is not fitted yet. Call `fit` with training text."
            )

    def __len__(self):
        self._check_fitted()
        return len(self.chars_) + 1

    def transform(self, text) -> np.ndarray:
        """Codes of the characters of `text`; unknown characters become 0."""
        self._check_fitted()
        return np.fromiter(
            (self._index.get(c, UNKNOWN_INDEX) for c in text), dtype="int32", count=len(text)
        )

    def unknown_chars(self, text) -> list[str]:
        """The distinct characters of `text` that the vocabulary does not know."""
        self._check_fitted()
        return sorted(set(text) - set(self._index))

    def inverse_transform(self, codes) -> str:
        """The text for a sequence of codes."""
        self._check_fitted()
        table = [self.unknown, *self.chars_]
        return "".join(table[int(c)] for c in codes)

    def fit_transform(self, text, y=None):
        return self.fit(text).transform(text)


def strip_gutenberg(text: str) -> str:
    """The body of a Project Gutenberg plain-text book.

    Removes a byte-order mark, turns CRLF into LF and keeps only the text
    strictly between the "*** START OF ..." and "*** END OF ..." marker lines,
    without the blank lines around it and ending in one newline.
    Text without the markers is returned with only the first two changes.
    """
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    lines = text.split("\n")
    start = next((i for i, line in enumerate(lines) if line.startswith("*** START OF")), None)
    end = next((i for i, line in enumerate(lines) if line.startswith("*** END OF")), None)
    if start is None or end is None or end <= start:
        return text
    return "\n".join(lines[start + 1 : end]).strip("\n") + "\n"


def char_windows(codes, length, stride=None):
    """Overlapping next-character windows over a coded text.

    Args:
        codes: 1-D integer array (e.g. `CharVocabulary.transform(text)`).
        length: characters per window.
        stride: steps between window starts, default `length` (no overlap).

    Returns:
        `(x, y)`, both `(num_windows, length)`: `y` is `x` shifted by one
        character, the next-character targets.

    Raises:
        ValueError: when the text is shorter than `length + 1` characters.
    """
    codes = np.asarray(codes)
    stride = length if stride is None else stride
    for name, value in (("length", length), ("stride", stride)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")
    if codes.ndim != 1 or len(codes) < length + 1:
        raise ValueError(
            f"The text must have at least length + 1 = {length + 1} characters for windows of "
            f"{length}. Received: {len(codes)} characters"
        )
    starts = np.arange(0, len(codes) - length, stride)
    index = starts[:, None] + np.arange(length)
    return codes[index], codes[index + 1]
