"""TrainingOptions and train(): clipping, schedules, L2, shuffling, resume, plots, errors."""

from __future__ import annotations

import dataclasses

import keras
import numpy as np
import pytest
from conftest import random_sequences

from lstm_apps import TrainingOptions, build_model, predict, train
from lstm_apps.training import (
    TimeBudget,
    TrainingConfig,
    learn_rate_schedule,
    make_optimizer,
    option_callbacks,
)

F = 3


def _data(n=24, seed=0):
    x = random_sequences(n, F, low=3, high=12, seed=seed)
    y = np.array([int(s[:, 0].mean() > 0) for s in x])
    return x, y


def _model(**kw):
    return build_model("lstm", num_features=F, num_outputs=2, units=6, **kw)


@pytest.mark.parametrize(
    "method, attribute, a_step, b_step",
    [
        ("global-l2norm", "global_clipnorm", [3 / 13, 4 / 13], [0, 12 / 13]),
        ("l2norm", "clipnorm", [0.6, 0.8], [0, 1]),
        ("absolute-value", "clipvalue", [1, 1], [0, 1]),
    ],
)
def test_gradient_threshold_methods_match_keras_clipping(method, attribute, a_step, b_step):
    options = TrainingOptions(
        solver="sgdm",
        momentum=0.0,
        initial_learn_rate=1.0,
        gradient_threshold=1.0,
        gradient_threshold_method=method,
    )
    optimizer = make_optimizer(options)
    assert getattr(optimizer, attribute) == 1.0
    others = {"global_clipnorm", "clipnorm", "clipvalue"} - {attribute}
    assert all(getattr(optimizer, name) is None for name in others)
    a, b = keras.Variable([0.0, 0.0]), keras.Variable([0.0, 0.0])
    optimizer.apply_gradients([(np.array([3.0, 4.0]), a), (np.array([0.0, 12.0]), b)])
    np.testing.assert_allclose(-a.numpy(), a_step, rtol=1e-5)
    np.testing.assert_allclose(-b.numpy(), b_step, rtol=1e-5)


def test_no_threshold_means_no_clipping():
    optimizer = make_optimizer(TrainingOptions())
    assert optimizer.clipnorm is None and optimizer.global_clipnorm is None
    assert optimizer.clipvalue is None


def test_piecewise_learn_rate_drops_every_period():
    options = TrainingOptions(
        initial_learn_rate=0.1, learn_rate_drop_factor=0.5, learn_rate_drop_period=2
    )
    schedule = learn_rate_schedule(options, steps_per_epoch=10)
    rates = [float(schedule(step)) for step in (0, 19, 20, 39, 40)]
    np.testing.assert_allclose(rates, [0.1, 0.1, 0.05, 0.05, 0.025], rtol=1e-6)


def test_exponential_learn_rate_decays_smoothly_over_the_planned_epochs():
    options = TrainingConfig(
        initial_learn_rate=0.1,
        learn_rate_schedule="exponential",
        learn_rate_drop_factor=0.1,
        max_epochs=4,
    )
    schedule = learn_rate_schedule(options, steps_per_epoch=10)
    rates = [float(schedule(step)) for step in (0, 20, 40)]
    np.testing.assert_allclose(rates, [0.1, 0.1 * 0.1**0.5, 0.01], rtol=1e-5)
    assert make_optimizer(options, 10).learning_rate.numpy() == pytest.approx(0.1)


def test_one_mapping_from_settings_to_options():
    section = TrainingConfig(max_epochs=7, initial_learn_rate=0.02, time_budget=60.0)
    options = section.options(validation_data=([], []), max_epochs=3)
    assert isinstance(options, TrainingOptions)
    assert (options.max_epochs, options.initial_learn_rate) == (3, 0.02)
    assert options.time_budget == 60.0 and options.validation_data == ([], [])
    names = {f.name for f in dataclasses.fields(TrainingConfig)}
    assert names <= {f.name for f in dataclasses.fields(TrainingOptions)}
    callbacks = option_callbacks(options, validation=False)
    assert [type(c).__name__ for c in callbacks] == ["DivergenceGuard", "TimeBudget"]


@pytest.mark.parametrize("solver, cls", [("adam", "Adam"), ("sgdm", "SGD"), ("rmsprop", "RMSprop")])
def test_solvers(solver, cls):
    assert type(make_optimizer(TrainingOptions(solver=solver))).__name__ == cls


