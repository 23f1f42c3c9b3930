"""benchmarks/precision_checks.py: its commands and how it sets two precisions side by side.

The two studies' benchmarks are what it runs; here their outputs are small results files
written in the schema, so the comparison can be checked without an hour of training.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import common  # noqa: E402
import precision_checks  # noqa: E402


def _write(folder, precision, accuracies, val_bits, test_bits, seconds):
    runs = [
        {"variant": network, "seed": seed, "metrics": {"accuracy": a, "train_seconds": 10.0}}
        for network in ("lstm", "bilstm")
        for seed, a in enumerate(accuracies)
    ]
    common.write_results(
        folder / f"jv_{precision}.json", benchmark="japanese_vowels", title="t", command="c",
        config={}, seeds=list(range(len(accuracies))), runs=runs,
    )  # fmt: skip
    lm = {
        "variant": "lstm",
        "seed": 0,
        "metrics": {"bits_per_char": test_bits, "train_seconds": seconds, "epochs_run": 4},
        "info": {"epoch_bits_per_char": {"loss": val_bits, "val_loss": val_bits}},
    }
    common.write_results(
        folder / f"char_lm_{precision}.json", benchmark="char_lm", title="t", command="c",
        config={}, seeds=[0], runs=[lm],
    )  # fmt: skip


def test_commands_set_the_precision_and_write_into_the_folder(tmp_path):
    found = precision_checks.commands(tmp_path, "mixed_bfloat16", seeds=3, epochs=7)
    assert set(found) == {"jv", "char_lm"}
    for command in found.values():
        assert "--set=training.precision=mixed_bfloat16" in command
    assert f"--output={tmp_path / 'char_lm_mixed_bfloat16.json'}" in found["char_lm"]
    assert "--epochs=7" in found["char_lm"] and "--seeds=3" in found["jv"]


def test_reuse_of_a_folder_without_the_outputs_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        precision_checks.main(["--reuse", str(tmp_path), "--output", str(tmp_path / "o.json")])
    assert stop.value.code == 2
    assert "lacks jv_float32.json" in capsys.readouterr().err
    assert not (tmp_path / "o.json").exists()


def test_time_to_figure_is_the_first_epoch_at_or_below_the_target():
    assert precision_checks.seconds_to_reach([3.0, 2.5, 2.0, 1.9], 2.0, 400.0) == 300.0
    assert precision_checks.seconds_to_reach([3.0, 2.5], 2.0, 400.0) is None


def test_combined_record_compares_the_precisions(tmp_path):
    _write(tmp_path, "float32", [0.96, 0.97, 0.98], [3.0, 2.4, 2.1, 2.0], 1.95, 800.0)
    _write(tmp_path, "mixed_bfloat16", [0.97, 0.98, 0.99], [2.9, 2.3, 2.0, 1.98], 1.93, 400.0)
    output = tmp_path / "out.json"
    compared = precision_checks.main(["--reuse", str(tmp_path), "--output", str(output)])
    jv = compared["japanese_vowels/lstm"]
    assert jv["accuracy_gap"] == pytest.approx(0.01)
    assert jv["gap_standard_error"] == pytest.approx((2 * 0.0001 / 3) ** 0.5)
    assert jv["within_noise"] is True
    lm = compared["char_lm/lstm"]
    assert lm["bits_per_char_gap"] == pytest.approx(-0.02)
    assert lm["train_seconds_ratio"] == pytest.approx(0.5)
    record = common.read_results(output)
    reach = {r["variant"]: r["metrics"] for r in record["runs"] if "char_lm" in r["variant"]}
    # float32 reaches its own final validation figure (2.0) at epoch 4, bfloat16 at epoch 3
    assert reach["char_lm/lstm/float32"]["seconds_to_float32_validation_figure"] == 800.0
    assert reach["char_lm/lstm/mixed_bfloat16"]["seconds_to_float32_validation_figure"] == 300.0
    assert len([r for r in record["runs"] if r["variant"].startswith("japanese_vowels")]) == 12
