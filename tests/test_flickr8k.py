"""Flickr8k captions and image reading: the real shared copy, bad input, the checked download."""

from __future__ import annotations

import logging
import zipfile

import numpy as np
import pytest
from conftest import real_file
from PIL import Image

from lstm_apps.data import flickr8k, sources
from lstm_apps.data.images import read_image, read_images

QUIRK = "2258277193_586949ec62.jpg"


@pytest.fixture(scope="module")
def real_folder(shared_data):
    return real_file(shared_data, "flickr8k/Flickr8k.token.txt").parent


@pytest.fixture(scope="module")
def data(real_folder):
    return flickr8k.load_flickr8k()  # found through LSTM_APPS_DATA_DIR


# --- the real shared copy ---------------------------------------------------------------


def test_caption_file_matches_the_original(real_folder):
    token = real_folder / flickr8k.TOKEN_FILE
    assert sources.sha256_of(token) == flickr8k.TOKEN_SHA256
    captions = flickr8k.read_captions(token)
    assert len(captions) == 8092
    assert sum(len(c) for c in captions.values()) == 40_460
    assert {len(c) for c in captions.values()} == {5}
    # the quirk key "...jpg.1" is read without its ".1"
    assert QUIRK in captions and not any(name.endswith(".1") for name in captions)
    assert captions[QUIRK][0] == "people waiting for the subway"


def test_splits_keep_only_present_images(data, real_folder):
    assert data.folder == real_folder
    assert {k: len(v) for k, v in data.splits.items()} == {"train": 753, "dev": 113, "test": 125}
    assert data.dropped == {"train": 5247, "dev": 887, "test": 875}
    assert len(data.captions) == 1000 and data.missing == 8092 - 1000
    assert QUIRK not in data.captions  # no such image file
    assert {len(c) for c in data.captions.values()} == {5}
    names = [n for split in data.splits.values() for n in split]
    assert len(set(names)) == len(names) == 991
    assert all(data.image_path(n).is_file() for n in names)


def test_captions_alone_keep_the_full_splits(real_folder):
    full = flickr8k.load_flickr8k(real_folder, images_only_present=False)
    assert {k: len(v) for k, v in full.splits.items()} == {"train": 6000, "dev": 1000, "test": 1000}
    assert len(full.captions) == 8092 and full.missing == 7092


def test_missing_images_raise_on_request(real_folder):
    with pytest.raises(ValueError, match=r"7092 images .* are missing .*on_missing='drop'"):
        flickr8k.load_flickr8k(real_folder, on_missing="raise")
    with pytest.raises(ValueError, match="`on_missing` must be one of .* Received: on_missing='x'"):
        flickr8k.load_flickr8k(real_folder, on_missing="x")


def test_caption_pairs(data):
    names, captions = flickr8k.caption_pairs(data, "dev")
    assert len(names) == len(captions) == 113 * 5
    assert names[:5] == [data.splits["dev"][0]] * 5
    assert captions[:5] == data.captions[data.splits["dev"][0]]
    with pytest.raises(ValueError, match="Received: split='val'"):
        flickr8k.caption_pairs(data, "val")


def test_real_jpegs_read_at_a_fixed_size(data):
    paths = data.image_paths(data.splits["test"][:4])
    images, kept, skipped = read_images(paths, size=(64, 48))
    assert images.shape == (4, 64, 48, 3) and images.dtype == np.uint8
    assert kept == paths and skipped == []
    np.testing.assert_array_equal(images[0], read_image(paths[0], size=(64, 48)))
    gray = read_image(paths[0], size=(32, 32), channels=1)
    assert gray.shape == (32, 32, 1)


# --- bad input -------------------------------------------------------------------------


