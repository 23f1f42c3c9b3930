"""Character language models: embedding -> recurrent layers -> softmax per step.

`build_char_lm` gives the training model, which reads `(batch, timesteps)`
character codes and returns `(batch, timesteps, vocabulary)` next-character
probabilities. `build_step_model` reuses its layers in a one-step model that
takes and returns the recurrent states explicitly, so generation costs one
step per character instead of re-reading the whole prompt.
"""

from __future__ import annotations

import keras

from lstm_apps.checks import check_choice, check_int, check_positive
from lstm_apps.models.layers import ConvBlock1D, MaskedGlobalMaxPooling1D
from lstm_apps.models.recurrent import CELLS, recurrent_parameters
from lstm_apps.models.recurrent import matched_units as units_matching
from lstm_apps.models.size import check_char_lm, check_text_classifier

STATES = {"simple_rnn": 1, "gru": 1, "lstm": 2}


def build_char_lm(
    *, vocabulary_size, cell="lstm", units=256, embedding_dim=32, dropout=0.0, name=None
):
    """Build a character language model.

    Args:
        vocabulary_size: number of character codes (including the unknown code 0).
        cell: "simple_rnn", "lstm" (default) or "gru".
        units: recurrent width, or a tuple for a stack; default 256.
        embedding_dim: size of the character embedding, default 32.
        dropout: dropout after each recurrent layer, default 0.
        name: model name, default "<cell>_char_lm".

    Returns:
        An uncompiled `keras.Model` from `(batch, timesteps)` int codes to
        `(batch, timesteps, vocabulary_size)` probabilities.

    Example:
        >>> model = build_char_lm(vocabulary_size=93, cell="gru", units=128)
    """
    check_choice("cell", cell, tuple(CELLS))
    check_int("vocabulary_size", vocabulary_size, 2)
    check_positive("embedding_dim", embedding_dim)
    widths = (units,) if isinstance(units, int) else tuple(units)
    if not widths:
        raise ValueError(
            f"`units` must be a positive integer or a tuple of them. Received: units={units!r}"
        )
    for width in widths:
        check_positive("units", width)
    check_char_lm(cell, vocabulary_size, embedding_dim, widths)
    inputs = keras.Input(shape=(None,), dtype="int32", name="input")
    x = keras.layers.Embedding(vocabulary_size, embedding_dim, name="embedding")(inputs)
    for i, width in enumerate(widths, start=1):
        x = CELLS[cell](width, return_sequences=True, name=f"{cell}_{i}")(x)
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"dropout_{i}")(x)
    outputs = keras.layers.Dense(vocabulary_size, activation="softmax", name="head")(x)
    return keras.Model(inputs, outputs, name=name or f"{cell}_char_lm")


def recurrent_layers(model):
    """The recurrent layers of a character model, in order."""
    return [layer for layer in model.layers if isinstance(layer, keras.layers.RNN)]


def build_step_model(model):
    """A one-step model sharing `model`'s layers, with explicit states.

    Inputs: `(batch, 1)` codes followed by one `(batch, units)` tensor per
    state (LSTM: h and c; GRU and SimpleRNN: h). Outputs: `(batch,
    vocabulary)` probabilities followed by the new states, in the same order.
    """
    rnns = recurrent_layers(model)
    code = keras.Input(shape=(1,), dtype="int32", name="code")
    states_in, states_out = [], []
    x = model.get_layer("embedding")(code)
    for layer in rnns:
        kind = {keras.layers.LSTM: "lstm", keras.layers.GRU: "gru"}.get(type(layer), "simple_rnn")
        state = [
            keras.Input(shape=(layer.units,), name=f"{layer.name}_state_{j}")
            for j in range(STATES[kind])
        ]
        clone = type(layer).from_config(
            {**layer.get_config(), "return_state": True, "name": f"{layer.name}_step"}
        )
        clone.build((None, 1, x.shape[-1]))
        clone.set_weights(layer.get_weights())
        out = clone(x, initial_state=state)
        x, new = out[0], list(out[1:])
        states_in += state
        states_out += new
    probs = model.get_layer("head")(x[:, -1, :] if len(x.shape) == 3 else x)
    return keras.Model([code, *states_in], [probs, *states_out], name=f"{model.name}_step")


