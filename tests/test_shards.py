"""Sharded data sets (issue 28): writing, the manifest, checksums and streaming them back."""

from __future__ import annotations

import argparse
import json

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf
from conftest import random_sequences

from lstm_apps.scaling.shard_command import add_shard_parser, cmd_shard
from lstm_apps.scaling.shards import (
    ShardWriter,
    manifest_normalization,
    read_manifest,
    shard_dataset,
    verify_shards,
    write_shards,
)
from lstm_apps.scaling.study_shards import check_sequence_list, write_study_shards
from lstm_apps.tasks.registry import get_case_study, make_config


def read_back(folder, batch_size=4, **kwargs):
    """Every (sequence, label) of a folder's batches, unpadded by the known lengths."""
    x_rows, y_rows = [], []
    for batch in shard_dataset(folder, batch_size, bucket_by_length=False, **kwargs):
        xb, yb = batch if isinstance(batch, tuple) else (batch, None)
        x_rows += list(xb.numpy())
        y_rows += [] if yb is None else list(yb.numpy())
    return x_rows, y_rows


def test_round_trip_in_written_order(tmp_path):
    keras.utils.set_random_seed(1)
    x = random_sequences(23, 3, low=2, high=12, seed=1)
    y = np.random.default_rng(1).integers(0, 4, size=23)
    manifest = write_shards(tmp_path / "s", x, y, sequences_per_shard=5, class_names=list("abcd"))
    assert manifest == read_manifest(tmp_path / "s")
    assert [s["num_sequences"] for s in manifest["shards"]] == [5, 5, 5, 5, 3]
    assert manifest["label"] == {
        "kind": "class", "per_step": False, "shape": [], "num_classes": 4,
        "class_names": ["a", "b", "c", "d"],
    }  # fmt: skip
    x_rows, y_rows = read_back(tmp_path / "s")
    assert len(x_rows) == 23
    for seq, row in zip(x, x_rows):
        np.testing.assert_array_equal(row[: len(seq)], seq)
        assert not row[len(seq) :].any()  # right-padded with zeros
    np.testing.assert_array_equal(y_rows, y)
    batch = next(iter(shard_dataset(tmp_path / "s", 4, bucket_by_length=False)))
    assert batch[0].dtype == tf.float32 and batch[1].dtype == tf.int32


def test_values_unlabelled_and_padding_value(tmp_path):
    x = random_sequences(6, 2, seed=2)
    y = np.random.default_rng(2).normal(size=(6, 3)).astype("float32")
    manifest = write_shards(tmp_path / "v", x, y, compression="ZLIB")
    assert manifest["label"] == {"kind": "value", "per_step": False, "shape": [3]}
    assert manifest["shards"][0]["file"].endswith(".zz")
    _, y_rows = read_back(tmp_path / "v")
    np.testing.assert_allclose(y_rows, y)
    write_shards(tmp_path / "u", x, compression=None)
    (xb,) = [b for b in shard_dataset(tmp_path / "u", 8, bucket_by_length=False, padding_value=-9)]
    assert isinstance(xb, tf.Tensor) and xb.shape[0] == 6
    longest = max(len(s) for s in x)
    shortest = int(np.argmin([len(s) for s in x]))
    assert np.all(xb.numpy()[shortest, len(x[shortest]) : longest] == -9)


def test_per_step_labels(tmp_path):
    x = random_sequences(9, 2, low=3, high=8, seed=3)
    codes = [np.random.default_rng(i).integers(-1, 3, size=len(s)) for i, s in enumerate(x)]
    manifest = write_shards(tmp_path / "c", x, codes, sequences_per_shard=4)
    assert manifest["label"]["per_step"] and manifest["label"]["num_classes"] == 3
    _, y_rows = read_back(tmp_path / "c", batch_size=9)
    for target, row in zip(codes, y_rows):
        np.testing.assert_array_equal(row[: len(target)], target)
        assert np.all(row[len(target) :] == -1)  # padded steps are unlabelled
    values = [np.random.default_rng(i).normal(size=(len(s), 2)) for i, s in enumerate(x)]
    write_shards(tmp_path / "r", x, values)
    batch = next(iter(shard_dataset(tmp_path / "r", 9, bucket_by_length=False)))
    assert batch[1].shape == (9, max(len(s) for s in x), 2)
    np.testing.assert_allclose(batch[1][0, : len(x[0])], values[0], rtol=1e-6)


