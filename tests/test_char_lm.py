"""The character language model: data, training, scoring, baselines and generation."""

from __future__ import annotations

import hashlib
import json

import keras
import numpy as np
import pytest
from conftest import real_file

from lstm_apps.cli import main
from lstm_apps.data.text import strip_gutenberg
from lstm_apps.models.text import (
    build_char_lm,
    build_step_model,
    char_lm_parameters,
    matched_units,
)
from lstm_apps.tasks import char_lm as cl
from lstm_apps.tasks import load_run, parse_overrides


@pytest.fixture(scope="module")
def fast_run():
    config = cl.Config.fast(training=dict(max_epochs=2))
    data = cl.load_data(config)
    return cl.train(config, data)


def test_blocks_are_contiguous_and_vocabulary_is_from_training(fast_run):
    data = fast_run.data
    train, valid, test = data.train_text, data.validation_text, data.test_text
    assert len(train) + len(valid) + len(test) == data.characters == 60_000
    assert len(valid) == len(test) == 3_000
    assert data.class_names[1:] == sorted(set(train))
    x, y = np.stack(data.x_train), data.y_train
    np.testing.assert_array_equal(x[:, 1:], y[:, :-1])


def test_network_learns_and_beats_the_unigram(fast_run):
    metrics = cl.evaluate(fast_run)
    names = {"bits_per_char", "unigram_bits_per_char", "ngram_bits_per_char", "ngram_order"}
    assert set(metrics) == names | {f"ngram_{n}_validation_bits_per_char" for n in range(1, 8)}
    assert metrics["bits_per_char"] < metrics["unigram_bits_per_char"]
    assert metrics["ngram_bits_per_char"] < metrics["unigram_bits_per_char"] - 1
    assert fast_run.history["loss"][-1] < fast_run.history["loss"][0]


