"""Character language model benchmark on Don Quijote: test bits per character,
training time and peak memory, against unigram and n-gram baselines on the same split.

Usage:
    python benchmarks/char_lm.py [--cells lstm gru simple_rnn] [--epochs 5]

The GRU and SimpleRNN widths are chosen to match the LSTM's learnable
parameter count. Prints a table and writes benchmarks/results/char_lm.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

from lstm_apps.models.text import char_lm_parameters, matched_units
from lstm_apps.tasks import char_lm as cl

RESULTS = Path(__file__).parent / "results" / "char_lm.json"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", nargs="+", default=["lstm", "gru", "simple_rnn"])
    parser.add_argument("--epochs", type=int, default=cl.Config().max_epochs)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    base = cl.Config(max_epochs=args.epochs, verbose=2)
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
        metrics = cl.evaluate(run.model, data)
        rows[cell] = {
            "units": units,
            "learnables": run.model.count_params(),
            "train_seconds": seconds,
            **metrics,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
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
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            {
                "runs": rows,
                "characters": data.info["characters"],
                "config": {k: str(v) for k, v in vars(base).items()},
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
