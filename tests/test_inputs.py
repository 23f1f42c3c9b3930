"""What `predict` takes: the shared input readers and each study's `read_inputs`."""

from __future__ import annotations

import string

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

from lstm_apps.data.inputs import (
    Inputs,
    check_features,
    check_texts,
    input_paths,
    looks_like_path,
    read_sequences,
    read_text_lines,
    read_texts,
    text_head,
)
from lstm_apps.runs import Run
from lstm_apps.tasks import CASE_STUDIES, get_case_study

SENTIMENT = "sentiment predicts texts"


# --- Inputs ---------------------------------------------------------------------------


def test_inputs_keep_one_id_per_item_and_pair_rows_with_them():
    inputs = Inputs(["good", "bad"], ["line 1", "line 3"])
    assert inputs == ["good", "bad"] and inputs.ids == ["line 1", "line 3"]
    rows = [("positive", 0.9), ("negative", 0.8)]
    assert inputs.with_ids(rows) == [("line 1", "positive", 0.9), ("line 3", "negative", 0.8)]
    with pytest.raises(ValueError, match="one id per input: 2 inputs. Received: 1 ids"):
        Inputs(["good", "bad"], ["line 1"])
    with pytest.raises(ValueError, match="returned 1 rows for 2 inputs"):
        inputs.with_ids(rows[:1])


def test_inputs_with_several_rows_per_item_repeat_its_id():
    inputs = Inputs(["hol", "h"], ["line 1", "line 2"], rows_per_item=[3, 1])
    assert inputs.row_ids == ["line 1"] * 3 + ["line 2"]
    with pytest.raises(ValueError, match="rows_per_item"):
        Inputs(["hol"], ["line 1"], rows_per_item=[0])
    assert Inputs(["x"], ["a\tb\nc"]).ids == ["a b c"]  # an id never breaks the TSV output


# --- texts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argument",
    ["reviews.csv", "batch.NPY", "notes.txt", "./notes", "/no/such/place", "~/reviews"],
)
def test_single_tokens_with_a_file_suffix_or_a_path_start_are_paths(argument):
    assert looks_like_path(argument)


@pytest.mark.parametrize(
    "argument",
    [
        "Great film. 10/10",
        "It was fine. Really.",
        "hol",
        "10/10",
        "I.loved.it",
        "see notes.txt",
        "a\nb.csv",
        "",
    ],
)
def test_sentences_with_dots_or_slashes_are_texts(argument):
    assert not looks_like_path(argument)


