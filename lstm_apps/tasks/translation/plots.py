"""Figures and tables of the translation case study."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lstm_apps import plots
from lstm_apps.tasks.translation import scores


def learning_curves(compared, path=None):
    """Validation loss per epoch of every compared model (training loss dashed)."""
    plt = plots.plt
    fig, ax = plt.subplots(figsize=(7, 4))
    for kind, fitted in compared.items():
        history = fitted["history"]
        line = ax.plot(history.get("val_loss", []), marker="o", label=f"{kind} (validation)")[0]
        ax.plot(history.get("loss", []), linestyle="--", color=line.get_color(), alpha=0.6)
    plots.whole_number_ticks(ax, max(len(f["history"].get("loss", [])) for f in compared.values()))
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy per target word")
    ax.set_title("Teacher-forcing loss (dashed: training)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    plots.save_figure(fig, path)
    return fig


def bleu_by_length_figure(metrics, kinds, path=None):
    """BLEU of each compared model in each source length bucket (bars)."""
    plt = plots.plt
    names = [
        f"{low}-{high - 1}" if high < 1000 else f"{low}+" for low, high in scores.LENGTH_BUCKETS
    ]
    keys = [n.replace("-", "_").replace("+", "_plus") for n in names]
    fig, ax = plt.subplots(figsize=(8, 4))
    width = 0.8 / max(1, len(kinds))
    for j, kind in enumerate(kinds):
        values = [metrics.get(f"{kind}_bleu_len_{k}", np.nan) for k in keys]
        ax.bar(np.arange(len(names)) + j * width, values, width, label=kind)
    counts = [int(metrics.get(f"pairs_len_{k}", 0)) for k in keys]
    ax.set_xticks(np.arange(len(names)) + width * (len(kinds) - 1) / 2)
    ax.set_xticklabels([f"{n}\n({c} pairs)" for n, c in zip(names, counts)])
    ax.set_xlabel("source length (words and punctuation marks)")
    ax.set_ylabel("sacreBLEU")
    ax.set_title("Test BLEU by source sentence length")
    ax.legend(fontsize=8)
    fig.tight_layout()
    plots.save_figure(fig, path)
    return fig


def attention_figure(source_tokens, target_tokens, weights, path=None, ax=None):
    """One attention map: a row per written word (and `<end>`), a column per source word."""
    plt = plots.plt
    weights = np.asarray(weights)
    rows = [*target_tokens, "<end>"][: len(weights)]
    if weights.shape != (len(rows), len(source_tokens)):
        raise ValueError(
            f"`weights` must be ({len(rows)}, {len(source_tokens)}): a row per written word and "
            f"<end>, a column per source word. Received: weights.shape={weights.shape}"
        )
    own = ax is None
    if own:
        fig, ax = plt.subplots(figsize=(0.5 * len(source_tokens) + 2, 0.4 * len(rows) + 1.5))
    ax.imshow(weights, cmap="viridis", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(source_tokens)))
    ax.set_xticklabels(source_tokens, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(rows, fontsize=8)
    if own:
        fig.tight_layout()
        plots.save_figure(fig, path)
        return fig
    return ax


def attention_grid(model, vocabulary, sources, config, path=None, count=4):
    """Attention maps of the first `count` test sentences of at most 14 tokens."""
    plt = plots.plt
    decoder = scores.decoder_for(model, vocabulary, config.max_output_words)
    short = [s for s in sources if len(s) <= 14]
    chosen = (short or sorted(sources, key=len))[:count]  # short ones read best as a map
    from lstm_apps.tasks.translation.data import pad_tokens

    padded = pad_tokens(chosen)
    codes = decoder.beam_search(
        padded, beam_width=config.beam_width, length_penalty=config.length_penalty
    )
    weights = decoder.attention_weights(padded, codes)
    fig, axes = plt.subplots(1, len(chosen), figsize=(4.2 * len(chosen), 4.2), squeeze=False)
    for ax, tokens, c, w in zip(axes[0], chosen, codes, weights):
        attention_figure(tokens, vocabulary.tokens(c), w, ax=ax)
    fig.suptitle("Attention: the source words (columns) behind each written word (rows)")
    fig.tight_layout()
    plots.save_figure(fig, path)
    return fig


def translations_table(report, sources, references, count=10) -> str:
    """Markdown: the 20 worst test translations (sentence chrF) and the first `count`."""

    def row(cells):
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    lines = ["# Test translations", "", f"BLEU signature: `{report['bleu_signature']}`  ",
             f"chrF signature: `{report['chrf_signature']}`", "",
             "## The 20 worst (lowest sentence chrF)", "",
             row(["source", "translation", "reference", "chrF"]), row(["---"] * 4)]  # fmt: skip
    lines += [
        row([w["source"], w["translation"], w["reference"], w["chrf"]]) for w in report["worst"]
    ]
    lines += ["", f"## The first {count}", "", row(["source", "translation", "reference"]),
              row(["---"] * 3)]  # fmt: skip
    kept = report["translations"][report["kept"]]
    lines += [row([s, t, r]) for s, t, r in list(zip(sources, kept, references))[:count]]
    return "\n".join(lines) + "\n"


def study_figures(run, directory: Path) -> list[Path]:
    """The figures of `figures` (see `study.figures`)."""
    from lstm_apps.tasks.translation.data import vocabulary_of

    directory.mkdir(parents=True, exist_ok=True)
    config, data = run.config, run.data
    compared = getattr(run, "compared", {}) or {}
    paths = []
    if compared:
        paths.append(directory / "learning_curves.png")
        learning_curves(compared, paths[-1])
    elif run.history:
        paths.append(directory / "training_progress.png")
        plots.plot_training_progress(run.history, paths[-1])
    metrics = getattr(run, "metrics", None) or getattr(run, "report", {}).get("metrics", {})
    kinds = [k for k in compared if f"{k}_bleu" in metrics]
    if kinds:
        paths.append(directory / "bleu_by_length.png")
        bleu_by_length_figure(metrics, kinds, paths[-1])
    vocabulary = vocabulary_of(config, run.class_names)
    attentive = [k for k in compared if k in ("attention", "bilstm")]
    model = (
        compared[attentive[0]]["model"]
        if attentive and getattr(run, "kept", "") not in attentive
        else run.model
    )
    if data is not None and {layer.name for layer in model.layers} >= {"attention"}:
        paths.append(directory / "attention_maps.png")
        attention_grid(model, vocabulary, data.x_test, config, paths[-1])
    report = getattr(run, "report", None)
    if report and data is not None:
        path = directory.parent / "translations.md"
        sources = data.text_test or [" ".join(t) for t in data.x_test]
        path.write_text(translations_table(report, sources, data.y_test), encoding="utf-8")
    plots.plt.close("all")
    return paths
