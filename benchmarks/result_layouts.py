"""How each benchmark script's own results layout maps to the schema of common.py.

One converter per script family turns the dict a script builds (or an old results
file) into the schema's fields: per-run figures become metrics, the rest of each run
its "info", and what fits nowhere else goes to "extra" verbatim. The `*_layout` and
`*_rows` functions turn a schema record back into the layout a script resumes from.
"""

from __future__ import annotations

import math
import re

from common import METRIC_NAME, is_metric, summarize

MIGRATED = "Migrated from an older layout"
RENAMES = {"peak_rss_mib": "peak_memory_mib", "peak_mib": "peak_memory_mib"}


def make_run(variant, seed, row, drop=("seed",), info=()) -> dict:
    """A schema run: finite snake_case numbers as metrics (the first of two names that
    rename to the same metric), everything else as info, verbatim."""
    metrics, rest = {}, {}
    for key, value in row.items():
        name = RENAMES.get(key, key)
        if key in drop:
            continue
        if key not in info and is_metric(value) and METRIC_NAME.match(name) and name not in metrics:
            metrics[name] = value
        else:
            rest[key] = value
    return {"variant": str(variant), "seed": seed, "metrics": metrics, "info": rest}


def old_row(run, variant_key=None, renames=None) -> dict:
    """The row `make_run` was given back: variant, seed, info and metrics."""
    row = {variant_key: run["variant"]} if variant_key else {}
    if run["seed"] is not None:
        row["seed"] = run["seed"]
    row.update(run.get("info", {}))
    row.update({(renames or {}).get(k, k): v for k, v in run["metrics"].items()})
    return row


def summary_matches(stated: dict, runs) -> bool:
    """Whether every stated (variant, metric, statistic) equals the one computed from runs."""
    computed = {(r["variant"], r["metric"], k): r[k] for r in summarize(runs) for k in r}
    for key, value in stated.items():
        ours = computed.get((key[0], RENAMES.get(key[1], key[1]), key[2]))
        if not is_metric(value) or ours is None or not math.isclose(ours, value, abs_tol=1e-9):
            return False
    return True


def pairs(summary: dict) -> dict:
    """Flatten {variant: {metric: [mean, std] or {"mean":..}}} into (variant, metric, stat)."""
    out = {}
    for variant, metrics in summary.items():
        for metric, value in metrics.items():
            if metric == "runs":
                out[(variant, "train_seconds", "n")] = value
            elif isinstance(value, list):
                out.update({(variant, metric, s): v for s, v in zip(("mean", "std"), value)})
            elif isinstance(value, dict):
                out.update({(variant, metric, s): v for s, v in value.items()})
            else:
                out[(variant, metric, "?")] = value
    return out


def machine_fields(machine) -> dict:
    """Split an old "machine" entry into the schema's machine and versions."""
    if isinstance(machine, str):
        cores = re.search(r"(\d+) CPUs", machine)
        cpu = machine.split(",")[0].strip() or None
        return {"machine": {"cpu": cpu, "cores": cores and int(cores[1]), "gpu": None}}
    cpu = machine.get("processor") or None
    cores = machine.get("cpus", machine.get("cpu_count"))
    versions = {k: machine.get(k) for k in ("python", "tensorflow", "keras", "numpy")}
    versions.update({k: v for k, v in machine.items() if k in ("onnxruntime",)})
    return {"machine": {"cpu": cpu, "cores": cores, "gpu": None}, "versions": versions}


def notes_of(old) -> list[str]:
    """An old "note" and the "notes" a script carried over from an earlier file."""
    return ([old["note"]] if "note" in old else []) + list(old.get("notes", []))


def kept_notes(record) -> list[str]:
    """The notes of a schema record worth carrying into the next write of its script."""
    return [n for n in record["notes"] if not n.startswith(MIGRATED)]


