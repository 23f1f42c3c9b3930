"""Metrics and figures."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_apps import classification_metrics, regression_metrics
from lstm_apps.plots import plot_confusion_matrix, plot_training_progress


def test_classification_metrics_by_hand():
    t = np.array([0, 0, 1, 1, 2, 2])
    p = np.array([0, 1, 1, 1, 2, 0])
    m = classification_metrics(t, p, class_names=["a", "b", "c"])
    assert m["accuracy"] == pytest.approx(4 / 6)
    assert m["precision_b"] == pytest.approx(2 / 3) and m["recall_b"] == pytest.approx(1.0)
    assert m["precision_a"] == pytest.approx(0.5) and m["recall_c"] == pytest.approx(0.5)
    f1 = [2 * 0.5 * 0.5 / 1.0, 2 * (2 / 3) / (2 / 3 + 1), 2 * 0.5 / 1.5]
    assert m["macro_f1"] == pytest.approx(np.mean(f1))
    assert all(isinstance(v, float) for v in m.values())


def test_per_time_step_classification_uses_only_real_steps():
    t = [np.array([0, 1, 1]), np.array([2])]
    p = [np.array([0, 1, 0]), np.array([2])]
    assert classification_metrics(t, p)["accuracy"] == pytest.approx(3 / 4)


def test_regression_metrics_by_hand():
    t = np.array([10.0, 20.0, 30.0, 40.0])
    p = np.array([[11.0], [20.0], [36.0], [40.0]])
    m = regression_metrics(t, p)
    assert m["mae"] == pytest.approx(7 / 4)
    assert m["rmse"] == pytest.approx(np.sqrt(37 / 4))
    assert m["r2"] == pytest.approx(1 - 37 / 500)
    assert m["within_10pct"] == pytest.approx(3 / 4)
    seq = regression_metrics([t[:3], t[3:]], [p[:3], p[3:]])
    assert seq == pytest.approx(m)


def test_metric_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match="differ in shape"):
        regression_metrics(np.zeros(3), np.zeros(4))


def test_figures_are_written(tmp_path):
    history = {
        "loss": [1.0, 0.5],
        "accuracy": [0.5, 0.8],
        "val_loss": [1.1, 0.7],
        "val_accuracy": [0.4, 0.7],
    }
    fig = plot_training_progress(history, tmp_path / "p.png")
    assert len(fig.axes) == 2 and (tmp_path / "p.png").stat().st_size > 1000
    shorter = {k: v[:1] for k, v in history.items()}  # an ensemble member that stopped earlier
    fig = plot_training_progress([history, shorter], tmp_path / "e.png")
    loss = fig.axes[0]
    assert [len(line.get_xdata()) for line in loss.lines] == [2, 2, 1, 1]
    assert [t.get_text() for t in loss.get_legend().get_texts()] == ["training", "validation"]
    assert fig._suptitle.get_text() == "Training progress (2 networks)"
    fig = plot_confusion_matrix([0, 1, 1], [0, 1, 0], ["x", "y"], tmp_path / "c.png")
    texts = sorted(t.get_text() for t in fig.axes[0].texts)
    assert texts == ["0", "1", "1", "1"]
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["x", "y"]
