"""Memory tasks, the cell comparison and `lstm-apps compare`."""

from __future__ import annotations

import dataclasses
import json
import math

import keras
import numpy as np
import pytest

from lstm_apps.analysis import comparison, comparison_report, gradients, memory
from lstm_apps.cli import main
from lstm_apps.data import memory_tasks as mt
from lstm_apps.models.recurrent import recurrent_parameters

TINY = memory.MemoryConfig(lengths=(6,), seeds=(0,), steps=20, eval_every=10, eval_size=50)


def test_adding_problem_marks_one_value_in_each_half():
    x, y = mt.adding_problem(500, 40, seed=3)
    assert x.shape == (500, 40, 2) and y.shape == (500, 1)
    markers = x[:, :, 1]
    assert (markers.sum(1) == 2).all()
    assert (markers[:, :20].sum(1) == 1).all() and (markers[:, 20:].sum(1) == 1).all()
    np.testing.assert_allclose(y[:, 0], (x[:, :, 0] * markers).sum(1), rtol=1e-6)
    again, _ = mt.adding_problem(500, 40, seed=3)
    np.testing.assert_array_equal(x, again)


def test_the_adding_baseline_is_the_variance_of_the_sum():
    _, y = mt.adding_problem(40_000, 10, seed=0)
    assert abs(np.mean((y - 1.0) ** 2) - mt.ADDING_BASELINE_MSE) < 0.005


def test_copy_memory_asks_for_the_first_ten_symbols_after_the_delimiter():
    x, y = mt.copy_memory(50, 30, seed=1)
    assert x.shape == y.shape == (50, 50)
    assert ((x[:, :10] >= 1) & (x[:, :10] <= 8)).all()
    assert (x[:, 39] == mt.COPY_DELIMITER).all()
    assert (np.delete(x, [*range(10), 39], axis=1) == 0).all()
    np.testing.assert_array_equal(y[:, -10:], x[:, :10])
    assert (y[:, :-10] == 0).all()


def test_copy_baseline_is_the_memoryless_cross_entropy():
    delay = 25
    x, y = mt.copy_memory(200, delay, seed=0)
    probabilities = np.zeros((*y.shape, mt.COPY_OUTPUTS))
    probabilities[:, :-10, 0] = 1.0  # blanks until the delimiter has passed
    probabilities[:, -10:, 1:] = 1.0 / mt.COPY_SYMBOLS  # then a uniform guess
    picked = np.take_along_axis(probabilities, y[..., None], -1)
    assert math.isclose(-np.log(picked).mean(), mt.copy_baseline(delay), rel_tol=1e-9)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: mt.adding_problem(0, 10), r"`n` must be an integer of at least 1. Received: n=0"),
        (lambda: mt.adding_problem(4, 1), r"`length` must be .* Received: length=1"),
        (lambda: mt.copy_memory(4, 2.5), r"`delay` must be .* Received: delay=2.5"),
        (lambda: memory.task_units("lstm", "sort"), r"task"),
        (lambda: memory.MemoryConfig(steps=0), r"`steps` must be a positive integer. .* steps=0"),
        (lambda: memory.MemoryConfig(lengths=(1,)), r"Received: lengths=\(1,\)"),
    ],
)
def test_bad_input_is_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("task", memory.TASKS)
def test_cells_get_matched_parameter_counts(task):
    lstm = memory.memory_model("lstm", task, memory.task_units("lstm", task), 5).count_params()
    for kind in memory.KINDS:
        units = memory.task_units(kind, task)
        model = memory.memory_model(kind, task, units, 5)
        features, outputs = (2, 1) if task == "adding" else (10, 9)
        assert model.count_params() == recurrent_parameters(kind, units, features, outputs)
        assert abs(model.count_params() - lstm) / lstm < 0.03


def test_memory_training_builds_its_optimizer_from_a_training_config():
    config = memory.MemoryConfig(initial_learn_rate=0.02, gradient_threshold=0.5, mini_batch_size=8)
    settings = config.training_config()
    assert (settings.initial_learn_rate, settings.gradient_threshold) == (0.02, 0.5)
    assert settings.gradient_threshold_method == "l2norm" and settings.mini_batch_size == 8
    _, result = memory.train_memory_task("lstm", "adding", 4, 0, TINY, progress=False)
    assert result["steps_run"] == 20