def plain(value):
    """`value` as strict JSON values: numpy numbers as floats, NaN and infinities as
    the strings "nan", "inf", "-inf", tuples as lists, anything else unknown as text."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if value is None or isinstance(value, str | bool | int):
        return value
    if getattr(getattr(value, "dtype", None), "kind", "") in ("i", "u"):
        return int(value)
    if isinstance(value, float) or hasattr(value, "__float__"):
        number = float(value)
        return number if math.isfinite(number) else str(number)
    return str(value)


def peak_of(runs):
    """The largest peak memory any run states, or None."""
    peaks = [r["metrics"]["peak_memory_mib"] for r in runs if "peak_memory_mib" in r["metrics"]]
    return max(peaks, default=None)


def from_variants(old, key, settings_keys):
    """Layouts holding {variant: {settings..., "runs": [...], "summary": ...}} under `key`."""
    groups = old[key] if key else old
    runs, config, stated = [], {}, {}
    for name, entry in groups.items():
        config[name] = {k: entry[k] for k in settings_keys if k in entry}
        runs += [make_run(name, r.get("seed"), r) for r in entry["runs"]]
        stated.update(pairs({name: entry.get("summary", {})}))
    extra = {}
    if not summary_matches(stated, runs):
        extra["summary_as_written"] = {n: e.get("summary") for n, e in groups.items()}
    return runs, {"variants": config}, extra


def activity(old):
    runs, config, extra = from_variants(old, "variants", ("settings",))
    skip = ("variants", "peak_memory_mib", "note", "notes")
    extra.update({k: v for k, v in old.items() if k not in skip})
    fields = dict(config=config, runs=runs, peak=old.get("peak_memory_mib"), extra=extra)
    return fields | {"notes": notes_of(old)}


def activity_layout(record) -> dict:
    """activity.py's own layout back from a schema record (summaries left to the script)."""
    groups = variants_layout(record)
    return (
        record["extra"]
        | {"variants": groups, "peak_memory_mib": record["peak_memory_mib"]}
        | {"notes": kept_notes(record)}
    )


def captioning(old):
    runs, config, extra = from_variants(old, None, ("case_study", "settings"))
    return dict(config=config, runs=runs, extra=extra)


def variants_layout(record):
    """The old {variant: {settings..., "runs", "summary"}} back from a schema record."""
    groups = {}
    for name, settings in record["config"].get("variants", {}).items():
        rows = [old_row(r) for r in record["runs"] if r["variant"] == name]
        groups[name] = {**settings, "runs": rows}
    return groups


def char_lm(old):
    seed = old.get("config", {}).get("seed")
    seed = int(seed) if isinstance(seed, int | str) and str(seed).isdigit() else None
    runs = [make_run(cell, seed, row) for cell, row in old["runs"].items()]
    extra = {k: v for k, v in old.items() if k not in ("runs", "config")}
    return dict(config=old.get("config", {}), runs=runs, extra=extra)


def rows_layout(old, variant, config_keys=(), rows="rows", seed=None, drop=()):
    """Layouts holding a list of rows (one measurement each) and a few settings."""
    runs = [make_run(variant(r), seed, r, drop=drop) for r in old[rows]]
    config = {k: old[k] for k in config_keys if k in old}
    skip = {rows, "machine", "peak_rss_mib", *config_keys}
    extra = {k: v for k, v in old.items() if k not in skip}
    fields = dict(config=config, runs=runs, peak=old.get("peak_rss_mib"), extra=extra)
    if "machine" in old:
        fields.update(machine_fields(old["machine"]))
        unmapped = set(old["machine"]) - {"processor", "cpus", "cpu_count", "python", "keras"}
        if unmapped - {"tensorflow", "onnxruntime"}:
            extra["machine"] = old["machine"]
    return fields


def cli_startup(old):
    return rows_layout(old, lambda r: r["command"], ("repeats", "target_s"))


def export_parity(old):
    return rows_layout(old, lambda r: f"{r['family']}/{r['format']}", ("timesteps",))


def streaming_latency(old):
    keys = ("model", "timed_calls", "warmup")
    return rows_layout(old, lambda r: f"{r['method']}/{r['streams']}", keys)


def sunspot_analogs(old):
    return rows_layout(old, lambda r: f"lag_{r['lag']}", ("horizon",))


def hostile_sweep(old):
    fields = rows_layout(old, lambda r: r["id"], rows="cases")
    meta = dict(old["meta"])
    started = re.fullmatch(r"(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) UTC", meta.get("started", ""))
    fields.update(machine_fields(meta.get("machine", "")))
    fields["versions"] = {"python": meta.get("python")}
    fields["created"] = started and f"{started[1]}T{started[2]}Z"
    fields["extra"]["meta"] = meta
    return fields


