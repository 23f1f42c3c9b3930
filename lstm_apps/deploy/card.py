"""A model card for a run folder: `write_card(run_dir)` writes MODEL_CARD.md.

The card gathers what a reader of the model needs in one page:

* what the case study does, and the data and split it was trained on;
* the architecture, layer by layer, with activations and learnable
  parameters (as MATLAB's `analyzeNetwork` lists them);
* the test metrics, with the commands that reproduce them;
* training time, peak memory, the training curve's last values and the
  software it ran on;
* the figures of the run, and the exports made from it (`lstm-apps export`
  records them in `exports.json`).
"""

from __future__ import annotations

import dataclasses
import json
import shlex
from numbers import Number
from pathlib import Path

import pandas as pd

from lstm_apps.runs import atomic_write, read_run
from lstm_apps.storage import check_writable

CARD_NAME = "MODEL_CARD.md"
EXPORTS_NAME = "exports.json"


def layer_table(model) -> pd.DataFrame:
    """One row per layer: name, type, activations, learnables and their shapes.

    `learnables` counts trainable weights; normalization statistics and other
    non-trainable weights are listed under `fixed`.
    """
    rows = []
    for layer in model.layers:
        shape = _output_shape(layer)
        learnables = sum(int(w.numpy().size) for w in layer.trainable_weights)
        fixed = sum(int(w.numpy().size) for w in layer.non_trainable_weights)
        weights = ", ".join(
            f"{w.path.split('/')[-1]} {'×'.join(map(str, w.shape)) or 'scalar'}"
            for w in layer.trainable_weights
        )
        rows.append(
            {
                "layer": layer.name,
                "type": type(layer).__name__ + _inner(layer),
                "activations": shape,
                "learnables": learnables,
                "weights": weights,
                "fixed": fixed,
            }
        )
    return pd.DataFrame(rows)


def flatten(config: dict, prefix="") -> dict:
    """A nested Config dict with dotted keys.

    `{"training": {"seed": 0}}` becomes `{"training.seed": 0}`.
    """
    flat = {}
    for key, value in config.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def reproduce_command(name, config) -> str:
    """The `lstm-apps run` command that rebuilds `config` (fields that differ from the default)."""
    from lstm_apps.tasks import get_case_study

    defaults = flatten(dataclasses.asdict(get_case_study(name).Config()))
    parts = ["lstm-apps", "run", name]
    for key, value in flatten(config).items():
        default = defaults.get(key)
        if _normal(value) != _normal(default):
            parts += ["--set", f"{key}={_literal(value)}"]
    return " ".join(shlex.quote(part) for part in parts)


def model_card(run_dir) -> str:
    """The Markdown text of a run folder's model card."""
    from lstm_apps.tasks import load_run

    run_dir = Path(run_dir)
    info = read_run(run_dir)
    if info["edited"]:
        raise ValueError(
            f"{run_dir / 'config.json'} was edited after training, so a card would show "
            "settings the model was not trained with; train again to document this model"
        )
    module, run = load_run(run_dir)  # checks config.json against the study's Config
    name, model = info["case_study"], run.model
    metrics = info["metrics"]
    layers = layer_table(model)
    lines = [
        f"# Model card: {name} — `{run_dir.name}`",
        "",
        f"{module.DESCRIPTION}.",
        "",
        _summary(module),
        "",
        "## Model",
        "",
        f"`{model.name}`: input {_shape(model.inputs[0].shape)}, output "
        f"{_shape(model.outputs[0].shape)}; **{int(layers['learnables'].sum()):,} learnable "
        f"parameters** ({int(layers['fixed'].sum()):,} fixed values such as normalization "
        "statistics).",
        "",
        _markdown(layers.rename(columns={"fixed": "fixed values"})),
        "",
        "## Data and split",
        "",
        *_sizes(metrics.get("sizes", {})),
        *_classes(info.get("class_names")),
        "",
        _config_table(info["config"], name),
        "",
        "## Metrics",
        "",
        "Test split:",
        "",
        *_metrics(metrics.get("test", {})),
        "",
        "Reproduce:",
        "",
        "```bash",
        f"{reproduce_command(name, info['config'])} --output {shlex.quote(str(run_dir))}",
        f"lstm-apps evaluate {shlex.quote(str(run_dir))}",
        "```",
        "",
        "## Training",
        "",
        *_training(run_dir, metrics),
        *_figures(run_dir),
        *_exports(run_dir),
    ]
    return "\n".join(lines).rstrip() + "\n"


def write_card(run_dir, path=None) -> Path:
    """Write the model card (default RUN_DIR/MODEL_CARD.md) and return its path."""
    run_dir = Path(run_dir)
    path = Path(path) if path is not None else run_dir / CARD_NAME
    if path.suffix.lower() != ".md" or path.is_dir():
        raise ValueError(
            f"A model card is a Markdown file: --output must end in .md and not be a folder. "
            f"Received: {path}"
        )
    check_writable(path.parent, path.name)
    text = model_card(run_dir)
    atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return path


def record_export(run_dir, report) -> None:
    """Add an export report to RUN_DIR/exports.json (read by the model card)."""
    path = Path(run_dir) / EXPORTS_NAME
    entries = [e for e in read_exports(run_dir) if e["path"] != str(report.path)]
    text = json.dumps(entries + [report.to_dict()], indent=2) + "\n"
    atomic_write(path, lambda tmp: Path(tmp).write_text(text))


