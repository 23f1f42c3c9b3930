"""The documentation site: it builds strictly, covers the public API, and generates its
benchmark tables and notebook pages from the repository's files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs"))

from site_tables import (  # noqa: E402
    SCHEMA,
    benchmark_pages,
    notebook_markdown,
    public_modules,
    summary_table,
)


def _build(config: Path, site: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, DISABLE_MKDOCS_2_WARNING="true", NO_MKDOCS_2_WARNING="1")
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config)]
    return subprocess.run(
        [*command, "-d", str(site)], cwd=ROOT, env=env, capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site, built once with `mkdocs build --strict` (a warning fails the build)."""
    folder = tmp_path_factory.mktemp("site")
    done = _build(ROOT / "mkdocs.yml", folder)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-6000:]
    return folder


def _public_members(module):
    for name, member in module.members.items():
        if member.is_alias or name.startswith("_"):
            continue
        if member.is_module:
            yield from _public_members(member)
        elif member.is_function or member.is_class:
            yield member.path


def test_every_public_function_and_class_has_a_reference_entry(site):
    import griffe

    package = griffe.load("lstm_apps", search_paths=[str(ROOT)], allow_inspection=False)
    reference = site / "generated" / "reference"
    pages = {m: reference / m / "index.html" for m in public_modules(ROOT / "lstm_apps")}
    missing = []
    for path in _public_members(package):
        module = path.rsplit(".", 1)[0]
        while module not in pages and "." in module:  # a class's methods: the class's module
            module = module.rsplit(".", 1)[0]
        if f'id="{path}"' not in pages[module].read_text(encoding="utf-8"):
            missing.append(path)
    assert len(pages) > 100 and not missing, missing[:20]


def test_the_home_page_reaches_every_section(site):
    home = (site / "index.html").read_text(encoding="utf-8")
    for target in ("getting-started/", "case-studies/", "guides/own-data/", "generated/reference/"):
        assert target in home, target


def test_a_broken_link_or_reference_fails_the_build(tmp_path, site):
    import shutil

    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs)  # with the pages the site build generated
    config = tmp_path / "mkdocs.yml"
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    config.write_text(
        text.replace("  - docs/hooks.py", f"  - {ROOT / 'docs' / 'hooks.py'}")
        .replace("paths: [.]", f"paths: [{ROOT}]")
        .replace("  - Home: index.md", "  - Home: index.md\n  - Probe: probe.md"),
        encoding="utf-8",
    )
    probes = {
        "[a page](no-such-page.md)": "no-such-page.md",
        "[a name][lstm_apps.no_such_function]": "lstm_apps.no_such_function",
        "[an anchor](getting-started.md#no-such-heading)": "no-such-heading",
    }
    (docs / "probe.md").write_text("# Probe\n\n" + "\n\n".join(probes) + "\n", encoding="utf-8")
    done = _build(config, tmp_path / "site")  # strict: every warning is listed, then it fails
    assert done.returncode != 0
    for body, named in probes.items():
        assert named in done.stderr, (body, done.stderr[-2000:])


def test_benchmark_pages_are_generated_from_the_results_files(tmp_path, site):
    results = {
        "schema": SCHEMA,
        "benchmark": "demo",
        "title": "A demo benchmark",
        "command": "python benchmarks/demo.py --seeds 0 1",
        "seeds": [0, 1],
        "runs": [],
        "summary": [
            {"variant": "lstm", "metric": "accuracy", "mean": 0.9123, "std": 0.01, "n": 2},
            {"variant": "gru", "metric": "accuracy", "mean": 0.8765, "std": None, "n": 1},
        ],
        "peak_memory_mib": 512.0,
        "notes": ["a note"],
    }
    (tmp_path / "demo.json").write_text(json.dumps(results))
    (tmp_path / "demo.md").write_text("# Script report\n\nrow\n")
    pages, images = benchmark_pages(tmp_path)
    title, text = pages["demo.md"]
    assert title == "A demo benchmark" and images == []
    assert "| metric | lstm (2 runs) | gru (1 run) |" in text
    assert "| `accuracy` | 0.9123 ± 0.01 | 0.8765 |" in text
    assert "python benchmarks/demo.py --seeds 0 1" in text and "## Script report" in text
    assert "[A demo benchmark](demo.md)" in pages["index.md"][1]
    (tmp_path / "old.json").write_text(json.dumps({"runs": []}))
    with pytest.raises(ValueError, match="migrate_results"):
        benchmark_pages(tmp_path)
    built = {p.parent.name for p in (site / "generated" / "benchmarks").glob("*/index.html")}
    on_disk = {p.stem for p in (ROOT / "benchmarks" / "results").glob("*.json")} - {"index"}
    assert on_disk and on_disk <= built


def test_summary_table_puts_one_metric_per_row_and_one_variant_per_column():
    table = summary_table(
        [
            {"variant": "a", "metric": "rmse", "mean": 13.48, "std": 0.2, "n": 5},
            {"variant": "a", "metric": "train_seconds", "mean": 530.0, "std": 12.0, "n": 5},
            {"variant": "b", "metric": "rmse", "mean": 14.27, "std": 0.74, "n": 5},
        ]
    ).splitlines()
    assert table[0] == "| metric | a (5 runs) | b (5 runs) |"
    assert table[2] == "| `rmse` | 13.48 ± 0.2 | 14.27 ± 0.74 |"
    assert table[3] == "| `train_seconds` | 530.0 ± 12 |  |"


def test_notebooks_are_rendered_from_their_twins_without_running(tmp_path, site):
    source = tmp_path / "99-demo.py"
    source.write_text(
        "# %% [markdown]\n# # Un cuaderno\n#\n# Texto en español.\n\n# %%\nprint('hola')\n",
        encoding="utf-8",
    )
    title, text = notebook_markdown(source)
    assert title == "Un cuaderno"
    assert text.startswith("# Un cuaderno\n") and "Texto en español." in text
    assert "```python\nprint('hola')\n```" in text and "without running it" in text
    twins = sorted(p.stem for p in (ROOT / "notebooks").glob("*.py"))
    pages = site / "generated" / "notebooks"
    assert twins and all((pages / t / "index.html").exists() for t in twins)


def test_readme_is_a_front_door():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 300, len(lines)
