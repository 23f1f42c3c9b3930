"""Figures of the captioning and video case studies: captions next to images or frames."""

from __future__ import annotations

import textwrap

import numpy as np

from lstm_apps import plots
from lstm_apps.data.text import caption_words


def _show(ax, image):
    image = np.asarray(image)
    if image.shape[-1] == 1:
        ax.imshow(image[..., 0], cmap="gray", vmin=0, vmax=255 if image.max() > 1 else 1)
    else:
        ax.imshow(image.astype("uint8") if image.max() > 1 else image)
    ax.set_xticks([])
    ax.set_yticks([])


def _colour(generated, references) -> str:
    """Green when the caption equals a reference (word for word), else dark red."""
    words = [caption_words(r) for r in references]  # the tokens the metrics score
    return "darkgreen" if caption_words(generated) in words else "darkred"


def captions_grid(images, generated, references, path=None, *, count=8, columns=4):
    """The first `count` images, each with its generated caption and one reference.

    Args:
        images: `(N, H, W, C)` images (0-255 or 0-1).
        generated: the generated caption of each image.
        references: each image's reference captions.
        path: PNG to write, optional.

    Returns:
        The figure.
    """
    plt = plots.plt
    count = min(count, len(generated))
    rows = int(np.ceil(count / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(3.4 * columns, 3.3 * rows), squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        if i >= count:
            ax.axis("off")
            continue
        _show(ax, images[i])
        wrap = lambda t: "\n".join(textwrap.wrap(t, 38))  # noqa: E731
        ax.set_title(
            f"{wrap(generated[i])}\n(ref.: {wrap(references[i][0])})",
            fontsize=8,
            color=_colour(generated[i], references[i]),
        )
    fig.suptitle("Generated captions (green: equal to a reference), with one reference each")
    fig.tight_layout()
    plots.save_figure(fig, path)
    return fig


def frame_strips(clips, titles, path=None, *, count=6, frames=8):
    """One row per clip: `frames` evenly spaced frames, titled with its prediction.

    Args:
        clips: list of `(T, H, W, C)` clips (padding already removed).
        titles: one title per clip (e.g. predicted vs true class or caption).
        path: PNG to write, optional.

    Returns:
        The figure.
    """
    plt = plots.plt
    count = min(count, len(clips))
    fig, axes = plt.subplots(count, frames, figsize=(1.3 * frames, 1.6 * count), squeeze=False)
    for row in range(count):
        clip = np.asarray(clips[row])
        picks = np.linspace(0, len(clip) - 1, frames).round().astype(int)
        for col, t in enumerate(picks):
            _show(axes[row, col], clip[t])
            axes[row, col].set_xlabel(f"t={t}", fontsize=7)
        # the title spans the row, so it is text placed above the first frame
        axes[row, 0].text(0, 1.12, titles[row], transform=axes[row, 0].transAxes, fontsize=8)
    fig.subplots_adjust(hspace=0.55, wspace=0.08)
    plots.save_figure(fig, path)
    return fig


def attention_maps_figure(image, words, weights, grid_hw, path=None, *, columns=5, alpha=0.55):
    """The photo, then for each written word where the captioner looked while writing it.

    Each word's attention weights over the `h x w` feature grid are resized
    to the photo by bilinear interpolation, scaled to their own maximum and
    laid over the photo; the word (and its largest weight) is the title.

    Args:
        image: `(H, W, 3)` photo, uint8 (or 0-1 floats, or `(H, W, 1)` grey).
        words: the written words (strings).
        weights: `(len(words), L)` attention weights, one row per word, as
            `AttentionCaptionDecoder.attention_weights` gives them; a
            `(len(words) + 1, L)` array adds the weights behind `<end>`.
        grid_hw: `(h, w)` of the feature grid, with `h * w = L`.
        path: PNG to write, optional.
        columns: panels per row, default 5.
        alpha: opacity of the attention maps, default 0.55.

    Returns:
        The figure.

    Raises:
        ValueError: when the weights do not match the words or the grid.
    """
    from PIL import Image

    image, words = np.asarray(image), list(words)
    weights = np.asarray(weights, dtype="float32")
    if image.ndim != 3 or image.shape[-1] not in (1, 3):
        raise ValueError(
            f"`image` must be (H, W, 3) or (H, W, 1). Received: image.shape={image.shape}"
        )
    ok = isinstance(grid_hw, (tuple, list)) and len(grid_hw) == 2
    ok = ok and all(isinstance(n, (int, np.integer)) and n > 0 for n in grid_hw)
    if not ok:
        raise ValueError(f"`grid_hw` must be two positive integers. Received: grid_hw={grid_hw!r}")
    h, w = (int(n) for n in grid_hw)
    if weights.ndim != 2 or weights.shape[1] != h * w:
        raise ValueError(
            f"`weights` must be (words, {h * w}) for a {h}x{w} grid. "
            f"Received: weights.shape={weights.shape}"
        )
    if len(weights) == len(words) + 1:
        words.append("<end>")
    if len(weights) != len(words) or not words:
        raise ValueError(
            "`weights` needs one row per word (and optionally one for <end>). "
            f"Received: {len(weights)} rows for {len(words)} words"
        )
    plt = plots.plt
    panels = len(words) + 1
    cols = min(columns, panels)
    rows = int(np.ceil(panels / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(2.6 * cols, 2.8 * rows), squeeze=False)
    axes = axes.ravel()
    _show(axes[0], image)
    axes[0].set_title("image", fontsize=9)
    height, width = image.shape[:2]
    for ax, word, row in zip(axes[1:], words, weights):
        grid = row.reshape(h, w)
        smooth = np.asarray(
            Image.fromarray(grid).resize((width, height), Image.Resampling.BILINEAR)
        )
        _show(ax, image)
        ax.imshow(smooth / max(float(smooth.max()), 1e-12), cmap="jet", alpha=alpha, vmin=0, vmax=1)
        ax.set_title(f"{word} (max {row.max():.2f})", fontsize=9)
    for ax in axes[panels:]:
        ax.axis("off")
    fig.tight_layout()
    plots.save_figure(fig, path)
    return fig
