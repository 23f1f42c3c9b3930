"""The strict CSV readers of the forecasting series and of labelled texts: refusals, real data
read back unchanged, and property-based round trips and corruptions."""

from __future__ import annotations

import csv
import gzip
import io

import numpy as np
import pandas as pd
import pytest
from conftest import real_file
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lstm_apps.data.reviews import read_labelled_text
from lstm_apps.data.series import builtin_series, load_series, read_csv_series
from lstm_apps.data.tables import NA_TEXTS
from lstm_apps.tasks import japanese_vowels as jv
from lstm_apps.tasks.forecasting.config import Config as ForecastConfig

PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NA_CELLS = ["NaN", "nan", "None", "null", "NA", "N/A", "", "  "]


def write(tmp_path, text, name="s.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- series: one test per refusal ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("t,v\n", r"s.csv has no rows: only a header \['t', 'v'\]"),
        (
            "t,v\n1,2\n2,x\n3,4\n",
            r"Non-numeric value 'x' in column 'v' of s.csv, line 3 \(time '2'\).* Received: v='x'",
        ),
        ("t,v\n1,2\n2,-inf\n", r"Infinite value '-inf' in column 'v' of s.csv, line 3"),
        (
            "t,name,v\n1,ann,2\n2,bob,3\n",
            r"column 'name' of s.csv, lines 2-3 .*Choose the value columns with `target`",
        ),
        (
            "t,v\n1,2\n2,3\n1,4\n",
            r"Time value '1' appears more than once in column 't' of s.csv, lines 2, 4",
        ),
        (
            "t,v\n2001-03,2\n2001-04,3\n2001-03,4\n",
            r"Time value '2001-03' appears more than once .* lines 2, 4",
        ),
        (
            "t,v\n2001-03,2\nsoon,3\n",
            r"Time value 'soon' is neither a number nor a date .* line 3\. Received: t='soon'",
        ),
        ("t,v\n2001-03,2\n5,3\n", r"Time value '5' is neither a number nor a date .* line 3"),
        ("t,v\n1,2\nnan,3\n", r"Missing time value in column 't' of s.csv, line 3"),
        ("t,v\n1,2\ninf,3\n", r"Time value 'inf' is not finite, in time column 't' .* line 3"),
        ("t,v\n1,2\n2,3,4\n", r"Line 3 of s.csv has 3 fields; the header has 2"),
        (",t,v\n0,1,2\n", r"Column 1 of the header of s.csv has no name"),
    ],
)
def test_series_refusals_name_the_column_line_and_value(tmp_path, text, match):
    path = write(tmp_path, text)
    with pytest.raises(ValueError, match=match):
        read_csv_series(path)


@pytest.mark.parametrize("cell", NA_CELLS)
def test_series_gaps_are_refused_by_line_unless_the_fill_policy_fills_them(tmp_path, cell):
    path = write(tmp_path, f"t,v\n3,30\n1,10\n2,{cell}\n4,40\n")
    with pytest.raises(ValueError, match=r"Column 'v' has 1 missing values in s.csv, line 4 "):
        read_csv_series(path)
    times, values, _, _ = read_csv_series(path, missing="keep")
    assert times.tolist() == [1, 2, 3, 4] and np.isnan(values[1, 0])
    config = ForecastConfig(data=str(path))
    with pytest.raises(ValueError, match=r"line 4 .* Set `fill` to 'interpolate' or 'ffill'"):
        load_series(config, "error")
    _, filled, _, _, count = load_series(config, "interpolate")
    assert count == 1 and filled[:, 0].tolist() == [10, 20, 30, 40]


def test_series_rows_are_ordered_by_the_named_time_column(tmp_path):
    path = write(tmp_path, "v,when,w\n3,1990-03-01,0.5\n1,1990-01-01,1.5\n2,1990-02-01,2.5\n")
    times, values, columns, _ = read_csv_series(path, time_column="when")
    assert pd.DatetimeIndex(times).strftime("%m").tolist() == ["01", "02", "03"]
    assert columns == ["v", "w"] and values.tolist() == [[1, 1.5], [2, 2.5], [3, 0.5]]
    with pytest.raises(ValueError, match=r"`missing` must be 'error' or 'keep'"):
        read_csv_series(path, missing="drop")