def char_lm_parameters(cell, units, vocabulary_size, embedding_dim=32) -> int:
    """Learnable parameters of a one-layer `build_char_lm` network (Keras 3 GRU: reset_after)."""
    embedding = vocabulary_size * embedding_dim
    return embedding + recurrent_parameters(cell, units, embedding_dim, vocabulary_size)


def matched_units(cell, target_parameters, vocabulary_size, embedding_dim=32) -> int:
    """The width at which a one-layer `cell` network comes closest to `target_parameters`."""
    embedding = vocabulary_size * embedding_dim
    return units_matching(cell, target_parameters - embedding, embedding_dim, vocabulary_size)


# -- word-level text classifiers -------------------------------------------------------------

TEXT_CLASSIFIERS = ("lstm", "bilstm", "gru", "cnn_lstm", "bag_of_embeddings")
TEXT_POOLINGS = ("last", "max_mean")

# Punctuation splits words; letters of any script, digits and the apostrophe stay.
_NOT_WORD = r"[^\p{L}\p{N}']+"
_ACCENTS = {
    "a": "áàâäãå",
    "e": "éèêë",
    "i": "íìîï",
    "o": "óòôöõ",
    "u": "úùûü",
    "c": "ç",
    "y": "ýÿ",
}


@keras.saving.register_keras_serializable(package="lstm_apps")
def standardize_text(texts):
    """Lowercase, drop HTML line breaks, split off punctuation (¿ and ¡ included); keep accents."""
    import tensorflow as tf

    texts = tf.strings.lower(texts, encoding="utf-8")
    texts = tf.strings.regex_replace(texts, r"<br\s*/?>", " ")
    return tf.strings.regex_replace(texts, _NOT_WORD, " ")


@keras.saving.register_keras_serializable(package="lstm_apps")
def standardize_text_without_accents(texts):
    """`standardize_text`, then á→a, ü→u, ç→c ... (ñ is kept: a letter of its own in Spanish)."""
    import tensorflow as tf

    texts = standardize_text(texts)
    for plain, marked in _ACCENTS.items():
        texts = tf.strings.regex_replace(texts, f"[{marked}]", plain)
    return texts


def build_vectorizer(vocabulary_size, strip_accents=False, sequence_length=None):
    """A `TextVectorization` layer with the package's standardization (fit it with `adapt`)."""
    return keras.layers.TextVectorization(
        max_tokens=vocabulary_size,
        standardize=standardize_text_without_accents if strip_accents else standardize_text,
        output_mode="int",
        output_sequence_length=sequence_length,
        name="vectorizer",
    )


@keras.saving.register_keras_serializable(package="lstm_apps")
class KeepWords(keras.layers.Layer):
    """Keep the first (`keep="start"`) or last (`"end"`) `max_length` word ids of each row.

    Input: right-padded ids `(batch, L)` (0 = padding), as `TextVectorization`
    gives them. Output: `(batch, min(L, max_length))`, still right-padded.
    """

    def __init__(self, max_length, keep="start", **kwargs):
        super().__init__(**kwargs)
        check_choice("keep", keep, ("start", "end"))
        self.max_length = int(max_length)
        self.keep = keep

    def call(self, ids):
        from keras import ops

        ids = ops.cast(ids, "int32")
        width = ops.minimum(ops.shape(ids)[1], self.max_length)
        if self.keep == "start":
            return ids[:, :width]
        lengths = ops.sum(ops.cast(ids > 0, "int32"), axis=1, keepdims=True)
        start = ops.maximum(lengths - width, 0)
        positions = start + ops.expand_dims(ops.arange(width, dtype="int32"), 0)
        taken = ops.take_along_axis(ids, ops.minimum(positions, ops.shape(ids)[1] - 1), axis=1)
        return ops.where(positions < lengths, taken, 0)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], None)

    def get_config(self):
        return {**super().get_config(), "max_length": self.max_length, "keep": self.keep}


