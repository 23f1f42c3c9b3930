"""Data-side classes of the hostile sweep: values beyond float32, typos in the UCI vowel
files, empty blocks, labels that differ only in spaces, labels unseen in training, seeds,
subjects and years outside the data, and downloads that fail."""

from __future__ import annotations

import re
import socket

import numpy as np
import pytest

from lstm_apps.cli import main
from lstm_apps.data import gas_turbine as gt
from lstm_apps.data import hapt, sources
from lstm_apps.data.japanese_vowels import read_uci
from lstm_apps.data.reviews import read_labelled_text
from lstm_apps.data.series import read_csv_series
from lstm_apps.data.splits import check_known_labels
from lstm_apps.data.tables import overflows_float32, read_long_format
from lstm_apps.training.options import TrainingConfig

QUIET = ["--set", "training.verbose=0", "--set", "training.max_epochs=1"]


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("lstm-apps: error: "), err
    return err


def vowel_table(path, labels=None, cell=None, test_label=None):
    """A long-format table of 12 features: 2 train and 1 test sequence per label."""
    labels = labels or ["spk1", "spk2", "spk3"]
    rng = np.random.default_rng(0)
    header = ["sequence", "label", "split", *(f"f{i}" for i in range(12))]
    rows = []
    for n, label in enumerate(labels * 3):
        split = "test" if n >= 2 * len(labels) else "train"
        label = test_label if split == "test" and test_label and n == 2 * len(labels) else label
        for _ in range(4):
            rows.append([f"s{n}", label, split, *(f"{v:.4f}" for v in rng.normal(size=12))])
    if cell is not None:
        rows[2][5] = cell  # line 4, column f2
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n")
    return path


# T06: finite in the file, infinite as float32


def test_overflows_float32_marks_only_finite_values_beyond_its_range():
    flags = overflows_float32([1e39, -1e39, 3.4028235e38, np.nan, np.inf, 1e-50, 0.0])
    assert flags.tolist() == [True, True, False, False, False, False, False]


@pytest.mark.parametrize("cell", ["1e39", "-3.5e38"])
def test_long_format_refuses_values_beyond_float32(tmp_path, cell):
    path = vowel_table(tmp_path / "table.csv", cell=cell)
    match = rf"Out-of-range value '{cell}' in feature column 'f2' of table.csv, line 4 .*'{cell}'"
    with pytest.raises(ValueError, match=match):
        read_long_format(path)


