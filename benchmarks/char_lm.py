"""Character language model benchmark on Don Quijote: test bits per character,
training time and peak memory, against unigram and n-gram baselines on the same split.

Usage:
    python benchmarks/char_lm.py [--cells lstm gru simple_rnn] [--epochs 5]
        [--set training.initial_learn_rate=0.003 ...]

The GRU and SimpleRNN widths are chosen to match the LSTM's learnable
parameter count. Prints a table and writes benchmarks/results/char_lm.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import resource
import time
from pathlib import Path

from common import add_set_option, command_line
from migrate_results import save as save_results

from lstm_apps.models.text import char_lm_parameters, matched_units
from lstm_apps.tasks import char_lm as cl
from lstm_apps.tasks import parse_overrides

RESULTS = Path(__file__).parent / "results" / "char_lm.json"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", nargs="+", default=["lstm", "gru", "simple_rnn"])
    parser.add_argument("--epochs", type=int, default=cl.Config().training.max_epochs)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--time-budget",
        type=float,
        default=1200.0,
        help="seconds of training per cell (stops before an epoch that would overrun)",
    )
    add_set_option(parser, "training.mini_batch_size=128")
    args = parser.parse_args()
    changes = parse_overrides(cl.Config, args.changes)
    base = (
        cl.Config()
        .replace(training=dict(max_epochs=args.epochs, time_budget=args.time_budget, verbose=2))
        .replace(**changes)
    )
    data = cl.load_data(base)
    vocab = len(data.class_names)
    target = char_lm_parameters("lstm", base.units, vocab, base.embedding_dim)
    rows = {}
    for cell in args.cells:
        units = matched_units(cell, target, vocab, base.embedding_dim)
        config = base.replace(cell=cell, units=units)
        start = time.perf_counter()
        run = cl.train(config, data)
        seconds = time.perf_counter() - start
        metrics = cl.evaluate(run)
        rows[cell] = {
            "units": units,
            "learnables": run.model.count_params(),
            "train_seconds": seconds,
            "epochs_run": len(run.history["loss"]),
            **metrics,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "epoch_bits_per_char": {
                key: [round(v / math.log(2), 4) for v in run.history[key]]
                for key in ("loss", "val_loss")
            },
        }
        args.output.parent.mkdir(parents=True, exist_ok=True)
        save(args.output, rows, data, base)
        print(
            f"{cell}: {units} units, {rows[cell]['learnables']:,} params, "
            f"test {metrics['bits_per_char']:.3f} bits/char, {seconds:.0f} s",
            flush=True,
        )
    first = next(iter(rows.values()))
    print(
        f"\nbaselines: unigram {first['unigram_bits_per_char']:.3f}, "
        f"{int(first['ngram_order'])}-gram {first['ngram_bits_per_char']:.3f} bits/char"
    )
    save(args.output, rows, data, base)
    print(f"wrote {args.output}")


def save(path, rows, data, config):
    """Write the results so far (after each cell, so a long run keeps what it measured)."""
    record = {
        "runs": rows,
        "characters": data.characters,
        "config": dataclasses.asdict(config),
    }
    save_results(
        path, "char_lm", json.loads(json.dumps(record, default=str)), command=command_line()
    )


if __name__ == "__main__":
    main()