@pytest.mark.parametrize(
    "field, value, match",
    [
        ("solver", "lbfgs", "solver.*Received: solver='lbfgs'"),
        ("max_epochs", 0, "max_epochs.*Received: max_epochs=0"),
        ("gradient_threshold_method", "l1", "Received: gradient_threshold_method='l1'"),
        ("shuffle", "sometimes", "shuffle.*Received: shuffle='sometimes'"),
        ("sequence_length", "median", "Received: sequence_length='median'"),
        ("learn_rate_drop_factor", 2.0, r"\(0, 1\].*Received: learn_rate_drop_factor=2.0"),
        ("l2_regularization", -1, "Received: l2_regularization=-1"),
        ("loss", "l1", r"loss.*\('auto', 'mse', 'mae', 'huber'\).*Received: loss='l1'"),
    ],
)
def test_training_options_reject_bad_values(field, value, match):
    with pytest.raises(ValueError, match=match):
        TrainingOptions(**{field: value})


def test_l2_regularization_adds_penalty_to_the_loss():
    x, y = _data()
    model = _model()
    train(model, x, y, TrainingOptions(max_epochs=1, verbose=0, l2_regularization=0.1))
    kernels = [v for v in model.trainable_variables if len(v.shape) >= 2]
    expected = sum(0.05 * float(np.sum(v.numpy() ** 2)) for v in kernels)
    assert float(sum(model.losses)) == pytest.approx(expected, rel=1e-4)


def test_regression_loss_can_be_chosen_and_is_what_training_minimizes():
    x, _ = _data()
    y = np.array([float(s[:, 0].mean()) for s in x])
    model = build_model("lstm", num_features=F, num_outputs=1, task="regression", units=6)
    history = train(model, x, y, TrainingOptions(max_epochs=1, verbose=0, loss="mae"))
    assert isinstance(model.loss, keras.losses.MeanAbsoluteError)
    # the reported loss after training is the mean absolute error of the predictions
    mae = float(np.mean(np.abs(predict(model, x)[:, 0] - y)))
    assert model.evaluate(*_as_arrays(x, y), verbose=0)[0] == pytest.approx(mae, rel=1e-4)
    assert len(history.history["loss"]) == 1
    with pytest.raises(ValueError, match="regression head; this model ends in sigmoid.*loss='mae'"):
        train(_model(), *_data(), TrainingOptions(max_epochs=1, verbose=0, loss="mae"))


def _as_arrays(x, y):
    """Right-padded `(N, T, F)` inputs (padding value 0) and targets, for `model.evaluate`."""
    longest = max(len(s) for s in x)
    padded = np.zeros((len(x), longest, F), "float32")
    for i, s in enumerate(x):
        padded[i, : len(s)] = s
    return padded, np.asarray(y, "float32")


def test_training_learns_and_repeats_with_the_same_seed():
    x, y = _data(80)
    options = TrainingOptions(
        max_epochs=15, mini_batch_size=16, initial_learn_rate=0.01, shuffle="every-epoch", verbose=0
    )
    keras.utils.set_random_seed(0)
    first = _model()
    h1 = train(first, x, y, options).history
    keras.utils.set_random_seed(0)
    second = _model()
    h2 = train(second, x, y, options).history
    assert h1["loss"][-1] < 0.7 * h1["loss"][0]
    np.testing.assert_allclose(h1["loss"], h2["loss"], rtol=1e-5)
    np.testing.assert_allclose(predict(first, x), predict(second, x), atol=1e-5)


