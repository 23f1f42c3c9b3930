"""Data, samples and sequence lengths that cannot fit are refused before anything is made.

Each oversized `--set` is refused through the command line with one line that
names the field, exit code 2 and nothing written, before the scenes, clips,
cycles or samples exist: `tracemalloc` sees almost no allocation. The
estimates of the defaults and fast variants of every study stay far below
the limit. Refusals do not depend on this machine's memory: the oversized
values need terabytes.
"""

from __future__ import annotations

import re
import tracemalloc

import numpy as np
import pytest

from lstm_apps.cli import main
from lstm_apps.models import size

GB = 1e9
MOST_ALLOCATED = 100e6  # bytes a refused case may allocate (Python and NumPy), far below the data


def refused_quietly(capsys, tmp_path, *argv):
    """Run the CLI; assert exit code 2, one stderr line, nothing written, little allocated."""
    out = tmp_path / "run"
    tracemalloc.start()
    try:
        code = main(["run", *argv, "--set", "training.verbose=0", "--output", str(out)])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert len(err.splitlines()) == 1, err
    assert err.startswith("lstm-apps: error: "), err
    assert not out.exists()
    assert peak < MOST_ALLOCATED, f"{peak / 1e6:.0f} MB allocated before the refusal"
    return err


@pytest.fixture
def reviews(tmp_path):
    """A small labelled CSV with one long review (600 words)."""
    rng = np.random.default_rng(0)
    words = {
        "pos": "good great fine lovely superb".split(),
        "neg": "bad awful dull poor weak".split(),
    }
    rows = ["text,label"]
    for i in range(40):
        label = ("pos", "neg")[i % 2]
        count = 600 if i == 0 else int(rng.integers(5, 15))
        rows.append(" ".join(rng.choice(words[label], count)) + f" movie,{label}")
    path = tmp_path / "reviews.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


# -- the shared helper -----------------------------------------------------------------------


def test_check_memory_refuses_more_than_half_of_the_free_memory(monkeypatch):
    monkeypatch.setattr(size, "available_memory_bytes", lambda: 10 * GB)
    sizes = {"num_scenes": (100, 6, 6), "canvas": (40, 64)}
    assert size.check_memory(5 * GB, what="digit scenes", sizes=sizes) == 5 * GB
    with pytest.raises(ValueError) as caught:
        size.check_memory(6 * GB, what="digit scenes", sizes=sizes)
    assert str(caught.value) == (
        "The digit scenes would need about 6 GB, more than half of the 10 GB of free memory. "
        "Reduce num_scenes or canvas. Received: num_scenes=(100, 6, 6), canvas=(40, 64)"
    )
    with pytest.raises(ValueError, match=r"more than 20% of the 10 GB"):
        size.check_memory(3 * GB, what="clips", sizes={"frame_size": 9}, fraction=0.2)
    monkeypatch.setattr(size, "available_memory_bytes", lambda: None)  # unknown: no refusal
    assert size.check_memory(10**15, what="clips", sizes={"frame_size": 9}) == 10**15


# -- every hostile case of the sweep, through the command line ---------------------------------


CASES = [
    (
        ["sentiment", "--fast", "--set", "embedding_dim=100000000"],
        r"Reduce units, embedding_dim or vocabulary_size\. .*embedding_dim=100000000",
    ),
    (
        ["sentiment", "--fast", "--set", "vocabulary_size=10000000000"],
        r"Reduce units, embedding_dim or vocabulary_size\. .*vocabulary_size=10000000000",
    ),
    (
        ["video", "--fast", "--set", "frame_size=20000"],
        r"The digit clips would need .* Reduce num_clips, num_frames or frame_size\. "
        r"Received: .*frame_size=20000$",
    ),
    (
        ["video", "--fast", "--set", "num_clips=(100000000,16,16)"],
        r"The digit clips would need .*num_clips=\(100000000, 16, 16\)",
    ),
    (
        ["captioning", "--fast", "--set", "num_scenes=(100000000,60,60)"],
        r"The digit scenes would need about [0-9.e+]+ GB, more than half of the [0-9.]+ GB "
        r"of free memory\. Reduce num_scenes\. Received: num_scenes=\(100000000, 60, 60\)$",
    ),
    (
        ["captioning", "--fast", "--set", "data=flickr8k", "--set", "image_size=100000"],
        r"The 120 Flickr8k images would need .* Reduce image_size or max_images\. "
        r"Received: image_size=100000, max_images=40$",
    ),
    (
        ["engine_nox", "--fast", "--set", "cycle_seconds=1000000000"],
        r"The simulated cycles would need .*cycle_seconds=1000000000$",
    ),
    (
        ["engine_nox", "--fast", "--set", "num_train_cycles=10000000000"],
        r"The simulated cycles would need .*num_train_cycles=10000000000",
    ),
    (
        ["forecasting", "--fast", "--set", "num_samples=1000000000", "--set", "dropout=0.2"],
        r"The Monte Carlo dropout samples of 1 series would need .* Reduce num_samples or "
        r"horizon\. Received: num_samples=1000000000, horizon=12$",
    ),
    (
        ["forecasting", "--fast", "--set", "num_origins=1000000000000"],
        r"The forecast origins would need .*num_origins=1000000000000$",
    ),
    (
        ["activity", "--fast", "--set", "downsample=100000"],
        r"`downsample` averages 100000 samples .* chunks of 500 samples .* fewer than 2 "
        r"steps: lower downsample \(at most 250 here\) or raise chunk_seconds\. "
        r"Received: downsample=100000, sequence length=500$",
    ),
    (
        ["activity", "--fast", "--set", "chunk_seconds=0.01"],
        r"chunks of 0 samples .* raise chunk_seconds\. .*sequence length=0$",
    ),
]


