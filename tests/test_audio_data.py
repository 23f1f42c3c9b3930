"""Audio reading and writing, the FSDD loader and its checked download, composed utterances."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
import soundfile
from conftest import real_file

from lstm_apps.data import fsdd, sources
from lstm_apps.data.audio import audio_sample_rate, read_audio, write_wav
from lstm_apps.tasks.speech.utterances import compose_utterances, long_recording

FIRST = "fsdd/recordings/0_george_0.wav"


@pytest.fixture(scope="module")
def recordings(shared_data):
    return real_file(shared_data, FIRST).parent


# --- audio files -----------------------------------------------------------------------


def test_real_recording_reads_as_mono_float(recordings):
    path = recordings / "0_george_0.wav"
    wave = read_audio(path)
    raw, rate = soundfile.read(path, dtype="int16")
    assert rate == audio_sample_rate(path) == 8000
    assert wave.dtype == np.float32 and wave.shape == raw.shape and wave.ndim == 1
    np.testing.assert_allclose(wave, raw / 32768.0, atol=1e-7)
    assert np.abs(wave).max() <= 1.0
    doubled = read_audio(path, sample_rate=16000)
    assert abs(doubled.size - 2 * wave.size) <= 1
    assert read_audio(path, sample_rate=8000).size == wave.size


def _peak_hz(wave, rate):
    spectrum = np.abs(np.fft.rfft(wave * np.hanning(wave.size)))
    return np.fft.rfftfreq(wave.size, 1 / rate)[spectrum.argmax()]


def test_resampling_keeps_a_tone(tmp_path):
    t = np.arange(8000) / 8000
    path = write_wav(tmp_path / "tone.wav", 0.5 * np.sin(2 * np.pi * 440 * t), 8000)
    wave = read_audio(path, sample_rate=16000)
    assert abs(wave.size - 16000) <= 1
    assert abs(_peak_hz(wave, 16000) - 440) <= 2
    assert abs(np.abs(wave).max() - 0.5) < 0.02


def test_stereo_is_averaged_to_mono(tmp_path):
    left = np.linspace(-0.5, 0.5, 400)
    path = tmp_path / "stereo.flac"
    soundfile.write(path, np.stack([left, 0.25 * np.ones(400)], axis=1), 8000, subtype="PCM_16")
    wave = read_audio(path)
    assert wave.shape == (400,)
    np.testing.assert_allclose(wave, (left + 0.25) / 2, atol=1e-4)


def test_bad_audio_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="No such audio file: .*missing.wav"):
        read_audio(tmp_path / "missing.wav")
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty.wav is empty \(0 bytes\)"):
        read_audio(tmp_path / "empty.wav")
    (tmp_path / "text.wav").write_text("this is not audio at all\n" * 20)
    with pytest.raises(ValueError, match=r"Cannot read .*text.wav as audio: .*\S"):
        read_audio(tmp_path / "text.wav")
    soundfile.write(tmp_path / "silent.wav", np.zeros(0), 8000)
    with pytest.raises(ValueError, match="silent.wav holds no samples"):
        read_audio(tmp_path / "silent.wav")
    with pytest.raises(ValueError, match="not a folder"):
        read_audio(tmp_path)


@pytest.mark.parametrize("rate", [0, -8000, 16000.0, True, "16000"])
def test_sample_rate_must_be_a_positive_int(recordings, tmp_path, rate):
    with pytest.raises(ValueError, match=rf"positive integer .*Received: sample_rate={rate!r}"):
        read_audio(recordings / "0_george_0.wav", sample_rate=rate)
    with pytest.raises(ValueError, match="Received: sample_rate="):
        write_wav(tmp_path / "x.wav", np.zeros(4), rate)


def test_write_wav_checks_and_clips(tmp_path):
    path = write_wav(tmp_path / "sub" / "loud.wav", [0.0, 2.0, -3.0, 0.5], 8000)
    info = soundfile.info(path)
    assert (info.samplerate, info.channels, info.subtype) == (8000, 1, "PCM_16")
    np.testing.assert_allclose(read_audio(path), [0.0, 1.0, -1.0, 0.5], atol=1e-4)
    with pytest.raises(ValueError, match=r"non-empty 1-D .*shape \(2, 2\)"):
        write_wav(tmp_path / "x.wav", np.zeros((2, 2)), 8000)
    with pytest.raises(ValueError, match="finite"):
        write_wav(tmp_path / "x.wav", [0.0, np.nan], 8000)


# --- FSDD: the shared copy -------------------------------------------------------------


def test_shared_copy_matches_the_checksum(recordings):
    assert fsdd.recordings_checksum(recordings) == fsdd.RECORDINGS_SHA256


def test_index_and_official_split(recordings):
    assert fsdd.fsdd_folder(download=False) == recordings  # through LSTM_APPS_DATA_DIR
    table = fsdd.fsdd_index(recordings)
    assert list(table.columns) == ["path", "digit", "speaker", "index"]
    assert len(table) == 3000 and table["path"].is_unique
    assert table["speaker"].value_counts().to_dict() == dict.fromkeys(fsdd.SPEAKERS, 500)
    assert sorted(table["digit"].unique()) == list(range(10))
    assert table["index"].between(0, 49).all()
    assert table.iloc[0].tolist()[1:] == [0, "george", 0]
    mask = fsdd.official_split(table)
    assert mask.dtype == bool and mask.sum() == 300
    assert set(table.loc[mask, "index"]) == set(range(5))


def test_index_errors(tmp_path, recordings):
    with pytest.raises(FileNotFoundError, match="No such folder"):
        fsdd.fsdd_index(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="holds no .wav recordings"):
        fsdd.fsdd_index(tmp_path)
    (tmp_path / "3_theo_7.wav").write_bytes((recordings / "3_theo_7.wav").read_bytes())
    (tmp_path / "notes.txt").write_text("ignored")
    assert fsdd.fsdd_index(tmp_path)[["digit", "speaker", "index"]].values.tolist() == [
        [3, "theo", 7]
    ]
    (tmp_path / "three_theo.wav").write_bytes(b"x")
    with pytest.raises(ValueError, match=r"\{digit\}_\{speaker\}_\{index\}.*three_theo.wav"):
        fsdd.fsdd_index(tmp_path)
    with pytest.raises(ValueError, match="'index' column"):
        fsdd.official_split([1, 2])


def test_explicit_path(tmp_path, recordings):
    assert fsdd.fsdd_folder(recordings) == recordings
    assert fsdd.fsdd_folder(recordings.parent) == recordings
    with pytest.raises(FileNotFoundError, match="Received: path="):
        fsdd.fsdd_folder(tmp_path)


# --- FSDD: the checked download, from a file:// zip ------------------------------------

NAMES = [f"{d}_{s}_{i}.wav" for d in (1, 7) for s in ("jackson", "yweweler") for i in (0, 3, 40)]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.delenv(sources.DATA_DIR_ENV, raising=False)
    monkeypatch.setenv(sources.CACHE_DIR_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def _archive(tmp_path, recordings, tamper=False):
    top = f"free-spoken-digit-dataset-{fsdd.COMMIT}"
    path = tmp_path / "fsdd.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr(f"{top}/", b"")
        zipped.writestr(f"{top}/recordings/", b"")
        zipped.writestr(f"{top}/README.md", b"# FSDD\n")
        zipped.writestr(f"{top}/acquire_data/say.wav", b"not a recording")
        for number, name in enumerate(NAMES):
            data = (recordings / name).read_bytes()
            if tamper and number == 5:
                data = data[:-2] + bytes([data[-2] ^ 1, data[-1]])
            zipped.writestr(f"{top}/recordings/{name}", data)
    return path


def test_download_extracts_checks_and_caches(tmp_path, recordings, cache):
    expected = tmp_path / "expected"
    expected.mkdir()
    for name in NAMES:
        (expected / name).write_bytes((recordings / name).read_bytes())
    sha = fsdd.recordings_checksum(expected)
    archive = _archive(tmp_path, recordings)
    with pytest.raises(FileNotFoundError, match=r"Searched: \[.*cache/fsdd/recordings"):
        fsdd.fsdd_folder(url=archive.as_uri(), sha256=sha, download=False)
    folder = fsdd.fsdd_folder(url=archive.as_uri(), sha256=sha)
    assert folder == cache / "fsdd" / "recordings"
    assert sorted(p.name for p in folder.iterdir()) == sorted(NAMES)
    assert [p.name for p in (cache / "fsdd").iterdir()] == ["recordings"]  # no temporary folder
    archive.unlink()
    assert fsdd.fsdd_folder(url=archive.as_uri(), sha256=sha) == folder  # no second download
    assert len(fsdd.fsdd_index(folder)) == 12


def test_tampered_download_keeps_nothing(tmp_path, recordings, cache):
    url = _archive(tmp_path, recordings, tamper=True).as_uri()
    with pytest.raises(
        ValueError, match=f"checksum [0-9a-f]{{64}}, expected {fsdd.RECORDINGS_SHA256}"
    ):
        fsdd.fsdd_folder(url=url)
    assert not (cache / "fsdd").exists()


def test_bad_download_never_replaces_a_good_cache(tmp_path, recordings, cache):
    good = cache / "fsdd" / "recordings"
    good.mkdir(parents=True)
    (good / "0_theo_0.wav").write_bytes(b"kept")
    url = _archive(tmp_path, recordings, tamper=True).as_uri()
    with pytest.raises(ValueError, match="Nothing was kept"):
        fsdd.fetch(url, progress=False)
    assert [p.name for p in (cache / "fsdd").iterdir()] == ["recordings"]
    assert (good / "0_theo_0.wav").read_bytes() == b"kept"


def test_unreachable_or_wrong_archive(tmp_path, cache):
    with pytest.raises(sources.DownloadError, match="Could not download the FSDD archive"):
        fsdd.fsdd_folder(url=(tmp_path / "absent.zip").as_uri())
    (tmp_path / "page.zip").write_text("<html>not a zip</html>")
    with pytest.raises(ValueError, match="is not a zip archive"):
        fsdd.fsdd_folder(url=(tmp_path / "page.zip").as_uri())
    assert not (cache / "fsdd").exists()


# --- composed utterances ---------------------------------------------------------------


@pytest.fixture(scope="module")
def pool(recordings):
    names = [f"{d}_lucas_{i}.wav" for d in range(10) for i in (5, 6)]
    return [read_audio(recordings / n) for n in names], [int(n[0]) for n in names]


def test_utterances_are_consistent(pool):
    waves, digits = pool
    data = compose_utterances(waves, digits, 30, min_digits=1, max_digits=4, seed=3)
    assert len(data) == 30 and data.sample_rate == 8000
    sizes = set()
    for wave, labels, spans in zip(data.waveforms, data.labels, data.spans, strict=True):
        assert wave.dtype == np.float32 and wave.ndim == 1 and np.abs(wave).max() <= 1.0
        assert spans.shape == (len(labels), 2) and 1 <= len(labels) <= 4
        assert np.issubdtype(labels.dtype, np.integer) and set(labels) <= set(range(10))
        lengths = spans[:, 1] - spans[:, 0]
        assert all(length in {w.size for w in waves} for length in lengths)
        gaps = np.diff(np.concatenate([[0], spans.ravel(), [wave.size]]))[::2]
        assert (gaps >= 0.05 * 8000 - 1).all() and (gaps <= 0.4 * 8000 + 1).all()
        sizes.add(len(labels))
    assert sizes == {1, 2, 3, 4}


def test_utterances_are_deterministic(pool):
    waves, digits = pool
    a = compose_utterances(waves, digits, 5, seed=7)
    b = compose_utterances(waves, digits, 8, seed=7)
    c = compose_utterances(waves, digits, 5, seed=8)
    for x, y in zip(a.waveforms, b.waveforms[:5], strict=True):
        np.testing.assert_array_equal(x, y)
    assert [lab.tolist() for lab in a.labels] == [lab.tolist() for lab in b.labels[:5]]
    assert [lab.tolist() for lab in a.labels] != [lab.tolist() for lab in c.labels]


@pytest.mark.parametrize("noise", ["white", "pink"])
def test_noise_has_the_asked_snr(noise):
    tone = 0.1 * np.sin(2 * np.pi * 300 * np.arange(4000) / 8000)  # speech power 0.005
    data = compose_utterances(
        [tone], [4], 3, min_digits=3, max_digits=3, pause=(0.1, 0.1), noise_snr_db=(15, 15),
        noise=noise,
    )  # fmt: skip
    wave, spans = data.waveforms[0], data.spans[0]
    clean = np.zeros(wave.size)
    for start, end in spans:
        clean[start:end] = tone
    snr = 10 * np.log10(np.mean(tone**2) / np.mean((wave - clean) ** 2))
    assert abs(snr - 15) < 0.3
    quiet = compose_utterances([tone], [4], 1, pause=(0.1, 0.1), noise_snr_db=None)
    start, end = quiet.spans[0][0]
    np.testing.assert_allclose(quiet.waveforms[0][start:end], tone, atol=1e-7)
    assert not quiet.waveforms[0][:start].any()


def test_long_recording(pool):
    waves, digits = pool
    data = long_recording(waves[:3], digits[:3], pause=0.25)
    assert len(data) == 1 and data.labels[0].tolist() == digits[:3]
    gap = 2000
    assert data.waveforms[0].size == sum(w.size for w in waves[:3]) + 4 * gap
    assert data.spans[0][0].tolist() == [gap, gap + waves[0].size]
    np.testing.assert_allclose(data.waveforms[0][gap : gap + waves[0].size], waves[0], atol=1e-7)
    noisy = long_recording(waves[:3], digits[:3], noise_snr_db=20, seed=1)
    assert noisy.waveforms[0][:gap].std() > 0
    with pytest.raises(ValueError, match="Received: pause=-1"):
        long_recording(waves, digits, pause=-1)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"count": 0}, "`count` must be an integer >= 1. Received: count=0"),
        ({"min_digits": 0}, "Received: min_digits=0"),
        ({"min_digits": 5, "max_digits": 3}, "min_digits=5, max_digits=3"),
        ({"pause": (0.4, 0.1)}, r"Received: pause=\(0.4, 0.1\)"),
        ({"pause": 0.2}, "must be a pair"),
        ({"noise_snr_db": (30, 10)}, r"Received: noise_snr_db=\(30, 10\)"),
        ({"noise": "brown"}, "Received: noise='brown'"),
        ({"sample_rate": 0}, "Received: sample_rate=0"),
        ({"digits": [1]}, "2 waveforms and 1 digits"),
        ({"digits": [1.5, 2.0]}, "`digits` must be a 1-D sequence of integers"),
        ({"waveforms": [np.zeros(3), np.zeros((2, 2))]}, r"waveforms\[1\] of shape \(2, 2\)"),
        ({"waveforms": [], "digits": []}, "pool of recordings is empty"),
    ],
)
def test_utterance_arguments_are_checked(kwargs, match):
    arguments = {"waveforms": [np.ones(5), np.ones(6)], "digits": [1, 2], "count": 2} | kwargs
    with pytest.raises(ValueError, match=match):
        compose_utterances(**arguments)
