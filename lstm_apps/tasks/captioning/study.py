"""Image captioning: a CNN encodes the image, an LSTM writes the caption ("1 to N").

Two datasets:

* `data="digits"` (default, offline): scenes of 2 or 3 real handwritten
  digits (scikit-learn's 8x8 digits, upscaled) on a 40x64 canvas, captioned
  in Spanish with their layout ("un tres a la izquierda de un siete").
  Training and validation scenes use the "train" pool of digit images; test
  scenes use handwriting that training never saw (`digit_media`).
* `data="flickr8k"`: a Flickr8k-format folder (`Flickr8k.token.txt`, the
  split lists and an image folder). Train on its train images, stop early on
  its dev images, report on its test images against all their references.

The encoder is `small_cnn` (trained from scratch with the decoder) unless
`encoder` names a `keras.applications` network; those run once over all
images with `encoder_weights` ("imagenet" for a user with internet, or a
local weights file), and the features are cached in an `.npz`.

The decoder is an LSTM language model whose initial state comes from the
image, which is also merged into its outputs (see `lstm_apps.models.seq2seq`),
trained by teacher forcing. A from-scratch encoder is first taught for
`pretrain_epochs` to spot which words an image's captions hold
(`captioning.pretrain_encoder`); without that, it collapsed to a constant.
Test captions are written by beam search (`beam_width`; greedy too
for comparison) and scored with corpus BLEU-1..4 (NLTK) against every
reference, and by the share of exact matches.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import keras
import numpy as np

from lstm_apps.checks import check_choice
from lstm_apps.data import digit_media, sources
from lstm_apps.data.splits import Splits
from lstm_apps.data.text import WordVocabulary
from lstm_apps.models.image_encoders import ENCODERS, build_image_encoder, image_features
from lstm_apps.models.seq2seq import DECODER_CELLS, build_captioner, check_beam
from lstm_apps.runs import Run
from lstm_apps.tasks.base import CaseStudyConfig
from lstm_apps.tasks.captioning import fit as captioning

NAME = "captioning"
DESCRIPTION = (
    "Image captioning, CNN encoder + LSTM decoder with beam search (digit scenes, Flickr8k)"
)
DATASETS = ("digits", "flickr8k")
IMAGE_INPUT = True


@dataclass(frozen=True)
class Config(CaseStudyConfig):
    """Settings of the captioning case study (defaults: the full digit-scene run)."""

    data: str = "digits"  # "digits" (offline scenes) or "flickr8k" (a Flickr8k-format folder)
    data_path: str | None = None  # flickr8k: the folder; None searches LSTM_APPS_DATA_DIR, cache
    num_scenes: tuple = (6000, 600, 1000)  # digits: train / validation / test scenes
    encoder: str = "small_cnn"  # small_cnn (trained here) or a keras.applications network
    encoder_weights: str | None = None  # applications: None, "imagenet" or a weights file
    image_size: int = 128  # flickr8k: images are resized to image_size x image_size
    max_images: int | None = None  # flickr8k: at most this many images per split
    min_word_count: int = 1  # words seen fewer times in training captions become <unk>
    max_caption_words: int = 20  # longest caption trained on and written
    embedding_dim: int = 64  # word embedding size
    units: int = 256  # decoder LSTM width
    cell: str = "lstm"  # decoder cell: "lstm" or "gru"
    dropout: float = 0.3  # on the image vector, the embeddings and the decoder output
    beam_width: int = 3  # beam search width for the reported captions (1: greedy)
    length_penalty: float = 0.0  # beams ranked by log p / length ** this (0: by log p)
    pretrain_epochs: int = 5  # small_cnn: epochs of word spotting before captioning (0: none)
    max_epochs: int = 15  # training epochs
    mini_batch_size: int = 64  # captions per mini-batch
    initial_learn_rate: float = 0.001  # Adam learning rate
    validation_patience: int | None = 4  # early stopping on the validation loss
    checkpoint_dir: str | None = None  # per-epoch backup; a rerun resumes from it
    seed: int = 0  # seed for scenes, initialization and shuffling
    verbose: int = 2  # Keras verbosity

    def __post_init__(self):
        check_choice("data", self.data, DATASETS)
        check_choice("encoder", self.encoder, ENCODERS)
        check_choice("cell", self.cell, tuple(DECODER_CELLS))
        if self.data == "digits" and self.encoder != "small_cnn":
            raise ValueError(
                "Digit scenes are grey 40x64 canvases: use encoder='small_cnn'. "
                f"Received: encoder={self.encoder!r}"
            )
        if self.encoder_weights is not None and self.encoder == "small_cnn":
            raise ValueError(
                "`encoder_weights` needs a keras.applications encoder "
                f"(mobilenet_v3_small, efficientnet_b0). Received: encoder='small_cnn', "
                f"encoder_weights={self.encoder_weights!r}"
            )
        if len(self.num_scenes) != 3 or not all(
            isinstance(n, int) and n >= 1 for n in self.num_scenes
        ):
            raise ValueError(
                "`num_scenes` must be three positive integers (train, validation, test). "
                f"Received: num_scenes={self.num_scenes!r}"
            )
        check_beam(self.beam_width, self.length_penalty)
        if not isinstance(self.image_size, int) or self.image_size < 32:
            raise ValueError(
                f"`image_size` must be an integer >= 32. Received: {self.image_size!r}"
            )

    FAST: ClassVar[dict] = dict(
        num_scenes=(300, 60, 60),
        max_images=40,
        image_size=64,
        units=32,
        embedding_dim=16,
        max_epochs=2,
        beam_width=2,
        pretrain_epochs=1,
    )


def _digit_splits(config: Config):
    n_train, n_val, n_test = config.num_scenes
    parts = []
    for n, split, seed in (
        (n_train, "train", config.seed),
        (n_val, "train", config.seed + 10_000),  # new layouts, training handwriting
        (n_test, "test", config.seed + 20_000),  # held-out handwriting
    ):
        images, captions, _ = digit_media.digit_scenes(n, split=split, seed=seed)
        # encoders take pixels in 0-255, as photographs come
        parts.append((np.round(images * 255).astype("uint8"), [[c] for c in captions], None))
    info = {"source": "scikit-learn handwritten digits, scenes with Spanish captions"}
    return parts, info


def _flickr_splits(config: Config):
    from lstm_apps.data.flickr8k import load_flickr8k
    from lstm_apps.data.images import read_images

    data = load_flickr8k(config.data_path)
    size = (config.image_size, config.image_size)
    parts, info = [], {"source": f"Flickr8k-format folder {data.folder}", "skipped_images": {}}
    for split in ("train", "dev", "test"):
        names = data.splits[split][: config.max_images]
        images, kept, skipped = read_images(data.image_paths(names), size, progress=config.verbose)
        kept_names = [Path(p).name for p in kept]
        info["skipped_images"][split] = [str(p) for p, _ in skipped]
        parts.append((images, [data.captions[n] for n in kept_names], kept_names))
    info["images"] = {s: len(p[1]) for s, p in zip(("train", "dev", "test"), parts)}
    return parts, info


def _features(config: Config, images, names):
    """Precomputed `keras.applications` features, cached under the user cache."""
    encoder = _pretrained_encoder(config, images.shape[1:])
    digest = hashlib.sha256("\n".join(names).encode()).hexdigest()[:16]
    cache = sources.cache_dir() / "features" / f"{config.encoder}-{images.shape[1]}-{digest}.npz"
    return image_features(encoder, images, cache=cache, key_parts=names, progress=config.verbose)


def _pretrained_encoder(config: Config, input_shape):
    return build_image_encoder(
        config.encoder, input_shape=tuple(input_shape), weights=config.encoder_weights
    )


def load_data(config: Config = Config()) -> Splits:
    """Sources and their reference captions, and the vocabulary of the training captions.

    `x_*` are uint8 images `(N, H, W, C)` (or, with a keras.applications
    encoder, their `(N, D)` features); `y_*` lists each source's reference
    captions. `class_names` is the vocabulary (`WordVocabulary.words_`),
    which is how a run folder keeps it.
    """
    parts, info = _digit_splits(config) if config.data == "digits" else _flickr_splits(config)
    if config.encoder != "small_cnn":
        info["test_images"] = parts[2][0]  # for the figure: the model itself sees features
        parts = [(_features(config, x, names), y, names) for x, y, names in parts]
    vocabulary = WordVocabulary(min_count=config.min_word_count).fit(
        [c for captions in parts[0][1] for c in captions]
    )
    info["vocabulary_size"] = len(vocabulary)
    info["config"] = config
    (x_tr, y_tr, n_tr), (x_va, y_va, _), (x_te, y_te, n_te) = parts
    if n_te is not None:
        info["test_names"] = n_te
    return Splits(x_tr, y_tr, x_va, y_va, x_te, y_te, class_names=vocabulary.words_, info=info)


def vocabulary_of(data_or_names) -> WordVocabulary:
    """The `WordVocabulary` of a `Splits` (or of a run folder's class names)."""
    names = getattr(data_or_names, "class_names", data_or_names)
    return WordVocabulary.from_words(names)


def build_model(config: Config, data: Splits):
    """`build_captioner` over a small CNN, or over precomputed features."""
    common = dict(
        vocabulary_size=len(data.class_names),
        embedding_dim=config.embedding_dim,
        units=config.units,
        cell=config.cell,
        dropout=config.dropout,
    )
    if np.ndim(data.x_train) == 2:
        return build_captioner(feature_dim=data.x_train.shape[1], **common)
    # the digit captions say where each digit is, so the encoder keeps the layout
    pooling = "flatten" if config.data == "digits" else "avg"
    encoder = build_image_encoder("small_cnn", input_shape=data.x_train.shape[1:], pooling=pooling)
    return build_captioner(encoder=encoder, name="cnn_lstm_captioner", **common)


def train(config: Config = Config(), data: Splits | None = None, **options) -> Run:
    """Fit the captioner by teacher forcing, stopping early on the validation captions."""
    data = data if data is not None else load_data(config)
    keras.utils.set_random_seed(config.seed)
    model = build_model(config, data)
    history = captioning.fit(
        model,
        data,
        vocabulary_of(data),
        captioning.options_for(config, **options),
        pretrain_epochs=config.pretrain_epochs,
        max_length=config.max_caption_words + 1,
    )
    return Run(name=NAME, config=config, model=model, history=history.history, data=data)


def evaluate(model, data: Splits) -> dict[str, float]:
    """BLEU-1..4 and exact-match share of beam-search captions (and greedy ones) on the test set."""
    config = data.info.get("config", Config())
    metrics = captioning.evaluate_captions(
        model,
        vocabulary_of(data),
        data,
        beam_width=config.beam_width,
        max_length=config.max_caption_words,
        length_penalty=config.length_penalty,
    )
    metrics["test_sources"] = float(len(data.x_test))
    return metrics


def read_inputs(argument, config: Config):
    """Images for `lstm-apps predict`: one image file, or a folder of them, resized as trained."""
    from lstm_apps.data.flickr8k import IMAGE_SUFFIXES
    from lstm_apps.data.images import read_images

    path = Path(argument)
    if path.is_dir():
        paths = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    elif path.is_file():
        paths = [path]
    else:
        raise FileNotFoundError(f"No such image file or folder: {path}")
    if not paths:
        raise ValueError(f"{path} holds no image ({', '.join(IMAGE_SUFFIXES)})")
    if config.data == "digits":
        shape = (40, 64, 1)
    else:
        shape = (config.image_size, config.image_size, 3)
    images, _, _ = read_images(paths, shape[:2], channels=shape[2], on_error="raise")
    if config.encoder != "small_cnn":
        encoder = _pretrained_encoder(config, shape)
        return image_features(encoder, images, progress=False)
    return images


def predict(model, images, class_names, *, beam_width=3, max_length=20, length_penalty=0.0):
    """A caption per image (or feature vector), with its probability under the model."""
    vocabulary = vocabulary_of(class_names)
    decoder = captioning.decoder_for(model, vocabulary, max_length=max_length)
    codes, scores = decoder.beam_search(
        np.asarray(images),
        beam_width=beam_width,
        length_penalty=length_penalty,
        return_scores=True,
    )
    return [(vocabulary.decode(c), float(np.exp(s))) for c, s in zip(codes, scores)]


def figures(run: Run, directory) -> list[Path]:
    """Training progress, and test images with their generated and reference captions."""
    from lstm_apps import plots
    from lstm_apps.tasks.captioning import plots as captioning_plots

    directory = Path(directory)
    if "predictions" not in run.data.info:
        evaluate(run.model, run.data)
    paths = [directory / "training_progress.png", directory / "captions.png"]
    plots.plt.close(plots.plot_training_progress(run.history, paths[0]))
    images = run.data.info.get("test_images", run.data.x_test)
    grid = captioning_plots.captions_grid(
        images, run.data.info["predictions"]["captions"], run.data.y_test, paths[1]
    )
    plots.plt.close(grid)
    return paths
