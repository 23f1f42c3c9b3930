"""Data lookup order and the checked download, exercised with a file:// address."""

from __future__ import annotations

import hashlib

import pytest

from lstm_apps.data import sources


@pytest.fixture
def dirs(tmp_path, monkeypatch):
    data, cache = tmp_path / "data", tmp_path / "cache"
    monkeypatch.setenv(sources.DATA_DIR_ENV, str(data))
    monkeypatch.setenv(sources.CACHE_DIR_ENV, str(cache))
    return data, cache


def _remote(tmp_path, payload=b"1,2,3\n"):
    origin = tmp_path / "origin" / "file.csv"
    origin.parent.mkdir()
    origin.write_bytes(payload)
    return origin.as_uri(), hashlib.sha256(payload).hexdigest()


def test_download_checks_sha256_and_caches(tmp_path, dirs):
    url, digest = _remote(tmp_path)
    path = sources.find_file("set/file.csv", url=url, sha256=digest)
    assert path == dirs[1] / "set" / "file.csv" and path.read_bytes() == b"1,2,3\n"
    (tmp_path / "origin" / "file.csv").unlink()  # the cache answers from now on
    assert sources.find_file("set/file.csv", url=url, sha256=digest) == path


def test_bad_sha256_keeps_nothing(tmp_path, dirs):
    url, _ = _remote(tmp_path)
    with pytest.raises(ValueError, match="has sha256 .* expected 0000"):
        sources.find_file("set/file.csv", url=url, sha256="0000")
    assert not (dirs[1] / "set" / "file.csv").exists()
    assert not any((dirs[1] / "set").glob("*.part"))


def test_lookup_order(tmp_path, dirs):
    data, cache = dirs
    for root in (data, cache):
        (root / "set").mkdir(parents=True)
        (root / "set" / "f.txt").write_text(root.name)
    assert sources.find_file("set/f.txt").read_text() == "data"
    explicit = tmp_path / "mine.txt"
    explicit.write_text("mine")
    assert sources.find_file("set/f.txt", path=explicit).read_text() == "mine"
    (data / "set" / "f.txt").unlink()
    assert sources.find_file("set/f.txt").read_text() == "cache"


def test_missing_file_names_the_places_searched(dirs):
    with pytest.raises(FileNotFoundError, match="Searched:.*nothing.txt"):
        sources.find_file("nothing.txt")
    with pytest.raises(FileNotFoundError, match="No such data file"):
        sources.find_file("x", path="/no/such/file")
