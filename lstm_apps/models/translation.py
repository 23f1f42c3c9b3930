"""Encoder-decoder translators ("N to M"): one sentence in, another out.

`build_translator` joins a source encoder to a target decoder trained by
teacher forcing, in four kinds that a run compares on the same data:

* `"seq2seq"`: an LSTM reads the source; its final hidden and cell states,
  the fixed-size *context vector*, start the LSTM decoder, which sees
  nothing else of the source (Sutskever et al. 2014).
* `"attention"`: the same, and at each target step the decoder output looks
  back at every encoder output: additive scores (`"bahdanau"`,
  `keras.layers.AdditiveAttention`) or scaled dot products (`"luong"`,
  `keras.layers.Attention`), applied after the decoder step as in Luong et
  al. (2015), so training runs in one teacher-forced pass.
* `"bilstm"`: attention over a bidirectional LSTM encoder (half the units
  each way), whose two final states are joined to start the decoder.
* `"transformer"`: a small pre-norm Transformer (Vaswani et al. 2017) of
  Keras's `MultiHeadAttention` layers, the baseline a user would pick today.

The source enters as word strings (`(batch, S)`, padded with `""`): a
`StringLookup` inside the model holds the source vocabulary, so a saved
model reads tokenized text and needs no other file. Target words are integer
codes (0 = padding) of the run's `WordVocabulary`; the output is
`(batch, T, vocabulary)` next-word probabilities.

`TranslationDecoder` reuses the captioners' greedy and beam search
(`lstm_apps.models.seq2seq.CaptionDecoder`): it rebuilds an encoder and a
one-step decoder from the trained layers, whatever the kind.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from lstm_apps.checks import check_choice, check_int, check_positive, check_rate
from lstm_apps.models.attention_captioner import ATTENTIONS, attend_and_predict
from lstm_apps.models.seq2seq import CaptionDecoder, read_words
from lstm_apps.models.size import (
    check_model_size,
    dense_parameters,
    embedding_parameters,
    recurrent_parameters,
)
from lstm_apps.models.transformer import NamedLayers, decode, transformer_layers

KINDS = ("seq2seq", "attention", "bilstm", "transformer")
PADDING, UNKNOWN = "", "<unk>"  # the source lookup's mask and out-of-vocabulary tokens


def build_translator(
    *,
    source_vocabulary,
    target_size,
    kind="attention",
    embedding_dim=128,
    units=256,
    attention="luong",
    dropout=0.2,
    heads=4,
    layers=2,
    max_length=128,
    name=None,
):
    """An encoder-decoder translator of `kind`, trained by teacher forcing.

    Args:
        source_vocabulary: the source words (strings, no padding or `<unk>`),
            looked up inside the model.
        target_size: number of target codes, specials included (at least 5).
        kind: "seq2seq", "attention" (default), "bilstm" or "transformer".
        embedding_dim: word embedding size, default 128 (the Transformer's
            model width is `units`).
        units: encoder and decoder width, default 256.
        attention: "luong" (scaled dot products, default) or "bahdanau"
            (additive scores), for "attention" and "bilstm".
        dropout: dropout rate, default 0.2.
        heads, layers: the Transformer's attention heads (default 4) and
            encoder and decoder blocks (default 2).
        max_length: the Transformer's longest sentence in tokens, default 128.
        name: model name; default `"{kind}_translator"`.

    Returns:
        An uncompiled `keras.Model` with inputs `[source, tokens]` (`(batch, S)`
        strings padded with "", `(batch, T)` int target codes, 0 = padding)
        and output `(batch, T, target_size)` next-word probabilities.

    Raises:
        ValueError: for an empty or repeated vocabulary, a bad size, kind,
            attention or rate, or a model too large for the free memory.

    Example:
        >>> model = build_translator(source_vocabulary=["hola", "mundo"], target_size=20)
    """
    words = _check_vocabulary(source_vocabulary)
    check_int("target_size", target_size, 5)
    check_choice("kind", kind, KINDS)
    for label, value in (("embedding_dim", embedding_dim), ("units", units), ("heads", heads)):
        check_positive(label, value)
    check_positive("layers", layers)
    check_positive("max_length", max_length)
    check_choice("attention", attention, tuple(ATTENTIONS))
    check_rate("dropout", dropout)
    if kind == "bilstm" and units % 2:
        raise ValueError(
            f"A BiLSTM encoder splits `units` in two: give an even number. Received: {units}"
        )
    if kind == "transformer" and units % heads:
        raise ValueError(
            f"The Transformer splits `units` among its heads: `units` must be a multiple of "
            f"`heads`. Received: units={units}, heads={heads}"
        )
    check_model_size(
        translator_parameters(
            kind, len(words) + 2, target_size, embedding_dim, units, layers, max_length, attention
        ),
        what=dict(kind=kind, source_words=len(words), target_size=target_size, units=units),
    )
    source = keras.Input(shape=(None,), dtype="string", name="source")
    ids = keras.layers.StringLookup(
        vocabulary=words, mask_token=PADDING, oov_token=UNKNOWN, name="source_lookup"
    )(source)
    if kind == "transformer":
        sizes = dict(
            units=units, heads=heads, blocks=layers, dropout=dropout, max_length=max_length,
            source_size=len(words) + 2, target_size=target_size,
        )  # fmt: skip
        tokens, outputs = transformer_layers(ids, sizes)
        return keras.Model([source, tokens], outputs, name=name or f"{kind}_translator")
    x = keras.layers.Embedding(
        len(words) + 2, embedding_dim, mask_zero=True, name="source_embedding"
    )(ids)
    x = keras.layers.Dropout(dropout, name="source_dropout")(x)
    if kind == "bilstm":
        cell = keras.layers.LSTM(units // 2, return_sequences=True, return_state=True)
        sequence, fh, fc, bh, bc = keras.layers.Bidirectional(cell, name="encoder")(x)
        states = [
            keras.layers.Concatenate(name="encoder_h")([fh, bh]),
            keras.layers.Concatenate(name="encoder_c")([fc, bc]),
        ]
    else:
        sequence, *states = keras.layers.LSTM(
            units, return_sequences=True, return_state=True, name="encoder"
        )(x)
    tokens, x = read_words(states, target_size, embedding_dim, units, "lstm", dropout)
    if kind == "seq2seq":
        outputs = _predict_words(x, (target_size, units, dropout))
    else:
        outputs = attend_and_predict(x, sequence, (target_size, units, dropout, attention))
    return keras.Model([source, tokens], outputs, name=name or f"{kind}_translator")


def _check_vocabulary(words) -> list[str]:
    if isinstance(words, str) or not len(words):
        raise ValueError(
            "`source_vocabulary` must be a non-empty list of word strings. "
            f"Received: {type(words).__name__}"
        )
    words = [str(w) for w in words]
    bad = [w for w in words if w in (PADDING, UNKNOWN)]
    if bad or len(set(words)) != len(words):
        raise ValueError(
            "`source_vocabulary` must hold distinct words, without '' or '<unk>' (the lookup "
            f"adds them). Received: {len(words)} words, {len(set(words))} distinct, specials {bad}"
        )
    return words


def translator_parameters(
    kind,
    source_size,
    target_size,
    embedding_dim,
    units,
    layers=2,
    max_length=128,
    attention="luong",
) -> int:
    """The parameter count of a `build_translator` model, from its sizes alone.

    `source_size` counts the lookup's two specials (padding and `<unk>`).
    """
    if kind == "transformer":
        block = 4 * dense_parameters(units, units) + dense_parameters(units, 4 * units)
        block += dense_parameters(4 * units, units) + 4 * units
        total = embedding_parameters(source_size + target_size + 2 * max_length, units)
        total += 4 * units  # the encoder's and the decoder's final normalizations
        total += layers * block + layers * (block + 4 * dense_parameters(units, units) + 2 * units)
        return total + dense_parameters(units, target_size)
    total = embedding_parameters(source_size, embedding_dim)
    total += embedding_parameters(target_size, embedding_dim)
    total += recurrent_parameters(
        "lstm", embedding_dim, units // 2 if kind == "bilstm" else units, kind == "bilstm"
    )
    total += recurrent_parameters("lstm", embedding_dim, units)
    if kind != "seq2seq":  # the query, and the attention's learned scale (one, or per unit)
        total += dense_parameters(units, units) + (units if attention == "bahdanau" else 1)
    total += dense_parameters(2 * units if kind != "seq2seq" else units, units)
    return total + dense_parameters(units, target_size)


def _predict_words(x, sizes=None, layers=None):
    """The no-attention head: the decoder output alone predicts the next word."""
    if layers is None:
        target_size, units, dropout = sizes
        make = {
            "decoder_dropout": lambda: keras.layers.Dropout(dropout, name="decoder_dropout"),
            "output_dense": lambda: keras.layers.Dense(
                units, activation="tanh", name="output_dense"
            ),
            "head": lambda: keras.layers.Dense(target_size, activation="softmax", name="head"),
        }
        layers = lambda name: make[name]()  # noqa: E731
    x = layers("decoder_dropout")(x)
    return layers("head")(layers("output_dense")(x))


def translator_kind(model) -> str:
    """The `build_translator` kind of `model` (also after loading).

    Raises:
        ValueError: when `model` is not a `build_translator` model.
    """
    names = {layer.name for layer in model.layers}
    if "source_lookup" not in names or "head" not in names:
        raise ValueError(
            "Expected a `build_translator` model (layers 'source_lookup' and 'head'). "
            f"Received: model={getattr(model, 'name', model)!r}"
        )
    if "encoder_norm" in names:
        return "transformer"
    if "attention" not in names:
        return "seq2seq"
    return "bilstm" if "encoder_h" in names else "attention"


class TranslationDecoder(CaptionDecoder):
    """Greedy and beam-search translation with a trained `build_translator` model.

    `CaptionDecoder`'s search, with two states held constant across steps:
    the encoder outputs and the source ids (their padding masks the
    attention). A recurrent decoder carries its hidden and cell states; the
    Transformer carries the words written so far and re-reads them at each
    step (its causal attention gives the same probabilities as training).

    Args:
        model: the trained translator (also after `keras.models.load_model`).
        start, end, pad: the target codes of `<start>`, `<end>` and padding.
        max_length: most words written per sentence, default 60.
        banned: codes never written (default: pad and start).

    Example:
        >>> decoder = TranslationDecoder(model, start=2, end=3, banned=[0, 1, 2])
        >>> codes = decoder.beam_search(padded_source_tokens, beam_width=4)
    """

    constants = 2

    def __init__(self, model, *, start, end, pad=0, max_length=60, banned=None):
        self.kind = translator_kind(model)
        super().__init__(model, start=start, end=end, pad=pad, max_length=max_length, banned=banned)
        self.attention_model = None
        if self.kind in ("attention", "bilstm"):
            scores = model.get_layer("attention").output[1]
            self.attention_model = keras.Model(model.inputs, scores, name=f"{model.name}_attention")

    def _inference_models(self, model):
        if self.kind == "transformer":
            return self._transformer_models(model)
        ids = model.get_layer("source_lookup").output
        sequence, *states = model.get_layer("encoder").output
        if self.kind == "bilstm":
            states = [model.get_layer("encoder_h").output, model.get_layer("encoder_c").output]
        encoder = keras.Model(
            model.inputs[0], [sequence, ids, *states], name=f"{model.name}_encoder"
        )
        memory = keras.Input(shape=tuple(sequence.shape[1:]), name="memory")
        source_ids = keras.Input(shape=(None,), dtype=ids.dtype, name="source_ids")
        carried = [
            keras.Input(shape=(s.shape[-1],), name=f"state_{i}") for i, s in enumerate(states)
        ]
        token = keras.Input(shape=(1,), dtype="int32", name="token")
        out = model.get_layer("decoder")(model.get_layer("embedding")(token), initial_state=carried)
        if self.kind == "seq2seq":
            probabilities = _predict_words(out[0], layers=model.get_layer)
        else:
            mask = keras.ops.not_equal(source_ids, 0)
            probabilities = attend_and_predict(
                out[0], memory, layers=model.get_layer, value_mask=mask
            )
        step = keras.Model(
            [token, memory, source_ids, *carried],
            [probabilities[:, 0], *out[1:]],
            name=f"{model.name}_step",
        )
        return encoder, step

    def _transformer_models(self, model):
        blocks = sum(layer.name.endswith("_cross") for layer in model.layers)
        width = model.get_layer("target_positions").max_length
        if self.max_length + 1 > width:
            raise ValueError(
                f"This Transformer reads at most {width} target positions: `max_length` must be "
                f"below {width}. Received: max_length={self.max_length}"
            )
        length = self.max_length + 1
        memory, ids = (
            model.get_layer("encoder_norm").output,
            model.get_layer("source_lookup").output,
        )
        encode = keras.Model(model.inputs[0], [memory, ids], name=f"{model.name}_encoder")
        layers, sizes = NamedLayers(model), {"blocks": blocks}

        def encoder(source, training=False):
            memory, ids = encode(source, training=False)
            n = tf.shape(ids)[0]
            return [memory, ids, tf.zeros((n, length), "int32"), tf.zeros((n,), "int32")]

        def step(inputs, training=False):
            token, memory, ids, written, position = inputs
            hot = tf.one_hot(position, length, dtype="int32")
            written = written * (1 - hot) + tf.cast(token, "int32") * hot
            upto = tf.reduce_max(position) + 1  # later positions are padding: causal, unseen
            probabilities = decode(written[:, :upto], memory, ids, layers, sizes)
            return [tf.gather(probabilities, position, batch_dims=1), written, position + 1]

        return encoder, step

    def attention_weights(self, sources, codes) -> list[np.ndarray]:
        """The attention over the source words behind each written word.

        Args:
            sources: `(n, S)` padded source token strings.
            codes: one list of target codes per source, as the decoder wrote
                them (no `<start>`, no `<end>`).

        Returns:
            One `(len(codes[i]) + 1, S_i)` array per source (S_i: its real
            words): row t holds the weights used to write word t + 1, the
            last row those used to write `<end>`.

        Raises:
            ValueError: for a model without attention, or unequal counts.
        """
        if self.attention_model is None:
            raise ValueError(f"A {self.kind!r} translator has no attention to show.")
        if len(sources) != len(codes):
            raise ValueError(
                f"One translation per source is needed. Received: {len(sources)} sources, "
                f"{len(codes)} translations"
            )
        tokens = np.full((len(codes), max(len(c) for c in codes) + 1), self.pad, "int32")
        for i, c in enumerate(codes):
            tokens[i, : len(c) + 1] = [self.start, *c]
        scores = keras.ops.convert_to_numpy(
            self.attention_model(
                [tf.constant(np.asarray(sources)), tf.constant(tokens)], training=False
            )
        )
        real = (np.asarray(sources) != PADDING).sum(axis=1)
        return [scores[i, : len(c) + 1, : real[i]] for i, c in enumerate(codes)]
