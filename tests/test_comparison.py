"""Same-run comparisons, diagnoses and data-sized training defaults (the shared parts of the
`sequences`, `text` and `series` studies)."""

from __future__ import annotations

import csv
import logging

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_apps import build_model, training
from lstm_apps.comparison import (
    SCORES,
    Candidate,
    Skipped,
    balanced_class_weight,
    bootstrap_difference,
    compare,
)
from lstm_apps.diagnostics import (
    diagnose_data,
    diagnose_history,
    diagnoses_markdown,
    log_diagnoses,
)
from lstm_apps.evaluation import classification_metrics
from lstm_apps.training import TrainingConfig
from lstm_apps.training.adaptive import adapt_training


def one_hot(codes, k):
    return np.eye(k)[np.asarray(codes)]


@pytest.fixture
def labels():
    return np.random.default_rng(0).integers(0, 3, size=300)


def noisy(labels, error_rate, seed):
    """Predictions (probabilities) that are wrong on about `error_rate` of the items."""
    rng = np.random.default_rng(seed)
    codes = labels.copy()
    wrong = rng.random(len(labels)) < error_rate
    codes[wrong] = (codes[wrong] + 1) % 3
    return one_hot(codes, 3)


def test_compare_names_winner_margin_and_interval(labels):
    good, bad = noisy(labels, 0.05, 1), noisy(labels, 0.4, 2)
    result = compare(
        [
            Candidate("lstm", "network", good, validation=0.9, seconds=3.2),
            Candidate("tfidf", "baseline", bad, validation=0.6),
        ],
        labels,
        metric="accuracy",
        skipped=[Skipped("minirocket", "sequences shorter than 9 steps")],
    )
    assert result.kept == "lstm" and result.winner == "lstm" and result.best_baseline == "tfidf"
    expected = np.mean(good.argmax(1) == labels) - np.mean(bad.argmax(1) == labels)
    assert result.margin == pytest.approx(expected)
    assert 0 < result.low < result.margin < result.high
    metrics = result.metrics()
    assert metrics["lstm_accuracy"] == pytest.approx(np.mean(good.argmax(1) == labels))
    assert metrics["tfidf_validation_accuracy"] == 0.6
    assert metrics["lstm_train_seconds"] == 3.2
    text = result.markdown()
    assert "lstm (kept)" in text and "minirocket skipped: sequences shorter" in text
    assert result.disagreement is None


def test_margin_is_positive_when_a_lower_is_better_metric_favours_the_kept_model():
    truth = np.linspace(0, 10, 200)
    rng = np.random.default_rng(0)
    close, far = truth + rng.normal(0, 0.1, 200), truth + rng.normal(0, 1.0, 200)
    result = compare(
        [Candidate("gru", "network", close), Candidate("naive", "baseline", far)],
        truth,
        metric="mae",
    )
    assert result.winner == "gru" and result.margin > 0 and result.low > 0
    assert "ahead of the best baseline" in result.verdict()


def test_validation_that_contradicts_test_is_flagged(labels):
    # validation prefers the network, but on test the baseline is far better
    result = compare(
        [
            Candidate("bilstm", "network", noisy(labels, 0.5, 3), validation=0.95),
            Candidate("tfidf", "baseline", noisy(labels, 0.05, 4), validation=0.80),
        ],
        labels,
    )
    assert result.disagreement and "Validation ranked bilstm first" in result.disagreement
    assert "Validation and test disagree" in result.markdown()
    assert result.margin < 0 and result.high < 0


def test_a_tie_within_noise_is_said_to_be_a_tie(labels):
    a, b = noisy(labels, 0.2, 5), noisy(labels, 0.2, 6)
    result = compare([Candidate("lstm", "network", a), Candidate("gbm", "baseline", b)], labels)
    assert result.low <= 0 <= result.high
    assert "cannot tell them apart" in result.verdict()


def test_custom_score_and_groups_resample_whole_groups():
    truth = np.arange(40.0)
    groups = np.repeat(np.arange(8), 5)
    calls = []

    def score(y, p):
        calls.append(len(y))
        return float(np.mean(np.abs(y - p)))

    result = compare(
        [Candidate("lstm", "network", truth + 1), Candidate("naive", "baseline", truth + 2)],
        truth,
        metric="mase",
        score=score,
        higher_is_better=False,
        groups=groups,
        num_resamples=50,
    )
    assert result.margin == pytest.approx(1.0)
    assert all(n % 5 == 0 for n in calls)  # whole groups of five items


