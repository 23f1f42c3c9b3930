"""Sentiment data: labelled texts, their splits, word ids and batches of similar length.

`read_splits(config)` is what `sentiment.load_data` returns: the texts read
(IMDB or a labelled CSV/TSV), split, subsampled, a vocabulary fit on the
training texts only, every text encoded as word ids, and the embedding's
starting vectors (a vector file, or word2vec on the training texts).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lstm_apps.data.sequences import length_sorted_batches
from lstm_apps.data.splits import Splits, check_known_labels, check_stratified

log = logging.getLogger(__name__)


@dataclass(kw_only=True)
class SentimentSplits(Splits):
    """Texts, word ids and class codes of the train / validation / test splits.

    `x_train`, `x_val` and `x_test` are word ids: one int32 array per text,
    without padding, of at most `max_length` words (the first or the last,
    as `Config.keep` says). `y_*` are class codes. Without validation texts
    `x_val`, `y_val` and `text_val` are None.
    """

    text_train: list  # the training texts, as read
    text_val: list | None  # the validation texts (None without validation)
    text_test: list  # the test texts
    vectorizer: object  # keras TextVectorization fit on the training texts
    embeddings: np.ndarray | None = None  # starting word vectors (vocabulary, dim), if any
    coverage: float | None = None  # share of the vocabulary with a starting vector
    words_found: int = 0  # words of the vocabulary with a starting vector
    embedding_seconds: float = 0.0  # seconds spent learning word2vec vectors

    @property
    def vocabulary(self) -> list[str]:
        """Index → word; 0 is padding ("") and 1 unknown words ("[UNK]")."""
        return [str(word) for word in self.vectorizer.get_vocabulary()]

    def embedding_metrics(self) -> dict:
        """`embedding_coverage` and `word2vec_seconds`, where the run has them."""
        metrics = {}
        if self.coverage is not None:
            metrics["embedding_coverage"] = self.coverage
        if self.embedding_seconds:
            metrics["word2vec_seconds"] = round(self.embedding_seconds, 1)
        return metrics


def read_splits(config, *, test_data=None, check_classes=None, min_count=1) -> SentimentSplits:
    """Read, split, subsample, fit the vocabulary on training texts, and encode.

    Args:
        config: the sentiment or text `Config` (its data fields and `training.seed`).
        test_data: optional CSV/TSV of labelled texts (same columns as
            `config.data`) used whole as the test split; `config.data` then
            gives only the training and validation texts.
        check_classes: optional `check_classes(class_names)`, called as soon
            as the classes are known (before the vocabulary and word2vec).
        min_count: words seen fewer times in the training texts are left out
            of the vocabulary (read as unknown), default 1.

    Returns:
        A `SentimentSplits`.
    """
    from lstm_apps.models.text import build_vectorizer

    seed = config.training.seed or 0
    frame, source, class_names = read_frame(config)
    if check_classes is not None:
        check_classes(class_names)
    if test_data is not None:
        frame = _without_test_rows(frame, source)
        test = read_frame(config, test_data)[0]
        source = f"{source} (test: {test_data})"
    codes = {name: i for i, name in enumerate(class_names)}
    frame = frame.assign(code=frame["label"].astype(str).map(codes).to_numpy())
    parts = _split(frame, config.test_fraction, config.validation_fraction, seed, test_data)
    if test_data is not None:  # labels compared as text: two files may differ in type
        check_known_labels(
            parts["train"]["label"].astype(str), test["label"].astype(str), "test", source
        )
        parts["test"] = test.assign(code=test["label"].astype(str).map(codes))
    for split in ("validation", "test"):  # a split column may hold classes training lacks
        check_known_labels(parts["train"]["label"], parts[split]["label"], split, source)
    rng = np.random.default_rng(seed)
    limits = {"train": config.max_train_texts, "test": config.max_test_texts}
    for split, limit in limits.items():
        if limit and limit < len(parts[split]):
            parts[split] = _stratified_sample(parts[split], limit, rng)
    if config.max_train_texts and len(parts["validation"]) > config.max_train_texts // 4:
        parts["validation"] = _stratified_sample(
            parts["validation"], max(2, config.max_train_texts // 4), rng
        )
    vectorizer = build_vectorizer(config.vocabulary_size, config.strip_accents)
    vectorizer.adapt(parts["train"]["text"].to_numpy(), batch_size=512)
    texts = {s: part["text"].tolist() for s, part in parts.items()}
    if min_count > 1:
        vectorizer = frequent_words(vectorizer, texts["train"], min_count, config.strip_accents)
    ids = {s: encode(vectorizer, t, config.max_length, config.keep) for s, t in texts.items()}
    labels = {s: part["code"].to_numpy(dtype="int64") for s, part in parts.items()}
    validation = len(texts["validation"]) > 0
    data = SentimentSplits(
        ids["train"],
        labels["train"],
        ids["validation"] if validation else None,
        labels["validation"] if validation else None,
        ids["test"],
        labels["test"],
        class_names=class_names,
        source=source,
        text_train=texts["train"],
        text_val=texts["validation"] if validation else None,
        text_test=texts["test"],
        vectorizer=vectorizer,
    )
    _initial_embeddings(config, data, seed)
    return data


def read_frame(config, path=None):
    """The labelled texts of `path` (default `config.data`; IMDB when both are None).

    Returns:
        `(frame, source, class_names)`: a frame with columns `text`, `label`
        (and `split` when the file or IMDB has one), a description of where
        it comes from, and the sorted class names.
    """
    from lstm_apps.data.reviews import IMDB_CLASSES, load_imdb, read_labelled_text

    path = config.data if path is None else path
    if path is None:
        frame = load_imdb()
        frame["label"] = frame["label"].map(dict(enumerate(IMDB_CLASSES)))
        source = "IMDB Large Movie Review dataset (Maas et al. 2011), official split"
        return frame, source, list(IMDB_CLASSES)
    frame = read_labelled_text(
        path,
        text_column=config.text_column,
        label_column=config.label_column,
        empty=config.empty_texts,
    )
    return frame, str(path), sorted(frame["label"].astype(str).unique())


def _without_test_rows(frame, source):
    """`frame` without a split column's test rows: a separate test file was given."""
    if "split" in frame.columns and (frame["split"] == "test").any():
        raise ValueError(
            f"{source} marks {int((frame['split'] == 'test').sum())} rows 'test', and a "
            "separate test file is given: keep one test set (drop those rows or `test_data`). "
            "Received: split='test'"
        )
    return frame