def test_manifest_statistics_match_numpy(tmp_path):
    rng = np.random.default_rng(4)
    x = [(rng.normal(size=(int(t), 5)) * [1, 10, 100, 0.1, 1] + 1000).astype("float32")
         for t in rng.integers(1, 40, size=60)]  # fmt: skip
    manifest = write_shards(tmp_path / "m", x, sequences_per_shard=16)
    steps = np.concatenate(x).astype("float64")
    np.testing.assert_allclose(manifest["feature_mean"], steps.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(manifest["feature_variance"], steps.var(axis=0), rtol=1e-5)
    lengths = [len(s) for s in x]
    assert manifest["num_steps"] == len(steps) and manifest["num_sequences"] == 60
    assert (manifest["lengths"]["min"], manifest["lengths"]["max"]) == (min(lengths), max(lengths))
    assert manifest["lengths"]["mean"] == pytest.approx(np.mean(lengths))
    assert sum(manifest["lengths"]["histogram"]["counts"]) == 60
    assert manifest["lengths"]["quantiles"][10][1] == np.sort(lengths)[29]  # the median
    mean, variance = manifest_normalization(manifest)
    assert mean.dtype == np.float32 and variance.shape == (5,)
    layer = keras.layers.Normalization(mean=mean, variance=variance)
    scaled = np.asarray(layer(np.concatenate(x)[None]))[0]
    np.testing.assert_allclose(scaled.mean(axis=0), 0, atol=1e-3)


def test_verify_catches_a_corrupted_byte(tmp_path):
    manifest = write_shards(tmp_path / "k", random_sequences(12, 2), sequences_per_shard=6)
    verify_shards(tmp_path / "k")
    path = tmp_path / "k" / manifest["shards"][1]["file"]
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=f"{manifest['shards'][1]['file']} is corrupt"):
        verify_shards(tmp_path / "k")


