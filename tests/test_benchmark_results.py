"""The one schema of benchmarks/results: the files, the index, writing and migrating.

Imports only the benchmark helpers (no TensorFlow of its own), so it runs in seconds.
"""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import common  # noqa: E402
import migrate_results  # noqa: E402
import result_layouts  # noqa: E402

RESULTS = BENCHMARKS / "results"
FILES = sorted(p for p in RESULTS.glob("*.json") if p.name != common.INDEX)
ORIGIN = {"created": None, "commit": None, "machine": None, "versions": None}


def fields(**changes) -> dict:
    base = dict(
        benchmark="sentiment",
        title="a test of the schema",
        command="python benchmarks/sentiment.py --seeds 0",
        config={"units": 8},
        seeds=[0, 1, 2],
        runs=[
            {"variant": "lstm", "seed": 0, "metrics": {"accuracy": 0.9, "train_seconds": 10}},
            {"variant": "lstm", "seed": 1, "metrics": {"accuracy": 0.8, "train_seconds": 12}},
            {"variant": "lstm", "seed": 2, "metrics": {"accuracy": 1.0}},
            {"variant": "gru", "seed": 0, "metrics": {"accuracy": 0.7}, "info": {"note": "x"}},
        ],
        peak_memory_mib=996,
        notes=["one note"],
        extra={"kept": [1, 2]},
        origin=ORIGIN,
    )
    return base | changes


def numbers(value) -> list[float]:
    """Every number in a JSON value (bools left out)."""
    if isinstance(value, dict):
        return [x for v in value.values() for x in numbers(v)]
    if isinstance(value, list):
        return [x for v in value for x in numbers(v)]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return [float(value)]
    return []


def keeps_every_number(old, new) -> bool:
    ours = numbers(new)
    return all(any(math.isclose(x, y, abs_tol=1e-12) for y in ours) for x in numbers(old))


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_results_file_follows_the_schema(path):
    record = common.read_results(path)
    assert record["runs"] and record["summary"]
    assert (BENCHMARKS / f"{record['benchmark']}.py").is_file(), record["benchmark"]


def test_the_index_lists_exactly_the_results_files():
    index = json.loads((RESULTS / common.INDEX).read_text())
    assert [e["file"] for e in index["files"]] == [p.name for p in FILES]
    for entry in index["files"]:
        record = common.read_results(RESULTS / entry["file"])
        assert entry == common.index_entry(RESULTS / entry["file"], record)
        assert set(entry) == {"file", "benchmark", "title", "command", "created"} | {
            "variants",
            "metrics",
        }


def test_write_results_round_trips_and_summarizes(tmp_path):
    path = tmp_path / "sentiment.json"
    written = common.write_results(path, **fields())
    assert common.read_results(path) == written
    assert written["schema"] == common.SCHEMA and written["peak_memory_mib"] == 996.0
    rows = {(r["variant"], r["metric"]): r for r in written["summary"]}
    accuracy = rows[("lstm", "accuracy")]
    assert accuracy["mean"] == pytest.approx(0.9) and accuracy["n"] == 3
    assert accuracy["std"] == pytest.approx(np.std([0.9, 0.8, 1.0]))
    assert (accuracy["min"], accuracy["max"]) == (0.8, 1.0)
    seconds = rows[("lstm", "train_seconds")]
    assert (seconds["mean"], seconds["std"], seconds["n"]) == (11.0, 1.0, 2)
    assert rows[("gru", "accuracy")] == {
        "variant": "gru",
        "metric": "accuracy",
        "mean": 0.7,
        "std": 0.0,
        "min": 0.7,
        "max": 0.7,
        "n": 1,
    }
    assert written["runs"][3]["info"] == {"note": "x"} and "info" not in written["runs"][0]
    index = json.loads((tmp_path / common.INDEX).read_text())["files"]
    assert index == [
        {
            "file": "sentiment.json",
            "benchmark": "sentiment",
            "title": "a test of the schema",
            "command": "python benchmarks/sentiment.py --seeds 0",
            "created": None,
            "variants": ["lstm", "gru"],
            "metrics": ["accuracy", "train_seconds"],
        }
    ]


