"""Encoder-decoder captioners and their inference models.

`build_captioner` joins an encoder (a CNN for an image, a per-frame CNN plus
LSTM for a clip, or nothing when the features are computed beforehand) to an
LSTM language model that writes a caption word by word.

The image enters twice. By *init-inject*, two dense layers turn the
encoder's vector into the decoder's initial hidden and cell states, as in
Show and Tell and in the course's encoder-decoder: the decoder is then an
LSTM language model started from the image, and a video encoder's vector
plugs in the same way. By *merge* (Tanti et al. 2018), a projection of the
same vector is added to every decoder output before the word classifier,
which gives the encoder a short gradient path to every word. Both keep
decoding cheap: greedy and beam search advance the decoder one word at a
time with its state carried, at a cost that does not grow with the caption.

Training uses teacher forcing: the decoder reads `<start> w1 ... wn` and
learns to output `w1 ... wn <end>`, with padded steps weighted 0.
`CaptionDecoder` rebuilds two inference models from the trained layers (the
encoder part, which gives the initial states, and one decoder step) and
decodes greedily or by beam search.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from lstm_apps.checks import check_choice, check_int, check_positive, check_rate
from lstm_apps.models.choices import check_beam
from lstm_apps.models.layers import AddToSteps
from lstm_apps.models.size import check_captioner

DECODER_CELLS = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU}


def build_captioner(
    *,
    vocabulary_size,
    encoder=None,
    feature_dim=None,
    embedding_dim=128,
    units=256,
    cell="lstm",
    dropout=0.3,
    name="captioner",
):
    """An encoder and an LSTM (or GRU) decoder conditioned on its output by init-inject.

    Args:
        vocabulary_size: number of token codes, specials included (at least 5).
        encoder: a `keras.Model` mapping the source (image, clip) to a
            `(batch, D)` vector; it is trained with the decoder. None when the
            source is a precomputed feature vector.
        feature_dim: size of the precomputed feature vector, with `encoder=None`.
        embedding_dim: word embedding size, default 128.
        units: decoder width, default 256.
        cell: "lstm" (default) or "gru".
        dropout: dropout on the source vector, the word embeddings and the
            decoder output, default 0.3.
        name: model name, default "captioner".

    Returns:
        An uncompiled `keras.Model` with inputs `[source, tokens]`, where
        `tokens` is `(batch, T)` int codes (0 = padding), and output
        `(batch, T, vocabulary_size)` next-word probabilities.

    Example:
        >>> model = build_captioner(vocabulary_size=40, feature_dim=576)
    """
    check_int("vocabulary_size", vocabulary_size, 5)
    check_positive("embedding_dim", embedding_dim)
    check_positive("units", units)
    check_choice("cell", cell, tuple(DECODER_CELLS))
    check_rate("dropout", dropout)
    if (encoder is None) == (feature_dim is None):
        raise ValueError(
            "Give exactly one of `encoder` (a keras.Model) and `feature_dim` (precomputed "
            f"features). Received: encoder={encoder!r}, feature_dim={feature_dim!r}"
        )
    if encoder is None:
        check_positive("feature_dim", feature_dim)
        check_captioner(cell, vocabulary_size, embedding_dim, units, feature_dim)
        source = keras.Input(shape=(feature_dim,), name="source")
        features = source
    else:
        if not isinstance(encoder, keras.Model) or len(encoder.output_shape) != 2:
            raise TypeError(
                "`encoder` must be a keras.Model with a (batch, D) output. "
                f"Received: {type(encoder).__name__}"
            )
        dim, count = encoder.output_shape[-1], encoder.count_params()
        check_captioner(cell, vocabulary_size, embedding_dim, units, dim, count)
        source = keras.Input(
            shape=encoder.input_shape[1:], dtype=encoder.inputs[0].dtype, name="source"
        )
        features = encoder(source)
    # features on a common scale, so that the tanh of the initial states is not saturated
    features = keras.layers.LayerNormalization(name="source_norm")(features)
    features = keras.layers.Dropout(dropout, name="source_dropout")(features)
    states = initial_states(features, units, cell)
    context = keras.layers.Dense(units, activation="relu", name="image_context")(features)
    tokens, x = read_words(states, vocabulary_size, embedding_dim, units, cell, dropout)
    outputs = _output_layers(x, context, vocabulary_size, units, dropout)
    return keras.Model([source, tokens], outputs, name=name)


def initial_states(vector, units, cell) -> list:
    """Init-inject: the decoder's starting states from a source vector (h, and c for an LSTM)."""
    states = [keras.layers.Dense(units, activation="tanh", name="init_h")(vector)]
    if cell == "lstm":
        states.append(keras.layers.Dense(units, activation="tanh", name="init_c")(vector))
    return states