def frequent_words(vectorizer, texts, min_count, strip_accents=False):
    """A vectorizer keeping only the words of `vectorizer` seen `min_count` times in `texts`.

    A word met once or twice in the training texts gets an embedding that
    only memorizes those texts; read as unknown, it cannot. (TF-IDF likewise
    counts only words found in at least two texts.)
    """
    from lstm_apps.models.text import build_vectorizer

    vocabulary = vectorizer.get_vocabulary()
    ids = encode(vectorizer, texts, max_length=10**9)
    counts = np.bincount(np.concatenate([np.zeros(1, "int32"), *ids]), minlength=len(vocabulary))
    kept = [w for i, w in enumerate(vocabulary) if i >= 2 and counts[i] >= min_count]
    if not kept:
        raise ValueError(
            f"No word occurs {min_count} times in the {len(texts)} training texts; lower "
            f"`min_word_count`. Received: min_word_count={min_count}"
        )
    log.info(
        "vocabulary: %d of %d training words seen at least %d times", len(kept),
        len(vocabulary) - 2, min_count,
    )  # fmt: skip
    frequent = build_vectorizer(len(kept) + 2, strip_accents)
    frequent.set_vocabulary(kept)
    return frequent


def _initial_embeddings(config, data: SentimentSplits, seed):
    """Starting rows for the embedding: from the vector file, or word2vec on training texts."""
    from lstm_apps.models.text import read_word_vectors, train_word_vectors

    if config.embeddings_path is not None:
        data.embeddings, coverage = read_word_vectors(config.embeddings_path, data.vocabulary)
        log.info("word vectors cover %.1f %% of the vocabulary", 100 * coverage["share"])
    elif config.embedding_init == "word2vec":
        start = time.perf_counter()
        # whole training texts (not cut to max_length): more context for the same cost
        token_ids = encode(data.vectorizer, data.text_train, max_length=10**6)
        data.embeddings, coverage = train_word_vectors(
            token_ids,
            data.vocabulary,
            config.embedding_dim,
            epochs=config.word2vec_epochs,
            seed=seed,
        )
        data.embedding_seconds = time.perf_counter() - start
        log.info(
            "word2vec on %d training texts: %.0f s, %.1f %% of the vocabulary seen",
            len(token_ids),
            data.embedding_seconds,
            100 * coverage["share"],
        )
    else:
        return
    data.coverage, data.words_found = coverage["share"], coverage["words_found"]