def test_a_given_summary_is_kept(tmp_path):
    summary = [{"variant": "lstm", "metric": "accuracy", "mean": 1, "std": 0, "min": 1}]
    summary[0] |= {"max": 1, "n": 1}
    written = common.write_results(tmp_path / "a.json", **fields(summary=summary))
    assert written["summary"] == summary


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"runs": [{"variant": "lstm", "seed": 0}]}, "'metrics' must be a non-empty object"),
        ({"runs": [{"variant": "lstm", "seed": 0, "metrics": {}}]}, "'metrics' must be"),
        ({"runs": [{"variant": "", "seed": 0, "metrics": {"a": 1}}]}, "'variant' must be"),
        ({"runs": [{"variant": "a", "seed": True, "metrics": {"a": 1}}]}, "'seed' must be"),
        ({"runs": [{"variant": "a", "seed": 0, "metrics": {"a": math.nan}}]}, "finite number"),
        ({"runs": [{"variant": "a", "seed": 0, "metrics": {"a": "1"}}]}, "finite number"),
        ({"runs": [{"variant": "a", "seed": 0, "metrics": {"Acc": 1}}]}, "not snake_case"),
        ({"runs": [{"variant": "a", "seed": 0, "metrics": {"peak_rss_mib": 1}}]}, "peak_memory"),
        ({"runs": ["lstm"]}, "expected an object"),
        ({"title": ""}, "'title' must be one non-empty line"),
        ({"command": "a\nb"}, "'command' must be one non-empty line"),
        ({"seeds": [0, "1"]}, "'seeds' must hold integers"),
        ({"notes": "just one"}, "'notes' and 'seeds' must be lists"),
        ({"peak_memory_mib": math.inf}, "'peak_memory_mib' must be a finite number"),
        ({"config": None}, "field 'config' has the wrong type"),
    ],
)
def test_write_results_refuses_bad_input_and_keeps_the_old_file(tmp_path, change, message):
    path = tmp_path / "a.json"
    common.write_results(path, **fields())
    before = path.read_text()
    with pytest.raises(ValueError, match=message):
        common.write_results(path, **fields(**change))
    assert path.read_text() == before


