"""The hola case study: each cell memorises the word, and a NumPy replay of
its gates and states reproduces the Keras model."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

import lstm_apps
from lstm_apps.analysis.gates import recurrent_states
from lstm_apps.cli import main
from lstm_apps.tasks import get_case_study, hola, load_run, parse_overrides

CELLS = ("simple_rnn", "lstm", "gru")
GATES = {
    "simple_rnn": set(),
    "lstm": {"cell", "input_gate", "forget_gate", "output_gate", "candidate"},
    "gru": {"update_gate", "reset_gate", "candidate"},
}


@pytest.fixture(scope="module")
def runs():
    """One run per cell with the default Config."""
    return {cell: hola.train(hola.Config(cell=cell)) for cell in CELLS}


def test_the_data_is_one_sequence_of_one_hot_letters():
    data = hola.load_data(hola.Config())
    assert data.class_names == ["a", "h", "l", "o"]
    assert data.sizes() == {"train": 1, "validation": 0, "test": 1}
    x = data.x_train[0]
    assert x.shape == (3, 4) and np.all(x.sum(axis=1) == 1)  # never an all-zero (masked) row
    assert [data.class_names[c] for c in x.argmax(1)] == ["h", "o", "l"]
    assert [data.class_names[c] for c in data.y_train[0]] == ["o", "l", "a"]


@pytest.mark.parametrize("cell", CELLS)
def test_each_cell_learns_to_spell_hola(runs, cell):
    run = runs[cell]
    guesses = hola.predict(run, "hol")
    assert [letter for letter, _ in guesses] == ["o", "l", "a"]
    metrics = hola.evaluate(run)
    assert set(metrics) == {"accuracy", "mean_probability_correct", "bits_per_char"}
    assert metrics["accuracy"] == 1.0
    assert metrics["mean_probability_correct"] > 0.9 and metrics["bits_per_char"] < 0.2
    table = hola.step_table(run)
    assert table["predicted"].tolist() == table["target"].tolist() == ["o", "l", "a"]


@pytest.mark.parametrize("cell", CELLS)
def test_numpy_replay_reproduces_the_keras_model(runs, cell):
    model, x = runs[cell].model, runs[cell].data.x_test[0]
    states = recurrent_states(model, x)
    assert set(states) == {"hidden", "outputs", "probabilities"} | GATES[cell]
    assert all(
        v.shape == (3, 8) for k, v in states.items() if k not in ("outputs", "probabilities")
    )
    hidden = keras.Model(model.input, model.get_layer(f"{cell}_1").output)
    np.testing.assert_allclose(states["hidden"], hidden.predict(x[None], verbose=0)[0], atol=1e-5)
    keras_probabilities = model.predict(x[None], verbose=0)[0]
    np.testing.assert_allclose(states["probabilities"], keras_probabilities, atol=1e-5)


def test_lstm_states_follow_the_gate_equations(runs):
    s = hola.inspect_steps(runs["lstm"])
    assert s["letters"] == ["h", "o", "l"] and s["targets"] == ["o", "l", "a"]
    previous = np.vstack([np.zeros((1, 8)), s["cell"][:-1]])
    expected_cell = s["forget_gate"] * previous + s["input_gate"] * s["candidate"]
    np.testing.assert_allclose(s["cell"], expected_cell, atol=1e-12)
    np.testing.assert_allclose(s["hidden"], s["output_gate"] * np.tanh(s["cell"]), atol=1e-12)
    for gate in ("input_gate", "forget_gate", "output_gate"):
        assert np.all((s[gate] > 0) & (s[gate] < 1))


def test_two_letter_words_get_a_sigmoid_head_and_still_work():
    config = hola.Config(word="papa", cell="gru")
    run = hola.train(config)
    assert run.model.output_shape == (None, None, 1)
    assert run.class_names == ["a", "p"]
    assert [g for g, _ in hola.predict(run, "pap")] == ["a", "p", "a"]
    steps = hola.inspect_steps(run)
    np.testing.assert_allclose(steps["probabilities"].sum(axis=1), 1.0)


@pytest.mark.parametrize("cell", ["lstm", "simple_rnn"])
def test_figures_are_written(runs, cell, tmp_path):
    paths = hola.figures(runs[cell], tmp_path)
    names = {p.name for p in paths}
    assert {"training_progress.png", "hidden_state.png", "next_letter_probabilities.png"} <= names
    assert ("gates.png" in names) == (cell == "lstm")
    assert all(p.exists() and p.stat().st_size > 0 for p in paths)


@pytest.mark.parametrize(
    "changes, match",
    [
        ({"word": "h"}, "at least 2 letters. Received: word='h'"),
        ({"word": "aaa"}, "2 distinct letters. Received: word='aaa'"),
        ({"word": 7}, "Received: word=7"),
        ({"cell": "transformer"}, "`cell` must be one of .* Received: cell='transformer'"),
    ],
)
def test_bad_config_is_rejected(changes, match):
    with pytest.raises(ValueError, match=match):
        hola.Config(**changes)


def test_unknown_letters_and_unsupported_models_are_rejected():
    with pytest.raises(ValueError, match=r"\['x'\] are not in the vocabulary.*letters='hx'"):
        hola.one_hot("hx", ["a", "h", "l", "o"])
    stacked = lstm_apps.build_model("lstm", num_features=4, num_outputs=4, units=(4, 4))
    with pytest.raises(ValueError, match="exactly one .* Received: 2 recurrent layers"):
        recurrent_states(stacked, np.eye(4)[:3])
    single = lstm_apps.build_model("gru", num_features=4, num_outputs=4, units=4)
    with pytest.raises(ValueError, match="padding value"):
        recurrent_states(single, np.zeros((3, 4)))


def test_command_line_run_evaluate_and_predict(tmp_path, capsys):
    out = tmp_path / "hola-run"
    assert main(["run", "hola", "--fast", "--output", str(out)]) == 0
    for name in ("config.json", "metrics.json", "model.keras", "figures/gates.png"):
        assert (out / name).exists(), name
    info = json.loads((out / "config.json").read_text())
    assert info["case_study"] == "hola" and info["class_names"] == ["a", "h", "l", "o"]
    assert info["config"]["training"]["max_epochs"] == 10  # the fast variant
    saved = json.loads((out / "metrics.json").read_text())["test"]
    capsys.readouterr()
    assert main(["evaluate", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["accuracy"] == pytest.approx(saved["accuracy"])
    assert main(["predict", str(out), "hol"]) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()[1:]]
    assert [row[:2] for row in rows] == [["hol", "o"], ["hol", "l"], ["hol", "a"]]
    module, run = load_run(out)
    argument = module.sample_input(run, tmp_path)
    assert open(argument).read() == "hol\n"
    assert main(["predict", str(out), argument]) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()[1:]]
    assert [row[:2] for row in rows] == [["line 1", "o"], ["line 1", "l"], ["line 1", "a"]]


def test_predict_reads_several_strings_each_from_a_zero_state(runs, tmp_path):
    run = runs["lstm"]
    path = tmp_path / "words.txt"
    path.write_text("hol\nh\n")
    inputs = hola.read_inputs(str(path), run.config)
    assert inputs == ["hol", "h"]
    guesses = hola.predict(run, inputs)
    assert [g for g, _ in guesses] == ["o", "l", "a", "o"]
    assert guesses[3][1] == pytest.approx(guesses[0][1], abs=1e-6)
    with pytest.raises(ValueError, match=r"\['x'\] are not in the vocabulary"):
        hola.predict(run, "hx")


def test_training_settings_live_in_one_section():
    assert get_case_study("hola").train is hola.train  # the registry checks the contract
    config = hola.Config.fast()
    assert config.training.max_epochs == 10 and config.training.initial_learn_rate == 0.1
    assert hola.Config().training.mini_batch_size == 1
    changed = config.replace(training=dict(max_epochs=3))
    assert changed.training.max_epochs == 3 and changed.training.initial_learn_rate == 0.1


def test_old_flat_names_warn_and_map_to_the_section():
    with pytest.warns(FutureWarning, match="`max_epochs` is deprecated.*training.max_epochs"):
        changes = parse_overrides(hola.Config, ["max_epochs=5"])
    assert changes == {"training.max_epochs": 5}
    assert hola.Config().replace(**changes).training.max_epochs == 5


def test_callbacks_reach_the_fit():
    epochs = []

    class Count(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            epochs.append(epoch)

    config = hola.Config().replace(training=dict(max_epochs=3))
    run = hola.train(config, callbacks=[Count()])
    assert epochs == [0, 1, 2] and len(run.history["loss"]) == 3