def test_workers_read_disjoint_files_covering_everything(tmp_path):
    x = [np.full((2 + i % 3, 1), i, dtype="float32") for i in range(20)]
    write_shards(tmp_path / "w", x, np.arange(20) % 2, sequences_per_shard=3)  # 7 files
    seen = []
    for worker in range(2):
        context = tf.distribute.InputContext(2, worker, num_replicas_in_sync=2)
        dataset = shard_dataset(tmp_path / "w", 8, input_context=context, shuffle_buffer=5)
        assert dataset.options().experimental_distribute.auto_shard_policy == (
            tf.data.experimental.AutoShardPolicy.OFF
        )
        batches = list(dataset)
        assert max(len(b[0]) for b in batches) <= 4  # the per-replica batch
        seen.append({int(row[0, 0]) for b in batches for row in b[0].numpy()})
    assert not seen[0] & seen[1] and seen[0] | seen[1] == set(range(20))
    assert seen[0] == {i for i in range(20) if (i // 3) % 2 == 0}  # files 0, 2, 4, 6
    many = tf.distribute.InputContext(8, 0, num_replicas_in_sync=8)
    with pytest.raises(ValueError, match="holds 7 shard files, fewer than the 8 input"):
        shard_dataset(tmp_path / "w", 8, input_context=many)


def test_bucketing_pads_less_than_plain_batches(tmp_path):
    rng = np.random.default_rng(5)
    lengths = rng.choice([3, 10, 40, 120], size=256)
    x = [np.ones((int(t), 1), dtype="float32") for t in lengths]
    write_shards(tmp_path / "b", x, np.zeros(256, dtype=int), sequences_per_shard=64)

    def padding(bucket):
        batches = shard_dataset(tmp_path / "b", 16, shuffle_buffer=256, bucket_by_length=bucket)
        total = [(b[0].shape[0] * b[0].shape[1], int(tf.reduce_sum(b[0]))) for b in batches]
        assert sum(real for _, real in total) == lengths.sum()  # every step read once
        return sum(cells - real for cells, real in total)

    assert padding(True) < 0.5 * padding(False)


def test_shuffling_is_seeded_and_repeat_goes_on(tmp_path):
    x = [np.full((3, 1), i, dtype="float32") for i in range(40)]
    write_shards(tmp_path / "s", x, sequences_per_shard=10)

    def order(seed):
        dataset = shard_dataset(tmp_path / "s", 40, shuffle_buffer=40, seed=seed)
        return [int(v) for b in dataset for v in b[:, 0, 0].numpy()]

    assert order(3) == order(3) and order(3) != order(4) and sorted(order(3)) == list(range(40))
    repeated = shard_dataset(tmp_path / "s", 16, repeat=True, bucket_by_length=False)
    assert sum(len(b) for b in repeated.take(6)) == 96  # beyond the 40 written


def test_bad_inputs_name_the_problem(tmp_path):
    good = random_sequences(3, 2)
    cases = [
        ([], None, r"holds no sequences"),
        ([np.ones((2, 2)), np.ones((2, 3))], None, r"same number of features.*\[2, 3\]"),
        ([np.ones((2, 2)), np.array([[0.0, np.nan]])], None, r"x\[1\]` contains NaN"),
        ([np.ones((2, 2)), np.ones((0, 2))], None, r"x\[1\]` is an empty sequence"),
        (good, [0, 1], r"expected 3, received 2"),
        (good, [np.zeros(len(s) + (i == 2)) for i, s in enumerate(good)], r"sequence #2.*has"),
        (good, ["a", "b", "c"], r"must be numeric"),
    ]
    for x, y, pattern in cases:
        with pytest.raises(ValueError, match=pattern):
            write_shards(tmp_path / "bad", x, y)
    with pytest.raises(ValueError, match=r"sequence #2 must lie in \[0, 1\]. Received: 5"):
        write_shards(tmp_path / "bad", good, [0, 1, 5], class_names=["no", "yes"])
    with pytest.raises(ValueError, match=r"`compression` must be.*'BZIP2'"):
        write_shards(tmp_path / "bad", good, compression="BZIP2")
    assert not (tmp_path / "bad").exists()  # nothing was written
    with ShardWriter(tmp_path / "stream", num_features=2) as writer:
        writer.add(good[0], 1)
        with pytest.raises(ValueError, match=r"sequence #1: the sequence contains NaN"):
            writer.add(np.array([[1.0, np.inf]]), 0)
        with pytest.raises(ValueError, match=r"value label of shape \(\); the earlier ones are"):
            writer.add(good[1], 0.5)
    assert writer.manifest["num_sequences"] == 1
    with pytest.raises(ValueError, match="No sequences were written"):
        ShardWriter(tmp_path / "empty", num_features=2).close()


def test_overwrite_and_half_written_folders(tmp_path):
    x = random_sequences(4, 2)
    write_shards(tmp_path / "o", x, sequences_per_shard=1)
    with pytest.raises(ValueError, match=r"is not empty; pass overwrite=True"):
        write_shards(tmp_path / "o", x)
    manifest = write_shards(tmp_path / "o", x[:2], overwrite=True, compression="")
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == [
        "manifest.json", "shard-00000.tfrecord"
    ]  # fmt: skip
    assert manifest["num_sequences"] == 2
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match=r"Refusing to overwrite .*other.*holds no manifest"):
        write_shards(tmp_path / "other", x, overwrite=True)
    with (
        pytest.raises(RuntimeError, match="stop"),
        ShardWriter(tmp_path / "crash", num_features=2, sequences_per_shard=1) as writer,
    ):
        writer.add(x[0])
        writer.add(x[1])
        raise RuntimeError("stop")
    assert list((tmp_path / "crash").iterdir()) == []  # no shard and no manifest left
    with pytest.raises(ValueError, match="holds no manifest.json"):
        read_manifest(tmp_path / "crash")


def test_read_manifest_refuses_bad_manifests(tmp_path):
    write_shards(tmp_path / "g", random_sequences(5, 2), sequences_per_shard=2)
    path = tmp_path / "g" / "manifest.json"
    original = json.loads(path.read_text())
    edits = [
        ({"format": "other/9"}, r"unsupported format.*Received: 'other/9'"),
        ({"num_features": "2"}, r"'num_features' must be of type int. Received: '2'"),
        ({"compression": "BZIP2"}, r"'compression' must be one of.*'BZIP2'"),
        ({"num_sequences": 6}, r"hold 5 sequences in all.*Received: 6"),
        ({"shards": [{**original["shards"][0], "file": "../x"}]}, r"plain file name"),
    ]
    for change, pattern in edits:
        path.write_text(json.dumps({**original, **change}))
        with pytest.raises(ValueError, match=pattern):
            read_manifest(tmp_path / "g")
    path.write_text(json.dumps({k: v for k, v in original.items() if k != "lengths"}))
    with pytest.raises(ValueError, match="missing key 'lengths'"):
        read_manifest(tmp_path / "g")
    path.write_text(json.dumps(original))
    (tmp_path / "g" / original["shards"][2]["file"]).unlink()
    with pytest.raises(ValueError, match=r"shard file .*shard-00002.* is missing"):
        read_manifest(tmp_path / "g")


def test_japanese_vowels_study_as_shards(tmp_path):
    manifests = write_study_shards("japanese_vowels", tmp_path, sequences_per_shard=50)
    data = get_case_study("japanese_vowels").load_data(make_config("japanese_vowels"))
    assert {k: v["num_sequences"] for k, v in manifests.items()} == {"train": 270, "test": 370}
    for split, x in (("train", data.x_train), ("test", data.x_test)):
        manifest = read_manifest(tmp_path / split)
        assert manifest["num_sequences"] == len(x) == sum(len(b[1]) for b in shard_dataset(
            tmp_path / split, 64, bucket_by_length=False))  # fmt: skip
        assert manifest["num_features"] == 12 and manifest["label"]["num_classes"] == 9
        assert manifest["source"]["study"] == "japanese_vowels"
        np.testing.assert_allclose(
            manifest["feature_mean"], np.concatenate(x).mean(axis=0), rtol=1e-4, atol=1e-6
        )
    assert len(manifests["test"]["shards"]) == 8  # 370 sequences, 50 per shard
    assert manifests["train"]["label"]["class_names"] == list(data.class_names)
    with pytest.raises(ValueError, match="is not empty"):
        write_study_shards("japanese_vowels", tmp_path, fast=True)
    with pytest.raises(ValueError, match="Unknown case study 'nope'"):
        write_study_shards("nope", tmp_path)
    tokens = [np.array([3, 1, 4]), np.array([1, 5])]  # a text study's token ids
    with pytest.raises(ValueError, match=r"'sentiment' study's data.*x_train\[0\] is a ndarray of"):
        check_sequence_list("sentiment", "x_train", tokens)
    check_sequence_list("japanese_vowels", "x_train", data.x_train)  # accepted


def test_long_format_csv_through_the_command(tmp_path, capsys):
    rng = np.random.default_rng(6)
    rows = []
    for i in range(24):
        label = ["walk", "run"][i % 2]
        for _ in range(int(rng.integers(4, 9))):
            rows.append({"sequence": f"s{i}", "label": label, "a": rng.normal() + (i % 2),
                         "b": rng.normal(), "split": "test" if i >= 18 else "train"})  # fmt: skip
    path = tmp_path / "mine.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    parser = argparse.ArgumentParser()
    add_shard_parser(parser.add_subparsers(dest="command"), argparse.ArgumentParser(add_help=False))
    output = tmp_path / "out"
    args = parser.parse_args(
        ["shard", "sequences", "--output", str(output), "--set", f"data={path}",
         "--set", "validation_fraction=0.25", "--sequences-per-shard", "5",
         "--compression", "none"]
    )  # fmt: skip
    cmd_shard(args)
    printed = capsys.readouterr().out
    counts = {
        s: read_manifest(output / s)["num_sequences"] for s in ("train", "validation", "test")
    }
    assert counts == {"train": 13, "validation": 5, "test": 6}
    assert "validation" in printed and str(output / "test" / "manifest.json") in printed
    manifest = read_manifest(output / "train")
    assert manifest["num_features"] == 2 and manifest["compression"] == ""
    assert manifest["label"]["class_names"] == ["run", "walk"]
    assert len(manifest["shards"]) == 3
    bad = parser.parse_args(["shard", "sequences", "--output", str(output), "--set", "nope=1"])
    with pytest.raises(ValueError, match="Unknown field 'nope'"):
        cmd_shard(bad)