def test_save_predictions_writes_every_candidate(tmp_path, labels):
    result = compare(
        [
            Candidate("lstm", "network", noisy(labels, 0.1, 1)),
            Candidate("gbm", "baseline", noisy(labels, 0.2, 2).argmax(1)),
        ],
        labels,
    )
    paths = result.save_predictions(tmp_path, labels, class_names=["a", "b", "c"])
    assert sorted(p.name for p in paths) == ["gbm.csv", "lstm.csv"]
    with (tmp_path / "predictions" / "lstm.csv").open() as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["id", "label", "predicted", "p_a", "p_b", "p_c"]
    assert len(rows) == len(labels) + 1 and rows[1][1] == "abc"[labels[0]]
    with (tmp_path / "predictions" / "gbm.csv").open() as handle:
        assert next(csv.reader(handle)) == ["id", "label", "predicted"]


def test_save_predictions_of_values(tmp_path):
    truth = np.arange(12.0).reshape(4, 3)
    result = compare(
        [Candidate("lstm", "network", truth + 0.5), Candidate("naive", "baseline", truth - 1)],
        truth,
        metric="rmse",
    )
    result.save_predictions(tmp_path, truth, ids=["a", "b", "c", "d"])
    rows = list(csv.reader((tmp_path / "predictions" / "naive.csv").open()))
    assert rows[0][:2] == ["id", "true_0"] and rows[1][0] == "a" and float(rows[1][4]) == -1.0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(metric="auc"), "Unknown metric 'auc'"),
        (dict(kept="nope"), "`kept` must name a candidate"),
        (dict(score=len), "`higher_is_better` is needed"),
    ],
)
def test_compare_refuses_bad_arguments(kwargs, match, labels):
    candidates = [Candidate("lstm", "network", labels), Candidate("gbm", "baseline", labels)]
    with pytest.raises(ValueError, match=match):
        compare(candidates, labels, **kwargs)


def test_compare_needs_a_network_and_unique_names(labels):
    with pytest.raises(ValueError, match="at least one network"):
        compare([Candidate("gbm", "baseline", labels)], labels)
    with pytest.raises(ValueError, match="unique"):
        compare([Candidate("a", "network", labels), Candidate("a", "baseline", labels)], labels)
    with pytest.raises(ValueError, match="kind"):
        Candidate("a", "model", labels)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 2), min_size=2, max_size=40), st.integers(0, 5))
def test_bootstrap_of_a_model_against_itself_is_zero(codes, seed):
    y = np.asarray(codes)
    p = one_hot((y + seed) % 3, 3)
    diff, low, high = bootstrap_difference(y, p, p, SCORES["accuracy"][0], num_resamples=30)
    assert diff == 0 and low == 0 and high == 0


def test_bootstrap_interval_contains_the_full_difference(labels):
    a, b = noisy(labels, 0.1, 1), noisy(labels, 0.3, 2)
    diff, low, high = bootstrap_difference(labels, a, b, SCORES["macro_f1"][0], num_resamples=200)
    assert low <= diff <= high and diff > 0


def test_balanced_class_weight_matches_scikit_learn():
    from sklearn.utils.class_weight import compute_class_weight

    y = np.array([0] * 30 + [1] * 6 + [2] * 4)
    expected = compute_class_weight("balanced", classes=np.arange(3), y=y)
    weights = balanced_class_weight(y, 3)
    assert [weights[k] for k in range(3)] == pytest.approx(expected)
    assert balanced_class_weight([0, 0, 1], 3)[2] == 1.0


def test_classification_metrics_name_per_class_f1_and_balanced_accuracy():
    y, p = np.array([0, 0, 0, 0, 1, 1]), np.array([0, 0, 0, 0, 0, 1])
    metrics = classification_metrics(y, p, ["neg", "pos"])
    assert metrics["balanced_accuracy"] == pytest.approx((1 + 0.5) / 2)
    assert metrics["f1_pos"] == pytest.approx(2 / 3)
    assert metrics["macro_f1"] == pytest.approx((metrics["f1_neg"] + metrics["f1_pos"]) / 2)


# ------------------------------------------------------------------ diagnoses


def test_underfitting_near_chance_is_diagnosed():
    history = {"loss": [1.1, 1.09, 1.08], "accuracy": [0.34, 0.35, 0.36]}
    (found,) = diagnose_history(history, num_classes=3)
    assert found.code == "underfitting" and "0.360" in found.message and found.advice
    assert diagnose_history({"loss": [1.0, 0.3], "accuracy": [0.5, 0.95]}, num_classes=3) == []


def test_majority_share_sets_chance_with_counts():
    history = {"loss": [0.5, 0.3, 0.2], "accuracy": [0.88, 0.9, 0.9]}
    codes = [d.code for d in diagnose_history(history, class_counts=[90, 10])]
    assert codes == ["underfitting"]  # 0.9 is the majority share


def test_flat_regression_loss_is_underfitting():
    found = diagnose_history({"loss": [1.0, 0.98, 0.97, 0.96]}, task="regression")
    assert [d.code for d in found] == ["underfitting"]