def build_text_classifier(
    kind="bilstm",
    *,
    vocabulary_size,
    num_classes=2,
    embedding_dim=64,
    units=64,
    dropout=0.3,
    embedding_dropout=0.0,
    pooling="last",
    embeddings=None,
    trainable_embeddings=True,
    name=None,
):
    """Word ids → embedding → recurrent (or pooling) layer → class, with masking of padding.

    Args:
        kind: "lstm", "bilstm" (default), "gru", "cnn_lstm" (a mask-aware
            Conv1D block with max pooling, then an LSTM) or
            "bag_of_embeddings" (the average of the word vectors, a baseline).
        vocabulary_size: number of word ids, padding (0) and unknown (1) included.
        num_classes: 2 (default: one sigmoid output) or more (softmax).
        embedding_dim: size of the word vectors, default 64.
        units: recurrent width (per direction for "bilstm"), default 64.
        dropout: dropout before the head, default 0.3.
        embedding_dropout: rate at which whole word vectors are dropped while
            training (`SpatialDropout1D`), default 0.
        pooling: what the head reads from the recurrent layer: "last" (its
            final state, default) or "max_mean" (the maximum and the mean of
            its outputs over the real steps, concatenated).
        embeddings: optional `(vocabulary_size, embedding_dim)` initial
            vectors (e.g. from `read_word_vectors`).
        trainable_embeddings: fine-tune the embedding (default) or freeze it.

    Returns:
        An uncompiled `keras.Model` from `(batch, timesteps)` int ids.
    """
    check_choice("kind", kind, TEXT_CLASSIFIERS)
    check_choice("pooling", pooling, TEXT_POOLINGS)
    check_int("vocabulary_size", vocabulary_size, 3)
    check_int("num_classes", num_classes, 2)
    check_positive("embedding_dim", embedding_dim)
    check_positive("units", units)
    check_text_classifier(kind, vocabulary_size, embedding_dim, units, num_classes, pooling)
    initializer = "uniform"
    if embeddings is not None:
        if embeddings.shape != (vocabulary_size, embedding_dim):
            raise ValueError(
                f"`embeddings` must have shape {(vocabulary_size, embedding_dim)}. "
                f"Received: {embeddings.shape}"
            )
        initializer = keras.initializers.Constant(embeddings)
    inputs = keras.Input(shape=(None,), dtype="int32", name="word_ids")
    x = keras.layers.Embedding(
        vocabulary_size,
        embedding_dim,
        mask_zero=True,
        embeddings_initializer=initializer,
        trainable=trainable_embeddings,
        name="embedding",
    )(inputs)
    if embedding_dropout:
        x = keras.layers.SpatialDropout1D(embedding_dropout, name="embedding_dropout")(x)
    if kind == "bag_of_embeddings":
        x = keras.layers.GlobalAveragePooling1D(name="average")(x)
    else:
        if kind == "cnn_lstm":
            x = ConvBlock1D(units, 5, pooling="max", pool_size=2, name="conv_1")(x)
        cell = {"gru": keras.layers.GRU}.get(kind, keras.layers.LSTM)
        sequences = pooling == "max_mean"
        layer = cell(
            units, return_sequences=sequences, name=f"{'gru' if kind == 'gru' else 'lstm'}_1"
        )
        if kind == "bilstm":
            layer = keras.layers.Bidirectional(layer, name="bilstm_1")
        x = layer(x)
        if sequences:
            x = keras.layers.Concatenate(name="max_mean")(
                [
                    MaskedGlobalMaxPooling1D(name="max_over_time")(x),
                    keras.layers.GlobalAveragePooling1D(name="mean_over_time")(x),
                ]
            )
    if dropout:
        x = keras.layers.Dropout(dropout, name="dropout")(x)
    binary = num_classes == 2
    outputs = keras.layers.Dense(
        1 if binary else num_classes, activation="sigmoid" if binary else "softmax", name="head"
    )(x)
    return keras.Model(inputs, outputs, name=name or f"{kind}_text_classifier")