def read_exports(run_dir) -> list[dict]:
    """The export reports recorded in RUN_DIR/exports.json ([] when there is none)."""
    path = Path(run_dir) / EXPORTS_NAME
    if not path.exists():
        return []
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path} is damaged: {err}") from None
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and "path" in e for e in entries
    ):
        raise ValueError(f"{path} is damaged: expected a list of export reports")
    return entries


# -- sections --------------------------------------------------------------------------


def _summary(module) -> str:
    doc = (module.__doc__ or "").strip().split("\n\n")
    return " ".join(doc[1].split()) if len(doc) > 1 else ""


def _sizes(sizes) -> list[str]:
    if not sizes:
        return ["Split sizes were not recorded."]
    parts = ", ".join(f"{k} {v:,}" for k, v in sizes.items() if isinstance(v, Number))
    return [f"Sequences per split: {parts}."]


def _classes(names) -> list[str]:
    if not names:
        return []
    shown = ", ".join(f"`{n}`" for n in names[:20]) + (" …" if len(names) > 20 else "")
    return ["", f"{len(names)} classes: {shown}."]


def _config_table(config, name) -> str:
    from lstm_apps.tasks import get_case_study

    defaults = flatten(dataclasses.asdict(get_case_study(name).Config()))
    rows = [
        {
            "setting": key,
            "value": _literal(value),
            "default": "" if _normal(value) == _normal(defaults.get(key)) else "changed",
        }
        for key, value in flatten(config).items()
    ]
    return (
        "<details><summary>Configuration</summary>\n\n"
        + _markdown(pd.DataFrame(rows))
        + "\n\n</details>"
    )


def _metrics(test) -> list[str]:
    scalars = {k: v for k, v in test.items() if isinstance(v, Number)}
    if not scalars:
        return ["No test metrics were recorded."]
    rows = [{"metric": k, "value": f"{v:.4g}"} for k, v in scalars.items()]
    return [_markdown(pd.DataFrame(rows))]


def _training(run_dir, metrics) -> list[str]:
    lines = []
    timing = metrics.get("timing", {})
    if timing:
        lines.append(
            f"Training took {timing.get('train_seconds', float('nan')):.1f} s (data loading "
            f"included) and evaluation {timing.get('evaluate_seconds', float('nan')):.1f} s; "
            f"peak memory {timing.get('peak_memory_mib', float('nan')):,.0f} MiB."
        )
    else:
        lines.append("Training time was not recorded for this run.")
    history = run_dir / "history.csv"
    if history.exists():
        frame = pd.read_csv(history)
        last = frame.iloc[-1].drop(labels="epoch", errors="ignore")
        values = ", ".join(f"{k} {v:.4g}" for k, v in last.items())
        lines.append(f"{len(frame)} epochs; last epoch: {values}.")
    env = metrics.get("environment", {})
    if env:
        lines.append(
            "Software: "
            + ", ".join(f"{k} {v}" for k, v in env.items() if k not in ("machine", "gpus"))
            + f"; machine: {env.get('machine', '?')}, {env.get('gpus', 0)} GPUs."
        )
    return [part for line in lines for part in (line, "")]


def _figures(run_dir) -> list[str]:
    figures = sorted((run_dir / "figures").glob("*.png"))
    if not figures:
        return []
    lines = ["## Figures", ""]
    for figure in figures:
        title = figure.stem.replace("_", " ").capitalize()
        lines += [f"**{title}**", "", f"![{title}](figures/{figure.name})", ""]
    return lines


def _exports(run_dir) -> list[str]:
    entries = read_exports(run_dir)
    if not entries:
        return []
    rows = [
        {
            "format": e["format"],
            "path": e["path"],
            "input": _shape(e["input_shape"]) if "input_shape" in e else "raw strings",
            "check against the package": _export_check(e),
            "size KiB": round(e["size_bytes"] / 1024),
        }
        for e in entries
    ]
    return ["## Exports", "", _markdown(pd.DataFrame(rows)), ""]


def _export_check(entry) -> str:
    if "max_abs_diff" in entry:  # a model export: its outputs against Keras's
        return f"max abs diff {entry['max_abs_diff']:.1e} on {entry['checked_sequences']} sequences"
    # a translator export (`lstm_apps.tasks.translation.export`): the words it writes
    return (
        f"same words as greedy search on {entry['identical']} of "
        f"{entry['checked_sentences']} sentences"
    )


# -- formatting ------------------------------------------------------------------------


def _markdown(frame: pd.DataFrame) -> str:
    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = [
        "| " + " | ".join(_cell(v) for v in row) + " |" for row in frame.itertuples(index=False)
    ]
    return "\n".join([header, rule, *body])


def _cell(value) -> str:
    if isinstance(value, (int,)) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value).replace("|", "\\|")


def _shape(shape) -> str:
    return (
        "("
        + ", ".join(
            "batch" if i == 0 and d is None else ("T" if d is None else str(d))
            for i, d in enumerate(shape)
        )
        + ")"
    )


def _output_shape(layer) -> str:
    try:
        return _shape(layer.output.shape)
    except (AttributeError, ValueError):
        return ""


def _inner(layer) -> str:
    inner = getattr(layer, "forward_layer", None) or getattr(layer, "layer", None)
    return f"({type(inner).__name__})" if inner is not None else ""


def _normal(value):
    return tuple(value) if isinstance(value, list) else value


def _literal(value) -> str:
    value = _normal(value)
    return value if isinstance(value, str) else repr(value)
