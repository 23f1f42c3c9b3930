"""The fitted TF-IDF + logistic regression baseline as a Keras layer, for the saved ensemble.

The text study can keep the average of its recurrent network and the TF-IDF
baseline (`ensemble.py`); the saved `model.keras` must then compute TF-IDF
itself, from raw strings, with no scikit-learn object beside it.
`TfidfLogistic` does what the scikit-learn pipeline of
`sentiment.comparison.fit_tfidf` does, with TensorFlow string ops:

- the same text (`plain_text`: lowercased, "<br />" removed, accents
  stripped when asked);
- the same words: runs of two or more letters, digits or "_"
  (scikit-learn's `(?u)\\b\\w\\w+\\b`), and the pairs of consecutive words;
- the same weights: `1 + log(count)` times the fitted inverse document
  frequency, the row scaled to unit length, then the fitted coefficients.

`tfidf_layer(pipeline)` copies a fitted pipeline into the layer; its
probabilities match `pipeline.predict_proba` to float32 precision.
"""

from __future__ import annotations

import keras
import numpy as np

from lstm_apps.tasks.sentiment.comparison import ACCENTS


@keras.saving.register_keras_serializable(package="lstm_apps")
class TfidfLogistic(keras.layers.Layer):
    """Raw strings `(batch, 1)` → class probabilities `(batch, K)` of TF-IDF + logistic regression.

    Args:
        num_terms: words and word pairs of the fitted vocabulary.
        num_classes: K (two: one logistic output, as scikit-learn fits it).
        strip_accents: map accented vowels to plain ones first (`ACCENTS`).

    The vocabulary (a `StringLookup`, saved with the model as an asset), the
    inverse document frequencies, the coefficients and the intercepts are
    set by `tfidf_layer`.
    """

    def __init__(self, num_terms, num_classes, strip_accents=False, **kwargs):
        super().__init__(**kwargs)
        self.num_terms, self.num_classes = int(num_terms), int(num_classes)
        self.strip_accents = bool(strip_accents)
        self.lookup = keras.layers.StringLookup(num_oov_indices=1, name="terms")
        outputs = 1 if self.num_classes == 2 else self.num_classes
        rows = self.num_terms + 1  # row 0: words outside the vocabulary, weight 0
        self.idf = self.add_weight(shape=(rows,), initializer="zeros", trainable=False, name="idf")
        self.coef = self.add_weight(
            shape=(rows, outputs), initializer="zeros", trainable=False, name="coef"
        )
        self.intercept = self.add_weight(
            shape=(outputs,), initializer="zeros", trainable=False, name="intercept"
        )

    def build(self, input_shape):
        self.built = True

    def terms(self, texts):
        """The words and word pairs of each text, as TF-IDF counts them (a ragged tensor)."""
        import tensorflow as tf

        texts = tf.strings.lower(tf.reshape(texts, [-1]), encoding="utf-8")
        texts = tf.strings.regex_replace(texts, r"<br\s*/?>", " ")
        if self.strip_accents:
            for plain, marked in ACCENTS.items():
                texts = tf.strings.regex_replace(texts, f"[{marked}]", plain)
        texts = tf.strings.regex_replace(texts, r"[^\p{L}\p{N}_]+", " ")
        words = tf.strings.split(texts)
        words = tf.ragged.boolean_mask(words, tf.strings.length(words, unit="UTF8_CHAR") >= 2)
        return tf.concat([words, tf.strings.ngrams(words, 2, separator=" ")], axis=1)

    def call(self, texts):
        import tensorflow as tf

        ids = tf.cast(self.lookup(self.terms(texts)), "int64")
        counts = tf.sparse.bincount(ids, axis=-1, minlength=self.num_terms + 1)
        rows, columns = counts.indices[:, 0], counts.indices[:, 1]
        weights = 1.0 + tf.math.log(tf.cast(counts.values, "float32"))
        weights *= tf.gather(self.idf, columns)
        length = tf.math.unsorted_segment_sum(weights**2, rows, tf.shape(ids, out_type="int64")[0])
        weights /= tf.gather(tf.maximum(tf.sqrt(length), 1e-12), rows)
        tfidf = tf.sparse.SparseTensor(counts.indices, weights, counts.dense_shape)
        logits = tf.sparse.sparse_dense_matmul(tfidf, self.coef) + self.intercept
        if self.num_classes == 2:
            positive = tf.math.sigmoid(logits)
            return tf.concat([1.0 - positive, positive], axis=1)
        return tf.nn.softmax(logits)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.num_classes)

    def get_config(self):
        return {
            **super().get_config(),
            "num_terms": self.num_terms,
            "num_classes": self.num_classes,
            "strip_accents": self.strip_accents,
        }


def tfidf_layer(pipeline, strip_accents=False, name="tfidf") -> TfidfLogistic:
    """A `TfidfLogistic` holding a fitted `fit_tfidf` pipeline (vectorizer, logistic regression).

    Args:
        pipeline: the scikit-learn pipeline `fit_tfidf` returned.
        strip_accents: what it was fitted with.
        name: the layer's name.
    """
    vectorizer, regression = pipeline[0], pipeline[-1]
    terms = [str(t) for t in vectorizer.get_feature_names_out()]
    layer = TfidfLogistic(len(terms), len(regression.classes_), strip_accents, name=name)
    layer.lookup.set_vocabulary(terms)
    zero = np.zeros((1, regression.coef_.shape[0]))
    layer.idf.assign(np.r_[0.0, vectorizer.idf_].astype("float32"))
    layer.coef.assign(np.r_[zero, regression.coef_.T].astype("float32"))
    layer.intercept.assign(np.asarray(regression.intercept_, "float32"))
    return layer
