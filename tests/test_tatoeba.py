"""Tatoeba English-Spanish pairs: the real shared copy, tokens, grouped splits, the download."""

from __future__ import annotations

import hashlib
import unicodedata
import zipfile

import numpy as np
import pandas as pd
import pytest
from conftest import real_file

from lstm_apps.data import sources, tatoeba

ROWS = 118_964
# Round-trip shares measured on the real file (2,000 first and 2,000 random lines per
# language, seed 0): 1.000 / 0.999 English, 1.000 / 0.9995 Spanish; the whole file:
# 99.966 % English, 99.972 % Spanish (the misses are mostly typos such as "área ." or
# curly apostrophes, which tokenize makes ASCII).
ROUND_TRIP_THRESHOLD = 0.998


@pytest.fixture(scope="module")
def real_zip(shared_data):
    return real_file(shared_data, f"{tatoeba.FOLDER}/{tatoeba.ZIP_NAME}")


@pytest.fixture(scope="module")
def pairs(real_zip):
    return tatoeba.tatoeba_pairs(download=False)  # found through LSTM_APPS_DATA_DIR


@pytest.fixture(scope="module")
def split(pairs):
    return tatoeba.group_split(pairs)


# --- the real shared copy ---------------------------------------------------------------


def test_shared_copy_matches_the_pinned_hashes(real_zip):
    assert sources.sha256_of(real_zip) == tatoeba.ZIP_SHA256
    with zipfile.ZipFile(real_zip) as zipped:
        assert sorted(zipped.namelist()) == ["spa-eng/", "spa-eng/_about.txt", tatoeba.MEMBER]
        text = zipped.read(tatoeba.MEMBER)
    assert hashlib.sha256(text).hexdigest() == tatoeba.TEXT_SHA256
    assert text.count(b"\n") == ROWS


def test_real_pairs(pairs):
    assert list(pairs.columns) == ["english", "spanish"] and len(pairs) == ROWS
    assert pairs.index.name == "line" and pairs.index.tolist() == list(range(1, ROWS + 1))
    assert pairs.iloc[0].tolist() == ["Go.", "Ve."] and pairs.loc[4].tolist() == ["Go.", "Váyase."]
    assert pairs["english"].iloc[-1].startswith("If you want to sound like a native speaker")
    assert pairs["english"].nunique() == 102_904  # as SOURCE.txt says
    for column in pairs.columns:
        values = pairs[column]
        assert values.map(type).eq(str).all() and values.str.len().min() > 0
        assert (values == values.str.strip()).all()


def test_every_path_form_reads_the_same_pairs(pairs, real_zip, tmp_path):
    assert tatoeba.tatoeba_pairs(real_zip.parent).equals(pairs)  # folder holding the zip
    text = tmp_path / tatoeba.TEXT_NAME
    with zipfile.ZipFile(real_zip) as zipped:
        text.write_bytes(zipped.read(tatoeba.MEMBER))
    assert tatoeba.tatoeba_pairs(text).equals(pairs)  # the extracted spa.txt
    assert tatoeba.tatoeba_pairs(tmp_path).equals(pairs)  # folder holding spa.txt


# --- tokens -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("¿Qué hora es?", ["¿", "Qué", "hora", "es", "?"]),
        ("¡Don't go!", ["¡", "Don't", "go", "!"]),
        ("I'm sure it's five o'clock.", ["I'm", "sure", "it's", "five", "o'clock", "."]),
        ("Mañana, pingüino: «sí».", ["Mañana", ",", "pingüino", ":", "«", "sí", "»", "."]),
        ('Di "por favor" (ahora).', ["Di", '"', "por", "favor", '"', "(", "ahora", ")", "."]),
        ("She's at her parents' house.", ["She's", "at", "her", "parents", "'", "house", "."]),
        ("It's 8:30 p.m.", ["It's", "8", ":", "30", "p", ".", "m", "."]),
        ("Un 9,4% - ¿Y?", ["Un", "9", ",", "4", "%", "-", "¿", "Y", "?"]),
    ],
)
def test_tokenize(text, tokens):
    assert tatoeba.tokenize(text) == tokens


