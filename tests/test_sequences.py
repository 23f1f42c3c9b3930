"""Padding, truncation, bucketing, scaling, windows and label encoding."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import random_sequences

from lstm_apps import SequenceLabelEncoder, SequenceScaler, make_windows, pad_sequences
from lstm_apps.data.sequences import check_sequences, length_sorted_batches, unpad

SEQS = [np.arange(1, 3, dtype="float32")[:, None], np.arange(1, 5, dtype="float32")[:, None]]


@pytest.mark.parametrize(
    "length, padding, expected",
    [
        ("longest", "right", [[1, 2, 0, 0], [1, 2, 3, 4]]),
        ("longest", "left", [[0, 0, 1, 2], [1, 2, 3, 4]]),
        ("shortest", "right", [[1, 2], [1, 2]]),
        ("shortest", "left", [[1, 2], [3, 4]]),
        (3, "right", [[1, 2, 0], [1, 2, 3]]),
        (3, "left", [[0, 1, 2], [2, 3, 4]]),
    ],
)
def test_pad_sequences_matches_matlab_options(length, padding, expected):
    out = pad_sequences(SEQS, sequence_length=length, padding=padding)
    np.testing.assert_array_equal(out[..., 0], expected)


def test_padding_value_and_unpad_round_trip():
    out = pad_sequences(SEQS, padding="left", value=-9.0)
    assert out[0, 0, 0] == -9.0
    back = unpad(out, [2, 4], padding="left")
    for a, b in zip(back, SEQS):
        np.testing.assert_array_equal(a, b)


def test_pad_sequences_rejects_bad_options():
    with pytest.raises(ValueError, match="padding.*Received: padding='middle'"):
        pad_sequences(SEQS, padding="middle")
    with pytest.raises(ValueError, match="sequence_length.*Received: sequence_length='median'"):
        pad_sequences(SEQS, sequence_length="median")
    with pytest.raises(ValueError, match="positive integer.*sequence_length=0"):
        pad_sequences(SEQS, sequence_length=0)


def test_length_sorted_batches_cover_everything_and_cut_padding():
    rng = np.random.default_rng(0)
    lengths = rng.integers(5, 100, size=200)
    batches = length_sorted_batches(lengths, 16, np.random.default_rng(1))
    index = np.concatenate(batches)
    assert sorted(index.tolist()) == list(range(200))
    padded = sum(len(b) * lengths[b].max() for b in batches)
    naive = sum(len(b) * lengths[b].max() for b in np.array_split(np.arange(200), len(batches)))
    assert padded < 0.75 * naive
    spans = [lengths[b].max() - lengths[b].min() for b in batches]
    assert max(spans) < 20
    again = length_sorted_batches(lengths, 16, np.random.default_rng(1))
    assert all(np.array_equal(a, b) for a, b in zip(batches, again))


@pytest.mark.parametrize(
    "method", ["zscore", "zerocenter", "rescale-zero-one", "rescale-symmetric", "none"]
)
def test_sequence_scaler(method):
    train = random_sequences(20, 3)
    steps = np.concatenate(train)
    scaled = np.concatenate(SequenceScaler(method).fit_transform(train))
    if method == "zscore":
        np.testing.assert_allclose(scaled.mean(0), 0, atol=1e-5)
        np.testing.assert_allclose(scaled.std(0), 1, atol=1e-4)
    elif method == "zerocenter":
        np.testing.assert_allclose(scaled.mean(0), 0, atol=1e-5)
        np.testing.assert_allclose(scaled.std(0), steps.std(0), rtol=1e-4)
    elif method == "rescale-zero-one":
        np.testing.assert_allclose([scaled.min(0), scaled.max(0)], [[0] * 3, [1] * 3], atol=1e-6)
    elif method == "rescale-symmetric":
        np.testing.assert_allclose([scaled.min(0), scaled.max(0)], [[-1] * 3, [1] * 3], atol=1e-6)
    else:
        np.testing.assert_allclose(scaled, steps)


def test_scaler_uses_training_statistics_only_and_inverts():
    train, test = random_sequences(10, 2, seed=1), [s + 5 for s in random_sequences(4, 2, seed=2)]
    scaler = SequenceScaler().fit(train)
    moved = scaler.transform(test)
    assert np.concatenate(moved).mean() > 3  # test data is not re-centred
    for a, b in zip(scaler.inverse_transform(moved), test):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    batch = np.stack([s[:3] for s in test])
    assert scaler.transform(batch).shape == batch.shape


def test_scaler_not_fitted_and_wrong_features():
    with pytest.raises(RuntimeError, match="not fitted yet"):
        SequenceScaler().transform(SEQS)
    scaler = SequenceScaler().fit(random_sequences(3, 2))
    with pytest.raises(ValueError, match="2 features per step. Received: 1"):
        scaler.transform(SEQS)


def test_make_windows():
    x, y = make_windows(np.arange(10.0), window=3, horizon=2, stride=2)
    assert x.shape == (3, 3, 1) and y.shape == (3, 2)
    np.testing.assert_array_equal(x[1, :, 0], [2, 3, 4])
    np.testing.assert_array_equal(y[1], [5, 6])
    series = np.stack([np.arange(8.0), -np.arange(8.0)], axis=1)
    x, y = make_windows(series, window=4, targets=[0, 1])
    assert x.shape == (4, 4, 2) and y.shape == (4, 1, 2)
    with pytest.raises(ValueError, match="fewer than window"):
        make_windows(np.arange(3.0), window=3)
    with pytest.raises(ValueError, match="window.*Received: window=0"):
        make_windows(np.arange(3.0), window=0)


def test_label_encoder_keeps_names_flat_and_per_step():
    enc = SequenceLabelEncoder().fit(["b", "a", "c", "a"])
    assert enc.classes_.tolist() == ["a", "b", "c"]
    np.testing.assert_array_equal(enc.transform(["c", "a"]), [2, 0])
    assert enc.inverse_transform([1]).tolist() == ["b"]
    per_step = enc.transform([np.array(["a", "b"]), np.array(["c"])])
    assert [p.tolist() for p in per_step] == [[0, 1], [2]]
    with pytest.raises(ValueError, match="Unknown labels \\['z'\\]"):
        enc.transform(["z"])
    with pytest.raises(RuntimeError, match="not fitted"):
        SequenceLabelEncoder().transform(["a"])


@pytest.mark.parametrize(
    "x, error, match",
    [
        ([np.ones((3, 2)), np.ones((4, 3))], ValueError, r"same number of features.*\[2, 3\]"),
        ([np.ones((3, 2)), np.array([[np.nan, 1.0]])], ValueError, r"x\[1\]` contains NaN.*step 0"),
        ([np.ones((3, 2)), np.array([[1.0, np.inf]])], ValueError, r"NaN or inf.*feature 1: inf"),
        ([np.ones((3, 2)), np.ones((0, 2))], ValueError, r"x\[1\]` is an empty sequence"),
        ([], ValueError, "holds no sequences"),
        ("abc", TypeError, "Received: str"),
    ],
)
def test_check_sequences_errors(x, error, match):
    with pytest.raises(error, match=match):
        check_sequences(x)
