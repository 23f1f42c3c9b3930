"""benchmarks/throughput.py: its arguments, its worker commands, its ratios and its record.

None of these needs PyTorch: the Keras engines are measured in this process at a tiny size,
and the torch engine is either replaced by made-up numbers or reported as missing.
"""

from __future__ import annotations

import sys
from argparse import Namespace
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import common  # noqa: E402
import throughput  # noqa: E402
import throughput_torch  # noqa: E402

TINY = ["--set", "N=8", "--set", "T=3", "--set", "F=2", "--set", "H=4", "--set", "B=4"]


def test_defaults_cover_every_engine_cell_and_size():
    args = throughput.parse_args([])
    assert args.engines == ["package", "keras", "keras_xla", "torch"]
    assert args.cells == ["lstm", "gru", "bilstm"] and args.sizes == ["small", "large"]
    assert args.rounds == 3 and args.epochs >= 2 and args.worker is None
    assert args.shapes["small"] == {"T": 50, "F": 12, "H": 128, "B": 64, "N": 2048}
    assert args.shapes["large"] == {"T": 200, "F": 6, "H": 64, "B": 32, "N": 1024}
    wide = throughput.parse_args(["--sizes", "wide", "--engines", "package", "package_bf16"])
    assert wide.shapes["wide"]["H"] == 256 and wide.engines == ["package", "package_bf16"]


def test_set_changes_every_chosen_size():
    args = throughput.parse_args(["--sizes", "large", "--set", "N=64", "--set", "T=10"])
    assert args.shapes == {"large": {"T": 10, "F": 6, "H": 64, "B": 32, "N": 64}}


@pytest.mark.parametrize(
    "argv",
    [["--set", "X=3"], ["--set", "N=0"], ["--set", "N"], ["--epochs", "1"], ["--rounds", "0"]],
)
def test_bad_arguments_are_refused(argv):
    with pytest.raises(SystemExit):
        throughput.parse_args(argv)


def test_worker_commands_carry_the_shape():
    args = throughput.parse_args(["--sizes", "small", "--torch-threads", "2", *TINY])
    torch = throughput.worker_command(args, "torch", "gru", "small", 1)
    assert torch[1].endswith("throughput_torch.py")
    parsed = throughput_torch.parse_args(torch[2:])
    assert (parsed.cell, parsed.steps, parsed.features, parsed.units) == ("gru", 3, 2, 4)
    assert (parsed.batch, parsed.sequences, parsed.seed, parsed.threads) == (4, 8, 1, 2)
    keras = throughput.worker_command(args, "keras_xla", "lstm", "small", 2)
    again = throughput.parse_args(keras[2:])
    assert again.worker == ["keras_xla", "lstm", "small"] and again.seed == 2
    assert again.shapes == args.shapes and again.epochs == args.epochs


def test_worker_output_is_the_last_marked_line():
    out = 'noise\nTHROUGHPUT_RESULT {"metrics": {"a": 1}}\nTHROUGHPUT_RESULT {"b": 2}\n'
    assert throughput.parse_worker_output(out) == {"b": 2}
    with pytest.raises(RuntimeError, match="exited with -11: Segmentation fault"):
        throughput.parse_worker_output("", -11, "Segmentation fault")


def made_up(engine, cell, size, seed):
    train = {"package": 100.0, "keras": 50.0, "keras_xla": 80.0, "torch": 200.0}[engine] * (
        seed + 1
    )
    metrics = {"train_samples_per_s": train, "first_epoch_seconds": 1.0}
    return {"metrics": {**metrics, "infer_sequences_per_s": 10 * train}}


def test_ratios_per_round_and_of_medians(tmp_path, monkeypatch):
    monkeypatch.setattr(throughput, "torch_available", lambda: True)  # the runner is made up
    argv = ["--engines", "package", "keras", "torch", "--cells", "lstm", "--sizes", "large"]
    output = tmp_path / "throughput.json"
    rows = throughput.main([*argv, "--rounds", "3", "--output", str(output)], runner=made_up)
    package = next(r for r in rows if r["engine"] == "package")
    assert package["train_samples_per_s"] == 200.0 and package["rounds"] == 3
    assert package["train_ratio_to_torch"] == pytest.approx(0.5)
    assert package["infer_ratio_to_torch"] == pytest.approx(0.5)
    torch = next(r for r in rows if r["engine"] == "torch")
    assert torch["train_ratio_to_torch"] == 1.0
    record = common.read_results(output)
    runs = [r for r in record["runs"] if r["variant"] == "keras/lstm/large"]
    assert [r["metrics"]["train_ratio_to_torch"] for r in runs] == [0.25, 0.25, 0.25]
    assert [r["info"]["round"] for r in runs] == [0, 1, 2] and record["seeds"] == [0, 1, 2]


def test_missing_torch_is_skipped_and_gives_no_ratios(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(throughput, "torch_available", lambda: False)
    output = tmp_path / "throughput.json"
    argv = ["--cells", "gru", "--sizes", "small", "--rounds", "1", "--output", str(output)]
    rows = throughput.main(argv, runner=made_up)
    assert {r["engine"] for r in rows} == {"package", "keras", "keras_xla"}
    assert all("ratio" not in key for r in rows for key in r)
    record = common.read_results(output)
    assert any("torch engine skipped" in note for note in record["notes"])
    assert all("ratio" not in name for r in record["runs"] for name in r["metrics"])
    assert "| – |" in capsys.readouterr().out


def test_missing_jax_skips_its_engine_with_a_note(tmp_path, monkeypatch):
    monkeypatch.setattr(throughput, "jax_available", lambda: False)
    output = tmp_path / "throughput.json"
    argv = ["--engines", "keras", "keras_jax", "--cells", "lstm", "--sizes", "small"]
    rows = throughput.main([*argv, "--rounds", "1", "--output", str(output)], runner=made_up)
    assert {r["engine"] for r in rows} == {"keras"}
    assert any("keras_jax engine skipped" in n for n in common.read_results(output)["notes"])


def in_process(args):
    def run(engine, cell, size, seed):
        options = Namespace(epochs=args.epochs, seed=seed, predict_batch=4, min_infer_seconds=0)
        return throughput.measure_keras(engine, cell, args.shapes[size], options)

    return run


def test_keras_engines_write_a_valid_record(tmp_path):
    output = tmp_path / "throughput.json"
    engines = ["package", "package_bf16", "keras", "keras_xla"]
    argv = ["--engines", *engines, "--cells", "lstm", "--sizes", "small"]
    argv += ["--rounds", "1", "--epochs", "2", *TINY, "--output", str(output)]
    rows = throughput.main(argv, runner=in_process(throughput.parse_args(argv)))
    assert [r["engine"] for r in rows] == engines
    record = common.read_results(output)
    assert record["benchmark"] == "throughput" and len(record["runs"]) == 4
    for run in record["runs"]:
        assert set(run["metrics"]) == {
            "train_samples_per_s",
            "first_epoch_seconds",
            "infer_sequences_per_s",
            "peak_memory_mib",
        }
        assert len(run["info"]["epoch_seconds"]) == 2
    assert record["config"]["sizes"]["small"]["N"] == 8
    assert "flags" in record["extra"]["cpu"] and "keras" in record["extra"]["library_versions"]