def read_word_vectors(path, vocabulary, *, lowercase=True):
    """Initial embedding rows for `vocabulary` from a text-format vector file.

    Reads GloVe (`word v1 … vD` per line), word2vec text format and fastText
    `.vec` (both start with a `count dimension` header line). Words missing
    from the file get small random vectors; rows 0 (padding) and 1 (unknown)
    are zeros.

    Args:
        path: the vector file (UTF-8 text).
        vocabulary: the vectorizer's vocabulary, index → word.
        lowercase: match words case-insensitively (the vectorizer lowercases).

    Returns:
        `(matrix, coverage)`: the `(len(vocabulary), D)` float32 matrix and a
        dict with the number and share of vocabulary words found.
    """
    from pathlib import Path

    import numpy as np

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No such word-vector file: {path}")
    index = {word: i for i, word in enumerate(vocabulary) if i >= 2}
    vectors, dimension = {}, None
    with open(path, encoding="utf-8", errors="strict") as handle:
        for number, line in enumerate(handle, start=1):
            parts = line.rstrip().split(" ")
            if number == 1 and len(parts) == 2 and all(p.isdigit() for p in parts):
                continue  # word2vec / fastText header
            if len(parts) < 2:
                continue
            word = parts[0].lower() if lowercase else parts[0]
            if dimension is None:
                dimension = len(parts) - 1
            elif len(parts) - 1 != dimension:
                raise ValueError(
                    f"{path}, line {number}: {len(parts) - 1} values, but the first vector "
                    f"has {dimension}"
                )
            if word in index and index[word] not in vectors:
                vectors[index[word]] = np.asarray(parts[1:], dtype="float32")
    if dimension is None:
        raise ValueError(f"{path} holds no word vectors")
    return _embedding_rows(vectors, len(vocabulary), dimension)


def _embedding_rows(vectors, rows, dimension):
    """The `(rows, dimension)` matrix of `vectors` (row → vector), and its coverage.

    Rows without a vector get small random values; rows 0 (padding) and 1
    (unknown) are zeros.
    """
    import numpy as np

    rng = np.random.default_rng(0)
    matrix = rng.normal(0.0, 0.05, size=(rows, dimension)).astype("float32")
    matrix[:2] = 0.0
    for row, vector in vectors.items():
        matrix[row] = vector
    found, words = len(vectors), max(0, rows - 2)
    return matrix, {"words_found": found, "vocabulary": words, "share": found / max(1, words)}


def train_word_vectors(token_ids, vocabulary, dimension, *, epochs=5, window=5, seed=0, workers=1):
    """Skip-gram word2vec vectors (gensim) for `vocabulary`, learned from unlabelled texts.

    The network's embedding then starts from vectors that already place
    "awful" near "terrible", learned from the texts' own word co-occurrences
    rather than from the few thousand labels. Only the texts given are read:
    pass the training texts, never the test texts.

    Args:
        token_ids: one int array of vocabulary ids per text, in reading
            order (ids 0, padding, and 1, unknown words, are skipped).
        vocabulary: the vectorizer's vocabulary, index → word.
        dimension: the vector size (the embedding's width).
        epochs: passes of word2vec over the texts.
        window: words on each side that count as context.
        seed: seed of the initial vectors and the sampling. With one worker
            (the default) a run repeats exactly; more workers are faster
            and vary slightly from run to run.
        workers: gensim's training threads.

    Returns:
        `(matrix, coverage)` as `read_word_vectors` returns them; a word
        that occurs in no text keeps a small random vector.
    """
    from gensim.models import Word2Vec

    for name, value in (("dimension", dimension), ("epochs", epochs), ("window", window)):
        check_positive(name, value)
    sentences = [[str(i) for i in ids if i > 1] for ids in token_ids]
    sentences = [s for s in sentences if s]
    if not sentences:
        raise ValueError("No text holds a vocabulary word: there is nothing to learn vectors from.")
    model = Word2Vec(
        sentences,
        vector_size=dimension,
        window=window,
        min_count=1,
        sg=1,
        epochs=epochs,
        seed=seed,
        workers=workers,
    )
    vectors = {int(key): model.wv[key] for key in model.wv.index_to_key}
    return _embedding_rows(vectors, len(vocabulary), dimension)
