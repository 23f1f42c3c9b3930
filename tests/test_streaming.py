"""StreamingPredictor: step-by-step outputs equal model.predict, per-stream resets, refusals."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from lstm_apps import build_model
from lstm_apps.deploy.probes import probe_inputs
from lstm_apps.deploy.streaming import StreamingPredictor
from lstm_apps.models.text import build_char_lm

F = 4
T = 14
MODELS = {
    "lstm_last": ("lstm", {}),
    "stacked_lstm_sequence": ("lstm", {"units": (8, 6), "dropout": 0.3, "output_mode": "sequence"}),
    "gru_regression": ("gru", {"task": "regression", "num_outputs": 2, "input_noise": 0.1}),
    "simple_rnn_sequence": ("simple_rnn", {"output_mode": "sequence"}),
    "projected_lstm": ("lstm_projected", {"output_projector_size": 2, "input_projector_size": 2}),
    "embedding_lstm": (None, {}),
}


def make(name):
    architecture, options = MODELS[name]
    if architecture is None:
        return build_char_lm(vocabulary_size=11, units=8, embedding_dim=3)
    model = build_model(architecture, num_features=F, **{"units": 8, "num_outputs": 3, **options})
    rng = np.random.default_rng(2)
    model.get_layer("normalization").adapt([rng.normal(-1.0, 2.0, size=(50, F))])
    return model


def expected_per_step(model, x):
    """What a stream should output at every t: predict on the prefix (last) or at t (sequence)."""
    if len(model.outputs[0].shape) == 3:
        return model.predict(x, verbose=0)
    return np.stack([model.predict(x[:, : t + 1], verbose=0) for t in range(x.shape[1])], 1)


@pytest.mark.parametrize("backend", ["tensorflow", "onnxruntime"])
@pytest.mark.parametrize("name", list(MODELS))
def test_steps_match_predict_on_padded_sequences(name, backend):
    model = make(name)
    x = probe_inputs(model, count=5, timesteps=T, seed=4)  # random lengths, right-padded
    streamer = StreamingPredictor(model, num_streams=5, backend=backend)
    assert streamer.backend == backend
    np.testing.assert_allclose(streamer.run(x), expected_per_step(model, x), atol=1e-5, rtol=0)


def test_xla_step_matches_predict():
    model = make("stacked_lstm_sequence")
    x = probe_inputs(model, count=3, timesteps=T, seed=5)
    streamer = StreamingPredictor(model, num_streams=3, backend="tensorflow", jit_compile=True)
    np.testing.assert_allclose(streamer.run(x), model.predict(x, verbose=0), atol=1e-5, rtol=0)


@pytest.mark.parametrize("backend", ["tensorflow", "onnxruntime"])
def test_state_carries_across_calls_and_resets_per_stream(backend):
    model = make("lstm_last")
    x = probe_inputs(model, count=3, timesteps=T, seed=6)
    x[:, :] = np.where(x == 0, 0.5, x)  # no padding: every step is real
    streamer = StreamingPredictor(model, num_streams=3, backend=backend)
    for t in range(6):
        streamer.step(x[:, t])
    before = streamer.states
    assert [s.shape for s in before] == [(3, 8), (3, 8)]
    streamer.reset([1])
    after = streamer.states
    for old, new in zip(before, after):
        assert np.all(new[1] == 0) and np.array_equal(new[[0, 2]], old[[0, 2]])
    # Stream 1 now starts over on steps 6.., the others go on from step 6.
    outputs = [streamer.step(x[:, t]) for t in range(6, T)]
    want_others = model.predict(x[[0, 2]], verbose=0)
    want_fresh = model.predict(x[1:2, 6:], verbose=0)
    np.testing.assert_allclose(outputs[-1][[0, 2]], want_others, atol=1e-5, rtol=0)
    np.testing.assert_allclose(outputs[-1][1:2], want_fresh, atol=1e-5, rtol=0)


def test_one_stream_accepts_a_single_feature_vector():
    model = make("gru_regression")
    x = probe_inputs(model, count=1, timesteps=6, seed=8)
    streamer = StreamingPredictor(model, backend="tensorflow")
    outputs = [streamer.step(x[0, t]) for t in range(6)]
    assert outputs[-1].shape == (2,)
    np.testing.assert_allclose(outputs[-1], model.predict(x, verbose=0)[0], atol=1e-5, rtol=0)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda s: s.step(np.zeros((2, F + 1))), r"shape \(2, 4\) \(2 streams, 4 features\)"),
        (lambda s: s.step(np.zeros((3, F))), r"Received: shape \(3, 4\)"),
        (lambda s: s.reset([2]), r"indices in \[0, 2\)"),
        (lambda s: s.reset([0.5]), r"stream_ids=\[0.5\]"),
    ],
)
def test_bad_step_and_reset_inputs(call, match):
    streamer = StreamingPredictor(make("lstm_last"), num_streams=2, backend="tensorflow")
    with pytest.raises(ValueError, match=match):
        call(streamer)


@pytest.mark.parametrize(
    ("architecture", "options", "match"),
    [
        ("bilstm", {}, "'bilstm_1' is bidirectional: its output at step t depends on later"),
        ("cnn_lstm", {"filters": (4,)}, "'conv_1' .*depends on later steps"),
    ],
)
def test_models_that_look_ahead_are_refused(architecture, options, match):
    model = build_model(architecture, num_features=F, num_outputs=3, units=4, **options)
    with pytest.raises(ValueError, match=match):
        StreamingPredictor(model)


def test_non_recurrent_models_and_bad_arguments_are_refused():
    import keras

    inputs = keras.Input((None, F))
    dense = keras.Model(inputs, keras.layers.Dense(2)(inputs), name="per_step_dense")
    with pytest.raises(ValueError, match="'per_step_dense' has no recurrent layer"):
        StreamingPredictor(dense)
    with pytest.raises(ValueError, match="num_streams=0"):
        StreamingPredictor(make("lstm_last"), num_streams=0)
    with pytest.raises(ValueError, match="backend='torch'"):
        StreamingPredictor(make("lstm_last"), backend="torch")


def test_streaming_a_trained_vowel_model_gives_its_test_predictions(vowels):
    """Real data: step each test utterance sample by sample; the last output is predict's."""
    from lstm_apps import pad_sequences
    from lstm_apps.tasks import japanese_vowels as jv

    config = jv.Config.fast(units=12, training=dict(max_epochs=4, verbose=0))
    run = jv.train(config)
    x = pad_sequences(vowels.x_test[:32])  # real test utterances, 7-29 frames, right-padded
    streamer = StreamingPredictor(run.model, num_streams=len(x))
    outputs = streamer.run(x)
    expected = run.model.predict(x, verbose=0)
    np.testing.assert_allclose(outputs[:, -1], expected, atol=1e-5, rtol=0)
    assert np.array_equal(outputs[:, -1].argmax(-1), expected.argmax(-1))


def test_set_states_restores_a_saved_state_and_checks_shapes():
    keras.utils.set_random_seed(0)
    model = build_model("lstm", num_features=2, num_outputs=1, task="regression", units=3)
    streamer = StreamingPredictor(model, num_streams=2, backend="tensorflow")
    x = np.random.default_rng(0).normal(size=(2, 2)).astype("float32")
    streamer.step(x)
    saved = streamer.states
    first = streamer.step(x)
    streamer.set_states(saved)
    np.testing.assert_allclose(streamer.step(x), first, atol=1e-6)
    with pytest.raises(ValueError, match=r"shapes \[\(2, 3\), \(2, 3\)\]. Received: \[\(2, 3\)\]"):
        streamer.set_states(saved[:1])
