"""mkdocs hook: write the generated pages before mkdocs collects the files."""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS))

from site_tables import write_generated_pages  # noqa: E402


def on_pre_build(config, **kwargs):
    write_generated_pages(DOCS.parent, DOCS / "generated")
