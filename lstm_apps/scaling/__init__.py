"""Scaling out: tf.distribute strategies, a local worker launcher, and sharded datasets
larger than memory.

- `strategies`: `distribution_scope`, `make_strategy`, `worker_role` (from `TF_CONFIG`).
- `launcher`: `launch_local_workers`, what `lstm-apps run NAME --workers N` starts.
- `backup`: `WorkerBackup`, the per-epoch backup that only the chief writes.
- `shards`: `write_shards`, `ShardWriter`, `read_manifest`, `shard_dataset`
  (compressed TFRecord shards with a manifest), and `study_shards.write_study_shards`.
- `fit`: `fit_shards`, training that streams shards through `tf.data`.

See docs/guides/scaling.md.
"""

from lstm_apps.lazy import lazy_names

_NAMES = {
    "DISTRIBUTIONS": "lstm_apps.scaling.strategies",
    "distribution_scope": "lstm_apps.scaling.strategies",
    "make_strategy": "lstm_apps.scaling.strategies",
    "read_tf_config": "lstm_apps.scaling.strategies",
    "worker_role": "lstm_apps.scaling.strategies",
    "is_chief": "lstm_apps.scaling.strategies",
    "WorkerBackup": "lstm_apps.scaling.backup",
    "launch_local_workers": "lstm_apps.scaling.launcher",
    "fit_shards": "lstm_apps.scaling.fit",
    "ShardWriter": "lstm_apps.scaling.shards",
    "write_shards": "lstm_apps.scaling.shards",
    "read_manifest": "lstm_apps.scaling.shards",
    "verify_shards": "lstm_apps.scaling.shards",
    "shard_dataset": "lstm_apps.scaling.shards",
    "manifest_normalization": "lstm_apps.scaling.shards",
    "write_study_shards": "lstm_apps.scaling.study_shards",
    "write_csv_shards": "lstm_apps.scaling.csv_shards",
}
__getattr__, __dir__ = lazy_names(__name__, _NAMES)

__all__ = sorted(_NAMES)
