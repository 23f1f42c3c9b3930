"""Character-level language model on Don Quijote, measured in bits per character.

Data: the Project Gutenberg text of Don Quijote (eBook #2000), body only,
cut into contiguous train / validation / test blocks (90 / 5 / 5 %). Any
UTF-8 text file can take its place (`Config.text_path`).

Training uses windows (stateless), not stateful truncated BPTT: windows can
be shuffled into independent mini-batches, which trains more steadily than
the strictly ordered batches that carrying state needs, and plain
`model.fit` handles them. By default the windows do not overlap
(`stride = window`), so each epoch reads every training character once;
`stride < window` gives overlapping windows. The price is a context limited
to the window; scoring therefore gives each scored character at least half a
window of context (`model_bits_per_char` below). Keeping the epoch with the
best validation loss guards against over-fitting; at the default budget
(about 20 minutes on 2 cores) the network under-fits the 1.9 M-character
book, so dropout is off by default and a short, high-rate schedule (Adam
0.01, mini-batches of 64 windows) makes the most of the time. Generation does
carry the state, one character at a time (`generate`).

Baselines on the same split: a unigram model and a smoothed character
n-gram model whose order is chosen on the validation block.
"""

from __future__ import annotations

import hashlib
import tempfile
import urllib.request
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import keras
import numpy as np
import tensorflow as tf

from lstm_apps.data import sources
from lstm_apps.data.splits import Splits
from lstm_apps.data.text import CharVocabulary, char_windows, strip_gutenberg
from lstm_apps.evaluation import sample_next
from lstm_apps.models.text import STATES, build_char_lm, build_step_model, recurrent_layers
from lstm_apps.runs import Run
from lstm_apps.tasks.base import CaseStudyConfig
from lstm_apps.tasks.char_lm.ngram import CharNGramModel, choose_order
from lstm_apps.training import TimeBudget

NAME = "char_lm"
DESCRIPTION = "Character language model on Don Quijote (Spanish), bits per character + generation"
GUTENBERG_URL = "https://www.gutenberg.org/cache/epub/2000/pg2000.txt"
# sha256 of the body (between the START/END markers, BOM removed, LF line ends)
# of the 2021-01-17 release of eBook #2000.
BODY_SHA256 = "b23f7e93e3641ed041e59ed21da93c0d5610e991c9a2688e034c4345829b76b3"
BODY_FILE = "spanish_quijote_gutenberg/quijote_body.txt"


@dataclass(frozen=True)
class Config(CaseStudyConfig):
    """Settings of the character language model (defaults: the full run)."""

    cell: str = "lstm"  # "simple_rnn", "lstm" or "gru"
    units: int | tuple = 256  # recurrent width, or a tuple for a stack
    embedding_dim: int = 32  # character embedding size
    dropout: float = 0.0  # dropout after each recurrent layer
    window: int = 64  # characters per training window
    stride: int = 64  # steps between window starts (overlap = window - stride)
    mini_batch_size: int = 64  # windows per mini-batch
    max_epochs: int = 18  # passes over the training windows
    initial_learn_rate: float = 0.01  # Adam learning rate at the start
    final_learn_rate_factor: float = 0.1  # the rate decays smoothly to this share of it
    gradient_threshold: float = 1.0  # clip each gradient's l2 norm above this
    keep_best: bool = True  # end with the weights of the epoch with the best validation loss
    checkpoint_dir: str | None = None  # back up every epoch here; rerun to resume after a crash
    time_budget: float | None = None  # seconds; stop before an epoch that would end past it
    validation_fraction: float = 0.05  # share of the text in the validation block
    test_fraction: float = 0.05  # share of the text in the (final) test block
    max_chars: int | None = None  # use only the first max_chars characters
    eval_chars: int | None = None  # score only this many characters of each block
    text_path: str | None = None  # any UTF-8 text file instead of Don Quijote
    seed: int = 0  # seed for initialization and shuffling
    verbose: int = 1  # Keras verbosity

    FAST: ClassVar[dict] = dict(
        initial_learn_rate=0.01,
        units=32,
        dropout=0.0,
        window=40,
        stride=40,
        max_epochs=1,
        max_chars=60_000,
        eval_chars=3_000,
        mini_batch_size=64,
        verbose=0,
    )


def fetch_quijote(url=GUTENBERG_URL, sha256=BODY_SHA256) -> Path:
    """Download the Gutenberg book, strip its header and cache the checked body."""
    target = sources.cache_dir() / BODY_FILE
    with urllib.request.urlopen(url) as response:
        raw = response.read().decode("utf-8")
    body = strip_gutenberg(raw)
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    if digest != sha256:
        raise ValueError(
            f"The text from {url} has body sha256 {digest}, expected {sha256}. It was not kept."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=target.parent, delete=False) as tmp:
        tmp.write(body)
    Path(tmp.name).replace(target)
    return target


def read_text(config: Config) -> str:
    """The corpus: `text_path`, or Don Quijote from the data dir, cache or Gutenberg."""
    if config.text_path is not None:
        path = sources.find_file("", path=config.text_path)
    else:
        try:
            path = sources.find_file(BODY_FILE)
        except FileNotFoundError:
            path = fetch_quijote()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"{path} is not UTF-8 text: {err}") from None
    return text[: config.max_chars] if config.max_chars else text