def read_words(states, vocabulary_size, embedding_dim, units, cell, dropout):
    """The `tokens` input and the decoder's outputs over its embedded words, from `states`.

    Layers "embedding" (masking padding), "embedding_dropout" and "decoder",
    the names `CaptionDecoder` finds them by.
    """
    tokens = keras.Input(shape=(None,), dtype="int32", name="tokens")
    x = keras.layers.Embedding(vocabulary_size, embedding_dim, mask_zero=True, name="embedding")(
        tokens
    )
    x = keras.layers.Dropout(dropout, name="embedding_dropout")(x)
    decoder = DECODER_CELLS[cell](units, return_sequences=True, return_state=True, name="decoder")
    return tokens, decoder(x, initial_state=states)[0]


def _output_layers(x, context, vocabulary_size, units, dropout, layers=None):
    """Merge the image context into the decoder outputs, then predict the next word.

    With `layers` (a trained model's), those layers are reused: the decoding step.
    """
    get = (lambda name, make: make()) if layers is None else (lambda name, make: layers(name))
    x = get("merge", lambda: AddToSteps(name="merge"))([x, context])
    x = get("decoder_dropout", lambda: keras.layers.Dropout(dropout, name="decoder_dropout"))(x)
    x = get(
        "merge_dense", lambda: keras.layers.Dense(units, activation="relu", name="merge_dense")
    )(x)
    return get(
        "head", lambda: keras.layers.Dense(vocabulary_size, activation="softmax", name="head")
    )(x)


def teacher_forcing(codes, max_length=None):
    """Decoder inputs, targets and weights from framed code sequences.

    Args:
        codes: list of int arrays `<start> w1 ... wn <end>`.
        max_length: cut captions to this many input steps; None keeps the longest.

    Returns:
        `inputs` `(N, L)` (`<start> w1 ... wn`, 0-padded), `targets` `(N, L)`
        (`w1 ... wn <end>`) and `weights` `(N, L)` (1 on real steps).
    """
    longest = max(len(c) for c in codes) - 1
    length = longest if max_length is None else min(longest, max_length)
    inputs = np.zeros((len(codes), length), "int32")
    targets = np.zeros((len(codes), length), "int32")
    for i, c in enumerate(codes):
        c = np.asarray(c)[: length + 1]
        inputs[i, : len(c) - 1] = c[:-1]
        targets[i, : len(c) - 1] = c[1:]
    return inputs, targets, (targets > 0).astype("float32")