def test_resume_after_an_interrupted_fit(tmp_path):
    x, y = _data(40)
    options = TrainingOptions(
        max_epochs=4,
        mini_batch_size=8,
        shuffle="every-epoch",
        verbose=0,
        checkpoint_dir=tmp_path / "backup",
    )

    class Crash(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise RuntimeError("simulated crash")

    keras.utils.set_random_seed(0)
    reference = _model()
    expected = train(reference, x, y, options.replace(checkpoint_dir=None)).history

    keras.utils.set_random_seed(0)
    crashed = _model()
    with pytest.raises(RuntimeError, match="simulated crash"):
        train(crashed, x, y, options, callbacks=[Crash()])
    assert any((tmp_path / "backup").iterdir())

    keras.utils.set_random_seed(0)
    resumed = _model()
    history = train(resumed, x, y, options)
    # the history of the whole run: the two epochs before the crash come from the backup
    assert history.epoch == [0, 1, 2, 3]
    np.testing.assert_allclose(history.history["loss"], expected["loss"], rtol=1e-4)
    for a, b in zip(resumed.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    assert not (tmp_path / "backup").exists() or not any((tmp_path / "backup").iterdir())


def test_early_stopping_restores_best_weights_and_progress_plot(tmp_path):
    x, y = _data(40)
    xv, yv = _data(20, seed=5)
    plot = tmp_path / "progress.png"
    options = TrainingOptions(
        max_epochs=30,
        mini_batch_size=8,
        initial_learn_rate=0.05,
        validation_data=(xv, yv),
        validation_patience=2,
        verbose=0,
        progress_plot=plot,
    )
    model = _model()
    history = train(model, x, y, options).history
    assert "val_loss" in history and "val_accuracy" in history
    assert plot.exists() and plot.stat().st_size > 1000
    best = min(history["val_loss"])
    again = model.evaluate(
        np.stack([np.pad(s, ((0, 12 - len(s)), (0, 0))) for s in xv]), yv, verbose=0
    )[0]
    assert again == pytest.approx(best, rel=1e-3)


def test_sequence_targets_exclude_padding_from_the_loss():
    x = random_sequences(8, F, low=2, high=9)
    y = [(s[:, 0] > 0).astype("int64") for s in x]
    model = build_model("gru", num_features=F, num_outputs=3, units=4, output_mode="sequence")
    train(model, x, y, TrainingOptions(max_epochs=1, verbose=0))
    from lstm_apps.data.sequences import pad_sequences

    xb = pad_sequences(x)
    y0 = pad_sequences(y, dtype="int32", value=0)
    y2 = pad_sequences(y, dtype="int32", value=2)
    assert model.evaluate(xb, y0, verbose=0)[0] == pytest.approx(
        model.evaluate(xb, y2, verbose=0)[0], rel=1e-6
    )


@pytest.mark.parametrize(
    "y, match",
    [
        (np.zeros(5, "int64"), "one entry per sequence: expected 24, received 5"),
        (np.full(24, 7), r"integers in \[0, 1\].*7"),
        (np.full(24, 0.5), r"integers in \[0, 1\]"),
    ],
)
def test_train_rejects_bad_labels(y, match):
    x, _ = _data()
    with pytest.raises(ValueError, match=match):
        train(_model(), x, y, TrainingOptions(max_epochs=1, verbose=0))


def test_train_rejects_wrong_feature_count_and_nan():
    x, y = _data()
    with pytest.raises(ValueError, match="3 features per step. Received: 2"):
        train(_model(), [s[:, :2] for s in x], y, TrainingOptions(verbose=0))
    x[3] = x[3].copy()
    x[3][0, 0] = np.nan
    with pytest.raises(ValueError, match=r"x\[3\]` contains NaN"):
        train(_model(), x, y, TrainingOptions(verbose=0))


def test_time_budget_runs_every_epoch_that_fits_and_rejects_bad_values():
    x, y = _data()
    x = np.stack([s[:3] for s in x])
    model = _model(adapt=x)  # a plain fit needs the normalization statistics first
    model.compile(optimizer="adam", loss="binary_crossentropy")
    budget = TimeBudget(1e6)
    history = model.fit(x, y, epochs=3, verbose=0, callbacks=[budget])
    assert len(history.history["loss"]) == 3 and budget.stopped_epoch is None
    short = TimeBudget(1e-9)
    history = model.fit(x, y, epochs=3, verbose=0, callbacks=[short])
    assert len(history.history["loss"]) == 1 and short.stopped_epoch == 0
    with pytest.raises(ValueError, match="seconds=0"):
        TimeBudget(0)


def test_predict_takes_integer_code_sequences():
    """Models that read integer codes (an embedding) predict through the same compiled pass."""
    from lstm_apps.models.text import build_char_lm

    model = build_char_lm(vocabulary_size=10)
    codes = [np.array([1, 2, 3]), np.array([4, 5])]
    out = predict(model, codes)
    assert [p.shape for p in out] == [(3, 10), (2, 10)]
    np.testing.assert_allclose(out[1], np.asarray(model(np.array([[4, 5]])))[0], atol=1e-5)
