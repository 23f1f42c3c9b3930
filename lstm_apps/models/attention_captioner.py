"""An attention captioner: soft attention over an image's grid of features.

`build_attention_captioner` reads a precomputed feature map (for example
EfficientNet-Lite0's 7x7x1280 grid) as L positions instead of one pooled
vector, and lets each word look at the positions it needs, as in Show,
Attend and Tell (Xu et al. 2015). The positions are projected to annotation
vectors, each with a learned per-position bias (where it is in the grid:
the attention's weighted sum of annotations would otherwise be the same
wherever a feature sits), and their mean starts the LSTM's states. The
decoder attends after its step, from its output h_t, as in Luong et al.
(2015): the context over the L positions is joined to h_t before the word
classifier. Training therefore runs in one teacher-forced pass (the LSTM
over the whole caption, then one attention over all steps), and decoding
one word at a time gives exactly the same probabilities.

`AttentionCaptionDecoder` reuses `CaptionDecoder`'s greedy and beam search:
its state 0, held constant across steps, is the `(L, units)` grid of
annotations; `attention_weights` gives the weights behind each written word.
"""

from __future__ import annotations

from numbers import Integral

import keras
import numpy as np

from lstm_apps.checks import check_choice, check_int, check_positive, check_rate
from lstm_apps.models.seq2seq import DECODER_CELLS, CaptionDecoder, initial_states, read_words
from lstm_apps.models.size import (
    check_model_size,
    dense_parameters,
    embedding_parameters,
    recurrent_parameters,
)

# scores of a query q (the decoder output) and an annotation a: "bahdanau": additive,
# v . tanh(W q + a); "luong": dot products, s * (W q) . a with a learned scale s
ATTENTIONS = {
    "bahdanau": lambda name: keras.layers.AdditiveAttention(name=name),
    "luong": lambda name: keras.layers.Attention(use_scale=True, name=name),
}


def build_attention_captioner(
    *,
    vocabulary_size,
    grid_shape,
    embedding_dim=128,
    units=256,
    cell="lstm",
    dropout=0.3,
    attention="bahdanau",
    name="attention_captioner",
):
    """An LSTM (or GRU) caption decoder with soft attention over a grid of image features.

    Args:
        vocabulary_size: number of token codes, specials included (at least 5).
        grid_shape: shape of one precomputed feature map, `(h, w, D)` or `(L, D)`.
        embedding_dim: word embedding size, default 128.
        units: decoder width, also the size of the annotation vectors, default 256.
        cell: "lstm" (default) or "gru".
        dropout: dropout on the grid, the word embeddings and the decoder
            output joined to its context, default 0.3.
        attention: "bahdanau" (additive scores, default) or "luong" (dot products).
        name: model name, default "attention_captioner".

    Returns:
        An uncompiled `keras.Model` with inputs `[source, tokens]` (the
        feature grid and `(batch, T)` int codes, 0 = padding) and output
        `(batch, T, vocabulary_size)` next-word probabilities, like
        `build_captioner`'s.

    Raises:
        ValueError: for a bad size, cell, rate or attention, or a model too
            large for the free memory.

    Example:
        >>> model = build_attention_captioner(vocabulary_size=40, grid_shape=(7, 7, 1280))
    """
    check_int("vocabulary_size", vocabulary_size, 5)
    count, dim = grid_size(grid_shape)
    check_positive("embedding_dim", embedding_dim)
    check_positive("units", units)
    check_choice("cell", cell, tuple(DECODER_CELLS))
    check_rate("dropout", dropout)
    check_choice("attention", attention, tuple(ATTENTIONS))
    _check_size(cell, attention, vocabulary_size, embedding_dim, units, count, dim)
    source = keras.Input(shape=tuple(grid_shape), name="source")
    x = keras.layers.Reshape((count, dim), name="positions")(source)
    # each position's features on a common scale, so that the initial states' tanh is not saturated
    x = keras.layers.LayerNormalization(name="source_norm")(x)
    x = keras.layers.Dropout(dropout, name="source_dropout")(x)
    # a shared projection and a learned bias per position: the annotation vectors
    annotations = keras.layers.EinsumDense(
        "bld,du->blu",
        output_shape=(count, units),
        bias_axes="lu",
        bias_initializer=keras.initializers.RandomNormal(stddev=0.1),
        name="annotations",
    )(x)
    mean = keras.layers.GlobalAveragePooling1D(name="mean_position")(x)
    states = initial_states(mean, units, cell)
    tokens, x = read_words(states, vocabulary_size, embedding_dim, units, cell, dropout)
    outputs = attend_and_predict(x, annotations, (vocabulary_size, units, dropout, attention))
    return keras.Model([source, tokens], outputs, name=name)


