"""Scoring and writing with a trained character model: bits per character over
a long text (windows with enough context) and sampling that carries the state."""

from __future__ import annotations

import warnings

import keras
import numpy as np
import tensorflow as tf

from lstm_apps.data.text import CharVocabulary
from lstm_apps.evaluation import sample_next
from lstm_apps.models.text import STATES, build_step_model, recurrent_layers


def model_bits_per_char(model, codes, window, context=(), batch_size=128) -> float:
    """Bits per character of every code in `codes`, each scored with at least window/2 of context.

    Args:
        model: a character model.
        codes: the coded text to score.
        window: window length; windows advance by half of it and only their
            second half is scored (a last window aligned to the end covers
            the tail).
        context: codes of the text just before `codes` (at least window/2 + 1
            of them are used), so that the first characters have context too.
        batch_size: windows per forward pass.
    """
    half = window // 2
    lead = np.asarray(context, dtype="int64")[-(half + 1) :] if len(context) else np.zeros(0, int)
    full = np.concatenate([lead, np.asarray(codes, dtype="int64")])
    if len(full) < window + 1:
        raise ValueError(f"Need more than {window} characters to score; got {len(full)}.")
    starts = list(range(0, len(full) - window, half))
    if starts[-1] != len(full) - window - 1:
        starts.append(len(full) - window - 1)
    index = np.array(starts)[:, None] + np.arange(window)
    probs = model.predict(full[index], batch_size=batch_size, verbose=0)
    first_target = len(lead)  # full[k] for k >= len(lead) are the characters to score
    scored = np.zeros(len(full), bool)
    chosen = []
    for row, s in enumerate(starts):
        for pos in range(0 if s == 0 and not len(lead) else half, window):
            k = s + pos + 1
            if k >= first_target and not scored[k]:
                scored[k] = True
                chosen.append(probs[row, pos, full[k]])
    if not len(lead):
        chosen.insert(0, 1.0 / probs.shape[-1])  # the first character has no context at all
    return float(-np.mean(np.log2(np.clip(chosen, 1e-12, 1.0))))


def generate_text(
    model,
    vocabulary: CharVocabulary,
    prompt: str,
    *,
    length: int = 400,
    temperature: float = 0.8,
    top_k: int | None = None,
    seed: int | None = None,
) -> str:
    """Continue `prompt` by `length` characters, carrying the recurrent state.

    The prompt is read one character at a time through a one-step model that
    shares the trained layers; then each next character is drawn from the
    softmax (reshaped by `temperature` and `top_k`) and fed back in. The
    unknown character is never written.

    Args:
        model: a trained character model (`build_char_lm`).
        vocabulary: the `CharVocabulary` it was trained with.
        prompt: the text to continue, at least one character. Characters the
            vocabulary does not know are read as the unknown code, with a
            warning.
        length: characters to add, default 400.
        temperature: > 0; below 1 sharpens the distribution, above 1
            flattens it. Default 0.8.
        top_k: sample only among the k most likely characters; None (default)
            among all.
        seed: seed of the sampling; the same seed gives the same text.

    Returns:
        The `length` new characters (without the prompt).

    Example:
        >>> generate_text(run.model, run.data.vocabulary, "En un lugar", length=40, seed=0)
    """
    if not isinstance(length, int) or length <= 0:
        raise ValueError(f"`length` must be a positive integer. Received: length={length!r}")
    if not prompt:
        raise ValueError("`prompt` must hold at least one character.")
    unknown = vocabulary.unknown_chars(prompt)
    if unknown:
        warnings.warn(
            f"Prompt characters not in the vocabulary, read as unknown: {unknown}", stacklevel=2
        )
    sample_next(np.ones(2) / 2, temperature, top_k)  # validates temperature and top_k early
    step = build_step_model(model)
    states = [
        np.zeros((1, layer.units), "float32")
        for layer in recurrent_layers(model)
        for _ in range(_num_states(layer))
    ]
    run_step = tf.function(lambda inputs: step(inputs, training=False), reduce_retracing=True)

    def advance(code, states):
        outputs = run_step([tf.constant([[code]], tf.int32), *states])
        return np.array(outputs[0][0]), list(outputs[1:])

    rng = np.random.default_rng(seed)
    codes = [int(c) for c in vocabulary.transform(prompt)]
    states = [tf.constant(s) for s in states]
    for code in codes[:-1]:
        _, states = advance(code, states)
    out = []
    current = codes[-1]
    for _ in range(length):
        probs, states = advance(current, states)
        probs[0] = 0.0  # never write the unknown character
        current = sample_next(probs, temperature, top_k, rng)
        out.append(current)
    return vocabulary.inverse_transform(out)


def _num_states(layer) -> int:
    return STATES["lstm"] if isinstance(layer, keras.layers.LSTM) else 1
