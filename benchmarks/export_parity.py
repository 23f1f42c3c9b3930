"""Export every builder family to SavedModel, ONNX and LiteRT and measure the parity.

For each family (simple_rnn, stacked lstm with dropout, gru sequence-to-sequence
regression, bilstm, lstm_projected, cnn_lstm, embedding + LSTM) the model is
trained for 3 epochs on random sequences (so its weights are not the
initial ones), exported with `lstm_apps.deploy.export`, loaded back in the
format's own runtime and run on 64 held-out padded sequences of random
lengths. Reported: the largest |difference| from Keras, the export time,
the artifact size, and the time to predict the 64 sequences in the runtime.

Usage:
    python benchmarks/export_parity.py [--timesteps 32] [--output DIR]

Writes benchmarks/results/export_parity.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from common import command_line  # noqa: E402
from migrate_results import save  # noqa: E402

from lstm_apps import build_model  # noqa: E402
from lstm_apps.deploy.export import export  # noqa: E402
from lstm_apps.deploy.probes import probe_inputs  # noqa: E402
from lstm_apps.deploy.runtimes import FORMATS, runtime  # noqa: E402
from lstm_apps.models.text import build_char_lm  # noqa: E402
from lstm_apps.training import TrainingConfig, train  # noqa: E402

RESULTS = Path(__file__).parent / "results"
F, UNITS = 12, 64
FAMILIES = {
    "simple_rnn": {},
    "lstm (2 layers, dropout)": {"architecture": "lstm", "units": (UNITS, 32), "dropout": 0.2},
    "gru (sequence regression)": {
        "architecture": "gru",
        "output_mode": "sequence",
        "task": "regression",
        "num_outputs": 2,
    },
    "bilstm": {},
    "lstm_projected": {"output_projector_size": 16, "input_projector_size": 4},
    "cnn_lstm": {"filters": (32,)},
    "embedding + lstm": None,
}


def trained_model(name, options, rng):
    """A model of the family with trained (not initial) weights."""
    fit = TrainingConfig(max_epochs=3, mini_batch_size=32, verbose=0).options()
    if options is None:
        model = build_char_lm(vocabulary_size=40, units=UNITS, embedding_dim=16)
        x = rng.integers(1, 40, size=(128, 24)).astype("int32")
        y = np.roll(x, -1, axis=1)
        train(model, list(x), list(y), fit)
        return model
    options = {"architecture": name, "units": UNITS, "num_outputs": 4, **options}
    model = build_model(options.pop("architecture"), num_features=F, **options)
    x = [rng.normal(1.0, 2.0, size=(int(t), F)).astype("float32") for t in rng.integers(8, 32, 128)]
    if options.get("output_mode") == "sequence":
        y = [rng.normal(size=(len(s), 2)).astype("float32") for s in x]
    else:
        y = rng.integers(0, 4, size=len(x))
    train(model, x, y, fit)
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timesteps", type=int, default=32, help="check length (LiteRT: fixed)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name, options in FAMILIES.items():
            family = name.split(" ")[0]
            model = trained_model(family, options, rng)
            x = probe_inputs(model, count=64, timesteps=args.timesteps, seed=1)
            for format, suffix in FORMATS.items():
                path = Path(folder) / f"{family}-{format}{suffix}"
                fixed = args.timesteps if format == "litert" else None
                report = export(model, path, format, inputs=x, timesteps=fixed)
                predict = runtime(path, format)
                predict(x)
                start = time.perf_counter()
                predict(x)
                rows.append(
                    {
                        "family": name,
                        "format": format,
                        "max_abs_diff": report.max_abs_diff,
                        "export_seconds": round(report.seconds, 2),
                        "size_kib": round(report.size_bytes / 1024, 1),
                        "predict_64_ms": round((time.perf_counter() - start) * 1e3, 2),
                    }
                )
                print(
                    f"{name:28s} {format:12s} diff {report.max_abs_diff:.1e} "
                    f"export {report.seconds:5.1f} s",
                    flush=True,
                )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = [
        "| family | format | max abs diff | export s | size KiB | predict 64 seqs ms |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['family']} | {r['format']} | {r['max_abs_diff']:.1e} | {r['export_seconds']} "
            f"| {r['size_kib']} | {r['predict_64_ms']} |"
        )
    print("\n" + "\n".join(lines))
    worst = max(r["max_abs_diff"] for r in rows)
    print(f"\nWorst difference {worst:.2e} (tolerance 1e-05); peak memory {peak:.0f} MiB")
    record = {"timesteps": args.timesteps, "rows": rows, "worst": worst, "peak_rss_mib": peak}
    save(args.output / "export_parity.json", "export_parity", record, command=command_line())
    print(f"Wrote {args.output / 'export_parity.json'}")


if __name__ == "__main__":
    main()