def test_overfitting_from_a_rising_validation_loss():
    history = {
        "loss": [1.0, 0.5, 0.25, 0.2, 0.1, 0.05, 0.02],
        "val_loss": [1.0, 0.7, 0.6, 0.65, 0.7, 0.8, 0.9],
    }
    found = diagnose_history(history, task="regression")
    assert [d.code for d in found] == ["overfitting"] and "epoch (3)" in found[0].message
    # early stopping's own rise, with validation close to training at the kept epoch
    history["loss"] = [1.0, 0.6, 0.5, 0.45, 0.4, 0.35, 0.3]
    assert diagnose_history(history, task="regression") == []


def test_a_classifier_whose_validation_loss_rises_but_accuracy_holds_is_not_overfitting():
    history = {
        "loss": [0.7, 0.4, 0.3, 0.2, 0.1, 0.05],
        "accuracy": [0.6, 0.85, 0.9, 0.93, 0.96, 0.98],
        "val_loss": [0.7, 0.45, 0.4, 0.5, 0.6, 0.7],
        "val_accuracy": [0.6, 0.82, 0.86, 0.86, 0.85, 0.85],
    }
    assert diagnose_history(history, num_classes=2) == []


def test_not_converged_when_every_epoch_was_used_and_loss_still_falls():
    loss = list(np.linspace(1.0, 0.2, 10))
    found = diagnose_history({"loss": loss}, task="regression", max_epochs=10)
    assert [d.code for d in found] == ["not_converged"]
    assert diagnose_history({"loss": loss}, task="regression", max_epochs=50) == []


def test_data_diagnoses_and_their_report(caplog):
    found = diagnose_data(class_counts={"a": 100, "b": 10}, lengths=[500, 600, 700])
    assert [d.code for d in found] == ["class_imbalance", "long_sequences"]
    assert "(a, 100)" in found[0].message and "downsampl" in found[1].advice
    assert diagnose_data(class_counts=[10, 12], lengths=[50], recurrent=True) == []
    assert diagnose_data(lengths=[900], recurrent=False) == []
    with caplog.at_level(logging.WARNING, logger="lstm_apps.diagnostics"):
        log_diagnoses(found, "mydata")
    assert "mydata: class_imbalance:" in caplog.text
    assert "**class imbalance**" in diagnoses_markdown(found)
    assert "No problem found" in diagnoses_markdown([])


# ------------------------------------------------------------- adaptive defaults


@pytest.mark.parametrize(
    "n, batch, epochs", [(50, 8, 286), (270, 16, 118), (2000, 128, 125), (25000, 128, 20)]
)
def test_adaptive_training_follows_the_data_size(n, batch, epochs):
    default = TrainingConfig(max_epochs=30, mini_batch_size=64, validation_patience=None)
    adapted, chosen = adapt_training(default, default, n)
    assert adapted.mini_batch_size == batch and adapted.max_epochs == epochs
    assert 5 <= adapted.validation_patience <= 30
    assert chosen == {
        "mini_batch_size": batch,
        "max_epochs": epochs,
        "validation_patience": adapted.validation_patience,
    }


def test_adaptive_training_keeps_what_the_user_set():
    default = TrainingConfig(max_epochs=30, mini_batch_size=64)
    mine = default.replace(max_epochs=7)
    adapted, chosen = adapt_training(mine, default, 5000, has_validation=False)
    assert adapted.max_epochs == 7 and "max_epochs" not in chosen
    assert "validation_patience" not in chosen and adapted.validation_patience is None
    with pytest.raises(ValueError, match="num_train=0"):
        adapt_training(default, default, 0)
    assert adapt_training(default, default, 5000, patience=3)[0].validation_patience == 3
    with pytest.raises(ValueError, match="patience=0"):
        adapt_training(default, default, 5000, patience=0)


def test_class_weight_moves_a_classifier_towards_the_small_class():
    rng = np.random.default_rng(0)
    y = np.array([0] * 90 + [1] * 10)
    x = [rng.normal(0.5 * c, 1.0, size=(5, 2)).astype("float32") for c in y]
    options = TrainingConfig(
        max_epochs=20, mini_batch_size=20, verbose=0, seed=0, initial_learn_rate=0.01
    )

    def minority_share(weights):
        keras.utils.set_random_seed(0)
        model = build_model("gru", num_features=2, num_outputs=2, units=4)
        training.train(model, x, y, options, class_weight=weights)
        return float(np.mean(training.predict(model, x)[:, 0] > 0.5))  # one sigmoid unit

    assert minority_share(balanced_class_weight(y, 2)) > minority_share(None) + 0.1


def test_a_classifier_that_overfits_is_not_also_called_underfitting():
    history = {
        "loss": [1.1, 1.05, 1.02],
        "accuracy": [0.5, 0.7, 0.8],
        "val_loss": [1.1, 1.1, 1.1],
        "val_accuracy": [0.4, 0.45, 0.45],
    }
    assert [d.code for d in diagnose_history(history, num_classes=3)] == ["overfitting"]