def seeded(old, variant, drop=("seed",), stated=None):
    """Layouts holding "runs" (a list of seeded rows) and "mean_std" or "summary"."""
    runs = [make_run(variant(r), r.get("seed"), r, drop=drop) for r in old["runs"]]
    written = old.get("mean_std", old.get("summary", {}))
    stated = pairs(written) if stated is None else stated
    extra = {}
    if stated and not summary_matches(stated, runs):
        extra["summary_as_written"] = written
    known = {"runs", "mean_std", "summary", "machine", "peak_rss_mib", "note", "notes", "config"}
    extra.update({k: v for k, v in old.items() if k not in known})
    notes = notes_of(old)
    fields = dict(config=old.get("config", {}), runs=runs, peak=old.get("peak_rss_mib"))
    fields.update(notes=notes, extra=extra)
    if "machine" in old:
        fields.update(machine_fields(old["machine"]))
    return fields


def engine_nox(old):
    return seeded(old, lambda r: "lstm")


def japanese_vowels(old):
    stated = {}
    for network, figures in old.get("summary", {}).items():
        for key, value in figures.items():
            if key == "seeds":
                stated[(network, "accuracy", "n")] = value
            elif key == "learnables":
                stated[(network, key, "mean")] = value
            else:
                stated[(network, *key.rsplit("_", 1))] = value
    return seeded(old, lambda r: r["network"], drop=("seed", "network"), stated=stated)


def forecasting(old):
    return seeded(
        old, lambda r: f"{r['series']}/{r['variant']}", drop=("seed", "series", "variant")
    )


def forecasting_rows(record):
    """Forecasting runs in the script's own layout, from a schema record."""
    return [
        {"series": r["variant"].split("/")[0], "variant": r["variant"].split("/")[1], **old_row(r)}
        for r in record["runs"]
    ]


def nox(old):
    return seeded(old, lambda r: r["output_mode"], drop=("seed", "output_mode"))


def turbofan(old):
    return seeded(old, lambda r: r["variant"], drop=("seed", "variant"))


def memory_tasks(old):
    def variant(r):
        return f"{r['cell']}_T{r['length']}"

    keep = ("cell", "task", "length", "solved", "curve")
    runs = [make_run(variant(r), r["seed"], r, info=keep) for r in old["runs"]]
    seeds = old["config"].get("seeds", [])
    extra = {"gradients": old.get("gradients", {})}
    return dict(config=old["config"], runs=runs, seeds=seeds, extra=extra)


def sentiment(old):
    seed = old.get("settings", {}).get("seed")
    runs = [make_run(name, seed, row) for name, row in old["models"].items()]
    extra = {k: v for k, v in old.items() if k not in ("settings", "models", "peak_rss_mib")}
    return dict(
        config=old.get("settings", {}), runs=runs, peak=old.get("peak_rss_mib"), extra=extra
    )


def own_data(old):
    runs, datasets = [], {}
    for name, entry in old["datasets"].items():
        runs += [make_run(name, r.get("seed"), r, drop=("seed", "dataset")) for r in entry["runs"]]
        datasets[name] = {k: v for k, v in entry.items() if k != "runs"}
    peaks = [e["peak_rss_mib"] for e in datasets.values() if is_metric(e.get("peak_rss_mib"))]
    extra = {"datasets": datasets, "targets": old.get("targets", [])}
    fields = dict(config={"datasets": list(datasets)}, runs=runs, extra=extra)
    fields["peak"] = max(peaks, default=None)
    if "machine" in old:
        fields.update(machine_fields(old["machine"]))
        extra["machine"] = old["machine"]
    return fields


def own_data_layout(record) -> dict:
    """own_data.py's {"datasets", "targets", "machine"} back from a schema record."""
    datasets = {}
    for name, entry in record["extra"]["datasets"].items():
        rows = [
            {"dataset": name, **old_row(r, renames={"peak_memory_mib": "peak_rss_mib"})}
            for r in record["runs"]
            if r["variant"] == name
        ]
        datasets[name] = {**entry, "runs": rows}
    layout = {"datasets": datasets, "targets": record["extra"].get("targets", [])}
    if "machine" in record["extra"]:
        layout["machine"] = record["extra"]["machine"]
    return layout


CONVERTERS = {
    "activity": activity,
    "captioning": captioning,
    "char_lm": char_lm,
    "cli_startup": cli_startup,
    "engine_nox": engine_nox,
    "export_parity": export_parity,
    "forecasting": forecasting,
    "hostile_sweep": hostile_sweep,
    "japanese_vowels": japanese_vowels,
    "memory_tasks": memory_tasks,
    "nox": nox,
    "own_data": own_data,
    "sentiment": sentiment,
    "speech": captioning,
    "streaming_latency": streaming_latency,
    "sunspot_analogs": sunspot_analogs,
    "translation": captioning,
    "turbofan": turbofan,
}
