"""Convert the results files of benchmarks/results to the one schema of common.py.

Each old layout (one per script family) maps to the schema keeping every number:
per-run figures become metrics, the rest of each run goes to its "info", and what
fits nowhere else goes to "extra" verbatim. Files already in the schema are only
re-validated, so running it twice changes nothing. The benchmark scripts use the
same converters to write their results.

    python benchmarks/migrate_results.py            # migrate, then write index.json
    python benchmarks/migrate_results.py --index    # only (re)write index.json
"""

import argparse
import json
import shlex
from pathlib import Path

from common import (
    INDEX,
    SCHEMA,
    read_results,
    results_record,
    write_index,
    write_json_atomic,
    write_results,
)
from result_layouts import CONVERTERS, MIGRATED, peak_of, plain

RESULTS = Path(__file__).parent / "results"
TITLES = {
    "activity": "Human activity recognition (UCI HAR): accuracy and macro-F1 per variant and seed",
    "captioning": "Image and video captioning/classification: BLEU, accuracy and time per seed",
    "char_lm": "Character language model: bits per character of LSTM, GRU and SimpleRNN vs n-grams",
    "cli_startup": "Start-up time of lstm-apps commands (median of repeated runs)",
    "engine_nox": "Engine NOx regression on synthetic cycles: error over seeds",
    "export_parity": "Exported models (SavedModel, ONNX, LiteRT) against Keras: max difference",
    "forecasting": "Forecasting CO2, airline and sunspots: MAE, RMSE and MASE per horizon",
    "hostile_sweep": "Hostile-input sweep of the lstm-apps CLI: outcome of each case",
    "japanese_vowels": "Japanese Vowels speaker classification: accuracy per network and seed",
    "memory_tasks": "Long-memory tasks: error of SimpleRNN, LSTM and GRU against sequence length T",
    "nox": "Gas-turbine NOx regression: error per output mode and seed",
    "own_data": "Own-data runs of lstm-apps on each dataset against its baseline",
    "sentiment": "Sentiment classification: accuracy, F1 and ROC AUC per model",
    "speech": "Spoken digits (FSDD): accuracy, leave-one-speaker-out, CTC digit error, streaming",
    "streaming_latency": "Streaming inference latency per step and backend",
    "sunspot_analogs": "Sunspot forecasting with lagged analogs: MASE per lag",
    "translation": "Spanish-English translation (Tatoeba): sacreBLEU and chrF per model",
    "turbofan": "Turbofan (C-MAPSS FD001) remaining useful life: RMSE and score over seeds",
}
FOLDER_OUTPUT = {"cli_startup", "export_parity", "hostile_sweep", "own_data", "sentiment"}
SCRIPTS = {"memory": "memory_tasks"}  # file-name prefixes whose script has another name


def benchmark_of(name: str) -> str:
    """The script that writes the results file `name` (longest matching prefix)."""
    stem = Path(name).stem
    families = sorted([*TITLES, *SCRIPTS], key=len, reverse=True)
    for family in families:
        if stem == family or stem.startswith(family + "_"):
            return SCRIPTS.get(family, family)
    raise ValueError(f"No benchmark script is known for results file {name!r}")


def schema_fields(benchmark, old, *, command, title=None, notes=(), migrated=False) -> dict:
    """The `write_results` arguments for an old-layout results dict of `benchmark`.

    Args:
        migrated: take created/commit/machine/versions from what the old file states
            (null where it states nothing) instead of measuring them now.
    """
    fields = CONVERTERS[benchmark](plain(old))
    runs = fields["runs"]
    origin = None
    if migrated:
        origin = {k: fields.get(k) for k in ("created", "commit", "machine", "versions")}
    seeds = fields.get("seeds") or [r["seed"] for r in runs if r["seed"] is not None]
    return dict(
        benchmark=benchmark,
        title=title or TITLES[benchmark],
        command=command,
        config=fields.get("config", {}),
        seeds=seeds,
        runs=runs,
        peak_memory_mib=fields.get("peak") or peak_of(runs),
        notes=[*fields.get("notes", []), *notes],
        extra=fields.get("extra", {}),
        origin=origin,
    )


