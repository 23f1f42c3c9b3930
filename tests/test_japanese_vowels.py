"""The Japanese Vowels case study on the real data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import real_file

from lstm_apps.data.japanese_vowels import TEST_BLOCKS_PER_SPEAKER, read_uci
from lstm_apps.tasks import japanese_vowels as jv
from lstm_apps.training import TrainingConfig


def test_aeon_copy_has_the_uci_sizes(vowels):
    assert vowels.sizes() == {"train": 270, "validation": 0, "test": 370}
    assert vowels.num_features == 12
    lengths = [len(s) for s in vowels.x_train + vowels.x_test]
    assert (min(lengths), max(lengths)) == (7, 29)
    assert vowels.class_names == [str(i) for i in range(1, 10)]
    assert np.bincount(vowels.y_train).tolist() == [30] * 9
    assert np.bincount(vowels.y_test).tolist() == TEST_BLOCKS_PER_SPEAKER


def test_uci_files_match_the_aeon_copy(shared_data, vowels):
    folder = real_file(shared_data, "japanese_vowels/ae.train").parent
    x_train, y_train = read_uci(folder / "ae.train")
    x_test, y_test = read_uci(real_file(shared_data, "japanese_vowels/ae.test"))
    assert len(x_train) == 270 and len(x_test) == 370
    for ours, theirs in zip(x_train + x_test, vowels.x_train + vowels.x_test):
        np.testing.assert_allclose(ours, theirs, atol=1e-6)
    data = jv.load_data(jv.Config(data_path=str(folder)))
    np.testing.assert_array_equal(data.y_test, vowels.y_test)
    assert "UCI" in data.source


def test_uci_reader_rejects_a_truncated_file(shared_data, tmp_path):
    text = real_file(shared_data, "japanese_vowels/ae.train").read_text().splitlines()
    (tmp_path / "ae.train").write_text("\n".join(text[:200]))
    with pytest.raises(ValueError, match="expected 270 .* or 370"):
        read_uci(tmp_path / "ae.train")


def test_long_format_csv_is_custom_data_entry(vowels, tmp_path):
    rows = []
    for split, xs, ys in (
        ("train", vowels.x_train[:60], vowels.y_train[:60]),
        ("test", vowels.x_test[:30], vowels.y_test[:30]),
    ):
        for i, (x, y) in enumerate(zip(xs, ys)):
            frame = pd.DataFrame(x, columns=[f"c{k}" for k in range(12)])
            frame.insert(0, "sequence", f"{split}-{i}")
            frame.insert(1, "split", split)
            frame.insert(2, "label", f"speaker{vowels.class_names[y]}")
            rows.append(frame)
    path = tmp_path / "vowels.csv.gz"
    pd.concat(rows).to_csv(path, index=False)
    data = jv.load_data(jv.Config(data_path=str(path)))
    assert data.sizes() == {"train": 60, "validation": 0, "test": 30}
    np.testing.assert_allclose(data.x_test[3], vowels.x_test[3], atol=1e-6)
    assert data.class_names[0] == "speaker1"


def test_validation_split_is_stratified_and_deterministic():
    a = jv.load_data(jv.Config(validation_fraction=1 / 6, training=TrainingConfig(seed=3)))
    b = jv.load_data(jv.Config(validation_fraction=1 / 6, training=TrainingConfig(seed=3)))
    assert a.sizes() == {"train": 225, "validation": 45, "test": 370}
    assert np.bincount(a.y_val).tolist() == [5] * 9
    np.testing.assert_array_equal(a.y_val, b.y_val)


def test_a_small_lstm_learns_the_speakers(vowels):
    config = jv.Config(units=32).replace(
        training=dict(max_epochs=12, mini_batch_size=27, initial_learn_rate=0.005, verbose=0)
    )
    run = jv.train(config, vowels)
    metrics = jv.evaluate(run)
    assert metrics["accuracy"] >= 0.85, metrics
    assert {"macro_f1", "precision_1", "recall_9"} <= set(metrics)
    predictions = jv.predict(run, vowels.x_test[:3])
    assert [label for label, _ in predictions] == [vowels.class_names[y] for y in vowels.y_test[:3]]
    assert all(0 < p <= 1 for _, p in predictions)


def test_config_rejects_unknown_architecture():
    with pytest.raises(ValueError, match="architecture.*Received: architecture='tcn'"):
        jv.Config(architecture="tcn")


def test_training_settings_live_in_one_section():
    config = jv.Config.fast(training=dict(max_epochs=3))
    assert config.training.max_epochs == 3 and config.training.mini_batch_size == 30
    assert config.units == 16  # the fast variant's other changes are kept
    options = config.training.options(validation_data=None)
    assert options.initial_learn_rate == 0.003 and options.gradient_threshold == 1.0
    with pytest.raises(ValueError, match="max_epochs.*Received: max_epochs=0"):
        config.replace(training=dict(max_epochs=0))


def test_old_flat_names_warn_and_map_to_the_section():
    with pytest.warns(FutureWarning, match="`initial_learn_rate` is deprecated.*training"):
        config = jv.Config().replace(initial_learn_rate=0.01)
    assert config.training.initial_learn_rate == 0.01