def _folder(tmp_path, token_text, images=("a.jpg", "b.jpg")):
    folder = tmp_path / "f8k"
    (folder / "images").mkdir(parents=True)
    (folder / flickr8k.TOKEN_FILE).write_text(token_text)
    for split, name in flickr8k.SPLIT_FILES.items():
        (folder / name).write_text(
            {"train": "a.jpg\nc.jpg\n", "dev": "b.jpg\n"}.get(split, "a.jpg")
        )
    for name in images:
        Image.new("RGB", (8, 8), (200, 10, 10)).save(folder / "images" / name)
    return folder


TOKENS = "".join(
    f"{n}#{i}\t{n} caption {i}\n" for n in ("a.jpg", "b.jpg", "c.jpg") for i in range(2)
)


def test_empty_caption_file(tmp_path):
    folder = _folder(tmp_path, "\n\n")
    with pytest.raises(ValueError, match=r"caption file .*Flickr8k.token.txt holds no captions"):
        flickr8k.load_flickr8k(folder)


@pytest.mark.parametrize(
    "line", ["a.jpg#2 no tab here", "a.jpg\tno index", "a.jpg#x\tbad index", "a.jpg#2\t  "]
)
def test_malformed_line_is_named(tmp_path, line):
    folder = _folder(tmp_path, TOKENS + line + "\n")
    with pytest.raises(ValueError, match=r"line 7: expected 'IMAGE#N<TAB>caption'"):
        flickr8k.read_captions(folder / flickr8k.TOKEN_FILE)


def test_missing_images_dropped_or_raised(tmp_path, caplog):
    folder = _folder(tmp_path, TOKENS)  # c.jpg has captions and a split entry, but no file
    with caplog.at_level(logging.INFO, logger="lstm_apps.data.flickr8k"):
        data = flickr8k.load_flickr8k(folder)
    assert "Dropped 1 images missing" in caplog.text
    assert data.splits == {"train": ["a.jpg"], "dev": ["b.jpg"], "test": ["a.jpg"]}
    assert set(data.captions) == {"a.jpg", "b.jpg"} and data.missing == 1
    with pytest.raises(ValueError, match=r"1 images .* missing .*\['c.jpg'\]"):
        flickr8k.load_flickr8k(folder, on_missing="raise")


def test_folder_errors(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="must be a folder holding Flickr8k.token.txt"):
        flickr8k.load_flickr8k(tmp_path)
    monkeypatch.setenv(sources.DATA_DIR_ENV, str(tmp_path / "data"))
    monkeypatch.setenv(sources.CACHE_DIR_ENV, str(tmp_path / "cache"))
    with pytest.raises(FileNotFoundError, match="Searched: .*data/flickr8k"):
        flickr8k.load_flickr8k(download=False)


def test_corrupt_image_skipped_or_raised(tmp_path, caplog):
    good = tmp_path / "good.jpg"
    Image.new("RGB", (20, 10), (0, 128, 255)).save(good)
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8 this is not a JPEG " * 10)
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(good.read_bytes()[:60])
    with caplog.at_level(logging.WARNING, logger="lstm_apps.data.images"):
        images, kept, skipped = read_images([good, bad, truncated], size=(16, 16))
    assert images.shape == (1, 16, 16, 3) and kept == [good]
    assert [p for p, _ in skipped] == [bad, truncated]
    assert "Skipped 2 of 3 images" in caplog.text and "bad.jpg, truncated.jpg" in caplog.text
    with pytest.raises(ValueError, match="Cannot read the image .*bad.jpg"):
        read_images([good, bad], size=(16, 16), on_error="raise")
    with pytest.raises(ValueError, match="Cannot read the image .*truncated.jpg"):
        read_image(truncated, size=(16, 16))


