"""Character vocabularies, scikit-learn style, fit on training text only."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

from lstm_apps.checks import check_positive

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
        check_positive("min_count", self.min_count)
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
        check_positive(name, value)
    if codes.ndim != 1 or len(codes) < length + 1:
        raise ValueError(
            f"The text must have at least length + 1 = {length + 1} characters for windows of "
            f"{length}. Received: {len(codes)} characters"
        )
    starts = np.arange(0, len(codes) - length, stride)
    index = starts[:, None] + np.arange(length)
    return codes[index], codes[index + 1]


PAD, UNKNOWN_WORD, START, END = "<pad>", "<unk>", "<start>", "<end>"
SPECIAL_WORDS = (PAD, UNKNOWN_WORD, START, END)
_WORD = re.compile(r"\w+")


def caption_words(text: str, lowercase=True) -> list[str]:
    """The words of a caption: runs of letters and digits, punctuation dropped.

    Accents, ñ and ü stay part of their words ("niño", "pingüino"); "¿", "¡",
    commas and full stops are dropped.
    """
    if not isinstance(text, str):
        raise TypeError(f"A caption must be a str. Received: {type(text).__name__}")
    return _WORD.findall(text.lower() if lowercase else text)


class WordVocabulary:
    """Map caption words to integer codes, with padding, unknown, start and end tokens.

    Codes 0-3 are `<pad>`, `<unk>`, `<start>` and `<end>`; the words seen in
    the training captions follow, most frequent first.

    Args:
        min_count: words seen fewer times than this become `<unk>`, default 1.
        max_words: keep at most this many words (specials not counted);
            None (default) keeps all.
        lowercase: lowercase captions before splitting them, default True.
        tokenizer: `tokenizer(text, lowercase)` gives a sentence's tokens;
            default `caption_words` (words only, punctuation dropped). The
            translation study passes one that keeps punctuation marks.

    Attributes:
        words_: every token in code order, specials first.
        counts_: training count of each token (0 for the specials).

    Example:
        >>> vocab = WordVocabulary().fit(["un tres a la izquierda de un siete"])
        >>> vocab.decode(vocab.encode("un siete")[1:])
        'un siete'
    """

    def __init__(self, min_count=1, max_words=None, lowercase=True, tokenizer=None):
        self.min_count = min_count
        self.max_words = max_words
        self.lowercase = lowercase
        self.tokenizer = tokenizer

    def _split(self, text) -> list[str]:
        return (self.tokenizer or caption_words)(text, self.lowercase)

    def fit(self, captions, y=None):
        """Learn the words of a list of training captions; returns self."""
        if isinstance(captions, str) or not len(captions):
            raise ValueError(
                "`captions` must be a non-empty list of strings. "
                f"Received: {type(captions).__name__} of length {len(captions)}"
            )
        check_positive("min_count", self.min_count)
        check_positive("max_words", self.max_words, allow_none=True)
        counts = Counter(w for c in captions for w in self._split(c))
        kept = [
            (w, n)
            for w, n in counts.most_common()
            if n >= self.min_count and w not in SPECIAL_WORDS
        ]
        kept = kept[: self.max_words] if self.max_words else kept
        if not kept:
            raise ValueError(
                f"No word occurs at least min_count={self.min_count} times in the captions."
            )
        self._set([w for w, _ in kept], [n for _, n in kept])
        return self

    def _set(self, words, counts):
        self.words_ = [*SPECIAL_WORDS, *words]
        self.counts_ = np.array([0] * len(SPECIAL_WORDS) + list(counts), dtype="int64")
        self._index = {w: i for i, w in enumerate(self.words_)}

    @classmethod
    def from_words(cls, words, lowercase=True, tokenizer=None):
        """Rebuild a fitted vocabulary from its `words_` (e.g. a run folder's class names)."""
        words = list(words)
        if tuple(words[: len(SPECIAL_WORDS)]) != SPECIAL_WORDS:
            raise ValueError(
                f"A word list must start with {SPECIAL_WORDS}. Received: {tuple(words[:4])}"
            )
        vocab = cls(lowercase=lowercase, tokenizer=tokenizer)
        vocab._set(words[len(SPECIAL_WORDS) :], [0] * (len(words) - len(SPECIAL_WORDS)))
        return vocab

    def _check_fitted(self):
        if not hasattr(self, "words_"):
            raise RuntimeError("This WordVocabulary is not fitted yet. Call `fit` with captions.")

    def __len__(self):
        self._check_fitted()
        return len(self.words_)

    @property
    def pad(self):
        return 0

    @property
    def start(self):
        return SPECIAL_WORDS.index(START)

    @property
    def end(self):
        return SPECIAL_WORDS.index(END)

    def encode(self, caption, bounds=True) -> np.ndarray:
        """Codes of a caption, framed by `<start>` and `<end>` unless `bounds=False`."""
        self._check_fitted()
        unknown = SPECIAL_WORDS.index(UNKNOWN_WORD)
        codes = [self._index.get(w, unknown) for w in self._split(caption)]
        if bounds:
            codes = [self.start, *codes, self.end]
        return np.asarray(codes, dtype="int32")

    def tokens(self, codes) -> list[str]:
        """The words of a code sequence, up to the first `<end>`, without pad or start."""
        self._check_fitted()
        out = []
        for c in codes:
            c = int(c)
            if c == self.end:
                break
            if c not in (self.pad, self.start):
                out.append(self.words_[c])
        return out

    def decode(self, codes) -> str:
        """The caption (words joined by spaces) of a code sequence."""
        return " ".join(self.tokens(codes))
