"""IMDB sentiment: every model of the case study on the full official split, in one run.

Trains embedding + BiLSTM / LSTM / GRU / Conv1D+LSTM, the bag-of-embeddings
baseline and TF-IDF + logistic regression on the 25,000 training reviews
(2,500 of them held out for validation and early stopping) and scores them
on all 25,000 test reviews. Prints the comparison table, the training time
of each model and the peak memory, and writes
benchmarks/results/sentiment.json and the run folder
benchmarks/results/sentiment_run/ (figures, mistakes, nearest words).

Usage:
    python benchmarks/sentiment.py [--models bilstm tfidf ...] [--set FIELD=VALUE ...]

The settings are the case study's defaults (`sentiment.Config()`); `--set`
changes them as `lstm-apps run sentiment --set` does (`--set training.seed=1`).
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import time
from pathlib import Path

from common import add_set_option, command_line
from migrate_results import save

from lstm_apps.tasks import parse_overrides, run_case_study, sentiment
from lstm_apps.tasks.sentiment.plots import comparison_table

RESULTS = Path(__file__).parent / "results"
SETTINGS = {"training.verbose": 2}  # the case study's defaults are the benchmarked settings


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(sentiment.MODELS))
    add_set_option(parser, "max_length=200")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    changes = {**SETTINGS, **parse_overrides(sentiment.Config, args.changes)}
    config = sentiment.Config().replace(**{**changes, "models": tuple(args.models)})
    start = time.perf_counter()
    run = run_case_study("sentiment", config, args.output / "sentiment_run")
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results, best = run.results, run.best
    table = comparison_table(results, best)
    recurrent_best = max(
        (k for k in results if k in sentiment.RECURRENT), key=lambda k: results[k].accuracy
    )
    kept = results[best].accuracy
    lines = [
        f"kept (best validation accuracy): {best}, test accuracy {kept:.4f}",
        f"best recurrent on test: {recurrent_best} {results[recurrent_best].accuracy:.4f}",
        f"target >= 0.895: {'PASS' if kept >= 0.895 else 'FAIL'}",
    ]
    if "tfidf" in results:
        tfidf = results["tfidf"].accuracy
        lines.append(f"beats TF-IDF ({tfidf:.4f}): {'PASS' if kept > tfidf else 'FAIL'}")
    # the word2vec vectors are part of the kept model's training
    pretrain = run.data.embedding_seconds
    total = results[best].train_seconds + pretrain
    lines.append(
        f"training time of the kept model: {total:.0f} s ({pretrain:.0f} s of them word2vec) "
        f"(target <= 900 s): {'PASS' if total <= 900 else 'FAIL'}"
    )
    print("\n" + table + "\n\n" + "\n".join(lines))
    print(f"whole run {seconds:.0f} s, peak memory {peak:,.0f} MiB")
    record = {
        "settings": dataclasses.asdict(config),
        "sizes": run.data.sizes(),
        "models": {k: r.summary() for k, r in results.items()},
        "kept": best,
        "word2vec_seconds": round(pretrain, 1),
        "checks": lines,
        "seconds": round(seconds, 1),
        "peak_rss_mib": round(peak),
    }
    save(args.output / "sentiment.json", "sentiment", record, command=command_line())
    print(f"Wrote {args.output / 'sentiment.json'}")


if __name__ == "__main__":
    main()
