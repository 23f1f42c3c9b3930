"""tf.distribute strategies for the training route: the cluster read from `TF_CONFIG`, the
strategy a `distribution` setting names, and the two shims Keras 3 needs to fit under
`MultiWorkerMirroredStrategy`.

`distribution` (the `training.distribution` setting, `--distribution` on the command line):

- "none": one process, TensorFlow's default strategy.
- "mirrored": `tf.distribute.MirroredStrategy`, one replica per local GPU (one CPU
  replica on a machine without GPUs).
- "multi_worker": `tf.distribute.MultiWorkerMirroredStrategy`, one replica per worker
  process, the cluster described by the standard `TF_CONFIG` variable.

In every case `training.mini_batch_size` is the *global* batch: each of R replicas computes
the gradient of `mini_batch_size / R` sequences and the gradients are averaged, so one step
uses the same mean gradient as one process would; `clip_after_all_reduce` makes gradient
clipping act on that mean too. The learning rate therefore stays as it is for the same
global batch (docs/guides/scaling-out.md gives the linear scaling rule for a global batch
that grows).

Keras 3 does not officially support `MultiWorkerMirroredStrategy` (keras-team/keras#20585):
its `fit` averages scalar metrics with `strategy.reduce("MEAN", value, axis=0)`, which fails
on a scalar (tensorflow/tensorflow#72388), and it builds the model from a batch reduced
across workers, which fails for `PerReplica` inputs. `KerasMultiWorkerStrategy` reduces a
scalar without an axis, and `prepare_model` builds from the worker's own batch instead; the
rest of `fit` (the all-reduce of gradients, mirrored variables) is TensorFlow's own.
"""

from __future__ import annotations

import contextlib
import json
import os
import types

DISTRIBUTIONS = ("none", "mirrored", "multi_worker")
TF_CONFIG = "TF_CONFIG"

_STRATEGIES: dict = {}  # distribution -> the strategy of this process (made once)


def read_tf_config(environ=None) -> dict | None:
    """The cluster in `TF_CONFIG`, checked; None when the variable is unset or empty.

    Returns:
        A dict with `cluster` (task type -> list of "host:port") and `task`
        (`type`, `index`).

    Raises:
        ValueError: when `TF_CONFIG` is not JSON, has no worker list, or names a
            task that is not in the cluster.
    """
    value = (os.environ if environ is None else environ).get(TF_CONFIG, "").strip()
    if not value:
        return None
    try:
        config = json.loads(value)
    except json.JSONDecodeError as error:
        raise ValueError(f"{TF_CONFIG} is not valid JSON ({error}). Received: {value!r}") from None
    cluster = config.get("cluster") if isinstance(config, dict) else None
    task = config.get("task") if isinstance(config, dict) else None
    if not isinstance(cluster, dict) or not isinstance(cluster.get("worker", []), list):
        raise ValueError(f"{TF_CONFIG} needs a 'cluster' with a 'worker' list. Received: {value}")
    if not isinstance(task, dict) or "type" not in task or "index" not in task:
        raise ValueError(f"{TF_CONFIG} needs a 'task' with 'type' and 'index'. Received: {value}")
    hosts = cluster.get(task["type"])
    index = task["index"]
    if not isinstance(hosts, list) or not isinstance(index, int) or not 0 <= index < len(hosts):
        raise ValueError(
            f"{TF_CONFIG}'s task {task['type']}:{index} is not in its cluster "
            f"{ {k: len(v) for k, v in cluster.items()} }. Received: {value}"
        )
    return config


def worker_role(environ=None) -> tuple[int, int, bool]:
    """`(task index, number of workers, is chief)` of this process, from `TF_CONFIG`.

    The chief is the task of type "chief" if the cluster has one, else worker 0
    (TensorFlow's convention). Without `TF_CONFIG`: `(0, 1, True)`.
    """
    config = read_tf_config(environ)
    if config is None:
        return 0, 1, True
    cluster, task = config["cluster"], config["task"]
    count = len(cluster.get("worker", [])) + len(cluster.get("chief", []))
    if "chief" in cluster:
        return task["index"], count, task["type"] == "chief"
    return task["index"], count, task["type"] == "worker" and task["index"] == 0


def is_chief() -> bool:
    """Whether this process writes the run folder (always true outside a cluster)."""
    return worker_role()[2]


def _multi_worker_class():
    import tensorflow as tf

    class KerasMultiWorkerStrategy(tf.distribute.MultiWorkerMirroredStrategy):
        """`MultiWorkerMirroredStrategy` whose `reduce` accepts the scalar metrics of Keras 3."""

        def reduce(self, reduce_op, value, axis):
            shape = getattr(value, "shape", None)
            if axis is not None and shape is not None and shape.rank == 0:
                axis = None  # a scalar has no axis to reduce; average it across replicas
            return super().reduce(reduce_op, value, axis)

    return KerasMultiWorkerStrategy


