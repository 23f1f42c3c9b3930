"""Export to SavedModel, ONNX and LiteRT: parity in each runtime, refusals, CLI and model card."""

from __future__ import annotations

import dataclasses
import json
import re
import shlex

import numpy as np
import pytest

from lstm_apps import build_model
from lstm_apps.cli import main
from lstm_apps.deploy import export as export_module
from lstm_apps.deploy import probes, runtimes
from lstm_apps.deploy.card import layer_table, reproduce_command
from lstm_apps.deploy.export import ExportError, _without_cudnn, export
from lstm_apps.deploy.probes import probe_inputs
from lstm_apps.deploy.runtimes import runtime
from lstm_apps.models.text import build_char_lm
from lstm_apps.tasks import parse_overrides
from lstm_apps.tasks.japanese_vowels import Config

F = 5
FAMILIES = {
    "simple_rnn": {},
    "lstm": {"units": (8, 6), "dropout": 0.2},
    "gru": {"output_mode": "sequence", "task": "regression"},
    "bilstm": {},
    "lstm_projected": {"output_projector_size": 3, "input_projector_size": 2},
    "cnn_lstm": {"filters": (6,)},
}
SUFFIX = {"saved_model": "", "onnx": ".onnx", "litert": ".tflite"}


def family_model(name):
    if name == "embedding_lstm":
        return build_char_lm(vocabulary_size=17, units=8, embedding_dim=4)
    options = {"units": 8, "num_outputs": 3, **FAMILIES[name]}
    model = build_model(name, num_features=F, **options)
    rng = np.random.default_rng(1)
    model.get_layer("normalization").adapt([rng.normal(2.0, 3.0, size=(40, F))])
    return model


@pytest.mark.parametrize("format", list(SUFFIX))
@pytest.mark.parametrize("family", [*FAMILIES, "embedding_lstm"])
def test_every_family_exports_and_reproduces_keras(family, format, tmp_path):
    model = family_model(family)
    timesteps = 12 if format == "litert" else None
    path = tmp_path / f"model{SUFFIX[format]}"
    report = export(model, path, format, timesteps=timesteps)
    assert path.exists() and report.path == path and report.size_bytes > 0
    assert report.max_abs_diff <= 1e-5 and report.checked_sequences == 16
    # Fresh held-out inputs (another seed, padded), run through the runtime again.
    x = probe_inputs(model, count=5, timesteps=12, seed=7)
    wide = x.astype("float64" if x.dtype.kind == "f" else "int64")  # runtimes cast inputs
    got = runtime(path, format)(wide)
    np.testing.assert_allclose(got, np.asarray(model(x, training=False)), atol=1e-5, rtol=0)


def test_litert_needs_a_fixed_length_and_writes_nothing(tmp_path):
    path = tmp_path / "m.tflite"
    with pytest.raises(ValueError, match="fixed sequence length.*timesteps=N.*Flex"):
        export(family_model("lstm"), path, "litert")
    assert not path.exists() and list(tmp_path.iterdir()) == []


def test_litert_fixed_batch_accepts_any_number_of_sequences(tmp_path):
    model = family_model("gru")
    report = export(model, tmp_path / "m.tflite", "litert", timesteps=10, batch_size=4)
    assert report.input_shape == (4, 10, F)
    x = probe_inputs(model, count=7, timesteps=10, seed=3)
    got = runtime(tmp_path / "m.tflite")(x)
    np.testing.assert_allclose(got, np.asarray(model(x)), atol=1e-5, rtol=0)


def test_refuses_an_existing_path_unless_overwrite(tmp_path):
    model = family_model("simple_rnn")
    path = tmp_path / "m.onnx"
    path.write_bytes(b"an earlier export")
    with pytest.raises(FileExistsError, match="already exists.*overwrite"):
        export(model, path, "onnx")
    assert path.read_bytes() == b"an earlier export"
    export(model, path, "onnx", overwrite=True)
    x = probe_inputs(model, count=3, timesteps=9)
    np.testing.assert_allclose(runtime(path)(x), np.asarray(model(x)), atol=1e-5, rtol=0)