def _split(frame, test_fraction, validation_fraction, seed, test_data=None) -> dict:
    """Train / validation / test parts (without test part when `test_data` is given)."""
    from sklearn.model_selection import train_test_split

    if test_data is not None:  # every row trains or validates
        frame = frame.assign(split=frame["split"] if "split" in frame.columns else "train")
        train, test = frame[frame["split"] == "train"], frame.iloc[:0]
        validation = frame[frame["split"] == "validation"]
    elif "split" in frame.columns:
        names = set(frame["split"].unique())
        if not {"train", "test"} <= names:
            raise ValueError(
                f"The `split` column must hold 'train' and 'test' (and may hold 'validation'). "
                f"Received: {sorted(names)}"
            )
        train, test = frame[frame["split"] == "train"], frame[frame["split"] == "test"]
        validation = frame[frame["split"] == "validation"]
    else:
        check_stratified(frame["label"].astype(str), test_fraction, "test")
        train, test = train_test_split(
            frame, test_size=test_fraction, stratify=frame["code"], random_state=seed
        )
        validation = train.iloc[:0]
    if not len(validation) and validation_fraction:
        check_stratified(train["label"].astype(str), validation_fraction, "validation")
        train, validation = train_test_split(
            train, test_size=validation_fraction, stratify=train["code"], random_state=seed
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
    """Word ids of each text (no padding): its first (`keep="start"`) or last `max_length`.

    Args:
        vectorizer: a fitted `keras.layers.TextVectorization`.
        texts: a list of strings.
        max_length: words kept of each text.
        keep: "start" or "end".
        batch_size: texts vectorized at once.

    Returns:
        One int32 array of word ids per text.
    """
    ids = []
    cut = slice(None, max_length) if keep == "start" else slice(-max_length, None)
    for start in range(0, len(texts), batch_size):
        block = np.asarray(vectorizer(np.asarray(texts[start : start + batch_size], dtype=object)))
        ids += [row[row > 0][cut].astype("int32") for row in block]
    return ids


def id_lengths(ids) -> np.ndarray:
    """The length of each text's word ids (at least 1, so an empty text still takes a step)."""
    return np.array([max(1, len(x)) for x in ids])


def pad_ids(ids, batch) -> np.ndarray:
    """The word ids of the texts in `batch`, zero-padded on the right to the longest."""
    x = np.zeros((len(batch), max(1, max(len(ids[i]) for i in batch))), "int32")
    for row, i in enumerate(batch):
        x[row, : len(ids[i])] = ids[i]
    return x


def batch_indices(lengths, batch_size, rng=None, bucket_by_length=True) -> list[np.ndarray]:
    """Index arrays of mini-batches: of similar length (`bucket_by_length`) or in random order.

    Without `rng` the order is fixed (shortest first when bucketing).
    """
    if bucket_by_length:
        return length_sorted_batches(lengths, batch_size, rng)
    order = np.arange(len(lengths)) if rng is None else rng.permutation(len(lengths))
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def length_batches(ids, labels, batch_size, rng=None):
    """Batches of texts of similar length, zero-padded to the longest in the batch.

    Yields:
        `(x, y)`: word ids `(batch, longest)` and class codes `(batch,)`.
    """
    for batch in length_sorted_batches(id_lengths(ids), batch_size, rng):
        yield pad_ids(ids, batch), labels[batch]


def predict_by_length(lengths, batch_size, predict_batch) -> np.ndarray:
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
