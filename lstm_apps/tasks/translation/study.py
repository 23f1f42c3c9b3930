"""Machine translation, N to M: a sentence in Spanish in, its English out (or back).

Data: 118,964 English-Spanish sentence pairs of the Tatoeba Project
(CC BY 2.0 FR, as packaged by manythings.org/anki). Pairs linked by a
shared sentence, on either side, form a group, and whole groups go to test
(about 2,000 pairs) and validation (about 2,000), so no test sentence is
ever seen in training (`lstm_apps.data.tatoeba.group_split`). Sentences are
split into words and punctuation marks, accents, ñ, ¿ and ¡ kept
(`tokenize`); both vocabularies are fit on the training side only.

Models (`lstm_apps.models.translation.build_translator`), each trained by
teacher forcing through `fit_dataset` and compared on the same split:
"seq2seq" (the encoder's final state is the only context the decoder gets),
"attention" (Luong or Bahdanau attention over every encoder output at each
target word), "bilstm" (the same over a bidirectional encoder) and a small
"transformer" as today's baseline. The model with the best greedy BLEU on
validation sentences is kept and saved.

Scores: corpus sacreBLEU and chrF of beam-search translations of the test
sources against their reference, for every compared model, with BLEU by
source length (where the fixed-size context of the no-attention model runs
out) and greedy BLEU for the kept one. Figures: the learning curves, BLEU by
length, attention maps of test sentences and the 20 worst translations.

`lstm-apps predict RUN_DIR "¿Dónde está la biblioteca?"` prints the
translation and its probability under the model.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np

from lstm_apps.data.inputs import Inputs, read_texts
from lstm_apps.data.tatoeba import tokenize
from lstm_apps.models.translation import build_translator
from lstm_apps.runs import Run
from lstm_apps.tasks.translation import scores
from lstm_apps.tasks.translation.config import (  # noqa: F401 (re-exported)
    DESCRIPTION,
    NAME,
    Config,
)
from lstm_apps.tasks.translation.data import (  # noqa: F401 (re-exported)
    TranslationSplits,
    load_data,
    vocabulary_of,
)
from lstm_apps.tasks.translation.fit import train_translator


@dataclass
class TranslationRun(Run):
    """A translation run: the kept model, and every compared model with its fit."""

    kept: str = ""  # the kind kept (best greedy BLEU on validation)
    compared: dict = field(default_factory=dict)  # kind -> model, history, seconds, val_bleu
    report: dict = field(default_factory=dict)  # what `evaluate` found beyond the metrics


def build_model(config: Config, data: TranslationSplits):
    """The translator of the first kind of `config.models`, for `data`'s vocabularies."""
    return build_kind(config, data, config.models[0])


def build_kind(config: Config, data: TranslationSplits, kind: str):
    """The translator of `kind` with `config`'s sizes, for `data`'s vocabularies."""
    return build_translator(
        source_vocabulary=data.source_vocabulary,
        target_size=len(data.class_names),
        kind=kind,
        embedding_dim=config.embedding_dim,
        units=config.transformer_units if kind == "transformer" else config.units,
        attention=config.attention,
        dropout=config.dropout,
        heads=config.heads,
        layers=config.blocks,
    )


def _options(config: Config, kind: str):
    training = config.training
    if training.checkpoint_dir is not None and len(config.models) > 1:
        # one backup folder per compared model, so a resumed run resumes each
        training = training.replace(checkpoint_dir=str(Path(training.checkpoint_dir) / kind))
    if kind == "transformer" and config.transformer_learn_rate is not None:
        training = training.replace(initial_learn_rate=config.transformer_learn_rate)
    return training.options()


def train(
    config: Config = Config(), data: TranslationSplits | None = None, *, callbacks=()
) -> TranslationRun:
    """Fit every model of `config.models` on the same pairs and keep the best on validation.

    Each fit stops early on the validation loss and after
    `training.time_budget` seconds; the kept model is the one whose greedy
    translations of the first `selection_pairs` validation sentences score
    the highest BLEU. `callbacks` are extra Keras callbacks of every fit.
    """
    data = data if data is not None else load_data(config)
    vocabulary = vocabulary_of(config, data.class_names)
    compared = {}
    for kind in config.models:
        keras.utils.set_random_seed(config.training.seed or 0)
        model = build_kind(config, data, kind)
        start = time.perf_counter()
        history = train_translator(
            model,
            data.x_train,
            data.y_train,
            vocabulary,
            _options(config, kind),
            validation=(data.x_val, data.y_val),
            callbacks=callbacks,
        )
        seconds = time.perf_counter() - start
        count = config.selection_pairs
        chosen, _ = scores.translate(
            model, vocabulary, data.x_val[:count], max_length=config.max_output_words
        )
        compared[kind] = dict(
            model=model,
            history=history.history,
            seconds=seconds,
            val_bleu=scores.bleu(chosen, data.y_val[:count])[0],
        )
    kept = max(compared, key=lambda k: compared[k]["val_bleu"])
    return TranslationRun(
        name=NAME,
        config=config,
        model=compared[kept]["model"],
        history=compared[kept]["history"],
        data=data,
        kept=kept,
        compared=compared,
    )


