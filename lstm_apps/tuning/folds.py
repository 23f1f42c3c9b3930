"""K-fold cross-validation over a study's training and validation sequences.

The folds re-split the union of the training and validation parts of a
study's `Splits`; the test part is never touched. Folds are grouped when
the study has a natural group (speaker, subject, engine, the user's group
column): every group stays on one side of each fold, with scikit-learn's
`StratifiedGroupKFold` for classes and `GroupKFold` otherwise. Without
groups, classification folds are stratified (`StratifiedKFold`) and the
others plain (`KFold`). Each fold is a copy of the study's `Splits`, so the
study's own `train` runs on it unchanged.
"""

from __future__ import annotations

import dataclasses

import numpy as np


def _joined(a, b):
    """`a` followed by `b` (arrays, or lists of per-step arrays), `b` possibly None."""
    if b is None:
        return list(a) if isinstance(a, list) else np.asarray(a)
    if isinstance(a, list):
        return list(a) + list(b)
    return np.concatenate([np.asarray(a), np.asarray(b)])


def _take(values, rows):
    if isinstance(values, list):
        return [values[i] for i in rows]
    return np.asarray(values)[rows]


def _stratum(y):
    """A class code per sequence to stratify on: the label, or a per-step label's most
    frequent class; None for regression targets."""
    first = y[0] if len(y) else None
    if first is None:
        return None
    if np.ndim(first) == 0:
        codes = np.asarray(y)
        return codes if np.issubdtype(codes.dtype, np.integer) else None
    if not np.issubdtype(np.asarray(first).dtype, np.integer):
        return None
    return np.asarray([np.bincount(np.ravel(s)[np.ravel(s) >= 0]).argmax() for s in y])


def cross_validation_folds(data, k, *, groups=None, seed=0):
    """`k` copies of `data` whose training and validation parts are the folds.

    Args:
        data: a study's `Splits` (its test part is kept as it is).
        k: the number of folds, at least 2.
        groups: a group per sequence of the training part followed by the
            validation part (None: no groups).
        seed: shuffles the sequences before folding (groups are shuffled
            by scikit-learn's splitters where they support it).

    Returns:
        A list of `k` `Splits`.

    Raises:
        ValueError: for `k` below 2, or more folds than sequences, groups or
            examples of a class (naming which).
    """
    from sklearn.model_selection import GroupKFold, KFold, StratifiedGroupKFold, StratifiedKFold

    if not isinstance(k, int) or isinstance(k, bool) or k < 2:
        raise ValueError(f"Cross-validation needs at least 2 folds. Received: cv={k!r}")
    x = _joined(data.x_train, data.x_val)
    y = _joined(data.y_train, data.y_val)
    if len(x) < k:
        raise ValueError(
            f"{k}-fold cross-validation needs at least {k} sequences; the training and "
            f"validation parts hold {len(x)}. Received: cv={k}"
        )
    strata = _stratum(y)
    rows = np.arange(len(x))
    if groups is not None:
        groups = np.asarray(groups)
        if len(groups) != len(x):
            raise ValueError(
                f"`groups` must give one group per sequence ({len(x)}). Received: {len(groups)}"
            )
        count = len(np.unique(groups))
        if count < k:
            raise ValueError(
                f"{k}-fold grouped cross-validation needs at least {k} groups; the data has "
                f"{count}. Received: cv={k}"
            )
        if strata is not None:
            splitter = StratifiedGroupKFold(k, shuffle=True, random_state=seed)
        else:
            splitter = GroupKFold(k, shuffle=True, random_state=seed)
        pairs = splitter.split(rows, strata, groups)
    elif strata is not None:
        present = np.bincount(strata)
        smallest = int(present[present > 0].min())
        if smallest < k:
            raise ValueError(
                f"{k}-fold stratified cross-validation needs {k} sequences of every class; "
                f"the rarest has {smallest}. Received: cv={k}"
            )
        pairs = StratifiedKFold(k, shuffle=True, random_state=seed).split(rows, strata)
    else:
        pairs = KFold(k, shuffle=True, random_state=seed).split(rows)
    return [
        dataclasses.replace(
            data,
            x_train=_take(x, train),
            y_train=_take(y, train),
            x_val=_take(x, held),
            y_val=_take(y, held),
        )
        for train, held in pairs
    ]
