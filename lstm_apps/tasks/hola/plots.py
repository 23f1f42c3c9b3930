"""Figures of the hola case study: states and gates as heatmaps, next-letter bars.

Every function takes the dict of `hola.inspect_steps` and returns a
`matplotlib.figure.Figure`; pass `path` to also save it as PNG.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from lstm_apps.plots import save_figure

GATES = ("input_gate", "forget_gate", "output_gate", "update_gate", "reset_gate")
PANELS = GATES + ("candidate", "cell")


def plot_heatmap(values, letters, title, ax, *, bounds=(-1.0, 1.0), cmap="RdBu_r"):
    """Draw a `(steps, units)` array as units (rows) by steps (columns) on `ax`.

    The columns are labelled with the letter read at each step; each cell
    shows its value, in white on dark colours.
    """
    values = np.asarray(values).T
    image = ax.imshow(values, cmap=cmap, vmin=bounds[0], vmax=bounds[1], aspect="auto")
    for (unit, step), value in np.ndenumerate(values):
        red, green, blue, _ = image.cmap(image.norm(value))
        dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5
        colour = "white" if dark else "black"
        ax.text(step, unit, f"{value:.2f}", ha="center", va="center", fontsize=6, color=colour)
    ax.set_xticks(range(len(letters)), [f"{t + 1}: '{c}'" for t, c in enumerate(letters)])
    ax.set_yticks(range(values.shape[0]))
    ax.set_xlabel("step: input letter")
    ax.set_ylabel("unit")
    ax.set_title(title)
    return image


def _bounds(name, values):
    if name in GATES:
        return (0.0, 1.0)
    limit = max(1.0, float(np.abs(values).max()))
    return (-limit, limit)


def plot_hidden_state(steps, path=None):
    """Heatmap of the hidden state `h_t`, one column per letter read."""
    units = steps["hidden"].shape[1]
    fig, ax = plt.subplots(figsize=(1.2 + 1.1 * len(steps["letters"]), 1.2 + 0.35 * units))
    image = plot_heatmap(steps["hidden"], steps["letters"], "hidden state h_t", ax)
    fig.colorbar(image, ax=ax, fraction=0.08)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_gates(steps, path=None):
    """Heatmaps of the gates, the candidate and (LSTM) the cell state, side by side."""
    names = [name for name in PANELS if name in steps]
    if not names:
        raise ValueError("These steps have no gates: a SimpleRNN has only a hidden state.")
    units = steps["hidden"].shape[1]
    width = 0.9 + 0.9 * len(steps["letters"])
    fig, axes = plt.subplots(
        1, len(names), figsize=(width * len(names), 1.4 + 0.35 * units), squeeze=False
    )
    for ax, name in zip(axes[0], names):
        gates = name in GATES
        image = plot_heatmap(
            steps[name],
            steps["letters"],
            name.replace("_", " "),
            ax,
            bounds=_bounds(name, steps[name]),
            cmap="viridis" if gates else "RdBu_r",
        )
        fig.colorbar(image, ax=ax, fraction=0.08)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_next_letter(steps, path=None):
    """After each letter read, bars of the probability of every possible next letter.

    The right next letter is drawn in a strong colour, the others in grey.
    """
    names, letters = steps["class_names"], steps["letters"]
    fig, axes = plt.subplots(1, len(letters), figsize=(2.6 * len(letters), 2.6), squeeze=False)
    for ax, letter, target, p in zip(axes[0], letters, steps["targets"], steps["probabilities"]):
        colours = ["tab:orange" if name == target else "lightgrey" for name in names]
        ax.bar(range(len(names)), p, color=colours)
        ax.set_xticks(range(len(names)), names)
        ax.set_ylim(0, 1.05)
        ax.set_title(f"after '{letter}' (right: '{target}')")
        ax.set_xlabel("next letter")
    axes[0][0].set_ylabel("probability")
    fig.tight_layout()
    return save_figure(fig, path)