def test_an_lstm_learns_the_short_adding_problem():
    config = memory.MemoryConfig(steps=400, eval_every=100, eval_size=300, initial_learn_rate=0.01)
    model, result = memory.train_memory_task("lstm", "adding", 10, 0, config, progress=False)
    assert result["error"] < 0.3 * mt.ADDING_BASELINE_MSE
    assert [step for step, _ in result["curve"]][0] == 100
    assert result["parameters"] == model.count_params()
    assert result["solved"] == (result["error"] < memory.ADDING_SOLVED_MSE)


def test_copy_runs_report_the_recall_accuracy():
    _, result = memory.train_memory_task("gru", "copy", 5, 0, TINY, progress=False)
    assert 0.0 <= result["recall_accuracy"] <= 1.0
    assert result["baseline"] == pytest.approx(mt.copy_baseline(5))
    assert result["steps_run"] == 20 and len(result["curve"]) == 2


def test_gradient_profile_matches_the_chain_rule_of_a_one_unit_rnn():
    model = memory.memory_model("simple_rnn", "adding", 1, 12, seed=0)
    x, y = mt.adding_problem(8, 12, seed=0)
    layer = model.get_layer("simple_rnn")
    layer.set_weights([np.array([[0.7], [-0.4]]), np.array([[0.9]]), np.array([0.1])])
    profile = gradients.gradient_profile(model, x, y)
    kernel, recurrent, bias = (w.astype("float64") for w in layer.get_weights())
    h, hs = np.zeros((8, 1)), []
    for t in range(12):
        h = np.tanh(x[:, t].astype("float64") @ kernel + h @ recurrent + bias)
        hs.append(h[:, 0])
    jacobians = np.abs(recurrent[0, 0] * (1.0 - np.stack(hs, 1) ** 2))  # |dh_t / dh_{t-1}|
    expected = [np.prod(jacobians[:, t + 1 :], axis=1) for t in range(12)]
    expected = np.exp(np.log(np.stack(expected, 1)).mean(0))
    np.testing.assert_allclose(profile, expected, rtol=1e-8)
    assert profile[-1] == 1.0
    with pytest.raises(ValueError, match="one recurrent layer returning its last state"):
        gradients.gradient_profile(memory.memory_model("lstm", "copy", 4, 3), x, y)


def test_a_sweep_saves_after_each_run_and_resumes(tmp_path):
    path = tmp_path / "sweep.json"
    first = comparison.memory_sweep(("adding",), TINY, path, gradient_length=20, progress=False)
    assert len(first.runs) == 3 and set(first.gradients) == {
        f"{kind}/{stage}" for kind in memory.KINDS for stage in ("init", "trained_T6")
    }
    saved = json.loads(path.read_text())
    kept, dropped = saved["runs"][:2], saved["runs"][2]
    saved["runs"] = kept
    path.write_text(json.dumps(saved))
    resumed = comparison.memory_sweep(("adding",), TINY, path, gradient_length=20, progress=False)
    assert resumed.runs[:2] == kept  # not retrained
    assert resumed.runs[2]["cell"] == dropped["cell"] and len(resumed.runs) == 3
    grown = dataclasses.replace(TINY, seeds=(0, 1))
    extended = comparison.memory_sweep(("adding",), grown, path, gradient_length=20, progress=False)
    assert len(extended.runs) == 6 and extended.runs[:3] == resumed.runs
    assert json.loads(path.read_text())["config"]["seeds"] == [0, 1]
    other = memory.MemoryConfig(lengths=(6,), seeds=(0,), steps=30)
    with pytest.raises(ValueError, match="another protocol"):
        comparison.memory_sweep(("adding",), other, path, progress=False)


