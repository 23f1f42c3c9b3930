"""A translator saved as one TensorFlow SavedModel that reads and writes raw strings.

`export_translator(run, path)` wraps the run's Keras translator in a graph
that needs neither Python nor this package to serve:

    sentences (tf.string, any batch)
      -> tokens        the `tokenize` rules as RE2 regular expressions
      -> greedy loop   the whole teacher-forcing model on the words written so
                       far; the most likely next word (never padding, <start>
                       or <unk>) until <end> or `max_length` words
      -> words         the run's target vocabulary, held in the graph
      -> sentence      the main `detokenize` rules as regular expressions

It is loaded with `tf.saved_model.load(path).serve(tf.constant([...]))`,
which returns `translation` (the sentence) and `tokens` (the written words,
one space between them); a sentence with no word gets "". The decoding
loop recomputes the model on the whole prefix at each step: simple and
exact for every kind, slower than the cached steps of `TranslationDecoder`.

What the graph does not reproduce of the Python tokenizer: Unicode NFC
normalization (TensorFlow has no op for it; a decomposed "é" stays two
characters and becomes two tokens), and the detokenizer's quote pairing
and "p.m." / "EE.UU." rules (those marks keep a space). Before moving the
export into place, `export_translator` loads it back and checks that it
writes the same words as the package's own greedy search on held-out
sentences; a mismatch raises `ExportError` and writes nothing.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path

import keras
import tensorflow as tf

from lstm_apps.data.tatoeba import tokenize
from lstm_apps.deploy.export import (
    ExportError,
    artifact_size,
    check_destination,
    move_into_place,
    staged_artifact,
)
from lstm_apps.tasks.translation.data import vocabulary_of
from lstm_apps.tasks.translation.scores import translate

WORD = r"[\pL\pN\pM]+"  # letters, digits and combining marks, as `tatoeba._WORD`
TOKEN = rf"({WORD}(?:'{WORD})*|\S)"
INVISIBLE = "[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]"
CLOSING, OPENING = r"[.,!?;:)\]}»%°…]", r"[¿¡(\[{«—]"


def graph_tokens(sentences, lowercase=False):
    """A `tf.RaggedTensor` of the tokens of each sentence (a 1-D `tf.string` tensor)."""
    text = tf.strings.regex_replace(sentences, INVISIBLE, "")
    text = tf.strings.regex_replace(text, "[\u2018\u2019]", "'")
    text = tf.strings.regex_replace(text, "[\u201c\u201d]", '"')
    if lowercase:
        text = tf.strings.lower(text, encoding="utf-8")
    spaced = tf.strings.regex_replace(text, TOKEN, r" \1 ")
    return tf.strings.split(tf.strings.strip(spaced))


def graph_sentence(tokens):
    """Joined tokens (one `tf.string` per sentence, words separated by one space) made into
    sentences: no space before closing marks, after opening ones, around `-` and `/`, or
    inside numbers such as "3.5" and "8:30"."""
    text = tf.strings.regex_replace(tokens, " (" + CLOSING + ")", r"\1")
    text = tf.strings.regex_replace(text, "(" + OPENING + ") ", r"\1")
    text = tf.strings.regex_replace(text, " ?([-/]) ?", r"\1")
    return tf.strings.regex_replace(text, r"(\d)([.,:]) (\d)", r"\1\2\3")


def greedy_function(model, words, *, start, end, banned, max_length, lowercase):
    """The `tf.function` from raw sentences to `{"translation", "tokens"}`."""
    table = tf.constant(list(words))
    size = len(words)
    banned = set(banned)
    penalty = tf.constant([-1e9 if i in banned else 0.0 for i in range(size)])

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="sentences")])
    def serve(sentences):
        tokens = graph_tokens(sentences, lowercase)
        source = tokens.to_tensor(default_value="")
        count = tf.shape(source)[0]
        source = tf.cond(  # a batch of wordless sentences still gets one (padding) column
            tf.shape(source)[1] > 0, lambda: source, lambda: tf.fill([count, 1], "")
        )
        written = tf.fill([count, 1], tf.constant(start, tf.int32))
        done = tf.equal(tokens.row_lengths(), 0)  # a sentence with no word translates to ""

        def going(step, written, done):
            return tf.logical_and(step < max_length, tf.logical_not(tf.reduce_all(done)))

        def write(step, written, done):
            probabilities = model([source, written], training=False)[:, -1, :]
            scores = tf.math.log(tf.cast(probabilities, tf.float32) + 1e-12) + penalty
            word = tf.argmax(scores, axis=-1, output_type=tf.int32)
            word = tf.where(done, tf.zeros_like(word), word)  # padding after <end>
            done = tf.logical_or(done, tf.equal(word, end))
            return step + 1, tf.concat([written, word[:, None]], axis=1), done

        _, written, _ = tf.while_loop(
            going,
            write,
            (tf.constant(0), written, done),
            shape_invariants=(tf.TensorShape([]), tf.TensorShape([None, None]), done.shape),
        )
        codes = written[:, 1:]
        kept = tf.ragged.boolean_mask(codes, tf.logical_and(codes != end, codes != 0))
        joined = tf.strings.reduce_join(tf.gather(table, kept), axis=-1, separator=" ")
        return {"translation": graph_sentence(joined), "tokens": joined}

    return serve


@dataclass
class TranslatorExport:
    """What `export_translator` wrote, and how it compares with the package's greedy search."""

    path: Path
    format: str
    checked_sentences: int
    identical: int
    seconds: float
    size_bytes: int

    def to_dict(self) -> dict:
        return {**asdict(self), "path": str(self.path)}

    def __str__(self) -> str:
        return (
            f"{self.format} translator written to {self.path} ({self.size_bytes / 1024:.0f} KiB, "
            f"{self.seconds:.1f} s); it reads raw strings and wrote the same words as "
            f"greedy search for {self.identical} of {self.checked_sentences} held-out sentences"
        )


