"""The Tatoeba pairs of a translation run: split by sentence group, tokenized, with
vocabularies fit on the training side only."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from lstm_apps.data.splits import Splits
from lstm_apps.data.tatoeba import group_split, tatoeba_pairs, tokenize
from lstm_apps.data.text import WordVocabulary
from lstm_apps.tasks.translation.config import Config


@dataclass(kw_only=True)
class TranslationSplits(Splits):
    """Source sentences as token lists (`x_*`) and their reference translations (`y_*`).

    `class_names` is the target vocabulary (`WordVocabulary.words_`), which
    is how a run folder keeps it; the source vocabulary lives in the model's
    `StringLookup`.
    """

    source_vocabulary: list[str]  # the source words the model looks up, most frequent first
    text_test: list[str] = field(default_factory=list)  # the raw test source sentences
    text_val: list[str] = field(default_factory=list)  # the raw validation source sentences
    left_out: int = 0  # training pairs longer than `max_tokens`, not trained on


def words_of(text: str, lowercase: bool) -> list[str]:
    """The tokens of a sentence as the vocabularies count them."""
    return tokenize(text, lowercase=lowercase)


def target_vocabulary(config: Config, sentences) -> WordVocabulary:
    """The target `WordVocabulary`, fit on training sentences with the run's tokenizer."""
    return WordVocabulary(
        min_count=config.min_word_count,
        max_words=config.max_words,
        lowercase=config.lowercase,
        tokenizer=tokenize,
    ).fit(sentences)


def vocabulary_of(config: Config, words) -> WordVocabulary:
    """The target `WordVocabulary` of a run folder's class names."""
    return WordVocabulary.from_words(words, lowercase=config.lowercase, tokenizer=tokenize)


def source_words(token_lists, min_count, max_words) -> list[str]:
    """The source vocabulary: words seen at least `min_count` times, most frequent first."""
    counts = Counter(w for tokens in token_lists for w in tokens)
    kept = [w for w, n in counts.most_common() if n >= min_count and w not in ("", "<unk>")]
    if not kept:
        raise ValueError(
            f"No source word occurs at least min_word_count={min_count} times in training."
        )
    return kept[:max_words] if max_words else kept


def load_data(config: Config = Config()) -> TranslationSplits:
    """Split the pairs by sentence group, tokenize and fit both vocabularies on training.

    Test and validation take whole groups of pairs linked by a shared
    sentence (`group_split`), so no test sentence, on either side, is seen in
    training. Training pairs longer than `max_tokens` are left out (test and
    validation keep theirs); `max_pairs` samples the rest with the run's seed.
    """
    pairs = tatoeba_pairs(config.data_path)
    seed = config.training.seed or 0
    split = group_split(pairs, test_size=config.test_size, val_size=config.val_size, seed=seed)
    source_column, target_column = config.languages
    parts = {}
    for name in ("train", "val", "test"):
        rows = pairs[split == name]
        texts = [str(t) for t in rows[source_column]]
        targets = [str(t).lower() if config.lowercase else str(t) for t in rows[target_column]]
        parts[name] = (texts, [words_of(t, config.lowercase) for t in texts], targets)
    texts, sources, targets = parts["train"]
    fits = [
        i
        for i, (s, t) in enumerate(zip(sources, targets))
        if len(s) <= config.max_tokens and len(words_of(t, config.lowercase)) <= config.max_tokens
    ]
    left_out = len(sources) - len(fits)
    if config.max_pairs is not None and config.max_pairs < len(fits):
        fits = sorted(np.random.default_rng(seed).choice(fits, config.max_pairs, replace=False))
    sources, targets = [sources[i] for i in fits], [targets[i] for i in fits]
    vocabulary = target_vocabulary(config, targets)
    return TranslationSplits(
        sources,
        targets,
        parts["val"][1],
        parts["val"][2],
        parts["test"][1],
        parts["test"][2],
        class_names=vocabulary.words_,
        source=f"Tatoeba Spanish-English pairs ({config.direction}), split by sentence group",
        source_vocabulary=source_words(sources, config.min_word_count, config.max_words),
        text_test=parts["test"][0],
        text_val=parts["val"][0],
        left_out=left_out,
    )


def pad_tokens(token_lists, length=None) -> np.ndarray:
    """`(n, length)` object array of token strings, padded with "" (the lookup's mask).

    `length` defaults to the longest list (at least 1).
    """
    length = max([1, *(len(t) for t in token_lists)]) if length is None else length
    out = np.full((len(token_lists), length), "", dtype=object)
    for i, tokens in enumerate(token_lists):
        out[i, : len(tokens[:length])] = tokens[:length]
    return out
