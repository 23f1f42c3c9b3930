"""The speech study's figures: spectrograms, CTC probabilities and streamed emissions."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lstm_apps import plots
from lstm_apps.tasks.speech import ctc
from lstm_apps.tasks.speech.network import waveform_features

plt = plots.plt


def study_figures(run, directory: Path) -> list[Path]:
    """Every figure of a speech run, written into `directory`; returns their paths."""
    data = run.data
    paths = [directory / "training_progress.png"]
    figs = [plots.plot_training_progress(run.history, paths[0])]
    if run.config.task == "digits":
        labels = run.predictions
        if labels is None:
            from lstm_apps import training
            from lstm_apps.evaluation import probabilities_to_labels

            labels = probabilities_to_labels(training.predict(run.model, data.x_test), "softmax")
        paths.append(directory / "confusion_matrix.png")
        figs.append(plots.plot_confusion_matrix(data.y_test, labels, data.class_names, paths[-1]))
        paths.append(directory / "spectrograms.png")
        figs.append(spectrograms_figure(run.model, data, labels, paths[-1]))
    else:
        paths.append(directory / "ctc_probabilities.png")
        figs.append(ctc_figure(run.model, data, paths[-1]))
        if run.config.streamable:
            from lstm_apps.tasks.speech.streaming import DigitStreamer, demo_recording

            sentence = demo_recording(data, 8)
            result = DigitStreamer(run.model, backend="tensorflow").run(sentence.waveforms[0])
            paths.append(directory / "streaming.png")
            figs.append(streaming_figure(sentence, result, paths[-1]))
    for fig in figs:
        plt.close(fig)
    return paths


def spectrograms_figure(model, data, labels, path, count=6):
    """The features the model reads for `count` test recordings, titled true → predicted."""
    rows = np.linspace(0, len(data.x_test) - 1, min(count, len(data.x_test))).astype(int)
    features = waveform_features(model.get_layer("features"), [data.x_test[i] for i in rows])
    fig, axes = plt.subplots(1, len(rows), figsize=(2.6 * len(rows), 3), squeeze=False)
    for ax, i, frames in zip(axes[0], rows, features):
        ax.imshow(frames.T, origin="lower", aspect="auto", cmap="magma")
        said, heard = data.class_names[data.y_test[i]], data.class_names[labels[i]]
        ax.set_title(f"{data.speakers_test[i]}: {said} → {heard}", fontsize=9)
        ax.set_xlabel("frame (10 ms)")
    axes[0][0].set_ylabel("mel band")
    fig.suptitle("Test recordings as the model reads them (log-mel), true → predicted")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return fig


def ctc_figure(model, data, path, count=2):
    """Waveform and per-frame CTC probabilities of `count` test utterances."""
    rows = list(range(min(count, len(data.x_test))))
    probabilities = ctc.frame_probabilities(model, [data.x_test[i] for i in rows])
    decoded = ctc.decode(probabilities)
    fig, axes = plt.subplots(2 * len(rows), 1, figsize=(10, 3.2 * len(rows)), squeeze=False)
    hop = model.get_layer("features").frame_step / data.sample_rate
    for k, i in enumerate(rows):
        wave, probs = data.x_test[i][:, 0], probabilities[k]
        top, bottom = axes[2 * k][0], axes[2 * k + 1][0]
        top.plot(np.arange(len(wave)) / data.sample_rate, wave, lw=0.5, color="0.3")
        for (start, end), digit in zip(data.spans_test[i], data.y_test[i]):
            top.axvspan(start / data.sample_rate, end / data.sample_rate, alpha=0.15)
            top.text(
                (start + end) / 2 / data.sample_rate, 0.85, str(digit),
                transform=top.get_xaxis_transform(), ha="center", va="top",
            )  # fmt: skip
        said = "".join(map(str, data.y_test[i]))
        heard = "".join(map(str, decoded[k]))
        top.set_title(f"Test utterance {i + 1}: said {said}, greedy CTC reads {heard}")
        times = np.arange(len(probs)) * hop
        bottom.plot(times, probs[:, 0], color="0.7", lw=1, label="blank")
        for d in range(10):
            bottom.plot(times, probs[:, d + 1], lw=1.2, label=str(d))
        bottom.set_ylabel("probability")
        bottom.set_xlabel("seconds")
        bottom.legend(ncol=11, fontsize=7, loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return fig


def streaming_figure(sentence, result, path):
    """A long recording with the true digits, and each digit the streamer emitted, when."""
    wave, rate = sentence.waveforms[0], sentence.sample_rate
    fig, ax = plt.subplots(figsize=(11, 3.4))
    ax.plot(np.arange(len(wave)) / rate, wave, lw=0.4, color="0.35")
    peak = float(np.abs(wave).max()) or 1.0
    for (start, end), digit in zip(sentence.spans[0], sentence.labels[0]):
        ax.axvspan(start / rate, end / rate, alpha=0.12, color="tab:blue")
        ax.text((start + end) / 2 / rate, 1.05 * peak, str(digit), ha="center", color="tab:blue")
    for seconds, digit in result.emissions:
        ax.axvline(seconds, color="tab:red", lw=1)
        ax.text(seconds, -1.15 * peak, str(digit), ha="center", color="tab:red")
    step = result.median_step_ms
    ax.set_ylim(-1.3 * peak, 1.2 * peak)
    ax.set_xlabel("seconds")
    ax.set_title(
        f"Streaming: spoken (blue, above) and emitted at the red lines (below); "
        f"median step {step:.2f} ms per 10 ms hop"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return fig