def test_overwriting_a_saved_model_folder(tmp_path):
    model = family_model("lstm")
    path = tmp_path / "sm"
    export(model, path, "saved_model")
    model.get_layer("head").kernel.assign(np.zeros((6, 3), "float32"))
    export(model, path, "saved_model", overwrite=True)
    x = probe_inputs(model, count=2, timesteps=5)
    np.testing.assert_allclose(runtime(path)(x), np.asarray(model(x)), atol=1e-6, rtol=0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sm"]


def test_a_failed_parity_check_leaves_the_good_file_and_no_debris(tmp_path):
    model = family_model("lstm")
    path = tmp_path / "m.onnx"
    export(model, path, "onnx")
    good = path.read_bytes()
    with pytest.raises(ExportError, match=r"differs from Keras by .* tolerance 1e-30"):
        export(model, path, "onnx", overwrite=True, tolerance=1e-30)
    assert path.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx"]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"format": "tflite"}, ValueError, "`format` must be one of.*format='tflite'"),
        ({"format": "onnx", "path": "model.keras"}, ValueError, r"a \.onnx file"),
        ({"format": "litert", "path": "m.tflite", "timesteps": 0}, ValueError, "timesteps=0"),
        ({"format": "onnx", "inputs": np.zeros((2, 4, 3))}, ValueError, r"\(2, 4, 3\)"),
    ],
)
def test_bad_arguments(kwargs, error, match, tmp_path):
    kwargs = {"path": "model.onnx", **kwargs}
    kwargs["path"] = tmp_path / kwargs["path"]
    with pytest.raises(error, match=match):
        export(family_model("simple_rnn"), **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_cudnn_is_switched_off_while_tracing_even_inside_bidirectional():
    model = family_model("bilstm")
    bidirectional = model.get_layer("bilstm_1")
    inner = [bidirectional.forward_layer, bidirectional.backward_layer]
    assert all(layer.use_cudnn == "auto" for layer in inner)
    with _without_cudnn(model):
        assert all(layer.use_cudnn is False for layer in inner)
    assert all(layer.use_cudnn == "auto" for layer in inner)


# -- command line and model card -----------------------------------------------------------


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "jv"
    argv = ["run", "japanese_vowels", "--fast", "--set", "units=6", "--output", str(out)]
    assert main([*argv, "--set", "training.verbose=0"]) == 0
    return out


def test_cli_export_records_the_check_and_the_card_shows_it(run_dir, capsys):
    assert main(["export", str(run_dir), "--format", "onnx"]) == 0
    assert re.search(r"max \|difference\| \S+ <= 1e-05", capsys.readouterr().out)
    assert main(["export", str(run_dir), "--format", "litert", "--timesteps", "29"]) == 0
    exports = json.loads((run_dir / "exports.json").read_text())
    assert [e["format"] for e in exports] == ["onnx", "litert"]
    assert all(e["max_abs_diff"] <= 1e-5 for e in exports)

    assert main(["card", str(run_dir)]) == 0
    card = (run_dir / "MODEL_CARD.md").read_text()
    for heading in ("## Model", "## Data and split", "## Metrics", "## Training", "## Exports"):
        assert heading in card
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert f"| accuracy | {metrics['test']['accuracy']:.4g} |" in card
    assert f"{metrics['timing']['train_seconds']:.1f} s" in card
    assert "![Confusion matrix](figures/confusion_matrix.png)" in card
    assert "| lstm_1 | LSTM | (batch, 6) | 456 |" in card  # 4*6*(12+6) + 4*6


def test_cli_export_refusals(run_dir, tmp_path, capsys):
    assert main(["export", str(run_dir), "--format", "onnx", "--overwrite"]) == 0
    capsys.readouterr()
    assert main(["export", str(run_dir), "--format", "onnx"]) == 2
    assert "already exists; pass overwrite=True (--overwrite)" in capsys.readouterr().err
    assert main(["export", str(run_dir), "--format", "onnx", "--overwrite"]) == 0
    assert main(["export", str(tmp_path), "--format", "onnx"]) == 2
    assert "is not a run folder: it has no config.json" in capsys.readouterr().err
    assert main(["export", str(run_dir), "--format", "litert"]) == 2
    assert "--timesteps N" in capsys.readouterr().err


def test_layer_table_counts_every_learnable(run_dir):
    from lstm_apps.runs import load_model

    model = load_model(run_dir)
    table = layer_table(model)
    assert table["learnables"].sum() == sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert table["fixed"].sum() > 0  # normalization statistics


def test_reproduce_command_round_trips_through_the_cli_parser():
    config = Config.fast(units=(6, 4), architecture="gru")
    words = shlex.split(reproduce_command("japanese_vowels", dataclasses.asdict(config)))
    assert words[:3] == ["lstm-apps", "run", "japanese_vowels"]
    assert words[3::2] == ["--set"] * len(words[4::2])
    assert "training.max_epochs=2" in words  # nested sections become dotted names
    assert Config().replace(**parse_overrides(Config, words[4::2])) == config


def test_without_export_runtimes_the_error_is_clear(tmp_path):
    with pytest.raises(FileNotFoundError, match="No exported model"):
        runtime(tmp_path / "missing.onnx")


def test_cli_export_checks_on_real_held_out_utterances(run_dir, vowels, tmp_path, capsys):
    from lstm_apps import pad_sequences

    heldout = pad_sequences(vowels.x_test[:40])  # real test utterances, right-padded
    np.save(tmp_path / "heldout.npy", heldout)
    target = tmp_path / "vowels.onnx"
    argv = ["export", str(run_dir), "--format", "onnx", "--output", str(target)]
    assert main([*argv, "--inputs", str(tmp_path / "heldout.npy")]) == 0
    assert "checked on 40 held-out sequences" in capsys.readouterr().out
    from lstm_apps.runs import load_model

    keras_labels = np.argmax(load_model(run_dir).predict(heldout, verbose=0), axis=-1)
    onnx_labels = np.argmax(runtime(target)(heldout), axis=-1)
    assert np.array_equal(onnx_labels, keras_labels)


def test_the_split_modules_stay_importable_from_export():
    for name in ("FORMATS", "check_format", "default_path", "runtime"):
        assert getattr(export_module, name) is getattr(runtimes, name)
    assert export_module.probe_inputs is probes.probe_inputs
    assert runtimes.default_path("run", "onnx").name == "model.onnx"
