"""Sentiment analysis: word indices → word embedding → LSTM → class (the course's N-to-1 case).

The default data is the IMDB Large Movie Review dataset (Maas et al. 2011):
50,000 reviews, the official 25k training / 25k test split, balanced. Any
CSV or TSV of labelled texts works too (`data=`, `text_column=`,
`label_column=`), in any language written in UTF-8, with two or more classes.

One run trains and compares, on the same split:

* embedding + LSTM, embedding + BiLSTM, embedding + GRU and embedding +
  Conv1D + LSTM, on word ids of the reviews' first `max_length` words,
  batched by length so that short reviews cost less;
* a bag-of-embeddings baseline (the average of the word vectors);
* TF-IDF of words and word pairs + logistic regression (scikit-learn), the
  classic strong baseline on IMDB.

The vocabulary is fit on the training texts only. Unless a vector file is
given, every network's embedding starts from skip-gram word2vec vectors
learned (gensim) on the whole training texts, unlabelled: on IMDB this lifts
the BiLSTM from about 0.876 to about 0.90 test accuracy. The recurrent model with
the best validation accuracy is saved with its vectorizer inside, so the
saved model reads raw text: `predict(model, ["a review"], class_names)`.
"""

from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np
import pandas as pd

from lstm_apps.data.sequences import length_sorted_batches
from lstm_apps.runs import Run
from lstm_apps.tasks.base import CaseStudyConfig

log = logging.getLogger(__name__)

NAME = "sentiment"
DESCRIPTION = (
    "Sentiment of IMDB reviews (or any labelled text): embeddings + LSTM / BiLSTM / GRU / "
    "Conv1D+LSTM vs bag of embeddings and TF-IDF"
)
TEXT_INPUT = True  # `lstm-apps predict` passes raw texts
RECURRENT = ("bilstm", "lstm", "gru", "cnn_lstm")
BASELINES = ("bag_of_embeddings", "tfidf")
MODELS = RECURRENT + BASELINES


@dataclass(frozen=True)
class Config(CaseStudyConfig):
    """Settings of the sentiment case study; `Config.fast()` is a tiny variant."""

    data: str | None = None  # CSV/TSV of labelled texts; default IMDB
    text_column: str = "text"
    label_column: str = "label"
    empty_texts: str = "drop"  # or "error"
    test_fraction: float = 0.2  # custom data without a `split` column
    validation_fraction: float = 0.1  # taken from the training texts, stratified
    max_train_texts: int | None = None
    max_test_texts: int | None = None
    vocabulary_size: int = 30000
    max_length: int = 500  # words kept of each text
    keep: str = "end"  # which words a long text keeps: its "start" or its "end"
    strip_accents: bool = False
    embeddings_path: str | None = None  # GloVe / word2vec text / fastText .vec
    # without a file: "word2vec" (skip-gram on the training texts) or "random"
    embedding_init: str = "word2vec"
    word2vec_epochs: int = 5
    freeze_embeddings: bool = False
    embedding_dim: int = 128
    models: tuple = MODELS
    units: int = 128
    dropout: float = 0.3
    embedding_dropout: float = 0.3
    pooling: str = "max_mean"  # or "last": the final recurrent state
    max_epochs: int = 4
    mini_batch_size: int = 64
    learn_rate: float = 0.001
    patience: int = 1
    seed: int = 0
    verbose: int = 1

    FAST = dict(
        max_train_texts=2000,
        max_test_texts=500,
        vocabulary_size=4000,
        max_length=80,
        embedding_dim=32,
        units=16,
        max_epochs=3,
        learn_rate=0.003,
        models=("bilstm", "bag_of_embeddings", "tfidf"),
    )

    def __post_init__(self):
        unknown = [m for m in self.models if m not in MODELS]
        if unknown or not any(m in RECURRENT for m in self.models):
            raise ValueError(
                f"`models` must name at least one of {RECURRENT}, and only names from "
                f"{MODELS}. Received: models={self.models!r}"
            )
        if self.keep not in ("start", "end"):
            raise ValueError(f"`keep` must be 'start' or 'end'. Received: keep={self.keep!r}")
        if self.embedding_init not in ("word2vec", "random"):
            raise ValueError(
                "`embedding_init` must be 'word2vec' or 'random'. "
                f"Received: embedding_init={self.embedding_init!r}"
            )
        if self.empty_texts not in ("drop", "error"):
            raise ValueError(
                f"`empty_texts` must be 'drop' or 'error'. Received: {self.empty_texts!r}"
            )
        positive = ("vocabulary_size", "max_length", "embedding_dim", "units", "max_epochs")
        for name in (*positive, "word2vec_epochs"):
            value = getattr(self, name)
            if not (isinstance(value, int) and value >= 1):
                raise ValueError(f"`{name}` must be a positive integer. Received: {value!r}")
        for name in ("test_fraction", "validation_fraction", "dropout", "embedding_dropout"):
            value = getattr(self, name)
            if not 0.0 <= value < 1.0:
                raise ValueError(f"`{name}` must be in [0, 1). Received: {name}={value!r}")


