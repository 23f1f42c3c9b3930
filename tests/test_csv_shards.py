"""Streaming a long-format CSV into shard folders (`lstm_apps.scaling.csv_shards`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lstm_apps.cli import main
from lstm_apps.data.sequences import SequenceLabelEncoder
from lstm_apps.data.tables import read_long_format
from lstm_apps.scaling.csv_shards import write_csv_shards
from lstm_apps.scaling.shards import read_manifest, shard_dataset, write_shards

STATS = ("num_sequences", "num_steps", "num_features", "lengths", "feature_mean",
         "feature_variance", "label")  # fmt: skip


def long_csv(path, labels, splits=None, *, per_step=False, seed=0, lengths=None):
    """Write a long-format CSV: sequence i has label `labels[i]` (per step: a list of them)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i, label in enumerate(labels):
        length = len(label) if per_step else (lengths[i] if lengths else int(rng.integers(1, 13)))
        for t in range(length):
            row = {"sequence": f"s{i}", "label": label[t] if per_step else label}
            row |= {"a": rng.normal(), "b": rng.uniform(-5, 5), "c": float(rng.integers(0, 9))}
            if splits is not None:
                row["split"] = splits[i]
            rows.append(row)
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def read_folder(folder):
    """(sequences, labels) of a shard folder, in written order, one sequence per batch."""
    xs, ys = [], []
    for x, y in shard_dataset(folder, 1, shuffle_buffer=0, bucket_by_length=False):
        xs.append(x.numpy()[0])
        ys.append(y.numpy()[0])
    return xs, ys


def in_memory(path, tmp_path, task, per_step=False):
    """The in-memory route: read_long_format, the study's label encoding, write_shards."""
    table = read_long_format(path, per_step_labels=per_step)
    splits = [s for s in ("train", "validation", "test", "all") if s in table]
    names, encoder = None, None
    if task == "classification":
        encoder = SequenceLabelEncoder().fit(table[splits[0]][1])
        names = [str(c) for c in encoder.classes_]
    out = {}
    for split in splits:
        x, y = table[split]
        if encoder is not None:
            y = encoder.transform(y)
        else:
            y = [np.asarray(v, "float32") for v in y] if per_step else np.asarray(y, "float32")
        manifest = write_shards(tmp_path / "memory" / split, x, y, class_names=names)
        out[split] = (x, y, manifest)
    return out


def assert_same(manifests, expected, root):
    assert list(manifests) == list(expected)
    for split, (x, y, manifest) in expected.items():
        assert manifests[split] == read_manifest(root / split)
        assert {k: manifests[split][k] for k in STATS} == {k: manifest[k] for k in STATS}
        xs, ys = read_folder(root / split)
        assert len(xs) == len(x)
        for got, want in zip(xs, x):
            np.testing.assert_array_equal(got, want)
        for got, want in zip(ys, y):
            np.testing.assert_array_equal(got, want)


def test_text_classes_straddling_chunks_equal_the_in_memory_route(tmp_path):
    labels = ["10", "9", "walk", "run", "9", "10", "walk", "run", "10", "9", "run", "walk"]
    splits = ["train"] * 8 + ["validation", "test", "test", "validation"]
    lengths = [9, 1, 12, 3, 7, 2, 11, 5, 6, 8, 4, 10]  # the first chunk holds only "10" and "9"
    path = long_csv(tmp_path / "data.csv", labels, splits, lengths=lengths)
    root = tmp_path / "shards"
    manifests = write_csv_shards(path, root, chunk_rows=7, sequences_per_shard=3)
    assert manifests["train"]["label"]["class_names"] == ["10", "9", "run", "walk"]
    assert [s["num_sequences"] for s in manifests["train"]["shards"]] == [3, 3, 2]
    assert manifests["test"]["source"] == {"csv": "data.csv", "split": "test"}
    assert_same(manifests, in_memory(path, tmp_path, "classification"), root)


def test_numeric_labels_sort_as_numbers_or_become_values(tmp_path):
    path = long_csv(tmp_path / "codes.csv", [10, 2, 3, 2, 10, 3, 2], seed=1)
    manifests = write_csv_shards(path, tmp_path / "codes", chunk_rows=5)
    assert manifests["all"]["label"]["class_names"] == ["2", "3", "10"]
    assert_same(manifests, in_memory(path, tmp_path / "m1", "classification"), tmp_path / "codes")
    values = [0.5, 1.0, 2.25, -3.0, 2.25, 1.0]
    path = long_csv(tmp_path / "values.csv", values, ["train"] * 4 + ["test"] * 2, seed=2)
    manifests = write_csv_shards(path, tmp_path / "values", chunk_rows=4)
    assert manifests["train"]["label"] == {"kind": "value", "per_step": False, "shape": []}
    assert_same(manifests, in_memory(path, tmp_path / "m2", "regression"), tmp_path / "values")
    forced = write_csv_shards(path, tmp_path / "forced", labels="class", chunk_rows=4)
    assert forced["train"]["label"]["class_names"] == ["-3.0", "0.5", "1.0", "2.25"]