def test_an_existing_file_is_a_path_even_with_spaces(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my reviews.txt").write_text("good\n", encoding="utf-8")
    assert looks_like_path("my reviews.txt") and not looks_like_path("my review.txt")
    (tmp_path / "runs").mkdir()
    assert looks_like_path("runs/missing") and not looks_like_path("walks/missing")


def test_text_files_split_on_newlines_only(tmp_path):
    # U+0085 (NEL) and U+2028 occur inside IMDB reviews; str.splitlines breaks at them
    lines = ["one\u0085review", "", "two\u2028lines", "   ", "three\x1cfour", "last"]
    path = tmp_path / "reviews.txt"
    path.write_bytes("\r\n".join(lines).encode("utf-8"))
    inputs = read_text_lines(path)
    assert list(inputs) == ["one\u0085review", "two\u2028lines", "three\x1cfour", "last"]
    assert inputs.ids == ["line 1", "line 3", "line 5", "line 6"]
    path.write_bytes(b"\xef\xbb\xbfwith a mark\n")  # a byte-order mark is not part of the text
    assert read_text_lines(path) == ["with a mark"]


def test_real_imdb_reviews_give_one_text_per_line(shared_data, tmp_path):
    frame = pd.read_csv(shared_data / "imdb_reviews" / "imdb_reviews.csv.gz", nrows=1000)
    texts = frame["text"].tolist()
    assert any("\x85" in t for t in texts)  # the case that gave 1,002 predictions
    path = tmp_path / "imdb.txt"
    path.write_text("\n".join(texts) + "\n", encoding="utf-8")
    inputs = get_case_study("sentiment").read_inputs(str(path), None)
    assert len(inputs) == 1000 and list(inputs) == texts
    assert inputs.ids[-1] == "line 1000"


def test_undecodable_and_blank_text_files_are_refused(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("fine\ncaf\xe9\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin1.txt is not UTF-8 text: byte 0xe9 at line 2"):
        read_texts(str(path))
    path.write_text("\n  \n\r\n", encoding="utf-8")
    with pytest.raises(ValueError, match="holds no text"):
        read_texts(str(path))


def test_a_text_argument_is_one_text_named_by_its_head():
    text = "A long review that goes on. And on, with a dot and 7/10."
    inputs = read_texts(text)
    assert list(inputs) == [text]
    assert inputs.ids == [text_head(text)] and inputs.ids[0].endswith("...")
    assert len(inputs.ids[0]) <= 33 and text.startswith(inputs.ids[0][:-3])
    assert read_texts("short\n text").ids == ["short text"]
    with pytest.raises(ValueError, match="empty"):
        read_texts("   ")


def test_check_texts_refuses_non_text_inputs():
    assert check_texts("abc", "char_lm") == ["abc"]
    with pytest.raises(TypeError, match="char_lm predicts from texts; input 1 is not a string"):
        check_texts(["abc", np.zeros((3, 2))], "char_lm")
    with pytest.raises(ValueError, match="empty text"):
        check_texts([""], "char_lm")


# a line's text: no line break, not only whitespace; "\ufeff" first would read as a
# byte-order mark, and surrogates cannot be written as UTF-8
line_texts = st.text(
    st.characters(blacklist_characters="\n\r\ufeff", blacklist_categories=("Cs",)),
    min_size=1,
).filter(lambda t: t.strip())


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(line_texts, min_size=1, max_size=8))
def test_texts_round_trip_through_a_file(tmp_path_factory, texts):
    path = tmp_path_factory.mktemp("texts") / "texts.txt"
    path.write_bytes("\n".join(texts).encode("utf-8"))
    inputs = read_texts(str(path))
    assert list(inputs) == texts
    assert inputs.ids == [f"line {n}" for n in range(1, len(texts) + 1)]


# --- sequences ------------------------------------------------------------------------


def test_missing_and_wrong_kinds_of_sequence_file_are_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"No such input file: .*nope.csv"):
        read_sequences(tmp_path / "nope.csv", "nox")
    (tmp_path / "values.txt").write_text("1,2\n")
    with pytest.raises(ValueError, match=r"nox predicts from sequences.*Received: .*values.txt"):
        read_sequences(tmp_path / "values.txt", "nox")
    with pytest.raises(ValueError, match=r"\(a folder\)"):
        read_sequences(tmp_path, "nox")


@pytest.mark.parametrize("shape", [(), (7,), (2, 3, 4, 5)])
def test_npy_arrays_of_the_wrong_rank_are_refused(tmp_path, shape):
    np.save(tmp_path / "x.npy", np.zeros(shape, "float32"))
    with pytest.raises(ValueError, match=r"a \(T, F\) sequence .* an \(N, T, F\) batch") as error:
        read_sequences(tmp_path / "x.npy")
    assert str(error.value).endswith(f"Received: an array of shape {shape}")


def test_a_one_dimensional_npy_is_a_series_only_where_allowed(tmp_path):
    np.save(tmp_path / "series.npy", np.arange(5, dtype="float32"))
    (series,) = read_sequences(tmp_path / "series.npy", univariate=True)
    assert series.shape == (5, 1)
    with pytest.raises(ValueError, match=r"shape \(5,\)"):
        read_sequences(tmp_path / "series.npy")


