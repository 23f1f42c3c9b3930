"""Markdown pages the documentation site generates from files of the repository.

`write_generated_pages`, called by the mkdocs hook `docs/hooks.py` when a
build starts, writes them into `docs/generated/` (ignored by git):

- `reference/`: a `::: module` page per public module, which mkdocstrings
  fills from the docstrings;
- `notebooks/`: each notebook rendered from its jupytext twin by
  `notebook_markdown`, without running it;
- `benchmarks/`: the tables of `benchmarks/results/*.json` (`benchmark_pages`);
- `data/`: the dataset cards of `datasets/`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

SCHEMA = "lstm_apps.benchmark/1"


def notebook_markdown(source: Path) -> tuple[str, str]:
    """`(title, page)` of a jupytext notebook: Markdown cells as they are, code cells
    as Python blocks, nothing executed. The title is the first level-1 heading."""
    import jupytext

    notebook = jupytext.read(source)
    title, parts = source.stem, []
    for cell in notebook.cells:
        text = cell.source.strip("\n")
        if not text.strip():
            continue
        if cell.cell_type == "markdown":
            if title == source.stem:
                heading = next((ln for ln in text.splitlines() if ln.startswith("# ")), None)
                title = heading[2:].strip() if heading else title
            parts.append(text)
        else:
            parts.append(f"```python\n{text}\n```")
    note = (
        f"!!! note\n    Rendered from `notebooks/{source.name}` without running it; "
        f"open `notebooks/{source.stem}.ipynb` in Jupyter to run it.\n"
    )
    if parts and parts[0].startswith("# "):
        first, _, rest = parts[0].partition("\n")
        parts[0] = f"{first}\n\n{note}\n{rest}".rstrip()
    else:
        parts.insert(0, f"# {title}\n\n{note}")
    return title, "\n\n".join(parts) + "\n"


def _cell(value) -> str:
    if isinstance(value, bool) or value is None:
        return "-" if value is None else str(value).lower()
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value != 0 and (abs(value) >= 1e5 or abs(value) < 1e-3):
            return f"{value:.3g}"
        return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.4g}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def summary_table(summary: list[dict]) -> str:
    """A Markdown table, a row per metric and a column per variant: "mean ± std" over
    the runs (the mean alone for one run, or when every run gave the same value)."""
    variants = list(dict.fromkeys(row["variant"] for row in summary))
    metrics = list(dict.fromkeys(row["metric"] for row in summary))
    found = {(row["variant"], row["metric"]): row for row in summary}
    runs = {v: max((r.get("n") or 0) for r in summary if r["variant"] == v) for v in variants}
    header = [f"{_cell(v)} ({runs[v]} run{'s' if runs[v] != 1 else ''})" for v in variants]
    lines = ["| metric | " + " | ".join(header) + " |", "|---|" + "---|" * len(variants)]
    for metric in metrics:
        cells = []
        for variant in variants:
            row = found.get((variant, metric))
            if row is None:
                cells.append("")
                continue
            text = _cell(row["mean"])
            if (row.get("n") or 0) > 1 and row.get("std"):
                text += f" ± {_cell(row['std'])}"
            cells.append(text)
        lines.append(f"| `{metric}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _results_page(name: str, results: dict, images: list[str]) -> tuple[str, str]:
    title = results.get("title") or name
    lines = [f"# {title}", ""]
    facts = [("file", f"`benchmarks/results/{name}.json`")]
    if results.get("command"):
        facts.append(("command", f"`{results['command']}`"))
    if results.get("seeds"):
        facts.append(("seeds", ", ".join(str(s) for s in results["seeds"])))
    if results.get("created"):
        facts.append(("measured", results["created"]))
    if results.get("commit"):
        facts.append(("commit", f"`{results['commit'][:10]}`"))
    machine = results.get("machine")
    if isinstance(machine, dict) and machine:
        facts.append(("machine", ", ".join(f"{k} {v}" for k, v in machine.items())))
    if results.get("peak_memory_mib") is not None:
        facts.append(("peak memory", f"{_cell(float(results['peak_memory_mib']))} MiB"))
    lines += [f"- **{k}:** {v}" for k, v in facts] + [""]
    for note in results.get("notes") or ():
        lines += [f"> {note}", ""]
    summary = results.get("summary") or []
    if summary:
        lines += ["## Summary over runs", "", summary_table(summary), ""]
    else:
        lines += ["This file has no numeric summary; its content is in the JSON file.", ""]
    for image in images:
        lines += [f"![{image}]({image})", ""]
    return title, "\n".join(lines)


def benchmark_pages(results_dir: Path) -> tuple[dict, list[Path]]:
    """The benchmark pages: `{page path: (title, Markdown)}` and the images to copy.

    Every `*.json` in `results_dir` but `index.json` gets a page generated from
    its summary; a `*.md` a script wrote beside its JSON is shown on that page,
    and a `*.png` of the same name is embedded.
    """
    results_dir = Path(results_dir)
    pages, images, rows = {}, [], []
    for path in sorted(results_dir.glob("*.json")):
        if path.name == "index.json":
            continue
        results = json.loads(path.read_text(encoding="utf-8"))
        if results.get("schema") != SCHEMA:
            raise ValueError(
                f"{path} is not in the benchmark results schema ({SCHEMA!r}); run "
                "`python benchmarks/migrate_results.py`. "
                f"Received: schema={results.get('schema')!r}"
            )
        pngs = [p for p in [path.with_suffix(".png")] if p.exists()]
        images += pngs
        title, text = _results_page(path.stem, results, [p.name for p in pngs])
        companion = path.with_suffix(".md")
        if companion.exists():
            text += "\n## Report written by the script\n\n" + _demote(companion.read_text())
        pages[f"{path.stem}.md"] = (title, text)
        rows.append(
            f"| [{_cell(title)}]({path.stem}.md) | `{results.get('benchmark', '')}` | "
            f"{len(results.get('runs') or [])} | {results.get('created') or '-'} |"
        )
    index = [
        "# Benchmarks",
        "",
        "Every figure below is generated from a file in `benchmarks/results/` when the "
        "site is built; the scripts in `benchmarks/` write those files. Unless a page says "
        "otherwise, the machine is a 2-core CPU with no GPU.",
        "",
        "| results | script | runs | measured |",
        "|---|---|---|---|",
        *rows,
        "",
    ]
    return {"index.md": ("Benchmarks", "\n".join(index)), **pages}, images


def _demote(markdown: str) -> str:
    """Headings one level down, so that a script's report sits under the page's title."""
    out = []
    for line in markdown.splitlines():
        out.append("#" + line if line.startswith("#") else line)
    return "\n".join(out) + "\n"


def _summary(entries) -> str:
    """A mkdocs-literate-nav `SUMMARY.md`: one `* [title](page)` line per entry."""
    return "".join(f"* [{title}]({page})\n" for title, page in entries)


def _save(path: Path, content) -> None:
    """Write only when the content changed, so that a served site rebuilds only then."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)


