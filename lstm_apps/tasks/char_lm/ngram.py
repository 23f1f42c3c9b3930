"""Character n-gram language models: the baselines for character-level networks.

`CharNGramModel(order=n)` uses interpolated absolute discounting (the
backbone of Kneser-Ney smoothing, without its continuation counts): for a
context h and its shortened context h',

    P(c | h) = max(N(h, c) - d, 0) / N(h) + d * T(h) / N(h) * P(c | h')

where N counts training occurrences and T(h) is the number of distinct
characters seen after h. The recursion ends in an add-one unigram over the
vocabulary, so every character has non-zero probability. `order=1` is the
unigram baseline.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import numpy as np


class CharNGramModel:
    """Smoothed character n-gram model.

    Args:
        order: n, the number of characters in an n-gram (context n-1), default 5.
        discount: the absolute discount d in (0, 1), default 0.75.

    Example:
        >>> model = CharNGramModel(order=3).fit(train_text)
        >>> model.bits_per_char(test_text)
    """

    def __init__(self, order=5, discount=0.75):
        if not isinstance(order, int) or order < 1:
            raise ValueError(f"`order` must be a positive integer. Received: order={order!r}")
        if not 0 < discount < 1:
            raise ValueError(f"`discount` must be in (0, 1). Received: discount={discount!r}")
        self.order = order
        self.discount = discount

    def fit(self, text):
        """Count the n-grams of the training text; returns self."""
        if len(text) < self.order:
            raise ValueError(
                f"The text has {len(text)} characters; an order-{self.order} model needs at "
                f"least {self.order}."
            )
        self.vocabulary_ = sorted(set(text))
        self.unigram_ = Counter(text)
        self.total_ = len(text)
        # counts_[k][context] -> Counter of next characters, for contexts of length k >= 1
        self.counts_ = [None] + [defaultdict(Counter) for _ in range(self.order - 1)]
        for k in range(1, self.order):
            table = self.counts_[k]
            for i in range(k, len(text)):
                table[text[i - k : i]][text[i]] += 1
        self._totals = [None] + [
            {h: (sum(c.values()), len(c)) for h, c in t.items()} for t in self.counts_[1:]
        ]
        return self

    def _unigram(self, char):
        return (self.unigram_.get(char, 0) + 1) / (self.total_ + len(self.vocabulary_) + 1)

    def probability(self, context, char) -> float:
        """P(char | the last order-1 characters of context)."""
        p = self._unigram(char)
        for k in range(1, min(self.order - 1, len(context)) + 1):
            h = context[-k:]
            stats = self._totals[k].get(h)
            if stats is None:
                break
            total, distinct = stats
            seen = self.counts_[k][h].get(char, 0)
            p = max(seen - self.discount, 0) / total + self.discount * distinct / total * p
        return p

    def bits_per_char(self, text, history="") -> float:
        """Average -log2 P over the characters of `text`, each given what precedes it.

        `history` is the text just before `text` (e.g. the end of the
        training block), used as context for the first characters.
        """
        if not hasattr(self, "counts_"):
            raise RuntimeError("This CharNGramModel is not fitted yet. Call `fit` first.")
        if not text:
            raise ValueError("Cannot score empty text.")
        joined = history[-(self.order - 1) :] + text if self.order > 1 else text
        offset = len(joined) - len(text)
        logs = [
            math.log2(self.probability(joined[max(0, i - self.order + 1) : i], joined[i]))
            for i in range(offset, len(joined))
        ]
        return float(-np.mean(logs))


def choose_order(train_text, validation_text, orders=range(1, 9), discount=0.75):
    """Fit one model per order and keep the lowest validation bits per character.

    Returns:
        `(best_model, {order: validation_bits_per_char})`.
    """
    scores, best = {}, None
    for n in orders:
        model = CharNGramModel(n, discount).fit(train_text)
        scores[n] = model.bits_per_char(validation_text, history=train_text)
        if best is None or scores[n] < scores[best.order]:
            best = model
    return best, scores
