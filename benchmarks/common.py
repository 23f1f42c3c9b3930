"""What the benchmark scripts share: summaries over seeds and the common arguments."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np


def mean_std(rows) -> dict:
    """Mean and standard deviation over runs of every float figure."""
    if not rows:
        return {}
    keys = [k for k, v in rows[0].items() if isinstance(v, float)]
    return {
        k: [float(np.mean([r[k] for r in rows])), float(np.std([r[k] for r in rows]))] for k in keys
    }


def seed_parser(doc, results: Path, seeds=(0, 1, 2, 3, 4), variants=None):
    """Arguments every benchmark takes: --seeds, --output, --set, and --variants if given."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=list(seeds))
    if variants is not None:
        parser.add_argument("--variants", nargs="+", default=list(variants), choices=list(variants))
    parser.add_argument("--output", type=Path, default=results)
    parser.add_argument("--set", dest="changes", action="append", default=[])
    return parser
