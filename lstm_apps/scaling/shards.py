"""Out-of-core data: sequences as compressed TFRecord shards with a manifest, streamed back.

Write with `write_shards` (sequences in memory) or `ShardWriter` (one
sequence at a time, for data larger than memory); check a folder with
`read_manifest` and `verify_shards`; read it with `shard_dataset`, a
`tf.data` pipeline that interleaves the files, shuffles through a buffer,
buckets by length and, under `tf.distribute`, reads only this worker's
files; set a `Normalization` layer from `manifest_normalization` without a
pass over the data.

The record format and the manifest are described in
`lstm_apps.scaling.shard_writer`; this module gathers the public names of
`shard_writer` and `shard_reader`.
"""

from __future__ import annotations

from lstm_apps.scaling.shard_reader import (
    bucket_boundaries,
    manifest_normalization,
    read_manifest,
    shard_dataset,
    verify_shards,
)
from lstm_apps.scaling.shard_writer import (
    FORMAT,
    MANIFEST,
    ShardWriter,
    check_compression,
    write_shards,
)

__all__ = [
    "FORMAT",
    "MANIFEST",
    "ShardWriter",
    "bucket_boundaries",
    "check_compression",
    "manifest_normalization",
    "read_manifest",
    "shard_dataset",
    "verify_shards",
    "write_shards",
]