def test_the_optimizer_clips_and_decays_smoothly_to_its_final_share(fast_run):
    optimizer = fast_run.model.optimizer
    assert isinstance(optimizer, keras.optimizers.Adam) and optimizer.clipnorm == 1.0
    steps = int(optimizer.iterations)
    assert steps == 2 * -(-len(fast_run.data.x_train) // 64)  # two epochs of 64 windows
    assert float(optimizer.learning_rate) == pytest.approx(0.01 * 0.1, rel=1e-4)
    schedule = keras.optimizers.schedules.deserialize(optimizer.get_config()["learning_rate"])
    assert float(schedule(steps // 2)) == pytest.approx(0.01 * 0.1**0.5, rel=1e-4)  # no stairs


def test_generation_is_deterministic_and_carries_state(fast_run):
    vocab = fast_run.data.vocabulary
    a = cl.generate(fast_run, "En un lugar", length=50, temperature=0.8, seed=3)
    b = cl.generate(fast_run, "En un lugar", length=50, temperature=0.8, seed=3)
    assert a == b and len(a) == 50
    low_level = cl.generate_text(fast_run.model, vocab, "En un lugar", length=50, seed=3)
    assert low_level == a
    codes = vocab.transform("de la Mancha")
    step = build_step_model(fast_run.model)
    states = [np.zeros((1, 32), "float32")] * 2
    for code in codes:
        probs, *states = [np.asarray(o) for o in step([np.array([[code]]), *states])]
    full = fast_run.model.predict(codes[None], verbose=0)[0, -1]
    np.testing.assert_allclose(probs[0], full, atol=1e-5)


def test_generation_bad_input(fast_run):
    with pytest.raises(ValueError, match="temperature=0"):
        cl.generate(fast_run, "En", length=5, temperature=0)
    with pytest.raises(ValueError, match="length=0"):
        cl.generate(fast_run, "En", length=0)
    with pytest.raises(ValueError, match="top_k=0"):
        cl.generate(fast_run, "En", length=5, top_k=0)
    with pytest.warns(UserWarning, match=r"not in the vocabulary.*'€'"):
        cl.generate(fast_run, "En €", length=3, seed=0)


def test_short_or_non_utf8_text_is_rejected(tmp_path):
    short = tmp_path / "short.txt"
    short.write_text("hola " * 100, encoding="utf-8")
    with pytest.raises(ValueError, match="has 500 characters; each block needs more than window"):
        cl.load_data(cl.Config.fast(text_path=str(short)))
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("año señor".encode("latin-1") * 1000)
    with pytest.raises(ValueError, match="is not UTF-8"):
        cl.load_data(cl.Config.fast(text_path=str(latin)))


def test_download_strips_header_and_checks_the_body(shared_data, tmp_path, monkeypatch):
    raw = real_file(shared_data, "spanish_quijote_gutenberg/pg2000.txt").resolve()
    body = real_file(shared_data, "spanish_quijote_gutenberg/quijote_body.txt")
    assert strip_gutenberg(raw.read_text(encoding="utf-8")) == body.read_text(encoding="utf-8")
    assert hashlib.sha256(body.read_bytes()).hexdigest() == cl.BODY_SHA256
    monkeypatch.setenv("LSTM_APPS_CACHE_DIR", str(tmp_path / "cache"))
    path = cl.fetch_quijote(url=raw.as_uri())
    assert path.read_bytes() == body.read_bytes()
    with pytest.raises(ValueError, match="body sha256 .* expected 00"):
        cl.fetch_quijote(url=raw.as_uri(), sha256="00")


def test_matched_parameter_counts():
    for cell in ("simple_rnn", "gru", "lstm"):
        model = build_char_lm(vocabulary_size=40, cell=cell, units=24, embedding_dim=8)
        assert model.count_params() == char_lm_parameters(cell, 24, 40, 8)
    target = char_lm_parameters("lstm", 256, 93)
    for cell in ("gru", "simple_rnn"):
        units = matched_units(cell, target, 93)
        assert abs(char_lm_parameters(cell, units, 93) - target) / target < 0.01


def test_cli_run_generate_evaluate_and_predict(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "char_lm", "--fast", "--output", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())["test"]
    assert metrics["bits_per_char"] > 0
    assert (out / "figures" / "training_progress.png").exists()
    capsys.readouterr()
    argv = ["generate", str(out), "--prompt", "En un lugar", "--length", "40", "--seed", "1"]
    assert main(argv) == 0
    first = capsys.readouterr().out
    assert main(argv) == 0
    assert capsys.readouterr().out == first and first.startswith("En un lugar")
    assert len(first.rstrip("\n")) == len("En un lugar") + 40
    # the loaded run (no data) rebuilds the vocabulary from its class names
    module, run = load_run(out)
    assert run.data is None
    assert first == "En un lugar" + module.generate(run, "En un lugar", length=40, seed=1) + "\n"
    assert main(["generate", str(out), "--prompt", "x", "--temperature", "-1"]) == 2
    assert "temperature" in capsys.readouterr().err
    assert main(["evaluate", str(out), "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["bits_per_char"] == pytest.approx(metrics["bits_per_char"], abs=1e-6)
    argument = module.sample_input(load_run(out, with_data=True)[1], tmp_path)
    texts = module.read_inputs(argument, run.config)
    assert len(texts) == 3 and all(texts)
    assert main(["predict", str(out), argument]) == 0
    header, *rows = capsys.readouterr().out.splitlines()
    assert header == "id\tlabel\tscore" and len(rows) == 3
    assert [row.split("\t")[0] for row in rows] == ["line 1", "line 2", "line 3"]
    assert all(0 < float(row.rsplit("\t", 1)[1]) <= 1 for row in rows)


def test_predict_gives_the_most_likely_next_character(fast_run):
    texts = ["En un lugar de la Mancha", "de cuyo nombre no quiero acordarm"]
    result = cl.predict(fast_run, texts)
    assert len(result) == 2
    vocab = fast_run.data.vocabulary
    for text, (char, p) in zip(texts, result):
        probs = fast_run.model.predict(vocab.transform(text)[None], verbose=0)[0, -1]
        best = fast_run.class_names[int(np.argmax(probs))]
        assert char == cl.ESCAPES.get(best, best)
        assert p == pytest.approx(float(probs.max()))
    assert cl.predict(fast_run, texts[0]) == result[:1]
    assert all(len(char) == 1 or char in cl.ESCAPES.values() for char, _ in result)
    assert cl.read_inputs("hola", fast_run.config) == ["hola"]


def test_training_settings_live_in_one_section():
    config = cl.Config()
    assert config.training.initial_learn_rate == 0.01 and config.training.max_epochs == 18
    assert config.training.mini_batch_size == 64 and config.training.gradient_threshold == 1.0
    fast = cl.Config.fast(training=dict(max_epochs=2))
    assert fast.training.max_epochs == 2 and fast.training.verbose == 0 and fast.units == 32
    assert config.training.learn_rate_schedule == "exponential"
    assert config.training.learn_rate_drop_factor == 0.1
    with pytest.raises(ValueError, match="cell.*Received: cell='tcn'"):
        cl.Config(cell="tcn")


@pytest.mark.parametrize(
    "old, new, value",
    [
        ("initial_learn_rate", "training.initial_learn_rate", 0.003),
        ("mini_batch_size", "training.mini_batch_size", 32),
        ("time_budget", "training.time_budget", 60.0),
    ],
)
def test_old_names_warn_and_map_to_the_training_section(old, new, value):
    with pytest.warns(FutureWarning, match=f"`{old}` is deprecated.*`{new}`"):
        changes = parse_overrides(cl.Config, [f"{old}={value}"])
    assert changes == {new: value}
    config = cl.Config().replace(**changes)
    assert getattr(config.training, new.split(".")[1]) == value


def test_interrupted_training_resumes_from_its_backup(tmp_path):
    config = cl.Config.fast(
        max_chars=20_000,
        eval_chars=1_000,
        training=dict(max_epochs=3, checkpoint_dir=str(tmp_path / "backup")),
    )
    data = cl.load_data(config)

    class Crash(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise RuntimeError("simulated crash")

    with pytest.raises(RuntimeError, match="simulated crash"):
        cl.train(config, data, callbacks=[Crash()])
    assert any((tmp_path / "backup").iterdir())
    ran = []
    counter = keras.callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: ran.append(epoch))
    resumed = cl.train(config, data, callbacks=[counter])
    assert ran == [2]  # only the third epoch was left to run
    assert len(resumed.history["loss"]) == 3  # the history covers the whole run
    assert len(resumed.history["val_loss"]) == 3


def test_time_budget_stops_before_an_epoch_that_would_overrun():
    config = cl.Config.fast(
        max_chars=20_000, eval_chars=1_000, training=dict(max_epochs=3, time_budget=1e-3)
    )
    run = cl.train(config, cl.load_data(config))
    assert len(run.history["loss"]) == 1  # the first epoch alone overran the tiny budget
