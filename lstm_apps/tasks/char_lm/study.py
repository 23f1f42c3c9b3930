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
window of context (`model_bits_per_char`). Keeping the epoch with the
best validation loss guards against over-fitting; at the default budget
(about 20 minutes on 2 cores) the network under-fits the 1.9 M-character
book, so dropout is off by default and a short, high-rate schedule (Adam
0.01, mini-batches of 64 windows) makes the most of the time. Generation does
carry the state, one character at a time (`generate`).

Baselines on the same split: a unigram model and a smoothed character
n-gram model whose order is chosen on the validation block.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from lstm_apps import training
from lstm_apps.data.inputs import Inputs, check_texts, read_texts
from lstm_apps.data.splits import Splits
from lstm_apps.data.text import CharVocabulary, char_windows
from lstm_apps.models.text import build_char_lm
from lstm_apps.runs import Run
from lstm_apps.tasks.char_lm.config import DESCRIPTION, NAME, Config  # noqa: F401 (re-exported)
from lstm_apps.tasks.char_lm.corpus import (  # noqa: F401 (re-exported)
    BODY_FILE,
    BODY_SHA256,
    GUTENBERG_URL,
    fetch_quijote,
    read_corpus,
)
from lstm_apps.tasks.char_lm.ngram import CharNGramModel, choose_order
from lstm_apps.tasks.char_lm.sampling import generate_text, model_bits_per_char

ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}  # how `predict` writes these characters


@dataclass(kw_only=True)
class CharSplits(Splits):
    """The three contiguous blocks of the text and the windows cut from the first.

    `x_train`/`y_train` are the training windows (codes, and the same codes
    shifted by one); the validation and test blocks are kept as text and
    scored by `evaluate`.
    """

    train_text: str  # the training block
    validation_text: str  # the validation block (whole; `eval_chars` cuts it when scoring)
    test_text: str  # the test block (whole)
    vocabulary: CharVocabulary  # fit on the training block; code 0 is the unknown character
    characters: int  # characters read (all three blocks)


def read_text(config: Config) -> str:
    """The corpus: `text_path`, or Don Quijote from the data dir, cache or Gutenberg."""
    return read_corpus(config.text_path, config.max_chars)


def load_data(config: Config = Config()) -> CharSplits:
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
    return CharSplits(
        list(x_train),
        y_train,
        None,
        None,
        [],
        None,
        class_names=[vocab.unknown, *vocab.chars_],
        source=f"{config.text_path or 'Don Quijote (Project Gutenberg #2000)'}",
        train_text=blocks[0],
        validation_text=blocks[1],
        test_text=blocks[2],
        vocabulary=vocab,
        characters=len(text),
    )


def build_model(config: Config, data: CharSplits):
    """Embedding -> `config.cell` -> softmax over the vocabulary at every step."""
    return build_char_lm(
        vocabulary_size=len(data.class_names),
        cell=config.cell,
        units=config.units,
        embedding_dim=config.embedding_dim,
        dropout=config.dropout,
    )


def validation_windows(config: Config, data: CharSplits) -> tuple[np.ndarray, np.ndarray]:
    """The validation block (its first `eval_chars`) cut into non-overlapping windows."""
    codes = data.vocabulary.transform(data.validation_text[: config.eval_chars or None])
    return char_windows(codes, config.window, config.window)


