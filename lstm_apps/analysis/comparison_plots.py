"""Figures of the cell comparison: memory-task error against T and
gradient-norm profiles through time."""

from __future__ import annotations

import numpy as np

from lstm_apps.analysis.gradients import UNDERFLOW
from lstm_apps.analysis.memory import ADDING_SOLVED_MSE, KINDS, LABELS, task_baseline


def plot_memory_errors(results, task, path=None):
    """Final held-out error against T for each cell (mean, bars from min to max over seeds)."""
    import matplotlib.pyplot as plt

    from lstm_apps.plots import save_figure

    fig, ax = plt.subplots(figsize=(6, 4))
    rows = results.summary(task)
    lengths = sorted({row["length"] for row in rows})
    for kind in KINDS:
        mine = [row for row in rows if row["cell"] == kind]
        if not mine:
            continue
        means = np.array([row["error_mean"] for row in mine])
        low = means - np.array([row["error_min"] for row in mine])
        high = np.array([row["error_max"] for row in mine]) - means
        ax.errorbar(
            [row["length"] for row in mine],
            means,
            yerr=[low, high],
            marker="o",
            capsize=3,
            label=f"{LABELS[kind]} ({mine[0]['parameters']:,} params)",
        )
    baselines = [task_baseline(task, length) for length in lengths]
    ax.plot(lengths, baselines, "k--", label="memoryless baseline")
    if task == "adding":
        ax.axhline(ADDING_SOLVED_MSE, color="grey", lw=0.8, ls=":", label="solved (MSE 0.01)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(lengths, [str(t) for t in lengths])
    ax.set_xlabel("T (sequence length)" if task == "adding" else "T (delay)")
    ax.set_ylabel("held-out MSE" if task == "adding" else "held-out cross-entropy (nats/step)")
    ax.set_title(
        f"{'Adding problem' if task == 'adding' else 'Copy memory'}: error after the budget"
    )
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_gradient_profiles(gradients, trained_at=None, path=None):
    """||dL/dh_t|| / ||dL/dh_T|| against the distance T - t, at initialization
    and after training on the adding task at T = `trained_at` (log scale)."""
    import matplotlib.pyplot as plt

    from lstm_apps.plots import save_figure

    stages = [("init", "at initialization")]
    if trained_at is not None:
        stages.append((f"trained_T{trained_at}", f"after training on adding, T={trained_at}"))
    fig, axes = plt.subplots(1, len(stages), figsize=(5.5 * len(stages), 4), squeeze=False)
    for ax, (stage, title) in zip(axes[0], stages):
        for kind in KINDS:
            profile = gradients.get(f"{kind}/{stage}")
            if profile is None:
                continue
            profile = np.asarray(profile, dtype="float64")
            distance = np.arange(len(profile))[::-1]
            lost = profile <= UNDERFLOW
            label = LABELS[kind]
            if lost.any():
                label += f" (below float64 range beyond T - t = {distance[lost].min()})"
            ax.plot(distance, np.where(lost, np.nan, profile), label=label)
        ax.set_yscale("log")
        ax.set_ylim(top=3.0)
        ax.set_xlabel("steps between h_t and the loss (T - t)")
        ax.set_ylabel("||dL/dh_t|| / ||dL/dh_T||")
        ax.set_title(title)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    fig.tight_layout()
    return save_figure(fig, path)