def test_tokenize_normalizes_unicode_and_quotes():
    decomposed = "Cafe\u0301 y pin\u0303a"
    assert not unicodedata.is_normalized("NFC", decomposed)
    assert tatoeba.tokenize(decomposed) == tatoeba.tokenize("Café y piña") == ["Café", "y", "piña"]
    assert tatoeba.tokenize("I\u2019m \u201cfine\u201d \u2018ok\u2019") == tatoeba.tokenize(
        "I'm \"fine\" 'ok'"
    )
    assert tatoeba.tokenize("acusados \u200b\u200bfue") == ["acusados", "fue"]
    assert tatoeba.tokenize("¿ÁNGEL, Ñandú?", lowercase=True) == ["¿", "ángel", ",", "ñandú", "?"]


@pytest.mark.parametrize(
    "text",
    [
        "¿Qué hora es?",
        "«¿Te gusta la tarta?» «Sí.»",
        '"Look," she said.',
        'Tom dice "hola", ¿no?',
        "The words 'small' and 'little' are synonyms.",
        "¿P'aquí o pa' llevar?",
        "I have $300 and 3,198 pesos (about 3.5% more).",
        "The U.S. and EE.UU. at 2:00 p.m. on October 20, 2013.",
        "He's color-blind; she's thirty-four.",
        "Gano 100 € al día; I make €100 a day.",
        "—Hablas demasiado —dijo él.",
        "",
    ],
)
def test_detokenize_inverts_tokenize(text):
    assert tatoeba.detokenize(tatoeba.tokenize(text)) == text


def test_round_trip_on_real_sentences(pairs):
    rows = np.random.default_rng(0).choice(len(pairs), 2000, replace=False)
    for column in pairs.columns:
        for sample in (pairs[column].iloc[:2000], pairs[column].iloc[rows]):
            same = [tatoeba.detokenize(tatoeba.tokenize(s)) == s for s in sample]
            assert np.mean(same) >= ROUND_TRIP_THRESHOLD, (column, np.mean(same))


def test_token_arguments_are_checked():
    with pytest.raises(ValueError, match="`text` must be a str. Received: text=None"):
        tatoeba.tokenize(None)
    with pytest.raises(ValueError, match="Received: lowercase=1"):
        tatoeba.tokenize("Hola.", lowercase=1)
    with pytest.raises(ValueError, match="not one str. Received: 'Hola'"):
        tatoeba.detokenize("Hola")
    with pytest.raises(ValueError, match="only str. Received: 3"):
        tatoeba.detokenize(["Hola", 3])


# --- grouped splits -----------------------------------------------------------------------


def _frame(rows):
    return pd.DataFrame(rows, columns=["english", "spanish"])


def test_sentence_groups_follow_chains():
    frame = _frame([("A", "x"), ("A", "y"), ("B", "y"), ("C", "z"), ("D", "w"), ("E", "w ")])
    assert tatoeba.sentence_groups(frame).tolist() == [0, 0, 0, 1, 2, 2]
    chain = _frame([("A", "x"), ("B", "y"), ("C", "z"), ("C", "x"), ("B", "z")])  # closes late
    assert tatoeba.sentence_groups(chain).tolist() == [0] * 5


def test_real_components(pairs):
    groups = tatoeba.sentence_groups(pairs)
    sizes = np.bincount(groups)
    assert groups.dtype == np.int64 and len(groups) == ROWS
    assert len(sizes) == 97_780 and sizes.max() == 40 and (sizes == 1).sum() == 83_551
    for column in pairs.columns:  # one sentence, one component
        assert pd.Series(groups).groupby(pairs[column].to_numpy()).nunique().max() == 1


def test_real_split_keeps_sentences_apart(pairs, split):
    counts = pd.Series(split).value_counts().to_dict()
    assert counts == {"train": ROWS - 4000, "val": 2000, "test": 2000}
    for column in pairs.columns:
        sets = {name: set(pairs[column][split == name]) for name in tatoeba.SPLITS}
        assert not sets["train"] & sets["val"] and not sets["train"] & sets["test"]
        assert not sets["val"] & sets["test"]