# -- series: real data read back unchanged ---------------------------------------------------


@pytest.mark.parametrize(("name", "fmt"), [("airline", "%Y-%m"), ("sunspots", None)])
def test_real_series_round_trip_through_a_shuffled_csv(tmp_path, name, fmt):
    times, values, columns, _ = builtin_series(name)
    time_text = pd.Series(times).dt.strftime(fmt) if fmt else pd.Series(times)
    frame = pd.DataFrame({"time": time_text, columns[0]: values[:, 0]})
    frame.sample(frac=1.0, random_state=1).to_csv(tmp_path / "s.csv", index=False)
    got_times, got_values, got_columns, _ = read_csv_series(tmp_path / "s.csv")
    assert got_columns == columns and np.array_equal(got_times, times)
    assert got_values.dtype == np.float32 and np.array_equal(got_values, values)


def test_real_gas_turbine_columns_read_as_pandas_reads_them(tmp_path, shared_data):
    lines = real_file(shared_data, "gas_turbine/gt_2011.csv").read_text().splitlines()
    body = [f"{i},{line}" for i, line in enumerate(lines[1:])][::-1]  # newest first
    path = write(tmp_path, "\n".join([f"step,{lines[0]}", *body]) + "\n")
    times, values, columns, _ = read_csv_series(path, target=("NOX", "CO", "TIT"))
    expected = pd.read_csv(real_file(shared_data, "gas_turbine/gt_2011.csv"))
    assert np.array_equal(times, np.arange(len(expected)))
    assert np.array_equal(values, expected[columns].to_numpy("float32"))


# -- series: properties ----------------------------------------------------------------------


@st.composite
def series_tables(draw):
    """A valid series CSV as rows of text: (header, rows in file order, times, values) sorted."""
    n = draw(st.integers(1, 30))
    width = draw(st.integers(1, 3))
    dates = draw(st.booleans())
    keys = draw(st.lists(st.integers(-(10**6), 10**6), min_size=n, max_size=n, unique=True))
    floats = st.floats(width=32, allow_nan=False, allow_infinity=False)
    values = np.array(draw(st.lists(st.lists(floats, min_size=width, max_size=width),
                                    min_size=n, max_size=n)), dtype="float32")  # fmt: skip
    if dates:  # days since 2000, as ISO dates
        times = np.datetime64("2000-01-01") + np.asarray(keys) % 20000
        times, keys = np.unique(times, return_index=True)
        values = values[keys]
        texts = [str(t) for t in times]
    else:
        order = np.argsort(keys)
        times, values = np.asarray(keys)[order], values[order]
        texts = [str(t) for t in times]
    position = draw(st.integers(0, width))  # where the time column sits
    header = [f"v{k}" for k in range(width)]
    header.insert(position, "t")
    rows = []
    for text, row in zip(texts, values):
        cells = [repr(float(v)) for v in row]
        cells.insert(position, text)
        rows.append(cells)
    shuffled = draw(st.permutations(range(len(rows))))
    return header, [rows[i] for i in shuffled], times, values, position