def attend_and_predict(x, annotations, sizes=None, layers=None, value_mask=None):
    """Attend from the decoder outputs `x` over the annotations, then predict the next word.

    New layers of `sizes` `(vocabulary_size, units, dropout, attention)`,
    or with `layers` (a trained model's `get_layer`) those layers: the
    decoding step. `value_mask` `(batch, L)` marks the annotations that may
    be attended (a padded source sentence's words); None attends to all, or
    follows the mask Keras carries with `annotations`.
    """
    if layers is None:
        vocabulary_size, units, dropout, attention = sizes
        make = {
            "query": lambda: keras.layers.Dense(units, name="query"),
            "attention": lambda: ATTENTIONS[attention](name="attention"),
            "attended": lambda: keras.layers.Concatenate(name="attended"),
            "decoder_dropout": lambda: keras.layers.Dropout(dropout, name="decoder_dropout"),
            "attention_dense": lambda: keras.layers.Dense(
                units, activation="tanh", name="attention_dense"
            ),
            "head": lambda: keras.layers.Dense(vocabulary_size, activation="softmax", name="head"),
        }
        layers = lambda name: make[name]()
    # the scores are an output of every call: a functional model built on a later call of the
    # layer must have as many outputs as its first call (Keras checks them against that one)
    query = layers("query")(x)
    masks = {} if value_mask is None else {"mask": [None, value_mask]}
    context = layers("attention")([query, annotations], return_attention_scores=True, **masks)[0]
    x = layers("attended")([x, context])
    x = layers("decoder_dropout")(x)
    return layers("head")(layers("attention_dense")(x))


def grid_size(grid_shape) -> tuple[int, int]:
    """`(L, D)`: the positions and the features per position of a `(h, w, D)` or `(L, D)` grid.

    Raises:
        ValueError: unless `grid_shape` is 2 or 3 positive integers.
    """
    ok = isinstance(grid_shape, (tuple, list)) and len(grid_shape) in (2, 3)
    ok = ok and all(isinstance(n, Integral) and not isinstance(n, bool) for n in grid_shape)
    if not ok or min(grid_shape) <= 0:
        raise ValueError(
            "`grid_shape` must be (h, w, D) or (L, D): the positive sizes of one feature map. "
            f"Received: grid_shape={grid_shape!r}"
        )
    return int(np.prod(grid_shape[:-1])), int(grid_shape[-1])


def _check_size(cell, attention, vocabulary_size, embedding_dim, units, count, dim) -> int:
    """`check_model_size` for `build_attention_captioner`, counted from the sizes alone."""
    states = 2 if cell == "lstm" else 1
    total = 2 * dim  # layer normalization
    total += dim * units + count * units  # annotations: shared kernel, per-position bias
    total += states * dense_parameters(dim, units)  # initial states
    total += embedding_parameters(vocabulary_size, embedding_dim)
    total += recurrent_parameters(cell, embedding_dim, units)
    total += units * units + (units if attention == "bahdanau" else 0)  # query, scale
    total += dense_parameters(2 * units, units) + dense_parameters(units, vocabulary_size)
    sizes = dict(
        units=units, embedding_dim=embedding_dim, vocabulary_size=vocabulary_size, grid=(count, dim)
    )
    return check_model_size(total, what=sizes)


def is_attention_captioner(model) -> bool:
    """Whether `model` is a `build_attention_captioner` model (also after loading)."""
    layer = next((lay for lay in model.layers if lay.name == "attention"), None)
    return isinstance(layer, keras.layers.Attention)  # AdditiveAttention is one too


def decoder_class(model) -> type[CaptionDecoder]:
    """The decoder for `model`: `AttentionCaptionDecoder` or `CaptionDecoder`.

    Example:
        >>> decoder = decoder_class(model)(model, start=2, end=3)
    """
    return AttentionCaptionDecoder if is_attention_captioner(model) else CaptionDecoder


