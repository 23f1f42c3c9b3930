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