def _source_lengths(token_lists) -> list[int]:
    return [len(t) for t in token_lists]


def evaluate(run: Run) -> dict[str, float]:
    """sacreBLEU and chrF of beam-search test translations, for the kept model and every
    compared one, with BLEU by source length; greedy BLEU of the kept model.

    Keys: `bleu`, `chrf`, `greedy_bleu`, `bleu_len_*` and `pairs_len_*` (the
    kept model); `{kind}_bleu`, `{kind}_chrf`, `{kind}_bleu_len_*`,
    `{kind}_val_bleu`, `{kind}_train_seconds`, `{kind}_epochs` and
    `{kind}_parameters` per compared model. `run.report` gets the
    signatures, the 20 worst translations and, for an attention model, a few
    test sentences to draw.
    """
    data, config = run.data, run.config
    vocabulary = vocabulary_of(config, run.class_names)
    lengths = _source_lengths(data.x_test)
    beam = dict(
        beam_width=config.beam_width,
        length_penalty=config.length_penalty,
        max_length=config.max_output_words,
    )
    compared = getattr(run, "compared", None) or {"kept": {"model": run.model}}
    metrics, translations = {}, {}
    for kind, fitted in compared.items():
        texts, _ = scores.translate(fitted["model"], vocabulary, data.x_test, **beam)
        translations[kind] = texts
        if kind == "kept":
            continue
        metrics.update(scores.score_translations(texts, data.y_test, lengths, f"{kind}_"))
        metrics[f"{kind}_val_bleu"] = float(fitted["val_bleu"])
        metrics[f"{kind}_train_seconds"] = float(fitted["seconds"])
        metrics[f"{kind}_epochs"] = float(len(fitted["history"].get("loss", [])))
        metrics[f"{kind}_parameters"] = float(fitted["model"].count_params())
    kept = getattr(run, "kept", "") or "kept"
    hypotheses = translations[kept]
    metrics.update(scores.score_translations(hypotheses, data.y_test, lengths))
    greedy, _ = scores.translate(
        run.model, vocabulary, data.x_test, max_length=config.max_output_words
    )
    metrics["greedy_bleu"] = scores.bleu(greedy, data.y_test)[0]
    run.predictions = hypotheses
    sources = data.text_test or [" ".join(t) for t in data.x_test]
    report = dict(
        bleu_signature=scores.bleu(hypotheses[:1], data.y_test[:1])[1],
        chrf_signature=scores.chrf(hypotheses[:1], data.y_test[:1])[1],
        worst=scores.worst_translations(sources, hypotheses, data.y_test),
        translations=translations,
        kept=kept,
        metrics=metrics,
    )
    if hasattr(run, "report"):
        run.report = report
    return metrics


def predict(run: Run, inputs) -> list[tuple[str, float]]:
    """The beam-search translation of each sentence and its probability under the model."""
    config = run.config
    sentences = [str(s) for s in inputs]
    empty = [i for i, s in enumerate(sentences) if not tokenize(s)]
    if empty:
        raise ValueError(
            f"Every sentence to translate needs a word. Received: {sentences[empty[0]]!r} "
            f"(input {empty[0]})"
        )
    vocabulary = vocabulary_of(config, run.class_names)
    texts, logp = scores.translate(
        run.model,
        vocabulary,
        [tokenize(s, lowercase=config.lowercase) for s in sentences],
        beam_width=config.beam_width,
        length_penalty=config.length_penalty,
        max_length=config.max_output_words,
    )
    return [(text, float(np.exp(p))) for text, p in zip(texts, logp)]


def read_inputs(source, config: Config) -> Inputs:
    """The sentences of a `predict` argument: a .txt file (one per line) or the sentence itself."""
    return read_texts(
        source,
        "translation translates sentences: give the sentence itself or a .txt file with one "
        "sentence per line.",
    )


def sample_input(run: Run, directory) -> str:
    """Write the first test source sentence to `directory`/sentence.txt; returns the sentence."""
    data = run.data
    text = data.text_test[0] if data.text_test else " ".join(data.x_test[0])
    (Path(directory) / "sentence.txt").write_text(text + "\n", encoding="utf-8")
    return text


def figures(run: Run, directory) -> list[Path]:
    """Learning curves of the compared models, BLEU by source length, attention maps of test
    sentences, and beside them `translations.md` (the 20 worst and a sample)."""
    from lstm_apps.tasks.translation import plots

    return plots.study_figures(run, Path(directory))


def export_run(run: Run, path, *, format="saved_model", overwrite=False):
    """What `lstm-apps export` writes for a translation run: a SavedModel that translates raw
    strings by greedy search, checked against the package's own (`export_translator`)."""
    if format != "saved_model":
        raise ValueError(
            "A translator exports as format='saved_model' only: its decoding loop and string "
            f"operations have no ONNX or LiteRT form here. Received: format={format!r}"
        )
    from lstm_apps.tasks.translation.export import export_translator

    return export_translator(run, path, overwrite=overwrite)