def load_data(config: Config = Config()) -> Splits:
    """Contiguous train / validation / test blocks, coded with a training vocabulary."""
    text = read_text(config)
    n_val, n_test = (
        int(len(text) * config.validation_fraction),
        int(len(text) * config.test_fraction),
    )
    n_train = len(text) - n_val - n_test
    if min(n_train, n_val, n_test) < config.window + 1:
        smallest = min(config.validation_fraction, config.test_fraction)
        raise ValueError(
            f"The text has {len(text)} characters; each block needs more than window = "
            f"{config.window}, so the text must have at least "
            f"{int((config.window + 1) / smallest) + 1}."
        )
    blocks = text[:n_train], text[n_train : n_train + n_val], text[n_train + n_val :]
    vocab = CharVocabulary().fit(blocks[0])
    x_train, y_train = char_windows(vocab.transform(blocks[0]), config.window, config.stride)
    return Splits(
        list(x_train),
        y_train,
        None,
        None,
        [],
        None,
        class_names=[vocab.unknown, *vocab.chars_],
        info={"text": blocks, "vocabulary": vocab, "characters": len(text), "config": config},
    )


def build_model(config: Config, data: Splits):
    return build_char_lm(
        vocabulary_size=len(data.class_names),
        cell=config.cell,
        units=config.units,
        embedding_dim=config.embedding_dim,
        dropout=config.dropout,
    )


def train(config: Config = Config(), data: Splits | None = None, **options) -> Run:
    """Fit the network on shuffled windows; returns a `Run`.

    The validation block, cut into windows, is scored after every epoch
    (`val_loss`, in nats per character over every window position); with
    `keep_best` the model ends with the weights of its best epoch.
    """
    data = data or load_data(config)
    keras.utils.set_random_seed(config.seed)
    model = build_model(config, data)
    steps = config.max_epochs * -(-len(data.x_train) // config.mini_batch_size)
    rate = keras.optimizers.schedules.ExponentialDecay(
        config.initial_learn_rate, decay_steps=steps, decay_rate=config.final_learn_rate_factor
    )
    model.compile(
        optimizer=keras.optimizers.Adam(rate, clipnorm=config.gradient_threshold),
        loss="sparse_categorical_crossentropy",
    )
    x, y = np.stack(data.x_train), data.y_train
    vocab = data.info["vocabulary"]
    val_codes = vocab.transform(data.info["text"][1][: config.eval_chars or None])
    x_val, y_val = char_windows(val_codes, config.window, config.window)
    callbacks = []  # the backup comes first, so an epoch is saved before later callbacks run
    if config.checkpoint_dir:
        callbacks.append(keras.callbacks.BackupAndRestore(config.checkpoint_dir))
    if config.keep_best:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor="val_loss", patience=config.max_epochs, restore_best_weights=True
            )
        )
    if config.time_budget:
        callbacks.append(TimeBudget(config.time_budget))
    callbacks += list(options.pop("callbacks", []))
    history = model.fit(
        x,
        y,
        batch_size=config.mini_batch_size,
        epochs=config.max_epochs,
        shuffle=True,
        validation_data=(x_val, y_val),
        callbacks=callbacks,
        verbose=config.verbose,
        **options,
    )
    return Run(name=NAME, config=config, model=model, history=history.history, data=data)


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


def evaluate(model, data: Splits) -> dict[str, float]:
    """Test bits per character of the network and of the unigram and n-gram baselines."""
    config = data.info["config"]
    train_text, val_full, test_text = data.info["text"]
    val_text = val_full
    if config.eval_chars:
        val_text, test_text = val_full[: config.eval_chars], test_text[: config.eval_chars]
    vocab = data.info["vocabulary"]
    best, val_scores = choose_order(train_text, val_text, orders=range(1, 8))
    unigram = CharNGramModel(1).fit(train_text)
    network = model_bits_per_char(
        model, vocab.transform(test_text), config.window, context=vocab.transform(val_full)
    )
    return {
        "bits_per_char": network,
        "unigram_bits_per_char": unigram.bits_per_char(test_text),
        "ngram_bits_per_char": best.bits_per_char(test_text, history=val_full),
        "ngram_order": float(best.order),
        **{f"ngram_{n}_validation_bits_per_char": s for n, s in val_scores.items()},
    }


def generate(
    model, vocabulary: CharVocabulary, prompt, length=400, temperature=0.8, top_k=None, seed=None
) -> str:
    """Continue `prompt` by `length` characters, carrying the recurrent state.

    Deterministic for a given `seed`. Characters of the prompt that the
    vocabulary does not know are read as the unknown code, with a warning.
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


def predict(model, texts, class_names):
    """The most likely next character, and its probability, after each text."""
    vocab = CharVocabulary.from_characters(class_names[1:], unknown=class_names[0])
    results = []
    for text in texts:
        probs = model.predict(vocab.transform(text)[None], verbose=0)[0, -1]
        results.append((class_names[int(np.argmax(probs))], float(np.max(probs))))
    return results


def figures(run: Run, directory) -> list[Path]:
    """Training and validation loss curves, in bits per character."""
    from lstm_apps import plots

    history = {
        f"{prefix}bits_per_char": [v / np.log(2) for v in run.history[f"{prefix}loss"]]
        for prefix in ("", "val_")
        if f"{prefix}loss" in run.history
    }
    path = Path(directory) / "training_progress.png"
    plots.plt.close(plots.plot_training_progress(history, path))
    return [path]
