"""Reading shard folders: the manifest, checksums, and a streaming `tf.data` pipeline.

`shard_dataset` never loads a folder: files are read through
`tf.data.TFRecordDataset`, interleaved, shuffled through a buffer of
`shuffle_buffer` sequences, bucketed by length and padded per batch, so a
process holds about `shuffle_buffer` sequences plus a few batches whatever
the folder's size. Normalization statistics come from the manifest
(`manifest_normalization`). The record format is described in
`lstm_apps.scaling.shard_writer`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import tensorflow as tf

from lstm_apps.checks import check_int, check_positive
from lstm_apps.scaling.shard_stats import UNLABELLED
from lstm_apps.scaling.shard_writer import COMPRESSIONS, FORMAT, MANIFEST
from lstm_apps.storage import file_sha256

REQUIRED = {
    "format": str,
    "created_by": str,
    "num_sequences": int,
    "num_features": int,
    "compression": str,
    "lengths": dict,
    "feature_mean": list,
    "feature_variance": list,
    "label": dict,
    "shards": list,
}
LABEL_KINDS = ("class", "value", None)


def _bad(file, message, value) -> ValueError:
    return ValueError(f"{file}: {message}. Received: {value!r}")


def read_manifest(directory) -> dict:
    """Read and check a shard folder's `manifest.json`.

    Args:
        directory: the shard folder.

    Returns:
        The manifest, as a dict.

    Raises:
        ValueError: for a missing folder or manifest, a manifest that is not
            JSON, of another format version, with a missing or wrongly typed
            key, counts that do not add up, or a listed shard file that is
            missing or not of the listed size.
    """
    folder = Path(directory)
    file = folder / MANIFEST
    if not folder.is_dir():
        raise ValueError(f"No shard folder at {folder}. Received: directory={str(folder)!r}")
    if not file.is_file():
        raise ValueError(
            f"{folder} holds no {MANIFEST}: it is not a shard folder, or its writing did not "
            f"finish. Received: directory={str(folder)!r}"
        )
    try:
        manifest = json.loads(file.read_text())
    except (ValueError, UnicodeDecodeError) as err:
        raise ValueError(f"{file} is not valid JSON: {err}") from None
    if not isinstance(manifest, dict):
        raise _bad(file, "expected a JSON object", type(manifest).__name__)
    if manifest.get("format") != FORMAT:
        raise _bad(file, f"unsupported format, expected {FORMAT!r}", manifest.get("format"))
    for key, kind in REQUIRED.items():
        if key not in manifest:
            raise _bad(file, f"missing key {key!r}", sorted(manifest))
        value = manifest[key]
        if not isinstance(value, kind) or isinstance(value, bool):
            raise _bad(file, f"{key!r} must be of type {kind.__name__}", value)
    for key in ("num_sequences", "num_features"):
        if manifest[key] < 1:
            raise _bad(file, f"{key!r} must be at least 1", manifest[key])
    if manifest["compression"] not in COMPRESSIONS:
        raise _bad(
            file, f"'compression' must be one of {list(COMPRESSIONS)}", manifest["compression"]
        )
    for key in ("feature_mean", "feature_variance"):
        if len(manifest[key]) != manifest["num_features"]:
            raise _bad(file, f"{key!r} must have num_features entries", manifest[key])
    if not {"min", "max", "mean", "quantiles"} <= set(manifest["lengths"]):
        raise _bad(file, "'lengths' needs min, max, mean and quantiles", manifest["lengths"])
    _check_label(file, manifest["label"])
    _check_shards(file, folder, manifest)
    return manifest


def _check_label(file, label):
    if label.get("kind", "missing") not in LABEL_KINDS or not isinstance(
        label.get("per_step"), bool
    ):
        raise _bad(file, "'label' needs kind ('class', 'value' or null) and per_step", label)
    if label["kind"] is not None and not isinstance(label.get("shape"), list):
        raise _bad(file, "'label' needs the shape of one label", label)
    if label["kind"] == "class" and not (
        isinstance(label.get("num_classes"), int) and label["num_classes"] >= 1
    ):
        raise _bad(file, "class labels need num_classes >= 1", label)


def _check_shards(file, folder, manifest):
    total = 0
    if not manifest["shards"]:
        raise _bad(file, "'shards' lists no file", manifest["shards"])
    for shard in manifest["shards"]:
        keys = {"file": str, "num_sequences": int, "bytes": int, "sha256": str}
        if not isinstance(shard, dict) or any(
            not isinstance(shard.get(k), t) or isinstance(shard.get(k), bool)
            for k, t in keys.items()
        ):
            raise _bad(file, "each shard needs file, num_sequences, bytes and sha256", shard)
        name = shard["file"]
        if not name or Path(name).name != name:
            raise _bad(file, "a shard file must be a plain file name in the folder", name)
        path = folder / name
        if not path.is_file():
            raise ValueError(f"{file}: the listed shard file {path} is missing.")
        if path.stat().st_size != shard["bytes"]:
            raise ValueError(
                f"{file}: the shard file {path} has {path.stat().st_size} bytes; the manifest "
                f"says {shard['bytes']} (truncated or replaced)."
            )
        total += shard["num_sequences"]
    if total != manifest["num_sequences"]:
        raise _bad(
            file,
            f"the shards hold {total} sequences in all, not num_sequences",
            manifest["num_sequences"],
        )


def verify_shards(directory) -> None:
    """Recompute every shard file's sha256 and compare it with the manifest's.

    Raises:
        ValueError: naming the first file whose checksum differs (and
            whatever `read_manifest` raises).
    """
    folder = Path(directory)
    manifest = read_manifest(folder)
    for shard in manifest["shards"]:
        digest = file_sha256(folder / shard["file"])
        if digest != shard["sha256"]:
            raise ValueError(
                f"Shard file {folder / shard['file']} is corrupt: its sha256 is {digest}, the "
                f"manifest says {shard['sha256']}."
            )


def manifest_normalization(manifest) -> tuple[np.ndarray, np.ndarray]:
    """The per-feature `(mean, variance)` of a manifest (or shard folder), as float32.

    Set a `keras.layers.Normalization(mean=mean, variance=variance)` layer
    from them without a pass over the data.
    """
    if not isinstance(manifest, dict):
        manifest = read_manifest(manifest)
    return (
        np.asarray(manifest["feature_mean"], dtype=np.float32),
        np.asarray(manifest["feature_variance"], dtype=np.float32),
    )


def bucket_boundaries(manifest, num_buckets=8) -> list[int]:
    """Length boundaries splitting the manifest's sequences into about `num_buckets` equal
    parts, read from its length quantiles (exclusive upper ends, as
    `tf.data.Dataset.bucket_by_sequence_length` takes them)."""
    quantiles = manifest["lengths"]["quantiles"]
    lengths = manifest["lengths"]
    picked = {
        int(quantiles[round(k * (len(quantiles) - 1) / num_buckets)][1]) + 1
        for k in range(1, num_buckets)
    }
    return sorted(b for b in picked if lengths["min"] < b <= lengths["max"])


def _parser(manifest):
    """The function that turns one serialized record into `x` or `(x, y)`."""
    num_features = manifest["num_features"]
    label = manifest["label"]
    spec = {
        "values": tf.io.FixedLenFeature([], tf.string),
        "length": tf.io.FixedLenFeature([], tf.int64),
    }
    shape = label.get("shape") or []
    dtype = tf.int64 if label["kind"] == "class" else tf.float32
    if label["kind"] is not None:
        size = int(np.prod(shape)) if shape else 1
        spec["label"] = (
            tf.io.FixedLenSequenceFeature([], dtype, allow_missing=True)
            if label["per_step"]
            else tf.io.FixedLenFeature([size], dtype)
        )

    def parse(record):
        found = tf.io.parse_single_example(record, spec)
        values = tf.io.decode_raw(found["values"], tf.float32, little_endian=True)
        x = tf.reshape(values, [-1, num_features])
        if label["kind"] is None:
            return x
        y = found["label"]
        y = tf.reshape(y, [-1, *shape] if label["per_step"] else shape)
        return x, tf.cast(y, tf.int32 if label["kind"] == "class" else tf.float32)

    return parse


def _padding(manifest, padding_value):
    """`(padded_shapes, padding_values)` of a batch."""
    label = manifest["label"]
    x_shape, x_pad = [None, manifest["num_features"]], tf.constant(padding_value, tf.float32)
    if label["kind"] is None:
        return x_shape, x_pad
    shape = label.get("shape") or []
    y_shape = [None, *shape] if label["per_step"] else shape
    if label["kind"] == "class":
        y_pad = tf.constant(UNLABELLED if label["per_step"] else 0, tf.int32)
    else:
        y_pad = tf.constant(0.0, tf.float32)
    return (x_shape, y_shape), (x_pad, y_pad)


def shard_dataset(
    directory,
    batch_size,
    *,
    shuffle_buffer=0,
    seed=0,
    bucket_by_length=True,
    padding_value=0.0,
    input_context=None,
    repeat=False,
    num_parallel_reads=None,
    num_buckets=8,
) -> tf.data.Dataset:
    """Stream a shard folder as padded mini-batches `(x, y)` (or `x` without labels).

    `x` is float32 `(batch, T, F)`, right-padded with `padding_value` to the
    batch's longest sequence; `y` is int32 `(batch,)` for class codes,
    float32 `(batch,)` / `(batch, k)` for values, or per step `(batch, T)` /
    `(batch, T, k)` padded with -1 (class codes: an unlabelled step) or 0.0.

    Args:
        directory: a shard folder written by `write_shards` or `ShardWriter`.
        batch_size: the global mini-batch size (per replica with `input_context`).
        shuffle_buffer: sequences in the shuffle buffer; 0 (default) reads
            the sequences in the order they were written.
        seed: seed of the file and buffer shuffles (reshuffled each epoch,
            reproducibly); None for unseeded, non-deterministic reading.
        bucket_by_length: batch sequences of similar length together
            (boundaries from the manifest's length quantiles); default True.
        padding_value: the value padded steps of `x` hold, default 0.0.
        input_context: a `tf.distribute.InputContext`: this pipeline reads
            only its share of the files (every `num_input_pipelines`-th,
            from `input_pipeline_id`), in batches of the per-replica size.
        repeat: repeat forever (give `steps_per_epoch` to `fit`); default False.
        num_parallel_reads: files read at once; default 1 without shuffling
            (the written order), else `tf.data.AUTOTUNE`.
        num_buckets: about how many length buckets, default 8.

    Returns:
        A `tf.data.Dataset` of mini-batches, prefetched.

    Raises:
        ValueError: for bad arguments, a bad manifest, or fewer shard files
            than input pipelines.
    """
    folder = Path(directory)
    manifest = read_manifest(folder)
    check_positive("batch_size", batch_size)
    check_int("shuffle_buffer", shuffle_buffer, 0)
    check_positive("num_buckets", num_buckets)
    check_positive("num_parallel_reads", num_parallel_reads, allow_none=True)
    files = [str(folder / shard["file"]) for shard in manifest["shards"]]
    if input_context is not None:
        pipelines = input_context.num_input_pipelines
        if len(files) < pipelines:
            raise ValueError(
                f"{folder} holds {len(files)} shard files, fewer than the {pipelines} input "
                "pipelines: every worker must read at least one file. Write smaller shards "
                f"(sequences_per_shard) or use fewer workers. Received: num_input_pipelines="
                f"{pipelines}"
            )
        files = files[input_context.input_pipeline_id :: pipelines]
        batch_size = input_context.get_per_replica_batch_size(batch_size)
    ordered = shuffle_buffer == 0
    deterministic = ordered or seed is not None
    if num_parallel_reads is None:
        num_parallel_reads = 1 if ordered else tf.data.AUTOTUNE
    dataset = tf.data.Dataset.from_tensor_slices(files)
    if not ordered:
        dataset = dataset.shuffle(len(files), seed=seed, reshuffle_each_iteration=True)
    compression = manifest["compression"]
    dataset = dataset.interleave(
        lambda path: tf.data.TFRecordDataset(path, compression_type=compression),
        cycle_length=num_parallel_reads,
        block_length=1,
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=deterministic,
    )
    if not ordered:
        dataset = dataset.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    if repeat:
        dataset = dataset.repeat()
    dataset = dataset.map(
        _parser(manifest), num_parallel_calls=tf.data.AUTOTUNE, deterministic=deterministic
    )
    shapes, values = _padding(manifest, padding_value)
    boundaries = bucket_boundaries(manifest, num_buckets) if bucket_by_length else []
    if boundaries:
        dataset = dataset.bucket_by_sequence_length(
            lambda *parts: tf.shape(parts[0])[0],
            boundaries,
            [batch_size] * (len(boundaries) + 1),
            padded_shapes=shapes,
            padding_values=values,
        )
    else:
        dataset = dataset.padded_batch(batch_size, padded_shapes=shapes, padding_values=values)
    dataset = dataset.prefetch(tf.data.AUTOTUNE)
    if input_context is not None:
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
        dataset = dataset.with_options(options)
    return dataset