def train(config: Config = Config(), data: CharSplits | None = None, *, callbacks=()) -> Run:
    """Fit the network on shuffled windows; returns a `Run`.

    The optimizer comes from `training.make_optimizer` (`config.training`:
    solver, `initial_learn_rate`, gradient clipping); by default its rate
    decays smoothly (`learn_rate_schedule="exponential"`) to
    `learn_rate_drop_factor` of the start over the planned epochs. The
    validation block, cut into windows, is scored after every epoch
    (`val_loss`, in nats per character over every window position);
    with `keep_best` the model ends with the weights of its best epoch.
    `training.checkpoint_dir` and `training.time_budget` act as in every
    fit (`training.fit_arrays`); `callbacks` are extra Keras callbacks,
    run after those (so an epoch is backed up before they see it).
    """
    data = data or load_data(config)
    settings = config.training
    keras.utils.set_random_seed(settings.seed or 0)
    model = build_model(config, data)
    x_val, y_val = validation_windows(config, data)
    patience = settings.validation_patience
    if config.keep_best and patience is None:
        patience = settings.max_epochs  # restore the best epoch without stopping early
    options = settings.options(validation_data=(x_val, y_val), validation_patience=patience)
    steps_per_epoch = -(-len(data.x_train) // options.mini_batch_size)
    optimizer = training.make_optimizer(options, steps_per_epoch)
    training.apply_l2_penalty(model, options.l2_regularization)
    loss, _ = training.loss_and_metrics(model, options.loss)
    model.compile(optimizer=optimizer, loss=loss)
    history = training.fit_arrays(
        model,
        np.stack(data.x_train),
        data.y_train,
        options,
        validation=options.validation_data,
        callbacks=callbacks,
    )
    return Run(name=NAME, config=config, model=model, history=history.history, data=data)


def evaluate(run: Run) -> dict[str, float]:
    """Test bits per character of the network and of the unigram and n-gram baselines."""
    config, data = run.config, _data(run)
    val_full, test_text = data.validation_text, data.test_text
    val_text = val_full
    if config.eval_chars:
        val_text, test_text = val_full[: config.eval_chars], test_text[: config.eval_chars]
    vocab = data.vocabulary
    best, val_scores = choose_order(data.train_text, val_text, orders=range(1, 8))
    unigram = CharNGramModel(1).fit(data.train_text)
    network = model_bits_per_char(
        run.model, vocab.transform(test_text), config.window, context=vocab.transform(val_full)
    )
    return {
        "bits_per_char": network,
        "unigram_bits_per_char": unigram.bits_per_char(test_text),
        "ngram_bits_per_char": best.bits_per_char(test_text, history=val_full),
        "ngram_order": float(best.order),
        **{f"ngram_{n}_validation_bits_per_char": s for n, s in val_scores.items()},
    }


def vocabulary_of(run: Run) -> CharVocabulary:
    """The run's character vocabulary: its data's, or rebuilt from `run.class_names`
    (code 0, the unknown character, first) for a run loaded from its folder."""
    if run.data is not None:
        return run.data.vocabulary
    names = run.class_names
    return CharVocabulary.from_characters(names[1:], unknown=names[0])


def generate(run: Run, prompt: str, **sampling) -> str:
    """Continue `prompt` with the run's model (`lstm-apps generate`).

    `sampling` holds the keyword options of `generate_text`: `length` (400),
    `temperature` (0.8), `top_k` (None) and `seed` (None); the same `seed`
    gives the same text.

    Returns:
        The new characters, without the prompt.

    Example:
        >>> prompt = "En un lugar de la Mancha"
        >>> print(prompt + generate(run, prompt, length=200, seed=0))
    """
    return generate_text(run.model, vocabulary_of(run), prompt, **sampling)


def predict(run: Run, inputs) -> list[tuple[str, float]]:
    """The most likely next character, and its probability, after each text.

    Args:
        run: a trained or loaded char_lm run.
        inputs: a text or a list of texts; each is read whole from a zero
            state (unknown characters as code 0).

    Returns:
        One `(character, probability)` pair per text; a newline, tab or
        carriage return comes back escaped ("\\n", "\\t", "\\r") so that
        every result prints on one line.
    """
    texts = check_texts(inputs, NAME)
    vocab, names = vocabulary_of(run), run.class_names
    results = []
    for text in texts:
        probs = run.model.predict(vocab.transform(text)[None], verbose=0)[0, -1]
        char = names[int(np.argmax(probs))]
        results.append((ESCAPES.get(char, char), float(np.max(probs))))
    return results


def read_inputs(source, config: Config) -> Inputs:
    """The texts to continue: the argument itself, or a .txt file with one text a line."""
    return read_texts(
        source,
        "char_lm predicts the next character of a prompt: give the prompt itself or a .txt "
        "file with one prompt per line.",
    )


def sample_input(run: Run, directory) -> str:
    """Write the first three non-empty lines of the test block to a .txt file; returns its path."""
    lines = [line for line in _data(run).test_text.splitlines() if line.strip()][:3]
    path = Path(directory) / "texts.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def figures(run: Run, directory) -> list[Path]:
    """Training and validation loss curves, in bits per character (none for a loaded run)."""
    from lstm_apps import plots

    history = {
        f"{prefix}bits_per_char": [v / np.log(2) for v in run.history[f"{prefix}loss"]]
        for prefix in ("", "val_")
        if f"{prefix}loss" in run.history
    }
    if not history:
        return []
    path = Path(directory) / "training_progress.png"
    plots.plt.close(plots.plot_training_progress(history, path))
    return [path]


def _data(run: Run) -> CharSplits:
    """The run's data, loaded again from its Config for a run loaded without it."""
    return run.data if run.data is not None else load_data(run.config)
