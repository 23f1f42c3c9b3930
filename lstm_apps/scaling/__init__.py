"""Scaling out: local workers, and datasets larger than memory.

- `launcher`: `launch_local_workers`, what `lstm-apps run NAME --workers N` starts;
  `run_options`: the command line's `--workers`, `--distribution`, `--max-restarts`.
- `shards` (`shard_writer`, `shard_reader`, `shard_stats`): `write_shards`, `ShardWriter`,
  `read_manifest`, `verify_shards`, `shard_dataset`: compressed TFRecord shards with a
  manifest; `study_shards.write_study_shards` (a study's splits) and
  `csv_shards.write_csv_shards` (a long-format CSV, streamed); `shard_command`:
  `lstm-apps shard`.
- `fit`: `fit_shards`, training that streams shards through `tf.data`.

The strategies themselves (`distribution_scope`, `make_strategy`, `worker_role`) and the
worker-aware backup (`WorkerBackup`) belong to the training route, in
`lstm_apps.training.distribution` and `lstm_apps.training.backup`; they are re-exported here.
See docs/guides/scaling-out.md.
"""

from lstm_apps.lazy import lazy_names

_NAMES = {
    "DISTRIBUTIONS": "lstm_apps.training.distribution",
    "distribution_scope": "lstm_apps.training.distribution",
    "make_strategy": "lstm_apps.training.distribution",
    "read_tf_config": "lstm_apps.training.distribution",
    "worker_role": "lstm_apps.training.distribution",
    "is_chief": "lstm_apps.training.distribution",
    "WorkerBackup": "lstm_apps.training.backup",
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