def test_empty_and_garbage_files_are_refused(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(ValueError, match="empty.csv holds no rows"):
        read_sequences(tmp_path / "empty.csv")
    (tmp_path / "header.csv").write_text("a,b\n")
    with pytest.raises(ValueError, match="header.csv holds only a header row"):
        read_sequences(tmp_path / "header.csv")
    (tmp_path / "empty.npy").write_bytes(b"")
    with pytest.raises(ValueError, match="empty.npy is not a .npy file"):
        read_sequences(tmp_path / "empty.npy")
    np.save(tmp_path / "none.npy", np.zeros((3, 0, 2)))
    with pytest.raises(ValueError, match=r"holds no values.*\(3, 0, 2\)"):
        read_sequences(tmp_path / "none.npy")
    np.save(tmp_path / "words.npy", np.array([["a", "b"]]))
    with pytest.raises(ValueError, match="must hold numbers"):
        read_sequences(tmp_path / "words.npy")


def test_csv_cells_are_checked_one_by_one(tmp_path):
    path = tmp_path / "signals.csv"
    path.write_text("speed,torque\n1.0,2.0\n\n3.0,high\n")
    with pytest.raises(ValueError, match=r"signals.csv line 4, column 'torque': not a number"):
        read_sequences(path)
    path.write_text("1,2\n3,4,5\n")
    with pytest.raises(ValueError, match="line 2 has 3 cells; the file has 2 columns"):
        read_sequences(path)
    path.write_text("1,2\n3,inf\n")
    with pytest.raises(ValueError, match=r"line 2 \(time step 1\), column 2: not a finite"):
        read_sequences(path)
    path.write_text("1,2\n3,1e39\n")
    with pytest.raises(ValueError, match="too large for float32"):
        read_sequences(path)


def test_nan_in_a_batch_names_the_row_and_time_step(tmp_path):
    batch = np.ones((3, 4, 2), "float32")
    batch[2, 1, 0] = np.nan
    np.save(tmp_path / "batch.npy", batch)
    with pytest.raises(ValueError, match="batch.npy row 2, time step 1, feature 0: not a finite"):
        read_sequences(tmp_path / "batch.npy")


@settings(max_examples=40, deadline=None)
@given(
    batch=hnp.arrays(
        "float32",
        hnp.array_shapes(min_dims=3, max_dims=3, max_side=6),
        elements=st.floats(width=32, allow_nan=False, allow_infinity=False),
    )
)
def test_batches_round_trip_through_npy(tmp_path_factory, batch):
    path = tmp_path_factory.mktemp("npy") / "batch.npy"
    np.save(path, batch)
    inputs = read_sequences(path)
    assert inputs.ids == [f"row {i}" for i in range(len(batch))]
    np.testing.assert_array_equal(np.stack(inputs), batch)


@settings(max_examples=40, deadline=None)
@given(
    values=hnp.arrays(
        "float32",
        hnp.array_shapes(min_dims=2, max_dims=2, max_side=8),
        elements=st.floats(width=32, allow_nan=False, allow_infinity=False),
    ),
    header=st.booleans(),
)
def test_a_sequence_round_trips_through_csv(tmp_path_factory, values, header):
    path = tmp_path_factory.mktemp("csv") / "sequence.csv"
    names = ",".join(string.ascii_lowercase[j] for j in range(values.shape[1]))
    rows = "\r\n".join(",".join(repr(float(v)) for v in row) for row in values)
    path.write_text((names + "\n" if header else "") + rows + "\n")
    (sequence,) = inputs = read_sequences(path)
    assert inputs.ids == ["sequence.csv"] and sequence.dtype == np.float32
    np.testing.assert_array_equal(sequence, values)


def test_check_features_names_the_input_and_both_counts():
    inputs = Inputs([np.zeros((4, 12)), np.zeros((4, 5))], ["row 0", "row 1"])
    with pytest.raises(ValueError, match=r"reads 12 feature\(s\) per time step; row 1 has 5 feat"):
        check_features(inputs, 12)
    check_features([np.zeros(4)], 1)  # a (T,) series is one feature


# --- images and clips -----------------------------------------------------------------


def test_input_paths_refuse_missing_paths_wrong_files_and_empty_folders(tmp_path):
    with pytest.raises(FileNotFoundError, match="No such file or folder"):
        input_paths(tmp_path / "nope", (".png",), "Give images.")
    (tmp_path / "table.csv").write_text("1\n")
    with pytest.raises(ValueError, match=r"Give images. Received: .*table.csv"):
        input_paths(tmp_path / "table.csv", (".png",), "Give images.")
    with pytest.raises(ValueError, match="holds no .png file"):
        input_paths(tmp_path, (".png",), "Give images.")
    (tmp_path / "b.PNG").write_bytes(b"")
    (tmp_path / ".a.png").write_bytes(b"")
    assert input_paths(tmp_path, (".png",), "Give images.") == [tmp_path / "b.PNG"]


# --- the studies' read_inputs ---------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CASE_STUDIES))
def test_every_study_refuses_a_missing_path(name, tmp_path):
    study = get_case_study(name)
    for missing in ("nothing.npy", "nothing.txt", "nothing.png"):
        with pytest.raises(FileNotFoundError, match="nothing"):
            study.read_inputs(str(tmp_path / missing), study.Config.fast())


def test_sentiment_takes_texts_and_refuses_tables(tmp_path):
    study, config = get_case_study("sentiment"), None
    (tmp_path / "reviews.csv").write_text("text,label\ngood,1\n")
    with pytest.raises(ValueError, match=rf"{SENTIMENT}: give the text itself .*reviews.csv"):
        study.read_inputs(str(tmp_path / "reviews.csv"), config)
    np.save(tmp_path / "reviews.npy", np.zeros((2, 3)))
    with pytest.raises(ValueError, match=SENTIMENT):
        study.read_inputs(str(tmp_path / "reviews.npy"), config)
    with pytest.raises(FileNotFoundError, match=rf"missing.csv. {SENTIMENT}"):
        study.read_inputs("missing.csv", config)
    review = "Not bad. The plot was thin, 6/10."
    assert study.read_inputs(review, config) == [review]


def test_char_lm_refuses_tables_before_they_reach_the_model(tmp_path):
    study = get_case_study("char_lm")
    config = study.Config.fast()
    (tmp_path / "prompts.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match=r"char_lm predicts the next character of a prompt"):
        study.read_inputs(str(tmp_path / "prompts.csv"), config)
    (tmp_path / "prompts.txt").write_text("En un lugar\n\nde la Mancha\n", encoding="utf-8")
    inputs = study.read_inputs(str(tmp_path / "prompts.txt"), config)
    assert inputs == ["En un lugar", "de la Mancha"] and inputs.ids == ["line 1", "line 3"]
    run = Run(name="char_lm", config=config, model=None, class_names=["?", "a"])
    with pytest.raises(TypeError, match="input 0 is not a string. Received: ndarray"):
        study.predict(run, [np.zeros((2, 2))])


def test_japanese_vowels_reads_sequences_and_checks_their_features(tmp_path):
    study = get_case_study("japanese_vowels")
    config = study.Config.fast()
    (tmp_path / "utterance.txt").write_text("hello\n")
    with pytest.raises(ValueError, match="japanese_vowels predicts from sequences"):
        study.read_inputs(str(tmp_path / "utterance.txt"), config)
    np.save(tmp_path / "flat.npy", np.zeros(12, "float32"))
    with pytest.raises(ValueError, match=r"must hold a \(T, F\) sequence"):
        study.read_inputs(str(tmp_path / "flat.npy"), config)
    np.savetxt(tmp_path / "utterance.csv", np.ones((9, 5)), delimiter=",")
    inputs = study.read_inputs(str(tmp_path / "utterance.csv"), config)
    assert inputs.ids == ["utterance.csv"] and inputs[0].shape == (9, 5)
    data = study.load_data(config)
    run = Run(name="japanese_vowels", config=config, model=study.build_model(config, data))
    with pytest.raises(ValueError, match=r"12 feature\(s\) per time step; utterance.csv has 5"):
        study.predict(run, inputs)


def test_captioning_reads_images_named_by_file(tmp_path):
    study = get_case_study("captioning")
    config = study.Config.fast()
    (tmp_path / "table.csv").write_text("1,2\n")
    with pytest.raises(ValueError, match=r"captioning describes images.*table.csv"):
        study.read_inputs(str(tmp_path / "table.csv"), config)
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "notes.txt").write_text("not an image")
    with pytest.raises(ValueError, match="holds no .jpg, .jpeg, .png file"):
        study.read_inputs(str(folder), config)
    for name in ("b.png", "a.jpg"):
        Image.fromarray(np.full((20, 30, 3), 90, np.uint8)).save(folder / name)
    inputs = study.read_inputs(str(folder), config)
    assert inputs.ids == ["a.jpg", "b.png"] and len(inputs) == 2


def test_video_reads_one_clip_named_by_its_folder(tmp_path):
    study = get_case_study("video")
    config = study.Config.fast()
    folder = tmp_path / "clip"
    folder.mkdir()
    with pytest.raises(ValueError, match="holds no .png, .jpg, .jpeg, .bmp file"):
        study.read_inputs(str(folder), config)
    (tmp_path / "clip.csv").write_text("1\n")
    with pytest.raises(ValueError, match=r"video predicts from one clip.*clip.csv"):
        study.read_inputs(str(tmp_path / "clip.csv"), config)
    for t in range(3):
        Image.fromarray(np.full((40, 40), 50 * t, np.uint8)).save(folder / f"{t:03d}.png")
    inputs = study.read_inputs(str(folder) + "/", config)
    assert inputs.ids == ["clip"] and inputs[0].shape == (3, 32, 32, 1)


def test_hola_gives_one_row_per_letter_each_with_its_line(tmp_path):
    study = get_case_study("hola")
    run = study.train(study.Config.fast())
    (tmp_path / "words.txt").write_text("hol\n\nh\n")
    inputs = study.read_inputs(str(tmp_path / "words.txt"), run.config)
    rows = inputs.with_ids(study.predict(run, inputs))
    assert [row[0] for row in rows] == ["line 1"] * 3 + ["line 3"]
    np.save(tmp_path / "letters.npy", np.zeros((3, 4)))
    with pytest.raises(ValueError, match="hola predicts the next letter.*letters.npy"):
        study.read_inputs(str(tmp_path / "letters.npy"), run.config)


def test_engine_nox_rows_are_seconds_of_each_sequence(tmp_path):
    study = get_case_study("engine_nox")
    config = study.Config.fast()
    run = Run(
        name="engine_nox", config=config, model=study.build_model(config, study.load_data(config))
    )
    np.save(tmp_path / "cycles.npy", np.ones((2, 7, 5), "float32"))
    inputs = study.read_inputs(str(tmp_path / "cycles.npy"), config)
    rows = inputs.with_ids(study.predict(run, inputs))
    assert [row[0] for row in rows] == ["row 0"] * 7 + ["row 1"] * 7
    np.savetxt(tmp_path / "four.csv", np.ones((6, 4)), delimiter=",")
    with pytest.raises(ValueError, match=r"reads 5 feature\(s\) per time step; four.csv has 4"):
        study.predict(run, study.read_inputs(str(tmp_path / "four.csv"), config))


def test_forecasting_rows_are_steps_ahead_of_each_series(tmp_path):
    study = get_case_study("forecasting")
    config = study.Config.fast()
    data = study.load_data(config)
    run = Run(name="forecasting", config=config, model=study.build_model(config, data), data=data)
    np.save(tmp_path / "series.npy", np.asarray(data.x_test[0][:, 0], "float32"))
    inputs = study.read_inputs(str(tmp_path / "series.npy"), config)
    rows = inputs.with_ids(study.predict(run, inputs))
    assert len(rows) == inputs.rows_per_item[0] > 1
    assert {row[0] for row in rows} == {"series.npy"}
    np.savetxt(tmp_path / "two.csv", np.ones((20, 2)), delimiter=",")
    with pytest.raises(ValueError, match=r"reads 1 feature\(s\) per time step; two.csv has 2"):
        study.predict(run, study.read_inputs(str(tmp_path / "two.csv"), config))


def test_a_pandas_default_header_is_not_read_as_a_time_step(tmp_path):
    import pandas as pd

    values = np.arange(12, dtype="float32").reshape(4, 3) / 7
    pd.DataFrame(values).to_csv(tmp_path / "u.csv", index=False)  # header "0,1,2"
    (sequence,) = read_sequences(tmp_path / "u.csv")
    np.testing.assert_array_equal(sequence, values)


def test_named_columns_are_read_in_the_models_order(tmp_path):
    import pandas as pd

    from lstm_apps.tasks import get_case_study

    engine_nox = get_case_study("engine_nox")
    names = list(engine_nox.FEATURES)
    values = np.random.default_rng(0).normal(size=(6, len(names))).astype("float32")
    frame = pd.DataFrame(values, columns=names)
    frame[names[::-1]].to_csv(tmp_path / "reversed.csv", index=False)
    (sequence,) = engine_nox.read_inputs(tmp_path / "reversed.csv", engine_nox.Config.fast())
    np.testing.assert_array_equal(sequence, values)
    frame.rename(columns={names[0]: "rpm"}).to_csv(tmp_path / "renamed.csv", index=False)
    with pytest.raises(ValueError, match=rf"missing \['{names[0]}'\], not features .*\['rpm'\]"):
        engine_nox.read_inputs(tmp_path / "renamed.csv", engine_nox.Config.fast())
    frame.to_csv(tmp_path / "unnamed.csv", index=False, header=False)  # file order
    (sequence,) = engine_nox.read_inputs(tmp_path / "unnamed.csv", engine_nox.Config.fast())
    np.testing.assert_array_equal(sequence, values)