def write_rows(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


@PROPERTY
@given(table=series_tables())
def test_valid_series_csvs_read_back_sorted_and_exactly_equal(table, tmp_path_factory):
    header, rows, times, values, _ = table
    path = write_rows(tmp_path_factory.mktemp("s") / "s.csv", header, rows)
    got_times, got_values, columns, _ = read_csv_series(path, time_column="t")
    assert columns == [c for c in header if c != "t"]
    if got_times.dtype.kind == "M":
        assert np.array_equal(got_times.astype("datetime64[D]"), times)
    else:
        assert np.array_equal(got_times, times)
    assert got_values.view("uint32").tolist() == values.view("uint32").tolist()  # bit for bit


SERIES_CORRUPTIONS = {
    "text": ("value", ["abc", "1.2.3", "12a", "--1", "0x"], "Non-numeric value"),
    "infinite": ("value", ["inf", "-inf", "Infinity"], "Infinite value"),
    "missing": ("value", NA_CELLS, "missing values"),
    "bad time": ("time", ["soon", "2001-13-45", "t0"], "is neither a number nor a date"),
    "no time": ("time", NA_CELLS, "Missing time value"),
    "repeated time": ("time", [None], "appears more than once"),
    "extra field": ("row", ["1"], "fields; the header has"),
}


@PROPERTY
@given(table=series_tables(), kind=st.sampled_from(sorted(SERIES_CORRUPTIONS)), data=st.data())
def test_corrupted_series_csvs_are_refused_with_the_line(table, kind, data, tmp_path_factory):
    header, rows, _, _, position = table
    where, cells, phrase = SERIES_CORRUPTIONS[kind]
    if kind == "repeated time" and len(rows) < 2:
        return
    i = data.draw(st.integers(0, len(rows) - 1))
    cell = data.draw(st.sampled_from(cells))
    if where == "value":
        k = data.draw(st.sampled_from([c for c in range(len(header)) if c != position]))
        rows[i][k] = cell
    elif kind == "repeated time":
        rows[i][position] = rows[(i + 1) % len(rows)][position]
    elif where == "time":
        rows[i][position] = cell
    else:
        rows[i].append(cell)
    path = write_rows(tmp_path_factory.mktemp("s") / "s.csv", header, rows)
    with pytest.raises(ValueError, match=phrase) as error:
        read_csv_series(path, time_column="t")
    assert f"{i + 2}" in str(error.value)  # the file line of the corrupted row


# -- labelled texts: refusals ----------------------------------------------------------------


@pytest.mark.parametrize("cell", NA_CELLS)
def test_missing_value_labels_are_refused_with_their_line(tmp_path, cell):
    path = write(tmp_path, f'text,label\ngood film,pos\n"two\nlines",neg\nbad film,{cell}\n')
    with pytest.raises(ValueError, match=r"'label' has 1 empty or NaN values \(file lines \[5\]\)"):
        read_labelled_text(path)  # the quoted text spans lines 3-4


@pytest.mark.parametrize(
    ("text", "kwargs", "match"),
    [
        ("text,label\n", {}, r"has no rows: only a header"),
        ("text,label\ngood,pos,x\nbad,neg\n", {}, r"Line 2 of s.csv has 3 fields"),
        (
            "text,label\ngood,pos\nbad,neg\nfine,pos \n",
            {},
            r"labels 'pos', 'pos ' .* differ only in surrounding spaces.*\[2\]; 'pos ' .*\[4\]",
        ),
        (
            "text,label,split\ngood,pos,train\nbad,neg,Train\nok,neg,test\n",
            {},
            r"only train, validation, test .* \(file lines \[3\]\)\. Received: split='Train'",
        ),
        ("text,label\ngood,pos\n", {"sep": ";;"}, r"`sep` must be a single character"),
        ("text,label\ngood,pos\n", {"empty": "keep"}, r"`empty` must be 'drop' or 'error'"),
    ],
)
def test_labelled_text_refusals(tmp_path, text, kwargs, match):
    with pytest.raises(ValueError, match=match):
        read_labelled_text(write(tmp_path, text), **kwargs)


def test_empty_texts_are_dropped_with_their_lines_or_refused(tmp_path, caplog):
    path = write(tmp_path, "text,label\ngood,pos\nNaN,neg\n   ,neg\nnull,pos\nbad,neg\n")
    frame = read_labelled_text(path)
    assert frame["text"].tolist() == ["good", "bad"] and frame["label"].tolist() == ["pos", "neg"]
    assert "dropped 3 rows with an empty text" in caplog.text and "[3, 4, 5]" in caplog.text
    with pytest.raises(ValueError, match=r"3 empty texts \(file lines \[3, 4, 5\]\).*text='NaN'"):
        read_labelled_text(path, empty="error")


# -- labelled texts: real data read back unchanged -------------------------------------------


def test_real_imdb_reviews_read_as_pandas_reads_them(tmp_path, shared_data):
    source = real_file(shared_data, "imdb_reviews/imdb_reviews.csv.gz")
    sample = pd.read_csv(source).iloc[::125]  # 400 reviews: both splits, both labels
    sample.to_csv(tmp_path / "r.csv", index=False)
    sample.to_csv(tmp_path / "r.tsv", index=False, sep="\t")
    sample.to_csv(tmp_path / "r.csv.gz", index=False, compression="gzip")
    expected = sample[["text", "label", "split"]].reset_index(drop=True)
    for name in ("r.csv", "r.tsv", "r.csv.gz"):
        frame = read_labelled_text(tmp_path / name)
        assert frame["text"].tolist() == expected["text"].tolist()
        assert frame["label"].dtype == np.int64
        assert frame["label"].tolist() == expected["label"].tolist()
        assert frame["split"].tolist() == expected["split"].tolist()


# -- labelled texts: properties --------------------------------------------------------------

TEXTS = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40).filter(
    lambda t: t.strip().lower() not in NA_TEXTS
)
LABELS = st.sampled_from(["pos", "neg", "très bien", "so-so"])