class AttentionCaptionDecoder(CaptionDecoder):
    """Greedy and beam-search decoding with a trained `build_attention_captioner` model.

    `CaptionDecoder`'s interface and search: `initial_states` gives the
    annotations `(n, L, units)` (state 0, the same at every step) and the
    decoder's initial states; the step model takes `[token, annotations,
    *recurrent_states]`.

    Args:
        model: the trained attention captioner (also after `keras.models.load_model`).
        start: code of `<start>`; end: code of `<end>`; pad: code of padding.
        max_length: most words written per caption, default 20.
        banned: codes never written (default: pad and start).

    Raises:
        ValueError: when `model` is not an attention captioner.

    Example:
        >>> decoder = AttentionCaptionDecoder(model, start=2, end=3)
        >>> codes = decoder.beam_search(grids, beam_width=3)
        >>> weights = decoder.attention_weights(grids, codes)
    """

    def __init__(self, model, *, start, end, pad=0, max_length=20, banned=None):
        if not is_attention_captioner(model):
            raise ValueError(
                "`AttentionCaptionDecoder` needs a `build_attention_captioner` model. "
                f"Received: model={getattr(model, 'name', model)!r}"
            )
        super().__init__(model, start=start, end=end, pad=pad, max_length=max_length, banned=banned)
        # the weights of the model's own attention call: (batch, T, L)
        scores = model.get_layer("attention").output[1]
        self.attention_model = keras.Model(model.inputs, scores, name=f"{model.name}_attention")

    def _inference_models(self, model):
        annotations = model.get_layer("annotations").output
        init = [model.get_layer("init_h").output]
        if any(layer.name == "init_c" for layer in model.layers):
            init.append(model.get_layer("init_c").output)
        encoder = keras.Model(model.inputs[0], [annotations, *init], name=f"{model.name}_encoder")
        grid = keras.Input(shape=tuple(annotations.shape[1:]), name="annotations")
        states = [
            keras.Input(shape=(s.shape[-1],), name=f"state_{i + 1}") for i, s in enumerate(init)
        ]
        token = keras.Input(shape=(1,), dtype="int32", name="token")
        out = model.get_layer("decoder")(model.get_layer("embedding")(token), initial_state=states)
        probabilities = attend_and_predict(out[0], grid, layers=model.get_layer)
        step_model = keras.Model(
            [token, grid, *states], [probabilities[:, 0], *out[1:]], name=f"{model.name}_step"
        )
        return encoder, step_model

    def attention_weights(self, sources, codes, batch_size=64) -> list[np.ndarray]:
        """The attention weights over the L positions behind each word of each caption.

        The model reads `<start> w1 ... wn` by teacher forcing (the same
        probabilities and weights as when it wrote the caption step by step).

        Args:
            sources: a batch of feature grids.
            codes: one list of word codes per source, as the decoders return
                them (no `<start>`, no `<end>`, no padding).
            batch_size: sources read together, default 64.

        Returns:
            One `(len(codes[i]) + 1, L)` array per source: row t holds the
            weights used when writing word t + 1, the last row those used
            when writing `<end>`; each row sums to 1.

        Raises:
            ValueError: when the numbers of sources and captions differ, or a
                caption holds `<start>`, `<end>` or padding.
        """
        check_positive("batch_size", batch_size)
        if len(sources) != len(codes):
            raise ValueError(
                "`attention_weights` needs one caption per source. "
                f"Received: {len(sources)} sources, {len(codes)} captions"
            )
        specials = {self.start, self.end, self.pad}
        for i, caption in enumerate(codes):
            if specials & {int(c) for c in caption}:
                raise ValueError(
                    "Captions are word codes without <start>, <end> or padding "
                    f"({sorted(specials)}). Received: codes[{i}]={list(caption)!r}"
                )
        result = []
        for a in range(0, len(codes), batch_size):
            part = codes[a : a + batch_size]
            tokens = np.full((len(part), max(len(c) for c in part) + 1), self.pad, "int32")
            for i, caption in enumerate(part):
                tokens[i, : len(caption) + 1] = [self.start, *caption]
            scores = self.attention_model(
                [np.asarray(sources[a : a + batch_size]), tokens], training=False
            )
            scores = keras.ops.convert_to_numpy(scores)
            result.extend(scores[i, : len(c) + 1] for i, c in enumerate(part))
        return result