def test_per_step_labels(tmp_path):
    rng = np.random.default_rng(3)
    labels = [list(rng.choice(["sit", "stand", "lie"], size=int(n))) for n in (4, 9, 1, 6, 8, 3)]
    path = long_csv(tmp_path / "steps.csv", labels, ["train"] * 4 + ["test"] * 2, per_step=True)
    root = tmp_path / "shards"
    manifests = write_csv_shards(path, root, per_step_labels=True, chunk_rows=5)
    assert manifests["train"]["label"]["per_step"] is True
    assert manifests["train"]["label"]["class_names"] == ["lie", "sit", "stand"]
    assert_same(manifests, in_memory(path, tmp_path, "classification", per_step=True), root)
    targets = [list(rng.normal(size=int(n)).round(3)) for n in (5, 2, 7, 3)]
    path = long_csv(tmp_path / "targets.csv", targets, per_step=True, seed=5)
    manifests = write_csv_shards(path, tmp_path / "targets", per_step_labels=True, chunk_rows=4)
    assert manifests["all"]["label"] == {"kind": "value", "per_step": True, "shape": []}
    expected = in_memory(path, tmp_path / "m", "regression", per_step=True)
    assert_same(manifests, expected, tmp_path / "targets")


def no_manifest_left(root):
    return not list(root.rglob("manifest.json")) and not list(root.rglob("shard-*"))


def test_refusals_name_the_line_and_leave_nothing_valid(tmp_path):
    path = long_csv(tmp_path / "ok.csv", ["a", "b"] * 6, lengths=[3] * 12, seed=4)
    text = path.read_text().splitlines()
    text[33] = text[33].replace("s10,", "s2,", 1)  # line 34: s2 again, in the fifth chunk of 7
    (tmp_path / "again.csv").write_text("\n".join(text) + "\n")
    with pytest.raises(ValueError, match=r"sequence 's2'.*not contiguous.*line 34.*sort the file"):
        write_csv_shards(tmp_path / "again.csv", tmp_path / "out", chunk_rows=7)
    assert no_manifest_left(tmp_path) and not (tmp_path / "out").exists()
    text = path.read_text().splitlines()
    fields = text[30].split(",")
    fields[2] = "abc"  # line 31, feature column "a"
    text[30] = ",".join(fields)
    (tmp_path / "bad.csv").write_text("\n".join(text) + "\n")
    with pytest.raises(ValueError, match=r"Non-numeric value 'abc' in feature column 'a'.*line 31"):
        write_csv_shards(
            tmp_path / "bad.csv", tmp_path / "out", chunk_rows=7, sequences_per_shard=1
        )
    assert no_manifest_left(tmp_path) and not (tmp_path / "out").exists()
    with pytest.raises(ValueError, match="contiguous and in time order.*time_column='t'"):
        write_csv_shards(path, tmp_path / "out", time_column="t")
    with pytest.raises(ValueError, match=r"labels='value' needs numeric labels.*'a' on line 2"):
        write_csv_shards(path, tmp_path / "out", labels="value")
    unseen = long_csv(tmp_path / "unseen.csv", [1, 2, 1, 2, 1.5], ["train"] * 4 + ["test"])
    with pytest.raises(ValueError, match=r"test split of unseen.csv holds labels that the train"):
        write_csv_shards(unseen, tmp_path / "out", chunk_rows=3)  # whole training labels: classes
    spaced = long_csv(tmp_path / "spaced.csv", ["a", "b", "b", " a"], lengths=[4, 4, 4, 4])
    with pytest.raises(ValueError, match=r"' a', 'a'.*differ only in surrounding spaces"):
        write_csv_shards(spaced, tmp_path / "out", chunk_rows=5)  # in different chunks
    assert no_manifest_left(tmp_path) and not (tmp_path / "out").exists()


def test_overwrite_is_refused_then_replaces(tmp_path):
    path = long_csv(tmp_path / "d.csv", ["x", "y", "x", "y"], ["train", "train", "test", "test"])
    first = write_csv_shards(path, tmp_path / "s")
    with pytest.raises(ValueError, match="is not empty; pass overwrite=True"):
        write_csv_shards(path, tmp_path / "s")
    assert read_manifest(tmp_path / "s" / "train") == first["train"]
    again = write_csv_shards(path, tmp_path / "s", overwrite=True, compression="none")
    assert (
        again["test"]["compression"] == ""
        and read_manifest(tmp_path / "s" / "test") == again["test"]
    )


def test_the_shard_command_converts_a_csv(tmp_path, capsys):
    path = long_csv(tmp_path / "mine.csv", ["go", "stop"] * 5, ["train"] * 7 + ["test"] * 3)
    text = path.read_text().replace("sequence,label", "id,class", 1)
    path.write_text(text)
    out = tmp_path / "out"
    argv = [
        "shard",
        "--csv",
        str(path),
        "--output",
        str(out),
        "--sequence-column",
        "id",
        "--label-column",
        "class",
        "--chunk-rows",
        "6",
        "--sequences-per-shard",
        "2",
    ]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "Shards of CSV mine.csv" in printed and str(out / "test" / "manifest.json") in printed
    assert "labels: class (2 classes)" in printed
    assert read_manifest(out / "train")["num_sequences"] == 7
    assert main(["shard", "sequences", "--csv", str(path), "--output", str(out)]) == 2
    assert "exactly one" in capsys.readouterr().err