@pytest.mark.parametrize("argv, names", CASES, ids=[argv[-1] for argv, _ in CASES])
def test_oversized_settings_are_refused_at_once(argv, names, capsys, tmp_path, reviews):
    if argv[0] == "sentiment":
        argv = [*argv, "--set", f"data={reviews}"]
    err = refused_quietly(capsys, tmp_path, *argv)
    assert re.search(names, err), err


def test_a_video_folder_too_large_for_memory_is_refused_before_decoding(capsys, tmp_path):
    root = tmp_path / "videos"
    for name in ("wave", "clap"):
        for i in range(3):  # frame folders: nothing in them is read before the refusal
            (root / name / f"clip_{i}").mkdir(parents=True)
    argv = ["video", "--fast", "--set", f"data_path={root}", "--set", "frame_size=20000"]
    err = refused_quietly(capsys, tmp_path, *argv)
    assert f"The 6 clips of {root} would need about" in err
    assert err.endswith(
        "Reduce video_frames or frame_size. Received: video_frames=16, frame_size=20000"
    )

    from lstm_apps.data.videos import count_clips, load_video_folder

    assert count_clips(root) == 6 and count_clips(tmp_path / "absent") == 0
    with pytest.raises(ValueError, match=r"Reduce num_frames, size or channels\. .*size=\(20000"):
        load_video_folder(root, num_frames=16, size=(20000, 20000))


# -- the library functions behind them -------------------------------------------------------


def test_generators_refuse_before_making_anything():
    from lstm_apps.data.digit_media import digit_clips, digit_scenes
    from lstm_apps.data.synthetic import EngineSimulatorConfig, simulate_cycles

    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"digit scenes .*num_scenes=1000000000, canvas"):
            digit_scenes(10**9)
        with pytest.raises(ValueError, match=r"digit clips .*frame_size=\(20000, 20000\)"):
            digit_clips(4, frame_size=(20000, 20000))
        with pytest.raises(ValueError, match=r"simulated cycles .*cycle_seconds=1000000000$"):
            simulate_cycles(2, config=EngineSimulatorConfig(cycle_seconds=10**9))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < MOST_ALLOCATED


def test_monte_carlo_samples_are_refused_before_sampling():
    from lstm_apps.forecasting import Forecaster, build_network

    network = build_network(
        "lstm", num_features=1, offset=np.zeros(1), scale=np.ones(1), units=4, dropout=0.2
    )
    forecaster = Forecaster.from_model(network)
    forecaster.predict_and_update_state(np.linspace(0.0, 1.0, 12)[:, None])
    with pytest.raises(
        ValueError, match=r"Reduce num_samples or horizon\. .*=1000000000, horizon=6"
    ):
        forecaster.forecast_interval(6, num_samples=10**9)
    assert forecaster.forecast(6, num_samples=5).shape == (5, 1, 6, 1)


# -- texts are padded to the longest in their batch, not to max_length -------------------------


def test_sentiment_activations_follow_the_longest_text(reviews, tmp_path, monkeypatch):
    """A huge `max_length` is fine: a batch is padded to its longest text (here 601 words),
    and that is what the activation check counts; with too little memory it names max_length."""
    from lstm_apps.tasks import sentiment
    from lstm_apps.tasks.sentiment import networks

    counted = []
    check = networks.check_activation_memory

    def spy(network, batch_size, steps, **kwargs):
        counted.append(steps)
        return check(network, batch_size, steps, **kwargs)

    monkeypatch.setattr(networks, "check_activation_memory", spy)
    config = sentiment.Config.fast(
        data=str(reviews), max_length=10**8, models=("lstm",), embedding_init="random",
        training=dict(max_epochs=1, verbose=0),
    )  # fmt: skip
    data = sentiment.load_data(config)
    run = sentiment.train(config, data)
    assert counted == [601]
    assert run.model.get_layer("keep_words").max_length == 10**8
    assert len(sentiment.predict(run, ["good movie", "awful movie"])) == 2

    monkeypatch.setattr(size, "available_memory_bytes", lambda: 60_000_000)  # 60 MB free
    with pytest.raises(ValueError, match=r"shorten the sequences \(max_length\)\. .*length=601$"):
        sentiment.train(config, data)


# -- the defaults stay far below the limit -----------------------------------------------------


def first_estimate(call, monkeypatch) -> float:
    """The bytes that the first memory check of `call()` estimates (with no memory free)."""
    monkeypatch.setattr(size, "available_memory_bytes", lambda: 0)
    with pytest.raises(ValueError) as caught:
        call()
    message = str(caught.value)
    found = re.search(r"would need about ([0-9.e+-]+) GB", message)
    if found:
        return float(found.group(1)) * GB
    return float(re.search(r"\(([0-9.e+-]+) bytes for the weights", message).group(1))


@pytest.mark.parametrize("fast", [False, True], ids=["default", "fast"])
@pytest.mark.parametrize("name", ["sentiment", "video", "captioning", "engine_nox", "forecasting"])
def test_default_estimates_are_far_below_the_limit(name, fast, monkeypatch):
    from lstm_apps.tasks import get_case_study

    study = get_case_study(name)
    config = study.Config.fast() if fast else study.Config()
    call = (lambda: study.train(config)) if name == "sentiment" else lambda: study.load_data(config)
    estimate = first_estimate(call, monkeypatch)
    assert 0 < estimate < (0.5 if fast else 3) * GB


def test_default_monte_carlo_samples_are_small(monkeypatch):
    from lstm_apps.tasks.forecasting import Config

    config = Config(dropout=0.2)
    estimate = first_estimate(
        lambda: size.check_samples(config.num_samples, 1, 12, 1, 8 * config.units + 4),
        monkeypatch,
    )
    assert estimate < 0.01 * GB