def test_other_modes_become_three_channels(tmp_path, caplog):
    gray = tmp_path / "gray.png"
    Image.new("L", (12, 12), 90).save(gray)
    rgba = tmp_path / "rgba.png"
    Image.new("RGBA", (12, 12), (255, 0, 0, 0)).save(rgba)  # fully transparent red
    cmyk = tmp_path / "cmyk.jpg"
    Image.new("CMYK", (12, 12), (0, 0, 0, 0)).save(cmyk)
    palette = tmp_path / "palette.png"
    Image.new("RGB", (12, 12), (0, 255, 0)).convert("P").save(palette)
    with caplog.at_level(logging.INFO, logger="lstm_apps.data.images"):
        images, kept, _ = read_images([gray, rgba, cmyk, palette], size=(8, 8))
    assert images.shape == (4, 8, 8, 3) and len(kept) == 4
    assert (images[0] == 90).all()
    assert (images[1] == 255).all()  # transparency composited over white
    assert (images[2] > 250).all()  # CMYK all zero is white
    assert (images[3] == [0, 255, 0]).all()
    assert "Converted 4 of 4 images to 3 channel(s)" in caplog.text


def test_image_arguments_are_checked(tmp_path):
    with pytest.raises(ValueError, match=r"`size` must be .* Received: size=\(0, 4\)"):
        read_image(tmp_path / "x.png", size=(0, 4))
    with pytest.raises(ValueError, match="`channels` must be 1 or 3. Received: channels=4"):
        read_image(tmp_path / "x.png", size=(4, 4), channels=4)
    with pytest.raises(FileNotFoundError, match="No such image file"):
        read_image(tmp_path / "x.png", size=(4, 4))
    with pytest.raises(ValueError, match="Received: on_error='ignore'"):
        read_images([], size=(4, 4), on_error="ignore")
    images, kept, skipped = read_images([tmp_path / "x.png"], size=(4, 5))
    assert images.shape == (0, 4, 5, 3) and kept == [] and len(skipped) == 1


# --- the checked download, from file:// zips -------------------------------------------


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.delenv(sources.DATA_DIR_ENV, raising=False)
    monkeypatch.setenv(sources.CACHE_DIR_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def _text_zip(tmp_path, real_folder, token_bytes):
    path = tmp_path / "Flickr8k_text.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr(flickr8k.TOKEN_FILE, token_bytes)
        zipped.writestr(f"__MACOSX/._{flickr8k.TOKEN_FILE}", b"resource fork")
        for name in flickr8k.SPLIT_FILES.values():
            zipped.write(real_folder / name, name)
    return path.as_uri()


def test_fetch_accepts_the_original_captions(tmp_path, real_folder, data, cache):
    names = data.splits["train"][:2] + data.splits["test"][:1]
    images = tmp_path / "Flickr8k_Dataset.zip"
    with zipfile.ZipFile(images, "w") as zipped:
        for name in names:
            zipped.write(data.image_path(name), f"Flicker8k_Dataset/{name}")
        zipped.writestr(f"__MACOSX/Flicker8k_Dataset/._{names[0]}", b"resource fork")
    token = (real_folder / flickr8k.TOKEN_FILE).read_bytes()
    text_url = _text_zip(tmp_path, real_folder, token)
    folder = flickr8k.fetch(text_url=text_url, images_url=images.as_uri(), progress=False)
    assert folder == cache / "flickr8k"
    assert sorted(p.name for p in (folder / "images").iterdir()) == sorted(names)
    assert [p.name for p in cache.iterdir()] == ["flickr8k"]  # no temporary folder left
    cached = flickr8k.load_flickr8k(download=False)  # now found in the cache
    assert cached.folder == folder
    assert {k: len(v) for k, v in cached.splits.items()} == {"train": 2, "dev": 0, "test": 1}


def test_fetch_refuses_a_tampered_caption_file(tmp_path, real_folder, cache):
    token = (real_folder / flickr8k.TOKEN_FILE).read_bytes().replace(b"pink dress", b"red dress")
    text_url = _text_zip(tmp_path, real_folder, token)
    never = (tmp_path / "no-such-images.zip").as_uri()  # never reached
    with pytest.raises(ValueError, match="has sha256 .* expected 1e1f3a37.*Nothing was kept"):
        flickr8k.fetch(text_url=text_url, images_url=never, progress=False)
    assert list(cache.iterdir()) == []
