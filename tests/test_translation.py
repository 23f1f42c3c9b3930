"""Translation: the four translator kinds, their decoder, the batches, the scores and a
real learning run on Tatoeba pairs."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from lstm_apps.data.tatoeba import tokenize
from lstm_apps.data.text import WordVocabulary
from lstm_apps.models.translation import (
    KINDS,
    TranslationDecoder,
    build_translator,
    translator_kind,
    translator_parameters,
)
from lstm_apps.tasks.registry import make_config
from lstm_apps.tasks.translation import fit, scores
from lstm_apps.tasks.translation import study as translation
from lstm_apps.tasks.translation.data import pad_tokens

WORDS = [f"w{i}" for i in range(30)]
SOURCES = np.array([["w1", "w2", "w3", "", ""], ["w4", "w5", "w6", "w7", "w8"]], dtype=object)
TOKENS = np.array([[2, 5, 6, 7, 8], [2, 9, 10, 11, 12]], "int32")


def _tiny(kind, **changes):
    keras.utils.set_random_seed(0)
    sizes = dict(units=16, embedding_dim=8, heads=2, dropout=0.0)
    return build_translator(
        source_vocabulary=WORDS, target_size=20, kind=kind, **{**sizes, **changes}
    )


def _probabilities(model, sources, tokens):
    return model([tf.constant(sources), tf.constant(tokens)]).numpy()


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_decodes_step_by_step_exactly_as_it_trains(kind):
    model = _tiny(kind)
    assert translator_kind(model) == kind
    forced = _probabilities(model, SOURCES, TOKENS)
    assert forced.shape == (2, 5, 20)
    np.testing.assert_allclose(forced.sum(-1), 1.0, atol=1e-5)
    # a word never depends on the words after it (the decoder is causal)
    later = TOKENS.copy()
    later[:, 3:] = 13
    np.testing.assert_allclose(
        _probabilities(model, SOURCES, later)[:, :3], forced[:, :3], atol=1e-6
    )
    # more source padding changes nothing (the attention and the BiLSTM are masked)
    wider = np.concatenate([SOURCES, np.full((2, 3), "", object)], axis=1)
    np.testing.assert_allclose(_probabilities(model, wider, TOKENS), forced, atol=1e-6)
    # the one-step decoder gives the teacher-forced probabilities
    decoder = TranslationDecoder(model, start=2, end=3, max_length=6)
    states, steps = decoder.initial_states(SOURCES), []
    for t in range(TOKENS.shape[1]):
        logp, states = decoder._log_probs(TOKENS[:, t].copy(), states)
        steps.append(np.exp(logp))
    allowed = [c for c in range(20) if c not in decoder.banned]
    np.testing.assert_allclose(np.stack(steps, 1)[..., allowed], forced[..., allowed], atol=2e-6)
    assert model.count_params() == translator_parameters(kind, len(WORDS) + 2, 20, 8, 16)
    if kind in ("attention", "bilstm"):
        additive = _tiny(kind, attention="bahdanau")
        expected = translator_parameters(kind, len(WORDS) + 2, 20, 8, 16, attention="bahdanau")
        assert additive.count_params() == expected


def test_beam_search_of_width_one_is_greedy_and_a_wider_beam_scores_no_worse():
    model = _tiny("attention")
    decoder = TranslationDecoder(model, start=2, end=3, max_length=8, banned=[0, 1, 2])
    greedy, greedy_scores = decoder.beam_search(SOURCES, beam_width=1, return_scores=True)
    again = decoder.greedy(SOURCES)
    assert greedy == again and all(len(c) <= 8 for c in greedy)
    assert not any(set(c) & {0, 1, 2, 3} for c in greedy)  # banned codes and <end> are not written
    _, wide_scores = decoder.beam_search(SOURCES, beam_width=4, return_scores=True)
    assert np.all(wide_scores >= greedy_scores - 1e-6)  # width 4 keeps the greedy path in reach


def test_attention_weights_cover_the_real_source_words_only():
    model = _tiny("bilstm")
    decoder = TranslationDecoder(model, start=2, end=3, max_length=5)
    codes = [[5, 6], [7]]
    weights = decoder.attention_weights(SOURCES, codes)
    assert [w.shape for w in weights] == [(3, 3), (2, 5)]  # words + <end>, real source words
    for w in weights:
        np.testing.assert_allclose(w.sum(axis=1), 1.0, atol=1e-5)  # padding gets no weight
    with pytest.raises(ValueError, match="no attention to show"):
        TranslationDecoder(_tiny("seq2seq"), start=2, end=3).attention_weights(SOURCES, codes)
    with pytest.raises(ValueError, match="2 sources, 1 translations"):
        decoder.attention_weights(SOURCES, codes[:1])


def test_builder_and_decoder_refuse_bad_settings_by_name():
    with pytest.raises(ValueError, match="Received: kind='gru'"):
        build_translator(source_vocabulary=WORDS, target_size=20, kind="gru")
    with pytest.raises(ValueError, match="even number. Received: 15"):
        build_translator(source_vocabulary=WORDS, target_size=20, kind="bilstm", units=15)
    with pytest.raises(ValueError, match="multiple of `heads`"):
        build_translator(source_vocabulary=WORDS, target_size=20, kind="transformer", heads=3)
    with pytest.raises(ValueError, match="without '' or '<unk>'"):
        build_translator(source_vocabulary=["a", "a"], target_size=20)
    with pytest.raises(ValueError, match="non-empty list"):
        build_translator(source_vocabulary=[], target_size=20)
    with pytest.raises(ValueError, match="build_translator"):
        translator_kind(keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]))
    with pytest.raises(ValueError, match="max_length=200"):
        TranslationDecoder(_tiny("transformer", max_length=64), start=2, end=3, max_length=200)


def test_batches_hold_sentences_of_similar_length_and_every_pair_once():
    rng = np.random.default_rng(0)
    sources = [[f"w{j}" for j in range(rng.integers(1, 12))] for _ in range(50)]
    codes = [np.array([2, *range(4, 4 + n), 3], "int32") for n in rng.integers(1, 15, 50)]
    data = fit.pairs_dataset(sources, codes, 8, shuffle="every-epoch", seed=1)
    seen, widths = [], []
    for (words, inputs), targets, weights in data:
        words, inputs, targets = words.numpy(), inputs.numpy(), targets.numpy()
        assert inputs.shape == targets.shape == weights.shape
        lengths = (targets > 0).sum(1)
        assert lengths.max() == targets.shape[1]  # padded to this batch's longest only
        widths.append(np.ptp(lengths))
        np.testing.assert_array_equal(weights.numpy(), (targets > 0).astype("float32"))
        seen += [tuple(t[t > 0]) for t in targets]
    assert sorted(seen) == sorted(tuple(c[1:]) for c in codes)  # each pair once per epoch
    assert np.mean(widths) <= 2  # sorted by length: a batch's lengths are close
    with pytest.raises(ValueError, match="2 sources, 1 targets"):
        fit.pairs_dataset(sources[:2], codes[:1], 8)


def test_vocabulary_with_the_translation_tokenizer_keeps_punctuation():
    vocab = WordVocabulary(tokenizer=tokenize, lowercase=False).fit(["¿Dónde está?", "¡Hola!"])
    assert {"¿", "?", "¡", "!", "Dónde"} <= set(vocab.words_)
    codes = vocab.encode("¿Dónde está?")
    assert vocab.tokens(codes) == ["¿", "Dónde", "está", "?"]
    rebuilt = WordVocabulary.from_words(vocab.words_, lowercase=False, tokenizer=tokenize)
    assert rebuilt.encode("¡Hola!").tolist() == vocab.encode("¡Hola!").tolist()


def test_scores_follow_sacrebleu_by_length_and_rank_the_worst_first():
    refs = ["The cat sat on the mat.", "I like green tea.", "Where is the library?"]
    hyps = ["The cat sat on the mat.", "I like tea.", "Who are you?"]
    score, signature = scores.bleu(refs, refs)
    assert score == pytest.approx(100.0) and "tok:13a" in signature and "nrefs:1" in signature
    assert scores.bleu(hyps, refs)[0] < 100
    metrics = scores.score_translations(hyps, refs, [7, 5, 5])
    assert metrics["pairs_len_1_5"] == 2 and metrics["pairs_len_6_8"] == 1
    assert metrics["bleu_len_6_8"] == pytest.approx(100.0)
    worst = scores.worst_translations(["a", "b", "c"], hyps, refs, count=2)
    assert [w["source"] for w in worst] == ["c", "b"]


def test_config_refuses_bad_choices_by_name():
    with pytest.raises(ValueError, match="Received: direction='es-fr'"):
        translation.Config(direction="es-fr")
    with pytest.raises(ValueError, match="distinct kinds"):
        translation.Config(models=("attention", "attention"))
    with pytest.raises(ValueError, match="distinct kinds"):
        translation.Config(models=("gru",))
    with pytest.raises(ValueError, match="below 128"):
        translation.Config(max_output_words=200)
    assert translation.Config(direction="en-es").languages == ("english", "spanish")
    with pytest.raises(ValueError, match="Received: transformer_units=30, heads=4"):
        translation.Config(transformer_units=30)
    with pytest.raises(ValueError, match="Received: transformer_learn_rate=-0.1"):
        translation.Config(transformer_learn_rate=-0.1)
    rates = {k: translation._options(translation.Config(), k).initial_learn_rate for k in KINDS}
    assert rates == {"seq2seq": 0.002, "attention": 0.002, "bilstm": 0.002, "transformer": 0.0007}
    same = translation.Config(transformer_learn_rate=None)
    assert translation._options(same, "transformer").initial_learn_rate == 0.002


def test_a_comparison_run_learns_real_pairs_and_keeps_a_model(shared_data, tmp_path):
    """Two kinds on 3,000 real training pairs: both learn, the run keeps the better one on
    validation BLEU, and the kept model translates a raw sentence."""
    config = make_config(
        "translation",
        changes={
            "models": ("seq2seq", "attention"),
            "max_pairs": 3000,
            "max_tokens": 8,
            "units": 48,
            "embedding_dim": 32,
            "training.max_epochs": 2,
            "training.mini_batch_size": 32,
            "training.checkpoint_dir": str(tmp_path / "backup"),
        },
        fast=True,
    )
    data = translation.load_data(config)
    assert data.sizes() == {"train": 3000, "validation": 60, "test": 60}
    assert max(len(s) for s in data.x_train) <= 8
    assert not set(data.text_test) & set(data.text_val)  # grouped split, no shared sentence
    run = translation.train(config, data)
    assert set(run.compared) == {"seq2seq", "attention"}
    vocabulary = translation.vocabulary_of(config, data.class_names)
    targets = np.concatenate([vocabulary.encode(t)[1:] for t in data.y_val])
    majority = np.bincount(targets).max() / len(targets)  # always writing the commonest token
    for fitted in run.compared.values():
        history = fitted["history"]
        assert history["val_loss"][-1] < history["val_loss"][0], history  # it learns, on
        assert history["val_accuracy"][-1] > majority + 0.03, (history, majority)  # unseen text
    best = max(run.compared, key=lambda k: run.compared[k]["val_bleu"])
    assert run.kept == best and run.model is run.compared[best]["model"]
    assert {p.name for p in (tmp_path / "backup").iterdir()} <= {"seq2seq", "attention"}
    metrics = translation.evaluate(run)
    assert {"bleu", "chrf", "greedy_bleu", "attention_bleu", "seq2seq_chrf"} <= set(metrics)
    assert all(0 <= metrics[k] <= 100 for k in ("bleu", "chrf", "greedy_bleu"))
    assert metrics["bleu"] == metrics[f"{run.kept}_bleu"]  # the kept model's own scores
    assert len(run.report["worst"]) == 20 and "tok:13a" in run.report["bleu_signature"]
    ((text, probability),) = translation.predict(run, ["¿Dónde está la biblioteca?"])
    assert isinstance(text, str) and 0 < probability <= 1
    with pytest.raises(ValueError, match="needs a word"):
        translation.predict(run, ["   "])
    assert pad_tokens([["a"], []]).tolist() == [["a"], [""]]


TARGET_WORDS = ["<pad>", "<unk>", "<start>", "<end>", ".", "?", "¿", "-", "3", ":", "30"] + [
    f"t{i}" for i in range(9)
]


def _string_run(kind, **config):
    """A translation `Run` around an untrained model: its random weights write many words."""
    from lstm_apps.runs import Run

    words = ["¿", "dónde", "está", "la", "biblioteca", "?", "son", "las", "8", ":", "30", "."]
    keras.utils.set_random_seed(1)
    model = build_translator(
        source_vocabulary=words, target_size=len(TARGET_WORDS), kind=kind, units=16,
        embedding_dim=8, heads=2, dropout=0.0,
    )  # fmt: skip
    settings = translation.Config(max_output_words=12, **config)
    return Run("translation", settings, model, class_names=TARGET_WORDS)


@pytest.mark.parametrize("kind", ["attention", "transformer"])
def test_an_exported_translator_reads_raw_strings_and_writes_greedy_words(kind, tmp_path):
    from lstm_apps.tasks.translation.export import export_translator

    run = _string_run(kind)
    sentences = ["¿Dónde está la biblioteca?", "Son las 8:30.", "la", "\u201cla\u201d\u200b las"]
    report = export_translator(run, tmp_path / "sm", sentences=sentences)
    assert report.identical == report.checked_sentences == 4  # it checked itself on load
    loaded = tf.saved_model.load(str(tmp_path / "sm"))  # kept: its variables live with it
    served = loaded.serve(tf.constant(sentences))
    tokens = [t.decode() for t in served["tokens"].numpy()]
    vocabulary = translation.vocabulary_of(run.config, TARGET_WORDS)
    _, _, codes = scores.translate(
        run.model, vocabulary, [tokenize(s) for s in sentences], max_length=12, return_codes=True
    )
    assert tokens == [" ".join(vocabulary.tokens(c)) for c in codes]
    assert sum(len(t.split()) for t in tokens) > 8  # real words were written, not only <end>
    assert not {"<pad>", "<start>", "<unk>", "<end>"} & {w for t in tokens for w in t.split()}
    texts = [t.decode() for t in served["translation"].numpy()]
    assert all(" ?" not in t and "¿ " not in t and " ." not in t for t in texts), texts
    wordless = loaded.serve(tf.constant(["", " ¿la?", "  "]))["translation"].numpy()
    assert wordless[0] == wordless[2] == b"" and wordless[1] != b""  # nothing made up
    assert loaded.serve(tf.constant([""]))["translation"].numpy().tolist() == [b""]


def test_graph_tokens_and_sentences_follow_the_python_rules():
    from lstm_apps.data.tatoeba import detokenize
    from lstm_apps.tasks.translation.export import graph_sentence, graph_tokens

    sentences = [
        "¿Qué hora es?", "¡Hola, Tomás!", "I don't know.", "Son las 8:30.", "Cuesta 3.5 euros.",
        "Él dijo \u201chola\u201d.", "Tom's   dog  ", "e-mail y/o fax", "año\u00adnuevo",
    ]  # fmt: skip
    got = graph_tokens(tf.constant(sentences)).to_list()
    assert [[w.decode() for w in row] for row in got] == [tokenize(s) for s in sentences]
    lowered = graph_tokens(tf.constant(["ÉL ESTÁ AQUÍ"]), lowercase=True).to_list()
    assert [w.decode() for w in lowered[0]] == tokenize("ÉL ESTÁ AQUÍ", lowercase=True)
    simple = sentences[:5] + ["e-mail y/o fax"]
    joined = [" ".join(tokenize(s)) for s in simple]
    written = [t.decode() for t in graph_sentence(tf.constant(joined)).numpy()]
    assert written == [detokenize(tokenize(s)) for s in simple]


def test_an_export_that_would_replace_something_else_writes_nothing(tmp_path):
    from lstm_apps.tasks.translation.export import export_translator

    run = _string_run("seq2seq")
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="already exists"):
        export_translator(run, tmp_path / "taken")
    with pytest.raises(FileExistsError, match="holds no earlier saved_model export"):
        export_translator(run, tmp_path / "taken", overwrite=True)
    with pytest.raises(ValueError, match="needs a word"):
        export_translator(run, tmp_path / "new", sentences=["  "])
    with pytest.raises(ValueError, match="format='saved_model' only.*Received: format='onnx'"):
        translation.export_run(run, tmp_path / "m.onnx", format="onnx")
    assert (tmp_path / "taken" / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]  # no stray staging folder


def test_lstm_apps_export_writes_a_string_translator_and_records_it(shared_data, tmp_path, capsys):
    from lstm_apps.cli import main

    run_dir = tmp_path / "run"
    argv = ["run", "translation", "--fast", "--set", "training.verbose=0", "--output", str(run_dir)]
    assert main(argv) == 0, capsys.readouterr().err
    assert main(["export", str(run_dir), "--format", "onnx"]) == 2
    assert "format='saved_model' only" in capsys.readouterr().err
    assert main(["export", str(run_dir), "--format", "saved_model", "--timesteps", "9"]) == 2
    assert "Received: timesteps=9" in capsys.readouterr().err
    assert not (run_dir / "saved_model").exists() and not (run_dir / "exports.json").exists()
    assert main(["export", str(run_dir), "--format", "saved_model"]) == 0
    assert "reads raw strings" in capsys.readouterr().out
    (entry,) = json.loads((run_dir / "exports.json").read_text())
    assert entry["format"] == "saved_model" and entry["identical"] == entry["checked_sentences"]
    assert entry["checked_sentences"] == 60  # the run's test sentences (60 in the fast setting)
    loaded = tf.saved_model.load(str(run_dir / "saved_model"))
    (text,) = loaded.serve(tf.constant(["¿Dónde está la biblioteca?"]))["translation"].numpy()
    assert isinstance(text, bytes)
    assert main(["card", str(run_dir)]) == 0
    assert (
        "same words as greedy search on 60 of 60 sentences"
        in (run_dir / "MODEL_CARD.md").read_text()
    )


def test_the_default_transformer_is_about_as_large_as_the_lstm_translators():
    from types import SimpleNamespace

    config = translation.Config()
    words = [f"w{i}" for i in range(config.max_words)]  # the full run's vocabularies
    full = SimpleNamespace(
        source_vocabulary=words, class_names=["<pad>", "<unk>", "<start>", "<end>", *words]
    )
    sizes = {k: translation.build_kind(config, full, k).count_params() for k in KINDS}
    assert sizes["transformer"] == translator_parameters(
        "transformer", config.max_words + 2, config.max_words + 4, 0, config.transformer_units
    )
    lstm = max(sizes[k] for k in ("seq2seq", "attention", "bilstm"))
    assert 0.9 < sizes["transformer"] / lstm < 1.1, sizes