def test_longest_solved_needs_most_seeds():
    runs = [
        {"cell": "lstm", "task": "adding", "length": t, "seed": s, "error": e, "solved": e < 0.01}
        for t, errors in ((10, (0.001, 0.002, 0.5)), (50, (0.001, 0.3, 0.4)))
        for s, e in enumerate(errors)
    ]
    for run in runs:
        run.update(units=4, parameters=1, baseline=1 / 6, seconds=1.0, steps_run=100)
    results = comparison.SweepResults(config={}, runs=runs)
    assert results.longest_solved("adding", "lstm") == 10
    assert results.longest_solved("adding", "gru") is None
    row = results.summary("adding")[0]
    assert row["solved"] == 2 and row["error_mean"] == pytest.approx(np.mean([0.001, 0.002, 0.5]))


def test_inference_latency_is_a_positive_median():
    model = keras.Sequential([keras.Input((None, 3)), keras.layers.GRU(4), keras.layers.Dense(2)])
    milliseconds = comparison.inference_latency(model, np.zeros((9, 3)), repeats=5, warmup=1)
    assert 0.0 < milliseconds < 1000.0


def test_compare_command_writes_the_table_and_figures(tmp_path, capsys):
    sweep = tmp_path / "adding.json"
    comparison.memory_sweep(("adding",), TINY, sweep, gradient_length=20, progress=False)
    out = tmp_path / "cmp"
    assert main(["compare", "--fast", "--adding-results", str(sweep), "--output", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "| SimpleRNN |" in printed and "| LSTM |" in printed and "| GRU |" in printed
    for name in ("comparison.md", "comparison.json", "adding_error_vs_T.png", "gradient_norms.png"):
        assert (out / name).exists(), name
    rows = json.loads((out / "comparison.json").read_text())["rows"]
    assert [row["cell"] for row in rows] == list(memory.KINDS)
    for row in rows:
        assert 0.0 <= row["accuracy"] <= 1.0 and row["epoch_seconds"] > 0
        assert row["gradient_trained_at"] == 6 and row["gradient_length"] == 20
    params = [row["parameters"] for row in rows]
    assert max(params) / min(params) < 1.03


def test_compare_command_names_a_missing_sweep_file(tmp_path, capsys):
    missing = tmp_path / "nothing.json"
    assert main(["compare", "--fast", "--adding-results", str(missing)]) == 2
    assert f"No such adding-sweep file: {missing}" in capsys.readouterr().err


def _row(kind, epoch_seconds, solved, error, init=1e-3, trained=1e-1):
    return {
        "cell": kind,
        "epoch_seconds": epoch_seconds,
        "adding_longest_solved": solved,
        "adding_longest_T": 500,
        "adding_error_at_longest_T": error,
        "gradient_ratio_init": init,
        "gradient_ratio_trained": trained,
    }


def test_verdicts_say_when_a_claim_does_not_hold():
    rows = [
        _row("simple_rnn", 1.0, 10, 0.17),
        _row("lstm", 1.0, 200, 0.1),
        _row("gru", 1.3, 200, 0.01),
    ]
    text = "\n".join(comparison_report.verdicts(rows))
    assert '"GRUs train faster than LSTMs": does not hold here: a GRU epoch took 130%' in text
    assert 'gates fix this": holds on the adding problem' in text
    assert "SimpleRNN T = 10, LSTM T = 200, GRU T = 200" in text
    assert 'better on very long sequences": does not hold here' in text
    rows[1]["epoch_seconds"], rows[0]["adding_longest_solved"] = 1.6, 200
    text = "\n".join(comparison_report.verdicts(rows))
    assert 'GRUs train faster than LSTMs": holds here' in text
    assert 'gates fix this": does not hold' in text


def test_a_sweep_saved_under_the_old_names_matches_todays_protocol(tmp_path):
    import json
    from dataclasses import asdict

    from lstm_apps.analysis.comparison import SweepResults, _protocol

    old = dict(asdict(memory.MemoryConfig()))
    old["batch_size"] = old.pop("mini_batch_size")
    old["learning_rate"] = old.pop("initial_learn_rate")
    old["clipnorm"] = old.pop("gradient_threshold")
    path = tmp_path / "old_sweep.json"
    path.write_text(
        json.dumps({"config": json.loads(json.dumps(old)), "runs": [], "gradients": {}})
    )
    loaded = SweepResults.load(path)
    today = json.loads(json.dumps(asdict(memory.MemoryConfig())))
    assert _protocol(loaded.config) == _protocol(today)
