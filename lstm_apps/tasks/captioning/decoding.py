"""Writing and scoring captions of encoder-decoder captioners: greedy and beam search, BLEU.

Shared by the `captioning` and `video` case studies (`fit` trains the models).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstm_apps.data.text import WordVocabulary, caption_words
from lstm_apps.evaluation import caption_metrics
from lstm_apps.models.attention_captioner import decoder_class
from lstm_apps.models.seq2seq import CaptionDecoder


@dataclass
class CaptionPredictions:
    """The captions `evaluate_captions` wrote for the test sources."""

    captions: list[str]  # beam search, ranked with the configured length penalty
    greedy: list[str]  # greedy decoding (beam width 1)


def decoder_for(model, vocabulary: WordVocabulary, max_length=20) -> CaptionDecoder:
    """The decoder of `model` (`CaptionDecoder`, or `AttentionCaptionDecoder` for an
    attention captioner) with the vocabulary's start, end and padding codes."""
    return decoder_class(model)(
        model, start=vocabulary.start, end=vocabulary.end, pad=vocabulary.pad,
        max_length=max_length,
    )  # fmt: skip


def generate(
    model, vocabulary: WordVocabulary, sources, *, beam_width=1, max_length=20, length_penalty=0.0
):
    """Captions (strings) for a batch of sources: greedy with `beam_width=1`, else beam search.

    `length_penalty` ranks finished beams by `log p / length ** length_penalty`
    (0: by `log p`, which favours short captions).
    """
    decoder = decoder_for(model, vocabulary, max_length)
    codes = decoder.beam_search(sources, beam_width=beam_width, length_penalty=length_penalty)
    return [vocabulary.decode(c) for c in codes]


def score(
    model,
    vocabulary: WordVocabulary,
    sources,
    references,
    *,
    beam_width=1,
    max_length=20,
    length_penalty=0.0,
):
    """Generate a caption per source and score it against its references.

    Args:
        references: for each source, a list of reference caption strings.
        beam_width, max_length, length_penalty: as in `generate`.

    Returns:
        `(metrics, captions)`: `caption_metrics` on word lists (split by
        `caption_words`) and the generated captions.
    """
    captions = generate(
        model,
        vocabulary,
        sources,
        beam_width=beam_width,
        max_length=max_length,
        length_penalty=length_penalty,
    )
    # references keep their own words: a word outside the vocabulary is a miss, not a <unk>
    refs = [[caption_words(r, vocabulary.lowercase) for r in rs] for rs in references]
    hyps = [c.split() for c in captions]
    return caption_metrics(refs, hyps), captions


def predict_captions(
    model, vocabulary: WordVocabulary, sources, *, beam_width=3, max_length=20, length_penalty=0.0
) -> list[tuple[str, float]]:
    """A beam-search caption per source, with its probability under the model.

    Args:
        model: a `build_captioner` model.
        vocabulary: its `WordVocabulary`.
        sources: a batch of images, clips or feature vectors.
        beam_width, max_length, length_penalty: as in `generate`.

    Returns:
        A `(caption, probability)` pair per source.
    """
    decoder = decoder_for(model, vocabulary, max_length=max_length)
    codes, scores = decoder.beam_search(
        np.asarray(sources),
        beam_width=beam_width,
        length_penalty=length_penalty,
        return_scores=True,
    )
    return [(vocabulary.decode(c), float(np.exp(s))) for c, s in zip(codes, scores)]


def evaluate_captions(
    model, vocabulary, data, *, beam_width, max_length=20, length_penalty=0.0
) -> tuple[dict[str, float], CaptionPredictions]:
    """Score beam-search and greedy captions of `data`'s test sources against their references.

    Returns:
        `(metrics, predictions)`: BLEU-1..4 and `exact_match` (beam search,
        ranked with `length_penalty`), the same with a `greedy_` prefix,
        `beam_width` and `length_penalty`; and the `CaptionPredictions`.
    """
    refs = data.y_test
    metrics, captions = score(
        model,
        vocabulary,
        data.x_test,
        refs,
        beam_width=beam_width,
        max_length=max_length,
        length_penalty=length_penalty,
    )
    greedy, greedy_captions = score(
        model, vocabulary, data.x_test, refs, beam_width=1, max_length=max_length
    )
    metrics.update({f"greedy_{k}": v for k, v in greedy.items()})
    metrics["beam_width"] = float(beam_width)
    metrics["length_penalty"] = float(length_penalty)
    return metrics, CaptionPredictions(captions=captions, greedy=greedy_captions)
