"""The `text` study on a real Spanish file with three classes: report, every model's
predictions, plain metric names, a separate test file, the run's own vocabulary in the
word-neighbour report, the saved ensemble, and one-line refusals of bad input.

The Spanish sentences are Tatoeba's (the shared `spa_eng_tatoeba` copy); a sentence's
class is the subject of its English translation ("I ...", "We ...", "They ..."), which
Spanish mostly shows only in the verb's ending: "tengo", "tenemos", "tienen".
"""

from __future__ import annotations

import dataclasses
import json
import zipfile
from collections import Counter

import keras
import numpy as np
import pandas as pd
import pytest
from conftest import real_file

from lstm_apps.models.text import standardize_text
from lstm_apps.tasks import run_case_study, text
from lstm_apps.tasks.sentiment.comparison import fit_tfidf
from lstm_apps.tasks.sentiment.explain import PROBE_WORDS
from lstm_apps.tasks.sentiment.networks import text_probabilities
from lstm_apps.tasks.text.adapt import adapt_text_training
from lstm_apps.tasks.text.config import TRAINING
from lstm_apps.tasks.text.tfidf import tfidf_layer

SUBJECTS = {"I": "yo", "We": "nosotros", "They": "ellos"}
TRAIN = {"yo": 240, "nosotros": 70, "ellos": 70}  # imbalanced: 3.4 times
TEST = {"yo": 40, "nosotros": 40, "ellos": 40}


def spanish_sentences(root) -> dict[str, list[str]]:
    """Per class, one Spanish translation of each distinct English sentence, shuffled."""
    archive = real_file(root, "spa_eng_tatoeba/spa-eng.zip")
    lines = zipfile.ZipFile(archive).read("spa-eng/spa.txt").decode("utf-8").splitlines()
    first = {}
    for line in lines:
        english, spanish = line.split("\t")
        label = SUBJECTS.get(english.split()[0])
        if label and english not in first:
            first[english] = (label, spanish)
    rng = np.random.default_rng(0)
    out = {label: [] for label in SUBJECTS.values()}
    for label, spanish in first.values():
        out[label].append(spanish)
    return {label: list(rng.permutation(texts)) for label, texts in out.items()}


def write(path, rows, columns=("frase", "persona")):
    pd.DataFrame(rows, columns=list(columns)).to_csv(path, index=False)
    return str(path)