def test_a_failing_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "a.json"
    common.write_results(path, **fields())
    before = path.read_text()

    def broken(source, target):
        raise OSError("disk full")

    monkeypatch.setattr(common.os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        common.write_results(path, **fields(title="another"))
    monkeypatch.undo()
    with pytest.raises(TypeError):  # not JSON: fails before anything is replaced
        common.write_results(path, **fields(extra={"x": object()}))
    assert path.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", common.INDEX]


def test_read_results_names_the_file_and_the_field(tmp_path):
    path = tmp_path / "a.json"
    record = common.write_results(path, **fields())
    del record["title"]
    path.write_text(json.dumps(record))
    with pytest.raises(ValueError, match=f"{path}: missing field 'title'"):
        common.read_results(path)
    path.write_text(json.dumps(record | {"title": "t", "schema": "other/1"}))
    with pytest.raises(ValueError, match="field 'schema' must be 'lstm_apps.benchmark/1'"):
        common.read_results(path)
    path.write_text(json.dumps(record | {"title": "t", "peak_rss_mib": 3}))
    with pytest.raises(ValueError, match=r"unknown fields \['peak_rss_mib'\]"):
        common.read_results(path)
    path.write_text('{"peak_memory_mib": NaN}')
    with pytest.raises(ValueError, match="not strict JSON"):
        common.read_results(path)


SEEDED = {"seed": 0, "accuracy": 0.5, "train_seconds": 2.5, "peak_rss_mib": 800.0}
SAMPLES = {
    "activity": {
        "variants": {
            "steps_lstm": {
                "settings": {"units": 8},
                "runs": [SEEDED | {"validation_subjects": [1, 2]}],
                "summary": {"accuracy": {"mean": 0.5, "std": 0.0, "min": 0.5, "max": 0.5}},
            }
        },
        "peak_memory_mib": 900.5,
        "sizes": {"windows": {"train": 10}},
        "note": "shared cores",
    },
    "captioning": {"digits": {"case_study": "captioning", "settings": {}, "runs": [SEEDED]}},
    "char_lm": {
        "runs": {"lstm": {"units": 4, "peak_rss_mib": 7.0}},
        "characters": 99,
        "config": {},
    },
    "cli_startup": {
        "machine": {"processor": "x86_64", "cpu_count": 2, "python": "3.11.7"},
        "repeats": 3,
        "rows": [{"command": "lstm-apps --help", "median_s": 1.5, "runs": [1.4, 1.5, 1.6]}],
    },
    "engine_nox": {
        "data": "SYNTHETIC",
        "summary": {"rmse": {"mean": 0.7, "std": 0.1}},
        "runs": [{"seed": 3, "rmse": 0.7, "sizes": {"train": 480}}],
        "peak_rss_mib": 1000.0,
        "config": {"units": "64"},
        "machine": {"python": "3.11.7", "processor": "", "cpus": 2, "keras": "3.15.1"},
    },
    "export_parity": {
        "timesteps": 32,
        "rows": [{"family": "lstm", "format": "onnx", "max_abs_diff": 1e-7}],
        "worst": 1e-7,
        "peak_rss_mib": 600.0,
    },
    "forecasting": {
        "runs": [
            {"series": "co2", "variant": "lstm", "seed": 1, "validation_mase": {"none": 0.4}}
            | {"mase_h1": 0.3, "peak_rss_mib": 500.0}
        ],
        "mean_std": {"co2/lstm": {"mase_h1": [0.3, 0.0]}},
        "note": "indicative",
    },
    "hostile_sweep": {
        "meta": {"started": "2026-12-05 00:47:44 UTC", "machine": "x86_64, 2 CPUs", "seconds": 9.5},
        "counts": {"clear": 1},
        "cases": [{"id": "F01", "outcome": "clear", "exit_code": 2, "peak_mib": 25.9}],
    },
    "japanese_vowels": {
        "summary": {"lstm": {"seeds": 1, "accuracy_mean": 0.5, "learnables": 40}},
        "runs": [{"network": "lstm", "seed": 100, "accuracy": 0.5, "learnables": 40}],
        "peak_rss_mib": 700.0,
        "config": {},
    },
    "memory_tasks": {
        "config": {"lengths": [10], "seeds": [0, 1]},
        "runs": [
            {"cell": "lstm", "task": "adding", "length": 10, "seed": 0, "error": 0.001}
            | {"solved": True, "curve": [[250, 0.01]]}
        ],
        "gradients": {"lstm/init": [0.5, 0.25]},
    },
    "nox": {
        "runs": [
            {"output_mode": "last", "seed": 0, "rmse": 4.5, "window_validation_mae": {"1": 5}}
        ],
        "mean_std": {"last": {"rmse": [4.5, 0.0]}},
        "config": {},
    },
    "sentiment": {
        "settings": {"seed": 1},
        "models": {"tfidf": {"accuracy": 0.8, "C": 2.0}},
        "kept": "tfidf",
        "peak_rss_mib": 1200,
    },
    "streaming_latency": {
        "machine": {"processor": "x86_64", "cpu_count": 2, "onnxruntime": "1.32.0"},
        "model": "LSTM(128)",
        "rows": [{"method": "onnx", "streams": 1, "median_ms": 0.03}],
        "targets": ["fast: PASS"],
        "peak_rss_mib": 300.0,
    },
    "sunspot_analogs": {"horizon": 11, "validation_choice": 13, "rows": [{"lag": 13, "mase": 0.9}]},
    "turbofan": {
        "runs": [{"variant": "single", "seed": 0, "rmse": 15.0, "member_epochs": [9]}],
        "mean_std": {"single": {"runs": 1, "rmse": [15.0, 0.0]}},
        "variants": {"single": {"units": "100"}},
        "config": {},
        "note": "CPU only",
    },
    "own_data": {
        "datasets": {
            "nile": {
                "study": "series",
                "seeds": [0],
                "runs": [
                    {"dataset": "nile", "seed": 0, "network": 0.9, "test": {"lstm": 0.9}}
                    | {"diagnoses": [], "peak_rss_mib": 870.0, "train_accuracy_last": None}
                ],
                "mean": {"network": 0.9},
                "met": True,
                "peak_rss_mib": 870.0,
            }
        },
        "targets": [{"study": "series", "value": 1, "met": True}],
        "machine": "x86_64, 2 CPUs, load 2.8",
    },
}


@pytest.mark.parametrize("benchmark", sorted(SAMPLES))
def test_migration_keeps_every_number_of_each_family(benchmark, tmp_path):
    old = SAMPLES[benchmark]
    path = tmp_path / f"{benchmark}.json"
    if benchmark == "memory_tasks":
        path = tmp_path / "memory_adding.json"
    path.write_text(json.dumps(old))
    assert migrate_results.migrate(path) == "migrated"
    record = common.read_results(path)
    assert record["benchmark"] == benchmark
    assert record["command"].startswith(f"python benchmarks/{benchmark}.py")
    assert record["created"] is None or benchmark == "hostile_sweep"  # it states when it ran
    assert keeps_every_number(old, record)
    assert all("peak_rss_mib" not in r["metrics"] for r in record["runs"])
    migrated = path.read_text()
    assert migrate_results.migrate(path) == "kept" and path.read_text() == migrated


def test_migration_maps_the_known_parts(tmp_path):
    def convert(benchmark):
        command = f"python benchmarks/{benchmark}.py"
        return migrate_results.convert(
            benchmark, SAMPLES[benchmark], command=command, migrated=True
        )

    activity = convert("activity")
    assert activity["peak_memory_mib"] == 900.5 and activity["notes"] == ["shared cores"]
    assert activity["extra"] == {"sizes": {"windows": {"train": 10}}}
    assert activity["runs"][0]["metrics"]["peak_memory_mib"] == 800.0
    hostile = convert("hostile_sweep")
    assert hostile["created"] == "2026-12-05T00:47:44Z"
    assert hostile["machine"] == {"cpu": "x86_64", "cores": 2, "gpu": None}
    assert hostile["runs"][0]["metrics"] == {"exit_code": 2, "peak_memory_mib": 25.9}
    engine = convert("engine_nox")
    assert engine["versions"]["keras"] == "3.15.1" and engine["seeds"] == [3]
    assert "summary_as_written" in engine["extra"]  # not per variant: kept verbatim
    sentiment = convert("sentiment")
    assert sentiment["runs"][0] == {
        "variant": "tfidf",
        "seed": 1,
        "metrics": {"accuracy": 0.8},
        "info": {"C": 2.0},
    }
    memory = convert("memory_tasks")
    assert memory["seeds"] == [0, 1] and memory["extra"]["gradients"]["lstm/init"] == [0.5, 0.25]
    assert memory["runs"][0]["variant"] == "lstm_T10"
    assert memory["runs"][0]["info"]["solved"] is True


def test_scripts_read_their_earlier_results_back(tmp_path):
    for benchmark, reverse in (
        ("own_data", result_layouts.own_data_layout),
        ("activity", result_layouts.activity_layout),
    ):
        path = tmp_path / f"{benchmark}.json"
        migrate_results.save(path, benchmark, SAMPLES[benchmark], command="python x.py")
        back = migrate_results.load(path, reverse)
        if benchmark == "own_data":
            assert back == SAMPLES["own_data"]
        else:
            row = {"seed": 0, "accuracy": 0.5, "train_seconds": 2.5, "peak_memory_mib": 800.0}
            assert back["variants"]["steps_lstm"]["runs"] == [row | {"validation_subjects": [1, 2]}]
            assert back["variants"]["steps_lstm"]["settings"] == {"units": 8}
            assert back["peak_memory_mib"] == 900.5 and back["sizes"] == {"windows": {"train": 10}}
            assert back["notes"] == ["shared cores"]
    path = tmp_path / "forecasting.json"
    migrate_results.save(path, "forecasting", SAMPLES["forecasting"], command="python x.py")
    rows = result_layouts.forecasting_rows(common.read_results(path))
    assert rows[0]["series"] == "co2" and rows[0]["peak_memory_mib"] == 500.0
    assert rows[0]["validation_mase"] == {"none": 0.4}
    assert migrate_results.load(tmp_path / "none.json", default={"runs": []}) == {"runs": []}


def test_plain_makes_strict_json():
    value = {"a": np.float32(0.5), "b": np.int64(3), "c": (1, math.nan), "d": Path("x")}
    assert result_layouts.plain(value) == {"a": 0.5, "b": 3, "c": [1, "nan"], "d": "x"}
    assert type(result_layouts.plain(np.int64(3))) is int


def test_the_benchmark_of_each_file_name():
    assert migrate_results.benchmark_of("memory_adding_fast.json") == "memory_tasks"
    assert migrate_results.benchmark_of("engine_nox_restructure_rerun.json") == "engine_nox"
    assert migrate_results.benchmark_of("nox_linear_path.json") == "nox"
    with pytest.raises(ValueError, match="'unknown.json'"):
        migrate_results.benchmark_of("unknown.json")


def test_the_temporary_file_goes_to_the_same_folder(tmp_path, monkeypatch):
    seen = []
    real = os.replace
    monkeypatch.setattr(common.os, "replace", lambda a, b: seen.append((a, b)) or real(a, b))
    common.write_json_atomic(tmp_path / "x.json", {"a": 1})
    assert Path(seen[0][0]).parent == tmp_path and seen[0][1] == tmp_path / "x.json"