def export_translator(run, path, *, sentences=None, overwrite=False) -> TranslatorExport:
    """Save `run`'s translator as a SavedModel that translates raw strings (greedy).

    Args:
        run: a translation `Run` (from `train` or `load_run`).
        path: the SavedModel folder to write.
        sentences: source sentences to check the export on; default: the
            first 64 test sentences when `run.data` is there, else a few
            built-in ones in the source language.
        overwrite: replace an earlier export at `path`, default False.

    Returns:
        A `TranslatorExport`.

    Raises:
        FileExistsError: `path` exists and `overwrite` is False, or it is a
            folder that holds no SavedModel.
        ValueError: `sentences` is empty or holds a sentence with no word.
        ExportError: saving failed, or the loaded export wrote other words
            than the package's greedy search for a check sentence. Nothing
            is written then.
    """
    config, path = run.config, Path(path)
    check_destination(path, "saved_model", overwrite)
    sentences = _check_sentences(run, sentences)
    vocabulary = vocabulary_of(config, run.class_names)
    unknown = vocabulary.words_.index("<unk>")
    serve = greedy_function(
        run.model, vocabulary.words_, start=vocabulary.start, end=vocabulary.end,
        banned=(vocabulary.pad, vocabulary.start, unknown), max_length=config.max_output_words,
        lowercase=config.lowercase,
    )  # fmt: skip
    tokens = [tokenize(s, lowercase=config.lowercase) for s in sentences]
    _, _, codes = translate(
        run.model, vocabulary, tokens, max_length=config.max_output_words, return_codes=True
    )
    expected = [" ".join(vocabulary.tokens(c)) for c in codes]

    start = time.perf_counter()
    with staged_artifact(path) as staged:
        try:
            archive = keras.export.ExportArchive()
            archive.track(run.model)
            archive.add_endpoint("serve", serve)
            archive.write_out(str(staged), verbose=False)
        except Exception as err:  # TensorFlow's savers raise many kinds
            raise ExportError(
                f"Saving the translator failed: {type(err).__name__}: {str(err)[-500:]}"
            ) from err
        loaded = tf.saved_model.load(str(staged))
        got = loaded.serve(tf.constant(sentences))["tokens"].numpy()
        got = [g.decode("utf-8") for g in got]
        wrong = [i for i, (g, e) in enumerate(zip(got, expected)) if g != e]
        if wrong:
            i = wrong[0]
            raise ExportError(
                f"The exported translator wrote other words than greedy search for "
                f"{len(wrong)} of {len(sentences)} sentences, e.g. {sentences[i]!r}: "
                f"{got[i]!r} against {expected[i]!r}; nothing was written"
            )
        move_into_place(staged, path)
    return TranslatorExport(
        path=path,
        format="saved_model",
        checked_sentences=len(sentences),
        identical=len(sentences) - len(wrong),
        seconds=time.perf_counter() - start,
        size_bytes=artifact_size(path),
    )


BUILT_IN = {
    "es": ("¿Dónde está la biblioteca?", "Tengo hambre.", "Ella no sabe nadar.",
           "¡Qué día tan bonito!", "Mañana vamos a la playa con mis padres."),
    "en": ("Where is the library?", "I'm hungry.", "She can't swim.",
           "What a beautiful day!", "Tomorrow we're going to the beach with my parents."),
}  # fmt: skip


def _check_sentences(run, sentences):
    if sentences is None:
        data = run.data
        if data is not None and getattr(data, "text_test", None):
            sentences = list(data.text_test[:64])
        else:
            sentences = list(BUILT_IN[run.config.direction.split("-")[0]])
    sentences = [str(s) for s in sentences]
    if not sentences:
        raise ValueError("`sentences` must hold at least one sentence to check. Received: []")
    empty = [s for s in sentences if not tokenize(s)]
    if empty:
        raise ValueError(f"Every check sentence needs a word. Received: {empty[0]!r}")
    return sentences
