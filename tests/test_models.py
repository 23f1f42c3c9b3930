"""Builders, driven by one table: shapes, names, a one-epoch fit, and .keras round trips."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from conftest import random_sequences

from lstm_apps import TrainingOptions, build_model, learnable_parameters, pad_sequences, train
from lstm_apps.models import ARCHITECTURES

F = 5
# architecture, extra kwargs, recurrent layer names
TABLE = [
    ("simple_rnn", {}, ["simple_rnn_1"]),
    ("lstm", {}, ["lstm_1"]),
    ("gru", {}, ["gru_1"]),
    ("bilstm", {}, ["bilstm_1"]),
    ("bigru", {}, ["bigru_1"]),
    (
        "lstm_projected",
        {"output_projector_size": 3, "input_projector_size": 2},
        ["lstm_projected_1"],
    ),
    ("cnn_lstm", {"filters": (6,), "pooling": "none"}, ["conv_1", "lstm_1"]),
    ("lstm", {"units": (8, 6), "dropout": 0.2}, ["lstm_1", "dropout_1", "lstm_2", "dropout_2"]),
    ("bigru", {"input_noise": 0.1, "recurrent_dropout": 0.1}, ["input_noise", "bigru_1"]),
    (
        "cnn_lstm",
        {"filters": (6, 4), "pooling": "max", "global_max_pooling": True},
        ["conv_1", "conv_2", "lstm_1", "global_max_pooling"],
    ),
]
CASES = [
    (arch, kw, names, task, mode)
    for arch, kw, names in TABLE
    for task, mode in [("classification", "last"), ("regression", "sequence")]
    if not (kw.get("global_max_pooling") and mode == "sequence")
]


def _ids(case):
    arch, kw, _, task, mode = case
    return f"{arch}-{'-'.join(kw)}-{task}-{mode}"


def _build(arch, kw, task, mode):
    kw = {"units": 8, **kw}
    outputs = 3 if task == "classification" else 2
    return build_model(arch, num_features=F, num_outputs=outputs, task=task, output_mode=mode, **kw)


def _targets(x, task, mode):
    rng = np.random.default_rng(1)
    if mode == "last":
        return (
            rng.integers(0, 3, len(x))
            if task == "classification"
            else rng.normal(size=(len(x), 2)).astype("float32")
        )
    if task == "classification":
        return [rng.integers(0, 3, len(s)) for s in x]
    return [rng.normal(size=(len(s), 2)).astype("float32") for s in x]


def test_table_covers_every_architecture():
    assert {case[0] for case in TABLE} == set(ARCHITECTURES)


@pytest.mark.parametrize("case", CASES, ids=map(_ids, CASES))
def test_builder_shapes_names_fit_and_round_trip(case, tmp_path):
    arch, kw, names, task, mode = case
    model = _build(arch, kw, task, mode)
    layer_names = [layer.name for layer in model.layers]
    assert layer_names[:3] == ["input", "masking", "normalization"]
    assert layer_names[3:-1] == names
    assert layer_names[-1] == "head"
    assert model.name.endswith("network")

    x = random_sequences(12, F)
    y = _targets(x, task, mode)
    history = train(model, x, y, TrainingOptions(max_epochs=1, mini_batch_size=4, verbose=0))
    assert np.isfinite(history.history["loss"][0])

    batch = pad_sequences(x[:4])
    expected = model.predict(batch, verbose=0)
    outputs = 3 if task == "classification" else 2
    if mode == "last":
        assert expected.shape == (4, outputs)
    else:
        pooled = kw.get("pooling") == "max"
        steps = -(-batch.shape[1] // 2 ** len(kw["filters"])) if pooled else batch.shape[1]
        assert expected.shape == (4, steps, outputs)
    if task == "classification":
        np.testing.assert_allclose(expected.sum(-1), 1.0, rtol=1e-5)

    path = tmp_path / "model.keras"
    model.save(path)
    restored = keras.models.load_model(path)
    np.testing.assert_allclose(restored.predict(batch, verbose=0), expected, rtol=1e-6, atol=1e-6)
    assert [layer.name for layer in restored.layers] == layer_names


def test_binary_classification_has_one_sigmoid_unit():
    model = build_model("gru", num_features=F, num_outputs=2, units=4)
    assert model.output_shape == (None, 1)
    assert model.get_layer("head").activation.__name__ == "sigmoid"


@pytest.mark.parametrize(
    "arch", ["simple_rnn", "lstm", "gru", "bilstm", "bigru", "lstm_projected", "cnn_lstm"]
)
def test_last_output_ignores_padding_side(arch):
    kw = {"pooling": "none"} if arch == "cnn_lstm" else {}
    model = build_model(arch, num_features=F, num_outputs=3, units=6, **kw)
    seqs = random_sequences(6, F, low=2, high=10)
    model.get_layer("normalization").adapt(seqs)
    right = model.predict(pad_sequences(seqs, padding="right"), verbose=0)
    left = model.predict(pad_sequences(seqs, padding="left"), verbose=0)
    alone = np.concatenate([model.predict(s[None], verbose=0) for s in seqs])
    np.testing.assert_allclose(right, left, atol=1e-5)
    np.testing.assert_allclose(right, alone, atol=1e-5)


# The course's five MATLAB layer arrays (12 features, 9 classes), as one-liners.
def _listing(name):
    if name == "seq2label":
        return build_model("lstm", num_features=12, num_outputs=9, units=100)
    if name == "seq2seq_classification":
        return build_model(
            "lstm", num_features=12, num_outputs=9, units=100, output_mode="sequence"
        )
    if name == "seq2one_regression":
        return build_model("lstm", num_features=12, num_outputs=1, units=125, task="regression")
    if name == "seq2seq_regression":
        return build_model(
            "lstm",
            num_features=12,
            num_outputs=1,
            units=125,
            task="regression",
            output_mode="sequence",
        )
    return build_model("lstm", num_features=12, num_outputs=9, units=(125, 100), dropout=0.2)


def _lstm(h, f):
    return 4 * h * (f + h) + 4 * h


MATLAB = {  # name: (layer kinds after the input, output shape, learnables)
    "seq2label": (["LSTM", "Dense"], (None, 9), _lstm(100, 12) + 909),
    "seq2seq_classification": (["LSTM", "Dense"], (None, None, 9), _lstm(100, 12) + 909),
    "seq2one_regression": (["LSTM", "Dense"], (None, 1), _lstm(125, 12) + 126),
    "seq2seq_regression": (["LSTM", "Dense"], (None, None, 1), _lstm(125, 12) + 126),
    "deeper": (
        ["LSTM", "Dropout", "LSTM", "Dropout", "Dense"],
        (None, 9),
        _lstm(125, 12) + _lstm(100, 125) + 909,
    ),
}


@pytest.mark.parametrize("name", list(MATLAB))
def test_matlab_listings(name):
    kinds, shape, learnables = MATLAB[name]
    model = _listing(name)
    assert [type(layer).__name__ for layer in model.layers[3:]] == kinds
    assert model.output_shape == shape
    assert learnable_parameters(model) == learnables
    if name == "seq2label":
        assert learnables == 45_200 + 909


def test_projected_lstm_learnables_match_matlab_formula():
    h, f, po, pi = 100, 12, 30, 8
    model = build_model(
        "lstm_projected",
        num_features=f,
        num_outputs=9,
        units=h,
        output_projector_size=po,
        input_projector_size=pi,
    )
    assert learnable_parameters(model) == f * pi + 4 * h * pi + h * po + 4 * h * po + 4 * h + 909


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"architecture": "transformer"}, r"architecture.*Received: architecture='transformer'"),
        ({"num_features": 0}, r"num_features.*Received: num_features=0"),
        ({"num_outputs": 1}, r"at least 2.*Received: num_outputs=1"),
        ({"output_mode": "first"}, r"output_mode.*Received: output_mode='first'"),
        ({"units": (100, 0)}, r"units.*Received: units=\(100, 0\)"),
        ({"dropout": 1.5}, r"dropout.*Received: dropout=1.5"),
        ({"normalization": "minmax"}, r"normalization.*Received: normalization='minmax'"),
        ({"task": "ranking"}, r"task.*Received: task='ranking'"),
    ],
)
def test_builder_rejects_bad_arguments(kwargs, match):
    args = {"architecture": "lstm", "num_features": 12, "num_outputs": 9, **kwargs}
    with pytest.raises(ValueError, match=match):
        build_model(args.pop("architecture"), **args)


def test_normalization_statistics_are_saved_in_the_model(tmp_path):
    model = build_model("lstm", num_features=F, num_outputs=3, units=4)
    seqs = random_sequences(5, F)
    layer = model.get_layer("normalization")
    assert not layer.is_adapted
    layer.adapt(seqs)
    steps = np.concatenate(seqs)
    np.testing.assert_allclose(layer.offset.numpy(), steps.mean(0), rtol=1e-5)
    model.save(tmp_path / "m.keras")
    restored = keras.models.load_model(tmp_path / "m.keras").get_layer("normalization")
    assert restored.is_adapted
    np.testing.assert_allclose(restored.scale.numpy(), steps.std(0), rtol=1e-5)


def test_custom_layers_keep_their_registered_names():
    from lstm_apps.models import layers

    classes = [getattr(layers, name) for name in layers.__all__ if name != "PACKAGE"]
    assert len(classes) == 15
    for cls in classes:
        registered = f"lstm_apps>{cls.__name__}"
        assert keras.saving.get_registered_name(cls) == registered
        assert keras.saving.get_registered_object(registered) is cls


def test_a_layer_saved_before_the_split_into_modules_still_loads():
    # .keras files written when every layer lived in `lstm_apps.models.layers`
    saved = {
        "module": "lstm_apps.models.layers",
        "class_name": "RepeatSteps",
        "config": {"name": "hold", "trainable": True, "dtype": "float32", "factor": 3},
        "registered_name": "lstm_apps>RepeatSteps",
    }
    layer = keras.saving.deserialize_keras_object(saved)
    assert type(layer).__module__ == "lstm_apps.models.layers.steps"
    assert layer.factor == 3 and layer.name == "hold"


def test_build_model_refuses_options_the_architecture_does_not_have():
    with pytest.raises(ValueError, match="'lstm' has no option 'filters'. Received: filters="):
        build_model("lstm", num_features=3, num_outputs=2, filters=(8,))
    with pytest.raises(ValueError, match="'gru' has no option 'output_projector_size'"):
        build_model("gru", num_features=3, num_outputs=2, output_projector_size=4)
    with pytest.raises(ValueError, match="'bigru' is always bidirectional"):
        build_model("bigru", num_features=3, num_outputs=2, bidirectional=False)
    with pytest.raises(TypeError):
        build_model("lstm", num_features=3, num_outputs=2, dropuot=0.2)  # a misspelt option
    model = build_model(
        "cnn_lstm", num_features=3, num_outputs=2, units=4, filters=(8,), cell="gru"
    )
    assert any(isinstance(layer, keras.layers.GRU) for layer in model.layers)


def _shifted(n=16, seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.normal(size=(n, 6, 3)) * 20 + 300).astype("float32")
    return x, (x[:, 0, 0] > 300).astype("int32")


def test_a_plain_fit_on_an_unadapted_model_raises():
    x, y = _shifted()
    model = build_model("lstm", num_features=3, num_outputs=2, units=4)
    model.compile("adam", "binary_crossentropy")
    with pytest.raises(ValueError, match="has not learned its statistics.*adapt=x_train"):
        model.fit(x, y, epochs=1, verbose=0)
    assert model.predict(x[:2], verbose=0).shape == (2, 1)  # inference is still allowed


def test_adapt_in_build_model_makes_a_plain_fit_correct():
    x, y = _shifted()
    model = build_model("lstm", num_features=3, num_outputs=2, units=4, adapt=x)
    layer = model.get_layer("normalization")
    np.testing.assert_allclose(layer.offset.numpy(), x.reshape(-1, 3).mean(0), rtol=1e-5)
    model.compile("adam", "binary_crossentropy")
    history = model.fit(x, y, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    # lstm_apps.train adapts a fresh model itself, and a saved model stays adapted
    other = build_model("lstm", num_features=3, num_outputs=2, units=4)
    train(other, list(x), y, TrainingOptions(max_epochs=1, verbose=0))
    assert other.get_layer("normalization").is_adapted
