"""Writing sequences as compressed TFRecord shards with a manifest, one sequence at a time.

A shard folder holds the shard files and, written last, `manifest.json`;
a folder without the manifest is not a shard folder (its writing did not
finish), so a crash never leaves a folder that looks valid.

    DIR/shard-00000.tfrecord.gz    the first `sequences_per_shard` sequences
    DIR/shard-00001.tfrecord.gz    ...
    DIR/manifest.json

Record format: one `tf.train.Example` per sequence, with the features

    "values"        bytes_list, one item: the sequence's float32 values,
                    little-endian, row-major `(length, num_features)`
                    (`numpy.ndarray.tobytes` of a `<f4` array)
    "length"        int64_list, one item: the number of time steps T
    "num_features"  int64_list, one item: the number of features F
    "label"         labelled shards only, flattened: int64_list of class
                    codes or float_list of values; one label of the
                    manifest's `label.shape` per sequence, or T of them
                    (time first) when `label.per_step` (a per-step class
                    code of -1 marks an unlabelled step)

Files are TFRecord files compressed with "GZIP" (default, suffix `.gz`),
"ZLIB" (`.zz`) or not at all ("" or None). The manifest records the format
version, the counts, the compression, length statistics (min, max, mean,
21 quantiles and a histogram), the per-feature mean and variance over every
time step (accumulated in float64, merged per sequence with Chan et al.'s
update), the labels' description, and each shard's file name, sequence
count, size in bytes and sha256. `lstm_apps.scaling.shard_reader` reads it.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import numpy as np
import tensorflow as tf

from lstm_apps.checks import check_positive
from lstm_apps.data.sequences import check_labels, check_sequences
from lstm_apps.scaling.shard_stats import LabelCheck, Moments, length_summary
from lstm_apps.storage import file_sha256
from lstm_apps.version import __version__

FORMAT = "lstm-apps-shards/1"
MANIFEST = "manifest.json"
SHARD_GLOB = "shard-*.tfrecord*"
COMPRESSIONS = {"GZIP": ".gz", "ZLIB": ".zz", "": ""}


def check_compression(compression) -> str:
    """The TFRecord compression type for "GZIP", "ZLIB", "" / None / "none" (any case).

    Raises:
        ValueError: for any other value.
    """
    text = "" if compression is None else compression
    if isinstance(text, str) and text.upper() in ("", "NONE", "GZIP", "ZLIB"):
        return "" if text.upper() == "NONE" else text.upper()
    raise ValueError(
        f"`compression` must be 'GZIP', 'ZLIB' or '' (none). Received: compression={compression!r}"
    )


def clear_shard_folder(path) -> None:
    """Remove a shard folder's manifest (first, so it stops looking valid), then its shard
    files; other files are left alone."""
    path = Path(path)
    manifest = path / MANIFEST
    listed = []
    try:
        listed = [s.get("file") for s in json.loads(manifest.read_text()).get("shards", [])]
    except (OSError, ValueError, AttributeError, TypeError):
        pass
    manifest.unlink(missing_ok=True)
    (path / f".{MANIFEST}.tmp").unlink(missing_ok=True)
    for name in listed:
        if isinstance(name, str) and name and Path(name).name == name:
            (path / name).unlink(missing_ok=True)
    for shard in path.glob(SHARD_GLOB):
        shard.unlink(missing_ok=True)


def check_folder(directory, overwrite=False) -> Path:
    """Check, without touching it, that a shard folder may be written; returns its path.

    Raises:
        ValueError: if the path is a file, or a non-empty folder without
            `overwrite`, or a non-empty folder that holds no manifest.
    """
    path = Path(directory)
    if path.exists() and not path.is_dir():
        raise ValueError(f"The shard folder {path} is a file. Received: directory={str(path)!r}")
    if path.is_dir() and any(path.iterdir()):
        if not overwrite:
            raise ValueError(
                f"The shard folder {path} is not empty; pass overwrite=True to replace an "
                f"earlier shard folder. Received: directory={str(path)!r}"
            )
        if not (path / MANIFEST).is_file():
            raise ValueError(
                f"Refusing to overwrite {path}: it is not empty and holds no {MANIFEST}, so it "
                f"is not a shard folder. Received: directory={str(path)!r}"
            )
    return path


def prepare_folder(directory, overwrite=False) -> Path:
    """Create the shard folder, or empty an earlier one when `overwrite` is True.

    Raises:
        ValueError: as `check_folder`.
    """
    path = check_folder(directory, overwrite)
    if path.is_dir() and any(path.iterdir()):
        clear_shard_folder(path)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _ints(values) -> tf.train.Feature:
    return tf.train.Feature(int64_list=tf.train.Int64List(value=values))


def encode_example(sequence, label=None, kind=None) -> bytes:
    """One serialized `tf.train.Example` of the record format (see the module docstring)."""
    raw = np.ascontiguousarray(sequence, dtype="<f4").tobytes()
    feature = {
        "values": tf.train.Feature(bytes_list=tf.train.BytesList(value=[raw])),
        "length": _ints([len(sequence)]),
        "num_features": _ints([sequence.shape[1]]),
    }
    if label is not None:
        feature["label"] = (
            _ints(label.tolist())
            if kind == "class"
            else tf.train.Feature(float_list=tf.train.FloatList(value=label.tolist()))
        )
    return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()


class ShardWriter:
    """Write sequences one at a time into compressed TFRecord shards, then a manifest.

    Nothing but the open shard's buffer is held, so a generator can write
    many gigabytes. Use it as a context manager: leaving the block normally
    writes `manifest.json`; leaving it on an exception removes the shard
    files written so far.

    Args:
        directory: the shard folder (created; see `overwrite`).
        num_features: features per time step of every sequence.
        sequences_per_shard: sequences per shard file, default 4096.
        compression: "GZIP" (default), "ZLIB" or "" / None (none).
        class_names: names of the class codes, for class labels.
        overwrite: replace an earlier shard folder (one holding a manifest);
            default False, which refuses any non-empty folder.
        per_step: whether labels are given per time step (default False).
        source: optional JSON-serializable description stored in the manifest.

    Raises:
        ValueError: for bad arguments or a folder that may not be written.

    Example:
        >>> with ShardWriter("shards/train", num_features=16) as writer:
        ...     for sequence, label in generate():
        ...         writer.add(sequence, label)
        >>> writer.manifest["num_sequences"]
    """

    def __init__(
        self,
        directory,
        *,
        num_features,
        sequences_per_shard=4096,
        compression="GZIP",
        class_names=None,
        overwrite=False,
        per_step=False,
        source=None,
    ):
        self.num_features = check_positive("num_features", num_features)
        self.sequences_per_shard = check_positive("sequences_per_shard", sequences_per_shard)
        self.compression = check_compression(compression)
        self.labels = LabelCheck(per_step, class_names)
        self.source = source
        self.directory = prepare_folder(directory, overwrite)
        self.manifest = None
        self._writer, self._path, self._in_shard, self._closed = None, None, 0, False
        self._count = 0
        self._shards, self._lengths = [], Counter()
        self._moments = Moments(num_features)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        if exc_type is None:
            self.close()
        else:
            self.abort()
        return False

    def add(self, sequence, label=None) -> None:
        """Append one `(T, F)` sequence and its label (a class code, a value or vector, or
        with `per_step` one of those per time step; None for unlabelled shards).

        Raises:
            ValueError: for an empty sequence, a wrong feature count, NaN/inf
                values, or a label that `LabelCheck.encode` refuses.
            RuntimeError: once the writer is closed.
        """
        if self._closed:
            raise RuntimeError(f"This ShardWriter of {self.directory} is closed.")
        index = self._count
        try:
            (seq,) = check_sequences([sequence], "sequence", num_features=self.num_features)
        except ValueError as err:
            message = str(err).replace("`sequence[0]`", "the sequence")
            raise ValueError(f"Cannot add sequence #{index}: {message}") from None
        code = self.labels.encode(label, len(seq), index)
        if self._writer is None:
            self._open_shard()
        self._writer.write(encode_example(seq, code, self.labels.kind))
        self._in_shard += 1
        self._count += 1
        self._lengths[len(seq)] += 1
        self._moments.add(seq)
        if self._in_shard == self.sequences_per_shard:
            self._finish_shard()

    def _open_shard(self):
        name = f"shard-{len(self._shards):05d}.tfrecord{COMPRESSIONS[self.compression]}"
        self._path = self.directory / name
        options = tf.io.TFRecordOptions(compression_type=self.compression)
        self._writer = tf.io.TFRecordWriter(str(self._path), options=options)

    def _finish_shard(self):
        self._writer.close()
        path, count = self._path, self._in_shard
        self._writer, self._path, self._in_shard = None, None, 0
        self._shards.append(
            {
                "file": path.name,
                "num_sequences": count,
                "bytes": path.stat().st_size,
                "sha256": file_sha256(path),
            }
        )

    def close(self) -> dict:
        """Finish the last shard and write the manifest atomically; returns the manifest.

        Raises:
            ValueError: if no sequence was added.
        """
        if self.manifest is not None:
            return self.manifest
        total = self._count
        if total == 0:
            self.abort()
            raise ValueError(
                f"No sequences were written to {self.directory}: a shard folder needs at least "
                "one. Received: 0 sequences"
            )
        if self._writer is not None:
            self._finish_shard()
        self._closed = True
        manifest = {
            "format": FORMAT,
            "created_by": f"lstm_apps {__version__}",
            "num_sequences": total,
            "num_steps": int(self._moments.count),
            "num_features": int(self.num_features),
            "compression": self.compression,
            "lengths": length_summary(self._lengths),
            "feature_mean": self._moments.mean.tolist(),
            "feature_variance": self._moments.variance.tolist(),
            "label": self.labels.describe(),
            "shards": self._shards,
        }
        if self.source is not None:
            manifest["source"] = self.source
        temporary = self.directory / f".{MANIFEST}.tmp"
        with open(temporary, "w") as file:
            json.dump(manifest, file, indent=1, allow_nan=False)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self.directory / MANIFEST)
        self.manifest = manifest
        return manifest

    def abort(self) -> None:
        """Stop writing and remove the shard files written so far (no manifest is written)."""
        if self._writer is not None:
            self._writer.close()
            self._path.unlink(missing_ok=True)
        for shard in self._shards:
            (self.directory / shard["file"]).unlink(missing_ok=True)
        self._writer, self._path, self._shards, self._closed = None, None, [], True


def write_shards(
    directory,
    x,
    y=None,
    *,
    sequences_per_shard=4096,
    compression="GZIP",
    class_names=None,
    overwrite=False,
    source=None,
) -> dict:
    """Write sequences (and labels) as compressed TFRecord shards with a manifest.

    Every input is checked before the folder is touched.

    Args:
        directory: the shard folder (see `ShardWriter` for `overwrite`).
        x: a list of `(T_i, F)` float arrays, or a 3-D `(N, T, F)` array.
        y: one label per sequence (int class codes, or float values or
            vectors), or a list with one array per sequence holding one
            entry per time step (per-step targets; class code -1 marks an
            unlabelled step), or None.
        sequences_per_shard: sequences per shard file, default 4096.
        compression: "GZIP" (default), "ZLIB" or "" / None.
        class_names: names of the class codes, or None.
        overwrite: replace an earlier shard folder; default False.
        source: optional JSON-serializable description stored in the manifest.

    Returns:
        The manifest (also written to `directory/manifest.json`).

    Raises:
        ValueError: for empty data, empty sequences, differing feature
            counts, NaN/inf values, a label count unlike the sequence count,
            per-step labels whose length differs from their sequence's,
            labels of mixed kinds, or a folder that may not be written.
    """
    sequences = check_sequences(x, "x")
    labels = None if y is None else check_labels(y, len(sequences))
    per_step = isinstance(labels, list)
    if labels is None and class_names is not None:
        raise ValueError(f"`class_names` needs labels `y`. Received: class_names={class_names!r}")
    if labels is not None:
        check = LabelCheck(per_step, class_names)
        for i, seq in enumerate(sequences):
            check.encode(labels[i], len(seq), i)
    with ShardWriter(
        directory,
        num_features=sequences[0].shape[1],
        sequences_per_shard=sequences_per_shard,
        compression=compression,
        class_names=class_names,
        overwrite=overwrite,
        per_step=per_step,
        source=source,
    ) as writer:
        for i, seq in enumerate(sequences):
            writer.add(seq, None if labels is None else labels[i])
    return writer.manifest
