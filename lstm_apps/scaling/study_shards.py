"""A case study's data (or a user's long-format CSV) written as shard folders.

`write_study_shards("japanese_vowels", DIR)` loads the study's splits as
`lstm-apps run` would and writes `DIR/train`, `DIR/validation` (when the
study holds some out) and `DIR/test`, each a shard folder
(`lstm_apps.scaling.shard_writer`). A long-format CSV goes through the
`sequences` study: `write_study_shards("sequences", DIR, changes={"data":
"path.csv"})`. Studies whose data are not lists of `(T, F)` float
sequences (text, images, video) are refused.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lstm_apps.scaling.shard_writer import MANIFEST, check_folder, clear_shard_folder, write_shards

SPLITS = (
    ("train", "x_train", "y_train"),
    ("validation", "x_val", "y_val"),
    ("test", "x_test", "y_test"),
)


def check_sequence_list(name, split, x) -> None:
    """Refuse data that is not a list of `(T, F)` float arrays (or a 3-D float array).

    Raises:
        ValueError: naming the study, the split and what was found.
    """
    if isinstance(x, np.ndarray) and x.ndim == 3 and x.dtype.kind == "f":
        return
    items = list(x) if isinstance(x, (list, tuple)) else None
    bad = None
    if items is None:
        shape = getattr(x, "shape", None)
        bad = f"a {type(x).__name__}" + (f" of shape {shape}" if shape is not None else "")
    else:
        for i, item in enumerate(items):
            if not (isinstance(item, np.ndarray) and item.ndim == 2 and item.dtype.kind == "f"):
                kind = type(item).__name__
                detail = (
                    f" of shape {item.shape} and dtype {item.dtype}"
                    if isinstance(item, np.ndarray)
                    else ""
                )
                bad = f"{split}[{i}] is a {kind}{detail}"
                break
    if bad is not None:
        raise ValueError(
            f"The {name!r} study's data are not sequences of (time steps, features) float "
            f"arrays, so they cannot be written as shards (text, image and video studies are "
            f"not supported). Received: {bad}"
        )


def write_study_shards(
    name,
    directory,
    *,
    config=None,
    changes=None,
    fast=False,
    sequences_per_shard=4096,
    compression="GZIP",
    overwrite=False,
) -> dict[str, dict]:
    """Write a registered case study's splits as shard folders under `directory`.

    Args:
        name: a case study (see `lstm_apps.list_case_studies()`).
        directory: the parent folder of `train`, `validation` and `test`.
        config: the study's Config; default its defaults (or fast settings).
        changes: Config changes (`{"field": value}`) applied on top.
        fast: start from the study's fast settings (smaller data).
        sequences_per_shard: sequences per shard file, default 4096.
        compression: "GZIP" (default), "ZLIB" or "" / None.
        overwrite: replace earlier shard folders; default False refuses
            any split folder that is not empty.

    Returns:
        Split name -> its manifest (a split with no sequences is not written).

    Raises:
        ValueError: for an unknown study, a study whose data are not
            sequence lists, or split folders that may not be written.
    """
    from lstm_apps.tasks.registry import check_name, get_case_study, make_config

    check_name(name)
    if config is None:
        config = make_config(name, changes, fast=fast)
    elif changes:
        config = config.replace(**changes)
    data = get_case_study(name).load_data(config)
    root = Path(directory)
    parts = []
    for split, x_field, y_field in SPLITS:
        x = getattr(data, x_field, None)
        if x is None or len(x) == 0:
            continue
        check_sequence_list(name, x_field, x)
        parts.append((split, x, getattr(data, y_field, None)))
    for split, _, _ in parts:  # refuse before anything is written
        check_folder(root / split, overwrite)
    written = {}
    class_names = getattr(data, "class_names", None)
    for split, x, y in parts:
        names = class_names if y is not None and _integer_labels(y) else None
        written[split] = write_shards(
            root / split,
            x,
            y,
            sequences_per_shard=sequences_per_shard,
            compression=compression,
            class_names=names,
            overwrite=overwrite,
            source={"study": name, "split": split, "data": str(getattr(data, "source", ""))},
        )
    if overwrite:
        for split, _, _ in SPLITS:
            stale = root / split
            if split not in written and (stale / MANIFEST).is_file():
                clear_shard_folder(stale)
                if not any(stale.iterdir()):
                    stale.rmdir()
    return written


def _integer_labels(y) -> bool:
    first = y[0] if isinstance(y, (list, tuple)) else np.asarray(y)
    return np.asarray(first).dtype.kind in "biu"