def public_modules(package: Path) -> list[str]:
    """Dotted names of the modules of `package` (a folder) whose path has no `_` part
    (`__init__` stands for its package; `__main__` is left out)."""
    names = []
    for source in sorted(Path(package).rglob("*.py")):
        parts = list(source.relative_to(Path(package).parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if any(p.startswith("_") for p in parts):
            continue
        names.append(".".join(parts))
    return names


def write_generated_pages(root: Path, out: Path) -> None:
    """Write `out/{benchmarks,notebooks,data,reference}/` from the repository at `root`,
    each with the `SUMMARY.md` of its section."""
    root, out = Path(root), Path(out)
    pages, images = benchmark_pages(root / "benchmarks" / "results")
    for name, (_, text) in pages.items():
        _save(out / "benchmarks" / name, text)
    for image in images:
        _save(out / "benchmarks" / image.name, image.read_bytes())
    labels = (("Benchmarks" if n == "index.md" else n[:-3], n) for n in pages)
    _save(out / "benchmarks" / "SUMMARY.md", _summary(labels))

    lines = [
        "# Notebooks",
        "",
        "One notebook per case study, prose in Spanish, rendered here from its jupytext "
        "twin without running it. The test suite runs every one in its fast setting "
        "(`LSTM_APPS_FAST=1`); install the `notebooks` extra to run them in Jupyter.",
        "",
    ]
    entries = [("Notebooks", "index.md")]
    for source in sorted((root / "notebooks").glob("*.py")):
        title, text = notebook_markdown(source)
        _save(out / "notebooks" / f"{source.stem}.md", text)
        lines.append(f"- [{title}]({source.stem}.md): `notebooks/{source.stem}.ipynb`")
        entries.append((title, f"{source.stem}.md"))
    _save(out / "notebooks" / "index.md", "\n".join(lines) + "\n")
    _save(out / "notebooks" / "SUMMARY.md", _summary(entries))

    text = (root / "datasets" / "README.md").read_text(encoding="utf-8")
    entries = [("Dataset cards", "index.md")]
    for card in sorted((root / "datasets").glob("*/README.md")):
        name = card.parent.name
        text = text.replace(f"]({name}/README.md)", f"]({name}.md)")
        _save(out / "data" / f"{name}.md", card.read_text(encoding="utf-8"))
        entries.append((name, f"{name}.md"))
    _save(out / "data" / "index.md", text)
    _save(out / "data" / "SUMMARY.md", _summary(entries))

    modules = public_modules(root / "lstm_apps")
    lines = [
        "# API reference",
        "",
        "Every public module of the package, generated from its docstrings.",
        "",
    ]
    entries = [("API reference", "index.md")]
    for module in modules:
        page = f"{module}.md"
        _save(out / "reference" / page, f"# `{module}`\n\n::: {module}\n")
        lines.append(f"- [`{module}`]({page})")
        entries.append((module, page))
    _save(out / "reference" / "index.md", "\n".join(lines) + "\n")
    _save(out / "reference" / "SUMMARY.md", _summary(entries))