def test_split_is_seeded(pairs, split):
    assert np.array_equal(tatoeba.group_split(pairs, seed=0), split)
    other = tatoeba.group_split(pairs, test_size=500, val_size=300, seed=1)
    assert (other == "test").sum() == 500 and (other == "val").sum() == 300
    assert not np.array_equal(other == "test", tatoeba.group_split(pairs, test_size=500) == "test")


def test_split_of_a_small_frame_keeps_components_whole():
    frame = _frame([("A", "x"), ("A", "y"), ("B", "y")] + [(f"S{i}", f"s{i}") for i in range(7)])
    groups = tatoeba.sentence_groups(frame)
    for seed in range(20):
        split = tatoeba.group_split(frame, test_size=2, val_size=1, seed=seed)
        for group in np.unique(groups):
            assert len(set(split[groups == group])) == 1  # a component is never cut
        test, val = (split == "test").sum(), (split == "val").sum()
        assert 2 <= test < 2 + 3 and val == 1  # over by less than one component (size 3)


def test_split_arguments_are_checked():
    frame = _frame([("A", "x"), ("B", "y"), ("C", "z")])
    with pytest.raises(ValueError, match="Received: test_size=-1"):
        tatoeba.group_split(frame, test_size=-1)
    with pytest.raises(ValueError, match="Received: val_size=1.5"):
        tatoeba.group_split(frame, val_size=1.5)
    with pytest.raises(ValueError, match="must leave training rows.*test_size=2, val_size=1"):
        tatoeba.group_split(frame, test_size=2, val_size=1)
    chained = _frame([("A", "x"), ("A", "y"), ("B", "y")])
    with pytest.raises(ValueError, match="too large: no row is left for training"):
        tatoeba.group_split(chained, test_size=2, val_size=0)
    with pytest.raises(ValueError, match=r"columns \['english', 'spanish'\].*\['en', 'es'\]"):
        tatoeba.sentence_groups(pd.DataFrame(columns=["en", "es"]))
    with pytest.raises(ValueError, match="only str. Received: nan at row 1"):
        tatoeba.sentence_groups(_frame([("A", "x"), (float("nan"), "y")]))


# --- bad files ----------------------------------------------------------------------------


def test_bad_files_name_the_problem(tmp_path):
    with pytest.raises(FileNotFoundError, match="Received: path='.*absent.txt'"):
        tatoeba.tatoeba_pairs(tmp_path / "absent.txt")
    with pytest.raises(FileNotFoundError, match="folder holding one of them"):
        tatoeba.tatoeba_pairs(tmp_path)  # an empty folder
    bad = tmp_path / "bad.txt"
    cases = [
        ("Go.\tVe.\nHi. Hola.\n", r"line 2: expected 'English<TAB>Spanish'.*'Hi. Hola.'"),
        ("Go.\tVe.\tCC-BY\n", r"line 1: .*exactly one tab.*'Go.\\tVe.\\tCC-BY'"),
        ("Go.\tVe.\n\nRun!\t  \n", r"line 3: the Spanish sentence is empty.*'Run!\\t  '"),
        ("\n \n", "holds no sentence pairs"),
    ]
    for text, message in cases:
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(ValueError, match=message):
            tatoeba.tatoeba_pairs(bad)
    bad.write_bytes("Go.\tVé.\n".encode("latin-1"))
    with pytest.raises(ValueError, match="is not UTF-8 text"):
        tatoeba.tatoeba_pairs(bad)
    empty_zip = tmp_path / "spa-eng.zip"
    with zipfile.ZipFile(empty_zip, "w") as zipped:
        zipped.writestr("spa-eng/_about.txt", "notes")
    with pytest.raises(ValueError, match=r"must hold one spa.txt.*Received: 0 such members"):
        tatoeba.tatoeba_pairs(empty_zip)


