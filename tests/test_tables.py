"""The strict long-format table reader, the gas-turbine table reader and stratified-split checks."""

from __future__ import annotations

import csv
import gzip
import string

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lstm_apps.data import gas_turbine as gt
from lstm_apps.data.splits import check_stratified, stratified_holdout
from lstm_apps.data.tables import NA_TEXTS, SPLITS, read_long_format
from lstm_apps.tasks import japanese_vowels as jv
from lstm_apps.tasks import nox

HEADER = "sequence,label,split,a,b\n"
VALID = HEADER + "s1,x,train,1.5,2\ns1,x,train,2,3\ns2,y,test,1,1\ns3,y,validation,4,5\n"
NA_LABELS = ["NaN", "nan", "None", "null", "NA", "N/A", ""]


def write(tmp_path, text, name="t.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def with_cell(text, line, column, value):
    """`text` with the cell of file line `line` (1-based) in `column` replaced."""
    rows = text.splitlines()
    k = rows[0].split(",").index(column)
    cells = rows[line - 1].split(",")
    cells[k] = value
    rows[line - 1] = ",".join(cells)
    return "\n".join(rows) + "\n"


def test_a_valid_table_is_read_by_split_in_order(tmp_path):
    table = read_long_format(write(tmp_path, VALID))
    x, y = table["train"]
    np.testing.assert_array_equal(x[0], np.array([[1.5, 2], [2, 3]], dtype="float32"))
    assert x[0].dtype == np.float32 and y.tolist() == ["x"]
    assert table["test"][1].tolist() == ["y"] and table["validation"][1].tolist() == ["y"]
    assert table["features"] == ["a", "b"]
    assert table["ids"] == {"train": ["s1"], "test": ["s2"], "validation": ["s3"]}
    from_frame = read_long_format(pd.read_csv(tmp_path / "t.csv"))
    np.testing.assert_array_equal(from_frame["train"][0][0], x[0])


def test_numeric_labels_stay_numbers_and_ids_are_text(tmp_path):
    table = read_long_format(write(tmp_path, "sequence,label,a\n1,3,1\n01,10,2\n"))
    x, y = table["all"]
    assert y.tolist() == [3, 10] and y.dtype.kind == "i"
    assert table["ids"] == {"all": ["1", "01"]} and len(x) == 2


def test_a_non_numeric_cell_names_column_line_and_value(tmp_path):
    path = write(tmp_path, with_cell(VALID, 3, "b", "abc"))
    with pytest.raises(
        ValueError,
        match=r"Non-numeric value 'abc' in feature column 'b' of t.csv, line 3 \(sequence 's1'\)",
    ):
        read_long_format(path)


def test_a_text_column_is_refused_unless_features_are_listed(tmp_path):
    text = "sequence,label,name,a\ns1,x,bob,1\ns1,x,al,2\ns2,y,cy,3\n"
    with pytest.raises(ValueError, match="Column 'name' of t.csv holds text.*feature_columns="):
        read_long_format(write(tmp_path, text))
    table = read_long_format(tmp_path / "t.csv", feature_columns=["a"])
    assert [s.ravel().tolist() for s in table["all"][0]] == [[1, 2], [3]]


@pytest.mark.parametrize("value", ["Train", "valid", "TEST", " train", ""])
def test_split_values_must_be_exact(tmp_path, value):
    text = VALID.replace("s1,x,train", f"s1,x,{value}")
    with pytest.raises(
        ValueError, match=rf"Unknown split '{value}'.*lines 2-3; accepted: train, validation, test"
    ):
        read_long_format(write(tmp_path, text))


def test_a_sequence_in_two_splits_is_refused(tmp_path):
    with pytest.raises(
        ValueError,
        match=r"Sequence 's1' .* more than one split: 'train' on line 2; 'test' on line 3",
    ):
        read_long_format(write(tmp_path, with_cell(VALID, 3, "split", "test")))


def test_interleaved_rows_of_a_sequence_are_refused(tmp_path):
    text = VALID + "s1,x,train,7,7\n"
    with pytest.raises(ValueError, match=r"sequence 's1' .* not contiguous \(lines 2-3, 6\)"):
        read_long_format(write(tmp_path, text))


def test_a_time_column_orders_rows_and_refuses_repeats(tmp_path):
    text = "sequence,label,t,a\ns1,x,2,20\ns2,y,5,50\ns1,x,0,0\ns1,x,1,10\n"
    table = read_long_format(write(tmp_path, text), time_column="t")
    assert [s.ravel().tolist() for s in table["all"][0]] == [[0, 10, 20], [50]]
    assert table["features"] == ["a"]  # the time column is not a feature
    dated = text.replace(",2,", ",2021-01-03,").replace(",0,", ",2021-01-01T00:00,")
    dated = dated.replace(",1,", ",2021-01-02 12:00,").replace(",5,", ",2020-05-05,")
    table = read_long_format(write(tmp_path, dated), time_column="t")
    assert table["all"][0][0].ravel().tolist() == [0, 10, 20]
    with pytest.raises(
        ValueError, match=r"'1' appears more than once in sequence 's1' .*lines 4-5"
    ):
        read_long_format(write(tmp_path, text.replace("s1,x,0,0", "s1,x,1,0")), time_column="t")
    with pytest.raises(
        ValueError, match=r"not a finite number nor an ISO 8601 date like the others, line 3"
    ):
        read_long_format(write(tmp_path, text.replace(",5,", ",soon,")), time_column="t")
    with pytest.raises(ValueError, match=r"Missing time value .* line 3"):
        read_long_format(write(tmp_path, text.replace(",5,", ",,")), time_column="t")


@pytest.mark.parametrize("line, split", [(2, "train"), (4, "test"), (5, "validation")])
@pytest.mark.parametrize("value", ["nan", "NaN", "", "inf", "-inf", "NA"])
def test_missing_and_infinite_features_are_refused_in_every_split(tmp_path, line, split, value):
    sequence = {"train": "s1", "test": "s2", "validation": "s3"}[split]
    with pytest.raises(
        ValueError,
        match=rf"Missing or non-finite value '{value}' in feature column 'a' of t.csv, "
        rf"line {line} \(sequence '{sequence}'\)",
    ):
        read_long_format(write(tmp_path, with_cell(VALID, line, "a", value)))


def test_header_only_and_empty_inputs_say_no_rows(tmp_path):
    with pytest.raises(ValueError, match=r"t.csv has no rows: only a header"):
        read_long_format(write(tmp_path, HEADER))
    with pytest.raises(ValueError, match=r"e.csv is empty"):
        read_long_format(write(tmp_path, "", "e.csv"))
    with pytest.raises(ValueError, match=r"the table has no rows"):
        read_long_format(pd.DataFrame(columns=["sequence", "label", "a"]))
    with pytest.raises(FileNotFoundError, match="No such data file"):
        read_long_format(tmp_path / "absent.csv")


@pytest.mark.parametrize("value", NA_LABELS)
def test_missing_labels_are_refused_with_their_lines(tmp_path, value):
    text = VALID.replace("s2,y,test", f"s2,{value},test")
    with pytest.raises(ValueError, match=r"Missing label in column 'label' of t.csv, line 4:"):
        read_long_format(write(tmp_path, text))
    frame = pd.read_csv(tmp_path / "t.csv", keep_default_na=False).replace({"": None})
    with pytest.raises(ValueError, match=r"Missing label .* row 2"):
        read_long_format(frame)


def test_mixed_labels_name_their_lines(tmp_path):
    with pytest.raises(
        ValueError, match=r"Sequence 's1' .* more than one label: 'x' on line 2; 'z' on line 3"
    ):
        read_long_format(write(tmp_path, with_cell(VALID, 3, "label", "z")))
    table = read_long_format(tmp_path / "t.csv", per_step_labels=True)
    assert table["train"][1][0].tolist() == ["x", "z"]


@pytest.mark.parametrize(
    "text, message",
    [
        (VALID.replace("s2,y,test,1,1", "s2,y,test,1"), r"Line 4 of t.csv has 4 fields"),
        ("," + VALID.replace("\ns", "\n0,s"), r"Column 1 of the header of t.csv has no name"),
        (VALID.replace("split,a,b", "split,a,a"), r"header of t.csv repeats columns \['a'\]"),
        (VALID.replace("s2,y", "null,y"), r"Missing sequence id .* line 4"),
        (VALID.replace("a,b", "a,c"), r"Columns \['b'\] not found in t.csv"),
    ],
)
def test_malformed_files_are_refused(tmp_path, text, message):
    features = ["a", "b"] if "Columns" in message else None
    with pytest.raises(ValueError, match=message):
        read_long_format(write(tmp_path, text), feature_columns=features)


def test_blank_lines_keep_line_numbers_and_gzip_is_read(tmp_path):
    text = with_cell(VALID, 5, "b", "x").replace("s2,", "\ns2,")
    with pytest.raises(ValueError, match=r"'x' in feature column 'b' of t.csv, line 6"):
        read_long_format(write(tmp_path, text))
    path = tmp_path / "v.csv.gz"
    path.write_bytes(gzip.compress(VALID.encode()))
    assert read_long_format(path)["ids"] == read_long_format(write(tmp_path, VALID))["ids"]


def test_stratified_splits_name_the_short_class():
    labels = np.array(["a"] * 5 + ["b"] * 4 + ["c"])
    with pytest.raises(
        ValueError, match=r"stratified test split: class 'c' has 1 example.*count=1"
    ):
        check_stratified(labels, 0.3, "test")
    codes = np.array([0] * 5 + [1] * 4 + [2])
    with pytest.raises(ValueError, match=r"validation split: class 'speaker3' has 1 example"):
        stratified_holdout(list(codes), codes, 0.3, 0, class_names=["s1", "s2", "speaker3"])
    with pytest.raises(ValueError, match=r"would put 1 in the validation part, fewer than the 2"):
        check_stratified(np.array([0, 0, 0, 1, 1, 1]), 0.1, "validation")
    check_stratified(np.array([0, 0, 1, 1]), 0.5, "test")  # a split that can be made


def test_gas_turbine_tables_name_file_lines_after_sorting(tmp_path):
    text = "t,a,NOX\n3,1,1\n1,2,2\n2,x3,3\n4,4,4\n"
    frame = gt.read_table(write(tmp_path, text), time_column="t")
    assert frame["t"].tolist() == [1, 2, 3, 4]
    with pytest.raises(ValueError, match=r"Non-numeric value 'x3' in column 'a', line 4 of t.csv"):
        gt.check_columns(frame, ["a", "NOX"])
    frame = gt.read_table(write(tmp_path, text.replace("x3", "NA")), time_column="t")
    with pytest.raises(ValueError, match=r"1 missing or infinite .*line 4 of t.csv, column 'a'"):
        gt.check_columns(frame, ["a", "NOX"])
    assert gt.check_columns(frame, ["a"], "interpolate")["a"].tolist() == [2, 1.5, 1, 4]
    with pytest.raises(ValueError, match=r"Time value '3' appears more than once .*lines 2, 5"):
        gt.read_table(write(tmp_path, text.replace("4,4,4", "3,4,4")), time_column="t")


def test_nox_custom_csv_is_read_strictly(tmp_path):
    with pytest.raises(ValueError, match=r"h.csv has no rows"):
        nox.load_data(nox.Config(data_path=str(write(tmp_path, "t,a,NOX\n", "h.csv"))))
    rows = np.random.default_rng(0).permutation(60)
    text = "t,a,NOX\n" + "".join(f"{t},{t / 2},{t * 3}\n" for t in rows)
    config = nox.Config(data_path=str(write(tmp_path, text)), time_column="t", features=("a",))
    data = nox.load_data(config.replace(window=2))
    np.testing.assert_array_equal(data.y_train[0], np.arange(36, dtype="float32") * 3)
    short = text.replace(f"\n{rows[10]},", f"\n{rows[10]},,")
    with pytest.raises(ValueError, match=r"Line 12 of t.csv has 4 fields; the header has 3"):
        nox.load_data(nox.Config(data_path=str(write(tmp_path, short)), time_column="t"))


def test_real_japanese_vowels_round_trip_through_a_long_format_csv(vowels, tmp_path):
    frames = []
    parts = {"train": (vowels.x_train, vowels.y_train), "test": (vowels.x_test, vowels.y_test)}
    for split, (xs, ys) in parts.items():
        for i, (x, y) in enumerate(zip(xs, ys)):
            frame = pd.DataFrame(x.astype("float64"), columns=[f"c{k}" for k in range(12)])
            frame.insert(0, "sequence", f"{split}-{i}")
            frame.insert(1, "split", split)
            frame.insert(2, "label", vowels.class_names[y])
            frames.append(frame)
    path = tmp_path / "vowels.csv"
    pd.concat(frames).to_csv(path, index=False)
    data = jv.load_data(jv.Config(data_path=str(path)))
    assert data.class_names == vowels.class_names and "long-format" in data.source
    for ours, theirs in ((data.x_train, vowels.x_train), (data.x_test, vowels.x_test)):
        assert len(ours) == len(theirs)
        assert all(np.array_equal(a, b) and a.dtype == b.dtype for a, b in zip(ours, theirs))
    np.testing.assert_array_equal(data.y_train, vowels.y_train)
    np.testing.assert_array_equal(data.y_test, vowels.y_test)
    path.write_text(path.read_text().replace("train-0,train,", "train-0,validation,"))
    with pytest.raises(ValueError, match=r"vowels.csv has 'validation' rows.*validation_fraction"):
        jv.load_data(jv.Config(data_path=str(path)))


# --- property-based: random valid tables round-trip; random corruptions are refused ---

ID_TEXT = st.text(string.ascii_letters + string.digits + ' _-,"é', min_size=1, max_size=6)
IDS = st.one_of(st.integers(-1000, 10**6).map(str), ID_TEXT).filter(
    lambda t: t.strip().lower() not in NA_TEXTS
)
VALUES = st.floats(width=32, allow_nan=False, allow_infinity=False)
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def long_tables(draw, split=None, time=None, min_ids=1):
    """A valid long-format table: its header, its rows (text cells) and what must be read."""
    ids = draw(st.lists(IDS, min_size=min_ids, max_size=5, unique=True))
    features = [f"f{k}" for k in range(draw(st.integers(1, 3)))]
    numeric = draw(st.booleans())
    names = st.integers(0, 9) if numeric else st.sampled_from(["cat", "dog", "1x", "None_"])
    split = draw(st.booleans()) if split is None else split
    time = draw(st.booleans()) if time is None else time
    header = ["sequence", "label", *(["split"] if split else []), *(["t"] if time else [])]
    header = draw(st.permutations(header + features))
    rows, expected = [], []
    for sequence in ids:
        length = draw(st.integers(1, 4))
        column = st.lists(VALUES, min_size=length, max_size=length)
        values = draw(st.lists(column, min_size=len(features), max_size=len(features)))
        steps = st.lists(st.integers(-50, 50), min_size=length, max_size=length, unique=True)
        times = sorted(draw(steps))
        label, part = draw(names), draw(st.sampled_from(SPLITS)) if split else "all"
        for step in range(length):
            cells = dict(sequence=sequence, label=str(label), split=part, t=str(times[step]))
            cells.update({f: repr(float(values[k][step])) for k, f in enumerate(features)})
            rows.append([cells[c] for c in header])
        array = np.array(values, dtype="float32").T.reshape(length, len(features))
        expected.append((part, sequence, array, label))
    if time:
        rows = draw(st.permutations(rows))
    return header, rows, expected


def write_rows(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("tables")


@PROPERTY
@given(table=long_tables())
def test_valid_tables_round_trip_exactly(scratch, table):
    header, rows, expected = table
    features = sorted((c for c in header if c.startswith("f")), key=lambda c: int(c[1:]))
    time = "t" if "t" in header else None
    read = read_long_format(write_rows(scratch / "rt.csv", header, rows), time_column=time)
    # sequences come in order of first appearance in the file
    first = list(dict.fromkeys(r[header.index("sequence")] for r in rows))
    expected.sort(key=lambda e: first.index(e[1]))
    assert read["features"] == sorted(features, key=header.index)
    order = [features.index(f) for f in read["features"]]
    for part in {e[0] for e in expected}:
        mine = [e for e in expected if e[0] == part]
        sequences, labels = read[part]
        assert read["ids"][part] == [e[1] for e in mine]
        assert labels.tolist() == [e[3] for e in mine]
        for got, (_, _, array, _) in zip(sequences, mine, strict=True):
            assert got.dtype == np.float32 and np.array_equal(got, array[:, order])
    assert set(read) == {e[0] for e in expected} | {"features", "ids"}


CORRUPTIONS = ("text", "split", "nan", "label", "interleave", "duplicate")


@st.composite
def corrupted_tables(draw):
    kind = draw(st.sampled_from(CORRUPTIONS))
    time = {"duplicate": True, "interleave": False}.get(kind)
    many = 2 if kind == "interleave" else 1
    header, rows, _ = draw(long_tables(split=kind == "split" or None, time=time, min_ids=many))
    rows = [list(r) for r in rows]
    i = draw(st.integers(0, len(rows) - 1))
    feature = header.index(draw(st.sampled_from([c for c in header if c.startswith("f")])))
    if kind == "text":
        rows[i][feature] = draw(st.sampled_from(["abc", "1.2.3", "one", "--1", "?", "1,5"]))
    elif kind == "nan":
        rows[i][feature] = draw(st.sampled_from(["nan", "NaN", "", "inf", "-inf", "NA", "null"]))
    elif kind == "split":
        bad = ["Train", "valid", "TEST", "training", " train", "", "all"]
        rows[i][header.index("split")] = draw(st.sampled_from(bad))
    elif kind == "label":
        rows[i][header.index("label")] = draw(st.sampled_from(NA_LABELS + ["NULL", "n/a"]))
    elif kind == "duplicate":
        rows.insert(draw(st.integers(0, len(rows))), list(rows[i]))
    else:  # move one row of a sequence past another sequence's rows
        column = header.index("sequence")
        ids = list(dict.fromkeys(r[column] for r in rows))
        counts = {s: sum(r[column] == s for r in rows) for s in ids}
        movable = [s for s in ids if counts[s] > 1]
        if len(ids) < 2 or not movable:
            rows[i][feature] = "x"  # a table too small to interleave: another corruption
        else:
            moved = draw(st.sampled_from(movable))
            row = rows.pop(max(k for k, r in enumerate(rows) if r[column] == moved))
            rows.insert(0 if moved == ids[-1] else len(rows), row)
    return kind, header, rows


@PROPERTY
@given(case=corrupted_tables())
def test_corrupted_tables_are_refused(scratch, case):
    kind, header, rows = case
    path = write_rows(scratch / "bad.csv", header, rows)
    with pytest.raises(ValueError, match=r"bad.csv"):
        read_long_format(path, time_column="t" if "t" in header else None)


def test_sentiment_and_video_splits_name_the_short_class(monkeypatch):
    from types import SimpleNamespace

    from lstm_apps.data import videos
    from lstm_apps.tasks.sentiment import data as sentiment_data
    from lstm_apps.tasks.video import data as video_data

    frame = pd.DataFrame({"text": list("abcdefg"), "label": ["pos"] * 4 + ["neg"] * 2 + ["meh"]})
    frame["code"] = frame["label"].map({"neg": 0, "pos": 1, "meh": 2})
    with pytest.raises(ValueError, match=r"stratified test split: class 'meh' has 1 example"):
        sentiment_data._split(frame, 0.3, 0.0, 0)
    labels = np.array([0] * 8 + [1])
    clips = [np.zeros((3, 4, 4, 1), dtype="uint8") for _ in labels]
    folder = videos.VideoFolder(clips, labels, ["arriba", "abajo"], [None] * 9)
    monkeypatch.setattr(videos, "load_video_folder", lambda *args, **kwargs: folder)
    config = SimpleNamespace(
        data_path="clips", video_frames=3, every=1, frame_size=4, test_fraction=0.3,
        validation_fraction=0.2, training=SimpleNamespace(seed=0),
    )  # fmt: skip
    with pytest.raises(ValueError, match=r"stratified test split: class 'abajo' has 1 example"):
        video_data._folder_parts(config)
