"""Video understanding: a per-frame CNN feeds an LSTM that reads the clip.

The encoder runs a small CNN on every frame (`FrameWise`) and a BiLSTM (by
default; or an LSTM, GRU, BiGRU) over the frame features; clips of
different lengths are padded with blank frames, which are masked out
(`FrameMask`). Training starts with a single-frame warm-up of the CNN
(`warmup.warm_up_frames`, `Config.warmup`).

With `frame_encoder="efficientnet_lite0"`, the frames are encoded instead
by EfficientNet-Lite0 with its ImageNet weights (installed with the
package, nothing downloaded), frozen: `load_data` runs it once over every
real frame (`features.encode_splits`; grey frames are repeated to RGB and
resized to `encoder_size` if set; the encoder takes 32x32 and up), caches
the features in an `.npz` under the user cache, and the clips become
`(N, frames, 1280)` feature sequences, zero on the padded frames. Only the
recurrent layer and the head train (`features.build_feature_encoder`);
the single-frame warm-up is skipped, and `predict` encodes pixel clips
itself, so `lstm-apps predict RUN_DIR clip.mp4` works the same. It suits
camera footage more than the digits: on 2,000 digit clips (seed 0) the
frozen features gave test accuracy 0.25 at 32x32 and 0.665 with
`encoder_size=96`, the small CNN 0.845. Two heads:

* `head="classify"`: a softmax over the clip classes;
* `head="caption"`: the encoder's vector starts the caption decoder of the
  `captioning` case study (LSTM, greedy or beam search); after the frame
  warm-up, the whole encoder is taught to spot the caption's words
  (`Config.pretraining`).

Why a BiLSTM by default: the class names the *first* motion, and a forward
LSTM must carry it past the turn to the clip's end, while the backward
half of a BiLSTM ends on the first frames. On 4,000 clips, 15 epochs,
seed 0, the LSTM got the direction right on 0.851 of the test clips and
the BiLSTM on 0.969 (MATLAB's video classification example also reads the
frame features with a BiLSTM).

Data:

* default (offline): clips of real handwritten digits (scikit-learn) moving
  across a 32x32 frame, 8-16 frames, turning once halfway. The class is the
  digit x the first direction (40 classes); the caption says both motions
  ("el cuatro sube y luego gira a la derecha"). Training and validation
  clips come from the training pool of digit images, test clips from
  handwriting training never saw.
* `data_path`: a folder with one subfolder per class, holding video files
  (.mp4, .avi, .mov, .mkv) or folders of frames, sampled to `video_frames`
  frames (`every` keeps every n-th first). Classification only; split
  stratified by `training.seed` into train / validation / test.

Modules: `data` (the clips, `ClipSplits`), `warmup` (the single-frame
warm-up), `features` (the pretrained frame encoder and its cache), this
one (Config, model, training, evaluation, figures).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np

from lstm_apps import training
from lstm_apps.data.text import WordVocabulary
from lstm_apps.evaluation import classification_metrics
from lstm_apps.models.convolutional import build_video_classifier, build_video_encoder
from lstm_apps.models.image_encoders import build_image_encoder
from lstm_apps.models.seq2seq import build_captioner
from lstm_apps.runs import Run
from lstm_apps.tasks.captioning import decoding
from lstm_apps.tasks.captioning import fit as captioning
from lstm_apps.tasks.video import features, warmup
from lstm_apps.tasks.video.config import (  # noqa: F401 (re-exported)
    ARCHITECTURES,
    DESCRIPTION,
    FRAME_ENCODERS,
    HEADS,
    NAME,
    Config,
)
from lstm_apps.tasks.video.data import ClipSplits, load_clips


@dataclass
class VideoRun(Run):
    """A video `Run` with the histories of its warm-up fits."""

    warmup_history: dict = field(default_factory=dict)  # single-frame fit; empty: none ran
    pretraining_history: dict = field(default_factory=dict)  # word spotting; empty: none ran


def load_data(config: Config = Config()) -> ClipSplits:
    """Padded uint8 clips `(N, T, H, W, C)` and class codes, or reference captions.

    `class_names` holds the clip classes (head "classify") or the caption
    vocabulary (head "caption"); `test_lengths` the real frames of each
    test clip (see `lstm_apps.tasks.video.data`). With a pretrained
    `frame_encoder`, `x_*` are `(N, T, 1280)` frame features (cached; see
    `lstm_apps.tasks.video.features`) and `test_clips` the test clips.
    """
    data = load_clips(config)
    return features.encode_splits(config, data) if features.pretrained(config) else data


def build_model(config: Config, data: ClipSplits):
    """Per-frame CNN (or frame features) + recurrent encoder, with a softmax head or a decoder."""
    recurrent = dict(
        units=config.units,
        cell=config.architecture.removeprefix("bi"),
        bidirectional=config.architecture.startswith("bi"),
        dropout=config.dropout,
    )
    if features.pretrained(config):
        encoder = features.build_feature_encoder(data.x_train.shape[-1], **recurrent)
    else:
        frames = build_image_encoder(
            "small_cnn",
            input_shape=data.x_train.shape[2:],
            num_features=config.frame_features,
            filters=tuple(config.frame_filters),
            # digit clips: where the digit is matters, so the frame CNN keeps the layout
            pooling="flatten" if config.data_path is None else "avg",
        )
        encoder = build_video_encoder(frames, **recurrent)
    if config.head == "classify":
        return build_video_classifier(
            encoder, num_classes=len(data.class_names), dropout=config.dropout
        )
    return build_captioner(
        encoder=encoder,
        vocabulary_size=len(data.class_names),
        embedding_dim=config.embedding_dim,
        units=config.decoder_units,
        dropout=config.dropout,
        name="video_captioner",
    )


def train(config: Config = Config(), data: ClipSplits | None = None, *, callbacks=()) -> VideoRun:
    """Warm up the frame CNN, then fit the classifier, or the captioner by teacher forcing.

    A pretrained `frame_encoder` has nothing to warm up: the fit reads the
    frame features. With `training.checkpoint_dir`, each epoch is backed
    up; a rerun after a crash resumes from the last finished epoch and
    skips the warm-ups, whose weights the backup replaces anyway.
    `callbacks` are extra Keras callbacks of the clip fit.

    Returns:
        A `VideoRun` with the model, the histories and the data.
    """
    data = data if data is not None else load_data(config)
    keras.utils.set_random_seed(config.training.seed or 0)
    model = build_model(config, data)
    run = VideoRun(name=NAME, config=config, model=model, data=data)
    options = config.training.options()
    vocabulary = WordVocabulary.from_words(data.class_names) if config.head == "caption" else None
    warm = config.warmup is not None and not features.pretrained(config)
    if warm and not captioning.resuming(options):
        if vocabulary is None:
            targets, val = np.asarray(data.y_train), np.asarray(data.y_val)
        else:
            targets = captioning.word_targets(data.y_train, vocabulary)
            val = captioning.word_targets(data.y_val, vocabulary)
        run.warmup_history = warmup.warm_up_frames(
            warmup.frame_encoder(model),
            data.x_train,
            targets,
            captioning.stage_options(config.warmup, config.training),
            frames_per_clip=config.warmup_frames,
            validation=(data.x_val, val),
            dropout=config.dropout,
            num_classes=None if vocabulary else len(data.class_names),
        ).history
    if config.head == "caption":
        history, run.pretraining_history = captioning.fit(
            model,
            data,
            vocabulary,
            options,
            pretraining=captioning.stage_options(config.pretraining, config.training),
            callbacks=callbacks,
        )
    else:
        steps = math.ceil(len(data.x_train) / options.mini_batch_size)
        model.compile(
            optimizer=training.make_optimizer(options, steps),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
        history = training.fit_arrays(
            model,
            data.x_train,
            np.asarray(data.y_train),
            options,
            validation=(data.x_val, np.asarray(data.y_val)),
            callbacks=callbacks,
        )
    run.history = history.history
    return run


def class_probabilities(model, clips, batch_size=64) -> np.ndarray:
    """`(N, classes)` probabilities for padded clips, in one compiled pass per batch."""
    forward = training.compiled_forward(model)
    return np.concatenate(
        [
            forward(np.asarray(clips[a : a + batch_size])).numpy()
            for a in range(0, len(clips), batch_size)
        ]
    )


def evaluate(run: Run) -> dict[str, float]:
    """Accuracy and macro-F1 (classify), or BLEU and exact match of beam-search captions.

    On the digit clips, classification also reports `digit_accuracy` and
    `direction_accuracy`: how often each half of the class is right. The
    test predictions go to `run.predictions`: the `(N, classes)`
    probabilities, or the captions (`captioning.decoding.CaptionPredictions`).
    """
    config, data = run.config, run.data
    if config.head == "caption":
        metrics, run.predictions = decoding.evaluate_captions(
            run.model,
            WordVocabulary.from_words(run.class_names),
            data,
            beam_width=config.beam_width,
            length_penalty=config.length_penalty,
        )
    else:
        run.predictions = class_probabilities(run.model, data.x_test)
        predicted = np.argmax(run.predictions, axis=-1)
        metrics = classification_metrics(data.y_test, predicted, run.class_names)
        metrics = {k: v for k, v in metrics.items() if k in ("accuracy", "macro_f1")}
        if config.data_path is None:  # digit clips: class = digit * 4 + first direction
            true = np.asarray(data.y_test)
            metrics["digit_accuracy"] = float(np.mean(predicted // 4 == true // 4))
            metrics["direction_accuracy"] = float(np.mean(predicted % 4 == true % 4))
    metrics["test_clips"] = float(len(data.x_test))
    return metrics


def model_inputs(config: Config, clips) -> np.ndarray:
    """What the model reads: the padded clips, or with a pretrained encoder their features.

    Args:
        config: the run's `Config`.
        clips: `(N, T, H, W, C)` padded uint8 clips (or a list of clips of
            one length), or, with a pretrained encoder, their `(N, T, D)`
            features (returned as they are).
    """
    clips = np.asarray(clips)
    if features.pretrained(config) and clips.ndim == 5:
        return features.encode_clips(features.frame_model(config), clips)
    return clips


def predict(run: Run, inputs) -> list[tuple[str, float]]:
    """(class, probability) for each padded clip in `inputs`, or (caption, its probability).

    With a pretrained `frame_encoder`, clips are encoded first (features
    are taken as they are). Captions use the beam width and length penalty
    of `run.config`.
    """
    config = run.config
    clips = model_inputs(config, inputs)
    if config.head == "caption":
        return decoding.predict_captions(
            run.model,
            WordVocabulary.from_words(run.class_names),
            clips,
            beam_width=config.beam_width,
            length_penalty=config.length_penalty,
        )
    probabilities = class_probabilities(run.model, clips)
    return [(run.class_names[int(np.argmax(p))], float(np.max(p))) for p in probabilities]


def read_inputs(source, config: Config):
    """One clip for `lstm-apps predict`: a video file or a folder of frames, sampled as trained.

    Returns:
        `Inputs` holding the one uint8 clip (pixels even with a pretrained
        encoder: `predict` encodes it), with the file or folder name as its id.
    """
    from lstm_apps.data.inputs import Inputs, input_paths
    from lstm_apps.data.videos import FRAME_EXTENSIONS, VIDEO_EXTENSIONS, read_video

    path = Path(source).expanduser()
    input_paths(
        source,
        FRAME_EXTENSIONS if path.is_dir() else VIDEO_EXTENSIONS,
        f"video predicts from one clip: give a video file ({', '.join(VIDEO_EXTENSIONS)}) "
        f"or a folder of frame images ({', '.join(FRAME_EXTENSIONS)}).",
    )
    channels = 1 if config.data_path is None else 3
    clip = read_video(
        path,
        num_frames=config.num_frames[1] if config.data_path is None else config.video_frames,
        every=config.every,
        size=(config.frame_size, config.frame_size),
        channels=channels,
    )
    return Inputs([clip], [path.resolve().name])


def sample_input(run: Run, directory) -> str:
    """Write the real frames of the first test clip as PNG files in `directory/clip`.

    Returns:
        The folder, which `read_inputs` reads back as one clip.
    """
    from PIL import Image

    folder = Path(directory) / "clip"
    folder.mkdir(parents=True, exist_ok=True)
    clip = np.asarray(run.data.test_pixels[0, : run.data.test_lengths[0]], dtype="uint8")
    for t, frame in enumerate(clip):
        Image.fromarray(frame[..., 0] if frame.shape[-1] == 1 else frame).save(
            folder / f"{t:03d}.png"
        )
    return str(folder)


def figures(run: Run, directory) -> list[Path]:
    """Training progress, frame strips of test clips with predictions, and (classify) confusion."""
    from lstm_apps import plots
    from lstm_apps.tasks.captioning import plots as captioning_plots

    directory = Path(directory)
    data, names = run.data, run.class_names
    if run.predictions is None:
        evaluate(run)
    paths = [directory / "training_progress.png", directory / "frames.png"]
    plots.plt.close(plots.plot_training_progress(run.history, paths[0]))
    lengths = data.test_lengths
    pixels = data.test_pixels
    clips = [pixels[i, : lengths[i]] for i in range(min(6, len(pixels)))]
    if run.config.head == "caption":
        titles = [
            f"{c}  (true: {refs[0]})" for c, refs in zip(run.predictions.captions, data.y_test)
        ]
    else:
        predicted = np.argmax(run.predictions, axis=-1)
        titles = [f"predicted {names[p]}, true {names[t]}" for p, t in zip(predicted, data.y_test)]
        paths.append(directory / "confusion_matrix.png")
        plots.plt.close(
            plots.plot_confusion_matrix(data.y_test, predicted, names, paths[-1], normalize="true")
        )
    plots.plt.close(captioning_plots.frame_strips(clips, titles[: len(clips)], paths[1]))
    return paths
