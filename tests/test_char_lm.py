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


@pytest.fixture(scope="module")
def fast_run():
    config = cl.Config.fast(max_epochs=2)
    data = cl.load_data(config)
    return cl.train(config, data)


def test_blocks_are_contiguous_and_vocabulary_is_from_training(fast_run):
    data = fast_run.data
    train, valid, test = data.info["text"]
    assert len(train) + len(valid) + len(test) == 60_000
    assert len(valid) == len(test) == 3_000
    assert data.class_names[1:] == sorted(set(train))
    x, y = np.stack(data.x_train), data.y_train
    np.testing.assert_array_equal(x[:, 1:], y[:, :-1])


def test_network_learns_and_beats_the_unigram(fast_run):
    metrics = cl.evaluate(fast_run.model, fast_run.data)
    assert metrics["bits_per_char"] < metrics["unigram_bits_per_char"]
    assert metrics["ngram_bits_per_char"] < metrics["unigram_bits_per_char"] - 1
    assert fast_run.history["loss"][-1] < fast_run.history["loss"][0]


def test_generation_is_deterministic_and_carries_state(fast_run):
    vocab = fast_run.data.info["vocabulary"]
    a = cl.generate(fast_run.model, vocab, "En un lugar", 50, 0.8, seed=3)
    b = cl.generate(fast_run.model, vocab, "En un lugar", 50, 0.8, seed=3)
    assert a == b and len(a) == 50
    codes = vocab.transform("de la Mancha")
    step = build_step_model(fast_run.model)
    states = [np.zeros((1, 32), "float32")] * 2
    for code in codes:
        probs, *states = [np.asarray(o) for o in step([np.array([[code]]), *states])]
    full = fast_run.model.predict(codes[None], verbose=0)[0, -1]
    np.testing.assert_allclose(probs[0], full, atol=1e-5)


def test_generation_bad_input(fast_run):
    vocab = fast_run.data.info["vocabulary"]
    with pytest.raises(ValueError, match="temperature=0"):
        cl.generate(fast_run.model, vocab, "En", 5, temperature=0)
    with pytest.raises(ValueError, match="length=0"):
        cl.generate(fast_run.model, vocab, "En", 0)
    with pytest.warns(UserWarning, match=r"not in the vocabulary.*'€'"):
        cl.generate(fast_run.model, vocab, "En €", 3, seed=0)


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


def test_cli_run_and_generate(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "char_lm", "--fast", "--output", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())["test"]
    assert metrics["bits_per_char"] > 0
    capsys.readouterr()
    argv = ["generate", str(out), "--prompt", "En un lugar", "--length", "40", "--seed", "1"]
    assert main(argv) == 0
    first = capsys.readouterr().out
    assert main(argv) == 0
    assert capsys.readouterr().out == first and first.startswith("En un lugar")
    assert main(["generate", str(out), "--prompt", "x", "--temperature", "-1"]) == 2
    assert "temperature" in capsys.readouterr().err


def test_interrupted_training_resumes_from_its_backup(tmp_path):
    config = cl.Config.fast(
        max_epochs=3, max_chars=20_000, eval_chars=1_000, checkpoint_dir=str(tmp_path / "backup")
    )
    data = cl.load_data(config)

    class Crash(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise RuntimeError("simulated crash")

    with pytest.raises(RuntimeError, match="simulated crash"):
        cl.train(config, data, callbacks=[Crash()])
    assert any((tmp_path / "backup").iterdir())
    resumed = cl.train(config, data)
    assert len(resumed.history["loss"]) == 1  # only the third epoch was left to run
    assert "val_loss" in resumed.history


def test_time_budget_stops_before_an_epoch_that_would_overrun():
    config = cl.Config.fast(max_epochs=3, max_chars=20_000, eval_chars=1_000, time_budget=1e-3)
    run = cl.train(config, cl.load_data(config))
    assert len(run.history["loss"]) == 1  # the first epoch alone overran the tiny budget
