"""Sentiment: text standardization, loaders and their refusals, word vectors, and the case
study on a real IMDB subset (learning, raw-text prediction, run folder, CLI)."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile

import keras
import numpy as np
import pandas as pd
import pytest
from conftest import predicted_rows

from lstm_apps.cli import main
from lstm_apps.data import reviews
from lstm_apps.models.text import (
    KeepWords,
    build_text_classifier,
    read_word_vectors,
    standardize_text,
    standardize_text_without_accents,
    train_word_vectors,
)
from lstm_apps.tasks import load_run, parse_overrides, run_case_study, sentiment
from lstm_apps.tasks.sentiment.networks import network_probabilities, text_probabilities


def words(fn, text):
    return bytes(np.asarray(fn(np.array([text], dtype=object)))[0]).decode().split()


def test_standardization_keeps_accents_and_enye_and_splits_off_spanish_punctuation():
    text = "¿Qué tal?<br /><br />¡MUY bien, Señor Núñez! It's GREAT."
    assert words(standardize_text, text) == [
        "qué", "tal", "muy", "bien", "señor", "núñez", "it's", "great",
    ]  # fmt: skip
    assert words(standardize_text_without_accents, text)[:6] == [
        "que", "tal", "muy", "bien", "señor", "nuñez",
    ]  # fmt: skip


# -- loaders ---------------------------------------------------------------------------------


def write_csv(path, rows, columns=("text", "label"), sep=","):
    pd.DataFrame(rows, columns=list(columns)).to_csv(path, index=False, sep=sep)
    return path


@pytest.mark.parametrize(
    ("rows", "kwargs", "match"),
    [
        (
            [("a", "x"), ("b", "y")],
            {"text_column": "review"},
            r"no column 'review'.*'text', 'label'",
        ),
        ([("a", "x"), ("b", None)], {}, r"'label' has 1 empty or NaN values \(file lines \[3\]\)"),
        ([("a", "x"), ("b", "x")], {}, r"single class \('x'"),
        ([("a", "x"), ("  ", "y")], {"empty": "error"}, r"1 empty texts \(file lines \[3\]\)"),
    ],
)
def test_labelled_text_refusals_name_the_problem(rows, kwargs, match, tmp_path):
    path = write_csv(tmp_path / "t.csv", rows)
    with pytest.raises(ValueError, match=match):
        reviews.read_labelled_text(path, **kwargs)


def test_empty_texts_are_dropped_with_a_count(tmp_path, caplog):
    path = write_csv(tmp_path / "t.tsv", [("bueno", "pos"), ("", "neg"), ("malo", "neg")], sep="\t")
    frame = reviews.read_labelled_text(path)
    assert frame["text"].tolist() == ["bueno", "malo"]
    assert "dropped 1 rows with an empty text" in caplog.text


def test_a_file_that_is_not_utf8_is_named_with_the_byte_offset(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("text,label\nmuy pequeño,pos\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin1.csv is not UTF-8: byte 0xf1 at offset 20"):
        reviews.read_labelled_text(path)


def tiny_acl_archive(path):
    """An archive laid out like aclImdb_v1.tar.gz, with four reviews and an unsup one."""
    members = {
        "aclImdb/train/pos/0_9.txt": "Loved it.<br />Great cast.",
        "aclImdb/train/neg/0_2.txt": "Dull.",
        "aclImdb/test/pos/0_10.txt": "Wonderful!",
        "aclImdb/test/neg/0_1.txt": "Awful.",
        "aclImdb/train/unsup/0_0.txt": "no label",
    }
    with tarfile.open(path, "w:gz") as archive:
        for name, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_imdb_download_checks_sha256_and_caches_a_csv(tmp_path, monkeypatch):
    source = tmp_path / "served" / "aclImdb_v1.tar.gz"
    source.parent.mkdir()
    digest = tiny_acl_archive(source)
    monkeypatch.setenv("LSTM_APPS_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("LSTM_APPS_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(ValueError, match="sha256"):
        reviews.load_imdb(url=source.as_uri(), sha256="0" * 64)
    assert not (tmp_path / "cache" / reviews.IMDB_ARCHIVE).exists()

    frame = reviews.load_imdb(url=source.as_uri(), sha256=digest)
    assert frame[["split", "id", "rating", "label"]].values.tolist() == [
        ["train", 0, 2, 0],
        ["train", 0, 9, 1],
        ["test", 0, 1, 0],
        ["test", 0, 10, 1],
    ]
    assert frame["text"].iloc[1] == "Loved it.<br />Great cast."
    cached = tmp_path / "cache" / "imdb_reviews" / "imdb_reviews.csv.gz"
    assert cached.exists()
    source.unlink()  # the next load needs neither the network nor the archive
    (tmp_path / "cache" / reviews.IMDB_ARCHIVE).unlink()
    pd.testing.assert_frame_equal(reviews.load_imdb(url="file:///nowhere", sha256=digest), frame)


def test_real_imdb_copy_has_the_official_split(shared_data):
    frame = reviews.load_imdb(shared_data / reviews.IMDB_CSV)
    counts = frame.groupby(["split", "label"]).size()
    assert counts.tolist() == [12500] * 4 and frame["text"].str.len().min() > 0


# -- word vectors and models -----------------------------------------------------------------


@pytest.mark.parametrize("header", [False, True], ids=["glove", "word2vec_text"])
def test_word_vector_reader_and_coverage(header, tmp_path):
    lines = (["3 2"] if header else []) + ["good 1 0", "Bad -1 0.5", "film 0 1"]
    path = tmp_path / "vectors.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    vocabulary = ["", "[UNK]", "good", "bad", "plot"]
    matrix, coverage = read_word_vectors(path, vocabulary)
    assert matrix.shape == (5, 2) and np.all(matrix[:2] == 0)
    np.testing.assert_array_equal(matrix[2:4], [[1, 0], [-1, 0.5]])
    assert coverage == {"words_found": 2, "vocabulary": 3, "share": 2 / 3}
    model = build_text_classifier(
        "lstm", vocabulary_size=5, embedding_dim=2, units=3, embeddings=matrix,
        trainable_embeddings=False,
    )  # fmt: skip
    np.testing.assert_array_equal(model.get_layer("embedding").embeddings.numpy(), matrix)
    assert not model.get_layer("embedding").trainable


def test_word_vectors_of_mixed_dimension_are_refused(tmp_path):
    path = tmp_path / "bad.vec"
    path.write_text("good 1 0\nbad 1 0 3\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2: 3 values, but the first vector has 2"):
        read_word_vectors(path, ["", "[UNK]", "good"])


def test_word2vec_vectors_repeat_and_refuse_bad_input():
    vocabulary = ["", "[UNK]", "good", "film", "bad", "never_seen"]
    texts = [np.array([2, 3, 1, 0]), np.array([4, 3]), np.array([3, 2, 3])] * 20
    first, coverage = train_word_vectors(texts, vocabulary, 4, epochs=2, seed=3)
    again, _ = train_word_vectors(texts, vocabulary, 4, epochs=2, seed=3)
    np.testing.assert_array_equal(first, again)  # one worker: the run repeats
    assert first.shape == (6, 4) and np.all(first[:2] == 0)
    assert coverage == {"words_found": 3, "vocabulary": 4, "share": 0.75}
    with pytest.raises(ValueError, match="nothing to learn vectors from"):
        train_word_vectors([np.array([0, 1])], vocabulary, 4)
    with pytest.raises(ValueError, match="`epochs` must be a positive integer.*epochs=0"):
        train_word_vectors(texts, vocabulary, 4, epochs=0)


@pytest.mark.parametrize(
    ("kind", "pooling"),
    [(k, "last") for k in ("lstm", "bilstm", "gru", "cnn_lstm", "bag_of_embeddings")]
    + [("bilstm", "max_mean"), ("gru", "max_mean")],
)
def test_text_classifiers_ignore_padding(kind, pooling):
    model = build_text_classifier(
        kind, vocabulary_size=30, num_classes=3, units=4, dropout=0, pooling=pooling
    )
    ids = np.array([[5, 6, 7, 8, 9, 10, 11]], "int32")
    padded = np.c_[ids, np.zeros((1, 5), "int32")]
    np.testing.assert_allclose(model(ids), model(padded), atol=1e-6)
    assert model.output_shape == (None, 3)


def test_keep_words_takes_the_start_or_the_end_of_each_text():
    ids = np.array([[5, 6, 7, 8, 0, 0], [1, 2, 0, 0, 0, 0], [3, 4, 5, 6, 7, 9]])
    assert np.asarray(KeepWords(3)(ids)).tolist() == [[5, 6, 7], [1, 2, 0], [3, 4, 5]]
    assert np.asarray(KeepWords(3, "end")(ids)).tolist() == [[6, 7, 8], [1, 2, 0], [6, 7, 9]]
    assert np.asarray(KeepWords(9, "end")(ids)).tolist() == ids.tolist()


def test_config_refusals():
    with pytest.raises(ValueError, match="at least one of"):
        sentiment.Config(models=("tfidf",))
    with pytest.raises(ValueError, match="only names from"):
        sentiment.Config(models=("bilstm", "transformer"))
    with pytest.raises(ValueError, match="max_length"):
        sentiment.Config(max_length=0)
    with pytest.raises(
        ValueError, match=r"\('word2vec', 'random'\). Received: embedding_init='glove'"
    ):
        sentiment.Config(embedding_init="glove")
    with pytest.raises(ValueError, match="`word2vec_epochs` must be a positive integer"):
        sentiment.Config(word2vec_epochs=0)
    with pytest.raises(ValueError, match="`max_length` sets the words read"):
        sentiment.Config().replace(training=dict(sequence_length=100))


def test_training_settings_live_in_one_section():
    config = sentiment.Config.fast(training=dict(verbose=0))
    assert config.training.max_epochs == 3 and config.training.initial_learn_rate == 0.003
    assert config.training.mini_batch_size == 64 and config.training.validation_patience == 1
    assert config.max_length == 80  # the fast variant's other changes are kept
    options = config.training.options()
    assert options.gradient_threshold == 1.0 and options.shuffle == "every-epoch"


def test_old_names_warn_and_map_to_the_training_section():
    with pytest.warns(FutureWarning, match="`learn_rate` is deprecated.*initial_learn_rate"):
        changes = parse_overrides(sentiment.Config, ["learn_rate=0.01"])
    assert changes == {"training.initial_learn_rate": 0.01}
    with pytest.warns(FutureWarning, match="`patience` is deprecated.*validation_patience"):
        config = sentiment.Config().replace(patience=3)
    assert config.training.validation_patience == 3


# -- the case study on real IMDB reviews --------------------------------------------------------


@pytest.fixture(scope="module")
def imdb_run(tmp_path_factory, shared_data):
    folder = tmp_path_factory.mktemp("runs") / "sentiment"
    keras.utils.set_random_seed(0)
    config = sentiment.Config.fast(training=dict(verbose=0))
    run = run_case_study("sentiment", config, folder)
    return run, folder


def test_fast_imdb_run_learns_and_compares_models(imdb_run):
    run, _ = imdb_run
    results = run.results
    assert run.data.sizes() == {"train": 2000, "validation": 500, "test": 500}
    assert list(results) == ["bilstm", "bag_of_embeddings", "tfidf"]
    assert run.best == "bilstm"
    assert results["bilstm"].accuracy > 0.65  # chance is 0.5 (balanced)
    assert results["tfidf"].accuracy > 0.75 and results["tfidf"].C in (1.0, 4.0, 16.0)
    assert results["bag_of_embeddings"].accuracy > 0.55
    assert 1 <= results["bilstm"].epochs <= 3
    # the metric names benchmarks and run folders rely on: macro-F1 and the F1 of each class
    per_model = {"accuracy", "macro_f1", "roc_auc", "train_seconds", "validation_accuracy"}
    assert set(run.metrics) == {
        "accuracy", "balanced_accuracy", "macro_f1", "f1_negative", "f1_positive", "roc_auc",
        "embedding_coverage", "word2vec_seconds", "margin_vs_baseline", "margin_low",
        "margin_high", *(f"{kind}_{key}" for kind in results for key in per_model),
    }  # fmt: skip
    f1 = [run.metrics["f1_negative"], run.metrics["f1_positive"]]
    assert run.metrics["macro_f1"] == pytest.approx(np.mean(f1))
    margin = run.metrics["bilstm_accuracy"] - run.metrics["tfidf_accuracy"]
    assert run.metrics["margin_vs_baseline"] == pytest.approx(margin)
    assert run.metrics["margin_low"] <= margin <= run.metrics["margin_high"]
    assert run.metrics["tfidf_accuracy"] == results["tfidf"].accuracy
    # The embedding starts from word2vec vectors learned on the 2,000 training reviews:
    # they already put "awful" nearer "terrible" than "great" (seen: 0.91 against 0.78).
    assert run.data.coverage > 0.99 and run.metrics["word2vec_seconds"] > 0
    assert run.metrics["embedding_coverage"] == run.data.coverage
    rows = [run.data.vocabulary.index(w) for w in ("awful", "terrible", "great")]
    awful, terrible, great = run.data.embeddings[rows] / np.linalg.norm(
        run.data.embeddings[rows], axis=1, keepdims=True
    )
    assert awful @ terrible > awful @ great
    # The saved model reads raw text and agrees with the network on word ids.
    assert run.metrics["accuracy"] == pytest.approx(results["bilstm"].accuracy)
    assert 0.5 < run.metrics["roc_auc"] <= 1


def test_imdb_run_folder_and_raw_text_prediction(imdb_run, capsys):
    run, folder = imdb_run
    for name in (
        "model.keras",
        "comparison.md",
        "report.md",
        "predictions/bilstm.csv",
        "predictions/bag_of_embeddings.csv",
        "predictions/tfidf.csv",
        "confident_mistakes.csv",
        "nearest_words.json",
        "figures/confusion_matrix.png",
        "figures/model_comparison.png",
        "figures/embedding_map.png",
    ):
        assert (folder / name).exists(), name
    mistakes = pd.read_csv(folder / "confident_mistakes.csv")
    assert len(mistakes) == 10 and (mistakes["label"] != mistakes["predicted"]).all()
    assert mistakes["probability"].is_monotonic_decreasing
    # every model's test predictions are kept, not only the kept model's
    tfidf = pd.read_csv(folder / "predictions" / "tfidf.csv")
    assert len(tfidf) == 500 and list(tfidf.columns[-2:]) == ["p_negative", "p_positive"]
    assert (tfidf["predicted"] == tfidf["label"]).mean() == pytest.approx(
        run.results["tfidf"].accuracy
    )
    # neighbours of frequent words of the run's own vocabulary that mark a class
    neighbours = json.loads((folder / "nearest_words.json").read_text())
    assert len(neighbours) >= 6 and set(neighbours) <= set(run.data.vocabulary[:2002])
    assert all(len(v) == 8 for v in neighbours.values())
    report = (folder / "report.md").read_text()
    assert "won" in report or "scored best" in report
    assert "F1 negative" in report and "bootstrap" in report

    loaded = keras.models.load_model(folder / "model.keras")
    texts = run.data.text_test[:20]
    np.testing.assert_allclose(
        text_probabilities(loaded, texts), text_probabilities(run.model, texts), atol=1e-6
    )
    assert main(["predict", str(folder), "An awful, boring waste of two hours."]) == 0
    ((key, label, probability),) = predicted_rows(capsys.readouterr().out)
    assert key == "An awful, boring waste of two..."
    assert label in ("negative", "positive") and 0.5 <= probability <= 1


def test_sample_input_reads_back_and_a_loaded_run_evaluates_and_draws(imdb_run, tmp_path):
    run, folder = imdb_run
    text = sentiment.sample_input(run, tmp_path)
    assert text.split() == run.data.text_test[0].split()
    assert (tmp_path / "review.txt").read_text(encoding="utf-8").strip() == text
    assert sentiment.read_inputs(text, run.config) == [text]
    ((label, probability),) = sentiment.predict(run, sentiment.read_inputs(text, run.config))
    best = run.predictions[0].argmax()
    assert label == run.class_names[best]
    assert probability == pytest.approx(run.predictions[0, best], abs=1e-5)

    # `lstm-apps evaluate`: a plain Run from the folder, the data loaded again
    module, loaded = load_run(folder, with_data=True)
    assert module is sentiment.study and loaded.predictions is None
    metrics = module.evaluate(loaded)
    for name in ("accuracy", "macro_f1", "f1_positive", "roc_auc", "embedding_coverage"):
        assert metrics[name] == pytest.approx(run.metrics[name], abs=1e-6), name
    assert "best_model" not in metrics  # the comparison belongs to the training run
    loaded.predictions = None
    paths = module.figures(loaded, tmp_path / "again" / "figures")
    # the history comes back from history.csv; the comparison belongs to the training run
    names = ["training_progress.png", "confusion_matrix.png", "embedding_map.png"]
    assert [p.name for p in paths] == names
    assert all(p.exists() for p in paths)
    assert (tmp_path / "again" / "confident_mistakes.csv").exists()


def test_predict_with_an_incomplete_run_folder(imdb_run, tmp_path, capsys):
    _, folder = imdb_run
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text((folder / "config.json").read_text())
    assert main(["predict", str(broken), "some text"]) == 2
    assert "has no model.keras" in capsys.readouterr().err


# -- retraining on a labelled Spanish file -------------------------------------------------


def test_custom_spanish_file_with_three_classes(tmp_path):
    rng = np.random.default_rng(0)
    good = ["¡Excelente servicio!", "Muy buena atención, gracias", "Me encantó el diseño"]
    bad = ["¿Por qué tardó tanto? Pésimo", "Llegó roto, qué decepción", "No funciona, malísimo"]
    meh = ["Está bien, sin más", "Normal, cumple lo que promete", "Ni bueno ni malo"]
    groups = ((good, "positiva"), (bad, "negativa"), (meh, "neutra"))
    rows = [(rng.choice(group), name) for _ in range(30) for group, name in groups]
    path = write_csv(tmp_path / "opiniones.csv", rows, columns=("opinión", "clase"))
    vectors = tmp_path / "vectores.vec"
    vectors.write_text(
        "2 8\nexcelente " + " ".join(["0.5"] * 8) + "\nroto " + " ".join(["-0.5"] * 8) + "\n",
        encoding="utf-8",
    )
    config = sentiment.Config(
        data=str(path), text_column="opinión", label_column="clase", models=("gru", "tfidf"),
        keep="end", max_length=3, pooling="max_mean", embedding_dropout=0.2,
        embeddings_path=str(vectors),
        units=8, embedding_dim=8,
    ).replace(training=dict(max_epochs=2, mini_batch_size=16, verbose=0))  # fmt: skip
    run = run_case_study("sentiment", config, tmp_path / "run")
    assert run.data.class_names == ["negativa", "neutra", "positiva"]
    assert run.data.sizes() == {"train": 64, "validation": 8, "test": 18}
    assert "pésimo" in run.data.vocabulary and "malísimo" in run.data.vocabulary
    assert run.metrics["tfidf_accuracy"] == 1.0  # the three groups share no words
    # Both words of the vector file are in the vocabulary, and the run reports it.
    assert run.data.words_found == 2
    assert run.metrics["embedding_coverage"] == 2 / (len(run.data.vocabulary) - 2)
    ((label, probability),) = sentiment.predict(run, "¡Excelente servicio!")
    assert label in run.data.class_names and 1 / 3 < probability <= 1
    # The saved model keeps the same last 3 words as the training ids did.
    np.testing.assert_allclose(
        text_probabilities(run.model, run.data.text_test),
        network_probabilities(run.networks["gru"], run.data.x_test),
        atol=1e-6,
    )