@dataclass
class TextData:
    """Texts, class codes and word ids of the three splits, and the fitted vectorizer."""

    texts: dict  # split -> list[str]
    labels: dict  # split -> np.ndarray of class codes
    ids: dict  # split -> list of np.ndarray word ids (at most max_length)
    class_names: list
    vectorizer: object
    source: str
    embeddings: np.ndarray | None = None  # pretrained rows for the vocabulary, if configured
    coverage: dict | None = None  # share of the vocabulary with a pretrained vector
    embedding_seconds: float = 0.0  # time spent learning word2vec vectors
    results: dict = field(default_factory=dict)  # model kind -> test predictions and scores

    def sizes(self) -> dict[str, int]:
        return {split: len(texts) for split, texts in self.texts.items()}

    @property
    def vocabulary(self) -> list[str]:
        """Index → word; 0 is padding ("") and 1 unknown words ("[UNK]")."""
        return [str(word) for word in self.vectorizer.get_vocabulary()]


# -- data ------------------------------------------------------------------------------


def load_data(config: Config = Config()) -> TextData:
    """Read, split, subsample, fit the vocabulary on training texts, and encode."""
    from lstm_apps.data.reviews import IMDB_CLASSES, load_imdb, read_labelled_text

    if config.data is None:
        frame = load_imdb()
        frame["label"] = frame["label"].map(dict(enumerate(IMDB_CLASSES)))
        source = "IMDB Large Movie Review dataset (Maas et al. 2011), official split"
    else:
        frame = read_labelled_text(
            config.data,
            text_column=config.text_column,
            label_column=config.label_column,
            empty=config.empty_texts,
        )
        source = str(config.data)
    class_names = sorted(frame["label"].astype(str).unique())
    if config.data is None:
        class_names = list(IMDB_CLASSES)
    codes = frame["label"].astype(str).map({name: i for i, name in enumerate(class_names)})
    frame = frame.assign(code=codes.to_numpy())
    parts = _split(frame, config)
    rng = np.random.default_rng(config.seed)
    limits = {"train": config.max_train_texts, "test": config.max_test_texts}
    for split, limit in limits.items():
        if limit and limit < len(parts[split]):
            parts[split] = _stratified_sample(parts[split], limit, rng)
    if config.max_train_texts and len(parts["validation"]) > config.max_train_texts // 4:
        parts["validation"] = _stratified_sample(
            parts["validation"], max(2, config.max_train_texts // 4), rng
        )
    from lstm_apps.models.text import build_vectorizer

    vectorizer = build_vectorizer(config.vocabulary_size, config.strip_accents)
    vectorizer.adapt(parts["train"]["text"].to_numpy(), batch_size=512)
    texts = {s: part["text"].tolist() for s, part in parts.items()}
    data = TextData(
        texts=texts,
        labels={s: part["code"].to_numpy(dtype="int64") for s, part in parts.items()},
        ids={s: encode(vectorizer, t, config.max_length, config.keep) for s, t in texts.items()},
        class_names=class_names,
        vectorizer=vectorizer,
        source=source,
    )
    _initial_embeddings(config, data)
    return data


def _initial_embeddings(config: Config, data: TextData):
    """Pretrained rows for the embedding: from the vector file, or word2vec on training texts."""
    from lstm_apps.models.text import read_word_vectors, train_word_vectors

    if config.embeddings_path is not None:
        data.embeddings, data.coverage = read_word_vectors(config.embeddings_path, data.vocabulary)
        log.info("word vectors cover %.1f %% of the vocabulary", 100 * data.coverage["share"])
    elif config.embedding_init == "word2vec":
        start = time.perf_counter()
        # whole training texts (not cut to max_length): more context for the same cost
        token_ids = encode(data.vectorizer, data.texts["train"], max_length=10**6)
        data.embeddings, data.coverage = train_word_vectors(
            token_ids,
            data.vocabulary,
            config.embedding_dim,
            epochs=config.word2vec_epochs,
            seed=config.seed,
        )
        data.embedding_seconds = time.perf_counter() - start
        log.info(
            "word2vec on %d training texts: %.0f s, %.1f %% of the vocabulary seen",
            len(token_ids),
            data.embedding_seconds,
            100 * data.coverage["share"],
        )


def _split(frame, config) -> dict:
    from sklearn.model_selection import train_test_split

    if "split" in frame.columns:
        names = set(frame["split"].unique())
        if not {"train", "test"} <= names:
            raise ValueError(
                f"The `split` column must hold 'train' and 'test' (and may hold 'validation'). "
                f"Received: {sorted(names)}"
            )
        train, test = frame[frame["split"] == "train"], frame[frame["split"] == "test"]
        validation = frame[frame["split"] == "validation"]
    else:
        train, test = train_test_split(
            frame, test_size=config.test_fraction, stratify=frame["code"], random_state=config.seed
        )
        validation = train.iloc[:0]
    if not len(validation) and config.validation_fraction:
        train, validation = train_test_split(
            train,
            test_size=config.validation_fraction,
            stratify=train["code"],
            random_state=config.seed,
        )
    return {"train": train, "validation": validation, "test": test}


def _stratified_sample(frame, count, rng):
    share = count / len(frame)
    keep = []
    for _, group in frame.groupby("code"):
        size = max(1, round(len(group) * share))
        keep.append(group.iloc[np.sort(rng.choice(len(group), size, replace=False))])
    return pd.concat(keep).sort_index()


def encode(vectorizer, texts, max_length, keep="start", batch_size=1000) -> list[np.ndarray]:
    """Word ids of each text (no padding): its first (`keep="start"`) or last `max_length`."""
    ids = []
    cut = slice(None, max_length) if keep == "start" else slice(-max_length, None)
    for start in range(0, len(texts), batch_size):
        block = np.asarray(vectorizer(np.asarray(texts[start : start + batch_size], dtype=object)))
        ids += [row[row > 0][cut].astype("int32") for row in block]
    return ids


def length_batches(ids, labels, batch_size, rng=None):
    """Batches of texts of similar length, zero-padded to the longest in the batch."""
    for batch in length_sorted_batches(_lengths(ids), batch_size, rng):
        yield _pad_ids(ids, batch), labels[batch]


def _lengths(ids):
    return np.array([max(1, len(x)) for x in ids])


def _pad_ids(ids, batch):
    x = np.zeros((len(batch), max(1, max(len(ids[i]) for i in batch))), "int32")
    for row, i in enumerate(batch):
        x[row, : len(ids[i])] = ids[i]
    return x


def _predict_by_length(lengths, batch_size, predict_batch) -> np.ndarray:
    """`(N, K)` probabilities, predicted in batches of similar length, returned in order.

    A single sigmoid output `p` becomes the two columns `1 - p, p`.
    """
    out = None
    for batch in length_sorted_batches(lengths, batch_size):
        p = np.asarray(predict_batch(batch))
        p = np.c_[1 - p, p] if p.shape[1] == 1 else p
        if out is None:
            out = np.zeros((len(lengths), p.shape[1]), p.dtype)
        out[batch] = p
    return out


# -- models ----------------------------------------------------------------------------


def build_model(config: Config, data: TextData, kind="bilstm"):
    """The network of `kind` on word ids, with pretrained vectors when configured."""
    from lstm_apps.models.text import build_text_classifier

    embeddings = data.embeddings
    return build_text_classifier(
        kind,
        vocabulary_size=len(data.vocabulary),
        num_classes=len(data.class_names),
        embedding_dim=config.embedding_dim if embeddings is None else embeddings.shape[1],
        units=config.units,
        dropout=config.dropout,
        embedding_dropout=config.embedding_dropout,
        pooling=config.pooling,
        embeddings=embeddings,
        trainable_embeddings=not config.freeze_embeddings,
    )


def text_model(network, vectorizer, max_length, keep="start", strip_accents=False):
    """A model from raw strings: the vectorizer, the kept `max_length` words, then `network`."""
    from lstm_apps.models.text import KeepWords, build_vectorizer

    reader = build_vectorizer(
        vectorizer.vocabulary_size(),
        strip_accents=strip_accents,
    )
    reader.set_vocabulary(vectorizer.get_vocabulary()[2:])
    inputs = keras.Input(shape=(1,), dtype="string", name="text")
    ids = KeepWords(max_length, keep, name="keep_words")(reader(inputs))
    return keras.Model(inputs, network(ids), name=f"{network.name}_on_text")


def _dataset(ids, labels, batch_size, seed=None):
    import tensorflow as tf

    rng = None if seed is None else np.random.default_rng(seed)
    labels = np.asarray(labels)
    signature = (
        tf.TensorSpec((None, None), tf.int32),
        tf.TensorSpec((None,), tf.int64),
    )
    dataset = tf.data.Dataset.from_generator(
        lambda: length_batches(ids, labels, batch_size, rng), output_signature=signature
    )
    batches = -(-len(ids) // batch_size)
    return dataset.apply(tf.data.experimental.assert_cardinality(batches)).prefetch(2)


def fit_network(config: Config, data: TextData, kind, callbacks=()):
    """Train one network on the training ids; returns `(model, history, seconds)`."""
    binary = len(data.class_names) == 2
    network = build_model(config, data, kind)
    network.compile(
        optimizer=keras.optimizers.Adam(config.learn_rate, clipnorm=1.0),
        loss="binary_crossentropy" if binary else "sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    has_validation = len(data.ids["validation"]) > 0
    stop = [
        keras.callbacks.EarlyStopping(
            monitor="val_accuracy", patience=config.patience, restore_best_weights=True
        )
    ]
    start = time.perf_counter()
    history = network.fit(
        _dataset(data.ids["train"], data.labels["train"], config.mini_batch_size, config.seed),
        validation_data=(
            _dataset(data.ids["validation"], data.labels["validation"], 256)
            if has_validation
            else None
        ),
        epochs=config.max_epochs,
        shuffle=False,  # the batches come shuffled, each of texts of similar length
        callbacks=[*(stop if has_validation else []), *callbacks],
        verbose=config.verbose,
    )
    return network, history.history, time.perf_counter() - start


def network_probabilities(network, ids, batch_size=256) -> np.ndarray:
    """Class probabilities `(N, K)` from a network on word ids, in the texts' order."""
    return _predict_by_length(
        _lengths(ids), batch_size, lambda batch: network(_pad_ids(ids, batch), training=False)
    )


def fit_tfidf(config: Config, data: TextData):
    """TF-IDF of words and word pairs + logistic regression, C chosen on validation."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    start = time.perf_counter()
    best = None
    for c in (1.0, 4.0, 16.0):
        pipeline = make_pipeline(
            TfidfVectorizer(
                preprocessor=_plain_text,
                ngram_range=(1, 2),
                min_df=2,
                max_df=0.9,
                sublinear_tf=True,
                strip_accents="unicode" if config.strip_accents else None,
            ),
            LogisticRegression(C=c, max_iter=2000),
        )
        pipeline.fit(data.texts["train"], data.labels["train"])
        if not len(data.texts["validation"]):
            best = (0.0, c, pipeline)
            break
        score = pipeline.score(data.texts["validation"], data.labels["validation"])
        if best is None or score > best[0]:
            best = (score, c, pipeline)
    return best[2], best[1], time.perf_counter() - start


def _plain_text(text):
    import re

    return re.sub(r"<br\s*/?>", " ", text.lower())


# -- the case-study interface ---------------------------------------------------------


def train(config: Config = Config(), data: TextData | None = None, *, callbacks=()) -> Run:
    """Train every model in `config.models`; the run keeps the best recurrent one."""
    keras.utils.set_random_seed(config.seed)
    data = data if data is not None else load_data(config)
    networks, histories = {}, {}
    for kind in config.models:
        if kind == "tfidf":
            pipeline, c, seconds = fit_tfidf(config, data)
            probabilities = pipeline.predict_proba(data.texts["test"])
            validation = _accuracy(pipeline.predict_proba, data.texts, data.labels)
            data.results[kind] = _result(probabilities, data, seconds, validation, C=c)
            continue
        log.info("training %s", kind)
        network, history, seconds = fit_network(config, data, kind, callbacks)
        networks[kind], histories[kind] = network, history
        probabilities = network_probabilities(network, data.ids["test"])
        validation = _accuracy(
            functools.partial(network_probabilities, network), data.ids, data.labels
        )
        data.results[kind] = _result(
            probabilities, data, seconds, validation, epochs=len(history["loss"])
        )
    best = max(
        (k for k in networks if k in RECURRENT),
        key=lambda k: (data.results[k]["validation_accuracy"], -RECURRENT.index(k)),
    )
    data.results["best"] = best
    model = text_model(
        networks[best], data.vectorizer, config.max_length, config.keep, config.strip_accents
    )
    run = Run(name=NAME, config=config, model=model, history=histories[best], data=data)
    run.networks = networks
    return run


def _accuracy(predict_proba, inputs, labels):
    if not len(inputs["validation"]):
        return float("nan")
    predicted = np.argmax(predict_proba(inputs["validation"]), axis=1)
    return float(np.mean(predicted == labels["validation"]))


def _result(probabilities, data, seconds, validation_accuracy, **extra):
    return {
        "probabilities": probabilities,
        "train_seconds": round(seconds, 1),
        "validation_accuracy": validation_accuracy,
        **scores(data.labels["test"], probabilities),
        **extra,
    }


def scores(labels, probabilities) -> dict[str, float]:
    """Accuracy, F1 (binary: of the second class; else macro) and ROC-AUC."""
    from sklearn import metrics as skm

    predicted = np.argmax(probabilities, axis=1)
    binary = probabilities.shape[1] == 2
    try:
        auc = (
            skm.roc_auc_score(labels, probabilities[:, 1])
            if binary
            else skm.roc_auc_score(labels, probabilities, multi_class="ovr")
        )
    except ValueError:  # a class absent from a tiny test split
        auc = float("nan")
    return {
        "accuracy": float(skm.accuracy_score(labels, predicted)),
        "f1": float(skm.f1_score(labels, predicted, average="binary" if binary else "macro")),
        "roc_auc": float(auc),
    }


def text_probabilities(model, texts, batch_size=256) -> np.ndarray:
    """Class probabilities `(N, K)` from a saved text model on raw strings.

    Texts are batched by length (then put back in order), so that a batch of
    short texts is not padded to the length of a long one.
    """
    texts = list(texts)
    if not texts:
        raise ValueError("No texts to predict.")
    column = np.asarray(texts, dtype=object).reshape(-1, 1)
    lengths = np.array([len(t) for t in texts])
    return _predict_by_length(lengths, batch_size, lambda batch: model(column[batch]))


def evaluate(model, data: TextData) -> dict[str, float]:
    """Test accuracy, F1 and ROC-AUC of `model` on raw test texts, and the comparison table."""
    probabilities = text_probabilities(model, data.texts["test"])
    metrics = scores(data.labels["test"], probabilities)
    for kind, result in data.results.items():
        if isinstance(result, dict):
            for key in ("accuracy", "f1", "roc_auc", "train_seconds", "validation_accuracy"):
                metrics[f"{kind}_{key}"] = result[key]
    if data.results:
        metrics["best_model"] = data.results["best"]
    if data.coverage:
        metrics["embedding_coverage"] = data.coverage["share"]
    if data.embedding_seconds:
        metrics["word2vec_seconds"] = round(data.embedding_seconds, 1)
    return metrics


def predict(model, texts, class_names):
    """`(label, probability)` for each raw text, from a saved sentiment model."""
    if isinstance(texts, str):
        texts = [texts]
    if not class_names:
        raise ValueError("The run folder has no class names (config.json); it is incomplete.")
    probabilities = text_probabilities(model, texts)
    best = np.argmax(probabilities, axis=1)
    return [(class_names[k], float(probabilities[i, k])) for i, k in enumerate(best)]


def figures(run: Run, directory) -> list[Path]:
    """Confusion matrix, model comparison, embedding map; mistakes and neighbours as files."""
    from lstm_apps.tasks.sentiment import plots as sentiment_plots

    return sentiment_plots.figures(run, Path(directory))


# -- explaining the embedding ------------------------------------------------------------

PROBE_WORDS = ("great", "excellent", "awful", "boring", "funny", "worst", "love", "waste")


def embedding_matrix(model) -> np.ndarray:
    """The learned word vectors `(vocabulary, dim)` of a network or saved text model."""
    for layer in model._flatten_layers(include_self=False, recursive=True):
        if isinstance(layer, keras.layers.Embedding):
            return np.asarray(layer.embeddings)
    raise ValueError(f"Model {model.name!r} has no Embedding layer")


def nearest_words(matrix, vocabulary, words, k=8) -> dict[str, list[tuple[str, float]]]:
    """The `k` words with the most similar vectors (cosine) to each word found in `vocabulary`."""
    index = {w: i for i, w in enumerate(vocabulary)}
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    unit = matrix / np.where(norms == 0, 1, norms)
    found = {}
    for word in words:
        if word not in index or index[word] < 2:
            continue
        similarity = unit @ unit[index[word]]
        similarity[[0, 1, index[word]]] = -np.inf  # padding, unknown, the word itself
        best = np.argsort(-similarity)[:k]
        found[word] = [(vocabulary[i], round(float(similarity[i]), 3)) for i in best]
    return found


def confident_mistakes(data: TextData, probabilities, count=10) -> pd.DataFrame:
    """The test texts misclassified with the highest probability."""
    predicted = np.argmax(probabilities, axis=1)
    wrong = np.flatnonzero(predicted != data.labels["test"])
    confidence = probabilities[wrong, predicted[wrong]]
    order = wrong[np.argsort(-confidence)][:count]
    return pd.DataFrame(
        {
            "text": [data.texts["test"][i][:400] for i in order],
            "label": [data.class_names[data.labels["test"][i]] for i in order],
            "predicted": [data.class_names[predicted[i]] for i in order],
            "probability": [round(float(probabilities[i, predicted[i]]), 4) for i in order],
        }
    )