def make_strategy(distribution: str):
    """The `tf.distribute.Strategy` that `distribution` names, made once per process.

    Args:
        distribution: "none", "mirrored" or "multi_worker".

    Returns:
        The strategy, or None for "none".

    Raises:
        ValueError: for an unknown name, or "multi_worker" without `TF_CONFIG`
            (start local workers with `lstm-apps run NAME --workers N`).
    """
    if distribution not in DISTRIBUTIONS:
        raise ValueError(
            f"`distribution` must be one of {DISTRIBUTIONS}. "
            f"Received: distribution={distribution!r}"
        )
    if distribution == "none":
        return None
    if distribution not in _STRATEGIES:
        import tensorflow as tf

        if distribution == "multi_worker":
            if read_tf_config() is None:
                raise ValueError(
                    "distribution='multi_worker' needs the cluster in the TF_CONFIG variable "
                    "(see docs/guides/scaling-out.md), or `lstm-apps run NAME --workers N` to "
                    f"start N local workers. Received: {TF_CONFIG} unset"
                )
            _STRATEGIES[distribution] = _multi_worker_class()()
        else:
            _STRATEGIES[distribution] = tf.distribute.MirroredStrategy()
    return _STRATEGIES[distribution]


def distribution_scope(distribution: str):
    """A context in which models are built for `distribution` (its strategy's scope).

    Build and train the model inside it; "none" gives a context that does nothing.

    Example:
        >>> with distribution_scope("mirrored"):
        ...     run = japanese_vowels.train(config)
    """
    strategy = make_strategy(distribution)
    return contextlib.nullcontext() if strategy is None else strategy.scope()


def is_multi_worker(strategy) -> bool:
    """Whether `strategy` spans several worker processes."""
    extended = getattr(strategy, "extended", None)
    return bool(getattr(extended, "_in_multi_worker_mode", lambda: False)())


def check_model_strategy(model, distribution: str) -> None:
    """Raise ValueError when `model` was not built in the scope of `distribution`'s strategy."""
    strategy = make_strategy(distribution)
    if strategy is None:
        return
    if getattr(model, "_distribute_strategy", None) is not strategy:
        raise ValueError(
            f"training.distribution={distribution!r} needs the model built inside "
            f"`lstm_apps.scaling.distribution_scope({distribution!r})`; model "
            f"{model.name!r} was built outside it"
        )


def prepare_model(model) -> None:
    """Let Keras 3 build `model`'s training state from this worker's own first batch.

    Keras averages the first batch across replicas to build the model; under several
    workers that reduction fails (and batches of different lengths cannot be averaged).
    Any replica's batch has the shapes the build needs. A no-op for one worker.
    """
    strategy = getattr(model, "_distribute_strategy", None)
    if strategy is None or not is_multi_worker(strategy):
        return
    from keras import tree

    def build(self, iterator=None, data_batch=None):
        if iterator is not None:
            for _, _, batches in iterator:
                first = next(batches)
                data_batch = tree.map_structure(
                    lambda v: strategy.experimental_local_results(v)[0], first
                )
                break
        with strategy.scope():
            self._symbolic_build(data_batch=data_batch)

    model._maybe_symbolic_build = types.MethodType(build, model)


def model_scope(model):
    """The scope of the strategy `model` was built under (a no-op context without one), for
    what must be made beside its variables: its optimizer, its compiled metrics."""
    strategy = getattr(model, "_distribute_strategy", None)
    return contextlib.nullcontext() if strategy is None else strategy.scope()


def local_copy(model):
    """`model` rebuilt under the default strategy, with the same weights and compile settings.

    Call it outside `distribution_scope`.

    After a distributed fit the chief evaluates, predicts and saves on its own; a model whose
    variables are mirrored across workers would wait for the others at every `predict`.
    """
    import tempfile
    from pathlib import Path

    import keras

    if getattr(model, "_distribute_strategy", None) is None:
        return model
    with tempfile.TemporaryDirectory(prefix="lstm_apps_local_") as folder:
        path = Path(folder) / "model.keras"
        model.save(path)
        return keras.saving.load_model(path)


def distributable(model, distribution: str, *datasets):
    """Make `model` and `datasets` ready to fit under `distribution`.

    Checks that the model was built in the strategy's scope, lets Keras build it from a
    worker's own batch (`prepare_model`), and has several workers split each `tf.data`
    dataset by element (each worker takes its share of every global batch) unless it is
    distributed already.

    Returns:
        The datasets, in order.
    """
    check_model_strategy(model, distribution)
    prepare_model(model)
    strategy = getattr(model, "_distribute_strategy", None)
    if strategy is None or not is_multi_worker(strategy):
        return datasets
    import tensorflow as tf

    by_element = tf.data.Options()
    by_element.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return tuple(
        d.with_options(by_element) if isinstance(d, tf.data.Dataset) else d for d in datasets
    )


def clip_after_all_reduce(optimizer) -> None:
    """Make `optimizer` clip the replicas' summed gradient instead of each replica's share.

    Keras clips a replica's gradient (of its loss scaled by 1/R) before the all-reduce
    sums the R of them, so the clipped update differs from one process's whenever
    clipping acts. Here the all-reduce comes first, and the clipping (`clipnorm`,
    `global_clipnorm` or `clipvalue`, as set) applies to the sum, the mean gradient of the
    global batch. The instance is changed, not its class, so its config and saving are
    Keras's own.
    """
    kind = type(optimizer)
    if not hasattr(kind, "_all_reduce_sum_gradients"):  # not TensorFlow's optimizer
        return

    def reduce_then_clip(grads_and_vars):
        pairs = kind._all_reduce_sum_gradients(optimizer, grads_and_vars)
        grads = kind._clip_gradients(optimizer, [g for g, _ in pairs])
        return list(zip(grads, [v for _, v in pairs]))

    optimizer._clip_gradients = lambda grads: grads  # the sum is clipped instead
    optimizer._all_reduce_sum_gradients = reduce_then_clip
