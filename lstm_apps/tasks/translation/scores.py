"""Translating test sentences and scoring them: sacreBLEU and chrF, by length, worst first."""

from __future__ import annotations

import numpy as np

from lstm_apps.data.tatoeba import detokenize
from lstm_apps.data.text import WordVocabulary
from lstm_apps.models.translation import TranslationDecoder
from lstm_apps.tasks.translation.data import pad_tokens

# source length buckets (words and marks) for BLEU by length: [low, high)
LENGTH_BUCKETS = ((1, 6), (6, 9), (9, 12), (12, 16), (16, 1000))


def decoder_for(model, vocabulary: WordVocabulary, max_length=60) -> TranslationDecoder:
    """The `TranslationDecoder` of `model`; it never writes padding, `<start>` or `<unk>`.

    The decoder of a model is made once per `max_length` and vocabulary size
    and kept while the model lives, so its traced steps are reused.
    """
    known = getattr(model, "_translation_decoders", None)
    if known is None:  # kept on the model (outside Keras's tracking), freed with it
        known = {}
        object.__setattr__(model, "_translation_decoders", known)
    key = (max_length, len(vocabulary))
    if key not in known:
        known[key] = _new_decoder(model, vocabulary, max_length)
    return known[key]


def _new_decoder(model, vocabulary, max_length):
    unknown = vocabulary.words_.index("<unk>")
    return TranslationDecoder(
        model, start=vocabulary.start, end=vocabulary.end, pad=vocabulary.pad,
        max_length=max_length, banned=[vocabulary.pad, vocabulary.start, unknown],
    )  # fmt: skip


def translate(
    model,
    vocabulary: WordVocabulary,
    sources,
    *,
    beam_width=1,
    length_penalty=1.0,
    max_length=60,
    return_codes=False,
):
    """Translations (strings) of source token lists: greedy with `beam_width=1`, else beam search.

    Returns:
        The translations, each with its log-probability; with `return_codes`
        also the written target codes (for attention maps).
    """
    decoder = decoder_for(model, vocabulary, max_length)
    codes, scores = decoder.beam_search(
        pad_tokens(sources), beam_width=beam_width, length_penalty=length_penalty,
        return_scores=True,
    )  # fmt: skip
    texts = [detokenize(vocabulary.tokens(c)) for c in codes]
    return (texts, scores, codes) if return_codes else (texts, scores)


def bleu(hypotheses, references) -> tuple[float, str]:
    """Corpus sacreBLEU (13a tokenization, exponential smoothing) and its signature."""
    from sacrebleu.metrics import BLEU

    metric = BLEU()
    score = metric.corpus_score(list(hypotheses), [list(references)])
    return float(score.score), str(metric.get_signature())


def chrf(hypotheses, references) -> tuple[float, str]:
    """Corpus chrF (character 6-grams, beta 2) and its signature."""
    from sacrebleu.metrics import CHRF

    metric = CHRF()
    score = metric.corpus_score(list(hypotheses), [list(references)])
    return float(score.score), str(metric.get_signature())


def sentence_chrf(hypotheses, references) -> np.ndarray:
    """chrF of each translation against its reference (0-100)."""
    from sacrebleu.metrics import CHRF

    metric = CHRF()
    return np.array([metric.sentence_score(h, [r]).score for h, r in zip(hypotheses, references)])


def bleu_by_length(hypotheses, references, lengths) -> dict[str, float]:
    """Corpus BLEU of the test sentences in each source length bucket, and their count."""
    lengths = np.asarray(lengths)
    out = {}
    for low, high in LENGTH_BUCKETS:
        rows = np.flatnonzero((lengths >= low) & (lengths < high))
        name = f"{low}_{high - 1}" if high < 1000 else f"{low}_plus"
        out[f"pairs_len_{name}"] = float(len(rows))
        if len(rows):
            out[f"bleu_len_{name}"] = bleu(
                [hypotheses[i] for i in rows], [references[i] for i in rows]
            )[0]
    return out


def score_translations(hypotheses, references, lengths, prefix="") -> dict[str, float]:
    """BLEU, chrF and BLEU by length of one set of translations, names under `prefix`."""
    metrics = {"bleu": bleu(hypotheses, references)[0], "chrf": chrf(hypotheses, references)[0]}
    metrics.update(bleu_by_length(hypotheses, references, lengths))
    return {f"{prefix}{k}": v for k, v in metrics.items()}


def worst_translations(sources, hypotheses, references, count=20) -> list[dict]:
    """The `count` translations with the lowest sentence chrF, worst first."""
    scores = sentence_chrf(hypotheses, references)
    order = np.argsort(scores, kind="stable")[:count]
    return [
        {"source": sources[i], "translation": hypotheses[i], "reference": references[i],
         "chrf": round(float(scores[i]), 1)}
        for i in order
    ]  # fmt: skip