def test_blank_lines_keep_the_line_numbers(tmp_path):
    text = tmp_path / "spa.txt"
    text.write_text(" Go. \t Ve.\r\n\nHi.\tHola.\n", encoding="utf-8")
    table = tatoeba.tatoeba_pairs(text)
    assert table.index.tolist() == [1, 3]
    assert table.to_numpy().tolist() == [["Go.", "Ve."], ["Hi.", "Hola."]]


# --- the checked download, from a file:// zip --------------------------------------------

LINES = "Go.\tVe.\nGo.\tVete.\nHi.\tHola.\nI'm fine.\t¡Estoy bien!\n"


@pytest.fixture
def dirs(tmp_path, monkeypatch):
    data, cache = tmp_path / "data", tmp_path / "cache"
    data.mkdir()
    monkeypatch.setenv(sources.DATA_DIR_ENV, str(data))
    monkeypatch.setenv(sources.CACHE_DIR_ENV, str(cache))
    return data, cache


def _official_like_zip(tmp_path, text=LINES):
    path = tmp_path / "origin" / tatoeba.ZIP_NAME
    path.parent.mkdir(parents=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("spa-eng/", b"")
        zipped.writestr("spa-eng/_about.txt", "** Info **\n")
        zipped.writestr(tatoeba.MEMBER, text.encode("utf-8"))
    return path, hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_download_is_checked_cached_and_read_back(tmp_path, dirs):
    archive, sha = _official_like_zip(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"Searched: \[.*data/spa_eng_tatoeba.*cache/"):
        tatoeba.tatoeba_pairs(url=archive.as_uri(), sha256=sha, download=False)
    first = tatoeba.tatoeba_pairs(url=archive.as_uri(), sha256=sha)
    cached = dirs[1] / tatoeba.FOLDER / tatoeba.TEXT_NAME
    assert [p.name for p in cached.parent.iterdir()] == [tatoeba.TEXT_NAME]  # no staged file
    assert cached.read_text(encoding="utf-8") == LINES
    assert first["spanish"].tolist() == ["Ve.", "Vete.", "Hola.", "¡Estoy bien!"]
    archive.unlink()  # the cache answers from now on, with no URL at all
    assert tatoeba.tatoeba_pairs(url=None, download=False).equals(first)


def test_tampered_download_keeps_nothing(tmp_path, dirs):
    archive, sha = _official_like_zip(tmp_path, LINES.replace("Hola", "Adiós"))
    with pytest.raises(ValueError, match=f"sha256 {sha}, expected {tatoeba.TEXT_SHA256}"):
        tatoeba.tatoeba_pairs(url=archive.as_uri())
    _, good = _official_like_zip(tmp_path / "other")
    with pytest.raises(ValueError, match="Nothing was kept"):
        tatoeba.fetch(archive.as_uri(), good, progress=False)
    assert not (dirs[1] / tatoeba.FOLDER).exists()


def test_unreachable_or_wrong_download(tmp_path, dirs):
    with pytest.raises(sources.DownloadError, match="Could not download spa-eng.zip"):
        tatoeba.tatoeba_pairs(url=(tmp_path / "absent.zip").as_uri())
    page = tmp_path / "page.zip"
    page.write_text("<html>not a zip</html>")
    with pytest.raises(ValueError, match="is not a zip archive"):
        tatoeba.tatoeba_pairs(url=page.as_uri())
    assert not (dirs[1] / tatoeba.FOLDER).exists()


def test_data_dir_comes_before_the_cache(tmp_path, dirs):
    data, cache = dirs
    for root, text in ((data, "Go.\tVe.\n"), (cache, "Hi.\tHola.\n")):
        (root / tatoeba.FOLDER).mkdir(parents=True)
        (root / tatoeba.FOLDER / tatoeba.TEXT_NAME).write_text(text, encoding="utf-8")
    assert tatoeba.tatoeba_pairs(download=False)["english"].tolist() == ["Go."]
    (data / tatoeba.FOLDER / tatoeba.TEXT_NAME).unlink()
    assert tatoeba.tatoeba_pairs(download=False)["english"].tolist() == ["Hi."]
