"""A small Transformer encoder-decoder from Keras layers, for the translation study.

Pre-norm blocks (Vaswani et al. 2017, with the normalization before each
sub-layer, which trains without a warm-up): self-attention, attention to
the encoder's memory in the decoder, and a feed-forward layer of 4x the
width, each added to its input; learned position vectors
(`PositionEmbedding`). Every layer has a fixed name, so the functions that
build the model also rebuild its pieces from a trained model
(`NamedLayers(model)`): `encode` and `decode` run on new inputs with the
trained weights, which is how `TranslationDecoder` decodes step by step.
Padding masks are passed explicitly (code 0 is padding on both sides).
"""

from __future__ import annotations

import keras

from lstm_apps.models.layers.positions import PositionEmbedding


class NamedLayers:
    """Layers by name: made on first use while building, a trained model's while decoding.

    Args:
        model: a trained model whose layers are returned; None (default) makes
            each layer with its factory on first use.
    """

    def __init__(self, model=None):
        self.model, self.made = model, {}

    def __call__(self, name, factory=None):
        if self.model is not None:
            return self.model.get_layer(name)
        if name not in self.made:
            self.made[name] = factory()
        return self.made[name]


def transformer_layers(ids, sizes):
    """The `(tokens input, probabilities)` of a new Transformer over looked-up source `ids`.

    `sizes`: units, heads, blocks, dropout, max_length, source_size, target_size.
    """
    layers = NamedLayers()
    memory = encode(ids, layers, sizes)
    tokens = keras.Input(shape=(None,), dtype="int32", name="tokens")
    return tokens, decode(tokens, memory, ids, layers, sizes)


def _norm(name):
    return lambda: keras.layers.LayerNormalization(epsilon=1e-6, name=name)


def _block(x, prefix, layers, sizes, *, mask, memory=None, memory_mask=None):
    """A pre-norm Transformer block: self-attention (causal in the decoder), attention to
    the encoder's `memory` (decoder), then a feed-forward layer, each added to its input."""
    units, heads, dropout = sizes.get("units"), sizes.get("heads"), sizes.get("dropout")
    attention = lambda name: (
        lambda: keras.layers.MultiHeadAttention(  # noqa: E731
            heads, units // heads, dropout=dropout, name=name
        )
    )
    decoder = memory is not None
    h = layers(f"{prefix}_norm1", _norm(f"{prefix}_norm1"))(x)
    h = layers(f"{prefix}_self", attention(f"{prefix}_self"))(
        h, h, query_mask=mask, value_mask=mask, use_causal_mask=decoder
    )
    x = x + h
    if decoder:
        h = layers(f"{prefix}_norm2", _norm(f"{prefix}_norm2"))(x)
        x = x + layers(f"{prefix}_cross", attention(f"{prefix}_cross"))(
            h, memory, query_mask=mask, value_mask=memory_mask
        )
    h = layers(f"{prefix}_norm3", _norm(f"{prefix}_norm3"))(x)
    wide = lambda: keras.layers.Dense(4 * units, activation="relu", name=f"{prefix}_ffn1")  # noqa: E731
    h = layers(f"{prefix}_ffn1", wide)(h)
    h = layers(f"{prefix}_ffn2", lambda: keras.layers.Dense(units, name=f"{prefix}_ffn2"))(h)
    drop = lambda: keras.layers.Dropout(dropout, name=f"{prefix}_dropout")  # noqa: E731
    return x + layers(f"{prefix}_dropout", drop)(h)


def _embed(codes, prefix, size, layers, sizes):
    units, dropout = sizes.get("units"), sizes.get("dropout")
    table = lambda: keras.layers.Embedding(size, units, name=f"{prefix}_embedding")  # noqa: E731
    x = layers(f"{prefix}_embedding", table)(codes)
    where = lambda: PositionEmbedding(sizes.get("max_length"), name=f"{prefix}_positions")  # noqa: E731
    x = layers(f"{prefix}_positions", where)(x)
    drop = lambda: keras.layers.Dropout(dropout, name=f"{prefix}_embedding_dropout")  # noqa: E731
    return layers(f"{prefix}_embedding_dropout", drop)(x)


def encode(ids, layers, sizes):
    """The Transformer encoder's memory `(batch, S, units)` for looked-up source ids."""
    mask = keras.ops.not_equal(ids, 0)
    x = _embed(ids, "source", sizes.get("source_size"), layers, sizes)
    for i in range(sizes["blocks"]):
        x = _block(x, f"encoder_{i}", layers, sizes, mask=mask)
    return layers("encoder_norm", _norm("encoder_norm"))(x)


def decode(tokens, memory, ids, layers, sizes):
    """Next-word probabilities `(batch, T, vocabulary)` of the Transformer decoder."""
    mask, memory_mask = keras.ops.not_equal(tokens, 0), keras.ops.not_equal(ids, 0)
    x = _embed(tokens, "target", sizes.get("target_size"), layers, sizes)
    for i in range(sizes["blocks"]):
        x = _block(
            x, f"decoder_{i}", layers, sizes, mask=mask, memory=memory, memory_mask=memory_mask
        )
    x = layers("decoder_norm", _norm("decoder_norm"))(x)
    head = lambda: keras.layers.Dense(sizes.get("target_size"), activation="softmax", name="head")  # noqa: E731
    return layers("head", head)(x)