def test_series_and_sensor_tables_refuse_values_beyond_float32(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("t,y\n1,2.0\n2,1e39\n3,4.0\n")
    with pytest.raises(ValueError, match=r"Out-of-range value '1e39' in column 'y' .*line 3"):
        read_csv_series(path)
    table = gt.read_table(path, time_column="t")
    with pytest.raises(ValueError, match=r"Out-of-range value 1e\+39 in column 'y', line 3"):
        gt.check_columns(table, ["y"], nan_policy="interpolate")


def test_cli_names_the_line_and_value_beyond_float32(tmp_path, capsys):
    path = vowel_table(tmp_path / "table.csv", cell="1e39")
    argv = ["run", "japanese_vowels", "--fast", *QUIET, "--set", f"data_path={path}"]
    assert main([*argv, "--output", str(tmp_path / "out")]) == 2
    err = one_line_error(capsys)
    assert "'1e39'" in err and "line 4" in err and "'f2'" in err
    assert not (tmp_path / "out").exists()


# T13: the UCI Japanese Vowels files


def uci_folder(root, line5):
    root.mkdir()
    rows = ["0.1 0.2 0.3 " * 4] * 4 + [line5] + ["0.4 " * 12, "1.0 " * 12]
    (root / "ae.train").write_text("\n".join(r.strip() for r in rows) + "\n")
    (root / "ae.test").write_text("")
    return root


@pytest.mark.parametrize(
    "line5, problem",
    [
        ("0.1O3 " + "0.2 " * 11, r"holds '0.1O3', not a number"),
        ("nan " + "0.2 " * 11, r"holds 'nan', not a finite number"),
        ("1e39 " + "0.2 " * 11, r"holds '1e39', not a finite number within float32"),
        ("0.2 " * 11, r"has 11 values; the lines before have 12"),
    ],
)
def test_uci_reader_names_file_line_and_value(tmp_path, line5, problem):
    folder = uci_folder(tmp_path / "uci", line5)
    with pytest.raises(ValueError, match=rf"Line 5 of ae.train {problem}"):
        read_uci(folder / "ae.train")


def test_uci_reader_refuses_other_bytes_and_missing_files(tmp_path):
    path = tmp_path / "ae.train"
    path.write_bytes(b"0.1 0.2\n\xff\xfe\n")
    with pytest.raises(ValueError, match=r"ae.train is not UTF-8 text: byte 0xff at offset 8"):
        read_uci(path)
    with pytest.raises(FileNotFoundError, match="No such UCI Japanese Vowels file"):
        read_uci(tmp_path / "ae.test")


def test_cli_names_the_uci_typo(tmp_path, capsys):
    folder = uci_folder(tmp_path / "uci", "0.1O3 " + "0.2 " * 11)
    argv = ["run", "japanese_vowels", "--fast", *QUIET, "--set", f"data_path={folder}"]
    assert main([*argv, "--output", str(tmp_path / "out")]) == 2
    err = one_line_error(capsys)
    assert "ae.train" in err and "Line 5" in err and "'0.1O3'" in err


# T18: an empty block of the NOx custom CSV


@pytest.mark.parametrize(
    "settings, match",
    [
        (["validation_fraction=0.0"], r"`validation_fraction` must be above 0: the validation"),
        (["test_fraction=0"], r"`test_fraction` must be above 0: the test block"),
        (["validation_fraction=0.5", "test_fraction=0.5"], r"must be below 1.* test_fraction=0.5"),
    ],
)
def test_cli_refuses_an_empty_nox_block(tmp_path, capsys, settings, match):
    argv = ["run", "nox", "--fast", *QUIET, "--set", f"data_path={tmp_path / 'nox.csv'}"]
    argv += [a for setting in settings for a in ("--set", setting)]
    assert main([*argv, "--output", str(tmp_path / "out")]) == 2
    assert re.search(match, one_line_error(capsys))


def test_nox_short_block_is_named(tmp_path):
    from lstm_apps.tasks import nox

    rng = np.random.default_rng(0)
    columns = [*gt.FEATURES, "NOX", "hour"]
    rows = [",".join(columns)]
    rows += [",".join(f"{v:.3f}" for v in [*rng.normal(size=10), h]) for h in range(40)]
    path = tmp_path / "plant.csv"
    path.write_text("\n".join(rows) + "\n")
    config = nox.Config.fast(data_path=str(path), time_column="hour", validation_fraction=0.1)
    with pytest.raises(ValueError, match=r"\(4 rows, in the validation block\).*validation_fract"):
        nox.load_data(config)


# L03: labels that differ only in spaces


def test_long_format_refuses_labels_that_differ_only_in_spaces(tmp_path):
    path = vowel_table(tmp_path / "t.csv", labels=["spk1", "spk2", "spk2 "])
    match = r"labels 'spk2', 'spk2 ' in column 'label' of t.csv differ only in surrounding spaces"
    with pytest.raises(ValueError, match=match + r".*'spk2' on lines \[6, 7"):
        read_long_format(path)


def test_reviews_use_the_same_check(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("text,label\ngood,pos\nbad,neg\nfine, pos\n")
    with pytest.raises(ValueError, match=r"'pos', ' pos' .*'pos' on lines \[2\]; ' pos' on lines"):
        read_labelled_text(path)


def test_cli_refuses_spaced_labels(tmp_path, capsys):
    path = vowel_table(tmp_path / "table.csv", labels=["spk1", "spk2", "spk2 "])
    argv = ["run", "japanese_vowels", "--fast", *QUIET, "--set", f"data_path={path}"]
    assert main([*argv, "--output", str(tmp_path / "out")]) == 2
    assert "'spk2 '" in one_line_error(capsys)


# L10: labels of validation or test that training never saw


def test_check_known_labels_names_the_labels_and_the_split():
    check_known_labels(["a", "b", "a"], ["b", "a"], "test")  # all seen: nothing raised
    with pytest.raises(ValueError, match=r"The validation split of x.csv .* 2 \(3\).*labels=\[2\]"):
        check_known_labels([0, 1, 1], [1, 2, 2, 2], "validation", "x.csv")


def test_cli_sentiment_refuses_a_test_label_unseen_in_training(tmp_path, capsys):
    rows = ["text,label,split"]
    rows += [f"review number {i} {'good' if i % 2 else 'bad'},{i % 2},train" for i in range(40)]
    rows += ["a fine film,1,test", "a dull film,0,test", "a strange film,2,test"]
    path = tmp_path / "r.csv"
    path.write_text("\n".join(rows) + "\n")
    argv = ["run", "sentiment", "--fast", *QUIET, "--set", f"data={path}"]
    assert main([*argv, "--output", str(tmp_path / "out")]) == 2
    err = one_line_error(capsys)
    assert "test split" in err and "2 (1)" in err and "labels=[2]" in err


def test_japanese_vowels_table_refuses_a_test_label_unseen_in_training(tmp_path):
    from lstm_apps.tasks import japanese_vowels as jv

    path = vowel_table(tmp_path / "t.csv", test_label="spk9")
    with pytest.raises(ValueError, match=r"test split of t.csv .*'spk9' \(1\)"):
        jv.load_data(jv.Config(data_path=str(path)))


# S11: the seed range


def test_seed_beyond_numpy_range_is_refused_with_its_value(capsys):
    TrainingConfig(seed=2**32 - 1)  # the largest seed is accepted
    with pytest.raises(ValueError, match=r"Received: seed=4294967296"):
        TrainingConfig(seed=2**32)
    argv = ["run", "japanese_vowels", "--fast", "--set", "training.seed=99999999999"]
    assert main(argv) == 2
    assert "seed=99999999999" in one_line_error(capsys)


# S14: activity subjects


@pytest.mark.parametrize(
    "value, match",
    [
        ("(99,)", r"Test subjects \[99\] are not in the HAPT data, whose subjects are 1-30"),
        ("(3, 3)", r"non-empty tuple of distinct positive subject numbers"),
        ("()", r"non-empty tuple"),
        (str(tuple(range(1, 30))), r"leave 1 of the 30 HAPT subjects"),
    ],
)
def test_cli_refuses_activity_subjects_outside_the_data(value, match, capsys):
    assert main(["run", "activity", "--fast", "--set", f"test_subjects={value}"]) == 2
    assert re.search(match, one_line_error(capsys))


def test_own_recordings_refuse_test_subjects_they_lack(tmp_path):
    from lstm_apps.tasks import activity

    rng = np.random.default_rng(1)
    signals = [rng.normal(size=(300, 3)) for _ in range(4)]
    labels = [np.repeat([1, 2, -1], 100) for _ in range(4)]
    path = tmp_path / "mine.npz"
    hapt.save_npz(hapt.Recordings(signals, labels, np.array([1, 2, 3, 5]), ("a", "b")), path)
    config = activity.Config(data_path=str(path), test_subjects=(4, 7), validation_subjects=1)
    with pytest.raises(ValueError, match=r"Test subjects \[4, 7\] .* subjects are 1-3, 5"):
        activity.load_data(config)
    with pytest.raises(ValueError, match=r"leave 1 of the 4 subjects"):
        activity.load_data(config.replace(test_subjects=(1, 2, 3)))


# S15: NOx years


@pytest.mark.parametrize(
    "setting, match",
    [
        ("train_years=(2030,)", r"Years \[2030\] of `train_years` are not in the UCI gas turbine"),
        ("test_years=()", r"`test_years` must be a non-empty tuple of years"),
        ("validation_years=(2011,)", r"Years \[2011\] appear more than once"),
    ],
)
def test_cli_refuses_nox_years_outside_the_data(setting, match, capsys):
    assert main(["run", "nox", "--fast", "--set", setting]) == 2
    assert re.search(match, one_line_error(capsys))


# A26: downloads that fail


@pytest.fixture
def offline(tmp_path, monkeypatch):
    monkeypatch.delenv(sources.DATA_DIR_ENV, raising=False)
    monkeypatch.setenv(sources.CACHE_DIR_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def closed_port_url(name):
    with socket.socket() as probe:  # a port that nothing listens on, on this machine
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/{name}"


def test_failed_download_names_file_address_reason_and_remedy(tmp_path, offline):
    missing = (tmp_path / "origin" / "data.csv").as_uri()
    with pytest.raises(sources.DownloadError) as caught:
        sources.find_file("set/data.csv", url=missing, sha256="0" * 64)
    message = str(caught.value)
    assert "Could not download data.csv from file://" in message and "No such file" in message
    assert "Set LSTM_APPS_DATA_DIR to a folder that holds set/data.csv" in message
    assert "\n" not in message and not list(offline.rglob("*.part"))
    for url in ("http://127.0.0.1:9/data.csv", closed_port_url("data.csv")):
        with pytest.raises(sources.DownloadError, match=r"Connection refused\. Set LSTM_APPS"):
            sources.find_file("set/data.csv", url=url, sha256="0" * 64)


def test_archive_downloads_name_the_files_they_provide(offline):
    with pytest.raises(sources.DownloadError, match=r"gas_turbine/gt_2011.csv ... gt_2015.csv"):
        gt.fetch(url="http://127.0.0.1:9/uci.zip")
    with pytest.raises(sources.DownloadError, match=r"holds har_smartphones/hapt_raw_50hz.npz"):
        hapt.fetch(url="http://127.0.0.1:9/hapt.zip")


def test_a_damaged_archive_is_named_and_nothing_is_kept(tmp_path, offline):
    archive = tmp_path / "bad.zip"
    archive.write_bytes(b"PK\x03\x04 not a zip")
    for fetch in (gt.fetch, hapt.fetch):
        with pytest.raises(ValueError, match=r"downloaded from file://.*bad.zip is not a zip"):
            fetch(url=archive.as_uri())
    assert not offline.exists()


def test_cli_without_data_or_network_says_what_to_do(tmp_path, offline, monkeypatch, capsys):
    monkeypatch.setattr(gt.fetch, "__defaults__", ("http://127.0.0.1:9/uci.zip", None))
    argv = ["run", "nox", "--fast", *QUIET, "--output", str(tmp_path / "out")]
    assert main(argv) == 2
    err = one_line_error(capsys)
    assert "gas_turbine/gt_2011.csv" in err and "LSTM_APPS_DATA_DIR" in err
    assert "http://127.0.0.1:9/uci.zip" in err and "Connection refused" in err