class CaptionDecoder:
    """Greedy and beam-search decoding with a trained `build_captioner` model.

    Args:
        model: the trained captioner (also after `keras.models.load_model`).
        start: code of `<start>`; end: code of `<end>`; pad: code of padding.
        max_length: most words written per caption, default 20.
        banned: codes never written (default: pad and start).

    Example:
        >>> decoder = CaptionDecoder(model, start=2, end=3)
        >>> codes = decoder.beam_search(images, beam_width=3)
    """

    constants = 1  # leading states held as they are across steps (here the image context)

    def __init__(self, model, *, start, end, pad=0, max_length=20, banned=None):
        check_positive("max_length", max_length)
        self.start, self.end, self.pad, self.max_length = start, end, pad, max_length
        self.banned = sorted({pad, start} if banned is None else set(banned))
        self.encoder, self.step_model = self._inference_models(model)
        self._encode = tf.function(lambda s: self.encoder(s, training=False), reduce_retracing=True)
        self._step = tf.function(
            lambda t, s: self.step_model([t, *s], training=False), reduce_retracing=True
        )

    def _inference_models(self, model):
        """`(encoder, step_model)` rebuilt from the trained model's layers.

        The encoder maps a source to the states the decoding starts from:
        state 0 is held constant across steps (here the image context), the
        others are the recurrent states. The step model maps
        `[token (batch, 1), *states]` to `[probabilities (batch, vocabulary),
        *new recurrent states]`. A subclass overrides this for another
        captioner and reuses the greedy and beam search.
        """
        init = [model.get_layer("image_context").output, model.get_layer("init_h").output]
        if _has_layer(model, "init_c"):
            init.append(model.get_layer("init_c").output)
        encoder = keras.Model(model.inputs[0], init, name=f"{model.name}_encoder")
        context, *states = [
            keras.Input(shape=(s.shape[-1],), name=f"state_{i}") for i, s in enumerate(init)
        ]
        token = keras.Input(shape=(1,), dtype="int32", name="token")
        out = model.get_layer("decoder")(model.get_layer("embedding")(token), initial_state=states)
        probabilities = _output_layers(out[0], context, 0, 0, 0.0, layers=model.get_layer)
        step_model = keras.Model(
            [token, context, *states], [probabilities[:, 0], *out[1:]], name=f"{model.name}_step"
        )
        return encoder, step_model

    def initial_states(self, sources, batch_size=64) -> list[np.ndarray]:
        """The image context and the decoder's initial states for each source."""
        parts = []
        for a in range(0, len(sources), batch_size):
            out = self._encode(tf.convert_to_tensor(sources[a : a + batch_size]))
            parts.append([o.numpy() for o in (out if isinstance(out, (list, tuple)) else [out])])
        return [np.concatenate(p) for p in zip(*parts)]

    def _log_probs(self, tokens, states):
        out = self._step(tf.convert_to_tensor(tokens[:, None], tf.int32), states)
        logp = np.log(np.maximum(out[0].numpy(), 1e-12))
        logp[:, self.banned] = -np.inf
        # the constant states (the image context) stay as they are; the others move on
        held = states[: self.constants]
        return logp, [*held, *(s.numpy() for s in out[1:])]

    def greedy(self, sources, batch_size=64) -> list[list[int]]:
        """The most likely word at each step, for each source; codes without `<end>`."""
        return self.beam_search(sources, beam_width=1, batch_size=batch_size)

    def beam_search(
        self, sources, beam_width=3, length_penalty=0.0, batch_size=64, return_scores=False
    ):
        """Keep the `beam_width` most likely partial captions at each step.

        Args:
            sources: a batch of sources (images, clips or feature vectors).
            beam_width: captions kept per step, default 3; 1 is greedy decoding.
            length_penalty: finished captions are ranked by
                `log p / length ** length_penalty`; 0 (default) ranks by `log p`.
            batch_size: sources decoded together, default 64.
            return_scores: also return each caption's log-probability
                (`<end>` included).

        Returns:
            One list of word codes per source (no `<start>`, no `<end>`),
            and with `return_scores` an array of their log-probabilities.

        Raises:
            ValueError: for a beam width below 1 or a negative length penalty.
        """
        check_beam(beam_width, length_penalty)
        states = self.initial_states(sources, batch_size)
        codes, scores = [], []
        for a in range(0, len(states[0]), batch_size):
            part = [s[a : a + batch_size] for s in states]
            for c, p in self._beam_batch(part, beam_width, length_penalty):
                codes.append(c)
                scores.append(p)
        return (codes, np.array(scores)) if return_scores else codes

    def _beam_batch(self, states, width, alpha):
        n = len(states[0])
        states = [np.repeat(s, width, axis=0) for s in states]  # row i*width + b
        scores = np.full((n, width), -np.inf)
        scores[:, 0] = 0.0  # all beams start equal: keep one so they do not repeat
        words = np.zeros((n, width, 0), "int32")
        tokens = np.full(n * width, self.start, "int32")
        done = np.zeros((n, width), bool)
        for _ in range(self.max_length):
            logp, new_states = self._log_probs(tokens, states)
            logp = logp.reshape(n, width, -1)
            # a finished caption can only be continued by padding, at no cost
            logp[done] = -np.inf
            logp[done, self.pad] = 0.0
            total = (scores[..., None] + logp).reshape(n, -1)
            best = np.argsort(-total, axis=1, kind="stable")[:, :width]
            parent, word = np.divmod(best, logp.shape[-1])
            scores = np.take_along_axis(total, best, axis=1)
            rows = (np.arange(n)[:, None] * width + parent).ravel()
            states = [s[rows] for s in new_states]
            words = np.concatenate(
                [np.take_along_axis(words, parent[..., None], axis=1), word[..., None]], axis=2
            )
            done = np.take_along_axis(done, parent, axis=1) | (word == self.end)
            tokens = np.where(done.ravel(), self.end, word.ravel()).astype("int32")
            if done.all():
                break
        result = []
        for i in range(n):
            codes = [self._trim(words[i, b]) for b in range(width)]
            lengths = np.array([len(c) + 1 for c in codes], float)
            ranked = scores[i] / lengths**alpha if alpha else scores[i]
            best = int(np.argmax(ranked))
            result.append((codes[best], float(scores[i, best])))
        return result

    def _trim(self, codes) -> list[int]:
        out = []
        for c in codes:
            if c in (self.end, self.pad):
                break
            out.append(int(c))
        return out


def source_encoder(model):
    """The encoder model nested in a captioner (None when it reads precomputed features)."""
    nested = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    return nested[0] if nested else None


def _has_layer(model, name) -> bool:
    return any(layer.name == name for layer in model.layers)