@st.composite
def labelled_files(draw):
    """A valid file's text, its texts and labels, and the file line of each row."""
    texts = draw(st.lists(TEXTS, min_size=2, max_size=25))
    labels = ["pos", "neg"] + draw(st.lists(LABELS, min_size=len(texts) - 2, max_size=len(texts)))
    sep = draw(st.sampled_from([",", "\t"]))
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=sep)
    writer.writerow(["label", "text"])
    lines = []
    for text, label in zip(texts, labels):
        lines.append(len(list(io.StringIO(buffer.getvalue(), newline=""))) + 1)
        writer.writerow([label, text])
    return buffer.getvalue(), texts, labels[: len(texts)], lines, sep


def write_labelled(tmp_path_factory, content, sep, packed=False):
    name = "t.tsv" if sep == "\t" else "t.csv"
    path = tmp_path_factory.mktemp("r") / (name + (".gz" if packed else ""))
    data = content.encode("utf-8")
    path.write_bytes(gzip.compress(data) if packed else data)
    return path


@PROPERTY
@given(case=labelled_files(), packed=st.booleans())
def test_valid_labelled_texts_round_trip_exactly(case, packed, tmp_path_factory):
    content, texts, labels, _, sep = case
    frame = read_labelled_text(write_labelled(tmp_path_factory, content, sep, packed))
    assert frame["text"].tolist() == texts and frame["label"].tolist() == labels


@PROPERTY
@given(case=labelled_files(), cell=st.sampled_from(NA_CELLS), column=st.sampled_from([0, 1]),
       data=st.data())  # fmt: skip
def test_missing_labels_and_texts_are_never_silently_accepted(case, cell, column, data,
                                                               tmp_path_factory):  # fmt: skip
    content, texts, labels, lines, sep = case
    i = data.draw(st.integers(0, len(texts) - 1))
    rows = [[label, text] for label, text in zip(labels, texts)]
    rows[i][column] = cell
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=sep).writerows([["label", "text"], *rows])
    path = write_labelled(tmp_path_factory, buffer.getvalue(), sep)
    phrase = "empty or NaN values" if column == 0 else "empty texts"
    with pytest.raises(ValueError, match=phrase) as error:
        read_labelled_text(path, empty="error")
    assert f"[{lines[i]}]" in str(error.value)
    if column == 1 and len({label for k, label in enumerate(labels) if k != i}) > 1:
        kept = read_labelled_text(path)  # the default drops it, and says so
        assert kept["text"].tolist() == texts[:i] + texts[i + 1 :]


# -- a short class is named by its label -----------------------------------------------------


def test_japanese_vowels_short_class_message_names_the_label(tmp_path):
    rows = ["sequence,label,split,f1,f2"]
    for k, label in enumerate(["alpha"] * 4 + ["beta"] * 4 + ["gamma"]):
        rows += [f"s{k},{label},train,{k},1", f"s{k},{label},train,{k + 1},2"]
    rows += ["t0,alpha,test,1,1", "t1,beta,test,2,2", "t2,gamma,test,3,3"]
    path = write(tmp_path, "\n".join(rows) + "\n", "v.csv")
    with pytest.raises(ValueError, match=r"class 'gamma' has 1 example"):
        jv.load_data(jv.Config(data_path=str(path), validation_fraction=0.3))