@pytest.fixture(scope="module")
def spanish(shared_data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("spanish")
    sentences = spanish_sentences(shared_data)
    train = [(s, c) for c, n in TRAIN.items() for s in sentences[c][:n]]
    test = [(s, c) for c, n in TEST.items() for s in sentences[c][-n:]]
    return write(folder / "frases.csv", train), write(folder / "prueba.csv", test)


@pytest.fixture(scope="module")
def spanish_run(spanish, tmp_path_factory):
    data, test = spanish
    config = text.Config(
        data=data, test_data=test, text_column="frase", label_column="persona",
        class_weight="balanced", max_length=20, embedding_dim=16, units=8, word2vec_epochs=2,
    ).replace(training=dict(max_epochs=3, verbose=0))  # fmt: skip
    folder = tmp_path_factory.mktemp("runs") / "text"
    keras.utils.set_random_seed(0)
    return run_case_study("text", config, folder), folder


def test_a_spanish_run_compares_every_model_and_writes_a_report(spanish_run):
    run, folder = spanish_run
    assert run.data.class_names == ["ellos", "nosotros", "yo"]
    # the separate file is the whole test set; validation comes from the training file
    assert run.data.sizes() == {"train": 323, "validation": 57, "test": 120}
    assert list(run.results) == ["bilstm", "bag_of_embeddings", "tfidf", "ensemble"]
    assert run.best in ("bilstm", "ensemble") and run.network == "bilstm"
    assert run.results["tfidf"].accuracy > 0.6  # chance: 1/3
    metrics = run.metrics
    for name in ("accuracy", "balanced_accuracy", "macro_f1", "f1_ellos", "f1_nosotros", "f1_yo"):
        assert 0 <= metrics[name] <= 1, name
    f1 = [metrics[f"f1_{c}"] for c in run.data.class_names]
    assert metrics["macro_f1"] == pytest.approx(np.mean(f1))
    assert "f1_positive" not in metrics and "f1" not in metrics  # only on request
    for kind in run.results:
        assert f"{kind}_accuracy" in metrics and f"{kind}_macro_f1" in metrics
    assert metrics["margin_low"] <= metrics["margin_vs_baseline"] <= metrics["margin_high"]
    # defaults sized from the data, a class weight, and the diagnoses of the imbalance
    assert run.adapted == {"mini_batch_size": 32, "validation_patience": 3}
    assert run.config.training.validation_patience == 3  # the run's Config records it
    codes = [d.code for d in run.diagnoses]
    assert "class_imbalance" in codes

    report = (folder / "report.md").read_text(encoding="utf-8")
    for part in ("## Model comparison", "bootstrap", "## Diagnostics", "class imbalance",
                 "F1 nosotros", "## Settings"):  # fmt: skip
        assert part in report, part
    for kind in run.results:  # every model's test predictions, not only the kept one's
        rows = pd.read_csv(folder / "predictions" / f"{kind}.csv")
        assert len(rows) == 120
        assert list(rows.columns) == ["id", "label", "predicted", "p_ellos", "p_nosotros", "p_yo"]
        accuracy = (rows["label"] == rows["predicted"]).mean()
        assert accuracy == pytest.approx(metrics[f"{kind}_accuracy"])


def test_words_seen_fewer_than_three_times_are_left_out_of_the_vocabulary(spanish_run):
    run, _ = spanish_run
    texts = np.asarray(run.data.text_train, dtype=object)
    counts = Counter(w for row in np.asarray(standardize_text(texts)) for w in row.decode().split())
    vocabulary = run.data.vocabulary[2:]
    assert run.config.min_word_count == 3
    assert all(counts[w] >= 3 for w in vocabulary)
    assert len(vocabulary) == sum(c >= 3 for c in counts.values()) < len(counts)


def test_nearest_words_come_from_the_runs_own_vocabulary(spanish_run):
    run, folder = spanish_run
    neighbours = json.loads((folder / "nearest_words.json").read_text(encoding="utf-8"))
    vocabulary = set(run.data.vocabulary[2:])
    assert len(neighbours) >= 6 and set(neighbours) <= vocabulary
    assert not set(neighbours) & set(PROBE_WORDS)  # no English words looked up
    assert {"nosotros", "ellos"} & set(neighbours)  # words that mark a class
    assert all(set(n for n, _ in near) <= vocabulary for near in neighbours.values())


def test_the_saved_model_reads_raw_text_and_tfidf_runs_inside_keras(spanish_run):
    run, folder = spanish_run
    texts = run.data.text_test
    # TF-IDF + logistic regression copied into a Keras layer gives scikit-learn's numbers
    layer = tfidf_layer(run.tfidf)
    column = np.asarray(texts, dtype=object).reshape(-1, 1)
    np.testing.assert_allclose(layer(column), run.tfidf.predict_proba(texts), atol=1e-5)
    plain, _, _ = fit_tfidf(run.data, strip_accents=True)  # "Él" and "el" count as one word
    assert "el" in plain[0].vocabulary_ and "él" not in plain[0].vocabulary_
    np.testing.assert_allclose(
        tfidf_layer(plain, strip_accents=True)(column), plain.predict_proba(texts), atol=1e-5
    )
    loaded = keras.models.load_model(folder / "model.keras")
    np.testing.assert_allclose(
        text_probabilities(loaded, texts), text_probabilities(run.model, texts), atol=1e-5
    )
    np.testing.assert_allclose(run.predictions, run.results[run.best].probabilities, atol=1e-5)
    ((label, probability),) = text.predict(run, ["Nosotros tenemos hambre."])
    assert label in run.data.class_names and 1 / 3 < probability <= 1


def test_positive_class_f1_only_on_request(spanish_run):
    run, _ = spanish_run
    asked = dataclasses.replace(run, config=run.config.replace(positive_class="yo"))
    metrics = text.evaluate(asked)
    assert metrics["f1_positive"] == metrics["f1_yo"]
    wrong = run.config.replace(positive_class="tú")
    with pytest.raises(ValueError, match=r"one of the classes .*Received: positive_class='tú'"):
        text.load_data(wrong)  # refused once the labels are read, before any fit
    with pytest.raises(ValueError, match=r"one of the classes .*Received: positive_class='tú'"):
        text.train(wrong, run.data)


def test_training_defaults_follow_the_data_size():
    training, chosen = adapt_text_training(TRAINING, TRAINING, 2000)
    assert chosen == {"mini_batch_size": 32, "max_epochs": 13, "validation_patience": 3}
    assert training.max_epochs == 13 and training.validation_patience == 3
    mine = TRAINING.replace(max_epochs=4)  # a field the user set is kept
    training, chosen = adapt_text_training(mine, TRAINING, 5000, has_validation=False)
    assert training.max_epochs == 4 and chosen == {"mini_batch_size": 64}


def one_line_error(call) -> str:
    with pytest.raises(ValueError) as error:
        call()
    assert "\n" not in str(error.value)
    return str(error.value)


def test_bad_inputs_get_one_line_errors(spanish, tmp_path):
    data, test = spanish
    config = text.Config(data=data, text_column="frase", label_column="persona")
    message = one_line_error(lambda: text.load_data(config.replace(text_column="texto")))
    assert "no column 'texto'" in message and "'frase', 'persona'" in message
    single = write(tmp_path / "una.csv", [("Tengo hambre.", "yo"), ("Estoy aquí.", "yo")])
    message = one_line_error(lambda: text.load_data(config.replace(data=single)))
    assert "single class ('yo'" in message
    other = write(tmp_path / "otra.csv", [("Tienes razón.", "tú"), ("Tengo hambre.", "yo")])
    message = one_line_error(lambda: text.load_data(config.replace(test_data=other)))
    assert "test split" in message and "'tú'" in message
    message = one_line_error(lambda: text.Config(class_weight="weighted"))
    assert "Received: class_weight='weighted'" in message
    with pytest.raises(TypeError, match="positive_class=1"):
        text.Config(positive_class=1)