def convert(benchmark, old, **options) -> dict:
    """The schema record of an old-layout results dict (see `schema_fields`)."""
    return results_record(**schema_fields(benchmark, old, **options))


def save(path, benchmark, old, *, command, title=None, notes=()) -> dict:
    """Convert `old` (a script's own layout) and write it with `write_results`: atomically,
    then refreshing the folder's index."""
    stem = Path(path).stem
    if title is None and stem != benchmark:
        title = f"{TITLES[benchmark]} ({stem.replace('_', ' ')})"
    fields = schema_fields(benchmark, old, command=command, title=title, notes=notes)
    return write_results(path, **fields)


def load(path, reverse=None, default=None):
    """An earlier results file in a script's own layout (schema or old), or `default`.

    Args:
        reverse: turns a schema record into the script's own layout.
    """
    path = Path(path)
    if not path.exists():
        return default
    raw = json.loads(path.read_text())
    if raw.get("schema") == SCHEMA:
        raw = reverse(read_results(path))
    return raw


def reconstructed_command(path, benchmark, fields) -> str:
    """The script's command with the seeds and variants an old file holds (its other
    options, such as --set, are in its config and notes)."""
    runs = fields["runs"]
    variants = list(dict.fromkeys(r["variant"] for r in runs))
    seeds = sorted({r["seed"] for r in runs if r["seed"] is not None})
    parts = ["python", f"benchmarks/{benchmark}.py"]
    if benchmark in ("activity", "captioning", "turbofan", "nox", "own_data", "forecasting"):
        parts += ["--seeds", *map(str, seeds)]
    if benchmark in ("activity", "captioning", "turbofan"):
        parts += ["--variants", *variants]
    elif benchmark == "forecasting":
        parts += ["--series", *dict.fromkeys(v.split("/")[0] for v in variants)]
        parts += ["--variants", *dict.fromkeys(v.split("/")[1] for v in variants)]
    elif benchmark == "nox":
        parts += ["--modes", *variants]
    elif benchmark == "own_data":
        parts += ["--dataset", *variants]
    elif benchmark in ("japanese_vowels", "engine_nox") and seeds:
        parts += ["--seeds", str(len(seeds)), "--first-seed", str(min(seeds))]
        parts += ["--networks", *variants] if benchmark == "japanese_vowels" else []
    elif benchmark == "char_lm":
        epochs = fields["config"].get("max_epochs")
        parts += ["--cells", *variants] + (["--epochs", str(epochs)] if epochs else [])
    elif benchmark == "sentiment":
        parts += ["--models", *variants]
    elif benchmark == "hostile_sweep" and Path(path).stem != benchmark:
        parts += ["--case", ",".join(variants)]
    elif benchmark == "memory_tasks":
        parts += ["--task", Path(path).stem.split("_")[1]]
    if Path(path).stem != benchmark and benchmark not in (*FOLDER_OUTPUT, "memory_tasks"):
        parts += ["--output", f"benchmarks/results/{Path(path).name}"]
    return shlex.join(parts)


def migrate(path) -> str:
    """Convert one results file in place; "kept" when it already follows the schema."""
    path = Path(path)
    raw = json.loads(path.read_text())
    if raw.get("schema") == SCHEMA:
        read_results(path)
        return "kept"
    benchmark = benchmark_of(path.name)
    command = reconstructed_command(path, benchmark, CONVERTERS[benchmark](plain(raw)))
    title = TITLES[benchmark]
    if path.stem != benchmark:
        title += f" ({path.stem.replace('_', ' ')})"
    note = (
        f"{MIGRATED}: the command is rebuilt from the seeds and variants it holds; "
        "options such as --set are not in it (see config and notes)."
    )
    record = convert(benchmark, raw, command=command, title=title, notes=[note], migrated=True)
    write_json_atomic(path, record)
    return "migrated"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=RESULTS)
    parser.add_argument("--index", action="store_true", help="only (re)write index.json")
    args = parser.parse_args()
    if not args.index:
        for path in sorted(args.folder.glob("*.json")):
            if path.name != INDEX:
                print(f"{path.name}: {migrate(path)}")
    entries = write_index(args.folder)
    print(f"Wrote {args.folder / INDEX} ({len(entries)} files)")


if __name__ == "__main__":
    main()
