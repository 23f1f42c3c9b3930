"""What every case study's `Config` shares."""

from __future__ import annotations

import dataclasses
from typing import ClassVar


class CaseStudyConfig:
    """Mixin for the frozen `Config` dataclasses of the case studies.

    A subclass lists the changes of its quick variant in `FAST`; `fast()`
    applies them (and any further changes), `replace()` copies with changes.
    """

    FAST: ClassVar[dict] = {}

    @classmethod
    def fast(cls, **changes):
        """The tiny, quick variant used by tests and by notebooks run in CI."""
        return cls(**{**cls.FAST, **changes})

    def replace(self, **changes):
        """A copy with some fields changed (checked again)."""
        return dataclasses.replace(self, **changes)
